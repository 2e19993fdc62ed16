//! Key derivation: every key the framework signs or seals with is derived from a configured
//! secret with HKDF-SHA256 under a salt and a label of its own, so the raw secret never signs
//! anything and no key of one purpose (a session cookie, a store id, a CSRF token) can ever pass for
//! another's, even when one secret is configured for all of them.

use ring::hkdf;

/// HKDF-SHA256(`salt`, ikm = `secret`, `info`), expanded to the key type `len` describes (an HMAC
/// key, an AEAD key).
///
/// ```
/// use ring::hmac;
/// let a: hmac::Key = ravyn_session::derive::derive_key("secret", b"app salt", b"purpose a", hmac::HMAC_SHA256);
/// let b: hmac::Key = ravyn_session::derive::derive_key("secret", b"app salt", b"purpose b", hmac::HMAC_SHA256);
/// let tag = hmac::sign(&a, b"message");
/// assert!(hmac::verify(&a, b"message", tag.as_ref()).is_ok());
/// assert!(hmac::verify(&b, b"message", tag.as_ref()).is_err());
/// ```
pub fn derive_key<L, K>(secret: &str, salt: &[u8], info: &[u8], len: L) -> K
where
    L: hkdf::KeyType,
    K: for<'a> From<hkdf::Okm<'a, L>>,
{
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, salt).extract(secret.as_bytes());
    let info = [info];
    // ring only refuses outputs longer than 255 hash blocks; our keys are 32 bytes.
    let okm = prk.expand(&info, len).expect("HKDF-SHA256 can always expand a 32-byte key");
    K::from(okm)
}
