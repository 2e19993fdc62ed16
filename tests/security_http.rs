//! The security review's findings (docs/security.md, "Security review findings"), each replayed
//! against a real server on 127.0.0.1 over a raw socket or a real client, as the review ran them.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;

use bytes::Bytes;
use common::{client, init_logs, TestServer};
use ravyn::config::{CSRFConfig, SessionConfig};
use ravyn::http::HeaderValue;
use ravyn::session::MemoryStore;
use ravyn::{get, post, Gateway, HTTPException, Json, Ravyn, Request, Response};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[post("/upload")]
async fn upload(request: Request) -> String {
    request.body().len().to_string()
}

#[post("/email")]
async fn change_email(email: String) -> String {
    email
}

#[post("/hook", default_content_type = "application/json")]
async fn hook(data: serde_json::Value) -> String {
    data["event"].as_str().unwrap_or_default().to_owned()
}

#[get("/token")]
async fn show_token(request: Request) -> Json<Value> {
    Json(json!({"csrf_token": request.csrf_token()}))
}

#[post("/login")]
async fn login_route(request: Request) -> Result<Json<Value>, HTTPException> {
    let session = request.session();
    session.cycle_id();
    session.insert("user_id", 1)?;
    Ok(Json(json!({})))
}

#[post("/logout")]
async fn logout_route(request: Request) -> Json<Value> {
    request.session().clear();
    Json(json!({}))
}

#[get("/me")]
async fn me_route(request: Request) -> Result<Json<Value>, HTTPException> {
    Ok(Json(json!({"user_id": request.session().get::<u64>("user_id")?})))
}

#[post("/transfer")]
async fn transfer_route(request: Request) -> Result<Json<Value>, HTTPException> {
    Ok(Json(json!({"from": request.session().get::<u64>("user_id")?})))
}

/// A page its handler marks as cacheable by anyone.
#[get("/public-page")]
async fn public_page() -> Response {
    Response::text("page").header(ravyn::http::header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=60"))
}

const SESSION_SECRET: &str = "security-test-session-secret-of-32-bytes";
const CSRF_SECRET: &str = "security-test-csrf-secret-of-32-bytes!!";

/// Sessions in a store (so tokens are bound to the session id) or in cookies, CSRF on.
async fn session_app(store: bool) -> TestServer {
    init_logs();
    let sessions = SessionConfig::new(SESSION_SECRET);
    let sessions = if store { sessions.store(MemoryStore::new()) } else { sessions };
    let app = Ravyn::builder()
        .session_config(sessions)
        .csrf_config(CSRFConfig::new(CSRF_SECRET))
        .routes(vec![
            Gateway::new(show_token),
            Gateway::new(login_route),
            Gateway::new(logout_route),
            Gateway::new(me_route),
            Gateway::new(transfer_route),
            Gateway::new(public_page),
        ])
        .build()
        .unwrap();
    TestServer::start(app).await
}

/// The value of the `Set-Cookie` for `name` in `response` (the last one, as a browser keeps).
fn set_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok()?.strip_prefix(name)?.strip_prefix('=')?.split(';').next().map(str::to_owned))
        .next_back()
}

/// One request with exactly the `Cookie` header given (no cookie jar), the token in `X-CSRFToken`.
async fn send(
    server: &TestServer,
    method: reqwest::Method,
    path: &str,
    cookie: &str,
    token: Option<&str>,
) -> reqwest::Response {
    let mut request = reqwest::Client::new().request(method, server.url(path)).header("cookie", cookie);
    if let Some(token) = token {
        request = request.header("x-csrftoken", token);
    }
    request.send().await.unwrap()
}

/// Logs in (a token first, then `POST /login`): the session cookie and the token cookie after.
async fn log_in(server: &TestServer) -> (String, String) {
    let first = send(server, reqwest::Method::GET, "/token", "", None).await;
    let anonymous_token = set_cookie(&first, "csrftoken").unwrap();
    let cookie = format!("csrftoken={anonymous_token}");
    let login = send(server, reqwest::Method::POST, "/login", &cookie, Some(&anonymous_token)).await;
    assert_eq!(login.status(), 201);
    let session = set_cookie(&login, "session").unwrap();
    let token = set_cookie(&login, "csrftoken").expect("the login response renews the token");
    assert_ne!(token, anonymous_token, "rotated at login");
    (session, token)
}

#[get("/{slug}")]
async fn slug_page(slug: String) -> String {
    slug
}

/// Reads what the server sends until it closes or `seconds` pass.
async fn read_answer(stream: &mut (impl AsyncReadExt + Unpin), seconds: u64) -> String {
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds);
    while let Ok(Ok(n)) = tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&buf[..n]);
        if answer.windows(4).any(|w| w == b"\r\n\r\n") && answer.ends_with(b"}") {
            break;
        }
    }
    String::from_utf8_lossy(&answer).into_owned()
}

/// H1: a body trickled one byte every 50 ms, steadily, is cut at `body_read_timeout` (the
/// header read timeout, shorter, does not cut it: the request is being handled) with a 408.
#[tokio::test]
async fn h1_a_trickled_http1_body_gets_408_at_body_read_timeout() {
    init_logs();
    let app = Ravyn::builder()
        .routes(vec![Gateway::new(upload)])
        .header_read_timeout(Duration::from_millis(300))
        .body_read_timeout(Duration::from_millis(1500))
        .build()
        .unwrap();
    let server = TestServer::start(app).await;
    let stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    writer
        .write_all(b"POST /upload HTTP/1.1\r\nhost: x\r\ncontent-type: text/plain\r\ncontent-length: 1000\r\n\r\n")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    // Steadily, one byte every 50 ms: 1000 bytes would take 50 s.
    let trickle = tokio::spawn(async move {
        for _ in 0..1000 {
            if writer.write_all(b"a").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    let answer = read_answer(&mut reader, 10).await;
    trickle.abort();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains(r#"{"detail":"The request body was not received within 1500 ms."}"#), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(10), "answered after {:?}", started.elapsed());
}

/// H1: one h2c connection opening many uploads and never finishing them. The server announces
/// at most `http2_max_concurrent_streams` streams, and holds no more than the connection's budget
/// (plus the first body's limit) buffered: every stream it has not answered holds at most what
/// the client sent on it, and the sum over them stays under the bound; the others got 413.
/// Before the fix the server read every stream (hyper's 200), about 1 MiB each.
#[tokio::test]
async fn h1_one_h2c_connection_with_many_unfinished_uploads_stays_under_its_budget() {
    init_logs();
    const BUDGET: usize = 2 << 20;
    const BODY: usize = 1 << 20;
    let app = Ravyn::builder()
        .routes(vec![Gateway::new(upload)])
        .max_body_size(BODY)
        .max_buffered_body_per_connection(BUDGET)
        .http2_max_concurrent_streams(32)
        .body_read_timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let server = TestServer::start(app).await;
    let tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let (send_request, connection) = h2::client::Builder::new().handshake::<_, Bytes>(tcp).await.unwrap();
    let connection_task = tokio::spawn(connection);
    static ZEROS: [u8; 16 * 1024] = [0; 16 * 1024];

    /// What the uploads have done so far, shared with the test.
    #[derive(Default)]
    struct Tally {
        /// Bytes sent on streams the server has not answered.
        held: AtomicUsize,
        /// Streams opened, and answered with 413.
        opened: AtomicUsize,
        refused: AtomicUsize,
        /// Streams over `http2_max_concurrent_streams` (opened before the client had the server's
        /// settings), reset by the server with REFUSED_STREAM.
        reset: AtomicUsize,
        other: AtomicUsize,
    }

    /// One upload: headers announcing `BODY` bytes, then `BODY - 1` bytes as fast as flow control
    /// lets them through, never the last one; the stream is kept open.
    async fn upload_unfinished(mut send_request: h2::client::SendRequest<Bytes>, tally: Arc<Tally>) {
        send_request = send_request.ready().await.unwrap();
        let request = http::Request::post("http://x/upload").header("content-length", BODY).body(()).unwrap();
        let (response, mut body) = send_request.send_request(request, false).unwrap();
        tally.opened.fetch_add(1, Ordering::SeqCst);
        let sent = AtomicUsize::new(0);
        let pushing = async {
            while sent.load(Ordering::SeqCst) < BODY - 1 {
                body.reserve_capacity((BODY - 1 - sent.load(Ordering::SeqCst)).min(ZEROS.len()));
                let Some(Ok(capacity)) = std::future::poll_fn(|cx| body.poll_capacity(cx)).await else { break };
                if body.send_data(Bytes::from_static(&ZEROS[..capacity]), false).is_err() {
                    break;
                }
                sent.fetch_add(capacity, Ordering::SeqCst);
                tally.held.fetch_add(capacity, Ordering::SeqCst);
            }
            std::future::pending::<()>().await;
        };
        tokio::select! {
            response = response => {
                tally.held.fetch_sub(sent.load(Ordering::SeqCst), Ordering::SeqCst);
                match response.map(|r| r.status().as_u16()) {
                    Ok(413) => tally.refused.fetch_add(1, Ordering::SeqCst),
                    Err(error) if error.reason() == Some(h2::Reason::REFUSED_STREAM) => {
                        tally.reset.fetch_add(1, Ordering::SeqCst)
                    }
                    _ => tally.other.fetch_add(1, Ordering::SeqCst),
                };
            }
            () = pushing => {}
        }
        // Keep the stream (and what it sent) open until the test ends.
        std::future::pending::<()>().await;
    }

    let tally = Arc::new(Tally::default());
    let uploads: Vec<_> =
        (0..64).map(|_| tokio::spawn(upload_unfinished(send_request.clone(), tally.clone()))).collect();
    // Until nothing moves for a second: every stream the server lets open has been answered or
    // has sent what flow control allows.
    let mut last = (usize::MAX, usize::MAX);
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = (tally.held.load(Ordering::SeqCst), tally.opened.load(Ordering::SeqCst));
        if now == last {
            break;
        }
        last = now;
    }
    let (held, opened) = last;
    let refused = tally.refused.load(Ordering::SeqCst);
    let reset = tally.reset.load(Ordering::SeqCst);
    let open = opened - refused - reset;
    println!("held {held} bytes on {open} open streams; {refused} answered 413, {reset} reset as over the limit");
    assert_eq!(tally.other.load(Ordering::SeqCst), 0, "only 413s and REFUSED_STREAM resets");
    let bound = BUDGET + BODY;
    assert!(held <= bound, "the unanswered streams hold {held} bytes, over {bound}");
    assert!(refused >= 16, "only {refused} streams were answered 413");
    assert!(open <= 32, "{open} streams were open at once");
    for task in uploads {
        task.abort();
    }
    connection_task.abort();
}

/// L4: the trailing-slash redirect never points off this origin.
#[tokio::test]
async fn l4_a_trailing_slash_redirect_is_only_ever_a_same_origin_path() {
    let app = Ravyn::builder().routes(vec![Gateway::new(slug_page)]).build().unwrap();
    let server = TestServer::start(app).await;
    for (target, expected) in [
        ("/\\evil.com/", "HTTP/1.1 404"),
        ("//evil.com/", "HTTP/1.1 404"),
        ("/\\/evil.com/", "HTTP/1.1 404"),
        ("/ok/", "HTTP/1.1 307"),
    ] {
        let answer = raw_get(server.addr, target).await;
        assert!(answer.starts_with(expected), "GET {target}: {answer}");
        let location = answer.lines().find(|l| l.to_ascii_lowercase().starts_with("location:"));
        if let Some(location) = location {
            assert_eq!(location.to_ascii_lowercase(), "location: /ok", "GET {target}");
        }
    }
    // A real client agrees.
    let response = client().get(server.url("/ok/")).send().await.unwrap();
    assert_eq!(response.headers()["location"], "/ok");
}

async fn raw_get(addr: SocketAddr, target: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {target} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_string(&mut answer)).await.unwrap().unwrap();
    answer
}

/// M3: a body without `Content-Type` (a cross-site `fetch` with a `Blob` body, which needs no
/// preflight) is not bound as JSON: 415 `{"detail": ...}`, the handler does not run. A route that
/// opts in with `default_content_type` reads it as that type.
#[tokio::test]
async fn m3_a_body_without_content_type_is_not_bound() {
    let app = Ravyn::builder().routes(vec![Gateway::new(change_email), Gateway::new(hook)]).build().unwrap();
    let server = TestServer::start(app).await;
    let http = client();
    let response = http.post(server.url("/email")).body(r#"{"email":"evil@x"}"#).send().await.unwrap();
    assert!(response.headers().get("content-type").is_some());
    assert_eq!(response.status(), 415);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        body,
        serde_json::json!({"detail": "The request body has no Content-Type; expected application/json or application/x-www-form-urlencoded."})
    );
    // Same body, declared: bound.
    let response = http
        .post(server.url("/email"))
        .header("content-type", "application/json")
        .body(r#"{"email":"me@x"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(response.text().await.unwrap(), "me@x");
    // The route that opted in reads an undeclared body as JSON.
    let response = http.post(server.url("/hook")).body(r#"{"event":"push"}"#).send().await.unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(response.text().await.unwrap(), "push");
}

/// M2: the review's request. The attacker gets a genuine token of their own and plants it in the
/// victim's browser (a sibling subdomain, a plain-http response) beside the victim's cookie, or in
/// its place; a cross-site form then submits it. Refused both ways: cookies that disagree are
/// refused, and the token is bound to the session (the victim's store id), so the attacker's
/// token is not valid for the victim even alone. The victim's own token passes.
#[tokio::test]
async fn m2_a_planted_token_cookie_gets_403() {
    let server = session_app(true).await;
    let attacker = send(&server, reqwest::Method::GET, "/token", "", None).await;
    let planted = set_cookie(&attacker, "csrftoken").unwrap();
    let (session, victims) = log_in(&server).await;
    let form = |cookie: String, submitted: &str| {
        reqwest::Client::new()
            .post(server.url("/transfer"))
            .header("cookie", cookie)
            .form(&[("csrf_token", submitted), ("to", "mallory")])
            .send()
    };
    // Beside the victim's cookie (the review's run: 200 before the fix).
    let beside = form(format!("session={session}; csrftoken={planted}; csrftoken={victims}"), &planted).await.unwrap();
    assert_eq!(beside.status(), 403);
    // In its place.
    let alone = form(format!("session={session}; csrftoken={planted}"), &planted).await.unwrap();
    assert_eq!(alone.status(), 403);
    // An attacker who logs in too has a token bound to their own session, not the victim's.
    let (_, attackers_logged_in) = log_in(&server).await;
    let other_session =
        form(format!("session={session}; csrftoken={attackers_logged_in}"), &attackers_logged_in).await.unwrap();
    assert_eq!(other_session.status(), 403);
    // The victim's own token.
    let own = form(format!("session={session}; csrftoken={victims}"), &victims).await.unwrap();
    assert_eq!(own.status(), 201);
    assert_eq!(own.json::<Value>().await.unwrap(), json!({"from": 1}));
}

/// M2: tokens are rotated when the session's identity changes. The login response (cycle_id)
/// carries a token for the new session and the anonymous one stops working; the logout response
/// (clear) carries one for no session and the logged-in one stops working.
#[tokio::test]
async fn m2_login_and_logout_rotate_the_token() {
    let server = session_app(true).await;
    let first = send(&server, reqwest::Method::GET, "/token", "", None).await;
    let anonymous = set_cookie(&first, "csrftoken").unwrap();
    let (session, token) = log_in(&server).await;
    let cookie = format!("session={session}; csrftoken={token}");
    assert_eq!(send(&server, reqwest::Method::POST, "/transfer", &cookie, Some(&token)).await.status(), 201);
    let stale = format!("session={session}; csrftoken={anonymous}");
    assert_eq!(send(&server, reqwest::Method::POST, "/transfer", &stale, Some(&anonymous)).await.status(), 403);
    // A page reading the token gets the carried one, valid for this session.
    let page = send(&server, reqwest::Method::GET, "/token", &cookie, None).await;
    assert!(set_cookie(&page, "csrftoken").is_none());
    assert_eq!(page.json::<Value>().await.unwrap()["csrf_token"], token.as_str());

    let logout = send(&server, reqwest::Method::POST, "/logout", &cookie, Some(&token)).await;
    assert_eq!(logout.status(), 201);
    let after = set_cookie(&logout, "csrftoken").expect("the logout response renews the token");
    assert_ne!(after, token);
    let logged_out = format!("csrftoken={token}");
    assert_eq!(send(&server, reqwest::Method::POST, "/transfer", &logged_out, Some(&token)).await.status(), 403);
    let fresh = format!("csrftoken={after}");
    assert_eq!(send(&server, reqwest::Method::POST, "/transfer", &fresh, Some(&after)).await.status(), 201);
}

/// M2 with cookie sessions: they have no server-side id, so tokens are bound to nothing (the
/// disagreeing-cookies rule and `__Host-` names defend them), but `cycle_id()` at login still
/// rotates the token cookie.
#[tokio::test]
async fn m2_cookie_sessions_rotate_the_token_at_login() {
    let server = session_app(false).await;
    let (session, token) = log_in(&server).await;
    let cookie = format!("session={session}; csrftoken={token}");
    assert_eq!(send(&server, reqwest::Method::POST, "/transfer", &cookie, Some(&token)).await.status(), 201);
}

/// L2: a cookie of another application with a byte that is not visible ASCII (`junk=café`, set
/// by a sibling subdomain) used to hide the whole `Cookie` header: the user was logged out, every
/// POST got 403 and every GET a new CSRF cookie. Now it hides only itself.
#[tokio::test]
async fn l2_a_foreign_cookie_that_is_not_ascii_hides_only_itself() {
    for store in [true, false] {
        let server = session_app(store).await;
        let (session, token) = log_in(&server).await;
        let cookie = HeaderValue::from_bytes(
            format!("junk=caf\u{e9}; session={session}; csrftoken={token}; more=\u{2603}").as_bytes(),
        )
        .unwrap();
        assert!(cookie.to_str().is_err(), "the header is not visible ASCII");
        let request = |method: reqwest::Method, path: &str| {
            reqwest::Client::new()
                .request(method, server.url(path))
                .header("cookie", cookie.clone())
                .header("x-csrftoken", &token)
                .send()
        };
        let me = request(reqwest::Method::GET, "/me").await.unwrap();
        assert!(set_cookie(&me, "csrftoken").is_none(), "the token cookie is found: no new one");
        assert_eq!(me.json::<Value>().await.unwrap(), json!({"user_id": 1}), "still logged in");
        let page = request(reqwest::Method::GET, "/token").await.unwrap();
        assert_eq!(page.json::<Value>().await.unwrap()["csrf_token"], token.as_str());
        let post = request(reqwest::Method::POST, "/transfer").await.unwrap();
        assert_eq!(post.status(), 201, "the CSRF check finds its cookie");
    }
}

/// L3: a response that sets the CSRF cookie differs per user; a shared cache must not hand it
/// (and its token) to others: `Vary: Cookie` and `Cache-Control: private`, even over a handler's
/// `public`.
#[tokio::test]
async fn l3_a_response_setting_the_token_cookie_is_private() {
    let server = session_app(false).await;
    for path in ["/token", "/public-page"] {
        let response = send(&server, reqwest::Method::GET, path, "", None).await;
        assert!(set_cookie(&response, "csrftoken").is_some(), "{path} issues a token");
        let vary: Vec<&str> = response.headers().get_all("vary").iter().map(|v| v.to_str().unwrap()).collect();
        assert!(vary.iter().any(|v| v.eq_ignore_ascii_case("cookie")), "{path}: vary {vary:?}");
        let cache_control: Vec<&str> =
            response.headers().get_all("cache-control").iter().map(|v| v.to_str().unwrap()).collect();
        let expected = if path == "/public-page" { "private, max-age=60" } else { "private" };
        assert_eq!(cache_control, [expected], "{path}");
    }
    // With a token cookie already there, nothing is issued and the handler's header stays.
    let (_, token) = log_in(&server).await;
    let response = send(&server, reqwest::Method::GET, "/public-page", &format!("csrftoken={token}"), None).await;
    assert!(set_cookie(&response, "csrftoken").is_none());
    assert_eq!(response.headers()["cache-control"], "public, max-age=60");
}
