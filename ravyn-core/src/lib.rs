//! The core of Ravyn for Rust: the app builder, settings, routing, requests and responses,
//! `HTTPException`, middleware and the hyper server.
//!
//! Users import these through the `ravyn` facade crate; this crate has no macros and can be
//! used alone with hand-written [`Handler`]s.

pub mod app;
pub mod auth;
pub mod binding;
mod body;
mod body_read;
mod catch_panic;
pub mod cors;
pub mod csrf;
pub mod error;
pub mod exception;
pub mod extract;
pub mod handler;
mod header_timeout;
pub mod lifecycle;
pub mod middleware;
#[cfg(feature = "openapi")]
pub mod openapi;
#[cfg(feature = "openapi")]
mod operation;
mod pipeline;
mod protocol;
pub mod request;
pub mod response;
pub mod routing;
mod server;
pub mod service;
mod session;
pub mod settings;
mod spec;
pub mod static_files;
pub mod testing;
mod validation;

pub use app::{AppConfig, Ravyn, RavynBuilder};
pub use body::{Body, BoxError};
pub use cors::CORSConfig;
pub use csrf::CSRFConfig;
pub use error::ConfigError;
pub use exception::{HTTPException, NotAuthorized, NotFound, PermissionDenied};
pub use extract::FromRequest;
pub use handler::{BoxFuture, Handler};
pub use middleware::{ArcMiddleware, Middleware, Next};
#[cfg(feature = "jwt")]
pub use ravyn_auth;
pub use request::{PathParams, Request};
pub use response::{Html, IntoResponse, Json, Redirect, Response};
pub use routing::{Gateway, Include, Route};
pub use server::{shutdown_signal, MAX_URI_LENGTH};
pub use service::RavynService;
pub use settings::{DefaultSettings, Settings};
pub use spec::{ArgSource, ArgSpec, BodyPolicy, Needs, RouteSpec};
pub use static_files::StaticFilesConfig;

pub use cookie;
pub use http;
pub use ravyn_session;

/// Items the route attributes' generated code uses. Not public API: may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::binding::Binder;
    pub use crate::extract::probe;
    pub use crate::response::empty::{assert_empty_body, EmptyBody};
    pub use crate::spec::{ArgSource, ArgSpec, Needs};

    /// `permissions = [..]` on a route attribute: each element, checked to be a permission.
    pub fn permission<P: crate::auth::Permission>(permission: P) -> crate::auth::ArcPermission {
        permission.into()
    }
    pub use crate::auth::ArcPermission;
    /// What the route attributes' OpenAPI code uses.
    #[cfg(feature = "openapi")]
    pub mod openapi {
        pub use crate::openapi::probe::{required_schema, ReturnProbe, ViaDescribe, ViaUnknown};
        pub use crate::openapi::{schema_of, ExtraResponse, OperationSpec, SchemaFn};
    }
}
