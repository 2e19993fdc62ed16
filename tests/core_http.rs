//! The core framework over real HTTP: a real server on 127.0.0.1, a real client (reqwest).

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;

use common::{client, init_logs, TestServer};
use ravyn::http::{HeaderValue, StatusCode};
use ravyn::middleware::from_fn;
use ravyn::{
    delete, get, patch, post, put, route, Gateway, HTTPException, Include, Json, Middleware, Next, NotAuthorized,
    Ravyn, Redirect, Request, Response, Settings,
};
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::Duration;

#[get("/hello")]
async fn hello() -> Json<Value> {
    Json(json!({"message": "hello"}))
}

#[get("/users/{id}")]
async fn user(id: u64, verbose: Option<bool>) -> Json<Value> {
    Json(json!({"id": id, "verbose": verbose}))
}

#[get("/files/{*rest}")]
async fn file(rest: String) -> String {
    rest
}

#[post("/login")]
async fn login(email: String, password: String, remember: Option<bool>) -> Json<Value> {
    Json(json!({"email": email, "password_len": password.len(), "remember": remember}))
}

#[derive(Debug, Deserialize, serde::Serialize, schemars::JsonSchema)]
struct Item {
    name: String,
    price: f64,
}

#[post("/items")]
async fn create_item(data: Item, dry_run: Option<bool>) -> Json<Value> {
    Json(json!({"name": data.name, "price": data.price, "dry_run": dry_run}))
}

#[put("/items/{id}", status_code = 202)]
async fn replace_item(id: u32, payload: Item) -> Json<Value> {
    Json(json!({"id": id, "name": payload.name}))
}

#[patch("/items/{id}")]
async fn patch_item(id: u32) -> (StatusCode, Json<Value>) {
    (StatusCode::ACCEPTED, Json(json!({"patched": id})))
}

#[delete("/items/{id}")]
async fn delete_item(id: u32) -> Result<(), HTTPException> {
    if id == 0 {
        return Err(HTTPException::new(404, "No such item"));
    }
    Ok(())
}

#[route("/multi", methods = ["GET", "POST"])]
async fn multi(request: Request) -> String {
    request.method().to_string()
}

#[get("/private")]
async fn private() -> Result<Json<Value>, HTTPException> {
    Err(NotAuthorized::detail("Not authenticated").into())
}

#[get("/panic")]
async fn panics() -> &'static str {
    panic!("boom in handler")
}

#[get("/profile")]
async fn profile() -> &'static str {
    "profile"
}

#[get("/go")]
async fn go() -> Redirect {
    Redirect::see_other("/hello")
}

#[get("/slow")]
async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_millis(600)).await;
    "done"
}

#[get("/inspect")]
async fn inspect(request: Request) -> Json<Value> {
    Json(json!({
        "path": request.path(),
        "client_is_loopback": request.client_addr().is_some_and(|a| a.ip().is_loopback()),
        "cookie": request.cookie("theme").map(|c| c.value().to_owned()),
        "trace": request.headers().get("x-trace").and_then(|v| v.to_str().ok()),
    }))
}

fn routes() -> Vec<ravyn::Route> {
    vec![
        Gateway::new(hello),
        Gateway::new(user),
        Gateway::new(file),
        Gateway::new(login),
        Gateway::new(create_item),
        Gateway::new(replace_item),
        Gateway::new(patch_item),
        Gateway::new(delete_item),
        Gateway::new(multi),
        Gateway::new(private),
        Gateway::new(panics),
        Gateway::new(profile),
        Gateway::new(go),
        Gateway::new(slow),
        Gateway::new(inspect),
        Include::new("/api", vec![Gateway::with_path("/v1", hello)]),
    ]
}

async fn server() -> TestServer {
    init_logs();
    TestServer::start(Ravyn::builder().routes(routes()).build().expect("valid app")).await
}

#[tokio::test]
async fn hello_answers_json() {
    let server = server().await;
    let response = client().get(server.url("/hello")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(response.text().await.unwrap(), r#"{"message":"hello"}"#);
}

#[tokio::test]
async fn gateway_and_include_compose_paths() {
    let server = server().await;
    let response = client().get(server.url("/api/v1/hello")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap(), json!({"message": "hello"}));
}

#[tokio::test]
async fn unknown_route_is_404_with_ravyn_body() {
    let server = server().await;
    let response = client().get(server.url("/nope")).send().await.unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(response.text().await.unwrap(), r#"{"detail":"Not Found"}"#);
}

#[tokio::test]
async fn wrong_method_is_405_with_allow_header() {
    let server = server().await;
    let response = client().delete(server.url("/hello")).send().await.unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "GET, HEAD");
    assert_eq!(response.text().await.unwrap(), r#"{"detail":"Method DELETE not allowed."}"#);
}

#[tokio::test]
async fn path_and_query_arguments_bind_by_name_and_type() {
    let server = server().await;
    let http = client();
    let body: Value = http.get(server.url("/users/42?verbose=true")).send().await.unwrap().json().await.unwrap();
    assert_eq!(body, json!({"id": 42, "verbose": true}));
    let body: Value = http.get(server.url("/users/7")).send().await.unwrap().json().await.unwrap();
    assert_eq!(body, json!({"id": 7, "verbose": null}));
    let text = http.get(server.url("/files/a/b%20c.txt")).send().await.unwrap().text().await.unwrap();
    assert_eq!(text, "a/b c.txt");
}

#[tokio::test]
async fn bad_path_parameter_is_400_in_validation_shape() {
    let server = server().await;
    let url = server.url("/users/abc?verbose=maybe");
    let response = client().get(&url).send().await.unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["detail"], format!("Validation failed for {url} with method GET."));
    let errors = body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{body}");
    assert_eq!(errors[0]["loc"], json!(["path", "id"]));
    assert_eq!(errors[0]["type"], "parsing");
    assert!(errors[0]["msg"].as_str().unwrap().contains("integer"), "{body}");
    assert_eq!(errors[1]["loc"], json!(["query", "verbose"]));
}

#[tokio::test]
async fn arguments_come_from_query_json_or_form_and_the_body_wins() {
    let server = server().await;
    let http = client();
    let url = server.url("/login?email=query@example.com&password=fromquery");
    let body: Value = http.post(&url).send().await.unwrap().json().await.unwrap();
    assert_eq!(body, json!({"email": "query@example.com", "password_len": 9, "remember": null}));

    let response = http.post(&url).json(&json!({"email": "json@example.com", "remember": true})).send().await.unwrap();
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!({"email": "json@example.com", "password_len": 9, "remember": true}));

    let body: Value = http
        .post(server.url("/login"))
        .form(&[("email", "form@example.com"), ("password", "pw"), ("remember", "on")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body, json!({"email": "form@example.com", "password_len": 2, "remember": true}));
}

/// A JSON body's fields are read one by one from the raw body (binding/json_fields.rs): what a
/// client sees must be what a parsed map of the body gave.
#[tokio::test]
async fn json_body_fields_bind_as_a_parsed_map_would() {
    let server = server().await;
    let http = client();
    let post = |body: &'static str, query: &'static str| {
        http.post(server.url(&format!("/login{query}"))).header("content-type", "application/json").body(body).send()
    };
    // An escaped key, a repeated key (the last wins), a string that fits `bool` as text.
    let response =
        post(r#"{"em\u0061il": "a@example.com", "password": "x", "password": "longer", "remember": "true"}"#, "")
            .await
            .unwrap();
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!({"email": "a@example.com", "password_len": 6, "remember": true}));
    // A value of the wrong type: serde's message, without a position inside the field.
    let response = post(r#"{"email": 5, "password": "pw"}"#, "").await.unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["errors"],
        json!([{"loc": ["body", "email"], "type": "parsing", "msg": "invalid type: integer `5`, expected a string"}])
    );
    // Valid JSON that is not an object has no fields: the query answers.
    let response = post("[1, 2]", "?email=q@example.com&password=pw").await.unwrap();
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!({"email": "q@example.com", "password_len": 2, "remember": null}));
}

#[tokio::test]
async fn missing_arguments_are_all_listed() {
    let server = server().await;
    let url = server.url("/login");
    let response = client().post(&url).json(&json!({})).send().await.unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({
            "detail": format!("Validation failed for {url} with method POST."),
            "errors": [
                {"loc": ["query", "email"], "type": "missing", "msg": "Field required"},
                {"loc": ["query", "password"], "type": "missing", "msg": "Field required"},
            ]
        })
    );
}

#[tokio::test]
async fn data_binds_the_whole_body_from_json_or_form() {
    let server = server().await;
    let http = client();
    let body: Value = http
        .post(server.url("/items?dry_run=1"))
        .json(&json!({"name": "pen", "price": 1.5}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body, json!({"name": "pen", "price": 1.5, "dry_run": true}));
    let response = http.post(server.url("/items")).form(&[("name", "ink"), ("price", "2.25")]).send().await.unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(response.json::<Value>().await.unwrap(), json!({"name": "ink", "price": 2.25, "dry_run": null}));
    let response = http.put(server.url("/items/9")).json(&json!({"name": "cap", "price": 3})).send().await.unwrap();
    assert_eq!(response.status(), 202);
    assert_eq!(response.json::<Value>().await.unwrap(), json!({"id": 9, "name": "cap"}));
}

#[tokio::test]
async fn malformed_json_is_400_in_validation_shape_not_500() {
    let server = server().await;
    let url = server.url("/items");
    let response = client()
        .post(&url)
        .header("content-type", "application/json")
        .body(r#"{"name": "pen", "price": "#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["detail"], format!("Validation failed for {url} with method POST."));
    assert_eq!(body["errors"][0]["loc"], json!(["body"]));
    assert_eq!(body["errors"][0]["type"], "json_invalid");
}

#[tokio::test]
async fn wrong_body_shape_names_the_problem() {
    let server = server().await;
    let response = client().post(server.url("/items")).json(&json!({"name": "pen"})).send().await.unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert!(body["errors"][0]["msg"].as_str().unwrap().contains("price"), "{body}");
}

#[tokio::test]
async fn wrong_content_type_for_data_is_415() {
    let server = server().await;
    let response =
        client().post(server.url("/items")).header("content-type", "text/plain").body("name=pen").send().await.unwrap();
    assert_eq!(response.status(), 415);
    let body: Value = response.json().await.unwrap();
    assert!(body["detail"].as_str().unwrap().contains("text/plain"), "{body}");
}

#[tokio::test]
async fn default_and_explicit_statuses() {
    let server = server().await;
    let http = client();
    let response = http.delete(server.url("/items/3")).send().await.unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(response.text().await.unwrap(), "");
    let response = http.delete(server.url("/items/0")).send().await.unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(response.text().await.unwrap(), r#"{"detail":"No such item"}"#);
    let response = http.patch(server.url("/items/5")).send().await.unwrap();
    assert_eq!(response.status(), 202);
    assert_eq!(http.get(server.url("/multi")).send().await.unwrap().text().await.unwrap(), "GET");
    let response = http.post(server.url("/multi")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "POST");
    let response = http.get(server.url("/private")).send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.text().await.unwrap(), r#"{"detail":"Not authenticated"}"#);
    let response = http.get(server.url("/go")).send().await.unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/hello");
}

#[tokio::test]
async fn text_responses_are_utf8_plain_text() {
    let server = server().await;
    let response = client().get(server.url("/profile")).send().await.unwrap();
    assert_eq!(response.headers()["content-type"], "text/plain; charset=utf-8");
}

#[tokio::test]
async fn a_panic_is_a_500_and_the_server_keeps_serving() {
    let server = server().await;
    let http = client();
    let response = http.get(server.url("/panic")).send().await.unwrap();
    assert_eq!(response.status(), 500);
    assert_eq!(response.text().await.unwrap(), r#"{"detail":"Internal Server Error"}"#);
    let response = http.get(server.url("/hello")).send().await.unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn debug_mode_shows_the_panic_and_only_then() {
    init_logs();
    let server = TestServer::start(Ravyn::builder().routes(routes()).debug(true).build().unwrap()).await;
    let body: Value = client().get(server.url("/panic")).send().await.unwrap().json().await.unwrap();
    assert_eq!(body["detail"], "Internal Server Error");
    assert_eq!(body["error"], "boom in handler");
}

#[tokio::test]
async fn head_works_on_every_get_route_without_a_body() {
    let server = server().await;
    let response = client().head(server.url("/hello")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-length"], r#"{"message":"hello"}"#.len().to_string());
    assert_eq!(response.bytes().await.unwrap().len(), 0);
}

#[tokio::test]
async fn redirect_slashes_points_to_the_route_that_exists() {
    let server = server().await;
    let http = client();
    let response = http.get(server.url("/profile/?tab=1")).send().await.unwrap();
    assert_eq!(response.status(), 307);
    assert_eq!(response.headers()["location"], "/profile?tab=1");
    let off = TestServer::start(Ravyn::builder().routes(routes()).redirect_slashes(false).build().unwrap()).await;
    let response = http.get(off.url("/profile/")).send().await.unwrap();
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn body_over_the_limit_is_413() {
    init_logs();
    let app = Ravyn::builder().routes(routes()).max_body_size(1024).build().unwrap();
    let server = TestServer::start(app).await;
    let http = client();
    let big = json!({"name": "x".repeat(2048), "price": 1});
    let response = http.post(server.url("/items")).json(&big).send().await.unwrap();
    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.unwrap();
    assert!(body["detail"].as_str().unwrap().contains("1024"), "{body}");
    // Chunked (no Content-Length) bodies are bounded as they stream in.
    let raw = raw_exchange(
        server.addr,
        "POST /items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n\
         320\r\n",
        &[vec![b'a'; 800], b"\r\n320\r\n".to_vec(), vec![b'b'; 800], b"\r\n0\r\n\r\n".to_vec()],
    )
    .await;
    assert!(raw.starts_with("HTTP/1.1 413"), "{raw}");
    let small = json!({"name": "pen", "price": 1});
    assert_eq!(http.post(server.url("/items")).json(&small).send().await.unwrap().status(), 201);
}

/// Sends a raw HTTP/1.1 request (head, then each chunk of bytes) and reads the answer until the
/// server closes or 2 s pass.
async fn raw_exchange(addr: std::net::SocketAddr, head: &str, chunks: &[Vec<u8>]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    for chunk in chunks {
        // The server may answer and close before reading everything; that is fine.
        if stream.write_all(chunk).await.is_err() {
            break;
        }
    }
    let mut buf = vec![0; 4096];
    let n = tokio::time::timeout(Duration::from_secs(2), stream.read(&mut buf)).await.unwrap().unwrap();
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

#[tokio::test]
async fn oversized_headers_are_431() {
    let server = server().await;
    let response = client().get(server.url("/hello")).header("x-big", "a".repeat(17 * 1024)).send().await.unwrap();
    assert_eq!(response.status(), 431);
    let body: Value = response.json().await.unwrap();
    assert!(body["detail"].as_str().unwrap().contains("16384"), "{body}");
}

#[tokio::test]
async fn request_exposes_path_cookies_client_and_headers() {
    let server = server().await;
    let body: Value = client()
        .get(server.url("/inspect"))
        .header("cookie", "theme=dark; lang=en")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body, json!({"path": "/inspect", "client_is_loopback": true, "cookie": "dark", "trace": null}));
}

#[cfg(feature = "http2")]
#[tokio::test]
async fn http2_cleartext_is_served() {
    let server = server().await;
    let http2 = reqwest::Client::builder().http2_prior_knowledge().build().unwrap();
    let response = http2.get(server.url("/hello")).send().await.unwrap();
    assert_eq!(response.version(), reqwest::Version::HTTP_2);
    assert_eq!(response.text().await.unwrap(), r#"{"message":"hello"}"#);
}

#[tokio::test]
async fn keep_alive_reuses_one_connection() {
    let server = server().await;
    let http = reqwest::Client::builder().pool_max_idle_per_host(1).build().unwrap();
    for _ in 0..5 {
        assert_eq!(http.get(server.url("/inspect")).send().await.unwrap().status(), 200);
    }
}

struct Tag(&'static str);

impl Middleware for Tag {
    async fn call(&self, mut request: Request, next: Next) -> Response {
        let trace = match request.headers().get("x-trace").and_then(|v| v.to_str().ok()) {
            Some(before) => format!("{before}>{}", self.0),
            None => self.0.to_owned(),
        };
        request.headers_mut().insert("x-trace", HeaderValue::try_from(trace).unwrap());
        let mut response = next.run(request).await;
        let after = match response.headers().get("x-after").and_then(|v| v.to_str().ok()) {
            Some(before) => format!("{before}<{}", self.0),
            None => self.0.to_owned(),
        };
        response.headers_mut().insert("x-after", HeaderValue::try_from(after).unwrap());
        response
    }
}

#[tokio::test]
async fn middleware_runs_app_then_include_then_gateway_and_unwinds_in_reverse() {
    init_logs();
    let app = Ravyn::builder()
        .middleware(Tag("app1"))
        .middleware(Tag("app2"))
        .routes(vec![
            Include::new("/nested", vec![Gateway::new(inspect).middleware(Tag("gateway"))]).middleware(Tag("include"))
        ])
        .build()
        .unwrap();
    let server = TestServer::start(app).await;
    let response = client().get(server.url("/nested/inspect")).send().await.unwrap();
    assert_eq!(response.headers()["x-after"], "gateway<include<app2<app1");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["trace"], "app1>app2>include>gateway");
    // App middleware also wraps answers that never reach a route.
    let response = client().get(server.url("/missing")).send().await.unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(response.headers()["x-after"], "app2<app1");
}

#[tokio::test]
async fn middleware_can_short_circuit_and_errors_pass_through_it() {
    init_logs();
    let guard = from_fn(|request: Request, next: Next| async move {
        if request.headers().contains_key("x-token") {
            next.run(request).await
        } else {
            ravyn::IntoResponse::into_response(HTTPException::new(401, "Token required"))
        }
    });
    let app = Ravyn::builder()
        .middleware(Tag("outer"))
        .routes(vec![Gateway::new(hello).middleware(guard), Gateway::new(private)])
        .build()
        .unwrap();
    let server = TestServer::start(app).await;
    let http = client();
    let response = http.get(server.url("/hello")).send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["x-after"], "outer");
    assert_eq!(response.text().await.unwrap(), r#"{"detail":"Token required"}"#);
    let response = http.get(server.url("/hello")).header("x-token", "t").send().await.unwrap();
    assert_eq!(response.status(), 200);
    let response = http.get(server.url("/private")).send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["x-after"], "outer");
}

#[tokio::test]
async fn graceful_shutdown_lets_in_flight_requests_finish() {
    let server = server().await;
    let url = server.url("/slow");
    let addr = server.addr;
    let in_flight = tokio::spawn(async move { client().get(url).send().await });
    tokio::time::sleep(Duration::from_millis(150)).await;
    let stopped = server.shutdown();
    let response = in_flight.await.unwrap().expect("in-flight request completes");
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "done");
    tokio::time::timeout(Duration::from_secs(5), stopped).await.expect("server stops").unwrap().unwrap();
    assert!(tokio::net::TcpStream::connect(addr).await.is_err(), "no new connections after shutdown");
}

/// A server whose header read timeout is 300 ms, and a raw connection to it.
async fn connect_with_header_timeout() -> (TestServer, tokio::net::TcpStream) {
    init_logs();
    let app = Ravyn::builder().routes(routes()).header_read_timeout(Duration::from_millis(300)).build().unwrap();
    let server = TestServer::start(app).await;
    let stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    (server, stream)
}

#[tokio::test]
async fn slow_header_senders_are_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (_server, mut stream) = connect_with_header_timeout().await;
    stream.write_all(b"GET /hello HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(3), stream.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the server closes a connection whose headers never finish");
}

/// Sends one `GET path` on `stream` (HTTP/1.1, keep-alive) and reads its whole response.
async fn get_on(stream: &mut tokio::net::TcpStream, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes()).await.unwrap();
    let mut response = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "connection closed mid-response: {}", String::from_utf8_lossy(&response));
        response.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&response);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase().strip_prefix("content-length: ").map(|v| v.trim().parse().unwrap())
                })
                .unwrap_or(0);
            if body.len() >= length {
                return text.into_owned();
            }
        }
    }
}

#[tokio::test]
async fn a_keep_alive_connection_is_cut_off_when_its_next_headers_are_slow() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (_server, mut stream) = connect_with_header_timeout().await;
    assert!(get_on(&mut stream, "/hello").await.starts_with("HTTP/1.1 200"));
    stream.write_all(b"GET /hello HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let started = std::time::Instant::now();
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(3), stream.read_to_end(&mut rest)).await;
    assert!(read.is_ok(), "the server closes a keep-alive connection whose next headers never finish");
    assert!(rest.is_empty(), "no answer to the unfinished request: {}", String::from_utf8_lossy(&rest));
    assert!(started.elapsed() >= Duration::from_millis(200), "not before the timeout: {:?}", started.elapsed());
}

#[tokio::test]
async fn the_header_timeout_spares_busy_connections_and_slow_handlers() {
    let (_server, mut stream) = connect_with_header_timeout().await;
    // Requests 100 ms apart for 800 ms in all, well past the timeout, on one connection.
    for _ in 0..8 {
        assert!(get_on(&mut stream, "/hello").await.starts_with("HTTP/1.1 200"));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A handler that takes 600 ms, twice the timeout: the request is in flight, not slow to send.
    let response = get_on(&mut stream, "/slow").await;
    assert!(response.starts_with("HTTP/1.1 200") && response.ends_with("done"), "{response}");
    assert!(get_on(&mut stream, "/hello").await.starts_with("HTTP/1.1 200"));
}

#[test]
fn colliding_routes_are_a_build_error_naming_both() {
    #[get("/hello")]
    async fn other_hello() -> &'static str {
        "other"
    }
    let error = Ravyn::builder().routes(vec![Gateway::new(hello), Gateway::new(other_hello)]).build().unwrap_err();
    let message = error.to_string();
    assert!(message.contains("hello (GET /hello)") && message.contains("other_hello (GET /hello)"), "{message}");

    #[get("/users/{name}")]
    async fn by_name(name: String) -> String {
        name
    }
    let error = Ravyn::builder().routes(vec![Gateway::new(user), Gateway::new(by_name)]).build().unwrap_err();
    let message = error.to_string();
    assert!(message.contains("user") && message.contains("by_name"), "{message}");
}

struct AppSettings;

impl Settings for AppSettings {
    fn max_body_size(&self) -> usize {
        64
    }
    fn redirect_slashes(&self) -> bool {
        false
    }
}

#[tokio::test]
async fn builder_wins_over_settings_module_which_wins_over_defaults() {
    init_logs();
    let app = Ravyn::builder().settings_module(AppSettings).redirect_slashes(true).routes(routes()).build().unwrap();
    assert_eq!(app.config().max_body_size(), 64, "settings module over default");
    assert!(app.config().redirect_slashes(), "builder over settings module");
    assert_eq!(app.config().max_header_size(), 16 * 1024, "default");
    let server = TestServer::start(app).await;
    let http = client();
    let response = http.post(server.url("/items")).json(&json!({"name": "x".repeat(100), "price": 1})).send().await;
    assert_eq!(response.unwrap().status(), 413, "settings module's body limit applies");
    assert_eq!(http.get(server.url("/profile/")).send().await.unwrap().status(), 307, "builder's redirect applies");
}

#[tokio::test]
async fn requests_refused_for_their_size_still_pass_through_app_middleware() {
    init_logs();
    let app = Ravyn::builder().middleware(Tag("app")).routes(routes()).max_body_size(1024).build().unwrap();
    let server = TestServer::start(app).await;
    let http = client();
    let response = http.post(server.url("/items")).json(&json!({"name": "x".repeat(2048), "price": 1})).send().await;
    let response = response.unwrap();
    assert_eq!(response.status(), 413);
    assert_eq!(response.headers()["x-after"], "app");
    let response = http.get(server.url("/hello")).header("x-big", "a".repeat(17 * 1024)).send().await.unwrap();
    assert_eq!(response.status(), 431);
    assert_eq!(response.headers()["x-after"], "app");
}
