//! Slow clients over real TCP: a client that sends requests but never reads the answers does not
//! make the server produce (and hold) responses without bound: hyper stops reading a
//! connection's next request until the previous response is written out, so what one such
//! client costs is bounded by the socket buffers and one response. bench/slowloris.sh measures
//! slow-header clients against normal ones.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;

use common::{init_logs, TestServer};
use ravyn::{get, Gateway, Ravyn};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

static PRODUCED: AtomicUsize = AtomicUsize::new(0);

/// One MiB per answer.
#[get("/big")]
async fn big() -> Vec<u8> {
    PRODUCED.fetch_add(1, Ordering::SeqCst);
    vec![b'x'; 1024 * 1024]
}

#[get("/hello")]
async fn hello() -> &'static str {
    "hello"
}

#[tokio::test]
async fn a_client_that_never_reads_gets_no_more_than_the_buffers_hold() {
    init_logs();
    let app = Ravyn::builder().routes([Gateway::new(big), Gateway::new(hello)]).build().unwrap();
    let server = TestServer::start(app).await;
    let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    // 1,000 pipelined requests for 1 MiB each (1 GiB of answers), and never a read. The writes
    // may block once the server stops reading: do them in a task.
    let requests = b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n".repeat(1000);
    let (mut reader, mut writer) = stream.split();
    let write = async {
        let _ = writer.write_all(&requests).await;
    };
    // Let the server run until it stops producing (no new answer for a second), at most 20 s.
    let settle = async {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut last = usize::MAX;
        while PRODUCED.load(Ordering::SeqCst) != last && Instant::now() < deadline {
            last = PRODUCED.load(Ordering::SeqCst);
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    };
    tokio::join!(write, settle);
    let produced = PRODUCED.load(Ordering::SeqCst);
    // The socket buffers hold a few MiB on loopback; a server that read on regardless would
    // have produced all 1,000.
    assert!((1..64).contains(&produced), "{produced} answers produced for a client that reads none");
    // Others are served meanwhile.
    let answer = common::client().get(server.url("/hello")).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    // Reading again resumes the connection: the next answers come.
    let mut buf = vec![0u8; 1 << 20];
    let mut read = 0usize;
    while read < 8 << 20 {
        read += tokio::time::timeout(Duration::from_secs(10), reader.read(&mut buf)).await.unwrap().unwrap();
    }
    common::eventually(10, "more answers once the client reads", || PRODUCED.load(Ordering::SeqCst) > produced).await;
}
