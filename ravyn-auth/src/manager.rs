//! [`JwtManager`]: issues, verifies, refreshes and revokes tokens for one [`JWTConfig`].
//!
//! Built once per app (keys parsed and checked here), cheap to clone (an `Arc`), shared by the
//! framework's identity step and the handlers that log users in and out.
//!
//! ```
//! use ravyn_auth::{JWTConfig, JwtManager, NoClaims, TokenType};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let jwt = JwtManager::new(JWTConfig::new("a-long-random-secret-of-at-least-32-bytes"))?;
//!
//! // POST /auth/token: credentials checked by the app, then a pair for user 1.
//! let pair = jwt.issue_pair("1", &NoClaims {})?;
//!
//! // GET /me with `Authorization: Bearer <access>`: the identity step.
//! let header = format!("Bearer {}", pair.access_token);
//! let token = jwt.bearer(Some(header.as_bytes()))?;
//! let claims = jwt.authenticate::<NoClaims>(token).await?;
//! assert_eq!(claims.sub.as_deref(), Some("1"));
//! assert_eq!(claims.token_type, TokenType::Access);
//!
//! // POST /auth/refresh: single use.
//! let next = jwt.refresh::<NoClaims>(&pair.refresh_token).await?;
//! assert!(jwt.refresh::<NoClaims>(&pair.refresh_token).await.is_err()); // reuse: the family is revoked
//! assert!(jwt.refresh::<NoClaims>(&next.refresh_token).await.is_err());
//! # Ok(())
//! # }
//! ```

use std::sync::Arc;
use std::time::Duration;

use ravyn_session::Clock;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::bearer::{self, bearer_token, MAX_TOKEN_LEN};
use crate::config::{JWTConfig, JWTConfigError};
use crate::error::{AuthError, AuthErrorKind};
use crate::keys::{KeyId, Keys};
use crate::random::random_id;
use crate::store::{Consumed, MemoryTokenStore, TokenStore};
use crate::token::{Audience, Token, TokenPair, TokenType};

/// Issues, verifies, refreshes and revokes tokens; see the [module doc](self).
///
/// `Debug` prints no keys.
///
/// ```
/// let jwt = ravyn_auth::JwtManager::new(ravyn_auth::JWTConfig::new("a-long-random-secret-of-at-least-32-bytes"))?;
/// let shared = jwt.clone(); // one Arc
/// assert!(!format!("{shared:?}").contains("a-long-random-secret"));
/// # Ok::<(), ravyn_auth::JWTConfigError>(())
/// ```
#[derive(Clone, Debug)]
pub struct JwtManager {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: JWTConfig,
    keys: Keys,
    store: Arc<dyn TokenStore>,
    clock: Arc<dyn Clock>,
}

impl JwtManager {
    /// Validates the config and parses its keys once; the error names the first invalid field.
    ///
    /// ```
    /// use ravyn_auth::{JWTConfig, JwtManager};
    ///
    /// assert!(JwtManager::new(JWTConfig::new("a-long-random-secret-of-at-least-32-bytes")).is_ok());
    /// assert_eq!(JwtManager::new(JWTConfig::new("short")).unwrap_err().field(), "signing_key");
    /// ```
    pub fn new(config: JWTConfig) -> Result<Self, JWTConfigError> {
        config.validate_settings()?;
        let keys = Keys::new(&config)?;
        let clock = config.get_clock().clone();
        let store = match config.get_store() {
            Some(store) => store.clone(),
            None => Arc::new(MemoryTokenStore::with_clock(clock.clone())),
        };
        Ok(JwtManager { inner: Arc::new(Inner { config, keys, store, clock }) })
    }

    /// The config this manager was built from.
    ///
    /// ```
    /// # let jwt = ravyn_auth::JwtManager::new(ravyn_auth::JWTConfig::new("a-long-random-secret-of-at-least-32-bytes"))?;
    /// assert_eq!(jwt.config().get_authorization_header(), "Authorization");
    /// # Ok::<(), ravyn_auth::JWTConfigError>(())
    /// ```
    pub fn config(&self) -> &JWTConfig {
        &self.inner.config
    }

    /// The ids of the configured keys: the signing key's first (the `kid` of every new token),
    /// then the fallback keys'.
    ///
    /// ```
    /// use ravyn_auth::{JWTConfig, JwtManager};
    /// let jwt = JwtManager::new(
    ///     JWTConfig::new("the-new-secret-of-at-least-32-bytes!!").fallback_keys(["the-old-secret-of-at-least-32-bytes!!!"]),
    /// )?;
    /// assert_eq!(jwt.key_ids().count(), 2);
    /// # Ok::<(), ravyn_auth::JWTConfigError>(())
    /// ```
    pub fn key_ids(&self) -> impl Iterator<Item = &KeyId> {
        self.inner.keys.ring.iter().map(|key| &key.kid)
    }

    /// The token in a raw `authorization_header` value (or `None` when the request has no such
    /// header), checked against `auth_header_types`: [`bearer_token`] with this config's schemes.
    ///
    /// ```
    /// # let jwt = ravyn_auth::JwtManager::new(ravyn_auth::JWTConfig::new("a-long-random-secret-of-at-least-32-bytes"))?;
    /// assert_eq!(jwt.bearer(Some(b"bearer abc")).unwrap(), "abc");
    /// assert_eq!(jwt.bearer(None).unwrap_err().status(), 401);
    /// # Ok::<(), ravyn_auth::JWTConfigError>(())
    /// ```
    pub fn bearer<'a>(&self, header_value: Option<&'a [u8]>) -> Result<&'a str, AuthError> {
        bearer_token(header_value, self.inner.config.get_auth_header_types())
    }

    /// A new access/refresh pair for `subject` (the user id, in `sub`) carrying the application's
    /// `claims`, starting a new refresh family. Writes nothing to the store.
    ///
    /// Every token gets `exp`, `iat`, `jti`, `token_type`, `fam`, the config's `iss` and `aud`, and
    /// the signing key's `kid`. Fails (500-class [`AuthErrorKind::Internal`]) only when `claims`
    /// does not serialize to a JSON object or the OS random generator fails.
    ///
    /// ```
    /// use serde::{Deserialize, Serialize};
    /// use ravyn_auth::{JWTConfig, JwtManager};
    ///
    /// #[derive(Serialize, Deserialize)]
    /// struct AppClaims { role: String }
    ///
    /// let jwt = JwtManager::new(JWTConfig::new("a-long-random-secret-of-at-least-32-bytes"))?;
    /// let pair = jwt.issue_pair("42", &AppClaims { role: "admin".into() })?;
    /// let access = jwt.verify_access::<AppClaims>(&pair.access_token)?;
    /// assert_eq!((access.sub.as_deref(), access.claims.role.as_str()), (Some("42"), "admin"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn issue_pair<C: Serialize>(&self, subject: &str, claims: &C) -> Result<TokenPair, AuthError> {
        let family = random_id().ok_or_else(|| AuthError::internal("the OS random generator failed"))?;
        self.issue_pair_in(subject, claims, &family)
    }

    /// A lone access token for `subject`, in no refresh family (so it is revoked by its `jti`
    /// only): for service-to-service calls and tests. Users logging in get
    /// [`issue_pair`](Self::issue_pair).
    ///
    /// ```
    /// # let jwt = ravyn_auth::JwtManager::new(ravyn_auth::JWTConfig::new("a-long-random-secret-of-at-least-32-bytes"))?;
    /// let token = jwt.issue_access("service-a", &ravyn_auth::NoClaims {})?;
    /// assert_eq!(jwt.verify_access::<ravyn_auth::NoClaims>(&token)?.fam, None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn issue_access<C: Serialize>(&self, subject: &str, claims: &C) -> Result<String, AuthError> {
        self.issue(subject, claims, TokenType::Access, None)
    }

    fn issue_pair_in<C: Serialize>(&self, subject: &str, claims: &C, family: &str) -> Result<TokenPair, AuthError> {
        let access_token = self.issue(subject, claims, TokenType::Access, Some(family))?;
        let refresh_token = self.issue(subject, claims, TokenType::Refresh, Some(family))?;
        Ok(TokenPair {
            access_token,
            refresh_token,
            token_type: "bearer".to_owned(),
            expires_in: self.inner.config.get_access_token_lifetime(),
        })
    }

    fn issue<C: Serialize>(
        &self,
        subject: &str,
        claims: &C,
        token_type: TokenType,
        family: Option<&str>,
    ) -> Result<String, AuthError> {
        let config = &self.inner.config;
        let now = self.inner.clock.now();
        let lifetime = match token_type {
            TokenType::Access => config.get_access_token_lifetime(),
            TokenType::Refresh => config.get_refresh_token_lifetime(),
        };
        let token = Token {
            exp: now.saturating_add(lifetime),
            iat: Some(now),
            nbf: None,
            sub: Some(subject.to_owned()),
            iss: config.get_issuer().map(str::to_owned),
            aud: config.get_audience().map(|a| Audience::One(a.to_owned())),
            jti: Some(random_id().ok_or_else(|| AuthError::internal("the OS random generator failed"))?),
            token_type,
            fam: family.map(str::to_owned),
            claims,
        };
        self.inner.keys.encode(&token)
    }

    /// Verifies an access token by its signature and claims alone, reading no store: the
    /// pinned algorithm, the `kid`, `exp` (required) and `nbf` against the config's clock and
    /// leeway, `iss`/`aud` when configured, every claim's type, and `token_type` (a refresh token
    /// is refused; a token without the claim is an access token).
    ///
    /// ```
    /// use ravyn_auth::{AuthErrorKind, JWTConfig, JwtManager, NoClaims};
    ///
    /// let jwt = JwtManager::new(JWTConfig::new("a-long-random-secret-of-at-least-32-bytes"))?;
    /// let pair = jwt.issue_pair("1", &NoClaims {})?;
    /// assert!(jwt.verify_access::<NoClaims>(&pair.access_token).is_ok());
    /// let err = jwt.verify_access::<NoClaims>(&pair.refresh_token).unwrap_err();
    /// assert_eq!(err.kind(), AuthErrorKind::WrongTokenType);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify_access<C: DeserializeOwned>(&self, token: &str) -> Result<Token<C>, AuthError> {
        self.verify(token, TokenType::Access)
    }

    /// Verifies a refresh token the way [`verify_access`](Self::verify_access) verifies an access
    /// token (an access token, or a token without `token_type`, is refused), without using it up:
    /// [`refresh`](Self::refresh) does that.
    ///
    /// ```
    /// # use ravyn_auth::{JWTConfig, JwtManager, NoClaims, TokenType};
    /// # let jwt = JwtManager::new(JWTConfig::new("a-long-random-secret-of-at-least-32-bytes"))?;
    /// let pair = jwt.issue_pair("1", &NoClaims {})?;
    /// assert_eq!(jwt.verify_refresh::<NoClaims>(&pair.refresh_token)?.token_type, TokenType::Refresh);
    /// assert!(jwt.verify_refresh::<NoClaims>(&pair.access_token).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify_refresh<C: DeserializeOwned>(&self, token: &str) -> Result<Token<C>, AuthError> {
        self.verify(token, TokenType::Refresh)
    }

    fn verify<C: DeserializeOwned>(&self, token: &str, expected: TokenType) -> Result<Token<C>, AuthError> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(AuthError::invalid_token("token longer than MAX_TOKEN_LEN"));
        }
        let claims: Token<C> = self.inner.keys.decode(token)?;
        self.check_times_and_type(claims, expected)
    }

    /// The checks of [`verify`](Self::verify) after the signature's: `exp`, `nbf`, `token_type`.
    fn check_times_and_type<C>(&self, claims: Token<C>, expected: TokenType) -> Result<Token<C>, AuthError> {
        let now = self.inner.clock.now();
        let leeway = self.inner.config.get_leeway();
        // RFC 7519 §4.1.4: refused on or after `exp`; leeway extends that by its seconds exactly.
        if now >= claims.exp.saturating_add(leeway) {
            return Err(AuthError::new(AuthErrorKind::ExpiredToken, "exp has passed"));
        }
        // RFC 7519 §4.1.5: refused before `nbf`, less the leeway.
        if claims.nbf.is_some_and(|nbf| now.saturating_add(leeway) < nbf) {
            return Err(AuthError::invalid_token("nbf is in the future"));
        }
        if claims.token_type != expected {
            return Err(AuthError::new(AuthErrorKind::WrongTokenType, "token_type is not the one expected here"));
        }
        Ok(claims)
    }

    /// Whether [`authenticate`](Self::authenticate) consults the store (`check_revocation`): the
    /// identity step can take a synchronous path when it does not.
    ///
    /// ```
    /// # let jwt = ravyn_auth::JwtManager::new(ravyn_auth::JWTConfig::new("a-long-random-secret-of-at-least-32-bytes"))?;
    /// assert!(!jwt.checks_revocation());
    /// # Ok::<(), ravyn_auth::JWTConfigError>(())
    /// ```
    pub fn checks_revocation(&self) -> bool {
        self.inner.config.is_check_revocation()
    }

    /// What the identity step calls with a bearer token: [`verify_access`](Self::verify_access),
    /// then, only when the config sets `check_revocation`, one store read (is the `jti` or the
    /// family revoked?).
    ///
    /// ```
    /// use ravyn_auth::{AuthErrorKind, JWTConfig, JwtManager, NoClaims};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), ravyn_auth::AuthError> {
    /// let jwt = JwtManager::new(JWTConfig::new("a-long-random-secret-of-at-least-32-bytes").check_revocation(true)).unwrap();
    /// let pair = jwt.issue_pair("1", &NoClaims {})?;
    /// let token = jwt.authenticate::<NoClaims>(&pair.access_token).await?;
    /// jwt.revoke(&token).await?; // logout
    /// let err = jwt.authenticate::<NoClaims>(&pair.access_token).await.unwrap_err();
    /// assert_eq!(err.kind(), AuthErrorKind::RevokedToken);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn authenticate<C: DeserializeOwned>(&self, token: &str) -> Result<Token<C>, AuthError> {
        let claims = self.verify_access::<C>(token)?;
        if self.checks_revocation() {
            self.ensure_not_revoked(&claims).await?;
        }
        Ok(claims)
    }

    /// [`bearer`](Self::bearer) then [`verify_access`](Self::verify_access) in one step, with the
    /// same answer for every header value: what the identity step calls. Faster on a valid
    /// token: the bearer alphabet is checked only when verification does not succeed (a token
    /// that verifies holds only base64url characters and dots).
    ///
    /// ```
    /// use ravyn_auth::{AuthErrorKind, JWTConfig, JwtManager, NoClaims};
    ///
    /// let jwt = JwtManager::new(JWTConfig::new("a-long-random-secret-of-at-least-32-bytes"))?;
    /// let pair = jwt.issue_pair("1", &NoClaims {})?;
    /// let header = format!("Bearer {}", pair.access_token);
    /// assert_eq!(jwt.verify_bearer::<NoClaims>(Some(header.as_bytes()))?.sub.as_deref(), Some("1"));
    /// let err = jwt.verify_bearer::<NoClaims>(Some(b"Bearer not a token")).unwrap_err();
    /// assert_eq!(err.kind(), AuthErrorKind::MalformedHeader);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify_bearer<C: DeserializeOwned>(&self, header_value: Option<&[u8]>) -> Result<Token<C>, AuthError> {
        let token = bearer::token_bytes(header_value, self.inner.config.get_auth_header_types())?;
        let claims = self.inner.keys.decode_bearer(token)?;
        self.check_times_and_type(claims, TokenType::Access)
    }

    /// [`bearer`](Self::bearer) then [`authenticate`](Self::authenticate) in one step, with the
    /// same answer: [`verify_bearer`](Self::verify_bearer), then the revocation check when the
    /// config sets `check_revocation`.
    ///
    /// ```
    /// # use ravyn_auth::{JWTConfig, JwtManager, NoClaims};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), ravyn_auth::AuthError> {
    /// let jwt = JwtManager::new(JWTConfig::new("a-long-random-secret-of-at-least-32-bytes").check_revocation(true)).unwrap();
    /// let pair = jwt.issue_pair("1", &NoClaims {})?;
    /// let header = format!("Bearer {}", pair.access_token);
    /// let token = jwt.authenticate_bearer::<NoClaims>(Some(header.as_bytes())).await?;
    /// jwt.revoke(&token).await?;
    /// assert!(jwt.authenticate_bearer::<NoClaims>(Some(header.as_bytes())).await.is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn authenticate_bearer<C: DeserializeOwned>(
        &self,
        header_value: Option<&[u8]>,
    ) -> Result<Token<C>, AuthError> {
        let claims = self.verify_bearer::<C>(header_value)?;
        if self.checks_revocation() {
            self.ensure_not_revoked(&claims).await?;
        }
        Ok(claims)
    }

    /// Fails with [`AuthErrorKind::RevokedToken`] when the token's `jti` or family is revoked
    /// (whatever `check_revocation` says): one store read.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), ravyn_auth::AuthError> {
    /// # let jwt = ravyn_auth::JwtManager::new(ravyn_auth::JWTConfig::new("a-long-random-secret-of-at-least-32-bytes")).unwrap();
    /// let token = jwt.verify_access::<ravyn_auth::NoClaims>(&jwt.issue_access("1", &ravyn_auth::NoClaims {})?)?;
    /// assert!(jwt.ensure_not_revoked(&token).await.is_ok());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn ensure_not_revoked<C>(&self, token: &Token<C>) -> Result<(), AuthError> {
        let (jti, family) = (token.jti.as_deref(), token.fam.as_deref());
        let revoked = match self.inner.store.is_revoked_now(jti, family) {
            Some(answer) => answer,
            None => self.inner.store.is_revoked(jti, family).await,
        }
        .map_err(AuthError::store)?;
        if revoked {
            return Err(AuthError::new(AuthErrorKind::RevokedToken, "jti or refresh family revoked"));
        }
        Ok(())
    }

    /// Exchanges a refresh token for a new pair (rotation): the refresh token is used up
    /// atomically in the store, and the new pair keeps its subject, its application claims and its
    /// family. A refresh token presented a second time revokes its whole family (every access and
    /// refresh token descended from that login) and fails with [`AuthErrorKind::RefreshReused`];
    /// a token of a revoked family fails with [`AuthErrorKind::RevokedToken`]. Of concurrent
    /// refreshes with one token, exactly one succeeds, and the family is then revoked: a client
    /// must not race itself.
    ///
    /// ```
    /// use ravyn_auth::{AuthErrorKind, JWTConfig, JwtManager, NoClaims};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), ravyn_auth::AuthError> {
    /// let jwt = JwtManager::new(JWTConfig::new("a-long-random-secret-of-at-least-32-bytes").check_revocation(true)).unwrap();
    /// let first = jwt.issue_pair("1", &NoClaims {})?;
    /// let second = jwt.refresh::<NoClaims>(&first.refresh_token).await?;
    /// assert!(jwt.authenticate::<NoClaims>(&second.access_token).await.is_ok());
    ///
    /// // The first refresh token again: stolen, or replayed. The whole family dies.
    /// let err = jwt.refresh::<NoClaims>(&first.refresh_token).await.unwrap_err();
    /// assert_eq!(err.kind(), AuthErrorKind::RefreshReused);
    /// assert_eq!(jwt.authenticate::<NoClaims>(&second.access_token).await.unwrap_err().kind(), AuthErrorKind::RevokedToken);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn refresh<C: Serialize + DeserializeOwned>(&self, refresh_token: &str) -> Result<TokenPair, AuthError> {
        let old = self.verify_refresh::<C>(refresh_token)?;
        let (Some(jti), Some(family), Some(subject)) = (old.jti.as_deref(), old.fam.as_deref(), old.sub.as_deref())
        else {
            return Err(AuthError::invalid_token("refresh token without jti, fam or sub"));
        };
        let now = self.inner.clock.now();
        let outcome = self
            .inner
            .store
            .consume(jti, family, self.jti_ttl(old.exp, now), self.family_ttl())
            .await
            .map_err(AuthError::store)?;
        match outcome {
            Consumed::First => self.issue_pair_in(subject, &old.claims, family),
            Consumed::Reused => {
                tracing::warn!(
                    family,
                    subject,
                    "refresh token presented twice: its family is revoked (token theft, or a client racing itself)"
                );
                Err(AuthError::new(AuthErrorKind::RefreshReused, "refresh token reused; family revoked"))
            }
            // `Consumed` may grow; anything but a first use is a refusal.
            _ => Err(AuthError::new(AuthErrorKind::RevokedToken, "refresh family revoked")),
        }
    }

    /// Logout: revokes the token's `jti` until it expires and, for tokens issued as a pair, its
    /// whole refresh family (the refresh token and every token refreshed from it). Requests see it
    /// when the config sets `check_revocation`; refreshes always do.
    ///
    /// ```
    /// use ravyn_auth::{JWTConfig, JwtManager, NoClaims};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), ravyn_auth::AuthError> {
    /// let jwt = JwtManager::new(JWTConfig::new("a-long-random-secret-of-at-least-32-bytes")).unwrap();
    /// let pair = jwt.issue_pair("1", &NoClaims {})?;
    /// let access = jwt.verify_access::<NoClaims>(&pair.access_token)?;
    /// jwt.revoke(&access).await?;
    /// assert!(jwt.refresh::<NoClaims>(&pair.refresh_token).await.is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn revoke<C>(&self, token: &Token<C>) -> Result<(), AuthError> {
        let now = self.inner.clock.now();
        self.inner
            .store
            .revoke(token.jti.as_deref(), token.fam.as_deref(), self.jti_ttl(token.exp, now), self.family_ttl())
            .await
            .map_err(AuthError::store)
    }

    /// How long a dead `jti` must be remembered: until its token is refused by `exp` anyway.
    fn jti_ttl(&self, exp: u64, now: u64) -> Duration {
        Duration::from_secs(exp.saturating_add(self.inner.config.get_leeway()).saturating_sub(now).max(1))
    }

    /// How long a dead family must be remembered: until every token it may hold has expired. No
    /// token of a family can outlive the longest lifetime (plus leeway) past its revocation, since
    /// none is issued in a revoked family.
    fn family_ttl(&self) -> Duration {
        let config = &self.inner.config;
        let longest = config.get_access_token_lifetime().max(config.get_refresh_token_lifetime());
        Duration::from_secs(longest.saturating_add(config.get_leeway()))
    }
}
