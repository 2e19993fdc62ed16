//! Connection floods: `max_connections` makes the accept loop wait for a connection to close
//! (backpressure), and running out of file descriptors (EMFILE) is logged and retried after a
//! short pause, never a busy loop or an exit. The flood tests run the `hello` example as a child
//! process under a low open-file limit (`ulimit -n`), over real TCP.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;

use common::{init_logs, TestServer};
use ravyn::{get, Gateway, Ravyn};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[get("/hello")]
async fn hello() -> &'static str {
    "hello"
}

/// Sends `GET /hello` on `stream` and reads one answer (within `wait`).
async fn get_hello(stream: &mut TcpStream, wait: Duration) -> Option<String> {
    stream.write_all(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n").await.ok()?;
    read_answer(stream, wait).await
}

async fn read_answer(stream: &mut TcpStream, wait: Duration) -> Option<String> {
    let mut buf = [0u8; 1024];
    match tokio::time::timeout(wait, stream.read(&mut buf)).await {
        Ok(Ok(n)) if n > 0 => Some(String::from_utf8_lossy(&buf[..n]).into_owned()),
        _ => None,
    }
}

#[tokio::test]
async fn at_max_connections_the_server_waits_for_one_to_close() {
    init_logs();
    let app = Ravyn::builder().routes([Gateway::new(hello)]).max_connections(2).build().unwrap();
    let server = TestServer::start(app).await;
    let mut first = TcpStream::connect(server.addr).await.unwrap();
    let mut second = TcpStream::connect(server.addr).await.unwrap();
    for stream in [&mut first, &mut second] {
        let answer = get_hello(stream, Duration::from_secs(10)).await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }
    // The third connection is made (the kernel queues it) but not accepted: no answer while the
    // two others stay open.
    let mut third = TcpStream::connect(server.addr).await.unwrap();
    assert_eq!(get_hello(&mut third, Duration::from_millis(500)).await, None, "not served beyond max_connections");
    // The open ones are still served.
    assert!(get_hello(&mut second, Duration::from_secs(10)).await.unwrap().starts_with("HTTP/1.1 200"));
    // One closes: the third is accepted and its waiting request answered.
    drop(first);
    let answer = read_answer(&mut third, Duration::from_secs(10)).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[test]
fn max_connections_must_be_above_zero() {
    let error = Ravyn::builder().max_connections(0).build().unwrap_err();
    assert!(error.to_string().contains("max_connections"), "{error}");
    assert_eq!(Ravyn::builder().build().unwrap().config().max_connections(), 10_000);
}

/// The `hello` example's binary, which `cargo test` builds beside the test binaries (run alone
/// with `--test connection_limits`, build it first: `cargo build --example hello`).
fn hello_binary() -> std::path::PathBuf {
    let deps = std::env::current_exe().unwrap().parent().unwrap().to_path_buf();
    let binary = deps.parent().unwrap().join("examples").join("hello");
    assert!(
        binary.exists(),
        "{} not built: `cargo test` builds the examples; with `--test connection_limits` alone, run \
         `cargo build --example hello` first",
        binary.display()
    );
    binary
}

/// The `hello` example running under an open-file limit of `nofile`, its log collected.
struct LimitedServer {
    child: Child,
    address: String,
    logs: Arc<Mutex<String>>,
}

impl LimitedServer {
    fn start(nofile: u32, max_connections: Option<usize>) -> Self {
        let mut command = Command::new("sh");
        // `ulimit -n` then exec: the server itself runs with the low limit, the test does not.
        command
            .args(["-c", &format!("ulimit -n {nofile} && exec \"$0\""), hello_binary().to_str().unwrap()])
            .env("PORT", "0")
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some(max) = max_connections {
            command.env("MAX_CONNECTIONS", max.to_string());
        }
        let mut child = command.spawn().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut early = String::new();
        let address = loop {
            let mut line = String::new();
            assert!(stdout.read_line(&mut line).unwrap() > 0, "the example exited: {early}");
            if let Some(address) = line.trim().strip_prefix("Listening on http://") {
                break address.to_owned();
            }
            early.push_str(&line);
        };
        let logs = Arc::new(Mutex::new(early));
        let sink = logs.clone();
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                let mut logs = sink.lock().unwrap();
                logs.push_str(&line);
                logs.push('\n');
            }
        });
        LimitedServer { child, address, logs }
    }

    fn logs(&self) -> String {
        self.logs.lock().unwrap().clone()
    }

    /// Whether the process is still running.
    fn running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

impl Drop for LimitedServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Connections in a flood: more than the 64 descriptors the server gets, fewer than what it
/// holds plus its listen backlog (128 for `TcpListener::bind`), beyond which the kernel drops
/// SYNs and the client's connect retries after 1 s, 3 s, 7 s...
const FLOOD: usize = 160;

/// Opens `count` connections at once, each sending `request`.
async fn flood(address: &str, count: usize, request: &'static [u8]) -> Vec<TcpStream> {
    let mut streams = Vec::with_capacity(count);
    for _ in 0..count {
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream.write_all(request).await.unwrap();
        streams.push(stream);
    }
    streams
}

/// Polls `GET /hello` until it answers 200 (the server may still be working through the
/// backlog the flood left).
async fn answers_again(address: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(mut stream) = TcpStream::connect(address).await {
            if let Some(answer) = get_hello(&mut stream, Duration::from_secs(2)).await {
                assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
                return;
            }
        }
        assert!(Instant::now() < deadline, "the server did not answer again within 20 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// 64 open files, 10,000 connections allowed, 160 connections: accept fails with EMFILE once the descriptors are
/// gone. The server logs it, pauses, retries, serves the connections it holds, and answers
/// again when the flood goes; its retries are paced (one per 50 ms pause), not a busy loop.
#[tokio::test]
async fn out_of_file_descriptors_the_server_backs_off_and_answers_again() {
    let mut server = LimitedServer::start(64, None);
    let started = Instant::now();
    let mut streams = flood(&server.address, FLOOD, b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n").await;
    common::eventually(20, "an `accept failed` warning", || server.logs().contains("accept failed")).await;
    // The connections it did accept are served, while the rest wait.
    let mut served = 0;
    for stream in streams.iter_mut().take(20) {
        if read_answer(stream, Duration::from_secs(5)).await.is_some_and(|a| a.starts_with("HTTP/1.1 200")) {
            served += 1;
        }
    }
    assert!(served > 0, "accepted connections are served during the flood: {}", server.logs());
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(server.running(), "still running: {}", server.logs());
    drop(streams);
    answers_again(&server.address).await;
    let held = started.elapsed();
    common::eventually(10, "the `accepting again` summary", || server.logs().contains("accepting again after")).await;
    let logs = server.logs();
    let failures: u64 = logs
        .split("accepting again after ")
        .skip(1)
        .filter_map(|rest| rest.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    // One attempt per 50 ms pause at most (a busy loop would make thousands a second); the
    // slack covers the bursts between pauses when a descriptor is freed.
    let bound = held.as_millis() as u64 / 50 * 2 + 20;
    assert!(failures > 0 && failures <= bound, "{failures} failed accepts in {held:?} (bound {bound}): {logs}");
    assert!(server.running(), "still running: {logs}");
}

/// 64 open files, `MAX_CONNECTIONS=32`: a flood of 160 is served 32 at a time, without one
/// failed accept, every request answered.
#[tokio::test]
async fn with_max_connections_below_the_file_limit_a_flood_is_served_without_accept_errors() {
    let mut server = LimitedServer::start(64, Some(32));
    let mut streams =
        flood(&server.address, FLOOD, b"GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await;
    let mut answered = 0;
    for stream in &mut streams {
        if read_answer(stream, Duration::from_secs(20)).await.is_some_and(|a| a.starts_with("HTTP/1.1 200")) {
            answered += 1;
        }
    }
    let logs = server.logs();
    assert_eq!(answered, FLOOD, "{logs}");
    assert!(!logs.contains("accept failed"), "no EMFILE: {logs}");
    assert!(logs.contains("max_connections open"), "the limit was reached and waited on: {logs}");
    assert!(server.running(), "{logs}");
    drop(streams);
    answers_again(&server.address).await;
}
