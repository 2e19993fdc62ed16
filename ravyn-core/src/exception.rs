//! [`HTTPException`], Ravyn's error type, and the named helpers for common statuses.

use crate::response::{IntoResponse, Response};
use http::header::{HeaderName, HeaderValue};
use http::{HeaderMap, StatusCode};
use std::borrow::Cow;
use std::fmt;

/// An error answered as `{"detail": "..."}` with its status and headers, as in Ravyn.
///
/// Return it from a handler (`Result<T, HTTPException>`), or from middleware. Error responses
/// pass through the middleware chain like any other, so session writes made before the error are
/// kept.
///
/// ```
/// use ravyn_core::{HTTPException, IntoResponse};
/// let error = HTTPException::new(401, "Not authenticated")
///     .with_header(http::header::WWW_AUTHENTICATE, http::HeaderValue::from_static("Cookie"));
/// let response = error.into_response();
/// assert_eq!(response.status_code(), 401);
/// assert_eq!(response.headers()["www-authenticate"], "Cookie");
/// assert_eq!(response.body().as_bytes(), br#"{"detail":"Not authenticated"}"#);
/// ```
#[derive(Debug, Clone)]
pub struct HTTPException {
    status: StatusCode,
    detail: Cow<'static, str>,
    headers: Option<Box<HeaderMap>>,
    extra: Option<Box<serde_json::Map<String, serde_json::Value>>>,
}

impl HTTPException {
    /// An exception with `status` (a `u16` or [`StatusCode`]) and a `detail` message.
    ///
    /// A number that is not a valid status (outside 100..=999) gives a 500 and an error log.
    pub fn new<S>(status: S, detail: impl Into<Cow<'static, str>>) -> Self
    where
        S: TryInto<StatusCode>,
    {
        let status = status.try_into().unwrap_or_else(|_| {
            tracing::error!("HTTPException::new got an invalid status code; answering 500");
            StatusCode::INTERNAL_SERVER_ERROR
        });
        HTTPException { status, detail: detail.into(), headers: None, extra: None }
    }

    /// An exception whose detail is the status' reason phrase (`404` → `"Not Found"`).
    ///
    /// ```
    /// let error = ravyn_core::HTTPException::from_status(http::StatusCode::NOT_FOUND);
    /// assert_eq!(error.detail(), "Not Found");
    /// ```
    pub fn from_status(status: StatusCode) -> Self {
        HTTPException::new(status, status.canonical_reason().unwrap_or("Error"))
    }

    /// `500 {"detail":"Internal Server Error"}`.
    pub fn internal_server_error() -> Self {
        HTTPException::from_status(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// Adds a header to the error response.
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.get_or_insert_with(Default::default).insert(name, value);
        self
    }

    /// Adds a top-level field beside `detail` in the JSON body (Ravyn's validation errors use
    /// `errors`).
    ///
    /// ```
    /// use ravyn_core::{HTTPException, IntoResponse};
    /// let response = HTTPException::new(400, "Bad").with_field("errors", serde_json::json!([]))
    ///     .into_response();
    /// assert_eq!(response.body().as_bytes(), br#"{"detail":"Bad","errors":[]}"#);
    /// ```
    pub fn with_field(mut self, name: impl Into<String>, value: serde_json::Value) -> Self {
        self.extra.get_or_insert_with(Default::default).insert(name.into(), value);
        self
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The detail message.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// The extra headers.
    pub fn headers(&self) -> Option<&HeaderMap> {
        self.headers.as_deref()
    }
}

impl fmt::Display for HTTPException {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.status.as_u16(), self.detail)
    }
}

impl std::error::Error for HTTPException {}

#[derive(serde::Serialize)]
struct ErrorBody<'a> {
    detail: &'a str,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    extra: Option<&'a serde_json::Map<String, serde_json::Value>>,
}

impl IntoResponse for HTTPException {
    fn into_response(self) -> Response {
        let body = ErrorBody { detail: &self.detail, extra: self.extra.as_deref() };
        let mut response = Response::json(&body).status(self.status);
        if let Some(headers) = self.headers {
            for (name, value) in headers.iter() {
                response.headers_mut().insert(name.clone(), value.clone());
            }
        }
        response
    }
}

macro_rules! named_exception {
    ($(#[$doc:meta])* $name:ident, $status:expr, $default:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default)]
        pub struct $name {
            detail: Option<Cow<'static, str>>,
        }

        impl $name {
            /// The exception with Ravyn's default detail.
            pub fn new() -> Self {
                $name { detail: None }
            }

            /// The exception with a detail of your own.
            pub fn detail(detail: impl Into<Cow<'static, str>>) -> Self {
                $name { detail: Some(detail.into()) }
            }
        }

        impl From<$name> for HTTPException {
            fn from(value: $name) -> Self {
                HTTPException::new($status, value.detail.unwrap_or(Cow::Borrowed($default)))
            }
        }

        impl IntoResponse for $name {
            fn into_response(self) -> Response {
                HTTPException::from(self).into_response()
            }
        }
    };
}

named_exception!(
    /// `404 Not Found`, detail `"Not Found"` unless given.
    ///
    /// ```
    /// use ravyn_core::{HTTPException, NotFound};
    /// let error: HTTPException = NotFound::new().into();
    /// assert_eq!((error.status().as_u16(), error.detail()), (404, "Not Found"));
    /// ```
    NotFound,
    StatusCode::NOT_FOUND,
    "Not Found"
);

named_exception!(
    /// `401 Unauthorized`, detail `"You do not have authorization to perform this action."`
    /// (Ravyn's) unless given.
    ///
    /// ```
    /// use ravyn_core::{HTTPException, NotAuthorized};
    /// let error: HTTPException = NotAuthorized::detail("Not authenticated").into();
    /// assert_eq!((error.status().as_u16(), error.detail()), (401, "Not authenticated"));
    /// ```
    NotAuthorized,
    StatusCode::UNAUTHORIZED,
    "You do not have authorization to perform this action."
);

named_exception!(
    /// `403 Forbidden`, detail `"You do not have permission to perform this action."`
    /// (Ravyn's) unless given.
    ///
    /// ```
    /// use ravyn_core::{HTTPException, PermissionDenied};
    /// let error: HTTPException = PermissionDenied::new().into();
    /// assert_eq!(error.status().as_u16(), 403);
    /// ```
    PermissionDenied,
    StatusCode::FORBIDDEN,
    "You do not have permission to perform this action."
);
