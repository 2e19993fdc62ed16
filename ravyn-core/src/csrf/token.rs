//! CSRF tokens: `base64url(nonce) "." base64url(HMAC-SHA256(key, nonce))`, 87 ASCII characters.
//!
//! The key is derived from the secret with HKDF-SHA256 under a label of its own, so the raw secret
//! never signs anything and a token can never pass for a session cookie signature (or the other
//! way round) even when both are configured with the same secret.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};

const NONCE_LEN: usize = 32;
/// Base64 (no padding) of 32 bytes.
const PART_LEN: usize = 43;
/// Nonce, dot, tag.
pub(crate) const TOKEN_LEN: usize = PART_LEN * 2 + 1;

const HKDF_SALT: &[u8] = b"ravyn-rs csrf";
const HKDF_INFO: &[u8] = b"csrf token signing key v1";

/// Issues and checks tokens for one secret.
pub(crate) struct TokenSigner {
    key: hmac::Key,
    rng: SystemRandom,
}

impl TokenSigner {
    pub(crate) fn new(secret: &str) -> Self {
        let key = ravyn_session::derive::derive_key(secret, HKDF_SALT, HKDF_INFO, hmac::HMAC_SHA256);
        TokenSigner { key, rng: SystemRandom::new() }
    }

    /// A new random token, or `None` when the system random generator fails (then no token is
    /// better than a predictable one).
    pub(crate) fn issue(&self) -> Option<String> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng.fill(&mut nonce).ok()?;
        let tag = hmac::sign(&self.key, &nonce);
        let mut token = String::with_capacity(TOKEN_LEN);
        URL_SAFE_NO_PAD.encode_string(nonce, &mut token);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(tag.as_ref(), &mut token);
        Some(token)
    }

    /// Whether `token` has a token's length and its dot: what a safe request's cookie is kept on
    /// when nothing reads the token (two loads; the signature is checked where it matters, on
    /// unsafe requests).
    pub(crate) fn has_token_shape(token: &[u8]) -> bool {
        token.len() == TOKEN_LEN && token[PART_LEN] == b'.'
    }

    /// Whether `token` is one this signer issued: one HMAC verification, no allocation.
    pub(crate) fn verify(&self, token: &str) -> bool {
        if token.len() != TOKEN_LEN {
            return false;
        }
        let Some((nonce, tag)) = token.split_once('.') else { return false };
        // decode_slice wants room for its length estimate (33 bytes for 43 characters).
        let (mut nonce_buf, mut tag_buf) = ([0u8; NONCE_LEN + 1], [0u8; NONCE_LEN + 1]);
        match (URL_SAFE_NO_PAD.decode_slice(nonce, &mut nonce_buf), URL_SAFE_NO_PAD.decode_slice(tag, &mut tag_buf)) {
            (Ok(NONCE_LEN), Ok(NONCE_LEN)) => {
                hmac::verify(&self.key, &nonce_buf[..NONCE_LEN], &tag_buf[..NONCE_LEN]).is_ok()
            }
            _ => false,
        }
    }

    /// Whether `a` and `b` are equal, in time that does not depend on where they differ: both are
    /// MACed and the MACs compared with ring's constant-time verify ("double HMAC"), as ring no
    /// longer exports a plain constant-time comparison.
    pub(crate) fn equal(&self, a: &[u8], b: &[u8]) -> bool {
        let mac_of_b = hmac::sign(&self.key, b);
        hmac::verify(&self.key, a, mac_of_b.as_ref()).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_tokens_verify_and_differ() {
        let signer = TokenSigner::new("secret");
        let (a, b) = (signer.issue().unwrap(), signer.issue().unwrap());
        assert_eq!(a.len(), TOKEN_LEN);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(&c)));
        assert_ne!(a, b);
        assert!(signer.verify(&a) && signer.verify(&b));
    }

    #[test]
    fn another_secret_or_an_edit_fails() {
        let signer = TokenSigner::new("secret");
        let token = signer.issue().unwrap();
        assert!(!TokenSigner::new("other").verify(&token));
        let mut edited = token.clone().into_bytes();
        edited[3] = if edited[3] == b'A' { b'B' } else { b'A' };
        assert!(!signer.verify(std::str::from_utf8(&edited).unwrap()));
        assert!(!signer.verify(""));
        assert!(!signer.verify(&token[..TOKEN_LEN - 1]));
        assert!(!signer.verify(&format!("{}!", &token[..TOKEN_LEN - 1])));
        // An unsigned random value of the right shape, as a sibling subdomain could plant.
        let forged = format!("{}.{}", "A".repeat(PART_LEN), "B".repeat(PART_LEN));
        assert!(!signer.verify(&forged));
    }

    #[test]
    fn the_raw_secret_does_not_sign() {
        let signer = TokenSigner::new("secret");
        let nonce = [7u8; NONCE_LEN];
        let raw = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, b"secret"), &nonce);
        let token = format!("{}.{}", URL_SAFE_NO_PAD.encode(nonce), URL_SAFE_NO_PAD.encode(raw.as_ref()));
        assert!(!signer.verify(&token));
    }

    #[test]
    fn the_shape_is_length_and_dot_only() {
        let signer = TokenSigner::new("secret");
        let token = signer.issue().unwrap();
        assert!(TokenSigner::has_token_shape(token.as_bytes()));
        let forged = format!("{}.{}", "A".repeat(PART_LEN), "B".repeat(PART_LEN));
        assert!(TokenSigner::has_token_shape(forged.as_bytes()) && !signer.verify(&forged));
        for bad in ["", "forged", &token[..TOKEN_LEN - 1], &format!("{token}!")] {
            assert!(!TokenSigner::has_token_shape(bad.as_bytes()), "{bad}");
        }
        assert!(!TokenSigner::has_token_shape(token.replace('.', "A").as_bytes()));
    }

    #[test]
    fn equal_compares_whole_values() {
        let signer = TokenSigner::new("secret");
        assert!(signer.equal(b"abc", b"abc"));
        assert!(!signer.equal(b"abc", b"abd"));
        assert!(!signer.equal(b"abc", b"abcd"));
        assert!(!signer.equal(b"", b"a"));
    }
}
