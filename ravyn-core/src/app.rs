//! [`Ravyn`], the application, and [`RavynBuilder`], how it is configured.

use crate::catch_panic::{catch_panic, panic_response};
use crate::cors::{CORSConfig, CorsMiddleware};
use crate::csrf::{CSRFConfig, CsrfMiddleware};
use crate::error::ConfigError;
use crate::middleware::{Endpoint, MiddlewareRef, Next};
use crate::request::Request;
use crate::response::{IntoResponse, Response};
use crate::routing::{flatten, Route, Router};
use crate::session::SessionMiddleware;
use crate::settings::{DefaultSettings, Settings};
use crate::HTTPException;
use http::StatusCode;
use ravyn_session::{SessionConfig, SessionManager};
use std::sync::Arc;
use std::time::{Duration, Instant};

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
    chain: Arc<[MiddlewareRef]>,
    router: Arc<Router>,
    /// The same router, as the chain's endpoint.
    router_endpoint: Arc<dyn Endpoint>,
    /// The session step (holding the app's session manager), called directly by the app (see
    /// [`Ravyn::chain`]), not through `chain`.
    session_middleware: Option<SessionMiddleware>,
    /// The outermost built-in middleware, run around the chain rather than as its first link, so
    /// a request without `Origin` costs a header lookup instead of a middleware hop.
    cors: Option<CorsMiddleware>,
}

impl std::fmt::Debug for Ravyn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ravyn")
            .field("config", &self.inner.config)
            .field("paths", &self.inner.router.len())
            .field("middleware", &self.inner.chain.len())
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
    shutdown_timeout: Duration,
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
    /// How long graceful shutdown waits for in-flight requests.
    pub fn shutdown_timeout(&self) -> Duration {
        self.shutdown_timeout
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
    middleware: Vec<MiddlewareRef>,
    settings: Option<Box<dyn Settings>>,
    debug: Option<bool>,
    redirect_slashes: Option<bool>,
    max_body_size: Option<usize>,
    max_header_size: Option<usize>,
    header_read_timeout: Option<Duration>,
    shutdown_timeout: Option<Duration>,
    session_config: Option<SessionConfig>,
    csrf_config: Option<CSRFConfig>,
    cors_config: Option<CORSConfig>,
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

    /// The session manager, when the app has a session configuration.
    pub fn session_manager(&self) -> Option<&SessionManager> {
        self.inner.session_middleware.as_ref().map(|sessions| &sessions.manager)
    }

    /// Handles one request through the whole chain: app middleware, routing, route middleware,
    /// binding and the handler. A panic anywhere becomes a logged 500.
    pub async fn handle(&self, mut request: Request) -> Response {
        let limit = self.inner.config.max_body_size;
        if request.body().len() > limit {
            request.set_body(bytes::Bytes::new());
            // Boxed: a rare path whose future would otherwise enlarge every request's.
            return Box::pin(self.reject(request, body_too_large(limit))).await;
        }
        self.run_chain(request, ChainEnd::Router).await
    }

    /// Answers `error` for a request refused before routing (body or headers over their limits),
    /// still through the app's middleware, so CORS headers and user middleware see it too.
    pub(crate) async fn reject(&self, request: Request, error: HTTPException) -> Response {
        let endpoint: Arc<dyn Endpoint> = Arc::new(Rejection(error));
        self.run_chain(request, ChainEnd::Other(&endpoint)).await
    }

    async fn run_chain(&self, request: Request, end: ChainEnd<'_>) -> Response {
        let logged = tracing::enabled!(tracing::Level::INFO);
        if self.inner.cors.is_none() && !logged {
            return self.chain(request, end).await;
        }
        // Boxed, so that what CORS and the access log keep while the request runs does not widen
        // every request's future (hyper moves it into place once per request).
        Box::pin(self.run_chain_observed(request, end, logged)).await
    }

    /// [`run_chain`](Self::run_chain) with CORS and/or the access log line.
    async fn run_chain_observed(&self, request: Request, end: ChainEnd<'_>, logged: bool) -> Response {
        let logged = logged.then(|| (Instant::now(), request.method().clone(), request.uri().path().to_owned()));
        let response = match &self.inner.cors {
            // CORS wraps everything else, panics' 500s included.
            Some(cors) => cors.around(request, |request| self.chain(request, end)).await,
            None => self.chain(request, end).await,
        };
        if let Some((started, method, path)) = logged {
            tracing::info!(
                method = %method,
                path = %path,
                status = response.status_code().as_u16(),
                latency_us = started.elapsed().as_micros() as u64,
                "request"
            );
        }
        response
    }
}

/// What the middleware chain ends in.
#[derive(Clone, Copy)]
enum ChainEnd<'a> {
    /// The app's router, awaited directly when no middleware stands in between.
    Router,
    /// Another endpoint (a refusal before routing).
    Other(&'a Arc<dyn Endpoint>),
}

impl Ravyn {
    /// The session step, the rest of the middleware chain and its end, a panic in them answered
    /// as a logged 500.
    ///
    /// The built-in session step and, without further middleware, the router are awaited in
    /// place: one future for the request, no boxed future or dynamic call per layer. Only the
    /// CSRF and user middleware go through the dynamic chain.
    async fn chain(&self, mut request: Request, end: ChainEnd<'_>) -> Response {
        let rest = |request| self.after_sessions(request, end);
        let future = async move {
            match (&self.inner.session_middleware, end) {
                // Nothing between the session step and the router: route first, so a route that
                // cannot reach its session (see `never_uses_session`) skips the session step and
                // pays nothing for it. Untouched, the session step changes no answer, 404s and
                // 405s included.
                (Some(sessions), ChainEnd::Router) if self.inner.chain.is_empty() => {
                    let endpoint = match self.inner.router.route(&mut request) {
                        Ok(endpoint) => endpoint,
                        Err(response) => return response,
                    };
                    if endpoint.never_uses_session() {
                        endpoint.run(request).await
                    } else {
                        sessions.around(request, |request| endpoint.run(request)).await
                    }
                }
                (Some(sessions), _) => sessions.around(request, rest).await,
                (None, _) => rest(request).await,
            }
        };
        // Handler panics are answered inside the chain (routing); this catches middleware's.
        match catch_panic(std::pin::pin!(future)).await {
            Ok(response) => response,
            Err(payload) => panic_response(&*payload, self.inner.config.debug),
        }
    }

    async fn after_sessions(&self, request: Request, end: ChainEnd<'_>) -> Response {
        if self.inner.chain.is_empty() {
            return match end {
                ChainEnd::Router => self.inner.router.dispatch(request).await,
                ChainEnd::Other(endpoint) => endpoint.call_endpoint(request).await,
            };
        }
        let endpoint = match end {
            ChainEnd::Router => self.inner.router_endpoint.clone(),
            ChainEnd::Other(endpoint) => endpoint.clone(),
        };
        Next::new(self.inner.chain.clone(), endpoint).run_boxed(request).await
    }
}

/// The end of the chain for a request refused before routing.
struct Rejection(HTTPException);

impl Endpoint for Rejection {
    fn call_endpoint(&self, _request: Request) -> crate::BoxFuture<'_, Response> {
        let response = self.0.clone().into_response();
        Box::pin(std::future::ready(response))
    }
}

pub(crate) fn body_too_large(limit: usize) -> HTTPException {
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
    /// 404 and 405 answers. It runs inside the built-in middleware: CORS → session → CSRF →
    /// these, in the order added.
    pub fn middleware(mut self, middleware: impl Into<MiddlewareRef>) -> Self {
        self.middleware.push(middleware.into());
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
    /// Also how long a keep-alive connection may sit idle. Requests being handled are not cut.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = Some(timeout);
        self
    }

    /// How long graceful shutdown waits for in-flight requests (default 30 s).
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = Some(timeout);
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
    /// Built-in middleware runs outside the app's own, in this order (outermost first):
    /// **CORS → session → CSRF → `.middleware(..)` in the order added → routing**. So a refused
    /// request never reaches user middleware, still gets CORS headers, and the token cookie is
    /// set on the same response as the session cookie.
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
    /// CORS is the outermost middleware: **CORS → session → CSRF → `.middleware(..)` → routing**.
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
            shutdown_timeout: self.shutdown_timeout.unwrap_or_else(|| settings.shutdown_timeout()),
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
        if config.header_read_timeout.is_zero() {
            return Err(ConfigError::Invalid { field: "header_read_timeout", reason: "must be above zero".to_owned() });
        }
        let router = Router::build(flatten(&self.routes), config.redirect_slashes, config.debug)?;
        let session_config = self.session_config.or_else(|| settings.session_config());
        let sessions = session_config.map(SessionManager::new).transpose()?;
        let cors = self.cors_config.or_else(|| settings.cors_config());
        let cors = cors.map(|c| CorsMiddleware::new(&c)).transpose()?;
        let csrf = self.csrf_config.or_else(|| settings.csrf_config()).map(CsrfMiddleware::new).transpose()?;
        // Built-in middleware goes outside the user's, outermost first: CORS (every response,
        // errors included, gets its headers; preflights skip the rest; run around the chain, see
        // `run_chain`), then the session, then CSRF (a refused request never reaches user code;
        // its cookie joins the session's).
        // The session step is called directly (see `Ravyn::chain`), outside this list.
        let session_middleware = sessions.map(|manager| SessionMiddleware { manager });
        let mut chain: Vec<MiddlewareRef> = Vec::with_capacity(self.middleware.len() + 1);
        if let Some(csrf) = csrf {
            chain.push(csrf.into());
        }
        chain.extend(self.middleware);
        let router = Arc::new(router);
        let router_endpoint: Arc<dyn Endpoint> = router.clone();
        Ok(Ravyn {
            inner: Arc::new(AppInner {
                config,
                chain: chain.into(),
                router,
                router_endpoint,
                session_middleware,
                cors,
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
    }
}
