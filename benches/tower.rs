//! What tower costs, in process: `cargo bench --bench tower`.
//!
//! - `layers`: GET /hello with no middleware, with a no-op Ravyn middleware, and with a no-op tower
//!   layer (`tower::layer::util::Identity`, so what is measured is the adapter: the request into
//!   `http` types and back, the shared service's lock, the response back into Ravyn's).
//! - `static`: a 4 KiB file through `StaticFilesConfig` (the app as a tower service) against
//!   tower-http's `ServeDir` nested in an axum `Router`, both called as tower services with the
//!   body read whole.

use criterion::{criterion_main, Criterion};
use http_body_util::BodyExt;
use ravyn::config::StaticFilesConfig;
use ravyn::middleware::from_fn;
use ravyn::{get, Gateway, Json, Next, Ravyn, Request};
use serde_json::{json, Value};
use tower::{Service, ServiceExt};

#[get("/hello")]
async fn hello() -> Json<Value> {
    Json(json!({"message": "hello"}))
}

fn request(uri: &str) -> Request {
    Request::builder().uri(uri).header("host", "bench").build()
}

fn layers(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let plain = Ravyn::builder().routes(vec![Gateway::new(hello)]).build().expect("app");
    let middleware = Ravyn::builder()
        .middleware(from_fn(|request: Request, next: Next| next.run(request)))
        .routes(vec![Gateway::new(hello)])
        .build()
        .expect("app");
    let layer = Ravyn::builder()
        .layer(tower::layer::util::Identity::new())
        .routes(vec![Gateway::new(hello)])
        .build()
        .expect("app");
    for app in [&plain, &middleware, &layer] {
        assert_eq!(runtime.block_on(app.handle(request("/hello"))).status_code(), 200);
    }
    let mut group = c.benchmark_group("layers");
    group.bench_function("GET /hello, no middleware", |b| {
        b.to_async(&runtime).iter(|| async { plain.handle(request("/hello")).await });
    });
    group.bench_function("GET /hello, no-op Ravyn middleware", |b| {
        b.to_async(&runtime).iter(|| async { middleware.handle(request("/hello")).await });
    });
    group.bench_function("GET /hello, no-op tower layer", |b| {
        b.to_async(&runtime).iter(|| async { layer.handle(request("/hello")).await });
    });
    group.finish();
}

type Empty = http::Request<http_body_util::Empty<bytes::Bytes>>;

fn http_request(uri: &str) -> Empty {
    http::Request::builder().uri(uri).header("host", "bench").body(http_body_util::Empty::new()).expect("request")
}

fn static_files(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let directory = std::env::temp_dir().join(format!("ravyn-bench-static-{}", std::process::id()));
    std::fs::create_dir_all(&directory).expect("directory");
    std::fs::write(directory.join("site.css"), "a".repeat(4096)).expect("file");
    let ravyn = Ravyn::builder()
        .static_files_config(StaticFilesConfig::new("/static", &directory))
        .build()
        .expect("app")
        .into_service();
    let axum = axum::Router::new().nest_service("/static", tower_http::services::ServeDir::new(&directory));
    let read_ravyn = |mut service: ravyn::RavynService| async move {
        let ready = ServiceExt::<Empty>::ready(&mut service).await.expect("ready");
        let response = ready.call(http_request("/static/site.css")).await.expect("response");
        assert_eq!(response.status(), 200);
        response.into_body().collect().await.expect("body").to_bytes().len()
    };
    let read_axum = |mut service: axum::Router| async move {
        let ready = ServiceExt::<Empty>::ready(&mut service).await.expect("ready");
        let response = ready.call(http_request("/static/site.css")).await.expect("response");
        assert_eq!(response.status(), 200);
        response.into_body().collect().await.expect("body").to_bytes().len()
    };
    assert_eq!(runtime.block_on(read_ravyn(ravyn.clone())), 4096);
    assert_eq!(runtime.block_on(read_axum(axum.clone())), 4096);
    let mut group = c.benchmark_group("static");
    group.bench_function("GET /static/site.css (4 KiB), StaticFilesConfig", |b| {
        b.to_async(&runtime).iter(|| read_ravyn(ravyn.clone()));
    });
    group.bench_function("GET /static/site.css (4 KiB), axum + ServeDir", |b| {
        b.to_async(&runtime).iter(|| read_axum(axum.clone()));
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&directory);
}

// criterion_group! generates an undocumented function.
#[allow(missing_docs)]
mod group {
    criterion::criterion_group!(benches, super::layers, super::static_files);
}
use group::benches;
criterion_main!(benches);
