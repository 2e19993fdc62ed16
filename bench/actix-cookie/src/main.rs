//! The login example on actix-web 4: actix-session's `CookieSessionStore`, signed
//! (`CookieContentSecurity::Signed`, HMAC-SHA256), holding the session's keys in the cookie.
//! Plain password comparison. `PORT` (8000), `HOST` (127.0.0.1), `WORKER_THREADS` (2: actix's
//! workers, each a single-threaded runtime).

use actix_session::config::CookieContentSecurity;
use actix_session::storage::CookieSessionStore;
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
    let key = Key::generate();
    println!("actix-cookie listening on http://{host}:{port}");
    HttpServer::new(move || {
        App::new()
            .wrap(
                SessionMiddleware::builder(CookieSessionStore::default(), key.clone())
                    .cookie_name("session".to_owned())
                    .cookie_secure(false)
                    .cookie_same_site(SameSite::Lax)
                    .cookie_content_security(CookieContentSecurity::Signed)
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
