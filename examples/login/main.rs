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
//! The API is described at `/openapi.json` and browsable at `/docs/swagger` (also `/docs/redoc`,
//! `/docs/elements`, `/docs/rapidoc`, `/docs/scalar`); their scripts come from a CDN unless
//! `DOCS_ASSETS=local` (build with `--features embedded-docs`) serves them from the example.
//!
//! Environment: `HOST` (127.0.0.1), `PORT` (8000), `SESSION_SECRET` (random if unset: sessions
//! then do not survive a restart), `SESSION_HTTPS_ONLY=1` for `Secure` cookies,
//! `SESSION_FORMAT=signed|ravyn|private` (default signed; `ravyn` reads and writes Python Ravyn's
//! cookies), `SESSION_ABSOLUTE_MAX_AGE=secs` (a session ends that long after login whatever its
//! activity), `LOGIN_FAST_HASH=1` (plain password comparison, for benchmarks only),
//! `WORKER_THREADS=N` (tokio worker threads; default: one per available core — `bench/run.sh` sets 2
//! so every framework it compares runs the same number of workers).
//!
//! Sessions live in a signed cookie by default. `SESSION_STORE=memory` keeps them in this
//! process's memory and `SESSION_STORE=redis` in Redis at `REDIS_URL` (default
//! `redis://127.0.0.1:6379`; build with `--features redis`), the cookie then holding only a signed
//! session id: `cargo run --features redis --example login` with `SESSION_STORE=redis`.
//! `SESSION_STORE=postgres|mysql|sqlite` keeps them in a database table (build with the feature of
//! the same name): `DATABASE_URL` in sqlx's form (defaults `postgres://postgres@127.0.0.1:5432/test`,
//! `mysql://root@127.0.0.1:3306/test`, `sqlite://sessions.db`, the file created if missing),
//! `SESSION_TABLE` (default `ravyn_sessions`; an invalid name stops the example) and
//! `SESSION_CLEANUP_INTERVAL` (seconds, default 300). At start-up the example connects, creates
//! the table if needed and starts the expired-session cleanup, which its `on_shutdown` hook stops
//! during graceful shutdown: `SESSION_STORE=sqlite cargo run --features sqlite --example login`.
//!
//! `CSRF=1` turns on CSRF protection: unsafe requests must send the `csrftoken` cookie's value in
//! `X-CSRFToken`, and `GET /csrf` returns it for front ends that cannot read the cookie.
//! `CORS_ORIGINS=https://a.example,https://b.example` lets those origins call with credentials;
//! with `SESSION_HTTPS_ONLY=1` too, the cookies become `SameSite=None` so a front end on another
//! site gets its session (docs/configurations/cors.md has the whole recipe).
//!
//! `COMPRESSION=1` puts tower-http's `CompressionLayer` on the whole app (gzip, deflate, br and
//! zstd by `Accept-Encoding`; off without it). `/static/` serves `examples/login/static/`: a small
//! login page that uses the JSON API (open http://127.0.0.1:8000/static/).

mod app;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Ok(threads) = std::env::var("WORKER_THREADS") {
        let threads: std::num::NonZeroUsize = threads.parse().map_err(|e| format!("WORKER_THREADS: {e}"))?;
        runtime.worker_threads(threads.get());
    }
    runtime.enable_all().build()?.block_on(run())
}

use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    // `RUST_LOG` as a list of `target=level` (or a bare level), e.g. `warn` or `info,ravyn_core=debug`.
    // `Targets` rather than `EnvFilter`: it needs no regex engine, so the server stays smaller.
    let filter = std::env::var("RUST_LOG").ok().and_then(|value| value.parse::<Targets>().ok());
    let filter = filter.unwrap_or_else(|| Targets::new().with_default(tracing::Level::INFO));
    tracing_subscriber::registry().with(tracing_subscriber::fmt::layer()).with(filter).init();
    let mut options = app::Options::from_env()?;
    options.open_sql_store().await?;
    let app = app::build(&options)?;
    let host = std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".to_owned());
    let port = std::env::var("PORT").unwrap_or_else(|_| "8000".to_owned());
    let listener = tokio::net::TcpListener::bind(format!("{host}:{port}")).await?;
    println!("Listening on http://{}", listener.local_addr()?);
    // On Ctrl-C/SIGTERM: in-flight requests finish, then the shutdown hook stops the cleanup.
    app.serve_listener(listener).await?;
    Ok(())
}
