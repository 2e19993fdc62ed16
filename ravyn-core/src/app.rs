//! [`Ravyn`], the application, and [`RavynBuilder`], how it is configured.

use crate::auth::{ArcPermission, DynUserLoader, IdentityStep, Permissions, UserLoaderFn};
use crate::cors::{CORSConfig, CorsStep};
use crate::csrf::{CSRFConfig, CsrfStep};
use crate::error::ConfigError;
use crate::lifecycle::{Hook, HookResult, Hooks, Lifespan};
use crate::middleware::ArcMiddleware;
use crate::pipeline::{Builtins, RouteEndpoint, Target};
use crate::request::Request;
use crate::response::Response;
use crate::routing::{flatten, Miss, Refusal, Route, RouteDocs, Router};
use crate::session::SessionStep;
use crate::settings::{DefaultSettings, Settings};
use crate::HTTPException;
use http::StatusCode;
use ravyn_session::{SessionConfig, SessionManager};
use std::sync::Arc;
use std::time::Duration;

/// A built application: routes, middleware and configuration, cheap to clone.
///
/// Serve it with [`Ravyn::serve`] (or [`Ravyn::serve_listener`]), or drive it in-process with
/// [`TestClient`](crate::testing::TestClient).
///
/// ```
/// use ravyn_core::Ravyn;
/// let app = Ravyn::builder().debug(true).build().unwrap();
/// assert!(app.config().debug());
/// ```
#[derive(Clone)]
pub struct Ravyn {
    inner: Arc<AppInner>,
}

struct AppInner {
    config: AppConfig,
    /// The app's own middleware (`RavynBuilder::middleware`), outermost first.
    middleware: Arc<[ArcMiddleware]>,
    router: Router<Arc<RouteEndpoint>>,
    builtins: Builtins,
    hooks: Hooks,
    /// `"GET /path"` and the route's permissions, for [`Ravyn::route_permissions`].
    route_permissions: Vec<(String, Vec<ArcPermission>)>,
    /// The OpenAPI document, serialized once at `build()`.
    #[cfg(feature = "openapi")]
    openapi: Option<bytes::Bytes>,
}

impl std::fmt::Debug for Ravyn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ravyn")
            .field("config", &self.inner.config)
            .field("paths", &self.inner.router.len())
            .field("middleware", &self.inner.middleware.len())
            .finish()
    }
}

/// The configuration an app was built with, after precedence (builder, then settings module,
/// then defaults) was applied.
#[derive(Debug, Clone)]
pub struct AppConfig {
    debug: bool,
    redirect_slashes: bool,
    max_body_size: usize,
    max_header_size: usize,
    header_read_timeout: Duration,
    body_read_timeout: Duration,
    http2_max_concurrent_streams: u32,
    max_buffered_body_per_connection: usize,
    shutdown_timeout: Duration,
    max_connections: usize,
}

impl AppConfig {
    /// Debug mode.
    pub fn debug(&self) -> bool {
        self.debug
    }
    /// Whether `/path/` and `/path` redirect to whichever exists.
    pub fn redirect_slashes(&self) -> bool {
        self.redirect_slashes
    }
    /// The largest request body accepted, in bytes.
    pub fn max_body_size(&self) -> usize {
        self.max_body_size
    }
    /// The largest request header section accepted, in bytes.
    pub fn max_header_size(&self) -> usize {
        self.max_header_size
    }
    /// How long a client may take to send its headers.
    pub fn header_read_timeout(&self) -> Duration {
        self.header_read_timeout
    }
    /// How long a client may take to send a whole buffered request body.
    pub fn body_read_timeout(&self) -> Duration {
        self.body_read_timeout
    }
    /// How many HTTP/2 streams one connection may have open at once.
    pub fn http2_max_concurrent_streams(&self) -> u32 {
        self.http2_max_concurrent_streams
    }
    /// How many body bytes one connection's requests may hold buffered at once.
    pub fn max_buffered_body_per_connection(&self) -> usize {
        self.max_buffered_body_per_connection
    }
    /// How long graceful shutdown waits for in-flight requests.
    pub fn shutdown_timeout(&self) -> Duration {
        self.shutdown_timeout
    }
    /// How many connections are served at once; beyond it the server waits for one to close
    /// before accepting another.
    pub fn max_connections(&self) -> usize {
        self.max_connections
    }
}

/// Configures a [`Ravyn`] app; see [`Ravyn::builder`].
///
/// A value given here wins over the settings module, which wins over the defaults.
///
/// ```
/// use ravyn_core::{Ravyn, Settings};
///
/// struct AppSettings;
/// impl Settings for AppSettings {
///     fn debug(&self) -> bool { true }
///     fn max_body_size(&self) -> usize { 4096 }
/// }
///
/// let app = Ravyn::builder()
///     .settings_module(AppSettings)
///     .max_body_size(1024) // the builder wins over the settings module
///     .build()
///     .unwrap();
/// assert_eq!(app.config().max_body_size(), 1024);
/// assert!(app.config().debug()); // from the settings module
/// assert!(app.config().redirect_slashes()); // the default
/// ```
#[must_use = "call .build() to get the app"]
#[derive(Default)]
pub struct RavynBuilder {
    routes: Vec<Route>,
    middleware: Vec<ArcMiddleware>,
    settings: Option<Box<dyn Settings>>,
    hooks: Hooks,
    debug: Option<bool>,
    redirect_slashes: Option<bool>,
    max_body_size: Option<usize>,
    max_header_size: Option<usize>,
    header_read_timeout: Option<Duration>,
    body_read_timeout: Option<Duration>,
    http2_max_concurrent_streams: Option<u32>,
    max_buffered_body_per_connection: Option<usize>,
    shutdown_timeout: Option<Duration>,
    max_connections: Option<usize>,
    session_config: Option<SessionConfig>,
    csrf_config: Option<CSRFConfig>,
    cors_config: Option<CORSConfig>,
    static_files: Vec<crate::StaticFilesConfig>,
    #[cfg(feature = "jwt")]
    jwt_config: Option<ravyn_auth::JWTConfig>,
    user_loader: Option<Arc<dyn DynUserLoader>>,
    permissions: Vec<ArcPermission>,
    docs: RouteDocs,
    #[cfg(feature = "openapi")]
    openapi_config: Option<crate::openapi::OpenAPIConfig>,
    #[cfg(feature = "openapi")]
    enable_openapi: Option<bool>,
}

impl Ravyn {
    /// Starts configuring an app.
    pub fn builder() -> RavynBuilder {
        RavynBuilder::default()
    }

    /// The resolved configuration.
    pub fn config(&self) -> &AppConfig {
        &self.inner.config
    }

    /// The OpenAPI document (OpenAPI 3.1 JSON), as served at `openapi_url`: built once at
    /// `build()`, so a test can snapshot it. `None` when turned off (`enable_openapi(false)`).
    /// Feature `openapi`.
    ///
    /// ```
    /// let app = ravyn_core::Ravyn::builder().build().unwrap();
    /// let document: serde_json::Value = serde_json::from_str(app.openapi_json().unwrap()).unwrap();
    /// assert_eq!(document["openapi"], "3.1.0");
    /// ```
    #[cfg(feature = "openapi")]
    pub fn openapi_json(&self) -> Option<&str> {
        self.inner.openapi.as_deref().and_then(|bytes| std::str::from_utf8(bytes).ok())
    }

    /// The session manager, when the app has a session configuration.
    pub fn session_manager(&self) -> Option<&SessionManager> {
        self.inner.builtins.sessions.as_ref().map(SessionStep::manager)
    }

    /// The JWT manager (issue, verify, refresh, revoke), when the app has a `jwt_config`.
    ///
    /// ```
    /// use ravyn_core::Ravyn;
    /// use ravyn_auth::JWTConfig;
    /// let app = Ravyn::builder().jwt_config(JWTConfig::new("a-long-random-secret-of-at-least-32-bytes")).build().unwrap();
    /// let token = app.jwt().unwrap().issue_access("1", &ravyn_auth::NoClaims {}).unwrap();
    /// assert_eq!(token.split('.').count(), 3);
    /// ```
    #[cfg(feature = "jwt")]
    pub fn jwt(&self) -> Option<&ravyn_auth::JwtManager> {
        self.inner.builtins.identity.as_ref().and_then(IdentityStep::jwt)
    }

    /// Every route's permissions, every level's (app, `Include`s, `Gateway`, handler) in the
    /// order they are checked, by method and full path: for documentation (OpenAPI: 401/403
    /// answers and the bearer security requirement) and tools.
    pub fn route_permissions(&self) -> &[(String, Vec<ArcPermission>)] {
        &self.inner.route_permissions
    }

    pub(crate) fn builtins(&self) -> &Builtins {
        &self.inner.builtins
    }

    /// The app's own middleware, outermost first.
    pub(crate) fn middleware(&self) -> &Arc<[ArcMiddleware]> {
        &self.inner.middleware
    }

    /// Runs the startup hooks ([`RavynBuilder::on_startup`], then the lifespan's startup), as
    /// `serve` does before accepting connections; for in-process tests and custom servers. The
    /// first error stops them and is returned.
    pub async fn startup(&self) -> HookResult {
        self.inner.hooks.startup().await
    }

    /// Runs the shutdown hooks (the lifespan's shutdown, then [`RavynBuilder::on_shutdown`]), as
    /// `serve` does once graceful shutdown has let in-flight requests finish. Errors are logged.
    pub async fn shutdown(&self) {
        self.inner.hooks.shutdown().await;
    }

    /// Handles one request whose body is in hand: routes it from its head, then runs it through
    /// the pipeline (ARCHITECTURE.md: the built-in steps, app middleware, route middleware, the
    /// handler stage). A panic anywhere becomes a logged 500. The server resolves the route
    /// itself before reading the body; this is the in-process entry (`TestClient`).
    pub async fn handle(&self, mut request: Request) -> Response {
        let route = match self.route(&mut request) {
            Ok(route) => route,
            // Boxed: a rare path whose future would otherwise enlarge every request's.
            Err(miss) => return Box::pin(self.refuse_miss(request, miss)).await,
        };
        if let Some(limit) = route.buffered_limit() {
            if request.body().len() as u64 > limit {
                request.set_body(bytes::Bytes::new());
                return Box::pin(self.refuse(request, Refusal::Exception(body_too_large(limit)))).await;
            }
        }
        self.pipeline(request, Target::Route(route)).await
    }

    /// The route for `request`'s head, its path parameters set on the request; or why there is
    /// none (see [`refuse_miss`](Self::refuse_miss)).
    pub(crate) fn route(&self, request: &mut Request) -> Result<&Arc<RouteEndpoint>, Miss> {
        let (route, params) = self.inner.router.route(request.method(), request.path())?;
        if !params.is_empty() {
            request.set_path_params(params);
        }
        Ok(route)
    }

    /// Answers a request without a route: 404, 405, or a redirect (`redirect_slashes`).
    pub(crate) async fn refuse_miss(&self, request: Request, miss: Miss) -> Response {
        let refusal = self.inner.router.refusal(miss, request.method(), request.path(), request.query_string());
        self.refuse(request, refusal).await
    }

    /// Answers `refusal` for a request that has no route or was refused before its handler (body or
    /// headers over their limits), still through the steps and the app's middleware, so CORS
    /// headers and user middleware see it too.
    pub(crate) async fn refuse(&self, request: Request, refusal: Refusal) -> Response {
        self.pipeline(request, Target::Refusal(&refusal)).await
    }
}

pub(crate) fn body_too_large(limit: u64) -> HTTPException {
    HTTPException::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("Request body is larger than the limit of {limit} bytes."),
    )
}

impl RavynBuilder {
    /// Adds routes (`Gateway`s and `Include`s).
    pub fn routes(mut self, routes: impl IntoIterator<Item = Route>) -> Self {
        self.routes.extend(routes);
        self
    }

    /// Adds an app-wide middleware; the first added is the outermost. App middleware also sees
    /// 404 and 405 answers. It runs inside the built-in steps (ARCHITECTURE.md, "The built-in
    /// steps"), in the order added.
    pub fn middleware(mut self, middleware: impl Into<ArcMiddleware>) -> Self {
        self.middleware.push(middleware.into());
        self
    }

    /// Adds a tower layer around every request (404 and 405 answers included), in the same list
    /// as [`middleware`](Self::middleware): the first added, layer or middleware, is the
    /// outermost, and all of them run inside the built-in steps (ARCHITECTURE.md, "The built-in
    /// steps"), so the request's path parameters, session and CSRF token survive the trip
    /// through the layer. Any `tower::Layer` whose service takes `http::Request<B>` and answers
    /// `http::Response<_>` fits (tower-http's `TraceLayer`, `CompressionLayer`, `TimeoutLayer`,
    /// ..., tower's `ConcurrencyLimitLayer`, `RateLimitLayer`); a failing service needs no extra
    /// layer: a timeout answers 408, overload 503, anything else a logged 500, in Ravyn's
    /// `{"detail": ...}` shape. For a layer outside everything, wrap
    /// [`into_service`](Ravyn::into_service) instead.
    ///
    /// ```
    /// use std::time::Duration;
    /// let app = ravyn_core::Ravyn::builder()
    ///     .layer(tower::timeout::TimeoutLayer::new(Duration::from_secs(30)))
    ///     .build()
    ///     .unwrap();
    /// # let _ = app;
    /// ```
    pub fn layer<L: crate::service::IntoLayerMiddleware>(mut self, layer: L) -> Self {
        self.middleware.push(layer.into_middleware());
        self
    }

    /// Adds a hook run when the server starts, before it accepts connections (Ravyn's
    /// `on_startup`); hooks run in the order added, and an error stops `serve` with it. Replaces
    /// the settings module's `on_startup` list.
    ///
    /// ```
    /// let app = ravyn_core::Ravyn::builder()
    ///     .on_startup(|| async {
    ///         tracing::info!("warming caches");
    ///         Ok(())
    ///     })
    ///     .build()
    ///     .unwrap();
    /// # let _ = app;
    /// ```
    pub fn on_startup<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = HookResult> + Send + 'static,
    {
        self.hooks.startup.push(Hook::new(hook));
        self
    }

    /// Adds a hook run when the server stops, after graceful shutdown has let in-flight requests
    /// finish (Ravyn's `on_shutdown`); in the order added, each run even if another failed.
    /// Replaces the settings module's `on_shutdown` list.
    pub fn on_shutdown<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = HookResult> + Send + 'static,
    {
        self.hooks.shutdown.push(Hook::new(hook));
        self
    }

    /// Ravyn's `lifespan`: startup and shutdown as one function (see [`Lifespan`]). It runs after
    /// the `on_startup` hooks and its shutdown before the `on_shutdown` hooks. Wins over the
    /// settings module's.
    pub fn lifespan(mut self, lifespan: Lifespan) -> Self {
        self.hooks.lifespan = Some(lifespan);
        self
    }

    /// Supplies configuration from a [`Settings`] type (Ravyn's `settings_module`).
    pub fn settings_module(mut self, settings: impl Settings) -> Self {
        self.settings = Some(Box::new(settings));
        self
    }

    /// Debug mode (default `false`): 500 answers carry the internal error.
    pub fn debug(mut self, debug: bool) -> Self {
        self.debug = Some(debug);
        self
    }

    /// Redirect `/path/` to `/path` and back when only the other exists (default `true`).
    pub fn redirect_slashes(mut self, redirect: bool) -> Self {
        self.redirect_slashes = Some(redirect);
        self
    }

    /// The largest request body accepted, in bytes (default 1 MiB); larger answers 413.
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.max_body_size = Some(bytes);
        self
    }

    /// The largest request header section accepted, in bytes (default 16 KiB); larger answers
    /// 431.
    pub fn max_header_size(mut self, bytes: usize) -> Self {
        self.max_header_size = Some(bytes);
        self
    }

    /// How long a client may take to send a request's headers, counted from the connection's
    /// start or the end of its previous request (default 30 s); then the connection is closed.
    /// Also how long a keep-alive connection may sit idle. A request being handled is not cut by
    /// it; reading its body counts as handling, and is bounded by
    /// [`body_read_timeout`](Self::body_read_timeout) instead.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = Some(timeout);
        self
    }

    /// How long a client may take to send a whole buffered request body, counted from the end
    /// of its headers, however steadily it trickles (default 30 s); then it is answered
    /// `408 {"detail": ...}` and the connection closed. Must be above zero.
    ///
    /// ```
    /// use std::time::Duration;
    /// let app = ravyn_core::Ravyn::builder().body_read_timeout(Duration::from_secs(10)).build().unwrap();
    /// assert_eq!(app.config().body_read_timeout(), Duration::from_secs(10));
    /// ```
    pub fn body_read_timeout(mut self, timeout: Duration) -> Self {
        self.body_read_timeout = Some(timeout);
        self
    }

    /// How many HTTP/2 streams (requests) one connection may have open at once (default 64;
    /// hyper's own default is 200). At least 1.
    ///
    /// ```
    /// let app = ravyn_core::Ravyn::builder().http2_max_concurrent_streams(16).build().unwrap();
    /// assert_eq!(app.config().http2_max_concurrent_streams(), 16);
    /// ```
    pub fn http2_max_concurrent_streams(mut self, streams: u32) -> Self {
        self.http2_max_concurrent_streams = Some(streams);
        self
    }

    /// How many body bytes one connection's requests may hold buffered at once, across its
    /// HTTP/2 streams (default 8 MiB). The first body being read on a connection is bounded by its
    /// route's limit only; another that would take the connection past this is answered `413`.
    ///
    /// ```
    /// let app = ravyn_core::Ravyn::builder().max_buffered_body_per_connection(4 << 20).build().unwrap();
    /// assert_eq!(app.config().max_buffered_body_per_connection(), 4 << 20);
    /// ```
    pub fn max_buffered_body_per_connection(mut self, bytes: usize) -> Self {
        self.max_buffered_body_per_connection = Some(bytes);
        self
    }

    /// How long graceful shutdown waits for in-flight requests (default 30 s).
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = Some(timeout);
        self
    }

    /// How many connections are served at once (default 10,000). When that many are open the
    /// server stops accepting until one closes: new clients wait in the kernel's listen backlog
    /// instead of the process running out of file descriptors. Each connection needs one file
    /// descriptor, so keep it below the process's open-file limit (`ulimit -n`) minus what the
    /// app itself opens (store connections, files). Must be above zero.
    ///
    /// ```
    /// let app = ravyn_core::Ravyn::builder().max_connections(512).build().unwrap();
    /// assert_eq!(app.config().max_connections(), 512);
    /// assert!(ravyn_core::Ravyn::builder().max_connections(0).build().is_err());
    /// ```
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.max_connections = Some(connections);
        self
    }

    /// Turns on sessions (Ravyn's `session_config`): `request.session()` in handlers, kept in a
    /// signed cookie by default. Wins over `Settings::session_config`.
    ///
    /// ```
    /// use ravyn_core::Ravyn;
    /// use ravyn_session::SessionConfig;
    /// let app = Ravyn::builder()
    ///     .session_config(SessionConfig::new("a-long-random-secret-of-at-least-32-bytes").max_age(3600))
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(app.session_manager().unwrap().cookie_name(), "session");
    ///
    /// let error = Ravyn::builder().session_config(SessionConfig::new("")).build().unwrap_err();
    /// assert!(error.to_string().contains("session_config.secret_key"));
    /// ```
    pub fn session_config(mut self, config: SessionConfig) -> Self {
        self.session_config = Some(config);
        self
    }

    /// Turns on CSRF protection (Ravyn's `csrf_config`): safe requests receive a signed token
    /// cookie, unsafe ones must send it back in the `X-CSRFToken` header or a `csrf_token` form
    /// field, or get `403 {"detail":"CSRF token verification failed."}`. Handlers read the token
    /// with [`Request::csrf_token`]. Wins over `Settings::csrf_config`.
    ///
    /// The CSRF step runs inside CORS and the session step, outside the app's middleware (the
    /// order: ARCHITECTURE.md, "The built-in steps"). So a refused request never reaches user
    /// middleware, still gets CORS headers, and the token cookie is set on the same response as
    /// the session cookie.
    ///
    /// ```
    /// use ravyn_core::{CSRFConfig, Ravyn};
    /// let app = Ravyn::builder()
    ///     .csrf_config(CSRFConfig::new("a-long-random-secret-of-at-least-32-bytes"))
    ///     .build()
    ///     .unwrap();
    /// # let _ = app;
    ///
    /// let error = Ravyn::builder().csrf_config(CSRFConfig::new("")).build().unwrap_err();
    /// assert_eq!(error.to_string(), "invalid csrf_config.secret: must not be empty");
    /// ```
    pub fn csrf_config(mut self, config: CSRFConfig) -> Self {
        self.csrf_config = Some(config);
        self
    }

    /// Turns on CORS (Ravyn's `cors_config`): preflights are answered before routing, and every
    /// response to an allowed origin carries the CORS headers, errors and panics' 500s included.
    /// Wins over `Settings::cors_config`.
    ///
    /// CORS is the outermost step (ARCHITECTURE.md, "The built-in steps").
    ///
    /// ```
    /// use ravyn_core::{CORSConfig, Ravyn};
    /// let app = Ravyn::builder()
    ///     .cors_config(CORSConfig::new().allow_origins(["https://app.example"]).allow_credentials(true))
    ///     .build()
    ///     .unwrap();
    /// # let _ = app;
    ///
    /// // Browsers reject `*` with credentials, so asking for both is a build error.
    /// let error = Ravyn::builder().cors_config(CORSConfig::new().allow_credentials(true)).build().unwrap_err();
    /// assert!(error.to_string().starts_with("invalid cors_config.allow_origins"));
    /// ```
    pub fn cors_config(mut self, config: CORSConfig) -> Self {
        self.cors_config = Some(config);
        self
    }

    /// Serves a directory of files under a path (Ravyn's `static_files_config`); call it once per
    /// directory. See [`StaticFilesConfig`](crate::StaticFilesConfig) for what requests get. The
    /// builder's configs win over `Settings::static_files_config` (when any is given here, the
    /// settings' are not used).
    ///
    /// ```
    /// use ravyn_core::{Ravyn, StaticFilesConfig};
    /// let app = Ravyn::builder()
    ///     .static_files_config(StaticFilesConfig::new("/static", std::env::temp_dir()))
    ///     .build()
    ///     .unwrap();
    /// # let _ = app;
    /// ```
    pub fn static_files_config(mut self, config: crate::StaticFilesConfig) -> Self {
        self.static_files.push(config);
        self
    }

    /// Turns on JWT authentication (Ravyn's `jwt_config`): the identity step reads bearer tokens
    /// (`Authorization: Bearer <token>` by default) for routes that need the caller, handlers take
    /// [`AuthUser`](crate::auth::AuthUser), [`Claims`](crate::auth::Claims) or the
    /// [`JwtManager`](ravyn_auth::JwtManager) to issue tokens. The config is checked at `build()`
    /// (an HMAC key under 32 bytes, a missing verifying key...), the error naming the field. Wins
    /// over `Settings::jwt_config`.
    ///
    /// ```
    /// use ravyn_core::Ravyn;
    /// use ravyn_auth::JWTConfig;
    /// let error = Ravyn::builder().jwt_config(JWTConfig::new("too-short")).build().unwrap_err();
    /// assert!(error.to_string().starts_with("invalid jwt_config.signing_key"));
    /// ```
    #[cfg(feature = "jwt")]
    pub fn jwt_config(mut self, config: ravyn_auth::JWTConfig) -> Self {
        self.jwt_config = Some(config);
        self
    }

    /// The application's user loader: turns what the identity step found (a verified token, or
    /// without one the session) into the app's user, or `None` when there is no such user. What
    /// `request.user::<U>()` and [`AuthUser<U>`](crate::auth::AuthUser) return; called once per
    /// request, only for routes that need the caller. An `Err` is answered as it is (a database
    /// that does not answer: 503).
    ///
    /// ```
    /// use ravyn_core::auth::Credentials;
    /// use ravyn_core::Ravyn;
    ///
    /// struct User { id: u64 }
    /// let app = Ravyn::builder()
    ///     .user_loader(|credentials: Credentials| async move {
    ///         let id = match &credentials {
    ///             Credentials::Session(session) => session.get::<u64>("user_id")?,
    ///             _ => credentials.subject().and_then(|sub| sub.parse().ok()),
    ///         };
    ///         Ok(id.map(|id| User { id }))
    ///     })
    ///     .build()
    ///     .unwrap();
    /// # let _ = app;
    /// ```
    pub fn user_loader<F, Fut, U>(mut self, loader: F) -> Self
    where
        F: Fn(crate::auth::Credentials) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<Option<U>, HTTPException>> + Send + 'static,
        U: Send + Sync + 'static,
    {
        self.user_loader = Some(Arc::new(UserLoaderFn::new(loader)));
        self
    }

    /// Adds an app-wide permission (Ravyn's `Ravyn(permissions=[..])`): checked for every route,
    /// before its `Include`s', `Gateway`'s and handler's.
    ///
    /// ```
    /// use ravyn_core::auth::IsAuthenticatedOrReadOnly;
    /// let app = ravyn_core::Ravyn::builder().permission(IsAuthenticatedOrReadOnly).build().unwrap();
    /// # let _ = app;
    /// ```
    pub fn permission(mut self, permission: impl Into<ArcPermission>) -> Self {
        self.permissions.push(permission.into());
        self
    }

    /// Adds several app-wide permissions (see [`permission`](Self::permission)).
    pub fn permissions(mut self, permissions: impl IntoIterator<Item = ArcPermission>) -> Self {
        self.permissions.extend(permissions);
        self
    }

    /// OpenAPI tags for every operation of the app (Ravyn's `Ravyn(tags=..)`), before those of
    /// `Include`s, `Gateway`s and handlers.
    pub fn tags<S: Into<String>>(mut self, tags: impl IntoIterator<Item = S>) -> Self {
        self.docs.tags.extend(tags.into_iter().map(Into::into));
        self
    }

    /// Whether the app's operations are listed in its OpenAPI document (default `true`).
    pub fn include_in_schema(mut self, include: bool) -> Self {
        self.docs.hidden = !include;
        self
    }

    /// OpenAPI security schemes (by name) every operation of the app accepts.
    pub fn security<S: Into<String>>(mut self, schemes: impl IntoIterator<Item = S>) -> Self {
        self.docs.security.extend(schemes.into_iter().map(Into::into));
        self
    }

    /// The OpenAPI document's configuration (Ravyn's `openapi_config`): info, servers, tags,
    /// security, and the URLs of `/openapi.json` and the docs pages. Wins over
    /// `Settings::openapi_config`. Feature `openapi`.
    ///
    /// ```
    /// use ravyn_core::openapi::OpenAPIConfig;
    /// let app = ravyn_core::Ravyn::builder()
    ///     .openapi_config(OpenAPIConfig::new().title("Shop").docs_url("/swagger"))
    ///     .build()
    ///     .unwrap();
    /// assert!(app.openapi_json().unwrap().contains(r#""title":"Shop""#));
    /// ```
    #[cfg(feature = "openapi")]
    pub fn openapi_config(mut self, config: crate::openapi::OpenAPIConfig) -> Self {
        self.openapi_config = Some(config);
        self
    }

    /// Whether the app builds and serves its OpenAPI document and docs pages (Ravyn's
    /// `enable_openapi`, default `true`). Wins over `Settings::enable_openapi`. Feature `openapi`.
    ///
    /// ```
    /// let app = ravyn_core::Ravyn::builder().enable_openapi(false).build().unwrap();
    /// assert!(app.openapi_json().is_none());
    /// ```
    #[cfg(feature = "openapi")]
    pub fn enable_openapi(mut self, enable: bool) -> Self {
        self.enable_openapi = Some(enable);
        self
    }

    /// Checks the configuration and builds the app.
    ///
    /// ```
    /// let error = ravyn_core::Ravyn::builder().max_header_size(10).build().unwrap_err();
    /// assert!(error.to_string().contains("max_header_size"));
    /// ```
    pub fn build(self) -> Result<Ravyn, ConfigError> {
        let settings: &dyn Settings = self.settings.as_deref().unwrap_or(&DefaultSettings);
        let config = AppConfig {
            debug: self.debug.unwrap_or_else(|| settings.debug()),
            redirect_slashes: self.redirect_slashes.unwrap_or_else(|| settings.redirect_slashes()),
            max_body_size: self.max_body_size.unwrap_or_else(|| settings.max_body_size()),
            max_header_size: self.max_header_size.unwrap_or_else(|| settings.max_header_size()),
            header_read_timeout: self.header_read_timeout.unwrap_or_else(|| settings.header_read_timeout()),
            body_read_timeout: self.body_read_timeout.unwrap_or_else(|| settings.body_read_timeout()),
            http2_max_concurrent_streams: self
                .http2_max_concurrent_streams
                .unwrap_or_else(|| settings.http2_max_concurrent_streams()),
            max_buffered_body_per_connection: self
                .max_buffered_body_per_connection
                .unwrap_or_else(|| settings.max_buffered_body_per_connection()),
            shutdown_timeout: self.shutdown_timeout.unwrap_or_else(|| settings.shutdown_timeout()),
            max_connections: self.max_connections.unwrap_or_else(|| settings.max_connections()),
        };
        if config.max_header_size < 1024 {
            return Err(ConfigError::Invalid {
                field: "max_header_size",
                reason: format!(
                    "{} bytes is too small to hold a request's headers; use at least 1024",
                    config.max_header_size
                ),
            });
        }
        if config.max_connections == 0 {
            return Err(ConfigError::Invalid { field: "max_connections", reason: "must be above zero".to_owned() });
        }
        if config.header_read_timeout.is_zero() {
            return Err(ConfigError::Invalid { field: "header_read_timeout", reason: "must be above zero".to_owned() });
        }
        if config.body_read_timeout.is_zero() {
            return Err(ConfigError::Invalid { field: "body_read_timeout", reason: "must be above zero".to_owned() });
        }
        if config.http2_max_concurrent_streams == 0 {
            return Err(ConfigError::Invalid {
                field: "http2_max_concurrent_streams",
                reason: "must be at least 1".to_owned(),
            });
        }
        let mut router = Router::new(config.redirect_slashes);
        let mut route_permissions = Vec::new();
        let flat = flatten(&self.routes, &self.permissions);
        for route in &flat {
            let spec = route.handler.spec();
            let spec = match route.body_policy {
                Some(policy) => spec.with_body_policy(policy),
                None => spec,
            };
            for method in spec.methods() {
                route_permissions.push((format!("{method} {}", route.path), route.permissions.clone()));
            }
            let permissions = Permissions::new(route.permissions.clone());
            let endpoint = RouteEndpoint::new(
                route.handler.clone(),
                &spec,
                route.middleware.clone(),
                permissions,
                config.max_body_size,
                config.debug,
            )?;
            let endpoint = Arc::new(endpoint);
            router.add(&route.path, spec.methods(), spec.name(), || endpoint.clone())?;
        }
        // Static files: routed like any route (the app's middleware and built-in steps run around
        // them), but not operations: no permissions (a login page must load for anyone) and not
        // in the OpenAPI document.
        let static_files =
            if self.static_files.is_empty() { settings.static_files_config() } else { self.static_files };
        for files in static_files {
            let prefix = files.get_path().to_owned();
            let handler: Arc<dyn crate::Handler> = Arc::new(files.into_handler()?);
            let spec = handler.spec();
            let endpoint =
                Arc::new(RouteEndpoint::framework_route(handler, &spec, config.max_body_size, config.debug)?);
            for path in crate::static_files::paths(&prefix) {
                router.add(&path, spec.methods(), spec.name(), || endpoint.clone())?;
            }
        }
        let session_config = self.session_config.or_else(|| settings.session_config());
        let sessions = session_config.map(SessionManager::new).transpose()?.map(SessionStep::new);
        #[cfg(feature = "jwt")]
        let jwt = self.jwt_config.or_else(|| settings.jwt_config()).map(ravyn_auth::JwtManager::new).transpose()?;
        #[cfg(feature = "openapi")]
        let openapi = if self.enable_openapi.unwrap_or_else(|| settings.enable_openapi()) {
            let openapi_config = self.openapi_config.or_else(|| settings.openapi_config()).unwrap_or_default();
            let sources = crate::openapi::document::Sources {
                config: &openapi_config,
                app: &self.docs,
                session_cookie: sessions.as_ref().map(|s| s.manager().cookie_name()),
                #[cfg(feature = "jwt")]
                jwt: jwt.as_ref().map(|jwt| {
                    let config = jwt.config();
                    crate::openapi::SecurityScheme::for_jwt(
                        config.get_authorization_header(),
                        config.get_auth_header_types(),
                    )
                }),
                #[cfg(not(feature = "jwt"))]
                jwt: None,
                user_loader: self.user_loader.is_some(),
            };
            let document = crate::openapi::document::build(&sources, &flat);
            let bytes = bytes::Bytes::from(serde_json::to_vec(&document).map_err(|e| ConfigError::Invalid {
                field: "openapi_config",
                reason: format!("the document does not serialize: {e}"),
            })?);
            for (path, handler) in crate::openapi::docs::routes(&openapi_config, &bytes) {
                let route = crate::routing::Gateway::with_path(path, handler);
                for flat in flatten(std::slice::from_ref(&route), &[]) {
                    let spec = flat.handler.spec();
                    let endpoint = Arc::new(RouteEndpoint::framework_route(
                        flat.handler,
                        &spec,
                        config.max_body_size,
                        config.debug,
                    )?);
                    router.add(&flat.path, spec.methods(), spec.name(), || endpoint.clone())?;
                }
            }
            Some(bytes)
        } else {
            None
        };
        let cors = self.cors_config.or_else(|| settings.cors_config());
        let cors = cors.map(|c| CorsStep::new(&c)).transpose()?;
        let csrf = self.csrf_config.or_else(|| settings.csrf_config()).map(|c| CsrfStep::new(&c)).transpose()?;
        #[cfg(feature = "jwt")]
        let identity = match (jwt, self.user_loader) {
            (None, None) => None,
            (jwt, loader) => Some(IdentityStep::new(jwt, loader)?),
        };
        #[cfg(not(feature = "jwt"))]
        let identity = self.user_loader.map(|loader| IdentityStep::new(Some(loader)));
        let mut hooks = self.hooks;
        hooks.extend_from_settings(settings);
        Ok(Ravyn {
            inner: Arc::new(AppInner {
                config,
                middleware: self.middleware.into(),
                router,
                builtins: Builtins { cors, sessions, csrf, identity },
                hooks,
                route_permissions,
                #[cfg(feature = "openapi")]
                openapi,
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BoxFuture, Gateway, Handler, RouteSpec};

    struct Hello;
    impl Handler for Hello {
        fn spec(&self) -> RouteSpec {
            RouteSpec::new("hello", "/hello", &["GET"], 200)
        }
        fn call(&self, _request: Request) -> BoxFuture<'static, Response> {
            Box::pin(async { Response::text("hello") })
        }
    }

    /// hyper keeps each connection's in-flight request future in a slot it moves the future into
    /// for every request, so this size is bytes copied per request and memory per connection
    /// (issue 6). It was 3,008 bytes before the request was boxed and the layers awaited in place;
    /// a local kept across an await in the hot path shows up here.
    #[test]
    fn the_per_request_future_stays_small() {
        assert_eq!(std::mem::size_of::<Request>(), std::mem::size_of::<usize>());
        let app = Ravyn::builder()
            .routes(vec![Gateway::new(Hello)])
            .session_config(SessionConfig::new("a-long-random-secret-of-at-least-32-bytes"))
            .build()
            .unwrap();
        let future = app.handle(Request::builder().uri("/hello").build());
        let size = std::mem::size_of_val(&future);
        assert!(size <= 1024, "app.handle's future is {size} bytes");
        // Every built-in step on: CSRF and identity are composed in place too (CORS is boxed
        // when on), and `Hello` (a hand-written handler) needs everything, so every step runs.
        let app = Ravyn::builder()
            .routes(vec![Gateway::new(Hello).permission(crate::auth::IsAuthenticated)])
            .session_config(SessionConfig::new("a-long-random-secret-of-at-least-32-bytes"))
            .csrf_config(crate::CSRFConfig::new("a-long-random-secret-of-at-least-32-bytes"))
            .cors_config(crate::CORSConfig::new());
        #[cfg(feature = "jwt")]
        let app = app.jwt_config(ravyn_auth::JWTConfig::new("a-long-random-secret-of-at-least-32-bytes"));
        #[cfg(not(feature = "jwt"))]
        let app = app.user_loader(|_: crate::auth::Credentials| async { Ok(None::<()>) });
        let app = app.build().unwrap();
        let future = app.handle(Request::builder().uri("/hello").build());
        let size = std::mem::size_of_val(&future);
        assert!(size <= 1024, "with every step on, app.handle's future is {size} bytes");
    }
}
