//! Routes: [`Gateway`] for one handler, [`Include`] for a group under a common prefix, and the
//! router they compile into.

mod router;

pub(crate) use router::{Miss, Refusal, Router};

use crate::auth::ArcPermission;
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
    permissions: Vec<ArcPermission>,
    docs: RouteDocs,
    /// Overrides the handlers' own body policy (`Route::body_policy`).
    body_policy: Option<crate::BodyPolicy>,
}

/// What a level (the app, an `Include`, a `Gateway`) says about the OpenAPI operations under it:
/// tags, whether they are listed, security schemes. Read by the `openapi` feature only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RouteDocs {
    /// Tags, outermost level first.
    pub(crate) tags: Vec<String>,
    /// `false` at any level leaves the operations out.
    pub(crate) hidden: bool,
    /// Security scheme names, outermost level first.
    pub(crate) security: Vec<String>,
}

impl RouteDocs {
    /// These docs inside `outer`'s.
    pub(crate) fn within(&self, outer: &RouteDocs) -> RouteDocs {
        let mut tags = outer.tags.clone();
        tags.extend(self.tags.iter().filter(|t| !outer.tags.contains(t)).cloned());
        let mut security = outer.security.clone();
        security.extend(self.security.iter().filter(|s| !outer.security.contains(s)).cloned());
        RouteDocs { tags, hidden: outer.hidden || self.hidden, security }
    }
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

    /// How this route (or every route of this `Include`) reads its request body, instead of
    /// what its handler declares (default: read whole, up to `max_body_size`). An inner
    /// `Include`'s or the `Gateway`'s own setting wins over an outer one. A route that takes
    /// uploads larger than memory streams its body with a limit of its own; its handler reads it
    /// with [`Request::take_body`](crate::Request::take_body):
    ///
    /// ```
    /// use ravyn_core::{BodyPolicy, Gateway, Route};
    /// # use ravyn_core::{BoxFuture, Handler, Request, Response, RouteSpec};
    /// # struct Upload;
    /// # impl Handler for Upload {
    /// #     fn spec(&self) -> RouteSpec { RouteSpec::new("upload", "/upload", &["POST"], 201) }
    /// #     fn call(&self, _: Request) -> BoxFuture<'static, Response> { Box::pin(async { Response::new() }) }
    /// # }
    /// let upload: Route = Gateway::new(Upload).body_policy(BodyPolicy::Streamed { limit: Some(10 << 30) });
    /// # let _ = upload;
    /// ```
    pub fn body_policy(mut self, policy: crate::BodyPolicy) -> Self {
        self.body_policy = Some(policy);
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

    /// Adds a permission every request to this route (or every route of this `Include`) must
    /// pass, as Ravyn's `Gateway(..., permissions=[..])`; checked after the app's and enclosing
    /// `Include`s', before the handler's own.
    ///
    /// ```
    /// # use ravyn_core::{BoxFuture, Handler, Request, Response, RouteSpec, IntoResponse};
    /// # struct Admin;
    /// # impl Handler for Admin {
    /// #     fn spec(&self) -> RouteSpec { RouteSpec::new("admin", "/admin", &["GET"], 200) }
    /// #     fn call(&self, _: Request) -> BoxFuture<'static, Response> { Box::pin(async { ().into_response() }) }
    /// # }
    /// use ravyn_core::auth::IsAuthenticated;
    /// use ravyn_core::{Gateway, Include};
    /// let routes = vec![Include::new("/api", vec![Gateway::new(Admin)]).permission(IsAuthenticated)];
    /// # let _ = routes;
    /// ```
    pub fn permission(mut self, permission: impl Into<ArcPermission>) -> Self {
        self.permissions.push(permission.into());
        self
    }

    /// Adds several permissions (see [`permission`](Self::permission)).
    pub fn permissions(mut self, permissions: impl IntoIterator<Item = ArcPermission>) -> Self {
        self.permissions.extend(permissions);
        self
    }

    /// OpenAPI tags for every operation of this route (Ravyn's `Gateway(tags=..)`,
    /// `Include(tags=..)`), after the enclosing levels' and before the handler's own.
    ///
    /// ```
    /// # use ravyn_core::{BoxFuture, Handler, Request, Response, RouteSpec, IntoResponse};
    /// # struct Login;
    /// # impl Handler for Login {
    /// #     fn spec(&self) -> RouteSpec { RouteSpec::new("login", "/login", &["POST"], 201) }
    /// #     fn call(&self, _: Request) -> BoxFuture<'static, Response> { Box::pin(async { ().into_response() }) }
    /// # }
    /// use ravyn_core::{Gateway, Include};
    /// let api = Include::new("/api", vec![Gateway::new(Login).tags(["auth"])]).tags(["api"]).security(["session"]);
    /// let internal = Include::new("/internal", vec![]).include_in_schema(false);
    /// # let _ = (api, internal);
    /// ```
    pub fn tags<S: Into<String>>(mut self, tags: impl IntoIterator<Item = S>) -> Self {
        self.docs.tags.extend(tags.into_iter().map(Into::into));
        self
    }

    /// Whether this route's operations are listed in the OpenAPI document (default `true`;
    /// `false` at any level wins).
    pub fn include_in_schema(mut self, include: bool) -> Self {
        self.docs.hidden = !include;
        self
    }

    /// OpenAPI security schemes (by name) that this route's operations accept, added to the
    /// enclosing levels'.
    pub fn security<S: Into<String>>(mut self, schemes: impl IntoIterator<Item = S>) -> Self {
        self.docs.security.extend(schemes.into_iter().map(Into::into));
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
        Route {
            kind: RouteKind::Gateway { prefix: path.into(), handler: Arc::new(handler) },
            middleware: Vec::new(),
            permissions: Vec::new(),
            docs: RouteDocs::default(),
            body_policy: None,
        }
    }
}

/// Groups routes under a common path prefix, as Ravyn's `Include("/api", routes=[...])`.
#[derive(Debug, Clone, Copy)]
pub struct Include;

impl Include {
    /// `routes` under `path`.
    #[allow(clippy::new_ret_no_self)]
    pub fn new(path: impl Into<String>, routes: Vec<Route>) -> Route {
        Route {
            kind: RouteKind::Include { path: path.into(), routes },
            middleware: Vec::new(),
            permissions: Vec::new(),
            docs: RouteDocs::default(),
            body_policy: None,
        }
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
        Route {
            kind: RouteKind::Mount { path: path.into(), mount },
            middleware: Vec::new(),
            permissions: Vec::new(),
            docs: RouteDocs::default(),
            body_policy: None,
        }
    }
}

/// One handler with its full path and the middleware around it, outermost first.
pub(crate) struct FlatRoute {
    pub(crate) path: String,
    pub(crate) handler: Arc<dyn Handler>,
    pub(crate) middleware: Vec<ArcMiddleware>,
    /// Every level's permissions, outermost first: the app's, each `Include`'s, the `Gateway`'s,
    /// the handler's.
    pub(crate) permissions: Vec<ArcPermission>,
    /// The OpenAPI docs of every level above and at it (the app's excluded).
    #[cfg_attr(not(feature = "openapi"), allow(dead_code))]
    pub(crate) docs: RouteDocs,
    /// The body policy set on the route or an enclosing `Include`, if any.
    pub(crate) body_policy: Option<crate::BodyPolicy>,
}

/// The routes as the router sees them: every `Gateway` with its full path (prefixes of the
/// enclosing `Include`s and its own), its middleware, permissions and docs; `app_permissions` go
/// first in every route's permissions. The router and the OpenAPI document both read this one
/// walk, so they cannot disagree about paths.
pub(crate) fn flatten(routes: &[Route], app_permissions: &[ArcPermission]) -> Vec<FlatRoute> {
    let mut out = Vec::new();
    for route in routes {
        flatten_into(route, "", &[], app_permissions, &RouteDocs::default(), None, &mut out);
    }
    out
}

fn flatten_into(
    route: &Route,
    prefix: &str,
    outer: &[ArcMiddleware],
    outer_permissions: &[ArcPermission],
    docs: &RouteDocs,
    outer_policy: Option<crate::BodyPolicy>,
    out: &mut Vec<FlatRoute>,
) {
    let body_policy = route.body_policy.or(outer_policy);
    let mut middleware = outer.to_vec();
    middleware.extend(route.middleware.iter().cloned());
    let mut permissions = outer_permissions.to_vec();
    permissions.extend(route.permissions.iter().cloned());
    let docs = route.docs.within(docs);
    match &route.kind {
        RouteKind::Gateway { prefix: own, handler } => {
            permissions.extend(handler.permissions());
            out.push(FlatRoute {
                path: join_paths(&join_paths(prefix, own), handler.spec().path()),
                handler: handler.clone(),
                middleware,
                permissions,
                docs,
                body_policy,
            });
        }
        RouteKind::Include { path, routes } => {
            let prefix = join_paths(prefix, path);
            for child in routes {
                flatten_into(child, &prefix, &middleware, &permissions, &docs, body_policy, out);
            }
        }
        RouteKind::Mount { path, mount } => {
            let prefix = join_paths(prefix, path);
            let handler: Arc<dyn Handler> = Arc::new(mount.handler(&prefix));
            // A mounted service is opaque (its routes are its own): it is routed and guarded by
            // every enclosing level's middleware and permissions, but left out of the OpenAPI
            // document, which cannot describe it.
            let docs = RouteDocs { hidden: true, ..docs };
            for path in crate::service::Mount::paths(&prefix) {
                out.push(FlatRoute {
                    path,
                    handler: handler.clone(),
                    middleware: middleware.clone(),
                    permissions: permissions.clone(),
                    docs: docs.clone(),
                    body_policy: None,
                });
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
