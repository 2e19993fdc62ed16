//! [`TestClient`]: drives an app in-process, with no socket, keeping cookies between requests.

use crate::app::Ravyn;
use crate::request::Request;
use crate::response::Response;
use bytes::Bytes;
use cookie::{Cookie, CookieJar};
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use std::sync::{Arc, Mutex};

/// An in-process client for an app: requests go through the whole chain (middleware, routing,
/// binding) exactly as over HTTP, without a socket. Cookies from `Set-Cookie` are kept and sent
/// back, as a browser would.
///
/// ```
/// use ravyn_core::testing::TestClient;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let app = ravyn_core::Ravyn::builder().build().unwrap();
/// let client = TestClient::new(app);
/// let response = client.get("/missing").send().await;
/// assert_eq!(response.status(), 404);
/// assert_eq!(response.json::<serde_json::Value>()["detail"], "Not Found");
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct TestClient {
    app: Ravyn,
    jar: Arc<Mutex<CookieJar>>,
}

impl TestClient {
    /// A client for `app`.
    pub fn new(app: Ravyn) -> Self {
        TestClient { app, jar: Arc::default() }
    }

    /// The app under test.
    pub fn app(&self) -> &Ravyn {
        &self.app
    }

    /// Starts a request.
    pub fn request(&self, method: Method, path: &str) -> TestRequest {
        TestRequest {
            client: self.clone(),
            method,
            path: path.to_owned(),
            headers: HeaderMap::new(),
            body: Bytes::new(),
        }
    }

    /// Starts a GET request.
    pub fn get(&self, path: &str) -> TestRequest {
        self.request(Method::GET, path)
    }
    /// Starts a HEAD request.
    pub fn head(&self, path: &str) -> TestRequest {
        self.request(Method::HEAD, path)
    }
    /// Starts a POST request.
    pub fn post(&self, path: &str) -> TestRequest {
        self.request(Method::POST, path)
    }
    /// Starts a PUT request.
    pub fn put(&self, path: &str) -> TestRequest {
        self.request(Method::PUT, path)
    }
    /// Starts a PATCH request.
    pub fn patch(&self, path: &str) -> TestRequest {
        self.request(Method::PATCH, path)
    }
    /// Starts a DELETE request.
    pub fn delete(&self, path: &str) -> TestRequest {
        self.request(Method::DELETE, path)
    }

    /// The value of the cookie `name` the client holds.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.lock_jar().get(name).map(|c| c.value().to_owned())
    }

    /// Sets a cookie the client will send.
    pub fn set_cookie(&self, name: &str, value: &str) {
        self.lock_jar().add(Cookie::new(name.to_owned(), value.to_owned()));
    }

    /// Forgets a cookie.
    pub fn remove_cookie(&self, name: &str) {
        self.lock_jar().remove(Cookie::from(name.to_owned()));
    }

    fn lock_jar(&self) -> std::sync::MutexGuard<'_, CookieJar> {
        // A test that panicked while holding the jar has failed already; keep the jar usable.
        self.jar.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Opens the client's session (as the app would decode it from the client's cookie), lets
    /// `edit` change it, and keeps the resulting cookie, so a test can start logged in without
    /// calling its login route.
    ///
    /// # Panics
    ///
    /// When the app has no session configuration, or the session cannot be loaded or saved (a
    /// server-side store that does not answer).
    ///
    /// ```
    /// use ravyn_core::{testing::TestClient, Ravyn};
    /// use ravyn_session::SessionConfig;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let app = Ravyn::builder()
    ///     .session_config(SessionConfig::new("a-long-random-secret-of-at-least-32-bytes"))
    ///     .build()
    ///     .unwrap();
    /// let client = TestClient::new(app);
    /// client.session_mut(|session| session.insert("user_id", 1).unwrap()).await;
    /// assert!(client.cookie("session").is_some());
    /// # }
    /// ```
    pub async fn session_mut<R>(&self, edit: impl FnOnce(&ravyn_session::Session) -> R) -> R {
        use ravyn_session::{CookieUpdate, IncomingCookie};
        let manager = self.app.session_manager().expect("session_mut needs an app built with session_config(...)");
        let incoming = match self.cookie(manager.cookie_name()) {
            Some(value) => IncomingCookie::One(value),
            None => IncomingCookie::Absent,
        };
        let session = manager.session(incoming);
        if let Err(error) = session.load().await {
            panic!("session_mut could not load the session from its store: {error}");
        }
        let result = edit(&session);
        match manager.finish(&session).await {
            Ok(CookieUpdate::Set(header) | CookieUpdate::Delete(header)) => self.store_set_cookie(&header),
            Ok(_) => {}
            Err(error) => panic!("session_mut could not save the session: {error}"),
        }
        result
    }

    /// An access token for `subject` with the application's `claims`, minted by the app's own
    /// [`JwtManager`](ravyn_auth::JwtManager) (so it carries the app's `iss`, `aud`, `kid`, and
    /// its clock's time): a test can call protected routes without its login route. Send it with
    /// [`TestRequest::bearer`].
    ///
    /// # Panics
    ///
    /// When the app has no `jwt_config`.
    ///
    /// ```
    /// use ravyn_core::{testing::TestClient, Ravyn};
    /// use ravyn_auth::{JWTConfig, NoClaims};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let app = Ravyn::builder().jwt_config(JWTConfig::new("a-long-random-secret-of-at-least-32-bytes")).build().unwrap();
    /// let client = TestClient::new(app);
    /// let token = client.mint_token("1", &NoClaims {});
    /// assert!(client.app().jwt().unwrap().verify_access::<NoClaims>(&token).is_ok());
    /// # }
    /// ```
    #[cfg(feature = "jwt")]
    pub fn mint_token<C: serde::Serialize>(&self, subject: &str, claims: &C) -> String {
        let jwt = self.app.jwt().expect("mint_token needs an app built with jwt_config(...)");
        jwt.issue_access(subject, claims).unwrap_or_else(|error| panic!("mint_token: {error}"))
    }

    /// An access/refresh pair for `subject`, as a login route would issue it (see
    /// [`mint_token`](Self::mint_token)).
    ///
    /// # Panics
    ///
    /// When the app has no `jwt_config`.
    #[cfg(feature = "jwt")]
    pub fn mint_pair<C: serde::Serialize>(&self, subject: &str, claims: &C) -> ravyn_auth::TokenPair {
        let jwt = self.app.jwt().expect("mint_pair needs an app built with jwt_config(...)");
        jwt.issue_pair(subject, claims).unwrap_or_else(|error| panic!("mint_pair: {error}"))
    }

    /// A clock stopped at the current time, to give to `JWTConfig::clock` (and
    /// `SessionConfig::clock`) before building the app; the test then moves it with
    /// [`advance`](ravyn_session::ManualClock::advance) or [`set`](ravyn_session::ManualClock::set)
    /// to reach an expiry to the second.
    ///
    /// ```
    /// use ravyn_core::{testing::TestClient, Ravyn};
    /// use ravyn_auth::{JWTConfig, NoClaims};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let clock = TestClient::freeze_clock();
    /// let app = Ravyn::builder()
    ///     .jwt_config(JWTConfig::new("a-long-random-secret-of-at-least-32-bytes").clock(clock.clone()))
    ///     .build()
    ///     .unwrap();
    /// let client = TestClient::new(app);
    /// let token = client.mint_token("1", &NoClaims {});
    /// let jwt = client.app().jwt().unwrap();
    /// clock.advance(299);
    /// assert!(jwt.verify_access::<NoClaims>(&token).is_ok());
    /// clock.advance(1); // exp: 300 s after issue
    /// assert!(jwt.verify_access::<NoClaims>(&token).is_err());
    /// # }
    /// ```
    pub fn freeze_clock() -> Arc<ravyn_session::ManualClock> {
        use ravyn_session::Clock;
        Arc::new(ravyn_session::ManualClock::new(ravyn_session::SystemClock.now()))
    }

    fn store_cookies(&self, headers: &HeaderMap) {
        for value in headers.get_all(http::header::SET_COOKIE) {
            if let Ok(text) = value.to_str() {
                self.store_set_cookie(text);
            }
        }
    }

    fn store_set_cookie(&self, text: &str) {
        let mut jar = self.lock_jar();
        {
            let Ok(cookie) = Cookie::parse(text.to_owned()) else { return };
            let expired = cookie.max_age().is_some_and(|age| age.is_zero() || age.is_negative())
                || cookie.expires_datetime().is_some_and(|at| at.unix_timestamp() <= 0);
            if expired {
                jar.remove(Cookie::from(cookie.name().to_owned()));
            } else {
                jar.add(Cookie::new(cookie.name().to_owned(), cookie.value().to_owned()));
            }
        }
    }

    fn cookie_header(&self) -> Option<HeaderValue> {
        let jar = self.lock_jar();
        // Values go back exactly as the server set them (no percent-encoding), as browsers do.
        let pairs: Vec<String> = jar.iter().map(|c| format!("{}={}", c.name(), c.value())).collect();
        if pairs.is_empty() {
            return None;
        }
        HeaderValue::try_from(pairs.join("; ")).ok()
    }
}

/// A request being prepared by a [`TestClient`].
#[derive(Debug)]
#[must_use = "call .send().await"]
pub struct TestRequest {
    client: TestClient,
    method: Method,
    path: String,
    headers: HeaderMap,
    body: Bytes,
}

impl TestRequest {
    /// Adds a header. Invalid names or values panic: this is a test helper.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        let name = HeaderName::try_from(name).expect("valid header name in test");
        let value = HeaderValue::try_from(value).expect("valid header value in test");
        self.headers.append(name, value);
        self
    }

    /// Sends `token` as `Authorization: Bearer <token>`.
    ///
    /// ```
    /// use ravyn_core::{testing::TestClient, Ravyn};
    /// use ravyn_auth::JWTConfig;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let app = Ravyn::builder().jwt_config(JWTConfig::new("a-long-random-secret-of-at-least-32-bytes")).build().unwrap();
    /// let client = TestClient::new(app);
    /// let token = client.mint_token("1", &ravyn_auth::NoClaims {});
    /// let response = client.get("/missing").bearer(&token).send().await;
    /// assert_eq!(response.status(), 404);
    /// # }
    /// ```
    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }

    /// Sends `value` as a JSON body.
    pub fn json<T: serde::Serialize + ?Sized>(mut self, value: &T) -> Self {
        self.body = serde_json::to_vec(value).expect("serializable JSON in test").into();
        self.headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        self
    }

    /// Sends `value` as an urlencoded form body.
    pub fn form<T: serde::Serialize + ?Sized>(mut self, value: &T) -> Self {
        self.body = serde_urlencoded::to_string(value).expect("serializable form in test").into();
        self.headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/x-www-form-urlencoded"));
        self
    }

    /// Sends raw bytes as the body.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// Sends the request through the app and returns its response, its body read whole (a
    /// streamed body is read to its end).
    pub async fn send(self) -> TestResponse {
        let mut builder = Request::builder().method(self.method.clone()).uri(&self.path);
        if !self.headers.contains_key(http::header::HOST) {
            builder = builder.header("host", "testserver");
        }
        let mut request = builder.body(self.body).build();
        *request.headers_mut() = {
            let mut headers = request.headers().clone();
            headers.extend(self.headers);
            if !headers.contains_key(http::header::COOKIE) {
                if let Some(cookies) = self.client.cookie_header() {
                    headers.insert(http::header::COOKIE, cookies);
                }
            }
            headers
        };
        let mut response = self.client.app.handle(request).await;
        self.client.store_cookies(response.headers());
        if response.body().is_stream() {
            // Read a streamed body to its end, so tests see it as they see a whole one (a stream
            // that never ends, such as server-sent events, is for a test over a real socket).
            let body = std::mem::take(response.body_mut());
            match http_body_util::BodyExt::collect(body).await {
                Ok(collected) => response.set_body(collected.to_bytes()),
                Err(error) => panic!("the response body failed while it was read: {error}"),
            }
        }
        let mut response = TestResponse { inner: response };
        if self.method == Method::HEAD {
            response.inner.set_body(Bytes::new());
        }
        response
    }
}

/// A response received by a [`TestClient`].
#[derive(Debug)]
pub struct TestResponse {
    inner: Response,
}

impl TestResponse {
    /// The status.
    pub fn status(&self) -> StatusCode {
        self.inner.status_code()
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        self.inner.headers()
    }

    /// One header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.inner.headers().get(name).and_then(|v| v.to_str().ok())
    }

    /// The body bytes.
    pub fn bytes(&self) -> &[u8] {
        self.inner.body().as_bytes()
    }

    /// The body as text (lossy UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(self.bytes()).into_owned()
    }

    /// The body parsed as JSON; panics with the body when it is not, as a test should fail.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> T {
        serde_json::from_slice(self.bytes())
            .unwrap_or_else(|e| panic!("response body is not the expected JSON ({e}): {}", self.text()))
    }

    /// The underlying response.
    pub fn into_inner(self) -> Response {
        self.inner
    }
}
