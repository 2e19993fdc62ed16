//! Streaming both ways: server-sent events, a large generated download at constant memory, and
//! uploads of any size streamed to a temporary file.
//!
//! ```text
//! cargo run --example streaming            # HOST=127.0.0.1 PORT=8000 by default
//! curl -N http://127.0.0.1:8000/events     # data: 1 ... data: 5, a second apart
//! curl -o /dev/null http://127.0.0.1:8000/download?bytes=1073741824
//! curl -X POST -T big.iso http://127.0.0.1:8000/upload   # {"bytes": N, "sha256": "..."}
//! ```

mod app;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let host = std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".to_owned());
    let port = std::env::var("PORT").unwrap_or_else(|_| "8000".to_owned());
    let app = app::build()?;
    app.serve(format!("{host}:{port}")).await?;
    Ok(())
}
