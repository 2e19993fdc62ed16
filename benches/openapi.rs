//! What the OpenAPI document costs (feature `openapi`): building it at start-up for 1,000 routes
//! (`build()` with the document against `build()` with `enable_openapi(false)`, the difference
//! being the document), serving `/openapi.json` (cached bytes, in-process), and a plain request
//! with the document on and off. `cargo bench --bench openapi`; figures in docs/benchmarks.md.

use criterion::{criterion_main, Criterion};
use ravyn::{get, post, Gateway, HTTPException, Json, Ravyn, Request, Route};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[derive(Deserialize, Serialize, schemars::JsonSchema)]
struct Item {
    name: String,
    price: f64,
    tags: Vec<String>,
}

#[get("/hello")]
async fn hello() -> Json<Value> {
    Json(json!({"message": "hello"}))
}

#[get("/users/{id}/posts")]
async fn posts(id: u64, page: Option<u32>, tag: Option<String>) -> Json<Value> {
    Json(json!({"user": id, "page": page, "tag": tag}))
}

#[post("/items", tags = ["items"], responses(409 = HTTPException))]
async fn create_item(data: Item) -> Result<Json<Item>, HTTPException> {
    Ok(Json(data))
}

/// 1,000 routes: a third each plain, with path and query parameters, with a JSON body.
fn routes() -> Vec<Route> {
    (0..1000)
        .map(|i| match i % 3 {
            0 => Gateway::with_path(format!("/r{i}"), hello),
            1 => Gateway::with_path(format!("/r{i}"), posts),
            _ => Gateway::with_path(format!("/r{i}"), create_item),
        })
        .collect()
}

fn request(uri: &str) -> Request {
    Request::builder().uri(uri).header("host", "bench").build()
}

fn openapi(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let with = Ravyn::builder().routes(routes()).build().expect("valid app");
    let without = Ravyn::builder().routes(routes()).enable_openapi(false).build().expect("valid app");
    let document = with.openapi_json().expect("document").len();
    let response = runtime.block_on(with.handle(request("/openapi.json")));
    assert_eq!(response.status_code(), 200);
    assert_eq!(response.body().as_bytes().len(), document);

    let mut group = c.benchmark_group("openapi");
    group.sample_size(20);
    group.bench_function("build(), 1000 routes, with the document", |b| {
        b.iter(|| Ravyn::builder().routes(routes()).build().expect("valid app"));
    });
    group.bench_function("build(), 1000 routes, enable_openapi(false)", |b| {
        b.iter(|| Ravyn::builder().routes(routes()).enable_openapi(false).build().expect("valid app"));
    });
    group.finish();

    let mut group = c.benchmark_group("openapi serving");
    group.bench_function(format!("GET /openapi.json ({document} bytes, 1000 routes)"), |b| {
        b.to_async(&runtime).iter(|| async { with.handle(request("/openapi.json")).await });
    });
    group.bench_function("GET /r0 (hello), document on", |b| {
        b.to_async(&runtime).iter(|| async { with.handle(request("/r0")).await });
    });
    group.bench_function("GET /r0 (hello), enable_openapi(false)", |b| {
        b.to_async(&runtime).iter(|| async { without.handle(request("/r0")).await });
    });
    group.finish();
}

// criterion_group! generates an undocumented function.
#[allow(missing_docs)]
mod group {
    criterion::criterion_group!(benches, super::openapi);
}
use group::benches;
criterion_main!(benches);
