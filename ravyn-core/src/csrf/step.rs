//! The CSRF step: issues the token cookie on safe requests, checks the token on unsafe ones.
//!
//! Where it runs: ARCHITECTURE.md, "The built-in steps" (inside CORS, so preflights never reach it
//! and a refused request still gets CORS headers; outside the app's middleware, so a refused
//! request never reaches user code).

use super::token::{TokenSigner, TOKEN_LEN};
use super::{CSRFConfig, FORM_FIELD};
use crate::error::ConfigError;
use crate::pipeline::{Flow, Rest, Step};
use crate::request::{CsrfToken, Request};
use crate::response::{IntoResponse, Response};
use crate::spec::Needs;
use crate::HTTPException;
use bytes::Bytes;
use http::header::{HeaderValue, CONTENT_TYPE, COOKIE, SET_COOKIE};
use http::{HeaderName, Method, StatusCode};
use ravyn_session::cookie_attributes::CookieAttributes;

/// Installed by `csrf_config(...)`.
pub(crate) struct CsrfStep {
    signer: TokenSigner,
    cookie: CookieAttributes,
    header_name: HeaderName,
    safe_methods: Box<[Method]>,
}

/// Why an unsafe request was refused; logged at debug level, never shown to the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    NoSubmittedToken,
    NoCookie,
    CookieNotSigned,
    Mismatch,
}

impl CsrfStep {
    pub(crate) fn new(config: &CSRFConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        let header_name = HeaderName::from_bytes(config.header_name.as_bytes())
            .map_err(|_| ConfigError::Csrf { field: "header_name", reason: "not a valid header name".to_owned() })?;
        Ok(CsrfStep {
            signer: TokenSigner::new(config.get_secret()),
            cookie: config.cookie.clone(),
            header_name,
            safe_methods: config.get_safe_methods().into(),
        })
    }

    /// Where the first validly signed token cookie sits in the request's `Cookie` headers: one
    /// HMAC verification for the usual single cookie, and nothing copied.
    fn carried_token(&self, request: &Request) -> Option<CsrfToken> {
        for (index, header) in request.headers().get_all(COOKIE).iter().enumerate() {
            let Ok(header) = header.to_str() else { continue };
            for (name, value) in ravyn_session::incoming::pairs(header) {
                if name == self.cookie.get_name() && self.signer.verify(value) {
                    let start = value.as_ptr() as usize - header.as_ptr() as usize;
                    return Some(CsrfToken::Carried { header: index, start, end: start + value.len() });
                }
            }
        }
        None
    }

    /// The token an unsafe request submitted: the header, else a `csrf_token` form field.
    async fn submitted_token(&self, request: &Request) -> Option<String> {
        if let Some(value) = request.headers().get(&self.header_name) {
            return value.to_str().ok().map(str::to_owned);
        }
        let media_type = request.content_type()?;
        if media_type.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
            return form_urlencoded::parse(request.body())
                .find(|(name, _)| name == FORM_FIELD)
                .map(|(_, value)| value.into_owned());
        }
        if media_type.eq_ignore_ascii_case("multipart/form-data") {
            let content_type = request.headers().get(CONTENT_TYPE)?.to_str().ok()?;
            return multipart_field(request.body().clone(), content_type).await;
        }
        None
    }

    /// Checks an unsafe request; on success, the token it carries.
    async fn check(&self, request: &Request) -> Result<Box<str>, Refusal> {
        let submitted = self.submitted_token(request).await.ok_or(Refusal::NoSubmittedToken)?;
        let mut outcome = Err(Refusal::NoCookie);
        // A sibling subdomain may add a second cookie of the same name: accept the submission if it
        // matches any validly signed one, so a planted cookie cannot lock the user out.
        for cookie in request.cookies().filter(|c| c.name() == self.cookie.get_name()) {
            if !self.signer.verify(cookie.value()) {
                outcome = outcome.or(Err(Refusal::CookieNotSigned));
                continue;
            }
            if submitted.len() == TOKEN_LEN && self.signer.equal(submitted.as_bytes(), cookie.value().as_bytes()) {
                return Ok(submitted.into_boxed_str());
            }
            outcome = Err(Refusal::Mismatch);
        }
        outcome
    }

    /// The token cookie: a browser-session cookie (no `Max-Age`), written by the one writer of
    /// framework cookies.
    fn set_cookie(&self, token: &str) -> Option<HeaderValue> {
        match HeaderValue::try_from(self.cookie.set_cookie(token, 0, None)) {
            Ok(value) => Some(value),
            Err(_) => {
                // Unreachable with a validated config; a missing cookie is better than a 500.
                tracing::error!("CSRF cookie is not a valid header value; not sent");
                None
            }
        }
    }

    /// Whether the request carries a token cookie of the right shape: what deciding to keep the
    /// cookie needs when nothing downstream reads the token (the check of the signature happens on
    /// unsafe requests, where it matters).
    fn carries_a_token(&self, request: &Request) -> bool {
        request.headers().get_all(COOKIE).iter().any(|header| {
            ravyn_session::incoming::pairs_bytes(header.as_bytes())
                .any(|(name, value)| name == self.cookie.get_name().as_bytes() && TokenSigner::has_token_shape(value))
        })
    }

    /// An unsafe request: run `rest` only when the submitted token matches a valid cookie.
    async fn around_unsafe(&self, mut request: Request, rest: impl Rest) -> Response {
        match self.check(&request).await {
            Ok(token) => {
                request.context_mut().csrf_token = Some(CsrfToken::Issued(token));
                rest.run(request).await
            }
            Err(refusal) => {
                tracing::debug!(?refusal, method = %request.method(), path = request.path(), "CSRF check failed");
                HTTPException::new(StatusCode::FORBIDDEN, "CSRF token verification failed.").into_response()
            }
        }
    }
}

impl Step for CsrfStep {
    /// A safe request: keep a token cookie, or issue one with the response. When code downstream
    /// may read the token (`request.csrf_token()`), the cookie is kept only if its signature holds,
    /// and where it is is recorded for that read; otherwise a cookie of the right shape is kept
    /// without any cryptography (a forged one is refused on the first unsafe request, and replaced
    /// by the next safe request to a route that reads the token, such as the login example's
    /// `GET /csrf`). An unsafe request goes to [`around_unsafe`](CsrfStep::around_unsafe).
    async fn around(&self, flow: &Flow<'_>, mut request: Request, rest: impl Rest) -> Response {
        if !self.safe_methods.contains(request.method()) {
            // Boxed: the check (a form or multipart body to read) keeps state that safe requests,
            // the common case, should not carry in their future.
            return Box::pin(self.around_unsafe(request, rest)).await;
        }
        if flow.app_has_middleware() || flow.needs().contains(Needs::CSRF_TOKEN) {
            if let Some(carried) = self.carried_token(&request) {
                request.context_mut().csrf_token = Some(carried);
                return rest.run(request).await;
            }
        } else if self.carries_a_token(&request) {
            return rest.run(request).await;
        }
        let Some(token) = self.signer.issue() else {
            tracing::error!("the system random generator failed; no CSRF token issued");
            return rest.run(request).await;
        };
        let cookie = self.set_cookie(&token);
        request.context_mut().csrf_token = Some(CsrfToken::Issued(token.into_boxed_str()));
        let mut response = rest.run(request).await;
        if let Some(cookie) = cookie {
            response.headers_mut().append(SET_COOKIE, cookie);
        }
        response
    }
}

/// The text of the first `csrf_token` field of a multipart body (already read and bounded by
/// `max_body_size`); file parts before it are skipped without being decoded.
async fn multipart_field(body: Bytes, content_type: &str) -> Option<String> {
    let boundary = multer::parse_boundary(content_type).ok()?;
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::convert::Infallible>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some(FORM_FIELD) {
            return field.text().await.ok();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TestClient;
    use crate::{Gateway, Handler, Ravyn, RouteSpec};

    fn app(config: CSRFConfig) -> TestClient {
        // A hand-written handler: this crate has no route macros.
        #[derive(Clone)]
        struct Echo;
        impl Handler for Echo {
            fn spec(&self) -> RouteSpec {
                RouteSpec::new("echo", "/echo", &["GET", "POST", "DELETE"], 200)
            }
            fn call(&self, request: Request) -> crate::BoxFuture<'static, Response> {
                let token = request.csrf_token().unwrap_or("-").to_owned();
                Box::pin(async move { Response::text(token) })
            }
        }
        TestClient::new(Ravyn::builder().csrf_config(config).routes([Gateway::new(Echo)]).build().unwrap())
    }

    #[tokio::test]
    async fn issue_then_check() {
        let client = app(CSRFConfig::new("secret"));
        let first = client.get("/echo").send().await;
        let set_cookie = first.header("set-cookie").unwrap().to_owned();
        assert!(set_cookie.starts_with("csrftoken="), "{set_cookie}");
        // The one writer of framework cookies spells attributes in the cookie crate's order.
        assert!(set_cookie.ends_with("; SameSite=Lax; Path=/"), "{set_cookie}");
        let token = client.cookie("csrftoken").unwrap();
        assert_eq!(first.text(), token);

        // A valid cookie: no new one, and the handler sees the same token.
        let again = client.get("/echo").send().await;
        assert!(again.header("set-cookie").is_none());
        assert_eq!(again.text(), token);

        assert_eq!(client.post("/echo").send().await.status(), 403);
        assert_eq!(client.post("/echo").header("x-csrftoken", "nope").send().await.status(), 403);
        let ok = client.post("/echo").header("X-CSRFToken", &token).send().await;
        assert_eq!((ok.status(), ok.text()), (StatusCode::OK, token.clone()));
        let form = client.delete("/echo").form(&[("csrf_token", token.as_str())]).send().await;
        assert_eq!(form.status(), 200);
    }

    #[tokio::test]
    async fn attributes_follow_the_config() {
        let client = app(CSRFConfig::new("secret")
            .cookie_name("__Host-xsrf")
            .secure(true)
            .httponly(true)
            .samesite(ravyn_session::SameSite::Strict)
            .header_name("X-XSRF"));
        let response = client.get("/echo").send().await;
        assert!(response.header("set-cookie").unwrap().ends_with("; HttpOnly; SameSite=Strict; Secure; Path=/"));
        let token = client.cookie("__Host-xsrf").unwrap();
        assert_eq!(client.post("/echo").header("X-CSRFToken", &token).send().await.status(), 403);
        assert_eq!(client.post("/echo").header("X-XSRF", &token).send().await.status(), 200);
    }

    #[tokio::test]
    async fn a_token_from_another_secret_is_replaced_and_refused() {
        let other = TokenSigner::new("other secret").issue().unwrap();
        let client = app(CSRFConfig::new("secret"));
        client.set_cookie("csrftoken", &other);
        let refused = client.post("/echo").header("X-CSRFToken", &other).send().await;
        assert_eq!(refused.status(), 403);
        assert_eq!(refused.json::<serde_json::Value>()["detail"], "CSRF token verification failed.");
        let get = client.get("/echo").send().await;
        assert!(get.header("set-cookie").is_some());
        assert_ne!(client.cookie("csrftoken").unwrap(), other);
    }

    #[tokio::test]
    async fn multipart_field_is_found_after_a_file() {
        let body = Bytes::from_static(
            b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\
              Content-Type: text/plain\r\n\r\nhello\r\n\
              --XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\nTOKEN\r\n--XyZ--\r\n",
        );
        assert_eq!(multipart_field(body.clone(), "multipart/form-data; boundary=XyZ").await.as_deref(), Some("TOKEN"));
        assert_eq!(multipart_field(body, "multipart/form-data; boundary=Other").await, None);
        assert_eq!(multipart_field(Bytes::new(), "multipart/form-data").await, None);
    }
}
