//! Ravyn and tower, both ways: tower layers as middleware ([`IntoLayerMiddleware`], behind
//! `.layer(L)`), the app as a tower `Service` ([`Ravyn::into_service`](crate::Ravyn::into_service),
//! to nest it in axum or serve it with any hyper-based server), and a tower `Service` (an axum
//! `Router`, a tower-http `ServeDir`) mounted under a Ravyn path ([`Include::service`](crate::Include::service)).

mod app_service;
mod layer;
mod mount;
mod shared;

pub use app_service::RavynService;
pub use layer::{IntoLayerMiddleware, IntoRavynResponse, NextService};
pub(crate) use mount::{Mount, REST};

use crate::body::BoxError;
use crate::response::{IntoResponse, Response};
use crate::HTTPException;
use http::StatusCode;

/// The answer for a tower service's error, in Ravyn's shape: a timeout (`tower::timeout`'s
/// `Elapsed`) is 408, an overloaded service (`tower::load_shed`'s `Overloaded`) 503, anything else
/// a logged 500.
pub(crate) fn error_response(error: &BoxError) -> Response {
    let status = status_for(&**error);
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        tracing::error!(%error, "a tower service failed; answering 500");
    } else {
        tracing::debug!(%error, status = status.as_u16(), "a tower service failed");
    }
    HTTPException::from_status(status).into_response()
}

/// The status for an error, found anywhere in its chain of sources.
fn status_for(error: &(dyn std::error::Error + 'static)) -> StatusCode {
    let mut current = Some(error);
    while let Some(error) = current {
        if error.is::<tower::timeout::error::Elapsed>() {
            return StatusCode::REQUEST_TIMEOUT;
        }
        if error.is::<tower::load_shed::error::Overloaded>() {
            return StatusCode::SERVICE_UNAVAILABLE;
        }
        current = error.source();
    }
    StatusCode::INTERNAL_SERVER_ERROR
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_map_to_their_statuses_through_their_sources() {
        let elapsed: BoxError = Box::new(tower::timeout::error::Elapsed::new());
        assert_eq!(error_response(&elapsed).status_code(), StatusCode::REQUEST_TIMEOUT);
        let overloaded: BoxError = Box::new(tower::load_shed::error::Overloaded::new());
        assert_eq!(error_response(&overloaded).status_code(), StatusCode::SERVICE_UNAVAILABLE);
        #[derive(Debug)]
        struct Wrapper(tower::timeout::error::Elapsed);
        impl std::fmt::Display for Wrapper {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("wrapped")
            }
        }
        impl std::error::Error for Wrapper {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let wrapped: BoxError = Box::new(Wrapper(tower::timeout::error::Elapsed::new()));
        assert_eq!(error_response(&wrapped).status_code(), StatusCode::REQUEST_TIMEOUT);
        let other = error_response(&"boom".into());
        assert_eq!(other.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(other.body().as_bytes(), br#"{"detail":"Internal Server Error"}"#);
    }
}
