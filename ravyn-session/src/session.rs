//! [`Session`]: one request's session, a JSON map decoded from the cookie on first use.
//!
//! Values are JSON values, as in Ravyn (`request.session` is a dict of JSON-serializable values);
//! keys keep their insertion order, like a Python dict.
//!
//! ```
//! use ravyn_session::Session;
//!
//! let session = Session::new();
//! session.insert("cart", serde_json::json!([{"sku": "A1", "qty": 2}]))?;
//! assert_eq!(session.get_value("cart").unwrap()[0]["qty"], 2);
//! # Ok::<(), ravyn_session::SessionError>(())
//! ```

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::map::Entry;
use serde_json::{Map, Value};

use crate::codec::Decoded;
use crate::incoming::IncomingCookie;
use crate::store::{BoxFuture, SessionId, StoreError};

/// Reading or writing one session value failed; names the key.
///
/// ```
/// use ravyn_session::{Session, SessionError};
///
/// let session = Session::new();
/// session.insert("user_id", "not a number").unwrap();
/// let err = session.get::<u64>("user_id").unwrap_err();
/// assert_eq!(err.key(), "user_id");
/// assert!(matches!(err, SessionError::Deserialize { .. }));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The value given to [`Session::insert`] could not be turned into JSON.
    #[error("could not serialize the session value for key `{key}`: {source}")]
    Serialize {
        /// The key being written.
        key: String,
        /// serde_json's error.
        #[source]
        source: serde_json::Error,
    },
    /// The stored value does not deserialize into the type asked of [`Session::get`].
    #[error("could not deserialize the session value for key `{key}`: {source}")]
    Deserialize {
        /// The key being read.
        key: String,
        /// serde_json's error.
        #[source]
        source: serde_json::Error,
    },
}

impl SessionError {
    /// The session key involved.
    ///
    /// ```
    /// use std::collections::HashMap;
    /// let session = ravyn_session::Session::new();
    /// let bad = HashMap::from([(vec![1u8], 1)]); // JSON object keys must be strings
    /// assert_eq!(session.insert("k", bad).unwrap_err().key(), "k");
    /// ```
    pub fn key(&self) -> &str {
        match self {
            SessionError::Serialize { key, .. } | SessionError::Deserialize { key, .. } => key,
        }
    }
}

/// Decodes the incoming cookie on first access; implemented by the session manager.
pub(crate) trait Load: Send + Sync {
    fn load(&self, incoming: IncomingCookie) -> Option<Decoded>;
}

/// Loads a store-backed session's record (verifying the id cookie first); implemented by the
/// session manager.
pub(crate) trait LoadStore: Send + Sync {
    fn load_record(&self, incoming: IncomingCookie) -> BoxFuture<'_, Result<Option<StoreLoaded>, StoreError>>;
}

/// A record found in the store for a validly signed id.
pub(crate) struct StoreLoaded {
    pub(crate) data: Map<String, Value>,
    pub(crate) origin: Origin,
    pub(crate) id: SessionId,
}

/// Where the session's data came from, once loaded: a valid cookie (or store record) or nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Origin {
    pub(crate) issued_at: u64,
    pub(crate) created_at: Option<u64>,
    pub(crate) key_index: usize,
}

enum State {
    /// Not decoded yet: the raw cookie and what can decode it.
    Pending { incoming: IncomingCookie, loader: Arc<dyn Load> },
    /// Store-backed and not loaded yet: needs `Session::load().await` before any data access.
    Unloaded { incoming: IncomingCookie, loader: Arc<dyn LoadStore> },
    /// Decoded: `Some` if a valid cookie was found.
    Loaded(Option<Origin>),
}

pub(crate) struct Inner {
    state: State,
    pub(crate) data: Map<String, Value>,
    /// A data method was called (the response then varies by cookie).
    pub(crate) accessed: bool,
    /// The data differs from what the cookie held.
    pub(crate) changed: bool,
    /// `clear()` emptied a non-empty session: the next cookie starts a new session (new creation
    /// time, and with a store a new id).
    pub(crate) cleared: bool,
    /// `cycle_id()` was called: save the data under a new id and delete the old record.
    pub(crate) cycled: bool,
    /// Store-backed: the id whose record was loaded (`None` for a new session).
    pub(crate) id: Option<SessionId>,
}

impl Inner {
    /// Decodes the cookie if that has not happened yet, and records the access.
    fn touch(&mut self) {
        self.accessed = true;
        if let State::Pending { .. } = self.state {
            let State::Pending { incoming, loader } = std::mem::replace(&mut self.state, State::Loaded(None)) else {
                return;
            };
            if let Some(decoded) = loader.load(incoming) {
                self.data = decoded.data;
                self.state = State::Loaded(Some(Origin {
                    issued_at: decoded.issued_at,
                    created_at: decoded.created_at,
                    key_index: decoded.key_index,
                }));
            }
        }
    }

    /// The valid cookie the data came from, if the session is loaded and had one.
    pub(crate) fn origin(&self) -> Option<Origin> {
        match self.state {
            State::Loaded(origin) => origin,
            State::Pending { .. } | State::Unloaded { .. } => None,
        }
    }

    pub(crate) fn is_loaded(&self) -> bool {
        matches!(self.state, State::Loaded(_))
    }
}

/// Up to this many keys, [`find`] compares `key` with each instead of hashing it.
const SCAN_LIMIT: usize = 8;

/// The value under `key`. A session usually holds a handful of keys, and comparing a short key
/// with each of them costs less than the SipHash of the map's lookup (~150 instructions a key
/// under callgrind, twice per `GET /profile` of the login example); larger maps are looked up by
/// hash.
fn find<'a>(data: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    if data.len() <= SCAN_LIMIT {
        data.iter().find_map(|(k, v)| (k == key).then_some(v))
    } else {
        data.get(key)
    }
}

/// One request's session: a map of JSON values, shared by cheap clones.
///
/// Created by `SessionManager::session` from the raw incoming cookie, it verifies and decodes the
/// cookie only when a method first looks at the data, so a handler that never touches its session
/// costs no HMAC and no JSON parse. Every data method counts as an access (the response then gets
/// `Vary: Cookie`).
///
/// # Store-backed sessions must be loaded first
///
/// With a server-side store (`SessionConfig::store`), the data comes from an async store round
/// trip, while the methods here stay synchronous. So the record is loaded *before* the handler
/// runs: the framework calls [`load`](Self::load) for every route whose handler may use its
/// session, and middleware that reads the session before the handler calls
/// `request.load_session().await` (or `session.load().await`) itself.
///
/// Every data method (`get`, `insert`, `clear`, ... and [`cycle_id`](Self::cycle_id)) **panics**
/// when called on a store-backed session that was not loaded (only possible from hand-written
/// code: middleware that skipped `load_session`, or a hand-written `Handler` whose `RouteSpec`
/// leaves `Needs::SESSION` out and uses it anyway). Answering from an empty map instead would let the
/// request overwrite, or the handler misread, the real session; the panic is caught by the
/// framework as a 500 whose log names the fix, and the stored session is left untouched.
/// [`needs_load`](Self::needs_load) tells whether a load is due.
///
/// ```
/// use ravyn_session::Session;
///
/// let session = Session::new();
/// session.insert("user_id", 1)?;
/// session.insert("email", "alice@example.com")?;
/// assert_eq!(session.get::<u64>("user_id")?, Some(1));
/// assert_eq!(session.keys(), ["user_id", "email"]);
/// session.clear();
/// assert!(session.is_empty());
/// # Ok::<(), ravyn_session::SessionError>(())
/// ```
#[derive(Clone)]
pub struct Session {
    // A std Mutex, not tokio's: one request's session is touched by that request's tasks only, so
    // the lock is uncontended; every critical section is short and synchronous (never held across an
    // .await, and no user code such as a Serialize impl runs under it). Being synchronous keeps the
    // API free of .await and the lock cheap. A panic while holding it cannot leave the map half
    // updated in a way that matters (each method is one map operation), so a poisoned lock is
    // recovered with `PoisonError::into_inner` instead of failing every later request step.
    inner: Arc<Mutex<Inner>>,
}

impl Default for Session {
    fn default() -> Self {
        Session::from_state(State::Loaded(None))
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = self.lock();
        let mut d = f.debug_struct("Session");
        match &inner.state {
            State::Pending { incoming, .. } | State::Unloaded { incoming, .. } => {
                let cookie = match incoming {
                    IncomingCookie::Absent => "absent",
                    IncomingCookie::One(_) => "present",
                    IncomingCookie::Ambiguous => "ambiguous",
                };
                d.field("loaded", &false).field("cookie", &cookie);
            }
            // Keys only: values may be secrets.
            State::Loaded(_) => {
                d.field("loaded", &true).field("keys", &inner.data.keys().collect::<Vec<_>>());
            }
        }
        d.field("accessed", &inner.accessed).field("changed", &inner.changed).finish()
    }
}

impl Session {
    /// An empty session not tied to any cookie (a brand-new session). Sessions for requests come
    /// from `SessionManager::session`.
    ///
    /// ```
    /// let session = ravyn_session::Session::new();
    /// assert!(session.is_empty());
    /// ```
    pub fn new() -> Self {
        Session::default()
    }

    pub(crate) fn pending(incoming: IncomingCookie, loader: Arc<dyn Load>) -> Self {
        match incoming {
            // Nothing to decode: skip the deferred step entirely.
            IncomingCookie::Absent => Session::default(),
            incoming => Session::from_state(State::Pending { incoming, loader }),
        }
    }

    pub(crate) fn from_store(incoming: IncomingCookie, loader: Arc<dyn LoadStore>) -> Self {
        match incoming {
            // No cookie, no record to look for: a new session, ready without a store round trip.
            IncomingCookie::Absent => Session::default(),
            incoming => Session::from_state(State::Unloaded { incoming, loader }),
        }
    }

    fn from_state(state: State) -> Self {
        Session {
            inner: Arc::new(Mutex::new(Inner {
                state,
                data: Map::new(),
                accessed: false,
                changed: false,
                cleared: false,
                cycled: false,
                id: None,
            })),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Locks, decodes the cookie if needed and records the access.
    ///
    /// # Panics
    ///
    /// On a store-backed session not loaded yet (see the type's doc).
    #[track_caller]
    fn access(&self) -> MutexGuard<'_, Inner> {
        let mut inner = self.lock();
        if let State::Unloaded { .. } = inner.state {
            drop(inner); // not poisoned by the panic
            not_loaded();
        }
        inner.touch();
        inner
    }

    /// Loads a store-backed session's record, if that has not happened yet: verifies the id
    /// cookie, then one store round trip. Does nothing for cookie sessions (they decode on first
    /// use), sessions without a cookie, and sessions already loaded; does not count as an access.
    ///
    /// The framework calls it before every handler that may use its session; middleware that
    /// reads the session before calling `next` calls it (through `request.load_session()`) first.
    ///
    /// # Errors
    ///
    /// The store's error when it could not answer; the framework answers such a request 503.
    ///
    /// ```
    /// use ravyn_session::{IncomingCookie, MemoryStore, SessionConfig, SessionManager};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let manager = SessionManager::new(SessionConfig::new("secret").store(MemoryStore::new()))?;
    /// let session = manager.session(IncomingCookie::One("some-cookie-value".to_owned()));
    /// assert!(session.needs_load());
    /// session.load().await?; // an invalid cookie: no store round trip, an empty session
    /// assert!(!session.needs_load());
    /// assert!(session.is_empty());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn load(&self) -> Result<(), StoreError> {
        let (incoming, loader) = match &self.lock().state {
            State::Unloaded { incoming, loader } => (incoming.clone(), loader.clone()),
            _ => return Ok(()),
        };
        let loaded = loader.load_record(incoming).await?;
        let mut inner = self.lock();
        // Two concurrent loads: the first to finish wins, the other's result is dropped.
        if let State::Unloaded { .. } = inner.state {
            match loaded {
                Some(StoreLoaded { data, origin, id }) => {
                    inner.data = data;
                    inner.id = Some(id);
                    inner.state = State::Loaded(Some(origin));
                }
                None => inner.state = State::Loaded(None),
            }
        }
        Ok(())
    }

    /// Whether this is a store-backed session whose record must be [`load`](Self::load)ed before
    /// its data can be used. Never true for cookie sessions or requests without a session cookie.
    ///
    /// ```
    /// use ravyn_session::{IncomingCookie, MemoryStore, SessionConfig, SessionManager};
    ///
    /// let manager = SessionManager::new(SessionConfig::new("secret").store(MemoryStore::new())).unwrap();
    /// assert!(!manager.session(IncomingCookie::Absent).needs_load());
    /// assert!(manager.session(IncomingCookie::One("x".into())).needs_load());
    /// ```
    pub fn needs_load(&self) -> bool {
        matches!(self.lock().state, State::Unloaded { .. })
    }

    /// Keeps the data but moves it to a new session id, deleting the old record, when the response
    /// is sent. Call it when privileges change (at login, before storing the user) to defeat
    /// session fixation: an id an attacker planted or learned before login is worthless after it.
    ///
    /// With a server-side store, the old id's record is deleted and the cookie carries the new id.
    /// With cookie sessions there is no server-side id to fix; the cookie is simply re-issued.
    /// Counts as an access.
    ///
    /// ```
    /// let session = ravyn_session::Session::new();
    /// session.cycle_id();
    /// session.insert("user_id", 1)?;
    /// assert_eq!(session.get::<u64>("user_id")?, Some(1)); // the data is kept
    /// # Ok::<(), ravyn_session::SessionError>(())
    /// ```
    #[track_caller]
    pub fn cycle_id(&self) {
        self.access().cycled = true;
    }

    /// The value under `key` deserialized into `T`; `Ok(None)` if there is none, an error if it does
    /// not fit `T`.
    ///
    /// ```
    /// let session = ravyn_session::Session::new();
    /// session.insert("cart", vec![3, 4])?;
    /// assert_eq!(session.get::<Vec<u32>>("cart")?, Some(vec![3, 4]));
    /// assert_eq!(session.get::<u32>("missing")?, None);
    /// # Ok::<(), ravyn_session::SessionError>(())
    /// ```
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, SessionError> {
        // Cloned so the Deserialize impl runs without the lock held.
        let Some(value) = self.get_value(key) else { return Ok(None) };
        serde_json::from_value(value)
            .map(Some)
            .map_err(|source| SessionError::Deserialize { key: key.to_owned(), source })
    }

    /// The raw JSON value under `key`.
    ///
    /// ```
    /// let session = ravyn_session::Session::new();
    /// session.insert("n", 1)?;
    /// assert_eq!(session.get_value("n"), Some(serde_json::json!(1)));
    /// # Ok::<(), ravyn_session::SessionError>(())
    /// ```
    pub fn get_value(&self, key: &str) -> Option<Value> {
        find(&self.access().data, key).cloned()
    }

    /// Stores `value` (as JSON) under `key`. The session counts as changed (a new cookie is sent) only
    /// if the stored value differs from what was there.
    ///
    /// ```
    /// let session = ravyn_session::Session::new();
    /// session.insert("user_id", 1)?;
    /// assert!(session.was_changed());
    /// # Ok::<(), ravyn_session::SessionError>(())
    /// ```
    #[allow(clippy::needless_pass_by_value)] // by value, like HashMap::insert, so `insert("k", 1)` reads naturally
    pub fn insert(&self, key: impl Into<String>, value: impl Serialize) -> Result<(), SessionError> {
        let key = key.into();
        // Serialized before locking: a Serialize impl is user code.
        let value = serde_json::to_value(&value).and_then(|value| {
            if key == RAW_VALUE_TOKEN || holds_raw_value_token(&value) {
                Err(serde::ser::Error::custom(format_args!(
                    "the object key `{RAW_VALUE_TOKEN}` is reserved by serde_json: a session holding it could not be read back"
                )))
            } else {
                Ok(value)
            }
        });
        let mut inner = self.access();
        let value = value.map_err(|source| SessionError::Serialize { key: key.clone(), source })?;
        // One lookup for both the comparison and the write.
        match inner.data.entry(key) {
            Entry::Occupied(mut slot) if *slot.get() != value => {
                slot.insert(value);
            }
            Entry::Occupied(_) => return Ok(()),
            Entry::Vacant(slot) => {
                slot.insert(value);
            }
        }
        inner.changed = true;
        Ok(())
    }

    /// Removes `key`, returning its value. Other keys keep their order.
    ///
    /// ```
    /// let session = ravyn_session::Session::new();
    /// session.insert("flash", "saved")?;
    /// assert_eq!(session.remove("flash"), Some(serde_json::json!("saved")));
    /// assert_eq!(session.remove("flash"), None);
    /// # Ok::<(), ravyn_session::SessionError>(())
    /// ```
    pub fn remove(&self, key: &str) -> Option<Value> {
        let mut inner = self.access();
        let removed = inner.data.shift_remove(key);
        if removed.is_some() {
            inner.changed = true;
        }
        removed
    }

    /// Whether `key` is present.
    ///
    /// ```
    /// let session = ravyn_session::Session::new();
    /// assert!(!session.contains_key("user_id"));
    /// ```
    pub fn contains_key(&self, key: &str) -> bool {
        find(&self.access().data, key).is_some()
    }

    /// The keys, in insertion order.
    ///
    /// ```
    /// let session = ravyn_session::Session::new();
    /// session.insert("b", 1)?;
    /// session.insert("a", 2)?;
    /// assert_eq!(session.keys(), ["b", "a"]);
    /// # Ok::<(), ravyn_session::SessionError>(())
    /// ```
    pub fn keys(&self) -> Vec<String> {
        self.access().data.keys().cloned().collect()
    }

    /// The number of keys.
    ///
    /// ```
    /// let session = ravyn_session::Session::new();
    /// session.insert("a", 1)?;
    /// assert_eq!(session.len(), 1);
    /// # Ok::<(), ravyn_session::SessionError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.access().data.len()
    }

    /// Whether the session holds nothing.
    ///
    /// ```
    /// assert!(ravyn_session::Session::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.access().data.is_empty()
    }

    /// Removes everything (logout). Clearing a session that came from a cookie deletes the cookie;
    /// anything inserted afterwards starts a new session (new creation time).
    ///
    /// ```
    /// let session = ravyn_session::Session::new();
    /// session.insert("user_id", 1)?;
    /// session.clear();
    /// assert!(session.is_empty());
    /// # Ok::<(), ravyn_session::SessionError>(())
    /// ```
    pub fn clear(&self) {
        let mut inner = self.access();
        if !inner.data.is_empty() {
            inner.data.clear();
            inner.changed = true;
            inner.cleared = true;
        }
    }

    /// All key/value pairs, in insertion order.
    ///
    /// ```
    /// let session = ravyn_session::Session::new();
    /// session.insert("a", true)?;
    /// assert_eq!(session.entries(), [("a".to_owned(), serde_json::json!(true))]);
    /// # Ok::<(), ravyn_session::SessionError>(())
    /// ```
    pub fn entries(&self) -> Vec<(String, Value)> {
        self.access().data.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    /// Whether any data method was called (the response then depends on the cookie: `Vary: Cookie`).
    /// Does not itself count as an access and never decodes.
    ///
    /// ```
    /// let session = ravyn_session::Session::new();
    /// assert!(!session.was_accessed());
    /// session.contains_key("user_id");
    /// assert!(session.was_accessed());
    /// ```
    pub fn was_accessed(&self) -> bool {
        self.lock().accessed
    }

    /// The store id this session's record was loaded under: `None` for cookie sessions, a
    /// session not loaded (yet), and a new one (no cookie, or a cookie whose record is gone). A
    /// CSRF token is bound to it. Does not count as an access.
    ///
    /// ```
    /// assert!(ravyn_session::Session::new().loaded_id().is_none());
    /// ```
    pub fn loaded_id(&self) -> Option<SessionId> {
        self.lock().id.clone()
    }

    /// Whether the response moves this session to a new identity: [`cycle_id`](Self::cycle_id)
    /// was called, or [`clear`](Self::clear) emptied it (logout). What a CSRF token bound to the
    /// session is rotated on. Does not count as an access and never decodes.
    ///
    /// ```
    /// let session = ravyn_session::Session::new();
    /// assert!(!session.was_cycled_or_cleared());
    /// session.cycle_id();
    /// assert!(session.was_cycled_or_cleared());
    /// ```
    pub fn was_cycled_or_cleared(&self) -> bool {
        let inner = self.lock();
        inner.cycled || inner.cleared
    }

    /// Whether the data was changed (insert of a different value, remove of a present key, clear of
    /// a non-empty session). Does not count as an access and never decodes.
    ///
    /// ```
    /// let session = ravyn_session::Session::new();
    /// session.clear(); // already empty: no change
    /// assert!(!session.was_changed());
    /// ```
    pub fn was_changed(&self) -> bool {
        self.lock().changed
    }
}

/// The panic of a data method on an unloaded store-backed session.
#[cold]
#[track_caller]
fn not_loaded() -> ! {
    panic!(
        "the session was used before it was loaded from its store: call `request.load_session().await` \
         (or `session.load().await`) before using the session in middleware, and do not leave \
         `Needs::SESSION` out of the RouteSpec of a hand-written Handler that uses its session"
    )
}

/// The object key serde_json (with its `raw_value` feature, on in every build that has sqlx's
/// PostgreSQL driver, and in ours) reads as "the value is raw JSON text": an object whose first key
/// it is does not deserialize back into a `Value`. Found by the `session_cookie` fuzz target: a
/// session holding it was written out and then read back as invalid, an empty session.
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// Whether `value` has an object with the key [`RAW_VALUE_TOKEN`] anywhere inside it.
fn holds_raw_value_token(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.iter().any(|(key, value)| key == RAW_VALUE_TOKEN || holds_raw_value_token(value)),
        Value::Array(items) => items.iter().any(holds_raw_value_token),
        _ => false,
    }
}

#[cfg(test)]
mod tests;
