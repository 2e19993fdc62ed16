//! Routes: [`Gateway`] for one handler, [`Include`] for a group under a common prefix, and the
//! router they compile into.

mod router;

pub(crate) use router::{Miss, Refusal, Router};

use crate::handler::Handler;
use crate::middleware::ArcMiddleware;
use std::sync::Arc;

/// A route declaration: what [`Gateway::new`], [`Gateway::with_path`] and [`Include::new`]
/// return, so a Ravyn-style list can mix them.
///
/// ```
/// use ravyn_core::{Gateway, Include, Route};
/// # use ravyn_core::{BoxFuture, Handler, Request, Response, RouteSpec, IntoResponse};
/// # struct Login;
/// # impl Handler for Login {
/// #     fn spec(&self) -> RouteSpec { RouteSpec::new("login", "/login", &["POST"], 201) }
/// #     fn call(&self, _: Request) -> BoxFuture<'static, Response> { Box::pin(async { ().into_response() }) }
/// # }
/// let routes: Vec<Route> = vec![
///     Gateway::new(Login),
///     Include::new("/api", vec![Gateway::with_path("/v1", Login)]),
/// ];
/// assert_eq!(routes.len(), 2);
/// ```
#[derive(Clone)]
pub struct Route {
    kind: RouteKind,
    middleware: Vec<ArcMiddleware>,
}

#[derive(Clone)]
enum RouteKind {
    Gateway { prefix: String, handler: Arc<dyn Handler> },
    Include { path: String, routes: Vec<Route> },
    Mount { path: String, mount: Arc<crate::service::Mount> },
}

impl std::fmt::Debug for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            RouteKind::Gateway { prefix, handler } => {
                let spec = handler.spec();
                f.debug_struct("Gateway")
                    .field("path", &join_paths(prefix, spec.path()))
                    .field("handler", &spec.name())
                    .finish()
            }
            RouteKind::Include { path, routes } => {
                f.debug_struct("Include").field("path", path).field("routes", routes).finish()
            }
            RouteKind::Mount { path, .. } => {
                f.debug_struct("Include").field("path", path).field("service", &"..").finish()
            }
        }
    }
}

impl Route {
    /// Adds a middleware around this route (or every route of this `Include`). The first added
    /// is the outermost.
    pub fn middleware(mut self, middleware: impl Into<ArcMiddleware>) -> Self {
        self.middleware.push(middleware.into());
        self
    }

    /// Adds a tower layer around this route (or every route of this `Include`), in the same list
    /// as [`middleware`](Self::middleware): the first added, layer or middleware, is the
    /// outermost. Any `tower::Layer` whose service takes `http::Request<B>` and answers
    /// `http::Response<_>` fits (see [`IntoLayerMiddleware`](crate::service::IntoLayerMiddleware));
    /// its errors answer 408 (a timeout), 503 (overload) or 500 in Ravyn's `{"detail": ...}` shape.
    ///
    /// ```
    /// use ravyn_core::{Include, Route};
    /// use std::time::Duration;
    /// let api: Route = Include::new("/api", vec![]).layer(tower::timeout::TimeoutLayer::new(Duration::from_secs(10)));
    /// # let _ = api;
    /// ```
    pub fn layer<L: crate::service::IntoLayerMiddleware>(mut self, layer: L) -> Self {
        self.middleware.push(layer.into_middleware());
        self
    }
}

/// Registers one handler, as Ravyn's `Gateway(handler=...)`.
#[derive(Debug, Clone, Copy)]
pub struct Gateway;

impl Gateway {
    /// The handler at the path its attribute declares.
    // Returning `Route` (not `Self`) lets a `vec![...]` mix gateways and includes, as in Ravyn.
    #[allow(clippy::new_ret_no_self)]
    pub fn new(handler: impl Handler) -> Route {
        Gateway::with_path("", handler)
    }

    /// The handler at `path` + the path its attribute declares (`Gateway(path="/v1", ...)`).
    pub fn with_path(path: impl Into<String>, handler: impl Handler) -> Route {
        Route { kind: RouteKind::Gateway { prefix: path.into(), handler: Arc::new(handler) }, middleware: Vec::new() }
    }
}

/// Groups routes under a common path prefix, as Ravyn's `Include("/api", routes=[...])`.
#[derive(Debug, Clone, Copy)]
pub struct Include;

impl Include {
    /// `routes` under `path`.
    #[allow(clippy::new_ret_no_self)]
    pub fn new(path: impl Into<String>, routes: Vec<Route>) -> Route {
        Route { kind: RouteKind::Include { path: path.into(), routes }, middleware: Vec::new() }
    }

    /// Mounts a tower `Service` (an axum `Router`, a tower-http service, another Ravyn app's
    /// [`into_service`](crate::Ravyn::into_service)) at `path`: it receives every method at
    /// `path` and below, with `path` removed from the request's path (`/api/users?page=2` under
    /// `/api` arrives as `/users?page=2`), its body streamed as it arrives. Ravyn's built-in steps
    /// and the app's and enclosing `Include`s' middleware run around it as around any route; its
    /// errors answer as a layer's do (408, 503, 500).
    ///
    /// ```
    /// use ravyn_core::{Include, Ravyn};
    /// let inner = Ravyn::builder().build().unwrap().into_service();
    /// let app = Ravyn::builder().routes(vec![Include::service("/inner", inner)]).build().unwrap();
    /// # let _ = app;
    /// ```
    pub fn service<S>(path: impl Into<String>, service: S) -> Route
    where
        S: tower::Service<http::Request<crate::Body>> + Send + 'static,
        S::Response: crate::service::IntoRavynResponse,
        S::Error: Into<crate::BoxError>,
        S::Future: Send + 'static,
    {
        let mount = Arc::new(crate::service::Mount::new(service));
        Route { kind: RouteKind::Mount { path: path.into(), mount }, middleware: Vec::new() }
    }
}

/// One handler with its full path and the middleware around it, outermost first.
pub(crate) struct FlatRoute {
    pub(crate) path: String,
    pub(crate) handler: Arc<dyn Handler>,
    pub(crate) middleware: Vec<ArcMiddleware>,
}

pub(crate) fn flatten(routes: &[Route]) -> Vec<FlatRoute> {
    let mut out = Vec::new();
    for route in routes {
        flatten_into(route, "", &[], &mut out);
    }
    out
}

fn flatten_into(route: &Route, prefix: &str, outer: &[ArcMiddleware], out: &mut Vec<FlatRoute>) {
    let mut middleware = outer.to_vec();
    middleware.extend(route.middleware.iter().cloned());
    match &route.kind {
        RouteKind::Gateway { prefix: own, handler } => out.push(FlatRoute {
            path: join_paths(&join_paths(prefix, own), handler.spec().path()),
            handler: handler.clone(),
            middleware,
        }),
        RouteKind::Include { path, routes } => {
            let prefix = join_paths(prefix, path);
            for child in routes {
                flatten_into(child, &prefix, &middleware, out);
            }
        }
        RouteKind::Mount { path, mount } => {
            let prefix = join_paths(prefix, path);
            let handler: Arc<dyn Handler> = Arc::new(mount.handler(&prefix));
            for path in crate::service::Mount::paths(&prefix) {
                out.push(FlatRoute { path, handler: handler.clone(), middleware: middleware.clone() });
            }
        }
    }
}

/// Joins a prefix and a path as Ravyn does: `("/api", "/users")` → `/api/users`,
/// `("/api", "/")` → `/api`, `("", "/")` → `/`.
pub(crate) fn join_paths(prefix: &str, path: &str) -> String {
    let prefix = prefix.trim_end_matches('/');
    let path = if path.is_empty() || path == "/" { "" } else { path };
    let joined = match (prefix.is_empty(), path.is_empty()) {
        (true, true) => return "/".to_owned(),
        (false, true) => prefix.to_owned(),
        (true, false) => path.to_owned(),
        (false, false) if path.starts_with('/') => format!("{prefix}{path}"),
        (false, false) => format!("{prefix}/{path}"),
    };
    if joined.starts_with('/') {
        joined
    } else {
        format!("/{joined}")
    }
}

#[cfg(test)]
mod tests {
    use super::join_paths;

    #[test]
    fn joins_paths_like_ravyn() {
        assert_eq!(join_paths("", "/login"), "/login");
        assert_eq!(join_paths("/api", "/login"), "/api/login");
        assert_eq!(join_paths("/api/", "/login"), "/api/login");
        assert_eq!(join_paths("/api", "/"), "/api");
        assert_eq!(join_paths("", "/"), "/");
        assert_eq!(join_paths("", ""), "/");
        assert_eq!(join_paths("api", "x"), "/api/x");
    }
}
