//! The route attributes: what they expand to, proven in-process with `TestClient` (binding,
//! statuses, `RouteSpec`), and their compile errors, snapshot-tested with trybuild.
//!
//! The `ravyn-macros` doc examples cannot be doc-tested in that crate (it cannot depend on
//! `ravyn`), so each one is compiled and exercised here: `login`, `user`, `replace_item`,
//! `rename_item`, `delete_item`, `echo`.

use ravyn::http::StatusCode;
use ravyn::testing::TestClient;
use ravyn::{delete, get, patch, post, put, route, Gateway, HTTPException, Handler, Json, Ravyn, Request};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

// ---- handlers ---------------------------------------------------------------------------------

/// The `get` attribute's doc example.
#[get("/users/{id}")]
async fn user(id: u64, verbose: Option<bool>) -> Json<Value> {
    Json(json!({"id": id, "verbose": verbose.unwrap_or(false)}))
}

/// Path parameters: a number and a string (percent-decoded by the router).
#[get("/users/{id}/{name}")]
async fn user_named(id: u64, name: String) -> Json<Value> {
    Json(json!({"id": id, "name": name}))
}

#[get("/files/{*rest}")]
async fn file(rest: String) -> String {
    rest
}

/// Query arguments, one of them optional, one repeated.
#[get("/search")]
async fn search(q: String, page: Option<u32>, tag: Vec<String>) -> Json<Value> {
    Json(json!({"q": q, "page": page, "tags": tag}))
}

/// The `post` attribute's doc example.
#[post("/login")]
async fn login(request: Request, email: String, password: String) -> Result<Json<Value>, HTTPException> {
    if password != "secret" {
        return Err(HTTPException::new(401, "Invalid credentials"));
    }
    Ok(Json(json!({"email": email, "path": request.path()})))
}

#[derive(Debug, Deserialize, Serialize, schemars::JsonSchema)]
struct Item {
    name: String,
    price: f64,
}

/// `data` is the whole body; `dry_run` then comes from the query only.
#[post("/items")]
async fn create_item(data: Item, dry_run: Option<bool>) -> Json<Value> {
    Json(json!({"name": data.name, "price": data.price, "dry_run": dry_run}))
}

/// The `put` attribute's doc example, with `payload` and an explicit status.
#[put("/items/{id}", status_code = 202)]
async fn replace_item(id: u32, payload: Item) -> Json<Value> {
    Json(json!({"id": id, "name": payload.name}))
}

/// The `patch` attribute's doc example.
#[patch("/items/{id}")]
async fn rename_item(id: u32, name: String) -> Json<Value> {
    Json(json!({"id": id, "name": name}))
}

/// The `delete` attribute's doc example: 204 by default, no body.
#[delete("/items/{id}")]
async fn delete_item(id: u32) -> Result<(), HTTPException> {
    if id == 0 {
        return Err(HTTPException::new(404, "No such item"));
    }
    Ok(())
}

#[delete("/things/{id}", status_code = 200)]
async fn delete_thing(id: u32) -> Json<Value> {
    Json(json!({"deleted": id}))
}

/// The `route` attribute's doc example.
#[route("/echo", methods = ["GET", "POST"])]
async fn echo(request: Request) -> String {
    request.method().to_string()
}

/// The status the handler returns wins over the route's default.
#[post("/accept")]
async fn accept() -> (StatusCode, Json<Value>) {
    (StatusCode::ACCEPTED, Json(json!({"queued": true})))
}

#[get("/hello")]
async fn hello() -> &'static str {
    "hello"
}

/// The request under any name, raw identifiers, `mut` arguments.
#[get("/kinds/{type}")]
async fn kinds(mut req: Request, r#type: String, mut limit: Option<u8>) -> Json<Value> {
    req.headers_mut().remove("x-ignored");
    limit.get_or_insert(10);
    Json(json!({"type": r#type, "limit": limit, "path": req.path()}))
}

/// Validation: every failing argument is listed.
#[post("/register")]
async fn register(age: u8, email: String, newsletter: Option<bool>) -> Json<Value> {
    Json(json!({"age": age, "email": email, "newsletter": newsletter}))
}

fn helper(request: &Request) -> String {
    request.path().to_owned()
}

#[get("/passes-request")]
async fn passes_request(request: Request) -> String {
    helper(&request)
}

#[get("/names-session")]
async fn names_session() -> String {
    let session = "not really";
    session.to_owned()
}

#[get("/reads-session")]
async fn reads_session(request: Request) -> String {
    format!("{:?}", request.try_session().map(|s| s.len()))
}

/// Reads the session through a typed argument.
#[get("/takes-session")]
async fn takes_session(session: ravyn::session::Session, page: Option<u32>) -> String {
    format!("{} {page:?}", session.len())
}

mod nested {
    use ravyn::{get, Json};
    use serde_json::{json, Value};

    /// A public handler in a module: the struct keeps the function's visibility.
    #[get("/nested")]
    pub async fn nested() -> Json<Value> {
        Json(json!({"nested": true}))
    }
}

fn client() -> TestClient {
    let app = Ravyn::builder()
        .routes(vec![
            Gateway::new(user),
            Gateway::new(user_named),
            Gateway::new(file),
            Gateway::new(search),
            Gateway::new(login),
            Gateway::new(create_item),
            Gateway::new(replace_item),
            Gateway::new(rename_item),
            Gateway::new(delete_item),
            Gateway::new(delete_thing),
            Gateway::new(echo),
            Gateway::new(accept),
            Gateway::new(hello),
            Gateway::new(kinds),
            Gateway::new(register),
            Gateway::new(passes_request),
            Gateway::new(names_session),
            Gateway::new(nested::nested),
        ])
        .build()
        .expect("the test app builds");
    TestClient::new(app)
}

// ---- path parameters --------------------------------------------------------------------------

#[tokio::test]
async fn binds_path_parameters_by_type() {
    let response = client().get("/users/42/ada").send().await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>(), json!({"id": 42, "name": "ada"}));
}

#[tokio::test]
async fn path_parameter_with_an_optional_query_argument() {
    let client = client();
    assert_eq!(client.get("/users/3").send().await.json::<Value>(), json!({"id": 3, "verbose": false}));
    assert_eq!(client.get("/users/3?verbose=yes").send().await.json::<Value>(), json!({"id": 3, "verbose": true}));
}

#[tokio::test]
async fn path_parameters_are_percent_decoded() {
    let response = client().get("/users/7/J%C3%B6rg%20M").send().await;
    assert_eq!(response.json::<Value>()["name"], "Jörg M");
}

#[tokio::test]
async fn catch_all_takes_the_rest_of_the_path() {
    let response = client().get("/files/static/css/site.css").send().await;
    assert_eq!(response.text(), "static/css/site.css");
}

#[tokio::test]
async fn unparsable_path_parameter_is_a_400_naming_it() {
    let response = client().get("/users/abc/ada").send().await;
    assert_eq!(response.status(), 400);
    let body = response.json::<Value>();
    assert_eq!(body["errors"][0]["loc"], json!(["path", "id"]));
    assert_eq!(body["errors"][0]["type"], "parsing");
}

#[tokio::test]
async fn raw_identifiers_and_any_request_name() {
    let response = client().get("/kinds/widget?limit=3").send().await;
    assert_eq!(response.json::<Value>(), json!({"type": "widget", "limit": 3, "path": "/kinds/widget"}));
    let response = client().get("/kinds/widget").send().await;
    assert_eq!(response.json::<Value>()["limit"], 10);
}

// ---- query and body ---------------------------------------------------------------------------

#[tokio::test]
async fn binds_query_arguments_and_options() {
    let response = client().get("/search?q=rust&tag=a").send().await;
    assert_eq!(response.json::<Value>(), json!({"q": "rust", "page": null, "tags": ["a"]}));

    let response = client().get("/search?q=rust&page=3&tag=a&tag=b").send().await;
    assert_eq!(response.json::<Value>(), json!({"q": "rust", "page": 3, "tags": ["a", "b"]}));
}

#[tokio::test]
async fn json_body_key_overrides_the_query() {
    let response = client()
        .post("/login?email=query@example.com&password=secret")
        .json(&json!({"email": "body@example.com"}))
        .send()
        .await;
    assert_eq!(response.status(), 201);
    assert_eq!(response.json::<Value>(), json!({"email": "body@example.com", "path": "/login"}));
}

#[tokio::test]
async fn form_body_binds_arguments() {
    let response = client().post("/login").form(&[("email", "form@example.com"), ("password", "secret")]).send().await;
    assert_eq!(response.status(), 201);
    assert_eq!(response.json::<Value>()["email"], "form@example.com");
}

#[tokio::test]
async fn handler_errors_keep_their_status() {
    let response = client().post("/login").json(&json!({"email": "a@example.com", "password": "nope"})).send().await;
    assert_eq!(response.status(), 401);
    assert_eq!(response.json::<Value>(), json!({"detail": "Invalid credentials"}));
}

#[tokio::test]
async fn data_binds_the_whole_json_body() {
    let response =
        client().post("/items?dry_run=true").json(&json!({"name": "pen", "price": 1.5, "dry_run": false})).send().await;
    assert_eq!(response.status(), 201);
    // With a `data` argument, other arguments come from the query only: the body's `dry_run`
    // belongs to the item.
    assert_eq!(response.json::<Value>(), json!({"name": "pen", "price": 1.5, "dry_run": true}));
}

#[tokio::test]
async fn data_binds_the_whole_form_body() {
    let response = client().post("/items").form(&[("name", "ink"), ("price", "2.25")]).send().await;
    assert_eq!(response.status(), 201);
    assert_eq!(response.json::<Value>(), json!({"name": "ink", "price": 2.25, "dry_run": null}));
}

#[tokio::test]
async fn payload_binds_the_body_too() {
    let response = client().put("/items/9").json(&json!({"name": "cap", "price": 3.0})).send().await;
    assert_eq!(response.status(), 202);
    assert_eq!(response.json::<Value>(), json!({"id": 9, "name": "cap"}));
}

#[tokio::test]
async fn data_with_an_unsupported_content_type_is_415() {
    let response = client().post("/items").header("content-type", "text/plain").body("name=pen&price=1").send().await;
    assert_eq!(response.status(), 415);
    assert!(response.json::<Value>()["detail"].as_str().is_some_and(|d| d.contains("text/plain")));
}

#[tokio::test]
async fn data_that_does_not_fit_is_a_400_on_the_body() {
    let response = client().post("/items").json(&json!({"name": "pen"})).send().await;
    assert_eq!(response.status(), 400);
    let body = response.json::<Value>();
    assert_eq!(body["errors"][0]["loc"], json!(["body"]));
    assert!(body["errors"][0]["msg"].as_str().is_some_and(|m| m.contains("price")));
}

#[tokio::test]
async fn malformed_json_is_a_400_even_when_every_argument_has_a_query_value() {
    let response = client()
        .post("/login?email=a@example.com&password=secret")
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await;
    assert_eq!(response.status(), 400);
    assert_eq!(response.json::<Value>()["errors"][0]["type"], "json_invalid");
}

#[tokio::test]
async fn validation_error_lists_every_failing_field() {
    let response = client().post("/register?age=old&newsletter=maybe").send().await;
    assert_eq!(response.status(), 400);
    let body = response.json::<Value>();
    assert_eq!(
        body["detail"],
        "Validation failed for http://testserver/register?age=old&newsletter=maybe with method POST."
    );
    let errors = body["errors"].as_array().expect("an errors list");
    let locs: Vec<&Value> = errors.iter().map(|e| &e["loc"]).collect();
    assert_eq!(locs, [&json!(["query", "age"]), &json!(["query", "email"]), &json!(["query", "newsletter"])]);
    let types: Vec<&Value> = errors.iter().map(|e| &e["type"]).collect();
    assert_eq!(types, [&json!("parsing"), &json!("missing"), &json!("parsing")]);
    assert!(errors.iter().all(|e| e["msg"].as_str().is_some_and(|m| !m.is_empty())));
    assert_eq!(errors[1]["msg"], "Field required");
}

// ---- statuses and methods ---------------------------------------------------------------------

#[tokio::test]
async fn default_statuses_follow_ravyn() {
    let client = client();
    assert_eq!(client.get("/hello").send().await.status(), 200);
    assert_eq!(client.post("/items").json(&json!({"name": "a", "price": 1})).send().await.status(), 201);
    assert_eq!(client.patch("/items/1?name=b").send().await.status(), 200);
    let deleted = client.delete("/items/1").send().await;
    assert_eq!(deleted.status(), 204);
    assert!(deleted.bytes().is_empty());
}

#[tokio::test]
async fn explicit_status_codes_replace_the_default() {
    let client = client();
    assert_eq!(client.put("/items/1").json(&json!({"name": "a", "price": 1})).send().await.status(), 202);
    let deleted = client.delete("/things/5").send().await;
    assert_eq!(deleted.status(), 200);
    assert_eq!(deleted.json::<Value>(), json!({"deleted": 5}));
}

#[tokio::test]
async fn errors_from_a_204_route_keep_their_status() {
    let response = client().delete("/items/0").send().await;
    assert_eq!(response.status(), 404);
    assert_eq!(response.json::<Value>(), json!({"detail": "No such item"}));
}

#[tokio::test]
async fn the_returned_status_wins_over_the_default() {
    let response = client().post("/accept").send().await;
    assert_eq!(response.status(), 202);
    assert_eq!(response.json::<Value>(), json!({"queued": true}));
}

#[tokio::test]
async fn route_answers_each_of_its_methods() {
    let client = client();
    let get = client.get("/echo").send().await;
    assert_eq!((get.status(), get.text()), (StatusCode::OK, "GET".to_owned()));
    let post = client.post("/echo").send().await;
    assert_eq!((post.status(), post.text()), (StatusCode::OK, "POST".to_owned()));
    let put = client.put("/echo").send().await;
    assert_eq!(put.status(), 405);
}

#[tokio::test]
async fn handlers_in_modules_keep_their_visibility() {
    assert_eq!(client().get("/nested").send().await.json::<Value>(), json!({"nested": true}));
}

// ---- RouteSpec --------------------------------------------------------------------------------

#[test]
fn spec_declares_name_path_methods_and_status() {
    let spec = login.spec();
    assert_eq!((spec.name(), spec.path(), spec.methods(), spec.status_code()), ("login", "/login", &["POST"][..], 201));
    let spec = echo.spec();
    assert_eq!((spec.methods(), spec.status_code()), (&["GET", "POST"][..], 200));
    assert_eq!(delete_item.spec().status_code(), 204);
    assert_eq!(delete_thing.spec().status_code(), 200);
    assert_eq!(replace_item.spec().status_code(), 202);
    assert_eq!(kinds.spec().name(), "kinds");
    assert_eq!(kinds.spec().path(), "/kinds/{type}");
}

#[test]
fn spec_says_whether_the_handler_may_use_its_session() {
    // No request and no `session` identifier.
    assert!(!hello.spec().may_use_session());
    assert!(!create_item.spec().may_use_session());
    // The request only as a method receiver.
    assert!(!login.spec().may_use_session());
    assert!(!echo.spec().may_use_session());
    assert!(!kinds.spec().may_use_session());
    // The request handed to other code, which may read the session.
    assert!(passes_request.spec().may_use_session());
    // Issue 17: no more guessing from identifier names. A local variable called `session` in a
    // handler without a `Request` cannot reach the session (this asserted `true` before).
    assert!(!names_session.spec().may_use_session());
    // What can reach it: the request's own session methods, and a typed `Session` argument.
    assert!(reads_session.spec().may_use_session());
    assert!(takes_session.spec().may_use_session());
}

#[test]
fn spec_lists_what_the_handler_needs_and_its_arguments() {
    use ravyn::{ArgSource, Needs};
    assert_eq!(hello.spec().needs(), Needs::NONE);
    assert_eq!(echo.spec().needs(), Needs::REQUEST);
    assert_eq!(passes_request.spec().needs(), Needs::REQUEST | Needs::SESSION | Needs::USER | Needs::CSRF_TOKEN);
    assert_eq!(reads_session.spec().needs(), Needs::REQUEST | Needs::SESSION);
    assert_eq!(takes_session.spec().needs(), Needs::SESSION | Needs::BODY);
    assert_eq!(login.spec().needs(), Needs::REQUEST | Needs::BODY);
    let args: Vec<(&str, ArgSource, &str, bool)> =
        kinds.spec().args().iter().map(|a| (a.name(), a.source(), a.type_name(), a.required())).collect();
    assert_eq!(
        args,
        [
            ("req", ArgSource::Request, "Request", true),
            ("type", ArgSource::Path, "String", true),
            ("limit", ArgSource::QueryOrBody, "Option<u8>", false),
        ]
    );
    let args: Vec<(&str, ArgSource)> = takes_session.spec().args().iter().map(|a| (a.name(), a.source())).collect();
    assert_eq!(args, [("session", ArgSource::Extractor), ("page", ArgSource::QueryOrBody)]);
    assert_eq!(takes_session.spec().description(), Some("Reads the session through a typed argument."));
}

#[test]
fn spec_says_whether_the_handler_receives_the_request() {
    // Only these can skip the session step altogether.
    assert!(!hello.spec().receives_request());
    assert!(!create_item.spec().receives_request());
    // Any name, `mut` or not.
    assert!(login.spec().receives_request());
    assert!(echo.spec().receives_request());
    assert!(kinds.spec().receives_request());
}

#[test]
fn handlers_are_copyable_unit_structs() {
    let handler = hello;
    let copy = handler;
    assert_eq!(format!("{handler:?} {copy:?}"), "hello hello");
}

// ---- compile errors ---------------------------------------------------------------------------

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
    cases.pass("tests/ui/pass/*.rs");
}

#[tokio::test]
async fn a_session_argument_is_the_requests_session() {
    let app = Ravyn::builder()
        .session_config(ravyn::config::SessionConfig::new("a-long-random-secret-of-at-least-32-bytes"))
        .routes(vec![Gateway::new(takes_session), Gateway::new(reads_session)])
        .build()
        .unwrap();
    let client = TestClient::new(app);
    client.session_mut(|session| session.insert("user_id", 1)).await.unwrap();
    assert_eq!(client.get("/takes-session?page=2").send().await.text(), "1 Some(2)");
    assert_eq!(client.get("/reads-session").send().await.text(), "Some(1)");
    // Without a session configuration the argument cannot be built: a logged 500, not a panic.
    let app = Ravyn::builder().routes(vec![Gateway::new(takes_session)]).build().unwrap();
    assert_eq!(TestClient::new(app).get("/takes-session").send().await.status(), 500);
}
