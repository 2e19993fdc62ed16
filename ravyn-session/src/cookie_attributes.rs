//! [`CookieAttributes`]: the attributes of a cookie the framework sets (the session cookie, the
//! CSRF token cookie, the JWT cookies next), their rules, and the one `Set-Cookie` writer for them.
//!
//! Each configuration (`SessionConfig`, `CSRFConfig`) keeps its own setting names, as Ravyn has
//! them (`session_cookie`/`https_only` for sessions, `cookie_name`/`secure` for CSRF), and holds its
//! cookie as a `CookieAttributes`; [`validate`](CookieAttributes::validate) reports a broken rule
//! under the configuration's own name for the attribute ([`AttributeNames`]).
//!
//! ```
//! use ravyn_session::cookie_attributes::{AttributeNames, CookieAttributes};
//! use ravyn_session::SameSite;
//!
//! let cookie = CookieAttributes::new("__Host-csrftoken").secure(true).same_site(SameSite::Strict).http_only(false);
//! assert_eq!(cookie.set_cookie("TOKEN", 0, None), "__Host-csrftoken=TOKEN; SameSite=Strict; Secure; Path=/");
//!
//! let names = AttributeNames { name: "cookie_name", path: "cookie_path", domain: "domain", same_site: "samesite", secure: "secure" };
//! let error = CookieAttributes::new("__Host-x").validate(names).unwrap_err();
//! assert_eq!(error.0, "cookie_name");
//! assert_eq!(error.1, "a `__Host-` cookie name requires secure(true), cookie_path \"/\" and no domain");
//! ```

use crate::codec::push_decimal;
use crate::config::SameSite;

/// 9999-12-31T23:59:59Z, the last instant `Expires` can carry.
pub(crate) const MAX_EXPIRES: u64 = 253_402_300_799;

/// A cookie's name and attributes. Defaults: path `/`, no domain, `SameSite=Lax`, not `Secure`,
/// `HttpOnly`.
///
/// ```
/// let cookie = ravyn_session::cookie_attributes::CookieAttributes::new("sid");
/// assert_eq!((cookie.get_name(), cookie.get_path(), cookie.get_http_only()), ("sid", "/", true));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieAttributes {
    name: String,
    path: String,
    domain: Option<String>,
    same_site: SameSite,
    secure: bool,
    http_only: bool,
}

/// What a configuration calls each attribute, for its error messages (`SessionConfig` says
/// `session_cookie` and `https_only`, `CSRFConfig` says `cookie_name` and `secure`).
#[derive(Debug, Clone, Copy)]
pub struct AttributeNames {
    /// The cookie's name.
    pub name: &'static str,
    /// `Path`.
    pub path: &'static str,
    /// `Domain`.
    pub domain: &'static str,
    /// `SameSite`.
    pub same_site: &'static str,
    /// `Secure`.
    pub secure: &'static str,
}

impl CookieAttributes {
    /// A cookie named `name` with the default attributes.
    pub fn new(name: impl Into<String>) -> Self {
        CookieAttributes {
            name: name.into(),
            path: "/".to_owned(),
            domain: None,
            same_site: SameSite::Lax,
            secure: false,
            http_only: true,
        }
    }

    /// Sets the name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Sets `Path`.
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// Sets `Domain` (`None`: a host-only cookie).
    pub fn domain(mut self, domain: Option<String>) -> Self {
        self.domain = domain;
        self
    }

    /// Sets `SameSite`.
    pub fn same_site(mut self, same_site: SameSite) -> Self {
        self.same_site = same_site;
        self
    }

    /// Sets `Secure`.
    pub fn secure(mut self, secure: bool) -> Self {
        self.secure = secure;
        self
    }

    /// Sets `HttpOnly`.
    pub fn http_only(mut self, http_only: bool) -> Self {
        self.http_only = http_only;
        self
    }

    /// The name.
    pub fn get_name(&self) -> &str {
        &self.name
    }

    /// `Path`.
    pub fn get_path(&self) -> &str {
        &self.path
    }

    /// `Domain`, if set.
    pub fn get_domain(&self) -> Option<&str> {
        self.domain.as_deref()
    }

    /// `SameSite`.
    pub fn get_same_site(&self) -> SameSite {
        self.same_site
    }

    /// `Secure`.
    pub fn get_secure(&self) -> bool {
        self.secure
    }

    /// `HttpOnly`.
    pub fn get_http_only(&self) -> bool {
        self.http_only
    }

    /// Checks the rules browsers and RFC 6265 set: the name is a token; the path starts with `/`
    /// and holds no `;` or control character; the domain is a host name; `SameSite=None` needs
    /// `Secure`; a `__Secure-` name needs `Secure`, and a `__Host-` name needs `Secure`, path `/`
    /// and no domain. The error is `(the configuration's name for the attribute, why)`.
    ///
    /// ```
    /// use ravyn_session::cookie_attributes::{AttributeNames, CookieAttributes};
    /// let names = AttributeNames { name: "session_cookie", path: "path", domain: "domain", same_site: "same_site", secure: "https_only" };
    /// assert!(CookieAttributes::new("session").validate(names).is_ok());
    /// assert_eq!(CookieAttributes::new("a b").validate(names).unwrap_err().0, "session_cookie");
    /// assert_eq!(CookieAttributes::new("s").domain(Some("-x.com".into())).validate(names).unwrap_err().0, "domain");
    /// ```
    pub fn validate(&self, names: AttributeNames) -> Result<(), (&'static str, String)> {
        validate_name(&self.name).map_err(|reason| (names.name, reason))?;
        validate_path(&self.path).map_err(|reason| (names.path, reason))?;
        if let Some(domain) = &self.domain {
            validate_domain(domain).map_err(|reason| (names.domain, reason))?;
        }
        if self.same_site == SameSite::None && !self.secure {
            return Err((
                names.same_site,
                format!(
                    "{}=none requires {}(true): browsers reject SameSite=None cookies without Secure",
                    names.same_site, names.secure
                ),
            ));
        }
        // Prefixes are matched ignoring case, as RFC 6265bis does (browsers that follow it hold
        // `__host-sid` to the `__Host-` rules and would refuse it without them).
        if has_prefix(&self.name, "__Secure-") && !self.secure {
            return Err((names.name, format!("a `__Secure-` cookie name requires {}(true)", names.secure)));
        }
        if has_prefix(&self.name, "__Host-") && (!self.secure || self.path != "/" || self.domain.is_some()) {
            return Err((
                names.name,
                format!("a `__Host-` cookie name requires {}(true), {} \"/\" and no domain", names.secure, names.path),
            ));
        }
        Ok(())
    }

    /// The `Set-Cookie` value for this cookie holding `value`: with `Max-Age` and `Expires` (`now`
    /// plus `max_age`, in seconds since the Unix epoch) when `max_age` is given, else a cookie that
    /// lasts until the browser closes.
    ///
    /// Spelled byte for byte as the `cookie` crate spells the same cookie
    /// (`NAME=VALUE; HttpOnly; SameSite=Lax; Secure; Path=/; Domain=example.com; Max-Age=60;
    /// Expires=Thu, 01 Jan 1970 00:01:00 GMT`), written directly: building a `cookie::Cookie` (four
    /// owned strings) and formatting its date through `time` cost about a sixth of a login's work
    /// in-process. Tests hold the two to the same output.
    ///
    /// ```
    /// use ravyn_session::cookie_attributes::CookieAttributes;
    /// let cookie = CookieAttributes::new("sid").domain(Some("example.com".into()));
    /// assert_eq!(
    ///     cookie.set_cookie("v", 0, Some(60)),
    ///     "sid=v; HttpOnly; SameSite=Lax; Path=/; Domain=example.com; Max-Age=60; Expires=Thu, 01 Jan 1970 00:01:00 GMT"
    /// );
    /// ```
    pub fn set_cookie(&self, value: &str, now: u64, max_age: Option<u64>) -> String {
        let expires = max_age.map(|max_age| now.saturating_add(max_age).min(MAX_EXPIRES));
        self.header(value, max_age, expires)
    }

    /// The `Set-Cookie` value that makes the browser drop this cookie: an empty value, `Max-Age=0`
    /// and an `Expires` in the past.
    ///
    /// ```
    /// let cookie = ravyn_session::cookie_attributes::CookieAttributes::new("sid");
    /// assert_eq!(cookie.deletion(), "sid=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
    /// ```
    pub fn deletion(&self) -> String {
        self.header("", Some(0), Some(0))
    }

    pub(crate) fn header(&self, value: &str, max_age: Option<u64>, expires: Option<u64>) -> String {
        let same_site = match self.same_site {
            SameSite::Lax => "Lax",
            SameSite::Strict => "Strict",
            SameSite::None => "None",
        };
        let domain = self.domain.as_deref().map(|domain| domain.strip_prefix('.').unwrap_or(domain));
        // The cookie crate holds Max-Age as an i64 number of seconds.
        let mut max_age_digits = itoa::Buffer::new();
        let max_age = max_age.map(|max_age| max_age_digits.format(max_age.min(i64::MAX as u64)));
        // The exact length, so the header is one allocation that becomes a `HeaderValue` as it is
        // (`Bytes::from` a `Vec` with spare capacity allocates a second block to track it).
        let len = self.name.len()
            + 1
            + value.len()
            + if self.http_only { "; HttpOnly".len() } else { 0 }
            + "; SameSite=".len()
            + same_site.len()
            + if self.secure { "; Secure".len() } else { 0 }
            + "; Path=".len()
            + self.path.len()
            + domain.map_or(0, |domain| "; Domain=".len() + domain.len())
            + max_age.map_or(0, |digits| "; Max-Age=".len() + digits.len())
            + if expires.is_some() { "; Expires=".len() + HTTP_DATE_LEN } else { 0 };
        let mut header = String::with_capacity(len);
        header.push_str(&self.name);
        header.push('=');
        header.push_str(value);
        if self.http_only {
            header.push_str("; HttpOnly");
        }
        header.push_str("; SameSite=");
        header.push_str(same_site);
        if self.secure {
            header.push_str("; Secure");
        }
        header.push_str("; Path=");
        header.push_str(&self.path);
        if let Some(domain) = domain {
            header.push_str("; Domain=");
            header.push_str(domain);
        }
        if let Some(digits) = max_age {
            header.push_str("; Max-Age=");
            header.push_str(digits);
        }
        if let Some(expires) = expires {
            header.push_str("; Expires=");
            push_http_date(&mut header, expires);
        }
        debug_assert_eq!(header.len(), len, "{header}");
        header
    }
}

/// RFC 6265 `cookie-name = token` (RFC 7230 tchar).
fn validate_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("must not be empty".to_owned());
    }
    let is_tchar = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    match name.bytes().find(|&b| !is_tchar(b)) {
        Some(b) => Err(format!(
            "{name:?} contains {:?}, which a cookie name cannot carry (RFC 6265 token characters only)",
            char::from(b)
        )),
        None => Ok(()),
    }
}

fn validate_path(path: &str) -> Result<(), String> {
    if !path.starts_with('/') {
        return Err(format!("{path:?} must start with '/'"));
    }
    if path.contains(';') || path.chars().any(char::is_control) {
        return Err(format!("{path:?} must not contain ';' or control characters"));
    }
    Ok(())
}

/// A host name: dot-separated labels of ASCII letters, digits and `-` (not at a label's ends),
/// 1..=63 bytes each, 253 in all. One leading dot is tolerated (RFC 6265 says to ignore it).
fn validate_domain(domain: &str) -> Result<(), String> {
    let host = domain.strip_prefix('.').unwrap_or(domain);
    if host.is_empty() || host.len() > 253 {
        return Err(format!("{domain:?} is not a valid domain (1 to 253 characters)"));
    }
    for label in host.split('.') {
        let ok = !label.is_empty()
            && label.len() <= 63
            && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-');
        if !ok {
            return Err(format!(
                "{domain:?} is not a valid domain: label {label:?} must be 1 to 63 letters, digits or '-' \
                 (not at either end)"
            ));
        }
    }
    Ok(())
}

/// The length of every date [`push_http_date`] writes: four-digit years only, up to [`MAX_EXPIRES`].
const HTTP_DATE_LEN: usize = "Thu, 01 Jan 1970 00:00:00 GMT".len();

/// `Thu, 01 Jan 1970 00:00:00 GMT` for `secs` since the Unix epoch (at most [`MAX_EXPIRES`]).
fn push_http_date(out: &mut String, secs: u64) {
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let days = secs / 86_400;
    let of_day = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's `civil_from_days`), in eras of
    // 400 years starting on 0000-03-01; all unsigned since dates here are after the epoch.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    out.push_str(WEEKDAYS[(days % 7) as usize]);
    out.push_str(", ");
    push_two_digits(out, day);
    out.push(' ');
    out.push_str(MONTHS[(month - 1) as usize]);
    out.push(' ');
    push_decimal(out, year);
    out.push(' ');
    push_two_digits(out, of_day / 3_600);
    out.push(':');
    push_two_digits(out, of_day / 60 % 60);
    out.push(':');
    push_two_digits(out, of_day % 60);
    out.push_str(" GMT");
}

/// `n` (below 100) as two digits.
fn push_two_digits(out: &mut String, n: u64) {
    out.push(char::from(b'0' + (n / 10 % 10) as u8));
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// Whether `name` starts with `prefix`, ignoring ASCII case (RFC 6265bis cookie prefixes).
fn has_prefix(name: &str, prefix: &str) -> bool {
    name.get(..prefix.len()).is_some_and(|start| start.eq_ignore_ascii_case(prefix))
}

#[cfg(test)]
mod tests {
    use super::{CookieAttributes, MAX_EXPIRES};
    use crate::config::SameSite;
    use cookie::time::{Duration, OffsetDateTime};
    use cookie::Cookie;

    /// What the `cookie` crate writes for the same cookie: the oracle `header` must match.
    fn with_cookie_crate(
        attributes: &CookieAttributes,
        value: &str,
        max_age: Option<u64>,
        expires: Option<u64>,
    ) -> String {
        let same_site = match attributes.get_same_site() {
            SameSite::Lax => cookie::SameSite::Lax,
            SameSite::Strict => cookie::SameSite::Strict,
            SameSite::None => cookie::SameSite::None,
        };
        let mut cookie = Cookie::build((attributes.get_name().to_owned(), value.to_owned()))
            .path(attributes.get_path().to_owned())
            .same_site(same_site)
            .secure(attributes.get_secure());
        if attributes.get_http_only() {
            cookie = cookie.http_only(true);
        }
        if let Some(domain) = attributes.get_domain() {
            cookie = cookie.domain(domain.to_owned());
        }
        if let Some(max_age) = max_age {
            cookie = cookie.max_age(Duration::seconds(i64::try_from(max_age).unwrap_or(i64::MAX)));
        }
        if let Some(expires) = expires {
            let expires = OffsetDateTime::from_unix_timestamp(i64::try_from(expires).unwrap_or(i64::MAX));
            cookie = cookie.expires(expires.expect("in range"));
        }
        cookie.build().to_string()
    }

    fn shapes() -> Vec<CookieAttributes> {
        let mut shapes = Vec::new();
        for same_site in [SameSite::Lax, SameSite::Strict, SameSite::None] {
            for secure in [false, true] {
                for http_only in [false, true] {
                    for domain in [None, Some("example.com"), Some(".example.com")] {
                        shapes.push(
                            CookieAttributes::new("sid")
                                .same_site(same_site)
                                .secure(secure)
                                .http_only(http_only)
                                .path("/app")
                                .domain(domain.map(str::to_owned)),
                        );
                    }
                }
            }
        }
        shapes.push(CookieAttributes::new("session"));
        shapes
    }

    #[test]
    fn matches_the_cookie_crate() {
        let times = [0, 1, 59, 86_399, 86_400, 951_782_400, 1_700_000_000, 4_107_542_399, MAX_EXPIRES];
        for attributes in shapes() {
            for max_age in [None, Some(0), Some(3600), Some(u64::MAX)] {
                for now in times {
                    let expires = max_age.map(|m: u64| now.saturating_add(m).min(MAX_EXPIRES));
                    let header = attributes.set_cookie("v.1", now, max_age);
                    // Sized exactly: it becomes a `HeaderValue` without a second allocation.
                    assert_eq!(header.capacity(), header.len(), "{header}");
                    assert_eq!(
                        header,
                        with_cookie_crate(&attributes, "v.1", max_age, expires),
                        "{attributes:?} max_age {max_age:?} now {now}"
                    );
                }
            }
            assert_eq!(attributes.deletion(), with_cookie_crate(&attributes, "", Some(0), Some(0)));
        }
    }

    proptest::proptest! {
        #[test]
        fn dates_match_the_cookie_crate(expires in 0..=MAX_EXPIRES, max_age in proptest::option::of(0u64..u64::MAX)) {
            let attributes = CookieAttributes::new("session");
            let header = attributes.header("x", max_age, Some(expires));
            proptest::prop_assert_eq!(header.capacity(), header.len());
            proptest::prop_assert_eq!(
                header,
                with_cookie_crate(&attributes, "x", max_age, Some(expires))
            );
        }
    }
}
