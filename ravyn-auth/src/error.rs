//! [`AuthError`]: why a request is not authenticated, in the terms the web layer answers with.
//!
//! Each [`AuthErrorKind`] has a fixed status, a fixed Ravyn `detail` and a fixed RFC 6750
//! `WWW-Authenticate` value, all `&'static str`: the response never carries internal text, and
//! building it allocates nothing. What actually went wrong (bad signature, unknown `kid`, issuer
//! mismatch...) is in [`AuthError::reason`] for the log only.

use std::fmt;

/// What kind of authentication failure this is; decides the status, detail and challenge.
///
/// ```
/// use ravyn_auth::{AuthError, AuthErrorKind};
///
/// let err = AuthError::missing();
/// assert_eq!(err.kind(), AuthErrorKind::MissingToken);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthErrorKind {
    /// No credentials: the header is absent. 401, challenge `Bearer`.
    MissingToken,
    /// The header uses a scheme that is not in `auth_header_types` (e.g. `Basic`): no bearer token
    /// was sent. 401, challenge `Bearer`.
    UnsupportedScheme,
    /// The header has the right scheme but no usable token: empty, oversized, extra parts,
    /// characters a token cannot hold. 401, `invalid_token`.
    MalformedHeader,
    /// The token failed verification: malformed, bad signature, algorithm not the configured one,
    /// unknown `kid`, `nbf` in the future, claims missing or of the wrong type, issuer or audience
    /// mismatch. 401, `invalid_token`.
    InvalidToken,
    /// The token's `exp` (plus leeway) has passed. 401, `invalid_token`.
    ExpiredToken,
    /// A refresh token where an access token is expected, or the other way round. 401,
    /// `invalid_token`.
    WrongTokenType,
    /// The token, or its refresh family, was revoked (logout, or refresh reuse detected earlier).
    /// 401, `invalid_token`.
    RevokedToken,
    /// A refresh token was presented a second time: its whole family is now revoked (RFC 9700
    /// §4.14.2). 401, `invalid_token`.
    RefreshReused,
    /// The token store could not answer (refresh, revocation, or a revocation check). 503, no
    /// challenge: the client did nothing wrong.
    StoreUnavailable,
    /// The server could not make a token (claims that do not serialize, a failed random source).
    /// 500, no challenge.
    Internal,
}

/// An authentication failure: [`status`](Self::status), [`detail`](Self::detail) and
/// [`www_authenticate`](Self::www_authenticate) are what the response carries;
/// [`reason`](Self::reason) and the [source](std::error::Error::source) are for the log only.
///
/// `Display` shows the detail and the reason, for logs; never send it to the client.
///
/// ```
/// use ravyn_auth::{AuthError, AuthErrorKind, JWTConfig, JwtManager, NoClaims};
///
/// let jwt = JwtManager::new(JWTConfig::new("a-long-random-secret-of-at-least-32-bytes"))?;
/// let err = jwt.verify_access::<NoClaims>("not.a.token").unwrap_err();
/// assert_eq!(err.kind(), AuthErrorKind::InvalidToken);
/// assert_eq!(err.status(), 401);
/// assert_eq!(err.detail(), "Token is invalid.");
/// assert_eq!(
///     err.www_authenticate(),
///     Some(r#"Bearer error="invalid_token", error_description="The access token is invalid""#),
/// );
/// # Ok::<(), ravyn_auth::JWTConfigError>(())
/// ```
pub struct AuthError {
    kind: AuthErrorKind,
    reason: &'static str,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl AuthError {
    pub(crate) fn new(kind: AuthErrorKind, reason: &'static str) -> Self {
        AuthError { kind, reason, source: None }
    }

    /// No token was sent ([`AuthErrorKind::MissingToken`]): what a permission that requires an
    /// authenticated caller answers when there is none.
    ///
    /// ```
    /// let err = ravyn_auth::AuthError::missing();
    /// assert_eq!((err.status(), err.www_authenticate()), (401, Some("Bearer")));
    /// assert_eq!(err.detail(), "Authentication credentials were not provided.");
    /// ```
    pub fn missing() -> Self {
        AuthError::new(AuthErrorKind::MissingToken, "no credentials")
    }

    pub(crate) fn invalid_token(reason: &'static str) -> Self {
        AuthError::new(AuthErrorKind::InvalidToken, reason)
    }

    /// A token that verified but cannot be used ([`AuthErrorKind::InvalidToken`], 401
    /// `invalid_token`): what the web layer answers when a token's application claims do not fit
    /// the handler's type, or its subject is no longer a known user. `reason` is for the log only.
    ///
    /// ```
    /// let err = ravyn_auth::AuthError::invalid("subject is not a known user");
    /// assert_eq!((err.status(), err.detail()), (401, "Token is invalid."));
    /// assert_eq!(err.reason(), "subject is not a known user");
    /// ```
    pub fn invalid(reason: &'static str) -> Self {
        AuthError::invalid_token(reason)
    }

    pub(crate) fn internal(reason: &'static str) -> Self {
        AuthError::new(AuthErrorKind::Internal, reason)
    }

    pub(crate) fn store(error: ravyn_session::StoreError) -> Self {
        AuthError {
            kind: AuthErrorKind::StoreUnavailable,
            reason: "token store unavailable",
            source: Some(Box::new(error)),
        }
    }

    /// The kind of failure.
    ///
    /// ```
    /// use ravyn_auth::{AuthError, AuthErrorKind};
    /// assert_eq!(AuthError::missing().kind(), AuthErrorKind::MissingToken);
    /// ```
    pub fn kind(&self) -> AuthErrorKind {
        self.kind
    }

    /// The HTTP status: 401 for every failure of the client's credentials, 503 when the token
    /// store could not answer, 500 when the server could not make a token. Never 4xx other than
    /// 401 and never 5xx for anything the client sent.
    ///
    /// ```
    /// assert_eq!(ravyn_auth::AuthError::missing().status(), 401);
    /// ```
    pub fn status(&self) -> u16 {
        match self.kind {
            AuthErrorKind::StoreUnavailable => 503,
            AuthErrorKind::Internal => 500,
            _ => 401,
        }
    }

    /// The response's `{"detail": ...}`: fixed per kind, in Ravyn's (DRF-style) wording.
    ///
    /// ```
    /// assert_eq!(ravyn_auth::AuthError::missing().detail(), "Authentication credentials were not provided.");
    /// ```
    pub fn detail(&self) -> &'static str {
        match self.kind {
            AuthErrorKind::MissingToken => "Authentication credentials were not provided.",
            AuthErrorKind::UnsupportedScheme => "Authorization header must use a supported scheme.",
            AuthErrorKind::MalformedHeader => "Authorization header is malformed.",
            AuthErrorKind::InvalidToken => "Token is invalid.",
            AuthErrorKind::ExpiredToken => "Token has expired.",
            AuthErrorKind::WrongTokenType => "Token has wrong type.",
            AuthErrorKind::RevokedToken => "Token has been revoked.",
            AuthErrorKind::RefreshReused => "Refresh token was already used; its session has been revoked.",
            AuthErrorKind::StoreUnavailable => "Token store unavailable",
            AuthErrorKind::Internal => "Internal Server Error",
        }
    }

    /// The RFC 6750 §3 `WWW-Authenticate` value: `Bearer` when no bearer token was sent,
    /// `Bearer error="invalid_token", error_description="..."` when a bad one was; `None` for 5xx.
    ///
    /// ```
    /// use ravyn_auth::AuthError;
    /// assert_eq!(AuthError::missing().www_authenticate(), Some("Bearer"));
    /// ```
    pub fn www_authenticate(&self) -> Option<&'static str> {
        Some(match self.kind {
            AuthErrorKind::MissingToken | AuthErrorKind::UnsupportedScheme => "Bearer",
            AuthErrorKind::MalformedHeader => {
                r#"Bearer error="invalid_token", error_description="The access token is malformed""#
            }
            AuthErrorKind::InvalidToken => {
                r#"Bearer error="invalid_token", error_description="The access token is invalid""#
            }
            AuthErrorKind::ExpiredToken => {
                r#"Bearer error="invalid_token", error_description="The access token expired""#
            }
            AuthErrorKind::WrongTokenType => {
                r#"Bearer error="invalid_token", error_description="The token is not of the expected type""#
            }
            AuthErrorKind::RevokedToken | AuthErrorKind::RefreshReused => {
                r#"Bearer error="invalid_token", error_description="The token has been revoked""#
            }
            AuthErrorKind::StoreUnavailable | AuthErrorKind::Internal => return None,
        })
    }

    /// What exactly failed (`"bad signature"`, `"unknown kid"`, `"audience mismatch"`...): for the
    /// server's log, never for the response.
    ///
    /// ```
    /// # use ravyn_auth::{JWTConfig, JwtManager, NoClaims};
    /// # let jwt = JwtManager::new(JWTConfig::new("a-long-random-secret-of-at-least-32-bytes"))?;
    /// let err = jwt.verify_access::<NoClaims>("a.b").unwrap_err();
    /// assert_eq!(err.reason(), "malformed token");
    /// # Ok::<(), ravyn_auth::JWTConfigError>(())
    /// ```
    pub fn reason(&self) -> &'static str {
        self.reason
    }
}

impl fmt::Debug for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthError")
            .field("kind", &self.kind)
            .field("reason", &self.reason)
            .field("source", &self.source)
            .finish()
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.detail(), self.reason)
    }
}

impl std::error::Error for AuthError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KINDS: [AuthErrorKind; 10] = [
        AuthErrorKind::MissingToken,
        AuthErrorKind::UnsupportedScheme,
        AuthErrorKind::MalformedHeader,
        AuthErrorKind::InvalidToken,
        AuthErrorKind::ExpiredToken,
        AuthErrorKind::WrongTokenType,
        AuthErrorKind::RevokedToken,
        AuthErrorKind::RefreshReused,
        AuthErrorKind::StoreUnavailable,
        AuthErrorKind::Internal,
    ];

    #[test]
    fn every_401_carries_a_bearer_challenge_and_only_a_sent_token_gets_invalid_token() {
        for kind in KINDS {
            let err = AuthError::new(kind, "test");
            match err.status() {
                401 => {
                    let challenge = err.www_authenticate().unwrap();
                    assert!(challenge.starts_with("Bearer"), "{kind:?}");
                    let token_was_sent =
                        !matches!(kind, AuthErrorKind::MissingToken | AuthErrorKind::UnsupportedScheme);
                    assert_eq!(challenge.contains(r#"error="invalid_token""#), token_was_sent, "{kind:?}");
                }
                503 | 500 => assert_eq!(err.www_authenticate(), None, "{kind:?}"),
                other => panic!("{kind:?} answers {other}"),
            }
            assert!(!err.detail().contains("test"), "the reason must not reach the detail");
        }
    }

    #[test]
    fn challenges_are_valid_header_values() {
        for kind in KINDS {
            if let Some(value) = AuthError::new(kind, "x").www_authenticate() {
                assert!(value.bytes().all(|b| b == b' ' || b.is_ascii_graphic()), "{value}");
            }
        }
    }
}
