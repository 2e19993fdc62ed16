//! The [`TokenStore`] conformance suite: [`run`] checks a store against the trait's contract.
//!
//! It uses fresh random ids, so it can run against a store shared with other tests or apps (give a
//! Redis store its own key prefix anyway). It does not wait for TTLs to pass; each store tests its
//! own expiry with its own clock.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! ravyn_auth::store::conformance::run(&ravyn_auth::MemoryTokenStore::new()).await;
//! # }
//! ```

// A test suite: a panic with a message is its report.
#![allow(clippy::unwrap_used, clippy::missing_panics_doc)]

use std::time::Duration;

use futures_util::future::join_all;

use super::{Consumed, TokenStore};
use crate::random::random_id;

const DAY: Duration = Duration::from_secs(86_400);

fn id() -> String {
    random_id().expect("the OS random generator works")
}

/// Runs every check of the contract against `store`, panicking with a message on the first
/// violation.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let store = ravyn_auth::MemoryTokenStore::new();
/// ravyn_auth::store::conformance::run(&store).await;
/// # }
/// ```
pub async fn run(store: &dyn TokenStore) {
    single_use_and_reuse_revokes_the_family(store).await;
    families_and_jtis_are_independent(store).await;
    revoked_jtis_and_families(store).await;
    concurrent_consumes_give_exactly_one_first(store).await;
}

/// `is_revoked`, checked against `is_revoked_now` where the store answers that.
async fn revoked(store: &dyn TokenStore, jti: Option<&str>, family: Option<&str>) -> bool {
    let answer = store.is_revoked(jti, family).await.unwrap();
    if let Some(now) = store.is_revoked_now(jti, family) {
        assert_eq!(now.unwrap(), answer, "is_revoked_now disagrees with is_revoked for {jti:?}, {family:?}");
    }
    answer
}

async fn single_use_and_reuse_revokes_the_family(store: &dyn TokenStore) {
    let (jti, next, family) = (id(), id(), id());
    assert!(!revoked(store, Some(&jti), Some(&family)).await, "a fresh jti/family is revoked");
    assert_eq!(store.consume(&jti, &family, DAY, DAY).await.unwrap(), Consumed::First, "first use");
    assert!(revoked(store, Some(&jti), None).await, "a used refresh jti must be dead");
    assert!(!revoked(store, None, Some(&family)).await, "one use must not kill the family");
    assert_eq!(
        store.consume(&next, &family, DAY, DAY).await.unwrap(),
        Consumed::First,
        "the rotated token's first use"
    );
    assert_eq!(store.consume(&jti, &family, DAY, DAY).await.unwrap(), Consumed::Reused, "second use of a jti");
    assert!(revoked(store, None, Some(&family)).await, "reuse must revoke the family");
    assert_eq!(
        store.consume(&id(), &family, DAY, DAY).await.unwrap(),
        Consumed::FamilyRevoked,
        "a token of a revoked family"
    );
}

async fn families_and_jtis_are_independent(store: &dyn TokenStore) {
    let (a, b, family_a, family_b) = (id(), id(), id(), id());
    store.consume(&a, &family_a, DAY, DAY).await.unwrap();
    store.consume(&a, &family_a, DAY, DAY).await.unwrap();
    assert!(!revoked(store, Some(&b), Some(&family_b)).await, "revoking one family touched another");
    assert_eq!(store.consume(&b, &family_b, DAY, DAY).await.unwrap(), Consumed::First);
    assert!(!revoked(store, None, None).await, "nothing given is never revoked");
}

async fn revoked_jtis_and_families(store: &dyn TokenStore) {
    let (jti, family) = (id(), id());
    store.revoke(Some(&jti), None, DAY, DAY).await.unwrap();
    assert!(revoked(store, Some(&jti), None).await, "revoke(jti)");
    assert!(!revoked(store, None, Some(&family)).await, "revoke(jti) touched a family");
    assert_eq!(
        store.consume(&jti, &family, DAY, DAY).await.unwrap(),
        Consumed::Reused,
        "a revoked refresh jti is reuse"
    );
    let other = id();
    store.revoke(None, Some(&other), DAY, DAY).await.unwrap();
    assert!(revoked(store, Some(&id()), Some(&other)).await, "revoke(family)");
    store.revoke(None, None, DAY, DAY).await.unwrap();
}

async fn concurrent_consumes_give_exactly_one_first(store: &dyn TokenStore) {
    let (jti, family) = (id(), id());
    let outcomes = join_all((0..20).map(|_| store.consume(&jti, &family, DAY, DAY))).await;
    let firsts = outcomes.iter().filter(|o| matches!(o, Ok(Consumed::First))).count();
    assert_eq!(firsts, 1, "20 concurrent consumes of one jti: {outcomes:?}");
    assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
    assert!(revoked(store, None, Some(&family)).await, "the losers' reuse must revoke the family");
}
