//! Cross-origin resource sharing: [`CORSConfig`] (Ravyn's `cors_config`) and the built-in step it
//! installs.
//!
//! The step is the outermost of the app's (ARCHITECTURE.md, "The built-in steps"): it answers
//! preflights (`OPTIONS` with
//! `Origin` and `Access-Control-Request-Method`) before sessions, CSRF, user middleware or the
//! handler run, and it adds the CORS headers to *every* response for an allowed origin,
//! errors included (401, 403, 404, 405, a handler's panic turned into 500), so a browser lets the
//! page read why a request failed. (Ravyn drops them on errors.)
//!
//! A request without an `Origin` header is not a CORS request: it costs one header lookup, plus a
//! static `Vary: Origin` when the answer depends on the origin.
//!
//! ```
//! use ravyn_core::{CORSConfig, Ravyn};
//!
//! let app = Ravyn::builder()
//!     .cors_config(
//!         CORSConfig::new()
//!             .allow_origins(["https://app.example"])
//!             .allow_methods(["GET", "POST"])
//!             .allow_credentials(true),
//!     )
//!     .build()
//!     .unwrap();
//! # let _ = app;
//! ```

mod step;

pub(crate) use step::CorsStep;

use crate::error::ConfigError;

/// CORS settings, Ravyn's `CORSConfig`: give it to
/// [`RavynBuilder::cors_config`](crate::RavynBuilder::cors_config) or return it from
/// [`Settings::cors_config`](crate::Settings::cors_config).
///
/// | field                    | default  |
/// |--------------------------|----------|
/// | `allow_origins`          | `["*"]`  |
/// | `allow_methods`          | `["*"]`  |
/// | `allow_headers`          | `["*"]`  |
/// | `allow_credentials`      | `false`  |
/// | `allow_origin_regex`     | none     |
/// | `expose_headers`         | `[]`     |
/// | `max_age`                | `600`    |
/// | `allow_private_networks` | `false`  |
///
/// Origins are compared exactly (`https://app.example`, no trailing slash, no path);
/// `allow_origin_regex` must match the whole origin. Methods are compared upper-cased, headers
/// case-insensitively; the CORS-safelisted headers (`Accept`, `Accept-Language`,
/// `Content-Language`, `Content-Type`) are always allowed.
///
/// Browsers refuse `Access-Control-Allow-Origin: *` on requests with credentials, so
/// `allow_credentials(true)` with `*` origins (or `*` expose headers) is a build error: list the
/// origins, and the allowed origin is then echoed back.
///
/// ```
/// use ravyn_core::CORSConfig;
///
/// let config = CORSConfig::new()
///     .allow_origins(["https://a.example", "https://b.example"])
///     .allow_origin_regex(r"https://[a-z0-9-]+\.preview\.example")
///     .allow_headers(["content-type", "x-csrftoken"])
///     .expose_headers(["x-request-id"])
///     .allow_credentials(true)
///     .max_age(3600);
/// assert_eq!(config.get_allow_origins(), ["https://a.example", "https://b.example"]);
/// assert_eq!(config.get_allow_methods(), ["*"]);
/// assert!(config.validate().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CORSConfig {
    allow_origins: Vec<String>,
    allow_methods: Vec<String>,
    allow_headers: Vec<String>,
    allow_credentials: bool,
    allow_origin_regex: Option<String>,
    expose_headers: Vec<String>,
    max_age: u64,
    allow_private_networks: bool,
}

impl Default for CORSConfig {
    fn default() -> Self {
        CORSConfig {
            allow_origins: vec!["*".to_owned()],
            allow_methods: vec!["*".to_owned()],
            allow_headers: vec!["*".to_owned()],
            allow_credentials: false,
            allow_origin_regex: None,
            expose_headers: Vec::new(),
            max_age: 600,
            allow_private_networks: false,
        }
    }
}

fn strings<I>(items: I) -> Vec<String>
where
    I: IntoIterator,
    I::Item: Into<String>,
{
    items.into_iter().map(Into::into).collect()
}

impl CORSConfig {
    /// Ravyn's defaults: any origin, method and header, no credentials, `max_age` 600.
    ///
    /// ```
    /// let config = ravyn_core::CORSConfig::new();
    /// assert_eq!(config.get_allow_origins(), ["*"]);
    /// assert_eq!(config.get_max_age(), 600);
    /// ```
    pub fn new() -> Self {
        CORSConfig::default()
    }

    /// The origins allowed (default `["*"]`: any), each `scheme://host[:port]`.
    ///
    /// ```
    /// let config = ravyn_core::CORSConfig::new().allow_origins(["https://app.example"]);
    /// assert_eq!(config.get_allow_origins(), ["https://app.example"]);
    /// ```
    pub fn allow_origins<I>(mut self, origins: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.allow_origins = strings(origins);
        self
    }

    /// The methods allowed on cross-origin requests (default `["*"]`: any).
    ///
    /// ```
    /// let config = ravyn_core::CORSConfig::new().allow_methods(["GET", "POST"]);
    /// assert_eq!(config.get_allow_methods(), ["GET", "POST"]);
    /// ```
    pub fn allow_methods<I>(mut self, methods: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.allow_methods = strings(methods);
        self
    }

    /// The request headers allowed (default `["*"]`: any), beyond the CORS-safelisted ones.
    ///
    /// ```
    /// let config = ravyn_core::CORSConfig::new().allow_headers(["X-CSRFToken"]);
    /// assert_eq!(config.get_allow_headers(), ["X-CSRFToken"]);
    /// ```
    pub fn allow_headers<I>(mut self, headers: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.allow_headers = strings(headers);
        self
    }

    /// Whether cross-origin requests may carry cookies (default `false`); sends
    /// `Access-Control-Allow-Credentials: true` and echoes the origin instead of `*`.
    ///
    /// ```
    /// let config = ravyn_core::CORSConfig::new().allow_origins(["https://app.example"]).allow_credentials(true);
    /// assert!(config.get_allow_credentials());
    /// ```
    pub fn allow_credentials(mut self, allow: bool) -> Self {
        self.allow_credentials = allow;
        self
    }

    /// A regular expression (the `regex` crate's syntax) that allowed origins must match in
    /// full, in addition to `allow_origins` (default none).
    ///
    /// ```
    /// let config = ravyn_core::CORSConfig::new().allow_origin_regex(r"https://.*\.example\.org");
    /// assert_eq!(config.get_allow_origin_regex(), Some(r"https://.*\.example\.org"));
    /// ```
    pub fn allow_origin_regex(mut self, pattern: impl Into<String>) -> Self {
        self.allow_origin_regex = Some(pattern.into());
        self
    }

    /// The response headers a cross-origin page may read (default none beyond the safelisted).
    ///
    /// ```
    /// let config = ravyn_core::CORSConfig::new().expose_headers(["X-Request-Id"]);
    /// assert_eq!(config.get_expose_headers(), ["X-Request-Id"]);
    /// ```
    pub fn expose_headers<I>(mut self, headers: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.expose_headers = strings(headers);
        self
    }

    /// How long, in seconds, a browser may cache a preflight answer (default 600).
    ///
    /// ```
    /// assert_eq!(ravyn_core::CORSConfig::new().max_age(60).get_max_age(), 60);
    /// ```
    pub fn max_age(mut self, seconds: u64) -> Self {
        self.max_age = seconds;
        self
    }

    /// Answers Private Network Access preflights
    /// (`Access-Control-Request-Private-Network: true`) with
    /// `Access-Control-Allow-Private-Network: true` (default `false`: such preflights are refused).
    ///
    /// ```
    /// assert!(ravyn_core::CORSConfig::new().allow_private_networks(true).get_allow_private_networks());
    /// ```
    pub fn allow_private_networks(mut self, allow: bool) -> Self {
        self.allow_private_networks = allow;
        self
    }

    /// The origins allowed.
    ///
    /// ```
    /// assert_eq!(ravyn_core::CORSConfig::new().get_allow_origins(), ["*"]);
    /// ```
    pub fn get_allow_origins(&self) -> &[String] {
        &self.allow_origins
    }

    /// The methods allowed.
    ///
    /// ```
    /// assert_eq!(ravyn_core::CORSConfig::new().get_allow_methods(), ["*"]);
    /// ```
    pub fn get_allow_methods(&self) -> &[String] {
        &self.allow_methods
    }

    /// The request headers allowed.
    ///
    /// ```
    /// assert_eq!(ravyn_core::CORSConfig::new().get_allow_headers(), ["*"]);
    /// ```
    pub fn get_allow_headers(&self) -> &[String] {
        &self.allow_headers
    }

    /// Whether credentials are allowed.
    ///
    /// ```
    /// assert!(!ravyn_core::CORSConfig::new().get_allow_credentials());
    /// ```
    pub fn get_allow_credentials(&self) -> bool {
        self.allow_credentials
    }

    /// The origin pattern, if any.
    ///
    /// ```
    /// assert_eq!(ravyn_core::CORSConfig::new().get_allow_origin_regex(), None);
    /// ```
    pub fn get_allow_origin_regex(&self) -> Option<&str> {
        self.allow_origin_regex.as_deref()
    }

    /// The exposed response headers.
    ///
    /// ```
    /// assert!(ravyn_core::CORSConfig::new().get_expose_headers().is_empty());
    /// ```
    pub fn get_expose_headers(&self) -> &[String] {
        &self.expose_headers
    }

    /// The preflight cache time, in seconds.
    ///
    /// ```
    /// assert_eq!(ravyn_core::CORSConfig::new().get_max_age(), 600);
    /// ```
    pub fn get_max_age(&self) -> u64 {
        self.max_age
    }

    /// Whether Private Network Access preflights are allowed.
    ///
    /// ```
    /// assert!(!ravyn_core::CORSConfig::new().get_allow_private_networks());
    /// ```
    pub fn get_allow_private_networks(&self) -> bool {
        self.allow_private_networks
    }

    /// Checks the configuration; [`RavynBuilder::build`](crate::RavynBuilder::build) calls it.
    ///
    /// Rejected: `*` origins or `*` expose headers with `allow_credentials(true)`; an origin that
    /// is not `scheme://host[:port]` (a trailing slash or a path would never match); a method or
    /// header name that is not a valid token; an invalid `allow_origin_regex`.
    ///
    /// ```
    /// use ravyn_core::{CORSConfig, ConfigError};
    ///
    /// let error = CORSConfig::new().allow_credentials(true).validate().unwrap_err();
    /// assert!(matches!(error, ConfigError::Cors { field: "allow_origins", .. }));
    /// let error = CORSConfig::new().allow_origins(["https://a.example/"]).validate().unwrap_err();
    /// assert!(error.to_string().contains("trailing"));
    /// ```
    pub fn validate(&self) -> Result<(), ConfigError> {
        step::CorsPolicy::compile(self).map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(config: &CORSConfig) -> &'static str {
        match config.validate() {
            Err(ConfigError::Cors { field, .. }) => field,
            Err(other) => panic!("unexpected error {other}"),
            Ok(()) => "<valid>",
        }
    }

    #[test]
    fn defaults_follow_ravyn() {
        let c = CORSConfig::new();
        assert_eq!(c, CORSConfig::default());
        assert_eq!(c.get_allow_origins(), ["*"]);
        assert_eq!(c.get_allow_methods(), ["*"]);
        assert_eq!(c.get_allow_headers(), ["*"]);
        assert!(!c.get_allow_credentials());
        assert_eq!(c.get_allow_origin_regex(), None);
        assert!(c.get_expose_headers().is_empty());
        assert_eq!(c.get_max_age(), 600);
        assert!(!c.get_allow_private_networks());
        assert_eq!(field(&c), "<valid>");
    }

    #[test]
    fn conflicts_and_typos_name_their_field() {
        let listed = || CORSConfig::new().allow_origins(["https://a.example"]);
        assert_eq!(field(&CORSConfig::new().allow_credentials(true)), "allow_origins");
        assert_eq!(field(&listed().allow_credentials(true)), "<valid>");
        assert_eq!(field(&listed().allow_credentials(true).expose_headers(["*"])), "expose_headers");
        assert_eq!(field(&listed().expose_headers(["*"])), "<valid>");
        assert_eq!(field(&CORSConfig::new().allow_origins(["https://a.example/"])), "allow_origins");
        assert_eq!(field(&CORSConfig::new().allow_origins(["https://a.example/app"])), "allow_origins");
        assert_eq!(field(&CORSConfig::new().allow_origins(["a.example"])), "allow_origins");
        assert_eq!(field(&CORSConfig::new().allow_origins(["http://localhost:3000"])), "<valid>");
        assert_eq!(field(&CORSConfig::new().allow_methods(["GET", "BAD METHOD"])), "allow_methods");
        assert_eq!(field(&CORSConfig::new().allow_headers(["x ok"])), "allow_headers");
        assert_eq!(field(&CORSConfig::new().expose_headers(["x:y"])), "expose_headers");
        assert_eq!(field(&CORSConfig::new().allow_origin_regex("https://(")), "allow_origin_regex");
    }
}
