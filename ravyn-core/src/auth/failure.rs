//! Why a caller is not authenticated. With the `jwt` feature that is ravyn-auth's [`AuthError`]
//! (a missing, malformed, expired or revoked token...); without it a caller has one way to fail,
//! sending no credentials (no session that holds a user), and this module's stand-in answers
//! exactly as `AuthError::missing()` does (a test below holds the two equal).
//!
//! [`AuthError`]: https://docs.rs/ravyn-auth

#[cfg(feature = "jwt")]
pub(crate) use ravyn_auth::AuthError as AuthFailure;

#[cfg(not(feature = "jwt"))]
pub(crate) use sessions_only::AuthFailure;

#[cfg(any(not(feature = "jwt"), test))]
mod sessions_only {
    use std::fmt;

    /// No credentials were sent: the only failure an app without bearer tokens has.
    #[derive(Debug)]
    pub(crate) struct AuthFailure;

    impl AuthFailure {
        pub(crate) fn missing() -> Self {
            AuthFailure
        }

        pub(crate) fn status(&self) -> u16 {
            401
        }

        pub(crate) fn detail(&self) -> &'static str {
            "Authentication credentials were not provided."
        }

        pub(crate) fn reason(&self) -> &'static str {
            "no credentials"
        }

        /// The challenge, sent only by an app that reads bearer tokens (never, without them).
        pub(crate) fn www_authenticate(&self) -> Option<&'static str> {
            Some("Bearer")
        }
    }

    impl fmt::Display for AuthFailure {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "{} ({})", self.detail(), self.reason())
        }
    }

    impl std::error::Error for AuthFailure {}
}

#[cfg(all(test, feature = "jwt"))]
mod tests {
    use super::sessions_only::AuthFailure as SessionsOnly;
    use ravyn_auth::AuthError;

    #[test]
    fn the_sessions_only_failure_answers_as_a_missing_token_does() {
        let (ours, theirs) = (SessionsOnly::missing(), AuthError::missing());
        assert_eq!(ours.status(), theirs.status());
        assert_eq!(ours.detail(), theirs.detail());
        assert_eq!(ours.reason(), theirs.reason());
        assert_eq!(ours.www_authenticate(), theirs.www_authenticate());
        assert_eq!(ours.to_string(), theirs.to_string());
    }
}
