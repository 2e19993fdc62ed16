//! Authentication and permissions in the web layer: the identity step (who is calling, from a
//! bearer token or the session), the typed arguments that read it ([`AuthUser`], `Claims`, the
//! `JwtManager` itself, with the `jwt` feature), and [`Permission`]s checked before binding.
//!
//! The token rules (algorithm pinning, expiry, key rotation, refresh families, revocation) live in
//! `ravyn-auth`; this module only reads the configured header, hands its bytes over, and turns the
//! outcome into the request's [`Identity`] or a response. Where the step sits among the others is
//! stated once, in ARCHITECTURE.md ("The built-in steps").
//!
//! ```
//! # #[cfg(feature = "jwt")] {
//! use ravyn_core::auth::{AuthUser, Credentials, IsAuthenticated};
//! use ravyn_core::{Ravyn, testing::TestClient};
//! use ravyn_auth::JWTConfig;
//!
//! #[derive(Debug)]
//! struct User { id: u64 }
//!
//! let app = Ravyn::builder()
//!     .jwt_config(JWTConfig::new("a-long-random-secret-of-at-least-32-bytes"))
//!     .user_loader(|credentials: Credentials| async move {
//!         Ok(credentials.subject().and_then(|sub| sub.parse().ok()).map(|id| User { id }))
//!     })
//!     .permission(IsAuthenticated)
//!     .build()
//!     .unwrap();
//! assert!(app.jwt().is_some());
//! # }
//! ```

mod extract;
mod failure;
mod identity;
mod permission;
#[cfg(feature = "jwt")]
mod token;

pub use extract::AuthUser;
#[cfg(feature = "jwt")]
pub use identity::VerifiedToken;
pub use identity::{Credentials, Identity};
pub use permission::{
    AllowAny, ArcPermission, Builtin, DenyAll, IsAuthenticated, IsAuthenticatedOrReadOnly, Permission,
};
#[cfg(feature = "jwt")]
pub use token::Claims;

pub(crate) use identity::{DynUserLoader, IdentityStep, UserLoaderFn};
#[cfg(feature = "openapi")]
pub(crate) use permission::MayRefuse;
pub(crate) use permission::Permissions;
