//! CSRF tokens: `base64url(nonce) "." base64url(HMAC-SHA256(key, len(binding) || binding ||
//! nonce))`, 87 ASCII characters.
//!
//! The binding is a value tied to the session (the signed double-submit cookie of OWASP's CSRF
//! cheat sheet): the server-side session id when the app keeps sessions in a store, empty
//! otherwise (see `step.rs`). A token obtained under one session does not verify under another,
//! so a token an attacker got for themselves and planted in a victim's browser is refused
//! (security review M2). The binding is length-prefixed, so no binding and nonce can be confused
//! with another pair.
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

/// The longest binding (a store id is 22 bytes).
pub(crate) const MAX_BINDING: usize = 64;

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

    /// A new random token bound to `binding`, or `None` when the system random generator fails
    /// (then no token is better than a predictable one).
    pub(crate) fn issue(&self, binding: &[u8]) -> Option<String> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng.fill(&mut nonce).ok()?;
        let message = Message::new(binding, &nonce)?;
        let tag = hmac::sign(&self.key, message.as_bytes());
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

    /// Whether `token` is one this signer issued for `binding`: one HMAC verification, no
    /// allocation.
    pub(crate) fn verify(&self, token: &[u8], binding: &[u8]) -> bool {
        if !Self::has_token_shape(token) {
            return false;
        }
        let (nonce, tag) = (&token[..PART_LEN], &token[PART_LEN + 1..]);
        // decode_slice wants room for its length estimate (33 bytes for 43 characters).
        let (mut nonce_buf, mut tag_buf) = ([0u8; NONCE_LEN + 1], [0u8; NONCE_LEN + 1]);
        match (URL_SAFE_NO_PAD.decode_slice(nonce, &mut nonce_buf), URL_SAFE_NO_PAD.decode_slice(tag, &mut tag_buf)) {
            (Ok(NONCE_LEN), Ok(NONCE_LEN)) => match Message::new(binding, &nonce_buf[..NONCE_LEN]) {
                Some(message) => hmac::verify(&self.key, message.as_bytes(), &tag_buf[..NONCE_LEN]).is_ok(),
                None => false,
            },
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

/// What the tag covers, on the stack: the binding's length (one byte), the binding, the nonce.
struct Message {
    bytes: [u8; 1 + MAX_BINDING + NONCE_LEN],
    len: usize,
}

impl Message {
    /// `None` for a binding longer than [`MAX_BINDING`] (never made by the step).
    fn new(binding: &[u8], nonce: &[u8]) -> Option<Self> {
        let binding_len = u8::try_from(binding.len()).ok().filter(|&len| usize::from(len) <= MAX_BINDING)?;
        let mut bytes = [0u8; 1 + MAX_BINDING + NONCE_LEN];
        bytes[0] = binding_len;
        bytes[1..1 + binding.len()].copy_from_slice(binding);
        let len = 1 + binding.len() + nonce.len();
        bytes[1 + binding.len()..len].copy_from_slice(nonce);
        Some(Message { bytes, len })
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_tokens_verify_and_differ() {
        let signer = TokenSigner::new("secret");
        let (a, b) = (signer.issue(b"").unwrap(), signer.issue(b"").unwrap());
        assert_eq!(a.len(), TOKEN_LEN);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(&c)));
        assert_ne!(a, b);
        assert!(signer.verify(a.as_bytes(), b"") && signer.verify(b.as_bytes(), b""));
    }

    /// Security review M2: a token is bound to its session; one issued under another session, or
    /// under none, does not verify.
    #[test]
    fn a_token_verifies_only_under_its_binding() {
        let signer = TokenSigner::new("secret");
        let victims = signer.issue(b"victim-session-id").unwrap();
        assert!(signer.verify(victims.as_bytes(), b"victim-session-id"));
        let attackers = signer.issue(b"attacker-session-id").unwrap();
        assert!(!signer.verify(attackers.as_bytes(), b"victim-session-id"));
        let sessionless = signer.issue(b"").unwrap();
        assert!(!signer.verify(sessionless.as_bytes(), b"victim-session-id"));
        assert!(!signer.verify(victims.as_bytes(), b""));
        // Bindings too long are never signed nor accepted.
        assert!(signer.issue(&[b'x'; MAX_BINDING + 1]).is_none());
        assert!(signer.issue(&[b'x'; MAX_BINDING]).is_some());
    }

    #[test]
    fn another_secret_or_an_edit_fails() {
        let signer = TokenSigner::new("secret");
        let token = signer.issue(b"").unwrap();
        assert!(!TokenSigner::new("other").verify(token.as_bytes(), b""));
        let mut edited = token.clone().into_bytes();
        edited[3] = if edited[3] == b'A' { b'B' } else { b'A' };
        assert!(!signer.verify(&edited, b""));
        assert!(!signer.verify(b"", b""));
        assert!(!signer.verify(&token.as_bytes()[..TOKEN_LEN - 1], b""));
        assert!(!signer.verify(format!("{}!", &token[..TOKEN_LEN - 1]).as_bytes(), b""));
        // An unsigned random value of the right shape, as a sibling subdomain could plant.
        let forged = format!("{}.{}", "A".repeat(PART_LEN), "B".repeat(PART_LEN));
        assert!(!signer.verify(forged.as_bytes(), b""));
    }

    #[test]
    fn the_raw_secret_does_not_sign() {
        let signer = TokenSigner::new("secret");
        let nonce = [7u8; NONCE_LEN];
        let raw =
            hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, b"secret"), Message::new(b"", &nonce).unwrap().as_bytes());
        let token = format!("{}.{}", URL_SAFE_NO_PAD.encode(nonce), URL_SAFE_NO_PAD.encode(raw.as_ref()));
        assert!(!signer.verify(token.as_bytes(), b""));
    }

    #[test]
    fn the_shape_is_length_and_dot_only() {
        let signer = TokenSigner::new("secret");
        let token = signer.issue(b"").unwrap();
        assert!(TokenSigner::has_token_shape(token.as_bytes()));
        let forged = format!("{}.{}", "A".repeat(PART_LEN), "B".repeat(PART_LEN));
        assert!(TokenSigner::has_token_shape(forged.as_bytes()) && !signer.verify(forged.as_bytes(), b""));
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
