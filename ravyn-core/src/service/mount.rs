//! A tower `Service` mounted under a Ravyn path: [`Include::service`](crate::Include::service).

use super::error_response;
use super::layer::IntoRavynResponse;
use super::shared::Shared;
use crate::body::{Body, BoxError};
use crate::handler::{BoxFuture, Handler};
use crate::request::Request;
use crate::response::Response;
use crate::spec::{BodyPolicy, Needs, RouteSpec};
use std::sync::Arc;
use tower::Service;

/// The methods a mounted service receives: all of them (it answers 405 itself).
const METHODS: &[&str] = &["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"];

/// The name of the path parameter that captures the rest of the path under the mount point.
pub(crate) const REST: &str = "__mounted";

/// A tower service as Ravyn routes: it receives every method at its path and below, with its
/// path prefix removed (`/api/users?page=2` under `/api` arrives as `/users?page=2`), its body
/// streamed as it arrives (the service applies its own limits), and Ravyn's built-in steps and
/// middleware around it like any route.
pub(crate) struct Mount {
    call: Arc<dyn Fn(Request, usize) -> BoxFuture<'static, Response> + Send + Sync>,
}

impl Mount {
    pub(crate) fn new<S>(service: S) -> Self
    where
        S: Service<http::Request<Body>> + Send + 'static,
        S::Response: IntoRavynResponse,
        S::Error: Into<BoxError>,
        S::Future: Send + 'static,
    {
        let shared = Arc::new(Shared::new(service));
        Mount {
            call: Arc::new(move |request: Request, segments: usize| {
                let shared = shared.clone();
                Box::pin(async move {
                    let request = strip_prefix(request, segments);
                    match shared.call(request).await {
                        Ok(response) => response.into_ravyn(),
                        Err(error) => error_response(&error),
                    }
                })
            }),
        }
    }

    /// The route paths that reach the service mounted at `prefix` (already joined).
    pub(crate) fn paths(prefix: &str) -> Vec<String> {
        let base = prefix.trim_end_matches('/');
        if base.is_empty() {
            vec!["/".to_owned(), format!("/{{*{REST}}}")]
        } else {
            vec![base.to_owned(), format!("{base}/"), format!("{base}/{{*{REST}}}")]
        }
    }

    /// The route handler for the mount at `prefix` (already joined).
    pub(crate) fn handler(&self, prefix: &str) -> MountHandler {
        let segments = prefix.split('/').filter(|segment| !segment.is_empty()).count();
        MountHandler { call: self.call.clone(), segments }
    }
}

/// The request as the mounted service sees it: the raw (still percent-encoded) path after the
/// mount point's `segments` segments, and the query.
fn strip_prefix(request: Request, segments: usize) -> http::Request<Body> {
    let mut request = request.into_http();
    let raw = request.uri().path();
    let tail = raw.match_indices('/').nth(segments).map_or("/", |(at, _)| &raw[at..]);
    let mut path = tail.to_owned();
    if let Some(query) = request.uri().query() {
        path.push('?');
        path.push_str(query);
    }
    let mut parts = request.uri().clone().into_parts();
    match path.parse() {
        Ok(path_and_query) => parts.path_and_query = Some(path_and_query),
        Err(error) => tracing::debug!(%error, "mounted service: the path could not be rewritten"),
    }
    if let Ok(uri) = http::Uri::from_parts(parts) {
        *request.uri_mut() = uri;
    }
    request
}

/// The route handler of a mount.
pub(crate) struct MountHandler {
    call: Arc<dyn Fn(Request, usize) -> BoxFuture<'static, Response> + Send + Sync>,
    /// How many path segments the mount point has.
    segments: usize,
}

impl Handler for MountHandler {
    fn spec(&self) -> RouteSpec {
        RouteSpec::new("mounted_service", "/", METHODS, 200)
            .with_needs(Needs::NONE)
            .with_body_policy(BodyPolicy::Streamed { limit: None })
    }

    fn call(&self, request: Request) -> BoxFuture<'static, Response> {
        (self.call)(request, self.segments)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mount_paths_cover_the_prefix_and_below() {
        assert_eq!(Mount::paths("/api"), ["/api", "/api/", "/api/{*__mounted}"]);
        assert_eq!(Mount::paths("/"), ["/", "/{*__mounted}"]);
    }

    #[test]
    fn the_service_sees_the_raw_path_below_the_mount_point() {
        let seen = |uri: &str, segments| strip_prefix(Request::builder().uri(uri).build(), segments).uri().to_string();
        assert_eq!(seen("/api/a%2Fb/c?x=1", 1), "/a%2Fb/c?x=1");
        assert_eq!(seen("/api", 1), "/");
        assert_eq!(seen("/api/", 1), "/");
        assert_eq!(seen("/t/7/users", 2), "/users");
        assert_eq!(seen("/users", 0), "/users");
    }
}
