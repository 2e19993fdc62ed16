//! [`JWTConfig`]: Ravyn's JWT settings, every field live, plus key rotation, a clock and a store.
//!
//! Builder style, as `SessionConfig`: every setter takes and returns the config; getters are
//! spelled `get_*` (and `is_*` for flags).
//!
//! ```
//! use ravyn_auth::{Algorithm, JWTConfig};
//!
//! let config = JWTConfig::new("a-long-random-secret-of-at-least-32-bytes")
//!     .algorithm(Algorithm::HS256)
//!     .access_token_lifetime(300)
//!     .issuer("https://api.example.com")
//!     .audience("mobile-app");
//! assert!(config.validate().is_ok());
//! assert_eq!(config.get_auth_header_types(), ["Bearer"]);
//! ```
//!
//! # Ravyn's fields that are not here, and why
//!
//! Python Ravyn's `JWTConfig` has 16 fields, 9 of which its own code never reads. Each one here is
//! read by this crate or by the framework; these were left out on purpose:
//!
//! - `api_key_header` (`"X_API_TOKEN"`): an API-key scheme is another way to authenticate, not a JWT
//!   setting, and Ravyn never reads it (its underscore also makes nginx drop the header by default).
//!   Tokens are read from [`authorization_header`](JWTConfig::authorization_header).
//! - `jti_claim` (`"jti"`): `jti` is the registered claim name (RFC 7519 §4.1.7) that revocation
//!   keys on; renaming it would only make our tokens unrevocable by other JWT libraries. Ravyn never
//!   reads it.
//! - `user_id_claim` (`"user_id"`) and `user_id_field` (`"id"`): the user id travels in `sub`, as
//!   Ravyn's own backends read it (they never read `user_id_claim`), and the application's user
//!   loader knows its own lookup column, so neither needs a setting.
//! - `sliding_token_lifetime` / `sliding_token_refresh_lifetime`: sliding tokens are a
//!   django-simplejwt feature Ravyn never implemented; single-use refresh tokens with rotation
//!   ([`JwtManager::refresh`](crate::JwtManager::refresh)) keep an active client signed in instead.
//! - `access_token_name` / `refresh_token_name`: used only by Ravyn's docs and tests; the token
//!   response ([`TokenPair`](crate::TokenPair)) uses OAuth 2's field names (RFC 6749 §5.1), which
//!   are Ravyn's defaults.

use std::fmt;
use std::sync::Arc;

use ravyn_session::{Clock, SystemClock};

use crate::algorithm::Algorithm;
use crate::keys::Keys;
use crate::store::TokenStore;

/// Default `access_token_lifetime`: 300 seconds (5 minutes), as Ravyn and django-simplejwt.
///
/// ```
/// assert_eq!(ravyn_auth::JWTConfig::new("k").get_access_token_lifetime(), ravyn_auth::config::DEFAULT_ACCESS_TOKEN_LIFETIME);
/// ```
pub const DEFAULT_ACCESS_TOKEN_LIFETIME: u64 = 300;

/// Default `refresh_token_lifetime`: 86400 seconds (1 day), as Ravyn and django-simplejwt.
///
/// ```
/// assert_eq!(ravyn_auth::JWTConfig::new("k").get_refresh_token_lifetime(), 86_400);
/// ```
pub const DEFAULT_REFRESH_TOKEN_LIFETIME: u64 = 86_400;

/// An invalid [`JWTConfig`]: names the offending field (as its setter is named) and says why.
///
/// The framework turns it into its `ConfigError`, naming the field `jwt_config.<field>`, exactly as
/// it does for `SessionConfigError` and `session_config.<field>`.
///
/// ```
/// use ravyn_auth::JWTConfig;
///
/// let err = JWTConfig::new("too-short").validate().unwrap_err();
/// assert_eq!(err.field(), "signing_key");
/// assert!(err.reason().contains("at least 32"));
/// assert!(err.to_string().contains("`signing_key`"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid jwt config field `{field}`: {reason}")]
pub struct JWTConfigError {
    field: &'static str,
    reason: String,
}

impl JWTConfigError {
    pub(crate) fn new(field: &'static str, reason: impl Into<String>) -> Self {
        JWTConfigError { field, reason: reason.into() }
    }

    /// The name of the invalid field, as its setter is named (`"signing_key"`, `"verifying_key"`...).
    ///
    /// ```
    /// let err = ravyn_auth::JWTConfig::new("k".repeat(32)).leeway(u64::MAX).validate().unwrap_err();
    /// assert_eq!(err.field(), "leeway");
    /// ```
    pub fn field(&self) -> &'static str {
        self.field
    }

    /// Why the value was rejected. Never contains key material.
    ///
    /// ```
    /// let err = ravyn_auth::JWTConfig::new("").validate().unwrap_err();
    /// assert_eq!(err.reason(), "must not be empty");
    /// ```
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// JWT settings: Ravyn's `JWTConfig` (same names and defaults; see the module doc for the fields
/// left out and why) plus key rotation, revocation checks, a clock and a store.
///
/// | setter | default | meaning |
/// |---|---|---|
/// | [`new(signing_key)`](Self::new) | required | HMAC secret, or PEM private key for RS/PS/ES/EdDSA |
/// | [`verifying_key`](Self::verifying_key) | none | PEM public key; required for RS/PS/ES/EdDSA, refused for HMAC |
/// | [`algorithm`](Self::algorithm) | `HS256` | the one algorithm tokens may use |
/// | [`access_token_lifetime`](Self::access_token_lifetime) | `300` s | lifetime of access tokens |
/// | [`refresh_token_lifetime`](Self::refresh_token_lifetime) | `86400` s | lifetime of refresh tokens |
/// | [`leeway`](Self::leeway) | `0` s | clock-skew tolerance on `exp` and `nbf` |
/// | [`authorization_header`](Self::authorization_header) | `"Authorization"` | header the token is read from |
/// | [`auth_header_types`](Self::auth_header_types) | `["Bearer"]` | accepted schemes (case-insensitive) |
/// | [`issuer`](Self::issuer) | none | `iss` written into tokens, and required on every token |
/// | [`audience`](Self::audience) | none | `aud` written into tokens, and required on every token |
/// | [`fallback_keys`](Self::fallback_keys) | none | old keys that still verify (key rotation) |
/// | [`check_revocation`](Self::check_revocation) | `false` | consult the store on every authenticated request |
/// | [`store`](Self::store) | in-memory | where used refresh tokens and revocations are kept |
/// | [`clock`](Self::clock) | [`SystemClock`] | time source (inject a `ManualClock` in tests) |
///
/// `Debug` never prints the keys.
///
/// ```
/// let config = ravyn_auth::JWTConfig::new("my-very-secret-signing-key-of-32-bytes!");
/// assert_eq!(config.get_access_token_lifetime(), 300);
/// assert!(!format!("{config:?}").contains("my-very-secret"));
/// ```
#[derive(Clone)]
pub struct JWTConfig {
    signing_key: String,
    verifying_key: Option<String>,
    algorithm: Algorithm,
    access_token_lifetime: u64,
    refresh_token_lifetime: u64,
    leeway: u64,
    authorization_header: String,
    auth_header_types: Vec<String>,
    issuer: Option<String>,
    audience: Option<String>,
    fallback_keys: Vec<String>,
    check_revocation: bool,
    store: Option<Arc<dyn TokenStore>>,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for JWTConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JWTConfig")
            .field("signing_key", &"<redacted>")
            // A public key is not secret, but a PEM blob makes the output unreadable.
            .field("verifying_key", &self.verifying_key.as_ref().map(|_| "<pem>"))
            .field("algorithm", &self.algorithm)
            .field("access_token_lifetime", &self.access_token_lifetime)
            .field("refresh_token_lifetime", &self.refresh_token_lifetime)
            .field("leeway", &self.leeway)
            .field("authorization_header", &self.authorization_header)
            .field("auth_header_types", &self.auth_header_types)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("fallback_keys", &format_args!("<{} redacted>", self.fallback_keys.len()))
            .field("check_revocation", &self.check_revocation)
            .field("store", &self.store)
            .field("clock", &self.clock)
            .finish()
    }
}

impl JWTConfig {
    /// A config with Ravyn's defaults and the given signing key: for HMAC (the default HS256) a
    /// random secret of at least 32 bytes; for RS/PS/ES/EdDSA the PEM private key (set
    /// [`verifying_key`](Self::verifying_key) too).
    ///
    /// ```
    /// let config = ravyn_auth::JWTConfig::new(String::from("a-long-random-secret-of-at-least-32-bytes"));
    /// assert_eq!(config.get_signing_key(), "a-long-random-secret-of-at-least-32-bytes");
    /// ```
    pub fn new(signing_key: impl Into<String>) -> Self {
        JWTConfig {
            signing_key: signing_key.into(),
            verifying_key: None,
            algorithm: Algorithm::HS256,
            access_token_lifetime: DEFAULT_ACCESS_TOKEN_LIFETIME,
            refresh_token_lifetime: DEFAULT_REFRESH_TOKEN_LIFETIME,
            leeway: 0,
            authorization_header: "Authorization".to_owned(),
            auth_header_types: vec!["Bearer".to_owned()],
            issuer: None,
            audience: None,
            fallback_keys: Vec::new(),
            check_revocation: false,
            store: None,
            clock: Arc::new(SystemClock),
        }
    }

    /// Sets the PEM public key tokens are verified with (SPKI `PUBLIC KEY`, or PKCS#1
    /// `RSA PUBLIC KEY` for RSA). Required for asymmetric algorithms, where it must be the public
    /// half of the signing key; an error with HMAC, where the signing key verifies.
    ///
    /// ```
    /// use ravyn_auth::{Algorithm, JWTConfig};
    ///
    /// let config = JWTConfig::new(include_str!("../testdata/ed25519-private.pem"))
    ///     .algorithm(Algorithm::EdDSA)
    ///     .verifying_key(include_str!("../testdata/ed25519-public.pem"));
    /// assert!(config.validate().is_ok());
    /// ```
    pub fn verifying_key(mut self, pem: impl Into<String>) -> Self {
        self.verifying_key = Some(pem.into());
        self
    }

    /// Pins the algorithm (default [`Algorithm::HS256`]). Tokens are signed with it, and a token
    /// whose `alg` header names any other (or `none`) is refused.
    ///
    /// ```
    /// use ravyn_auth::{Algorithm, JWTConfig};
    /// assert_eq!(JWTConfig::new("k").algorithm(Algorithm::HS512).get_algorithm(), Algorithm::HS512);
    /// ```
    pub fn algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// Sets the access tokens' lifetime in seconds (default 300). Must be at least 1.
    ///
    /// ```
    /// assert_eq!(ravyn_auth::JWTConfig::new("k").access_token_lifetime(900).get_access_token_lifetime(), 900);
    /// ```
    pub fn access_token_lifetime(mut self, seconds: u64) -> Self {
        self.access_token_lifetime = seconds;
        self
    }

    /// Sets the refresh tokens' lifetime in seconds (default 86400). Must be at least 1. Each
    /// refresh issues a new refresh token with a full lifetime (rotation).
    ///
    /// ```
    /// assert_eq!(ravyn_auth::JWTConfig::new("k").refresh_token_lifetime(3600).get_refresh_token_lifetime(), 3600);
    /// ```
    pub fn refresh_token_lifetime(mut self, seconds: u64) -> Self {
        self.refresh_token_lifetime = seconds;
        self
    }

    /// Sets the clock-skew tolerance in seconds (default 0, as Ravyn; jsonwebtoken's own default of
    /// 60 is not used). A token is accepted while `now < exp + leeway` and once
    /// `now >= nbf - leeway`. Must be below one day.
    ///
    /// ```
    /// assert_eq!(ravyn_auth::JWTConfig::new("k").leeway(5).get_leeway(), 5);
    /// ```
    pub fn leeway(mut self, seconds: u64) -> Self {
        self.leeway = seconds;
        self
    }

    /// Sets the request header the token is read from (default `"Authorization"`). Must be a valid
    /// header name.
    ///
    /// ```
    /// let config = ravyn_auth::JWTConfig::new("k").authorization_header("X-Access-Token");
    /// assert_eq!(config.get_authorization_header(), "X-Access-Token");
    /// ```
    pub fn authorization_header(mut self, name: impl Into<String>) -> Self {
        self.authorization_header = name.into();
        self
    }

    /// Sets the accepted authorization schemes (default `["Bearer"]`), matched case-insensitively
    /// (RFC 9110 §11.1), so `bearer <token>` works too.
    ///
    /// ```
    /// let config = ravyn_auth::JWTConfig::new("k").auth_header_types(["Bearer", "JWT"]);
    /// assert_eq!(config.get_auth_header_types(), ["Bearer", "JWT"]);
    /// ```
    pub fn auth_header_types<I, S>(mut self, types: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.auth_header_types = types.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the issuer: written as `iss` into every token made, and then required and checked on
    /// every token verified (default: none, and then a token's `iss` is not checked).
    ///
    /// ```
    /// let config = ravyn_auth::JWTConfig::new("k").issuer("https://auth.example.com");
    /// assert_eq!(config.get_issuer(), Some("https://auth.example.com"));
    /// ```
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// Sets the audience: written as `aud` into every token made, and then required and checked on
    /// every token verified (a token may list several audiences; this one must be among them).
    /// Without it (the default), a token that carries an `aud` is refused: it was meant for
    /// someone who named an audience (RFC 7519 §4.1.3).
    ///
    /// ```
    /// let config = ravyn_auth::JWTConfig::new("k").audience("api");
    /// assert_eq!(config.get_audience(), Some("api"));
    /// ```
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// Sets older keys that still verify (key rotation), of the configured algorithm: HMAC secrets,
    /// or PEM public keys. New tokens are always signed with the signing key. Every token carries a
    /// `kid` (a fingerprint of its key, see [`KeyId`](crate::KeyId)) that picks the key; a token
    /// without one (as Python Ravyn mints them) is tried against every key in order. The rule is
    /// the one session cookies follow with `fallback_secrets` (`ravyn_session::KeyRing`).
    ///
    /// ```
    /// let config = ravyn_auth::JWTConfig::new("the-new-secret-of-at-least-32-bytes!!")
    ///     .fallback_keys(["the-old-secret-of-at-least-32-bytes!!!"]);
    /// assert_eq!(config.get_fallback_keys().len(), 1);
    /// assert!(config.validate().is_ok());
    /// ```
    pub fn fallback_keys<I, S>(mut self, keys: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.fallback_keys = keys.into_iter().map(Into::into).collect();
        self
    }

    /// Checks every authenticated request against the store (default `false`): with it, a revoked
    /// token (logout) or a token of a revoked refresh family fails at once; without it, verifying a
    /// token reads no store and a revoked access token lives until its `exp` (at most
    /// `access_token_lifetime`). Refreshing always consults the store.
    ///
    /// ```
    /// assert!(ravyn_auth::JWTConfig::new("k").check_revocation(true).is_check_revocation());
    /// ```
    pub fn check_revocation(mut self, check: bool) -> Self {
        self.check_revocation = check;
        self
    }

    /// Keeps used refresh tokens and revocations in `store` (default: a
    /// [`MemoryTokenStore`](crate::MemoryTokenStore) on the config's clock, for one process).
    ///
    /// ```
    /// use ravyn_auth::{JWTConfig, MemoryTokenStore};
    /// let config = JWTConfig::new("k").store(MemoryTokenStore::new());
    /// assert!(config.get_store().is_some());
    /// ```
    pub fn store(mut self, store: impl TokenStore) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// Sets the time source (default [`SystemClock`]); tests inject a `ManualClock`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use ravyn_auth::{Clock, JWTConfig, ManualClock};
    ///
    /// let clock = Arc::new(ManualClock::new(1_700_000_000));
    /// let config = JWTConfig::new("k").clock(clock.clone());
    /// assert_eq!(config.get_clock().now(), 1_700_000_000);
    /// ```
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The signing key (HMAC secret or PEM private key).
    ///
    /// ```
    /// assert_eq!(ravyn_auth::JWTConfig::new("k").get_signing_key(), "k");
    /// ```
    pub fn get_signing_key(&self) -> &str {
        &self.signing_key
    }

    /// The PEM public key, if set.
    ///
    /// ```
    /// assert_eq!(ravyn_auth::JWTConfig::new("k").get_verifying_key(), None);
    /// ```
    pub fn get_verifying_key(&self) -> Option<&str> {
        self.verifying_key.as_deref()
    }

    /// The pinned algorithm.
    ///
    /// ```
    /// assert_eq!(ravyn_auth::JWTConfig::new("k").get_algorithm(), ravyn_auth::Algorithm::HS256);
    /// ```
    pub fn get_algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The access tokens' lifetime in seconds.
    ///
    /// ```
    /// assert_eq!(ravyn_auth::JWTConfig::new("k").get_access_token_lifetime(), 300);
    /// ```
    pub fn get_access_token_lifetime(&self) -> u64 {
        self.access_token_lifetime
    }

    /// The refresh tokens' lifetime in seconds.
    ///
    /// ```
    /// assert_eq!(ravyn_auth::JWTConfig::new("k").get_refresh_token_lifetime(), 86_400);
    /// ```
    pub fn get_refresh_token_lifetime(&self) -> u64 {
        self.refresh_token_lifetime
    }

    /// The clock-skew tolerance in seconds.
    ///
    /// ```
    /// assert_eq!(ravyn_auth::JWTConfig::new("k").get_leeway(), 0);
    /// ```
    pub fn get_leeway(&self) -> u64 {
        self.leeway
    }

    /// The header the token is read from.
    ///
    /// ```
    /// assert_eq!(ravyn_auth::JWTConfig::new("k").get_authorization_header(), "Authorization");
    /// ```
    pub fn get_authorization_header(&self) -> &str {
        &self.authorization_header
    }

    /// The accepted schemes.
    ///
    /// ```
    /// assert_eq!(ravyn_auth::JWTConfig::new("k").get_auth_header_types(), ["Bearer"]);
    /// ```
    pub fn get_auth_header_types(&self) -> &[String] {
        &self.auth_header_types
    }

    /// The issuer, if set.
    ///
    /// ```
    /// assert_eq!(ravyn_auth::JWTConfig::new("k").get_issuer(), None);
    /// ```
    pub fn get_issuer(&self) -> Option<&str> {
        self.issuer.as_deref()
    }

    /// The audience, if set.
    ///
    /// ```
    /// assert_eq!(ravyn_auth::JWTConfig::new("k").get_audience(), None);
    /// ```
    pub fn get_audience(&self) -> Option<&str> {
        self.audience.as_deref()
    }

    /// The fallback keys, in the order they are tried.
    ///
    /// ```
    /// assert!(ravyn_auth::JWTConfig::new("k").get_fallback_keys().is_empty());
    /// ```
    pub fn get_fallback_keys(&self) -> &[String] {
        &self.fallback_keys
    }

    /// Whether every authenticated request consults the store.
    ///
    /// ```
    /// assert!(!ravyn_auth::JWTConfig::new("k").is_check_revocation());
    /// ```
    pub fn is_check_revocation(&self) -> bool {
        self.check_revocation
    }

    /// The store, if one was set (otherwise the manager makes a `MemoryTokenStore`).
    ///
    /// ```
    /// assert!(ravyn_auth::JWTConfig::new("k").get_store().is_none());
    /// ```
    pub fn get_store(&self) -> Option<&Arc<dyn TokenStore>> {
        self.store.as_ref()
    }

    /// The time source.
    ///
    /// ```
    /// assert!(ravyn_auth::JWTConfig::new("k").get_clock().now() > 1_600_000_000);
    /// ```
    pub fn get_clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Checks the config, keys included; the error names the first invalid field.
    ///
    /// Rejected: an empty `signing_key`; an HMAC secret (signing or fallback) shorter than the
    /// hash (32 bytes for HS256, 48 for HS384, 64 for HS512; RFC 7518 §3.2); for RS/PS/ES/EdDSA a
    /// `signing_key` that is not a PEM private key of the algorithm's kind and size (an RSA key for
    /// ES256, a P-384 key for ES256...), a missing `verifying_key`, or one that is not the public
    /// half of the signing key; a `verifying_key` with an HMAC algorithm; a fallback key that does
    /// not fit the algorithm; a lifetime of 0; a leeway of a day or more; an `authorization_header`
    /// that is not a header name; an empty `auth_header_types` or a type that is not a scheme
    /// name; an empty `issuer` or `audience`.
    ///
    /// ```
    /// use ravyn_auth::{Algorithm, JWTConfig};
    ///
    /// let rs256 = JWTConfig::new(include_str!("../testdata/rsa-private.pem")).algorithm(Algorithm::RS256);
    /// assert_eq!(rs256.validate().unwrap_err().field(), "verifying_key");
    /// ```
    pub fn validate(&self) -> Result<(), JWTConfigError> {
        self.validate_settings()?;
        Keys::new(self).map(drop)
    }

    /// Every check but the keys' (which [`Keys::new`] does while building them).
    pub(crate) fn validate_settings(&self) -> Result<(), JWTConfigError> {
        if self.access_token_lifetime == 0 {
            return Err(JWTConfigError::new("access_token_lifetime", "must be at least 1 second"));
        }
        if self.refresh_token_lifetime == 0 {
            return Err(JWTConfigError::new("refresh_token_lifetime", "must be at least 1 second"));
        }
        if self.leeway >= 86_400 {
            return Err(JWTConfigError::new(
                "leeway",
                "must be below one day (86400 seconds); it is clock-skew tolerance",
            ));
        }
        if !is_token(&self.authorization_header) {
            return Err(JWTConfigError::new(
                "authorization_header",
                format!("{:?} is not a valid header name (RFC 9110 token characters only)", self.authorization_header),
            ));
        }
        if self.auth_header_types.is_empty() {
            return Err(JWTConfigError::new("auth_header_types", "must name at least one scheme, such as \"Bearer\""));
        }
        if let Some(bad) = self.auth_header_types.iter().find(|t| !is_token(t)) {
            return Err(JWTConfigError::new(
                "auth_header_types",
                format!("{bad:?} is not a valid scheme name (RFC 9110 token characters only, no spaces)"),
            ));
        }
        if self.issuer.as_deref() == Some("") {
            return Err(JWTConfigError::new("issuer", "must not be empty (leave it unset to not check iss)"));
        }
        if self.audience.as_deref() == Some("") {
            return Err(JWTConfigError::new("audience", "must not be empty (leave it unset to not check aud)"));
        }
        Ok(())
    }
}

/// RFC 9110 `token`: header names and auth schemes.
fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    fn field(config: &JWTConfig) -> &'static str {
        config.validate().unwrap_err().field()
    }

    #[test]
    fn ravyn_defaults() {
        let c = JWTConfig::new(SECRET);
        assert_eq!(c.get_algorithm(), Algorithm::HS256);
        assert_eq!((c.get_access_token_lifetime(), c.get_refresh_token_lifetime(), c.get_leeway()), (300, 86_400, 0));
        assert_eq!(c.get_authorization_header(), "Authorization");
        assert_eq!(c.get_auth_header_types(), ["Bearer"]);
        assert_eq!((c.get_issuer(), c.get_audience(), c.get_verifying_key()), (None, None, None));
        assert!(!c.is_check_revocation());
        assert!(c.validate().is_ok());
    }

    #[test]
    fn each_setting_error_names_its_field() {
        assert_eq!(field(&JWTConfig::new(SECRET).access_token_lifetime(0)), "access_token_lifetime");
        assert_eq!(field(&JWTConfig::new(SECRET).refresh_token_lifetime(0)), "refresh_token_lifetime");
        assert_eq!(field(&JWTConfig::new(SECRET).leeway(86_400)), "leeway");
        assert_eq!(field(&JWTConfig::new(SECRET).authorization_header("Auth orization")), "authorization_header");
        assert_eq!(field(&JWTConfig::new(SECRET).authorization_header("")), "authorization_header");
        assert_eq!(field(&JWTConfig::new(SECRET).auth_header_types(Vec::<String>::new())), "auth_header_types");
        assert_eq!(field(&JWTConfig::new(SECRET).auth_header_types(["Bearer x"])), "auth_header_types");
        assert_eq!(field(&JWTConfig::new(SECRET).issuer("")), "issuer");
        assert_eq!(field(&JWTConfig::new(SECRET).audience("")), "audience");
    }

    #[test]
    fn debug_redacts_every_key() {
        let config = JWTConfig::new("primary-secret-primary-secret-primary")
            .fallback_keys(["fallback-secret-fallback-secret-fallback"]);
        let debug = format!("{config:?}");
        assert!(!debug.contains("primary-secret") && !debug.contains("fallback-secret"), "{debug}");
    }
}
