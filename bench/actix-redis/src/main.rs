//! The login example on actix-web 4 with sessions kept in Redis: actix-session's
//! `RedisSessionStore` (the server-side peer of our `SESSION_STORE=redis`); the cookie holds a
//! signed session key. `renew` at login (a new key, as our example's `cycle_id`), `purge` at logout.
//! Plain password comparison. `PORT` (8000), `HOST` (127.0.0.1), `WORKER_THREADS` (2: actix's
//! workers, each a single-threaded runtime), `REDIS_URL` (redis://127.0.0.1:6379).

use actix_session::storage::RedisSessionStore;
use actix_session::{Session, SessionMiddleware};
use actix_web::cookie::{time::Duration, Key, SameSite};
use actix_web::{get, post, web, App, HttpResponse, HttpServer};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
struct Credentials {
    email: String,
    password: String,
}

const USERS: &[(u64, &str, &str)] = &[(1, "alice@example.com", "wonderland"), (2, "bob@example.com", "builder")];

fn detail(status: actix_web::http::StatusCode, detail: &str) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "detail": detail }))
}

#[post("/login")]
async fn login(session: Session, credentials: web::Json<Credentials>) -> HttpResponse {
    let user = USERS.iter().find(|(_, email, password)| {
        email.eq_ignore_ascii_case(&credentials.email) && *password == credentials.password
    });
    let Some(&(user_id, email, _)) = user else {
        return detail(actix_web::http::StatusCode::UNAUTHORIZED, "Invalid credentials");
    };
    session.renew();
    if session.insert("user_id", user_id).and_then(|()| session.insert("email", email)).is_err() {
        return HttpResponse::InternalServerError().finish();
    }
    HttpResponse::Created().json(json!({"message": "Logged in"}))
}

#[get("/profile")]
async fn profile(session: Session) -> HttpResponse {
    match (session.get::<u64>("user_id"), session.get::<String>("email")) {
        (Ok(Some(id)), Ok(Some(email))) => HttpResponse::Ok().json(json!({"user": {"id": id, "email": email}})),
        _ => detail(actix_web::http::StatusCode::UNAUTHORIZED, "Not authenticated"),
    }
}

#[post("/logout")]
async fn logout(session: Session) -> HttpResponse {
    session.purge();
    HttpResponse::Created().json(json!({"message": "Logged out"}))
}

#[get("/hello")]
async fn hello() -> HttpResponse {
    HttpResponse::Ok().json(json!({"message": "hello"}))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let threads = std::env::var("WORKER_THREADS").ok().and_then(|t| t.parse().ok()).unwrap_or(2);
    let host = std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".to_owned());
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(8000);
    let redis_url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    let store = RedisSessionStore::new(redis_url).await.map_err(std::io::Error::other)?;
    let key = Key::generate();
    println!("actix-redis listening on http://{host}:{port}");
    HttpServer::new(move || {
        App::new()
            .wrap(
                SessionMiddleware::builder(store.clone(), key.clone())
                    .cookie_name("session".to_owned())
                    .cookie_secure(false)
                    .cookie_same_site(SameSite::Lax)
                    .session_lifecycle(actix_session::config::PersistentSession::default().session_ttl(Duration::hours(1)))
                    .build(),
            )
            .service(login)
            .service(profile)
            .service(logout)
            .service(hello)
    })
    .workers(threads)
    .bind((host.as_str(), port))?
    .run()
    .await
}
