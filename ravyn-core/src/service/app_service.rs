//! The app as a tower `Service`: [`Ravyn::into_service`].

use crate::app::Ravyn;
use crate::body::{Body, BoxError};
use crate::body_read::{BodyBudget, Reservation};
use crate::handler::BoxFuture;
use crate::request::{Request, RequestContext};
use crate::routing::Refusal;
use bytes::Bytes;
use std::convert::Infallible;
use std::task::{Context, Poll};
use tower::Service;

/// A [`Ravyn`] app as a tower `Service<http::Request<B>>` for any body of `Bytes`: nest it in an
/// axum `Router` (`nest_service`), wrap it in tower layers outside all of Ravyn's steps, or serve
/// it with any hyper-based server. Made by [`Ravyn::into_service`]; cheap to clone.
///
/// Requests take the same path as under Ravyn's own server: routed from the head, then the
/// route's body policy (buffered within its limit, or streamed), then the pipeline. It never
/// fails: every error is an answer.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use tower::Service;
/// let mut service = ravyn_core::Ravyn::builder().build().unwrap().into_service();
/// let request = http::Request::builder().uri("/missing").body(http_body_util::Empty::<bytes::Bytes>::new()).unwrap();
/// std::future::poll_fn(|cx| Service::<http::Request<http_body_util::Empty<bytes::Bytes>>>::poll_ready(&mut service, cx)).await.unwrap();
/// let response = service.call(request).await.unwrap();
/// assert_eq!(response.status(), 404);
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct RavynService {
    app: Ravyn,
}

impl Ravyn {
    /// The app as a tower [`Service`] (see [`RavynService`]).
    pub fn into_service(self) -> RavynService {
        RavynService { app: self }
    }

    /// Handles an `http::Request` with any body, as a tower service does.
    pub(crate) async fn handle_http<B>(&self, request: http::Request<B>) -> http::Response<Body>
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        let (mut head, body) = request.into_parts();
        // A request from another Ravyn app (mounted in this one) starts afresh here: its path
        // parameters and session are the outer app's.
        let client_addr = head.extensions.remove::<RequestContext>().and_then(|context| context.client_addr);
        if let Err(error) = self.check_header_size(&head) {
            let request = Request::from_parts(head, Body::empty(), client_addr);
            return self.refuse(request, Refusal::Exception(error)).await.into_http();
        }
        if body.is_end_stream() {
            return self.handle(Request::from_parts(head, Body::empty(), client_addr)).await.into_http();
        }
        // No connection to share a budget of buffered bytes with: the route's own limit applies.
        let reservation = Reservation::new(&BodyBudget::new(usize::MAX));
        self.handle_with_body(head, body, client_addr, reservation).await.into_http()
    }
}

impl<B> Service<http::Request<B>> for RavynService
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

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let app = self.app.clone();
        Box::pin(async move { Ok(app.handle_http(request).await) })
    }
}
