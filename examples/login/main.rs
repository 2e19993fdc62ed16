//! The seed's login example: sessions kept in a signed cookie.
//!
//! ```sh
//! cargo run --example login
//! curl -i -c jar -X POST localhost:8000/login -H 'content-type: application/json' \
//!      -d '{"email":"alice@example.com","password":"wonderland"}'
//! curl -i -b jar localhost:8000/profile
//! curl -i -b jar -c jar -X POST localhost:8000/logout
//! ```
//!
//! Environment: `HOST` (127.0.0.1), `PORT` (8000), `SESSION_SECRET` (random if unset: sessions
//! then do not survive a restart), `SESSION_HTTPS_ONLY=1` for `Secure` cookies,
//! `SESSION_FORMAT=signed|ravyn|private` (default signed; `ravyn` reads and writes Python Ravyn's
//! cookies), `SESSION_ABSOLUTE_MAX_AGE=secs` (a session ends that long after login whatever its
//! activity), `LOGIN_FAST_HASH=1` (plain password comparison, for benchmarks only).

mod app;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let options = app::Options::from_env()?;
    let app = app::build(&options)?;
    let host = std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".to_owned());
    let port = std::env::var("PORT").unwrap_or_else(|_| "8000".to_owned());
    let listener = tokio::net::TcpListener::bind(format!("{host}:{port}")).await?;
    println!("Listening on http://{}", listener.local_addr()?);
    app.serve_listener(listener).await?;
    Ok(())
}
