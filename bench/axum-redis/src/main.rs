//! The login example on axum 0.8 with sessions kept in Redis: tower-sessions' `SessionManagerLayer`
//! over tower-sessions-redis-store (fred, a pool of `REDIS_POOL` connections, default 6), the
//! server-side peer of our `SESSION_STORE=redis`. A new session id at login (`cycle_id`, as our
//! example does), `flush` at logout. Plain password comparison. `PORT` (8000), `HOST`
//! (127.0.0.1), `WORKER_THREADS` (2), `REDIS_URL` (redis://127.0.0.1:6379).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use tower_sessions::cookie::{time::Duration, SameSite};
use tower_sessions::{Expiry, Session, SessionManagerLayer};
use tower_sessions_redis_store::fred::prelude::{ClientLike, Config, Pool};
use tower_sessions_redis_store::RedisStore;

#[derive(Deserialize)]
struct Credentials {
    email: String,
    password: String,
}

const USERS: &[(u64, &str, &str)] = &[(1, "alice@example.com", "wonderland"), (2, "bob@example.com", "builder")];

fn detail(status: StatusCode, detail: &str) -> Response {
    (status, Json(json!({ "detail": detail }))).into_response()
}

async fn login(session: Session, Json(credentials): Json<Credentials>) -> Response {
    let user = USERS.iter().find(|(_, email, password)| {
        email.eq_ignore_ascii_case(&credentials.email) && *password == credentials.password
    });
    let Some(&(user_id, email, _)) = user else { return detail(StatusCode::UNAUTHORIZED, "Invalid credentials") };
    let stored = async {
        session.cycle_id().await?;
        session.insert("user_id", user_id).await?;
        session.insert("email", email).await
    };
    if stored.await.is_err() {
        return detail(StatusCode::SERVICE_UNAVAILABLE, "Session store unavailable");
    }
    (StatusCode::CREATED, Json(json!({"message": "Logged in"}))).into_response()
}

async fn profile(session: Session) -> Response {
    match (session.get::<u64>("user_id").await, session.get::<String>("email").await) {
        (Ok(Some(id)), Ok(Some(email))) => Json(json!({"user": {"id": id, "email": email}})).into_response(),
        _ => detail(StatusCode::UNAUTHORIZED, "Not authenticated"),
    }
}

async fn logout(session: Session) -> Response {
    if session.flush().await.is_err() {
        return detail(StatusCode::SERVICE_UNAVAILABLE, "Session store unavailable");
    }
    (StatusCode::CREATED, Json(json!({"message": "Logged out"}))).into_response()
}

async fn hello() -> Json<serde_json::Value> {
    Json(json!({"message": "hello"}))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let threads = std::env::var("WORKER_THREADS").ok().and_then(|t| t.parse().ok()).unwrap_or(2);
    tokio::runtime::Builder::new_multi_thread().worker_threads(threads).enable_all().build()?.block_on(serve())
}

async fn serve() -> Result<(), Box<dyn std::error::Error>> {
    let redis_url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    let pool_size = std::env::var("REDIS_POOL").ok().and_then(|n| n.parse().ok()).unwrap_or(6);
    let pool = Pool::new(Config::from_url(&redis_url)?, None, None, None, pool_size)?;
    let _connection = pool.connect();
    pool.wait_for_connect().await?;
    let sessions = SessionManagerLayer::new(RedisStore::new(pool))
        .with_name("session")
        .with_secure(false)
        .with_same_site(SameSite::Lax)
        .with_expiry(Expiry::OnInactivity(Duration::hours(1)));
    let app = Router::new()
        .route("/login", post(login))
        .route("/profile", get(profile))
        .route("/logout", post(logout))
        .route("/hello", get(hello))
        .layer(sessions);
    let host = std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".to_owned());
    let port = std::env::var("PORT").unwrap_or_else(|_| "8000".to_owned());
    let listener = tokio::net::TcpListener::bind(format!("{host}:{port}")).await?;
    println!("axum-redis listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
