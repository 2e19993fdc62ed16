//! Middleware: code that runs around the rest of the chain, on the app, an `Include` or a
//! `Gateway`.
//!
//! Order: the app's middleware wraps everything (it also sees 404 and 405 answers), then each
//! enclosing `Include`'s from the outside in, then the `Gateway`'s, then the handler. Within one
//! list, the first listed is the outermost: it sees the request first and the response last. The
//! built-in steps that configuration turns on (CORS, sessions, CSRF) run outside all of them, in
//! the order ARCHITECTURE.md ("The built-in steps") states.

use crate::handler::BoxFuture;
use crate::request::Request;
use crate::response::Response;
use std::future::Future;
use std::sync::Arc;

/// Code that runs around the rest of the chain.
///
/// It receives the request and [`Next`]; it may edit the request, answer without calling
/// `next` (short-circuit), and edit the response `next` returns. Error responses (an
/// `HTTPException`, a 404) come back through `next` like any other response.
///
/// ```
/// use ravyn_core::{Middleware, Next, Request, Response};
///
/// struct PoweredBy;
/// impl Middleware for PoweredBy {
///     async fn call(&self, request: Request, next: Next) -> Response {
///         let mut response = next.run(request).await;
///         response.headers_mut().insert("x-powered-by", http::HeaderValue::from_static("ravyn"));
///         response
///     }
/// }
/// ```
pub trait Middleware: Send + Sync + 'static {
    /// Handles `request`, usually by calling `next.run(request)`.
    fn call(&self, request: Request, next: Next) -> impl Future<Output = Response> + Send;
}

/// The object-safe form of [`Middleware`] that chains hold.
pub(crate) trait DynMiddleware: Send + Sync + 'static {
    fn call_boxed(&self, request: Request, next: Next) -> BoxFuture<'_, Response>;

    /// `call_boxed` with a future that owns (a handle to) the middleware, so [`Next::run_boxed`]
    /// can return it as it is instead of boxing a `run` future around it.
    fn call_owned(self: Arc<Self>, request: Request, next: Next) -> BoxFuture<'static, Response>;
}

impl<M: Middleware> DynMiddleware for M {
    fn call_boxed(&self, request: Request, next: Next) -> BoxFuture<'_, Response> {
        Box::pin(self.call(request, next))
    }

    fn call_owned(self: Arc<Self>, request: Request, next: Next) -> BoxFuture<'static, Response> {
        Box::pin(async move { self.call(request, next).await })
    }
}

/// A shared handle to a middleware, ready to be put in a chain; made from any [`Middleware`] with
/// `.into()` or [`from_fn`].
#[derive(Clone)]
pub struct ArcMiddleware(pub(crate) Arc<dyn DynMiddleware>);

impl std::fmt::Debug for ArcMiddleware {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ArcMiddleware")
    }
}

impl<M: Middleware> From<M> for ArcMiddleware {
    fn from(middleware: M) -> Self {
        ArcMiddleware(Arc::new(middleware))
    }
}

/// What the end of a chain calls: a route, its handler stage, or a refusal.
pub(crate) trait Endpoint: Send + Sync + 'static {
    fn call_endpoint(&self, request: Request) -> BoxFuture<'_, Response>;
}

/// The rest of the chain after the current middleware.
///
/// It owns its place in the chain, so a middleware may move it into a spawned task.
#[derive(Clone)]
pub struct Next {
    chain: Arc<[ArcMiddleware]>,
    index: usize,
    endpoint: Arc<dyn Endpoint>,
}

impl Next {
    pub(crate) fn new(chain: Arc<[ArcMiddleware]>, endpoint: Arc<dyn Endpoint>) -> Self {
        Next { chain, index: 0, endpoint }
    }

    /// Runs the rest of the chain and returns its response.
    pub async fn run(self, request: Request) -> Response {
        match self.chain.get(self.index) {
            Some(middleware) => {
                let next = Next { chain: self.chain.clone(), index: self.index + 1, endpoint: self.endpoint.clone() };
                middleware.0.call_boxed(request, next).await
            }
            None => self.endpoint.call_endpoint(request).await,
        }
    }

    /// [`run`](Self::run) as a boxed future, for the app to start the chain with: the first
    /// middleware's own boxed future, not a boxed `run` future awaiting it — one allocation and
    /// one move of the request (a few hundred bytes) less per request.
    pub(crate) fn run_boxed(self, request: Request) -> BoxFuture<'static, Response> {
        match self.chain.get(self.index) {
            Some(middleware) => {
                let middleware = middleware.0.clone();
                middleware.call_owned(request, Next { index: self.index + 1, ..self })
            }
            None => Box::pin(self.run(request)),
        }
    }
}

impl std::fmt::Debug for Next {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Next").field("remaining", &(self.chain.len() - self.index)).finish()
    }
}

/// A middleware made from an async closure.
///
/// ```
/// use ravyn_core::middleware::from_fn;
/// use ravyn_core::{Next, Request};
///
/// let timing = from_fn(|request: Request, next: Next| async move {
///     let started = std::time::Instant::now();
///     let response = next.run(request).await;
///     tracing::debug!(elapsed = ?started.elapsed(), "handled");
///     response
/// });
/// # let _ = timing;
/// ```
pub fn from_fn<F, Fut>(function: F) -> ArcMiddleware
where
    F: Fn(Request, Next) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Response> + Send + 'static,
{
    ArcMiddleware(Arc::new(FnMiddleware(function)))
}

struct FnMiddleware<F>(F);

impl<F, Fut> DynMiddleware for FnMiddleware<F>
where
    F: Fn(Request, Next) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Response> + Send + 'static,
{
    fn call_boxed(&self, request: Request, next: Next) -> BoxFuture<'_, Response> {
        Box::pin((self.0)(request, next))
    }

    fn call_owned(self: Arc<Self>, request: Request, next: Next) -> BoxFuture<'static, Response> {
        // The closure's future owns everything it needs ('static): no handle to keep.
        Box::pin((self.0)(request, next))
    }
}
