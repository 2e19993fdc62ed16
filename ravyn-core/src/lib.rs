//! The core of Ravyn for Rust: the app builder, settings, routing, requests and responses,
//! `HTTPException`, middleware and the hyper server.
//!
//! Users import these through the `ravyn` facade crate; this crate has no macros and can be
//! used alone with hand-written [`Handler`]s.

pub mod app;
pub mod binding;
mod body;
mod catch_panic;
pub mod cors;
pub mod csrf;
pub mod error;
pub mod exception;
pub mod handler;
mod header_timeout;
pub mod middleware;
mod protocol;
pub mod request;
pub mod response;
pub mod routing;
mod server;
mod session;
pub mod settings;
pub mod testing;

pub use app::{AppConfig, Ravyn, RavynBuilder};
pub use body::Body;
pub use cors::CORSConfig;
pub use csrf::CSRFConfig;
pub use error::ConfigError;
pub use exception::{HTTPException, NotAuthorized, NotFound, PermissionDenied};
pub use handler::{BoxFuture, Handler, RouteSpec};
pub use middleware::{Middleware, MiddlewareRef, Next};
pub use request::{PathParams, Request};
pub use response::{Html, IntoResponse, Json, Redirect, Response};
pub use routing::{Gateway, Include, Route};
pub use server::shutdown_signal;
pub use settings::{DefaultSettings, Settings};

pub use cookie;
pub use http;
pub use ravyn_session;

/// Items the route attributes' generated code uses. Not public API: may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::binding::Binder;

    /// Implemented by return types that carry no body, for `204 No Content` routes.
    #[diagnostic::on_unimplemented(
        message = "a route answering 204 No Content cannot return `{Self}`, which has a body",
        label = "this return type has a body",
        note = "return `()` or `Result<(), E>`, or give the route another status, e.g. `status_code = 200`"
    )]
    pub trait EmptyBody {}
    impl EmptyBody for () {}
    impl<E> EmptyBody for Result<(), E> {}
    impl EmptyBody for http::StatusCode {}

    /// Fails to compile unless `T` has no body.
    pub const fn assert_empty_body<T: EmptyBody>() {}
}
