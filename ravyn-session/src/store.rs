//! Server-side sessions: the [`SessionStore`] trait, its [`Record`], and the stores that ship with
//! Ravyn ([`MemoryStore`], and `RedisStore` with the `redis` feature).
//!
//! With `SessionConfig::store(..)`, the cookie carries only a signed random [`SessionId`]; the data
//! lives in the store, under that id, for `max_age` seconds after its last write. That buys what
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
//! - **Write**: at most one per request, after the handler, only when the session changed, its id
//!   was cycled, or its rolling refresh is due (the same rule as cookies: older than `max_age / 4`).
//!   A session that was only read is not written back. Which write, by what the request did:
//!
//!   | the request | store call |
//!   |---|---|
//!   | a new session (no record loaded) got data | [`create`](SessionStore::create) under a fresh id |
//!   | a loaded session changed, or its refresh is due | [`update`](SessionStore::update) under its id |
//!   | [`Session::cycle_id`](crate::Session::cycle_id) on a loaded session | [`cycle`](SessionStore::cycle) to a fresh id |
//!   | a loaded session was emptied (`clear()`, logout) | [`delete`](SessionStore::delete) |
//!   | `clear()` then `insert` (a new session in place of the old) | `create` under a fresh id, then `delete` of the old |
//!
//! The TTL given to each write is `max_age` (capped by what remains of `absolute_max_age`). With
//! `max_age(None)` the cookie is a browser-session cookie, and the record still expires
//! [`DEFAULT_MAX_AGE`](crate::config::DEFAULT_MAX_AGE) (4 h) after its last write, so abandoned
//! sessions do not pile up in the store.
//!
//! # Writes never bring a revoked session back
//!
//! A request loads its record, runs its handler, and writes afterwards; meanwhile another request
//! may log the session out, or an administrator may revoke it. The contract makes the revocation
//! win: [`update`](SessionStore::update) and [`cycle`](SessionStore::cycle) only ever write over a
//! record that is still live, and [`create`](SessionStore::create) never writes over one. When the
//! record is gone, the write changes nothing, and the late response **deletes the session cookie**
//! (it is a normal response, not a 503): the client is logged out, as the revocation meant. So:
//!
//! - a request in flight during logout (one that changed the session, or a read-only one whose
//!   rolling refresh is due) does not re-create the record;
//! - after `cycle_id()`, a concurrent request still holding the old id does not bring it back;
//!   whatever the interleaving, exactly one id is live afterwards (or none, if the session was
//!   deleted meanwhile);
//! - a request that arrives with an already revoked or expired cookie starts a new, empty session.
//!
//! # Concurrency: last writer wins between live writes
//!
//! Each request works on its own copy of the record and writes it whole. Two concurrent requests
//! that both *update* a live session do not merge: the one that writes last wins, and the other's
//! changes are lost (the record is never a mix of the two). That includes a removed key: if request
//! A removes `"is_admin"` while request B, which loaded the older copy, is still running, B's update
//! puts `"is_admin"` back. **To take a privilege away so that it stays away, call
//! [`cycle_id`](crate::Session::cycle_id) in the same request** (which you should do anyway when
//! privileges change): the reduced record moves to a new id atomically, and B's late write then
//! finds its id gone, changes nothing, and clears B's cookie. Deleting the session (logout) is
//! likewise never undone. Keep data that concurrent requests update (counters, carts edited from
//! two tabs) in your own tables, and keep identifiers in the session.
//!
//! # Clocks: the store's TTL is the rule
//!
//! A record is live until the store says it has expired: by its own clock (Redis's TTL, the
//! database's `now()` for the SQL stores, the store's [`Clock`](crate::Clock) for `MemoryStore`).
//! The session manager also checks the record's times (`issued_at`, `created_at`) against the
//! config's clock when it loads one, but only as a backstop for stores that keep records longer
//! than asked; it never keeps a record alive that the store has expired.
//!
//! # Errors
//!
//! A [`StoreError`] means the store could not answer: Redis down, a timeout, a refused command.
//! The framework then answers `503 {"detail":"Session store unavailable"}` and logs the error; for
//! a failed write it sends no `Set-Cookie`, so the client keeps its previous cookie. Requests whose
//! handlers do not use the session are unaffected. A record that is gone is not an error
//! ([`UpdateOutcome::Gone`]).

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

/// What [`SessionStore::create`] did.
///
/// ```
/// use ravyn_session::store::CreateOutcome;
/// assert_ne!(CreateOutcome::Created, CreateOutcome::IdTaken);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateOutcome {
    /// The record is stored under the id.
    Created,
    /// A live record already has this id; nothing was written (the manager picks another id).
    IdTaken,
}

/// What [`SessionStore::update`] did.
///
/// ```
/// use ravyn_session::store::UpdateOutcome;
/// assert_ne!(UpdateOutcome::Updated, UpdateOutcome::Gone);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateOutcome {
    /// The live record was replaced and its TTL restarted.
    Updated,
    /// There is no live record under the id (deleted, revoked, expired, never created); nothing
    /// was written. The response then deletes the session cookie.
    Gone,
}

/// What [`SessionStore::cycle`] did.
///
/// ```
/// use ravyn_session::store::CycleOutcome;
/// assert_ne!(CycleOutcome::Cycled, CycleOutcome::Gone);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CycleOutcome {
    /// The old id is dead and the record lives under the new id.
    Cycled,
    /// The old id had no live record (deleted while the request ran); nothing is live under either
    /// id. The response then deletes the session cookie.
    Gone,
    /// A live record already has the new id; nothing changed (the manager picks another id).
    IdTaken,
}

/// What [`SessionStore::delete`] did.
///
/// ```
/// use ravyn_session::store::DeleteOutcome;
/// assert_ne!(DeleteOutcome::Deleted, DeleteOutcome::NotFound);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteOutcome {
    /// A live record was removed.
    Deleted,
    /// There was no live record to remove (an expired one may have been removed). Still a success.
    NotFound,
}

/// Where server-side sessions live. Implement it for your own backend; run
/// [`conformance::run`](crate::conformance::run) against it to check the contract.
///
/// # Contract
///
/// "Live" means saved and not yet expired: a record expires `ttl` after the write that set it,
/// by the store's own clock (whole-second precision is fine: a store may keep it up to one second
/// longer). Expired and deleted records are never returned or written over as if live.
///
/// - [`load`](Self::load) returns the live record under `id`, or `Ok(None)` when there is none.
/// - [`create`](Self::create) stores a new record under `id` **only if no live record has that
///   id** ([`CreateOutcome::IdTaken`] otherwise, changing nothing). An expired record under the id
///   may be replaced.
/// - [`update`](Self::update) replaces the live record under `id` **whole** (no merge) and restarts
///   its TTL, **only if it is live**; otherwise it changes nothing and reports
///   [`UpdateOutcome::Gone`]. It never re-creates a deleted or expired record.
/// - [`cycle`](Self::cycle) moves a live session to a new id **atomically**: afterwards `old` is
///   dead and `new` holds `record`, or (when `old` was not live) nothing changed and it reports
///   [`CycleOutcome::Gone`], or (when `new` is taken) nothing changed and it reports
///   [`CycleOutcome::IdTaken`]. Of several concurrent cycles of one id, at most one succeeds.
///   The provided implementation builds this from `create` and `delete` (two round trips, correct
///   under concurrency); override it to do it in one.
/// - [`delete`](Self::delete) removes the record and says whether a live one was there; deleting
///   an id that has no record is a success ([`DeleteOutcome::NotFound`]).
/// - Ids are independent: an operation on one id never changes another's record.
/// - Operations may run concurrently, for one id or many; each is atomic (a load sees a whole
///   record from one write, never a mix; a conditional write checks and writes in one step).
/// - `ttl` is at least one second.
/// - `Err(StoreError)` means "could not answer" (unreachable, timed out). Never report a missing
///   record as an error. A stored value that cannot be decoded (e.g. written by an incompatible
///   version) should be logged and treated as missing: the session then starts empty.
/// - Bound your own time: an operation on an unreachable backend should fail within a few seconds,
///   not hang the request.
///
/// The trait is object safe (the config holds an `Arc<dyn SessionStore>`) and async through
/// [`BoxFuture`].
///
/// ```
/// use std::collections::HashMap;
/// use std::sync::{Mutex, MutexGuard};
/// use std::time::{Duration, Instant};
/// use ravyn_session::store::{
///     BoxFuture, CreateOutcome, DeleteOutcome, Record, SessionId, SessionStore, StoreError, UpdateOutcome,
/// };
///
/// /// One map behind one lock; an expired entry counts as absent. Fine for a test, see
/// /// MemoryStore for a real one.
/// #[derive(Debug, Default)]
/// struct MapStore(Mutex<HashMap<String, (Record, Instant)>>);
///
/// impl MapStore {
///     /// The map with the entry under `id` removed if it has expired.
///     fn live(&self, id: &SessionId) -> Result<MutexGuard<'_, HashMap<String, (Record, Instant)>>, StoreError> {
///         let mut map = self.0.lock().map_err(|_| StoreError::new("poisoned"))?;
///         if map.get(id.as_str()).is_some_and(|(_, expires)| *expires <= Instant::now()) {
///             map.remove(id.as_str());
///         }
///         Ok(map)
///     }
/// }
///
/// impl SessionStore for MapStore {
///     fn load<'a>(&'a self, id: &'a SessionId) -> BoxFuture<'a, Result<Option<Record>, StoreError>> {
///         Box::pin(async move { Ok(self.live(id)?.get(id.as_str()).map(|(record, _)| record.clone())) })
///     }
///     fn create<'a>(&'a self, id: &'a SessionId, record: &'a Record, ttl: Duration)
///         -> BoxFuture<'a, Result<CreateOutcome, StoreError>> {
///         Box::pin(async move {
///             let mut map = self.live(id)?;
///             if map.contains_key(id.as_str()) {
///                 return Ok(CreateOutcome::IdTaken);
///             }
///             map.insert(id.as_str().to_owned(), (record.clone(), Instant::now() + ttl));
///             Ok(CreateOutcome::Created)
///         })
///     }
///     fn update<'a>(&'a self, id: &'a SessionId, record: &'a Record, ttl: Duration)
///         -> BoxFuture<'a, Result<UpdateOutcome, StoreError>> {
///         Box::pin(async move {
///             match self.live(id)?.get_mut(id.as_str()) {
///                 Some(entry) => {
///                     *entry = (record.clone(), Instant::now() + ttl);
///                     Ok(UpdateOutcome::Updated)
///                 }
///                 None => Ok(UpdateOutcome::Gone), // deleted or expired: never re-created
///             }
///         })
///     }
///     fn delete<'a>(&'a self, id: &'a SessionId) -> BoxFuture<'a, Result<DeleteOutcome, StoreError>> {
///         Box::pin(async move {
///             Ok(match self.live(id)?.remove(id.as_str()) {
///                 Some(_) => DeleteOutcome::Deleted,
///                 None => DeleteOutcome::NotFound,
///             })
///         })
///     }
///     // `cycle` is provided (create the new id, then delete the old one).
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// ravyn_session::conformance::run(&MapStore::default()).await; // panics on a contract violation
/// # }
/// ```
pub trait SessionStore: fmt::Debug + Send + Sync + 'static {
    /// The live record under `id`, or `None` if there is none (never saved, deleted, expired).
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

    /// Stores `record` under `id`, to expire `ttl` from now, unless a live record already has
    /// that id ([`CreateOutcome::IdTaken`], nothing written).
    ///
    /// ```
    /// use std::time::Duration;
    /// use ravyn_session::store::CreateOutcome;
    /// use ravyn_session::{MemoryStore, Record, SessionId, SessionStore};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let (store, id) = (MemoryStore::new(), SessionId::random()?);
    /// let record = Record::new(serde_json::Map::new(), 1_700_000_000, 1_700_000_000);
    /// assert_eq!(store.create(&id, &record, Duration::from_secs(3600)).await?, CreateOutcome::Created);
    /// assert_eq!(store.create(&id, &record, Duration::from_secs(3600)).await?, CreateOutcome::IdTaken);
    /// assert_eq!(store.load(&id).await?, Some(record));
    /// # Ok(())
    /// # }
    /// ```
    fn create<'a>(
        &'a self,
        id: &'a SessionId,
        record: &'a Record,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<CreateOutcome, StoreError>>;

    /// Replaces the live record under `id` with `record`, to expire `ttl` from now; when there is
    /// no live record, changes nothing and reports [`UpdateOutcome::Gone`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use ravyn_session::store::{CreateOutcome, UpdateOutcome};
    /// use ravyn_session::{MemoryStore, Record, SessionId, SessionStore};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let (store, id, ttl) = (MemoryStore::new(), SessionId::random()?, Duration::from_secs(60));
    /// let record = Record::new(serde_json::Map::new(), 10, 10);
    /// store.create(&id, &record, ttl).await?;
    /// assert_eq!(store.update(&id, &Record::new(serde_json::Map::new(), 10, 20), ttl).await?, UpdateOutcome::Updated);
    /// store.delete(&id).await?; // logged out meanwhile
    /// assert_eq!(store.update(&id, &record, ttl).await?, UpdateOutcome::Gone);
    /// assert_eq!(store.load(&id).await?, None); // not brought back
    /// # Ok(())
    /// # }
    /// ```
    fn update<'a>(
        &'a self,
        id: &'a SessionId,
        record: &'a Record,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<UpdateOutcome, StoreError>>;

    /// Moves the live session under `old` to `new`, holding `record` and expiring `ttl` from now,
    /// atomically (see the trait's contract for the outcomes).
    ///
    /// The provided implementation creates `new`, then deletes `old`; if `old` was no longer live,
    /// it deletes `new` again and reports [`CycleOutcome::Gone`]. Both ids are briefly live, but
    /// `new` is known to no one yet, and of several concurrent cycles of `old` only the one whose
    /// delete removed it succeeds. Stores that can do it in one step (a transaction, a script, an
    /// `UPDATE ... SET id = new`) should override it.
    ///
    /// ```
    /// use std::time::Duration;
    /// use ravyn_session::store::{CycleOutcome, UpdateOutcome};
    /// use ravyn_session::{MemoryStore, Record, SessionId, SessionStore};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let (store, ttl) = (MemoryStore::new(), Duration::from_secs(60));
    /// let (old, new) = (SessionId::random()?, SessionId::random()?);
    /// let record = Record::new(serde_json::Map::new(), 10, 10);
    /// store.create(&old, &record, ttl).await?;
    /// assert_eq!(store.cycle(&old, &new, &record, ttl).await?, CycleOutcome::Cycled);
    /// assert_eq!(store.load(&old).await?, None);
    /// assert_eq!(store.update(&old, &record, ttl).await?, UpdateOutcome::Gone); // stays dead
    /// assert_eq!(store.load(&new).await?, Some(record));
    /// # Ok(())
    /// # }
    /// ```
    fn cycle<'a>(
        &'a self,
        old: &'a SessionId,
        new: &'a SessionId,
        record: &'a Record,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<CycleOutcome, StoreError>> {
        Box::pin(async move {
            if self.create(new, record, ttl).await? == CreateOutcome::IdTaken {
                return Ok(CycleOutcome::IdTaken);
            }
            match self.delete(old).await {
                Ok(DeleteOutcome::Deleted) => Ok(CycleOutcome::Cycled),
                Ok(DeleteOutcome::NotFound) => {
                    // Revoked while the request ran: the new id must not outlive it.
                    self.delete(new).await?;
                    Ok(CycleOutcome::Gone)
                }
                Err(error) => {
                    // Unknown whether `old` survived; `new` was never handed out, so drop it
                    // (best effort: it expires with its TTL anyway).
                    let _ = self.delete(new).await;
                    Err(error)
                }
            }
        })
    }

    /// Removes the record under `id`; reports whether a live one was there. Deleting an id that
    /// has no record succeeds ([`DeleteOutcome::NotFound`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// use ravyn_session::store::DeleteOutcome;
    /// use ravyn_session::{MemoryStore, Record, SessionId, SessionStore};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let (store, id) = (MemoryStore::new(), SessionId::random()?);
    /// store.create(&id, &Record::new(serde_json::Map::new(), 0, 0), Duration::from_secs(60)).await?;
    /// assert_eq!(store.delete(&id).await?, DeleteOutcome::Deleted);
    /// assert_eq!(store.delete(&id).await?, DeleteOutcome::NotFound); // already gone: still Ok
    /// assert_eq!(store.load(&id).await?, None);
    /// # Ok(())
    /// # }
    /// ```
    fn delete<'a>(&'a self, id: &'a SessionId) -> BoxFuture<'a, Result<DeleteOutcome, StoreError>>;
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

    fn create<'a>(
        &'a self,
        id: &'a SessionId,
        record: &'a Record,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<CreateOutcome, StoreError>> {
        (**self).create(id, record, ttl)
    }

    fn update<'a>(
        &'a self,
        id: &'a SessionId,
        record: &'a Record,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<UpdateOutcome, StoreError>> {
        (**self).update(id, record, ttl)
    }

    // Forwarded, not the provided default: the inner store's own (atomic) cycle must be used.
    fn cycle<'a>(
        &'a self,
        old: &'a SessionId,
        new: &'a SessionId,
        record: &'a Record,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<CycleOutcome, StoreError>> {
        (**self).cycle(old, new, record, ttl)
    }

    fn delete<'a>(&'a self, id: &'a SessionId) -> BoxFuture<'a, Result<DeleteOutcome, StoreError>> {
        (**self).delete(id)
    }
}

#[cfg(test)]
mod tests;
