//! [`MemoryStore`]: sessions in this process's memory, for one process and for tests.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use super::{
    BoxFuture, CreateOutcome, CycleOutcome, DeleteOutcome, Record, SessionId, SessionStore, StoreError, UpdateOutcome,
};
use crate::clock::{Clock, SystemClock};

/// Shards: enough that requests on different cores rarely meet on one lock.
const SHARDS: usize = 64;
/// A shard is swept on a create when it holds twice as many entries as after its last sweep (and at
/// least this many)...
const MIN_SWEEP_LEN: usize = 64;
/// ...or when this long has passed since its last sweep and a create comes in.
const SWEEP_INTERVAL: u64 = 60;

/// Sessions kept in this process's memory: for a single-process app, development and tests.
///
/// Sessions vanish when the process exits and are not shared between processes; use
/// `RedisStore` (feature `redis`) to scale out. Clones share the same sessions.
///
/// **Expiry.** A record expires `ttl` after its last write (to the whole second, by the store's
/// [`Clock`]). An expired record is never returned, and its memory is reclaimed without a
/// background task: a load that finds it removes it, and each shard is swept (every expired entry
/// removed) on a create once it has doubled in size since its last sweep or 60 s have passed. So the
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
    // every request that uses its session does a load and often a write, so reads and writes are
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

    fn is_live(&self, id: &SessionId, now: u64) -> bool {
        self.entries.get(id).is_some_and(|entry| entry.expires_at >= now)
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

    fn shard_index(&self, id: &SessionId) -> usize {
        self.inner.hasher.hash_one(id) as usize % SHARDS
    }

    fn shard(&self, id: &SessionId) -> MutexGuard<'_, Shard> {
        lock(&self.inner.shards[self.shard_index(id)])
    }

    fn entry(&self, record: &Record, ttl: Duration, now: u64) -> Entry {
        Entry { record: Arc::new(record.clone()), expires_at: now.saturating_add(ttl.as_secs().max(1)) }
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

    fn create_now(&self, id: &SessionId, record: &Record, ttl: Duration) -> CreateOutcome {
        let now = self.inner.clock.now();
        let entry = self.entry(record, ttl, now);
        let mut shard = self.shard(id);
        if shard.is_live(id, now) {
            return CreateOutcome::IdTaken;
        }
        shard.entries.insert(id.clone(), entry);
        if shard.sweep_due(now) {
            shard.sweep(now);
        }
        CreateOutcome::Created
    }

    fn update_now(&self, id: &SessionId, record: &Record, ttl: Duration) -> UpdateOutcome {
        let now = self.inner.clock.now();
        let entry = self.entry(record, ttl, now);
        let mut shard = self.shard(id);
        match shard.entries.get_mut(id) {
            Some(current) if current.expires_at >= now => {
                *current = entry;
                UpdateOutcome::Updated
            }
            Some(_) => {
                shard.entries.remove(id);
                UpdateOutcome::Gone
            }
            None => UpdateOutcome::Gone,
        }
    }

    fn delete_now(&self, id: &SessionId) -> DeleteOutcome {
        let now = self.inner.clock.now();
        match self.shard(id).entries.remove(id) {
            Some(entry) if entry.expires_at >= now => DeleteOutcome::Deleted,
            _ => DeleteOutcome::NotFound,
        }
    }

    fn cycle_now(&self, old: &SessionId, new: &SessionId, record: &Record, ttl: Duration) -> CycleOutcome {
        let now = self.inner.clock.now();
        let entry = self.entry(record, ttl, now);
        let (old_index, new_index) = (self.shard_index(old), self.shard_index(new));
        let shards = &self.inner.shards;
        if old_index == new_index {
            return move_live(&mut lock(&shards[old_index]), None, old, new, entry, now);
        }
        // Both shards stay locked for the check and the move, always taken in index order, so two
        // cycles crossing the same pair of shards cannot deadlock.
        let (low, high) = (lock(&shards[old_index.min(new_index)]), lock(&shards[old_index.max(new_index)]));
        let (mut old_shard, mut new_shard) = if old_index < new_index { (low, high) } else { (high, low) };
        move_live(&mut old_shard, Some(&mut new_shard), old, new, entry, now)
    }
}

/// The cycle's check-and-move, under the locks of both shards (`new_shard` is `None` when both ids
/// fall in `old_shard`).
fn move_live(
    old_shard: &mut Shard,
    new_shard: Option<&mut Shard>,
    old: &SessionId,
    new: &SessionId,
    entry: Entry,
    now: u64,
) -> CycleOutcome {
    let new_taken = match &new_shard {
        Some(shard) => shard.is_live(new, now),
        None => old_shard.is_live(new, now),
    };
    if new_taken {
        return CycleOutcome::IdTaken;
    }
    match old_shard.entries.remove(old) {
        Some(current) if current.expires_at >= now => {}
        _ => return CycleOutcome::Gone,
    }
    new_shard.unwrap_or(old_shard).entries.insert(new.clone(), entry);
    CycleOutcome::Cycled
}

fn lock(shard: &Mutex<Shard>) -> MutexGuard<'_, Shard> {
    shard.lock().unwrap_or_else(PoisonError::into_inner)
}

// Every operation is one synchronous critical section (a check and a write under the shard's
// lock), so each is atomic; the futures only hand back the answer.
impl SessionStore for MemoryStore {
    fn load<'a>(&'a self, id: &'a SessionId) -> BoxFuture<'a, Result<Option<Record>, StoreError>> {
        let record = self.load_now(id);
        Box::pin(async move { Ok(record) })
    }

    fn create<'a>(
        &'a self,
        id: &'a SessionId,
        record: &'a Record,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<CreateOutcome, StoreError>> {
        let outcome = self.create_now(id, record, ttl);
        Box::pin(async move { Ok(outcome) })
    }

    fn update<'a>(
        &'a self,
        id: &'a SessionId,
        record: &'a Record,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<UpdateOutcome, StoreError>> {
        let outcome = self.update_now(id, record, ttl);
        Box::pin(async move { Ok(outcome) })
    }

    fn cycle<'a>(
        &'a self,
        old: &'a SessionId,
        new: &'a SessionId,
        record: &'a Record,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<CycleOutcome, StoreError>> {
        let outcome = self.cycle_now(old, new, record, ttl);
        Box::pin(async move { Ok(outcome) })
    }

    fn delete<'a>(&'a self, id: &'a SessionId) -> BoxFuture<'a, Result<DeleteOutcome, StoreError>> {
        let outcome = self.delete_now(id);
        Box::pin(async move { Ok(outcome) })
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
        crate::conformance::run(&MemoryStore::new()).await;
    }

    #[tokio::test]
    async fn expires_after_ttl_to_the_second() {
        let clock = Arc::new(ManualClock::new(1_000));
        let store = MemoryStore::with_clock(clock.clone());
        let id = SessionId::random().unwrap();
        store.create(&id, &record(1), Duration::from_secs(60)).await.unwrap();
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
                store.create(&SessionId::random().unwrap(), &record(1), ttl).await.unwrap();
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
            store.create(&SessionId::random().unwrap(), &record(1), Duration::from_secs(5)).await.unwrap();
        }
        assert_eq!(store.len(), 200);
        clock.advance(SWEEP_INTERVAL);
        // One create per shard triggers its sweep; a few hundred creates touch every shard.
        let live: Vec<SessionId> = (0..400).map(|_| SessionId::random().unwrap()).collect();
        for id in &live {
            store.create(id, &record(2), Duration::from_secs(5)).await.unwrap();
        }
        assert!(store.len() < 200 + 400, "expired records were swept: {}", store.len());
        for id in &live {
            assert_eq!(store.load(id).await.unwrap(), Some(record(2)));
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn cycles_from_many_threads_across_shards_keep_one_winner_and_never_deadlock() {
        let store = MemoryStore::new();
        let ttl = Duration::from_secs(60);
        let rounds = async {
            for _ in 0..300 {
                let old = SessionId::random().unwrap();
                store.create(&old, &record(1), ttl).await.unwrap();
                let racers: Vec<_> = (0..4)
                    .map(|i| {
                        let (store, old) = (store.clone(), old.clone());
                        tokio::spawn(async move {
                            let new = SessionId::random().unwrap();
                            let outcome = store.cycle(&old, &new, &record(i), ttl).await.unwrap();
                            (new, outcome)
                        })
                    })
                    .collect();
                let mut live = 0;
                for racer in racers {
                    let (new, outcome) = racer.await.unwrap();
                    let found = store.load(&new).await.unwrap();
                    assert_eq!(found.is_some(), outcome == CycleOutcome::Cycled);
                    live += usize::from(found.is_some());
                }
                assert_eq!(live, 1, "exactly one cycle wins");
                assert_eq!(store.load(&old).await.unwrap(), None);
            }
        };
        tokio::time::timeout(Duration::from_secs(30), rounds).await.expect("no deadlock");
    }

    #[tokio::test]
    async fn clones_share_sessions() {
        let store = MemoryStore::new();
        let id = SessionId::random().unwrap();
        store.clone().create(&id, &record(7), Duration::from_secs(60)).await.unwrap();
        assert_eq!(store.load(&id).await.unwrap(), Some(record(7)));
        assert!(format!("{store:?}").contains("entries: 1"));
    }
}
