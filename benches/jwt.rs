//! GET /me of the `jwt` example with a valid bearer token beside GET /profile of the `login`
//! example with a cookie session: what authenticating a request costs each way. In-process
//! (`app.handle`), no sockets, one request at a time; criterion reports requests per second.
//!
//! `cargo bench --bench jwt`
//!
//! Three bearer variants: the pure signature check (`JWT_CHECK_REVOCATION=0`, no store read), the
//! example's default (one read of the in-memory token store per request, for immediate logout),
//! and the pure signature check on a route that takes the verified claims only (no user loader
//! lookup in the handler's way).

// Both examples load their shared demo users (examples/common/users.rs); two copies here are harmless.
#![allow(clippy::duplicate_mod)]

#[path = "../examples/jwt/app.rs"]
mod jwt_app;
#[path = "../examples/login/app.rs"]
mod login_app;

use criterion::{criterion_main, Criterion, Throughput};
use ravyn::testing::TestClient;
use ravyn::{Ravyn, Request};
use serde_json::{json, Value};

const SECRET: &str = "bench-secret-that-is-at-least-32-bytes-long";

fn get(path: &str, header: (&str, &str)) -> Request {
    Request::builder().uri(path).header("host", "bench").header(header.0, header.1).build()
}

/// The jwt example and the `Authorization` header of alice's access token.
fn bearer_app(runtime: &tokio::runtime::Runtime, check_revocation: bool) -> (Ravyn, String) {
    let options = jwt_app::Options { check_revocation, ..jwt_app::Options::for_tests(SECRET) };
    let app = jwt_app::build(&options).expect("valid app");
    let client = TestClient::new(app.clone());
    let authorization = runtime.block_on(async {
        let response = client
            .post("/auth/token")
            .json(&json!({"email": "alice@example.com", "password": "wonderland"}))
            .send()
            .await;
        assert_eq!(response.status(), 201, "{}", response.text());
        let authorization = format!("Bearer {}", response.json::<Value>()["access_token"].as_str().expect("token"));
        let me = app.handle(get("/me", ("authorization", &authorization))).await;
        assert_eq!(me.status_code(), 200);
        authorization
    });
    (app, authorization)
}

/// The login example (cookie sessions) and the `Cookie` header of alice's session.
fn cookie_app(runtime: &tokio::runtime::Runtime) -> (Ravyn, String) {
    let options = login_app::Options { fast_hash: true, ..login_app::Options::for_tests(SECRET) };
    let app = login_app::build(&options).expect("valid app");
    let client = TestClient::new(app.clone());
    let cookie = runtime.block_on(async {
        let response =
            client.post("/login").json(&json!({"email": "alice@example.com", "password": "wonderland"})).send().await;
        assert_eq!(response.status(), 201, "{}", response.text());
        let cookie = format!("session={}", client.cookie("session").expect("session cookie"));
        assert_eq!(app.handle(get("/profile", ("cookie", &cookie))).await.status_code(), 200);
        cookie
    });
    (app, cookie)
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let (cookie_app, cookie) = cookie_app(&runtime);
    let (pure, pure_bearer) = bearer_app(&runtime, false);
    let (checked, checked_bearer) = bearer_app(&runtime, true);

    let mut group = c.benchmark_group("authenticated GET");
    group.throughput(Throughput::Elements(1));
    group.bench_function("GET /profile, cookie session", |b| {
        b.to_async(&runtime).iter(|| async { cookie_app.handle(get("/profile", ("cookie", &cookie))).await });
    });
    group.bench_function("GET /me, bearer, signature only", |b| {
        b.to_async(&runtime).iter(|| async { pure.handle(get("/me", ("authorization", &pure_bearer))).await });
    });
    group.bench_function("GET /me, bearer, revocation checked (memory store)", |b| {
        b.to_async(&runtime).iter(|| async { checked.handle(get("/me", ("authorization", &checked_bearer))).await });
    });
    group.bench_function("GET /hello, no identity needed (bearer ignored)", |b| {
        b.to_async(&runtime).iter(|| async { pure.handle(get("/hello", ("authorization", &pure_bearer))).await });
    });
    group.finish();
}

// criterion_group! generates an undocumented function.
#[allow(missing_docs)]
mod group {
    criterion::criterion_group!(benches, super::bench);
}
use group::benches;
criterion_main!(benches);
