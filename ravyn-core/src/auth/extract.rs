//! The typed handler argument for the caller's user, [`AuthUser<U>`] (the token's, `Claims<C>`
//! and `JwtManager`, are in `token.rs`). It needs [`Needs::USER`], so the identity step runs for
//! routes that take one; `Option<AuthUser<U>>` makes authentication optional.

use std::ops::Deref;
use std::sync::Arc;

use super::identity::Identity;
use crate::extract::FromRequest;
use crate::request::Request;
use crate::spec::Needs;
use crate::HTTPException;

/// The identity step did not run: the app has no `jwt_config` and no `user_loader`.
fn no_identity(argument: &str) -> HTTPException {
    tracing::error!(
        "a handler takes {argument}, but the app has no identity: add .jwt_config(JWTConfig::new(secret)) and/or \
         .user_loader(..) to Ravyn::builder()"
    );
    HTTPException::internal_server_error()
}

pub(super) fn identity<'r>(request: &'r Request, argument: &str) -> Result<&'r Identity, HTTPException> {
    request.identity().ok_or_else(|| no_identity(argument))
}

/// The authenticated user, as the app's user loader returned it (Ravyn's `request.user`).
///
/// Not authenticated: 401 `{"detail": ...}` with the RFC 6750 challenge when the app reads
/// bearer tokens. `Option<AuthUser<U>>` is `None` instead. `U` must be the loader's type (another
/// type is a logged 500).
///
/// ```
/// use ravyn_core::auth::AuthUser;
/// use ravyn_core::extract::FromRequest;
/// use ravyn_core::Needs;
///
/// struct User { id: u64 }
/// assert_eq!(<AuthUser<User> as FromRequest>::NEEDS, Needs::USER);
/// ```
pub struct AuthUser<U>(pub Arc<U>);

impl<U> Deref for AuthUser<U> {
    type Target = U;
    fn deref(&self) -> &U {
        &self.0
    }
}

impl<U: std::fmt::Debug> std::fmt::Debug for AuthUser<U> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("AuthUser").field(&self.0).finish()
    }
}

impl<U: Send + Sync + 'static> FromRequest for AuthUser<U> {
    const NEEDS: Needs = Needs::USER;
    const AUTHENTICATED: bool = true;
    type Rejection = HTTPException;

    fn from_request(request: &mut Request) -> Result<Self, HTTPException> {
        let identity = identity(request, "an `AuthUser` argument")?;
        if !identity.is_authenticated() {
            return Err(identity.unauthenticated());
        }
        let Some((user, loaded_type)) = identity.loaded_user() else {
            tracing::error!(
                "a handler takes an `AuthUser` argument, but the app has no user loader: add \
                 .user_loader(|credentials| async move {{ .. }}) to Ravyn::builder()"
            );
            return Err(HTTPException::internal_server_error());
        };
        match user.clone().downcast::<U>() {
            Ok(user) => Ok(AuthUser(user)),
            Err(_) => {
                tracing::error!(
                    "a handler takes AuthUser<{}>, but the user loader returns {loaded_type}",
                    std::any::type_name::<U>()
                );
                Err(HTTPException::internal_server_error())
            }
        }
    }
}
