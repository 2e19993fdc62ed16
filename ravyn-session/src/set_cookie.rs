//! The `Set-Cookie` header values the manager sends: a session cookie and a deletion cookie, in the
//! spelling of the configured format.
//!
//! Signed and Private cookies are built with the `cookie` crate:
//! `session=VALUE; HttpOnly; SameSite=Lax; Secure; Path=/; Domain=example.com; Max-Age=3600;
//! Expires=<now + Max-Age>` (`Secure` with `https_only`, `Domain` when set, `Max-Age`/`Expires`
//! unless `max_age` is `None`). Their deletion cookie has an empty value, `Max-Age=0` and
//! `Expires=Thu, 01 Jan 1970 00:00:00 GMT`.
//!
//! Ravyn-format cookies are spelled exactly as Lilya's SessionMiddleware spells them, so both
//! services emit the same headers: `session="VALUE"; path=/; Max-Age=14400; httponly; samesite=lax`
//! (then `; secure`, `; domain=...`), and the deletion
//! `session=null; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; httponly; samesite=lax`.

use cookie::time::{Duration, OffsetDateTime};
use cookie::{Cookie, CookieBuilder};

use crate::config::{CookieFormat, SameSite, SessionConfig};

/// 9999-12-31T23:59:59Z, the last instant `Expires` can carry.
const MAX_EXPIRES: u64 = 253_402_300_799;

/// The header for a cookie holding `value`, issued at `now`, kept by the browser for `max_age`
/// seconds (`None`: until the browser closes).
pub(crate) fn session_cookie(config: &SessionConfig, value: &str, now: u64, max_age: Option<u64>) -> String {
    if config.get_cookie_format() == CookieFormat::Ravyn {
        let max_age = max_age.map(|m| format!("Max-Age={m}; ")).unwrap_or_default();
        return format!(
            "{}={value}; path={}; {max_age}{}",
            config.get_session_cookie(),
            config.get_path(),
            lilya_security_flags(config)
        );
    }
    let mut cookie = base(config, value.to_owned());
    if let Some(max_age) = max_age {
        let expires = now.saturating_add(max_age).min(MAX_EXPIRES);
        cookie = cookie.max_age(Duration::seconds(i64::try_from(max_age).unwrap_or(i64::MAX)));
        if let Ok(expires) = OffsetDateTime::from_unix_timestamp(i64::try_from(expires).unwrap_or(i64::MAX)) {
            cookie = cookie.expires(expires);
        }
    }
    cookie.build().to_string()
}

/// The header that makes the browser drop the session cookie.
pub(crate) fn deletion_cookie(config: &SessionConfig) -> String {
    if config.get_cookie_format() == CookieFormat::Ravyn {
        return format!(
            "{}=null; path={}; expires=Thu, 01 Jan 1970 00:00:00 GMT; {}",
            config.get_session_cookie(),
            config.get_path(),
            lilya_security_flags(config)
        );
    }
    base(config, String::new()).max_age(Duration::ZERO).expires(OffsetDateTime::UNIX_EPOCH).build().to_string()
}

fn base(config: &SessionConfig, value: String) -> CookieBuilder<'static> {
    let same_site = match config.get_same_site() {
        SameSite::Lax => cookie::SameSite::Lax,
        SameSite::Strict => cookie::SameSite::Strict,
        SameSite::None => cookie::SameSite::None,
    };
    let mut cookie = Cookie::build((config.get_session_cookie().to_owned(), value))
        .path(config.get_path().to_owned())
        .http_only(true)
        .same_site(same_site)
        .secure(config.is_https_only());
    if let Some(domain) = config.get_domain() {
        cookie = cookie.domain(domain.to_owned());
    }
    cookie
}

/// Lilya's `security_flags`: `httponly; samesite=<same_site>[; secure][; domain=<domain>]`.
fn lilya_security_flags(config: &SessionConfig) -> String {
    let mut flags = format!("httponly; samesite={}", config.get_same_site());
    if config.is_https_only() {
        flags.push_str("; secure");
    }
    if let Some(domain) = config.get_domain() {
        flags.push_str("; domain=");
        flags.push_str(domain);
    }
    flags
}
