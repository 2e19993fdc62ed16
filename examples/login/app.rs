//! The login example's app, shared by `main.rs` and the integration tests.

// Shared by the example binary and the integration tests; each uses part of it.
#![allow(dead_code, unreachable_pub)]

#[path = "../common/users.rs"]
mod users;

use ravyn::config::{CORSConfig, CSRFConfig, CookieFormat, SameSite, SessionConfig, StaticFilesConfig};
use ravyn::session::{Clock, SessionStore};
use ravyn::{get, post, Gateway, HTTPException, Json, Ravyn, Request};
use serde_json::{json, Value};
use std::sync::Arc;
use users::{authenticate, random_secret, User};

/// The example's configuration, read from the environment.
#[derive(Clone)]
pub struct Options {
    /// The session secret.
    pub secret: String,
    /// `Secure` cookies.
    pub https_only: bool,
    /// Compare passwords in plain text instead of PBKDF2 (`LOGIN_FAST_HASH=1`), so load tests of
    /// `/login` measure the framework, not the password hash. Never in production.
    pub fast_hash: bool,
    /// The clock sessions use (tests inject a manual one).
    pub clock: Option<Arc<dyn Clock>>,
    /// The cookie format (`SESSION_FORMAT=signed|ravyn|private`, default signed).
    pub format: CookieFormat,
    /// A session ends this long after login whatever its activity (`SESSION_ABSOLUTE_MAX_AGE`).
    pub absolute_max_age: Option<u64>,
    /// CSRF protection (`CSRF=1`): unsafe requests must send the `csrftoken` cookie's value in
    /// `X-CSRFToken`; `GET /csrf` hands the token to front ends that cannot read the cookie.
    pub csrf: bool,
    /// `COMPRESSION=1`: tower-http's `CompressionLayer` on the whole app (gzip, deflate, br and
    /// zstd, chosen by `Accept-Encoding`).
    pub compression: bool,
    /// Front-end origins allowed to call with credentials
    /// (`CORS_ORIGINS=https://a.example,https://b.example`); empty: no CORS.
    pub cors_origins: Vec<String>,
    /// Where sessions live (`SESSION_STORE`): `None` for the signed cookie (`cookie`, the
    /// default), or a server-side store (`memory`, `redis` at `REDIS_URL`, or a SQL store), the
    /// cookie then holding only a signed session id.
    pub store: Option<Arc<dyn SessionStore>>,
    /// `SESSION_STORE=postgres|mysql|sqlite`: the database to connect to at start-up
    /// ([`open_sql_store`](Self::open_sql_store)), read and checked by `from_env`.
    pub sql_store: Option<SqlStoreOptions>,
    /// What the app's shutdown hook stops (set by `open_sql_store`).
    pub background: Background,
    /// `DOCS_ASSETS=local`: the docs pages load their scripts from the app itself (build with
    /// `--features embedded-docs`) instead of a CDN.
    pub docs_local: bool,
}

/// The SQL store the environment asks for: `SESSION_STORE=postgres|mysql|sqlite`, `DATABASE_URL`
/// (sqlx's URL form; defaults `postgres://postgres@127.0.0.1:5432/test`,
/// `mysql://root@127.0.0.1:3306/test`, `sqlite://sessions.db`, the file created if missing),
/// `SESSION_TABLE` (default `ravyn_sessions`) and `SESSION_CLEANUP_INTERVAL` (seconds between
/// runs of the expired-session cleanup, default 300).
#[derive(Clone, Debug)]
pub struct SqlStoreOptions {
    /// `postgres`, `mysql` or `sqlite`.
    pub kind: SqlKind,
    /// `DATABASE_URL`.
    pub url: String,
    /// `SESSION_TABLE`.
    pub table: String,
    /// `SESSION_CLEANUP_INTERVAL`.
    pub cleanup_interval: std::time::Duration,
}

/// Which SQL database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SqlKind {
    /// PostgreSQL (feature `postgres`).
    Postgres,
    /// MySQL 8 or MariaDB 10.11+ (feature `mysql`).
    MySql,
    /// SQLite (feature `sqlite`).
    Sqlite,
}

impl SqlKind {
    fn name(self) -> &'static str {
        match self {
            SqlKind::Postgres => "postgres",
            SqlKind::MySql => "mysql",
            SqlKind::Sqlite => "sqlite",
        }
    }

    fn default_url(self) -> &'static str {
        match self {
            SqlKind::Postgres => "postgres://postgres@127.0.0.1:5432/test",
            SqlKind::MySql => "mysql://root@127.0.0.1:3306/test",
            SqlKind::Sqlite => "sqlite://sessions.db",
        }
    }
}

impl SqlStoreOptions {
    /// Reads `DATABASE_URL`, `SESSION_TABLE` and `SESSION_CLEANUP_INTERVAL` for `kind`, checking
    /// the table name and the interval now, so a bad value stops the example before it starts.
    pub fn from_env(kind: SqlKind) -> Result<Self, Box<dyn std::error::Error>> {
        let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| kind.default_url().to_owned());
        let table = std::env::var("SESSION_TABLE").unwrap_or_else(|_| "ravyn_sessions".to_owned());
        check_table_name(kind, &table)?;
        let cleanup_interval = match std::env::var("SESSION_CLEANUP_INTERVAL") {
            Ok(secs) => match secs.parse::<u64>() {
                Ok(secs) if secs > 0 => std::time::Duration::from_secs(secs),
                _ => {
                    return Err(
                        format!("SESSION_CLEANUP_INTERVAL: expected a number of seconds > 0, not {secs:?}").into()
                    )
                }
            },
            Err(_) => std::time::Duration::from_secs(300),
        };
        Ok(SqlStoreOptions { kind, url, table, cleanup_interval })
    }
}

/// `SESSION_TABLE` must be a plain identifier (optionally `schema.table`), checked by the store's
/// own rule before anything connects. (Without the store's feature there is nothing to check:
/// `open_sql_store` then says which feature to build with.)
fn check_table_name(kind: SqlKind, table: &str) -> Result<(), Box<dyn std::error::Error>> {
    let checked: Result<(), Box<dyn std::error::Error>> = match kind {
        #[cfg(feature = "postgres")]
        SqlKind::Postgres => ravyn::session::PostgresStore::migration_sql(table).map(drop).map_err(Into::into),
        #[cfg(feature = "mysql")]
        SqlKind::MySql => ravyn::session::MySqlStore::migration_sql(table).map(drop).map_err(Into::into),
        #[cfg(feature = "sqlite")]
        SqlKind::Sqlite => ravyn::session::SqliteStore::migration_sql(table).map(drop).map_err(Into::into),
        #[allow(unreachable_patterns)]
        _ => {
            let _ = table;
            Ok(())
        }
    };
    checked.map_err(|error| format!("SESSION_TABLE: {error}").into())
}

/// Background work that the app's `on_shutdown` hook stops: the SQL stores' expired-session
/// cleanup, when one runs. Cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct Background {
    #[cfg(any(feature = "postgres", feature = "mysql", feature = "sqlite"))]
    cleanup: Option<Arc<ravyn::session::store::CleanupTask>>,
}

impl Background {
    /// Stops the cleanup task (a batch in progress finishes first).
    pub async fn stop(&self) {
        #[cfg(any(feature = "postgres", feature = "mysql", feature = "sqlite"))]
        if let Some(cleanup) = &self.cleanup {
            cleanup.stop().await;
            tracing::info!("stopped the expired-session cleanup");
        }
    }
}

impl Options {
    /// Reads `SESSION_SECRET` and `SESSION_HTTPS_ONLY`.
    pub fn from_env() -> Result<Self, Box<dyn std::error::Error>> {
        let secret = match std::env::var("SESSION_SECRET") {
            Ok(secret) => secret,
            Err(_) => {
                tracing::warn!("SESSION_SECRET is not set: using a random secret; sessions will not survive a restart");
                random_secret()?
            }
        };
        let https_only = std::env::var("SESSION_HTTPS_ONLY").is_ok_and(|v| v == "1");
        let fast_hash = std::env::var("LOGIN_FAST_HASH").is_ok_and(|v| v == "1");
        if fast_hash {
            tracing::warn!("LOGIN_FAST_HASH=1: passwords are compared in plain text (benchmarks only)");
        }
        let format = match std::env::var("SESSION_FORMAT") {
            Ok(name) => name.parse::<CookieFormat>().map_err(|e| format!("SESSION_FORMAT: {e}"))?,
            Err(_) => CookieFormat::Signed,
        };
        let absolute_max_age = match std::env::var("SESSION_ABSOLUTE_MAX_AGE") {
            Ok(secs) => Some(secs.parse::<u64>().map_err(|e| format!("SESSION_ABSOLUTE_MAX_AGE: {e}"))?),
            Err(_) => None,
        };
        let csrf = std::env::var("CSRF").is_ok_and(|v| v == "1");
        let compression = std::env::var("COMPRESSION").is_ok_and(|v| v == "1");
        let cors_origins = std::env::var("CORS_ORIGINS")
            .map(|list| list.split(',').map(str::trim).filter(|o| !o.is_empty()).map(str::to_owned).collect())
            .unwrap_or_default();
        let (store, sql_store) = store_from_env()?;
        let docs_local = std::env::var("DOCS_ASSETS").is_ok_and(|v| v == "local");
        if docs_local && !cfg!(feature = "embedded-docs") {
            return Err(
                "DOCS_ASSETS=local needs the embedded-docs feature: cargo run --features embedded-docs --example login"
                    .into(),
            );
        }
        Ok(Options {
            secret,
            https_only,
            fast_hash,
            clock: None,
            format,
            absolute_max_age,
            csrf,
            compression,
            cors_origins,
            store,
            sql_store,
            background: Background::default(),
            docs_local,
        })
    }

    /// Options for tests: a fixed secret, plain HTTP, PBKDF2 hashes.
    pub fn for_tests(secret: &str) -> Self {
        Options {
            secret: secret.to_owned(),
            https_only: false,
            fast_hash: false,
            clock: None,
            format: CookieFormat::Signed,
            absolute_max_age: None,
            csrf: false,
            compression: false,
            cors_origins: Vec::new(),
            store: None,
            sql_store: None,
            background: Background::default(),
            docs_local: false,
        }
    }

    /// With `SESSION_STORE=postgres|mysql|sqlite`: connects to the database, migrates the
    /// session table, starts the cleanup task (which the app's `on_shutdown` hook stops) and uses
    /// the store for sessions. Does nothing for the other stores.
    pub async fn open_sql_store(&mut self) -> Result<(), Box<dyn std::error::Error>> {
        let Some(sql) = self.sql_store.clone() else { return Ok(()) };
        let not_built = |kind: SqlKind| -> Box<dyn std::error::Error> {
            let name = kind.name();
            format!("SESSION_STORE={name} needs the {name} feature: cargo run --features {name} --example login").into()
        };
        #[cfg(any(feature = "postgres", feature = "mysql", feature = "sqlite"))]
        {
            use ravyn::session::store::CleanupConfig;
            let cleanup = CleanupConfig::every(sql.cleanup_interval);
            let (store, task): (Arc<dyn SessionStore>, _) = match sql.kind {
                #[cfg(feature = "postgres")]
                SqlKind::Postgres => {
                    let store = ravyn::session::PostgresStore::connect(&sql.url).await?.table(&sql.table)?;
                    store.migrate().await?;
                    let task = store.spawn_cleanup(cleanup);
                    (Arc::new(store), task)
                }
                #[cfg(feature = "mysql")]
                SqlKind::MySql => {
                    let store = ravyn::session::MySqlStore::connect(&sql.url).await?.table(&sql.table)?;
                    store.migrate().await?;
                    let task = store.spawn_cleanup(cleanup);
                    (Arc::new(store), task)
                }
                #[cfg(feature = "sqlite")]
                SqlKind::Sqlite => {
                    let store = ravyn::session::SqliteStore::connect(&sql.url).await?.table(&sql.table)?;
                    store.migrate().await?;
                    let task = store.spawn_cleanup(cleanup);
                    (Arc::new(store), task)
                }
                #[allow(unreachable_patterns)] // every arm compiled: nothing left
                kind => return Err(not_built(kind)),
            };
            tracing::info!(
                store = sql.kind.name(),
                table = sql.table,
                "sessions in SQL; expired ones cleaned every {:?}",
                sql.cleanup_interval
            );
            self.store = Some(store);
            self.background = Background { cleanup: Some(Arc::new(task)) };
            Ok(())
        }
        #[cfg(not(any(feature = "postgres", feature = "mysql", feature = "sqlite")))]
        Err(not_built(sql.kind))
    }

    /// `CSRF=1`: the token cookie, signed with a key derived from the session secret (HKDF under
    /// its own label, so it never doubles as a session signature). Cross-site with HTTPS, the
    /// cookie must be `SameSite=None; Secure` to reach the API at all.
    pub fn csrf_config(&self) -> Option<CSRFConfig> {
        let config = CSRFConfig::new(self.secret.clone()).secure(self.https_only);
        self.csrf.then(|| if self.cross_site() { config.samesite(SameSite::None) } else { config })
    }

    /// `CORS_ORIGINS=...`: those origins may call with credentials (cookies), sending JSON and
    /// the CSRF header.
    pub fn cors_config(&self) -> Option<CORSConfig> {
        (!self.cors_origins.is_empty()).then(|| {
            CORSConfig::new()
                .allow_origins(self.cors_origins.clone())
                .allow_methods(["GET", "POST"])
                .allow_headers(["Content-Type", "X-CSRFToken"])
                .allow_credentials(true)
        })
    }

    /// A front end on other origins over HTTPS: cookies go `SameSite=None` so the browser sends
    /// them on its cross-site requests (over plain HTTP that is impossible; same-site origins
    /// such as sibling subdomains work with the default `Lax`).
    fn cross_site(&self) -> bool {
        !self.cors_origins.is_empty() && self.https_only
    }

    /// The session configuration these options describe.
    pub fn session_config(&self) -> SessionConfig {
        let config = SessionConfig::new(self.secret.clone())
            .max_age(3600)
            .https_only(self.https_only)
            .cookie_format(self.format)
            .absolute_max_age(self.absolute_max_age);
        let config = match &self.store {
            Some(store) => config.store(store.clone()),
            None => config,
        };
        match &self.clock {
            Some(clock) => config.clock(clock.clone()),
            None => config,
        }
    }
}

/// `SESSION_STORE=cookie|memory|redis|postgres|mysql|sqlite` (default `cookie`); `redis`
/// connects to `REDIS_URL` (default `redis://127.0.0.1:6379`) and needs the `redis` feature; the
/// SQL stores are connected later, by `Options::open_sql_store`.
#[allow(clippy::type_complexity)]
fn store_from_env() -> Result<(Option<Arc<dyn SessionStore>>, Option<SqlStoreOptions>), Box<dyn std::error::Error>> {
    let choice = std::env::var("SESSION_STORE").unwrap_or_default();
    let sql = |kind| Ok((None, Some(SqlStoreOptions::from_env(kind)?)));
    match choice.to_ascii_lowercase().as_str() {
        "" | "cookie" => Ok((None, None)),
        "memory" => Ok((Some(Arc::new(ravyn::session::MemoryStore::new())), None)),
        #[cfg(feature = "redis")]
        "redis" => {
            let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
            Ok((Some(Arc::new(ravyn::session::RedisStore::new(&url)?)), None))
        }
        #[cfg(not(feature = "redis"))]
        "redis" => {
            Err("SESSION_STORE=redis needs the redis feature: cargo run --features redis --example login".into())
        }
        "postgres" => sql(SqlKind::Postgres),
        "mysql" => sql(SqlKind::MySql),
        "sqlite" => sql(SqlKind::Sqlite),
        other => {
            Err(format!("SESSION_STORE: expected cookie, memory, redis, postgres, mysql or sqlite, not {other:?}")
                .into())
        }
    }
}

/// `POST /login`: `email` and `password` from a JSON or form body, or the query.
#[post("/login", tags = ["auth"], responses(401 = (HTTPException, "Invalid credentials")))]
async fn login(request: Request, email: String, password: String) -> Result<Json<Value>, HTTPException> {
    // PBKDF2 is slow on purpose: keep it off the async worker threads.
    let user = tokio::task::spawn_blocking(move || authenticate(&email, &password, false))
        .await
        .map_err(|_| HTTPException::internal_server_error())?;
    start_session(&request, user)
}

/// `POST /login` with `LOGIN_FAST_HASH=1`: plain password comparison, for benchmarks only.
#[post("/login", tags = ["auth"], responses(401 = (HTTPException, "Invalid credentials")))]
async fn login_fast_hash(request: Request, email: String, password: String) -> Result<Json<Value>, HTTPException> {
    start_session(&request, authenticate(&email, &password, true))
}

fn start_session(request: &Request, user: Option<&User>) -> Result<Json<Value>, HTTPException> {
    let user = user.ok_or_else(|| HTTPException::new(401, "Invalid credentials"))?;
    let session = request.session();
    // A new session id at login (with a server-side store; cookie sessions just get a new cookie),
    // so an id planted or seen before login is worthless after it: no session fixation.
    session.cycle_id();
    session.insert("user_id", user.id)?;
    session.insert("email", user.email)?;
    Ok(Json(json!({"message": "Logged in"})))
}

/// `GET /profile`: the logged-in user, or 401.
#[get("/profile", tags = ["auth"], security = ["session"], responses(401 = (HTTPException, "Not authenticated")))]
async fn profile(request: Request) -> Result<Json<Value>, HTTPException> {
    let session = request.session();
    let (Some(id), Some(email)) = (session.get::<u64>("user_id")?, session.get::<String>("email")?) else {
        return Err(HTTPException::new(401, "Not authenticated"));
    };
    Ok(Json(json!({"user": {"id": id, "email": email}})))
}

/// `POST /logout`: clears the session.
#[post("/logout", tags = ["auth"])]
async fn logout(request: Request) -> Json<Value> {
    request.session().clear();
    Json(json!({"message": "Logged out"}))
}

/// `GET /hello`: never touches the session.
#[get("/hello")]
async fn hello() -> Json<Value> {
    Json(json!({"message": "hello"}))
}

/// Builds the example app.
pub fn build(options: &Options) -> Result<Ravyn, ravyn::ConfigError> {
    // Hash the demo passwords now, not on the first login.
    let _ = users::users();
    let login_route = if options.fast_hash { Gateway::new(login_fast_hash) } else { Gateway::new(login) };
    let mut routes = vec![login_route, Gateway::new(profile), Gateway::new(logout), Gateway::new(hello)];
    let mut session = options.session_config();
    if options.cross_site() {
        session = session.same_site(SameSite::None);
    }
    let background = options.background.clone();
    let mut builder = Ravyn::builder().session_config(session).on_shutdown(move || {
        let background = background.clone();
        async move {
            background.stop().await;
            Ok(())
        }
    });
    if let Some(csrf) = options.csrf_config() {
        routes.push(Gateway::new(csrf_token));
        builder = builder.csrf_config(csrf);
    }
    if let Some(cors) = options.cors_config() {
        if !options.https_only {
            tracing::warn!("CORS_ORIGINS without SESSION_HTTPS_ONLY=1: cookies stay SameSite=Lax, so only same-site origins get sessions");
        }
        builder = builder.cors_config(cors);
    }
    #[cfg(feature = "openapi")]
    {
        builder = builder.openapi_config(options.openapi_config());
    }
    if options.compression {
        builder = builder.layer(tower_http::compression::CompressionLayer::new());
    }
    // The login page (`/static/` and `/static/index.html`), which uses the JSON API above.
    let page = StaticFilesConfig::new("/static", concat!(env!("CARGO_MANIFEST_DIR"), "/examples/login/static"));
    builder.static_files_config(page.html(true)).routes(routes).build()
}

impl Options {
    /// The document's info, and where the docs pages load their assets from.
    #[cfg(feature = "openapi")]
    pub fn openapi_config(&self) -> ravyn::config::OpenAPIConfig {
        use ravyn::openapi::{DocsAssets, Tag};
        let config = ravyn::config::OpenAPIConfig::new()
            .title("Ravyn login example")
            .version("1.0.0")
            .summary("Sessions in a signed cookie: log in, read the profile, log out.")
            .tags([Tag::new("auth").description("Logging in and out, and who is logged in")]);
        if self.docs_local {
            config.assets(DocsAssets::Served { prefix: "/docs/assets" })
        } else {
            config
        }
    }
}

/// `GET /csrf` (with `CSRF=1`): the CSRF token, for a front end that cannot read the cookie (one
/// on another origin) to send back in `X-CSRFToken`.
#[get("/csrf", tags = ["auth"])]
async fn csrf_token(request: Request) -> Json<Value> {
    Json(json!({"csrf_token": request.csrf_token()}))
}
