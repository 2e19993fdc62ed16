//! The background task that deletes expired rows: [`CleanupConfig`], [`CleanupTask`],
//! [`CleanupStats`].
//!
//! Expired rows are never *returned* (every query compares `expires_at` with the database's
//! clock); this task only reclaims their space. It deletes in batches, so no statement holds locks
//! on a large part of the table; with several application instances on one database each runs
//! its own task safely (PostgreSQL skips rows another instance is deleting). A failing run (the
//! database is down) is logged and the task keeps going: the next run, one interval later, picks up
//! where it left off.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use ring::rand::{SecureRandom, SystemRandom};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::store::StoreError;

/// A store whose expired rows the cleanup task can delete, one batch per call.
pub(crate) trait ExpiredRows: Clone + Send + Sync + 'static {
    /// Deletes up to `limit` expired rows; returns how many it deleted.
    fn delete_expired_batch(&self, limit: u32) -> impl Future<Output = Result<u64, StoreError>> + Send;
}

/// Deletes expired rows in batches of `batch_size` until a batch comes back short; returns the
/// total. `stop` is checked between batches.
pub(crate) async fn delete_expired<S: ExpiredRows>(
    store: &S,
    batch_size: u32,
    mut stop: impl FnMut() -> bool,
) -> Result<(u64, u32), StoreError> {
    let (mut total, mut batches) = (0u64, 0u32);
    loop {
        let deleted = store.delete_expired_batch(batch_size).await?;
        total += deleted;
        batches += 1;
        if deleted < u64::from(batch_size) || stop() {
            return Ok((total, batches));
        }
        // Let other work (requests, other instances' batches) in between batches.
        tokio::task::yield_now().await;
    }
}

/// How often the cleanup task runs and how much one statement deletes.
///
/// ```
/// # #[cfg(any(feature = "postgres", feature = "mysql", feature = "sqlite"))] {
/// use std::time::Duration;
/// use ravyn_session::store::CleanupConfig;
///
/// let config = CleanupConfig::every(Duration::from_secs(60)).batch_size(500);
/// assert_eq!(config.get_interval(), Duration::from_secs(60));
/// assert_eq!(config.get_batch_size(), 500);
/// assert_eq!(CleanupConfig::default().get_interval(), Duration::from_secs(300));
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CleanupConfig {
    interval: Duration,
    batch_size: u32,
}

impl Default for CleanupConfig {
    /// Every 5 minutes, 1,000 rows per statement.
    fn default() -> Self {
        CleanupConfig { interval: Duration::from_secs(300), batch_size: 1_000 }
    }
}

impl CleanupConfig {
    /// Runs about every `interval` (each wait is jittered by up to ±10 % so instances started
    /// together spread out); 1,000 rows per statement. The first run comes after a random part of
    /// one interval (at most 10 s).
    ///
    /// ```
    /// # #[cfg(any(feature = "postgres", feature = "mysql", feature = "sqlite"))] {
    /// let config = ravyn_session::store::CleanupConfig::every(std::time::Duration::from_secs(30));
    /// assert_eq!(config.get_batch_size(), 1_000);
    /// # }
    /// ```
    pub fn every(interval: Duration) -> Self {
        CleanupConfig { interval: interval.max(Duration::from_millis(1)), ..CleanupConfig::default() }
    }

    /// Rows deleted per statement (at least 1; default 1,000). Smaller batches hold locks for less
    /// time; a run repeats them until a batch comes back short.
    ///
    /// ```
    /// # #[cfg(any(feature = "postgres", feature = "mysql", feature = "sqlite"))] {
    /// let config = ravyn_session::store::CleanupConfig::default().batch_size(0);
    /// assert_eq!(config.get_batch_size(), 1);
    /// # }
    /// ```
    pub fn batch_size(mut self, rows: u32) -> Self {
        self.batch_size = rows.max(1);
        self
    }

    /// The interval between runs.
    ///
    /// ```
    /// # #[cfg(any(feature = "postgres", feature = "mysql", feature = "sqlite"))] {
    /// let config = ravyn_session::store::CleanupConfig::every(std::time::Duration::from_secs(9));
    /// assert_eq!(config.get_interval().as_secs(), 9);
    /// # }
    /// ```
    pub fn get_interval(&self) -> Duration {
        self.interval
    }

    /// Rows deleted per statement.
    ///
    /// ```
    /// # #[cfg(any(feature = "postgres", feature = "mysql", feature = "sqlite"))] {
    /// assert_eq!(ravyn_session::store::CleanupConfig::default().get_batch_size(), 1_000);
    /// # }
    /// ```
    pub fn get_batch_size(&self) -> u32 {
        self.batch_size
    }
}

/// What a cleanup task has done so far.
///
/// ```
/// # #[cfg(any(feature = "postgres", feature = "mysql", feature = "sqlite"))] {
/// let stats = ravyn_session::store::CleanupStats::default();
/// assert_eq!((stats.runs, stats.failed_runs, stats.rows_deleted, stats.batches), (0, 0, 0, 0));
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CleanupStats {
    /// Runs that completed (every batch of the run succeeded).
    pub runs: u64,
    /// Runs that failed (the database did not answer); the task kept going.
    pub failed_runs: u64,
    /// Expired rows deleted, in all.
    pub rows_deleted: u64,
    /// `DELETE` statements run (each deletes at most the batch size).
    pub batches: u64,
}

#[derive(Default)]
struct Counters {
    runs: AtomicU64,
    failed_runs: AtomicU64,
    rows_deleted: AtomicU64,
    batches: AtomicU64,
}

/// A running cleanup task: from a SQL store's `spawn_cleanup`. Stop it with [`stop`](Self::stop)
/// during graceful shutdown: from the app's `on_shutdown` hook (keep it in an `Arc` there), or
/// after `serve` returns. Dropping the handle stops it too, without waiting.
///
/// ```
/// # #[cfg(feature = "sqlite")]
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use ravyn_session::store::{CleanupConfig, SqliteStore};
///
/// let store = SqliteStore::open_in_memory().await?;
/// store.migrate().await?;
/// let cleanup = store.spawn_cleanup(CleanupConfig::every(Duration::from_secs(300)));
/// // ... app.serve(..).await ...
/// cleanup.stop().await; // waits for a batch in progress, then returns
/// # Ok(())
/// # }
/// # #[cfg(not(feature = "sqlite"))]
/// # fn main() {}
/// ```
#[must_use = "the cleanup task stops when its CleanupTask is dropped: keep it, and call stop() at shutdown"]
#[derive(Debug)]
pub struct CleanupTask {
    // std Mutexes: each is only taken to move the value out (never held across an await), so
    // `stop` can take `&self` and the handle can live in an `Arc` shared with a shutdown hook.
    stop: Mutex<Option<oneshot::Sender<()>>>,
    task: Mutex<Option<JoinHandle<()>>>,
    counters: Arc<Counters>,
}

impl std::fmt::Debug for Counters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Counters").field("runs", &self.runs.load(Ordering::Relaxed)).finish_non_exhaustive()
    }
}

impl CleanupTask {
    /// Starts the task on the current tokio runtime.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime.
    pub(crate) fn spawn<S: ExpiredRows>(store: S, backend: &'static str, config: CleanupConfig) -> Self {
        let (stop, stopped) = oneshot::channel();
        let counters = Arc::new(Counters::default());
        let task = tokio::spawn(run(store, backend, config, stopped, counters.clone()));
        CleanupTask { stop: Mutex::new(Some(stop)), task: Mutex::new(Some(task)), counters }
    }

    /// What the task has done so far.
    ///
    /// ```
    /// # #[cfg(feature = "sqlite")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # use ravyn_session::store::{CleanupConfig, SqliteStore};
    /// let store = SqliteStore::open_in_memory().await?;
    /// store.migrate().await?;
    /// let cleanup = store.spawn_cleanup(CleanupConfig::default());
    /// assert_eq!(cleanup.stats().failed_runs, 0);
    /// # cleanup.stop().await;
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "sqlite"))]
    /// # fn main() {}
    /// ```
    pub fn stats(&self) -> CleanupStats {
        CleanupStats {
            runs: self.counters.runs.load(Ordering::Relaxed),
            failed_runs: self.counters.failed_runs.load(Ordering::Relaxed),
            rows_deleted: self.counters.rows_deleted.load(Ordering::Relaxed),
            batches: self.counters.batches.load(Ordering::Relaxed),
        }
    }

    /// Stops the task: a run in progress finishes its current batch (one statement, bounded by the
    /// store's timeout), then the task ends. Returns once it has; calling it again does nothing.
    ///
    /// ```
    /// # #[cfg(feature = "sqlite")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # use ravyn_session::store::{CleanupConfig, SqliteStore};
    /// let store = SqliteStore::open_in_memory().await?;
    /// store.migrate().await?;
    /// store.spawn_cleanup(CleanupConfig::default()).stop().await;
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "sqlite"))]
    /// # fn main() {}
    /// ```
    pub async fn stop(&self) {
        if let Some(stop) = self.stop.lock().unwrap_or_else(PoisonError::into_inner).take() {
            let _ = stop.send(());
        }
        let task = self.task.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(task) = task {
            match task.await {
                Ok(()) => tracing::debug!("the session cleanup task stopped"),
                Err(error) if error.is_panic() => tracing::error!(%error, "the session cleanup task panicked"),
                Err(_) => {}
            }
        }
    }
}

/// A random fraction in [0, 1) from the system generator (0.5 if it fails: jitter is a nicety).
fn random_fraction() -> f64 {
    let mut bytes = [0u8; 4];
    match SystemRandom::new().fill(&mut bytes) {
        Ok(()) => f64::from(u32::from_le_bytes(bytes)) / (f64::from(u32::MAX) + 1.0),
        Err(_) => 0.5,
    }
}

/// `interval` jittered by up to ±10 %.
fn jittered(interval: Duration) -> Duration {
    interval.mul_f64(0.9 + 0.2 * random_fraction())
}

async fn run<S: ExpiredRows>(
    store: S,
    backend: &'static str,
    config: CleanupConfig,
    mut stopped: oneshot::Receiver<()>,
    counters: Arc<Counters>,
) {
    let mut wait = config.interval.min(Duration::from_secs(10)).mul_f64(random_fraction());
    loop {
        tokio::select! {
            biased;
            // A stop, or the handle dropped.
            _ = &mut stopped => return,
            () = tokio::time::sleep(wait) => {}
        }
        wait = jittered(config.interval);
        let mut stop_seen = false;
        let stop_requested = || {
            stop_seen = !matches!(stopped.try_recv(), Err(oneshot::error::TryRecvError::Empty));
            stop_seen
        };
        let result = delete_expired(&store, config.batch_size, stop_requested).await;
        match result {
            Ok((deleted, batches)) => {
                counters.runs.fetch_add(1, Ordering::Relaxed);
                counters.rows_deleted.fetch_add(deleted, Ordering::Relaxed);
                counters.batches.fetch_add(u64::from(batches), Ordering::Relaxed);
                if deleted > 0 {
                    tracing::info!(deleted, batches, "{backend} session cleanup: deleted {deleted} expired sessions");
                } else {
                    tracing::debug!("{backend} session cleanup: no expired sessions");
                }
            }
            Err(error) => {
                counters.failed_runs.fetch_add(1, Ordering::Relaxed);
                let cause = std::error::Error::source(&error).map(ToString::to_string).unwrap_or_default();
                tracing::warn!(
                    %error, cause,
                    "{backend} session cleanup failed; trying again in about {:?} (sessions are unaffected: \
                     expired rows are never returned)",
                    config.interval
                );
            }
        }
        if stop_seen {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    //! The task's own logic, against a store that only counts (the SQL stores' tests run it
    //! against real databases).

    use super::*;
    use std::sync::Mutex;

    /// `expired` rows to delete; the first `failures` calls fail as if the database were down.
    #[derive(Clone)]
    struct Fake(Arc<Mutex<(u64, u32)>>);

    impl Fake {
        fn new(expired: u64, failures: u32) -> Self {
            Fake(Arc::new(Mutex::new((expired, failures))))
        }

        fn add(&self, rows: u64) {
            self.0.lock().unwrap().0 += rows;
        }
    }

    impl ExpiredRows for Fake {
        async fn delete_expired_batch(&self, limit: u32) -> Result<u64, StoreError> {
            let mut state = self.0.lock().unwrap();
            if state.1 > 0 {
                state.1 -= 1;
                return Err(StoreError::new("connection refused"));
            }
            let deleted = state.0.min(u64::from(limit));
            state.0 -= deleted;
            Ok(deleted)
        }
    }

    async fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
        for _ in 0..500 {
            if condition() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("timed out waiting for: {what}");
    }

    #[tokio::test]
    async fn deletes_in_batches_until_a_batch_comes_back_short() {
        let store = Fake::new(2_500, 0);
        assert_eq!(delete_expired(&store, 1_000, || false).await.unwrap(), (2_500, 3));
        assert_eq!(delete_expired(&store, 1_000, || false).await.unwrap(), (0, 1));
        store.add(5_000);
        assert_eq!(delete_expired(&store, 1_000, || true).await.unwrap(), (1_000, 1), "a stop ends the run early");
    }

    #[tokio::test]
    async fn keeps_going_through_failures_and_resumes() {
        let store = Fake::new(3_000, 3);
        let task =
            CleanupTask::spawn(store.clone(), "Fake", CleanupConfig::every(Duration::from_millis(5)).batch_size(1_000));
        eventually("three failed runs, then the rows deleted", || {
            let stats = task.stats();
            stats.failed_runs == 3 && stats.rows_deleted == 3_000
        })
        .await;
        store.add(10);
        eventually("a later run picks up new rows", || task.stats().rows_deleted == 3_010).await;
        assert!(task.stats().batches >= 4);
        task.stop().await;
    }

    #[tokio::test]
    async fn stop_waits_for_the_task_and_dropping_the_handle_ends_it() {
        let task = CleanupTask::spawn(Fake::new(0, 0), "Fake", CleanupConfig::every(Duration::from_secs(3600)));
        tokio::time::timeout(Duration::from_secs(5), task.stop()).await.expect("stop returns at once when idle");
        task.stop().await; // again: nothing to do

        let task = CleanupTask::spawn(Fake::new(0, 0), "Fake", CleanupConfig::every(Duration::from_secs(3600)));
        let handle = task.task.lock().unwrap().take().unwrap();
        drop(task);
        tokio::time::timeout(Duration::from_secs(5), handle).await.expect("ends when dropped").unwrap();
    }

    #[test]
    fn jitter_stays_within_ten_percent() {
        for _ in 0..1_000 {
            let wait = jittered(Duration::from_secs(100));
            assert!((Duration::from_secs(90)..=Duration::from_secs(110)).contains(&wait), "{wait:?}");
        }
    }
}
