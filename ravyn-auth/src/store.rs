//! Where single-use refresh tokens and revocations are kept: the [`TokenStore`] trait, its
//! contract, and [`MemoryTokenStore`] (`RedisTokenStore` with the `redis` feature).
//!
//! The store is a **denylist**: issuing tokens writes nothing (a login costs no store round trip);
//! the store only learns of a token when it is used up or revoked, and forgets it once the token
//! would have expired anyway. Two kinds of entry:
//!
//! - a dead **`jti`**: a refresh token that was exchanged (single use), or any token revoked by
//!   logout. Kept until the token's `exp` + leeway.
//! - a dead **family** (`fam`): every token descended from one login. Written when a refresh token
//!   is presented twice (RFC 9700 §4.14.2 reuse detection: one of the two presenters is a thief,
//!   and we cannot tell which) or on logout. Kept for the longest token lifetime + leeway, after
//!   which no token of the family can be alive.
//!
//! ```
//! use ravyn_auth::store::{Consumed, MemoryTokenStore, TokenStore};
//! use std::time::Duration;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), ravyn_auth::StoreError> {
//! let store = MemoryTokenStore::new();
//! let day = Duration::from_secs(86_400);
//! assert_eq!(store.consume("jti-1", "family-a", day, day).await?, Consumed::First);
//! assert_eq!(store.consume("jti-1", "family-a", day, day).await?, Consumed::Reused); // family now dead
//! assert!(store.is_revoked(None, Some("family-a")).await?);
//! assert_eq!(store.consume("jti-2", "family-a", day, day).await?, Consumed::FamilyRevoked);
//! # Ok(())
//! # }
//! ```

pub mod conformance;
mod memory;
#[cfg(feature = "redis")]
mod redis;

use std::fmt::Debug;
use std::time::Duration;

pub use futures_util::future::BoxFuture;
pub use ravyn_session::StoreError;

pub use memory::MemoryTokenStore;
#[cfg(feature = "redis")]
pub use redis::RedisTokenStore;

/// What [`TokenStore::consume`] found.
///
/// ```
/// use ravyn_auth::store::Consumed;
/// assert_ne!(Consumed::First, Consumed::Reused);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Consumed {
    /// This call used the token up: the caller may issue the next pair.
    First,
    /// The token had been used (or revoked) before: this call revoked its family.
    Reused,
    /// The family was already revoked: nothing changed.
    FamilyRevoked,
}

/// Where used refresh tokens and revocations live. Implement it for your own backend and run
/// [`conformance::run`] against it.
///
/// # Contract
///
/// - [`consume`](Self::consume) is **atomic**: it checks the family, then the `jti`, then marks
///   the `jti` dead, with no other operation on the same keys in between. When the family is dead
///   it answers [`Consumed::FamilyRevoked`] and changes nothing; when the `jti` is dead it marks
///   the family dead for `family_ttl` and answers [`Consumed::Reused`]; otherwise it marks the
///   `jti` dead for `jti_ttl` and answers [`Consumed::First`]. Of any number of concurrent calls
///   with one `jti`, exactly one answers `First`.
/// - [`revoke`](Self::revoke) marks the given `jti` and/or family dead, each for its TTL. Marking
///   an already dead entry again may extend its TTL, never shorten it below the new one.
/// - [`is_revoked`](Self::is_revoked) answers whether the `jti` or the family is dead; `None`s are
///   never dead. [`is_revoked_now`](Self::is_revoked_now), where a store implements it, gives
///   the same answer without waiting.
/// - An entry stops being dead once its TTL has elapsed (whole-second precision is fine). TTLs are
///   at least one second.
/// - `Err(StoreError)` means "could not answer" (unreachable, timed out); bound your own time, so
///   an unreachable backend fails within a few seconds rather than hanging the request.
///
/// The trait is object safe (the manager holds an `Arc<dyn TokenStore>`) and async through
/// [`BoxFuture`].
///
/// ```
/// use std::time::Duration;
/// use ravyn_auth::store::{BoxFuture, Consumed, StoreError, TokenStore};
///
/// /// Refuses every refresh: for an app that wants tokens but no refresh.
/// #[derive(Debug)]
/// struct NoRefresh;
///
/// impl TokenStore for NoRefresh {
///     fn consume<'a>(&'a self, _: &'a str, _: &'a str, _: Duration, _: Duration) -> BoxFuture<'a, Result<Consumed, StoreError>> {
///         Box::pin(async { Ok(Consumed::FamilyRevoked) })
///     }
///     fn revoke<'a>(&'a self, _: Option<&'a str>, _: Option<&'a str>, _: Duration, _: Duration) -> BoxFuture<'a, Result<(), StoreError>> {
///         Box::pin(async { Err(StoreError::new("revocation is not supported")) })
///     }
///     fn is_revoked<'a>(&'a self, _: Option<&'a str>, _: Option<&'a str>) -> BoxFuture<'a, Result<bool, StoreError>> {
///         Box::pin(async { Ok(false) })
///     }
/// }
/// ```
pub trait TokenStore: Debug + Send + Sync + 'static {
    /// Uses up refresh token `jti` of `family`, atomically; see the contract.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use ravyn_auth::store::{Consumed, MemoryTokenStore, TokenStore};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), ravyn_auth::StoreError> {
    /// let (store, ttl) = (MemoryTokenStore::new(), Duration::from_secs(60));
    /// assert_eq!(store.consume("jti", "fam", ttl, ttl).await?, Consumed::First);
    /// assert_eq!(store.consume("jti", "fam", ttl, ttl).await?, Consumed::Reused);
    /// # Ok(())
    /// # }
    /// ```
    fn consume<'a>(
        &'a self,
        jti: &'a str,
        family: &'a str,
        jti_ttl: Duration,
        family_ttl: Duration,
    ) -> BoxFuture<'a, Result<Consumed, StoreError>>;

    /// Marks `jti` dead for `jti_ttl` and `family` dead for `family_ttl` (each when given).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use ravyn_auth::store::{MemoryTokenStore, TokenStore};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), ravyn_auth::StoreError> {
    /// let (store, ttl) = (MemoryTokenStore::new(), Duration::from_secs(60));
    /// store.revoke(Some("jti"), None, ttl, ttl).await?;
    /// assert!(store.is_revoked(Some("jti"), Some("other-family")).await?);
    /// # Ok(())
    /// # }
    /// ```
    fn revoke<'a>(
        &'a self,
        jti: Option<&'a str>,
        family: Option<&'a str>,
        jti_ttl: Duration,
        family_ttl: Duration,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Whether `jti` or `family` is dead.
    ///
    /// ```
    /// # use ravyn_auth::store::{MemoryTokenStore, TokenStore};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), ravyn_auth::StoreError> {
    /// assert!(!MemoryTokenStore::new().is_revoked(Some("jti"), Some("fam")).await?);
    /// # Ok(())
    /// # }
    /// ```
    fn is_revoked<'a>(
        &'a self,
        jti: Option<&'a str>,
        family: Option<&'a str>,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// [`is_revoked`](Self::is_revoked)'s answer without waiting, for a store that has it at
    /// hand (in memory): `Some(answer)`, the same as `is_revoked` would give, or `None` (the
    /// default) to say "ask `is_revoked`". The manager asks this first, so checking revocation in
    /// memory on every request costs no boxed future. [`conformance::run`] checks that both agree.
    ///
    /// ```
    /// # use ravyn_auth::store::{MemoryTokenStore, TokenStore};
    /// assert_eq!(MemoryTokenStore::new().is_revoked_now(Some("jti"), None).unwrap().unwrap(), false);
    /// ```
    fn is_revoked_now(&self, jti: Option<&str>, family: Option<&str>) -> Option<Result<bool, StoreError>> {
        let _ = (jti, family);
        None
    }
}
