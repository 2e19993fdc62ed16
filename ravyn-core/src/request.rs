//! [`Request`]: what a handler and middleware see of an incoming request.

use crate::body::{Body, NO_BYTES};
use crate::validation;
use crate::HTTPException;
use bytes::Bytes;
use http::{Extensions, HeaderMap, Method, Uri, Version};
use std::borrow::Cow;
use std::net::SocketAddr;

/// An incoming request: its head, its body (read whole before the handler runs, bounded by
/// `max_body_size`, unless its route streams it) and what the built-in steps attached to it (path
/// parameters, session, CSRF token), which travel with it in one context.
///
/// Handlers receive it by declaring an argument of type `Request` (any name). Middleware may
/// edit it before calling `next`.
///
/// ```
/// use ravyn_core::Request;
/// let request = Request::builder()
///     .method(http::Method::POST)
///     .uri("/items?page=2&tag=a%20b")
///     .header("cookie", "theme=dark; lang=en")
///     .header("content-type", "application/json")
///     .body(r#"{"name":"pen"}"#)
///     .build();
/// assert_eq!(request.path(), "/items");
/// assert_eq!(request.query("tag").as_deref(), Some("a b"));
/// assert_eq!(request.cookie("lang").map(|c| c.value().to_owned()).as_deref(), Some("en"));
/// let body: serde_json::Value = request.json().unwrap();
/// assert_eq!(body["name"], "pen");
/// ```
#[derive(Debug)]
pub struct Request {
    /// Boxed, so a `Request` is one pointer: it passes by value through every middleware, the
    /// router and the handler's binding, and each async layer keeps it in its future. Inline it
    /// would be ~330 bytes copied at every step (a measurable share of a small request's CPU).
    inner: Box<RequestInner>,
}

#[derive(Debug)]
struct RequestInner {
    head: http::request::Parts,
    body: Body,
    context: RequestContext,
}

/// What the framework attaches to a request beside its head and body. One value, so that it can
/// ride in a single `http` extension when the request crosses into `http` types and back
/// ([`Request::into_http`], [`Request::from_http`]).
#[derive(Debug, Default, Clone)]
pub(crate) struct RequestContext {
    pub(crate) path_params: PathParams,
    pub(crate) client_addr: Option<SocketAddr>,
    /// Set by the session step.
    pub(crate) session: Option<ravyn_session::Session>,
    /// Set by the CSRF step: the token issued on this request, or where the valid one it carried
    /// sits.
    pub(crate) csrf_token: Option<CsrfToken>,
    /// Set by the identity step: who is calling.
    pub(crate) identity: Option<crate::auth::Identity>,
    /// Set by the identity step when the app has a `jwt_config`.
    #[cfg(feature = "jwt")]
    pub(crate) jwt: Option<ravyn_auth::JwtManager>,
}

/// The CSRF token of a request, as the CSRF step left it.
#[derive(Debug, Clone)]
pub(crate) enum CsrfToken {
    /// Issued on this request (its cookie goes out with the response), or submitted and checked.
    Issued(Box<str>),
    /// The valid token cookie the request carried: `Cookie` header number `header`, bytes
    /// `start..end`. Kept as a position so that keeping a valid cookie copies nothing.
    Carried { header: usize, start: usize, end: usize },
}

/// The path parameters captured by the matched route, percent-decoded.
///
/// ```
/// let params = ravyn_core::PathParams::from_pairs([("id", "7")]);
/// assert_eq!(params.get("id"), Some("7"));
/// assert_eq!(params.iter().count(), 1);
/// ```
#[derive(Debug, Clone, Default)]
pub struct PathParams {
    pairs: Vec<(Box<str>, String)>,
}

impl PathParams {
    /// Builds path parameters from name/value pairs.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        PathParams { pairs: pairs.into_iter().map(|(k, v)| (Box::from(k), v.to_owned())).collect() }
    }

    pub(crate) fn push(&mut self, name: &str, value: String) {
        self.pairs.push((Box::from(name), value));
    }

    /// The value of parameter `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs.iter().find(|(k, _)| &**k == name).map(|(_, v)| v.as_str())
    }

    /// All parameters in route order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(k, v)| (&**k, v.as_str()))
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }
}

impl Request {
    pub(crate) fn from_parts(head: http::request::Parts, body: Body, client_addr: Option<SocketAddr>) -> Self {
        let context = RequestContext { client_addr, ..RequestContext::default() };
        Request { inner: Box::new(RequestInner { head, body, context }) }
    }

    /// The request as an `http::Request`, for code written against the `http` types (a tower
    /// service). What the framework attached to it (path parameters, session, CSRF token, client
    /// address) rides along in one extension, and comes back with [`from_http`](Self::from_http).
    ///
    /// ```
    /// use ravyn_core::{PathParams, Request};
    /// let request = Request::builder().uri("/items/7").body("x").build();
    /// let http_request = request.into_http();
    /// assert_eq!(http_request.uri().path(), "/items/7");
    /// let request = Request::from_http(http_request);
    /// assert_eq!(request.body().as_ref(), b"x");
    /// ```
    pub fn into_http(self) -> http::Request<Body> {
        let RequestInner { mut head, body, context } = *self.inner;
        head.extensions.insert(context);
        http::Request::from_parts(head, body)
    }

    /// A request from an `http::Request` with any body of `Bytes` (see
    /// [`Body::from_any_body`]). A request that went through [`into_http`](Self::into_http) gets
    /// its framework state back; another starts without any.
    pub fn from_http<B>(request: http::Request<B>) -> Self
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<crate::body::BoxError>,
    {
        let (mut head, body) = request.into_parts();
        let context = head.extensions.remove::<RequestContext>().unwrap_or_default();
        Request { inner: Box::new(RequestInner { head, body: Body::from_any_body(body), context }) }
    }

    pub(crate) fn context(&self) -> &RequestContext {
        &self.inner.context
    }

    pub(crate) fn context_mut(&mut self) -> &mut RequestContext {
        &mut self.inner.context
    }

    /// A builder, for tests and for middleware that makes requests of its own.
    pub fn builder() -> RequestBuilder {
        RequestBuilder { inner: http::Request::builder(), body: Bytes::new(), client_addr: None }
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.inner.head.method
    }

    /// The request target.
    pub fn uri(&self) -> &Uri {
        &self.inner.head.uri
    }

    /// The path of the URI (without the query).
    pub fn path(&self) -> &str {
        self.inner.head.uri.path()
    }

    /// The HTTP version.
    pub fn version(&self) -> Version {
        self.inner.head.version
    }

    /// The full URL as Ravyn prints it in messages: `http://host/path?query`.
    pub fn url(&self) -> String {
        if self.inner.head.uri.scheme().is_some() {
            return self.inner.head.uri.to_string();
        }
        let host = self.inner.head.headers.get(http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
        let target = self.inner.head.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
        format!("http://{host}{target}")
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.inner.head.headers
    }

    /// The headers, mutably (for middleware).
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        &mut self.inner.head.headers
    }

    /// Every cookie in every `Cookie` header, in order. Malformed pairs are skipped.
    pub fn cookies(&self) -> impl Iterator<Item = cookie::Cookie<'_>> {
        // The one cookie scanner (ravyn_session::incoming): a pair that is not text hides only
        // itself, not the rest of its header.
        self.inner
            .head
            .headers
            .get_all(http::header::COOKIE)
            .iter()
            .flat_map(ravyn_session::incoming::pairs)
            .map(|(name, value)| cookie::Cookie::new(name, value))
    }

    /// The first cookie named `name`.
    pub fn cookie(&self, name: &str) -> Option<cookie::Cookie<'_>> {
        self.cookies().find(|c| c.name() == name)
    }

    /// The raw query string, if any.
    pub fn query_string(&self) -> Option<&str> {
        self.inner.head.uri.query()
    }

    /// The decoded query parameters, in order (a key may repeat).
    pub fn query_params(&self) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> {
        form_urlencoded::parse(self.query_string().unwrap_or("").as_bytes())
    }

    /// The first value of query parameter `name`, decoded.
    pub fn query(&self, name: &str) -> Option<Cow<'_, str>> {
        self.query_params().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// The matched route's path parameters.
    pub fn path_params(&self) -> &PathParams {
        &self.inner.context.path_params
    }

    /// One path parameter by name.
    pub fn path_param(&self, name: &str) -> Option<&str> {
        self.inner.context.path_params.get(name)
    }

    pub(crate) fn set_path_params(&mut self, params: PathParams) {
        self.inner.context.path_params = params;
    }

    /// The peer's socket address (absent for in-process test requests).
    pub fn client_addr(&self) -> Option<SocketAddr> {
        self.inner.context.client_addr
    }

    /// Typed values attached by middleware.
    pub fn extensions(&self) -> &Extensions {
        &self.inner.head.extensions
    }

    /// Typed values attached by middleware, mutably.
    pub fn extensions_mut(&mut self) -> &mut Extensions {
        &mut self.inner.head.extensions
    }

    /// The session: a map of JSON values kept in a signed cookie (or a server-side store), as
    /// Ravyn's `request.session`. It is read lazily: a handler that never calls this pays
    /// nothing for it.
    ///
    /// With a server-side store (`SessionConfig::store`), the record is loaded before the
    /// handler runs, for every route whose handler may use its session (the route attributes
    /// tell; hand-written `Handler`s count as "may"), so this stays synchronous. Middleware that
    /// reads the session before calling `next` must load it first with
    /// [`load_session`](Self::load_session).
    ///
    /// # Panics
    ///
    /// When the app has no session configuration, and when a store-backed session is used before
    /// it was loaded (middleware that skipped `load_session`). Either panic is caught like any
    /// handler panic: the client gets a 500 and the log names the fix; the stored session is
    /// untouched.
    ///
    /// ```
    /// # use ravyn_core::Request;
    /// fn remember(request: &Request) -> Result<(), ravyn_core::HTTPException> {
    ///     request.session().insert("theme", "dark")?;
    ///     Ok(())
    /// }
    /// ```
    pub fn session(&self) -> &ravyn_session::Session {
        match &self.inner.context.session {
            Some(session) => session,
            None => panic!(
                "request.session() was called, but the app has no session configuration: add \
                 .session_config(SessionConfig::new(secret)) to Ravyn::builder() (or return one from \
                 Settings::session_config)"
            ),
        }
    }

    /// The session, or `None` when the app has no session configuration.
    pub fn try_session(&self) -> Option<&ravyn_session::Session> {
        self.inner.context.session.as_ref()
    }

    /// The CSRF token for this request, to embed in a page or hand to a front end: the one
    /// issued on this request (its cookie goes out with the response), or the valid one the
    /// request carried. `None` when the app has no `csrf_config`.
    ///
    /// ```
    /// use ravyn_core::{Html, Request};
    /// fn form(request: &Request) -> Html<String> {
    ///     let token = request.csrf_token().unwrap_or_default();
    ///     Html(format!(r#"<form method="post"><input type="hidden" name="csrf_token" value="{token}"></form>"#))
    /// }
    /// assert!(form(&Request::builder().build()).0.contains(r#"value="""#));
    /// ```
    pub fn csrf_token(&self) -> Option<&str> {
        match self.inner.context.csrf_token.as_ref()? {
            CsrfToken::Issued(token) => Some(token),
            CsrfToken::Carried { header, start, end } => {
                let header = self.inner.head.headers.get_all(http::header::COOKIE).iter().nth(*header)?;
                let token = header.as_bytes().get(*start..*end)?;
                std::str::from_utf8(token).ok()
            }
        }
    }

    /// The body bytes, read whole before the handler runs. Empty when the route streams its
    /// body (see [`take_body`](Self::take_body)).
    pub fn body(&self) -> &Bytes {
        self.inner.body.as_full().unwrap_or(&NO_BYTES)
    }

    /// Replaces the body with a whole buffer (for middleware).
    pub fn set_body(&mut self, body: impl Into<Bytes>) {
        self.inner.body = Body::from(body.into());
    }

    /// Takes the body out, leaving an empty one: how a handler on a streaming route
    /// ([`BodyPolicy::Streamed`](crate::BodyPolicy)) reads its body as it arrives.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut request = ravyn_core::Request::builder().body("abc").build();
    /// let mut body = request.take_body();
    /// assert_eq!(body.next_chunk().await.unwrap().unwrap(), "abc");
    /// assert!(request.body().is_empty());
    /// # }
    /// ```
    pub fn take_body(&mut self) -> Body {
        std::mem::take(&mut self.inner.body)
    }

    /// The body as a `multipart/form-data` form read part by part as it arrives ([multer]'s
    /// `Multipart`: `next_field().await`, then each field's `chunk().await`), taking the body out
    /// as [`take_body`](Self::take_body) does. On a route that streams its body, a file part is
    /// never held whole in memory. A request that is not `multipart/form-data` with a boundary
    /// is a 400.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let body = "--b\r\ncontent-disposition: form-data; name=\"title\"\r\n\r\nhello\r\n--b--\r\n";
    /// let mut request = ravyn_core::Request::builder()
    ///     .header("content-type", "multipart/form-data; boundary=b")
    ///     .body(body)
    ///     .build();
    /// let mut form = request.multipart().unwrap();
    /// let field = form.next_field().await.unwrap().unwrap();
    /// assert_eq!(field.name(), Some("title"));
    /// assert_eq!(field.text().await.unwrap(), "hello");
    /// # }
    /// ```
    pub fn multipart(&mut self) -> Result<multer::Multipart<'static>, HTTPException> {
        let boundary = self
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| multer::parse_boundary(value).ok())
            .ok_or_else(|| {
                self.body_failure("multipart_invalid", "the body is not multipart/form-data with a boundary")
            })?;
        let chunks = http_body_util::BodyDataStream::new(self.take_body());
        Ok(multer::Multipart::new(chunks, boundary))
    }

    /// Hands the request a body to stream (the server does, for a route that streams its body).
    pub(crate) fn set_stream(&mut self, body: Body) {
        self.inner.body = body;
    }

    /// Whether the body is a stream still to be read (its route streams it).
    pub fn body_is_stream(&self) -> bool {
        self.inner.body.is_stream()
    }

    /// The body parsed as JSON into `T`; a malformed or mistyped body is a 400 in Ravyn's
    /// validation shape.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, HTTPException> {
        serde_json::from_slice(self.body()).map_err(|e| self.body_failure("json_invalid", &e.to_string()))
    }

    /// The body parsed as an urlencoded form into `T`; failure is a 400 in Ravyn's
    /// validation shape.
    pub fn form<T: serde::de::DeserializeOwned>(&self) -> Result<T, HTTPException> {
        serde_urlencoded::from_bytes(self.body()).map_err(|e| self.body_failure("form_invalid", &e.to_string()))
    }

    /// Ravyn's 400 for a body that could not be parsed.
    pub(crate) fn body_failure(&self, kind: &'static str, msg: &str) -> HTTPException {
        validation::failure(&self.url(), self.method(), vec![validation::FieldError::body(kind, msg)])
    }

    /// The `Content-Type` header's media type (before any `;`), lower-cased comparisons aside.
    pub fn content_type(&self) -> Option<&str> {
        let value = self.inner.head.headers.get(http::header::CONTENT_TYPE)?.to_str().ok()?;
        Some(value.split(';').next().unwrap_or("").trim())
    }
}

/// Builds a [`Request`]; see [`Request::builder`].
#[derive(Debug)]
pub struct RequestBuilder {
    inner: http::request::Builder,
    body: Bytes,
    client_addr: Option<SocketAddr>,
}

impl RequestBuilder {
    /// Sets the method.
    pub fn method(mut self, method: Method) -> Self {
        self.inner = self.inner.method(method);
        self
    }

    /// Sets the URI.
    pub fn uri(mut self, uri: &str) -> Self {
        self.inner = self.inner.uri(uri);
        self
    }

    /// Appends a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.inner = self.inner.header(name, value);
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// Sets the client address.
    pub fn client_addr(mut self, addr: SocketAddr) -> Self {
        self.client_addr = Some(addr);
        self
    }

    /// Finishes the request. An invalid method, URI or header given to the builder is replaced
    /// by a request for `GET /` with an error log, as a builder for tests should not panic.
    pub fn build(self) -> Request {
        let request = self.inner.body(()).unwrap_or_else(|error| {
            tracing::error!(%error, "invalid request given to Request::builder");
            http::Request::new(())
        });
        let (head, ()) = request.into_parts();
        Request::from_parts(head, Body::from(self.body), self.client_addr)
    }

    /// Finishes the request, reporting an invalid method, URI or header.
    pub fn try_build(self) -> Result<Request, http::Error> {
        let (head, ()) = self.inner.body(())?.into_parts();
        Ok(Request::from_parts(head, Body::from(self.body), self.client_addr))
    }
}
