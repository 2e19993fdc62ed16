//! Sessions for Ravyn for Rust: [`SessionConfig`], the per-request [`Session`] map, and the cookie
//! codecs that carry it (signed, Python-Ravyn-compatible, or encrypted).
//!
//! This crate knows cookies, bytes and serde, not requests or routers: the framework core finds the
//! session cookie in the request, asks the [`SessionManager`] for a [`Session`], hands it to the
//! handler, and afterwards asks the manager what `Set-Cookie` to send.
//!
//! ```
//! use ravyn_session::{CookieUpdate, IncomingCookie, SameSite, SessionConfig, SessionManager};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Once per app.
//! let config = SessionConfig::new("a-long-random-secret-of-at-least-32-bytes")
//!     .max_age(3600)
//!     .same_site(SameSite::Strict);
//! let manager = SessionManager::new(config)?;
//!
//! // POST /login: no cookie yet.
//! let incoming = IncomingCookie::from_cookie_headers(manager.cookie_name(), ["theme=dark"]);
//! let session = manager.session(incoming);
//! session.insert("user_id", 1)?;
//! session.insert("email", "alice@example.com")?;
//! let update = manager.finish(&session).await?;
//! let set_cookie = update.header_value().expect("a new session sets a cookie");
//! assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("Max-Age=3600"));
//!
//! // GET /profile: the browser sends the cookie back.
//! let cookie = set_cookie.split(';').next().unwrap();
//! let session = manager.session(IncomingCookie::from_cookie_headers("session", [cookie]));
//! assert_eq!(session.get::<String>("email")?.as_deref(), Some("alice@example.com"));
//! assert_eq!(manager.finish(&session).await?, CookieUpdate::None); // read-only: no Set-Cookie
//!
//! // POST /logout.
//! let session = manager.session(IncomingCookie::from_cookie_headers("session", [cookie]));
//! session.clear();
//! assert!(matches!(manager.finish(&session).await?, CookieUpdate::Delete(_)));
//! # Ok(())
//! # }
//! ```
//!
//! # Modules
//!
//! - [`base64url`] is the strict base64url decoder shared by the signed cookie and bearer tokens.
//! - [`config`] holds [`SessionConfig`], [`SameSite`], [`CookieFormat`] and [`SessionConfigError`].
//! - [`session`] holds [`Session`] and [`SessionError`].
//! - [`incoming`] holds [`IncomingCookie`].
//! - [`keyring`] holds [`KeyRing`], the key-rotation rule (primary signs, every key verifies)
//!   shared with the JWT crate.
//! - [`clock`] holds [`Clock`], [`SystemClock`] and [`ManualClock`].
//! - [`codec`] holds the cookie formats and documents their exact layouts.
//! - [`manager`] holds [`SessionManager`], [`CookieUpdate`], [`FinishError`] and the `Set-Cookie` rules.
//! - [`store`] holds server-side sessions: the [`SessionStore`] trait and its contract, [`Record`],
//!   [`SessionId`], [`StoreError`], [`MemoryStore`], and `RedisStore` (feature `redis`).
//! - [`conformance`] is the store conformance suite: [`conformance::run`] checks any store in one call.
//! - `redis_connection` (feature `redis`) holds the Redis plumbing (connection, time bound, URL
//!   redaction) shared by Redis-backed stores, this crate's and the JWT crate's.
//!
//! # Guarantees
//!
//! - A missing, malformed, tampered, expired, future-dated, wrong-format or ambiguous cookie gives an
//!   empty session, with a `debug` log saying why, never an error to the client.
//! - Signatures and tags are checked in constant time (ring) before anything in the cookie is trusted.
//! - A request that never touches its session does no HMAC and no JSON parse.
//! - Old secrets keep working through `fallback_secrets`, and their cookies are moved to the primary
//!   secret on the next response.
//!
//! # Limits
//!
//! - **No revocation** (cookie sessions). The session lives in the cookie, so the server keeps no
//!   list of valid sessions: a stolen cookie stays valid until it expires (`max_age`,
//!   `absolute_max_age`), even after the user logs out elsewhere. Logging out deletes the browser's
//!   copy, not a thief's. Keep `max_age` short, or use a server-side store
//!   ([`SessionConfig::store`]), where logging out deletes the record.
//! - **About 4 KB.** Browsers keep at most 4096 bytes per cookie; a session that would exceed it makes
//!   [`SessionManager::finish`] fail with [`FinishError::TooLarge`] rather than be dropped silently.
//!   Store identifiers, not documents.
//! - **Readable by the client** in the Signed (default) and Ravyn formats: they are signed, not
//!   encrypted. Use [`CookieFormat::Private`] for anything the user must not see.
//! - **Last writer wins.** Two concurrent requests of one session each start from the cookie (or
//!   store record) they were sent; the response that arrives last sets the cookie (or writes the
//!   record), and the other's changes are lost. With a store, a write never brings back a session
//!   that was deleted (logout) or cycled away meanwhile; see the [`store`] module doc.
//! - **Ravyn format**: no creation time (no `absolute_max_age`), not bound to the cookie name,
//!   HMAC-SHA1; all inherited from itsdangerous for compatibility.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
// Tests may unwrap: a panic is the failure report there.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod base64url;
pub mod clock;
pub mod codec;
pub mod config;
pub mod conformance;
pub mod cookie_attributes;
pub mod derive;
pub mod incoming;
pub mod keyring;
pub mod manager;
#[cfg(any(feature = "redis", feature = "postgres", feature = "mysql", feature = "sqlite"))]
mod redact;
#[cfg(feature = "redis")]
pub mod redis_connection;
pub mod session;
mod set_cookie;
pub mod store;

pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{CookieFormat, SameSite, SessionConfig, SessionConfigError};
pub use cookie_attributes::CookieAttributes;
pub use incoming::IncomingCookie;
pub use keyring::KeyRing;
pub use manager::{CookieUpdate, FinishError, SessionManager};
pub use session::{Session, SessionError};
#[cfg(feature = "mysql")]
pub use store::MySqlStore;
#[cfg(feature = "postgres")]
pub use store::PostgresStore;
#[cfg(feature = "redis")]
pub use store::RedisStore;
#[cfg(feature = "sqlite")]
pub use store::SqliteStore;
pub use store::{MemoryStore, Record, SessionId, SessionStore, StoreError};
