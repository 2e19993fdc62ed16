use super::{Response, APPLICATION_JSON};
use crate::body::Body;
use bytes::Bytes;
use http::StatusCode;

/// Converts a handler's return value into a [`Response`].
///
/// Implemented for [`Response`], [`Json`](super::Json), `serde_json::Value`, `String`,
/// `&'static str`, [`Html`](super::Html), [`Redirect`](super::Redirect), `()`, `StatusCode`,
/// `(StatusCode, T)`, `Result<T, E>` where both convert, and
/// [`HTTPException`](crate::HTTPException).
///
/// ```
/// use ravyn_core::{IntoResponse, Response};
/// use http::StatusCode;
///
/// struct Teapot;
/// impl IntoResponse for Teapot {
///     fn into_response(self) -> Response {
///         Response::text("I'm a teapot").status(StatusCode::IM_A_TEAPOT)
///     }
/// }
/// assert_eq!(Teapot.into_response().status_code(), 418);
/// assert_eq!((StatusCode::CREATED, "made").into_response().status_code(), 201);
/// ```
pub trait IntoResponse {
    /// Builds the response.
    fn into_response(self) -> Response;
}

impl IntoResponse for Response {
    fn into_response(self) -> Response {
        self
    }
}

impl IntoResponse for http::Response<Body> {
    fn into_response(self) -> Response {
        Response::from_http(self)
    }
}

impl IntoResponse for () {
    fn into_response(self) -> Response {
        Response::new()
    }
}

impl IntoResponse for String {
    fn into_response(self) -> Response {
        Response::text(self)
    }
}

impl IntoResponse for &'static str {
    fn into_response(self) -> Response {
        Response::text(self)
    }
}

impl IntoResponse for Bytes {
    fn into_response(self) -> Response {
        Response::with_body(self).content_type(http::HeaderValue::from_static("application/octet-stream"))
    }
}

impl IntoResponse for Vec<u8> {
    fn into_response(self) -> Response {
        Bytes::from(self).into_response()
    }
}

impl IntoResponse for serde_json::Value {
    fn into_response(self) -> Response {
        // Serializing a Value cannot fail.
        Response::with_body(self.to_string()).content_type(APPLICATION_JSON)
    }
}

impl IntoResponse for StatusCode {
    fn into_response(self) -> Response {
        Response::new().status(self)
    }
}

impl<T: IntoResponse> IntoResponse for (StatusCode, T) {
    fn into_response(self) -> Response {
        let mut response = self.1.into_response();
        response.set_status(self.0);
        response
    }
}

impl<T: IntoResponse, E: IntoResponse> IntoResponse for Result<T, E> {
    fn into_response(self) -> Response {
        match self {
            Ok(value) => value.into_response(),
            Err(error) => error.into_response(),
        }
    }
}
