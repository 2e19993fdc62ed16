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

async fn single_use_and_reuse_revokes_the_family(store: &dyn TokenStore) {
    let (jti, next, family) = (id(), id(), id());
    assert!(!store.is_revoked(Some(&jti), Some(&family)).await.unwrap(), "a fresh jti/family is revoked");
    assert_eq!(store.consume(&jti, &family, DAY, DAY).await.unwrap(), Consumed::First, "first use");
    assert!(store.is_revoked(Some(&jti), None).await.unwrap(), "a used refresh jti must be dead");
    assert!(!store.is_revoked(None, Some(&family)).await.unwrap(), "one use must not kill the family");
    assert_eq!(
        store.consume(&next, &family, DAY, DAY).await.unwrap(),
        Consumed::First,
        "the rotated token's first use"
    );
    assert_eq!(store.consume(&jti, &family, DAY, DAY).await.unwrap(), Consumed::Reused, "second use of a jti");
    assert!(store.is_revoked(None, Some(&family)).await.unwrap(), "reuse must revoke the family");
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
    assert!(!store.is_revoked(Some(&b), Some(&family_b)).await.unwrap(), "revoking one family touched another");
    assert_eq!(store.consume(&b, &family_b, DAY, DAY).await.unwrap(), Consumed::First);
    assert!(!store.is_revoked(None, None).await.unwrap(), "nothing given is never revoked");
}

async fn revoked_jtis_and_families(store: &dyn TokenStore) {
    let (jti, family) = (id(), id());
    store.revoke(Some(&jti), None, DAY, DAY).await.unwrap();
    assert!(store.is_revoked(Some(&jti), None).await.unwrap(), "revoke(jti)");
    assert!(!store.is_revoked(None, Some(&family)).await.unwrap(), "revoke(jti) touched a family");
    assert_eq!(
        store.consume(&jti, &family, DAY, DAY).await.unwrap(),
        Consumed::Reused,
        "a revoked refresh jti is reuse"
    );
    let other = id();
    store.revoke(None, Some(&other), DAY, DAY).await.unwrap();
    assert!(store.is_revoked(Some(&id()), Some(&other)).await.unwrap(), "revoke(family)");
    store.revoke(None, None, DAY, DAY).await.unwrap();
}

async fn concurrent_consumes_give_exactly_one_first(store: &dyn TokenStore) {
    let (jti, family) = (id(), id());
    let outcomes = join_all((0..20).map(|_| store.consume(&jti, &family, DAY, DAY))).await;
    let firsts = outcomes.iter().filter(|o| matches!(o, Ok(Consumed::First))).count();
    assert_eq!(firsts, 1, "20 concurrent consumes of one jti: {outcomes:?}");
    assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
    assert!(store.is_revoked(None, Some(&family)).await.unwrap(), "the losers' reuse must revoke the family");
}
