//! GET /profile and POST /login of the login example, with the session in a signed cookie, in a
//! MemoryStore, in Redis (feature `redis`, at `REDIS_URL`, default `redis://127.0.0.1:6379`), and
//! in SQLite, PostgreSQL and MySQL/MariaDB (features `sqlite`, `postgres`, `mysql`; at
//! `POSTGRES_URL` and `MYSQL_URL`, defaults `postgres://postgres@127.0.0.1:5432/test` and
//! `mysql://root@127.0.0.1:3306/test`; table `ravyn_bench_sessions`): what a store costs per
//! request. In-process (`app.handle`), no sockets; criterion reports requests per second.
//!
//! `cargo bench --bench session_stores --features redis,postgres,mysql,sqlite`
//!
//! GET /profile reads the session (one store read, no write: the session is unchanged and its
//! refresh is not due). POST /login (plain password comparison, as `bench/run.sh` does) cycles
//! the id of the session it arrives with, so each request is one read and one atomic cycle.

#[path = "../examples/login/app.rs"]
mod login_app;

use criterion::{criterion_main, Criterion, Throughput};
use ravyn::session::SessionStore;
use ravyn::testing::TestClient;
use ravyn::{Ravyn, Request};
use serde_json::json;
use std::sync::Arc;

const SECRET: &str = "bench-secret-that-is-at-least-32-bytes-long";
const CREDENTIALS: &str = r#"{"email":"alice@example.com","password":"wonderland"}"#;

/// The app with `store`, and the `Cookie` header of a logged-in session.
fn logged_in(runtime: &tokio::runtime::Runtime, store: Option<Arc<dyn SessionStore>>) -> (Ravyn, String) {
    let options = login_app::Options { store, fast_hash: true, ..login_app::Options::for_tests(SECRET) };
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

/// POST /login carrying `cookie` (a logged-in session: the login cycles its id).
fn login_request(cookie: &str) -> Request {
    Request::builder()
        .method(ravyn::http::Method::POST)
        .uri("/login")
        .header("host", "bench")
        .header("content-type", "application/json")
        .header("cookie", cookie)
        .body(CREDENTIALS)
        .build()
}

/// The stores to compare, each connected and migrated.
fn stores(runtime: &tokio::runtime::Runtime) -> Vec<(&'static str, Option<Arc<dyn SessionStore>>)> {
    #[cfg_attr(
        not(any(feature = "redis", feature = "postgres", feature = "mysql", feature = "sqlite")),
        allow(unused_mut)
    )]
    let mut variants: Vec<(&str, Option<Arc<dyn SessionStore>>)> =
        vec![("cookie", None), ("memory", Some(Arc::new(ravyn::session::MemoryStore::new())))];
    #[cfg(feature = "redis")]
    {
        let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
        let store = ravyn::session::RedisStore::new(&url).expect("REDIS_URL").key_prefix("ravyn-bench:session:");
        variants.push(("redis", Some(Arc::new(store))));
    }
    #[cfg(feature = "sqlite")]
    {
        let path = std::env::temp_dir().join("ravyn-bench-sessions.db");
        let store = runtime.block_on(async {
            let store = ravyn::session::SqliteStore::open(&path).await.expect("SQLite file");
            store.migrate().await.expect("migrate");
            store
        });
        variants.push(("sqlite", Some(Arc::new(store))));
    }
    #[cfg(feature = "postgres")]
    {
        let url =
            std::env::var("POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
        let store = runtime.block_on(async {
            let store = ravyn::session::PostgresStore::connect(&url).await.expect("POSTGRES_URL");
            let store = store.table("ravyn_bench_sessions").expect("table name");
            store.migrate().await.expect("migrate");
            store
        });
        variants.push(("postgres", Some(Arc::new(store))));
    }
    #[cfg(feature = "mysql")]
    {
        let url = std::env::var("MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".to_owned());
        let store = runtime.block_on(async {
            let store = ravyn::session::MySqlStore::connect(&url).await.expect("MYSQL_URL");
            let store = store.table("ravyn_bench_sessions").expect("table name");
            store.migrate().await.expect("migrate");
            store
        });
        variants.push(("mysql", Some(Arc::new(store))));
    }
    let _ = runtime;
    variants
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let apps: Vec<(&str, Ravyn, String)> = stores(&runtime)
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

    // 64 requests in flight, as under load: round trips overlap (Redis multiplexes one
    // connection; the SQL stores use their pools).
    let mut group = c.benchmark_group("GET /profile, 64 concurrent");
    group.throughput(Throughput::Elements(CONCURRENT as u64));
    for (name, app, cookie) in &apps {
        group.bench_function(*name, |b| {
            b.to_async(&runtime)
                .iter(|| futures_util::future::join_all((0..CONCURRENT).map(|_| app.handle(profile_request(cookie)))));
        });
    }
    group.finish();

    // POST /login with a live session: read, then cycle the id (one atomic store write). Each
    // iteration logs in with the cookie the previous one was given, as a browser would.
    let mut group = c.benchmark_group("POST /login");
    group.throughput(Throughput::Elements(1));
    for (name, app, cookie) in &apps {
        let cookie = std::cell::RefCell::new(cookie.clone());
        group.bench_function(*name, |b| {
            b.to_async(&runtime).iter(|| async {
                let current = cookie.borrow().clone();
                let response = app.handle(login_request(&current)).await;
                assert_eq!(response.status_code(), 201);
                if let Some(set) = response.headers().get("set-cookie").and_then(|v| v.to_str().ok()) {
                    if let Some(pair) = set.split(';').next() {
                        *cookie.borrow_mut() = pair.to_owned();
                    }
                }
            });
        });
    }
    group.finish();
}

const CONCURRENT: usize = 64;

// criterion_group! generates an undocumented function.
#[allow(missing_docs)]
mod group {
    criterion::criterion_group!(benches, super::bench);
}
use group::benches;
criterion_main!(benches);
