//! The SQL session stores over real HTTP (reqwest with a cookie jar, a real server on
//! 127.0.0.1), against real databases: PostgreSQL at `POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`), MariaDB/MySQL at `MYSQL_URL` (default
//! `mysql://root@127.0.0.1:3306/test`), and SQLite files of their own; `bash .ci/ensure-databases`
//! starts the servers. Every test uses a table of its own.
//!
//! - the revocation races (`support/races.rs`) on each store;
//! - two instances of the login example on one database: login on A, profile and logout on B,
//!   then A refuses the cookie;
//! - a PostgreSQL the test starts and stops itself: while it is down, session routes answer 503
//!   within the store's bound and other routes are unaffected; once it is back, 200 again and the
//!   cleanup task resumes, with no restart of the app.

#![cfg(any(feature = "postgres", feature = "mysql", feature = "sqlite"))]
#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;
#[path = "../examples/login/app.rs"]
mod login_app;
#[cfg(feature = "postgres")]
#[path = "support/private_postgres.rs"]
mod private_postgres;
#[path = "support/races.rs"]
mod races;

use common::{client, init_logs, TestServer};
use ravyn::session::SessionStore;
use reqwest::header::SET_COOKIE;
use serde_json::{json, Value};
use std::sync::Arc;

const SECRET: &str = "sql-store-test-secret-at-least-32-bytes";

/// A table name of this test's own.
fn fresh_table() -> String {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 6];
    ring::rand::SystemRandom::new().fill(&mut bytes).unwrap();
    format!("http_{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

async fn start(store: Arc<dyn SessionStore>) -> TestServer {
    init_logs();
    let options = login_app::Options { store: Some(store), ..login_app::Options::for_tests(SECRET) };
    TestServer::start(login_app::build(&options).unwrap()).await
}

async fn login(http: &reqwest::Client, server: &TestServer) -> String {
    let response = http
        .post(server.url("/login"))
        .json(&json!({"email": "alice@example.com", "password": "wonderland"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    response.headers()[SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned()
}

async fn profile(http: &reqwest::Client, server: &TestServer) -> (u16, Value) {
    let response = http.get(server.url("/profile")).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// Login on A, profile on B, logout on B, then A refuses the cookie.
async fn two_instances(a: Arc<dyn SessionStore>, b: Arc<dyn SessionStore>) {
    let (a, b) = (start(a).await, start(b).await);
    let http = client(); // the jar sends the cookie to both (cookies are not port-specific)
    login(&http, &a).await;
    assert_eq!(profile(&http, &b).await, (200, json!({"user": {"id": 1, "email": "alice@example.com"}})));
    let response = http.post(b.url("/logout")).send().await.unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(profile(&http, &a).await.0, 401, "logged out on B, refused on A");
}

#[cfg(feature = "postgres")]
mod postgres {
    use super::*;
    use ravyn::session::store::{CleanupConfig, PostgresStore};
    use std::time::{Duration, Instant};

    fn url() -> String {
        std::env::var("POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
    }

    async fn store(table: &str) -> PostgresStore {
        let store = match PostgresStore::connect(&url()).await {
            Ok(store) => store,
            Err(error) => panic!("{error} ({:?}): run `bash .ci/ensure-databases` (or set POSTGRES_URL)", error),
        };
        let store = store.table(table).unwrap();
        store.migrate().await.unwrap();
        store
    }

    async fn drop_table(store: &PostgresStore) {
        sqlx::query(&format!("DROP TABLE IF EXISTS \"{}\"", store.get_table())).execute(store.pool()).await.unwrap();
    }

    #[tokio::test]
    async fn revocation_races() {
        let store = store(&fresh_table()).await;
        races::revocation_races_on(Arc::new(store.clone())).await;
        drop_table(&store).await;
    }

    #[tokio::test]
    async fn two_instances_of_the_login_example_on_one_database() {
        let table = fresh_table();
        let (a, b) = (store(&table).await, store(&table).await);
        two_instances(Arc::new(a.clone()), Arc::new(b)).await;
        drop_table(&a).await;
    }

    #[tokio::test]
    async fn database_down_answers_503_where_needed_and_service_and_cleanup_resume() {
        let Some(database) = crate::private_postgres::PrivatePostgres::start() else { return };
        let store = PostgresStore::connect(&database.url()).await.unwrap();
        store.migrate().await.unwrap();
        let bound = store.get_timeout();
        let cleanup = store.spawn_cleanup(CleanupConfig::every(Duration::from_millis(100)));
        let server = start(Arc::new(store.clone())).await;
        let http = client();
        login(&http, &server).await;
        assert_eq!(profile(&http, &server).await.0, 200);
        common::eventually(10, "the cleanup task has run", || cleanup.stats().runs > 0).await;

        database.stop();
        for _ in 0..3 {
            let started = Instant::now();
            let response = http.get(server.url("/profile")).send().await.unwrap();
            let elapsed = started.elapsed();
            assert_eq!(response.status(), 503);
            assert!(response.headers().get(SET_COOKIE).is_none());
            assert_eq!(response.text().await.unwrap(), r#"{"detail":"Session store unavailable"}"#);
            assert!(elapsed < bound + Duration::from_secs(1), "within the store's bound ({bound:?}): {elapsed:?}");
        }
        let hello = http.get(server.url("/hello")).send().await.unwrap();
        assert_eq!(hello.status(), 200, "a route that does not use its session is unaffected");
        common::eventually(10, "the cleanup task logs failures and keeps going", || cleanup.stats().failed_runs > 0)
            .await;

        database.start_again();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let (status, _) = profile(&http, &server).await;
            if status == 200 {
                break;
            }
            assert_eq!(status, 503);
            assert!(Instant::now() < deadline, "no 200 within 20 s of the database coming back");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let runs = cleanup.stats().runs;
        common::eventually(10, "the cleanup task resumed", || cleanup.stats().runs > runs).await;
        cleanup.stop().await;
    }
}

#[cfg(feature = "mysql")]
mod mysql {
    use super::*;
    use ravyn::session::store::MySqlStore;

    fn url() -> String {
        std::env::var("MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".to_owned())
    }

    async fn store(table: &str) -> MySqlStore {
        let store = match MySqlStore::connect(&url()).await {
            Ok(store) => store,
            Err(error) => panic!("{error} ({:?}): run `bash .ci/ensure-databases` (or set MYSQL_URL)", error),
        };
        let store = store.table(table).unwrap();
        store.migrate().await.unwrap();
        store
    }

    async fn drop_table(store: &MySqlStore) {
        sqlx::query(&format!("DROP TABLE IF EXISTS `{}`", store.get_table())).execute(store.pool()).await.unwrap();
    }

    #[tokio::test]
    async fn revocation_races() {
        let store = store(&fresh_table()).await;
        races::revocation_races_on(Arc::new(store.clone())).await;
        drop_table(&store).await;
    }

    #[tokio::test]
    async fn two_instances_of_the_login_example_on_one_database() {
        let table = fresh_table();
        let (a, b) = (store(&table).await, store(&table).await);
        two_instances(Arc::new(a.clone()), Arc::new(b)).await;
        drop_table(&a).await;
    }
}

#[cfg(feature = "sqlite")]
mod sqlite {
    use super::*;
    use ravyn::session::store::SqliteStore;

    /// A database file of this test's own, removed when dropped.
    struct TempDb(std::path::PathBuf);

    impl TempDb {
        fn new() -> Self {
            TempDb(std::env::temp_dir().join(format!("ravyn-{}.db", fresh_table())))
        }
    }

    impl Drop for TempDb {
        fn drop(&mut self) {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
            }
        }
    }

    async fn store(db: &TempDb) -> SqliteStore {
        let store = SqliteStore::open(&db.0).await.unwrap();
        store.migrate().await.unwrap();
        store
    }

    #[tokio::test]
    async fn revocation_races() {
        let db = TempDb::new();
        races::revocation_races_on(Arc::new(store(&db).await)).await;
    }

    #[tokio::test]
    async fn two_instances_of_the_login_example_on_one_database_file() {
        let db = TempDb::new();
        two_instances(Arc::new(store(&db).await), Arc::new(store(&db).await)).await;
    }

    /// The login example's binary, which `cargo test` builds beside the test binaries (run alone
    /// with `--test sql_stores`, build it first: `cargo build --all-features --example login`).
    fn example_binary() -> std::path::PathBuf {
        let deps = std::env::current_exe().unwrap().parent().unwrap().to_path_buf();
        let binary = deps.parent().unwrap().join("examples").join("login");
        assert!(
            binary.exists(),
            "{} not built: `cargo test` builds the examples; with `--test sql_stores` alone, run \
             `cargo build --all-features --example login` first",
            binary.display()
        );
        binary
    }

    #[test]
    fn the_example_refuses_an_invalid_table_name_before_starting() {
        let db = TempDb::new();
        let output = std::process::Command::new(example_binary())
            .env("SESSION_STORE", "sqlite")
            .env("DATABASE_URL", format!("sqlite://{}", db.0.display()))
            .env("SESSION_TABLE", "sessions; DROP TABLE users")
            .env("PORT", "0")
            .output()
            .unwrap();
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("SESSION_TABLE") && stderr.contains("invalid table name"), "{stderr}");
        assert!(!db.0.exists(), "nothing was opened");
    }

    #[tokio::test]
    async fn the_example_runs_on_sqlite_and_stops_its_cleanup_at_shutdown() {
        use std::io::{BufRead, BufReader};
        let db = TempDb::new();
        let mut child = std::process::Command::new(example_binary())
            .env("SESSION_STORE", "sqlite")
            .env("DATABASE_URL", format!("sqlite://{}", db.0.display()))
            .env("SESSION_TABLE", "example_sessions")
            .env("SESSION_CLEANUP_INTERVAL", "1")
            .env("SESSION_SECRET", SECRET)
            .env("PORT", "0")
            .env("RUST_LOG", "info")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // The example logs to stdout too: read up to its "Listening on" line.
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut logs = String::new();
        let address = loop {
            let mut line = String::new();
            assert!(stdout.read_line(&mut line).unwrap() > 0, "the example exited: {logs}");
            if let Some(address) = line.trim().strip_prefix("Listening on ") {
                break address.to_owned();
            }
            logs.push_str(&line);
        };
        let http = client();
        let response = http
            .post(format!("{address}/login"))
            .json(&json!({"email": "alice@example.com", "password": "wonderland"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        let response = http.get(format!("{address}/profile")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let sessions = SqliteStore::open(&db.0).await.unwrap().table("example_sessions").unwrap();
        let rows: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM example_sessions").fetch_one(sessions.pool()).await.unwrap();
        assert_eq!(rows, 1, "the session is in the table the example migrated");

        let status = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
        assert!(status.success());
        let (status, rest) = tokio::task::spawn_blocking(move || {
            let mut rest = String::new();
            std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
            (child.wait().unwrap(), rest)
        })
        .await
        .unwrap();
        logs.push_str(&rest);
        assert!(status.success(), "graceful exit: {logs}");
        assert!(logs.contains("sessions in SQL"), "{logs}");
        assert!(logs.contains("stopped the expired-session cleanup"), "the shutdown hook ran: {logs}");
    }
}
