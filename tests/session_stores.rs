//! Server-side sessions over real HTTP (reqwest with a cookie jar, a real server on 127.0.0.1):
//! the login example on MemoryStore and on a real Redis (`REDIS_URL`, default
//! `redis://127.0.0.1:6379`, each test under its own random key prefix), revocation, `cycle_id`,
//! TTLs, lazy loading, two servers sharing one Redis, a Redis that dies and comes back,
//! concurrent requests of one session, and requests still running when a logout or a `cycle_id()`
//! lands (their late writes never bring the revoked session back).
//!
//! Tests that need a Redis of their own (to count its commands, or to kill it) start
//! `redis-server` on a free port; without `redis-server` on PATH they fail and say to run
//! `bash .ci/ensure-redis`.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;
#[path = "../examples/login/app.rs"]
mod login_app;

use common::{client, init_logs, TestServer};
use ravyn::config::SessionConfig;
use ravyn::session::MemoryStore;
use ravyn::{get, post, Gateway, HTTPException, Json, Ravyn, Request};
use reqwest::header::{COOKIE, SET_COOKIE};
use serde_json::{json, Value};
use std::sync::Arc;

const SECRET: &str = "store-test-secret-that-is-at-least-32-bytes";
const ALICE: (&str, &str) = ("alice@example.com", "wonderland");

async fn start(options: &login_app::Options) -> TestServer {
    init_logs();
    TestServer::start(login_app::build(options).unwrap()).await
}

/// Logs in with `http`; returns the response's Set-Cookie header.
async fn login(http: &reqwest::Client, server: &TestServer, (email, password): (&str, &str)) -> String {
    let response =
        http.post(server.url("/login")).json(&json!({"email": email, "password": password})).send().await.unwrap();
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    response.headers()[SET_COOKIE].to_str().unwrap().to_owned()
}

/// The `name=value` pair of a Set-Cookie header.
fn pair(set_cookie: &str) -> &str {
    set_cookie.split(';').next().unwrap()
}

async fn profile(http: &reqwest::Client, server: &TestServer) -> (u16, Value) {
    let response = http.get(server.url("/profile")).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

/// GET /profile sending exactly `cookie` (no jar).
async fn profile_with(server: &TestServer, cookie: &str) -> u16 {
    let response = reqwest::Client::new().get(server.url("/profile")).header(COOKIE, cookie).send().await.unwrap();
    response.status().as_u16()
}

fn alice() -> Value {
    json!({"user": {"id": 1, "email": "alice@example.com"}})
}

#[tokio::test]
async fn memory_store_login_profile_logout_and_revocation() {
    let store = MemoryStore::new();
    let options = login_app::Options { store: Some(Arc::new(store.clone())), ..login_app::Options::for_tests(SECRET) };
    let server = start(&options).await;
    let http = client();
    assert_eq!(profile(&http, &server).await.0, 401);

    let set_cookie = login(&http, &server, ALICE).await;
    let cookie = pair(&set_cookie).to_owned();
    for attribute in ["Path=/", "Max-Age=3600", "HttpOnly", "SameSite=Lax"] {
        assert!(set_cookie.contains(attribute), "{attribute} missing in {set_cookie}");
    }
    let value = cookie.strip_prefix("session=").unwrap();
    assert_eq!(value.len(), 22 + 1 + 43, "a signed id, no data: {value}");
    assert!(!value.contains("alice"));
    assert_eq!(store.len(), 1);

    let response = http.get(server.url("/profile")).send().await.unwrap();
    assert!(response.headers().get(SET_COOKIE).is_none(), "read-only: no cookie, no save");
    assert_eq!(response.json::<Value>().await.unwrap(), alice());

    let response = http.post(server.url("/logout")).send().await.unwrap();
    assert_eq!(response.status(), 201);
    assert!(response.headers()[SET_COOKIE].to_str().unwrap().contains("Max-Age=0"));
    assert!(store.is_empty(), "logout deletes the record");
    assert_eq!(profile(&http, &server).await.0, 401);
    assert_eq!(profile_with(&server, &cookie).await, 401, "a replayed cookie after logout is worthless");
}

#[tokio::test]
async fn cookie_sessions_cannot_revoke_which_is_why_stores_exist() {
    // The contrast: the same replay against cookie sessions still works after logout.
    let server = start(&login_app::Options::for_tests(SECRET)).await;
    let http = client();
    let cookie = pair(&login(&http, &server, ALICE).await).to_owned();
    http.post(server.url("/logout")).send().await.unwrap();
    assert_eq!(profile_with(&server, &cookie).await, 200);
}

#[tokio::test]
async fn a_session_larger_than_a_cookie_can_hold() {
    #[post("/big")]
    async fn big(request: Request) -> Result<Json<Value>, HTTPException> {
        request.session().insert("notes", "n".repeat(20_000))?;
        Ok(Json(json!({"ok": true})))
    }
    #[get("/big")]
    async fn read_big(request: Request) -> Result<String, HTTPException> {
        Ok(request.session().get::<String>("notes")?.unwrap_or_default())
    }
    init_logs();
    let app = Ravyn::builder()
        .session_config(SessionConfig::new(SECRET).store(MemoryStore::new()))
        .routes(vec![Gateway::new(big), Gateway::new(read_big)])
        .build()
        .unwrap();
    let server = TestServer::start(app).await;
    let http = client();
    assert_eq!(http.post(server.url("/big")).send().await.unwrap().status(), 201);
    assert_eq!(http.get(server.url("/big")).send().await.unwrap().text().await.unwrap().len(), 20_000);
}

/// Writes that never bring a revoked session back, over real HTTP: a request still running when a
/// logout (or a `cycle_id()`) lands finishes afterwards, and the logged-out cookie stays refused.
/// Run against every store (`revocation_races_on(store)`), MemoryStore here and Redis below.
mod races {
    use super::*;
    use ravyn::session::{ManualClock, SessionStore};
    use std::time::Duration;

    /// How long the slow handlers hold their request open after loading the session.
    const SLOW: Duration = Duration::from_millis(400);

    #[post("/login")]
    async fn start(request: Request) -> Result<Json<Value>, HTTPException> {
        let session = request.session();
        session.cycle_id();
        session.insert("user_id", 1)?;
        Ok(Json(json!({})))
    }

    #[get("/profile")]
    async fn profile_route(request: Request) -> Result<Json<Value>, HTTPException> {
        match request.session().get::<u64>("user_id")? {
            Some(id) => Ok(Json(json!({"user_id": id}))),
            None => Err(HTTPException::new(401, "Not authenticated")),
        }
    }

    #[post("/logout")]
    async fn logout_route(request: Request) -> Json<Value> {
        request.session().clear();
        Json(json!({}))
    }

    /// Writes the session (a cart), then takes its time.
    #[post("/cart")]
    async fn slow_write(request: Request) -> Result<Json<Value>, HTTPException> {
        let session = request.session();
        let user_id: Option<u64> = session.get("user_id")?;
        session.insert("cart", json!(["book"]))?;
        tokio::time::sleep(SLOW).await;
        Ok(Json(json!({"user_id": user_id})))
    }

    /// Only reads the session, then takes its time (its rolling refresh may be due).
    #[get("/slow-profile")]
    async fn slow_read(request: Request) -> Result<Json<Value>, HTTPException> {
        let user_id: Option<u64> = request.session().get("user_id")?;
        tokio::time::sleep(SLOW).await;
        Ok(Json(json!({"user_id": user_id})))
    }

    async fn server(store: Arc<dyn SessionStore>, clock: Arc<ManualClock>) -> TestServer {
        init_logs();
        let app = Ravyn::builder()
            .session_config(SessionConfig::new(SECRET).max_age(400).clock(clock).store(store))
            .routes(vec![
                Gateway::new(start),
                Gateway::new(profile_route),
                Gateway::new(logout_route),
                Gateway::new(slow_write),
                Gateway::new(slow_read),
            ])
            .build()
            .unwrap();
        TestServer::start(app).await
    }

    /// Logs in and returns the `session=...` pair.
    async fn log_in(server: &TestServer) -> String {
        let response = reqwest::Client::new().post(server.url("/login")).send().await.unwrap();
        assert_eq!(response.status(), 201);
        pair(response.headers()[SET_COOKIE].to_str().unwrap()).to_owned()
    }

    async fn send(server: &TestServer, method: reqwest::Method, path: &str, cookie: &str) -> reqwest::Response {
        reqwest::Client::new().request(method, server.url(path)).header(COOKIE, cookie).send().await.unwrap()
    }

    /// Starts `path` with `cookie`, lands `interrupt` (with the same cookie) while it sleeps, and
    /// returns the slow response.
    async fn interrupted(
        server: &TestServer,
        (method, path): (reqwest::Method, &str),
        cookie: &str,
        interrupt: &str,
    ) -> (reqwest::Response, reqwest::Response) {
        let slow = send(server, method, path, cookie);
        let meanwhile = async {
            tokio::time::sleep(SLOW / 4).await;
            send(server, reqwest::Method::POST, interrupt, cookie).await
        };
        let (slow, meanwhile) = tokio::join!(slow, meanwhile);
        (slow, meanwhile)
    }

    fn deletes_the_cookie(response: &reqwest::Response) -> bool {
        response.headers().get_all(SET_COOKIE).iter().any(|v| {
            let v = v.to_str().unwrap();
            v.starts_with("session=;") && v.contains("Max-Age=0")
        })
    }

    pub(super) async fn revocation_races_on(store: Arc<dyn SessionStore>) {
        let clock = Arc::new(ManualClock::new(1_900_000_000));
        let server = server(store, clock.clone()).await;

        // A handler that writes the session and sleeps; a logout lands meanwhile.
        let cookie = log_in(&server).await;
        assert_eq!(send(&server, reqwest::Method::GET, "/profile", &cookie).await.status(), 200);
        let (slow, logout) = interrupted(&server, (reqwest::Method::POST, "/cart"), &cookie, "/logout").await;
        assert_eq!(logout.status(), 201);
        assert!(deletes_the_cookie(&logout));
        assert_eq!(slow.status(), 201, "the late write is not a 503");
        assert!(deletes_the_cookie(&slow), "the late response logs the client out: {:?}", slow.headers());
        assert_eq!(slow.json::<Value>().await.unwrap(), json!({"user_id": 1}), "the handler ran as usual");
        let replay = send(&server, reqwest::Method::GET, "/profile", &cookie).await;
        assert_eq!(replay.status(), 401, "afterwards the logged-out cookie is refused");

        // A read-only request whose rolling refresh is due (older than max_age / 4 = 100 s).
        let cookie = log_in(&server).await;
        clock.advance(101);
        let (slow, _) = interrupted(&server, (reqwest::Method::GET, "/slow-profile"), &cookie, "/logout").await;
        assert_eq!(slow.status(), 200);
        assert!(deletes_the_cookie(&slow), "a due refresh after logout must not re-create the session");
        assert_eq!(send(&server, reqwest::Method::GET, "/profile", &cookie).await.status(), 401);

        // A request on the old id finishing after a login that cycled the id.
        let old = log_in(&server).await;
        let (slow, login) = interrupted(&server, (reqwest::Method::POST, "/cart"), &old, "/login").await;
        assert_eq!(login.status(), 201);
        let new = pair(login.headers()[SET_COOKIE].to_str().unwrap()).to_owned();
        assert_ne!(new, old);
        assert!(deletes_the_cookie(&slow), "the old id's late write is dropped");
        assert_eq!(send(&server, reqwest::Method::GET, "/profile", &old).await.status(), 401, "old id stays dead");
        assert_eq!(send(&server, reqwest::Method::GET, "/profile", &new).await.status(), 200, "new id lives");
    }

    #[tokio::test]
    async fn memory_store_revocation_races() {
        revocation_races_on(Arc::new(MemoryStore::new())).await;
    }
}

#[cfg(feature = "redis")]
mod redis_store {
    use super::*;
    use ravyn::middleware::from_fn;
    use ravyn::session::{ManualClock, RedisStore};
    use ravyn::Next;
    use redis::aio::MultiplexedConnection;
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    const BOB: (&str, &str) = ("bob@example.com", "builder");

    /// The session id in a `session=ID.SIG` pair.
    fn id_of(pair: &str) -> &str {
        pair.strip_prefix("session=").unwrap().split('.').next().unwrap()
    }

    fn redis_url() -> String {
        std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
    }

    /// A key prefix of this test's own, so runs never collide.
    fn prefix() -> String {
        format!("ravyn-test:{}:", ravyn::session::SessionId::random().unwrap().as_str())
    }

    fn store(url: &str, prefix: &str) -> RedisStore {
        RedisStore::new(url).unwrap().key_prefix(prefix)
    }

    fn options(url: &str, prefix: &str) -> login_app::Options {
        login_app::Options { store: Some(Arc::new(store(url, prefix))), ..login_app::Options::for_tests(SECRET) }
    }

    async fn connect(url: &str) -> MultiplexedConnection {
        let client = redis::Client::open(url).unwrap();
        match client.get_multiplexed_async_connection().await {
            Ok(connection) => connection,
            Err(error) => panic!(
                "no Redis answers at {url} ({error}): run `bash .ci/ensure-redis` (or set REDIS_URL) before the tests"
            ),
        }
    }

    async fn exists(connection: &mut MultiplexedConnection, key: &str) -> bool {
        redis::cmd("EXISTS").arg(key).query_async::<bool>(connection).await.unwrap()
    }

    async fn get_json(connection: &mut MultiplexedConnection, key: &str) -> Value {
        let json: String = redis::cmd("GET").arg(key).query_async(connection).await.unwrap();
        serde_json::from_str(&json).unwrap()
    }

    /// A `redis-server` of this test's own on `port` (no persistence); killed when dropped.
    struct PrivateRedis {
        port: u16,
        child: Child,
    }

    impl PrivateRedis {
        async fn start() -> Self {
            let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
            Self::start_on(port).await
        }

        async fn start_on(port: u16) -> Self {
            let spawned = Command::new("redis-server")
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn();
            let child = match spawned {
                Ok(child) => child,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => panic!(
                    "redis-server is not on PATH; this test starts and kills a Redis of its own. \
                     Run `bash .ci/ensure-redis` (it installs Debian's redis-server package)"
                ),
                Err(error) => panic!("could not start redis-server: {error}"),
            };
            let redis = PrivateRedis { port, child };
            let client = redis::Client::open(redis.url()).unwrap();
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                if let Ok(mut c) = client.get_multiplexed_async_connection().await {
                    if redis::cmd("PING").query_async::<String>(&mut c).await.is_ok() {
                        return redis;
                    }
                }
                assert!(Instant::now() < deadline, "redis-server on port {port} did not start within 10 s");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }

        fn url(&self) -> String {
            format!("redis://127.0.0.1:{}", self.port)
        }

        fn kill(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    impl Drop for PrivateRedis {
        fn drop(&mut self) {
            self.kill();
        }
    }

    /// Calls per command from `INFO commandstats`, without our own INFO calls.
    async fn command_calls(connection: &mut MultiplexedConnection) -> std::collections::BTreeMap<String, u64> {
        let info: String = redis::cmd("INFO").arg("commandstats").query_async(connection).await.unwrap();
        info.lines()
            .filter_map(|line| {
                let (name, stats) = line.strip_prefix("cmdstat_")?.split_once(':')?;
                let calls = stats.split(',').find_map(|kv| kv.strip_prefix("calls="))?.parse().ok()?;
                (name != "info").then(|| (name.to_owned(), calls))
            })
            .collect()
    }

    #[tokio::test]
    async fn redis_store_revocation_races() {
        let (url, prefix) = (redis_url(), prefix());
        connect(&url).await; // a clear message when no Redis answers
        super::races::revocation_races_on(Arc::new(store(&url, &prefix))).await;
    }

    #[tokio::test]
    async fn login_profile_logout_with_redis() {
        let (url, prefix) = (redis_url(), prefix());
        let mut redis = connect(&url).await;
        let server = start(&options(&url, &prefix)).await;
        let http = client();
        assert_eq!(profile(&http, &server).await, (401, json!({"detail": "Not authenticated"})));

        let cookie = pair(&login(&http, &server, ALICE).await).to_owned();
        let key = format!("{prefix}{}", id_of(&cookie));
        let record = get_json(&mut redis, &key).await;
        assert_eq!(record["data"], json!({"user_id": 1, "email": "alice@example.com"}), "values as JSON");
        assert_eq!(profile(&http, &server).await, (200, alice()));

        let response = http.post(server.url("/logout")).send().await.unwrap();
        assert_eq!(response.status(), 201);
        assert!(response.headers()[SET_COOKIE].to_str().unwrap().contains("Max-Age=0"));
        assert!(!exists(&mut redis, &key).await, "logout deletes the key");
        assert_eq!(profile(&http, &server).await.0, 401);
    }

    #[tokio::test]
    async fn replaying_a_logged_out_cookie_gives_an_empty_session() {
        let (url, prefix) = (redis_url(), prefix());
        let server = start(&options(&url, &prefix)).await;
        let http = client();
        let stolen = pair(&login(&http, &server, ALICE).await).to_owned();
        assert_eq!(profile_with(&server, &stolen).await, 200, "the thief's copy works while logged in");
        http.post(server.url("/logout")).send().await.unwrap();
        assert_eq!(profile_with(&server, &stolen).await, 401, "revoked at logout");
    }

    #[tokio::test]
    async fn cycle_id_at_login_changes_the_cookie_and_the_old_key_is_gone() {
        let (url, prefix) = (redis_url(), prefix());
        let mut redis = connect(&url).await;
        let server = start(&options(&url, &prefix)).await;
        let http = client();
        let first = pair(&login(&http, &server, BOB).await).to_owned();
        let first_key = format!("{prefix}{}", id_of(&first));
        assert!(exists(&mut redis, &first_key).await);

        // Logging in again on the same session (as an attacker-planted session would be).
        let second = pair(&login(&http, &server, ALICE).await).to_owned();
        let second_key = format!("{prefix}{}", id_of(&second));
        assert_ne!(first, second);
        assert_ne!(first_key, second_key);
        assert!(!exists(&mut redis, &first_key).await, "the old id is gone from Redis");
        assert!(exists(&mut redis, &second_key).await);
        assert_eq!(profile(&http, &server).await, (200, alice()));
        assert_eq!(profile_with(&server, &first).await, 401, "the pre-login id is worthless");
    }

    #[tokio::test]
    async fn ttl_in_redis_is_max_age_and_rolling_refresh_resaves() {
        let (url, prefix) = (redis_url(), prefix());
        let mut redis = connect(&url).await;
        let clock = Arc::new(ManualClock::new(1_800_000_000));
        let options = login_app::Options { clock: Some(clock.clone()), ..options(&url, &prefix) };
        let server = start(&options).await;
        let http = client();
        let cookie = pair(&login(&http, &server, ALICE).await).to_owned();
        let key = format!("{prefix}{}", id_of(&cookie));
        let ttl: i64 = redis::cmd("TTL").arg(&key).query_async(&mut redis).await.unwrap();
        assert!((3599..=3600).contains(&ttl), "TTL {ttl} should be max_age (3600)");

        // Read-only within a quarter of max_age: no write.
        clock.advance(900);
        let response = http.get(server.url("/profile")).send().await.unwrap();
        assert!(response.headers().get(SET_COOKIE).is_none());
        assert_eq!(get_json(&mut redis, &key).await["issued_at"], 1_800_000_000u64);

        // Past it: the same rolling rule as cookies re-saves the record (new TTL) and the cookie.
        clock.advance(1);
        let response = http.get(server.url("/profile")).send().await.unwrap();
        let refreshed = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
        assert_eq!(pair(&refreshed), cookie, "same id");
        assert!(refreshed.contains("Max-Age=3600"));
        assert_eq!(get_json(&mut redis, &key).await["issued_at"], 1_800_000_901u64);
        let ttl: i64 = redis::cmd("TTL").arg(&key).query_async(&mut redis).await.unwrap();
        assert!((3599..=3600).contains(&ttl), "TTL {ttl} refreshed to max_age");
    }

    #[tokio::test]
    async fn handlers_that_do_not_touch_the_session_send_no_redis_command() {
        let private = PrivateRedis::start().await;
        let mut redis = connect(&private.url()).await;
        let server = start(&options(&private.url(), &prefix())).await;
        let http = client();
        login(&http, &server, ALICE).await; // connects, SET

        let before = command_calls(&mut redis).await;
        for _ in 0..20 {
            let response = http.get(server.url("/hello")).send().await.unwrap(); // with the cookie
            assert_eq!(response.status(), 200);
        }
        for _ in 0..5 {
            // No cookie: nothing to load, even on a route that reads the session.
            assert_eq!(profile_with(&server, "theme=dark").await, 401);
        }
        let after = command_calls(&mut redis).await;
        assert_eq!(before, after, "no Redis command for /hello, nor for a request without a session cookie");

        assert_eq!(profile(&http, &server).await.0, 200);
        let after_profile = command_calls(&mut redis).await;
        assert_eq!(after_profile.get("get"), Some(&(before.get("get").copied().unwrap_or(0) + 1)), "one GET");
        assert_eq!(after_profile.get("set"), before.get("set"), "read-only: no write-back");
    }

    #[tokio::test]
    async fn two_servers_share_sessions_through_one_redis() {
        let (url, prefix) = (redis_url(), prefix());
        // Two apps, two stores (two connections), as two processes would have.
        let a = start(&options(&url, &prefix)).await;
        let b = start(&options(&url, &prefix)).await;
        assert_ne!(a.addr.port(), b.addr.port());
        let http = client(); // cookies are not port-specific: the jar sends the cookie to both
        login(&http, &a, ALICE).await;
        assert_eq!(profile(&http, &b).await, (200, alice()), "logged in on A, recognised on B");
        http.post(b.url("/logout")).send().await.unwrap();
        assert_eq!(profile(&http, &a).await.0, 401, "logged out on B, gone on A");
    }

    #[tokio::test]
    async fn redis_down_answers_503_only_where_needed_and_recovers_by_itself() {
        let mut private = PrivateRedis::start().await;
        let port = private.port;
        let server = start(&options(&private.url(), &prefix())).await;
        let http = client();
        login(&http, &server, ALICE).await;
        assert_eq!(profile(&http, &server).await.0, 200);

        private.kill();
        let started = Instant::now();
        let response = http.get(server.url("/profile")).send().await.unwrap();
        assert_eq!(response.status(), 503);
        assert!(response.headers().get(SET_COOKIE).is_none());
        assert_eq!(response.text().await.unwrap(), r#"{"detail":"Session store unavailable"}"#);
        assert!(started.elapsed() < Duration::from_secs(3), "bounded: {:?}", started.elapsed());

        // Requests that need no store are unaffected.
        assert_eq!(http.get(server.url("/hello")).send().await.unwrap().status(), 200);
        assert_eq!(profile_with(&server, "theme=dark").await, 401);
        // A save that fails is a 503 without Set-Cookie (a fresh client: nothing to load first).
        let response = reqwest::Client::new()
            .post(server.url("/login"))
            .json(&json!({"email": ALICE.0, "password": ALICE.1}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 503);
        assert!(response.headers().get(SET_COOKIE).is_none());
        for _ in 0..3 {
            let started = Instant::now();
            assert_eq!(profile(&http, &server).await.0, 503);
            assert!(started.elapsed() < Duration::from_secs(3), "still bounded: {:?}", started.elapsed());
        }

        // Redis comes back (empty: it kept nothing): service resumes with no restart of the app.
        let _restarted = PrivateRedis::start_on(port).await;
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let response = http
                .post(server.url("/login"))
                .json(&json!({"email": ALICE.0, "password": ALICE.1}))
                .send()
                .await
                .unwrap();
            if response.status() == 201 {
                break;
            }
            assert_eq!(response.status(), 503);
            assert!(Instant::now() < deadline, "did not recover within 15 s of Redis returning");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(profile(&http, &server).await, (200, alice()));
    }

    #[post("/write/{value}")]
    async fn write(request: Request, value: String) -> Result<Json<Value>, HTTPException> {
        let session = request.session();
        let user_id: Option<u64> = session.get("user_id")?;
        // Both requests have loaded the record before either saves.
        tokio::time::sleep(Duration::from_millis(100)).await;
        session.insert("value", &value)?;
        session.insert(format!("mark_{value}"), true)?;
        Ok(Json(json!({"user_id": user_id})))
    }

    /// A fresh session holding only `user_id` 7.
    #[post("/start")]
    async fn start_session(request: Request) -> Result<Json<Value>, HTTPException> {
        let session = request.session();
        session.clear();
        session.insert("user_id", 7)?;
        Ok(Json(json!({})))
    }

    #[get("/read")]
    async fn read(request: Request) -> Result<Json<Value>, HTTPException> {
        let entries: serde_json::Map<String, Value> = request.session().entries().into_iter().collect();
        Ok(Json(Value::Object(entries)))
    }

    #[tokio::test]
    async fn concurrent_requests_of_one_session_last_writer_wins() {
        let (url, prefix) = (redis_url(), prefix());
        init_logs();
        let app = Ravyn::builder()
            .session_config(SessionConfig::new(SECRET).store(store(&url, &prefix)))
            .routes(vec![Gateway::new(write), Gateway::new(start_session), Gateway::new(read)])
            .build()
            .unwrap();
        let server = TestServer::start(app).await;
        let http = client();
        assert_eq!(http.post(server.url("/start")).send().await.unwrap().status(), 201);
        for _ in 0..5 {
            let (a, b) =
                tokio::join!(http.post(server.url("/write/a")).send(), http.post(server.url("/write/b")).send());
            let (a, b) = (a.unwrap(), b.unwrap());
            assert_eq!((a.status().as_u16(), b.status().as_u16()), (201, 201), "neither request fails");
            let state: Value = http.get(server.url("/read")).send().await.unwrap().json().await.unwrap();
            let winner = state["value"].as_str().unwrap();
            assert!(winner == "a" || winner == "b", "{state}");
            let loser = if winner == "a" { "b" } else { "a" };
            assert_eq!(state[format!("mark_{winner}")], true, "{state}");
            assert!(state.get(format!("mark_{loser}")).is_none(), "one whole write, not a mix: {state}");
            assert_eq!(state["user_id"], 7, "what both started from is kept: {state}");
            // Reset for the next round.
            http.post(server.url("/start")).send().await.unwrap();
        }
    }

    #[get("/private")]
    async fn private_page() -> &'static str {
        "secret"
    }

    #[tokio::test]
    async fn middleware_loads_the_session_with_load_session() {
        let (url, prefix) = (redis_url(), prefix());
        init_logs();
        let gate = from_fn(|request: Request, next: Next| async move {
            if request.path() == "/private" {
                match request.load_session().await {
                    Ok(session) if session.contains_key("user_id") => {}
                    Ok(_) => return ravyn::IntoResponse::into_response(HTTPException::new(401, "Not authenticated")),
                    Err(unavailable) => return ravyn::IntoResponse::into_response(unavailable),
                }
            }
            next.run(request).await
        });
        let careless = from_fn(|request: Request, next: Next| async move {
            if request.path() == "/careless" {
                // Hand-written code that forgot load_session: a loud 500, nothing lost.
                let _ = request.session().get_value("user_id");
            }
            next.run(request).await
        });
        let app = Ravyn::builder()
            .session_config(SessionConfig::new(SECRET).store(store(&url, &prefix)))
            .middleware(gate)
            .middleware(careless)
            .routes(vec![Gateway::new(private_page), Gateway::new(start_session), Gateway::new(read)])
            .build()
            .unwrap();
        let server = TestServer::start(app).await;
        let http = client();
        assert_eq!(http.get(server.url("/private")).send().await.unwrap().status(), 401);
        http.post(server.url("/start")).send().await.unwrap();
        let response = http.get(server.url("/private")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.text().await.unwrap(), "secret");

        assert_eq!(http.get(server.url("/careless")).send().await.unwrap().status(), 500);
        let state: Value = http.get(server.url("/read")).send().await.unwrap().json().await.unwrap();
        assert_eq!(state["user_id"], 7, "the stored session is untouched");
    }
}
