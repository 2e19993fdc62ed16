//! The [`Handler`] trait that route attributes implement, and [`RouteSpec`], what a route
//! attribute declares.

use crate::request::Request;
use crate::response::Response;
use std::future::Future;
use std::pin::Pin;

/// A boxed, sendable future; the return type of handlers and middleware behind `dyn`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a route attribute declares: name, path, methods and default status.
///
/// ```
/// use ravyn_core::RouteSpec;
/// let spec = RouteSpec::new("profile", "/profile", &["GET"], 200);
/// assert_eq!(spec.path(), "/profile");
/// assert_eq!(spec.methods(), ["GET"]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteSpec {
    name: &'static str,
    path: &'static str,
    methods: &'static [&'static str],
    status_code: u16,
    uses_session: bool,
    takes_request: bool,
}

impl RouteSpec {
    /// A route named `name` (the handler's function name) at `path` for `methods`, answering
    /// `status_code` when the handler does not choose a status itself.
    pub const fn new(
        name: &'static str,
        path: &'static str,
        methods: &'static [&'static str],
        status_code: u16,
    ) -> Self {
        RouteSpec { name, path, methods, status_code, uses_session: true, takes_request: true }
    }

    /// Declares whether the handler may use its session. Route attributes set it from the
    /// handler's body; a server-side session store is only consulted for routes that may.
    pub const fn uses_session(mut self, uses_session: bool) -> Self {
        self.uses_session = uses_session;
        self
    }

    /// Declares whether the handler receives the [`Request`] (route attributes set it from the
    /// arguments). A handler that does not cannot reach the session; for such a route without
    /// middleware of its own, an app whose only middleware is built in skips the session step
    /// (no cookie lookup, no session object).
    ///
    /// ```
    /// use ravyn_core::RouteSpec;
    /// let spec = RouteSpec::new("hello", "/hello", &["GET"], 200).uses_session(false).takes_request(false);
    /// assert!(!spec.receives_request() && !spec.may_use_session());
    /// ```
    pub const fn takes_request(mut self, takes_request: bool) -> Self {
        self.takes_request = takes_request;
        self
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

    /// Whether the handler may use its session.
    pub const fn may_use_session(&self) -> bool {
        self.uses_session
    }

    /// Whether the handler receives the [`Request`].
    pub const fn receives_request(&self) -> bool {
        self.takes_request
    }
}

/// A route handler: what `#[get]`, `#[post]`, ... turn an `async fn` into.
///
/// The attribute replaces the function with a unit struct of the same name implementing this
/// trait, so `Gateway::new(login)` names the handler as in Ravyn. Implement it by hand for
/// handlers built at run time.
///
/// ```
/// use ravyn_core::{BoxFuture, Handler, IntoResponse, Request, Response, RouteSpec};
///
/// struct Health;
/// impl Handler for Health {
///     fn spec(&self) -> RouteSpec {
///         RouteSpec::new("health", "/health", &["GET"], 200).uses_session(false)
///     }
///     fn call(&self, _request: Request) -> BoxFuture<'static, Response> {
///         Box::pin(async { "ok".into_response() })
///     }
/// }
/// assert_eq!(Health.spec().name(), "health");
/// ```
pub trait Handler: Send + Sync + 'static {
    /// The route this handler declares.
    fn spec(&self) -> RouteSpec;

    /// Binds the arguments from `request`, runs the handler and converts its result.
    fn call(&self, request: Request) -> BoxFuture<'static, Response>;
}
