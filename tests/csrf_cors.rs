//! CSRFConfig and CORSConfig over real HTTP: a real server on 127.0.0.1, a real client (reqwest).

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;
#[path = "../examples/login/app.rs"]
mod login_app;

use common::{client, init_logs, TestServer};
use ravyn::config::{CORSConfig, CSRFConfig, SameSite, SessionConfig};
use ravyn::{get, post, route, ConfigError, Gateway, HTTPException, Json, NotAuthorized, Ravyn, Request, Settings};
use reqwest::header::HeaderMap;
use serde_json::{json, Value};

const SESSION_SECRET: &str = "session-secret-of-at-least-32-bytes-long";
const CSRF_SECRET: &str = "csrf-secret-of-at-least-32-bytes-long!!";

/// `GET /token`: the current token, for a page or a front end to use.
#[get("/token")]
async fn show_token(request: Request) -> Json<Value> {
    Json(json!({"csrf_token": request.csrf_token()}))
}

/// `GET /visit`: writes the session on a safe request, so a first visit sets both cookies.
#[get("/visit")]
async fn visit(request: Request) -> Result<Json<Value>, HTTPException> {
    let visits = request.session().get::<u64>("visits")?.unwrap_or(0) + 1;
    request.session().insert("visits", visits)?;
    Ok(Json(json!({"visits": visits, "csrf_token": request.csrf_token()})))
}

/// `POST /submit`: any body; only reached when the CSRF check passed.
#[post("/submit", status_code = 200)]
async fn submit(request: Request) -> Json<Value> {
    Json(json!({"ok": true, "csrf_token": request.csrf_token()}))
}

#[get("/hello")]
async fn hello() -> Json<Value> {
    Json(json!({"message": "hello"}))
}

#[get("/private")]
async fn private() -> Result<Json<Value>, HTTPException> {
    Err(NotAuthorized::detail("Not authenticated").into())
}

#[get("/panic")]
async fn panics() -> &'static str {
    panic!("boom in a handler")
}

#[route("/items", methods = ["GET", "POST", "PUT", "DELETE"], status_code = 200)]
async fn items(request: Request) -> String {
    request.method().to_string()
}

fn routes() -> Vec<ravyn::Route> {
    vec![
        Gateway::new(show_token),
        Gateway::new(visit),
        Gateway::new(submit),
        Gateway::new(hello),
        Gateway::new(private),
        Gateway::new(panics),
        Gateway::new(items),
    ]
}

async fn csrf_server() -> TestServer {
    init_logs();
    let app = Ravyn::builder()
        .session_config(SessionConfig::new(SESSION_SECRET))
        .csrf_config(CSRFConfig::new(CSRF_SECRET))
        .routes(routes())
        .build()
        .unwrap();
    TestServer::start(app).await
}

fn set_cookies(headers: &HeaderMap) -> Vec<String> {
    headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect()
}

fn cookie_value<'a>(set_cookies: &'a [String], name: &str) -> Option<&'a str> {
    set_cookies.iter().find_map(|c| c.strip_prefix(name)?.strip_prefix('=')?.split(';').next())
}

/// GET /token with a fresh cookie-keeping client; returns the client and the issued token.
async fn fresh_token(server: &TestServer) -> (reqwest::Client, String) {
    let http = client();
    let response = http.get(server.url("/token")).send().await.unwrap();
    let cookies = set_cookies(response.headers());
    let issued = cookie_value(&cookies, "csrftoken").unwrap().to_owned();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["csrf_token"], issued.as_str());
    (http, issued)
}

// ---------------------------------------------------------------------------------------------
// CSRF

#[tokio::test]
async fn a_safe_request_receives_a_token_cookie_once() {
    let server = csrf_server().await;
    let http = client();
    let first = http.get(server.url("/token")).send().await.unwrap();
    let cookies = set_cookies(first.headers());
    assert_eq!(cookies.len(), 1, "{cookies:?}");
    let cookie = &cookies[0];
    assert!(cookie.starts_with("csrftoken="), "{cookie}");
    // The one writer of framework cookies (the session's) spells attributes in the cookie crate's order.
    assert!(cookie.ends_with("; SameSite=Lax; Path=/"), "{cookie}");
    assert!(!cookie.contains("HttpOnly"), "the page's JavaScript may read it by default: {cookie}");
    let issued = cookie_value(&cookies, "csrftoken").unwrap().to_owned();
    assert_eq!(issued.len(), 87);
    assert_eq!(first.json::<Value>().await.unwrap()["csrf_token"], issued.as_str());

    // The client sends it back: it is kept, no new cookie.
    let second = http.get(server.url("/token")).send().await.unwrap();
    assert!(set_cookies(second.headers()).is_empty());
    assert_eq!(second.json::<Value>().await.unwrap()["csrf_token"], issued.as_str());
    // HEAD and OPTIONS are safe too.
    assert_eq!(http.head(server.url("/token")).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn an_unsafe_request_needs_the_token_in_the_header() {
    let server = csrf_server().await;
    let (http, issued) = fresh_token(&server).await;

    let missing = http.post(server.url("/submit")).send().await.unwrap();
    assert_eq!(missing.status(), 403);
    assert_eq!(missing.headers()["content-type"], "application/json");
    assert_eq!(missing.text().await.unwrap(), r#"{"detail":"CSRF token verification failed."}"#);

    let wrong = http.post(server.url("/submit")).header("X-CSRFToken", "not-the-token").send().await.unwrap();
    assert_eq!(wrong.status(), 403);
    let (_, other) = fresh_token(&server).await; // a genuine token, but another client's
    let swapped = http.post(server.url("/submit")).header("X-CSRFToken", &other).send().await.unwrap();
    assert_eq!(swapped.status(), 403);

    let right = http.post(server.url("/submit")).header("x-csrftoken", &issued).send().await.unwrap();
    assert_eq!(right.status(), 200);
    assert_eq!(right.json::<Value>().await.unwrap(), json!({"ok": true, "csrf_token": issued}));

    // Every unsafe method is checked, not only POST.
    for method in [reqwest::Method::PUT, reqwest::Method::DELETE] {
        let refused = http.request(method.clone(), server.url("/items")).send().await.unwrap();
        assert_eq!(refused.status(), 403, "{method}");
        let allowed = http.request(method.clone(), server.url("/items")).header("X-CSRFToken", &issued).send();
        assert_eq!(allowed.await.unwrap().status(), 200, "{method}");
    }
}

#[tokio::test]
async fn the_token_may_come_in_a_form_field() {
    let server = csrf_server().await;
    let (http, issued) = fresh_token(&server).await;

    let form = http.post(server.url("/submit")).form(&[("title", "hi"), ("csrf_token", &issued)]).send();
    assert_eq!(form.await.unwrap().status(), 200);
    let wrong_form = http.post(server.url("/submit")).form(&[("csrf_token", "nope")]).send();
    assert_eq!(wrong_form.await.unwrap().status(), 403);
    // A JSON body's field does not count: JSON requests use the header.
    let json_body = http.post(server.url("/submit")).json(&json!({"csrf_token": issued})).send();
    assert_eq!(json_body.await.unwrap().status(), 403);

    // multipart/form-data, as a file-upload form sends it; the token after the file.
    let body = format!(
        "--b0undary\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"a.png\"\r\n\
         Content-Type: image/png\r\n\r\n\x01\x02binary\r\n\
         --b0undary\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{issued}\r\n--b0undary--\r\n"
    );
    let multipart = http
        .post(server.url("/submit"))
        .header("content-type", "multipart/form-data; boundary=b0undary")
        .body(body.clone())
        .send();
    assert_eq!(multipart.await.unwrap().status(), 200);
    let tampered = body.replace(&issued, &issued.replace('.', "x"));
    let refused = http
        .post(server.url("/submit"))
        .header("content-type", "multipart/form-data; boundary=b0undary")
        .body(tampered)
        .send();
    assert_eq!(refused.await.unwrap().status(), 403);
}

#[tokio::test]
async fn token_cookie_and_session_cookie_on_one_response() {
    let server = csrf_server().await;
    let http = client();
    let first = http.get(server.url("/visit")).send().await.unwrap();
    let cookies = set_cookies(first.headers());
    assert_eq!(cookies.len(), 2, "{cookies:?}");
    assert!(cookie_value(&cookies, "session").is_some(), "{cookies:?}");
    let issued = cookie_value(&cookies, "csrftoken").unwrap().to_owned();
    assert_eq!(first.json::<Value>().await.unwrap(), json!({"visits": 1, "csrf_token": issued}));

    // Next time only the session changes.
    let second = http.get(server.url("/visit")).send().await.unwrap();
    let cookies = set_cookies(second.headers());
    assert!(cookie_value(&cookies, "session").is_some() && cookie_value(&cookies, "csrftoken").is_none());
    assert_eq!(second.json::<Value>().await.unwrap()["visits"], 2);
}

/// A hand-written handler that says it needs the request's head only, and reports whether the
/// request reached it with a session attached (the session step ran) or without (it was skipped).
struct SessionProbe(ravyn::Needs);

impl ravyn::Handler for SessionProbe {
    fn spec(&self) -> ravyn::RouteSpec {
        ravyn::RouteSpec::new("probe", "/probe", &["GET", "POST"], 200).with_needs(self.0)
    }
    fn call(&self, request: Request) -> ravyn::BoxFuture<'static, ravyn::Response> {
        let attached = request.try_session().is_some();
        Box::pin(async move { ravyn::Response::text(if attached { "session step ran" } else { "no session work" }) })
    }
}

#[tokio::test]
async fn with_csrf_on_a_route_that_never_uses_its_session_does_no_session_work() {
    // Before the pipeline issue, CSRF was a middleware in the app's chain, and any middleware
    // turned the session step on for every route.
    init_logs();
    let app = |needs| {
        Ravyn::builder()
            .session_config(SessionConfig::new(SESSION_SECRET))
            .csrf_config(CSRFConfig::new(CSRF_SECRET))
            .routes(vec![Gateway::new(SessionProbe(needs)), Gateway::new(show_token)])
            .build()
            .unwrap()
    };
    let server = TestServer::start(app(ravyn::Needs::REQUEST)).await;
    let (http, token) = fresh_token(&server).await;
    let get = http.get(server.url("/probe")).send().await.unwrap();
    assert_eq!(get.text().await.unwrap(), "no session work");
    let post = http.post(server.url("/probe")).header("X-CSRFToken", &token).send().await.unwrap();
    assert_eq!(post.text().await.unwrap(), "no session work");
    // The same route needing its session gets it: the skip follows what the route declares.
    let server = TestServer::start(app(ravyn::Needs::REQUEST | ravyn::Needs::SESSION)).await;
    let get = client().get(server.url("/probe")).send().await.unwrap();
    assert_eq!(get.text().await.unwrap(), "session step ran");
}

#[tokio::test]
async fn a_safe_request_to_a_route_that_never_reads_the_token_keeps_a_cookie_of_its_shape() {
    // What deciding "keep the cookie" needs: its shape. The signature is checked where it
    // matters: on an unsafe request, and on a safe request to a route that reads the token.
    let server = csrf_server().await;
    let raw = reqwest::Client::new();
    let forged = format!("{}.{}", "Q".repeat(43), "Z".repeat(43));
    let kept = raw.get(server.url("/hello")).header("cookie", format!("csrftoken={forged}")).send().await.unwrap();
    assert!(set_cookies(kept.headers()).is_empty());
    // Not of the shape: replaced at once.
    let replaced = raw.get(server.url("/hello")).header("cookie", "csrftoken=forged").send().await.unwrap();
    assert!(cookie_value(&set_cookies(replaced.headers()), "csrftoken").is_some());
    // A route that reads the token checks the signature, and replaces the forged one.
    let checked = raw.get(server.url("/token")).header("cookie", format!("csrftoken={forged}")).send().await.unwrap();
    let genuine = cookie_value(&set_cookies(checked.headers()), "csrftoken").unwrap().to_owned();
    assert_ne!(genuine, forged);
    // The forged token is refused on an unsafe request; the genuine one passes.
    let post_with = |token: &str| {
        raw.post(server.url("/submit")).header("cookie", format!("csrftoken={token}")).header("X-CSRFToken", token)
    };
    assert_eq!(post_with(&forged).send().await.unwrap().status(), 403);
    assert_eq!(post_with(&genuine).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn a_forged_or_foreign_token_is_refused() {
    let server = csrf_server().await;
    // No cookie store: the test writes the Cookie header itself, as a sibling subdomain that can
    // set cookies for this domain would make the browser send.
    let raw = reqwest::Client::new();
    let post = |cookie: String, submitted: String| {
        raw.post(server.url("/submit")).header("cookie", format!("csrftoken={cookie}")).header("X-CSRFToken", submitted)
    };

    // Right shape, unsigned.
    let forged = format!("{}.{}", "Q".repeat(43), "Z".repeat(43));
    assert_eq!(post(forged.clone(), forged).send().await.unwrap().status(), 403);

    // Genuinely signed, but by an app with another secret.
    let sibling = TestServer::start(
        Ravyn::builder().csrf_config(CSRFConfig::new("the sibling's own secret")).routes(routes()).build().unwrap(),
    )
    .await;
    let response = raw.get(sibling.url("/token")).send().await.unwrap();
    let foreign = cookie_value(&set_cookies(response.headers()), "csrftoken").unwrap().to_owned();
    assert_eq!(post(foreign.clone(), foreign).send().await.unwrap().status(), 403);

    // A safe request with a forged cookie gets a genuine one in its place.
    let replaced = raw.get(server.url("/token")).header("cookie", "csrftoken=forged").send().await.unwrap();
    let genuine = cookie_value(&set_cookies(replaced.headers()), "csrftoken").unwrap().to_owned();
    // The same request shape with a genuine token passes: only the signature made the difference.
    assert_eq!(post(genuine.clone(), genuine).send().await.unwrap().status(), 200);
}

/// Was `a_planted_second_cookie_does_not_lock_the_user_out`, which accepted a submission matching
/// any validly signed cookie of the name. That is what let the security review's attack through
/// (M2: a token planted beside the user's own from a sibling subdomain or a plain-http response).
/// Several token cookies that disagree are now refused, whichever one is submitted: one of them
/// was planted, and nothing says which. The planted cookie can so block the user's unsafe requests
/// until it expires; `__Host-csrftoken` (which no sibling subdomain or plain-http response can set)
/// is the defence against the planting itself (docs/configurations/csrf.md).
#[tokio::test]
async fn several_token_cookies_that_disagree_are_refused() {
    let server = csrf_server().await;
    let (_, issued) = fresh_token(&server).await;
    let (_, planted) = fresh_token(&server).await;
    let raw = reqwest::Client::new();
    for submitted in [&issued, &planted] {
        let response = raw
            .post(server.url("/submit"))
            .header("cookie", format!("csrftoken={planted}; csrftoken={issued}"))
            .header("X-CSRFToken", submitted)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403);
    }
    // The same cookie twice (one set for two paths) is no disagreement.
    let response = raw
        .post(server.url("/submit"))
        .header("cookie", format!("csrftoken={issued}; csrftoken={issued}"))
        .header("X-CSRFToken", &issued)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn csrf_settings_apply_and_the_builder_wins() {
    struct AppSettings;
    impl Settings for AppSettings {
        fn csrf_config(&self) -> Option<CSRFConfig> {
            Some(CSRFConfig::new(CSRF_SECRET).cookie_name("from_settings"))
        }
        fn cors_config(&self) -> Option<CORSConfig> {
            Some(CORSConfig::new().allow_origins(["https://settings.example"]))
        }
    }
    init_logs();
    let from_settings =
        TestServer::start(Ravyn::builder().settings_module(AppSettings).routes(routes()).build().unwrap()).await;
    let response =
        client().get(from_settings.url("/token")).header("origin", "https://settings.example").send().await.unwrap();
    assert!(cookie_value(&set_cookies(response.headers()), "from_settings").is_some());
    assert_eq!(response.headers()["access-control-allow-origin"], "https://settings.example");

    let builder_wins = TestServer::start(
        Ravyn::builder()
            .settings_module(AppSettings)
            .csrf_config(CSRFConfig::new(CSRF_SECRET).cookie_name("from_builder").header_name("X-XSRF-Token"))
            .cors_config(CORSConfig::new().allow_origins(["https://builder.example"]))
            .routes(routes())
            .build()
            .unwrap(),
    )
    .await;
    let http = client();
    let response =
        http.get(builder_wins.url("/token")).header("origin", "https://settings.example").send().await.unwrap();
    let cookies = set_cookies(response.headers());
    let issued = cookie_value(&cookies, "from_builder").unwrap().to_owned();
    assert!(cookie_value(&cookies, "from_settings").is_none());
    assert!(response.headers().get("access-control-allow-origin").is_none());
    let ok = http.post(builder_wins.url("/submit")).header("X-XSRF-Token", &issued).send().await.unwrap();
    assert_eq!(ok.status(), 200);
}

// ---------------------------------------------------------------------------------------------
// CORS

const APP_ORIGIN: &str = "https://a.example";

fn spa_cors() -> CORSConfig {
    CORSConfig::new()
        .allow_origins([APP_ORIGIN, "https://b.example"])
        .allow_origin_regex(r"https://pr-[0-9]+\.preview\.example")
        .allow_methods(["GET", "POST", "PUT"])
        .allow_headers(["Content-Type", "X-CSRFToken"])
        .expose_headers(["X-Request-Id"])
        .allow_credentials(true)
        .max_age(3600)
}

async fn cors_server(config: CORSConfig) -> TestServer {
    init_logs();
    TestServer::start(Ravyn::builder().cors_config(config).routes(routes()).build().unwrap()).await
}

fn preflight(
    server: &TestServer,
    path: &str,
    origin: &str,
    method: &str,
    headers: Option<&str>,
) -> reqwest::RequestBuilder {
    let request = client()
        .request(reqwest::Method::OPTIONS, server.url(path))
        .header("origin", origin)
        .header("access-control-request-method", method);
    match headers {
        Some(headers) => request.header("access-control-request-headers", headers),
        None => request,
    }
}

fn varies_on_origin(headers: &HeaderMap) -> bool {
    headers.get_all("vary").iter().any(|v| v.to_str().unwrap().split(',').any(|p| p.trim() == "Origin"))
}

#[tokio::test]
async fn an_allowed_preflight_is_answered_before_routing() {
    let server = cors_server(spa_cors()).await;
    // /nowhere has no route: the preflight never reaches the router.
    for path in ["/hello", "/nowhere"] {
        let response = preflight(&server, path, APP_ORIGIN, "POST", Some("content-type, x-csrftoken")).send();
        let response = response.await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let headers = response.headers();
        assert_eq!(headers["access-control-allow-origin"], APP_ORIGIN);
        assert_eq!(headers["access-control-allow-credentials"], "true");
        assert_eq!(headers["access-control-allow-methods"], "GET, POST, PUT");
        assert_eq!(
            headers["access-control-allow-headers"],
            "accept, accept-language, content-language, content-type, x-csrftoken"
        );
        assert_eq!(headers["access-control-max-age"], "3600");
        assert!(varies_on_origin(headers));
    }
}

#[tokio::test]
async fn a_refused_preflight_names_what_was_refused() {
    let server = cors_server(spa_cors()).await;
    let detail = |response: reqwest::Response| async move {
        assert_eq!(response.status(), 400);
        assert!(response.headers().get("access-control-allow-origin").is_none());
        response.json::<Value>().await.unwrap()["detail"].as_str().unwrap().to_owned()
    };
    let origin = detail(preflight(&server, "/hello", "https://evil.example", "GET", None).send().await.unwrap()).await;
    assert_eq!(origin, "Disallowed CORS origin 'https://evil.example'.");
    let method = detail(preflight(&server, "/hello", APP_ORIGIN, "DELETE", None).send().await.unwrap()).await;
    assert_eq!(method, "Disallowed CORS method 'DELETE'.");
    let header =
        detail(preflight(&server, "/hello", APP_ORIGIN, "POST", Some("X-CSRFToken, X-Secret")).send().await.unwrap())
            .await;
    assert_eq!(header, "Disallowed CORS headers 'x-secret'.");
    let all =
        detail(preflight(&server, "/hello", "https://evil.example", "PATCH", Some("x-a")).send().await.unwrap()).await;
    assert_eq!(all, "Disallowed CORS origin 'https://evil.example', method 'PATCH', headers 'x-a'.");
}

#[tokio::test]
async fn credentials_echo_the_concrete_origin() {
    let server = cors_server(spa_cors()).await;
    for origin in [APP_ORIGIN, "https://b.example"] {
        let response = client().get(server.url("/hello")).header("origin", origin).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let headers = response.headers();
        assert_eq!(headers["access-control-allow-origin"], origin);
        assert_eq!(headers["access-control-allow-credentials"], "true");
        assert_eq!(headers["access-control-expose-headers"], "X-Request-Id");
        assert!(varies_on_origin(headers));
    }
    // Another origin is served (the browser hides the answer) without CORS headers.
    let other = client().get(server.url("/hello")).header("origin", "https://evil.example").send().await.unwrap();
    assert_eq!(other.status(), 200);
    assert!(other.headers().get("access-control-allow-origin").is_none());
    assert!(other.headers().get("access-control-allow-credentials").is_none());
    assert!(varies_on_origin(other.headers()));
    // No Origin, no CORS headers (but caches are told the answer depends on it).
    let plain = client().get(server.url("/hello")).send().await.unwrap();
    assert!(plain.headers().get("access-control-allow-origin").is_none());
    assert!(varies_on_origin(plain.headers()));
}

#[tokio::test]
async fn regex_origins_must_match_in_full() {
    let server = cors_server(spa_cors()).await;
    let allowed = |origin: &'static str| {
        let request = client().get(server.url("/hello")).header("origin", origin).send();
        async move { request.await.unwrap().headers().get("access-control-allow-origin").cloned() }
    };
    assert_eq!(allowed("https://pr-42.preview.example").await.unwrap(), "https://pr-42.preview.example");
    assert!(allowed("https://pr-42.preview.example.attacker.example").await.is_none());
    assert!(allowed("http://pr-42.preview.example").await.is_none());
    assert!(allowed("https://pr-x.preview.example").await.is_none());
    let preflight = preflight(&server, "/hello", "https://pr-7.preview.example", "PUT", None).send().await.unwrap();
    assert_eq!(preflight.status(), 200);
}

#[tokio::test]
async fn any_origin_without_credentials_is_a_star() {
    let server = cors_server(CORSConfig::new()).await;
    let response = client().get(server.url("/hello")).header("origin", "https://x.example").send().await.unwrap();
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    assert!(response.headers().get("access-control-allow-credentials").is_none());
    assert!(!varies_on_origin(response.headers()));
    let preflight = preflight(&server, "/hello", "https://x.example", "DELETE", Some("x-anything")).send();
    let preflight = preflight.await.unwrap();
    assert_eq!(preflight.status(), 200);
    assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
    assert_eq!(preflight.headers()["access-control-allow-headers"], "x-anything");
    assert_eq!(preflight.headers()["access-control-max-age"], "600");
}

#[tokio::test]
async fn error_responses_carry_cors_headers() {
    let server = cors_server(spa_cors()).await;
    for (path, status) in [("/private", 401), ("/nowhere", 404), ("/panic", 500)] {
        let response = client().get(server.url(path)).header("origin", APP_ORIGIN).send().await.unwrap();
        assert_eq!(response.status(), status, "{path}");
        let headers = response.headers();
        assert_eq!(headers["access-control-allow-origin"], APP_ORIGIN, "{path}");
        assert_eq!(headers["access-control-allow-credentials"], "true", "{path}");
        assert!(varies_on_origin(headers), "{path}");
        let body: Value = response.json().await.unwrap();
        assert!(body["detail"].is_string(), "{path}: {body}");
    }
    // A body over the limit is refused before routing, still with CORS headers.
    let small =
        TestServer::start(Ravyn::builder().cors_config(spa_cors()).max_body_size(16).routes(routes()).build().unwrap())
            .await;
    let response =
        client().post(small.url("/submit")).header("origin", APP_ORIGIN).body("x".repeat(1024)).send().await.unwrap();
    assert_eq!(response.status(), 413);
    assert_eq!(response.headers()["access-control-allow-origin"], APP_ORIGIN);
    // 405 too, and the server survived the panic.
    let response = client().delete(server.url("/hello")).header("origin", APP_ORIGIN).send().await.unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["access-control-allow-origin"], APP_ORIGIN);
}

#[tokio::test]
async fn a_refused_csrf_check_still_carries_cors_headers() {
    init_logs();
    let app = Ravyn::builder()
        .session_config(SessionConfig::new(SESSION_SECRET).same_site(SameSite::None).https_only(true))
        .csrf_config(CSRFConfig::new(CSRF_SECRET).samesite(SameSite::None).secure(true))
        .cors_config(spa_cors())
        .routes(routes())
        .build()
        .unwrap();
    let server = TestServer::start(app).await;
    let http = client();
    // The front end's preflight for a POST carrying the token header passes CORS, not CSRF's check.
    let ok = preflight(&server, "/submit", APP_ORIGIN, "POST", Some("x-csrftoken")).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    let response = http.post(server.url("/submit")).header("origin", APP_ORIGIN).send().await.unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(response.headers()["access-control-allow-origin"], APP_ORIGIN);
    assert_eq!(response.json::<Value>().await.unwrap()["detail"], "CSRF token verification failed.");
}

#[test]
fn configuration_conflicts_are_build_errors() {
    let error = |builder: ravyn::RavynBuilder| builder.build().unwrap_err();
    let cases: Vec<(ConfigError, &str)> = vec![
        (
            error(Ravyn::builder().cors_config(CORSConfig::new().allow_credentials(true))),
            "invalid cors_config.allow_origins: `*` cannot be combined with allow_credentials(true)",
        ),
        (
            error(Ravyn::builder().cors_config(
                CORSConfig::new().allow_origins([APP_ORIGIN]).allow_credentials(true).expose_headers(["*"]),
            )),
            "invalid cors_config.expose_headers",
        ),
        (
            error(Ravyn::builder().cors_config(CORSConfig::new().allow_origins(["https://a.example/"]))),
            "invalid cors_config.allow_origins: \"https://a.example/\" has a trailing '/'",
        ),
        (
            error(Ravyn::builder().cors_config(CORSConfig::new().allow_origin_regex("https://(unclosed"))),
            "invalid cors_config.allow_origin_regex",
        ),
        (
            error(Ravyn::builder().cors_config(CORSConfig::new().allow_methods(["GET POST"]))),
            "invalid cors_config.allow_methods",
        ),
        (error(Ravyn::builder().csrf_config(CSRFConfig::new(""))), "invalid csrf_config.secret"),
        (
            error(Ravyn::builder().csrf_config(CSRFConfig::new(CSRF_SECRET).samesite(SameSite::None))),
            "invalid csrf_config.samesite: samesite=none requires secure(true)",
        ),
        (
            error(Ravyn::builder().csrf_config(CSRFConfig::new(CSRF_SECRET).cookie_name("__Host-csrf"))),
            "invalid csrf_config.cookie_name",
        ),
        (
            error(Ravyn::builder().csrf_config(CSRFConfig::new(CSRF_SECRET).header_name("X CSRF"))),
            "invalid csrf_config.header_name",
        ),
    ];
    for (error, expected) in cases {
        assert!(error.to_string().starts_with(expected), "{error} does not start with {expected}");
    }
    // And from a settings module too.
    struct Conflicting;
    impl Settings for Conflicting {
        fn cors_config(&self) -> Option<CORSConfig> {
            Some(CORSConfig::new().allow_credentials(true))
        }
    }
    assert!(matches!(
        Ravyn::builder().settings_module(Conflicting).build().unwrap_err(),
        ConfigError::Cors { field: "allow_origins", .. }
    ));
}

// ---------------------------------------------------------------------------------------------
// The login example's switches

#[tokio::test]
async fn login_example_with_csrf_and_cors_origins() {
    init_logs();
    let options = login_app::Options {
        csrf: true,
        cors_origins: vec!["https://a.example".to_owned(), "https://b.example".to_owned()],
        ..login_app::Options::for_tests(SESSION_SECRET)
    };
    let server = TestServer::start(login_app::build(&options).unwrap()).await;
    let http = client();
    let credentials = json!({"email": "alice@example.com", "password": "wonderland"});

    // The front end on b.example asks for a token, then logs in with it.
    let token: Value =
        http.get(server.url("/csrf")).header("origin", "https://b.example").send().await.unwrap().json().await.unwrap();
    let token = token["csrf_token"].as_str().unwrap().to_owned();
    let allowed = preflight(&server, "/login", "https://b.example", "POST", Some("content-type, x-csrftoken")).send();
    assert_eq!(allowed.await.unwrap().status(), 200);
    let refused = preflight(&server, "/login", "https://c.example", "POST", None).send().await.unwrap();
    assert_eq!(refused.status(), 400);

    let without = http.post(server.url("/login")).header("origin", "https://b.example").json(&credentials).send();
    let without = without.await.unwrap();
    assert_eq!(without.status(), 403);
    assert_eq!(without.headers()["access-control-allow-origin"], "https://b.example");

    let login = http
        .post(server.url("/login"))
        .header("origin", "https://b.example")
        .header("X-CSRFToken", &token)
        .json(&credentials)
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 201);
    assert_eq!(login.headers()["access-control-allow-credentials"], "true");
    let profile = http.get(server.url("/profile")).header("origin", "https://a.example").send().await.unwrap();
    assert_eq!(profile.status(), 200);
    assert_eq!(profile.headers()["access-control-allow-origin"], "https://a.example");

    // Switches off: no /csrf route, no CORS headers, no CSRF check.
    let plain = TestServer::start(login_app::build(&login_app::Options::for_tests(SESSION_SECRET)).unwrap()).await;
    assert_eq!(client().get(plain.url("/csrf")).send().await.unwrap().status(), 404);
    let response = client().post(plain.url("/logout")).header("origin", "https://a.example").send().await.unwrap();
    assert_eq!(response.status(), 201);
    assert!(response.headers().get("access-control-allow-origin").is_none());
}
