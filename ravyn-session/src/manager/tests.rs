use serde_json::json;

use super::*;
use crate::{CookieFormat, ManualClock, SameSite};

const SECRET: &str = "manager-test-secret-long-enough-32";
const T: u64 = 1_700_000_000;

fn setup(config: SessionConfig) -> (SessionManager, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(T));
    (SessionManager::new(config.clock(clock.clone())).unwrap(), clock)
}

fn default_setup() -> (SessionManager, Arc<ManualClock>) {
    setup(SessionConfig::new(SECRET))
}

/// The cookie value in a `Set-Cookie` header.
fn value_of(manager: &SessionManager, header: &str) -> String {
    let pair = header.split(';').next().unwrap();
    pair.strip_prefix(&format!("{}=", manager.cookie_name())).unwrap().to_owned()
}

fn set_header(update: CookieUpdate) -> String {
    match update {
        CookieUpdate::Set(h) => h,
        other => panic!("expected Set, got {other:?}"),
    }
}

/// A valid cookie value for `data`, issued now.
async fn cookie(manager: &SessionManager, data: serde_json::Value) -> IncomingCookie {
    let serde_json::Value::Object(map) = data else { panic!("not an object") };
    IncomingCookie::One(manager.cookie_for(map).await.unwrap())
}

#[tokio::test]
async fn never_accessed_session_is_never_decoded() {
    let (m, _) = default_setup();
    let valid = cookie(&m, json!({"user_id": 1})).await;
    for incoming in [valid.clone(), IncomingCookie::One("garbage".into()), IncomingCookie::Ambiguous] {
        let s = m.session(incoming);
        assert_eq!(m.finish(&s).await.unwrap(), CookieUpdate::None);
        assert!(!s.was_accessed());
    }
    assert_eq!(m.decodes(), 0, "finish() of untouched sessions must not decode");

    let s = m.session(valid);
    assert_eq!(s.get::<u64>("user_id").unwrap(), Some(1));
    s.keys();
    assert_eq!(m.decodes(), 1, "first access decodes, once");
}

#[tokio::test]
async fn changed_session_sets_a_cookie_with_every_attribute() {
    let (m, _) = default_setup();
    let s = m.session(IncomingCookie::Absent);
    s.insert("user_id", 1).unwrap();
    let header = set_header(m.finish(&s).await.unwrap());
    let value = value_of(&m, &header);
    assert_eq!(
        header,
        format!(
            "session={value}; HttpOnly; SameSite=Lax; Path=/; Max-Age=14400; Expires=Wed, 15 Nov 2023 02:13:20 GMT"
        )
    );
    let decoded = m.codec().decode(&value, T).unwrap();
    assert_eq!(decoded.data, json!({"user_id": 1}).as_object().unwrap().clone());
    assert_eq!((decoded.issued_at, decoded.created_at), (T, Some(T)));
}

#[tokio::test]
async fn domain_secure_samesite_and_path_attributes() {
    let (m, _) = setup(
        SessionConfig::new(SECRET)
            .session_cookie("sid")
            .domain("example.com")
            .https_only(true)
            .same_site(SameSite::Strict)
            .path("/app")
            .max_age(3600),
    );
    let s = m.session(IncomingCookie::Absent);
    s.insert("a", 1).unwrap();
    let header = set_header(m.finish(&s).await.unwrap());
    let value = value_of(&m, &header);
    assert_eq!(
        header,
        format!(
            "sid={value}; HttpOnly; SameSite=Strict; Secure; Path=/app; Domain=example.com; Max-Age=3600; \
             Expires=Tue, 14 Nov 2023 23:13:20 GMT"
        )
    );

    let (m, _) = setup(SessionConfig::new(SECRET).same_site(SameSite::None).https_only(true));
    let s = m.session(IncomingCookie::Absent);
    s.insert("a", 1).unwrap();
    let header = set_header(m.finish(&s).await.unwrap());
    assert!(header.contains("; SameSite=None; Secure;"), "{header}");
}

#[tokio::test]
async fn max_age_none_is_a_browser_session_cookie() {
    let (m, clock) = setup(SessionConfig::new(SECRET).max_age(None));
    let s = m.session(IncomingCookie::Absent);
    s.insert("a", 1).unwrap();
    let header = set_header(m.finish(&s).await.unwrap());
    assert!(!header.contains("Max-Age") && !header.contains("Expires"), "{header}");
    // No idle expiry on the server either, and nothing to roll.
    clock.advance(365 * 86_400);
    let s = m.session(IncomingCookie::One(value_of(&m, &header)));
    assert_eq!(s.get::<u8>("a").unwrap(), Some(1));
    assert_eq!(m.finish(&s).await.unwrap(), CookieUpdate::None);
}

#[tokio::test]
async fn clearing_a_cookie_session_deletes_the_cookie() {
    let (m, _) = default_setup();
    let s = m.session(cookie(&m, json!({"user_id": 1})).await);
    s.clear();
    assert_eq!(
        m.finish(&s).await.unwrap(),
        CookieUpdate::Delete(
            "session=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT".to_owned()
        )
    );
}

#[tokio::test]
async fn removing_the_last_key_deletes_the_cookie() {
    let (m, _) = default_setup();
    let s = m.session(cookie(&m, json!({"user_id": 1})).await);
    s.remove("user_id");
    assert!(matches!(m.finish(&s).await.unwrap(), CookieUpdate::Delete(_)));
}

#[tokio::test]
async fn clearing_an_empty_session_does_nothing() {
    let (m, _) = default_setup();
    for incoming in [IncomingCookie::Absent, IncomingCookie::One("tampered".into()), IncomingCookie::Ambiguous] {
        let s = m.session(incoming);
        s.clear();
        assert_eq!(m.finish(&s).await.unwrap(), CookieUpdate::None);
    }
    // Filled and emptied within one request, with no cookie to delete.
    let s = m.session(IncomingCookie::Absent);
    s.insert("a", 1).unwrap();
    s.clear();
    assert_eq!(m.finish(&s).await.unwrap(), CookieUpdate::None);
}

#[tokio::test]
async fn read_only_access_sends_nothing() {
    let (m, clock) = default_setup();
    let s = m.session(cookie(&m, json!({"user_id": 1})).await);
    clock.advance(60);
    assert_eq!(s.get::<u64>("user_id").unwrap(), Some(1));
    s.insert("user_id", 1).unwrap(); // same value
    assert_eq!(m.finish(&s).await.unwrap(), CookieUpdate::None);
}

#[tokio::test]
async fn rolling_refreshes_after_a_quarter_of_max_age() {
    let (m, clock) = setup(SessionConfig::new(SECRET).max_age(400));
    assert_eq!(m.config().refresh_interval(), Some(100));
    let incoming = cookie(&m, json!({"user_id": 1})).await;

    clock.set(T + 100);
    let s = m.session(incoming.clone());
    s.get_value("user_id");
    assert_eq!(m.finish(&s).await.unwrap(), CookieUpdate::None, "not yet");

    clock.set(T + 101);
    let s = m.session(incoming);
    s.get_value("user_id");
    let header = set_header(m.finish(&s).await.unwrap());
    let decoded = m.codec().decode(&value_of(&m, &header), T + 101).unwrap();
    assert_eq!(decoded.issued_at, T + 101);
    assert_eq!(decoded.created_at, Some(T), "creation time kept");
    assert!(header.contains("Max-Age=400"), "{header}");
}

#[tokio::test]
async fn no_refresh_without_rolling() {
    let (m, clock) = setup(SessionConfig::new(SECRET).max_age(400).rolling(false));
    let incoming = cookie(&m, json!({"user_id": 1})).await;
    clock.set(T + 399);
    let s = m.session(incoming);
    s.get_value("user_id");
    assert_eq!(m.finish(&s).await.unwrap(), CookieUpdate::None);
}

#[tokio::test]
async fn fallback_verified_cookie_is_reissued_under_the_primary() {
    let (old, _) = setup(SessionConfig::new("old-secret"));
    let incoming = cookie(&old, json!({"user_id": 7})).await;
    let (m, _) = setup(SessionConfig::new("new-secret").fallback_secrets(["old-secret"]));
    let s = m.session(incoming);
    assert_eq!(s.get::<u64>("user_id").unwrap(), Some(7));
    let value = value_of(&m, &set_header(m.finish(&s).await.unwrap()));
    assert_eq!(m.codec().decode(&value, T).unwrap().key_index, 0);

    // Untouched, it is left alone.
    let s = m.session(cookie(&old, json!({"user_id": 7})).await);
    assert_eq!(m.finish(&s).await.unwrap(), CookieUpdate::None);
}

#[tokio::test]
async fn a_change_keeps_the_creation_time_but_clear_starts_a_new_session() {
    let (m, clock) = default_setup();
    let incoming = cookie(&m, json!({"user_id": 1})).await;
    clock.advance(10);

    let s = m.session(incoming.clone());
    s.insert("theme", "dark").unwrap();
    let decoded = m.codec().decode(&value_of(&m, &set_header(m.finish(&s).await.unwrap())), T + 10).unwrap();
    assert_eq!((decoded.issued_at, decoded.created_at), (T + 10, Some(T)));

    let s = m.session(incoming);
    s.clear();
    s.insert("user_id", 2).unwrap();
    let decoded = m.codec().decode(&value_of(&m, &set_header(m.finish(&s).await.unwrap())), T + 10).unwrap();
    assert_eq!((decoded.issued_at, decoded.created_at), (T + 10, Some(T + 10)));
}

#[tokio::test]
async fn absolute_max_age_caps_the_cookie_lifetime() {
    // Default max_age (14400) is longer than the absolute lifetime: the cookie says 1000.
    let (m, clock) = setup(SessionConfig::new(SECRET).absolute_max_age(1000));
    let s = m.session(IncomingCookie::Absent);
    s.insert("user_id", 1).unwrap();
    let header = set_header(m.finish(&s).await.unwrap());
    assert!(header.contains("Max-Age=1000;"), "{header}");
    clock.set(T + 1001);
    let s = m.session(IncomingCookie::One(value_of(&m, &header)));
    assert!(s.is_empty(), "past the absolute lifetime");

    // Within its absolute lifetime the browser is told to keep it only for what remains.
    let (m, clock) = setup(SessionConfig::new(SECRET).max_age(400).absolute_max_age(1000));
    let incoming = cookie(&m, json!({"user_id": 1})).await;
    clock.set(T + 350);
    let s = m.session(incoming.clone());
    s.get_value("user_id");
    let header = set_header(m.finish(&s).await.unwrap());
    assert!(header.contains("Max-Age=400;"), "{header}");
    clock.set(T + 700);
    let s = m.session(IncomingCookie::One(value_of(&m, &header)));
    s.insert("more", 1).unwrap();
    let header = set_header(m.finish(&s).await.unwrap());
    assert!(header.contains("Max-Age=300;"), "{header}");
    // And past it, rolling cannot save it.
    clock.set(T + 1001);
    let s = m.session(IncomingCookie::One(value_of(&m, &header)));
    assert!(s.is_empty());
}

#[tokio::test]
async fn expired_cookie_gives_an_empty_session_and_no_cookie() {
    let (m, clock) = setup(SessionConfig::new(SECRET).max_age(60));
    let incoming = cookie(&m, json!({"user_id": 1})).await;
    clock.advance(61);
    let s = m.session(incoming);
    assert!(s.is_empty());
    assert_eq!(m.finish(&s).await.unwrap(), CookieUpdate::None);
}

#[tokio::test]
async fn ambiguous_cookie_is_empty_and_not_deleted() {
    let (m, _) = default_setup();
    let s = m.session(IncomingCookie::Ambiguous);
    assert!(s.is_empty());
    assert_eq!(m.finish(&s).await.unwrap(), CookieUpdate::None);
    // A write still sets our cookie.
    let s = m.session(IncomingCookie::Ambiguous);
    s.insert("a", 1).unwrap();
    assert!(matches!(m.finish(&s).await.unwrap(), CookieUpdate::Set(_)));
}

#[tokio::test]
async fn oversized_cookie_is_an_error_not_a_silent_drop() {
    let (m, _) = default_setup();
    let s = m.session(IncomingCookie::Absent);
    s.insert("blob", "x".repeat(5000)).unwrap();
    match m.finish(&s).await {
        Err(FinishError::TooLarge { size, limit }) => assert!(size > 4096 && limit == 4096, "{size}"),
        other => panic!("expected TooLarge, got {other:?}"),
    }
    let data = json!({"blob": "x".repeat(5000)}).as_object().unwrap().clone();
    assert!(matches!(m.cookie_for(data).await, Err(FinishError::TooLarge { .. })));
}

#[tokio::test]
async fn size_limit_is_exactly_4096_bytes_of_header() {
    let (m, _) = default_setup();
    let (mut largest_ok, mut smallest_err) = (0, usize::MAX);
    for n in 2900..3000 {
        let s = m.session(IncomingCookie::Absent);
        s.insert("blob", "x".repeat(n)).unwrap();
        match m.finish(&s).await {
            Ok(CookieUpdate::Set(h)) => largest_ok = largest_ok.max(h.len()),
            Err(FinishError::TooLarge { size, .. }) => smallest_err = smallest_err.min(size),
            other => panic!("{other:?}"),
        }
    }
    assert!(largest_ok <= MAX_SET_COOKIE_LEN && largest_ok > MAX_SET_COOKIE_LEN - 4, "{largest_ok}");
    assert!(smallest_err > MAX_SET_COOKIE_LEN && smallest_err < MAX_SET_COOKIE_LEN + 5, "{smallest_err}");
}

#[tokio::test]
async fn ravyn_format_headers_are_spelled_as_lilya_spells_them() {
    const VECTOR: &str = "eyJ1c2VyX2lkIjoxLCJlbWFpbCI6ImRlbW9AZXhhbXBsZS5jb20ifQ==.awcZ0A.JR25SXSXM17jaP9mAbP-234qiKY";
    let clock = Arc::new(ManualClock::new(1_795_627_472));
    let config = SessionConfig::new("demo-secret-key-change-me").cookie_format(CookieFormat::Ravyn).clock(clock);
    let m = SessionManager::new(config.clone()).unwrap();

    let s = m.session(IncomingCookie::Absent);
    s.insert("user_id", 1).unwrap();
    s.insert("email", "demo@example.com").unwrap();
    assert_eq!(
        set_header(m.finish(&s).await.unwrap()),
        format!("session=\"{VECTOR}\"; path=/; Max-Age=14400; httponly; samesite=lax")
    );

    let s = m.session(IncomingCookie::One(VECTOR.to_owned()));
    s.clear();
    assert_eq!(
        m.finish(&s).await.unwrap(),
        CookieUpdate::Delete(
            "session=null; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; httponly; samesite=lax".into()
        )
    );

    let m = SessionManager::new(
        config.session_cookie("sid").path("/app").https_only(true).same_site(SameSite::Strict).domain("example.com"),
    )
    .unwrap();
    let s = m.session(IncomingCookie::Absent);
    s.insert("user_id", 1).unwrap();
    s.insert("email", "demo@example.com").unwrap();
    assert_eq!(
        set_header(m.finish(&s).await.unwrap()),
        format!("sid=\"{VECTOR}\"; path=/app; Max-Age=14400; httponly; samesite=strict; secure; domain=example.com")
    );
    let s = m.session(IncomingCookie::One(format!("\"{VECTOR}\"")));
    s.clear();
    assert_eq!(
        m.finish(&s).await.unwrap().header_value(),
        Some(
            "sid=null; path=/app; expires=Thu, 01 Jan 1970 00:00:00 GMT; httponly; samesite=strict; secure; \
             domain=example.com"
        )
    );
}

#[tokio::test]
async fn cookie_for_starts_a_logged_in_session_in_every_format() {
    for format in [CookieFormat::Signed, CookieFormat::Ravyn, CookieFormat::Private] {
        let (m, _) = setup(SessionConfig::new(SECRET).cookie_format(format));
        let s = m.session(cookie(&m, json!({"user_id": 1, "email": "a@example.com"})).await);
        assert_eq!(s.get::<u64>("user_id").unwrap(), Some(1), "{format}");
        assert_eq!(s.keys(), ["user_id", "email"], "{format}");
        assert_eq!(m.finish(&s).await.unwrap(), CookieUpdate::None, "{format}");
    }
    // The Ravyn test vector, through the manager with an injected clock.
    let clock = Arc::new(ManualClock::new(1_795_627_472));
    let config = SessionConfig::new("demo-secret-key-change-me").cookie_format(CookieFormat::Ravyn).clock(clock);
    let m = SessionManager::new(config).unwrap();
    let IncomingCookie::One(value) = cookie(&m, json!({"user_id": 1, "email": "demo@example.com"})).await else {
        unreachable!()
    };
    assert_eq!(
        value,
        "\"eyJ1c2VyX2lkIjoxLCJlbWFpbCI6ImRlbW9AZXhhbXBsZS5jb20ifQ==.awcZ0A.JR25SXSXM17jaP9mAbP-234qiKY\""
    );
}

#[tokio::test]
async fn private_and_signed_full_flow() {
    for format in [CookieFormat::Signed, CookieFormat::Private] {
        let (m, _) = setup(SessionConfig::new(SECRET).cookie_format(format));
        let s = m.session(IncomingCookie::Absent);
        s.insert("user_id", 1).unwrap();
        let header = set_header(m.finish(&s).await.unwrap());
        let s = m.session(IncomingCookie::from_cookie_headers("session", [header.split(';').next().unwrap()]));
        assert_eq!(s.get::<u64>("user_id").unwrap(), Some(1), "{format}");
        s.clear();
        let deletion = m.finish(&s).await.unwrap();
        assert!(deletion.header_value().unwrap().starts_with("session=; "), "{format}");
    }
}

#[test]
fn new_validates_the_config() {
    let err = SessionManager::new(SessionConfig::new("k").session_cookie("bad name")).unwrap_err();
    assert_eq!(err.field(), "session_cookie");
    assert!(SessionManager::new(SessionConfig::new("short")).is_ok(), "short secrets only warn");
}

#[test]
fn finish_future_is_send() {
    fn assert_send<T: Send>(_: &T) {}
    let (m, _) = default_setup();
    let s = m.session(IncomingCookie::Absent);
    assert_send(&m.finish(&s));
    assert_send(&m.cookie_for(Map::new()));
    fn assert_clone_send_sync<T: Clone + Send + Sync + 'static>() {}
    assert_clone_send_sync::<SessionManager>();
}

#[test]
fn debug_hides_the_secret() {
    let (m, _) = default_setup();
    assert!(!format!("{m:?}").contains(SECRET));
}
