use super::{IntoResponse, Response};
use crate::body::Body;

/// A JSON body: serializes `T` with serde and sets `Content-Type: application/json`.
///
/// ```
/// use ravyn_core::{IntoResponse, Json};
/// let response = Json(serde_json::json!({"message": "hello"})).into_response();
/// assert_eq!(response.body().as_bytes(), br#"{"message":"hello"}"#);
/// assert_eq!(response.headers()["content-type"], "application/json");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Json<T>(pub T);

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        Response::json(&self.0)
    }
}

/// An HTML body with `Content-Type: text/html; charset=utf-8`.
///
/// ```
/// use ravyn_core::{Html, IntoResponse};
/// let response = Html("<h1>Hi</h1>").into_response();
/// assert_eq!(response.headers()["content-type"], "text/html; charset=utf-8");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Html<T>(pub T);

impl<T: Into<Body>> IntoResponse for Html<T> {
    fn into_response(self) -> Response {
        Response::html(self.0)
    }
}
