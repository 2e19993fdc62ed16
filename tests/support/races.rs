//! Writes that never bring a revoked session back, over real HTTP (reqwest, a real server on
//! 127.0.0.1): a request still running when a logout (or a `cycle_id()`) lands finishes
//! afterwards, and the logged-out cookie stays refused. Shared by the store test files:
//! `revocation_races_on(store)` runs it against any store.

#![allow(dead_code, unreachable_pub)]

use crate::common::{init_logs, TestServer};
use ravyn::config::SessionConfig;
use ravyn::session::{ManualClock, SessionStore};
use ravyn::{get, post, Gateway, HTTPException, Json, Ravyn, Request};
use reqwest::header::{COOKIE, SET_COOKIE};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

/// How long the slow handlers hold their request open after loading the session.
const SLOW: Duration = Duration::from_millis(400);

#[post("/login")]
async fn start(request: Request) -> Result<Json<Value>, HTTPException> {
    let session = request.session();
    session.cycle_id();
    session.insert("user_id", 1)?;
    Ok(Json(json!({})))
}

/// Takes the admin privilege away, as the store docs tell: `remove` with `cycle_id()`.
#[post("/demote")]
async fn demote(request: Request) -> Json<Value> {
    let session = request.session();
    session.remove("is_admin");
    session.cycle_id();
    Json(json!({}))
}

#[post("/grant-admin")]
async fn grant_admin(request: Request) -> Result<Json<Value>, HTTPException> {
    request.session().insert("is_admin", true)?;
    Ok(Json(json!({})))
}

#[get("/admin")]
async fn admin(request: Request) -> Result<Json<Value>, HTTPException> {
    match request.session().get::<bool>("is_admin")? {
        Some(true) => Ok(Json(json!({"admin": true}))),
        _ => Err(HTTPException::new(403, "Not an admin")),
    }
}

#[get("/profile")]
async fn profile_route(request: Request) -> Result<Json<Value>, HTTPException> {
    match request.session().get::<u64>("user_id")? {
        Some(id) => Ok(Json(json!({"user_id": id}))),
        None => Err(HTTPException::new(401, "Not authenticated")),
    }
}

#[post("/logout")]
async fn logout_route(request: Request) -> Json<Value> {
    request.session().clear();
    Json(json!({}))
}

/// Writes the session (a cart), then takes its time.
#[post("/cart")]
async fn slow_write(request: Request) -> Result<Json<Value>, HTTPException> {
    let session = request.session();
    let user_id: Option<u64> = session.get("user_id")?;
    session.insert("cart", json!(["book"]))?;
    tokio::time::sleep(SLOW).await;
    Ok(Json(json!({"user_id": user_id})))
}

/// Only reads the session, then takes its time (its rolling refresh may be due).
#[get("/slow-profile")]
async fn slow_read(request: Request) -> Result<Json<Value>, HTTPException> {
    let user_id: Option<u64> = request.session().get("user_id")?;
    tokio::time::sleep(SLOW).await;
    Ok(Json(json!({"user_id": user_id})))
}

async fn server(store: Arc<dyn SessionStore>, clock: Arc<ManualClock>) -> TestServer {
    init_logs();
    let app = Ravyn::builder()
        .session_config(
            SessionConfig::new("race-test-secret-that-is-at-least-32-bytes").max_age(400).clock(clock).store(store),
        )
        .routes(vec![
            Gateway::new(start),
            Gateway::new(profile_route),
            Gateway::new(logout_route),
            Gateway::new(slow_write),
            Gateway::new(slow_read),
            Gateway::new(demote),
            Gateway::new(grant_admin),
            Gateway::new(admin),
        ])
        .build()
        .unwrap();
    TestServer::start(app).await
}

/// Logs in and returns the `session=...` pair.
async fn log_in(server: &TestServer) -> String {
    let response = reqwest::Client::new().post(server.url("/login")).send().await.unwrap();
    assert_eq!(response.status(), 201);
    pair(response.headers()[SET_COOKIE].to_str().unwrap())
}

async fn send(server: &TestServer, method: reqwest::Method, path: &str, cookie: &str) -> reqwest::Response {
    reqwest::Client::new().request(method, server.url(path)).header(COOKIE, cookie).send().await.unwrap()
}

/// Starts `path` with `cookie`, lands `interrupt` (with the same cookie) while it sleeps, and
/// returns the slow response.
async fn interrupted(
    server: &TestServer,
    (method, path): (reqwest::Method, &str),
    cookie: &str,
    interrupt: &str,
) -> (reqwest::Response, reqwest::Response) {
    let slow = send(server, method, path, cookie);
    let meanwhile = async {
        tokio::time::sleep(SLOW / 4).await;
        send(server, reqwest::Method::POST, interrupt, cookie).await
    };
    let (slow, meanwhile) = tokio::join!(slow, meanwhile);
    (slow, meanwhile)
}

fn deletes_the_cookie(response: &reqwest::Response) -> bool {
    response.headers().get_all(SET_COOKIE).iter().any(|v| {
        let v = v.to_str().unwrap();
        v.starts_with("session=;") && v.contains("Max-Age=0")
    })
}

pub async fn revocation_races_on(store: Arc<dyn SessionStore>) {
    let clock = Arc::new(ManualClock::new(1_900_000_000));
    let server = server(store, clock.clone()).await;

    // A handler that writes the session and sleeps; a logout lands meanwhile.
    let cookie = log_in(&server).await;
    assert_eq!(send(&server, reqwest::Method::GET, "/profile", &cookie).await.status(), 200);
    let (slow, logout) = interrupted(&server, (reqwest::Method::POST, "/cart"), &cookie, "/logout").await;
    assert_eq!(logout.status(), 201);
    assert!(deletes_the_cookie(&logout));
    assert_eq!(slow.status(), 201, "the late write is not a 503");
    assert!(deletes_the_cookie(&slow), "the late response logs the client out: {:?}", slow.headers());
    assert_eq!(slow.json::<Value>().await.unwrap(), json!({"user_id": 1}), "the handler ran as usual");
    let replay = send(&server, reqwest::Method::GET, "/profile", &cookie).await;
    assert_eq!(replay.status(), 401, "afterwards the logged-out cookie is refused");

    // A read-only request whose rolling refresh is due (older than max_age / 4 = 100 s).
    let cookie = log_in(&server).await;
    clock.advance(101);
    let (slow, _) = interrupted(&server, (reqwest::Method::GET, "/slow-profile"), &cookie, "/logout").await;
    assert_eq!(slow.status(), 200);
    assert!(deletes_the_cookie(&slow), "a due refresh after logout must not re-create the session");
    assert_eq!(send(&server, reqwest::Method::GET, "/profile", &cookie).await.status(), 401);

    // A request on the old id finishing after a login that cycled the id.
    let old = log_in(&server).await;
    let (slow, login) = interrupted(&server, (reqwest::Method::POST, "/cart"), &old, "/login").await;
    assert_eq!(login.status(), 201);
    let new = pair(login.headers()[SET_COOKIE].to_str().unwrap());
    assert_ne!(new, old);
    assert!(deletes_the_cookie(&slow), "the old id's late write is dropped");
    assert_eq!(send(&server, reqwest::Method::GET, "/profile", &old).await.status(), 401, "old id stays dead");
    assert_eq!(send(&server, reqwest::Method::GET, "/profile", &new).await.status(), 200, "new id lives");

    // A privilege taken away (remove + cycle_id) while a request holding the older copy, with
    // the privilege, writes the session (security review M1 (c)).
    let cookie = log_in(&server).await;
    assert_eq!(send(&server, reqwest::Method::POST, "/grant-admin", &cookie).await.status(), 201);
    assert_eq!(send(&server, reqwest::Method::GET, "/admin", &cookie).await.status(), 200);
    let (slow, demotion) = interrupted(&server, (reqwest::Method::POST, "/cart"), &cookie, "/demote").await;
    assert_eq!(demotion.status(), 201);
    let demoted = pair(demotion.headers()[SET_COOKIE].to_str().unwrap());
    assert!(deletes_the_cookie(&slow), "the older copy's write finds its id gone");
    assert_eq!(send(&server, reqwest::Method::GET, "/admin", &demoted).await.status(), 403, "is_admin stays removed");
    assert_eq!(send(&server, reqwest::Method::GET, "/profile", &demoted).await.status(), 200, "still logged in");
    assert_eq!(send(&server, reqwest::Method::GET, "/admin", &cookie).await.status(), 403, "the old id is dead");
}

/// The `name=value` pair of a Set-Cookie header.
fn pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_owned()
}
