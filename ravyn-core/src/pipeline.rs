//! The request pipeline: what runs between a request whose route is known and its response. The
//! order of the built-in steps is fixed here, by the chain of [`Rest`] types below;
//! ARCHITECTURE.md ("The built-in steps") states it for readers, and names each hop of a request.
//!
//! Each built-in step is a [`Step`]; an absent one costs a branch. A step may skip itself for a
//! route ([`Step::runs_for`]), from what the route declared at `build()` ([`RouteEndpoint`]): the
//! session step, for instance, does not run for a route whose handler cannot reach its session,
//! whatever other steps are on.

use crate::app::Ravyn;
use crate::auth::Permissions;
use crate::catch_panic::{catch_panic, panic_response};
use crate::handler::{BoxFuture, Handler};
use crate::middleware::{ArcMiddleware, Endpoint, Next};
use crate::request::Request;
use crate::response::{IntoResponse, Response};
use crate::routing::Refusal;
use crate::spec::{BodyPolicy, Needs, RouteSpec};
use http::StatusCode;
use std::future::Future;
use std::sync::Arc;

/// A built-in step: code the app runs around the rest of the pipeline for every request it
/// applies to. Unlike [`Middleware`](crate::Middleware), steps are composed statically (no boxed
/// future, no dynamic call) in the one order the [`Rest`] types fix.
pub(crate) trait Step: Send + Sync + 'static {
    /// Whether the step runs for this request; `true` unless the step knows the request's route
    /// cannot use what it provides.
    fn runs_for(&self, _flow: &Flow<'_>) -> bool {
        true
    }

    /// Runs `rest` (the rest of the pipeline) for `request`, doing the step's work around it.
    fn around(&self, flow: &Flow<'_>, request: Request, rest: impl Rest) -> impl Future<Output = Response> + Send;
}

/// The rest of the pipeline after a step. A plain value rather than a closure: one pointer (to the
/// request's [`Flow`]), so that each nested layer adds little to the request's future, and no
/// closure lifetimes for the compiler to see through when the whole future must be `Send`.
pub(crate) trait Rest: Send {
    /// Runs the rest of the pipeline.
    fn run(self, request: Request) -> impl Future<Output = Response> + Send;
}

/// Where a request is bound: its route, or a refusal answered instead (404, 405, a redirect,
/// 413, 431), which still travels through the steps and the app's middleware.
#[derive(Clone, Copy)]
pub(crate) enum Target<'a> {
    Route(&'a Arc<RouteEndpoint>),
    Refusal(&'a Refusal),
}

/// What every layer of one request's pipeline shares, kept once in the outermost future.
pub(crate) struct Flow<'a> {
    app: &'a Ravyn,
    target: Target<'a>,
}

impl Flow<'_> {
    /// What the code at the end of the pipeline may need; a refusal needs nothing.
    pub(crate) fn needs(&self) -> Needs {
        match self.target {
            Target::Route(route) => route.needs,
            Target::Refusal(_) => Needs::NONE,
        }
    }

    /// Whether the app has middleware of its own (which receives the request, and may do
    /// anything with it).
    pub(crate) fn app_has_middleware(&self) -> bool {
        !self.app.middleware().is_empty()
    }

    /// The app's CSRF step, when CSRF protection is configured.
    pub(crate) fn csrf(&self) -> Option<&crate::csrf::CsrfStep> {
        self.app.builtins().csrf.as_ref()
    }

    /// The app's session manager, when sessions are configured.
    pub(crate) fn session_manager(&self) -> Option<&ravyn_session::SessionManager> {
        self.app.session_manager()
    }
}

/// The built-in steps an app was configured with, outermost first.
pub(crate) struct Builtins {
    pub(crate) cors: Option<crate::cors::CorsStep>,
    pub(crate) sessions: Option<crate::session::SessionStep>,
    pub(crate) csrf: Option<crate::csrf::CsrfStep>,
    pub(crate) identity: Option<crate::auth::IdentityStep>,
}

impl Ravyn {
    /// Runs `request` through the whole pipeline to `target`. CORS and the access log are boxed:
    /// they keep state across the request, and most apps have neither.
    pub(crate) async fn pipeline(&self, request: Request, target: Target<'_>) -> Response {
        let flow = Flow { app: self, target };
        let logged = tracing::enabled!(tracing::Level::INFO);
        if self.builtins().cors.is_none() && !logged {
            return Guarded(&flow).run(request).await;
        }
        Box::pin(observed(&flow, request, logged)).await
    }
}

// The order of the steps, outermost first; each `Rest` below runs one step around the next step
// that runs for the request (so a step that does not run adds no layer):
//   CORS (+ the access log)  >  catch_panic  >  sessions  >  CSRF  >  identity  >  app middleware  >  target
// (permissions are checked in the handler stage, after the route's middleware.)

/// CORS around everything else (panics' 500s included), and the access log line.
async fn observed(flow: &Flow<'_>, request: Request, logged: bool) -> Response {
    let logged = logged.then(|| (std::time::Instant::now(), request.method().clone(), request.path().to_owned()));
    let response = match &flow.app.builtins().cors {
        Some(cors) if cors.runs_for(flow) => cors.around(flow, request, Guarded(flow)).await,
        _ => Guarded(flow).run(request).await,
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

/// The steps inside CORS, with a panic anywhere in them (middleware's; handlers' are answered in
/// the handler stage) answered as a logged 500.
struct Guarded<'f>(&'f Flow<'f>);

impl Rest for Guarded<'_> {
    async fn run(self, request: Request) -> Response {
        let flow = self.0;
        let steps = async move {
            // Start at the first step that runs for this request: each layer of `Rest` is a state
            // machine of its own, whose polling, moves and drop cost ~130 instructions per request
            // under callgrind, so a request pays for no layer of a step that does not run for it.
            let builtins = flow.app.builtins();
            if builtins.sessions.as_ref().is_some_and(|step| step.runs_for(flow)) {
                return Sessions(flow).run(request).await;
            }
            if builtins.csrf.as_ref().is_some_and(|step| step.runs_for(flow)) {
                return Csrf(flow).run(request).await;
            }
            if builtins.identity.as_ref().is_some_and(|step| step.runs_for(flow)) {
                return Identity(flow).run(request).await;
            }
            flow.to_target(request).await
        };
        match catch_panic(std::pin::pin!(steps)).await {
            Ok(response) => response,
            Err(payload) => panic_response(&*payload, flow.app.config().debug()),
        }
    }
}

/// The session step (which runs for this request), then the next step that runs, or the end.
struct Sessions<'f>(&'f Flow<'f>);

impl Rest for Sessions<'_> {
    async fn run(self, request: Request) -> Response {
        let flow = self.0;
        let builtins = flow.app.builtins();
        let Some(sessions) = &builtins.sessions else { return flow.to_target(request).await };
        if builtins.csrf.as_ref().is_some_and(|step| step.runs_for(flow)) {
            sessions.around(flow, request, Csrf(flow)).await
        } else if builtins.identity.as_ref().is_some_and(|step| step.runs_for(flow)) {
            sessions.around(flow, request, Identity(flow)).await
        } else {
            sessions.around(flow, request, End(flow)).await
        }
    }
}

/// The CSRF step (which runs for this request), then the next step that runs, or the end.
struct Csrf<'f>(&'f Flow<'f>);

impl Rest for Csrf<'_> {
    async fn run(self, request: Request) -> Response {
        let flow = self.0;
        let builtins = flow.app.builtins();
        let Some(csrf) = &builtins.csrf else { return flow.to_target(request).await };
        if builtins.identity.as_ref().is_some_and(|step| step.runs_for(flow)) {
            csrf.around(flow, request, Identity(flow)).await
        } else {
            csrf.around(flow, request, End(flow)).await
        }
    }
}

/// The identity step (which runs for this request), then the end.
struct Identity<'f>(&'f Flow<'f>);

impl Rest for Identity<'_> {
    async fn run(self, request: Request) -> Response {
        let flow = self.0;
        match &flow.app.builtins().identity {
            Some(identity) => identity.around(flow, request, End(flow)).await,
            None => flow.to_target(request).await,
        }
    }
}

/// The end of the steps: the app's middleware and the target.
struct End<'f>(&'f Flow<'f>);

impl Rest for End<'_> {
    fn run(self, request: Request) -> impl Future<Output = Response> + Send {
        self.0.to_target(request)
    }
}

impl Flow<'_> {
    /// The app's middleware, then the target; the target's own future when there is no
    /// middleware.
    async fn to_target(&self, request: Request) -> Response {
        let middleware = self.app.middleware();
        if !middleware.is_empty() {
            let end: Arc<dyn Endpoint> = match self.target {
                Target::Route(route) => route.clone(),
                Target::Refusal(refusal) => Arc::new(RefusalEndpoint(refusal.clone())),
            };
            return Next::new(middleware.clone(), end).run_boxed(request).await;
        }
        match self.target {
            Target::Route(route) => route.run(request).await,
            Target::Refusal(refusal) => refusal.response(),
        }
    }
}

/// One route, ready to run: its own middleware (from its `Gateway` and enclosing `Include`s),
/// then the [`HandlerStage`].
pub(crate) struct RouteEndpoint {
    stage: Arc<HandlerStage>,
    /// Empty when the route has no middleware: the stage is awaited directly.
    chain: Arc<[ArcMiddleware]>,
    /// What the handler, and the route's middleware if any, may need.
    pub(crate) needs: Needs,
    /// The body policy, with the app's limit filled in for buffered bodies.
    pub(crate) body: BodyPolicy,
}

impl RouteEndpoint {
    /// Builds the endpoint of `handler` (whose spec is `spec`) behind `chain`, with every level's
    /// `permissions`.
    pub(crate) fn new(
        handler: Arc<dyn Handler>,
        spec: &RouteSpec,
        chain: Vec<ArcMiddleware>,
        permissions: Permissions,
        max_body_size: usize,
        debug: bool,
    ) -> Result<Self, crate::ConfigError> {
        let status = StatusCode::from_u16(spec.status_code()).map_err(|_| crate::ConfigError::InvalidRoute {
            route: format!("{} ({})", spec.name(), spec.path()),
            reason: format!("status_code {} is not a valid HTTP status", spec.status_code()),
        })?;
        // Route middleware receives the request and may do anything with it.
        // Permissions run before the handler whether or not it takes a `Request`: what they read
        // is needed too (the identity step for `IsAuthenticated`, the session for a permission
        // that reads it).
        let needs = if chain.is_empty() { spec.needs() | permissions.needs() } else { Needs::ALL };
        let body = match spec.body_policy() {
            BodyPolicy::Buffered { limit: None } => BodyPolicy::Buffered { limit: Some(max_body_size as u64) },
            other => other,
        };
        let loads_session = spec.may_use_session() || permissions.needs().contains(Needs::SESSION);
        let stage = HandlerStage { handler, status, loads_session, permissions, debug };
        Ok(RouteEndpoint { stage: Arc::new(stage), chain: chain.into(), needs, body })
    }

    /// The endpoint of a route the framework adds itself (static files, the OpenAPI document and
    /// docs pages): no middleware of its own and no permissions at any level (a login page's
    /// assets must load for anyone).
    pub(crate) fn framework_route(
        handler: Arc<dyn Handler>,
        spec: &RouteSpec,
        max_body_size: usize,
        debug: bool,
    ) -> Result<Self, crate::ConfigError> {
        Self::new(handler, spec, Vec::new(), Permissions::new(Vec::new()), max_body_size, debug)
    }

    /// Runs the route's middleware, if any, then the handler stage.
    pub(crate) async fn run(&self, request: Request) -> Response {
        if self.chain.is_empty() {
            self.stage.run(request).await
        } else {
            let stage: Arc<dyn Endpoint> = self.stage.clone();
            Next::new(self.chain.clone(), stage).run(request).await
        }
    }

    /// The largest buffered body this route accepts; `None` when it streams its body.
    pub(crate) fn buffered_limit(&self) -> Option<u64> {
        match self.body {
            BodyPolicy::Buffered { limit } => limit,
            BodyPolicy::Streamed { .. } => None,
        }
    }
}

impl Endpoint for RouteEndpoint {
    fn call_endpoint(&self, request: Request) -> BoxFuture<'_, Response> {
        Box::pin(self.run(request))
    }
}

/// The last stage before the handler, after the route's middleware: what must be in place for the
/// handler (a store-backed session's record, loaded only when the handler needs its session), then
/// the handler, a panic in it answered as a logged 500.
struct HandlerStage {
    handler: Arc<dyn Handler>,
    status: StatusCode,
    /// The handler (or a permission) needs the session ([`Needs::SESSION`]): load a store's
    /// record before they run.
    loads_session: bool,
    /// Every level's permissions; all must allow before the handler runs.
    permissions: Permissions,
    /// Show a panic's message in its 500 (the app's `debug`).
    debug: bool,
}

impl HandlerStage {
    /// Awaited directly for a route without middleware, so the request goes from the steps into
    /// the handler's own boxed future without a boxed future of this stage in between.
    async fn run(&self, request: Request) -> Response {
        if self.loads_session {
            if let Err(response) = crate::session::load_before_handler(&request).await {
                return response;
            }
        }
        if !self.permissions.is_empty() {
            let checked = match self.permissions.check_now(&request) {
                Some(checked) => checked,
                // A user-written permission may await: boxed, so its future does not widen the
                // future of every request.
                None => Box::pin(self.permissions.check(&request)).await,
            };
            if let Err(refusal) = checked {
                return refusal.into_response();
            }
        }
        // A panic becomes its 500 here, inside the pipeline, so it travels back out through every
        // middleware and step like any error response: session writes made before it are kept.
        match catch_panic(self.handler.call(request).as_mut()).await {
            Ok(mut response) => {
                response.set_default_status(self.status);
                response
            }
            Err(payload) => panic_response(&*payload, self.debug),
        }
    }
}

impl Endpoint for HandlerStage {
    fn call_endpoint(&self, request: Request) -> BoxFuture<'_, Response> {
        Box::pin(self.run(request))
    }
}

/// The end of the middleware chain for a request without a route.
struct RefusalEndpoint(Refusal);

impl Endpoint for RefusalEndpoint {
    fn call_endpoint(&self, _request: Request) -> BoxFuture<'_, Response> {
        Box::pin(std::future::ready(self.0.response()))
    }
}
