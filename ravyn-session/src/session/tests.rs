use std::collections::HashMap;

use serde_json::json;

use super::*;

/// A loader that counts calls and returns fixed data, to observe laziness without a manager.
struct FixedLoader {
    calls: std::sync::atomic::AtomicUsize,
}

impl Load for FixedLoader {
    fn load(&self, incoming: IncomingCookie) -> Option<Decoded> {
        self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let IncomingCookie::One(value) = incoming else { return None };
        let Value::Object(data) = json!({"from_cookie": value}) else { return None };
        Some(Decoded { data, issued_at: 10, created_at: Some(5), key_index: 1 })
    }
}

fn lazy(value: &str) -> (Session, Arc<FixedLoader>) {
    let loader = Arc::new(FixedLoader { calls: Default::default() });
    (Session::pending(IncomingCookie::One(value.to_owned()), loader.clone()), loader)
}

fn calls(loader: &FixedLoader) -> usize {
    loader.calls.load(std::sync::atomic::Ordering::SeqCst)
}

#[test]
fn get_and_insert_typed_values() {
    let s = Session::new();
    s.insert("user_id", 1).unwrap();
    s.insert(String::from("email"), "alice@example.com").unwrap();
    s.insert("roles", ["admin", "dev"]).unwrap();
    assert_eq!(s.get::<u64>("user_id").unwrap(), Some(1));
    assert_eq!(s.get::<String>("email").unwrap().as_deref(), Some("alice@example.com"));
    assert_eq!(s.get::<Vec<String>>("roles").unwrap(), Some(vec!["admin".to_owned(), "dev".to_owned()]));
    assert_eq!(s.get::<u64>("missing").unwrap(), None);
    assert_eq!(s.get_value("user_id"), Some(json!(1)));
    assert_eq!(s.get_value("missing"), None);
}

#[test]
fn get_of_the_wrong_type_names_the_key() {
    let s = Session::new();
    s.insert("user_id", "one").unwrap();
    let err = s.get::<u64>("user_id").unwrap_err();
    assert!(matches!(&err, SessionError::Deserialize { key, .. } if key == "user_id"));
    assert!(err.to_string().contains("`user_id`"), "{err}");
}

#[test]
fn insert_of_unserializable_value_names_the_key_and_changes_nothing() {
    let s = Session::new();
    let err = s.insert("bad", HashMap::from([((1, 2), "tuple keys are not JSON")])).unwrap_err();
    assert!(matches!(&err, SessionError::Serialize { key, .. } if key == "bad"));
    assert_eq!(err.key(), "bad");
    assert!(s.was_accessed());
    assert!(!s.was_changed());
    assert!(s.is_empty());
}

#[test]
fn insert_marks_changed_only_when_the_value_differs() {
    let (s, _) = lazy("v");
    s.insert("from_cookie", "v").unwrap();
    assert!(!s.was_changed(), "same value as the cookie holds");
    s.insert("from_cookie", "w").unwrap();
    assert!(s.was_changed());
}

#[test]
fn remove_returns_the_value_and_keeps_order() {
    let s = Session::new();
    for (i, k) in ["a", "b", "c"].into_iter().enumerate() {
        s.insert(k, i).unwrap();
    }
    assert_eq!(s.remove("a"), Some(json!(0)));
    assert_eq!(s.keys(), ["b", "c"]);
    assert_eq!(s.remove("a"), None);

    let (s, _) = lazy("v");
    assert_eq!(s.remove("missing"), None);
    assert!(!s.was_changed(), "removing an absent key changes nothing");
    assert_eq!(s.remove("from_cookie"), Some(json!("v")));
    assert!(s.was_changed());
}

#[test]
fn keys_entries_len_contains() {
    let s = Session::new();
    assert!(s.is_empty());
    assert_eq!(s.len(), 0);
    s.insert("z", 1).unwrap();
    s.insert("a", true).unwrap();
    s.insert("z", 2).unwrap(); // updating keeps the position, like a Python dict
    assert_eq!(s.keys(), ["z", "a"]);
    assert_eq!(s.entries(), [("z".to_owned(), json!(2)), ("a".to_owned(), json!(true))]);
    assert_eq!(s.len(), 2);
    assert!(!s.is_empty());
    assert!(s.contains_key("a"));
    assert!(!s.contains_key("b"));
}

#[test]
fn clear_of_empty_session_is_no_change() {
    let s = Session::new();
    s.clear();
    assert!(s.was_accessed());
    assert!(!s.was_changed());
    assert!(!s.lock().cleared);
}

#[test]
fn clear_of_non_empty_session_is_recorded() {
    let (s, _) = lazy("v");
    s.clear();
    assert!(s.is_empty());
    assert!(s.was_changed());
    assert!(s.lock().cleared);
    assert_eq!(s.lock().origin().map(|o| o.created_at), Some(Some(5)));
}

#[test]
fn decodes_on_first_access_only_and_once() {
    let (s, loader) = lazy("v");
    let clone = s.clone();
    assert!(!s.was_accessed());
    assert!(!s.was_changed());
    let _ = format!("{s:?}");
    assert_eq!(calls(&loader), 0, "flags and Debug must not decode");
    assert!(!s.lock().is_loaded());

    assert_eq!(clone.get::<String>("from_cookie").unwrap().as_deref(), Some("v"));
    assert_eq!(calls(&loader), 1);
    assert!(s.was_accessed(), "clones share one state");
    s.keys();
    s.len();
    s.contains_key("x");
    assert_eq!(calls(&loader), 1, "decoded once");
    assert_eq!(s.lock().origin(), Some(Origin { issued_at: 10, created_at: Some(5), key_index: 1 }));
}

#[test]
fn every_data_method_counts_as_access() {
    type Check = (&'static str, fn(&Session));
    let checks: [Check; 10] = [
        ("get", |s| {
            let _ = s.get::<u8>("k");
        }),
        ("get_value", |s| {
            let _ = s.get_value("k");
        }),
        ("insert", |s| {
            let _ = s.insert("k", 1);
        }),
        ("remove", |s| {
            let _ = s.remove("k");
        }),
        ("contains_key", |s| {
            let _ = s.contains_key("k");
        }),
        ("keys", |s| {
            let _ = s.keys();
        }),
        ("len", |s| {
            let _ = s.len();
        }),
        ("is_empty", |s| {
            let _ = s.is_empty();
        }),
        ("clear", Session::clear),
        ("entries", |s| {
            let _ = s.entries();
        }),
    ];
    for (name, check) in checks {
        let (s, loader) = lazy("v");
        check(&s);
        assert!(s.was_accessed(), "{name}");
        assert_eq!(calls(&loader), 1, "{name}");
    }
}

#[test]
fn absent_cookie_needs_no_loader_call() {
    let loader = Arc::new(FixedLoader { calls: Default::default() });
    let s = Session::pending(IncomingCookie::Absent, loader.clone());
    assert!(s.is_empty());
    assert_eq!(calls(&loader), 0);
    assert_eq!(s.lock().origin(), None);
}

#[test]
fn poisoned_lock_is_recovered() {
    let s = Session::new();
    s.insert("a", 1).unwrap();
    let clone = s.clone();
    let result = std::thread::spawn(move || {
        let _guard = clone.lock();
        panic!("handler panicked while holding the session");
    })
    .join();
    assert!(result.is_err());
    assert!(s.inner.is_poisoned());
    assert_eq!(s.get::<u8>("a").unwrap(), Some(1));
    s.insert("b", 2).unwrap();
    assert_eq!(s.len(), 2);
}

#[test]
fn debug_shows_keys_not_values() {
    let s = Session::new();
    s.insert("password_hint", "hunter2").unwrap();
    let dbg = format!("{s:?}");
    assert!(dbg.contains("password_hint") && !dbg.contains("hunter2"), "{dbg}");
    let (pending, _) = lazy("secret-cookie-value");
    let dbg = format!("{pending:?}");
    assert!(dbg.contains("present") && !dbg.contains("secret-cookie-value"), "{dbg}");
}

#[test]
fn session_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<Session>();
}

/// Found by the `session_cookie` fuzz target: serde_json (with `raw_value`, on in our builds) reads
/// an object whose first key is its raw-value token as raw JSON text, so a session holding that key
/// was written out and then read back as invalid: an empty session, the user logged out. The key
/// is refused where it comes in, at the top level and inside values, and the session is unchanged.
#[test]
fn the_raw_value_token_is_refused_as_a_key_anywhere() {
    const TOKEN: &str = "$serde_json::private::RawValue";
    assert!(serde_json::from_str::<Value>(&format!(r#"{{"{TOKEN}": "x"}}"#)).is_err(), "the quirk this guards against");
    let s = Session::new();
    s.insert("kept", 1).unwrap();
    let err = s.insert(TOKEN, "x").unwrap_err();
    assert_eq!(err.key(), TOKEN);
    assert!(err.to_string().contains("reserved by serde_json"), "{err}");
    let nested = serde_json::json!({"draft": [{"ok": 1}, {TOKEN: "[1]"}]});
    assert!(matches!(s.insert("form", nested), Err(SessionError::Serialize { .. })));
    assert_eq!(s.keys(), ["kept"]);
    // A key that merely contains it is fine.
    s.insert(format!("{TOKEN}x"), serde_json::json!({"a": TOKEN})).unwrap();
}

/// A loader that returns the map it holds.
struct MapLoader(Map<String, Value>);

impl Load for MapLoader {
    fn load(&self, _: IncomingCookie) -> Option<Decoded> {
        Some(Decoded { data: self.0.clone(), issued_at: 10, created_at: Some(5), key_index: 0 })
    }
}

#[test]
fn lookups_agree_below_and_past_the_scan_limit() {
    // `find` compares keys one by one up to SCAN_LIMIT and hashes past it: both paths must see
    // every key and miss absent ones (prefixes and extensions of present ones among them); an
    // insert must change the session only when the value differs, and keep the key's position.
    for len in 0..=SCAN_LIMIT + 3 {
        let data: Map<String, Value> = (0..len).map(|n| (format!("key{n}"), json!(n))).collect();
        let session = || Session::pending(IncomingCookie::One("c".to_owned()), Arc::new(MapLoader(data.clone())));
        let s = session();
        for n in 0..len {
            assert_eq!(s.get::<usize>(&format!("key{n}")).unwrap(), Some(n), "key{n} of {len}");
            assert!(s.contains_key(&format!("key{n}")));
        }
        for absent in ["key", "ke", "", "KEY0", &format!("key{len}"), "key00"] {
            assert_eq!(s.get_value(absent), None, "{absent:?} of {len}");
            assert!(!s.contains_key(absent), "{absent:?} of {len}");
        }
        assert!(!s.was_changed());
        for n in 0..len {
            s.insert(format!("key{n}"), n).unwrap();
        }
        assert!(!s.was_changed(), "the same values again change nothing ({len} keys)");
        if len > 0 {
            s.insert("key0", "new").unwrap();
            assert!(s.was_changed());
            assert_eq!(s.keys().first().map(String::as_str), Some("key0"), "an update keeps the position");
            assert_eq!(s.get::<String>("key0").unwrap().as_deref(), Some("new"));
        }
        let s = session();
        s.insert("added", 1).unwrap();
        assert!(s.was_changed());
        assert_eq!(s.keys().last().map(String::as_str), Some("added"));
    }
}
