//! Cross-site request forgery protection: [`CSRFConfig`] (Ravyn's `csrf_config`) and the
//! built-in step it installs (inside CORS and sessions, outside the app's middleware:
//! ARCHITECTURE.md, "The built-in steps").
//!
//! The defence is a *signed double-submit cookie*:
//!
//! - A safe request (GET, HEAD, OPTIONS by default) that carries no valid token cookie gets one:
//!   32 random bytes from the system generator, signed with HMAC-SHA256 under a key derived from
//!   the secret (HKDF, so the raw secret never signs anything). A handler can read it with
//!   [`Request::csrf_token`](crate::Request::csrf_token) to put it in a page.
//! - An unsafe request (anything else) must send the same token back, in the header named by
//!   [`CSRFConfig::header_name`] or in a `csrf_token` field of an urlencoded or multipart form.
//!   The cookie's signature is verified and the two values compared in constant time; otherwise
//!   the answer is `403 {"detail":"CSRF token verification failed."}` and the handler never runs.
//!
//! Another site can make the browser *send* the cookie, but cannot *read* it (or the page that
//! embeds it), so it cannot put the token in the header or form. Signing stops a different
//! attack: a sibling subdomain that can write cookies for the parent domain cannot plant a value
//! of its own choosing, because it cannot sign one.
//!
//! # Limits
//!
//! - The token is not tied to a session: a sibling subdomain that can *both* write cookies for
//!   your domain *and* obtain a genuine token (by visiting your site itself) can still plant it.
//!   Name the cookie `__Host-csrftoken` (with `secure(true)`, path `/` and no domain) and
//!   browsers refuse any such cookie set by another host; [`CSRFConfig::validate`] checks those
//!   rules.
//! - The token is the same for every response until the cookie goes away (no per-response
//!   masking against BREACH-style compression attacks on pages that reflect user input).
//!
//! ```
//! use ravyn_core::{CSRFConfig, Ravyn};
//!
//! let app = Ravyn::builder()
//!     .csrf_config(CSRFConfig::new("a-long-random-secret-of-at-least-32-bytes"))
//!     .build()
//!     .unwrap();
//! # let _ = app;
//! ```

mod step;
mod token;

pub(crate) use step::CsrfStep;

use crate::error::ConfigError;
use http::{HeaderName, Method};
use ravyn_session::cookie_attributes::{AttributeNames, CookieAttributes};
use ravyn_session::SameSite;
use std::fmt;

/// The form field an unsafe request may carry its token in, when it does not use the header.
///
/// ```
/// assert_eq!(ravyn_core::csrf::FORM_FIELD, "csrf_token");
/// ```
pub const FORM_FIELD: &str = "csrf_token";

/// CSRF protection settings, Ravyn's `CSRFConfig`: give it to
/// [`RavynBuilder::csrf_config`](crate::RavynBuilder::csrf_config) or return it from
/// [`Settings::csrf_config`](crate::Settings::csrf_config).
///
/// | field          | default                  |
/// |----------------|--------------------------|
/// | `secret`       | required, non-empty      |
/// | `cookie_name`  | `"csrftoken"`            |
/// | `cookie_path`  | `"/"`                    |
/// | `header_name`  | `"X-CSRFToken"`          |
/// | `secure`       | `false`                  |
/// | `httponly`     | `false`                  |
/// | `samesite`     | `lax`                    |
/// | `domain`       | none                     |
/// | `safe_methods` | `GET`, `HEAD`, `OPTIONS` |
///
/// Ravyn's safe methods are GET, QUERY and HEAD; we keep OPTIONS safe so that CORS preflights
/// (which never carry a token) are not refused, and `http` has no `QUERY` method constant (add it
/// with `Method::from_bytes(b"QUERY")` if you use it).
///
/// ```
/// use ravyn_core::CSRFConfig;
/// use ravyn_core::ravyn_session::SameSite;
///
/// let config = CSRFConfig::new("a-long-random-secret-of-at-least-32-bytes")
///     .cookie_name("__Host-csrftoken")
///     .secure(true)
///     .samesite(SameSite::Strict);
/// assert_eq!(config.get_cookie_name(), "__Host-csrftoken");
/// assert_eq!(config.get_header_name(), "X-CSRFToken");
/// assert!(config.validate().is_ok());
/// ```
#[derive(Clone)]
pub struct CSRFConfig {
    secret: String,
    /// `cookie_name`, `cookie_path`, `secure`, `httponly`, `samesite` and `domain`: the same
    /// attributes type, rules and `Set-Cookie` writer as the session cookie.
    pub(crate) cookie: CookieAttributes,
    header_name: String,
    safe_methods: Vec<Method>,
}

impl fmt::Debug for CSRFConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CSRFConfig")
            .field("secret", &"<redacted>")
            .field("cookie_name", &self.cookie.get_name())
            .field("cookie_path", &self.cookie.get_path())
            .field("header_name", &self.header_name)
            .field("secure", &self.cookie.get_secure())
            .field("httponly", &self.cookie.get_http_only())
            .field("samesite", &self.cookie.get_same_site())
            .field("domain", &self.cookie.get_domain())
            .field("safe_methods", &self.safe_methods)
            .finish()
    }
}

impl CSRFConfig {
    /// A configuration signing tokens with `secret`, every other field at its default.
    ///
    /// Use a long random secret (32 bytes or more), and a different one from the session's: the
    /// keys are derived separately anyway, but one leaked secret then exposes one mechanism only.
    ///
    /// ```
    /// let config = ravyn_core::CSRFConfig::new("a-long-random-secret-of-at-least-32-bytes");
    /// assert_eq!(config.get_cookie_name(), "csrftoken");
    /// ```
    pub fn new(secret: impl Into<String>) -> Self {
        CSRFConfig {
            secret: secret.into(),
            cookie: CookieAttributes::new("csrftoken").http_only(false),
            header_name: "X-CSRFToken".to_owned(),
            safe_methods: vec![Method::GET, Method::HEAD, Method::OPTIONS],
        }
    }

    /// The name of the token cookie (default `"csrftoken"`). A `__Host-` prefix makes browsers
    /// refuse the cookie from any other host (it needs `secure(true)`, path `/`, no domain).
    ///
    /// ```
    /// let config = ravyn_core::CSRFConfig::new("secret").cookie_name("xsrf");
    /// assert_eq!(config.get_cookie_name(), "xsrf");
    /// ```
    pub fn cookie_name(mut self, name: impl Into<String>) -> Self {
        self.cookie = self.cookie.name(name);
        self
    }

    /// The token cookie's `Path` (default `"/"`).
    ///
    /// ```
    /// let config = ravyn_core::CSRFConfig::new("secret").cookie_path("/app");
    /// assert_eq!(config.get_cookie_path(), "/app");
    /// ```
    pub fn cookie_path(mut self, path: impl Into<String>) -> Self {
        self.cookie = self.cookie.path(path);
        self
    }

    /// The request header an unsafe request carries the token in (default `"X-CSRFToken"`,
    /// matched case-insensitively).
    ///
    /// ```
    /// let config = ravyn_core::CSRFConfig::new("secret").header_name("X-XSRF-Token");
    /// assert_eq!(config.get_header_name(), "X-XSRF-Token");
    /// ```
    pub fn header_name(mut self, name: impl Into<String>) -> Self {
        self.header_name = name.into();
        self
    }

    /// Marks the cookie `Secure`: sent over HTTPS only (default `false`).
    ///
    /// ```
    /// assert!(ravyn_core::CSRFConfig::new("secret").secure(true).get_secure());
    /// ```
    pub fn secure(mut self, secure: bool) -> Self {
        self.cookie = self.cookie.secure(secure);
        self
    }

    /// Marks the cookie `HttpOnly` (default `false`). Leave it off when the page's JavaScript
    /// reads the token from `document.cookie`; turn it on when pages get the token from
    /// [`Request::csrf_token`](crate::Request::csrf_token) instead.
    ///
    /// ```
    /// assert!(ravyn_core::CSRFConfig::new("secret").httponly(true).get_httponly());
    /// ```
    pub fn httponly(mut self, httponly: bool) -> Self {
        self.cookie = self.cookie.http_only(httponly);
        self
    }

    /// The cookie's `SameSite` (default lax). `none`, for a front end on another site, needs
    /// `secure(true)`: browsers drop `SameSite=None` cookies that are not `Secure`.
    ///
    /// ```
    /// use ravyn_core::ravyn_session::SameSite;
    /// let config = ravyn_core::CSRFConfig::new("secret").samesite(SameSite::None).secure(true);
    /// assert_eq!(config.get_samesite(), SameSite::None);
    /// ```
    pub fn samesite(mut self, samesite: SameSite) -> Self {
        self.cookie = self.cookie.same_site(samesite);
        self
    }

    /// The cookie's `Domain` (default none: this host only).
    ///
    /// ```
    /// let config = ravyn_core::CSRFConfig::new("secret").domain("example.com");
    /// assert_eq!(config.get_domain(), Some("example.com"));
    /// ```
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.cookie = self.cookie.domain(Some(domain.into()));
        self
    }

    /// The methods that need no token (default GET, HEAD, OPTIONS). Only these receive a new
    /// token cookie; every other method is checked.
    ///
    /// ```
    /// use ravyn_core::http::Method;
    /// let config = ravyn_core::CSRFConfig::new("secret").safe_methods([Method::GET, Method::HEAD]);
    /// assert_eq!(config.get_safe_methods(), [Method::GET, Method::HEAD]);
    /// ```
    pub fn safe_methods(mut self, methods: impl IntoIterator<Item = Method>) -> Self {
        self.safe_methods = methods.into_iter().collect();
        self
    }

    /// The signing secret.
    ///
    /// ```
    /// assert_eq!(ravyn_core::CSRFConfig::new("s3cret").get_secret(), "s3cret");
    /// ```
    pub fn get_secret(&self) -> &str {
        &self.secret
    }

    /// The token cookie's name.
    ///
    /// ```
    /// assert_eq!(ravyn_core::CSRFConfig::new("s").get_cookie_name(), "csrftoken");
    /// ```
    pub fn get_cookie_name(&self) -> &str {
        self.cookie.get_name()
    }

    /// The token cookie's path.
    ///
    /// ```
    /// assert_eq!(ravyn_core::CSRFConfig::new("s").get_cookie_path(), "/");
    /// ```
    pub fn get_cookie_path(&self) -> &str {
        self.cookie.get_path()
    }

    /// The header checked on unsafe requests.
    ///
    /// ```
    /// assert_eq!(ravyn_core::CSRFConfig::new("s").get_header_name(), "X-CSRFToken");
    /// ```
    pub fn get_header_name(&self) -> &str {
        &self.header_name
    }

    /// Whether the cookie is `Secure`.
    ///
    /// ```
    /// assert!(!ravyn_core::CSRFConfig::new("s").get_secure());
    /// ```
    pub fn get_secure(&self) -> bool {
        self.cookie.get_secure()
    }

    /// Whether the cookie is `HttpOnly`.
    ///
    /// ```
    /// assert!(!ravyn_core::CSRFConfig::new("s").get_httponly());
    /// ```
    pub fn get_httponly(&self) -> bool {
        self.cookie.get_http_only()
    }

    /// The cookie's `SameSite`.
    ///
    /// ```
    /// use ravyn_core::ravyn_session::SameSite;
    /// assert_eq!(ravyn_core::CSRFConfig::new("s").get_samesite(), SameSite::Lax);
    /// ```
    pub fn get_samesite(&self) -> SameSite {
        self.cookie.get_same_site()
    }

    /// The cookie's `Domain`, if set.
    ///
    /// ```
    /// assert_eq!(ravyn_core::CSRFConfig::new("s").get_domain(), None);
    /// ```
    pub fn get_domain(&self) -> Option<&str> {
        self.cookie.get_domain()
    }

    /// The methods that need no token.
    ///
    /// ```
    /// use ravyn_core::http::Method;
    /// assert_eq!(ravyn_core::CSRFConfig::new("s").get_safe_methods(), [Method::GET, Method::HEAD, Method::OPTIONS]);
    /// ```
    pub fn get_safe_methods(&self) -> &[Method] {
        &self.safe_methods
    }

    /// Checks the configuration; [`RavynBuilder::build`](crate::RavynBuilder::build) calls it.
    ///
    /// Rejected: an empty secret; a cookie name that is not an RFC 6265 token or breaks its
    /// `__Host-`/`__Secure-` prefix rules; a path not starting with `/` or holding `;` or control
    /// characters; an invalid header name or domain; `samesite` none without `secure`; `POST`
    /// among the safe methods (it would switch the protection off for every form).
    ///
    /// ```
    /// use ravyn_core::{CSRFConfig, ConfigError};
    /// use ravyn_core::ravyn_session::SameSite;
    ///
    /// let error = CSRFConfig::new("secret").samesite(SameSite::None).validate().unwrap_err();
    /// assert!(matches!(error, ConfigError::Csrf { field: "samesite", .. }));
    /// assert!(CSRFConfig::new("").validate().unwrap_err().to_string().contains("csrf_config.secret"));
    /// ```
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |field: &'static str, reason: String| ConfigError::Csrf { field, reason };
        if self.secret.is_empty() {
            return Err(invalid("secret", "must not be empty".to_owned()));
        }
        self.cookie.validate(ATTRIBUTE_NAMES).map_err(|(field, reason)| invalid(field, reason))?;
        if HeaderName::from_bytes(self.header_name.as_bytes()).is_err() {
            return Err(invalid("header_name", format!("{:?} is not a valid header name", self.header_name)));
        }
        // Security review I4: exempting any method that changes state switches the protection off
        // for it, silently; only POST was refused before.
        for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
            if self.safe_methods.contains(&method) {
                return Err(invalid(
                    "safe_methods",
                    format!("{method} cannot be a safe method: it would switch CSRF protection off for every {method}"),
                ));
            }
        }
        Ok(())
    }
}

/// What `CSRFConfig` calls each cookie attribute, for its errors.
const ATTRIBUTE_NAMES: AttributeNames = AttributeNames {
    name: "cookie_name",
    path: "cookie_path",
    domain: "domain",
    same_site: "samesite",
    secure: "secure",
};

#[cfg(test)]
mod tests {
    use super::*;

    fn field(config: &CSRFConfig) -> &'static str {
        match config.validate() {
            Err(ConfigError::Csrf { field, .. }) => field,
            Err(other) => panic!("unexpected error {other}"),
            Ok(()) => "<valid>",
        }
    }

    #[test]
    fn defaults_follow_ravyn() {
        let c = CSRFConfig::new("secret");
        assert_eq!(c.get_secret(), "secret");
        assert_eq!(c.get_cookie_name(), "csrftoken");
        assert_eq!(c.get_cookie_path(), "/");
        assert_eq!(c.get_header_name(), "X-CSRFToken");
        assert!(!c.get_secure());
        assert!(!c.get_httponly());
        assert_eq!(c.get_samesite(), SameSite::Lax);
        assert_eq!(c.get_domain(), None);
        assert_eq!(c.get_safe_methods(), [Method::GET, Method::HEAD, Method::OPTIONS]);
        assert_eq!(field(&c), "<valid>");
    }

    #[test]
    fn debug_hides_the_secret() {
        let text = format!("{:?}", CSRFConfig::new("do-not-print-me"));
        assert!(!text.contains("do-not-print-me"));
        assert!(text.contains("csrftoken"));
    }

    #[test]
    fn invalid_configurations_name_their_field() {
        let base = || CSRFConfig::new("secret");
        assert_eq!(field(&CSRFConfig::new("")), "secret");
        assert_eq!(field(&base().cookie_name("")), "cookie_name");
        assert_eq!(field(&base().cookie_name("csrf token")), "cookie_name");
        assert_eq!(field(&base().cookie_name("__Secure-csrf")), "cookie_name");
        assert_eq!(field(&base().cookie_name("__Host-csrf").secure(true).cookie_path("/app")), "cookie_name");
        assert_eq!(field(&base().cookie_name("__Host-csrf").secure(true).domain("example.com")), "cookie_name");
        assert_eq!(field(&base().cookie_name("__Host-csrf").secure(true)), "<valid>");
        assert_eq!(field(&base().cookie_path("app")), "cookie_path");
        assert_eq!(field(&base().cookie_path("/a;b")), "cookie_path");
        assert_eq!(field(&base().header_name("X CSRF")), "header_name");
        assert_eq!(field(&base().domain("-bad-.example")), "domain");
        assert_eq!(field(&base().domain(".example.com")), "<valid>");
        assert_eq!(field(&base().samesite(SameSite::None)), "samesite");
        assert_eq!(field(&base().samesite(SameSite::None).secure(true)), "<valid>");
        assert_eq!(field(&base().safe_methods([Method::GET, Method::POST])), "safe_methods");
        for unsafe_method in [Method::PUT, Method::PATCH, Method::DELETE] {
            assert_eq!(field(&base().safe_methods([Method::GET, unsafe_method])), "safe_methods");
        }
        // RFC 6265bis matches cookie prefixes ignoring case (security review I6).
        assert_eq!(field(&base().cookie_name("__host-csrf")), "cookie_name");
        assert_eq!(field(&base().cookie_name("__SECURE-csrf")), "cookie_name");
        assert_eq!(field(&base().cookie_name("__host-csrf").secure(true)), "<valid>");
    }
}
