//! Tower layers as middleware: [`IntoLayerMiddleware`] turns any `tower::Layer` whose service
//! takes `http::Request<B>` and returns `http::Response<_>` into an [`ArcMiddleware`], which is
//! what `.layer(L)` on the app, an `Include` or a `Gateway` adds.
//!
//! The layer wraps, once, a service that runs the rest of Ravyn's chain ([`NextService`]). For
//! each request, the request becomes an `http::Request<Body>` (its framework state riding along in
//! one extension, with the rest of the chain), goes through the layered service, and the response
//! comes back as a Ravyn [`Response`]. Errors of the service need no `HandleErrorLayer`: a timeout
//! answers 408, an overloaded service 503, anything else a logged 500, in Ravyn's
//! `{"detail": ...}` shape; so do error answers the layer makes itself (tower-http's 408 and 413).

use super::error_response;
use super::shared::Shared;
use crate::body::{Body, BoxError};
use crate::handler::BoxFuture;
use crate::middleware::{ArcMiddleware, Middleware, Next};
use crate::request::Request;
use crate::response::{Response, APPLICATION_JSON};
use crate::HTTPException;
use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http_body_util::BodyExt;
use std::convert::Infallible;
use std::task::{Context, Poll};
use tower::{Layer, Service};

/// The service a layer wraps: the rest of Ravyn's chain (the middleware after the layer, then the
/// route), for requests that entered the layer through its middleware.
///
/// It takes an `http::Request` with any body of `Bytes`, so layers that change the body's type
/// (tower-http's `RequestBodyLimitLayer`, `RequestDecompressionLayer`) fit. A body that was
/// read whole before the layer and was wrapped by it is read whole again here (it is in memory,
/// and a handler of a buffered route reads `request.body()`); an error while reading it, such as
/// a limit the layer set, answers 413.
#[derive(Debug, Clone, Copy, Default)]
pub struct NextService {
    _private: (),
}

/// What a request carries through a layer: the rest of the chain, and whether its body was whole.
#[derive(Clone)]
struct Continuation {
    next: Next,
    buffered: bool,
}

/// Marks a response that came out of Ravyn's chain, so the adapter does not mistake an error
/// answer of the app for one the layer made. Set on error statuses only.
#[derive(Clone, Copy)]
struct FromChain;

impl<B> Service<http::Request<B>> for NextService
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<http::Response<Body>, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        let continuation = request.extensions_mut().remove::<Continuation>();
        Box::pin(async move {
            let Some(Continuation { next, buffered }) = continuation else {
                tracing::error!("a tower layer passed on a request without Ravyn's state (it built a new request?)");
                return Ok(error_response(&"the request lost its state in a tower layer".into()).into_http());
            };
            let mut request = Request::from_http(request);
            if buffered && request.body_is_stream() {
                match request.take_body().collect().await {
                    Ok(collected) => request.set_body(collected.to_bytes()),
                    Err(error) => {
                        tracing::debug!(%error, "a request body wrapped by a tower layer could not be read");
                        let error = HTTPException::new(
                            http::StatusCode::PAYLOAD_TOO_LARGE,
                            "Request body is larger than the limit of a layer.",
                        );
                        return Ok(mark(crate::IntoResponse::into_response(error).into_http()));
                    }
                }
            }
            Ok(mark(next.run(request).await.into_http()))
        })
    }
}

fn mark(mut response: http::Response<Body>) -> http::Response<Body> {
    if response.status().as_u16() >= 400 {
        response.extensions_mut().insert(FromChain);
    }
    response
}

/// A tower layer that can be used as Ravyn middleware: any `tower::Layer<NextService>` whose
/// service takes `http::Request<Body>`, returns `http::Response<B>` for a body of `Bytes`, and
/// fails with an error convertible to [`BoxError`]. Implemented for every such layer; `.layer(L)`
/// on [`RavynBuilder`](crate::RavynBuilder) and [`Route`](crate::Route) takes one.
///
/// The layered service is made once. Each request waits for it to be ready and calls it under a
/// fair lock held only until the call is made, so layers whose services are not `Clone` (tower's
/// `RateLimit`) and those that limit concurrency share one state, as they must.
///
/// ```
/// use ravyn_core::service::IntoLayerMiddleware;
/// use std::time::Duration;
/// let middleware = tower::timeout::TimeoutLayer::new(Duration::from_secs(5)).into_middleware();
/// let app = ravyn_core::Ravyn::builder().middleware(middleware).build().unwrap();
/// # let _ = app;
/// ```
pub trait IntoLayerMiddleware {
    /// The layer as a middleware.
    fn into_middleware(self) -> ArcMiddleware;
}

impl<L> IntoLayerMiddleware for L
where
    L: Layer<NextService>,
    L::Service: Service<http::Request<Body>> + Send + 'static,
    <L::Service as Service<http::Request<Body>>>::Response: IntoRavynResponse,
    <L::Service as Service<http::Request<Body>>>::Error: Into<BoxError>,
    <L::Service as Service<http::Request<Body>>>::Future: Send + 'static,
{
    fn into_middleware(self) -> ArcMiddleware {
        ArcMiddleware::from(LayerMiddleware { service: Shared::new(self.layer(NextService::default())) })
    }
}

/// What a layered service may answer: an `http::Response` with a body of `Bytes`.
pub trait IntoRavynResponse: Send + 'static {
    /// The response as Ravyn's.
    fn into_ravyn(self) -> Response;
}

impl<B> IntoRavynResponse for http::Response<B>
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    fn into_ravyn(self) -> Response {
        Response::from_http(self.map(Body::from_any_body))
    }
}

struct LayerMiddleware<S> {
    service: Shared<S>,
}

impl<S> Middleware for LayerMiddleware<S>
where
    S: Service<http::Request<Body>> + Send + 'static,
    S::Response: IntoRavynResponse,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
{
    async fn call(&self, request: Request, next: Next) -> Response {
        let buffered = !request.body_is_stream();
        let mut request = request.into_http();
        request.extensions_mut().insert(Continuation { next, buffered });
        match self.service.call(request).await {
            Ok(response) => shape_own_errors(response.into_ravyn()),
            Err(error) => error_response(&error),
        }
    }
}

/// An error answer the layer made itself (not one from Ravyn's chain) gets Ravyn's shape:
/// tower-http's `TimeoutLayer` answers 408 with an empty body, `RequestBodyLimitLayer` 413 in
/// plain text.
fn shape_own_errors(mut response: Response) -> Response {
    let status = response.status_code();
    if status.as_u16() < 400 || response.headers().get(CONTENT_TYPE) == Some(&APPLICATION_JSON) {
        return response;
    }
    if response.extensions().get::<FromChain>().is_some() {
        return response;
    }
    let detail = status.canonical_reason().unwrap_or("Error");
    response.headers_mut().remove(CONTENT_LENGTH);
    response.headers_mut().insert(CONTENT_TYPE, APPLICATION_JSON);
    response.set_body(serde_json::json!({ "detail": detail }).to_string());
    response
}
