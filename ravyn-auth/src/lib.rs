//! JWT authentication for Ravyn for Rust: [`JWTConfig`] (Ravyn's names and defaults, every field
//! live), typed [`Token`]s, key rotation, single-use refresh tokens with reuse detection,
//! revocation, and the bearer-header parsing the framework's identity step calls.
//!
//! This crate knows tokens, keys, bytes and serde, not requests or routers (as `ravyn-session`
//! knows cookies): the framework reads the configured header, hands its bytes to
//! [`JwtManager::bearer`], verifies the token with [`JwtManager::authenticate`], and answers an
//! [`AuthError`] with its [`status`](AuthError::status), [`detail`](AuthError::detail) and
//! [`www_authenticate`](AuthError::www_authenticate).
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use ravyn_auth::{AuthErrorKind, JWTConfig, JwtManager};
//!
//! #[derive(Debug, Serialize, Deserialize)]
//! struct AppClaims { role: String }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Once per app.
//! let jwt = JwtManager::new(
//!     JWTConfig::new("a-long-random-secret-of-at-least-32-bytes")
//!         .access_token_lifetime(300)
//!         .issuer("https://api.example.com")
//!         .check_revocation(true),
//! )?;
//!
//! // POST /auth/token, once the app has checked the password.
//! let pair = jwt.issue_pair("1", &AppClaims { role: "admin".into() })?;
//!
//! // GET /me with `Authorization: Bearer <access_token>`.
//! let header = format!("Bearer {}", pair.access_token);
//! let token = jwt.bearer(Some(header.as_bytes()))?;
//! let caller = jwt.authenticate::<AppClaims>(token).await?;
//! assert_eq!((caller.sub.as_deref(), caller.claims.role.as_str()), (Some("1"), "admin"));
//!
//! // No header: 401 with the RFC 6750 challenge.
//! let err = jwt.bearer(None).unwrap_err();
//! assert_eq!((err.status(), err.www_authenticate()), (401, Some("Bearer")));
//!
//! // POST /auth/refresh: single use, the new pair keeps the claims.
//! let next = jwt.refresh::<AppClaims>(&pair.refresh_token).await?;
//!
//! // POST /auth/logout: that token and its whole refresh family are dead.
//! jwt.revoke(&jwt.verify_access::<AppClaims>(&next.access_token)?).await?;
//! let err = jwt.authenticate::<AppClaims>(&next.access_token).await.unwrap_err();
//! assert_eq!(err.kind(), AuthErrorKind::RevokedToken);
//! # Ok(())
//! # }
//! ```
//!
//! # Modules
//!
//! - [`config`] holds [`JWTConfig`], [`JWTConfigError`], and the list of Ravyn's fields left out
//!   (with why).
//! - [`algorithm`] holds [`Algorithm`] and [`KeyFamily`].
//! - [`token`] holds [`Token`], [`TokenType`], [`Audience`], [`NoClaims`] and [`TokenPair`].
//! - [`manager`] holds [`JwtManager`]: issue, verify, authenticate, refresh, revoke.
//! - [`bearer`] holds [`bearer_token`] and [`MAX_TOKEN_LEN`].
//! - [`error`] holds [`AuthError`] and [`AuthErrorKind`].
//! - [`store`] holds the [`TokenStore`] trait and its contract, [`MemoryTokenStore`], and
//!   `RedisTokenStore` (feature `redis`); [`store::conformance`] checks any store in one call.
//! - The key ids are [`KeyId`]s; the clock is `ravyn-session`'s ([`Clock`], [`SystemClock`],
//!   [`ManualClock`]), re-exported here.
//!
//! # Guarantees
//!
//! - **The algorithm is the config's.** A token whose `alg` header names another algorithm, or
//!   `none`, is refused before any key is used; keys are bound to their algorithm family, so an RSA
//!   public key is never usable as an HMAC secret. A token's header only *selects* a configured key
//!   by `kid`; it never supplies one (`jwk`, `jku`, `x5u` are ignored), and an unknown `kid` is
//!   refused.
//! - **Keys are checked at start-up.** An HMAC secret shorter than its hash (32/48/64 bytes), an
//!   asymmetric config without a `verifying_key`, a key that does not fit the algorithm, or a
//!   verifying key that is not the signing key's public half is a [`JWTConfigError`] naming the
//!   field, not a failure at the first login.
//! - **Every failure of the client's token is a 401** with an RFC 6750 challenge and a fixed
//!   detail: malformed input, a bad signature, a missing `exp`, an expired token, `nbf` in the
//!   future, an `iss`/`aud` mismatch (both required when configured), claims of the wrong type
//!   (`"exp":"never"`, `"sub":42`, application claims that do not fit their type). None is a 4xx
//!   other than 401, none a 5xx, none echoes internal text; the cause is [`AuthError::reason`], for
//!   the log.
//! - **Time is exact and injectable.** `exp` is required; a token is accepted while
//!   `now < exp + leeway` and, with `nbf`, once `now >= nbf - leeway`, to the second, on the
//!   config's [`Clock`]. The leeway is Ravyn's 0 unless set (never jsonwebtoken's silent 60 s).
//! - **Access and refresh tokens are typed** (`token_type`): a refresh token is never accepted as
//!   an access token nor the reverse; a token without the claim, as Python Ravyn mints them, is an
//!   access token.
//! - **Refresh tokens are single use.** Exchanging one is an atomic consume in the store: of any
//!   number of concurrent refreshes with one token exactly one succeeds, and presenting a used
//!   refresh token revokes its whole family (RFC 9700 §4.14.2).
//! - **Revocation lasts exactly as long as needed**: a revoked `jti` until its token expires, a
//!   revoked family until the longest lifetime has passed; the store then forgets them.
//! - **Rotation like sessions'.** New tokens are signed with the signing key only; fallback keys
//!   verify. The rule is `ravyn_session::KeyRing`'s, shared with session cookies.
//! - **The bearer parser never panics** on any bytes (property-tested), allocates nothing, and
//!   refuses tokens over [`MAX_TOKEN_LEN`] before decoding them.
//! - **One crypto library.** Signatures are computed by ring: through jsonwebtoken's
//!   crypto-provider hook when signing, and directly (keys prepared once) when verifying on the
//!   bearer hot path; neither aws-lc-rs nor RustCrypto is compiled.
//!
//! # Limits
//!
//! - **Without `check_revocation`, logout is not immediate.** Verifying a token then reads no store
//!   (the fast path), so a revoked access token keeps working until its `exp`: at most
//!   `access_token_lifetime` (5 minutes by default). Refreshing always consults the store, so the
//!   family cannot be extended. Turn `check_revocation` on to pay one store read per request for
//!   immediate logout.
//! - **A client must not race itself.** Two concurrent refreshes with the same token are, by the
//!   rule above, a reuse: one gets a pair, and the family (that pair included) is revoked. There is
//!   no grace window.
//! - **Tokens without `jti`** (Python Ravyn's) cannot be revoked one by one, and cannot be
//!   refreshed; they live until `exp`.
//! - **`MemoryTokenStore` is per process**: with several processes, use `RedisTokenStore`, or a
//!   refresh token could be used once per process.
//! - **Fallback keys share the configured algorithm.** Moving from HS256 to RS256 is not a
//!   rotation: tokens of the old algorithm stop verifying at once.
//! - **No JWKS, no encrypted tokens (JWE), no `crit` extensions.** Verification allocates only
//!   the claims' strings (and a token's claims over 1 KiB); tokens of an unusual shape are
//!   verified by jsonwebtoken's own `decode`, which allocates more (see `fastpath.rs`).

#![forbid(unsafe_code)]
#![deny(missing_docs)]
// Tests may unwrap: a panic is the failure report there.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod algorithm;
pub mod bearer;
pub mod config;
mod crypto;
pub mod error;
mod fastpath;
mod keys;
pub mod manager;
mod random;
pub mod store;
pub mod token;

pub use algorithm::{Algorithm, KeyFamily, ParseAlgorithmError};
pub use bearer::{bearer_token, MAX_TOKEN_LEN};
pub use config::{JWTConfig, JWTConfigError};
pub use error::{AuthError, AuthErrorKind};
pub use keys::KeyId;
pub use manager::JwtManager;
pub use ravyn_session::{Clock, ManualClock, StoreError, SystemClock};
#[cfg(feature = "redis")]
pub use store::RedisTokenStore;
pub use store::{MemoryTokenStore, TokenStore};
pub use token::{Audience, NoClaims, Token, TokenPair, TokenType};

#[cfg(test)]
mod differential;
#[cfg(test)]
mod testkeys;
#[cfg(test)]
mod tests;
