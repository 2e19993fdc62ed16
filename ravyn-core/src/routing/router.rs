//! The compiled router: matchit for paths, a short method list per path.

use super::FlatRoute;
use crate::catch_panic::{catch_panic, panic_response};
use crate::error::ConfigError;
use crate::handler::{BoxFuture, Handler};
use crate::middleware::{Endpoint, MiddlewareRef, Next};
use crate::request::{PathParams, Request};
use crate::response::{IntoResponse, Response};
use crate::{HTTPException, Redirect};
use http::header::{HeaderValue, ALLOW};
use http::{Method, StatusCode};
use std::sync::Arc;

/// The routes of an app, ready to dispatch.
pub(crate) struct Router {
    matcher: matchit::Router<usize>,
    paths: Vec<PathEntry>,
    redirect_slashes: bool,
    debug: bool,
}

struct PathEntry {
    template: String,
    methods: Vec<(Method, RouteEndpoint)>,
    allow: HeaderValue,
}

/// One handler with its chain.
pub(crate) struct RouteEndpoint {
    handler: Arc<HandlerEndpoint>,
    /// Empty when the route has no middleware: the handler is called directly.
    chain: Arc<[MiddlewareRef]>,
    name: &'static str,
}

struct HandlerEndpoint {
    handler: Arc<dyn Handler>,
    status: StatusCode,
    /// `RouteSpec::may_use_session`: load a store-backed session before calling the handler.
    may_use_session: bool,
    /// `RouteSpec::receives_request`.
    receives_request: bool,
    /// Show a panic's message in its 500 (the app's `debug`).
    debug: bool,
}

impl RouteEndpoint {
    /// Runs the route's middleware, if any, then the handler.
    pub(crate) async fn run(&self, request: Request) -> Response {
        if self.chain.is_empty() {
            self.handler.run(request).await
        } else {
            let handler: Arc<dyn Endpoint> = self.handler.clone();
            Next::new(self.chain.clone(), handler).run(request).await
        }
    }

    /// Whether nothing on this route can reach the request's session: no route middleware, and a
    /// handler that does not receive the request (`RouteSpec::receives_request`) and names no
    /// session (`RouteSpec::may_use_session`).
    pub(crate) fn never_uses_session(&self) -> bool {
        self.chain.is_empty() && !self.handler.receives_request && !self.handler.may_use_session
    }
}

impl HandlerEndpoint {
    /// Calls the handler. The router awaits this directly for a route without middleware, so the
    /// request goes from routing into the handler's own boxed future without a boxed future of
    /// this step in between (one allocation and one move of the request less per request).
    async fn run(&self, request: Request) -> Response {
        // Here, after routing and route middleware, so only a handler that may read the
        // session pays a store round trip for it.
        if self.may_use_session {
            if let Err(response) = crate::session::load_before_handler(&request).await {
                return response;
            }
        }
        // A panic becomes its 500 here, inside the chain, so it travels back out through every
        // middleware like any error response: session writes made before it are kept.
        match catch_panic(self.handler.call(request).as_mut()).await {
            Ok(mut response) => {
                response.set_default_status(self.status);
                response
            }
            Err(payload) => panic_response(&*payload, self.debug),
        }
    }
}

impl Endpoint for HandlerEndpoint {
    fn call_endpoint(&self, request: Request) -> BoxFuture<'_, Response> {
        Box::pin(self.run(request))
    }
}

impl Router {
    pub(crate) fn build(routes: Vec<FlatRoute>, redirect_slashes: bool, debug: bool) -> Result<Self, ConfigError> {
        let mut router = Router { matcher: matchit::Router::new(), paths: Vec::new(), redirect_slashes, debug };
        for route in routes {
            router.add(route)?;
        }
        for entry in &mut router.paths {
            entry.allow = allow_header(&entry.methods);
        }
        Ok(router)
    }

    fn add(&mut self, route: FlatRoute) -> Result<(), ConfigError> {
        let spec = route.handler.spec();
        let name = spec.name();
        validate_path(&route.path, name)?;
        let status = StatusCode::from_u16(spec.status_code()).map_err(|_| ConfigError::InvalidRoute {
            route: format!("{name} ({})", route.path),
            reason: format!("status_code {} is not a valid HTTP status", spec.status_code()),
        })?;
        if spec.methods().is_empty() {
            return Err(ConfigError::InvalidRoute {
                route: format!("{name} ({})", route.path),
                reason: "no HTTP method".to_owned(),
            });
        }
        let index = match self.paths.iter().position(|p| p.template == route.path) {
            Some(index) => index,
            None => {
                let index = self.paths.len();
                self.matcher.insert(route.path.clone(), index).map_err(|error| match error {
                    matchit::InsertError::Conflict { with } => ConfigError::RouteConflict {
                        first: self.describe(&with),
                        second: format!("{name} ({})", route.path),
                    },
                    other => ConfigError::InvalidRoute {
                        route: format!("{name} ({})", route.path),
                        reason: other.to_string(),
                    },
                })?;
                self.paths.push(PathEntry {
                    template: route.path.clone(),
                    methods: Vec::new(),
                    allow: HeaderValue::from_static(""),
                });
                index
            }
        };
        let handler = Arc::new(HandlerEndpoint {
            handler: route.handler.clone(),
            status,
            may_use_session: spec.may_use_session(),
            receives_request: spec.receives_request(),
            debug: self.debug,
        });
        let chain: Arc<[MiddlewareRef]> = route.middleware.into();
        for method in spec.methods() {
            let method =
                Method::from_bytes(method.to_ascii_uppercase().as_bytes()).map_err(|_| ConfigError::InvalidRoute {
                    route: format!("{name} ({})", route.path),
                    reason: format!("{method:?} is not an HTTP method"),
                })?;
            let entry = &mut self.paths[index];
            if let Some((_, existing)) = entry.methods.iter().find(|(m, _)| *m == method) {
                return Err(ConfigError::RouteConflict {
                    first: format!("{} ({} {})", existing.name, method, entry.template),
                    second: format!("{name} ({} {})", method, route.path),
                });
            }
            entry.methods.push((method, RouteEndpoint { handler: handler.clone(), chain: chain.clone(), name }));
        }
        Ok(())
    }

    fn describe(&self, template: &str) -> String {
        match self.paths.iter().find(|p| p.template == template) {
            Some(entry) => {
                let names: Vec<&str> = entry.methods.iter().map(|(_, e)| e.name).collect();
                format!("{} ({})", names.join(", "), entry.template)
            }
            None => template.to_owned(),
        }
    }

    /// How many distinct paths are registered.
    pub(crate) fn len(&self) -> usize {
        self.paths.len()
    }

    /// Routes `request` and runs its handler (with the route's middleware, if any). The app
    /// awaits this directly when it has no middleware of its own after the built-in ones.
    pub(crate) async fn dispatch(&self, mut request: Request) -> Response {
        // Not `match self.route(..) { Ok(e) => e.run(request).await, .. }`: the matched `Result`
        // (a `Response` wide) would stay in this future's state across the await.
        let endpoint = match self.route(&mut request) {
            Ok(endpoint) => endpoint,
            Err(response) => return response,
        };
        endpoint.run(request).await
    }

    /// Finds the endpoint for `request` and gives the request its path parameters; `Err` is the
    /// answer when there is none (404, 405, or a redirect to the path with or without its
    /// trailing slash).
    #[allow(clippy::result_large_err)] // The `Err` is the answer, sent as it is: boxing it would only add an allocation.
    pub(crate) fn route(&self, request: &mut Request) -> Result<&RouteEndpoint, Response> {
        let (index, params) = match self.matcher.at(request.path()) {
            Ok(found) => {
                let params = if found.params.is_empty() {
                    PathParams::default()
                } else {
                    let mut params = PathParams::default();
                    for (name, raw) in found.params.iter() {
                        let value = percent_encoding::percent_decode_str(raw).decode_utf8_lossy().into_owned();
                        params.push(name, value);
                    }
                    params
                };
                (*found.value, params)
            }
            Err(_) => return Err(self.not_found(request)),
        };
        let entry = &self.paths[index];
        let method = request.method();
        let endpoint = entry.methods.iter().find(|(m, _)| m == method).or_else(|| {
            (*method == Method::HEAD).then(|| entry.methods.iter().find(|(m, _)| *m == Method::GET)).flatten()
        });
        let Some((_, endpoint)) = endpoint else {
            return Err(HTTPException::new(StatusCode::METHOD_NOT_ALLOWED, format!("Method {method} not allowed."))
                .with_header(ALLOW, entry.allow.clone())
                .into_response());
        };
        if !params.is_empty() {
            request.set_path_params(params);
        }
        Ok(endpoint)
    }

    fn not_found(&self, request: &Request) -> Response {
        if self.redirect_slashes {
            let path = request.path();
            let alternative = match path.strip_suffix('/') {
                Some(trimmed) if !trimmed.is_empty() => trimmed.to_owned(),
                Some(_) => String::new(),
                None => format!("{path}/"),
            };
            if !alternative.is_empty() && self.matcher.at(&alternative).is_ok() {
                let location = match request.query_string() {
                    Some(query) => format!("{alternative}?{query}"),
                    None => alternative,
                };
                return Redirect::to(location).into_response();
            }
        }
        HTTPException::new(StatusCode::NOT_FOUND, "Not Found").into_response()
    }
}

impl Endpoint for Router {
    fn call_endpoint(&self, request: Request) -> BoxFuture<'_, Response> {
        Box::pin(self.dispatch(request))
    }
}

fn allow_header(methods: &[(Method, RouteEndpoint)]) -> HeaderValue {
    let mut names: Vec<&str> = methods.iter().map(|(m, _)| m.as_str()).collect();
    if names.contains(&"GET") && !names.contains(&"HEAD") {
        names.push("HEAD");
    }
    names.sort_unstable();
    HeaderValue::try_from(names.join(", ")).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn validate_path(path: &str, name: &str) -> Result<(), ConfigError> {
    let invalid =
        |reason: &str| ConfigError::InvalidRoute { route: format!("{name} ({path})"), reason: reason.to_owned() };
    if !path.starts_with('/') {
        return Err(invalid("a path must start with '/'"));
    }
    if path.contains("//") {
        return Err(invalid("a path must not contain '//'"));
    }
    Ok(())
}
