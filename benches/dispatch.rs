//! In-process dispatch cost: a request through routing, binding, the handler and the response,
//! without sockets. `cargo bench --bench dispatch`.
//!
//! The `scaling` group (`cargo bench --bench dispatch -- scaling`) checks how that cost grows: 10 vs
//! 1,000 registered routes (should stay flat: matchit's radix tree), and a GET /profile-like request
//! whose signed session cookie is ~0.1, ~1 and ~3 KiB (should grow no worse than linearly: one
//! HMAC, one base64 decode and one JSON parse of the cookie). `bench/run.sh` copies its figures into
//! docs/benchmarks.md.

use criterion::{criterion_main, Criterion};
use ravyn::config::SessionConfig;
use ravyn::testing::TestClient;
use ravyn::{get, Gateway, HTTPException, Json, Ravyn, Request};
use serde_json::{json, Map, Value};

#[get("/hello")]
async fn hello() -> Json<Value> {
    Json(json!({"message": "hello"}))
}

#[get("/users/{id}/posts")]
async fn posts(id: u64, page: Option<u32>, tag: Option<String>) -> Json<Value> {
    Json(json!({"user": id, "page": page, "tag": tag}))
}

fn app(extra_routes: usize) -> Ravyn {
    let mut routes = vec![Gateway::new(hello), Gateway::new(posts)];
    for i in 0..extra_routes {
        routes.push(Gateway::with_path(format!("/filler{i}"), hello));
    }
    Ravyn::builder().routes(routes).build().expect("valid app")
}

fn request(uri: &str) -> Request {
    Request::builder().uri(uri).header("host", "bench").build()
}

/// The login example's `GET /profile`.
#[get("/profile")]
async fn profile(request: Request) -> Result<Json<Value>, HTTPException> {
    let session = request.session();
    let (Some(id), Some(email)) = (session.get::<u64>("user_id")?, session.get::<String>("email")?) else {
        return Err(HTTPException::new(401, "Not authenticated"));
    };
    Ok(Json(json!({"user": {"id": id, "email": email}})))
}

fn session_app() -> Ravyn {
    Ravyn::builder()
        .session_config(SessionConfig::new("bench-secret-0123456789abcdef0123456789abcdef").max_age(3600))
        .routes(vec![Gateway::new(profile), Gateway::new(hello)])
        .build()
        .expect("valid app")
}

/// A signed session cookie (`session=...`) holding the login example's two keys plus, when
/// `cookie_len` asks for more, a `prefs` string padding the cookie value to about that many bytes.
async fn session_cookie(app: &Ravyn, cookie_len: usize) -> String {
    let manager = app.session_manager().expect("sessions on");
    let mut data = Map::new();
    data.insert("user_id".into(), 1.into());
    data.insert("email".into(), "alice@example.com".into());
    let base = manager.cookie_for(data.clone()).await.expect("cookie").len();
    if cookie_len > base {
        // base64 turns 3 bytes of JSON into 4 characters; `,"prefs":""` is 11 bytes of JSON.
        let padding = ((cookie_len - base) * 3 / 4).saturating_sub(11);
        data.insert("prefs".into(), "x".repeat(padding).into());
    }
    format!("session={}", manager.cookie_for(data).await.expect("cookie"))
}

fn profile_request(cookie: &str) -> Request {
    Request::builder().uri("/profile").header("host", "bench").header("cookie", cookie).build()
}

fn scaling(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    // 2 routes of our own plus fillers: 10 and 1,000 registered paths.
    let (ten, thousand) = (app(8), app(998));
    let mut group = c.benchmark_group("scaling");
    group.bench_function("GET /hello, 10 routes", |b| {
        b.to_async(&runtime).iter(|| async { ten.handle(request("/hello")).await });
    });
    group.bench_function("GET /hello, 1000 routes", |b| {
        b.to_async(&runtime).iter(|| async { thousand.handle(request("/hello")).await });
    });
    group.bench_function("GET /filler500, 1000 routes", |b| {
        b.to_async(&runtime).iter(|| async { thousand.handle(request("/filler500")).await });
    });
    let app = session_app();
    for (label, len) in [("2 keys", 0), ("1 KiB", 1024), ("3 KiB", 3072)] {
        let cookie = runtime.block_on(session_cookie(&app, len));
        let response = runtime.block_on(app.handle(profile_request(&cookie)));
        assert_eq!(response.status_code(), 200, "the session cookie must verify");
        let name = format!("GET /profile, session {label} (cookie {} B)", cookie.len() - "session=".len());
        group.bench_function(name, |b| {
            b.to_async(&runtime).iter(|| async { app.handle(profile_request(&cookie)).await });
        });
    }
    group.finish();
}

fn dispatch(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let small = app(0);
    let large = app(1000);
    let client = TestClient::new(small.clone());
    runtime.block_on(async {
        assert_eq!(client.get("/hello").send().await.status(), 200);
        assert_eq!(client.get("/users/7/posts?page=2&tag=rust").send().await.status(), 200);
    });
    let mut group = c.benchmark_group("dispatch");
    group.bench_function("GET /hello", |b| {
        b.to_async(&runtime).iter(|| async { small.handle(request("/hello")).await });
    });
    group.bench_function("GET /users/{id}/posts?page&tag", |b| {
        b.to_async(&runtime).iter(|| async { small.handle(request("/users/7/posts?page=2&tag=rust")).await });
    });
    group.bench_function("GET /hello with 1000 routes", |b| {
        b.to_async(&runtime).iter(|| async { large.handle(request("/hello")).await });
    });
    group.finish();
}

// criterion_group! generates an undocumented function.
#[allow(missing_docs)]
mod group {
    criterion::criterion_group!(benches, super::dispatch, super::scaling);
}
use group::benches;
criterion_main!(benches);
