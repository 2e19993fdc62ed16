//! Streaming over real HTTP, both ways: server-sent events arriving as they are produced (with
//! keep-alive comments, and ending when the client leaves), streamed responses carrying the
//! session cookie and CORS headers, a file download, and request bodies read as a stream with the
//! route's own limit, backpressure and multipart forms read part by part.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;

use common::{client, eventually, init_logs, TestServer};
use futures_util::StreamExt;
use ravyn::config::{CORSConfig, SessionConfig};
use ravyn::response::{EventStreamResponse, ServerSentEvent};
use ravyn::{
    post, BodyPolicy, BoxFuture, Gateway, HTTPException, Handler, IntoResponse, Json, Needs, Ravyn, Request, Response,
    RouteSpec,
};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// `GET /events`: the events the test sends into the channel, as they come.
struct Events {
    receiver: Mutex<Option<mpsc::Receiver<ServerSentEvent>>>,
    keep_alive: Option<Duration>,
}

impl Handler for Events {
    fn spec(&self) -> RouteSpec {
        RouteSpec::new("events", "/events", &["GET"], 200).with_needs(Needs::REQUEST | Needs::SESSION)
    }

    fn call(&self, request: Request) -> BoxFuture<'static, Response> {
        let receiver = self.receiver.lock().unwrap().take().unwrap();
        let keep_alive = self.keep_alive;
        Box::pin(async move {
            if let Some(session) = request.try_session() {
                session.insert("watching", true).unwrap();
            }
            let events = futures_util::stream::unfold(receiver, |mut receiver| async move {
                receiver.recv().await.map(|event| (event, receiver))
            });
            let response = EventStreamResponse::new(events);
            match keep_alive {
                Some(interval) => response.keep_alive(interval).into_response(),
                None => response.into_response(),
            }
        })
    }
}

fn events_app(receiver: mpsc::Receiver<ServerSentEvent>, keep_alive: Option<Duration>) -> Ravyn {
    Ravyn::builder()
        .session_config(SessionConfig::new("a-long-random-secret-of-at-least-32-bytes"))
        .cors_config(CORSConfig::new().allow_origins(["https://app.example"]))
        .routes(vec![Gateway::new(Events { receiver: Mutex::new(Some(receiver)), keep_alive })])
        .build()
        .unwrap()
}

/// Reads from `stream` until a whole event (ending in a blank line) is in `buffer`; returns it.
async fn next_event(
    stream: &mut (impl futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Unpin),
    buffer: &mut String,
) -> String {
    loop {
        if let Some(end) = buffer.find("\n\n") {
            let event = buffer[..end + 2].to_owned();
            buffer.drain(..end + 2);
            return event;
        }
        let chunk = tokio::time::timeout(Duration::from_secs(5), stream.next())
            .await
            .expect("an event within 5 s")
            .expect("the stream goes on")
            .unwrap();
        buffer.push_str(std::str::from_utf8(&chunk).unwrap());
    }
}

#[tokio::test]
async fn server_sent_events_arrive_one_by_one_as_they_are_produced() {
    init_logs();
    let (sender, receiver) = mpsc::channel(8);
    let server = TestServer::start(events_app(receiver, None)).await;
    let response = client().get(server.url("/events")).header("origin", "https://app.example").send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    // The built-in steps' headers are on the streamed response: session cookie and CORS.
    assert!(response.headers()["set-cookie"].to_str().unwrap().starts_with("session="));
    assert_eq!(response.headers()["access-control-allow-origin"], "https://app.example");
    let mut stream = response.bytes_stream();
    let mut buffer = String::new();
    let mut sent_at = Vec::new();
    let mut arrived_at = Vec::new();
    for n in 1..=5 {
        sent_at.push(Instant::now());
        sender.send(ServerSentEvent::data(n.to_string()).id(n.to_string())).await.unwrap();
        // The next event is produced only after this one arrived: nothing waits for a buffer to fill.
        assert_eq!(next_event(&mut stream, &mut buffer).await, format!("id: {n}\ndata: {n}\n\n"));
        arrived_at.push(Instant::now());
    }
    for n in 0..5 {
        assert!(arrived_at[n] >= sent_at[n], "event {n} arrived after it was sent");
        if n + 1 < 5 {
            assert!(arrived_at[n] <= sent_at[n + 1], "event {n} arrived before the next was produced");
        }
    }
    drop(sender);
    // The producer is done: the response ends.
    let rest = tokio::time::timeout(Duration::from_secs(5), stream.next()).await.unwrap();
    assert!(rest.is_none(), "the stream ends when its events do");
}

#[tokio::test]
async fn a_quiet_event_stream_sends_keep_alive_comments() {
    init_logs();
    let (sender, receiver) = mpsc::channel(8);
    let server = TestServer::start(events_app(receiver, Some(Duration::from_millis(50)))).await;
    let response = client().get(server.url("/events")).send().await.unwrap();
    let mut stream = response.bytes_stream();
    let mut buffer = String::new();
    assert_eq!(next_event(&mut stream, &mut buffer).await, ": keep-alive\n\n");
    assert_eq!(next_event(&mut stream, &mut buffer).await, ": keep-alive\n\n");
    sender.send(ServerSentEvent::data("news")).await.unwrap();
    let mut event = next_event(&mut stream, &mut buffer).await;
    while event == ": keep-alive\n\n" {
        event = next_event(&mut stream, &mut buffer).await;
    }
    assert_eq!(event, "data: news\n\n");
}

#[tokio::test]
async fn the_event_stream_is_dropped_when_the_client_leaves() {
    init_logs();
    let (sender, receiver) = mpsc::channel(1);
    let server = TestServer::start(events_app(receiver, None)).await;
    let closed = Arc::new(AtomicBool::new(false));
    let producer = {
        let closed = closed.clone();
        tokio::spawn(async move {
            let mut n = 0u64;
            loop {
                n += 1;
                if sender.send(ServerSentEvent::data(n.to_string())).await.is_err() {
                    closed.store(true, Ordering::SeqCst);
                    return;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let response = client().get(server.url("/events")).send().await.unwrap();
    let mut stream = response.bytes_stream();
    let mut buffer = String::new();
    next_event(&mut stream, &mut buffer).await;
    next_event(&mut stream, &mut buffer).await;
    drop(stream);
    eventually(10, "the server to drop the stream of a client that left", || closed.load(Ordering::SeqCst)).await;
    producer.await.unwrap();
}

#[tokio::test]
async fn a_file_downloads_as_a_stream_with_its_length() {
    init_logs();
    struct Download(std::path::PathBuf);
    impl Handler for Download {
        fn spec(&self) -> RouteSpec {
            RouteSpec::new("download", "/download", &["GET"], 200).with_needs(Needs::NONE)
        }
        fn call(&self, _request: Request) -> BoxFuture<'static, Response> {
            let path = self.0.clone();
            Box::pin(async move {
                match Response::file(&path).await {
                    Ok(response) => response,
                    Err(_) => HTTPException::from_status(ravyn::http::StatusCode::NOT_FOUND).into_response(),
                }
            })
        }
    }
    let path = std::env::temp_dir().join(format!("ravyn-download-test-{}", std::process::id()));
    let content: Vec<u8> = (0..3 * 1024 * 1024 + 17).map(|i| (i % 251) as u8).collect();
    std::fs::write(&path, &content).unwrap();
    let app = Ravyn::builder().routes(vec![Gateway::new(Download(path.clone()))]).build().unwrap();
    let server = TestServer::start(app).await;
    let response = client().get(server.url("/download")).send().await.unwrap();
    assert_eq!(response.headers()["content-length"], content.len().to_string().as_str());
    assert_eq!(response.headers()["content-type"], "application/octet-stream");
    let mut stream = response.bytes_stream();
    let (mut received, mut chunks) = (Vec::new(), 0);
    while let Some(chunk) = stream.next().await {
        received.extend_from_slice(&chunk.unwrap());
        chunks += 1;
    }
    assert_eq!(received, content);
    assert!(chunks > 1, "sent as a stream of chunks, not one buffer");
    std::fs::remove_file(path).unwrap();
}

/// `POST /upload`: reads its body as a stream; `gate` holds it after the first chunk.
#[post("/upload")]
async fn upload(mut request: Request) -> Result<Json<Value>, HTTPException> {
    let gate = request.extensions().get::<Gate>().cloned();
    let mut body = request.take_body();
    let mut bytes = 0usize;
    while let Some(chunk) = body.next_chunk().await {
        let chunk = chunk.map_err(|error| HTTPException::new(413, format!("stopped after {bytes} bytes: {error}")))?;
        bytes += chunk.len();
        if let Some(gate) = &gate {
            gate.first_chunk.store(true, Ordering::SeqCst);
            if !gate.released.load(Ordering::SeqCst) {
                gate.open.notified().await;
            }
        }
    }
    Ok(Json(json!({ "bytes": bytes })))
}

#[derive(Clone, Default)]
struct Gate {
    first_chunk: Arc<AtomicBool>,
    released: Arc<AtomicBool>,
    open: Arc<tokio::sync::Notify>,
}

fn counted_body(total: usize, produced: Arc<AtomicUsize>) -> reqwest::Body {
    let chunk = bytes::Bytes::from(vec![b'u'; 64 * 1024]);
    let stream = futures_util::stream::iter(0..total / chunk.len()).map(move |_| {
        produced.fetch_add(chunk.len(), Ordering::SeqCst);
        Ok::<_, std::io::Error>(chunk.clone())
    });
    reqwest::Body::wrap_stream(stream)
}

#[tokio::test]
async fn a_streamed_upload_has_its_own_limit_above_max_body_size() {
    init_logs();
    let app = Ravyn::builder()
        .max_body_size(1024)
        .routes(vec![Gateway::new(upload).body_policy(BodyPolicy::Streamed { limit: Some(8 * 1024 * 1024) })])
        .build()
        .unwrap();
    let server = TestServer::start(app).await;
    let http = client();
    let within =
        http.post(server.url("/upload")).body(counted_body(4 * 1024 * 1024, Arc::default())).send().await.unwrap();
    assert_eq!(within.status(), 201);
    assert_eq!(within.json::<Value>().await.unwrap(), json!({"bytes": 4 * 1024 * 1024}));
    // Announced over the limit: refused before the handler.
    let announced = http.post(server.url("/upload")).body(vec![0u8; 9 * 1024 * 1024]).send().await.unwrap();
    assert_eq!(announced.status(), 413);
    // Chunked over the limit: the stream ends with an error at the limit.
    let chunked = http.post(server.url("/upload")).body(counted_body(16 * 1024 * 1024, Arc::default())).send().await;
    if let Ok(response) = chunked {
        assert_eq!(response.status(), 413);
        let detail = response.json::<Value>().await.unwrap()["detail"].as_str().unwrap().to_owned();
        assert!(detail.starts_with("stopped after 8388608 bytes"), "{detail}");
    }
}

#[tokio::test]
async fn a_streamed_upload_applies_backpressure_to_the_client() {
    init_logs();
    let gate = Gate::default();
    let hold = {
        let gate = gate.clone();
        ravyn::middleware::from_fn(move |mut request: Request, next: ravyn::Next| {
            request.extensions_mut().insert(gate.clone());
            next.run(request)
        })
    };
    let app = Ravyn::builder()
        .routes(vec![Gateway::new(upload).middleware(hold).body_policy(BodyPolicy::Streamed { limit: None })])
        .build()
        .unwrap();
    let server = TestServer::start(app).await;
    let produced = Arc::new(AtomicUsize::new(0));
    let total = 256 * 1024 * 1024;
    let sending = tokio::spawn(client().post(server.url("/upload")).body(counted_body(total, produced.clone())).send());
    eventually(10, "the handler to read the first chunk", || gate.first_chunk.load(Ordering::SeqCst)).await;
    // While the handler holds its first chunk, the client can send only what the socket buffers
    // and hyper's read buffer take, nowhere near the whole body.
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(25)).await;
        let sent = produced.load(Ordering::SeqCst);
        assert!(sent < 64 * 1024 * 1024, "the client pushed {sent} bytes while the handler read none");
    }
    // Let the handler read the rest.
    gate.released.store(true, Ordering::SeqCst);
    gate.open.notify_one();
    let response = sending.await.unwrap().unwrap();
    assert_eq!(response.json::<Value>().await.unwrap(), json!({ "bytes": total }));
}

/// `POST /files`: a multipart form read part by part, each part's size counted as it streams.
#[post("/files")]
async fn files(mut request: Request) -> Result<Json<Value>, HTTPException> {
    let mut multipart = request.multipart()?;
    let mut parts = Vec::new();
    while let Some(mut field) =
        multipart.next_field().await.map_err(|error| HTTPException::new(400, error.to_string()))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let mut size = 0usize;
        while let Some(chunk) = field.chunk().await.map_err(|error| HTTPException::new(400, error.to_string()))? {
            size += chunk.len();
        }
        parts.push(json!({"name": name, "file_name": file_name, "size": size}));
    }
    Ok(Json(json!({ "parts": parts })))
}

#[tokio::test]
async fn a_multipart_form_is_read_part_by_part_as_it_streams() {
    init_logs();
    let app = Ravyn::builder()
        .max_body_size(1024)
        .routes(vec![Gateway::new(files).body_policy(BodyPolicy::Streamed { limit: Some(64 * 1024 * 1024) })])
        .build()
        .unwrap();
    let server = TestServer::start(app).await;
    let boundary = "ravyn-boundary-7d1f";
    let big = vec![b'z'; 5 * 1024 * 1024];
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{boundary}\r\ncontent-disposition: form-data; name=\"title\"\r\n\r\nholiday\r\n").as_bytes(),
    );
    body.extend_from_slice(
        format!("--{boundary}\r\ncontent-disposition: form-data; name=\"photo\"; filename=\"beach.raw\"\r\ncontent-type: application/octet-stream\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(&big);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let response = client()
        .post(server.url("/files"))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"parts": [
            {"name": "title", "file_name": null, "size": 7},
            {"name": "photo", "file_name": "beach.raw", "size": 5 * 1024 * 1024},
        ]})
    );
    // Not multipart: a clear 400.
    let response = client().post(server.url("/files")).body("x").send().await.unwrap();
    assert_eq!(response.status(), 400);
}
