//! The OpenAPI document: one test per rule of issue 13, read from `app.openapi_json()` (the bytes
//! the app serves) and, where serving is the point, over real HTTP.

// The `jwt` example's document and the bearer-token schemes need the `jwt` feature too.
#![cfg(all(feature = "openapi", feature = "jwt"))]

mod common;
#[path = "../examples/jwt/app.rs"]
mod jwt_app;

use common::{client, TestServer};
use ravyn::config::{OpenAPIConfig, SessionConfig};
use ravyn::openapi::{Contact, License, SecurityScheme, Server, Tag};
use ravyn::session::Session;
use ravyn::{delete, get, patch, post, put, route, Gateway, HTTPException, Include, Json, Ravyn, Request, Route};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[derive(Deserialize, Serialize, schemars::JsonSchema)]
struct NewUser {
    email: String,
    age: Option<u8>,
}

#[derive(Serialize, schemars::JsonSchema)]
struct UserOut {
    id: u64,
    email: String,
}

#[derive(Serialize, schemars::JsonSchema)]
struct Page<T> {
    items: Vec<T>,
    total: u64,
}

#[derive(Serialize, schemars::JsonSchema)]
struct Conflict {
    existing: u64,
}

/// Reads one user.
///
/// By id.
#[get("/users/{id}")]
async fn read_user(id: u64, verbose: Option<bool>) -> Result<Json<UserOut>, HTTPException> {
    let _ = verbose;
    Ok(Json(UserOut { id, email: "a@example.com".into() }))
}

#[post("/users", tags = ["users"], responses(409 = (Conflict, "already exists"), 401 = HTTPException))]
async fn create_user(data: NewUser) -> Json<UserOut> {
    Json(UserOut { id: 1, email: data.email })
}

#[put(
    "/users/{id}",
    status_code = 202,
    summary = "Replace",
    description = "Replaces a user.",
    operation_id = "replaceUser",
    response_description = "Accepted for processing"
)]
async fn replace_user(id: u64, payload: Option<NewUser>) -> Json<Value> {
    Json(json!({"id": id, "given": payload.is_some()}))
}

#[delete("/users/{id}")]
async fn delete_user(id: u64) -> Result<(), HTTPException> {
    let _ = id;
    Ok(())
}

#[patch("/users/{id}/email", deprecated)]
async fn rename_user(id: u64, email: String) -> String {
    format!("{id}:{email}")
}

#[deprecated = "use rename_user"]
#[post("/users/{id}/rename")]
async fn old_rename(id: u64) -> String {
    id.to_string()
}

#[get("/users")]
async fn list_users(page: Option<u32>, q: String) -> Json<Page<UserOut>> {
    let _ = (page, q);
    Json(Page { items: Vec::new(), total: 0 })
}

#[post("/login")]
async fn login(email: String, password: String) -> Result<Json<Value>, HTTPException> {
    let _ = (email, password);
    Err(HTTPException::new(401, "Invalid credentials"))
}

#[get("/hidden", include_in_schema = false)]
async fn hidden() -> &'static str {
    "hidden"
}

#[get("/me", security = ["session"], responses(401 = HTTPException))]
async fn me(session: Session) -> Json<Value> {
    Json(json!({"user": session.get::<u64>("user_id").ok().flatten()}))
}

#[get("/files/{*rest}")]
async fn file(rest: String, request: Request) -> String {
    format!("{rest} {}", request.path())
}

#[route("/echo", methods = ["GET", "POST"])]
async fn echo(request: Request) -> String {
    request.method().to_string()
}

#[get("/ping")]
async fn ping() {}

fn document(app: &Ravyn) -> Value {
    serde_json::from_str(app.openapi_json().expect("the document is on by default")).expect("JSON")
}

fn app(routes: Vec<Route>) -> Ravyn {
    Ravyn::builder().routes(routes).build().expect("build")
}

fn operation<'d>(document: &'d Value, path: &str, method: &str) -> &'d Value {
    let operation = &document["paths"][path][method];
    assert!(operation.is_object(), "no {method} {path} in {}", document["paths"]);
    operation
}

fn param<'o>(operation: &'o Value, name: &str) -> &'o Value {
    operation["parameters"]
        .as_array()
        .and_then(|params| params.iter().find(|p| p["name"] == name))
        .unwrap_or_else(|| panic!("no parameter {name} in {operation}"))
}

#[test]
fn paths_and_methods_are_the_routed_ones_with_prefixes() {
    let app = app(vec![
        Gateway::new(ping),
        Include::new(
            "/api",
            vec![Gateway::with_path("/v1", read_user), Include::new("/admin", vec![Gateway::new(echo)])],
        ),
        Gateway::new(file),
    ]);
    let doc = document(&app);
    assert_eq!(doc["openapi"], "3.1.0");
    let mut paths: Vec<&str> = doc["paths"].as_object().unwrap().keys().map(String::as_str).collect();
    paths.sort_unstable();
    assert_eq!(paths, ["/api/admin/echo", "/api/v1/users/{id}", "/files/{rest}", "/ping"]);
    let echo_item = doc["paths"]["/api/admin/echo"].as_object().unwrap();
    let mut methods: Vec<&str> = echo_item.keys().map(String::as_str).collect();
    methods.sort_unstable();
    assert_eq!(methods, ["get", "post"], "no implicit HEAD");
    assert_eq!(param(operation(&doc, "/files/{rest}", "get"), "rest")["in"], "path");
}

#[test]
fn path_and_query_parameters_by_name_and_type_option_not_required() {
    let doc = document(&app(vec![Gateway::new(read_user), Gateway::new(list_users)]));
    let read = operation(&doc, "/users/{id}", "get");
    assert_eq!(
        param(read, "id"),
        &json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "format": "uint64", "minimum": 0}})
    );
    assert_eq!(
        param(read, "verbose"),
        &json!({"name": "verbose", "in": "query", "required": false, "schema": {"type": "boolean"}})
    );
    let list = operation(&doc, "/users", "get");
    assert_eq!(param(list, "page")["required"], false);
    assert_eq!(param(list, "page")["schema"]["type"], "integer", "Option<u32> documents u32, not null");
    assert_eq!(param(list, "q")["required"], true);
    assert!(list.get("requestBody").is_none(), "GET documents no body");
}

#[test]
fn data_and_payload_are_the_body_in_json_and_form() {
    let doc = document(&app(vec![Gateway::new(create_user), Gateway::new(replace_user)]));
    let body = &operation(&doc, "/users", "post")["requestBody"];
    assert_eq!(body["required"], true);
    for media in ["application/json", "application/x-www-form-urlencoded"] {
        assert_eq!(body["content"][media]["schema"], json!({"$ref": "#/components/schemas/NewUser"}));
    }
    let new_user = &doc["components"]["schemas"]["NewUser"];
    assert_eq!(new_user["required"], json!(["email"]));
    let optional = &operation(&doc, "/users/{id}", "put")["requestBody"];
    assert_eq!(optional["required"], false, "Option<NewUser> payload");
    assert_eq!(optional["content"]["application/json"]["schema"], json!({"$ref": "#/components/schemas/NewUser"}));
}

#[test]
fn arguments_a_body_key_may_override_offer_a_body_on_post_only() {
    let doc = document(&app(vec![Gateway::new(login), Gateway::new(rename_user)]));
    let login_op = operation(&doc, "/login", "post");
    assert_eq!(param(login_op, "email")["in"], "query");
    let body = &login_op["requestBody"];
    assert_eq!(body["required"], false);
    assert_eq!(body["content"]["application/json"]["schema"]["properties"]["password"], json!({"type": "string"}));
    assert!(operation(&doc, "/users/{id}/email", "patch")["requestBody"].is_object());
}

#[test]
fn responses_come_from_the_return_type_under_the_default_status() {
    let doc = document(&app(vec![
        Gateway::new(read_user),
        Gateway::new(create_user),
        Gateway::new(replace_user),
        Gateway::new(delete_user),
        Gateway::new(rename_user),
        Gateway::new(ping),
        Gateway::new(list_users),
    ]));
    let ok = |path: &str, method: &str, status: &str| operation(&doc, path, method)["responses"][status].clone();
    // GET 200 with Result<Json<UserOut>, _>: the Ok side.
    assert_eq!(
        ok("/users/{id}", "get", "200")["content"]["application/json"]["schema"],
        json!({"$ref": "#/components/schemas/UserOut"})
    );
    // POST 201, PUT with status_code = 202, DELETE 204 without content.
    assert!(ok("/users", "post", "201")["content"]["application/json"].is_object());
    assert_eq!(ok("/users/{id}", "put", "202")["description"], "Accepted for processing");
    let deleted = ok("/users/{id}", "delete", "204");
    assert!(deleted.is_object() && deleted.get("content").is_none(), "{deleted}");
    assert_eq!(ok("/users/{id}/email", "patch", "200")["content"]["text/plain"]["schema"], json!({"type": "string"}));
    let pong = ok("/ping", "get", "200");
    assert!(pong.is_object() && pong.get("content").is_none());
    // Generic types get schemars' names, valid component names.
    let page = ok("/users", "get", "200")["content"]["application/json"]["schema"]["$ref"].as_str().unwrap().to_owned();
    let name = page.trim_start_matches("#/components/schemas/");
    assert!(name.starts_with("Page") && name.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)), "{name}");
    assert!(doc["components"]["schemas"][name].is_object());
    // Only the statuses the route can answer.
    let statuses = |path: &str, method: &str| -> Vec<String> {
        let mut statuses: Vec<String> =
            operation(&doc, path, method)["responses"].as_object().unwrap().keys().cloned().collect();
        statuses.sort_unstable();
        statuses
    };
    assert_eq!(statuses("/ping", "get"), ["200"]);
    assert_eq!(statuses("/users/{id}", "get"), ["200", "400"]);
    assert_eq!(statuses("/users", "post"), ["201", "400", "401", "409", "415"]);
}

#[tokio::test]
async fn the_documented_400_is_the_one_the_binder_sends() {
    let app = app(vec![Gateway::new(read_user)]);
    let doc = document(&app);
    let reference = operation(&doc, "/users/{id}", "get")["responses"]["400"]["content"]["application/json"]["schema"]
        ["$ref"]
        .clone();
    assert_eq!(reference, "#/components/schemas/ValidationError");
    let schemas = &doc["components"]["schemas"];
    assert_eq!(schemas["ValidationError"]["required"], json!(["detail", "errors"]));
    let entry = &schemas["FieldError"];
    let server = TestServer::start(app).await;
    let response = client().get(server.url("/users/nope?verbose=maybe")).send().await.unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    let mut keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    keys.sort_unstable();
    assert_eq!(keys, ["detail", "errors"]);
    for error in body["errors"].as_array().unwrap() {
        let mut fields: Vec<&str> = error.as_object().unwrap().keys().map(String::as_str).collect();
        fields.sort_unstable();
        let mut required: Vec<&str> = entry["required"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
        required.sort_unstable();
        assert_eq!(fields, required, "{error} against {entry}");
        assert!(error["loc"].as_array().unwrap().iter().all(Value::is_string));
    }
}

#[test]
fn attribute_keys_summary_description_ids_deprecated() {
    let doc = document(&app(vec![
        Gateway::new(read_user),
        Gateway::new(replace_user),
        Gateway::new(rename_user),
        Gateway::new(old_rename),
    ]));
    let read = operation(&doc, "/users/{id}", "get");
    assert_eq!(read["summary"], "Read User", "Ravyn's rule: the name, title-cased");
    assert_eq!(read["description"], "Reads one user.\n\nBy id.", "the doc comment");
    assert_eq!(read["operationId"], "read_user_users__id__get");
    assert!(read.get("deprecated").is_none());
    let replace = operation(&doc, "/users/{id}", "put");
    assert_eq!(
        (&replace["summary"], &replace["description"], &replace["operationId"]),
        (&json!("Replace"), &json!("Replaces a user."), &json!("replaceUser"))
    );
    assert_eq!(operation(&doc, "/users/{id}/email", "patch")["deprecated"], true);
    assert_eq!(operation(&doc, "/users/{id}/rename", "post")["deprecated"], true, "Rust's #[deprecated]");
}

#[test]
fn extra_responses_with_schemas_and_descriptions() {
    let doc = document(&app(vec![Gateway::new(create_user)]));
    let responses = &operation(&doc, "/users", "post")["responses"];
    assert_eq!(
        responses["409"],
        json!({"description": "already exists", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Conflict"}}}})
    );
    assert_eq!(
        responses["401"],
        json!({"description": "Unauthorized", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HTTPException"}}}})
    );
    assert_eq!(doc["components"]["schemas"]["HTTPException"]["required"], json!(["detail"]));
}

#[test]
fn include_in_schema_at_every_level() {
    let doc = document(&app(vec![
        Gateway::new(hidden),
        Gateway::new(ping).include_in_schema(false),
        Include::new("/internal", vec![Gateway::new(echo)]).include_in_schema(false),
        Gateway::new(read_user),
    ]));
    let paths: Vec<&String> = doc["paths"].as_object().unwrap().keys().collect();
    assert_eq!(paths, ["/users/{id}"]);
    let none = Ravyn::builder().routes(vec![Gateway::new(read_user)]).include_in_schema(false).build().unwrap();
    assert_eq!(document(&none)["paths"], json!({}));
}

#[test]
fn tags_merge_across_levels_and_are_tag_objects() {
    let app = Ravyn::builder()
        .tags(["api"])
        .openapi_config(OpenAPIConfig::new().tags([Tag::new("users").description("Accounts")]))
        .routes(vec![Include::new("/v1", vec![Gateway::new(create_user).tags(["write"])]).tags(["v1"])])
        .build()
        .unwrap();
    let doc = document(&app);
    assert_eq!(operation(&doc, "/v1/users", "post")["tags"], json!(["api", "v1", "write", "users"]));
    assert_eq!(
        doc["tags"],
        json!([{"name": "users", "description": "Accounts"}, {"name": "api"}, {"name": "v1"}, {"name": "write"}])
    );
}

#[test]
fn security_from_routes_levels_config_and_sessions() {
    let app = Ravyn::builder()
        .session_config(SessionConfig::new("a-long-random-secret-of-at-least-32-bytes").session_cookie("sid"))
        .openapi_config(
            OpenAPIConfig::new().security_scheme("key", SecurityScheme::api_key_header("X-Key")).security(["key"]),
        )
        .routes(vec![Gateway::new(me), Include::new("/admin", vec![Gateway::new(ping)]).security(["key"])])
        .build()
        .unwrap();
    let doc = document(&app);
    assert_eq!(
        doc["components"]["securitySchemes"]["session"],
        json!({"type": "apiKey", "in": "cookie", "name": "sid"})
    );
    assert_eq!(doc["components"]["securitySchemes"]["key"], json!({"type": "apiKey", "in": "header", "name": "X-Key"}));
    assert_eq!(doc["security"], json!([{"key": []}]));
    let me_op = operation(&doc, "/me", "get");
    assert_eq!(me_op["security"], json!([{"session": []}]));
    assert!(me_op.get("parameters").is_none(), "a typed argument (Session) is not a parameter");
    assert!(me_op["responses"].get("400").is_none(), "nothing binds by name");
    assert_eq!(operation(&doc, "/admin/ping", "get")["security"], json!([{"key": []}]));
}

#[test]
fn openapi_config_fields_go_into_info_and_servers() {
    let config = OpenAPIConfig::new()
        .title("Shop")
        .version("2.1.0")
        .summary("A shop")
        .description("Sells things.")
        .contact(Contact::new().name("Team").email("team@example.com"))
        .license(License::new("MIT").identifier("MIT"))
        .terms_of_service("https://example.com/terms")
        .servers([Server::new("https://api.example.com").description("production")]);
    let doc = document(&Ravyn::builder().openapi_config(config).build().unwrap());
    assert_eq!(
        doc["info"],
        json!({"title": "Shop", "version": "2.1.0", "summary": "A shop", "description": "Sells things.",
               "termsOfService": "https://example.com/terms", "contact": {"name": "Team", "email": "team@example.com"},
               "license": {"name": "MIT", "identifier": "MIT"}})
    );
    assert_eq!(doc["servers"], json!([{"url": "https://api.example.com", "description": "production"}]));
    let defaults = document(&Ravyn::builder().build().unwrap());
    assert_eq!(defaults["info"]["title"], "Ravyn");
    assert_eq!(defaults["servers"], json!([{"url": "/"}]));
}

struct OpenApiSettings;
impl ravyn::Settings for OpenApiSettings {
    fn openapi_config(&self) -> Option<OpenAPIConfig> {
        Some(OpenAPIConfig::new().title("From settings"))
    }
    fn enable_openapi(&self) -> bool {
        false
    }
}

#[test]
fn settings_module_and_builder_precedence() {
    let off = Ravyn::builder().settings_module(OpenApiSettings).build().unwrap();
    assert!(off.openapi_json().is_none());
    let on = Ravyn::builder().settings_module(OpenApiSettings).enable_openapi(true).build().unwrap();
    assert_eq!(document(&on)["info"]["title"], "From settings");
    let builder_wins = Ravyn::builder()
        .settings_module(OpenApiSettings)
        .enable_openapi(true)
        .openapi_config(OpenAPIConfig::new().title("From builder"))
        .build()
        .unwrap();
    assert_eq!(document(&builder_wins)["info"]["title"], "From builder");
}

#[test]
fn a_route_at_the_documents_url_is_a_build_error() {
    #[get("/openapi.json")]
    async fn mine() -> &'static str {
        "mine"
    }
    assert!(Ravyn::builder().routes(vec![Gateway::new(mine)]).build().is_err());
    let moved = Ravyn::builder()
        .routes(vec![Gateway::new(mine)])
        .openapi_config(OpenAPIConfig::new().openapi_url("/schema.json"))
        .build()
        .unwrap();
    assert!(document(&moved)["paths"]["/openapi.json"].is_object());
}

#[tokio::test]
async fn the_document_and_docs_pages_are_served_over_http() {
    let app = app(vec![Gateway::new(read_user)]);
    let expected = app.openapi_json().unwrap().to_owned();
    let server = TestServer::start(app).await;
    let response = client().get(server.url("/openapi.json")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(response.text().await.unwrap(), expected, "the cached bytes");
    for (path, marker) in [
        ("/docs/swagger", "SwaggerUIBundle"),
        ("/docs/redoc", "<redoc spec-url=\"/openapi.json\""),
        ("/docs/elements", "<elements-api apiDescriptionUrl=\"/openapi.json\""),
        ("/docs/rapidoc", "<rapi-doc spec-url=\"/openapi.json\""),
        ("/docs/scalar", "data-url=\"/openapi.json\""),
    ] {
        let response = client().get(server.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["content-type"], "text/html; charset=utf-8");
        let html = response.text().await.unwrap();
        assert!(html.contains(marker) && html.contains("cdn.jsdelivr.net"), "{path}: {html}");
    }
    assert!(!expected.contains("/docs/swagger"), "the docs are not operations");
}

#[tokio::test]
async fn turned_off_nothing_is_served() {
    let app = Ravyn::builder().routes(vec![Gateway::new(read_user)]).enable_openapi(false).build().unwrap();
    assert!(app.openapi_json().is_none());
    let server = TestServer::start(app).await;
    for path in ["/openapi.json", "/docs/swagger"] {
        assert_eq!(client().get(server.url(path)).send().await.unwrap().status(), 404, "{path}");
    }
}

#[tokio::test]
async fn docs_urls_can_move_or_go() {
    let config = OpenAPIConfig::new().openapi_url("/api/schema.json").docs_url("/swagger").redoc_url(None);
    let app = Ravyn::builder().routes(vec![Gateway::new(ping)]).openapi_config(config).build().unwrap();
    let server = TestServer::start(app).await;
    assert_eq!(client().get(server.url("/api/schema.json")).send().await.unwrap().status(), 200);
    let swagger = client().get(server.url("/swagger")).send().await.unwrap().text().await.unwrap();
    assert!(swagger.contains("\"/api/schema.json\""));
    assert_eq!(client().get(server.url("/docs/redoc")).send().await.unwrap().status(), 404);
}

/// A hand-written handler is documented from its `RouteSpec`: path, method, status, arguments.
struct Manual;
impl ravyn::Handler for Manual {
    fn spec(&self) -> ravyn::RouteSpec {
        static ARGS: [ravyn::ArgSpec; 1] = [ravyn::ArgSpec::new("n", ravyn::ArgSource::Query, "u8", true)];
        ravyn::RouteSpec::new("manual_route", "/manual", &["GET"], 200).with_args(&ARGS)
    }
    fn call(&self, _: Request) -> ravyn::BoxFuture<'static, ravyn::Response> {
        Box::pin(async { ravyn::Response::text("manual") })
    }
}

#[test]
fn hand_written_handlers_are_listed_from_their_spec() {
    let doc = document(&app(vec![Gateway::new(Manual)]));
    let manual = operation(&doc, "/manual", "get");
    assert_eq!(manual["summary"], "Manual Route");
    assert_eq!(param(manual, "n")["schema"], json!({}));
    assert_eq!(manual["responses"]["200"], json!({"description": "Successful response"}));
}

#[test]
fn operation_ids_follow_ravyn_and_stay_unique() {
    let doc = document(&app(vec![
        Include::new("/api", vec![Gateway::new(read_user)]),
        Gateway::with_path("/v1", ping),
        Gateway::with_path("/v2", ping),
    ]));
    // Ravyn's rule: the handler's own path, without the Include's prefix.
    assert_eq!(operation(&doc, "/api/users/{id}", "get")["operationId"], "read_user_users__id__get");
    // One handler mounted twice: the second falls back to its full path.
    assert_eq!(operation(&doc, "/v1/ping", "get")["operationId"], "ping_ping_get");
    assert_eq!(operation(&doc, "/v2/ping", "get")["operationId"], "ping_v2_ping_get");
}

// ---- Security and refusals: which routes need a caller (docs/openapi.md, "Security") ----

mod secured {
    use ravyn::auth::{AuthUser, Claims, Permission};
    use ravyn::jwt::JwtManager;
    use ravyn::{get, post, Json, Needs, Request};
    use serde_json::{json, Value};

    pub(crate) struct User;

    /// A user-written permission: it may refuse an authenticated caller (403).
    pub(crate) struct IsAdmin;
    impl Permission for IsAdmin {
        async fn has_permission(&self, request: &Request) -> bool {
            request.user::<User>().is_some()
        }
        fn needs(&self) -> Needs {
            Needs::USER
        }
    }

    #[get("/open")]
    pub async fn open() -> &'static str {
        "open"
    }

    #[get("/articles", permissions = [ravyn::auth::IsAuthenticatedOrReadOnly])]
    pub async fn articles() -> &'static str {
        "articles"
    }

    #[post("/articles", permissions = [ravyn::auth::IsAuthenticatedOrReadOnly])]
    pub async fn write_article() -> &'static str {
        "written"
    }

    #[get("/drafts")]
    pub async fn drafts() -> &'static str {
        "drafts"
    }

    #[get("/admin", permissions = [IsAdmin])]
    pub async fn admin() -> &'static str {
        "admin"
    }

    #[get("/anyone", permissions = [ravyn::auth::AllowAny])]
    pub async fn anyone() -> &'static str {
        "anyone"
    }

    #[get("/nobody", permissions = [ravyn::auth::DenyAll])]
    pub async fn nobody() -> &'static str {
        "nobody"
    }

    #[get("/whoami")]
    pub async fn whoami(user: AuthUser<User>) -> Json<Value> {
        let _ = user;
        Json(json!({}))
    }

    #[get("/claims")]
    pub async fn claims(claims: Claims) -> Json<Value> {
        let _ = claims;
        Json(json!({}))
    }

    #[get("/maybe")]
    pub async fn maybe(user: Option<AuthUser<User>>) -> String {
        user.is_some().to_string()
    }

    #[post("/token")]
    pub async fn token(jwt: JwtManager) -> String {
        jwt.issue_access("1", &ravyn::jwt::NoClaims {}).unwrap_or_default()
    }

    #[get("/keyed", security = ["key"], permissions = [ravyn::auth::IsAuthenticated])]
    pub async fn keyed() -> &'static str {
        "keyed"
    }
}

const SECRET: &str = "a-long-random-secret-of-at-least-32-bytes";

async fn load_user(_: ravyn::auth::Credentials) -> Result<Option<secured::User>, HTTPException> {
    Ok(Some(secured::User))
}

fn secured_routes() -> Vec<Route> {
    use secured::*;
    vec![
        Gateway::new(open),
        Gateway::new(articles),
        Gateway::new(write_article),
        Include::new("/me", vec![Gateway::new(drafts)]).permission(ravyn::auth::IsAuthenticated),
        Gateway::new(admin),
        Gateway::new(anyone),
        Gateway::new(nobody),
        Gateway::new(whoami),
        Gateway::new(claims),
        Gateway::new(maybe),
        Gateway::new(token),
        Gateway::new(keyed),
    ]
}

fn statuses(operation: &Value) -> Vec<String> {
    operation["responses"].as_object().expect("responses").keys().cloned().collect()
}

#[test]
fn routes_that_need_a_caller_list_the_apps_schemes_and_their_401_and_403() {
    let app = Ravyn::builder()
        .jwt_config(ravyn::config::JWTConfig::new(SECRET))
        .session_config(SessionConfig::new(SECRET).session_cookie("sid"))
        .user_loader(load_user)
        .openapi_config(OpenAPIConfig::new().security_scheme("key", SecurityScheme::api_key_header("X-Key")))
        .routes(secured_routes())
        .build()
        .unwrap();
    let doc = document(&app);
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"], json!({"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}));
    assert_eq!(schemes["session"], json!({"type": "apiKey", "in": "cookie", "name": "sid"}));
    assert!(doc.get("security").is_none(), "no app-wide requirement unless OpenAPIConfig::security says so");

    let both = json!([{"bearer": []}, {"session": []}]);
    // Nothing refuses: no security, no 401.
    for (path, method) in [
        ("/open", "get"),
        ("/articles", "get"), // IsAuthenticatedOrReadOnly lets reads through
        ("/anyone", "get"),   // AllowAny
        ("/maybe", "get"),    // Option<AuthUser<_>> never refuses
        ("/token", "post"),   // JwtManager reads the config, not the caller
    ] {
        let op = operation(&doc, path, method);
        assert!(op.get("security").is_none(), "{method} {path}: {op}");
        assert!(op["responses"].get("401").is_none() && op["responses"].get("403").is_none(), "{method} {path}");
    }
    // Only the anonymous are refused: 401 and the schemes, no 403.
    for (path, method) in [("/articles", "post"), ("/me/drafts", "get"), ("/whoami", "get"), ("/claims", "get")] {
        let op = operation(&doc, path, method);
        assert_eq!(op["security"], both, "{method} {path}");
        assert!(op["responses"].get("403").is_none(), "{method} {path}: {op}");
        let unauthorized = &op["responses"]["401"];
        assert_eq!(unauthorized["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/HTTPException");
        assert!(unauthorized["headers"]["WWW-Authenticate"].is_object(), "the app reads bearer tokens: a challenge");
    }
    // A user-written permission and DenyAll may refuse an authenticated caller too.
    for path in ["/admin", "/nobody"] {
        let op = operation(&doc, path, "get");
        assert_eq!(op["security"], both, "{path}");
        assert_eq!(statuses(op), ["200", "401", "403"], "{path}");
        assert_eq!(op["responses"]["403"]["description"], "You do not have permission to perform this action.");
    }
    // A route that names its scheme keeps it; its refusals are still listed.
    let keyed = operation(&doc, "/keyed", "get");
    assert_eq!(keyed["security"], json!([{"key": []}]));
    assert!(keyed["responses"]["401"].is_object());
}

#[test]
fn the_schemes_are_the_ways_the_app_can_authenticate() {
    use secured::*;
    // Sessions with a user loader, no tokens: the session cookie, and a 401 without a challenge.
    let sessions = Ravyn::builder()
        .session_config(SessionConfig::new(SECRET))
        .user_loader(load_user)
        .routes(vec![Gateway::new(admin)])
        .build()
        .unwrap();
    let doc = document(&sessions);
    let op = operation(&doc, "/admin", "get");
    assert_eq!(op["security"], json!([{"session": []}]));
    assert!(op["responses"]["401"].get("headers").is_none());
    assert!(doc["components"]["securitySchemes"].get("bearer").is_none());

    // Sessions without a user loader identify nobody; tokens alone do.
    let tokens = Ravyn::builder()
        .jwt_config(ravyn::config::JWTConfig::new(SECRET))
        .session_config(SessionConfig::new(SECRET))
        .routes(vec![Gateway::new(whoami)])
        .build()
        .unwrap();
    assert_eq!(operation(&document(&tokens), "/whoami", "get")["security"], json!([{"bearer": []}]));

    // Nothing can authenticate: every caller is anonymous, so 401 only, and no scheme to list.
    let nothing = Ravyn::builder().routes(vec![Gateway::new(nobody)]).build().unwrap();
    let doc = document(&nothing);
    let op = operation(&doc, "/nobody", "get");
    assert_eq!(statuses(op), ["200", "401"]);
    assert!(op.get("security").is_none());

    // App-wide permissions reach every route; an app-wide requirement the config states wins.
    let app_wide = Ravyn::builder()
        .jwt_config(ravyn::config::JWTConfig::new(SECRET))
        .permission(ravyn::auth::IsAuthenticated)
        .openapi_config(OpenAPIConfig::new().security(["bearer"]))
        .routes(vec![Gateway::new(open)])
        .build()
        .unwrap();
    let doc = document(&app_wide);
    assert_eq!(doc["security"], json!([{"bearer": []}]));
    let op = operation(&doc, "/open", "get");
    assert!(op.get("security").is_none(), "the document's own requirement applies");
    assert!(op["responses"]["401"].is_object());

    // Tokens read from another header, or under another scheme: an API key in that header.
    let header = Ravyn::builder()
        .jwt_config(ravyn::config::JWTConfig::new(SECRET).authorization_header("X-Access-Token"))
        .routes(vec![Gateway::new(whoami)])
        .build()
        .unwrap();
    let bearer = &document(&header)["components"]["securitySchemes"]["bearer"];
    assert_eq!(
        (&bearer["type"], &bearer["in"], &bearer["name"]),
        (&json!("apiKey"), &json!("header"), &json!("X-Access-Token"))
    );
}

#[tokio::test]
async fn over_http_the_jwt_examples_document_lists_the_statuses_its_routes_answer() {
    let server = TestServer::start(jwt_app::build(&jwt_app::Options::for_tests(SECRET)).unwrap()).await;
    let doc: Value = client().get(server.url("/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    let secured = [("/me", "get"), ("/auth/logout", "post"), ("/admin", "get")];
    for (path, method) in secured {
        assert_eq!(operation(&doc, path, method)["security"], json!([{"bearer": []}]), "{method} {path}");
    }
    for (path, method) in [("/hello", "get"), ("/auth/token", "post"), ("/auth/refresh", "post")] {
        assert!(operation(&doc, path, method).get("security").is_none(), "{method} {path}");
    }
    assert_eq!(statuses(operation(&doc, "/admin", "get")), ["200", "401", "403"]);
    assert_eq!(statuses(operation(&doc, "/me", "get")), ["200", "401"]);

    // The documented refusals are the ones the routes answer.
    let http = client();
    for (path, method) in secured {
        let request = if method == "get" { http.get(server.url(path)) } else { http.post(server.url(path)) };
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401, "{method} {path} without a token");
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
    }
    let pair: Value = http
        .post(server.url("/auth/token"))
        .json(&json!({"email": "bob@example.com", "password": "builder"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bob = pair["access_token"].as_str().unwrap();
    assert_eq!(http.get(server.url("/admin")).bearer_auth(bob).send().await.unwrap().status(), 403);
    assert_eq!(http.get(server.url("/me")).bearer_auth(bob).send().await.unwrap().status(), 200);
}
