//! # Ravyn for Rust
//!
//! Ravyn's app/config API on hyper and tokio: route attributes, handlers whose arguments are
//! bound from the path, query and body, `Gateway`/`Include`, settings objects, `HTTPException`
//! with Ravyn's error shape, and a fast, hard-to-break server.
//!
//! ```no_run
//! use ravyn::{get, Gateway, Json, Ravyn};
//! use serde_json::{json, Value};
//!
//! #[get("/hello")]
//! async fn hello() -> Json<Value> {
//!     Json(json!({"message": "hello"}))
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     Ravyn::builder()
//!         .routes(vec![Gateway::new(hello)])
//!         .build()?
//!         .serve("127.0.0.1:8000")
//!         .await?;
//!     Ok(())
//! }
//! ```

pub use ravyn_core::{
    auth, binding, cookie, extract, http, lifecycle, middleware, response, service, shutdown_signal, AppConfig,
    ArcMiddleware, ArgSource, ArgSpec, Body, BodyPolicy, BoxError, BoxFuture, ConfigError, FromRequest, Gateway,
    HTTPException, Handler, Html, Include, IntoResponse, Json, Middleware, Needs, Next, NotAuthorized, NotFound,
    PathParams, PermissionDenied, Ravyn, RavynBuilder, RavynService, Redirect, Request, Response, Route, RouteSpec,
    Settings, MAX_URI_LENGTH,
};
pub use ravyn_macros::{delete, get, patch, post, put, route};

/// Configuration objects, as Ravyn's `ravyn.config`.
pub mod config {
    #[cfg(feature = "openapi")]
    pub use ravyn_core::openapi::OpenAPIConfig;
    #[cfg(feature = "jwt")]
    pub use ravyn_core::ravyn_auth::{Algorithm, JWTConfig, JWTConfigError};
    pub use ravyn_core::ravyn_session::{CookieFormat, SameSite, SessionConfig, SessionConfigError};
    pub use ravyn_core::{CORSConfig, CSRFConfig, StaticFilesConfig};
}

/// JWT tokens: the [`JwtManager`](jwt::JwtManager) that issues, verifies, refreshes and revokes
/// them, the [`Token`](jwt::Token) claims, errors, token stores and clocks (`ravyn-auth`). The
/// web side (the identity step, [`AuthUser`](auth::AuthUser), [`Claims`](auth::Claims),
/// permissions) is in [`auth`]. Feature `jwt`, on by default.
#[cfg(feature = "jwt")]
pub mod jwt {
    #[cfg(feature = "redis")]
    pub use ravyn_core::ravyn_auth::RedisTokenStore;
    pub use ravyn_core::ravyn_auth::{
        bearer_token, store, Audience, AuthError, AuthErrorKind, Clock, JwtManager, KeyId, ManualClock,
        MemoryTokenStore, NoClaims, StoreError, SystemClock, Token, TokenPair, TokenStore, TokenType, MAX_TOKEN_LEN,
    };
}

/// OpenAPI 3.1 (feature `openapi`, on by default): [`OpenAPIConfig`](openapi::OpenAPIConfig), the
/// pieces of the document, and [`schemars`](openapi::schemars), whose `JsonSchema` derive
/// describes argument and response types. The guide is `docs/openapi.md`.
#[cfg(feature = "openapi")]
pub mod openapi {
    pub use ravyn_core::openapi::*;
}

/// Sessions: the [`Session`](session::Session) map `request.session()` returns, the pieces for
/// tests and custom set-ups (clocks, the manager), and server-side stores: the
/// [`SessionStore`](session::SessionStore) trait, [`MemoryStore`](session::MemoryStore),
/// `RedisStore` (feature `redis`), `PostgresStore`, `MySqlStore` and `SqliteStore` (features
/// `postgres`, `mysql`, `sqlite`), and the store conformance suite [`session::conformance`].
pub mod session {
    #[cfg(feature = "redis")]
    pub use ravyn_core::ravyn_session::RedisStore;
    pub use ravyn_core::ravyn_session::{
        conformance, store, Clock, CookieUpdate, FinishError, IncomingCookie, ManualClock, MemoryStore, Record,
        Session, SessionError, SessionId, SessionManager, SessionStore, StoreError, SystemClock,
    };
    #[cfg(feature = "mysql")]
    pub use ravyn_session::MySqlStore;
    #[cfg(feature = "postgres")]
    pub use ravyn_session::PostgresStore;
    #[cfg(feature = "sqlite")]
    pub use ravyn_session::SqliteStore;
}

/// In-process testing: [`TestClient`](testing::TestClient) drives an app without a socket.
pub mod testing {
    pub use ravyn_core::testing::{TestClient, TestRequest, TestResponse};
}

/// The names most apps import: `use ravyn::prelude::*;`.
pub mod prelude {
    #[cfg(feature = "jwt")]
    pub use crate::auth::Claims;
    pub use crate::auth::{AllowAny, AuthUser, DenyAll, IsAuthenticated, IsAuthenticatedOrReadOnly, Permission};
    pub use crate::{
        delete, get, patch, post, put, route, Gateway, HTTPException, Include, IntoResponse, Json, Ravyn, Redirect,
        Request, Response, Settings,
    };
}

/// Items the route attributes' generated code uses. Not public API: may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use ravyn_core::__private::*;
    pub use ravyn_core::{BoxFuture, Handler, IntoResponse, Request, Response, RouteSpec};
}

// The user documentation in `docs/` and the README, compiled (and, unless marked `no_run`, run)
// by `cargo test --doc -p ravyn`, so the docs cannot drift from the code. Pages with bearer-token
// examples need the `jwt` feature (on by default, and in `--all-features`, as CI runs the tests).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoc;

#[cfg(all(doctest, feature = "jwt"))]
#[doc = include_str!("../docs/index.md")]
pub struct IndexDoc;

#[cfg(doctest)]
#[doc = include_str!("../docs/routing.md")]
pub struct RoutingDoc;

#[cfg(doctest)]
#[doc = include_str!("../docs/responses.md")]
pub struct ResponsesDoc;

#[cfg(doctest)]
#[doc = include_str!("../docs/exceptions.md")]
pub struct ExceptionsDoc;

#[cfg(all(doctest, feature = "jwt"))]
#[doc = include_str!("../docs/settings.md")]
pub struct SettingsDoc;

#[cfg(doctest)]
#[doc = include_str!("../docs/middleware.md")]
pub struct MiddlewareDoc;

#[cfg(doctest)]
#[doc = include_str!("../docs/testing.md")]
pub struct TestingDoc;

#[cfg(doctest)]
#[doc = include_str!("../docs/configurations/session.md")]
pub struct SessionConfigDoc;

// Its store examples need the `redis` and SQL features (`--all-features`, as CI runs the tests).
#[cfg(all(doctest, feature = "redis", feature = "postgres", feature = "mysql", feature = "sqlite"))]
#[doc = include_str!("../docs/configurations/session-stores.md")]
pub struct SessionStoresDoc;

#[cfg(all(doctest, feature = "openapi"))]
#[doc = include_str!("../docs/openapi.md")]
pub struct OpenApiDoc;

#[cfg(doctest)]
#[doc = include_str!("../docs/configurations/csrf.md")]
pub struct CsrfDoc;

#[cfg(doctest)]
#[doc = include_str!("../docs/configurations/cors.md")]
pub struct CorsDoc;

#[cfg(all(doctest, feature = "jwt"))]
#[doc = include_str!("../docs/configurations/jwt.md")]
pub struct JwtConfigDoc;

#[cfg(all(doctest, feature = "jwt"))]
#[doc = include_str!("../docs/permissions.md")]
pub struct PermissionsDoc;

#[cfg(all(doctest, feature = "jwt"))]
#[doc = include_str!("../docs/security.md")]
pub struct SecurityDoc;

#[cfg(doctest)]
#[doc = include_str!("../docs/configurations/static-files.md")]
pub struct StaticFilesDoc;
