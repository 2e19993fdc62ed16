//! Responses: the [`Response`] type, the [`IntoResponse`] conversion and the typed bodies
//! [`Json`], [`Html`] and [`Redirect`].

pub(crate) mod empty;
mod into_response;
mod json;
mod redirect;
mod stream;

pub use into_response::IntoResponse;
pub use json::{Html, Json};
pub use redirect::Redirect;
pub use stream::{EventStreamResponse, ServerSentEvent};

use crate::body::Body;
use http::header::{HeaderName, HeaderValue, CONTENT_TYPE, SET_COOKIE};
use http::{HeaderMap, StatusCode};

pub(crate) const APPLICATION_JSON: HeaderValue = HeaderValue::from_static("application/json");
pub(crate) const TEXT_PLAIN: HeaderValue = HeaderValue::from_static("text/plain; charset=utf-8");
pub(crate) const TEXT_HTML: HeaderValue = HeaderValue::from_static("text/html; charset=utf-8");

/// `500 {"detail":"Internal Server Error"}`, what `HTTPException::internal_server_error()`
/// renders, built here so that responses need nothing from the exception module (which builds on
/// them).
pub(crate) fn internal_server_error() -> Response {
    Response::with_body(&br#"{"detail":"Internal Server Error"}"#[..])
        .content_type(APPLICATION_JSON)
        .status(StatusCode::INTERNAL_SERVER_ERROR)
}

/// An HTTP response, built with chained calls.
///
/// A handler may return a `Response` directly when it needs headers or cookies; most handlers
/// return a typed value ([`Json`], `String`, ...) through [`IntoResponse`].
///
/// A response remembers whether its status was chosen explicitly. When it was not, the route's
/// status (`status_code = N` on the attribute, or the method's default: POST 201, DELETE 204,
/// others 200) applies.
///
/// ```
/// use ravyn_core::{Response, cookie::Cookie};
/// use http::StatusCode;
///
/// let response = Response::json(&serde_json::json!({"ok": true}))
///     .status(StatusCode::ACCEPTED)
///     .header(http::header::CACHE_CONTROL, http::HeaderValue::from_static("no-store"))
///     .set_cookie(Cookie::new("theme", "dark"));
/// assert_eq!(response.status_code(), StatusCode::ACCEPTED);
/// assert_eq!(response.headers()["cache-control"], "no-store");
/// assert_eq!(response.headers()["set-cookie"], "theme=dark");
/// assert_eq!(response.body().as_bytes(), br#"{"ok":true}"#);
/// ```
#[derive(Debug, Default)]
pub struct Response {
    inner: http::Response<Body>,
    explicit_status: bool,
}

impl Response {
    /// An empty `200 OK` response whose status the route may still override.
    pub fn new() -> Self {
        Response::default()
    }

    /// A response with the given body and no content type.
    pub fn with_body(body: impl Into<Body>) -> Self {
        Response { inner: http::Response::new(body.into()), explicit_status: false }
    }

    /// A JSON response of `value`; a value that cannot be serialized gives a logged 500.
    ///
    /// ```
    /// let response = ravyn_core::Response::json(&vec![1, 2, 3]);
    /// assert_eq!(response.headers()["content-type"], "application/json");
    /// ```
    pub fn json<T: serde::Serialize + ?Sized>(value: &T) -> Self {
        match serde_json::to_vec(value) {
            Ok(bytes) => Response::with_body(bytes).content_type(APPLICATION_JSON),
            Err(error) => {
                tracing::error!(%error, "response body could not be serialized to JSON");
                internal_server_error()
            }
        }
    }

    /// A `text/plain; charset=utf-8` response.
    ///
    /// ```
    /// let response = ravyn_core::Response::text("hi");
    /// assert_eq!(response.headers()["content-type"], "text/plain; charset=utf-8");
    /// ```
    pub fn text(text: impl Into<Body>) -> Self {
        Response::with_body(text).content_type(TEXT_PLAIN)
    }

    /// A `text/html; charset=utf-8` response.
    pub fn html(html: impl Into<Body>) -> Self {
        Response::with_body(html).content_type(TEXT_HTML)
    }

    /// Sets the status explicitly (the route's default status no longer applies).
    pub fn status(mut self, status: StatusCode) -> Self {
        self.set_status(status);
        self
    }

    /// Sets the status in place, explicitly.
    pub fn set_status(&mut self, status: StatusCode) {
        *self.inner.status_mut() = status;
        self.explicit_status = true;
    }

    /// Sets the status only if none was chosen explicitly; used to apply a route's default.
    pub fn set_default_status(&mut self, status: StatusCode) {
        if !self.explicit_status {
            *self.inner.status_mut() = status;
        }
    }

    /// Whether the status was chosen explicitly.
    pub fn has_explicit_status(&self) -> bool {
        self.explicit_status
    }

    /// Sets (replaces) a header.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.inner.headers_mut().insert(name, value);
        self
    }

    /// Sets a header from strings, failing if either is not valid in a header.
    ///
    /// ```
    /// let response = ravyn_core::Response::new().try_header("x-request-id", "42").unwrap();
    /// assert_eq!(response.headers()["x-request-id"], "42");
    /// assert!(ravyn_core::Response::new().try_header("bad name", "x").is_err());
    /// ```
    pub fn try_header(self, name: &str, value: &str) -> Result<Self, http::Error> {
        let name = HeaderName::try_from(name)?;
        let value = HeaderValue::try_from(value)?;
        Ok(self.header(name, value))
    }

    /// Sets the `Content-Type` header.
    pub fn content_type(self, value: HeaderValue) -> Self {
        self.header(CONTENT_TYPE, value)
    }

    /// Adds a `Set-Cookie` header for `cookie` (other cookies already set are kept).
    ///
    /// ```
    /// use ravyn_core::{Response, cookie::Cookie};
    /// let response = Response::new()
    ///     .set_cookie(Cookie::build(("a", "1")).path("/").http_only(true))
    ///     .set_cookie(Cookie::new("b", "2"));
    /// let cookies: Vec<_> = response.headers().get_all("set-cookie").iter().collect();
    /// assert_eq!(cookies, ["a=1; HttpOnly; Path=/", "b=2"]);
    /// ```
    pub fn set_cookie(mut self, cookie: impl Into<cookie::Cookie<'static>>) -> Self {
        self.append_cookie(&cookie.into());
        self
    }

    /// Adds a cookie that tells the browser to delete the cookie `name` at path `/`.
    pub fn delete_cookie(self, name: impl Into<std::borrow::Cow<'static, str>>) -> Self {
        let mut cookie = cookie::Cookie::build((name, "")).path("/").build();
        cookie.make_removal();
        self.set_cookie(cookie)
    }

    /// Appends a `Set-Cookie` header in place.
    pub fn append_cookie(&mut self, cookie: &cookie::Cookie<'_>) {
        match HeaderValue::try_from(cookie.encoded().to_string()) {
            Ok(value) => {
                self.inner.headers_mut().append(SET_COOKIE, value);
            }
            Err(_) => tracing::error!(cookie = cookie.name(), "cookie is not a valid header value; not set"),
        }
    }

    /// The status.
    pub fn status_code(&self) -> StatusCode {
        self.inner.status()
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        self.inner.headers()
    }

    /// The headers, mutably.
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        self.inner.headers_mut()
    }

    /// Typed values attached to the response (by middleware, or a tower layer).
    pub fn extensions(&self) -> &http::Extensions {
        self.inner.extensions()
    }

    /// Typed values attached to the response, mutably.
    pub fn extensions_mut(&mut self) -> &mut http::Extensions {
        self.inner.extensions_mut()
    }

    /// The body.
    pub fn body(&self) -> &Body {
        self.inner.body()
    }

    /// The body, mutably (to take a stream out with `std::mem::take`).
    pub fn body_mut(&mut self) -> &mut Body {
        self.inner.body_mut()
    }

    /// Replaces the body.
    pub fn set_body(&mut self, body: impl Into<Body>) {
        *self.inner.body_mut() = body.into();
    }

    /// The underlying `http::Response`.
    pub fn into_http(self) -> http::Response<Body> {
        self.inner
    }

    /// Wraps an `http::Response`; its status counts as explicit.
    pub fn from_http(inner: http::Response<Body>) -> Self {
        Response { inner, explicit_status: true }
    }
}
