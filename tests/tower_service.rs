//! The app as a tower `Service` and tower services inside the app, over real HTTP: a Ravyn app
//! with sessions nested in an axum `Router` (axum serves `/api/*` from it), an axum `Router`
//! mounted under a Ravyn path, and the app served by hyper's own server through tower.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;

use common::{client, init_logs, TestServer};
use ravyn::config::SessionConfig;
use ravyn::middleware::from_fn;
use ravyn::{
    get, post, BodyPolicy, BoxFuture, Gateway, HTTPException, Handler, Include, IntoResponse, Json, Needs, Next, Ravyn,
    Request, Response, RouteSpec,
};
use serde_json::{json, Value};
use std::net::SocketAddr;

const SECRET: &str = "a-long-random-secret-of-at-least-32-bytes";

#[get("/items/{id}")]
async fn item(request: Request, id: u64) -> Result<Json<Value>, HTTPException> {
    let visits = request.session().get::<u64>("visits")?.unwrap_or(0) + 1;
    request.session().insert("visits", visits)?;
    Ok(Json(json!({"id": id, "visits": visits, "path": request.path()})))
}

#[post("/echo")]
async fn echo(name: String) -> Json<Value> {
    Json(json!({ "name": name }))
}

/// `POST /upload`: counts a streamed body.
struct Upload;

impl Handler for Upload {
    fn spec(&self) -> RouteSpec {
        RouteSpec::new("upload", "/upload", &["POST"], 201)
            .with_needs(Needs::REQUEST)
            .with_body_policy(BodyPolicy::Streamed { limit: None })
    }

    fn call(&self, mut request: Request) -> BoxFuture<'static, Response> {
        Box::pin(async move {
            let mut body = request.take_body();
            let mut bytes = 0usize;
            while let Some(chunk) = body.next_chunk().await {
                bytes += chunk.unwrap().len();
            }
            Json(json!({ "bytes": bytes })).into_response()
        })
    }
}

fn ravyn_app() -> Ravyn {
    Ravyn::builder()
        .session_config(SessionConfig::new(SECRET))
        .routes(vec![Gateway::new(item), Gateway::new(echo), Gateway::new(Upload)])
        .build()
        .unwrap()
}

async fn serve_axum(router: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

fn chunked(total: usize) -> reqwest::Body {
    let chunk = bytes::Bytes::from(vec![b'x'; 64 * 1024]);
    let stream =
        futures_util::stream::iter((0..total / chunk.len()).map(move |_| Ok::<_, std::io::Error>(chunk.clone())));
    reqwest::Body::wrap_stream(stream)
}

#[tokio::test]
async fn axum_serves_api_from_a_ravyn_app_with_sessions() {
    init_logs();
    let router = axum::Router::new()
        .route("/", axum::routing::get(|| async { "axum home" }))
        .nest_service("/api", ravyn_app().into_service());
    let addr = serve_axum(router).await;
    let url = |path: &str| format!("http://{addr}{path}");
    let http = client();
    assert_eq!(http.get(url("/")).send().await.unwrap().text().await.unwrap(), "axum home");
    for visits in 1..=2 {
        let response = http.get(url("/api/items/7")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        // axum strips its prefix: the Ravyn app sees its own path.
        assert_eq!(response.json::<Value>().await.unwrap(), json!({"id": 7, "visits": visits, "path": "/items/7"}));
    }
    let missing = http.get(url("/api/missing")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    assert_eq!(missing.json::<Value>().await.unwrap(), json!({"detail": "Not Found"}));
    // axum's body (not Sync) read whole for a buffered route, and streamed for a streaming one.
    let echoed = http.post(url("/api/echo")).json(&json!({"name": "pen"})).send().await.unwrap();
    assert_eq!(echoed.status(), 201);
    assert_eq!(echoed.json::<Value>().await.unwrap(), json!({"name": "pen"}));
    let large = http.post(url("/api/echo")).body(vec![b'x'; 2 * 1024 * 1024]).send().await.unwrap();
    assert_eq!(large.status(), 413);
    let uploaded = http.post(url("/api/upload")).body(chunked(8 * 1024 * 1024)).send().await.unwrap();
    assert_eq!(uploaded.json::<Value>().await.unwrap(), json!({"bytes": 8 * 1024 * 1024}));
}

#[tokio::test]
async fn an_axum_router_is_mounted_under_a_ravyn_path() {
    init_logs();
    let legacy = axum::Router::new()
        .route(
            "/users/{id}",
            axum::routing::get(|axum::extract::Path(id): axum::extract::Path<u32>| async move { format!("user {id}") }),
        )
        .route("/", axum::routing::get(|| async { "legacy root" }))
        .route("/query", axum::routing::get(|request: axum::extract::Request| async move { request.uri().to_string() }))
        .route("/count", axum::routing::post(|body: axum::body::Bytes| async move { body.len().to_string() }))
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024));
    let tag = from_fn(|request: Request, next: Next| async move {
        let mut response = next.run(request).await;
        response.headers_mut().insert("x-ravyn", ravyn::http::HeaderValue::from_static("yes"));
        response
    });
    let app = Ravyn::builder()
        .session_config(SessionConfig::new(SECRET))
        .middleware(tag)
        .routes(vec![Gateway::new(item), Include::new("/v1", vec![Include::service("/legacy", legacy)])])
        .build()
        .unwrap();
    let server = TestServer::start(app).await;
    let http = client();
    let user = http.get(server.url("/v1/legacy/users/5")).send().await.unwrap();
    assert_eq!(user.headers()["x-ravyn"], "yes", "Ravyn's middleware runs around the mounted service");
    assert_eq!(user.text().await.unwrap(), "user 5");
    assert_eq!(http.get(server.url("/v1/legacy")).send().await.unwrap().text().await.unwrap(), "legacy root");
    assert_eq!(http.get(server.url("/v1/legacy/")).send().await.unwrap().text().await.unwrap(), "legacy root");
    let query = http.get(server.url("/v1/legacy/query?a=1&b=x%20y")).send().await.unwrap();
    assert_eq!(query.text().await.unwrap(), "/query?a=1&b=x%20y");
    // The mounted router's own 404 and 405.
    assert_eq!(http.get(server.url("/v1/legacy/nothing")).send().await.unwrap().status(), 404);
    assert_eq!(http.delete(server.url("/v1/legacy/users/5")).send().await.unwrap().status(), 405);
    // Its body streams through, beyond Ravyn's max_body_size (1 MiB): the service sets its limit.
    let counted = http.post(server.url("/v1/legacy/count")).body(chunked(4 * 1024 * 1024)).send().await.unwrap();
    assert_eq!(counted.text().await.unwrap(), (4 * 1024 * 1024).to_string());
    // The app's own routes are untouched.
    assert_eq!(http.get(server.url("/items/1")).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn the_app_as_a_service_is_served_by_hyper_directly() {
    init_logs();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let service = ravyn_app().into_service();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let service = hyper_util::service::TowerToHyperService::new(service.clone());
            tokio::spawn(async move {
                let io = hyper_util::rt::TokioIo::new(stream);
                let _ = hyper::server::conn::http1::Builder::new().serve_connection(io, service).await;
            });
        }
    });
    let http = client();
    for visits in 1..=2 {
        let response = http.get(format!("http://{addr}/items/3")).send().await.unwrap();
        assert_eq!(response.json::<Value>().await.unwrap()["visits"], visits);
    }
}

#[cfg(feature = "openapi")]
#[tokio::test]
async fn a_mounted_service_is_routed_but_left_out_of_the_openapi_document() {
    init_logs();
    let legacy = axum::Router::new().route("/users/{id}", axum::routing::get(|| async { "user" }));
    let app = Ravyn::builder()
        .routes(vec![Gateway::new(item), Include::new("/v1", vec![Include::service("/legacy", legacy)])])
        .build()
        .unwrap();
    let document: Value = serde_json::from_str(app.openapi_json().unwrap()).unwrap();
    let paths: Vec<&String> = document["paths"].as_object().unwrap().keys().collect();
    assert_eq!(paths, ["/items/{id}"], "the mount's paths are not operations");
    let server = TestServer::start(app).await;
    let user = client().get(server.url("/v1/legacy/users/1")).send().await.unwrap();
    assert_eq!(user.text().await.unwrap(), "user");
}
