//! The [`SessionStore`] conformance suite: one call checks every rule of the store contract against
//! any store, yours included.
//!
//! ```
//! use ravyn_session::MemoryStore;
//!
//! #[tokio::test]
//! async fn my_store_keeps_the_contract() {
//!     ravyn_session::testing::run(&MemoryStore::new()).await;
//! }
//! ```
//!
//! [`run`] panics with a message naming the broken rule (a test failure), and takes about 2.5 s
//! because the expiry checks wait for real TTLs to elapse. Every record it writes is under a fresh
//! random id and is deleted or expires within seconds, so it may run against a shared backend
//! (give a Redis store a test key prefix anyway). The checks are also public one by one.

use std::time::Duration;

use futures_util::future::join_all;
use serde_json::{json, Map, Value};

use crate::store::{Record, SessionId, SessionStore};

/// Runs every check below against `store`; panics on the first contract violation.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// ravyn_session::testing::run(&ravyn_session::MemoryStore::new()).await;
/// # }
/// ```
pub async fn run<S: SessionStore + ?Sized>(store: &S) {
    // The slow check first, concurrently with the rest: it mostly waits.
    let expiry = expiry(store);
    let rest = async {
        missing_is_none(store).await;
        save_then_load(store).await;
        save_replaces_whole(store).await;
        delete(store).await;
        ids_are_independent(store).await;
        rich_values_round_trip(store).await;
        concurrent_operations(store).await;
    };
    tokio::join!(expiry, rest);
}

fn id() -> SessionId {
    SessionId::random().expect("system random generator")
}

fn record(data: Value, created_at: u64, issued_at: u64) -> Record {
    let Value::Object(map) = data else { panic!("test data must be a JSON object") };
    Record::new(map, created_at, issued_at)
}

const MINUTE: Duration = Duration::from_secs(60);

/// `load` of an id never saved is `Ok(None)`, not an error.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// ravyn_session::testing::missing_is_none(&ravyn_session::MemoryStore::new()).await;
/// # }
/// ```
pub async fn missing_is_none<S: SessionStore + ?Sized>(store: &S) {
    let loaded = store.load(&id()).await.expect("contract: load of an unknown id must succeed");
    assert_eq!(loaded, None, "contract: load of an id never saved must be Ok(None)");
}

/// `save` then `load` gives the same record back: data, key order and both times.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// ravyn_session::testing::save_then_load(&ravyn_session::MemoryStore::new()).await;
/// # }
/// ```
pub async fn save_then_load<S: SessionStore + ?Sized>(store: &S) {
    let id = id();
    let saved = record(json!({"user_id": 1, "email": "alice@example.com", "a": true}), 1_700_000_000, 1_700_000_100);
    store.save(&id, &saved, MINUTE).await.expect("contract: save must succeed");
    let loaded = store.load(&id).await.expect("contract: load must succeed");
    assert_eq!(loaded.as_ref(), Some(&saved), "contract: load must return the record saved");
    let keys: Vec<&String> = loaded.as_ref().map(|r| r.data.keys().collect()).unwrap_or_default();
    assert_eq!(keys, ["user_id", "email", "a"], "contract: the data's keys keep their insertion order");
    store.delete(&id).await.expect("contract: delete must succeed");
}

/// A second `save` replaces the record whole: keys it no longer has are gone (no merge).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// ravyn_session::testing::save_replaces_whole(&ravyn_session::MemoryStore::new()).await;
/// # }
/// ```
pub async fn save_replaces_whole<S: SessionStore + ?Sized>(store: &S) {
    let id = id();
    store.save(&id, &record(json!({"a": 1, "b": 2}), 10, 10), MINUTE).await.expect("save");
    let second = record(json!({"c": 3}), 10, 20);
    store.save(&id, &second, MINUTE).await.expect("save");
    assert_eq!(
        store.load(&id).await.expect("load"),
        Some(second),
        "contract: save must replace the whole record, not merge into it"
    );
    store.delete(&id).await.expect("delete");
}

/// `delete` removes the record; deleting again, or deleting an id never saved, is `Ok(())`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// ravyn_session::testing::delete(&ravyn_session::MemoryStore::new()).await;
/// # }
/// ```
pub async fn delete<S: SessionStore + ?Sized>(store: &S) {
    let id = id();
    store.save(&id, &record(json!({"k": "v"}), 1, 1), MINUTE).await.expect("save");
    store.delete(&id).await.expect("contract: delete must succeed");
    assert_eq!(store.load(&id).await.expect("load"), None, "contract: a deleted record must be gone");
    store.delete(&id).await.expect("contract: deleting a deleted id must be Ok(())");
    store.delete(&self::id()).await.expect("contract: deleting an unknown id must be Ok(())");
}

/// Operations on one id never touch another's record.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// ravyn_session::testing::ids_are_independent(&ravyn_session::MemoryStore::new()).await;
/// # }
/// ```
pub async fn ids_are_independent<S: SessionStore + ?Sized>(store: &S) {
    let (a, b) = (id(), id());
    let ra = record(json!({"who": "a"}), 1, 1);
    let rb = record(json!({"who": "b"}), 2, 2);
    store.save(&a, &ra, MINUTE).await.expect("save");
    store.save(&b, &rb, MINUTE).await.expect("save");
    store.delete(&a).await.expect("delete");
    assert_eq!(store.load(&a).await.expect("load"), None);
    assert_eq!(store.load(&b).await.expect("load"), Some(rb), "contract: deleting one id must not touch another");
    store.delete(&b).await.expect("delete");
}

/// Every kind of JSON value survives: nesting, unicode, escapes, big and float numbers, nulls, an
/// empty map, and a 100 KiB value (more than a cookie could ever hold).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// ravyn_session::testing::rich_values_round_trip(&ravyn_session::MemoryStore::new()).await;
/// # }
/// ```
pub async fn rich_values_round_trip<S: SessionStore + ?Sized>(store: &S) {
    let id = id();
    let big = "x".repeat(100 * 1024);
    let saved = record(
        json!({
            "cart": [{"sku": "A1", "qty": 2, "tags": ["a", "b"]}, {"sku": "B2", "qty": null}],
            "name": "Zoë «quoted» \"escaped\" \\ / \n 🦀",
            "max": u64::MAX,
            "min": i64::MIN,
            "pi": 0.1 + 0.2,
            "empty": {},
            "big": big,
        }),
        u64::from(u32::MAX) * 4,
        u64::from(u32::MAX) * 4 + 1,
    );
    store.save(&id, &saved, MINUTE).await.expect("save");
    assert_eq!(store.load(&id).await.expect("load"), Some(saved), "contract: records must round-trip exactly");
    let empty = Record::new(Map::new(), 5, 6);
    store.save(&id, &empty, MINUTE).await.expect("save");
    assert_eq!(store.load(&id).await.expect("load"), Some(empty), "contract: an empty record must round-trip");
    store.delete(&id).await.expect("delete");
}

/// Records expire `ttl` after their last save (to within a second), and a later save sets a new
/// TTL. Waits about 2.5 s of real time.
///
/// ```no_run
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// ravyn_session::testing::expiry(&ravyn_session::MemoryStore::new()).await;
/// # }
/// ```
pub async fn expiry<S: SessionStore + ?Sized>(store: &S) {
    let (short, refreshed) = (id(), id());
    let one = Duration::from_secs(1);
    store.save(&short, &record(json!({"ttl": 1}), 1, 1), one).await.expect("save");
    store.save(&refreshed, &record(json!({"ttl": 1}), 1, 1), one).await.expect("save");
    assert!(store.load(&short).await.expect("load").is_some(), "contract: a record must be there right after save");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let again = record(json!({"ttl": 30}), 1, 2);
    store.save(&refreshed, &again, Duration::from_secs(30)).await.expect("save");
    // 1 s of TTL, plus up to 1 s of whole-second clock rounding, plus margin.
    tokio::time::sleep(Duration::from_millis(2_000)).await;
    assert_eq!(
        store.load(&short).await.expect("load"),
        None,
        "contract: a record must be gone once its TTL (1 s here) has elapsed (allowing 1 s of rounding)"
    );
    assert_eq!(
        store.load(&refreshed).await.expect("load"),
        Some(again),
        "contract: saving again must set a new TTL counted from that save"
    );
    store.delete(&refreshed).await.expect("delete");
}

/// Many concurrent operations: distinct ids all land; concurrent saves of one id leave exactly
/// one of the saved records, whole.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// ravyn_session::testing::concurrent_operations(&ravyn_session::MemoryStore::new()).await;
/// # }
/// ```
pub async fn concurrent_operations<S: SessionStore + ?Sized>(store: &S) {
    let ids: Vec<SessionId> = (0..32).map(|_| id()).collect();
    let writes = ids.iter().enumerate().map(|(i, id)| async move {
        let saved = record(json!({"i": i}), 1, 1);
        store.save(id, &saved, MINUTE).await.expect("save");
        assert_eq!(store.load(id).await.expect("load"), Some(saved), "contract: concurrent saves must all land");
    });
    join_all(writes).await;

    let shared = id();
    let candidates: Vec<Record> =
        (0..16).map(|i| record(json!({"writer": i, "copy": i, "blob": "y".repeat(1000 + i)}), 1, 1)).collect();
    join_all(candidates.iter().map(|r| store.save(&shared, r, MINUTE))).await;
    let last = store.load(&shared).await.expect("load").expect("contract: one of the concurrent saves must remain");
    assert!(candidates.contains(&last), "contract: concurrent saves of one id must leave one whole record, not a mix");
    store.delete(&shared).await.expect("delete");
    join_all(ids.iter().map(|id| store.delete(id))).await;
}
