//! Session users without bearer tokens, over real HTTP: the identity step, `AuthUser`,
//! `request.user()` and permissions on an app that has a `session_config` and a `user_loader` but
//! no `jwt_config`. CI runs this file twice: with every feature, and with the `jwt` feature off
//! (`--no-default-features --features http2`), where the identity step is built without any token
//! code and must answer the same.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;

use common::TestServer;
use ravyn::auth::{AuthUser, Credentials, IsAuthenticated};
use ravyn::config::SessionConfig;
use ravyn::{get, post, Gateway, HTTPException, Json, Ravyn, Request};
use reqwest::header::WWW_AUTHENTICATE;
use serde_json::{json, Value};

const SECRET: &str = "a-long-random-secret-of-at-least-32-bytes";

#[derive(Debug)]
struct User {
    id: u64,
}

#[post("/login")]
async fn login(request: Request, id: u64) -> &'static str {
    request.session().insert("user_id", id).unwrap();
    "ok"
}

#[get("/me")]
async fn me(user: AuthUser<User>) -> Json<Value> {
    Json(json!({"id": user.id}))
}

#[get("/maybe")]
async fn maybe(user: Option<AuthUser<User>>) -> Json<Value> {
    Json(json!({"id": user.map(|user| user.id)}))
}

#[get("/guarded", permissions = [IsAuthenticated])]
async fn guarded(request: Request) -> Json<Value> {
    Json(json!({"id": request.user::<User>().map(|user| user.id)}))
}

async fn load_user(credentials: Credentials) -> Result<Option<User>, HTTPException> {
    let Some(session) = credentials.session() else { return Ok(None) };
    Ok(session.get::<u64>("user_id")?.filter(|id| *id != 13).map(|id| User { id }))
}

fn app() -> Ravyn {
    Ravyn::builder()
        .session_config(SessionConfig::new(SECRET))
        .user_loader(load_user)
        .routes(vec![Gateway::new(login), Gateway::new(me), Gateway::new(maybe), Gateway::new(guarded)])
        .build()
        .unwrap()
}

async fn refused(response: reqwest::Response) {
    assert_eq!(response.status(), 401);
    // The app reads no bearer tokens, so a 401 carries no `Bearer` challenge.
    assert!(!response.headers().contains_key(WWW_AUTHENTICATE), "{:?}", response.headers());
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"detail": "Authentication credentials were not provided."})
    );
}

#[tokio::test]
async fn a_session_user_is_the_caller_and_no_session_is_a_401() {
    let server = TestServer::start(app()).await;
    let http = common::client();
    refused(http.get(server.url("/me")).send().await.unwrap()).await;
    refused(http.get(server.url("/guarded")).send().await.unwrap()).await;
    assert_eq!(
        http.get(server.url("/maybe")).send().await.unwrap().json::<Value>().await.unwrap(),
        json!({"id": null})
    );

    assert_eq!(http.post(server.url("/login?id=7")).send().await.unwrap().status(), 201);
    assert_eq!(http.get(server.url("/me")).send().await.unwrap().json::<Value>().await.unwrap(), json!({"id": 7}));
    assert_eq!(http.get(server.url("/maybe")).send().await.unwrap().json::<Value>().await.unwrap(), json!({"id": 7}));
    assert_eq!(http.get(server.url("/guarded")).send().await.unwrap().json::<Value>().await.unwrap(), json!({"id": 7}));
}

#[tokio::test]
async fn a_session_whose_user_the_loader_does_not_know_is_not_authenticated() {
    let server = TestServer::start(app()).await;
    let http = common::client();
    assert_eq!(http.post(server.url("/login?id=13")).send().await.unwrap().status(), 201);
    refused(http.get(server.url("/me")).send().await.unwrap()).await;
    refused(http.get(server.url("/guarded")).send().await.unwrap()).await;
}

#[tokio::test]
async fn a_bearer_header_alone_authenticates_no_one_without_a_jwt_config() {
    let server = TestServer::start(app()).await;
    let response = common::client()
        .get(server.url("/me"))
        .header("authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln")
        .send()
        .await
        .unwrap();
    refused(response).await;
}
