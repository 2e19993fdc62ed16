//! Typed handler arguments that take what they need from the request: [`FromRequest`].
//!
//! Ravyn binds arguments by name (path parameter, `data`/`payload`, query or body key). A type
//! that implements [`FromRequest`] is bound by its type instead, whatever the argument's name, and
//! says through [`FromRequest::NEEDS`] which built-in steps must run for it: a
//! [`Session`](ravyn_session::Session) argument needs the session (so a server-side store's record
//! is loaded before the handler), the identity types of the JWT work will need the user.
//!
//! ```
//! use ravyn_core::extract::FromRequest;
//! use ravyn_core::{HTTPException, Needs, Request};
//!
//! /// The `X-Tenant` header, required.
//! struct Tenant(String);
//!
//! impl FromRequest for Tenant {
//!     type Rejection = HTTPException;
//!
//!     fn from_request(request: &mut Request) -> Result<Self, HTTPException> {
//!         match request.headers().get("x-tenant").and_then(|v| v.to_str().ok()) {
//!             Some(tenant) => Ok(Tenant(tenant.to_owned())),
//!             None => Err(HTTPException::new(400, "X-Tenant header required")),
//!         }
//!     }
//! }
//!
//! let mut request = Request::builder().header("x-tenant", "acme").build();
//! assert_eq!(Tenant::from_request(&mut request).ok().map(|t| t.0).as_deref(), Some("acme"));
//! assert_eq!(Tenant::NEEDS, Needs::NONE);
//! ```

use crate::request::Request;
use crate::response::IntoResponse;
use crate::spec::Needs;
use crate::HTTPException;

/// A handler argument built from the request by its type (see the [module docs](self)).
///
/// Extraction is synchronous: anything that needs I/O (loading a session from its store, a user
/// from a database) is done before the handler by the built-in step that [`NEEDS`](Self::NEEDS)
/// names, so the extractor only reads what that step attached to the request.
pub trait FromRequest: Sized + Send + 'static {
    /// What this argument needs the built-in steps to provide.
    const NEEDS: Needs = Needs::NONE;

    /// Whether the argument exists only for an authenticated caller, answering 401 otherwise
    /// ([`AuthUser`](crate::auth::AuthUser), [`Claims`](crate::auth::Claims)). Read by the
    /// OpenAPI document (feature `openapi`) only: such a route lists the app's authentication
    /// schemes as its security and its 401; never read per request.
    ///
    /// ```
    /// use ravyn_core::auth::AuthUser;
    /// use ravyn_core::extract::FromRequest;
    /// struct User;
    /// assert!(<AuthUser<User> as FromRequest>::AUTHENTICATED);
    /// assert!(!<Option<AuthUser<User>> as FromRequest>::AUTHENTICATED);
    /// ```
    const AUTHENTICATED: bool = false;

    /// What is answered instead of calling the handler when the argument cannot be built.
    type Rejection: IntoResponse;

    /// Builds the argument, or the rejection to answer instead.
    fn from_request(request: &mut Request) -> Result<Self, Self::Rejection>;
}

/// The request's session (a cheap handle to the same map `request.session()` returns).
///
/// ```
/// use ravyn_core::extract::FromRequest;
/// use ravyn_core::Needs;
/// assert_eq!(ravyn_session::Session::NEEDS, Needs::SESSION);
/// // Without a session configuration, the argument is a logged 500.
/// let mut request = ravyn_core::Request::builder().build();
/// let rejection = ravyn_session::Session::from_request(&mut request).err().unwrap();
/// assert_eq!(rejection.status().as_u16(), 500);
/// ```
impl FromRequest for ravyn_session::Session {
    const NEEDS: Needs = Needs::SESSION;
    type Rejection = HTTPException;

    fn from_request(request: &mut Request) -> Result<Self, HTTPException> {
        match request.try_session() {
            Some(session) => Ok(session.clone()),
            None => {
                tracing::error!(
                    "a handler takes a `Session` argument, but the app has no session configuration: add \
                     .session_config(SessionConfig::new(secret)) to Ravyn::builder()"
                );
                Err(HTTPException::internal_server_error())
            }
        }
    }
}

/// `Option<T>` of an extractor: `None` where `T` would reject (so it never rejects).
impl<T: FromRequest> FromRequest for Option<T> {
    const NEEDS: Needs = T::NEEDS;
    type Rejection = HTTPException;

    fn from_request(request: &mut Request) -> Result<Self, HTTPException> {
        Ok(T::from_request(request).ok())
    }
}

/// How the route attributes pick, per argument, between [`FromRequest`] and binding by name:
/// method resolution on `(&&Probe::<T>::new()).kind()` finds [`ByExtractor`] when `T:
/// FromRequest` (one autoref), else [`ByName`] (two). Handlers are never generic, so `T` is always
/// a concrete type here. Not public API.
#[doc(hidden)]
pub mod probe {
    use super::FromRequest;
    use crate::binding::Binder;
    use crate::request::Request;
    use crate::response::{IntoResponse, Response};
    use crate::spec::{ArgSource, Needs};
    use serde::de::DeserializeOwned;
    use std::marker::PhantomData;

    /// The type being probed.
    pub struct Probe<T>(PhantomData<T>);

    impl<T> Probe<T> {
        /// A probe for `T`.
        pub const fn new() -> Self {
            Probe(PhantomData)
        }
    }

    impl<T> Default for Probe<T> {
        fn default() -> Self {
            Probe::new()
        }
    }

    /// Found first: `T` is an extractor.
    pub trait ViaExtractor<T> {
        /// The strategy.
        fn kind(&self) -> ByExtractor<T>;
    }

    impl<T: FromRequest> ViaExtractor<T> for &Probe<T> {
        fn kind(&self) -> ByExtractor<T> {
            ByExtractor(PhantomData)
        }
    }

    /// Found otherwise: `T` binds by the argument's name.
    pub trait ViaName<T> {
        /// The strategy.
        fn kind(&self) -> ByName<T>;
    }

    impl<T> ViaName<T> for Probe<T> {
        fn kind(&self) -> ByName<T> {
            ByName(PhantomData)
        }
    }

    /// What an extracted argument holds between the two binding phases.
    pub enum Slot<T> {
        /// Extracted in the first phase.
        Extracted(T),
        /// Bound by name in the second phase.
        Pending,
    }

    #[cfg(feature = "openapi")]
    impl<T: FromRequest> ByExtractor<T> {
        /// A typed argument is not a parameter: not documented.
        pub fn param_schema<U: ?Sized>(&self) -> Option<crate::operation::SchemaFn> {
            None
        }

        /// `T::AUTHENTICATED`: the route needs an authenticated caller.
        pub fn authenticated(&self) -> bool {
            T::AUTHENTICATED
        }
    }

    #[cfg(feature = "openapi")]
    impl<T> ByName<T> {
        /// The schema of `U`: the argument's type, or `T` of an `Option<T>`.
        pub fn param_schema<U: crate::operation::ApiSchema + ?Sized>(&self) -> Option<crate::operation::SchemaFn> {
            Some(crate::operation::schema_of::<U>)
        }

        /// A value bound by name asks nothing of the caller.
        pub fn authenticated(&self) -> bool {
            false
        }
    }

    /// `T: FromRequest`.
    pub struct ByExtractor<T>(PhantomData<T>);

    impl<T: FromRequest> ByExtractor<T> {
        /// `T::NEEDS`.
        pub fn needs(&self) -> Needs {
            T::NEEDS
        }

        /// [`ArgSource::Extractor`], whatever the name would have bound.
        pub fn source(&self, _by_name: ArgSource) -> ArgSource {
            ArgSource::Extractor
        }

        /// First phase, with the request mutable: extracts, or the rejection to answer.
        #[allow(clippy::result_large_err)] // The `Err` is the answer, returned at once.
        pub fn extract(&self, request: &mut Request) -> Result<Slot<T>, Response> {
            T::from_request(request).map(Slot::Extracted).map_err(IntoResponse::into_response)
        }

        /// Second phase: the value extracted in the first.
        pub fn query(&self, slot: Slot<T>, _binder: &mut Binder<'_>, _name: &'static str) -> Option<T> {
            match slot {
                Slot::Extracted(value) => Some(value),
                Slot::Pending => None,
            }
        }

        /// Second phase: the value extracted in the first.
        pub fn query_or_body(&self, slot: Slot<T>, binder: &mut Binder<'_>, name: &'static str) -> Option<T> {
            self.query(slot, binder, name)
        }
    }

    /// `T` binds by name (`T: DeserializeOwned`, checked where it binds).
    pub struct ByName<T>(PhantomData<T>);

    impl<T> ByName<T> {
        /// Nothing beyond the request's query and body.
        pub fn needs(&self) -> Needs {
            Needs::NONE
        }

        /// Where the name binds from.
        pub fn source(&self, by_name: ArgSource) -> ArgSource {
            by_name
        }

        /// First phase: nothing to do.
        #[allow(clippy::result_large_err)] // The same signature as `ByExtractor::extract`.
        pub fn extract(&self, _request: &mut Request) -> Result<Slot<T>, Response> {
            Ok(Slot::Pending)
        }

        /// Second phase: the query parameter `name`.
        pub fn query(&self, _slot: Slot<T>, binder: &mut Binder<'_>, name: &'static str) -> Option<T>
        where
            T: DeserializeOwned,
        {
            binder.query::<T>(name)
        }

        /// Second phase: the body key or query parameter `name`.
        pub fn query_or_body(&self, _slot: Slot<T>, binder: &mut Binder<'_>, name: &'static str) -> Option<T>
        where
            T: DeserializeOwned,
        {
            binder.query_or_body::<T>(name)
        }
    }
}
