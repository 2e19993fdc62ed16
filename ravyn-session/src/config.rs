//! [`SessionConfig`]: Ravyn's session settings, plus the options Ravyn lacks.
//!
//! Builder style: every setter takes and returns the config, so a config reads as one expression.
//! Because a setter and a getter cannot share a name in Rust, the getters are spelled `get_*` (and
//! `is_*` for flags).
//!
//! ```
//! use ravyn_session::{SameSite, SessionConfig};
//!
//! let config = SessionConfig::new("a-long-random-secret-of-at-least-32-bytes")
//!     .session_cookie("sid")
//!     .max_age(3600)
//!     .same_site(SameSite::Strict)
//!     .https_only(true);
//! assert!(config.validate().is_ok());
//! assert_eq!(config.get_session_cookie(), "sid");
//! ```

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use crate::clock::{Clock, SystemClock};
use crate::cookie_attributes::{AttributeNames, CookieAttributes};
use crate::keyring::KeyRing;
use crate::store::SessionStore;

/// Default `max_age`: 14400 seconds (4 hours), as on Ravyn's `SessionConfig` page.
///
/// ```
/// use ravyn_session::{config::DEFAULT_MAX_AGE, SessionConfig};
/// assert_eq!(SessionConfig::new("k").get_max_age(), Some(DEFAULT_MAX_AGE));
/// ```
pub const DEFAULT_MAX_AGE: u64 = 14_400;

/// The `SameSite` attribute of the session cookie.
///
/// Parses case-insensitively from `"lax"`, `"strict"` and `"none"` (for configs read from strings)
/// and displays in lower case, as Ravyn spells it.
///
/// ```
/// use ravyn_session::SameSite;
///
/// let s: SameSite = "Strict".parse().unwrap();
/// assert_eq!(s, SameSite::Strict);
/// assert_eq!(s.to_string(), "strict");
/// assert_eq!(SameSite::default(), SameSite::Lax);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SameSite {
    /// Sent on same-site requests and top-level cross-site navigations (the default).
    #[default]
    Lax,
    /// Sent on same-site requests only.
    Strict,
    /// Sent on every request; browsers require `Secure` with it, so it needs `https_only(true)`.
    None,
}

impl SameSite {
    /// The lower-case spelling: `"lax"`, `"strict"` or `"none"`.
    ///
    /// ```
    /// assert_eq!(ravyn_session::SameSite::None.as_str(), "none");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            SameSite::Lax => "lax",
            SameSite::Strict => "strict",
            SameSite::None => "none",
        }
    }
}

impl fmt::Display for SameSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing a [`SameSite`] from a string other than lax/strict/none.
///
/// ```
/// let err = "sometimes".parse::<ravyn_session::SameSite>().unwrap_err();
/// assert!(err.to_string().contains("sometimes"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid same_site value {0:?}: expected \"lax\", \"strict\" or \"none\"")]
pub struct ParseSameSiteError(String);

impl FromStr for SameSite {
    type Err = ParseSameSiteError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            v if v.eq_ignore_ascii_case("lax") => Ok(SameSite::Lax),
            v if v.eq_ignore_ascii_case("strict") => Ok(SameSite::Strict),
            v if v.eq_ignore_ascii_case("none") => Ok(SameSite::None),
            _ => Err(ParseSameSiteError(s.to_owned())),
        }
    }
}

/// How the session is written into the cookie. See the `codec` module for each layout.
///
/// Parses case-insensitively from `"signed"`, `"ravyn"` and `"private"`.
///
/// ```
/// use ravyn_session::CookieFormat;
///
/// assert_eq!(CookieFormat::default(), CookieFormat::Signed);
/// assert_eq!("PRIVATE".parse::<CookieFormat>().unwrap(), CookieFormat::Private);
/// assert_eq!(CookieFormat::Ravyn.to_string(), "ravyn");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum CookieFormat {
    /// Our own format (the default): JSON, base64url, issue and creation times, HMAC-SHA256 over the
    /// cookie name, the payload and the times. The client can read the data but not alter it.
    #[default]
    Signed,
    /// Byte-compatible with Python Ravyn / Lilya / Starlette (itsdangerous `TimestampSigner`), for
    /// sharing logins with a Python service. Cannot carry `absolute_max_age`; not bound to the cookie
    /// name; the client can read the data.
    Ravyn,
    /// AES-256-GCM: the client can neither read nor alter the data.
    Private,
}

impl CookieFormat {
    /// The lower-case name: `"signed"`, `"ravyn"` or `"private"`.
    ///
    /// ```
    /// assert_eq!(ravyn_session::CookieFormat::Signed.as_str(), "signed");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            CookieFormat::Signed => "signed",
            CookieFormat::Ravyn => "ravyn",
            CookieFormat::Private => "private",
        }
    }
}

impl fmt::Display for CookieFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing a [`CookieFormat`] from an unknown name.
///
/// ```
/// assert!("json".parse::<ravyn_session::CookieFormat>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid cookie_format value {0:?}: expected \"signed\", \"ravyn\" or \"private\"")]
pub struct ParseCookieFormatError(String);

impl FromStr for CookieFormat {
    type Err = ParseCookieFormatError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            v if v.eq_ignore_ascii_case("signed") => Ok(CookieFormat::Signed),
            v if v.eq_ignore_ascii_case("ravyn") => Ok(CookieFormat::Ravyn),
            v if v.eq_ignore_ascii_case("private") => Ok(CookieFormat::Private),
            _ => Err(ParseCookieFormatError(s.to_owned())),
        }
    }
}

/// An invalid [`SessionConfig`]: names the offending field and says why.
///
/// ```
/// use ravyn_session::SessionConfig;
///
/// let err = SessionConfig::new("").validate().unwrap_err();
/// assert_eq!(err.field(), "secret_key");
/// assert!(err.to_string().contains("secret_key"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid session config field `{field}`: {reason}")]
pub struct SessionConfigError {
    field: &'static str,
    reason: String,
}

impl SessionConfigError {
    fn new(field: &'static str, reason: impl Into<String>) -> Self {
        SessionConfigError { field, reason: reason.into() }
    }

    /// The name of the invalid field, as the builder method spells it (`"secret_key"`, `"domain"`...).
    ///
    /// ```
    /// let err = ravyn_session::SessionConfig::new("k").max_age(0).validate().unwrap_err();
    /// assert_eq!(err.field(), "max_age");
    /// ```
    pub fn field(&self) -> &'static str {
        self.field
    }

    /// Why the value was rejected.
    ///
    /// ```
    /// let err = ravyn_session::SessionConfig::new("k").path("api").validate().unwrap_err();
    /// assert!(err.reason().contains("/"));
    /// ```
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// Session settings: Ravyn's `SessionConfig` (same fields and defaults) plus domain, browser-session
/// cookies, key rotation, rolling expiry, cookie formats and an absolute lifetime.
///
/// | setter | default | meaning |
/// |---|---|---|
/// | [`new(secret_key)`](Self::new) | required | secret the cookies are signed/encrypted with |
/// | [`session_cookie`](Self::session_cookie) | `"session"` | cookie name |
/// | [`max_age`](Self::max_age) | `Some(14400)` | idle lifetime in seconds; `None`: browser-session cookie |
/// | [`same_site`](Self::same_site) | `Lax` | `SameSite` attribute |
/// | [`https_only`](Self::https_only) | `false` | `Secure` attribute |
/// | [`path`](Self::path) | `"/"` | `Path` attribute |
/// | [`domain`](Self::domain) | none | `Domain` attribute |
/// | [`fallback_secrets`](Self::fallback_secrets) | none | old secrets still accepted (key rotation) |
/// | [`rolling`](Self::rolling) | `true` | re-issue an active session's cookie so its expiry slides |
/// | [`cookie_format`](Self::cookie_format) | `Signed` | how the cookie is written |
/// | [`absolute_max_age`](Self::absolute_max_age) | off | hard lifetime from the session's creation |
/// | [`clock`](Self::clock) | [`SystemClock`] | time source (inject a `ManualClock` in tests) |
/// | [`store`](Self::store) | none (cookie sessions) | server-side store; the cookie then holds only a signed id |
///
/// `Debug` never prints the secrets.
///
/// ```
/// use ravyn_session::SessionConfig;
///
/// let config = SessionConfig::new("my-secret");
/// assert_eq!(config.get_session_cookie(), "session");
/// assert_eq!(config.get_max_age(), Some(14400));
/// assert!(!format!("{config:?}").contains("my-secret"));
/// ```
#[derive(Clone)]
pub struct SessionConfig {
    secret_key: String,
    /// `session_cookie`, `same_site`, `https_only` (`Secure`), `path` and `domain`; always
    /// `HttpOnly`.
    cookie: CookieAttributes,
    max_age: Option<u64>,
    fallback_secrets: Vec<String>,
    rolling: bool,
    cookie_format: CookieFormat,
    absolute_max_age: Option<u64>,
    clock: Arc<dyn Clock>,
    store: Option<Arc<dyn SessionStore>>,
}

impl fmt::Debug for SessionConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionConfig")
            .field("secret_key", &"<redacted>")
            .field("session_cookie", &self.cookie.get_name())
            .field("max_age", &self.max_age)
            .field("same_site", &self.cookie.get_same_site())
            .field("https_only", &self.cookie.get_secure())
            .field("path", &self.cookie.get_path())
            .field("domain", &self.cookie.get_domain())
            .field("fallback_secrets", &format_args!("<{} redacted>", self.fallback_secrets.len()))
            .field("rolling", &self.rolling)
            .field("cookie_format", &self.cookie_format)
            .field("absolute_max_age", &self.absolute_max_age)
            .field("clock", &self.clock)
            .field("store", &self.store)
            .finish()
    }
}

impl SessionConfig {
    /// A config with Ravyn's defaults and the given secret.
    ///
    /// The secret should be long and random (32 bytes or more; `SessionManager::new` logs a warning
    /// below that). An empty secret fails [`validate`](Self::validate).
    ///
    /// ```
    /// let config = ravyn_session::SessionConfig::new(String::from("secret"));
    /// assert_eq!(config.get_secret_key(), "secret");
    /// ```
    pub fn new(secret_key: impl Into<String>) -> Self {
        SessionConfig {
            secret_key: secret_key.into(),
            cookie: CookieAttributes::new("session"),
            max_age: Some(DEFAULT_MAX_AGE),
            fallback_secrets: Vec::new(),
            rolling: true,
            cookie_format: CookieFormat::Signed,
            absolute_max_age: None,
            clock: Arc::new(SystemClock),
            store: None,
        }
    }

    /// Sets the cookie name (default `"session"`). Must be an RFC 6265 token; a `__Host-` or
    /// `__Secure-` prefix also requires what browsers require of it.
    ///
    /// ```
    /// let config = ravyn_session::SessionConfig::new("k").session_cookie("sid");
    /// assert_eq!(config.get_session_cookie(), "sid");
    /// ```
    pub fn session_cookie(mut self, name: impl Into<String>) -> Self {
        self.cookie = self.cookie.name(name);
        self
    }

    /// Sets the idle lifetime in seconds (default `Some(14400)`, 4 hours).
    ///
    /// A cookie issued longer ago than this is rejected by the server even if a client keeps sending
    /// it, and the cookie carries `Max-Age`/`Expires` so the browser drops it too. With
    /// [`rolling`](Self::rolling) an active session's cookie is re-issued, so the lifetime counts from
    /// the last activity (within a quarter of `max_age`).
    ///
    /// `None` makes a browser-session cookie (no `Max-Age`, no `Expires`: the browser drops it when it
    /// closes) and the server then applies **no idle expiry at all**: only
    /// [`absolute_max_age`](Self::absolute_max_age), if set, limits how long such a cookie is accepted.
    /// `0` is invalid.
    ///
    /// ```
    /// use ravyn_session::SessionConfig;
    ///
    /// assert_eq!(SessionConfig::new("k").max_age(3600).get_max_age(), Some(3600));
    /// assert_eq!(SessionConfig::new("k").max_age(None).get_max_age(), None);
    /// ```
    pub fn max_age(mut self, seconds: impl Into<Option<u64>>) -> Self {
        self.max_age = seconds.into();
        self
    }

    /// Sets the `SameSite` attribute (default [`SameSite::Lax`]). [`SameSite::None`] requires
    /// [`https_only(true)`](Self::https_only).
    ///
    /// ```
    /// use ravyn_session::{SameSite, SessionConfig};
    ///
    /// let config = SessionConfig::new("k").same_site(SameSite::Strict);
    /// assert_eq!(config.get_same_site(), SameSite::Strict);
    /// ```
    pub fn same_site(mut self, same_site: SameSite) -> Self {
        self.cookie = self.cookie.same_site(same_site);
        self
    }

    /// Marks the cookie `Secure`, sent over HTTPS only (default `false`; turn it on in production).
    ///
    /// ```
    /// assert!(ravyn_session::SessionConfig::new("k").https_only(true).get_https_only());
    /// ```
    pub fn https_only(mut self, https_only: bool) -> Self {
        self.cookie = self.cookie.secure(https_only);
        self
    }

    /// Sets the `Path` attribute (default `"/"`). Must start with `/` and contain no `;` or control
    /// characters.
    ///
    /// ```
    /// assert_eq!(ravyn_session::SessionConfig::new("k").path("/app").get_path(), "/app");
    /// ```
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.cookie = self.cookie.path(path);
        self
    }

    /// Sets the `Domain` attribute (default: none, a host-only cookie). Must be a host name such as
    /// `example.com` (a leading dot is accepted and ignored by browsers).
    ///
    /// ```
    /// let config = ravyn_session::SessionConfig::new("k").domain("example.com");
    /// assert_eq!(config.get_domain(), Some("example.com"));
    /// ```
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.cookie = self.cookie.domain(Some(domain.into()));
        self
    }

    /// Sets older secrets that are still accepted (key rotation). New cookies are always made with
    /// the primary secret; a cookie that verifies only under a fallback is re-issued under the primary
    /// on the same response. Secrets are tried in order: primary first, then these.
    ///
    /// ```
    /// let config = ravyn_session::SessionConfig::new("new").fallback_secrets(["old1", "old2"]);
    /// assert_eq!(config.get_fallback_secrets(), ["old1", "old2"]);
    /// ```
    pub fn fallback_secrets<I, S>(mut self, secrets: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.fallback_secrets = secrets.into_iter().map(Into::into).collect();
        self
    }

    /// Turns rolling expiry on or off (default `true`, as in Ravyn, where an active session's expiry
    /// slides). When on, a valid cookie older than [`refresh_interval`](Self::refresh_interval)
    /// (`max_age / 4`) is re-issued with a fresh issue time even if the handler changed nothing.
    /// When off, the cookie is only re-issued when the session changes.
    ///
    /// ```
    /// assert!(!ravyn_session::SessionConfig::new("k").rolling(false).get_rolling());
    /// ```
    pub fn rolling(mut self, rolling: bool) -> Self {
        self.rolling = rolling;
        self
    }

    /// Chooses the cookie format (default [`CookieFormat::Signed`]).
    ///
    /// ```
    /// use ravyn_session::{CookieFormat, SessionConfig};
    ///
    /// let config = SessionConfig::new("k").cookie_format(CookieFormat::Private);
    /// assert_eq!(config.get_cookie_format(), CookieFormat::Private);
    /// ```
    pub fn cookie_format(mut self, format: CookieFormat) -> Self {
        self.cookie_format = format;
        self
    }

    /// Sets a hard lifetime in seconds counted from the session's creation (default: off). Rolling
    /// expiry cannot extend a session past it; the creation time travels inside the signed or
    /// encrypted data. Not available with [`CookieFormat::Ravyn`], which has no creation time.
    ///
    /// ```
    /// let config = ravyn_session::SessionConfig::new("k").absolute_max_age(86_400);
    /// assert_eq!(config.get_absolute_max_age(), Some(86_400));
    /// ```
    pub fn absolute_max_age(mut self, seconds: impl Into<Option<u64>>) -> Self {
        self.absolute_max_age = seconds.into();
        self
    }

    /// Sets the time source (default [`SystemClock`]). Tests inject a
    /// [`ManualClock`](crate::ManualClock) to move time without sleeping.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use ravyn_session::{Clock, ManualClock, SessionConfig};
    ///
    /// let clock = Arc::new(ManualClock::new(1_700_000_000));
    /// let config = SessionConfig::new("k").clock(clock.clone());
    /// clock.advance(10);
    /// assert_eq!(config.get_clock().now(), 1_700_000_010);
    /// ```
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Keeps sessions server-side in `store` (default: none, sessions live in the cookie).
    ///
    /// The cookie then carries only a signed random id (128 bits); the data lives in the store for
    /// `max_age` seconds after its last save, refreshed under the same rolling rule as cookies.
    /// That allows revocation (`clear()` deletes the record), sessions larger than 4 KB, and data
    /// the client cannot see. See the `store` module for the id format, when the store is
    /// consulted, and the concurrency rule (last writer wins, per request). Only the default
    /// [`CookieFormat::Signed`] goes with a store (the other formats exist to put data in the
    /// cookie).
    ///
    /// **Call [`Session::cycle_id`](crate::Session::cycle_id) at login** (and whenever privileges
    /// change): `insert` keeps the id the request came with, so without it an id an attacker
    /// planted or learned before login would stay valid after it (session fixation). It also
    /// moves the session's CSRF token to the new id.
    ///
    /// ```
    /// use ravyn_session::{MemoryStore, SessionConfig};
    ///
    /// let config = SessionConfig::new("a-long-random-secret-of-at-least-32-bytes").store(MemoryStore::new());
    /// assert!(config.get_store().is_some());
    /// assert!(format!("{config:?}").contains("MemoryStore"));
    /// ```
    pub fn store(mut self, store: impl SessionStore) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// The server-side store, if any.
    ///
    /// ```
    /// assert!(ravyn_session::SessionConfig::new("k").get_store().is_none());
    /// ```
    pub fn get_store(&self) -> Option<&Arc<dyn SessionStore>> {
        self.store.as_ref()
    }

    /// The primary secret.
    ///
    /// ```
    /// assert_eq!(ravyn_session::SessionConfig::new("k").get_secret_key(), "k");
    /// ```
    pub fn get_secret_key(&self) -> &str {
        &self.secret_key
    }

    /// The cookie name.
    ///
    /// ```
    /// assert_eq!(ravyn_session::SessionConfig::new("k").get_session_cookie(), "session");
    /// ```
    pub fn get_session_cookie(&self) -> &str {
        self.cookie.get_name()
    }

    /// The session cookie's name and attributes, as one value (the type the CSRF cookie shares).
    ///
    /// ```
    /// let config = ravyn_session::SessionConfig::new("k").https_only(true);
    /// assert!(config.get_cookie_attributes().get_secure() && config.get_cookie_attributes().get_http_only());
    /// ```
    pub fn get_cookie_attributes(&self) -> &CookieAttributes {
        &self.cookie
    }

    /// The idle lifetime in seconds; `None` for a browser-session cookie.
    ///
    /// ```
    /// assert_eq!(ravyn_session::SessionConfig::new("k").get_max_age(), Some(14400));
    /// ```
    pub fn get_max_age(&self) -> Option<u64> {
        self.max_age
    }

    /// The `SameSite` attribute.
    ///
    /// ```
    /// use ravyn_session::{SameSite, SessionConfig};
    /// assert_eq!(SessionConfig::new("k").get_same_site(), SameSite::Lax);
    /// ```
    pub fn get_same_site(&self) -> SameSite {
        self.cookie.get_same_site()
    }

    /// Whether the cookie is `Secure`.
    ///
    /// ```
    /// assert!(!ravyn_session::SessionConfig::new("k").get_https_only());
    /// ```
    pub fn get_https_only(&self) -> bool {
        self.cookie.get_secure()
    }

    /// The `Path` attribute.
    ///
    /// ```
    /// assert_eq!(ravyn_session::SessionConfig::new("k").get_path(), "/");
    /// ```
    pub fn get_path(&self) -> &str {
        self.cookie.get_path()
    }

    /// The `Domain` attribute, if set.
    ///
    /// ```
    /// assert_eq!(ravyn_session::SessionConfig::new("k").get_domain(), None);
    /// ```
    pub fn get_domain(&self) -> Option<&str> {
        self.cookie.get_domain()
    }

    /// The fallback secrets, in the order they are tried.
    ///
    /// ```
    /// assert!(ravyn_session::SessionConfig::new("k").get_fallback_secrets().is_empty());
    /// ```
    pub fn get_fallback_secrets(&self) -> &[String] {
        &self.fallback_secrets
    }

    /// Whether rolling expiry is on.
    ///
    /// ```
    /// assert!(ravyn_session::SessionConfig::new("k").get_rolling());
    /// ```
    pub fn get_rolling(&self) -> bool {
        self.rolling
    }

    /// The cookie format.
    ///
    /// ```
    /// use ravyn_session::{CookieFormat, SessionConfig};
    /// assert_eq!(SessionConfig::new("k").get_cookie_format(), CookieFormat::Signed);
    /// ```
    pub fn get_cookie_format(&self) -> CookieFormat {
        self.cookie_format
    }

    /// The absolute lifetime in seconds, if set.
    ///
    /// ```
    /// assert_eq!(ravyn_session::SessionConfig::new("k").get_absolute_max_age(), None);
    /// ```
    pub fn get_absolute_max_age(&self) -> Option<u64> {
        self.absolute_max_age
    }

    /// The time source.
    ///
    /// ```
    /// let now = ravyn_session::SessionConfig::new("k").get_clock().now();
    /// assert!(now > 1_600_000_000);
    /// ```
    pub fn get_clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The secrets as a key ring: the primary, then the fallbacks. Every key derived from them
    /// (each cookie format's, the store ids') follows its rotation rule.
    pub(crate) fn key_ring(&self) -> KeyRing<&str> {
        KeyRing::new(self.get_secret_key(), self.fallback_secrets.iter().map(String::as_str))
    }

    /// How old a valid cookie must be before rolling expiry re-issues it: `max_age / 4` (so an active
    /// user's cookie is rewritten at most about once per quarter of its lifetime rather than on every
    /// response). `None` when rolling is off or `max_age` is `None` (nothing to slide).
    ///
    /// ```
    /// use ravyn_session::SessionConfig;
    ///
    /// assert_eq!(SessionConfig::new("k").refresh_interval(), Some(3600));
    /// assert_eq!(SessionConfig::new("k").rolling(false).refresh_interval(), None);
    /// assert_eq!(SessionConfig::new("k").max_age(None).refresh_interval(), None);
    /// ```
    pub fn refresh_interval(&self) -> Option<u64> {
        if self.rolling {
            self.max_age.map(|m| m / 4)
        } else {
            None
        }
    }

    /// Checks the config; the error names the first invalid field.
    ///
    /// Rejected: an empty `secret_key` or fallback secret; `same_site` none without `https_only`; a
    /// `session_cookie` that is not an RFC 6265 token (or breaks its `__Host-`/`__Secure-` prefix
    /// rules); an invalid `domain`; a `path` not starting with `/` or holding `;` or control
    /// characters; `max_age` or `absolute_max_age` 0; `absolute_max_age` with the Ravyn format; a
    /// `store` with a `cookie_format` other than Signed.
    /// A short secret is not an error (`SessionManager::new` warns about it).
    ///
    /// ```
    /// use ravyn_session::{SameSite, SessionConfig};
    ///
    /// assert!(SessionConfig::new("k").validate().is_ok());
    /// let err = SessionConfig::new("k").same_site(SameSite::None).validate().unwrap_err();
    /// assert_eq!(err.field(), "same_site");
    /// ```
    pub fn validate(&self) -> Result<(), SessionConfigError> {
        if self.secret_key.is_empty() {
            return Err(SessionConfigError::new("secret_key", "must not be empty"));
        }
        if let Some(i) = self.fallback_secrets.iter().position(String::is_empty) {
            return Err(SessionConfigError::new("fallback_secrets", format!("secret #{i} is empty")));
        }
        self.cookie.validate(ATTRIBUTE_NAMES).map_err(|(field, reason)| SessionConfigError::new(field, reason))?;
        if self.max_age == Some(0) {
            return Err(SessionConfigError::new(
                "max_age",
                "must be at least 1 second (use None for a browser-session cookie)",
            ));
        }
        if self.absolute_max_age == Some(0) {
            return Err(SessionConfigError::new(
                "absolute_max_age",
                "must be at least 1 second (use None to turn it off)",
            ));
        }
        if self.absolute_max_age.is_some() && self.cookie_format == CookieFormat::Ravyn {
            return Err(SessionConfigError::new(
                "absolute_max_age",
                "cannot be enforced with CookieFormat::Ravyn, whose cookies carry no creation time; \
                 use CookieFormat::Signed or CookieFormat::Private",
            ));
        }
        if self.store.is_some() && self.cookie_format != CookieFormat::Signed {
            return Err(SessionConfigError::new(
                "cookie_format",
                format!(
                    "{} cannot be used with a session store: with a store the cookie holds only a signed id; \
                     leave cookie_format at its default (signed)",
                    self.cookie_format
                ),
            ));
        }
        Ok(())
    }
}

/// What `SessionConfig` calls each cookie attribute, for its errors.
const ATTRIBUTE_NAMES: AttributeNames = AttributeNames {
    name: "session_cookie",
    path: "path",
    domain: "domain",
    same_site: "same_site",
    secure: "https_only",
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ManualClock;

    fn field(config: &SessionConfig) -> &'static str {
        match config.validate() {
            Err(e) => e.field(),
            Ok(()) => "<valid>",
        }
    }

    #[test]
    fn defaults_follow_ravyn() {
        let c = SessionConfig::new("secret");
        assert_eq!(c.get_secret_key(), "secret");
        assert_eq!(c.get_session_cookie(), "session");
        assert_eq!(c.get_max_age(), Some(14400));
        assert_eq!(c.get_same_site(), SameSite::Lax);
        assert!(!c.get_https_only());
        assert_eq!(c.get_path(), "/");
        assert_eq!(c.get_domain(), None);
        assert!(c.get_fallback_secrets().is_empty());
        assert!(c.get_rolling());
        assert_eq!(c.get_cookie_format(), CookieFormat::Signed);
        assert_eq!(c.get_absolute_max_age(), None);
        assert_eq!(c.refresh_interval(), Some(3600));
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn setters_set() {
        let clock = Arc::new(ManualClock::new(42));
        let c = SessionConfig::new("s")
            .session_cookie("sid")
            .max_age(60)
            .same_site(SameSite::None)
            .https_only(true)
            .path("/app")
            .domain("example.com")
            .fallback_secrets(vec![String::from("a"), String::from("b")])
            .rolling(false)
            .cookie_format(CookieFormat::Private)
            .absolute_max_age(600)
            .clock(clock);
        assert_eq!(c.get_session_cookie(), "sid");
        assert_eq!(c.get_max_age(), Some(60));
        assert_eq!(c.get_same_site(), SameSite::None);
        assert!(c.get_https_only());
        assert_eq!(c.get_path(), "/app");
        assert_eq!(c.get_domain(), Some("example.com"));
        assert_eq!(c.get_fallback_secrets(), ["a", "b"]);
        assert!(!c.get_rolling());
        assert_eq!(c.get_cookie_format(), CookieFormat::Private);
        assert_eq!(c.get_absolute_max_age(), Some(600));
        assert_eq!(c.get_clock().now(), 42);
        assert_eq!(c.validate(), Ok(()));
        assert_eq!(c.clone().max_age(None).absolute_max_age(None).get_absolute_max_age(), None);
    }

    #[test]
    fn debug_hides_secrets() {
        let c = SessionConfig::new("top-secret-primary").fallback_secrets(["top-secret-old"]);
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("top-secret"), "{dbg}");
        assert!(dbg.contains("<redacted>") && dbg.contains("<1 redacted>"), "{dbg}");
    }

    #[test]
    fn same_site_parses_case_insensitively() {
        assert_eq!("lax".parse(), Ok(SameSite::Lax));
        assert_eq!("STRICT".parse(), Ok(SameSite::Strict));
        assert_eq!(" None ".parse(), Ok(SameSite::None));
        assert!("".parse::<SameSite>().is_err());
        assert!("laxx".parse::<SameSite>().is_err());
        for s in [SameSite::Lax, SameSite::Strict, SameSite::None] {
            assert_eq!(s.to_string().parse(), Ok(s));
        }
    }

    #[test]
    fn cookie_format_parses() {
        for f in [CookieFormat::Signed, CookieFormat::Ravyn, CookieFormat::Private] {
            assert_eq!(f.to_string().to_uppercase().parse(), Ok(f));
        }
        assert!("itsdangerous".parse::<CookieFormat>().is_err());
    }

    #[test]
    fn empty_secret_is_rejected() {
        assert_eq!(field(&SessionConfig::new("")), "secret_key");
        assert_eq!(field(&SessionConfig::new("k").fallback_secrets(["old", ""])), "fallback_secrets");
    }

    #[test]
    fn short_secret_is_valid() {
        assert_eq!(SessionConfig::new("short").validate(), Ok(()));
    }

    #[test]
    fn same_site_none_needs_https_only() {
        assert_eq!(field(&SessionConfig::new("k").same_site(SameSite::None)), "same_site");
        assert_eq!(field(&SessionConfig::new("k").same_site(SameSite::None).https_only(true)), "<valid>");
    }

    #[test]
    fn cookie_name_must_be_a_token() {
        for bad in ["", "my session", "a;b", "a=b", "a,b", "sé", "a\"b", "a\tb", "(x)", "a/b", "a:b"] {
            assert_eq!(field(&SessionConfig::new("k").session_cookie(bad)), "session_cookie", "{bad:?}");
        }
        for good in ["session", "sid", "my-app.session_v2", "a!#$%&'*+-.^_`|~9"] {
            assert_eq!(field(&SessionConfig::new("k").session_cookie(good)), "<valid>", "{good:?}");
        }
    }

    #[test]
    fn cookie_prefixes_follow_browser_rules() {
        let c = SessionConfig::new("k").session_cookie("__Secure-sid");
        assert_eq!(field(&c), "session_cookie");
        assert_eq!(field(&c.https_only(true)), "<valid>");
        let host = SessionConfig::new("k").session_cookie("__Host-sid").https_only(true);
        assert_eq!(field(&host), "<valid>");
        assert_eq!(field(&host.clone().path("/app")), "session_cookie");
        assert_eq!(field(&host.domain("example.com")), "session_cookie");
    }

    #[test]
    fn domain_is_validated() {
        for bad in [
            "",
            ".",
            "exa mple.com",
            "example..com",
            "-example.com",
            "example-.com",
            "a;b.com",
            "ex/ample.com",
            "example.com.",
            "é.com",
            "a:80",
        ] {
            assert_eq!(field(&SessionConfig::new("k").domain(bad)), "domain", "{bad:?}");
        }
        let long_label = "a".repeat(64);
        assert_eq!(field(&SessionConfig::new("k").domain(format!("{long_label}.com"))), "domain");
        for good in ["example.com", ".example.com", "localhost", "a-b.example.co.uk", "127.0.0.1", "EXAMPLE.com"] {
            assert_eq!(field(&SessionConfig::new("k").domain(good)), "<valid>", "{good:?}");
        }
    }

    #[test]
    fn max_age_zero_is_rejected() {
        assert_eq!(field(&SessionConfig::new("k").max_age(0)), "max_age");
        assert_eq!(field(&SessionConfig::new("k").max_age(None)), "<valid>");
    }

    #[test]
    fn absolute_max_age_is_validated() {
        assert_eq!(field(&SessionConfig::new("k").absolute_max_age(0)), "absolute_max_age");
        let ravyn = SessionConfig::new("k").cookie_format(CookieFormat::Ravyn);
        assert_eq!(field(&ravyn.clone().absolute_max_age(3600)), "absolute_max_age");
        assert_eq!(field(&ravyn), "<valid>");
        assert_eq!(field(&SessionConfig::new("k").absolute_max_age(3600)), "<valid>");
    }

    #[test]
    fn store_goes_with_the_signed_format_only() {
        let store = || crate::MemoryStore::new();
        assert_eq!(field(&SessionConfig::new("k").store(store())), "<valid>");
        for format in [CookieFormat::Ravyn, CookieFormat::Private] {
            assert_eq!(field(&SessionConfig::new("k").cookie_format(format).store(store())), "cookie_format");
        }
        let config = SessionConfig::new("k").store(store());
        assert!(config.clone().get_store().is_some(), "Clone keeps the store");
    }

    #[test]
    fn path_is_validated() {
        for bad in ["", "app", "/a;b", "/a\nb", "/a\u{7f}"] {
            assert_eq!(field(&SessionConfig::new("k").path(bad)), "path", "{bad:?}");
        }
        assert_eq!(field(&SessionConfig::new("k").path("/api/v1")), "<valid>");
    }

    #[test]
    fn error_message_names_the_field() {
        let err = SessionConfig::new("k").domain("bad domain").validate().unwrap_err();
        assert!(err.to_string().contains("`domain`"), "{err}");
        assert!(err.reason().contains("bad domain"), "{err}");
    }
}
