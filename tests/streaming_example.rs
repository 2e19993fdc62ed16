//! The streaming example (`cargo run --example streaming`) over real HTTP, as its page promises:
//! `GET /events` sends `data: 1` to `data: 5` a second apart and ends, `GET /download?bytes=N`
//! streams N bytes with their `Content-Length`, `POST /upload` takes a body larger than
//! `max_body_size` (chunked or with a length) and answers 201 with its size and SHA-256.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;
#[path = "../examples/streaming/app.rs"]
mod streaming_app;

use common::{init_logs, TestServer};
use futures_util::StreamExt;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

async fn example() -> TestServer {
    init_logs();
    TestServer::start(streaming_app::build().unwrap()).await
}

fn sha256_hex(bytes: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, bytes).as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn events_arrive_one_a_second_and_the_stream_ends() {
    let server = example().await;
    let response = reqwest::get(server.url("/events")).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut body = response.bytes_stream();
    let (mut text, mut arrivals) = (String::new(), Vec::new());
    // Read until the server ends the stream, noting when each event's blank line arrives.
    while let Some(chunk) = tokio::time::timeout(Duration::from_secs(10), body.next()).await.unwrap() {
        text.push_str(std::str::from_utf8(&chunk.unwrap()).unwrap());
        while arrivals.len() < text.matches("\n\n").count() {
            arrivals.push(Instant::now());
        }
    }
    let data: Vec<&str> = text.lines().filter_map(|line| line.strip_prefix("data: ")).collect();
    assert_eq!(data, ["1", "2", "3", "4", "5"], "{text:?}");
    assert_eq!(arrivals.len(), 5, "{text:?}");
    // Produced a second apart, so they arrive apart (with slack for the first one's delivery).
    for pair in arrivals.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(gap >= Duration::from_millis(500), "two events arrived {gap:?} apart");
    }
    assert!(arrivals[4] - arrivals[0] >= Duration::from_millis(3500));
}

#[tokio::test]
async fn a_download_streams_the_bytes_asked_for_with_their_length() {
    let server = example().await;
    let size = 3 * 1024 * 1024 + 7;
    let response = reqwest::get(server.url(&format!("/download?bytes={size}"))).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-length"], size.to_string().as_str());
    assert_eq!(response.headers()["content-type"], "application/octet-stream");
    let body = response.bytes().await.unwrap();
    assert_eq!(body.len(), size);
    assert!(body.iter().all(|&b| b == b'r'));
}

#[tokio::test]
async fn an_upload_over_max_body_size_is_streamed_to_a_file_and_hashed() {
    let server = example().await;
    let client = reqwest::Client::new();
    // Three times the app's 1 MiB max_body_size, bytes that are not all the same.
    let upload: Vec<u8> = (0..3 * 1024 * 1024 + 11).map(|i: u32| (i % 251) as u8).collect();
    let expected = json!({"bytes": upload.len(), "sha256": sha256_hex(&upload)});

    let with_length = client.post(server.url("/upload")).body(upload.clone()).send().await.unwrap();
    assert_eq!(with_length.status(), 201);
    assert_eq!(with_length.json::<Value>().await.unwrap(), expected);

    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = upload.chunks(100_000).map(|c| Ok(c.to_vec())).collect();
    let chunked = client
        .post(server.url("/upload"))
        .header("content-type", "image/x-anything")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(chunks)))
        .send()
        .await
        .unwrap();
    assert_eq!(chunked.status(), 201);
    assert_eq!(chunked.json::<Value>().await.unwrap(), expected);
}
