//! [`RedisStore`]: sessions in Redis, shared by every process and machine that points at it.

use std::sync::Arc;
use std::time::Duration;

use super::{
    BoxFuture, CreateOutcome, CycleOutcome, DeleteOutcome, Record, SessionId, SessionStore, StoreError, UpdateOutcome,
};

use crate::redis_connection::RedisConnection;

/// Default key prefix: records live at `ravyn:session:<id>`.
const DEFAULT_PREFIX: &str = "ravyn:session:";

/// Sessions in Redis: one key per session, `<prefix><id>`, holding the [`Record`] as JSON, with a
/// Redis TTL so Redis itself expires it (Redis's clock is the one that counts).
///
/// Every write is atomic and conditional, so none brings a revoked session back: a new session is
/// `SET key value NX EX ttl` (never over a live id), a change or refresh is `SET key value XX EX
/// ttl` (only over a key that still exists), a logout is `DEL`, and cycling the id is one Lua
/// script that checks the new key, deletes the old one and writes the new one. The script names
/// two keys, so under Redis Cluster both must hash to one slot: use a single Redis (or a
/// primary with replicas), which is what this store's connection speaks to anyway.
///
/// Built on [`RedisConnection`] (the `redis` crate's tokio `ConnectionManager`): one multiplexed
/// connection per store (clones share it) that reconnects by itself. The connection is opened on
/// first use, so `RedisStore::new` needs no running Redis and no async context.
///
/// **When Redis is down**, each operation fails within [`timeout`](Self::timeout) (default 2 s;
/// connecting is bounded by it too, and a refused connection fails at once), the request that
/// needed its session answers 503 `{"detail":"Session store unavailable"}`, and requests that do
/// not use their session are unaffected. The next operation tries to reconnect, so service
/// resumes by itself when Redis is back, with no restart.
///
/// ```no_run
/// use ravyn_session::{RedisStore, SessionConfig};
///
/// let store = RedisStore::new("redis://127.0.0.1:6379")?.key_prefix("myapp:session:");
/// let config = SessionConfig::new("a-long-random-secret-of-at-least-32-bytes").store(store);
/// # let _ = config;
/// # Ok::<(), ravyn_session::StoreError>(())
/// ```
#[derive(Clone)]
pub struct RedisStore {
    redis: RedisConnection,
    prefix: Arc<str>,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The connection info may hold a password: show the address only.
        // RedisConnection's Debug shows the address, never the password.
        f.debug_struct("RedisStore").field("redis", &self.redis).field("prefix", &self.prefix).finish()
    }
}

impl RedisStore {
    /// A store for the Redis at `url` (`redis://[[user]:password@]host[:port][/db]`, or
    /// `redis+unix:///path`), under the default prefix `ravyn:session:`. Only parses the URL: the
    /// connection is opened on first use.
    ///
    /// # Errors
    ///
    /// When `url` is not a Redis URL.
    ///
    /// ```
    /// use ravyn_session::RedisStore;
    ///
    /// assert!(RedisStore::new("redis://127.0.0.1:6379/0").is_ok());
    /// assert!(RedisStore::new("http://example.com").is_err());
    /// ```
    pub fn new(url: &str) -> Result<Self, StoreError> {
        Ok(RedisStore { redis: RedisConnection::new(url)?, prefix: Arc::from(DEFAULT_PREFIX) })
    }

    /// Sets the key prefix (default `"ravyn:session:"`): give each app sharing a Redis its own.
    ///
    /// ```
    /// let store = ravyn_session::RedisStore::new("redis://127.0.0.1")?.key_prefix("shop:sess:");
    /// assert_eq!(store.get_key_prefix(), "shop:sess:");
    /// # Ok::<(), ravyn_session::StoreError>(())
    /// ```
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Arc::from(prefix.into());
        self
    }

    /// Sets the bound on each operation, connecting and retrying included (default 2 s). A
    /// request that needs its session waits at most about this long per store operation when
    /// Redis does not answer.
    ///
    /// ```
    /// use std::time::Duration;
    /// let store = ravyn_session::RedisStore::new("redis://127.0.0.1")?.timeout(Duration::from_millis(500));
    /// assert_eq!(store.get_timeout(), Duration::from_millis(500));
    /// # Ok::<(), ravyn_session::StoreError>(())
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.redis = self.redis.timeout(timeout);
        self
    }

    /// The key prefix.
    ///
    /// ```
    /// let store = ravyn_session::RedisStore::new("redis://127.0.0.1")?;
    /// assert_eq!(store.get_key_prefix(), "ravyn:session:");
    /// # Ok::<(), ravyn_session::StoreError>(())
    /// ```
    pub fn get_key_prefix(&self) -> &str {
        &self.prefix
    }

    /// The bound on each operation.
    ///
    /// ```
    /// let store = ravyn_session::RedisStore::new("redis://127.0.0.1")?;
    /// assert_eq!(store.get_timeout(), std::time::Duration::from_secs(2));
    /// # Ok::<(), ravyn_session::StoreError>(())
    /// ```
    pub fn get_timeout(&self) -> Duration {
        self.redis.get_timeout()
    }

    /// The Redis key of session `id`: the prefix followed by the id.
    ///
    /// ```
    /// let store = ravyn_session::RedisStore::new("redis://127.0.0.1")?.key_prefix("app:");
    /// let id = ravyn_session::SessionId::random().unwrap();
    /// assert_eq!(store.key(&id), format!("app:{}", id.as_str()));
    /// # Ok::<(), ravyn_session::StoreError>(())
    /// ```
    pub fn key(&self, id: &SessionId) -> String {
        let mut key = String::with_capacity(self.prefix.len() + id.as_str().len());
        key.push_str(&self.prefix);
        key.push_str(id.as_str());
        key
    }

    async fn run<T: redis::FromRedisValue>(&self, op: &'static str, command: redis::Cmd) -> Result<T, StoreError> {
        self.redis.run(op, command).await
    }
}

/// The atomic cycle: refuse a taken new id, move only a live old one. `DEL` reports 0 for a key
/// that has expired, so an expired old session is `Gone` too. Scripts run atomically in Redis.
/// Returns 1 (cycled), 0 (old gone) or 2 (new id taken).
const CYCLE_SCRIPT: &str = r"
if redis.call('EXISTS', KEYS[2]) == 1 then return 2 end
if redis.call('DEL', KEYS[1]) == 0 then return 0 end
redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[2])
return 1
";

fn record_json(record: &Record) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(record).map_err(|error| StoreError::with_source("could not serialize the session record", error))
}

fn ttl_secs(ttl: Duration) -> u64 {
    ttl.as_secs().max(1)
}

impl RedisStore {
    /// `SET key json <condition> EX ttl`: `true` when Redis wrote it (`OK`), `false` when the
    /// condition (`NX`: no such key; `XX`: the key exists) kept it from writing (nil).
    async fn set_if(
        &self,
        id: &SessionId,
        record: &Record,
        ttl: Duration,
        condition: &'static str,
    ) -> Result<bool, StoreError> {
        let mut set = redis::cmd("SET");
        set.arg(self.key(id)).arg(record_json(record)?).arg(condition).arg("EX").arg(ttl_secs(ttl));
        let reply: Option<String> = self.run(if condition == "NX" { "SET NX" } else { "SET XX" }, set).await?;
        Ok(reply.is_some())
    }
}

impl SessionStore for RedisStore {
    fn load<'a>(&'a self, id: &'a SessionId) -> BoxFuture<'a, Result<Option<Record>, StoreError>> {
        Box::pin(async move {
            let mut get = redis::cmd("GET");
            get.arg(self.key(id));
            let Some(json) = self.run::<Option<Vec<u8>>>("GET", get).await? else { return Ok(None) };
            match serde_json::from_slice::<Record>(&json) {
                Ok(record) => Ok(Some(record)),
                Err(error) => {
                    tracing::warn!(
                        %error, session = %id,
                        "ignoring a session record that is not valid JSON for this version; the session starts empty"
                    );
                    Ok(None)
                }
            }
        })
    }

    fn create<'a>(
        &'a self,
        id: &'a SessionId,
        record: &'a Record,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<CreateOutcome, StoreError>> {
        Box::pin(async move {
            // NX: Redis writes only if no key exists (an expired key counts as absent).
            Ok(if self.set_if(id, record, ttl, "NX").await? { CreateOutcome::Created } else { CreateOutcome::IdTaken })
        })
    }

    fn update<'a>(
        &'a self,
        id: &'a SessionId,
        record: &'a Record,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<UpdateOutcome, StoreError>> {
        Box::pin(async move {
            // XX: Redis writes only over an existing key, so a deleted or expired session stays gone.
            Ok(if self.set_if(id, record, ttl, "XX").await? { UpdateOutcome::Updated } else { UpdateOutcome::Gone })
        })
    }

    fn cycle<'a>(
        &'a self,
        old: &'a SessionId,
        new: &'a SessionId,
        record: &'a Record,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<CycleOutcome, StoreError>> {
        Box::pin(async move {
            // EVAL rather than EVALSHA: cycling happens once per login, and EVAL needs no
            // script cache to be warm (or to survive a Redis restart).
            let mut eval = redis::cmd("EVAL");
            eval.arg(CYCLE_SCRIPT)
                .arg(2)
                .arg(self.key(old))
                .arg(self.key(new))
                .arg(record_json(record)?)
                .arg(ttl_secs(ttl));
            match self.run::<i64>("cycle script", eval).await? {
                1 => Ok(CycleOutcome::Cycled),
                2 => Ok(CycleOutcome::IdTaken),
                _ => Ok(CycleOutcome::Gone),
            }
        })
    }

    fn delete<'a>(&'a self, id: &'a SessionId) -> BoxFuture<'a, Result<DeleteOutcome, StoreError>> {
        Box::pin(async move {
            let mut del = redis::cmd("DEL");
            del.arg(self.key(id));
            let removed: u64 = self.run("DEL", del).await?;
            Ok(if removed > 0 { DeleteOutcome::Deleted } else { DeleteOutcome::NotFound })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redis_url() -> String {
        std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
    }

    fn prefix() -> String {
        format!("ravyn-test:{}:", SessionId::random().unwrap().as_str())
    }

    #[tokio::test]
    async fn passes_the_conformance_suite() {
        let store = RedisStore::new(&redis_url()).unwrap().key_prefix(prefix());
        crate::conformance::run(&store).await;
    }

    #[tokio::test]
    async fn down_redis_fails_fast_with_a_store_error() {
        // Port 1 on localhost: nothing listens, the connection is refused.
        let store = RedisStore::new("redis://127.0.0.1:1").unwrap().timeout(Duration::from_millis(500));
        let id = SessionId::random().unwrap();
        let started = std::time::Instant::now();
        let error = store.load(&id).await.unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());
        assert!(error.to_string().contains("Redis GET"), "{error}");
    }

    #[tokio::test]
    async fn a_redis_that_accepts_but_never_answers_times_out() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let hung = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                held.push(socket); // never read, never answered
            }
        });
        let store = RedisStore::new(&format!("redis://{addr}")).unwrap().timeout(Duration::from_millis(300));
        let id = SessionId::random().unwrap();
        for _ in 0..3 {
            let started = std::time::Instant::now();
            assert!(store.load(&id).await.is_err());
            assert!(started.elapsed() < Duration::from_secs(1), "took {:?}", started.elapsed());
        }
        hung.abort();
    }

    #[test]
    fn debug_and_errors_hide_the_password() {
        let store = RedisStore::new("redis://:hunter2@127.0.0.1:6379").unwrap();
        assert!(!format!("{store:?}").contains("hunter2"));
    }
}
