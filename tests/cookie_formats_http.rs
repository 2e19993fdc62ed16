//! Cookie formats over real HTTP: the login example's flow in each format, Python Ravyn's
//! cookies read and written byte for byte, encrypted cookies, and the absolute lifetime.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;
#[path = "../examples/login/app.rs"]
mod login_app;

use base64::Engine as _;
use common::{init_logs, TestServer};
use ravyn::config::CookieFormat;
use ravyn::session::ManualClock;
use reqwest::header::{COOKIE, SET_COOKIE};
use serde_json::{json, Value};
use std::sync::Arc;

const NOW: u64 = 1_795_627_472;
/// Python itsdangerous 2.2.0, secret `demo-secret-key-change-me`, timestamp 1795627472,
/// session `{"user_id":1,"email":"demo@example.com"}`.
const PYTHON_COOKIE: &str =
    "eyJ1c2VyX2lkIjoxLCJlbWFpbCI6ImRlbW9AZXhhbXBsZS5jb20ifQ==.awcZ0A.JR25SXSXM17jaP9mAbP-234qiKY";
const PYTHON_SECRET: &str = "demo-secret-key-change-me";

fn options(format: CookieFormat, clock: &Arc<ManualClock>) -> login_app::Options {
    login_app::Options {
        format,
        clock: Some(clock.clone()),
        ..login_app::Options::for_tests("formats-test-secret-that-is-32-bytes-long")
    }
}

async fn server(options: &login_app::Options) -> TestServer {
    init_logs();
    TestServer::start(login_app::build(options).unwrap()).await
}

async fn login(server: &TestServer) -> String {
    let response = reqwest::Client::new()
        .post(server.url("/login"))
        .json(&json!({"email": "alice@example.com", "password": "wonderland"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    response.headers()[SET_COOKIE].to_str().unwrap().to_owned()
}

fn pair(set_cookie: &str) -> &str {
    set_cookie.split(';').next().unwrap()
}

async fn get(server: &TestServer, path: &str, cookie: &str) -> reqwest::Response {
    reqwest::Client::new().get(server.url(path)).header(COOKIE, cookie).send().await.unwrap()
}

async fn post(server: &TestServer, path: &str, cookie: &str) -> reqwest::Response {
    reqwest::Client::new().post(server.url(path)).header(COOKIE, cookie).send().await.unwrap()
}

#[tokio::test]
async fn every_format_runs_the_login_flow_and_rejects_tampering() {
    for format in [CookieFormat::Signed, CookieFormat::Ravyn, CookieFormat::Private] {
        let clock = Arc::new(ManualClock::new(NOW));
        let server = server(&options(format, &clock)).await;
        let cookie = pair(&login(&server).await).to_owned();
        let response = get(&server, "/profile", &cookie).await;
        assert_eq!(response.status(), 200, "{format}");
        assert_eq!(
            response.json::<Value>().await.unwrap(),
            json!({"user": {"id": 1, "email": "alice@example.com"}}),
            "{format}"
        );
        // Flip one character in the middle of the value.
        let mut bytes = cookie.clone().into_bytes();
        let middle = bytes.len() / 2 + 4;
        bytes[middle] = if bytes[middle] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap();
        let response = get(&server, "/profile", &tampered).await;
        assert_eq!(response.status(), 401, "{format}: tampered");
        assert!(response.headers().get(SET_COOKIE).is_none(), "{format}");
        let response = post(&server, "/logout", &cookie).await;
        assert_eq!(response.status(), 201, "{format}");
        assert!(response.headers().get(SET_COOKIE).is_some(), "{format}: logout deletes the cookie");
        clock.advance(3601);
        assert_eq!(get(&server, "/profile", &cookie).await.status(), 401, "{format}: expired");
    }
}

#[tokio::test]
async fn ravyn_format_writes_cookies_as_lilya_does() {
    let clock = Arc::new(ManualClock::new(NOW));
    let server = server(&options(CookieFormat::Ravyn, &clock)).await;
    let set_cookie = login(&server).await;
    assert!(set_cookie.starts_with("session=\""), "{set_cookie}");
    assert!(set_cookie.contains("; path=/") && set_cookie.contains("Max-Age=3600"), "{set_cookie}");
    assert!(set_cookie.contains("httponly") && set_cookie.contains("samesite=lax"), "{set_cookie}");
    let value = pair(&set_cookie).trim_start_matches("session=").trim_matches('"');
    let payload = value.split('.').next().unwrap();
    let json = base64::engine::general_purpose::STANDARD.decode(payload).unwrap();
    assert_eq!(json, br#"{"user_id":1,"email":"alice@example.com"}"#, "compact JSON, standard base64");
    let deletion = post(&server, "/logout", pair(&set_cookie)).await.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert_eq!(deletion, "session=null; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; httponly; samesite=lax");
}

#[tokio::test]
async fn ravyn_format_reads_a_cookie_made_by_python_itsdangerous() {
    let clock = Arc::new(ManualClock::new(NOW + 10));
    let options = login_app::Options {
        format: CookieFormat::Ravyn,
        clock: Some(clock.clone()),
        ..login_app::Options::for_tests(PYTHON_SECRET)
    };
    let server = server(&options).await;
    for cookie in [format!("session=\"{PYTHON_COOKIE}\""), format!("session={PYTHON_COOKIE}")] {
        let response = get(&server, "/profile", &cookie).await;
        assert_eq!(response.status(), 200, "{cookie}");
        assert_eq!(response.json::<Value>().await.unwrap(), json!({"user": {"id": 1, "email": "demo@example.com"}}));
    }
    clock.set(NOW + 3601);
    assert_eq!(get(&server, "/profile", &format!("session={PYTHON_COOKIE}")).await.status(), 401, "expired");
    clock.set(NOW - 3600);
    assert_eq!(get(&server, "/profile", &format!("session={PYTHON_COOKIE}")).await.status(), 401, "future");
}

#[tokio::test]
async fn private_cookies_cannot_be_read_by_the_client() {
    let clock = Arc::new(ManualClock::new(NOW));
    let server = server(&options(CookieFormat::Private, &clock)).await;
    let cookie = pair(&login(&server).await).to_owned();
    let value = cookie.trim_start_matches("session=");
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(value).unwrap();
    let text = String::from_utf8_lossy(&raw);
    assert!(!text.contains("alice") && !text.contains("user_id"), "the session is encrypted: {text}");
    // Two logins never produce the same ciphertext (fresh nonce per cookie).
    assert_ne!(pair(&login(&server).await), cookie);
}

#[tokio::test]
async fn a_cookie_of_another_format_is_an_empty_session_not_an_error() {
    let clock = Arc::new(ManualClock::new(NOW));
    let signed = server(&options(CookieFormat::Signed, &clock)).await;
    let private = server(&options(CookieFormat::Private, &clock)).await;
    let ravyn = server(&options(CookieFormat::Ravyn, &clock)).await;
    let signed_cookie = pair(&login(&signed).await).to_owned();
    let private_cookie = pair(&login(&private).await).to_owned();
    for (server, cookie) in [(&private, &signed_cookie), (&signed, &private_cookie), (&ravyn, &signed_cookie)] {
        let response = get(server, "/profile", cookie).await;
        assert_eq!(response.status(), 401);
        assert!(response.headers().get(SET_COOKIE).is_none());
    }
}

#[tokio::test]
async fn absolute_lifetime_ends_a_session_however_active() {
    for format in [CookieFormat::Signed, CookieFormat::Private] {
        let clock = Arc::new(ManualClock::new(NOW));
        let options = login_app::Options { absolute_max_age: Some(7200), ..options(format, &clock) };
        let server = server(&options).await;
        let mut cookie = pair(&login(&server).await).to_owned();
        // Stay active: every 2000 s the rolling refresh hands out a fresh cookie.
        for step in 1..=3 {
            clock.set(NOW + step * 2000);
            let response = get(&server, "/profile", &cookie).await;
            assert_eq!(response.status(), 200, "{format} at +{}", step * 2000);
            if let Some(fresh) = response.headers().get(SET_COOKIE) {
                cookie = pair(fresh.to_str().unwrap()).to_owned();
            }
        }
        clock.set(NOW + 7201);
        let response = get(&server, "/profile", &cookie).await;
        assert_eq!(response.status(), 401, "{format}: past the absolute lifetime, even freshly refreshed");
    }
}

#[tokio::test]
async fn ravyn_format_with_an_absolute_lifetime_is_a_build_error() {
    let clock = Arc::new(ManualClock::new(NOW));
    let options = login_app::Options { absolute_max_age: Some(60), ..options(CookieFormat::Ravyn, &clock) };
    let error = login_app::build(&options).unwrap_err();
    assert!(error.to_string().contains("absolute_max_age"), "{error}");
}
