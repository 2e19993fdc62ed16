//! The JWT example: API clients log in for a bearer token pair, refresh it, log out.
//!
//! ```sh
//! cargo run --example jwt
//! curl -s -X POST localhost:8000/auth/token -H 'content-type: application/json' \
//!      -d '{"email":"alice@example.com","password":"wonderland"}'
//! # {"access_token":"…","refresh_token":"…","token_type":"bearer","expires_in":300}
//! curl -i localhost:8000/me -H "Authorization: Bearer $ACCESS"
//! curl -s -X POST localhost:8000/auth/refresh -H 'content-type: application/json' \
//!      -d "{\"refresh_token\":\"$REFRESH\"}"
//! curl -i -X POST localhost:8000/auth/logout -H "Authorization: Bearer $ACCESS"
//! ```
//!
//! Routes: `POST /auth/token` (JSON or form `email`, `password`; alice@example.com/wonderland is
//! user 1, bob@example.com/builder user 2) → 201 and a pair; `POST /auth/refresh`
//! (`refresh_token`) → 201 and a new pair, the old refresh token used up; `GET /me` with the
//! bearer; `POST /auth/logout` with the bearer (that token and its refresh family die);
//! `GET /admin` for user 1 only (a user-written permission); `GET /hello`, public.
//!
//! Environment: `HOST` (127.0.0.1), `PORT` (8000), `JWT_SECRET` (random with a warning if unset:
//! tokens then do not survive a restart), `JWT_ACCESS_LIFETIME` and `JWT_REFRESH_LIFETIME`
//! (seconds; 300 and 86400), `JWT_LEEWAY` (seconds, 0), `JWT_ISSUER`, `JWT_AUDIENCE`,
//! `JWT_FALLBACK_SECRETS` (comma-separated older secrets that still verify), `JWT_ALGORITHM`
//! (HS256; HS384, HS512, RS256/384/512, PS256/384/512, ES256, ES384, EdDSA) with
//! `JWT_PRIVATE_KEY_FILE` and `JWT_PUBLIC_KEY_FILE` (PEM) for the asymmetric ones,
//! `JWT_STORE=memory|redis` (memory; `REDIS_URL`, build with `--features redis`),
//! `JWT_CHECK_REVOCATION=0` (verify tokens by signature alone; a logout then takes effect when
//! the access token expires), `LOGIN_FAST_HASH=1` (plain password comparison, for benchmarks
//! only), `WORKER_THREADS=N`.

mod app;

use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Ok(threads) = std::env::var("WORKER_THREADS") {
        let threads: std::num::NonZeroUsize = threads.parse().map_err(|e| format!("WORKER_THREADS: {e}"))?;
        runtime.worker_threads(threads.get());
    }
    runtime.enable_all().build()?.block_on(run())
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let filter = std::env::var("RUST_LOG").ok().and_then(|value| value.parse::<Targets>().ok());
    let filter = filter.unwrap_or_else(|| Targets::new().with_default(tracing::Level::INFO));
    tracing_subscriber::registry().with(tracing_subscriber::fmt::layer()).with(filter).init();
    let options = app::Options::from_env()?;
    let app = app::build(&options)?;
    let host = std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".to_owned());
    let port = std::env::var("PORT").unwrap_or_else(|_| "8000".to_owned());
    let listener = tokio::net::TcpListener::bind(format!("{host}:{port}")).await?;
    println!("Listening on http://{}", listener.local_addr()?);
    app.serve_listener(listener).await?;
    Ok(())
}
