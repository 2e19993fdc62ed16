//! [`CookieFormat::Ravyn`](crate::CookieFormat::Ravyn): the cookies Python Ravyn / Lilya / Starlette
//! write, so a Rust service and a Python service behind one domain share logins.
//!
//! It is itsdangerous's `TimestampSigner` with its defaults, over base64 JSON:
//!
//! ```text
//! value   = DQUOTE PAYLOAD "." TS "." SIG DQUOTE      (sent quoted; accepted quoted or not)
//! PAYLOAD = standard base64, with padding, of the session's compact JSON (non-ASCII kept as UTF-8)
//! TS      = base64url, no padding, of the big-endian, minimal-length bytes of the Unix time
//! SIG     = base64url, no padding, of HMAC-SHA1(K, PAYLOAD "." TS)
//! K       = SHA1("itsdangerous.Signer" || "signer" || secret)
//! ```
//!
//! Test vector (itsdangerous 2.2.0): secret `demo-secret-key-change-me`, time 1795627472,
//! `{"user_id":1,"email":"demo@example.com"}` →
//! `eyJ1c2VyX2lkIjoxLCJlbWFpbCI6ImRlbW9AZXhhbXBsZS5jb20ifQ==.awcZ0A.JR25SXSXM17jaP9mAbP-234qiKY`.
//!
//! Limits, all inherited for compatibility: SHA-1 (HMAC-SHA1 is still sound as a MAC, but legacy);
//! the cookie name is not signed, so a value is valid under any cookie name sharing the secret; there
//! is no creation time, so `absolute_max_age` cannot be used; the client can read the data.
//! Python writes JSON with `", "`/`": "` separators and `\u` escapes; we write compact UTF-8 JSON.
//! Each side reads the other's; only the bytes differ.

use std::fmt;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use ring::{digest, hmac};

use super::{DecodeError, Opened, Payload};
use crate::base64url;
use crate::keyring::KeyRing;

const LAYOUT: &str = "expected PAYLOAD.TIMESTAMP.SIGNATURE";

pub(crate) struct RavynFormat {
    keys: KeyRing<hmac::Key>,
}

impl fmt::Debug for RavynFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RavynFormat").field("keys", &self.keys.len()).finish()
    }
}

impl RavynFormat {
    pub(crate) fn new(secrets: &KeyRing<&str>) -> Self {
        RavynFormat { keys: secrets.map(|s| derive_key(s)) }
    }

    pub(crate) fn encode(&self, json: &[u8], issued_at: u64) -> String {
        let mut signed = String::with_capacity(json.len() * 4 / 3 + 48);
        STANDARD.encode_string(json, &mut signed);
        signed.push('.');
        let ts = issued_at.to_be_bytes();
        let first = ts.iter().position(|&b| b != 0).unwrap_or(ts.len());
        URL_SAFE_NO_PAD.encode_string(&ts[first..], &mut signed);
        let tag = hmac::sign(self.keys.primary(), signed.as_bytes());
        let mut value = String::with_capacity(signed.len() + 32);
        value.push('"');
        value.push_str(&signed);
        value.push('.');
        URL_SAFE_NO_PAD.encode_string(tag.as_ref(), &mut value);
        value.push('"');
        value
    }

    pub(crate) fn open(&self, value: &str) -> Result<Opened<'static>, DecodeError> {
        let value = match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
            Some(unquoted) => unquoted,
            None => value,
        };
        let (signed, sig) = value.rsplit_once('.').ok_or(DecodeError::Malformed(LAYOUT))?;
        let (payload, ts) = signed.split_once('.').ok_or(DecodeError::Malformed(LAYOUT))?;
        if ts.contains('.') {
            return Err(DecodeError::Malformed(LAYOUT));
        }
        let sig =
            base64url::decode_to_vec(sig.as_bytes()).ok_or(DecodeError::Malformed("signature is not base64url"))?;
        let key_index = self
            .keys
            .position(|k| hmac::verify(k, signed.as_bytes(), &sig).is_ok())
            .ok_or(DecodeError::BadSignature)?;
        let ts = base64url::decode_to_vec(ts.as_bytes()).ok_or(DecodeError::Malformed("timestamp is not base64url"))?;
        if ts.len() > 8 {
            return Err(DecodeError::Malformed("timestamp does not fit in 64 bits"));
        }
        let issued_at = ts.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        let json = STANDARD.decode(payload).map_err(|_| DecodeError::Malformed("payload is not base64"))?;
        Ok(Opened { payload: Payload::Json(json), issued_at, created_at: None, key_index })
    }
}

/// itsdangerous `Signer.derive_key` with `key_derivation="django-concat"`, `digest_method=sha1` and
/// `salt=b"itsdangerous.Signer"`: SHA1(salt + b"signer" + secret).
fn derive_key(secret: &str) -> hmac::Key {
    let mut ctx = digest::Context::new(&digest::SHA1_FOR_LEGACY_USE_ONLY);
    ctx.update(b"itsdangerous.Signer");
    ctx.update(b"signer");
    ctx.update(secret.as_bytes());
    hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, ctx.finish().as_ref())
}
