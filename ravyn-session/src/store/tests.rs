//! The session rules with a server-side store, through the manager: what is loaded, created,
//! updated, cycled and deleted, and which cookie is sent.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use super::*;
use crate::{Clock, CookieUpdate, FinishError, IncomingCookie, ManualClock, SessionConfig, SessionManager};

const SECRET: &str = "store-test-secret-long-enough-for-32";
const T: u64 = 1_700_000_000;

/// A MemoryStore that counts calls, logs which write each was, remembers the last TTL, and can be
/// switched off.
#[derive(Debug)]
struct Counting {
    inner: MemoryStore,
    loads: AtomicUsize,
    writes: AtomicUsize,
    deletes: AtomicUsize,
    ops: std::sync::Mutex<Vec<&'static str>>,
    last_ttl: std::sync::Mutex<Option<Duration>>,
    down: AtomicBool,
}

impl Counting {
    fn new(clock: Arc<ManualClock>) -> Arc<Self> {
        Arc::new(Counting {
            inner: MemoryStore::with_clock(clock),
            loads: AtomicUsize::new(0),
            writes: AtomicUsize::new(0),
            deletes: AtomicUsize::new(0),
            ops: std::sync::Mutex::new(Vec::new()),
            last_ttl: std::sync::Mutex::new(None),
            down: AtomicBool::new(false),
        })
    }

    /// (loads, writes: create + update + cycle, deletes).
    fn counts(&self) -> (usize, usize, usize) {
        (self.loads.load(Ordering::SeqCst), self.writes.load(Ordering::SeqCst), self.deletes.load(Ordering::SeqCst))
    }

    /// The operations since the last call, in order.
    fn take_ops(&self) -> Vec<&'static str> {
        std::mem::take(&mut *self.ops.lock().unwrap())
    }

    fn write(&self, op: &'static str, ttl: Duration) {
        self.writes.fetch_add(1, Ordering::SeqCst);
        self.ops.lock().unwrap().push(op);
        *self.last_ttl.lock().unwrap() = Some(ttl);
    }

    fn check(&self) -> Result<(), StoreError> {
        if self.down.load(Ordering::SeqCst) {
            Err(StoreError::new("store is down"))
        } else {
            Ok(())
        }
    }
}

impl SessionStore for Counting {
    fn load<'a>(&'a self, id: &'a SessionId) -> BoxFuture<'a, Result<Option<Record>, StoreError>> {
        self.loads.fetch_add(1, Ordering::SeqCst);
        self.ops.lock().unwrap().push("load");
        Box::pin(async move {
            self.check()?;
            self.inner.load(id).await
        })
    }

    fn create<'a>(
        &'a self,
        id: &'a SessionId,
        record: &'a Record,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<CreateOutcome, StoreError>> {
        self.write("create", ttl);
        Box::pin(async move {
            self.check()?;
            self.inner.create(id, record, ttl).await
        })
    }

    fn update<'a>(
        &'a self,
        id: &'a SessionId,
        record: &'a Record,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<UpdateOutcome, StoreError>> {
        self.write("update", ttl);
        Box::pin(async move {
            self.check()?;
            self.inner.update(id, record, ttl).await
        })
    }

    fn cycle<'a>(
        &'a self,
        old: &'a SessionId,
        new: &'a SessionId,
        record: &'a Record,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<CycleOutcome, StoreError>> {
        self.write("cycle", ttl);
        Box::pin(async move {
            self.check()?;
            self.inner.cycle(old, new, record, ttl).await
        })
    }

    fn delete<'a>(&'a self, id: &'a SessionId) -> BoxFuture<'a, Result<DeleteOutcome, StoreError>> {
        self.deletes.fetch_add(1, Ordering::SeqCst);
        self.ops.lock().unwrap().push("delete");
        Box::pin(async move {
            self.check()?;
            self.inner.delete(id).await
        })
    }
}

struct Setup {
    manager: SessionManager,
    store: Arc<Counting>,
    clock: Arc<ManualClock>,
}

fn setup_with(config: impl FnOnce(SessionConfig) -> SessionConfig) -> Setup {
    let clock = Arc::new(ManualClock::new(T));
    let store = Counting::new(clock.clone());
    let config = config(SessionConfig::new(SECRET).clock(clock.clone()).store(store.clone()));
    Setup { manager: SessionManager::new(config).unwrap(), store, clock }
}

fn setup() -> Setup {
    setup_with(|c| c)
}

fn value_of(header: &str) -> String {
    header.split(';').next().unwrap().strip_prefix("session=").unwrap().to_owned()
}

fn id_of(value: &str) -> SessionId {
    SessionId(value.split('.').next().unwrap().to_owned())
}

impl Setup {
    /// A request carrying `cookie`, loaded.
    async fn request(&self, cookie: &str) -> crate::Session {
        let session = self.manager.session(IncomingCookie::One(cookie.to_owned()));
        session.load().await.unwrap();
        session
    }

    async fn login(&self) -> String {
        let session = self.manager.session(IncomingCookie::Absent);
        session.insert("user_id", 1).unwrap();
        session.insert("email", "alice@example.com").unwrap();
        match self.manager.finish(&session).await.unwrap() {
            CookieUpdate::Set(header) => value_of(&header),
            other => panic!("login must set a cookie, got {other:?}"),
        }
    }

    async fn record(&self, cookie: &str) -> Option<Record> {
        self.store.inner.load(&id_of(cookie)).await.unwrap()
    }
}

#[tokio::test]
async fn the_cookie_holds_a_signed_id_and_the_store_holds_the_data() {
    let s = setup();
    let cookie = s.login().await;
    let (id, sig) = cookie.split_once('.').unwrap();
    assert_eq!((id.len(), sig.len()), (22, 43));
    let record = s.record(&cookie).await.unwrap();
    assert_eq!(serde_json::Value::Object(record.data), json!({"user_id": 1, "email": "alice@example.com"}));
    assert_eq!((record.created_at, record.issued_at), (T, T));
    assert_eq!(*s.store.last_ttl.lock().unwrap(), Some(Duration::from_secs(14_400)), "TTL = max_age");
    assert_eq!(s.store.counts(), (0, 1, 0), "a new session needs no load, one save");

    let session = s.request(&cookie).await;
    assert_eq!(session.get::<String>("email").unwrap().as_deref(), Some("alice@example.com"));
}

#[tokio::test]
async fn no_cookie_needs_no_load_and_an_untouched_session_no_store_call() {
    let s = setup();
    let session = s.manager.session(IncomingCookie::Absent);
    assert!(!session.needs_load());
    assert!(session.is_empty());
    assert_eq!(s.manager.finish(&session).await.unwrap(), CookieUpdate::None);

    let cookie = s.login().await;
    let untouched = s.manager.session(IncomingCookie::One(cookie));
    assert!(untouched.needs_load());
    assert_eq!(s.manager.finish(&untouched).await.unwrap(), CookieUpdate::None);
    assert_eq!(s.store.counts(), (0, 1, 0), "only the login's save");
}

#[tokio::test]
async fn forged_cookies_cost_no_store_round_trip() {
    let s = setup();
    let cookie = s.login().await;
    let mut forged = cookie.clone().into_bytes();
    forged[3] = if forged[3] == b'A' { b'B' } else { b'A' };
    for bad in [String::from_utf8(forged).unwrap(), "garbage".to_owned(), String::new()] {
        let session = s.request(&bad).await;
        assert!(session.is_empty());
    }
    let ambiguous = s.manager.session(IncomingCookie::Ambiguous);
    ambiguous.load().await.unwrap();
    assert!(ambiguous.is_empty());
    assert_eq!(s.store.counts().0, 0, "no load for an unverified id");
}

#[tokio::test]
async fn a_session_only_read_is_not_written_back() {
    let s = setup();
    let cookie = s.login().await;
    for _ in 0..3 {
        s.clock.advance(60);
        let session = s.request(&cookie).await;
        assert_eq!(session.get::<u64>("user_id").unwrap(), Some(1));
        session.insert("user_id", 1).unwrap(); // the same value: not a change
        assert_eq!(s.manager.finish(&session).await.unwrap(), CookieUpdate::None);
    }
    assert_eq!(s.store.counts(), (3, 1, 0));
}

#[tokio::test]
async fn a_change_saves_once_under_the_same_id_keeping_the_creation_time() {
    let s = setup();
    let cookie = s.login().await;
    s.clock.advance(100);
    let session = s.request(&cookie).await;
    session.insert("theme", "dark").unwrap();
    session.insert("lang", "en").unwrap();
    let CookieUpdate::Set(header) = s.manager.finish(&session).await.unwrap() else { panic!("expected Set") };
    assert_eq!(value_of(&header), cookie, "same id, same signature");
    assert!(header.contains("Max-Age=14400"), "{header}");
    let record = s.record(&cookie).await.unwrap();
    assert_eq!(record.data["theme"], "dark");
    assert_eq!((record.created_at, record.issued_at), (T, T + 100));
    assert_eq!(s.store.counts(), (1, 2, 0), "one save per request however many inserts");
}

#[tokio::test]
async fn rolling_refresh_resaves_after_a_quarter_of_max_age() {
    let s = setup_with(|c| c.max_age(400));
    let cookie = s.login().await;
    s.clock.advance(100);
    let session = s.request(&cookie).await;
    session.get_value("user_id");
    assert_eq!(s.manager.finish(&session).await.unwrap(), CookieUpdate::None, "not older than 100 s yet");
    s.clock.advance(1);
    let session = s.request(&cookie).await;
    session.get_value("user_id");
    let CookieUpdate::Set(header) = s.manager.finish(&session).await.unwrap() else { panic!("expected Set") };
    assert_eq!(value_of(&header), cookie);
    assert_eq!(s.record(&cookie).await.unwrap().issued_at, T + 101);
    assert_eq!(*s.store.last_ttl.lock().unwrap(), Some(Duration::from_secs(400)));

    // Without rolling, reads never refresh, and the record dies max_age after its last save.
    let s = setup_with(|c| c.max_age(400).rolling(false));
    let cookie = s.login().await;
    s.clock.advance(399);
    let session = s.request(&cookie).await;
    assert_eq!(session.get::<u64>("user_id").unwrap(), Some(1));
    assert_eq!(s.manager.finish(&session).await.unwrap(), CookieUpdate::None);
    s.clock.advance(2);
    assert!(s.request(&cookie).await.is_empty(), "expired in the store");
}

#[tokio::test]
async fn clear_deletes_the_record_and_the_cookie_so_a_replay_is_empty() {
    let s = setup();
    let cookie = s.login().await;
    let session = s.request(&cookie).await;
    session.clear();
    assert!(matches!(s.manager.finish(&session).await.unwrap(), CookieUpdate::Delete(_)));
    assert_eq!(s.record(&cookie).await, None, "the record is gone");
    let replay = s.request(&cookie).await;
    assert!(replay.is_empty(), "a replayed cookie after logout finds nothing (revocation)");
    assert_eq!(s.manager.finish(&replay).await.unwrap(), CookieUpdate::None);
}

#[tokio::test]
async fn clear_then_insert_starts_a_new_session_under_a_new_id() {
    let s = setup();
    let cookie = s.login().await;
    s.clock.advance(50);
    let session = s.request(&cookie).await;
    session.clear();
    session.insert("user_id", 2).unwrap();
    let CookieUpdate::Set(header) = s.manager.finish(&session).await.unwrap() else { panic!("expected Set") };
    let new = value_of(&header);
    assert_ne!(id_of(&new), id_of(&cookie));
    assert_eq!(s.record(&cookie).await, None, "the old record is deleted");
    let record = s.record(&new).await.unwrap();
    assert_eq!(record.data["user_id"], 2);
    assert_eq!(record.created_at, T + 50, "a new session: new creation time");
}

#[tokio::test]
async fn cycle_id_moves_the_data_to_a_new_id_and_deletes_the_old() {
    let s = setup();
    let cookie = s.login().await;
    s.clock.advance(10);
    let session = s.request(&cookie).await;
    session.cycle_id();
    let CookieUpdate::Set(header) = s.manager.finish(&session).await.unwrap() else { panic!("expected Set") };
    let new = value_of(&header);
    assert_ne!(id_of(&new), id_of(&cookie));
    assert_eq!(s.record(&cookie).await, None, "old id gone");
    let record = s.record(&new).await.unwrap();
    assert_eq!(record.data["email"], "alice@example.com", "data kept");
    assert_eq!(record.created_at, T, "same session: creation time kept");
    assert!(s.request(&cookie).await.is_empty(), "the old cookie is worthless");

    // At login, on a session that had no record yet (a planted or fresh cookie): a new id anyway.
    let fresh = s.manager.session(IncomingCookie::Absent);
    fresh.cycle_id();
    fresh.insert("user_id", 3).unwrap();
    assert!(matches!(s.manager.finish(&fresh).await.unwrap(), CookieUpdate::Set(_)));

    // Cycling an empty stored session deletes it.
    let cookie = s.login().await;
    let session = s.request(&cookie).await;
    session.remove("user_id");
    session.remove("email");
    session.cycle_id();
    assert!(matches!(s.manager.finish(&session).await.unwrap(), CookieUpdate::Delete(_)));
    assert_eq!(s.record(&cookie).await, None);
}

#[tokio::test]
async fn a_cookie_signed_with_a_fallback_secret_is_resigned_under_the_same_id() {
    let clock = Arc::new(ManualClock::new(T));
    let store = MemoryStore::with_clock(clock.clone());
    let old = SessionManager::new(SessionConfig::new("old-secret").clock(clock.clone()).store(store.clone())).unwrap();
    let cookie = old.cookie_for(json!({"user_id": 1}).as_object().unwrap().clone()).await.unwrap();
    let new = SessionManager::new(
        SessionConfig::new("new-secret").fallback_secrets(["old-secret"]).clock(clock).store(store.clone()),
    )
    .unwrap();
    let session = new.session(IncomingCookie::One(cookie.clone()));
    session.load().await.unwrap();
    assert_eq!(session.get::<u64>("user_id").unwrap(), Some(1));
    let CookieUpdate::Set(header) = new.finish(&session).await.unwrap() else { panic!("expected Set") };
    let resigned = value_of(&header);
    assert_ne!(resigned, cookie);
    assert_eq!(id_of(&resigned), id_of(&cookie), "same id, new signature");
}

#[tokio::test]
async fn ttl_is_max_age_capped_by_absolute_max_age() {
    let s = setup_with(|c| c.max_age(3600).absolute_max_age(5000));
    let cookie = s.login().await;
    assert_eq!(*s.store.last_ttl.lock().unwrap(), Some(Duration::from_secs(3600)));
    s.clock.advance(2000);
    let session = s.request(&cookie).await;
    session.insert("n", 1).unwrap();
    let CookieUpdate::Set(header) = s.manager.finish(&session).await.unwrap() else { panic!("expected Set") };
    assert_eq!(*s.store.last_ttl.lock().unwrap(), Some(Duration::from_secs(3000)));
    assert!(header.contains("Max-Age=3000"), "{header}");

    let s = setup_with(|c| c.max_age(None));
    let cookie = s.login().await;
    assert_eq!(*s.store.last_ttl.lock().unwrap(), Some(Duration::from_secs(crate::config::DEFAULT_MAX_AGE)));
    assert!(s.record(&cookie).await.is_some());
}

#[tokio::test]
async fn records_past_their_lifetime_are_ignored_even_if_the_store_keeps_them() {
    let s = setup_with(|c| c.max_age(100).absolute_max_age(150));
    let cookie = s.login().await;
    // A store that keeps records longer than told (here: saved directly with a long TTL).
    let record = s.record(&cookie).await.unwrap();
    s.store.inner.update(&id_of(&cookie), &record, Duration::from_secs(10_000)).await.unwrap();
    s.clock.advance(101);
    assert!(s.request(&cookie).await.is_empty(), "idle lifetime");

    let cookie = s.login().await;
    for _ in 0..2 {
        s.clock.advance(60);
        let session = s.request(&cookie).await;
        session.insert("tick", s.clock.now()).unwrap();
        s.manager.finish(&session).await.unwrap();
    }
    let record = s.record(&cookie).await.unwrap();
    s.store.inner.update(&id_of(&cookie), &record, Duration::from_secs(10_000)).await.unwrap();
    s.clock.advance(40);
    assert!(s.request(&cookie).await.is_empty(), "absolute lifetime: created 160 s ago, limit 150");
}

#[tokio::test]
async fn store_errors_fail_load_and_finish() {
    let s = setup();
    let cookie = s.login().await;
    s.store.down.store(true, Ordering::SeqCst);
    let session = s.manager.session(IncomingCookie::One(cookie.clone()));
    assert_eq!(session.load().await.unwrap_err().to_string(), "store is down");
    assert!(session.needs_load(), "still unloaded: a later load may succeed");

    let new = s.manager.session(IncomingCookie::Absent);
    new.insert("user_id", 1).unwrap();
    assert!(matches!(s.manager.finish(&new).await, Err(FinishError::Store(_))));

    s.store.down.store(false, Ordering::SeqCst);
    session.load().await.unwrap();
    assert_eq!(session.get::<u64>("user_id").unwrap(), Some(1), "recovered");
    session.cycle_id();
    s.store.down.store(true, Ordering::SeqCst);
    assert!(matches!(s.manager.finish(&session).await, Err(FinishError::Store(_))));
    s.store.down.store(false, Ordering::SeqCst);
    assert!(s.record(&cookie).await.is_some(), "a failed cycle leaves the old session intact");
}

#[test]
#[should_panic(expected = "load_session")]
fn using_an_unloaded_store_session_panics_with_the_fix() {
    let s = setup();
    let session = s.manager.session(IncomingCookie::One("any".to_owned()));
    let _ = session.get::<u64>("user_id");
}

#[tokio::test]
async fn concurrent_requests_of_one_session_last_writer_wins_whole() {
    let s = setup();
    let cookie = s.login().await;
    let (a, b) = (s.request(&cookie).await, s.request(&cookie).await);
    a.insert("writer", "a").unwrap();
    a.insert("a_only", true).unwrap();
    b.insert("writer", "b").unwrap();
    let (ra, rb) = tokio::join!(s.manager.finish(&a), s.manager.finish(&b));
    assert!(ra.is_ok() && rb.is_ok());
    let record = s.record(&cookie).await.unwrap();
    let writer = record.data["writer"].as_str().unwrap();
    assert!(writer == "a" || writer == "b");
    assert_eq!(record.data.contains_key("a_only"), writer == "a", "a whole write, not a mix");
    assert_eq!(record.data["user_id"], 1, "data both started from is kept");
}

#[tokio::test]
async fn cookie_for_saves_a_new_record() {
    let s = setup();
    let cookie = s.manager.cookie_for(json!({"user_id": 9}).as_object().unwrap().clone()).await.unwrap();
    assert_eq!(s.record(&cookie).await.unwrap().data["user_id"], 9);
    assert_eq!(s.request(&cookie).await.get::<u64>("user_id").unwrap(), Some(9));
}

#[tokio::test]
async fn cookie_sessions_cycle_id_reissues_the_cookie() {
    let manager = SessionManager::new(SessionConfig::new(SECRET)).unwrap();
    let cookie = manager.cookie_for(json!({"user_id": 1}).as_object().unwrap().clone()).await.unwrap();
    let session = manager.session(IncomingCookie::One(cookie));
    assert!(!session.needs_load(), "cookie sessions never need a load");
    session.cycle_id();
    assert!(matches!(manager.finish(&session).await.unwrap(), CookieUpdate::Set(_)));
}

#[test]
fn finish_and_load_futures_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    let s = setup();
    let session = s.manager.session(IncomingCookie::Absent);
    assert_send(&s.manager.finish(&session));
    assert_send(&session.load());
}

#[tokio::test]
async fn each_request_makes_at_most_one_write_chosen_by_what_it_did() {
    let s = setup();
    let cookie = s.login().await;
    assert_eq!(s.store.take_ops(), ["create"], "a new session is created");

    let session = s.request(&cookie).await;
    session.insert("theme", "dark").unwrap();
    s.manager.finish(&session).await.unwrap();
    assert_eq!(s.store.take_ops(), ["load", "update"], "a change updates under the same id");

    let session = s.request(&cookie).await;
    session.cycle_id();
    let CookieUpdate::Set(header) = s.manager.finish(&session).await.unwrap() else { panic!("expected Set") };
    assert_eq!(s.store.take_ops(), ["load", "cycle"], "cycle_id is one atomic cycle");
    let cookie = value_of(&header);

    let session = s.request(&cookie).await;
    session.clear();
    session.insert("user_id", 2).unwrap();
    let CookieUpdate::Set(header) = s.manager.finish(&session).await.unwrap() else { panic!("expected Set") };
    assert_eq!(s.store.take_ops(), ["load", "create", "delete"], "clear then insert: a new session, the old deleted");
    let cookie = value_of(&header);

    let session = s.request(&cookie).await;
    session.clear();
    assert!(matches!(s.manager.finish(&session).await.unwrap(), CookieUpdate::Delete(_)));
    assert_eq!(s.store.take_ops(), ["load", "delete"], "logout deletes");
}

#[tokio::test]
async fn a_change_in_flight_during_logout_is_dropped_and_its_response_deletes_the_cookie() {
    let s = setup();
    let cookie = s.login().await;
    let slow = s.request(&cookie).await; // loaded before the logout
    slow.insert("cart", json!([1, 2])).unwrap();
    let logout = s.request(&cookie).await;
    logout.clear();
    assert!(matches!(s.manager.finish(&logout).await.unwrap(), CookieUpdate::Delete(_)));
    let late = s.manager.finish(&slow).await.expect("a revoked session is not a store error (no 503)");
    let CookieUpdate::Delete(header) = late else { panic!("the late response must delete the cookie, got {late:?}") };
    assert!(header.contains("Max-Age=0"), "{header}");
    assert_eq!(s.record(&cookie).await, None, "the logged-out session is not brought back");
    assert!(s.request(&cookie).await.is_empty(), "the cookie is refused afterwards");
}

/// M1 (a) of the security review: a read-only request whose rolling refresh is due, in flight
/// during logout.
#[tokio::test]
async fn a_due_refresh_in_flight_during_logout_does_not_recreate_the_record() {
    let s = setup_with(|c| c.max_age(400));
    let cookie = s.login().await;
    s.clock.advance(101); // past max_age / 4: the next read refreshes
    let reader = s.request(&cookie).await;
    assert_eq!(reader.get::<u64>("user_id").unwrap(), Some(1));
    let logout = s.request(&cookie).await;
    logout.clear();
    s.manager.finish(&logout).await.unwrap();
    s.store.take_ops();
    let late = s.manager.finish(&reader).await.unwrap();
    assert_eq!(s.store.take_ops(), ["update"], "the refresh is an update, never a create");
    assert!(matches!(late, CookieUpdate::Delete(_)), "got {late:?}");
    assert_eq!(s.record(&cookie).await, None);
    assert!(s.request(&cookie).await.is_empty());
}

/// M1 (b): a concurrent request on the old id after `cycle_id()`.
#[tokio::test]
async fn a_request_on_the_old_id_after_cycle_id_does_not_bring_it_back() {
    let s = setup();
    let old = s.login().await;
    let in_flight = s.request(&old).await;
    in_flight.insert("cart", json!([1])).unwrap();
    let login = s.request(&old).await;
    login.cycle_id();
    login.insert("user_id", 2).unwrap();
    let CookieUpdate::Set(header) = s.manager.finish(&login).await.unwrap() else { panic!("expected Set") };
    let new = value_of(&header);
    assert_ne!(id_of(&new), id_of(&old));
    let late = s.manager.finish(&in_flight).await.unwrap();
    assert!(matches!(late, CookieUpdate::Delete(_)), "got {late:?}");
    assert_eq!(s.record(&old).await, None, "the old id stays dead");
    let record = s.record(&new).await.unwrap();
    assert_eq!(record.data["user_id"], 2);
    assert!(!record.data.contains_key("cart"), "the late write went nowhere");
}

/// M1 (c): a privilege taken away, with `cycle_id()` as the docs say, while a request holding the
/// older copy is in flight.
#[tokio::test]
async fn a_privilege_removed_with_cycle_id_is_not_undone_by_a_concurrent_older_copy() {
    let s = setup();
    let cookie = s.login().await;
    let grant = s.request(&cookie).await;
    grant.insert("is_admin", true).unwrap();
    s.manager.finish(&grant).await.unwrap();

    let older_copy = s.request(&cookie).await;
    assert_eq!(older_copy.get::<bool>("is_admin").unwrap(), Some(true));
    let demote = s.request(&cookie).await;
    demote.remove("is_admin");
    demote.cycle_id();
    let CookieUpdate::Set(header) = s.manager.finish(&demote).await.unwrap() else { panic!("expected Set") };
    older_copy.insert("last_seen", 1).unwrap();
    assert!(matches!(s.manager.finish(&older_copy).await.unwrap(), CookieUpdate::Delete(_)));
    let demoted = value_of(&header);
    assert_eq!(s.record(&cookie).await, None, "the id that held is_admin is dead");
    assert!(!s.record(&demoted).await.unwrap().data.contains_key("is_admin"), "is_admin stays removed");
    assert_eq!(s.request(&demoted).await.get::<bool>("is_admin").unwrap(), None);
}

/// The documented limit (store module doc, "Concurrency"): without `cycle_id()`, two updates of a
/// live session are last-writer-wins, so a bare `remove` can be undone by an older copy.
#[tokio::test]
async fn without_cycle_id_two_updates_are_last_writer_wins_as_documented() {
    let s = setup();
    let cookie = s.login().await;
    let grant = s.request(&cookie).await;
    grant.insert("is_admin", true).unwrap();
    s.manager.finish(&grant).await.unwrap();
    let older_copy = s.request(&cookie).await;
    older_copy.insert("last_seen", 1).unwrap();
    let demote = s.request(&cookie).await;
    demote.remove("is_admin");
    s.manager.finish(&demote).await.unwrap();
    s.manager.finish(&older_copy).await.unwrap();
    assert_eq!(s.record(&cookie).await.unwrap().data["is_admin"], true, "the last writer's copy wins");
}

#[tokio::test]
async fn a_cycle_of_a_session_revoked_meanwhile_logs_out_and_creates_nothing() {
    let s = setup();
    let cookie = s.login().await;
    let login = s.request(&cookie).await;
    login.cycle_id();
    s.store.inner.delete(&id_of(&cookie)).await.unwrap(); // an admin revokes the session
    assert!(matches!(s.manager.finish(&login).await.unwrap(), CookieUpdate::Delete(_)));
    assert!(s.store.inner.is_empty(), "no new id was created for a revoked session");
}

/// A store that reports every id as taken: `finish` gives up with a store error (503) after a few
/// fresh ids rather than loop.
#[derive(Debug, Default)]
struct AlwaysTaken(MemoryStore);

impl SessionStore for AlwaysTaken {
    fn load<'a>(&'a self, id: &'a SessionId) -> BoxFuture<'a, Result<Option<Record>, StoreError>> {
        self.0.load(id)
    }
    fn create<'a>(
        &'a self,
        _: &'a SessionId,
        _: &'a Record,
        _: Duration,
    ) -> BoxFuture<'a, Result<CreateOutcome, StoreError>> {
        Box::pin(async { Ok(CreateOutcome::IdTaken) })
    }
    fn update<'a>(
        &'a self,
        id: &'a SessionId,
        record: &'a Record,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<UpdateOutcome, StoreError>> {
        self.0.update(id, record, ttl)
    }
    fn delete<'a>(&'a self, id: &'a SessionId) -> BoxFuture<'a, Result<DeleteOutcome, StoreError>> {
        self.0.delete(id)
    }
}

#[tokio::test]
async fn ids_reported_taken_are_retried_then_fail_as_a_store_error() {
    let manager = SessionManager::new(SessionConfig::new(SECRET).store(AlwaysTaken::default())).unwrap();
    let session = manager.session(IncomingCookie::Absent);
    session.insert("user_id", 1).unwrap();
    match manager.finish(&session).await {
        Err(FinishError::Store(error)) => assert!(error.to_string().contains("taken"), "{error}"),
        other => panic!("expected a store error, got {other:?}"),
    }
}
