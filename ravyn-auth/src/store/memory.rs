//! [`MemoryTokenStore`]: the denylist in this process's memory.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use ravyn_session::{Clock, SystemClock};

use super::{BoxFuture, Consumed, StoreError, TokenStore};

/// Entries are swept on a write once the map has doubled since the last sweep (and holds at least
/// this many)...
const MIN_SWEEP_LEN: usize = 64;
/// ...or this long after the last sweep.
const SWEEP_INTERVAL: u64 = 60;

/// Used refresh tokens and revocations kept in this process's memory: for a single-process app,
/// development and tests (the default store of a `JWTConfig`). Gone when the process exits and not
/// shared between processes; use `RedisTokenStore` (feature `redis`) to scale out. Clones share
/// the same entries.
///
/// Every operation holds one `std::sync::Mutex` for a few hash-map operations and never across an
/// `.await`, which makes [`consume`](TokenStore::consume) atomic. The store is only written on
/// refresh and logout, and read per request only with `check_revocation`, so one lock is enough
/// (sessions' `MemoryStore` shards because every request may write). Expired entries are removed
/// without a background task: each write sweeps once the map has doubled since the last sweep or a
/// minute has passed, so memory stays bounded by about twice the live entries plus a minute's.
///
/// ```
/// use std::sync::Arc;
/// use ravyn_auth::{ManualClock, MemoryTokenStore};
///
/// let store = MemoryTokenStore::with_clock(Arc::new(ManualClock::new(1_700_000_000)));
/// assert!(store.is_empty());
/// ```
#[derive(Clone)]
pub struct MemoryTokenStore {
    inner: Arc<Inner>,
}

struct Inner {
    state: Mutex<State>,
    clock: Arc<dyn Clock>,
}

#[derive(Default)]
struct State {
    /// Dead `jti`s and families, each with the second at which it stops being dead.
    jtis: HashMap<Box<str>, u64>,
    families: HashMap<Box<str>, u64>,
    len_after_sweep: usize,
    last_sweep: u64,
}

impl State {
    fn is_dead(map: &HashMap<Box<str>, u64>, key: Option<&str>, now: u64) -> bool {
        key.and_then(|k| map.get(k)).is_some_and(|&until| now < until)
    }

    fn mark(map: &mut HashMap<Box<str>, u64>, key: &str, until: u64) {
        let entry = map.entry(key.into()).or_insert(until);
        *entry = (*entry).max(until);
    }

    fn sweep_if_due(&mut self, now: u64) {
        let len = self.jtis.len() + self.families.len();
        if len >= (self.len_after_sweep * 2).max(MIN_SWEEP_LEN) || now.saturating_sub(self.last_sweep) >= SWEEP_INTERVAL
        {
            self.jtis.retain(|_, until| now < *until);
            self.families.retain(|_, until| now < *until);
            self.len_after_sweep = self.jtis.len() + self.families.len();
            self.last_sweep = now;
        }
    }
}

impl std::fmt::Debug for MemoryTokenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryTokenStore").field("entries", &self.len()).finish_non_exhaustive()
    }
}

impl Default for MemoryTokenStore {
    fn default() -> Self {
        MemoryTokenStore::new()
    }
}

impl MemoryTokenStore {
    /// An empty store on the system clock.
    ///
    /// ```
    /// assert!(ravyn_auth::MemoryTokenStore::new().is_empty());
    /// ```
    pub fn new() -> Self {
        MemoryTokenStore::with_clock(Arc::new(SystemClock))
    }

    /// An empty store on `clock` (give it the config's `ManualClock` to test expiry without
    /// sleeping; a `JWTConfig` without a store gets one on its own clock).
    ///
    /// ```
    /// use std::sync::Arc;
    /// let store = ravyn_auth::MemoryTokenStore::with_clock(Arc::new(ravyn_auth::ManualClock::new(0)));
    /// assert_eq!(store.len(), 0);
    /// ```
    pub fn with_clock(clock: Arc<dyn Clock>) -> Self {
        let last_sweep = clock.now();
        let state = State { last_sweep, ..State::default() };
        MemoryTokenStore { inner: Arc::new(Inner { state: Mutex::new(state), clock }) }
    }

    /// How many entries (dead `jti`s and families) are held, expired ones not yet swept included.
    ///
    /// ```
    /// assert_eq!(ravyn_auth::MemoryTokenStore::new().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        let state = self.lock();
        state.jtis.len() + state.families.len()
    }

    /// Whether the store holds no entry.
    ///
    /// ```
    /// assert!(ravyn_auth::MemoryTokenStore::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // No operation can leave the maps half-updated, so a poisoned lock is still consistent.
        self.inner.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn until(&self, now: u64, ttl: Duration) -> u64 {
        now.saturating_add(ttl.as_secs().max(1))
    }
}

impl TokenStore for MemoryTokenStore {
    fn consume<'a>(
        &'a self,
        jti: &'a str,
        family: &'a str,
        jti_ttl: Duration,
        family_ttl: Duration,
    ) -> BoxFuture<'a, Result<Consumed, StoreError>> {
        let now = self.inner.clock.now();
        let outcome = {
            let mut state = self.lock();
            if State::is_dead(&state.families, Some(family), now) {
                Consumed::FamilyRevoked
            } else if State::is_dead(&state.jtis, Some(jti), now) {
                State::mark(&mut state.families, family, self.until(now, family_ttl));
                Consumed::Reused
            } else {
                State::mark(&mut state.jtis, jti, self.until(now, jti_ttl));
                state.sweep_if_due(now);
                Consumed::First
            }
        };
        Box::pin(std::future::ready(Ok(outcome)))
    }

    fn revoke<'a>(
        &'a self,
        jti: Option<&'a str>,
        family: Option<&'a str>,
        jti_ttl: Duration,
        family_ttl: Duration,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let now = self.inner.clock.now();
        {
            let mut state = self.lock();
            if let Some(jti) = jti {
                State::mark(&mut state.jtis, jti, self.until(now, jti_ttl));
            }
            if let Some(family) = family {
                State::mark(&mut state.families, family, self.until(now, family_ttl));
            }
            state.sweep_if_due(now);
        }
        Box::pin(std::future::ready(Ok(())))
    }

    fn is_revoked<'a>(
        &'a self,
        jti: Option<&'a str>,
        family: Option<&'a str>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        let answer = self.is_revoked_now(jti, family).unwrap_or(Ok(false));
        Box::pin(std::future::ready(answer))
    }

    fn is_revoked_now(&self, jti: Option<&str>, family: Option<&str>) -> Option<Result<bool, StoreError>> {
        let now = self.inner.clock.now();
        let state = self.lock();
        Some(Ok(State::is_dead(&state.jtis, jti, now) || State::is_dead(&state.families, family, now)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ravyn_session::ManualClock;

    const DAY: Duration = Duration::from_secs(86_400);

    #[tokio::test]
    async fn passes_the_conformance_suite() {
        super::super::conformance::run(&MemoryTokenStore::new()).await;
    }

    #[tokio::test]
    async fn entries_die_exactly_when_their_ttl_ends_and_are_swept() {
        let clock = Arc::new(ManualClock::new(1_000));
        let store = MemoryTokenStore::with_clock(clock.clone());
        store.revoke(Some("j"), Some("f"), Duration::from_secs(10), Duration::from_secs(20)).await.unwrap();
        clock.set(1_009);
        assert!(store.is_revoked(Some("j"), None).await.unwrap());
        clock.set(1_010);
        assert!(!store.is_revoked(Some("j"), None).await.unwrap(), "jti revoked for 10 s is alive again at +10");
        assert!(store.is_revoked(None, Some("f")).await.unwrap());
        clock.set(1_020);
        assert!(!store.is_revoked(None, Some("f")).await.unwrap());
        // A used refresh token whose marker expired is, by then, expired itself: consuming it again
        // is a fresh use as far as the store knows (the manager refuses it on `exp` first).
        assert_eq!(store.consume("j", "f", DAY, DAY).await.unwrap(), Consumed::First);
        clock.advance(SWEEP_INTERVAL + DAY.as_secs());
        store.revoke(Some("other"), None, DAY, DAY).await.unwrap();
        assert_eq!(store.len(), 1, "expired entries are swept on a write");
    }

    #[tokio::test]
    async fn memory_stays_bounded_without_a_background_task() {
        let clock = Arc::new(ManualClock::new(1_000));
        let store = MemoryTokenStore::with_clock(clock.clone());
        for i in 0..10_000u32 {
            store.revoke(Some(&i.to_string()), None, Duration::from_secs(1), DAY).await.unwrap();
            clock.advance(1);
        }
        assert!(store.len() <= 2 * MIN_SWEEP_LEN, "{} entries held", store.len());
    }
}
