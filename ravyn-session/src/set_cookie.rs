//! The `Set-Cookie` header values the manager sends: a session cookie and a deletion cookie, in the
//! spelling of the configured format.
//!
//! Signed and Private cookies are spelled by the one writer of framework cookies,
//! [`CookieAttributes::set_cookie`](crate::cookie_attributes::CookieAttributes::set_cookie) (the
//! `cookie` crate's spelling): `session=VALUE; HttpOnly; SameSite=Lax; Secure; Path=/;
//! Domain=example.com; Max-Age=3600; Expires=<now + Max-Age>`.
//!
//! Ravyn-format cookies are spelled exactly as Lilya's SessionMiddleware spells them, so both
//! services emit the same headers: `session="VALUE"; path=/; Max-Age=14400; httponly; samesite=lax`
//! (then `; secure`, `; domain=...`), and the deletion
//! `session=null; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; httponly; samesite=lax`.

use crate::config::{CookieFormat, SessionConfig};

/// The header for a cookie holding `value`, issued at `now`, kept by the browser for `max_age`
/// seconds (`None`: until the browser closes).
pub(crate) fn session_cookie(config: &SessionConfig, value: &str, now: u64, max_age: Option<u64>) -> String {
    let cookie = config.get_cookie_attributes();
    if config.get_cookie_format() == CookieFormat::Ravyn {
        let max_age = max_age.map(|m| format!("Max-Age={m}; ")).unwrap_or_default();
        return format!(
            "{}={value}; path={}; {max_age}{}",
            cookie.get_name(),
            cookie.get_path(),
            lilya_security_flags(config)
        );
    }
    cookie.set_cookie(value, now, max_age)
}

/// The header that makes the browser drop the session cookie.
pub(crate) fn deletion_cookie(config: &SessionConfig) -> String {
    let cookie = config.get_cookie_attributes();
    if config.get_cookie_format() == CookieFormat::Ravyn {
        return format!(
            "{}=null; path={}; expires=Thu, 01 Jan 1970 00:00:00 GMT; {}",
            cookie.get_name(),
            cookie.get_path(),
            lilya_security_flags(config)
        );
    }
    cookie.deletion()
}

/// Lilya's `security_flags`: `httponly; samesite=<same_site>[; secure][; domain=<domain>]`.
fn lilya_security_flags(config: &SessionConfig) -> String {
    let cookie = config.get_cookie_attributes();
    let mut flags = format!("httponly; samesite={}", cookie.get_same_site());
    if cookie.get_secure() {
        flags.push_str("; secure");
    }
    if let Some(domain) = cookie.get_domain() {
        flags.push_str("; domain=");
        flags.push_str(domain);
    }
    flags
}

#[cfg(test)]
mod tests {
    use super::{deletion_cookie, session_cookie};
    use crate::config::{CookieFormat, SameSite, SessionConfig};

    #[test]
    fn signed_cookies_are_the_attributes_writer_and_ravyn_cookies_lilyas_spelling() {
        let config = SessionConfig::new("k").session_cookie("sid").https_only(true).same_site(SameSite::Strict);
        assert_eq!(
            session_cookie(&config, "v", 0, Some(60)),
            config.get_cookie_attributes().set_cookie("v", 0, Some(60))
        );
        assert_eq!(deletion_cookie(&config), config.get_cookie_attributes().deletion());
        let ravyn = config.domain("example.com").cookie_format(CookieFormat::Ravyn);
        assert_eq!(
            session_cookie(&ravyn, "\"v\"", 0, Some(60)),
            "sid=\"v\"; path=/; Max-Age=60; httponly; samesite=strict; secure; domain=example.com"
        );
        assert_eq!(
            deletion_cookie(&ravyn),
            "sid=null; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; httponly; samesite=strict; secure; domain=example.com"
        );
    }
}
