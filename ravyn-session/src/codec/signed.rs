//! [`CookieFormat::Signed`](crate::CookieFormat::Signed), the default: readable by the client, not
//! alterable.
//!
//! ```text
//! value   = PAYLOAD "." ISSUED "." CREATED "." SIG
//! PAYLOAD = base64url, no padding, of the session's compact JSON object
//! ISSUED  = decimal Unix seconds when this cookie was issued (refreshed by rolling expiry)
//! CREATED = decimal Unix seconds when the session was created (kept across re-issues)
//! SIG     = base64url, no padding, of HMAC-SHA256(K, NAME "=" PAYLOAD "." ISSUED "." CREATED)
//! K       = HKDF-SHA256(salt = "ravyn-session HKDF salt v1", ikm = secret,
//!                       info = "ravyn-session signed-cookie v1 HMAC-SHA256")
//! ```
//!
//! e.g. `eyJ1c2VyX2lkIjoxfQ.1700000000.1700000000.<43 chars>` for `{"user_id":1}`.
//!
//! Every character is in `[A-Za-z0-9_.-]`, so the value needs no quoting. The MAC covers the cookie
//! name (a cookie name cannot contain `=`, so `NAME "="` is unambiguous): a value issued as `a` is
//! rejected as `b`. It is checked with `ring::hmac::verify` (constant time) before anything else in
//! the value is trusted or parsed.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::hmac;

use super::{hkdf_expand, parse_decimal, DecodeError, Opened, Payload};
use crate::base64url;
use crate::keyring::KeyRing;

const INFO: &[u8] = b"ravyn-session signed-cookie v1 HMAC-SHA256";
const LAYOUT: &str = "expected PAYLOAD.ISSUED.CREATED.SIG";
const SIG_NOT_BASE64URL: &str = "signature is not base64url";
/// An HMAC-SHA256 tag's length in base64url characters (32 bytes, no padding).
const TAG_CHARS: usize = 43;

pub(crate) struct SignedFormat {
    keys: KeyRing<hmac::Key>,
}

impl fmt::Debug for SignedFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedFormat").field("keys", &self.keys.len()).finish()
    }
}

impl SignedFormat {
    pub(crate) fn new(secrets: &KeyRing<&str>) -> Self {
        SignedFormat { keys: secrets.map(|s| hkdf_expand(s, INFO, hmac::HMAC_SHA256)) }
    }

    pub(crate) fn encode(&self, name: &str, json: &[u8], issued_at: u64, created_at: u64) -> String {
        let (mut issued, mut created) = (itoa::Buffer::new(), itoa::Buffer::new());
        let (issued, created) = (issued.format(issued_at).as_bytes(), created.format(created_at).as_bytes());
        // Built as bytes, in one allocation of the exact length, and checked as UTF-8 once at the
        // end: the base64 crate's `encode_string` checks every chunk it appends.
        // `None` only for a length past `usize::MAX` * 3/4, which no payload in memory has.
        let payload_len = base64::encoded_len(json.len(), false).unwrap_or(usize::MAX);
        let len = payload_len + 1 + issued.len() + 1 + created.len() + 1 + TAG_CHARS;
        let mut value = Vec::with_capacity(len);
        value.resize(payload_len, 0);
        let written = URL_SAFE_NO_PAD.encode_slice(json, &mut value).unwrap_or(0);
        debug_assert_eq!(written, payload_len);
        value.push(b'.');
        value.extend_from_slice(issued);
        value.push(b'.');
        value.extend_from_slice(created);
        let tag = with_mac_input(name, &value, |input| hmac::sign(self.keys.primary(), input));
        value.push(b'.');
        let signed_len = value.len();
        value.resize(signed_len + TAG_CHARS, 0);
        URL_SAFE_NO_PAD.encode_slice(tag.as_ref(), &mut value[signed_len..]).unwrap_or(0);
        debug_assert_eq!((value.len(), value.capacity()), (len, len));
        // Every byte is base64url, a digit or '.': ASCII, so this never takes the lossy branch.
        String::from_utf8(value).unwrap_or_else(|err| String::from_utf8_lossy(err.as_bytes()).into_owned())
    }

    pub(crate) fn open<'a>(&self, name: &str, value: &'a str) -> Result<Opened<'a>, DecodeError> {
        // Three cuts from the right, then one check that the payload holds no dot: the same
        // layout check as splitting on every dot, without `str::Split`'s per-part machinery.
        let (signed, sig) = value.rsplit_once('.').ok_or(DecodeError::Malformed(LAYOUT))?;
        let (rest, created) = signed.rsplit_once('.').ok_or(DecodeError::Malformed(LAYOUT))?;
        let (payload, issued) = rest.rsplit_once('.').ok_or(DecodeError::Malformed(LAYOUT))?;
        if payload.as_bytes().contains(&b'.') {
            return Err(DecodeError::Malformed(LAYOUT));
        }
        // Decoded on the stack: an HMAC-SHA256 tag is 32 bytes, so a signature that does not fit
        // 64 cannot verify whatever it holds.
        let mut tag = [0u8; 64];
        let sig_len = base64url::decoded_len(sig.len()).ok_or(DecodeError::Malformed(SIG_NOT_BASE64URL))?;
        let tag = tag.get_mut(..sig_len).ok_or(DecodeError::BadSignature)?;
        base64url::decode(sig.as_bytes(), tag).ok_or(DecodeError::Malformed(SIG_NOT_BASE64URL))?;
        let sig = &*tag;
        let key_index = with_mac_input(name, signed, |input| {
            self.keys.position(|k| hmac::verify(k, input, sig).is_ok()).ok_or(DecodeError::BadSignature)
        })?;
        let issued_at = parse_decimal(issued).ok_or(DecodeError::Malformed("issue time is not a decimal number"))?;
        let created_at =
            parse_decimal(created).ok_or(DecodeError::Malformed("creation time is not a decimal number"))?;
        Ok(Opened { payload: Payload::Base64Url(payload), issued_at, created_at: Some(created_at), key_index })
    }
}

/// Calls `f` with the MAC input `NAME "=" SIGNED`, built on the stack for cookies of usual size
/// (on the heap only past 512 bytes): no allocation per signed or verified cookie.
fn with_mac_input<R>(name: &str, signed: &(impl AsRef<[u8]> + ?Sized), f: impl FnOnce(&[u8]) -> R) -> R {
    let signed = signed.as_ref();
    let len = name.len() + 1 + signed.len();
    let mut stack = [0u8; 512];
    let mut heap;
    let input: &mut [u8] = if len <= stack.len() {
        &mut stack[..len]
    } else {
        heap = vec![0u8; len];
        &mut heap
    };
    input[..name.len()].copy_from_slice(name.as_bytes());
    input[name.len()] = b'=';
    input[name.len() + 1..].copy_from_slice(signed);
    f(input)
}
