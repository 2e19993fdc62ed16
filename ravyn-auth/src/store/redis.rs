//! [`RedisTokenStore`]: the denylist in Redis, shared by every process that points at it.

use std::sync::Arc;
use std::time::Duration;

use ravyn_session::redis_connection::RedisConnection;

use super::{BoxFuture, Consumed, StoreError, TokenStore};

/// Default key prefix: entries live at `ravyn:jwt:jti:<jti>` and `ravyn:jwt:fam:<family>`.
const DEFAULT_PREFIX: &str = "ravyn:jwt:";

/// The atomic consume: a dead family refuses (2); else a first use marks the `jti` (1); else the
/// reuse kills the family (0). `SET NX` answers nil (false in Lua) when the key exists. Scripts
/// run atomically in Redis, so of concurrent calls with one `jti` exactly one sees it absent.
/// KEYS: family key, jti key. ARGV: jti TTL, family TTL (seconds).
const CONSUME_SCRIPT: &str = r"
if redis.call('EXISTS', KEYS[1]) == 1 then return 2 end
if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[1]) then return 1 end
redis.call('SET', KEYS[1], '1', 'EX', ARGV[2])
return 0
";

/// Marks each key dead for its TTL, never shortening a longer TTL already set (`EXPIRE ... GT`
/// would need Redis 7; comparing `TTL` works on every version). KEYS: 1 or 2 keys; ARGV: their TTLs.
const REVOKE_SCRIPT: &str = r"
for i, key in ipairs(KEYS) do
  local ttl = tonumber(ARGV[i])
  if not redis.call('SET', key, '1', 'NX', 'EX', ttl) and redis.call('TTL', key) < ttl then
    redis.call('EXPIRE', key, ttl)
  end
end
return 1
";

/// Used refresh tokens and revocations in Redis: one key per dead `jti` (`<prefix>jti:<jti>`) and
/// per dead family (`<prefix>fam:<family>`), each with a Redis TTL, so Redis forgets them by itself
/// once no token they concern can be alive.
///
/// [`consume`](TokenStore::consume) is one Lua script (family check, `SET NX` of the `jti`, family
/// kill on reuse), so it is atomic across every process sharing the Redis; a revocation check is
/// one `EXISTS` of both keys. The scripts name two keys, so under Redis Cluster both would have to
/// hash to one slot: use a single Redis (or a primary with replicas), as sessions' `RedisStore`.
///
/// The connection, its time bound and the password-free messages are
/// `ravyn_session::redis_connection::RedisConnection`'s, shared with sessions' `RedisStore`: when
/// Redis is down each operation fails within [`timeout`](Self::timeout) (default 2 s) with a
/// [`StoreError`] (a refresh then answers 503), and service resumes by itself when Redis is back.
///
/// ```no_run
/// use ravyn_auth::{JWTConfig, RedisTokenStore};
///
/// let store = RedisTokenStore::new("redis://127.0.0.1:6379")?.key_prefix("myapp:jwt:");
/// let config = JWTConfig::new("a-long-random-secret-of-at-least-32-bytes").store(store);
/// # let _ = config;
/// # Ok::<(), ravyn_auth::StoreError>(())
/// ```
#[derive(Clone)]
pub struct RedisTokenStore {
    redis: RedisConnection,
    prefix: Arc<str>,
}

impl std::fmt::Debug for RedisTokenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // RedisConnection's Debug shows the address, never the password.
        f.debug_struct("RedisTokenStore").field("redis", &self.redis).field("prefix", &self.prefix).finish()
    }
}

impl RedisTokenStore {
    /// A store for the Redis at `url` (`redis://[[user]:password@]host[:port][/db]`), under the
    /// default prefix `ravyn:jwt:`. Only parses the URL: the connection is opened on first use.
    ///
    /// # Errors
    ///
    /// When `url` is not a Redis URL.
    ///
    /// ```
    /// use ravyn_auth::RedisTokenStore;
    ///
    /// assert!(RedisTokenStore::new("redis://127.0.0.1:6379/0").is_ok());
    /// assert!(RedisTokenStore::new("http://example.com").is_err());
    /// ```
    pub fn new(url: &str) -> Result<Self, StoreError> {
        Ok(RedisTokenStore { redis: RedisConnection::new(url)?, prefix: Arc::from(DEFAULT_PREFIX) })
    }

    /// Sets the key prefix (default `"ravyn:jwt:"`): give each app sharing a Redis its own.
    ///
    /// ```
    /// let store = ravyn_auth::RedisTokenStore::new("redis://127.0.0.1")?.key_prefix("shop:jwt:");
    /// assert_eq!(store.get_key_prefix(), "shop:jwt:");
    /// # Ok::<(), ravyn_auth::StoreError>(())
    /// ```
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Arc::from(prefix.into());
        self
    }

    /// Sets the bound on each operation, connecting included (default 2 s).
    ///
    /// ```
    /// use std::time::Duration;
    /// let store = ravyn_auth::RedisTokenStore::new("redis://127.0.0.1")?.timeout(Duration::from_millis(500));
    /// assert_eq!(store.get_timeout(), Duration::from_millis(500));
    /// # Ok::<(), ravyn_auth::StoreError>(())
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.redis = self.redis.timeout(timeout);
        self
    }

    /// The key prefix.
    ///
    /// ```
    /// assert_eq!(ravyn_auth::RedisTokenStore::new("redis://127.0.0.1")?.get_key_prefix(), "ravyn:jwt:");
    /// # Ok::<(), ravyn_auth::StoreError>(())
    /// ```
    pub fn get_key_prefix(&self) -> &str {
        &self.prefix
    }

    /// The bound on each operation.
    ///
    /// ```
    /// let store = ravyn_auth::RedisTokenStore::new("redis://127.0.0.1")?;
    /// assert_eq!(store.get_timeout(), std::time::Duration::from_secs(2));
    /// # Ok::<(), ravyn_auth::StoreError>(())
    /// ```
    pub fn get_timeout(&self) -> Duration {
        self.redis.get_timeout()
    }

    /// The Redis key of a dead `jti`.
    ///
    /// ```
    /// let store = ravyn_auth::RedisTokenStore::new("redis://127.0.0.1")?.key_prefix("app:");
    /// assert_eq!(store.jti_key("abc"), "app:jti:abc");
    /// # Ok::<(), ravyn_auth::StoreError>(())
    /// ```
    pub fn jti_key(&self, jti: &str) -> String {
        self.key("jti:", jti)
    }

    /// The Redis key of a dead refresh family.
    ///
    /// ```
    /// let store = ravyn_auth::RedisTokenStore::new("redis://127.0.0.1")?.key_prefix("app:");
    /// assert_eq!(store.family_key("f"), "app:fam:f");
    /// # Ok::<(), ravyn_auth::StoreError>(())
    /// ```
    pub fn family_key(&self, family: &str) -> String {
        self.key("fam:", family)
    }

    fn key(&self, kind: &str, id: &str) -> String {
        let mut key = String::with_capacity(self.prefix.len() + kind.len() + id.len());
        key.push_str(&self.prefix);
        key.push_str(kind);
        key.push_str(id);
        key
    }
}

fn ttl_secs(ttl: Duration) -> u64 {
    ttl.as_secs().max(1)
}

impl TokenStore for RedisTokenStore {
    fn consume<'a>(
        &'a self,
        jti: &'a str,
        family: &'a str,
        jti_ttl: Duration,
        family_ttl: Duration,
    ) -> BoxFuture<'a, Result<Consumed, StoreError>> {
        Box::pin(async move {
            // EVAL rather than EVALSHA: no script cache to warm, or to lose on a Redis restart.
            let mut eval = redis::cmd("EVAL");
            eval.arg(CONSUME_SCRIPT)
                .arg(2)
                .arg(self.family_key(family))
                .arg(self.jti_key(jti))
                .arg(ttl_secs(jti_ttl))
                .arg(ttl_secs(family_ttl));
            match self.redis.run::<i64>("consume script", eval).await? {
                1 => Ok(Consumed::First),
                0 => Ok(Consumed::Reused),
                _ => Ok(Consumed::FamilyRevoked),
            }
        })
    }

    fn revoke<'a>(
        &'a self,
        jti: Option<&'a str>,
        family: Option<&'a str>,
        jti_ttl: Duration,
        family_ttl: Duration,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let keys: Vec<(String, u64)> = jti
                .map(|j| (self.jti_key(j), ttl_secs(jti_ttl)))
                .into_iter()
                .chain(family.map(|f| (self.family_key(f), ttl_secs(family_ttl))))
                .collect();
            if keys.is_empty() {
                return Ok(());
            }
            let mut eval = redis::cmd("EVAL");
            eval.arg(REVOKE_SCRIPT).arg(keys.len());
            for (key, _) in &keys {
                eval.arg(key);
            }
            for (_, ttl) in &keys {
                eval.arg(ttl);
            }
            self.redis.run::<i64>("revoke script", eval).await.map(drop)
        })
    }

    fn is_revoked<'a>(
        &'a self,
        jti: Option<&'a str>,
        family: Option<&'a str>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            if jti.is_none() && family.is_none() {
                return Ok(false);
            }
            let mut exists = redis::cmd("EXISTS");
            if let Some(jti) = jti {
                exists.arg(self.jti_key(jti));
            }
            if let Some(family) = family {
                exists.arg(self.family_key(family));
            }
            Ok(self.redis.run::<u64>("EXISTS", exists).await? > 0)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::random_id;

    fn redis_url() -> String {
        std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
    }

    fn store() -> RedisTokenStore {
        RedisTokenStore::new(&redis_url()).unwrap().key_prefix(format!("ravyn-test:{}:", random_id().unwrap()))
    }

    /// A client of its own, to look at what the store wrote.
    async fn ttl(key: &str) -> i64 {
        let redis = RedisConnection::new(&redis_url()).unwrap();
        let mut ttl = redis::cmd("TTL");
        ttl.arg(key);
        redis.run("TTL", ttl).await.unwrap()
    }

    #[tokio::test]
    async fn passes_the_conformance_suite() {
        crate::store::conformance::run(&store()).await;
    }

    #[tokio::test]
    async fn entries_carry_the_ttls_asked_for_and_a_revocation_never_shortens_one() {
        let store = store();
        let day = Duration::from_secs(86_400);
        assert_eq!(store.consume("j", "f", Duration::from_secs(300), day).await.unwrap(), Consumed::First);
        assert!((299..=300).contains(&ttl(&store.jti_key("j")).await));
        assert_eq!(ttl(&store.family_key("f")).await, -2, "no family key before a reuse");
        assert_eq!(store.consume("j", "f", Duration::from_secs(300), day).await.unwrap(), Consumed::Reused);
        assert!((86_399..=86_400).contains(&ttl(&store.family_key("f")).await));
        store.revoke(Some("j"), Some("f"), Duration::from_secs(10), Duration::from_secs(10)).await.unwrap();
        assert!(ttl(&store.jti_key("j")).await >= 299, "a shorter revocation must not shorten the entry");
        store.revoke(Some("k"), None, Duration::from_secs(42), day).await.unwrap();
        assert!((41..=42).contains(&ttl(&store.jti_key("k")).await));
    }

    #[tokio::test]
    async fn twenty_processes_worth_of_connections_still_give_one_first() {
        // Separate stores (separate connections) on one Redis, as separate app processes would be.
        let prefix = format!("ravyn-test:{}:", random_id().unwrap());
        let stores: Vec<RedisTokenStore> =
            (0..20).map(|_| RedisTokenStore::new(&redis_url()).unwrap().key_prefix(prefix.clone())).collect();
        let day = Duration::from_secs(86_400);
        let outcomes =
            futures_util::future::join_all(stores.iter().map(|s| s.consume("same-jti", "fam", day, day))).await;
        let outcomes: Vec<Consumed> = outcomes.into_iter().map(Result::unwrap).collect();
        assert_eq!(outcomes.iter().filter(|o| **o == Consumed::First).count(), 1, "{outcomes:?}");
    }

    #[tokio::test]
    async fn a_down_redis_is_a_store_error_within_the_timeout() {
        let store = RedisTokenStore::new("redis://127.0.0.1:1").unwrap().timeout(Duration::from_millis(300));
        let err = store.is_revoked(Some("j"), None).await.unwrap_err();
        assert!(err.to_string().starts_with("Redis EXISTS"), "{err}");
        assert!(store.consume("j", "f", Duration::from_secs(1), Duration::from_secs(1)).await.is_err());
    }

    #[test]
    fn debug_hides_the_password() {
        let store = RedisTokenStore::new("redis://:hunter2@127.0.0.1:6379").unwrap();
        assert!(!format!("{store:?}").contains("hunter2"));
    }
}
