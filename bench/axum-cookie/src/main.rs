//! The login example on axum 0.8: the session is a JSON object kept in a signed cookie
//! (axum-extra's `SignedCookieJar`, HMAC-SHA256), the closest stateless peer of our default.
//! Plain password comparison. `PORT` (8000), `HOST` (127.0.0.1), `WORKER_THREADS` (2).

use axum::extract::FromRef;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use axum_extra::extract::cookie::{Cookie, Key, SameSite, SignedCookieJar};
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Clone)]
struct AppState {
    key: Key,
}

impl FromRef<AppState> for Key {
    fn from_ref(state: &AppState) -> Key {
        state.key.clone()
    }
}

#[derive(Deserialize)]
struct Credentials {
    email: String,
    password: String,
}

#[derive(Serialize, Deserialize)]
struct SessionData {
    user_id: u64,
    email: String,
}

const USERS: &[(u64, &str, &str)] = &[(1, "alice@example.com", "wonderland"), (2, "bob@example.com", "builder")];
const SESSION: &str = "session";

fn detail(status: StatusCode, detail: &str) -> Response {
    (status, Json(json!({ "detail": detail }))).into_response()
}

async fn login(jar: SignedCookieJar, Json(credentials): Json<Credentials>) -> Response {
    let user = USERS.iter().find(|(_, email, password)| {
        email.eq_ignore_ascii_case(&credentials.email) && *password == credentials.password
    });
    let Some(&(user_id, email, _)) = user else { return detail(StatusCode::UNAUTHORIZED, "Invalid credentials") };
    let data = serde_json::to_string(&SessionData { user_id, email: email.to_owned() }).unwrap_or_default();
    let cookie = Cookie::build((SESSION, data))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(cookie::time::Duration::seconds(3600));
    (StatusCode::CREATED, jar.add(cookie), Json(json!({"message": "Logged in"}))).into_response()
}

async fn profile(jar: SignedCookieJar) -> Response {
    let session = jar.get(SESSION).and_then(|c| serde_json::from_str::<SessionData>(c.value()).ok());
    match session {
        Some(s) => Json(json!({"user": {"id": s.user_id, "email": s.email}})).into_response(),
        None => detail(StatusCode::UNAUTHORIZED, "Not authenticated"),
    }
}

async fn logout(jar: SignedCookieJar) -> Response {
    (StatusCode::CREATED, jar.remove(Cookie::build(SESSION).path("/")), Json(json!({"message": "Logged out"})))
        .into_response()
}

async fn hello() -> Json<serde_json::Value> {
    Json(json!({"message": "hello"}))
}

fn main() -> std::io::Result<()> {
    let threads = std::env::var("WORKER_THREADS").ok().and_then(|t| t.parse().ok()).unwrap_or(2);
    tokio::runtime::Builder::new_multi_thread().worker_threads(threads).enable_all().build()?.block_on(serve())
}

async fn serve() -> std::io::Result<()> {
    let state = AppState { key: Key::generate() };
    let app = Router::new()
        .route("/login", post(login))
        .route("/profile", get(profile))
        .route("/logout", post(logout))
        .route("/hello", get(hello))
        .with_state(state);
    let host = std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".to_owned());
    let port = std::env::var("PORT").unwrap_or_else(|_| "8000".to_owned());
    let listener = tokio::net::TcpListener::bind(format!("{host}:{port}")).await?;
    println!("axum-cookie listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await
}
