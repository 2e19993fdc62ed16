//! The smallest Ravyn app: `GET /hello` → `{"message":"hello"}`.
//!
//! Run it with `cargo run --example hello`; `HOST` (default 127.0.0.1) and `PORT` (default 8000)
//! choose where it listens, `MAX_CONNECTIONS` how many connections it serves at once (default
//! 10,000).

use ravyn::{get, Gateway, Json, Ravyn};
use serde_json::{json, Value};

#[get("/hello")]
async fn hello() -> Json<Value> {
    Json(json!({"message": "hello"}))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().with_env_filter(env_filter()).init();
    let mut app = Ravyn::builder().routes(vec![Gateway::new(hello)]);
    if let Ok(max) = std::env::var("MAX_CONNECTIONS") {
        app = app.max_connections(max.parse().map_err(|e| format!("MAX_CONNECTIONS: {e}"))?);
    }
    let app = app.build()?;
    let listener = tokio::net::TcpListener::bind(listen_address()).await?;
    println!("Listening on http://{}", listener.local_addr()?);
    app.serve_listener(listener).await?;
    Ok(())
}

/// `HOST:PORT` from the environment, as every example reads it.
fn listen_address() -> String {
    let host = std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".to_owned());
    let port = std::env::var("PORT").unwrap_or_else(|_| "8000".to_owned());
    format!("{host}:{port}")
}

fn env_filter() -> tracing_subscriber::EnvFilter {
    tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into())
}
