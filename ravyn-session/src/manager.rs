//! [`SessionManager`]: built once per app; makes each request's [`Session`] and, after the handler,
//! the `Set-Cookie` to send ([`CookieUpdate`]).
//!
//! The rules of [`SessionManager::finish`], in order:
//!
//! 1. Session never accessed: [`CookieUpdate::None`], without decoding anything.
//! 2. Session now empty: [`CookieUpdate::Delete`] if the handler emptied a session that came from a
//!    valid cookie (`clear()`, or removing the last key); otherwise nothing (a session that was
//!    already empty, or an invalid or ambiguous cookie, is left alone).
//! 3. Session changed: [`CookieUpdate::Set`] with a fresh cookie.
//! 4. Unchanged, from a valid cookie that verified under a fallback secret: re-issued under the
//!    primary secret.
//! 5. Unchanged, with rolling expiry (the default), from a valid cookie issued more than
//!    [`SessionConfig::refresh_interval`] (`max_age / 4`) ago: re-issued with a new issue time.
//! 6. Otherwise nothing.
//!
//! A re-issued cookie keeps the session's creation time (for `absolute_max_age`) unless the handler
//! cleared the session first. With `absolute_max_age`, `Max-Age` is capped to the session's remaining
//! absolute lifetime so the browser drops the cookie when the server would refuse it.
//!
//! With a server-side store (`SessionConfig::store`) the same rules decide, and each one that sends
//! a cookie also writes the record, with TTL `max_age`: a new session is
//! [`create`](crate::SessionStore::create)d under a fresh random id, a changed, fallback-signed or
//! refresh-due one is [`update`](crate::SessionStore::update)d under its id, a
//! [`cycle_id`](Session::cycle_id) is a [`cycle`](crate::SessionStore::cycle) to a fresh id, and
//! `clear()` then `insert` creates a new session and deletes the old record. Rule 2's deletion
//! also deletes the record. When the record was deleted or expired while the request ran (a
//! logout elsewhere), the update or cycle changes nothing and `finish` answers
//! [`CookieUpdate::Delete`]: the revocation wins, and the client is logged out. A store error makes
//! `finish` fail with [`FinishError::Store`] (the core answers 503 and sends no cookie).
//!
//! ```
//! use ravyn_session::{CookieUpdate, IncomingCookie, SessionConfig, SessionManager};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let manager = SessionManager::new(SessionConfig::new("a-long-random-secret-of-at-least-32-bytes"))?;
//! let session = manager.session(IncomingCookie::Absent);
//! session.clear(); // already empty
//! assert_eq!(manager.finish(&session).await?, CookieUpdate::None);
//! # Ok(())
//! # }
//! ```

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};

use crate::codec::{Codec, Decoded, EncodeError};
use crate::config::{SessionConfig, SessionConfigError, DEFAULT_MAX_AGE};
use crate::incoming::IncomingCookie;
use crate::session::{Load, LoadStore, Origin, Session, StoreLoaded};
use crate::set_cookie;
use crate::store::{
    BoxFuture, CreateOutcome, CycleOutcome, IdSigner, Record, SessionId, SessionStore, StoreError, UpdateOutcome,
};

/// The largest `Set-Cookie` header value (name, value and attributes) browsers are required to keep
/// (RFC 6265 section 6.1); larger ones are silently dropped by them.
///
/// ```
/// use ravyn_session::{manager::MAX_SET_COOKIE_LEN, FinishError};
///
/// let err = FinishError::TooLarge { size: 5000, limit: MAX_SET_COOKIE_LEN };
/// assert!(err.to_string().contains("4096"));
/// ```
pub const MAX_SET_COOKIE_LEN: usize = 4096;

/// Secrets shorter than this get a warning at start-up.
const STRONG_SECRET_LEN: usize = 32;

/// What the response should do with the session cookie.
///
/// ```
/// use ravyn_session::CookieUpdate;
///
/// let update = CookieUpdate::Set("session=abc; HttpOnly".to_owned());
/// assert_eq!(update.header_value(), Some("session=abc; HttpOnly"));
/// assert_eq!(CookieUpdate::None.header_value(), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CookieUpdate {
    /// Send no `Set-Cookie`.
    None,
    /// Send this `Set-Cookie` header value: a new or refreshed session cookie.
    Set(String),
    /// Send this `Set-Cookie` header value: it deletes the session cookie.
    Delete(String),
}

impl CookieUpdate {
    /// The `Set-Cookie` header value to send, if any.
    ///
    /// ```
    /// let update = ravyn_session::CookieUpdate::Delete("session=; Max-Age=0".to_owned());
    /// assert_eq!(update.header_value(), Some("session=; Max-Age=0"));
    /// ```
    pub fn header_value(&self) -> Option<&str> {
        match self {
            CookieUpdate::None => None,
            CookieUpdate::Set(h) | CookieUpdate::Delete(h) => Some(h),
        }
    }
}

/// Why the session cookie could not be written. The core answers 500 and sends no session cookie
/// (the client keeps its previous one).
///
/// ```
/// let err = ravyn_session::FinishError::TooLarge { size: 5000, limit: 4096 };
/// assert!(err.to_string().contains("5000"));
/// assert!(err.to_string().contains("server-side"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FinishError {
    /// The `Set-Cookie` header would exceed [`MAX_SET_COOKIE_LEN`]; browsers would drop it silently.
    #[error(
        "the session cookie would be {size} bytes, over the {limit}-byte limit browsers keep; \
         store less in the session, or use a server-side session store"
    )]
    TooLarge {
        /// The header value's length in bytes.
        size: usize,
        /// The limit ([`MAX_SET_COOKIE_LEN`]).
        limit: usize,
    },
    /// The cookie could not be encoded.
    #[error("could not encode the session cookie: {0}")]
    Encode(#[from] EncodeError),
    /// The server-side store could not save or delete the session (the core answers 503).
    #[error("the session store failed: {0}")]
    Store(#[from] StoreError),
}

struct Shared {
    config: SessionConfig,
    codec: Codec,
    /// Signs store ids (used only with a store).
    ids: IdSigner,
    /// How many cookies were decoded: lets tests prove laziness.
    #[cfg(test)]
    decodes: std::sync::atomic::AtomicUsize,
}

impl Load for Shared {
    fn load(&self, incoming: IncomingCookie) -> Option<Decoded> {
        let name = self.config.get_session_cookie();
        match incoming {
            IncomingCookie::Absent => None,
            IncomingCookie::Ambiguous => {
                tracing::debug!(
                    cookie = name,
                    "several cookies named {name:?} (set for different paths or domains?); \
                     ignoring them all: the session starts empty and none is deleted"
                );
                None
            }
            IncomingCookie::One(value) => {
                #[cfg(test)]
                self.decodes.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                match self.codec.decode(&value, self.config.get_clock().now()) {
                    Ok(decoded) => Some(decoded),
                    Err(reason) => {
                        tracing::debug!(cookie = name, %reason, "ignoring the session cookie: the session starts empty");
                        None
                    }
                }
            }
        }
    }
}

impl Shared {
    /// How long a stored record lives after a save: `max_age` (or the default when the cookie is a
    /// browser-session cookie), capped by what remains of `absolute_max_age`; at least 1 s.
    fn store_ttl(&self, created_at: u64, now: u64) -> u64 {
        let idle = self.config.get_max_age().unwrap_or(DEFAULT_MAX_AGE);
        let ttl = match self.config.get_absolute_max_age() {
            Some(absolute) => idle.min(created_at.saturating_add(absolute).saturating_sub(now)),
            None => idle,
        };
        ttl.max(1)
    }

    /// Rolling refresh for stored records: a quarter of their TTL, when rolling is on.
    fn store_refresh_interval(&self) -> Option<u64> {
        self.config.get_rolling().then(|| self.config.get_max_age().unwrap_or(DEFAULT_MAX_AGE) / 4)
    }
}

impl LoadStore for Shared {
    fn load_record(&self, incoming: IncomingCookie) -> BoxFuture<'_, Result<Option<StoreLoaded>, StoreError>> {
        Box::pin(async move {
            let Some(store) = self.config.get_store() else { return Ok(None) };
            let name = self.config.get_session_cookie();
            let value = match incoming {
                IncomingCookie::Absent => return Ok(None),
                IncomingCookie::Ambiguous => {
                    tracing::debug!(
                        cookie = name,
                        "several cookies named {name:?}; ignoring them all: the session starts empty"
                    );
                    return Ok(None);
                }
                IncomingCookie::One(value) => value,
            };
            // The signature first: a forged or garbage cookie costs no store round trip.
            let (id, key_index) = match self.ids.verify(name, &value) {
                Ok(verified) => verified,
                Err(reason) => {
                    tracing::debug!(cookie = name, %reason, "ignoring the session cookie: the session starts empty");
                    return Ok(None);
                }
            };
            let Some(record) = store.load(&id).await? else {
                tracing::debug!(
                    cookie = name,
                    session = %id,
                    "no session record for this id (expired, logged out or never saved): the session starts empty"
                );
                return Ok(None);
            };
            // The store's TTL is the rule; these checks only cover stores that keep records longer.
            let now = self.config.get_clock().now();
            let idle = self.config.get_max_age().unwrap_or(DEFAULT_MAX_AGE);
            let absolute_expired = self
                .config
                .get_absolute_max_age()
                .is_some_and(|absolute| now.saturating_sub(record.created_at) > absolute);
            if now.saturating_sub(record.issued_at) > idle || absolute_expired {
                tracing::debug!(cookie = name, session = %id, "session record past its lifetime: the session starts empty");
                return Ok(None);
            }
            let origin = Origin { issued_at: record.issued_at, created_at: Some(record.created_at), key_index };
            Ok(Some(StoreLoaded { data: record.data, origin, id }))
        })
    }
}

/// What `finish` does with a store, decided under the session's lock, done after it: one store
/// write per request, chosen by what the request did (the table in the `store` module doc).
enum StorePlan {
    Nothing,
    /// Delete the record and the cookie.
    Delete(SessionId),
    /// A new session under a fresh id; `replaces` is the record it takes the place of (`clear()`
    /// then `insert`), deleted afterwards.
    Create {
        record: Record,
        replaces: Option<SessionId>,
    },
    /// The loaded session, changed or due for its refresh, under its id.
    Update {
        id: SessionId,
        record: Record,
    },
    /// The loaded session moved to a fresh id (`cycle_id`).
    Cycle {
        old: SessionId,
        record: Record,
    },
}

/// How many fresh ids `finish` tries when the store reports one taken. With 128 random bits a
/// collision means a broken random generator or store, so this only bounds the loop.
const ID_ATTEMPTS: usize = 3;

/// Makes sessions from incoming cookies and cookies from sessions, for one app's [`SessionConfig`].
///
/// Cheap to clone (an `Arc`).
///
/// ```
/// use ravyn_session::{CookieUpdate, IncomingCookie, SessionConfig, SessionManager};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let manager = SessionManager::new(SessionConfig::new("a-long-random-secret-of-at-least-32-bytes"))?;
///
/// // Request 1: log in.
/// let session = manager.session(IncomingCookie::Absent);
/// session.insert("user_id", 1)?;
/// let CookieUpdate::Set(header) = manager.finish(&session).await? else { unreachable!() };
///
/// // Request 2: the browser sends the cookie back.
/// let value = header.split(';').next().unwrap().strip_prefix("session=").unwrap();
/// let session = manager.session(IncomingCookie::One(value.to_owned()));
/// assert_eq!(session.get::<u64>("user_id")?, Some(1));
/// assert_eq!(manager.finish(&session).await?, CookieUpdate::None);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct SessionManager {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for SessionManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionManager").field("config", &self.shared.config).finish_non_exhaustive()
    }
}

impl SessionManager {
    /// Validates the config and derives the keys. A secret shorter than 32 bytes is accepted with a
    /// warning log: use a long random secret (e.g. 32 random bytes, base64-encoded) in production.
    ///
    /// ```
    /// use ravyn_session::{SessionConfig, SessionManager};
    ///
    /// assert!(SessionManager::new(SessionConfig::new("")).is_err());
    /// assert!(SessionManager::new(SessionConfig::new("short but accepted")).is_ok());
    /// ```
    pub fn new(config: SessionConfig) -> Result<Self, SessionConfigError> {
        config.validate()?;
        if config.get_secret_key().len() < STRONG_SECRET_LEN {
            tracing::warn!(
                len = config.get_secret_key().len(),
                "the session secret_key is shorter than {STRONG_SECRET_LEN} bytes; \
                 use a strong random secret (e.g. 32 random bytes, base64-encoded)"
            );
        }
        let codec = Codec::new(&config);
        let ids = IdSigner::new(&config.key_ring());
        Ok(SessionManager {
            shared: Arc::new(Shared {
                config,
                codec,
                ids,
                #[cfg(test)]
                decodes: std::sync::atomic::AtomicUsize::new(0),
            }),
        })
    }

    /// The session cookie's name.
    ///
    /// ```
    /// use ravyn_session::{SessionConfig, SessionManager};
    /// let manager = SessionManager::new(SessionConfig::new("k").session_cookie("sid")).unwrap();
    /// assert_eq!(manager.cookie_name(), "sid");
    /// ```
    pub fn cookie_name(&self) -> &str {
        self.shared.config.get_session_cookie()
    }

    /// The config this manager was built with.
    ///
    /// ```
    /// use ravyn_session::{SessionConfig, SessionManager};
    /// let manager = SessionManager::new(SessionConfig::new("k").max_age(60)).unwrap();
    /// assert_eq!(manager.config().get_max_age(), Some(60));
    /// ```
    pub fn config(&self) -> &SessionConfig {
        &self.shared.config
    }

    /// The codec: encodes and decodes cookie values in the configured format.
    ///
    /// ```
    /// use ravyn_session::{CookieFormat, SessionConfig, SessionManager};
    /// let manager = SessionManager::new(SessionConfig::new("k")).unwrap();
    /// assert_eq!(manager.codec().format(), CookieFormat::Signed);
    /// ```
    pub fn codec(&self) -> &Codec {
        &self.shared.codec
    }

    /// The session for one request, from what the request's `Cookie` headers hold under
    /// [`cookie_name`](Self::cookie_name). Nothing is verified or decoded until the session's data is
    /// first used.
    ///
    /// ```
    /// use ravyn_session::{IncomingCookie, SessionConfig, SessionManager};
    ///
    /// let manager = SessionManager::new(SessionConfig::new("k")).unwrap();
    /// let session = manager.session(IncomingCookie::One("tampered".to_owned()));
    /// assert!(!session.was_accessed());
    /// assert!(session.is_empty()); // decoded now: invalid, so empty (and a debug log)
    /// ```
    ///
    /// With a store, the session must be [loaded](Session::load) before its data is used (the core
    /// does it before each handler that may use the session).
    pub fn session(&self, incoming: IncomingCookie) -> Session {
        match self.shared.config.get_store() {
            Some(_) => Session::from_store(incoming, self.shared.clone()),
            None => Session::pending(incoming, self.shared.clone()),
        }
    }

    /// The server-side id a request's session cookie names, its signature verified (one HMAC, no
    /// store round trip): what a CSRF token is bound to. `None` for cookie sessions (they have no
    /// server-side id), and for no cookie, several cookies of the name, or one that does not verify.
    ///
    /// ```
    /// use ravyn_session::{IncomingCookie, MemoryStore, SessionConfig, SessionManager};
    ///
    /// let manager = SessionManager::new(SessionConfig::new("k").store(MemoryStore::new())).unwrap();
    /// assert!(manager.verified_id(&IncomingCookie::One("forged".to_owned())).is_none());
    /// assert!(manager.verified_id(&IncomingCookie::Absent).is_none());
    /// ```
    pub fn verified_id(&self, incoming: &IncomingCookie) -> Option<SessionId> {
        self.shared.config.get_store()?;
        let IncomingCookie::One(value) = incoming else { return None };
        self.shared.ids.verify(self.cookie_name(), value).ok().map(|(id, _)| id)
    }

    /// What to do with the cookie once the handler is done with `session` (rules in the module doc).
    /// Does no I/O for cookie sessions; with a store, saves or deletes the record (at most one save
    /// and one delete).
    ///
    /// ```
    /// use ravyn_session::{CookieUpdate, IncomingCookie, Session, SessionConfig, SessionManager};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let manager = SessionManager::new(SessionConfig::new("k"))?;
    /// let untouched = manager.session(IncomingCookie::Absent);
    /// assert_eq!(manager.finish(&untouched).await?, CookieUpdate::None);
    ///
    /// let session = manager.session(IncomingCookie::Absent);
    /// session.insert("user_id", 1)?;
    /// let update = manager.finish(&session).await?;
    /// assert!(update.header_value().unwrap().starts_with("session="));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn finish(&self, session: &Session) -> Result<CookieUpdate, FinishError> {
        match self.shared.config.get_store() {
            // Boxed: the store's save future is a few hundred bytes that every request's future
            // would otherwise carry, cookie sessions' included.
            Some(store) => Box::pin(self.finish_store(store.as_ref(), session)).await,
            None => self.finish_now(session),
        }
    }

    /// The cookie value (what follows `name=`, not the whole header) of a brand-new session holding
    /// `data`: lets a test client start a request already logged in. Fails like
    /// [`finish`](Self::finish) if the cookie would be too large.
    ///
    /// ```
    /// use ravyn_session::{IncomingCookie, SessionConfig, SessionManager};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let manager = SessionManager::new(SessionConfig::new("k"))?;
    /// let mut data = serde_json::Map::new();
    /// data.insert("user_id".into(), 1.into());
    /// let value = manager.cookie_for(data).await?;
    /// let session = manager.session(IncomingCookie::One(value));
    /// assert_eq!(session.get::<u64>("user_id")?, Some(1));
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// With a store, the data is saved under a new id and the value is that id, signed.
    pub async fn cookie_for(&self, data: Map<String, Value>) -> Result<String, FinishError> {
        let now = self.shared.config.get_clock().now();
        if let Some(store) = self.shared.config.get_store() {
            let record = Record::new(data, now, now);
            self.set_cookie_header(&self.shared.ids.sign(self.cookie_name(), &SessionId::placeholder()), now, now)?;
            let id = self.create(store.as_ref(), &record, now).await?;
            return Ok(self.shared.ids.sign(self.cookie_name(), &id));
        }
        let value = self.shared.codec.encode(&data, now, now).map_err(encode_error)?;
        self.set_cookie_header(&value, now, now)?;
        Ok(value)
    }

    /// Decides the store write under the session's lock (nothing is awaited while it is held).
    fn store_plan(&self, session: &Session, now: u64) -> StorePlan {
        let inner = session.lock();
        if !inner.accessed || !inner.is_loaded() {
            return StorePlan::Nothing;
        }
        let origin = inner.origin();
        if inner.data.is_empty() {
            return match &inner.id {
                Some(id) if inner.changed || inner.cycled => StorePlan::Delete(id.clone()),
                _ => StorePlan::Nothing,
            };
        }
        let refresh_due = origin
            .is_some_and(|o| self.shared.store_refresh_interval().is_some_and(|i| now.saturating_sub(o.issued_at) > i));
        let rotated = origin.is_some_and(|o| o.key_index != 0);
        if !(inner.changed || inner.cycled || refresh_due || rotated) {
            return StorePlan::Nothing;
        }
        let created_at = match origin {
            Some(o) if !inner.cleared => o.created_at.unwrap_or(now),
            _ => now,
        };
        let record = Record::new(inner.data.clone(), created_at, now);
        match inner.id.clone() {
            None => StorePlan::Create { record, replaces: None },
            // Cleared, then given new data: a new session, not a continuation of the old one.
            Some(old) if inner.cleared => StorePlan::Create { record, replaces: Some(old) },
            Some(old) if inner.cycled => StorePlan::Cycle { old, record },
            Some(id) => StorePlan::Update { id, record },
        }
    }

    async fn finish_store(&self, store: &dyn SessionStore, session: &Session) -> Result<CookieUpdate, FinishError> {
        let now = self.shared.config.get_clock().now();
        let plan = self.store_plan(session, now);
        let record = match &plan {
            StorePlan::Nothing => return Ok(CookieUpdate::None),
            StorePlan::Delete(id) => {
                store.delete(id).await?;
                return Ok(CookieUpdate::Delete(set_cookie::deletion_cookie(&self.shared.config)));
            }
            StorePlan::Create { record, .. } | StorePlan::Update { record, .. } | StorePlan::Cycle { record, .. } => {
                record
            }
        };
        let created_at = record.created_at;
        // Every signed id has the same length, so the header's size is known before the id is:
        // a cookie too large to send fails the request before anything is written.
        self.set_cookie_header(&self.shared.ids.sign(self.cookie_name(), &SessionId::placeholder()), now, created_at)?;
        let ttl = Duration::from_secs(self.shared.store_ttl(created_at, now));
        let id = match plan {
            StorePlan::Create { record, replaces } => {
                let id = self.create(store, &record, now).await?;
                // After the create: if this delete fails, the answer is a 503 and the old id stays
                // valid until its TTL (a failed logout is never reported as a success).
                if let Some(old) = replaces {
                    store.delete(&old).await?;
                }
                id
            }
            StorePlan::Update { id, record } => match store.update(&id, &record, ttl).await? {
                UpdateOutcome::Updated => id,
                UpdateOutcome::Gone => return Ok(self.revoked_meanwhile(&id)),
            },
            StorePlan::Cycle { old, record } => {
                let mut attempts = 0;
                loop {
                    let new = SessionId::random()?;
                    match store.cycle(&old, &new, &record, ttl).await? {
                        CycleOutcome::Cycled => break new,
                        CycleOutcome::Gone => return Ok(self.revoked_meanwhile(&old)),
                        CycleOutcome::IdTaken => {
                            attempts += 1;
                            if attempts == ID_ATTEMPTS {
                                return Err(id_collisions().into());
                            }
                        }
                    }
                }
            }
            StorePlan::Nothing | StorePlan::Delete(_) => return Ok(CookieUpdate::None),
        };
        let value = self.shared.ids.sign(self.cookie_name(), &id);
        Ok(CookieUpdate::Set(self.set_cookie_header(&value, now, created_at)?))
    }

    /// Creates `record` under a fresh id, trying another when the store reports one taken.
    async fn create(&self, store: &dyn SessionStore, record: &Record, now: u64) -> Result<SessionId, FinishError> {
        let ttl = Duration::from_secs(self.shared.store_ttl(record.created_at, now));
        for _ in 0..ID_ATTEMPTS {
            let id = SessionId::random()?;
            match store.create(&id, record, ttl).await? {
                CreateOutcome::Created => return Ok(id),
                CreateOutcome::IdTaken => {
                    tracing::warn!(session = %id, "the session store reports a fresh random id as taken; trying another");
                }
            }
        }
        Err(id_collisions().into())
    }

    /// The session's record was deleted (logout, revocation) or expired while this request ran:
    /// its write changed nothing, and the cookie is deleted so the client is logged out too.
    fn revoked_meanwhile(&self, id: &SessionId) -> CookieUpdate {
        tracing::debug!(
            cookie = self.cookie_name(),
            session = %id,
            "the session record was deleted or expired while this request ran (logged out elsewhere?); \
             its changes are dropped and the session cookie is deleted"
        );
        CookieUpdate::Delete(set_cookie::deletion_cookie(&self.shared.config))
    }

    fn finish_now(&self, session: &Session) -> Result<CookieUpdate, FinishError> {
        let config = &self.shared.config;
        let inner = session.lock();
        if !inner.accessed || !inner.is_loaded() {
            return Ok(CookieUpdate::None);
        }
        let origin = inner.origin();
        if inner.data.is_empty() {
            return Ok(if inner.changed && origin.is_some() {
                CookieUpdate::Delete(set_cookie::deletion_cookie(config))
            } else {
                CookieUpdate::None
            });
        }
        let now = config.get_clock().now();
        let reissue = inner.changed
            || inner.cycled
            || origin.is_some_and(|o| {
                o.key_index != 0
                    || config.refresh_interval().is_some_and(|interval| now.saturating_sub(o.issued_at) > interval)
            });
        if !reissue {
            return Ok(CookieUpdate::None);
        }
        let created_at = match origin {
            Some(o) if !inner.cleared => o.created_at.unwrap_or(now),
            _ => now,
        };
        let value = self.shared.codec.encode(&inner.data, now, created_at).map_err(encode_error)?;
        drop(inner);
        Ok(CookieUpdate::Set(self.set_cookie_header(&value, now, created_at)?))
    }

    fn set_cookie_header(&self, value: &str, now: u64, created_at: u64) -> Result<String, FinishError> {
        let config = &self.shared.config;
        let max_age = config.get_max_age().map(|max_age| match config.get_absolute_max_age() {
            Some(absolute) => max_age.min(created_at.saturating_add(absolute).saturating_sub(now)),
            None => max_age,
        });
        let header = set_cookie::session_cookie(config, value, now, max_age);
        if header.len() > MAX_SET_COOKIE_LEN {
            return Err(FinishError::TooLarge { size: header.len(), limit: MAX_SET_COOKIE_LEN });
        }
        Ok(header)
    }

    #[cfg(test)]
    fn decodes(&self) -> usize {
        self.shared.decodes.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// The store kept reporting fresh random ids as taken.
fn id_collisions() -> StoreError {
    StoreError::new(format!(
        "the session store reported {ID_ATTEMPTS} fresh random session ids as taken; \
         is the random generator or the store broken?"
    ))
}

/// A codec error as the manager reports it: a value too long to be read back is a session too
/// large for its cookie, like any cookie over [`MAX_SET_COOKIE_LEN`].
fn encode_error(error: EncodeError) -> FinishError {
    match error {
        EncodeError::TooLong { len } => FinishError::TooLarge { size: len, limit: MAX_SET_COOKIE_LEN },
        other => FinishError::Encode(other),
    }
}

#[cfg(test)]
mod tests;
