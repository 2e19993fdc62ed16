//! Server-side sessions: the [`SessionStore`] trait, its [`Record`], and the stores that ship with
//! Ravyn ([`MemoryStore`], and `RedisStore` with the `redis` feature).
//!
//! With `SessionConfig::store(..)`, the cookie carries only a signed random [`SessionId`]; the data
//! lives in the store, under that id, for `max_age` seconds after its last save. That buys what
//! cookie sessions cannot do: **revocation** (`clear()` deletes the record, so a replayed cookie
//! finds nothing), sessions **larger than 4 KB**, and data the **client never sees**.
//!
//! ```
//! use ravyn_session::{IncomingCookie, MemoryStore, SessionConfig, SessionManager};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let store = MemoryStore::new();
//! let manager = SessionManager::new(
//!     SessionConfig::new("a-long-random-secret-of-at-least-32-bytes").store(store.clone()),
//! )?;
//!
//! // Log in: the data goes to the store, the cookie holds `ID.SIGNATURE`.
//! let session = manager.session(IncomingCookie::Absent);
//! session.insert("user_id", 1)?;
//! let header = manager.finish(&session).await?;
//! let cookie = header.header_value().unwrap().split(';').next().unwrap().to_owned();
//! assert!(!cookie.contains("user_id"));
//! assert_eq!(store.len(), 1);
//!
//! // The next request loads the record (one store round trip) before reading it.
//! let session = manager.session(IncomingCookie::from_cookie_headers("session", [cookie.as_str()]));
//! session.load().await?;
//! assert_eq!(session.get::<u64>("user_id")?, Some(1));
//! # Ok(())
//! # }
//! ```
//!
//! # The cookie
//!
//! ```text
//! value = ID "." SIG
//! ID    = base64url, no padding, of 16 bytes (128 bits) from ring's SystemRandom   (22 characters)
//! SIG   = base64url, no padding, of HMAC-SHA256(K, NAME "=" ID)                    (43 characters)
//! K     = HKDF-SHA256(salt = "ravyn-session HKDF salt v1", ikm = secret,
//!                     info = "ravyn-session store-id v1 HMAC-SHA256")
//! ```
//!
//! The id alone is unguessable; the signature adds two things. A forged or garbage cookie is
//! rejected by an HMAC check before it costs a store round trip (so junk cookies cannot be used to
//! hammer Redis), and the cookie is bound to its name and to the app's secret like the Signed
//! format's. Fallback secrets verify old cookies, which are then re-issued under the primary.
//! The cookie carries no time: expiry is the store's TTL, so the server alone decides when a
//! session ends.
//!
//! # When the store is consulted
//!
//! - **Load**: at most once per request, and only when the request carries a validly signed id
//!   *and* its handler may use the session (the route attributes tell). A request without a session
//!   cookie, or whose handler never calls `session()`, makes no store round trip.
//! - **Save**: once per request, after the handler, only when the session changed, its id was
//!   cycled, or its rolling refresh is due (the same rule as cookies: older than `max_age / 4`).
//!   A session that was only read is not written back.
//! - **Delete**: when a loaded session is emptied (`clear()`, logout), and for the old id when
//!   [`Session::cycle_id`](crate::Session::cycle_id) or `clear()` moved the data to a new id.
//!
//! The TTL given to [`SessionStore::save`] is `max_age` (capped by what remains of
//! `absolute_max_age`). With `max_age(None)` the cookie is a browser-session cookie, and the record
//! still expires [`DEFAULT_MAX_AGE`](crate::config::DEFAULT_MAX_AGE) (4 h) after its last save, so
//! abandoned sessions do not pile up in the store.
//!
//! # Concurrency: last writer wins, per request
//!
//! Each request loads the record once, works on its own copy, and saves the whole record after its
//! handler. Two concurrent requests of one session therefore do not merge: the one that saves last
//! wins, and the other's changes are lost. The record is never a mix of the two (a save replaces
//! the whole record) and never lost altogether. A rolling refresh is a save too (of the data the
//! request loaded), so a read-only request whose refresh is due can overwrite a concurrent write
//! made between its load and its save; that window opens at most once per `max_age / 4`. Keep data
//! that concurrent requests update (counters, carts edited from two tabs) in your own tables, and
//! keep identifiers in the session.
//!
//! # Errors
//!
//! A [`StoreError`] means the store could not answer: Redis down, a timeout, a refused command.
//! The framework then answers `503 {"detail":"Session store unavailable"}` and logs the error; for
//! a failed save it sends no `Set-Cookie`, so the client keeps its previous cookie. Requests whose
//! handlers do not use the session are unaffected.

mod id;
mod memory;
#[cfg(feature = "redis")]
mod redis;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub(crate) use id::IdSigner;
pub use id::SessionId;
pub use memory::MemoryStore;
#[cfg(feature = "redis")]
pub use redis::RedisStore;

/// A boxed, sendable future: what [`SessionStore`] methods return, so the trait stays object safe
/// without an `async-trait` dependency.
///
/// ```
/// use ravyn_session::store::BoxFuture;
/// let answer: BoxFuture<'static, u32> = Box::pin(async { 42 });
/// # let _ = answer;
/// ```
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One session as a store keeps it: the data and the two times the session rules need.
///
/// Serializes to JSON as `{"data":{..},"created_at":1700000000,"issued_at":1700000000}` (how
/// `RedisStore` writes it); a store may keep it in any form that gives the same
/// record back.
///
/// ```
/// use ravyn_session::store::Record;
///
/// let mut data = serde_json::Map::new();
/// data.insert("user_id".into(), 1.into());
/// let record = Record::new(data, 1_700_000_000, 1_700_000_000);
/// let json = serde_json::to_string(&record)?;
/// assert_eq!(json, r#"{"data":{"user_id":1},"created_at":1700000000,"issued_at":1700000000}"#);
/// assert_eq!(serde_json::from_str::<Record>(&json)?, record);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Record {
    /// The session's key/value pairs, in insertion order.
    pub data: Map<String, Value>,
    /// When the session was created (seconds since the Unix epoch): `absolute_max_age` counts from
    /// here. Kept across saves, reset when the session is cleared.
    pub created_at: u64,
    /// When this record was last saved: rolling refresh re-saves a record older than `max_age / 4`.
    pub issued_at: u64,
}

impl Record {
    /// A record holding `data`, for a session created at `created_at` and saved at `issued_at`.
    ///
    /// ```
    /// let record = ravyn_session::store::Record::new(serde_json::Map::new(), 10, 20);
    /// assert_eq!((record.created_at, record.issued_at), (10, 20));
    /// ```
    pub fn new(data: Map<String, Value>, created_at: u64, issued_at: u64) -> Self {
        Record { data, created_at, issued_at }
    }
}

/// A store could not answer: unreachable, timed out, or refused the command.
///
/// The framework answers such a request `503 {"detail":"Session store unavailable"}` and logs this
/// error (its message and source chain); the client never sees it.
///
/// ```
/// use ravyn_session::StoreError;
///
/// let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
/// let err = StoreError::with_source("redis GET failed", io);
/// assert_eq!(err.to_string(), "redis GET failed");
/// assert!(std::error::Error::source(&err).is_some());
/// assert_eq!(StoreError::new("disk full").to_string(), "disk full");
/// ```
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct StoreError {
    message: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl StoreError {
    /// An error described by `message`.
    ///
    /// ```
    /// let err = ravyn_session::StoreError::new("backend unavailable");
    /// assert_eq!(err.to_string(), "backend unavailable");
    /// ```
    pub fn new(message: impl Into<String>) -> Self {
        StoreError { message: message.into(), source: None }
    }

    /// An error described by `message`, caused by `source` (kept for the log's source chain).
    ///
    /// ```
    /// use std::error::Error;
    /// let err = ravyn_session::StoreError::with_source("load failed", std::fmt::Error);
    /// assert!(err.source().is_some());
    /// ```
    pub fn with_source(
        message: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        StoreError { message: message.into(), source: Some(source.into()) }
    }
}

/// Where server-side sessions live. Implement it for your own backend; run
/// [`testing::run`](crate::testing::run) against it to check the contract.
///
/// # Contract
///
/// - [`load`](Self::load) returns the record last saved under `id`, or `Ok(None)` when there is
///   none: never saved, deleted, or expired. A record must not be returned once its TTL has
///   elapsed (whole-second precision is fine: a store may keep it up to one second longer).
/// - [`save`](Self::save) stores `record` under `id`, replacing any previous record **whole** (no
///   merge), with a time to live of `ttl` counted from this save. A later save of the same id sets
///   a new TTL (rolling refresh relies on that). `ttl` is at least one second.
/// - [`delete`](Self::delete) removes the record; deleting an id that has no record is `Ok(())`.
/// - Ids are independent: an operation on one id never changes another's record.
/// - Operations may run concurrently, for one id or many; each is atomic (a load sees a whole
///   record from one save, never a mix).
/// - `Err(StoreError)` means "could not answer" (unreachable, timed out). Never report a missing
///   record as an error. A stored value that cannot be decoded (e.g. written by an incompatible
///   version) should be logged and treated as missing: the session then starts empty and the next
///   save replaces it.
/// - Bound your own time: an operation on an unreachable backend should fail within a few seconds,
///   not hang the request.
///
/// The trait is object safe (the config holds an `Arc<dyn SessionStore>`) and async through
/// [`BoxFuture`].
///
/// ```
/// use std::collections::HashMap;
/// use std::sync::Mutex;
/// use std::time::{Duration, Instant};
/// use ravyn_session::store::{BoxFuture, Record, SessionId, SessionStore, StoreError};
///
/// /// One global map with lazy expiry: fine for a test, see MemoryStore for a real one.
/// #[derive(Debug, Default)]
/// struct MapStore(Mutex<HashMap<String, (Record, Instant)>>);
///
/// impl SessionStore for MapStore {
///     fn load<'a>(&'a self, id: &'a SessionId) -> BoxFuture<'a, Result<Option<Record>, StoreError>> {
///         Box::pin(async move {
///             let mut map = self.0.lock().map_err(|_| StoreError::new("poisoned"))?;
///             match map.get(id.as_str()) {
///                 Some((record, expires)) if Instant::now() < *expires => Ok(Some(record.clone())),
///                 Some(_) => { map.remove(id.as_str()); Ok(None) }
///                 None => Ok(None),
///             }
///         })
///     }
///     fn save<'a>(&'a self, id: &'a SessionId, record: &'a Record, ttl: Duration)
///         -> BoxFuture<'a, Result<(), StoreError>> {
///         Box::pin(async move {
///             let mut map = self.0.lock().map_err(|_| StoreError::new("poisoned"))?;
///             map.insert(id.as_str().to_owned(), (record.clone(), Instant::now() + ttl));
///             Ok(())
///         })
///     }
///     fn delete<'a>(&'a self, id: &'a SessionId) -> BoxFuture<'a, Result<(), StoreError>> {
///         Box::pin(async move {
///             self.0.lock().map_err(|_| StoreError::new("poisoned"))?.remove(id.as_str());
///             Ok(())
///         })
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// ravyn_session::testing::run(&MapStore::default()).await; // panics on a contract violation
/// # }
/// ```
pub trait SessionStore: fmt::Debug + Send + Sync + 'static {
    /// The record saved under `id`, or `None` if there is none (never saved, deleted, expired).
    ///
    /// ```
    /// use ravyn_session::{MemoryStore, SessionId, SessionStore};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let store = MemoryStore::new();
    /// assert_eq!(store.load(&SessionId::random()?).await?, None);
    /// # Ok(())
    /// # }
    /// ```
    fn load<'a>(&'a self, id: &'a SessionId) -> BoxFuture<'a, Result<Option<Record>, StoreError>>;

    /// Stores `record` under `id`, replacing any previous one, to expire `ttl` after this save.
    ///
    /// ```
    /// use std::time::Duration;
    /// use ravyn_session::{MemoryStore, Record, SessionId, SessionStore};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let (store, id) = (MemoryStore::new(), SessionId::random()?);
    /// let record = Record::new(serde_json::Map::new(), 1_700_000_000, 1_700_000_000);
    /// store.save(&id, &record, Duration::from_secs(3600)).await?;
    /// assert_eq!(store.load(&id).await?, Some(record));
    /// # Ok(())
    /// # }
    /// ```
    fn save<'a>(
        &'a self,
        id: &'a SessionId,
        record: &'a Record,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Removes the record under `id`; `Ok(())` if there was none.
    ///
    /// ```
    /// use std::time::Duration;
    /// use ravyn_session::{MemoryStore, Record, SessionId, SessionStore};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let (store, id) = (MemoryStore::new(), SessionId::random()?);
    /// store.save(&id, &Record::new(serde_json::Map::new(), 0, 0), Duration::from_secs(60)).await?;
    /// store.delete(&id).await?;
    /// store.delete(&id).await?; // already gone: still Ok
    /// assert_eq!(store.load(&id).await?, None);
    /// # Ok(())
    /// # }
    /// ```
    fn delete<'a>(&'a self, id: &'a SessionId) -> BoxFuture<'a, Result<(), StoreError>>;
}

/// A shared store is a store: keep an `Arc` to inspect or wrap it while the config holds a clone.
///
/// ```
/// use std::sync::Arc;
/// use ravyn_session::{MemoryStore, SessionConfig, SessionStore};
///
/// let store: Arc<dyn SessionStore> = Arc::new(MemoryStore::new());
/// let config = SessionConfig::new("secret").store(store.clone());
/// assert!(config.get_store().is_some());
/// ```
impl<S: SessionStore + ?Sized> SessionStore for Arc<S> {
    fn load<'a>(&'a self, id: &'a SessionId) -> BoxFuture<'a, Result<Option<Record>, StoreError>> {
        (**self).load(id)
    }

    fn save<'a>(
        &'a self,
        id: &'a SessionId,
        record: &'a Record,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        (**self).save(id, record, ttl)
    }

    fn delete<'a>(&'a self, id: &'a SessionId) -> BoxFuture<'a, Result<(), StoreError>> {
        (**self).delete(id)
    }
}

#[cfg(test)]
mod tests;
