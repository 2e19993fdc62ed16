//! The `Set-Cookie` header values the manager sends: a session cookie and a deletion cookie, in the
//! spelling of the configured format.
//!
//! Signed and Private cookies are spelled as the `cookie` crate spells them (tests hold the two to
//! the same bytes):
//! `session=VALUE; HttpOnly; SameSite=Lax; Secure; Path=/; Domain=example.com; Max-Age=3600;
//! Expires=<now + Max-Age>` (`Secure` with `https_only`, `Domain` when set, `Max-Age`/`Expires`
//! unless `max_age` is `None`). Their deletion cookie has an empty value, `Max-Age=0` and
//! `Expires=Thu, 01 Jan 1970 00:00:00 GMT`.
//!
//! Ravyn-format cookies are spelled exactly as Lilya's SessionMiddleware spells them, so both
//! services emit the same headers: `session="VALUE"; path=/; Max-Age=14400; httponly; samesite=lax`
//! (then `; secure`, `; domain=...`), and the deletion
//! `session=null; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; httponly; samesite=lax`.

use crate::codec::push_decimal;
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
    let expires = max_age.map(|max_age| now.saturating_add(max_age).min(MAX_EXPIRES));
    cookie_header(config, value, max_age, expires)
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
    cookie_header(config, "", Some(0), Some(0))
}

/// `NAME=VALUE; HttpOnly; SameSite=..[; Secure]; Path=..[; Domain=..][; Max-Age=..; Expires=..]`,
/// byte for byte what the `cookie` crate's `Display` writes for the cookie `config` describes
/// (attribute order, `Domain` without a leading dot, `Max-Age` as `i64`, `Expires` as IMF-fixdate),
/// written directly: building a `cookie::Cookie` (four owned strings) and formatting its date
/// through `time`'s runtime format description cost about a sixth of a login's work in-process.
/// The `matches_the_cookie_crate` tests hold the two to the same output.
fn cookie_header(config: &SessionConfig, value: &str, max_age: Option<u64>, expires: Option<u64>) -> String {
    let name = config.get_session_cookie();
    let mut header = String::with_capacity(name.len() + value.len() + 128);
    header.push_str(name);
    header.push('=');
    header.push_str(value);
    header.push_str("; HttpOnly; SameSite=");
    header.push_str(match config.get_same_site() {
        SameSite::Lax => "Lax",
        SameSite::Strict => "Strict",
        SameSite::None => "None",
    });
    if config.is_https_only() {
        header.push_str("; Secure");
    }
    header.push_str("; Path=");
    header.push_str(config.get_path());
    if let Some(domain) = config.get_domain() {
        header.push_str("; Domain=");
        header.push_str(domain.strip_prefix('.').unwrap_or(domain));
    }
    if let Some(max_age) = max_age {
        header.push_str("; Max-Age=");
        // The cookie crate holds Max-Age as an i64 number of seconds.
        push_decimal(&mut header, max_age.min(i64::MAX as u64));
    }
    if let Some(expires) = expires {
        header.push_str("; Expires=");
        push_http_date(&mut header, expires);
    }
    header
}

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

#[cfg(test)]
mod tests {
    use super::{cookie_header, deletion_cookie, session_cookie, MAX_EXPIRES};
    use crate::config::{SameSite, SessionConfig};
    use cookie::time::{Duration, OffsetDateTime};
    use cookie::Cookie;

    /// What the `cookie` crate writes for the same cookie: the oracle `cookie_header` must match.
    fn with_cookie_crate(config: &SessionConfig, value: &str, max_age: Option<u64>, expires: Option<u64>) -> String {
        let same_site = match config.get_same_site() {
            SameSite::Lax => cookie::SameSite::Lax,
            SameSite::Strict => cookie::SameSite::Strict,
            SameSite::None => cookie::SameSite::None,
        };
        let mut cookie = Cookie::build((config.get_session_cookie().to_owned(), value.to_owned()))
            .path(config.get_path().to_owned())
            .http_only(true)
            .same_site(same_site)
            .secure(config.is_https_only());
        if let Some(domain) = config.get_domain() {
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

    fn configs() -> Vec<SessionConfig> {
        let mut configs = Vec::new();
        for same_site in [SameSite::Lax, SameSite::Strict, SameSite::None] {
            for https_only in [false, true] {
                for domain in [None, Some("example.com"), Some(".example.com")] {
                    let config = SessionConfig::new("k")
                        .session_cookie("sid")
                        .same_site(same_site)
                        .https_only(https_only)
                        .path("/app");
                    configs.push(match domain {
                        Some(domain) => config.domain(domain),
                        None => config,
                    });
                }
            }
        }
        configs.push(SessionConfig::new("k"));
        configs
    }

    #[test]
    fn matches_the_cookie_crate() {
        let times = [0, 1, 59, 86_399, 86_400, 951_782_400, 1_700_000_000, 4_107_542_399, MAX_EXPIRES];
        for config in configs() {
            for max_age in [None, Some(0), Some(3600), Some(u64::MAX)] {
                for now in times {
                    let expires = max_age.map(|m: u64| now.saturating_add(m).min(MAX_EXPIRES));
                    assert_eq!(
                        session_cookie(&config, "v.1", now, max_age),
                        with_cookie_crate(&config, "v.1", max_age, expires),
                        "{config:?} max_age {max_age:?} now {now}"
                    );
                }
            }
            assert_eq!(deletion_cookie(&config), with_cookie_crate(&config, "", Some(0), Some(0)));
        }
    }

    proptest::proptest! {
        #[test]
        fn dates_match_the_cookie_crate(expires in 0..=MAX_EXPIRES, max_age in proptest::option::of(0u64..u64::MAX)) {
            let config = SessionConfig::new("k");
            proptest::prop_assert_eq!(
                cookie_header(&config, "x", max_age, Some(expires)),
                with_cookie_crate(&config, "x", max_age, Some(expires))
            );
        }
    }
}
