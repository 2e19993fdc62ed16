//! The [`SessionStore`] conformance suite: one call checks every rule of the store contract against
//! any store, yours included.
//!
//! ```
//! use ravyn_session::MemoryStore;
//!
//! #[tokio::test]
//! async fn my_store_keeps_the_contract() {
//!     ravyn_session::conformance::run(&MemoryStore::new()).await;
//! }
//! ```
//!
//! [`run`] panics with a message naming the broken rule (a test failure), and takes about 2.5 s
//! because the expiry checks wait for real TTLs to elapse. Every record it writes is under a fresh
//! random id and is deleted or expires within seconds, so it may run against a shared backend
//! (give a Redis store a test key prefix, a SQL store a table of its own, anyway). The checks are
//! also public one by one.
//!
//! Besides the basic operations, the suite checks that **no write brings a revoked session back**
//! ([`update_after_delete_stays_deleted`], [`create_never_overwrites_a_live_id`],
//! [`cycle_is_atomic`], [`concurrent_cycles_leave_one_live_id`]) in the three situations of the
//! security review's finding M1: a read-only request whose rolling refresh is due finishing after a
//! logout ([`refresh_during_logout_does_not_recreate`]), a request on the old id finishing after
//! `cycle_id()` ([`old_id_stays_dead_after_cycle`]), and a privilege taken away (with `cycle_id()`)
//! while a request holding the older copy is in flight ([`removed_privilege_stays_removed`]).

use std::time::Duration;

use futures_util::future::join_all;
use serde_json::{json, Map, Value};

use crate::store::{CreateOutcome, CycleOutcome, DeleteOutcome, Record, SessionId, SessionStore, UpdateOutcome};

/// Runs every check below against `store`; panics on the first contract violation.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// ravyn_session::conformance::run(&ravyn_session::MemoryStore::new()).await;
/// # }
/// ```
pub async fn run<S: SessionStore + ?Sized>(store: &S) {
    // The slow check first, concurrently with the rest: it mostly waits.
    let expiry = expiry(store);
    let rest = async {
        missing_is_none(store).await;
        create_then_load(store).await;
        create_never_overwrites_a_live_id(store).await;
        update_replaces_whole(store).await;
        update_after_delete_stays_deleted(store).await;
        delete(store).await;
        cycle_is_atomic(store).await;
        concurrent_cycles_leave_one_live_id(store).await;
        refresh_during_logout_does_not_recreate(store).await;
        old_id_stays_dead_after_cycle(store).await;
        removed_privilege_stays_removed(store).await;
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

async fn create<S: SessionStore + ?Sized>(store: &S, id: &SessionId, record: &Record, ttl: Duration) {
    let outcome = store.create(id, record, ttl).await.expect("contract: create must succeed");
    assert_eq!(outcome, CreateOutcome::Created, "contract: create of a fresh id must store the record");
}

async fn load<S: SessionStore + ?Sized>(store: &S, id: &SessionId) -> Option<Record> {
    store.load(id).await.expect("contract: load must succeed")
}

async fn update<S: SessionStore + ?Sized>(store: &S, id: &SessionId, record: &Record) -> UpdateOutcome {
    store.update(id, record, MINUTE).await.expect("contract: update must succeed (Gone is not an error)")
}

async fn delete_id<S: SessionStore + ?Sized>(store: &S, id: &SessionId) -> DeleteOutcome {
    store.delete(id).await.expect("contract: delete must succeed")
}

/// `load` of an id never created is `Ok(None)`, not an error.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// ravyn_session::conformance::missing_is_none(&ravyn_session::MemoryStore::new()).await;
/// # }
/// ```
pub async fn missing_is_none<S: SessionStore + ?Sized>(store: &S) {
    assert_eq!(load(store, &id()).await, None, "contract: load of an id never created must be Ok(None)");
}

/// `create` then `load` gives the same record back: data, key order and both times.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// ravyn_session::conformance::create_then_load(&ravyn_session::MemoryStore::new()).await;
/// # }
/// ```
pub async fn create_then_load<S: SessionStore + ?Sized>(store: &S) {
    let id = id();
    let saved = record(json!({"user_id": 1, "email": "alice@example.com", "a": true}), 1_700_000_000, 1_700_000_100);
    create(store, &id, &saved, MINUTE).await;
    let loaded = load(store, &id).await;
    assert_eq!(loaded.as_ref(), Some(&saved), "contract: load must return the record created");
    let keys: Vec<&String> = loaded.as_ref().map(|r| r.data.keys().collect()).unwrap_or_default();
    assert_eq!(keys, ["user_id", "email", "a"], "contract: the data's keys keep their insertion order");
    delete_id(store, &id).await;
}

/// `create` on an id that has a live record is refused (`IdTaken`) and changes nothing.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// ravyn_session::conformance::create_never_overwrites_a_live_id(&ravyn_session::MemoryStore::new()).await;
/// # }
/// ```
pub async fn create_never_overwrites_a_live_id<S: SessionStore + ?Sized>(store: &S) {
    let id = id();
    let first = record(json!({"user_id": 1}), 10, 10);
    create(store, &id, &first, MINUTE).await;
    let second = record(json!({"user_id": 2}), 20, 20);
    assert_eq!(
        store.create(&id, &second, MINUTE).await.expect("create"),
        CreateOutcome::IdTaken,
        "contract: create on a live id must be refused"
    );
    assert_eq!(load(store, &id).await, Some(first), "contract: a refused create must change nothing");
    delete_id(store, &id).await;
}

/// An `update` replaces the live record whole: keys it no longer has are gone (no merge).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// ravyn_session::conformance::update_replaces_whole(&ravyn_session::MemoryStore::new()).await;
/// # }
/// ```
pub async fn update_replaces_whole<S: SessionStore + ?Sized>(store: &S) {
    let id = id();
    create(store, &id, &record(json!({"a": 1, "b": 2}), 10, 10), MINUTE).await;
    let second = record(json!({"c": 3}), 10, 20);
    assert_eq!(update(store, &id, &second).await, UpdateOutcome::Updated, "contract: update of a live record");
    assert_eq!(load(store, &id).await, Some(second), "contract: update must replace the whole record, not merge");
    delete_id(store, &id).await;
}

/// An `update` after a `delete` (a logout that landed while the request ran) reports `Gone` and
/// leaves the session deleted; so does an update of an id never created.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// ravyn_session::conformance::update_after_delete_stays_deleted(&ravyn_session::MemoryStore::new()).await;
/// # }
/// ```
pub async fn update_after_delete_stays_deleted<S: SessionStore + ?Sized>(store: &S) {
    let id = id();
    let logged_in = record(json!({"user_id": 1, "cart": [1, 2]}), 10, 10);
    create(store, &id, &logged_in, MINUTE).await;
    assert_eq!(delete_id(store, &id).await, DeleteOutcome::Deleted);
    let late_write = record(json!({"user_id": 1, "cart": [1, 2, 3]}), 10, 20);
    assert_eq!(
        update(store, &id, &late_write).await,
        UpdateOutcome::Gone,
        "contract: update of a deleted record must report Gone"
    );
    assert_eq!(load(store, &id).await, None, "contract: update must never re-create a deleted record");
    let never = self::id();
    assert_eq!(update(store, &never, &late_write).await, UpdateOutcome::Gone, "contract: update of an unknown id");
    assert_eq!(load(store, &never).await, None, "contract: update must never create a record");
}

/// `delete` removes the record and says whether a live one was there; deleting again, or an id
/// never created, succeeds with `NotFound`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// ravyn_session::conformance::delete(&ravyn_session::MemoryStore::new()).await;
/// # }
/// ```
pub async fn delete<S: SessionStore + ?Sized>(store: &S) {
    let id = id();
    create(store, &id, &record(json!({"k": "v"}), 1, 1), MINUTE).await;
    assert_eq!(delete_id(store, &id).await, DeleteOutcome::Deleted, "contract: delete of a live record");
    assert_eq!(load(store, &id).await, None, "contract: a deleted record must be gone");
    assert_eq!(delete_id(store, &id).await, DeleteOutcome::NotFound, "contract: deleting a deleted id");
    assert_eq!(delete_id(store, &self::id()).await, DeleteOutcome::NotFound, "contract: deleting an unknown id");
}

/// `cycle` moves a live record to the new id and kills the old one; it refuses a taken new id
/// and an old id that is gone, changing nothing in either case.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// ravyn_session::conformance::cycle_is_atomic(&ravyn_session::MemoryStore::new()).await;
/// # }
/// ```
pub async fn cycle_is_atomic<S: SessionStore + ?Sized>(store: &S) {
    let (old, new) = (id(), id());
    create(store, &old, &record(json!({"anonymous": true}), 10, 10), MINUTE).await;
    let logged_in = record(json!({"anonymous": true, "user_id": 1}), 10, 20);
    let outcome = store.cycle(&old, &new, &logged_in, MINUTE).await.expect("contract: cycle must succeed");
    assert_eq!(outcome, CycleOutcome::Cycled, "contract: cycle of a live record");
    assert_eq!(load(store, &old).await, None, "contract: after cycle the old id is dead");
    assert_eq!(load(store, &new).await.as_ref(), Some(&logged_in), "contract: after cycle the new id holds the record");

    // The new id is taken: nothing changes.
    let taken = id();
    let other = record(json!({"someone": "else"}), 1, 1);
    create(store, &taken, &other, MINUTE).await;
    let outcome = store.cycle(&new, &taken, &logged_in, MINUTE).await.expect("cycle");
    assert_eq!(outcome, CycleOutcome::IdTaken, "contract: cycle to a live id must be refused");
    assert_eq!(load(store, &taken).await, Some(other), "contract: a refused cycle must not touch the taken id");
    assert_eq!(load(store, &new).await, Some(logged_in.clone()), "contract: a refused cycle must keep the old id");

    // The old id was deleted meanwhile: neither id is live afterwards.
    delete_id(store, &new).await;
    let newer = id();
    let outcome = store.cycle(&new, &newer, &logged_in, MINUTE).await.expect("cycle");
    assert_eq!(outcome, CycleOutcome::Gone, "contract: cycle of a deleted record must report Gone");
    assert_eq!(load(store, &new).await, None, "contract: a cycle must not revive the old id");
    assert_eq!(load(store, &newer).await, None, "contract: a cycle of a deleted session must not create the new id");
    delete_id(store, &taken).await;
}

/// Many concurrent cycles of one id, each to its own new id: exactly one succeeds, the others
/// report `Gone`, and afterwards exactly one id is live: the winner's.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// ravyn_session::conformance::concurrent_cycles_leave_one_live_id(&ravyn_session::MemoryStore::new()).await;
/// # }
/// ```
pub async fn concurrent_cycles_leave_one_live_id<S: SessionStore + ?Sized>(store: &S) {
    for round in 0..4 {
        let old = id();
        create(store, &old, &record(json!({"round": round}), 1, 1), MINUTE).await;
        let news: Vec<SessionId> = (0..8).map(|_| id()).collect();
        let records: Vec<Record> =
            (0..news.len()).map(|i| record(json!({"round": round, "winner": i}), 1, 2)).collect();
        let outcomes = join_all(news.iter().zip(&records).map(|(new, r)| store.cycle(&old, new, r, MINUTE))).await;
        let outcomes: Vec<CycleOutcome> =
            outcomes.into_iter().map(|o| o.expect("contract: cycle must succeed")).collect();
        let winners: Vec<usize> = (0..outcomes.len()).filter(|&i| outcomes[i] == CycleOutcome::Cycled).collect();
        assert_eq!(winners.len(), 1, "contract: of concurrent cycles of one id exactly one succeeds: {outcomes:?}");
        assert!(
            outcomes.iter().all(|o| matches!(o, CycleOutcome::Cycled | CycleOutcome::Gone)),
            "contract: the losers of concurrent cycles report Gone: {outcomes:?}"
        );
        assert_eq!(load(store, &old).await, None, "contract: the old id is dead after concurrent cycles");
        let mut live = Vec::new();
        for (i, new) in news.iter().enumerate() {
            if let Some(found) = load(store, new).await {
                assert_eq!(found, records[i], "contract: a cycled id holds its own cycle's record");
                live.push(i);
            }
        }
        assert_eq!(live, winners, "contract: exactly one id is live after concurrent cycles: the winner's");
        join_all(news.iter().map(|new| store.delete(new))).await;
    }
}

/// M1 (a): a read-only request whose rolling refresh is due loads the session, a logout deletes
/// it, and the refresh (an update of the unchanged data with a new issue time) lands afterwards:
/// it reports `Gone` and the session stays logged out.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// ravyn_session::conformance::refresh_during_logout_does_not_recreate(&ravyn_session::MemoryStore::new()).await;
/// # }
/// ```
pub async fn refresh_during_logout_does_not_recreate<S: SessionStore + ?Sized>(store: &S) {
    let id = id();
    create(store, &id, &record(json!({"user_id": 1}), 1_000, 1_000), MINUTE).await;
    // Request A (GET /profile) loads the record...
    let loaded = load(store, &id).await.expect("contract: the record is live");
    // ...request B (POST /logout) deletes it...
    assert_eq!(delete_id(store, &id).await, DeleteOutcome::Deleted);
    // ...and A's rolling refresh lands last.
    let refreshed = Record::new(loaded.data, loaded.created_at, 2_000);
    assert_eq!(update(store, &id, &refreshed).await, UpdateOutcome::Gone, "contract: a refresh after logout is Gone");
    assert_eq!(load(store, &id).await, None, "contract: a rolling refresh must not re-create a logged-out session");
}

/// M1 (b): request A loads the session under the old id, request B cycles it (login, privilege
/// change), and A's write under the old id lands afterwards: `Gone`, the old id stays dead, and
/// the new id keeps B's record.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// ravyn_session::conformance::old_id_stays_dead_after_cycle(&ravyn_session::MemoryStore::new()).await;
/// # }
/// ```
pub async fn old_id_stays_dead_after_cycle<S: SessionStore + ?Sized>(store: &S) {
    let (old, new) = (id(), id());
    create(store, &old, &record(json!({"cart": [1]}), 1, 1), MINUTE).await;
    let in_flight = load(store, &old).await.expect("contract: the record is live");
    let logged_in = record(json!({"cart": [1], "user_id": 1}), 1, 2);
    assert_eq!(store.cycle(&old, &new, &logged_in, MINUTE).await.expect("cycle"), CycleOutcome::Cycled);
    let mut late = in_flight.data;
    late.insert("cart".into(), json!([1, 2]));
    let late = Record::new(late, 1, 3);
    assert_eq!(update(store, &old, &late).await, UpdateOutcome::Gone, "contract: a write to a cycled-away id is Gone");
    assert_eq!(load(store, &old).await, None, "contract: the old id must stay dead after cycle");
    assert_eq!(load(store, &new).await, Some(logged_in), "contract: the new id is untouched by the late write");
    delete_id(store, &new).await;
}

/// M1 (c): requests A and B load a session holding `is_admin`; A takes the privilege away
/// (`remove("is_admin")` with `cycle_id()`, as the store docs tell) while B, holding the older
/// copy, writes too. Whichever lands first, `is_admin` is not back afterwards: not under the new
/// id, and the old id is dead. Checked in both orders and with both writes in flight at once.
///
/// (Without `cycle_id()`, two updates of a live session are last-writer-wins; see the `store`
/// module doc.)
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// ravyn_session::conformance::removed_privilege_stays_removed(&ravyn_session::MemoryStore::new()).await;
/// # }
/// ```
pub async fn removed_privilege_stays_removed<S: SessionStore + ?Sized>(store: &S) {
    let admin = record(json!({"user_id": 1, "is_admin": true}), 1, 1);
    let demoted = record(json!({"user_id": 1}), 1, 2);
    let stale = record(json!({"user_id": 1, "is_admin": true, "last_seen": 2}), 1, 2);
    for order in ["demotion first", "stale write first", "together"] {
        let (old, new) = (id(), id());
        create(store, &old, &admin, MINUTE).await;
        let (cycled, stale_write) = match order {
            "demotion first" => {
                let cycled = store.cycle(&old, &new, &demoted, MINUTE).await.expect("cycle");
                (cycled, update(store, &old, &stale).await)
            }
            "stale write first" => {
                let stale_write = update(store, &old, &stale).await;
                (store.cycle(&old, &new, &demoted, MINUTE).await.expect("cycle"), stale_write)
            }
            _ => {
                let (cycled, stale_write) =
                    tokio::join!(store.cycle(&old, &new, &demoted, MINUTE), store.update(&old, &stale, MINUTE));
                (cycled.expect("cycle"), stale_write.expect("update"))
            }
        };
        assert_eq!(cycled, CycleOutcome::Cycled, "{order}: the demotion's cycle must succeed");
        let _ = stale_write; // either outcome is fine; what matters is what is left
        assert_eq!(load(store, &old).await, None, "{order}: contract: the old id (with is_admin) must be dead");
        let left = load(store, &new).await.expect("the demoted session lives under the new id");
        assert!(!left.data.contains_key("is_admin"), "{order}: contract: a removed privilege came back: {left:?}");
        delete_id(store, &new).await;
    }
}

/// Operations on one id never touch another's record.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// ravyn_session::conformance::ids_are_independent(&ravyn_session::MemoryStore::new()).await;
/// # }
/// ```
pub async fn ids_are_independent<S: SessionStore + ?Sized>(store: &S) {
    let (a, b) = (id(), id());
    let ra = record(json!({"who": "a"}), 1, 1);
    let rb = record(json!({"who": "b"}), 2, 2);
    create(store, &a, &ra, MINUTE).await;
    create(store, &b, &rb, MINUTE).await;
    update(store, &a, &record(json!({"who": "a2"}), 1, 3)).await;
    delete_id(store, &a).await;
    assert_eq!(load(store, &a).await, None);
    assert_eq!(load(store, &b).await, Some(rb), "contract: writing or deleting one id must not touch another");
    delete_id(store, &b).await;
}

/// Every kind of JSON value survives: nesting, unicode, escapes, big and float numbers, nulls, an
/// empty map, and a 100 KiB value (more than a cookie could ever hold).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// ravyn_session::conformance::rich_values_round_trip(&ravyn_session::MemoryStore::new()).await;
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
            "zebra": 1,
            "apple": 2,
            "big": big,
        }),
        u64::from(u32::MAX) * 4,
        u64::from(u32::MAX) * 4 + 1,
    );
    create(store, &id, &saved, MINUTE).await;
    let loaded = load(store, &id).await;
    assert_eq!(loaded, Some(saved.clone()), "contract: records must round-trip exactly");
    let keys: Vec<String> = loaded.map(|r| r.data.keys().cloned().collect()).unwrap_or_default();
    let expected: Vec<String> = saved.data.keys().cloned().collect();
    assert_eq!(keys, expected, "contract: key order must survive (no re-sorting)");
    let empty = Record::new(Map::new(), 5, 6);
    assert_eq!(update(store, &id, &empty).await, UpdateOutcome::Updated);
    assert_eq!(load(store, &id).await, Some(empty), "contract: an empty record must round-trip");
    delete_id(store, &id).await;
}

/// Records expire `ttl` after their last write (to within a second): a later update sets a new
/// TTL; an expired record cannot be updated or cycled (`Gone`), is not reported as deleted, and
/// its id may be created afresh. Waits about 2.5 s of real time.
///
/// ```no_run
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// ravyn_session::conformance::expiry(&ravyn_session::MemoryStore::new()).await;
/// # }
/// ```
pub async fn expiry<S: SessionStore + ?Sized>(store: &S) {
    let (short, refreshed, to_update, to_cycle, to_delete, to_create) = (id(), id(), id(), id(), id(), id());
    let one = Duration::from_secs(1);
    let r = record(json!({"ttl": 1}), 1, 1);
    for id in [&short, &refreshed, &to_update, &to_cycle, &to_delete, &to_create] {
        create(store, id, &r, one).await;
    }
    assert!(load(store, &short).await.is_some(), "contract: a record must be there right after create");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let again = record(json!({"ttl": 30}), 1, 2);
    assert_eq!(
        store.update(&refreshed, &again, Duration::from_secs(30)).await.expect("update"),
        UpdateOutcome::Updated
    );
    // 1 s of TTL, plus up to 1 s of whole-second clock rounding, plus margin.
    tokio::time::sleep(Duration::from_millis(2_000)).await;
    assert_eq!(
        load(store, &short).await,
        None,
        "contract: a record must be gone once its TTL (1 s here) has elapsed (allowing 1 s of rounding)"
    );
    assert_eq!(load(store, &refreshed).await, Some(again), "contract: update must set a new TTL counted from then");
    assert_eq!(
        update(store, &to_update, &r).await,
        UpdateOutcome::Gone,
        "contract: an expired record cannot be updated"
    );
    assert_eq!(load(store, &to_update).await, None, "contract: update must not revive an expired record");
    let new = id();
    assert_eq!(
        store.cycle(&to_cycle, &new, &r, MINUTE).await.expect("cycle"),
        CycleOutcome::Gone,
        "contract: an expired record cannot be cycled"
    );
    assert_eq!(load(store, &new).await, None, "contract: cycling an expired record must not create the new id");
    assert_eq!(delete_id(store, &to_delete).await, DeleteOutcome::NotFound, "contract: an expired record is not live");
    let fresh = record(json!({"fresh": true}), 5, 5);
    create(store, &to_create, &fresh, MINUTE).await;
    assert_eq!(load(store, &to_create).await, Some(fresh), "contract: create may reuse an expired record's id");
    delete_id(store, &refreshed).await;
    delete_id(store, &to_create).await;
}

/// Many concurrent operations: distinct ids all land; concurrent updates of one id leave exactly
/// one of the written records, whole.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// ravyn_session::conformance::concurrent_operations(&ravyn_session::MemoryStore::new()).await;
/// # }
/// ```
pub async fn concurrent_operations<S: SessionStore + ?Sized>(store: &S) {
    let ids: Vec<SessionId> = (0..32).map(|_| id()).collect();
    let writes = ids.iter().enumerate().map(|(i, id)| async move {
        let saved = record(json!({"i": i}), 1, 1);
        create(store, id, &saved, MINUTE).await;
        assert_eq!(load(store, id).await, Some(saved), "contract: concurrent creates must all land");
    });
    join_all(writes).await;

    let shared = id();
    create(store, &shared, &record(json!({"writer": "none"}), 1, 1), MINUTE).await;
    let candidates: Vec<Record> =
        (0..16).map(|i| record(json!({"writer": i, "copy": i, "blob": "y".repeat(1000 + i)}), 1, 1)).collect();
    let outcomes = join_all(candidates.iter().map(|r| store.update(&shared, r, MINUTE))).await;
    assert!(
        outcomes.iter().all(|o| matches!(o, Ok(UpdateOutcome::Updated))),
        "contract: concurrent updates of a live record all succeed: {outcomes:?}"
    );
    let last = load(store, &shared).await.expect("contract: one of the concurrent updates must remain");
    assert!(
        candidates.contains(&last),
        "contract: concurrent updates of one id must leave one whole record, not a mix"
    );
    delete_id(store, &shared).await;
    join_all(ids.iter().map(|id| store.delete(id))).await;
}

#[cfg(test)]
mod tests {
    //! The suite must fail the stores it exists to catch: the pre-contract upsert, and a cycle done
    //! as "write the new id, then delete the old one" without checking the old one was live.

    use super::*;
    use crate::store::BoxFuture;
    use crate::{MemoryStore, StoreError};

    /// Today's bug, on purpose: `update` writes whether or not the record is still there.
    #[derive(Debug, Default)]
    struct Upserting(MemoryStore);

    /// Cycles by delete-then-create, not checking that the old id was live.
    #[derive(Debug, Default)]
    struct BlindCycle(MemoryStore);

    impl SessionStore for Upserting {
        fn load<'a>(&'a self, id: &'a SessionId) -> BoxFuture<'a, Result<Option<Record>, StoreError>> {
            self.0.load(id)
        }
        fn create<'a>(
            &'a self,
            id: &'a SessionId,
            r: &'a Record,
            ttl: Duration,
        ) -> BoxFuture<'a, Result<CreateOutcome, StoreError>> {
            self.0.create(id, r, ttl)
        }
        fn update<'a>(
            &'a self,
            id: &'a SessionId,
            r: &'a Record,
            ttl: Duration,
        ) -> BoxFuture<'a, Result<UpdateOutcome, StoreError>> {
            Box::pin(async move {
                if self.0.update(id, r, ttl).await? == UpdateOutcome::Gone {
                    self.0.create(id, r, ttl).await?;
                }
                Ok(UpdateOutcome::Updated)
            })
        }
        fn delete<'a>(&'a self, id: &'a SessionId) -> BoxFuture<'a, Result<DeleteOutcome, StoreError>> {
            self.0.delete(id)
        }
    }

    impl SessionStore for BlindCycle {
        fn load<'a>(&'a self, id: &'a SessionId) -> BoxFuture<'a, Result<Option<Record>, StoreError>> {
            self.0.load(id)
        }
        fn create<'a>(
            &'a self,
            id: &'a SessionId,
            r: &'a Record,
            ttl: Duration,
        ) -> BoxFuture<'a, Result<CreateOutcome, StoreError>> {
            self.0.create(id, r, ttl)
        }
        fn update<'a>(
            &'a self,
            id: &'a SessionId,
            r: &'a Record,
            ttl: Duration,
        ) -> BoxFuture<'a, Result<UpdateOutcome, StoreError>> {
            self.0.update(id, r, ttl)
        }
        fn cycle<'a>(
            &'a self,
            old: &'a SessionId,
            new: &'a SessionId,
            r: &'a Record,
            ttl: Duration,
        ) -> BoxFuture<'a, Result<CycleOutcome, StoreError>> {
            Box::pin(async move {
                self.0.delete(old).await?;
                self.0.create(new, r, ttl).await?;
                Ok(CycleOutcome::Cycled)
            })
        }
        fn delete<'a>(&'a self, id: &'a SessionId) -> BoxFuture<'a, Result<DeleteOutcome, StoreError>> {
            self.0.delete(id)
        }
    }

    #[tokio::test]
    #[should_panic(expected = "update of a deleted record must report Gone")]
    async fn an_upserting_update_fails_update_after_delete() {
        update_after_delete_stays_deleted(&Upserting::default()).await;
    }

    #[tokio::test]
    #[should_panic(expected = "a refresh after logout is Gone")]
    async fn an_upserting_update_fails_the_refresh_during_logout_case() {
        refresh_during_logout_does_not_recreate(&Upserting::default()).await;
    }

    #[tokio::test]
    #[should_panic(expected = "a write to a cycled-away id is Gone")]
    async fn an_upserting_update_fails_the_old_id_after_cycle_case() {
        old_id_stays_dead_after_cycle(&Upserting::default()).await;
    }

    #[tokio::test]
    #[should_panic(expected = "exactly one succeeds")]
    async fn a_blind_cycle_fails_the_concurrent_cycles_case() {
        concurrent_cycles_leave_one_live_id(&BlindCycle::default()).await;
    }

    #[tokio::test]
    #[should_panic(expected = "cycle to a live id must be refused")]
    async fn a_blind_cycle_fails_cycle_is_atomic() {
        cycle_is_atomic(&BlindCycle::default()).await;
    }

    #[tokio::test]
    #[should_panic(expected = "the old id (with is_admin) must be dead")]
    async fn an_upserting_update_fails_the_removed_privilege_case() {
        removed_privilege_stays_removed(&Upserting::default()).await;
    }

    /// The provided `cycle` (create the new id, then delete the old) keeps the contract: a store
    /// that implements only the four required methods passes the whole suite.
    #[derive(Debug, Default)]
    struct FourMethods(MemoryStore);

    impl SessionStore for FourMethods {
        fn load<'a>(&'a self, id: &'a SessionId) -> BoxFuture<'a, Result<Option<Record>, StoreError>> {
            self.0.load(id)
        }
        fn create<'a>(
            &'a self,
            id: &'a SessionId,
            r: &'a Record,
            ttl: Duration,
        ) -> BoxFuture<'a, Result<CreateOutcome, StoreError>> {
            self.0.create(id, r, ttl)
        }
        fn update<'a>(
            &'a self,
            id: &'a SessionId,
            r: &'a Record,
            ttl: Duration,
        ) -> BoxFuture<'a, Result<UpdateOutcome, StoreError>> {
            self.0.update(id, r, ttl)
        }
        fn delete<'a>(&'a self, id: &'a SessionId) -> BoxFuture<'a, Result<DeleteOutcome, StoreError>> {
            self.0.delete(id)
        }
    }

    #[tokio::test]
    async fn the_provided_cycle_passes_the_suite() {
        run(&FourMethods::default()).await;
    }
}
