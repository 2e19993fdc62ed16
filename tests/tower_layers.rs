//! Tower layers as Ravyn middleware, over real HTTP: each layer the issue names (tower-http's
//! trace, compression, timeout, request ids, body limit, response headers; tower's concurrency and
//! rate limits) on the app, on an `Include` and on a `Gateway`; failing services answered in
//! Ravyn's shape (408, 503, 500); the request's state (path parameters, session, CSRF token)
//! surviving the layer; and the order of layers among Ravyn's own middleware.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;

use common::{client, init_logs, TestServer};
use ravyn::config::{CSRFConfig, SessionConfig};
use ravyn::middleware::from_fn;
use ravyn::service::IntoLayerMiddleware;
use ravyn::{get, post, Gateway, HTTPException, Include, Json, Next, Ravyn, RavynBuilder, Request, Route};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tower::ServiceBuilder;

const SECRET: &str = "a-long-random-secret-of-at-least-32-bytes";

/// Visits counted in the session, the path parameter, the request id and CSRF token it saw.
#[get("/items/{id}")]
async fn item(request: Request, id: u64) -> Result<Json<Value>, HTTPException> {
    let visits = request.session().get::<u64>("visits")?.unwrap_or(0) + 1;
    request.session().insert("visits", visits)?;
    let request_id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
    Ok(Json(json!({
        "id": id,
        "param": request.path_param("id"),
        "visits": visits,
        "request_id": request_id,
        "csrf_token": request.csrf_token(),
    })))
}

/// Binds `name` from a JSON body: the body, read whole before the layer, reaches the binding.
#[post("/echo")]
async fn echo(name: String) -> Json<Value> {
    Json(json!({ "name": name }))
}

#[get("/slow")]
async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_secs(5)).await;
    "too late"
}

#[get("/big")]
async fn big() -> String {
    "ravyn compresses well ".repeat(500)
}

/// Where a layer goes in a test app.
#[derive(Debug, Clone, Copy)]
enum Level {
    App,
    Include,
    Gateway,
}

const LEVELS: [Level; 3] = [Level::App, Level::Include, Level::Gateway];

/// An app whose routes sit in `Include("/api", ...)`, with the layer `make()` builds at `level`.
fn app_with<L: IntoLayerMiddleware>(level: Level, make: impl Fn() -> L, builder: RavynBuilder) -> Ravyn {
    let at_gateway = |route: Route| if let Level::Gateway = level { route.layer(make()) } else { route };
    let routes = vec![
        at_gateway(Gateway::new(item)),
        at_gateway(Gateway::new(echo)),
        at_gateway(Gateway::new(slow)),
        at_gateway(Gateway::new(big)),
    ];
    let mut api = Include::new("/api", routes);
    if let Level::Include = level {
        api = api.layer(make());
    }
    let mut builder = builder.session_config(SessionConfig::new(SECRET)).routes(vec![api]);
    if let Level::App = level {
        builder = builder.layer(make());
    }
    builder.build().unwrap()
}

async fn serve<L: IntoLayerMiddleware>(level: Level, make: impl Fn() -> L) -> TestServer {
    init_logs();
    TestServer::start(app_with(level, make, Ravyn::builder())).await
}

#[tokio::test]
async fn trace_layer_sees_each_request_and_its_status_at_every_level() {
    for level in LEVELS {
        let seen = Arc::new(Mutex::new(Vec::<(String, u16)>::new()));
        let record = seen.clone();
        let server = serve(level, move || {
            let record = record.clone();
            tower_http::trace::TraceLayer::new_for_http().on_response(
                move |response: &ravyn::http::Response<_>, _latency: Duration, span: &tracing::Span| {
                    let _ = span;
                    record.lock().unwrap().push((format!("{level:?}"), response.status().as_u16()));
                },
            )
        })
        .await;
        let response = client().get(server.url("/api/items/3")).send().await.unwrap();
        assert_eq!(response.status(), 200, "{level:?}");
        assert_eq!(*seen.lock().unwrap(), [(format!("{level:?}"), 200)], "{level:?}");
    }
}

#[tokio::test]
async fn compression_layer_compresses_by_accept_encoding_and_keeps_the_session_cookie() {
    for level in LEVELS {
        let server = serve(level, tower_http::compression::CompressionLayer::new).await;
        let http = client();
        for (encoding, magic) in [("gzip", &[0x1f, 0x8b][..]), ("zstd", &[0x28, 0xb5, 0x2f, 0xfd][..])] {
            let response = http.get(server.url("/api/big")).header("accept-encoding", encoding).send().await.unwrap();
            assert_eq!(response.status(), 200, "{level:?}");
            assert_eq!(response.headers()["content-encoding"], encoding, "{level:?}");
            let body = response.bytes().await.unwrap();
            assert!(body.starts_with(magic), "{level:?} {encoding}");
            assert!(body.len() < 11_000 / 4, "{level:?} {encoding}: {} bytes", body.len());
        }
        for encoding in ["br", "deflate"] {
            let response = http.get(server.url("/api/big")).header("accept-encoding", encoding).send().await.unwrap();
            assert_eq!(response.headers()["content-encoding"], encoding, "{level:?}");
        }
        let plain = http.get(server.url("/api/big")).send().await.unwrap();
        assert!(plain.headers().get("content-encoding").is_none(), "{level:?}");
        assert_eq!(plain.text().await.unwrap().len(), 11_000, "{level:?}");
        // A compressed answer that sets the session keeps its cookie.
        let response = http.get(server.url("/api/items/1")).header("accept-encoding", "gzip").send().await.unwrap();
        assert!(response.headers().get("set-cookie").is_some(), "{level:?}");
    }
}

#[tokio::test]
async fn tower_http_timeout_answers_408_in_ravyn_shape() {
    for level in LEVELS {
        let server = serve(level, || {
            tower_http::timeout::TimeoutLayer::with_status_code(408.try_into().unwrap(), Duration::from_millis(100))
        })
        .await;
        let response = client().get(server.url("/api/slow")).send().await.unwrap();
        assert_eq!(response.status(), 408, "{level:?}");
        assert_eq!(response.headers()["content-type"], "application/json", "{level:?}");
        assert_eq!(response.json::<Value>().await.unwrap(), json!({"detail": "Request Timeout"}), "{level:?}");
        let fast = client().get(server.url("/api/items/1")).send().await.unwrap();
        assert_eq!(fast.status(), 200, "{level:?}");
    }
}

#[tokio::test]
async fn a_failing_timeout_service_needs_no_error_layer_it_answers_408() {
    for level in LEVELS {
        let server = serve(level, || tower::timeout::TimeoutLayer::new(Duration::from_millis(100))).await;
        let response = client().get(server.url("/api/slow")).send().await.unwrap();
        assert_eq!(response.status(), 408, "{level:?}");
        assert_eq!(response.json::<Value>().await.unwrap(), json!({"detail": "Request Timeout"}), "{level:?}");
    }
}

#[tokio::test]
async fn request_ids_are_set_seen_by_the_handler_and_propagated() {
    use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
    for level in LEVELS {
        let server = serve(level, || {
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(PropagateRequestIdLayer::x_request_id())
        })
        .await;
        let response = client().get(server.url("/api/items/9")).send().await.unwrap();
        let header = response.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert_eq!(header.len(), 36, "{level:?}: a UUID, got {header}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["request_id"], header.as_str(), "{level:?}");
        // A client's own id is kept.
        let response = client().get(server.url("/api/items/9")).header("x-request-id", "abc-123").send().await.unwrap();
        assert_eq!(response.headers()["x-request-id"], "abc-123", "{level:?}");
    }
}

#[tokio::test]
async fn request_body_limit_layer_answers_413_in_ravyn_shape_and_passes_smaller_bodies() {
    for level in LEVELS {
        let server = serve(level, || tower_http::limit::RequestBodyLimitLayer::new(32)).await;
        let http = client();
        let small = http.post(server.url("/api/echo")).json(&json!({"name": "pen"})).send().await.unwrap();
        assert_eq!(small.status(), 201, "{level:?}");
        assert_eq!(small.json::<Value>().await.unwrap(), json!({"name": "pen"}), "{level:?}");
        // Announced too large: the layer answers 413 itself (plain text in tower-http, ours here).
        let large = json!({"name": "x".repeat(100)});
        let response = http.post(server.url("/api/echo")).json(&large).send().await.unwrap();
        assert_eq!(response.status(), 413, "{level:?}");
        assert_eq!(response.json::<Value>().await.unwrap(), json!({"detail": "Payload Too Large"}), "{level:?}");
        // Chunked, so the layer finds out while the body is read (here: after the layer).
        let chunks = futures_util::stream::iter(
            (0..4).map(|_| Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"0123456789012345678901234"))),
        );
        let response = http
            .post(server.url("/api/echo"))
            .header("content-type", "application/json")
            .body(reqwest::Body::wrap_stream(chunks))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 413, "{level:?}");
        assert_eq!(
            response.json::<Value>().await.unwrap()["detail"],
            "Request body is larger than the limit of a layer."
        );
    }
}

#[tokio::test]
async fn set_response_header_layer_sets_its_header() {
    use tower_http::set_header::SetResponseHeaderLayer;
    for level in LEVELS {
        let server = serve(level, || {
            SetResponseHeaderLayer::overriding(
                ravyn::http::HeaderName::from_static("x-layer"),
                ravyn::http::HeaderValue::from_static("tower"),
            )
        })
        .await;
        let response = client().get(server.url("/api/items/1")).send().await.unwrap();
        assert_eq!(response.headers()["x-layer"], "tower", "{level:?}");
    }
    // On the app, a layer also sees the answers for requests without a route, as app middleware does.
    let server = serve(Level::App, || {
        SetResponseHeaderLayer::overriding(
            ravyn::http::HeaderName::from_static("x-layer"),
            ravyn::http::HeaderValue::from_static("tower"),
        )
    })
    .await;
    let missing = client().get(server.url("/nowhere")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    assert_eq!(missing.headers()["x-layer"], "tower");
    assert_eq!(missing.json::<Value>().await.unwrap(), json!({"detail": "Not Found"}));
}

/// `GET /api/hold`: counts requests in flight (and the most at once) until `release` is notified.
#[derive(Default)]
struct Gauge {
    now: AtomicUsize,
    most: AtomicUsize,
    started: AtomicUsize,
}

fn hold_route(gauge: Arc<Gauge>) -> Route {
    struct Hold(Arc<Gauge>);
    impl ravyn::Handler for Hold {
        fn spec(&self) -> ravyn::RouteSpec {
            ravyn::RouteSpec::new("hold", "/hold", &["GET"], 200).with_needs(ravyn::Needs::NONE)
        }
        fn call(&self, _request: Request) -> ravyn::BoxFuture<'static, ravyn::Response> {
            let gauge = self.0.clone();
            Box::pin(async move {
                let now = gauge.now.fetch_add(1, Ordering::SeqCst) + 1;
                gauge.most.fetch_max(now, Ordering::SeqCst);
                gauge.started.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(150)).await;
                gauge.now.fetch_sub(1, Ordering::SeqCst);
                ravyn::IntoResponse::into_response("done")
            })
        }
    }
    Gateway::new(Hold(gauge))
}

fn limited_app<L: IntoLayerMiddleware>(level: Level, gauge: Arc<Gauge>, make: impl Fn() -> L) -> Ravyn {
    let hold = hold_route(gauge);
    let hold = if let Level::Gateway = level { hold.layer(make()) } else { hold };
    let mut api = Include::new("/api", vec![hold]);
    if let Level::Include = level {
        api = api.layer(make());
    }
    let mut builder = Ravyn::builder().routes(vec![api]);
    if let Level::App = level {
        builder = builder.layer(make());
    }
    builder.build().unwrap()
}

#[tokio::test]
async fn concurrency_limit_lets_one_request_in_at_a_time() {
    init_logs();
    for level in LEVELS {
        let gauge = Arc::new(Gauge::default());
        let app = limited_app(level, gauge.clone(), || tower::limit::ConcurrencyLimitLayer::new(1));
        let server = TestServer::start(app).await;
        let http = client();
        let requests = (0..4).map(|_| http.get(server.url("/api/hold")).send());
        for response in futures_util::future::join_all(requests).await {
            assert_eq!(response.unwrap().status(), 200, "{level:?}");
        }
        assert_eq!(gauge.started.load(Ordering::SeqCst), 4, "{level:?}");
        assert_eq!(gauge.most.load(Ordering::SeqCst), 1, "{level:?}: at most one in flight");
    }
}

#[tokio::test]
async fn an_overloaded_service_answers_503_in_ravyn_shape() {
    init_logs();
    for level in LEVELS {
        let gauge = Arc::new(Gauge::default());
        let app = limited_app(level, gauge.clone(), || ServiceBuilder::new().load_shed().concurrency_limit(1));
        let server = TestServer::start(app).await;
        let http = client();
        let first = tokio::spawn(http.get(server.url("/api/hold")).send());
        common::eventually(5, "the first request to be in its handler", || gauge.started.load(Ordering::SeqCst) == 1)
            .await;
        let shed = http.get(server.url("/api/hold")).send().await.unwrap();
        assert_eq!(shed.status(), 503, "{level:?}");
        assert_eq!(shed.json::<Value>().await.unwrap(), json!({"detail": "Service Unavailable"}), "{level:?}");
        assert_eq!(first.await.unwrap().unwrap().status(), 200, "{level:?}");
    }
}

#[tokio::test]
async fn rate_limit_is_shared_by_every_request_and_sheds_with_503() {
    init_logs();
    for level in LEVELS {
        let gauge = Arc::new(Gauge::default());
        // RateLimit's service is not Clone: one state for all requests, as the limit must be.
        let app = limited_app(level, gauge.clone(), || {
            ServiceBuilder::new().load_shed().rate_limit(2, Duration::from_secs(60))
        });
        let server = TestServer::start(app).await;
        let http = client();
        for _ in 0..2 {
            assert_eq!(http.get(server.url("/api/hold")).send().await.unwrap().status(), 200, "{level:?}");
        }
        let over = http.get(server.url("/api/hold")).send().await.unwrap();
        assert_eq!(over.status(), 503, "{level:?}");
        assert_eq!(gauge.started.load(Ordering::SeqCst), 2, "{level:?}");
    }
}

#[tokio::test]
async fn any_other_service_error_is_a_500_in_ravyn_shape() {
    init_logs();
    let failing = || {
        tower::util::MapResultLayer::new(
            |_result: Result<ravyn::http::Response<ravyn::Body>, std::convert::Infallible>| {
                Err::<ravyn::http::Response<ravyn::Body>, ravyn::BoxError>("the database is on fire".into())
            },
        )
    };
    for level in LEVELS {
        let server = serve(level, failing).await;
        let response = client().get(server.url("/api/items/1")).send().await.unwrap();
        assert_eq!(response.status(), 500, "{level:?}");
        assert_eq!(response.json::<Value>().await.unwrap(), json!({"detail": "Internal Server Error"}), "{level:?}");
    }
}

#[tokio::test]
async fn path_params_session_and_csrf_token_survive_the_layer() {
    init_logs();
    let through_http = || tower::util::MapRequestLayer::new(|request: ravyn::http::Request<ravyn::Body>| request);
    for level in LEVELS {
        let app = app_with(level, through_http, Ravyn::builder().csrf_config(CSRFConfig::new(SECRET)));
        let server = TestServer::start(app).await;
        let http = client();
        let first: Value = http.get(server.url("/api/items/7")).send().await.unwrap().json().await.unwrap();
        assert_eq!(
            (first["id"].clone(), first["param"].clone(), first["visits"].clone()),
            (json!(7), json!("7"), json!(1))
        );
        let token = first["csrf_token"].as_str().unwrap().to_owned();
        let second: Value = http.get(server.url("/api/items/7")).send().await.unwrap().json().await.unwrap();
        assert_eq!(second["visits"], 2, "{level:?}: the session survives");
        assert_eq!(second["csrf_token"], token.as_str(), "{level:?}: the carried token survives");
        // An unsafe request checked by CSRF before the layer, and bound after it.
        let refused = http.post(server.url("/api/echo")).json(&json!({"name": "x"})).send().await.unwrap();
        assert_eq!(refused.status(), 403, "{level:?}");
        let posted = http
            .post(server.url("/api/echo"))
            .header("x-csrftoken", &token)
            .json(&json!({"name": "x"}))
            .send()
            .await
            .unwrap();
        assert_eq!(posted.status(), 201, "{level:?}");
    }
}

#[tokio::test]
async fn layers_and_middleware_run_in_the_order_added_app_then_include_then_gateway() {
    init_logs();
    let log = Arc::new(Mutex::new(Vec::<String>::new()));
    let middleware = |name: &'static str| {
        let log = log.clone();
        from_fn(move |request: Request, next: Next| {
            let log = log.clone();
            async move {
                log.lock().unwrap().push(format!("{name}>"));
                let response = next.run(request).await;
                log.lock().unwrap().push(format!("<{name}"));
                response
            }
        })
    };
    let layer = |name: &'static str| {
        let (before, after) = (log.clone(), log.clone());
        ServiceBuilder::new()
            .map_request(move |request: ravyn::http::Request<ravyn::Body>| {
                before.lock().unwrap().push(format!("{name}>"));
                request
            })
            .map_response(move |response: ravyn::http::Response<ravyn::Body>| {
                after.lock().unwrap().push(format!("<{name}"));
                response
            })
    };
    let handler_log = log.clone();
    let seen = from_fn(move |request: Request, next: Next| {
        handler_log.lock().unwrap().push("handler".to_owned());
        next.run(request)
    });
    let gateway =
        Gateway::new(item).layer(layer("gateway-layer")).middleware(middleware("gateway-mw")).middleware(seen);
    let api = Include::new("/api", vec![gateway]).middleware(middleware("include-mw")).layer(layer("include-layer"));
    let app = Ravyn::builder()
        .session_config(SessionConfig::new(SECRET))
        .middleware(middleware("app-mw-1"))
        .layer(layer("app-layer"))
        .middleware(middleware("app-mw-2"))
        .routes(vec![api])
        .build()
        .unwrap();
    let server = TestServer::start(app).await;
    assert_eq!(client().get(server.url("/api/items/1")).send().await.unwrap().status(), 200);
    let expected = [
        "app-mw-1>",
        "app-layer>",
        "app-mw-2>",
        "include-mw>",
        "include-layer>",
        "gateway-layer>",
        "gateway-mw>",
        "handler",
        "<gateway-mw",
        "<gateway-layer",
        "<include-layer",
        "<include-mw",
        "<app-mw-2",
        "<app-layer",
        "<app-mw-1",
    ];
    assert_eq!(*log.lock().unwrap(), expected);
}
