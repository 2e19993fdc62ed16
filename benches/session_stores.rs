//! GET /profile of the login example, logged in, with the session in a signed cookie, in a
//! MemoryStore, and in Redis (feature `redis`, at `REDIS_URL`, default `redis://127.0.0.1:6379`):
//! what a store costs per request that reads its session. In-process (`app.handle`), no sockets;
//! criterion reports requests per second.
//!
//! `cargo bench --bench session_stores --features redis`

#[path = "../examples/login/app.rs"]
mod login_app;

use criterion::{criterion_main, Criterion, Throughput};
use ravyn::session::SessionStore;
use ravyn::testing::TestClient;
use ravyn::{Ravyn, Request};
use serde_json::json;
use std::sync::Arc;

const SECRET: &str = "bench-secret-that-is-at-least-32-bytes-long";

/// The app with `store`, and the `Cookie` header of a logged-in session.
fn logged_in(runtime: &tokio::runtime::Runtime, store: Option<Arc<dyn SessionStore>>) -> (Ravyn, String) {
    let options = login_app::Options { store, ..login_app::Options::for_tests(SECRET) };
    let app = login_app::build(&options).expect("valid app");
    let client = TestClient::new(app.clone());
    let cookie = runtime.block_on(async {
        let response =
            client.post("/login").json(&json!({"email": "alice@example.com", "password": "wonderland"})).send().await;
        assert_eq!(response.status(), 201, "{}", response.text());
        let cookie = format!("session={}", client.cookie("session").expect("session cookie"));
        let profile = app.handle(profile_request(&cookie)).await;
        assert_eq!(profile.status_code(), 200);
        cookie
    });
    (app, cookie)
}

fn profile_request(cookie: &str) -> Request {
    Request::builder().uri("/profile").header("host", "bench").header("cookie", cookie).build()
}

fn profile(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    #[cfg_attr(not(feature = "redis"), allow(unused_mut))]
    let mut variants: Vec<(&str, Option<Arc<dyn SessionStore>>)> =
        vec![("cookie", None), ("memory", Some(Arc::new(ravyn::session::MemoryStore::new())))];
    #[cfg(feature = "redis")]
    {
        let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
        let store = ravyn::session::RedisStore::new(&url).expect("REDIS_URL").key_prefix("ravyn-bench:session:");
        variants.push(("redis", Some(Arc::new(store))));
    }
    let apps: Vec<(&str, Ravyn, String)> = variants
        .into_iter()
        .map(|(name, store)| {
            let (app, cookie) = logged_in(&runtime, store);
            (name, app, cookie)
        })
        .collect();

    // One request at a time: the latency of one store round trip shows fully.
    let mut group = c.benchmark_group("GET /profile");
    group.throughput(Throughput::Elements(1));
    for (name, app, cookie) in &apps {
        group.bench_function(*name, |b| {
            b.to_async(&runtime).iter(|| async { app.handle(profile_request(cookie)).await });
        });
    }
    group.finish();

    // 64 requests in flight, as under load: Redis round trips overlap on the multiplexed connection.
    let mut group = c.benchmark_group("GET /profile, 64 concurrent");
    group.throughput(Throughput::Elements(CONCURRENT as u64));
    for (name, app, cookie) in &apps {
        group.bench_function(*name, |b| {
            b.to_async(&runtime)
                .iter(|| futures_util::future::join_all((0..CONCURRENT).map(|_| app.handle(profile_request(cookie)))));
        });
    }
    group.finish();
}

const CONCURRENT: usize = 64;

// criterion_group! generates an undocumented function.
#[allow(missing_docs)]
mod group {
    criterion::criterion_group!(benches, super::profile);
}
use group::benches;
criterion_main!(benches);
