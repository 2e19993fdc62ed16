//! In-process dispatch cost: a request through routing, binding, the handler and the response,
//! without sockets. `cargo bench --bench dispatch`.

use criterion::{criterion_main, Criterion};
use ravyn::testing::TestClient;
use ravyn::{get, Gateway, Json, Ravyn, Request};
use serde_json::{json, Value};

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
    criterion::criterion_group!(benches, super::dispatch);
}
use group::benches;
criterion_main!(benches);
