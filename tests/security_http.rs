//! The security review's findings (docs/security.md, "Security review findings"), each replayed
//! against a real server on 127.0.0.1 over a raw socket or a real client, as the review ran them.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;

use bytes::Bytes;
use common::{client, init_logs, TestServer};
use ravyn::{get, post, Gateway, Ravyn, Request};
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

#[get("/{slug}")]
async fn page(slug: String) -> String {
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
    let app = Ravyn::builder().routes(vec![Gateway::new(page)]).build().unwrap();
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
