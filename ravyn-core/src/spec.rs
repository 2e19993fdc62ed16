//! [`RouteSpec`]: what a route declares about itself — name, path, methods, default status, what
//! its handler needs from the request ([`Needs`]), its arguments ([`ArgSpec`]) and its body policy
//! ([`BodyPolicy`]). The route attributes emit it; the app reads it once, at `build()`, to decide
//! which built-in steps each route runs (ARCHITECTURE.md, "The built-in steps").

use std::fmt;
use std::ops::{BitOr, BitOrAssign};

/// What a handler needs from its request, so the app runs only the steps that provide it.
///
/// The route attributes compute it from the handler's arguments: a `Request` argument gives
/// [`REQUEST`](Needs::REQUEST) (and [`SESSION`](Needs::SESSION) when the request may reach its
/// session: see `ravyn-macros`' docs), a typed argument adds what its
/// [`FromRequest::NEEDS`](crate::extract::FromRequest::NEEDS) says, and arguments bound from the
/// body add [`BODY`](Needs::BODY). Hand-written handlers declare it with [`RouteSpec::with_needs`]; by
/// default they need everything.
///
/// ```
/// use ravyn_core::Needs;
/// let needs = Needs::REQUEST | Needs::SESSION;
/// assert!(needs.contains(Needs::SESSION));
/// assert!(!needs.contains(Needs::BODY));
/// assert!(Needs::ALL.contains(needs));
/// assert_eq!(format!("{needs:?}"), "Needs(REQUEST | SESSION)");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Needs(u8);

impl Needs {
    /// Nothing from the request beyond its bound arguments.
    pub const NONE: Needs = Needs(0);
    /// The [`Request`](crate::Request) itself.
    pub const REQUEST: Needs = Needs(1);
    /// The session: a server-side store's record is loaded before the handler runs.
    pub const SESSION: Needs = Needs(1 << 1);
    /// The body, parsed into arguments.
    pub const BODY: Needs = Needs(1 << 2);
    /// The caller's identity (the identity step: JWT or the session's user).
    pub const USER: Needs = Needs(1 << 3);
    /// The request's CSRF token (`request.csrf_token()`): the CSRF step then checks the token
    /// cookie a safe request carries, to hand out a valid one; otherwise it only decides whether
    /// to keep it.
    pub const CSRF_TOKEN: Needs = Needs(1 << 4);
    /// Everything: what a hand-written handler is assumed to need.
    pub const ALL: Needs = Needs(0b1_1111);

    const NAMES: [(Needs, &'static str); 5] = [
        (Needs::REQUEST, "REQUEST"),
        (Needs::SESSION, "SESSION"),
        (Needs::BODY, "BODY"),
        (Needs::USER, "USER"),
        (Needs::CSRF_TOKEN, "CSRF_TOKEN"),
    ];

    /// Both sets.
    #[must_use]
    pub const fn union(self, other: Needs) -> Needs {
        Needs(self.0 | other.0)
    }

    /// Whether every need in `other` is in `self`.
    pub const fn contains(self, other: Needs) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether `self` and `other` share a need.
    pub const fn intersects(self, other: Needs) -> bool {
        self.0 & other.0 != 0
    }

    /// Whether there is no need.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl BitOr for Needs {
    type Output = Needs;
    fn bitor(self, other: Needs) -> Needs {
        self.union(other)
    }
}

impl BitOrAssign for Needs {
    fn bitor_assign(&mut self, other: Needs) {
        *self = self.union(other);
    }
}

impl fmt::Debug for Needs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Needs(")?;
        let mut names = Needs::NAMES.iter().filter(|(need, _)| self.contains(*need)).map(|(_, name)| name);
        match names.next() {
            None => f.write_str("NONE")?,
            Some(first) => {
                f.write_str(first)?;
                for name in names {
                    write!(f, " | {name}")?;
                }
            }
        }
        f.write_str(")")
    }
}

/// Where one handler argument's value comes from (Ravyn's binding rules; DESIGN.md §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ArgSource {
    /// The request itself (`request: Request`).
    Request,
    /// A typed argument that takes what it needs from the request
    /// ([`FromRequest`](crate::extract::FromRequest), e.g. `Session`).
    Extractor,
    /// The path parameter of the argument's name.
    Path,
    /// The query parameter of the argument's name.
    Query,
    /// The query parameter of the argument's name, overridden by the same top-level key of a JSON
    /// or form body.
    QueryOrBody,
    /// The whole body (`data` or `payload`).
    Body,
}

/// One handler argument, as the route attribute saw it: for documentation (OpenAPI) and tools.
///
/// ```
/// use ravyn_core::{ArgSource, ArgSpec};
/// const PAGE: ArgSpec = ArgSpec::new("page", ArgSource::Query, "Option<u32>", false);
/// assert_eq!((PAGE.name(), PAGE.source(), PAGE.type_name(), PAGE.required()), ("page", ArgSource::Query, "Option<u32>", false));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ArgSpec {
    name: &'static str,
    source: ArgSource,
    type_name: &'static str,
    required: bool,
}

impl ArgSpec {
    /// An argument `name` of type `type_name` (as written) bound from `source`; `required` is
    /// false for `Option<T>`.
    pub const fn new(name: &'static str, source: ArgSource, type_name: &'static str, required: bool) -> Self {
        ArgSpec { name, source, type_name, required }
    }

    /// The argument's name (without `r#`).
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// Where its value comes from.
    pub const fn source(&self) -> ArgSource {
        self.source
    }

    /// Its type, as written in the handler's signature.
    pub const fn type_name(&self) -> &'static str {
        self.type_name
    }

    /// Whether a request must supply it (not an `Option<T>`).
    pub const fn required(&self) -> bool {
        self.required
    }
}

/// How a route's request body is read before its handler runs.
///
/// ```
/// use ravyn_core::BodyPolicy;
/// assert_eq!(BodyPolicy::default(), BodyPolicy::Buffered { limit: None });
/// assert_eq!(BodyPolicy::Streamed { limit: Some(1 << 30) }.limit(), Some(1 << 30));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BodyPolicy {
    /// Read whole into memory before the request enters the app, up to `limit` bytes (`None`:
    /// the app's `max_body_size`); a larger body answers 413. What every route gets by default.
    Buffered {
        /// The largest body accepted, in bytes; `None` for the app's `max_body_size`.
        limit: Option<u64>,
    },
    /// Handed to the handler as a stream ([`Request::take_body`](crate::Request::take_body)), read
    /// as it arrives; more than `limit` bytes (`None`: no limit) ends the stream with an error.
    Streamed {
        /// The largest body accepted, in bytes; `None` for no limit.
        limit: Option<u64>,
    },
}

impl Default for BodyPolicy {
    fn default() -> Self {
        BodyPolicy::Buffered { limit: None }
    }
}

impl BodyPolicy {
    /// The route's own limit, if it sets one.
    pub const fn limit(&self) -> Option<u64> {
        match self {
            BodyPolicy::Buffered { limit } | BodyPolicy::Streamed { limit } => *limit,
        }
    }
}

/// What a route declares: name, path, methods, default status, [`Needs`], arguments and body
/// policy. Route attributes build it; a hand-written [`Handler`](crate::Handler) returns one from
/// `spec()`.
///
/// ```
/// use ravyn_core::{Needs, RouteSpec};
/// let spec = RouteSpec::new("profile", "/profile", &["GET"], 200);
/// assert_eq!(spec.path(), "/profile");
/// assert_eq!(spec.methods(), ["GET"]);
/// // A hand-written handler is assumed to need everything, unless it says otherwise.
/// assert!(spec.may_use_session() && spec.receives_request());
/// let spec = spec.with_needs(Needs::NONE);
/// assert!(!spec.may_use_session() && !spec.receives_request());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteSpec {
    name: &'static str,
    path: &'static str,
    methods: &'static [&'static str],
    status_code: u16,
    needs: Needs,
    args: &'static [ArgSpec],
    body: BodyPolicy,
    description: Option<&'static str>,
    permissions: &'static [&'static str],
    #[cfg(feature = "openapi")]
    openapi: Option<OperationRef>,
}

/// An operation's documentation, compared by identity (it holds function pointers).
#[cfg(feature = "openapi")]
#[derive(Debug, Clone, Copy)]
struct OperationRef(&'static crate::operation::OperationSpec);

#[cfg(feature = "openapi")]
impl PartialEq for OperationRef {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.0, other.0)
    }
}

#[cfg(feature = "openapi")]
impl Eq for OperationRef {}

impl RouteSpec {
    /// A route named `name` (the handler's function name) at `path` for `methods`, answering
    /// `status_code` when the handler does not choose a status itself. It needs
    /// [`Needs::ALL`] until [`with_needs`](Self::with_needs) says otherwise.
    pub const fn new(
        name: &'static str,
        path: &'static str,
        methods: &'static [&'static str],
        status_code: u16,
    ) -> Self {
        RouteSpec {
            name,
            path,
            methods,
            status_code,
            needs: Needs::ALL,
            args: &[],
            body: BodyPolicy::Buffered { limit: None },
            description: None,
            permissions: &[],
            #[cfg(feature = "openapi")]
            openapi: None,
        }
    }

    /// Declares what the handler needs from the request. A route that needs neither the request
    /// nor its session skips the session step altogether (no cookie lookup, no session object),
    /// and a server-side store is consulted only for routes that need the session.
    ///
    /// ```
    /// use ravyn_core::{Needs, RouteSpec};
    /// let spec = RouteSpec::new("hello", "/hello", &["GET"], 200).with_needs(Needs::NONE);
    /// assert!(!spec.receives_request() && !spec.may_use_session());
    /// ```
    pub const fn with_needs(mut self, needs: Needs) -> Self {
        self.needs = needs;
        self
    }

    /// Declares the handler's arguments (for documentation; binding does not read them).
    pub const fn with_args(mut self, args: &'static [ArgSpec]) -> Self {
        self.args = args;
        self
    }

    /// Declares how the body is read (default: buffered up to the app's `max_body_size`).
    ///
    /// ```
    /// use ravyn_core::{BodyPolicy, RouteSpec};
    /// let spec = RouteSpec::new("upload", "/upload", &["POST"], 201).with_body_policy(BodyPolicy::Streamed { limit: None });
    /// assert_eq!(spec.body_policy(), BodyPolicy::Streamed { limit: None });
    /// ```
    pub const fn with_body_policy(mut self, body: BodyPolicy) -> Self {
        self.body = body;
        self
    }

    /// Declares a description (the route attributes pass the handler's doc comment).
    pub const fn with_description(mut self, description: &'static str) -> Self {
        self.description = Some(description);
        self
    }

    /// Declares the names of the handler's own permissions (the route attribute's
    /// `permissions = [..]`, as written), for documentation (OpenAPI: a route with permissions
    /// may answer 401 and 403). The permissions themselves come from
    /// [`Handler::permissions`](crate::Handler::permissions).
    ///
    /// ```
    /// use ravyn_core::RouteSpec;
    /// let spec = RouteSpec::new("me", "/me", &["GET"], 200).with_permissions(&["IsAuthenticated"]);
    /// assert_eq!(spec.permissions(), ["IsAuthenticated"]);
    /// ```
    pub const fn with_permissions(mut self, permissions: &'static [&'static str]) -> Self {
        self.permissions = permissions;
        self
    }

    /// The names of the handler's own permissions (not those of its `Gateway`, `Include`s or
    /// app: [`Ravyn::route_permissions`](crate::Ravyn::route_permissions) has every level's).
    pub const fn permissions(&self) -> &'static [&'static str] {
        self.permissions
    }

    /// Declares the operation's OpenAPI documentation (the route attributes pass what they read
    /// from the attribute and the signature). Feature `openapi`.
    #[cfg(feature = "openapi")]
    pub const fn with_openapi(mut self, operation: &'static crate::operation::OperationSpec) -> Self {
        self.openapi = Some(OperationRef(operation));
        self
    }

    /// The operation's OpenAPI documentation, if declared. Feature `openapi`.
    #[cfg(feature = "openapi")]
    pub const fn openapi(&self) -> Option<&'static crate::operation::OperationSpec> {
        match self.openapi {
            Some(operation) => Some(operation.0),
            None => None,
        }
    }

    /// The handler's name.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The path, relative to any `Gateway`/`Include` prefix.
    pub const fn path(&self) -> &'static str {
        self.path
    }

    /// The methods, upper case.
    pub const fn methods(&self) -> &'static [&'static str] {
        self.methods
    }

    /// The default status.
    pub const fn status_code(&self) -> u16 {
        self.status_code
    }

    /// What the handler needs from the request.
    pub const fn needs(&self) -> Needs {
        self.needs
    }

    /// The handler's arguments, in order.
    pub const fn args(&self) -> &'static [ArgSpec] {
        self.args
    }

    /// How the body is read.
    pub const fn body_policy(&self) -> BodyPolicy {
        self.body
    }

    /// The description, if any.
    pub const fn description(&self) -> Option<&'static str> {
        self.description
    }

    /// Whether the handler may use its session ([`Needs::SESSION`]).
    pub const fn may_use_session(&self) -> bool {
        self.needs.contains(Needs::SESSION)
    }

    /// Whether the handler receives the [`Request`](crate::Request) ([`Needs::REQUEST`]).
    pub const fn receives_request(&self) -> bool {
        self.needs.contains(Needs::REQUEST)
    }
}
