//! [`MemoryStore`]: sessions in this process's memory, for one process and for tests.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use super::{BoxFuture, Record, SessionId, SessionStore, StoreError};
use crate::clock::{Clock, SystemClock};

/// Shards: enough that requests on different cores rarely meet on one lock.
const SHARDS: usize = 64;
/// A shard is swept on a save when it holds twice as many entries as after its last sweep (and at
/// least this many)...
const MIN_SWEEP_LEN: usize = 64;
/// ...or when this long has passed since its last sweep and a save comes in.
const SWEEP_INTERVAL: u64 = 60;

/// Sessions kept in this process's memory: for a single-process app, development and tests.
///
/// Sessions vanish when the process exits and are not shared between processes; use
/// `RedisStore` (feature `redis`) to scale out. Clones share the same sessions.
///
/// **Expiry.** A record expires `ttl` after its last save (to the whole second, by the store's
/// [`Clock`]). An expired record is never returned, and its memory is reclaimed without a
/// background task: a load that finds it removes it, and each shard is swept (every expired entry
/// removed) on a save once it has doubled in size since its last sweep or 60 s have passed. So the
/// memory held is bounded by about twice the live sessions plus one minute of new ones, however
/// many sessions have expired. [`purge_expired`](Self::purge_expired) sweeps everything at once for
/// those who want a periodic task.
///
/// ```
/// use ravyn_session::{MemoryStore, SessionConfig};
///
/// let store = MemoryStore::new();
/// let config = SessionConfig::new("a-long-random-secret-of-at-least-32-bytes").store(store.clone());
/// assert!(store.is_empty());
/// # let _ = config;
/// ```
#[derive(Clone)]
pub struct MemoryStore {
    inner: Arc<Inner>,
}

struct Inner {
    // Sharded std Mutexes rather than one global lock (or an RwLock, or a concurrent-map crate):
    // every request that uses its session does a load and often a save, so reads and writes are
    // about equally frequent and an RwLock would buy nothing. Each critical section is a single
    // hash-map operation on a shard (an `Arc` clone on load; the record itself is cloned after the
    // lock is released), never held across an `.await`, so a std Mutex is cheaper than an async
    // one. Random ids spread evenly over 64 shards, so two requests contend only when they hit
    // the same shard at the same instant. The occasional sweep is O(shard size) under one shard's
    // lock only. A panic cannot leave a shard's map half-updated, so poisoning is ignored.
    shards: Box<[Mutex<Shard>]>,
    hasher: std::collections::hash_map::RandomState,
    clock: Arc<dyn Clock>,
}

#[derive(Default)]
struct Shard {
    entries: HashMap<SessionId, Entry>,
    /// Entries left after the last sweep: the next one happens at twice this (or MIN_SWEEP_LEN).
    len_after_sweep: usize,
    last_sweep: u64,
}

struct Entry {
    record: Arc<Record>,
    /// Last second at which the record is still returned.
    expires_at: u64,
}

impl Shard {
    fn sweep(&mut self, now: u64) {
        self.entries.retain(|_, entry| entry.expires_at >= now);
        self.len_after_sweep = self.entries.len();
        self.last_sweep = now;
    }

    fn sweep_due(&self, now: u64) -> bool {
        self.entries.len() >= (self.len_after_sweep * 2).max(MIN_SWEEP_LEN)
            || now.saturating_sub(self.last_sweep) >= SWEEP_INTERVAL
    }
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore").field("entries", &self.len()).finish_non_exhaustive()
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        MemoryStore::new()
    }
}

impl MemoryStore {
    /// An empty store on the system clock.
    ///
    /// ```
    /// assert_eq!(ravyn_session::MemoryStore::new().len(), 0);
    /// ```
    pub fn new() -> Self {
        MemoryStore::with_clock(Arc::new(SystemClock))
    }

    /// An empty store on `clock`: give it the config's `ManualClock` to test expiry without
    /// sleeping.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use ravyn_session::ManualClock;
    /// use ravyn_session::MemoryStore;
    ///
    /// let store = MemoryStore::with_clock(Arc::new(ManualClock::new(1_700_000_000)));
    /// assert!(store.is_empty());
    /// ```
    pub fn with_clock(clock: Arc<dyn Clock>) -> Self {
        let now = clock.now();
        let shards = (0..SHARDS).map(|_| Mutex::new(Shard { last_sweep: now, ..Shard::default() })).collect();
        MemoryStore { inner: Arc::new(Inner { shards, hasher: Default::default(), clock }) }
    }

    /// How many records are held, counting expired ones not yet reclaimed.
    ///
    /// ```
    /// assert_eq!(ravyn_session::MemoryStore::new().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.inner.shards.iter().map(|shard| lock(shard).entries.len()).sum()
    }

    /// Whether no record is held.
    ///
    /// ```
    /// assert!(ravyn_session::MemoryStore::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Removes every expired record now, one shard at a time; returns how many were removed.
    /// Never needed for correctness or bounded memory (see the type's doc).
    ///
    /// ```
    /// assert_eq!(ravyn_session::MemoryStore::new().purge_expired(), 0);
    /// ```
    pub fn purge_expired(&self) -> usize {
        let now = self.inner.clock.now();
        self.inner
            .shards
            .iter()
            .map(|shard| {
                let mut shard = lock(shard);
                let before = shard.entries.len();
                shard.sweep(now);
                before - shard.entries.len()
            })
            .sum()
    }

    fn shard(&self, id: &SessionId) -> MutexGuard<'_, Shard> {
        let index = self.inner.hasher.hash_one(id) as usize % SHARDS;
        lock(&self.inner.shards[index])
    }

    fn load_now(&self, id: &SessionId) -> Option<Record> {
        let now = self.inner.clock.now();
        let record = {
            let mut shard = self.shard(id);
            match shard.entries.get(id) {
                Some(entry) if entry.expires_at >= now => Some(entry.record.clone()),
                Some(_) => {
                    shard.entries.remove(id);
                    None
                }
                None => None,
            }
        };
        record.map(Arc::unwrap_or_clone)
    }

    fn save_now(&self, id: &SessionId, record: &Record, ttl: Duration) {
        let now = self.inner.clock.now();
        let entry = Entry { record: Arc::new(record.clone()), expires_at: now.saturating_add(ttl.as_secs().max(1)) };
        let mut shard = self.shard(id);
        shard.entries.insert(id.clone(), entry);
        if shard.sweep_due(now) {
            shard.sweep(now);
        }
    }
}

fn lock(shard: &Mutex<Shard>) -> MutexGuard<'_, Shard> {
    shard.lock().unwrap_or_else(PoisonError::into_inner)
}

impl SessionStore for MemoryStore {
    fn load<'a>(&'a self, id: &'a SessionId) -> BoxFuture<'a, Result<Option<Record>, StoreError>> {
        let record = self.load_now(id);
        Box::pin(async move { Ok(record) })
    }

    fn save<'a>(
        &'a self,
        id: &'a SessionId,
        record: &'a Record,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        self.save_now(id, record, ttl);
        Box::pin(async { Ok(()) })
    }

    fn delete<'a>(&'a self, id: &'a SessionId) -> BoxFuture<'a, Result<(), StoreError>> {
        self.shard(id).entries.remove(id);
        Box::pin(async { Ok(()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ManualClock;

    fn record(n: u64) -> Record {
        let mut data = serde_json::Map::new();
        data.insert("n".into(), n.into());
        Record::new(data, 0, 0)
    }

    #[tokio::test]
    async fn passes_the_conformance_suite() {
        crate::testing::run(&MemoryStore::new()).await;
    }

    #[tokio::test]
    async fn expires_after_ttl_to_the_second() {
        let clock = Arc::new(ManualClock::new(1_000));
        let store = MemoryStore::with_clock(clock.clone());
        let id = SessionId::random().unwrap();
        store.save(&id, &record(1), Duration::from_secs(60)).await.unwrap();
        clock.advance(60);
        assert_eq!(store.load(&id).await.unwrap(), Some(record(1)));
        clock.advance(1);
        assert_eq!(store.load(&id).await.unwrap(), None);
        assert!(store.is_empty(), "a load that finds an expired record removes it");
    }

    #[tokio::test]
    async fn memory_stays_bounded_after_many_expired_sessions() {
        let clock = Arc::new(ManualClock::new(1_000));
        let store = MemoryStore::with_clock(clock.clone());
        let ttl = Duration::from_secs(10);
        let mut high_water = 0;
        // 50 rounds of 2,000 logins each, each round's sessions expired by the next: 100,000
        // sessions in all, never loaded again (abandoned), never deleted.
        for _ in 0..50 {
            for _ in 0..2_000 {
                store.save(&SessionId::random().unwrap(), &record(1), ttl).await.unwrap();
            }
            high_water = high_water.max(store.len());
            clock.advance(11);
        }
        // Each shard doubles at most once past its live count before a sweep: about twice the live
        // sessions (2,000) plus the per-shard minimum.
        assert!(high_water <= 2 * 2_000 + SHARDS * MIN_SWEEP_LEN, "held {high_water} records");
        assert!(store.len() <= 2 * 2_000 + SHARDS * MIN_SWEEP_LEN);
        let left = store.len();
        assert_eq!(store.purge_expired(), left, "everything left has expired");
        assert!(store.is_empty());
    }

    #[tokio::test]
    async fn time_based_sweep_reclaims_small_shards() {
        let clock = Arc::new(ManualClock::new(1_000));
        let store = MemoryStore::with_clock(clock.clone());
        for _ in 0..200 {
            store.save(&SessionId::random().unwrap(), &record(1), Duration::from_secs(5)).await.unwrap();
        }
        assert_eq!(store.len(), 200);
        clock.advance(SWEEP_INTERVAL);
        // One save per shard triggers its sweep; a few hundred saves touch every shard.
        let live: Vec<SessionId> = (0..400).map(|_| SessionId::random().unwrap()).collect();
        for id in &live {
            store.save(id, &record(2), Duration::from_secs(5)).await.unwrap();
        }
        assert!(store.len() < 200 + 400, "expired records were swept: {}", store.len());
        for id in &live {
            assert_eq!(store.load(id).await.unwrap(), Some(record(2)));
        }
    }

    #[tokio::test]
    async fn clones_share_sessions() {
        let store = MemoryStore::new();
        let id = SessionId::random().unwrap();
        store.clone().save(&id, &record(7), Duration::from_secs(60)).await.unwrap();
        assert_eq!(store.load(&id).await.unwrap(), Some(record(7)));
        assert!(format!("{store:?}").contains("entries: 1"));
    }
}
