//! Turning a panic inside a request into a 500, so the server keeps serving.

use crate::response::{IntoResponse, Response};
use crate::HTTPException;
use std::any::Any;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::Poll;

/// Runs the pinned `future` to completion, catching a panic from any of its polls.
///
/// The caller pins the future in its own frame (`std::pin::pin!`) and lends it: taking the future
/// by value would keep it twice in this function's state (the argument, and the pinned local).
pub(crate) fn catch_panic<F: Future + ?Sized>(
    mut future: Pin<&mut F>,
) -> impl Future<Output = Result<F::Output, Box<dyn Any + Send>>> + '_ {
    // The future is dropped right after a panic and never polled again, so a broken invariant
    // inside it cannot be observed: unwind safety holds in practice.
    std::future::poll_fn(move |cx| match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
        Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
        Ok(Poll::Pending) => Poll::Pending,
        Err(payload) => Poll::Ready(Err(payload)),
    })
}

/// The logged 500 a caught panic becomes; the panic's message is added to the body in debug mode.
/// Used by the pipeline's panic guard (inside CORS, so that this 500 carries CORS headers) and by
/// the handler stage (so that middleware sees a handler's panic as its 500).
pub(crate) fn panic_response(payload: &(dyn Any + Send), debug: bool) -> Response {
    let message = panic_message(payload);
    tracing::error!(panic = message, "handler panicked; answering 500");
    let error = HTTPException::internal_server_error();
    let error = if debug { error.with_field("error", message.into()) } else { error };
    error.into_response()
}

/// The panic's message, when it has one.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(message) = payload.downcast_ref::<&'static str>() {
        message
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message
    } else {
        "panic with a non-string payload"
    }
}
