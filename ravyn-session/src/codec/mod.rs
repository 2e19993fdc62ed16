//! Cookie codecs: turning a session map into a cookie value and back.
//!
//! [`Codec`] dispatches to one file per [`CookieFormat`]:
//!
//! - `signed.rs`, [`CookieFormat::Signed`] (default): `PAYLOAD.ISSUED.CREATED.SIG`, HMAC-SHA256.
//! - `ravyn.rs`, [`CookieFormat::Ravyn`]: itsdangerous `TimestampSigner`, as Python Ravyn/Lilya write it.
//! - `private.rs`, [`CookieFormat::Private`]: AES-256-GCM, one opaque base64url blob.
//!
//! Each file's module doc gives the exact layout. What they share lives here:
//!
//! - **Keys**: the primary secret, then each fallback secret, in that order. A cookie is accepted if
//!   any of them verifies it, and [`Decoded::key_index`] says which (0 = primary), so the manager can
//!   re-issue a fallback-verified cookie under the primary.
//! - **Key separation**: the Signed and Private formats derive their keys from the secret with
//!   HKDF-SHA256 and a format-specific `info` string, so one secret never keys two formats the same
//!   way. (The Ravyn format derives its key exactly as itsdangerous does, for compatibility.)
//! - **Time checks**, after the signature or tag has verified: a cookie is rejected when
//!   `now - issued_at > max_age` (expired; skipped when `max_age` is `None`), when
//!   `issued_at > now + MAX_FUTURE_SKEW` (future-dated; 60 s of tolerance for servers whose clocks
//!   disagree slightly), and, when `absolute_max_age` is set, when `now - created_at >
//!   absolute_max_age`.
//! - **Decoding never fails the request**: a [`DecodeError`] only says why the cookie was ignored, for
//!   a debug log; the session then starts empty.
//!
//! ```
//! use ravyn_session::codec::Codec;
//! use ravyn_session::SessionConfig;
//!
//! let codec = Codec::new(&SessionConfig::new("a-long-random-secret-of-at-least-32-bytes"));
//! let mut data = serde_json::Map::new();
//! data.insert("user_id".into(), 1.into());
//! let cookie = codec.encode(&data, 1_700_000_000, 1_700_000_000).unwrap();
//! let decoded = codec.decode(&cookie, 1_700_000_060).unwrap();
//! assert_eq!(decoded.data, data);
//! assert_eq!(decoded.key_index, 0);
//! ```

mod private;
mod ravyn;
mod signed;

use ring::hkdf;
use serde_json::{Map, Value};

use crate::base64url;
use crate::config::{CookieFormat, SessionConfig};

/// How far in the future (seconds) a cookie's issue time may be before it is rejected: tolerance for
/// servers behind one domain whose clocks disagree slightly.
///
/// ```
/// use ravyn_session::{codec::{Codec, MAX_FUTURE_SKEW}, SessionConfig};
///
/// let codec = Codec::new(&SessionConfig::new("k"));
/// let value = codec.encode(&serde_json::Map::new(), 1_000, 1_000).unwrap();
/// assert!(codec.decode(&value, 1_000 - MAX_FUTURE_SKEW).is_ok());
/// assert!(codec.decode(&value, 1_000 - MAX_FUTURE_SKEW - 1).is_err());
/// ```
pub const MAX_FUTURE_SKEW: u64 = 60;

/// Longest cookie value looked at; anything longer is rejected before any crypto or parsing. Browsers
/// keep at most 4096 bytes per cookie, so a longer value did not come from us.
///
/// ```
/// use ravyn_session::{codec::{Codec, DecodeError, MAX_COOKIE_VALUE_LEN}, SessionConfig};
///
/// let huge = "a".repeat(MAX_COOKIE_VALUE_LEN + 1);
/// let err = Codec::new(&SessionConfig::new("k")).decode(&huge, 0).unwrap_err();
/// assert_eq!(err, DecodeError::TooLong { len: huge.len() });
/// ```
pub const MAX_COOKIE_VALUE_LEN: usize = 8192;

/// The HKDF salt: public and fixed; it only separates these keys from other uses of the secret.
const HKDF_SALT: &[u8] = b"ravyn-session HKDF salt v1";

/// A verified, unexpired cookie.
///
/// ```
/// use ravyn_session::{codec::Codec, SessionConfig};
///
/// let codec = Codec::new(&SessionConfig::new("secret"));
/// let cookie = codec.encode(&serde_json::Map::new(), 1_000, 900).unwrap();
/// let decoded = codec.decode(&cookie, 1_000).unwrap();
/// assert_eq!((decoded.issued_at, decoded.created_at), (1_000, Some(900)));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Decoded {
    /// The session data.
    pub data: Map<String, Value>,
    /// When the cookie was issued (seconds since the Unix epoch).
    pub issued_at: u64,
    /// When the session was created; `None` for formats that do not carry it (Ravyn).
    pub created_at: Option<u64>,
    /// Which secret verified it: 0 for the primary, `i` for the `i`-th fallback (1-based).
    pub key_index: usize,
}

/// Why a cookie was ignored. Never sent to the client: the session starts empty and this goes to a
/// debug log.
///
/// ```
/// use ravyn_session::{codec::{Codec, DecodeError}, SessionConfig};
///
/// let codec = Codec::new(&SessionConfig::new("secret"));
/// assert_eq!(codec.decode("garbage", 0), Err(DecodeError::Malformed("expected PAYLOAD.ISSUED.CREATED.SIG")));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The cookie value is empty.
    #[error("empty cookie value")]
    Empty,
    /// The cookie value is longer than [`MAX_COOKIE_VALUE_LEN`].
    #[error("cookie value of {len} bytes is too long")]
    TooLong {
        /// The value's length in bytes.
        len: usize,
    },
    /// The value does not have the layout of the configured format.
    #[error("malformed cookie: {0}")]
    Malformed(&'static str),
    /// The value looks like a cookie of another format (e.g. after changing `cookie_format`).
    #[error("cookie is in the {found} format but the config expects {expected}")]
    WrongFormat {
        /// The format the value looks like.
        found: CookieFormat,
        /// The configured format.
        expected: CookieFormat,
    },
    /// No secret (primary or fallback) verifies the signature or tag: tampered, or made with
    /// another secret or for another cookie name.
    #[error("bad signature (tampered, or signed with an unknown secret or for another cookie name)")]
    BadSignature,
    /// Issued longer ago than `max_age`.
    #[error("expired: issued {age} s ago, max_age is {max_age} s")]
    Expired {
        /// Seconds since issue.
        age: u64,
        /// The configured `max_age`.
        max_age: u64,
    },
    /// Issued more than [`MAX_FUTURE_SKEW`] seconds in the future.
    #[error("future-dated: issued at {issued_at}, now is {now}")]
    FutureDated {
        /// The cookie's issue time.
        issued_at: u64,
        /// The server's time.
        now: u64,
    },
    /// The session was created longer ago than `absolute_max_age`.
    #[error("past its absolute lifetime: created {age} s ago, absolute_max_age is {absolute_max_age} s")]
    AbsoluteExpired {
        /// Seconds since creation.
        age: u64,
        /// The configured `absolute_max_age`.
        absolute_max_age: u64,
    },
}

/// Why a cookie could not be made.
///
/// ```
/// let err = ravyn_session::codec::EncodeError::Random;
/// assert!(err.to_string().contains("random"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The session could not be serialized to JSON.
    #[error("could not serialize the session to JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The system random generator failed (Private format nonce).
    #[error("the system random number generator failed")]
    Random,
    /// The value would be longer than [`MAX_COOKIE_VALUE_LEN`], which [`Codec::decode`] refuses:
    /// it could never be read back, so it is not made.
    #[error("the cookie value would be {len} bytes, over the {MAX_COOKIE_VALUE_LEN} a cookie may be read back with")]
    TooLong {
        /// The value's length in bytes.
        len: usize,
    },
}

/// What a format's decoder hands back once the signature or tag has verified: times not yet checked,
/// JSON not yet parsed.
pub(crate) struct Opened<'a> {
    pub(crate) payload: Payload<'a>,
    pub(crate) issued_at: u64,
    pub(crate) created_at: Option<u64>,
    pub(crate) key_index: usize,
}

/// A verified cookie's JSON, as its format holds it.
pub(crate) enum Payload<'a> {
    /// base64url (no padding) of the JSON, still in the cookie's value: [`Codec::decode`] decodes
    /// it after the times are checked, onto the stack when it fits, so that reading a usual signed
    /// cookie allocates nothing for it.
    Base64Url(&'a str),
    /// The JSON's bytes.
    Json(Vec<u8>),
}

#[derive(Debug)]
enum Format {
    Signed(signed::SignedFormat),
    Ravyn(ravyn::RavynFormat),
    Private(private::PrivateFormat),
}

/// Encodes and decodes session cookies in the configured format with the configured secrets.
///
/// Built once per app (key derivation happens here); cheap to share. `Debug` prints no keys.
///
/// ```
/// use ravyn_session::{codec::Codec, CookieFormat, SessionConfig};
///
/// let config = SessionConfig::new("secret").cookie_format(CookieFormat::Private);
/// let codec = Codec::new(&config);
/// assert_eq!(codec.format(), CookieFormat::Private);
/// ```
#[derive(Debug)]
pub struct Codec {
    name: String,
    max_age: Option<u64>,
    absolute_max_age: Option<u64>,
    format: Format,
}

impl Codec {
    /// Derives the keys for the config's format, cookie name and secrets (primary, then fallbacks).
    ///
    /// ```
    /// use ravyn_session::{codec::Codec, SessionConfig};
    /// let codec = Codec::new(&SessionConfig::new("new").fallback_secrets(["old"]));
    /// # let _ = codec;
    /// ```
    pub fn new(config: &SessionConfig) -> Codec {
        let secrets = config.key_ring();
        let format = match config.get_cookie_format() {
            CookieFormat::Signed => Format::Signed(signed::SignedFormat::new(&secrets)),
            CookieFormat::Ravyn => Format::Ravyn(ravyn::RavynFormat::new(&secrets)),
            CookieFormat::Private => Format::Private(private::PrivateFormat::new(&secrets)),
        };
        Codec {
            name: config.get_session_cookie().to_owned(),
            max_age: config.get_max_age(),
            absolute_max_age: config.get_absolute_max_age(),
            format,
        }
    }

    /// The format this codec writes and accepts.
    ///
    /// ```
    /// use ravyn_session::{codec::Codec, CookieFormat, SessionConfig};
    /// assert_eq!(Codec::new(&SessionConfig::new("k")).format(), CookieFormat::Signed);
    /// ```
    pub fn format(&self) -> CookieFormat {
        match self.format {
            Format::Signed(_) => CookieFormat::Signed,
            Format::Ravyn(_) => CookieFormat::Ravyn,
            Format::Private(_) => CookieFormat::Private,
        }
    }

    /// The cookie value (as it goes after `name=` in `Set-Cookie`) for `data`, issued at `issued_at`
    /// for a session created at `created_at` (ignored by the Ravyn format), made with the primary
    /// secret. The Ravyn format's value includes its surrounding double quotes. What this makes,
    /// [`decode`](Self::decode) reads back: a value over [`MAX_COOKIE_VALUE_LEN`] is
    /// [`EncodeError::TooLong`].
    ///
    /// ```
    /// use ravyn_session::{codec::Codec, SessionConfig};
    ///
    /// let codec = Codec::new(&SessionConfig::new("secret"));
    /// let value = codec.encode(&serde_json::Map::new(), 1_700_000_000, 1_700_000_000).unwrap();
    /// assert!(value.starts_with("e30.1700000000.1700000000."));
    /// ```
    pub fn encode(&self, data: &Map<String, Value>, issued_at: u64, created_at: u64) -> Result<String, EncodeError> {
        let json = serde_json::to_vec(data)?;
        let value = match &self.format {
            Format::Signed(f) => f.encode(&self.name, &json, issued_at, created_at),
            Format::Ravyn(f) => f.encode(&json, issued_at),
            Format::Private(f) => f.encode(&self.name, &json, issued_at, created_at)?,
        };
        if value.len() > MAX_COOKIE_VALUE_LEN {
            return Err(EncodeError::TooLong { len: value.len() });
        }
        Ok(value)
    }

    /// Verifies and decodes a cookie value at time `now`: signature or tag first (primary secret, then
    /// each fallback), then the time checks, then the JSON.
    ///
    /// ```
    /// use ravyn_session::{codec::{Codec, DecodeError}, SessionConfig};
    ///
    /// let codec = Codec::new(&SessionConfig::new("secret").max_age(60));
    /// let value = codec.encode(&serde_json::Map::new(), 1_000, 1_000).unwrap();
    /// assert!(codec.decode(&value, 1_060).is_ok());
    /// assert_eq!(codec.decode(&value, 1_061), Err(DecodeError::Expired { age: 61, max_age: 60 }));
    /// ```
    pub fn decode(&self, value: &str, now: u64) -> Result<Decoded, DecodeError> {
        if value.is_empty() {
            return Err(DecodeError::Empty);
        }
        if value.len() > MAX_COOKIE_VALUE_LEN {
            return Err(DecodeError::TooLong { len: value.len() });
        }
        let opened = match &self.format {
            Format::Signed(f) => f.open(&self.name, value),
            Format::Ravyn(f) => f.open(value),
            Format::Private(f) => f.open(&self.name, value),
        }
        .map_err(|err| match (&err, sniff(value)) {
            (DecodeError::Malformed(_), Some(found)) if found != self.format() => {
                DecodeError::WrongFormat { found, expected: self.format() }
            }
            _ => err,
        })?;
        self.check_times(&opened, now)?;
        let data = match &opened.payload {
            Payload::Json(json) => parse_object(json)?,
            Payload::Base64Url(text) => with_base64url_decoded(text, parse_object)?,
        };
        Ok(Decoded { data, issued_at: opened.issued_at, created_at: opened.created_at, key_index: opened.key_index })
    }

    fn check_times(&self, opened: &Opened<'_>, now: u64) -> Result<(), DecodeError> {
        let issued_at = opened.issued_at;
        if issued_at > now.saturating_add(MAX_FUTURE_SKEW) {
            return Err(DecodeError::FutureDated { issued_at, now });
        }
        if let Some(max_age) = self.max_age {
            let age = now.saturating_sub(issued_at);
            if age > max_age {
                return Err(DecodeError::Expired { age, max_age });
            }
        }
        if let Some(created_at) = opened.created_at {
            if created_at > issued_at {
                return Err(DecodeError::Malformed("created after it was issued"));
            }
            if let Some(absolute_max_age) = self.absolute_max_age {
                let age = now.saturating_sub(created_at);
                if age > absolute_max_age {
                    return Err(DecodeError::AbsoluteExpired { age, absolute_max_age });
                }
            }
        }
        Ok(())
    }
}

/// A guess at which format a value that failed to parse was written in, for a clearer debug log.
fn sniff(value: &str) -> Option<CookieFormat> {
    if value.len() >= 2 && value.starts_with('"') && value.ends_with('"') {
        return Some(CookieFormat::Ravyn);
    }
    let parts: Vec<&str> = value.split('.').collect();
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match parts.as_slice() {
        [_, issued, created, _] if digits(issued) && digits(created) => Some(CookieFormat::Signed),
        [_, _, _] => Some(CookieFormat::Ravyn),
        [blob]
            if blob.len() >= private::MIN_ENCODED_LEN
                && blob.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            Some(CookieFormat::Private)
        }
        _ => None,
    }
}

/// The session crate's keys: [`derive_key`](crate::derive::derive_key) under [`HKDF_SALT`].
pub(crate) fn hkdf_expand<L, K>(secret: &str, info: &'static [u8], len: L) -> K
where
    L: hkdf::KeyType,
    K: for<'a> From<hkdf::Okm<'a, L>>,
{
    crate::derive::derive_key(secret, HKDF_SALT, info, len)
}

/// The session's JSON object.
fn parse_object(json: &[u8]) -> Result<Map<String, Value>, DecodeError> {
    match serde_json::from_slice::<Value>(json) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(DecodeError::Malformed("payload is not a JSON object")),
        Err(_) => Err(DecodeError::Malformed("payload is not valid JSON")),
    }
}

/// Decodes base64url `text` and hands the bytes to `f`: on the stack up to 512 bytes (a usual
/// session's JSON, decoded without an allocation), on the heap past that.
fn with_base64url_decoded<R>(text: &str, f: impl FnOnce(&[u8]) -> Result<R, DecodeError>) -> Result<R, DecodeError> {
    let malformed = || DecodeError::Malformed("payload is not base64url");
    let len = base64url::decoded_len(text.len()).ok_or_else(malformed)?;
    let mut stack = [0u8; 512];
    match stack.get_mut(..len) {
        Some(out) => {
            base64url::decode(text.as_bytes(), out).ok_or_else(malformed)?;
            f(out)
        }
        None => f(&base64url::decode_to_vec(text.as_bytes()).ok_or_else(malformed)?),
    }
}

/// Appends `n` in decimal: for the numbers in cookies and their headers, without going through
/// `fmt` (its machinery cost more than the rest of a `Set-Cookie` header).
pub(crate) fn push_decimal(out: &mut String, n: u64) {
    out.push_str(itoa::Buffer::new().format(n));
}

/// Strict decimal `u64`: ASCII digits only, no sign, at most 20 digits, `None` past `u64::MAX`.
///
/// One pass over the digits, where `all(is_ascii_digit)` then `str::parse` walked them twice and
/// `parse`'s generic radix machinery cost ~200 instructions per cookie time under callgrind.
pub(crate) fn parse_decimal(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    s.bytes().try_fold(0u64, |n, b| {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        n.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

#[cfg(test)]
mod tests;
