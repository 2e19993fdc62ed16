//! Typed handler arguments for the caller's bearer token (the `jwt` feature): [`Claims<C>`] and
//! the app's [`JwtManager`]. Each needs [`Needs::USER`], so the identity step runs for routes that
//! take one; `Option<Claims<C>>` makes authentication optional.

use std::ops::Deref;
use std::sync::Arc;

use ravyn_auth::{JwtManager, NoClaims};
use serde::de::DeserializeOwned;

use super::extract::identity;
use super::identity::VerifiedToken;
use crate::extract::FromRequest;
use crate::request::Request;
use crate::spec::Needs;
use crate::HTTPException;

/// The caller's access token, its application claims typed as `C` (any serde type; fields at the
/// token's top level), its registered claims (`sub`, `jti`, `exp`...) through
/// [`token`](Self::token).
///
/// No valid token: 401 with the RFC 6750 challenge. Claims that do not fit `C`: 401
/// `invalid_token` (never a 422 or 500). `Option<Claims<C>>` is `None` instead of either.
///
/// ```
/// use ravyn_core::auth::Claims;
/// use ravyn_core::extract::FromRequest;
///
/// #[derive(serde::Deserialize)]
/// struct AppClaims { role: String }
/// assert_eq!(<Claims<AppClaims> as FromRequest>::NEEDS, ravyn_core::Needs::USER);
/// ```
pub struct Claims<C = NoClaims> {
    token: Arc<VerifiedToken>,
    claims: C,
}

impl<C> Claims<C> {
    /// The whole verified token: `sub`, `jti`, `exp`, its refresh family... (what
    /// [`JwtManager::revoke`] takes).
    pub fn token(&self) -> &VerifiedToken {
        &self.token
    }

    /// The subject (`sub`): the user id the token was issued for.
    pub fn subject(&self) -> Option<&str> {
        self.token.sub.as_deref()
    }

    /// The application claims.
    pub fn into_inner(self) -> C {
        self.claims
    }
}

impl<C> Deref for Claims<C> {
    type Target = C;
    fn deref(&self) -> &C {
        &self.claims
    }
}

impl<C: std::fmt::Debug> std::fmt::Debug for Claims<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Claims").field("sub", &self.subject()).field("claims", &self.claims).finish()
    }
}

impl<C: DeserializeOwned + Send + 'static> FromRequest for Claims<C> {
    const NEEDS: Needs = Needs::USER;
    const AUTHENTICATED: bool = true;
    type Rejection = HTTPException;

    fn from_request(request: &mut Request) -> Result<Self, HTTPException> {
        let identity = identity(request, "a `Claims` argument")?;
        let Some(token) = identity.token.clone().filter(|_| identity.is_authenticated()) else {
            return Err(identity.unauthenticated());
        };
        let claims = identity.claims::<C>()?;
        Ok(Claims { token, claims })
    }
}

/// The app's JWT manager, to issue tokens at login, exchange refresh tokens and revoke them at
/// logout. A logged 500 when the app has no `jwt_config`.
///
/// ```
/// use ravyn_core::extract::FromRequest;
/// assert_eq!(<ravyn_auth::JwtManager as FromRequest>::NEEDS, ravyn_core::Needs::USER);
/// ```
impl FromRequest for JwtManager {
    const NEEDS: Needs = Needs::USER;
    type Rejection = HTTPException;

    fn from_request(request: &mut Request) -> Result<Self, HTTPException> {
        match request.jwt() {
            Some(jwt) => Ok(jwt.clone()),
            None => {
                tracing::error!(
                    "a handler takes a `JwtManager` argument, but the app has no JWT configuration: add \
                     .jwt_config(JWTConfig::new(secret)) to Ravyn::builder()"
                );
                Err(HTTPException::internal_server_error())
            }
        }
    }
}
