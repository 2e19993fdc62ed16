//! [`RedisConnection`]: the Redis plumbing every Redis-backed store shares (sessions'
//! `RedisStore`, the JWT crate's `RedisTokenStore`): URL parsing with the password kept out of
//! messages, one lazily opened, self-reconnecting multiplexed connection, and a time bound on every
//! command.
//!
//! ```no_run
//! use ravyn_session::redis_connection::RedisConnection;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), ravyn_session::StoreError> {
//! let redis = RedisConnection::new("redis://127.0.0.1:6379")?;
//! let pong: String = redis.run("PING", redis::cmd("PING")).await?;
//! assert_eq!(pong, "PONG");
//! # Ok(())
//! # }
//! ```

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::store::StoreError;

/// Default bound on one command, connecting included.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

/// One Redis server, reached through the `redis` crate's tokio [`ConnectionManager`]: one
/// multiplexed connection (clones share it) that reconnects by itself, opened on first use so that
/// [`new`](Self::new) needs no running Redis and no async context.
///
/// **When Redis is down**, each command fails with a [`StoreError`] within
/// [`timeout`](Self::timeout) (default 2 s; connecting is bounded by it too, and a refused
/// connection fails at once), and the next command tries to reconnect, so service resumes by
/// itself when Redis is back. `Debug` and every error show the address, never the password.
///
/// ```
/// use ravyn_session::redis_connection::RedisConnection;
///
/// let redis = RedisConnection::new("redis://:hunter2@127.0.0.1:6379")?;
/// assert!(!format!("{redis:?}").contains("hunter2"));
/// # Ok::<(), ravyn_session::StoreError>(())
/// ```
#[derive(Clone)]
pub struct RedisConnection {
    client: redis::Client,
    timeout: Duration,
    /// Created on first use, inside the runtime that serves requests.
    connection: Arc<OnceLock<ConnectionManager>>,
}

impl std::fmt::Debug for RedisConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The connection info may hold a password: show the address only.
        f.debug_struct("RedisConnection")
            .field("addr", &self.client.get_connection_info().addr())
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl RedisConnection {
    /// A connection to the Redis at `url` (`redis://[[user]:password@]host[:port][/db]`, or
    /// `redis+unix:///path`). Only parses the URL: the connection is opened on first use.
    ///
    /// # Errors
    ///
    /// When `url` is not a Redis URL (the message shows it without its password).
    ///
    /// ```
    /// use ravyn_session::redis_connection::RedisConnection;
    ///
    /// assert!(RedisConnection::new("redis://127.0.0.1:6379/0").is_ok());
    /// let err = RedisConnection::new("http://user:hunter2@example.com").unwrap_err();
    /// assert!(!err.to_string().contains("hunter2"));
    /// ```
    pub fn new(url: &str) -> Result<Self, StoreError> {
        let client = redis::Client::open(url)
            .map_err(|error| StoreError::with_source(format!("invalid Redis URL {:?}", redact(url)), error))?;
        Ok(RedisConnection { client, timeout: DEFAULT_TIMEOUT, connection: Arc::new(OnceLock::new()) })
    }

    /// Sets the bound on each command, connecting and retrying included (default 2 s).
    ///
    /// ```
    /// use std::time::Duration;
    /// use ravyn_session::redis_connection::RedisConnection;
    ///
    /// let redis = RedisConnection::new("redis://127.0.0.1")?.timeout(Duration::from_millis(500));
    /// assert_eq!(redis.get_timeout(), Duration::from_millis(500));
    /// # Ok::<(), ravyn_session::StoreError>(())
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The bound on each command.
    ///
    /// ```
    /// let redis = ravyn_session::redis_connection::RedisConnection::new("redis://127.0.0.1")?;
    /// assert_eq!(redis.get_timeout(), std::time::Duration::from_secs(2));
    /// # Ok::<(), ravyn_session::StoreError>(())
    /// ```
    pub fn get_timeout(&self) -> Duration {
        self.timeout
    }

    fn connection(&self) -> Result<ConnectionManager, StoreError> {
        if let Some(connection) = self.connection.get() {
            return Ok(connection.clone());
        }
        // Bounded reconnection: a few quick attempts, each bounded in time, so a request waits at
        // most about `timeout` (the outer bound in `run` has the last word anyway).
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(self.timeout))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(250));
        let connection = ConnectionManager::new_lazy_with_config(self.client.clone(), config)
            .map_err(|error| StoreError::with_source("could not set up the Redis connection", error))?;
        // Two first requests racing here both build one; the loser's is dropped unused.
        Ok(self.connection.get_or_init(|| connection).clone())
    }

    /// Runs `command` within the timeout; `op` names it in the error (`"Redis GET failed"`,
    /// `"Redis GET timed out after 2s"`).
    ///
    /// ```
    /// use std::time::Duration;
    /// use ravyn_session::redis_connection::RedisConnection;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Nothing listens on port 1: refused at once.
    /// let redis = RedisConnection::new("redis://127.0.0.1:1").unwrap().timeout(Duration::from_millis(300));
    /// let err = redis.run::<String>("PING", redis::cmd("PING")).await.unwrap_err();
    /// assert!(err.to_string().starts_with("Redis PING"));
    /// # }
    /// ```
    pub async fn run<T: redis::FromRedisValue>(&self, op: &'static str, command: redis::Cmd) -> Result<T, StoreError> {
        let mut connection = self.connection()?;
        match tokio::time::timeout(self.timeout, command.query_async::<T>(&mut connection)).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(StoreError::with_source(format!("Redis {op} failed"), error)),
            Err(_) => Err(StoreError::new(format!("Redis {op} timed out after {:?}", self.timeout))),
        }
    }
}

/// The URL without its password, for messages.
pub(crate) fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => format!("{}://***{}", &url[..scheme], &url[at..]),
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_hides_the_password_only() {
        assert_eq!(redact("redis://user:hunter2@host:6379/0"), "redis://***@host:6379/0");
        assert_eq!(redact("redis://host"), "redis://host");
    }
}
