//! One tower service shared by every request.

use crate::body::BoxError;
use tower::Service;

/// A tower service made once and shared: each call waits for it to be ready and calls it under a
/// fair (first come, first served) lock held only until the call is made, then awaits the
/// response without it. One state for every request, as a concurrency or rate limit needs, and
/// no `Clone` bound (tower's `RateLimit` is not `Clone`); no worker task, unlike tower's `Buffer`.
pub(crate) struct Shared<S> {
    service: tokio::sync::Mutex<S>,
}

impl<S> Shared<S> {
    pub(crate) fn new(service: S) -> Self {
        Shared { service: tokio::sync::Mutex::new(service) }
    }

    /// Waits for the service to be ready, calls it with `request`, and awaits its answer.
    pub(crate) async fn call<R>(&self, request: R) -> Result<S::Response, BoxError>
    where
        S: Service<R> + Send,
        S::Future: Send,
        S::Error: Into<BoxError>,
        R: Send,
    {
        let future = {
            let mut service = self.service.lock().await;
            match std::future::poll_fn(|cx| service.poll_ready(cx)).await {
                Ok(()) => service.call(request),
                Err(error) => return Err(error.into()),
            }
        };
        future.await.map_err(Into::into)
    }
}
