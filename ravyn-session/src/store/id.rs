//! [`SessionId`] and the signer of the id cookie (`ID.SIG`; layout in the `store` module doc).

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};

use crate::codec::{hkdf_expand, DecodeError, EncodeError};
use crate::keyring::KeyRing;

const INFO: &[u8] = b"ravyn-session store-id v1 HMAC-SHA256";
/// 128 bits of randomness.
const ID_BYTES: usize = 16;
/// base64url without padding of 16 bytes.
const ID_LEN: usize = 22;
/// base64url without padding of a 32-byte HMAC-SHA256 tag.
const SIG_LEN: usize = 43;

/// A server-side session's id: 128 random bits from ring's `SystemRandom`, as 22 base64url
/// characters. Stores key their records by [`as_str`](Self::as_str).
///
/// `Debug` and `Display` show only the first 4 characters: an id is half of a credential, and
/// belongs in no log.
///
/// ```
/// use ravyn_session::SessionId;
///
/// let id = SessionId::random()?;
/// assert_eq!(id.as_str().len(), 22);
/// assert_ne!(id, SessionId::random()?);
/// assert!(!format!("{id:?}").contains(id.as_str()));
/// # Ok::<(), ravyn_session::codec::EncodeError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SessionId(pub(crate) String);

impl SessionId {
    /// A fresh id from the system's secure random generator.
    ///
    /// # Errors
    ///
    /// [`EncodeError::Random`] if the system random generator fails.
    ///
    /// ```
    /// let id = ravyn_session::SessionId::random().unwrap();
    /// assert!(id.as_str().bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    /// ```
    pub fn random() -> Result<SessionId, EncodeError> {
        let mut bytes = [0u8; ID_BYTES];
        SystemRandom::new().fill(&mut bytes).map_err(|_| EncodeError::Random)?;
        Ok(SessionId(URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// An id of the right length and alphabet, never stored: for sizing a cookie before the real
    /// id is chosen.
    pub(crate) fn placeholder() -> SessionId {
        SessionId("A".repeat(ID_LEN))
    }

    /// The id as text (22 base64url characters), for building a store key.
    ///
    /// ```
    /// let id = ravyn_session::SessionId::random().unwrap();
    /// let key = format!("myapp:session:{}", id.as_str());
    /// assert_eq!(key.len(), 14 + 22);
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionId({self})")
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}…", &self.0[..4.min(self.0.len())])
    }
}

/// Signs ids into cookie values and verifies them, with the primary secret then each fallback.
pub(crate) struct IdSigner {
    keys: KeyRing<hmac::Key>,
}

impl fmt::Debug for IdSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdSigner").field("keys", &self.keys.len()).finish()
    }
}

impl IdSigner {
    pub(crate) fn new(secrets: &KeyRing<&str>) -> Self {
        IdSigner { keys: secrets.map(|s| hkdf_expand(s, INFO, hmac::HMAC_SHA256)) }
    }

    /// `ID.SIG` under the primary secret.
    pub(crate) fn sign(&self, name: &str, id: &SessionId) -> String {
        let tag = hmac::sign(self.keys.primary(), &mac_input(name, id.as_str()));
        let mut value = String::with_capacity(ID_LEN + 1 + SIG_LEN);
        value.push_str(id.as_str());
        value.push('.');
        URL_SAFE_NO_PAD.encode_string(tag.as_ref(), &mut value);
        value
    }

    /// The id in a cookie value and the index of the secret that verified it (0 = primary).
    /// Checked in constant time (ring) before the id is trusted.
    pub(crate) fn verify(&self, name: &str, value: &str) -> Result<(SessionId, usize), DecodeError> {
        if value.is_empty() {
            return Err(DecodeError::Empty);
        }
        let (id, sig) = value.split_once('.').ok_or(DecodeError::Malformed("expected ID.SIG"))?;
        let base64url = |s: &str| s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if id.len() != ID_LEN || sig.len() != SIG_LEN || !base64url(id) || !base64url(sig) {
            return Err(DecodeError::Malformed("expected ID.SIG: 22 and 43 base64url characters"));
        }
        let sig = URL_SAFE_NO_PAD.decode(sig).map_err(|_| DecodeError::Malformed("signature is not base64url"))?;
        let input = mac_input(name, id);
        let key_index =
            self.keys.position(|k| hmac::verify(k, &input, &sig).is_ok()).ok_or(DecodeError::BadSignature)?;
        Ok((SessionId(id.to_owned()), key_index))
    }
}

fn mac_input(name: &str, id: &str) -> Vec<u8> {
    let mut input = Vec::with_capacity(name.len() + 1 + id.len());
    input.extend_from_slice(name.as_bytes());
    input.push(b'=');
    input.extend_from_slice(id.as_bytes());
    input
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_128_random_bits() {
        let ids: std::collections::HashSet<String> =
            (0..1000).map(|_| SessionId::random().unwrap().as_str().to_owned()).collect();
        assert_eq!(ids.len(), 1000);
        for id in &ids {
            assert_eq!(URL_SAFE_NO_PAD.decode(id).unwrap().len(), 16);
        }
    }

    #[test]
    fn sign_then_verify() {
        let signer = IdSigner::new(&KeyRing::new("primary", []));
        let id = SessionId::random().unwrap();
        let value = signer.sign("session", &id);
        assert_eq!(value.len(), 22 + 1 + 43);
        assert_eq!(signer.verify("session", &value).unwrap(), (id, 0));
    }

    #[test]
    fn rejects_tampering_other_names_and_other_secrets() {
        let signer = IdSigner::new(&KeyRing::new("primary", []));
        let id = SessionId::random().unwrap();
        let value = signer.sign("session", &id);
        assert_eq!(signer.verify("sid", &value), Err(DecodeError::BadSignature));
        assert_eq!(IdSigner::new(&KeyRing::new("other", [])).verify("session", &value), Err(DecodeError::BadSignature));
        for i in 0..value.len() {
            let mut bytes = value.clone().into_bytes();
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            let tampered = String::from_utf8(bytes).unwrap();
            assert!(signer.verify("session", &tampered).is_err(), "flipping byte {i} must invalidate");
        }
        for bad in ["", "garbage", "a.b", &format!("{value}.x"), &value[..value.len() - 1], "é"] {
            assert!(signer.verify("session", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn fallback_secrets_verify_with_their_index() {
        let old = IdSigner::new(&KeyRing::new("old", []));
        let rotated = IdSigner::new(&KeyRing::new("new", ["older", "old"]));
        let id = SessionId::random().unwrap();
        assert_eq!(rotated.verify("session", &old.sign("session", &id)).unwrap().1, 2);
    }

    #[test]
    fn display_and_debug_hide_the_id() {
        let id = SessionId::random().unwrap();
        assert_eq!(id.to_string().chars().count(), 5);
        assert!(!format!("{id:?}").contains(id.as_str()));
    }
}
