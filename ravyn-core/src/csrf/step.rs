//! The CSRF step: issues the token cookie on safe requests, checks the token on unsafe ones.
//!
//! Tokens are bound to the session (OWASP's signed double submit; security review M2): the HMAC
//! covers the request's server-side session id when sessions live in a store, taken from the
//! session cookie by its signature alone (no store round trip, no session work for the route).
//! Cookie sessions have no server-side id, and routes of an app without sessions have no session:
//! their tokens are bound to nothing, as before; `__Host-` names are the defence there
//! (docs/configurations/csrf.md). When a response cycles or clears the session (login, logout),
//! or gives a store session a new id, the session step has the token cookie replaced in the same
//! response by one for the new session ([`CsrfStep::renew`]). Several token cookies that disagree
//! are refused: one of them was planted.
//!
//! Where it runs: ARCHITECTURE.md, "The built-in steps" (inside CORS, so preflights never reach it
//! and a refused request still gets CORS headers; outside the app's middleware, so a refused
//! request never reaches user code).

use super::token::{TokenSigner, MAX_BINDING, TOKEN_LEN};
use super::{CSRFConfig, FORM_FIELD};
use crate::error::ConfigError;
use crate::pipeline::{Flow, Rest, Step};
use crate::request::{CsrfToken, Request};
use crate::response::{IntoResponse, Response};
use crate::spec::Needs;
use crate::HTTPException;
use bytes::Bytes;
use http::header::{HeaderValue, CACHE_CONTROL, CONTENT_TYPE, COOKIE, SET_COOKIE, VARY};
use http::{HeaderName, Method, StatusCode};
use ravyn_session::cookie_attributes::CookieAttributes;
use ravyn_session::SessionId;

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
    /// Several cookies of the token's name with different values: one was planted (a sibling
    /// subdomain, a plain-http response), and nothing says which.
    SeveralCookies,
    /// Not signed by this app, or not for this request's session.
    CookieNotValid,
    Mismatch,
}

/// A token cookie's value, the number of the `Cookie` header it is in, and its byte offset there.
type TokenCookie<'r> = (&'r [u8], usize, usize);

/// The value a token is bound to for one request: the session's server-side id, or nothing.
struct Binding(Option<SessionId>);

impl Binding {
    /// The binding for `request`: the verified id its session cookie names, when sessions live in
    /// a store. One HMAC; made only where a token is issued or its signature checked.
    fn of(flow: &Flow<'_>, request: &Request) -> Binding {
        let Some(manager) = flow.session_manager().filter(|m| m.config().get_store().is_some()) else {
            return Binding(None);
        };
        Binding(manager.verified_id(&crate::session::find_session_cookie(request, manager.cookie_name())))
    }

    fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            Some(id) if id.as_str().len() <= MAX_BINDING => id.as_str().as_bytes(),
            _ => b"",
        }
    }
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

    /// The request's token cookies, scanned as bytes (a pair that is not text hides only
    /// itself): the one value they agree on, with where it sits (`Cookie` header number, byte
    /// offset); `Err` when several disagree.
    fn token_cookie<'r>(&self, request: &'r Request) -> Result<Option<TokenCookie<'r>>, Refusal> {
        let name = self.cookie.get_name().as_bytes();
        let mut found: Option<TokenCookie<'r>> = None;
        for (index, header) in request.headers().get_all(COOKIE).iter().enumerate() {
            let bytes = header.as_bytes();
            for (cookie_name, value) in ravyn_session::incoming::pairs_bytes(bytes) {
                if cookie_name != name {
                    continue;
                }
                match found {
                    None => found = Some((value, index, value.as_ptr() as usize - bytes.as_ptr() as usize)),
                    Some((first, ..)) if first == value => {}
                    Some(_) => return Err(Refusal::SeveralCookies),
                }
            }
        }
        Ok(found)
    }

    /// Where the request's token cookie sits, when it is valid for `binding`: one HMAC
    /// verification, nothing copied.
    fn carried_token(&self, request: &Request, binding: &Binding) -> Option<CsrfToken> {
        let (value, header, start) = self.token_cookie(request).ok()??;
        self.signer.verify(value, binding.as_bytes()).then_some(CsrfToken::Carried {
            header,
            start,
            end: start + value.len(),
        })
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
    async fn check(&self, request: &Request, binding: &Binding) -> Result<Box<str>, Refusal> {
        let submitted = self.submitted_token(request).await.ok_or(Refusal::NoSubmittedToken)?;
        // A planted second cookie no longer passes beside the user's own: cookies that disagree
        // are refused (security review M2). The price: a planted cookie of another path or domain
        // blocks the user's unsafe requests until it expires; `__Host-` names prevent the planting.
        let (cookie, ..) = self.token_cookie(request)?.ok_or(Refusal::NoCookie)?;
        if !self.signer.verify(cookie, binding.as_bytes()) {
            return Err(Refusal::CookieNotValid);
        }
        if submitted.len() == TOKEN_LEN && self.signer.equal(submitted.as_bytes(), cookie) {
            Ok(submitted.into_boxed_str())
        } else {
            Err(Refusal::Mismatch)
        }
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
    async fn around_unsafe(&self, flow: &Flow<'_>, mut request: Request, rest: impl Rest) -> Response {
        let binding = Binding::of(flow, &request);
        match self.check(&request, &binding).await {
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

    /// A safe request with no usable token cookie: issues one bound to the request's session.
    async fn issue(&self, mut request: Request, binding: Binding, rest: impl Rest) -> Response {
        let Some(token) = self.signer.issue(binding.as_bytes()) else {
            tracing::error!("the system random generator failed; no CSRF token issued");
            return rest.run(request).await;
        };
        let cookie = self.set_cookie(&token);
        request.context_mut().csrf_token = Some(CsrfToken::Issued(token.into_boxed_str()));
        let mut response = rest.run(request).await;
        if let Some(cookie) = cookie {
            response.headers_mut().append(SET_COOKIE, cookie);
            mark_private(&mut response);
        }
        response
    }

    /// The session step calls this when a response moves the session to a new identity: at login
    /// (`cycle_id()`), logout (`clear()`), or when a store session is created or its id changes.
    /// Tokens bound to the old identity stop verifying, so the token cookie is replaced in the
    /// same response by one bound to `new_binding` (the new store id, or none), and a token
    /// cookie this step set earlier in the response is dropped. A token the handler embedded in
    /// this response's page is bound to the old session: pages that submit after login should
    /// read the token again (`GET` a page, or the cookie).
    pub(crate) fn renew(&self, new_binding: Option<&SessionId>, response: &mut Response) {
        let binding = Binding(new_binding.cloned());
        let Some(cookie) = self.signer.issue(binding.as_bytes()).and_then(|token| self.set_cookie(&token)) else {
            return;
        };
        let headers = response.headers_mut();
        let prefix = format!("{}=", self.cookie.get_name());
        let kept: Vec<HeaderValue> = headers
            .get_all(SET_COOKIE)
            .iter()
            .filter(|value| !value.as_bytes().starts_with(prefix.as_bytes()))
            .cloned()
            .collect();
        headers.remove(SET_COOKIE);
        for value in kept {
            headers.append(SET_COOKIE, value);
        }
        headers.append(SET_COOKIE, cookie);
        mark_private(response);
    }
}

impl Step for CsrfStep {
    /// A safe request: keep a token cookie, or issue one with the response. When code downstream
    /// may read the token (`request.csrf_token()`), the cookie is kept only if its signature holds
    /// for the request's session, and where it is is recorded for that read; otherwise a cookie of
    /// the right shape is kept without any cryptography (a forged or stale one is refused on the
    /// first unsafe request, and replaced by the next safe request to a route that reads the token,
    /// such as the login example's `GET /csrf`). An unsafe request goes to
    /// [`around_unsafe`](CsrfStep::around_unsafe).
    async fn around(&self, flow: &Flow<'_>, mut request: Request, rest: impl Rest) -> Response {
        if !self.safe_methods.contains(request.method()) {
            // Boxed: the check (a form or multipart body to read) keeps state that safe requests,
            // the common case, should not carry in their future.
            return Box::pin(self.around_unsafe(flow, request, rest)).await;
        }
        if flow.app_has_middleware() || flow.needs().contains(Needs::CSRF_TOKEN) {
            let binding = Binding::of(flow, &request);
            match self.carried_token(&request, &binding) {
                Some(carried) => request.context_mut().csrf_token = Some(carried),
                // Boxed: issuing is the rarer path (a first visit), and its state would otherwise
                // widen every safe request's future.
                None => return Box::pin(self.issue(request, binding, rest)).await,
            }
        } else if !self.carries_a_token(&request) {
            let binding = Binding::of(flow, &request);
            return Box::pin(self.issue(request, binding, rest)).await;
        }
        rest.run(request).await
    }
}

/// A response carrying a token cookie differs per user: a shared cache must not keep it and hand
/// one token (and its `Set-Cookie`) to many users (security review L3). `Vary: Cookie`, and
/// `Cache-Control: private` in place of any `public`/`s-maxage` the handler set.
fn mark_private(response: &mut Response) {
    let headers = response.headers_mut();
    let varies_by_cookie = headers
        .get_all(VARY)
        .iter()
        .any(|value| value.to_str().is_ok_and(|v| v.split(',').any(|name| name.trim().eq_ignore_ascii_case("cookie"))));
    if !varies_by_cookie {
        headers.append(VARY, HeaderValue::from_static("Cookie"));
    }
    let kept: Vec<String> = headers
        .get_all(CACHE_CONTROL)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|directive| {
            let name = directive.split('=').next().unwrap_or("").trim();
            !directive.is_empty()
                && !name.eq_ignore_ascii_case("public")
                && !name.eq_ignore_ascii_case("s-maxage")
                && !name.eq_ignore_ascii_case("private")
        })
        .map(str::to_owned)
        .collect();
    let value = if kept.iter().any(|d| d.eq_ignore_ascii_case("no-store")) {
        kept.join(", ")
    } else {
        std::iter::once("private".to_owned()).chain(kept).collect::<Vec<_>>().join(", ")
    };
    if let Ok(value) = HeaderValue::try_from(value) {
        headers.insert(CACHE_CONTROL, value);
    }
}

/// The text of the first `csrf_token` field of a multipart body (already read and bounded by
/// `max_body_size`); file parts before it are skipped without being decoded. The field's bytes
/// must be UTF-8 whatever charset the part names: a token is ASCII, so no other charset can spell
/// a valid one (and multer's charset decoding, `Field::text`, would link encoding_rs' tables,
/// ~160 KB, into every app with CSRF).
async fn multipart_field(body: Bytes, content_type: &str) -> Option<String> {
    let boundary = multer::parse_boundary(content_type).ok()?;
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::convert::Infallible>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some(FORM_FIELD) {
            return field.bytes().await.ok().and_then(|bytes| String::from_utf8(bytes.into()).ok());
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
        let other = TokenSigner::new("other secret").issue(b"").unwrap();
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

    #[tokio::test]
    async fn multipart_field_is_read_as_utf8_whatever_its_charset() {
        let field = |content_type: &str, value: &[u8]| {
            let mut body = format!(
                "--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .into_bytes();
            body.extend_from_slice(value);
            body.extend_from_slice(b"\r\n--XyZ--\r\n");
            multipart_field(Bytes::from(body), "multipart/form-data; boundary=XyZ")
        };
        assert_eq!(field("text/plain; charset=iso-8859-1", b"TOKEN").await.as_deref(), Some("TOKEN"));
        // Not UTF-8 (Latin-1 "é"): no token, so the request is refused as one without a token.
        assert_eq!(field("text/plain; charset=iso-8859-1", b"TOK\xe9N").await, None);
    }
}
