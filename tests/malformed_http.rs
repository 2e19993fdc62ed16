//! Malformed HTTP/1 over a raw socket to a real server: request-smuggling vectors and broken
//! heads are answered 400 (or 414/431) and the connection is closed, so nothing sent after them
//! on the connection is ever read as a request. docs/reliability.md ("Malformed HTTP") lists
//! each vector, who refuses it (hyper's parser or `check_head` in ravyn-core/src/server.rs) and
//! the two deliberate exceptions (`Content-Length` with `Transfer-Encoding`, bare LF).

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;

use common::{init_logs, TestServer};
use ravyn::{get, post, Gateway, Ravyn, Request};
use serde_json::Value;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How many times `/smuggled` ran, across this file's tests (each test that sends it checks
/// the count did not move while its own request was handled; no other test sends it).
static SMUGGLED: AtomicUsize = AtomicUsize::new(0);

#[get("/hello")]
async fn hello() -> &'static str {
    "hello"
}

#[post("/echo")]
async fn echo(request: Request) -> String {
    format!("{} bytes", request.body().len())
}

#[get("/smuggled")]
async fn smuggled() -> &'static str {
    SMUGGLED.fetch_add(1, Ordering::SeqCst);
    "smuggled"
}

async fn server() -> TestServer {
    init_logs();
    let app =
        Ravyn::builder().routes([Gateway::new(hello), Gateway::new(echo), Gateway::new(smuggled)]).build().unwrap();
    TestServer::start(app).await
}

/// What the server sent back on one connection.
struct Exchange {
    /// Everything read until the server closed (or until 5 s passed).
    text: String,
    /// Whether the server closed the connection.
    closed: bool,
}

impl Exchange {
    fn status(&self) -> &str {
        self.text.get(9..12).unwrap_or("")
    }

    /// How many responses were sent (status lines at the start of a line).
    fn responses(&self) -> usize {
        self.text.match_indices("HTTP/1.").filter(|(at, _)| *at == 0 || self.text[..*at].ends_with('\n')).count()
    }

    /// The JSON body of the (single) response.
    fn detail(&self) -> String {
        let body = self.text.split("\r\n\r\n").nth(1).unwrap_or("");
        let json: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: not JSON: {}", self.text));
        json["detail"].as_str().unwrap_or_else(|| panic!("no detail: {}", self.text)).to_owned()
    }

    /// Asserts one response with `status`, then the connection closed.
    fn assert_refused(&self, status: &str) {
        assert_eq!(self.status(), status, "{}", self.text);
        assert_eq!(self.responses(), 1, "exactly one response: {}", self.text);
        assert!(self.closed, "the server closes the connection after refusing: {}", self.text);
    }
}

/// Writes `bytes` on a new connection, then reads until the server closes it (or 5 s pass).
async fn exchange(server: &TestServer, bytes: &[u8]) -> Exchange {
    let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    // The server may answer and close before reading everything; that is fine.
    let _ = stream.write_all(bytes).await;
    let mut received = Vec::new();
    let mut buf = [0u8; 8192];
    let closed = loop {
        match tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break true,
            Ok(Ok(n)) => received.extend_from_slice(&buf[..n]),
            Err(_) => break false,
        }
    };
    Exchange { text: String::from_utf8_lossy(&received).into_owned(), closed }
}

/// The control: a well-formed request keeps its connection open, so `closed` means something.
#[tokio::test]
async fn a_well_formed_request_is_answered_and_the_connection_stays_open() {
    let server = server().await;
    let ok = exchange(&server, b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert_eq!(ok.status(), "200", "{}", ok.text);
    assert!(!ok.closed, "keep-alive: {}", ok.text);
}

/// Both framings at once (CL.TE / TE.CL smuggling). hyper frames the body by
/// `Transfer-Encoding` alone, drops `Content-Length` before the request reaches us, and closes
/// the connection after answering, as RFC 9112, section 6.1 requires; the bytes a front end
/// framing by `Content-Length` would have seen as a second request are never read.
#[tokio::test]
async fn content_length_with_transfer_encoding_is_framed_by_the_chunks_and_closes() {
    let server = server().await;
    let before = SMUGGLED.load(Ordering::SeqCst);
    let attack = b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 45\r\nTransfer-Encoding: chunked\r\n\r\n\
0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
    let answer = exchange(&server, attack).await;
    assert_eq!(answer.status(), "201", "{}", answer.text);
    assert!(answer.text.ends_with("0 bytes"), "the body is the chunked one: {}", answer.text);
    assert_eq!(answer.responses(), 1, "{}", answer.text);
    assert!(answer.closed, "{}", answer.text);
    // The other order of the two headers.
    let attack = b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 45\r\n\r\n\
0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
    let answer = exchange(&server, attack).await;
    assert_eq!(answer.responses(), 1, "{}", answer.text);
    assert!(answer.closed, "{}", answer.text);
    assert_eq!(SMUGGLED.load(Ordering::SeqCst), before, "the smuggled request never ran");
}

#[tokio::test]
async fn two_different_content_lengths_are_400() {
    let server = server().await;
    let answer =
        exchange(&server, b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd")
            .await;
    answer.assert_refused("400");
    // A Content-Length that is not a number, or a list of them.
    let answer = exchange(&server, b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 4\r\n\r\nabcd").await;
    answer.assert_refused("400");
    let answer = exchange(&server, b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: +4\r\n\r\nabcd").await;
    answer.assert_refused("400");
}

#[tokio::test]
async fn a_transfer_encoding_other_than_chunked_is_400() {
    let server = server().await;
    for te in ["gzip", "chunked, gzip", "xchunked", "chunked\u{b}"] {
        let request = format!("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: {te}\r\n\r\n0\r\n\r\n");
        exchange(&server, request.as_bytes()).await.assert_refused("400");
    }
    // Whitespace before the colon (`Transfer-Encoding : chunked`), which some proxies ignore.
    let answer =
        exchange(&server, b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n").await;
    answer.assert_refused("400");
    // HTTP/1.0 has no chunked framing.
    let answer = exchange(&server, b"POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n").await;
    answer.assert_refused("400");
}

#[tokio::test]
async fn obsolete_line_folding_is_400() {
    let server = server().await;
    let answer = exchange(&server, b"GET /hello HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n").await;
    answer.assert_refused("400");
    let answer = exchange(&server, b"GET /hello HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n\tb\r\n\r\n").await;
    answer.assert_refused("400");
}

#[tokio::test]
async fn bad_chunk_sizes_are_400_with_a_detail() {
    let server = server().await;
    let before = SMUGGLED.load(Ordering::SeqCst);
    for size in ["zz", "-1", "0x5", "fffffffffffffffffff", "5 5", ""] {
        let request = format!(
            "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n{size}\r\nhello\r\n0\r\n\r\n\
             GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
        );
        let answer = exchange(&server, request.as_bytes()).await;
        answer.assert_refused("400");
        assert_eq!(answer.detail(), "The request body could not be read.", "chunk size {size:?}");
    }
    // A chunk longer than its announced size.
    let request = b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhello\r\n0\r\n\r\n";
    exchange(&server, request).await.assert_refused("400");
    assert_eq!(SMUGGLED.load(Ordering::SeqCst), before, "nothing after a broken body is read as a request");
}

/// Bare LF as a line ending is accepted in the head (RFC 9112, section 2.2 lets a recipient
/// read a lone LF as a line terminator; hyper's parser does, as nginx and Node do). It is not a
/// smuggling vector here because it means the same thing everywhere in the head; a bare CR,
/// which does not, is refused, and chunk framing takes CRLF only.
#[tokio::test]
async fn bare_lf_in_the_head_reads_as_crlf_and_bare_cr_is_400() {
    let server = server().await;
    let answer = exchange(&server, b"GET /hello HTTP/1.1\nHost: x\n\n").await;
    assert_eq!(answer.status(), "200", "{}", answer.text);
    let answer = exchange(&server, b"GET /hello HTTP/1.1\rHost: x\r\r").await;
    answer.assert_refused("400");
    let answer = exchange(&server, b"GET /hello HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n").await;
    answer.assert_refused("400");
    // Chunk framing takes CRLF only: a bare LF there is a broken body.
    let request = b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\n0\n\n";
    let answer = exchange(&server, request).await;
    answer.assert_refused("400");
    assert_eq!(answer.detail(), "The request body could not be read.");
}

#[tokio::test]
async fn nul_and_control_bytes_in_headers_are_400() {
    let server = server().await;
    for value in [&b"a\0b"[..], b"a\x01b", b"a\x1bb", b"a\x7fb"] {
        let mut request = b"GET /hello HTTP/1.1\r\nHost: x\r\nX-Value: ".to_vec();
        request.extend_from_slice(value);
        request.extend_from_slice(b"\r\n\r\n");
        let answer = exchange(&server, &request).await;
        answer.assert_refused("400");
    }
    for name in [&b"X-\0Name"[..], b"X-\x01Name", b"X Name", b"X-Name\x7f"] {
        let mut request = b"GET /hello HTTP/1.1\r\nHost: x\r\n".to_vec();
        request.extend_from_slice(name);
        request.extend_from_slice(b": v\r\n\r\n");
        exchange(&server, &request).await.assert_refused("400");
    }
    // In the request line too.
    exchange(&server, b"GET /hel\0lo HTTP/1.1\r\nHost: x\r\n\r\n").await.assert_refused("400");
}

#[tokio::test]
async fn http11_without_host_is_400_with_a_detail() {
    let server = server().await;
    let answer = exchange(&server, b"GET /hello HTTP/1.1\r\n\r\n").await;
    answer.assert_refused("400");
    assert!(answer.detail().contains("Host"), "{}", answer.text);
    let answer = exchange(&server, b"GET /hello HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").await;
    answer.assert_refused("400");
    assert!(answer.detail().contains("one Host"), "{}", answer.text);
    // HTTP/1.0 has no Host requirement.
    let answer = exchange(&server, b"GET /hello HTTP/1.0\r\n\r\n").await;
    assert_eq!(answer.status(), "200", "{}", answer.text);
}

#[tokio::test]
async fn an_absolute_form_target_is_400_with_a_detail() {
    let server = server().await;
    let answer = exchange(&server, b"GET http://other.example/hello HTTP/1.1\r\nHost: x\r\n\r\n").await;
    answer.assert_refused("400");
    assert!(answer.detail().contains("absolute"), "{}", answer.text);
    // Authority form belongs to CONNECT, which no route serves.
    let answer = exchange(&server, b"CONNECT other.example:443 HTTP/1.1\r\nHost: other.example:443\r\n\r\n").await;
    answer.assert_refused("400");
}

#[tokio::test]
async fn an_asterisk_form_target_is_400_with_a_detail() {
    let server = server().await;
    let answer = exchange(&server, b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n").await;
    answer.assert_refused("400");
    assert!(answer.detail().contains("asterisk"), "{}", answer.text);
    exchange(&server, b"GET * HTTP/1.1\r\nHost: x\r\n\r\n").await.assert_refused("400");
}

#[tokio::test]
async fn a_very_long_uri_is_414_and_a_huge_one_is_refused_by_the_parser() {
    let server = server().await;
    let long = format!("GET /hello?q={} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(ravyn::MAX_URI_LENGTH));
    let answer = exchange(&server, long.as_bytes()).await;
    answer.assert_refused("414");
    assert!(answer.detail().contains("8192"), "{}", answer.text);
    // Just within the limit is served.
    let within = format!("GET /hello?q={} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(ravyn::MAX_URI_LENGTH - 10));
    assert_eq!(exchange(&server, within.as_bytes()).await.status(), "200");
    // Larger than hyper's read buffer: hyper answers before the head is even complete.
    let huge = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(100 * 1024));
    let answer = exchange(&server, huge.as_bytes()).await;
    assert!(["414", "431"].contains(&answer.status()), "{}", answer.text);
    assert!(answer.closed, "{}", answer.text);
}

/// After all of the above, the server still answers.
#[tokio::test]
async fn the_server_still_answers_after_garbage() {
    let server = server().await;
    // (Blank lines alone are not garbage: a server may skip them before a request line, and
    // hyper waits for one, up to header_read_timeout.)
    for garbage in [&b"\0\0\0\0"[..], b"GET\r\n\r\n", b"HTTP/1.1 200 OK\r\n\r\n", &[0xff; 64]] {
        let answer = exchange(&server, garbage).await;
        assert!(answer.closed, "{:?}: {}", garbage, answer.text);
    }
    let ok = exchange(&server, b"GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await;
    assert_eq!(ok.status(), "200", "{}", ok.text);
}
