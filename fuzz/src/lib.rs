//! The fuzz targets' bodies, one function per target, each taking the fuzzer's bytes.
//!
//! They live here, not in `fuzz_targets/`, so that two callers share them: the cargo-fuzz
//! targets (nightly, `bash fuzz/run.sh`) and `tests/fuzz_corpus.rs` (stable, in CI), which
//! includes this file and replays every input under `fuzz/corpus/<target>/`. Each body checks
//! more than "no panic" where it can: the framework turns a panic inside the app into a 500, so
//! the app targets assert that no input gets a 500; the scanners and codecs are checked against
//! a second implementation or a round trip.
//!
//! Every target is listed in [`TARGETS`]; `fuzz/Cargo.toml` has a `[[bin]]` for each.

#![allow(clippy::unwrap_used, clippy::missing_panics_doc)] // a harness panics to report

use ravyn::config::{CORSConfig, CSRFConfig, CookieFormat, SessionConfig};
use ravyn::http::{HeaderName, HeaderValue, Method, StatusCode};
use ravyn::testing::TestClient;
use ravyn::{get, post, BodyPolicy, Gateway, HTTPException, Include, Json, Ravyn, Request};
use ravyn_session::codec::Codec;
use ravyn_session::{incoming, IncomingCookie};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::sync::OnceLock;

/// A target's body: the fuzzer's bytes in, a panic out when something is wrong.
pub type Target = fn(&[u8]);

/// Every target: its name (the directory under `fuzz/corpus/` and the cargo-fuzz target) and
/// its body.
pub const TARGETS: &[(&str, Target)] = &[
    ("session_cookie", session_cookie),
    ("cookie_header", cookie_header),
    ("store_id", store_id),
    ("binding", binding),
    ("routing", routing),
    ("csrf_token", csrf_token),
    ("csrf_multipart", csrf_multipart),
    ("cors_origin", cors_origin),
    ("http_request", http_request),
    ("jwt_token", jwt_token),
    ("multipart", multipart),
];

const SECRET: &str = "fuzzing-secret-of-at-least-32-bytes!!";

/// Runs `future` to completion on this thread's runtime (one per thread, made once).
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    thread_local! {
        static RUNTIME: tokio::runtime::Runtime =
            tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    }
    RUNTIME.with(|runtime| runtime.block_on(future))
}

/// Splits `data` at the first `\n` (or nowhere): the usual way these targets get two inputs.
fn split(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == b'\n') {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[]),
    }
}

/// Asserts the app did not fail on `what`: a panic or an internal error becomes a 500.
fn assert_no_500(status: StatusCode, what: &dyn std::fmt::Debug) {
    assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR, "500 for {what:?}");
}

// ---------------------------------------------------------------------------------------------
// Session cookies

fn codecs() -> &'static [Codec; 3] {
    static CODECS: OnceLock<[Codec; 3]> = OnceLock::new();
    CODECS.get_or_init(|| {
        [CookieFormat::Signed, CookieFormat::Ravyn, CookieFormat::Private].map(|format| {
            Codec::new(&SessionConfig::new(SECRET).cookie_format(format).fallback_secrets(["an-older-secret"]))
        })
    })
}

/// The session cookie decoders, every format: an arbitrary value never decodes to a session
/// (nothing forged passes the signature or tag) and never panics; data encoded from the input
/// decodes back to itself.
pub fn session_cookie(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    for codec in codecs() {
        if let Ok(decoded) = codec.decode(&text, 1_700_000_000) {
            panic!("{:?} accepted a forged cookie {text:?}: {decoded:?}", codec.format());
        }
        // Built through Session::insert, as apps build sessions (it refuses what could not be read
        // back, such as serde_json's raw-value key: this target's first finding).
        let built = ravyn_session::Session::new();
        if built.insert(text.to_string(), json!(text)).is_err() {
            assert_eq!(text, "$serde_json::private::RawValue", "insert refused {text:?}");
            continue;
        }
        built.insert("n", data.len()).unwrap();
        let session: Map<String, Value> =
            built.keys().into_iter().map(|k| (k.clone(), built.get(&k).unwrap().unwrap())).collect();
        // What encode makes, decode reads: a value too long to be read back is not made (this
        // target's second finding).
        let value = match codec.encode(&session, 1_700_000_000, 1_699_999_000) {
            Ok(value) => value,
            Err(ravyn_session::codec::EncodeError::TooLong { len }) => {
                assert!(len > ravyn_session::codec::MAX_COOKIE_VALUE_LEN, "{len}");
                continue;
            }
            Err(error) => panic!("{error}"),
        };
        let decoded = codec.decode(&value, 1_700_000_001).unwrap();
        assert_eq!(decoded.data, session, "{:?} round trip", codec.format());
    }
}

/// The `Cookie` header scan: on any header a `HeaderValue` can hold as text, the byte scanner
/// finds exactly the pairs of the cookie crate's parser (`Cookie::split_parse`, raw values) and
/// the text scanner the same; on any bytes, finding the session cookie never panics and agrees
/// with the pairs found.
pub fn cookie_header(data: &[u8]) {
    let by_bytes: Vec<(&[u8], &[u8])> = incoming::pairs_bytes(data).collect();
    for (name, value) in &by_bytes {
        assert!(!name.is_empty());
        let ows = |b: &u8| *b == b' ' || *b == b'\t';
        assert!(!name.first().is_some_and(ows) && !name.last().is_some_and(ows), "{name:?}");
        assert!(!value.first().is_some_and(ows) && !value.last().is_some_and(ows), "{value:?}");
    }
    let expected = by_bytes.iter().filter(|(name, _)| *name == b"session").count();
    match IncomingCookie::from_cookie_headers("session", [data]) {
        IncomingCookie::Absent => assert_eq!(expected, 0),
        IncomingCookie::One(_) => assert_eq!(expected, 1),
        IncomingCookie::Ambiguous => assert!(expected > 1),
    }
    let visible = data.iter().all(|&b| b == b'\t' || (0x20..0x7f).contains(&b));
    if visible {
        let text = std::str::from_utf8(data).unwrap();
        let by_text: Vec<(&[u8], &[u8])> =
            incoming::pairs(text).map(|(name, value)| (name.as_bytes(), value.as_bytes())).collect();
        assert_eq!(by_bytes, by_text, "{text:?}");
        let by_crate: Vec<(String, String)> = cookie::Cookie::split_parse(text)
            .flatten()
            .map(|c| (c.name().to_owned(), c.value_raw().unwrap_or_default().to_owned()))
            .collect();
        let by_crate: Vec<(&[u8], &[u8])> = by_crate.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes())).collect();
        assert_eq!(by_bytes, by_crate, "the cookie crate disagrees on {text:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// The apps the in-process targets send requests to

#[get("/whoami")]
async fn whoami(request: Request) -> Json<Value> {
    let user: Option<String> = request.session().get("user").ok().flatten();
    Json(json!({ "user": user }))
}

#[get("/items/{id}")]
async fn item(id: u64, q: Option<String>, limit: Option<i32>, flag: Option<bool>) -> Json<Value> {
    Json(json!({"id": id, "q": q, "limit": limit, "flag": flag}))
}

#[post("/login")]
async fn login(email: String, password: String, remember: Option<bool>) -> Json<Value> {
    Json(json!({"email": email, "len": password.len(), "remember": remember}))
}

// The JSON Schema derive: the route attributes describe bodies for OpenAPI (the `openapi`
// feature, on by default and so on here too, as in the apps being fuzzed).
#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct Item {
    name: String,
    price: f64,
    tags: Option<Vec<String>>,
}

#[post("/items")]
async fn create_item(data: Item, dry_run: Option<bool>) -> Json<Value> {
    Json(json!({"name": data.name, "price": data.price, "tags": data.tags, "dry_run": dry_run}))
}

#[get("/files/{*rest}")]
async fn file(rest: String) -> String {
    rest
}

#[get("/users/{user}/posts/{post}")]
async fn user_post(user: String, post: u32) -> String {
    format!("{user}/{post}")
}

#[post("/submit")]
async fn submit() -> &'static str {
    "ok"
}

/// Reads a multipart form part by part (`Request::multipart`, multer), as an upload handler does:
/// each part's name, file name and bytes come back in the answer.
#[post("/upload")]
async fn upload(mut request: Request) -> Result<Json<Value>, HTTPException> {
    let mut form = request.multipart()?;
    let mut parts = Vec::new();
    while let Some(mut field) = form.next_field().await.map_err(|error| HTTPException::new(400, error.to_string()))? {
        let name = field.name().map(str::to_owned);
        let file_name = field.file_name().map(str::to_owned);
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|error| HTTPException::new(400, error.to_string()))? {
            bytes.extend_from_slice(&chunk);
        }
        parts.push(json!({"name": name, "file_name": file_name, "bytes": bytes}));
    }
    Ok(Json(json!({ "parts": parts })))
}

#[get("/form")]
async fn form_page(request: Request) -> String {
    request.csrf_token().map(str::to_owned).unwrap_or_default()
}

/// An app with every built-in step on (sessions in a memory store, CSRF, CORS) and routes of
/// every binding kind.
fn app() -> &'static TestClient {
    static APP: OnceLock<TestClient> = OnceLock::new();
    APP.get_or_init(|| {
        let app = Ravyn::builder()
            .routes([
                Gateway::new(whoami),
                Gateway::new(item),
                Gateway::new(login),
                Gateway::new(create_item),
                Gateway::new(file),
                Gateway::new(submit),
                Gateway::new(form_page),
                Gateway::new(upload).body_policy(BodyPolicy::Streamed { limit: Some(64 * 1024) }),
                Include::new("/api/v1", vec![Gateway::new(user_post), Gateway::new(item)]),
            ])
            .session_config(SessionConfig::new(SECRET).store(ravyn_session::MemoryStore::new()))
            .csrf_config(CSRFConfig::new(SECRET))
            .cors_config(
                CORSConfig::new()
                    .allow_origins(["https://app.example"])
                    .allow_origin_regex(r"^https://[a-z]+\.example\.org$")
                    .allow_credentials(true),
            )
            .build()
            .unwrap();
        TestClient::new(app)
    })
}

/// A valid CSRF token and its cookie, issued by the app once.
fn csrf_pair() -> &'static (String, String) {
    static PAIR: OnceLock<(String, String)> = OnceLock::new();
    PAIR.get_or_init(|| {
        block_on(async {
            let client = TestClient::new(app().app().clone());
            let page = client.get("/form").send().await;
            let token = page.text();
            let cookie = client.cookie("csrftoken").unwrap();
            (token, cookie)
        })
    })
}

/// A request from parts the fuzzer chose; `None` when they cannot make a request at all (an
/// invalid target or header), which hyper would have refused before the app.
struct Raw<'a> {
    method: Method,
    target: &'a str,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Vec<u8>,
}

impl Raw<'_> {
    fn send(self) -> StatusCode {
        self.send_for_body().0
    }

    /// The status and the body of the answer.
    fn send_for_body(self) -> (StatusCode, Vec<u8>) {
        if !self.target.starts_with('/') || ravyn::http::Uri::try_from(self.target).is_err() {
            return (StatusCode::BAD_REQUEST, Vec::new());
        }
        let client = TestClient::new(app().app().clone());
        let mut request = client.request(self.method, self.target).body(self.body);
        for (name, value) in &self.headers {
            // The strings were checked by HeaderName/HeaderValue already.
            request = request.header(name.as_str(), value.to_str().unwrap_or(""));
        }
        let response = block_on(request.send());
        let status = response.status();
        assert_no_500(status, &self.target);
        (status, response.bytes().to_vec())
    }
}

fn header(name: &str, value: &[u8]) -> Option<(HeaderName, HeaderValue)> {
    let value = HeaderValue::from_bytes(value).ok()?;
    value.to_str().ok()?;
    Some((HeaderName::from_bytes(name.as_bytes()).ok()?, value))
}

// ---------------------------------------------------------------------------------------------
// In-process targets

fn store_manager() -> &'static (ravyn_session::SessionManager, String) {
    static MANAGER: OnceLock<(ravyn_session::SessionManager, String)> = OnceLock::new();
    MANAGER.get_or_init(|| {
        let config = SessionConfig::new(SECRET).store(ravyn_session::MemoryStore::new());
        let manager = ravyn_session::SessionManager::new(config).unwrap();
        // A genuine signed id: a session saved in the store, its cookie value.
        let session = manager.session(IncomingCookie::Absent);
        let genuine = block_on(async {
            session.load().await.unwrap();
            session.insert("user", "alice").unwrap();
            match manager.finish(&session).await.unwrap() {
                ravyn_session::CookieUpdate::Set(header) => {
                    let pair = header.split(';').next().unwrap();
                    pair.split_once('=').unwrap().1.to_owned()
                }
                other => panic!("no session cookie: {other:?}"),
            }
        });
        assert!(manager.verified_id(&IncomingCookie::One(genuine.clone())).is_some());
        (manager, genuine)
    })
}

/// The signed store id (`ID.SIG`): an arbitrary cookie value verifies only when it is the genuine
/// one (checked on the parser directly, one HMAC); through an app whose sessions live in a store,
/// an arbitrary session cookie is refused as unsigned (an empty session, 200), never a 500, never
/// somebody's session.
pub fn store_id(data: &[u8]) {
    let (manager, genuine) = store_manager();
    let text = String::from_utf8_lossy(data).into_owned();
    let verified = manager.verified_id(&IncomingCookie::One(text.clone()));
    assert_eq!(verified.is_some(), text == *genuine, "{text:?}");
    let Some((name, value)) = header("cookie", &[b"session=", data].concat()) else { return };
    let client = TestClient::new(app().app().clone());
    let response = block_on(client.get("/whoami").header(name.as_str(), value.to_str().unwrap()).send());
    assert_eq!(response.status(), StatusCode::OK, "{data:?}");
    assert_eq!(response.json::<Value>(), json!({"user": null}));
}

/// Argument binding into a real generated route's typed arguments: the first byte chooses the
/// route and how the rest is sent (query string, urlencoded form, JSON); a binding failure is a
/// 400 (or 404/413/415 from before binding), never a 500.
pub fn binding(data: &[u8]) {
    let Some((&choice, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest);
    let encoded = percent_encoding::utf8_percent_encode(&text, percent_encoding::NON_ALPHANUMERIC).to_string();
    let (method, target, content_type, body) = match choice % 6 {
        // The raw text as the query string (when it is a valid one) and as a path segment.
        0 => (Method::GET, format!("/items/1?{}", text.replace(['#', ' '], "")), None, Vec::new()),
        1 => (Method::GET, format!("/items/{encoded}?limit={encoded}&flag={encoded}"), None, Vec::new()),
        2 => (Method::POST, "/login".to_owned(), Some("application/x-www-form-urlencoded"), rest.to_vec()),
        3 => (Method::POST, "/login".to_owned(), Some("application/json"), rest.to_vec()),
        4 => (Method::POST, "/items?dry_run=1".to_owned(), Some("application/json"), rest.to_vec()),
        _ => (Method::GET, format!("/api/v1/users/{encoded}/posts/{encoded}"), None, Vec::new()),
    };
    let mut headers = Vec::new();
    if let Some(content_type) = content_type {
        headers.extend(header("content-type", content_type.as_bytes()));
        // CSRF is on: send the valid pair, so that binding is what runs.
        let (token, cookie) = csrf_pair();
        headers.extend(header("cookie", format!("csrftoken={cookie}").as_bytes()));
        headers.extend(header("x-csrftoken", token.as_bytes()));
    }
    let status = Raw { method, target: &target, headers, body }.send();
    // An empty segment leaves a trailing slash (`/items/`): the trailing-slash redirect answers.
    let redirected = status == StatusCode::TEMPORARY_REDIRECT && encoded.is_empty() && matches!(choice % 6, 1 | 5);
    assert!(
        redirected || [200, 201, 400, 404, 413, 415, 422].contains(&status.as_u16()),
        "unexpected {status} for {target} {text:?}"
    );
}

/// Routing of arbitrary paths (and methods): never a 500; a match, a 404/405, or a redirect.
pub fn routing(data: &[u8]) {
    let (method, path) = split(data);
    let method = Method::from_bytes(method).unwrap_or(Method::GET);
    let Ok(path) = std::str::from_utf8(path) else { return };
    let target = format!("/{}", path.trim_start_matches('/'));
    let status = Raw { method, target: &target, headers: Vec::new(), body: Vec::new() }.send();
    assert!(status.as_u16() < 500, "{status} for {target:?}");
}

/// The CSRF token check: an arbitrary token (and cookie) on an unsafe request, in the header and
/// as a urlencoded form's `csrf_token` field, is refused with 403 unless it is the issued pair;
/// never a 500.
pub fn csrf_token(data: &[u8]) {
    let (cookie, token) = split(data);
    let (issued_token, issued_cookie) = csrf_pair();
    let cookie_header = header("cookie", &[b"csrftoken=", cookie].concat());
    // The issued cookie is sent when every `csrftoken` pair the header holds is it (there may be
    // spaces around it, or other cookies beside it).
    let cookie_is_issued = cookie_header.as_ref().is_some_and(|(_, value)| {
        let tokens: Vec<&[u8]> = incoming::pairs_bytes(value.as_bytes())
            .filter(|(name, _)| *name == b"csrftoken")
            .map(|(_, value)| value)
            .collect();
        !tokens.is_empty() && tokens.iter().all(|value| *value == issued_cookie.as_bytes())
    });

    // In the header.
    let token_header = header("x-csrftoken", token);
    let sent_token = token_header.as_ref().map(|(_, v)| v.as_bytes().to_vec());
    let headers: Vec<_> = cookie_header.iter().cloned().chain(token_header).collect();
    let status = Raw { method: Method::POST, target: "/submit", headers, body: Vec::new() }.send();
    let token_is_issued = sent_token.as_deref() == Some(issued_token.as_bytes());
    check_csrf(status, cookie_is_issued && token_is_issued, token_is_issued);

    // As a form field (percent-encoded, so any bytes can be sent).
    let field: String = percent_encoding::percent_encode(token, percent_encoding::NON_ALPHANUMERIC).to_string();
    let mut headers: Vec<_> = cookie_header.into_iter().collect();
    headers.extend(header("content-type", b"application/x-www-form-urlencoded"));
    let body = format!("a=1&csrf_token={field}").into_bytes();
    let status = Raw { method: Method::POST, target: "/submit", headers, body }.send();
    let decoded = String::from_utf8_lossy(token);
    let token_is_issued = decoded == issued_token.as_str();
    check_csrf(status, cookie_is_issued && token_is_issued, token_is_issued);
}

/// 200 exactly for the issued pair: the cookie must verify (an HMAC the fuzzer cannot forge) and
/// the submitted token must equal it, so nothing else may pass.
fn check_csrf(status: StatusCode, genuine: bool, submitted_is_issued: bool) {
    if genuine {
        assert_eq!(status, StatusCode::OK, "the issued pair was refused");
    } else {
        assert_eq!(status, StatusCode::FORBIDDEN, "not the issued pair, yet {status}");
    }
    if status == StatusCode::OK {
        assert!(submitted_is_issued);
    }
}

/// The multipart reader behind the CSRF form check: an arbitrary multipart body (with the valid
/// cookie, no header token) is read without a panic; a 200 only when it holds the token.
pub fn csrf_multipart(data: &[u8]) {
    let (boundary, body) = split(data);
    let Ok(boundary) = std::str::from_utf8(boundary) else { return };
    let (issued_token, issued_cookie) = csrf_pair();
    let mut headers = Vec::new();
    let Some(content_type) = header("content-type", format!("multipart/form-data; boundary={boundary}").as_bytes())
    else {
        return;
    };
    headers.push(content_type);
    headers.extend(header("cookie", format!("csrftoken={issued_cookie}").as_bytes()));
    let status = Raw { method: Method::POST, target: "/submit", headers, body: body.to_vec() }.send();
    if status == StatusCode::OK {
        let holds = body.windows(issued_token.len()).any(|w| w == issued_token.as_bytes());
        assert!(holds, "a multipart body without the token passed");
    } else {
        assert!([400, 403, 413].contains(&status.as_u16()), "{status}");
    }
}

/// `Request::multipart` (multer) on a streamed body: a boundary line, then the body. Any body
/// is read without a panic or a 500 (a malformed one is a 400, an oversized one a 413); a form
/// that reads holds parts whose bytes are each found in the body as they stand.
pub fn multipart(data: &[u8]) {
    let (boundary, body) = split(data);
    let (issued_token, issued_cookie) = csrf_pair();
    let mut headers = Vec::new();
    let Some(content_type) = header("content-type", &[b"multipart/form-data; boundary=", boundary].concat()) else {
        return;
    };
    headers.push(content_type);
    headers.extend(header("cookie", format!("csrftoken={issued_cookie}").as_bytes()));
    headers.extend(header("x-csrftoken", issued_token.as_bytes()));
    let (status, answer) =
        Raw { method: Method::POST, target: "/upload", headers, body: body.to_vec() }.send_for_body();
    if status != StatusCode::CREATED {
        assert!([400, 413].contains(&status.as_u16()), "{status}");
        return;
    }
    let answer: Value = serde_json::from_slice(&answer).unwrap();
    let parts = answer["parts"].as_array().unwrap();
    for part in parts {
        let bytes: Vec<u8> = serde_json::from_value(part["bytes"].clone()).unwrap();
        assert!(
            bytes.is_empty() || body.windows(bytes.len()).any(|w| w == bytes),
            "a part's bytes are not in the body"
        );
    }
}

/// CORS origin matching, against an oracle: the origin is allowed exactly when it is in the
/// list or matches `^https://[a-z]+\.example\.org$`, for simple requests and preflights.
pub fn cors_origin(data: &[u8]) {
    let Some((name, origin)) = header("origin", data) else { return };
    let origin_text = origin.to_str().unwrap().to_owned();
    let allowed = origin_text == "https://app.example"
        || origin_text
            .strip_prefix("https://")
            .and_then(|rest| rest.strip_suffix(".example.org"))
            .is_some_and(|label| !label.is_empty() && label.bytes().all(|b| b.is_ascii_lowercase()));
    let client = TestClient::new(app().app().clone());
    let simple = block_on(client.get("/items/1").header(name.as_str(), &origin_text).send());
    assert_no_500(simple.status(), &origin_text);
    let echoed = simple.header("access-control-allow-origin");
    assert_eq!(echoed.is_some(), allowed, "simple request from {origin_text:?}");
    if let Some(echoed) = echoed {
        assert_eq!(echoed, origin_text);
    }
    let preflight = block_on(
        client
            .request(Method::OPTIONS, "/items/1")
            .header(name.as_str(), &origin_text)
            .header("access-control-request-method", "GET")
            .send(),
    );
    assert_no_500(preflight.status(), &origin_text);
    assert_eq!(preflight.header("access-control-allow-origin").is_some(), allowed, "preflight from {origin_text:?}");
}

/// A whole request through the app: `METHOD TARGET` on the first line, `name: value` header
/// lines up to an empty line, then the body. Never a 500.
pub fn http_request(data: &[u8]) {
    let (line, mut rest) = split(data);
    let Ok(line) = std::str::from_utf8(line) else { return };
    let (method, target) = line.split_once(' ').unwrap_or(("GET", line));
    let Ok(method) = Method::from_bytes(method.as_bytes()) else { return };
    let mut headers = Vec::new();
    loop {
        let (header_line, after) = split(rest);
        rest = after;
        if header_line.is_empty() {
            break;
        }
        let Some(colon) = header_line.iter().position(|&b| b == b':') else { continue };
        let Ok(name) = std::str::from_utf8(&header_line[..colon]) else { continue };
        let value = header_line[colon + 1..].trim_ascii();
        if let Some(pair) = header(name, value) {
            // Content-Length is the server's business (hyper frames the body); skip it here.
            if pair.0 != "content-length" && pair.0 != "host" {
                headers.push(pair);
            }
        }
    }
    Raw { method, target, headers, body: rest.to_vec() }.send();
}

// ---------------------------------------------------------------------------------------------
// JWT

fn jwt() -> &'static ravyn_auth::JwtManager {
    static JWT: OnceLock<ravyn_auth::JwtManager> = OnceLock::new();
    JWT.get_or_init(|| ravyn_auth::JwtManager::new(ravyn_auth::JWTConfig::new(SECRET)).unwrap())
}

/// The bearer header and token parser: an arbitrary `Authorization` value never panics, and an
/// arbitrary token never verifies; a token issued for a subject taken from the input verifies
/// back to that subject.
pub fn jwt_token(data: &[u8]) {
    let jwt = jwt();
    if let Ok(token) = jwt.bearer(Some(data)) {
        let verified = jwt.verify_access::<ravyn_auth::NoClaims>(token);
        assert!(verified.is_err(), "a forged token verified: {token:?}");
    }
    if let Ok(text) = std::str::from_utf8(data) {
        assert!(jwt.verify_access::<ravyn_auth::NoClaims>(text).is_err());
        assert!(jwt.verify_refresh::<ravyn_auth::NoClaims>(text).is_err());
        let subject: String = text.chars().take(64).collect();
        if let Ok(issued) = jwt.issue_access(&subject, &ravyn_auth::NoClaims {}) {
            let header = format!("Bearer {issued}");
            let token = jwt.bearer(Some(header.as_bytes())).unwrap();
            let verified = jwt.verify_access::<ravyn_auth::NoClaims>(token).unwrap();
            assert_eq!(verified.sub.as_deref(), Some(subject.as_str()));
        }
    }
}
