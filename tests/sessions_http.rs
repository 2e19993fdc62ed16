//! Cookie sessions over real HTTP: the login example's flow, every Set-Cookie rule, tampering,
//! expiry with an injected clock, rolling refresh, key rotation and the 4096-byte rule.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;
#[path = "../examples/login/app.rs"]
mod login_app;

use common::{client, init_logs, TestServer};
use ravyn::config::{SameSite, SessionConfig};
use ravyn::session::ManualClock;
use ravyn::testing::TestClient;
use ravyn::{get, post, Gateway, HTTPException, Json, Ravyn, Request};
use reqwest::header::{COOKIE, SET_COOKIE};
use serde_json::{json, Value};
use std::sync::Arc;

const SECRET: &str = "test-secret-that-is-at-least-32-bytes-long";
const NOW: u64 = 1_795_600_000;

fn login_options() -> login_app::Options {
    login_app::Options::for_tests(SECRET)
}

async fn login_server(options: &login_app::Options) -> TestServer {
    init_logs();
    TestServer::start(login_app::build(options).unwrap()).await
}

/// Logs in as alice on `server` and returns the raw `Set-Cookie` header.
async fn login_set_cookie(server: &TestServer) -> String {
    let response = reqwest::Client::new()
        .post(server.url("/login"))
        .json(&json!({"email": "alice@example.com", "password": "wonderland"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    response.headers()[SET_COOKIE].to_str().unwrap().to_owned()
}

/// The `name=value` pair of a Set-Cookie header.
fn pair(set_cookie: &str) -> &str {
    set_cookie.split(';').next().unwrap()
}

/// GET /profile sending exactly `cookie` (no jar).
async fn profile_with(server: &TestServer, cookie: &str) -> reqwest::Response {
    reqwest::Client::new().get(server.url("/profile")).header(COOKIE, cookie).send().await.unwrap()
}

#[tokio::test]
async fn login_profile_logout_flow() {
    let server = login_server(&login_options()).await;
    let http = client();
    let response = http.get(server.url("/profile")).send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.text().await.unwrap(), r#"{"detail":"Not authenticated"}"#);

    let response = http
        .post(server.url("/login"))
        .json(&json!({"email": "alice@example.com", "password": "wonderland"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let set_cookie = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert_eq!(response.text().await.unwrap(), r#"{"message":"Logged in"}"#);
    for attribute in ["Path=/", "Max-Age=3600", "Expires=", "HttpOnly", "SameSite=Lax"] {
        assert!(set_cookie.contains(attribute), "{attribute} missing in {set_cookie}");
    }
    assert!(!set_cookie.contains("Secure") && !set_cookie.contains("Domain"), "{set_cookie}");
    assert!(set_cookie.starts_with("session="), "{set_cookie}");

    let response = http.get(server.url("/profile")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().get(SET_COOKIE).is_none(), "a read-only request sets no cookie");
    assert_eq!(response.headers()["vary"], "Cookie");
    assert_eq!(response.json::<Value>().await.unwrap(), json!({"user": {"id": 1, "email": "alice@example.com"}}));

    let response = http.post(server.url("/logout")).send().await.unwrap();
    assert_eq!(response.status(), 201);
    let deletion = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(deletion.starts_with("session=;"), "{deletion}");
    assert!(deletion.contains("Max-Age=0") && deletion.contains("Expires=Thu, 01 Jan 1970 00:00:00 GMT"), "{deletion}");
    assert_eq!(response.text().await.unwrap(), r#"{"message":"Logged out"}"#);
    assert_eq!(http.get(server.url("/profile")).send().await.unwrap().status(), 401);
}

#[tokio::test]
async fn login_binds_form_bodies_and_rejects_bad_credentials() {
    let server = login_server(&login_options()).await;
    let http = client();
    let response = http
        .post(server.url("/login"))
        .form(&[("email", "bob@example.com"), ("password", "builder")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let body: Value = http.get(server.url("/profile")).send().await.unwrap().json().await.unwrap();
    assert_eq!(body, json!({"user": {"id": 2, "email": "bob@example.com"}}));

    let response = client()
        .post(server.url("/login"))
        .json(&json!({"email": "alice@example.com", "password": "wrong"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert!(response.headers().get(SET_COOKIE).is_none());
    assert_eq!(response.text().await.unwrap(), r#"{"detail":"Invalid credentials"}"#);
}

#[tokio::test]
async fn a_handler_that_never_touches_the_session_gets_no_cookie_and_no_vary() {
    let server = login_server(&login_options()).await;
    let set_cookie = login_set_cookie(&server).await;
    let response =
        reqwest::Client::new().get(server.url("/hello")).header(COOKIE, pair(&set_cookie)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().get(SET_COOKIE).is_none());
    assert!(response.headers().get("vary").is_none());
}

#[tokio::test]
async fn tampered_garbage_truncated_empty_and_duplicate_cookies_give_an_empty_session() {
    let server = login_server(&login_options()).await;
    let set_cookie = login_set_cookie(&server).await;
    let good = pair(&set_cookie).to_owned();
    assert_eq!(profile_with(&server, &good).await.status(), 200, "the untouched cookie works");

    let value = good.strip_prefix("session=").unwrap();
    let parts: Vec<&str> = value.split('.').collect();
    assert_eq!(parts.len(), 4, "{value}");
    let forged_payload = format!(
        "session={}.{}.{}.{}",
        // {"user_id":2,...}: base64url of another user's data, with alice's signature.
        "eyJ1c2VyX2lkIjoyLCJlbWFpbCI6ImJvYkBleGFtcGxlLmNvbSJ9",
        parts[1],
        parts[2],
        parts[3]
    );
    let mut flipped_signature = parts[3].to_owned().into_bytes();
    flipped_signature[0] = if flipped_signature[0] == b'A' { b'B' } else { b'A' };
    let forged_signature =
        format!("session={}.{}.{}.{}", parts[0], parts[1], parts[2], String::from_utf8(flipped_signature).unwrap());
    let truncated = good[..good.len() - 5].to_owned();
    let cases = [
        ("tampered payload", forged_payload),
        ("tampered signature", forged_signature),
        ("garbage", "session=not-a-cookie-at-all".to_owned()),
        ("truncated", truncated),
        ("empty", "session=".to_owned()),
        ("two in one header", format!("{good}; {good}")),
    ];
    for (case, cookie) in cases {
        let response = profile_with(&server, &cookie).await;
        assert_eq!(response.status(), 401, "{case}");
        assert!(response.headers().get(SET_COOKIE).is_none(), "{case}: no Set-Cookie");
    }
    let response = reqwest::Client::new()
        .get(server.url("/profile"))
        .header(COOKIE, good.as_str())
        .header(COOKIE, good.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401, "two Cookie headers with the session name");
    assert!(response.headers().get(SET_COOKIE).is_none());
}

#[tokio::test]
async fn an_old_cookie_is_rejected_by_the_server_even_if_the_client_keeps_it() {
    let clock = Arc::new(ManualClock::new(NOW));
    let options = login_app::Options { clock: Some(clock.clone()), ..login_options() };
    let server = login_server(&options).await;
    let cookie = pair(&login_set_cookie(&server).await).to_owned();
    clock.advance(3599);
    assert_eq!(profile_with(&server, &cookie).await.status(), 200, "inside max_age");
    clock.set(NOW + 3601);
    let response = profile_with(&server, &cookie).await;
    assert_eq!(response.status(), 401, "older than max_age");
    assert!(response.headers().get(SET_COOKIE).is_none());
    clock.set(NOW - 3600);
    assert_eq!(profile_with(&server, &cookie).await.status(), 401, "issued in the future");
}

#[tokio::test]
async fn rolling_sessions_are_reissued_after_a_quarter_of_max_age() {
    let clock = Arc::new(ManualClock::new(NOW));
    let options = login_app::Options { clock: Some(clock.clone()), ..login_options() };
    let server = login_server(&options).await;
    let cookie = pair(&login_set_cookie(&server).await).to_owned();
    clock.advance(600);
    let response = profile_with(&server, &cookie).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().get(SET_COOKIE).is_none(), "younger than max_age/4 (900 s): no refresh");
    clock.set(NOW + 901);
    let response = profile_with(&server, &cookie).await;
    assert_eq!(response.status(), 200);
    let refreshed = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert_ne!(pair(&refreshed), cookie, "a new issue time");
    // The old cookie would expire at NOW + 3600; the refreshed one lives on past that.
    clock.set(NOW + 3700);
    assert_eq!(profile_with(&server, &cookie).await.status(), 401);
    assert_eq!(profile_with(&server, pair(&refreshed)).await.status(), 200);
}

#[tokio::test]
async fn non_rolling_sessions_are_not_reissued() {
    let clock = Arc::new(ManualClock::new(NOW));
    let app = session_app(SessionConfig::new(SECRET).rolling(false).clock(clock.clone()));
    let server = TestServer::start(app).await;
    let cookie = set_value(&server, "a").await;
    clock.advance(3000);
    let response = reqwest::Client::new().get(server.url("/value")).header(COOKIE, &cookie).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().get(SET_COOKIE).is_none());
}

#[tokio::test]
async fn key_rotation_accepts_fallback_secrets_and_resigns_with_the_primary() {
    let old = login_app::Options::for_tests("the-old-secret-that-is-at-least-32-bytes");
    let old_server = login_server(&old).await;
    let old_cookie = pair(&login_set_cookie(&old_server).await).to_owned();

    let rotated = session_app_with_login(
        SessionConfig::new(SECRET).fallback_secrets(["the-old-secret-that-is-at-least-32-bytes"]),
    );
    let rotated = TestServer::start(rotated).await;
    let response = reqwest::Client::new().get(rotated.url("/value")).header(COOKIE, &old_cookie).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let resigned = pair(response.headers()[SET_COOKIE].to_str().unwrap()).to_owned();
    assert_ne!(resigned, old_cookie);
    assert_eq!(response.json::<Value>().await.unwrap()["email"], "alice@example.com");

    // Only the primary secret now: the re-signed cookie works, the old one does not.
    let primary_only = TestServer::start(session_app_with_login(SessionConfig::new(SECRET))).await;
    let http = reqwest::Client::new();
    let response = http.get(primary_only.url("/value")).header(COOKIE, &resigned).send().await.unwrap();
    assert_eq!(response.json::<Value>().await.unwrap()["email"], "alice@example.com");
    let response = http.get(primary_only.url("/value")).header(COOKIE, &old_cookie).send().await.unwrap();
    assert_eq!(response.json::<Value>().await.unwrap()["email"], Value::Null);
}

#[tokio::test]
async fn browser_session_cookies_have_no_max_age() {
    let server = TestServer::start(session_app(SessionConfig::new(SECRET).max_age(None))).await;
    let response = reqwest::Client::new().post(server.url("/value?value=x")).send().await.unwrap();
    let set_cookie = response.headers()[SET_COOKIE].to_str().unwrap();
    assert!(!set_cookie.contains("Max-Age") && !set_cookie.contains("Expires"), "{set_cookie}");
}

#[tokio::test]
async fn secure_domain_and_same_site_attributes() {
    let config = SessionConfig::new(SECRET)
        .https_only(true)
        .domain("example.com")
        .same_site(SameSite::Strict)
        .session_cookie("sid");
    let server = TestServer::start(session_app(config)).await;
    let response = reqwest::Client::new().post(server.url("/value?value=x")).send().await.unwrap();
    let set_cookie = response.headers()[SET_COOKIE].to_str().unwrap();
    assert!(set_cookie.starts_with("sid="), "{set_cookie}");
    for attribute in ["Secure", "Domain=example.com", "SameSite=Strict", "HttpOnly"] {
        assert!(set_cookie.contains(attribute), "{attribute} missing in {set_cookie}");
    }
    let options = login_app::Options { https_only: true, ..login_options() };
    let server = login_server(&options).await;
    assert!(login_set_cookie(&server).await.contains("; Secure"));
}

#[tokio::test]
async fn invalid_session_configs_are_build_errors_naming_the_field() {
    let cases = [
        (SessionConfig::new(""), "secret_key"),
        (SessionConfig::new(SECRET).same_site(SameSite::None), "same_site"),
        (SessionConfig::new(SECRET).session_cookie("bad name"), "session_cookie"),
        (SessionConfig::new(SECRET).domain("exa mple.com"), "domain"),
        (SessionConfig::new(SECRET).max_age(0), "max_age"),
    ];
    for (config, field) in cases {
        let error = Ravyn::builder().session_config(config).build().unwrap_err();
        assert!(error.to_string().contains(&format!("session_config.{field}")), "{error}");
    }
    assert!("STRICT".parse::<SameSite>().unwrap() == SameSite::Strict);
    assert!(Ravyn::builder().session_config(SessionConfig::new("short")).build().is_ok(), "short secrets only warn");
}

#[tokio::test]
async fn writes_before_an_error_are_kept() {
    let server = TestServer::start(session_app(SessionConfig::new(SECRET))).await;
    let http = client();
    let response = http.post(server.url("/fail-after-write")).send().await.unwrap();
    assert_eq!(response.status(), 409);
    assert!(response.headers().get(SET_COOKIE).is_some(), "the session cookie rides on the error");
    assert_eq!(response.text().await.unwrap(), r#"{"detail":"Conflict after write"}"#);
    let body: Value = http.get(server.url("/value")).send().await.unwrap().json().await.unwrap();
    assert_eq!(body["attempted"], true);
}

#[tokio::test]
async fn a_session_too_large_for_a_cookie_is_a_500_and_the_old_cookie_stays() {
    let server = TestServer::start(session_app(SessionConfig::new(SECRET))).await;
    let http = client();
    assert_eq!(http.post(server.url("/value?value=small")).send().await.unwrap().status(), 201);
    let big = "x".repeat(4000);
    let response = http.post(server.url(&format!("/value?value={big}"))).send().await.unwrap();
    assert_eq!(response.status(), 500);
    assert!(response.headers().get(SET_COOKIE).is_none(), "no cookie the browser would drop");
    assert_eq!(response.text().await.unwrap(), r#"{"detail":"Internal Server Error"}"#);
    let body: Value = http.get(server.url("/value")).send().await.unwrap().json().await.unwrap();
    assert_eq!(body["value"], "small", "the previous cookie is untouched");
}

#[tokio::test]
async fn session_without_a_session_config_is_a_500_that_says_what_to_do() {
    init_logs();
    let server = TestServer::start(Ravyn::builder().routes(vec![Gateway::new(read_value)]).build().unwrap()).await;
    let response = reqwest::Client::new().get(server.url("/value")).send().await.unwrap();
    assert_eq!(response.status(), 500);
    assert_eq!(response.text().await.unwrap(), r#"{"detail":"Internal Server Error"}"#);
}

#[tokio::test]
async fn fifty_concurrent_clients_see_only_their_own_session() {
    let options = login_app::Options { fast_hash: true, ..login_options() };
    let login_server = login_server(&options).await;
    let value_server = TestServer::start(session_app(SessionConfig::new(SECRET))).await;
    let mut tasks = Vec::new();
    for i in 0..50u32 {
        let login_url = login_server.url("/login");
        let profile_url = login_server.url("/profile");
        let set_url = value_server.url(&format!("/value?value=client-{i}"));
        let get_url = value_server.url("/value");
        tasks.push(tokio::spawn(async move {
            let http = client();
            let (email, password, id) =
                if i % 2 == 0 { ("alice@example.com", "wonderland", 1) } else { ("bob@example.com", "builder", 2) };
            let response =
                http.post(login_url).json(&json!({"email": email, "password": password})).send().await.unwrap();
            assert_eq!(response.status(), 201);
            let body: Value = http.get(profile_url).send().await.unwrap().json().await.unwrap();
            assert_eq!(body, json!({"user": {"id": id, "email": email}}));
            assert_eq!(http.post(set_url).send().await.unwrap().status(), 201);
            let body: Value = http.get(get_url).send().await.unwrap().json().await.unwrap();
            assert_eq!(body["value"], format!("client-{i}"));
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
}

#[tokio::test]
async fn test_client_can_open_a_session_before_the_request() {
    let client = TestClient::new(login_app::build(&login_options()).unwrap());
    assert_eq!(client.get("/profile").send().await.status(), 401);
    client
        .session_mut(|session| {
            session.insert("user_id", 2).unwrap();
            session.insert("email", "bob@example.com").unwrap();
        })
        .await;
    let response = client.get("/profile").send().await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>(), json!({"user": {"id": 2, "email": "bob@example.com"}}));
    client.session_mut(|session| session.clear()).await;
    assert_eq!(client.get("/profile").send().await.status(), 401);
}

// A small app for the rules the login example doesn't exercise.

#[post("/value")]
async fn write_value(request: Request, value: String) -> Json<Value> {
    request.session().insert("value", value).unwrap();
    Json(json!({"stored": true}))
}

#[get("/value")]
async fn read_value(request: Request) -> Json<Value> {
    let session = request.session();
    Json(json!({
        "value": session.get_value("value"),
        "email": session.get_value("email"),
        "attempted": session.get_value("attempted"),
    }))
}

#[post("/fail-after-write")]
async fn fail_after_write(request: Request) -> Result<Json<Value>, HTTPException> {
    request.session().insert("attempted", true)?;
    Err(HTTPException::new(409, "Conflict after write"))
}

fn session_app(config: SessionConfig) -> Ravyn {
    init_logs();
    Ravyn::builder()
        .session_config(config)
        .routes(vec![Gateway::new(write_value), Gateway::new(read_value), Gateway::new(fail_after_write)])
        .build()
        .unwrap()
}

fn session_app_with_login(config: SessionConfig) -> Ravyn {
    session_app(config.max_age(3600))
}

async fn set_value(server: &TestServer, value: &str) -> String {
    let response = reqwest::Client::new().post(server.url(&format!("/value?value={value}"))).send().await.unwrap();
    pair(response.headers()[SET_COOKIE].to_str().unwrap()).to_owned()
}

#[post("/panic-after-write")]
async fn panic_after_write(request: Request) -> Json<Value> {
    request.session().insert("attempted", true).unwrap();
    panic!("boom after a session write")
}

#[tokio::test]
async fn a_panic_travels_back_through_middleware_and_keeps_session_writes() {
    let app = Ravyn::builder()
        .session_config(SessionConfig::new(SECRET))
        .middleware(ravyn::middleware::from_fn(|request: Request, next: ravyn::Next| async move {
            let mut response = next.run(request).await;
            response.headers_mut().insert("x-seen-by", ravyn::http::HeaderValue::from_static("middleware"));
            response
        }))
        .routes(vec![Gateway::new(panic_after_write), Gateway::new(read_value)])
        .build()
        .unwrap();
    let server = TestServer::start(app).await;
    let http = client();
    let response = http.post(server.url("/panic-after-write")).send().await.unwrap();
    assert_eq!(response.status(), 500);
    assert_eq!(response.headers()["x-seen-by"], "middleware");
    assert!(response.headers().get(SET_COOKIE).is_some(), "the session write before the panic is kept");
    assert_eq!(response.text().await.unwrap(), r#"{"detail":"Internal Server Error"}"#);
    let body: Value = http.get(server.url("/value")).send().await.unwrap().json().await.unwrap();
    assert_eq!(body["attempted"], true);
}
