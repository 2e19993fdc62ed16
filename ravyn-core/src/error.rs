//! [`ConfigError`]: why an app could not be built.

/// Why [`RavynBuilder::build`](crate::RavynBuilder::build) refused the configuration. Each
/// variant names what to fix.
///
/// ```
/// let error = ravyn_core::ConfigError::Invalid { field: "max_body_size", reason: "must be above 0".into() };
/// assert_eq!(error.to_string(), "invalid max_body_size: must be above 0");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// Two routes match the same requests.
    #[error("route {second} conflicts with route {first}")]
    RouteConflict {
        /// The route registered first: handler name and path.
        first: String,
        /// The route that collided with it.
        second: String,
    },
    /// A route's declaration is unusable.
    #[error("invalid route {route}: {reason}")]
    InvalidRoute {
        /// Handler name and path.
        route: String,
        /// What is wrong.
        reason: String,
    },
    /// The session configuration is unusable.
    #[error("invalid session_config.{field}: {reason}")]
    Session {
        /// The `SessionConfig` field, as its builder method is named.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The CSRF configuration is unusable.
    #[error("invalid csrf_config.{field}: {reason}")]
    Csrf {
        /// The `CSRFConfig` field, as its builder method is named.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The CORS configuration is unusable (for example `*` origins with credentials).
    #[error("invalid cors_config.{field}: {reason}")]
    Cors {
        /// The `CORSConfig` field, as its builder method is named.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The JWT configuration is unusable (a short HMAC key, a missing verifying key...).
    #[error("invalid jwt_config.{field}: {reason}")]
    Jwt {
        /// The `JWTConfig` field, as its builder method is named.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A configuration value is unusable.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// The setting, as named on the builder.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
}

impl From<ravyn_session::SessionConfigError> for ConfigError {
    fn from(error: ravyn_session::SessionConfigError) -> Self {
        ConfigError::Session { field: error.field(), reason: error.reason().to_owned() }
    }
}

#[cfg(feature = "jwt")]
impl From<ravyn_auth::JWTConfigError> for ConfigError {
    fn from(error: ravyn_auth::JWTConfigError) -> Self {
        ConfigError::Jwt { field: error.field(), reason: error.reason().to_owned() }
    }
}
