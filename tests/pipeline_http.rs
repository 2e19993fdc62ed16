//! The request pipeline over real HTTP: the route resolved before the body is read, per-route body
//! policies (buffered with a limit, or streamed), lifecycle hooks around `serve`, and the request's
//! built-in state surviving a trip through `http` types.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;

use common::{client, init_logs, TestServer};
use ravyn::config::SessionConfig;
use ravyn::lifecycle::Lifespan;
use ravyn::{
    get, BodyPolicy, BoxFuture, Gateway, HTTPException, Handler, IntoResponse, Json, Needs, Next, Ravyn, Request,
    Response, RouteSpec,
};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[get("/hello")]
async fn hello() -> Json<Value> {
    Json(json!({"message": "hello"}))
}

/// `POST /upload`: counts the body's bytes as they arrive, with the route's own body policy.
struct Upload(BodyPolicy);

impl Handler for Upload {
    fn spec(&self) -> RouteSpec {
        RouteSpec::new("upload", "/upload", &["POST"], 201).with_needs(Needs::REQUEST).with_body_policy(self.0)
    }

    fn call(&self, mut request: Request) -> BoxFuture<'static, Response> {
        Box::pin(async move {
            let streamed = request.body_is_stream();
            let mut body = request.take_body();
            let mut bytes = 0usize;
            let mut chunks = 0usize;
            while let Some(chunk) = body.next_chunk().await {
                match chunk {
                    Ok(chunk) => {
                        bytes += chunk.len();
                        chunks += 1;
                    }
                    Err(error) => {
                        return HTTPException::new(413, format!("stopped after {bytes} bytes: {error}")).into_response()
                    }
                }
            }
            Json(json!({"bytes": bytes, "streamed": streamed, "chunks": chunks})).into_response()
        })
    }
}

fn chunked(total: usize) -> reqwest::Body {
    let chunk = bytes::Bytes::from(vec![b'x'; 64 * 1024]);
    let count = total / chunk.len();
    let stream = futures_util::stream::iter((0..count).map(move |_| Ok::<_, std::io::Error>(chunk.clone())));
    reqwest::Body::wrap_stream(stream)
}

#[tokio::test]
async fn a_request_without_a_route_is_answered_without_reading_its_body() {
    init_logs();
    let app = Ravyn::builder().max_body_size(1024).routes(vec![Gateway::new(hello)]).build().unwrap();
    let server = TestServer::start(app).await;
    // 64 KiB, far over the app's limit: the answer is the route's (404, 405), not the body's (413).
    let big = vec![b'x'; 64 * 1024];
    let response = client().post(server.url("/nowhere")).body(big.clone()).send().await.unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(response.json::<Value>().await.unwrap(), json!({"detail": "Not Found"}));
    let response = client().post(server.url("/hello")).body(big).send().await.unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "GET, HEAD");
}

#[tokio::test]
async fn each_route_has_its_own_body_limit() {
    init_logs();
    let app = Ravyn::builder()
        .max_body_size(1024 * 1024)
        .routes(vec![Gateway::new(Upload(BodyPolicy::Buffered { limit: Some(16) }))])
        .build()
        .unwrap();
    let server = TestServer::start(app).await;
    let ok = client().post(server.url("/upload")).body(vec![b'x'; 16]).send().await.unwrap();
    assert_eq!(ok.status(), 201);
    assert_eq!(ok.json::<Value>().await.unwrap(), json!({"bytes": 16, "streamed": false, "chunks": 1}));
    let over = client().post(server.url("/upload")).body(vec![b'x'; 17]).send().await.unwrap();
    assert_eq!(over.status(), 413);
    assert_eq!(
        over.json::<Value>().await.unwrap(),
        json!({"detail": "Request body is larger than the limit of 16 bytes."})
    );
    // Chunked, so no announced length: refused while reading.
    let over = client().post(server.url("/upload")).body(chunked(128 * 1024)).send().await.unwrap();
    assert_eq!(over.status(), 413);
}

#[tokio::test]
async fn a_streaming_route_reads_a_body_larger_than_max_body_size_as_it_arrives() {
    init_logs();
    let app = Ravyn::builder()
        .max_body_size(1024)
        .routes(vec![Gateway::new(Upload(BodyPolicy::Streamed { limit: Some(8 * 1024 * 1024) }))])
        .build()
        .unwrap();
    let server = TestServer::start(app).await;
    let response = client().post(server.url("/upload")).body(chunked(4 * 1024 * 1024)).send().await.unwrap();
    assert_eq!(response.status(), 201);
    let body = response.json::<Value>().await.unwrap();
    assert_eq!((body["bytes"].as_u64(), body["streamed"].as_bool()), (Some(4 * 1024 * 1024), Some(true)));
    assert!(body["chunks"].as_u64().unwrap() > 1, "read as it arrived: {body}");
    // Over the route's own limit: an announced length is refused before the handler runs...
    let announced = client().post(server.url("/upload")).body(vec![b'x'; 9 * 1024 * 1024]).send().await.unwrap();
    assert_eq!(announced.status(), 413);
    assert_eq!(
        announced.json::<Value>().await.unwrap(),
        json!({"detail": "Request body is larger than the limit of 8388608 bytes."})
    );
    // ...and a chunked one ends the handler's stream with an error when it passes the limit.
    let streamed = client().post(server.url("/upload")).body(chunked(9 * 1024 * 1024)).send().await.unwrap();
    assert_eq!(streamed.status(), 413);
    let detail = streamed.json::<Value>().await.unwrap()["detail"].as_str().unwrap().to_owned();
    assert!(detail.starts_with("stopped after"), "{detail}");
}

/// A probe for hooks: counts starts and stops, and whether requests ran while started.
#[derive(Default)]
struct Lifecycle {
    events: Mutex<Vec<&'static str>>,
    running: AtomicUsize,
}

impl Lifecycle {
    fn push(&self, event: &'static str) {
        self.events.lock().unwrap().push(event);
    }
    fn events(&self) -> Vec<&'static str> {
        self.events.lock().unwrap().clone()
    }
}

struct Slow(Arc<Lifecycle>);

impl Handler for Slow {
    fn spec(&self) -> RouteSpec {
        RouteSpec::new("slow", "/slow", &["GET"], 200).with_needs(Needs::NONE)
    }
    fn call(&self, _request: Request) -> BoxFuture<'static, Response> {
        let lifecycle = self.0.clone();
        Box::pin(async move {
            let running = lifecycle.running.load(Ordering::SeqCst);
            lifecycle.push("request started");
            tokio::time::sleep(Duration::from_millis(300)).await;
            lifecycle.push("request finished");
            Json(json!({"started_hooks_running": running})).into_response()
        })
    }
}

#[tokio::test]
async fn hooks_run_before_the_first_request_and_after_the_last() {
    init_logs();
    let lifecycle = Arc::new(Lifecycle::default());
    let (up, down, setup) = (lifecycle.clone(), lifecycle.clone(), lifecycle.clone());
    let app = Ravyn::builder()
        .on_startup(move || {
            let up = up.clone();
            async move {
                up.running.fetch_add(1, Ordering::SeqCst);
                up.push("on_startup");
                Ok(())
            }
        })
        .on_shutdown(move || {
            let down = down.clone();
            async move {
                down.push("on_shutdown");
                Ok(())
            }
        })
        .lifespan(Lifespan::new(move || {
            let setup = setup.clone();
            async move {
                setup.running.fetch_add(1, Ordering::SeqCst);
                setup.push("lifespan start");
                Ok(move || async move { setup.push("lifespan stop") })
            }
        }))
        .routes(vec![Gateway::new(Slow(lifecycle.clone()))])
        .build()
        .unwrap();
    let server = TestServer::start(app).await;
    let url = server.url("/slow");
    let in_flight = tokio::spawn(async move { client().get(url).send().await.unwrap().json::<Value>().await.unwrap() });
    // Graceful shutdown begins while the request runs; the shutdown hooks wait for it.
    tokio::time::sleep(Duration::from_millis(100)).await;
    server.shutdown().await.unwrap().unwrap();
    assert_eq!(in_flight.await.unwrap(), json!({"started_hooks_running": 2}));
    assert_eq!(
        lifecycle.events(),
        ["on_startup", "lifespan start", "request started", "request finished", "lifespan stop", "on_shutdown"]
    );
}

#[tokio::test]
async fn a_failing_startup_hook_stops_serve_with_its_error() {
    init_logs();
    let served = Arc::new(AtomicUsize::new(0));
    let app = Ravyn::builder()
        .on_startup(|| async { Err("the database is not reachable".into()) })
        .on_startup({
            let served = served.clone();
            move || {
                served.fetch_add(1, Ordering::SeqCst);
                async { Ok(()) }
            }
        })
        .routes(vec![Gateway::new(hello)])
        .build()
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let error = app.serve_with_shutdown(listener, std::future::pending()).await.unwrap_err();
    assert_eq!(error.to_string(), "the database is not reachable");
    assert_eq!(served.load(Ordering::SeqCst), 0, "hooks after the failing one do not run");
}

#[tokio::test]
async fn settings_module_hooks_apply_unless_the_builder_gives_its_own() {
    static STARTS: AtomicUsize = AtomicUsize::new(0);
    struct AppSettings;
    impl ravyn::Settings for AppSettings {
        fn on_startup(&self) -> Vec<ravyn::lifecycle::Hook> {
            vec![ravyn::lifecycle::Hook::new(|| async {
                STARTS.fetch_add(1, Ordering::SeqCst);
                Ok(())
            })]
        }
    }
    let app = Ravyn::builder().settings_module(AppSettings).build().unwrap();
    app.startup().await.unwrap();
    assert_eq!(STARTS.load(Ordering::SeqCst), 1);
    let app = Ravyn::builder().settings_module(AppSettings).on_startup(|| async { Ok(()) }).build().unwrap();
    app.startup().await.unwrap();
    assert_eq!(STARTS.load(Ordering::SeqCst), 1, "the builder's hooks replace the settings module's");
}

#[get("/items/{id}")]
async fn item(request: Request, id: u64) -> Result<Json<Value>, HTTPException> {
    let visits = request.session().get::<u64>("visits")?.unwrap_or(0) + 1;
    request.session().insert("visits", visits)?;
    Ok(Json(json!({"id": id, "param": request.path_param("id"), "visits": visits})))
}

#[tokio::test]
async fn request_state_survives_a_trip_through_http_types() {
    init_logs();
    // A middleware that hands the request to code written against `http` types and takes it back,
    // as a tower layer does: path parameters and the session come back with it.
    let through_http = ravyn::middleware::from_fn(|request: Request, next: Next| async move {
        let http_request: ravyn::http::Request<ravyn::Body> = request.into_http();
        assert_eq!(http_request.uri().path(), "/items/7");
        next.run(Request::from_http(http_request)).await
    });
    let app = Ravyn::builder()
        .session_config(SessionConfig::new("a-long-random-secret-of-at-least-32-bytes"))
        .middleware(through_http)
        .routes(vec![Gateway::new(item)])
        .build()
        .unwrap();
    let server = TestServer::start(app).await;
    let http = client();
    for visits in 1..=2 {
        let response = http.get(server.url("/items/7")).send().await.unwrap();
        assert_eq!(response.json::<Value>().await.unwrap(), json!({"id": 7, "param": "7", "visits": visits}));
    }
}
