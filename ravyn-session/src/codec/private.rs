//! [`CookieFormat::Private`](crate::CookieFormat::Private): AES-256-GCM, so the client can neither
//! read nor alter the session.
//!
//! ```text
//! value     = base64url, no padding, of  VERSION || NONCE || CIPHERTEXT || TAG
//! VERSION   = 0x01 (one byte)
//! NONCE     = 12 fresh random bytes per cookie (ring SystemRandom)
//! plaintext = ISSUED (u64 big-endian) || CREATED (u64 big-endian) || compact JSON of the session
//! AAD       = VERSION || NAME                      (the cookie name, bound but not carried)
//! TAG       = the 16-byte GCM tag over AAD and CIPHERTEXT
//! K         = HKDF-SHA256(salt = "ravyn-session HKDF salt v1", ikm = secret,
//!                         info = "ravyn-session private-cookie v1 AES-256-GCM")
//! ```
//!
//! The timestamps travel inside the ciphertext, so they are authenticated and also hidden (nobody
//! learns when a user logged in); the price is that an expired cookie is only recognised after
//! decryption, which costs about as much as verifying an HMAC. Random 96-bit nonces are safe for far
//! more cookies than one key will ever issue (the GCM bound is about 2^32 messages per key).

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};

use super::{hkdf_expand, DecodeError, EncodeError, Opened, Payload};
use crate::base64url;
use crate::keyring::KeyRing;

const INFO: &[u8] = b"ravyn-session private-cookie v1 AES-256-GCM";
const VERSION: u8 = 1;
const TIMES_LEN: usize = 16;
const TAG_LEN: usize = 16;
const MIN_LEN: usize = 1 + NONCE_LEN + TIMES_LEN + TAG_LEN;
/// The base64url length of the shortest possible value (used to recognise this format).
pub(crate) const MIN_ENCODED_LEN: usize = (MIN_LEN * 4).div_ceil(3);

pub(crate) struct PrivateFormat {
    keys: KeyRing<LessSafeKey>,
    rng: SystemRandom,
}

impl fmt::Debug for PrivateFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateFormat").field("keys", &self.keys.len()).finish()
    }
}

impl PrivateFormat {
    pub(crate) fn new(secrets: &KeyRing<&str>) -> Self {
        let keys = secrets.map(|s| LessSafeKey::new(hkdf_expand::<_, UnboundKey>(s, INFO, &aead::AES_256_GCM)));
        PrivateFormat { keys, rng: SystemRandom::new() }
    }

    pub(crate) fn encode(
        &self,
        name: &str,
        json: &[u8],
        issued_at: u64,
        created_at: u64,
    ) -> Result<String, EncodeError> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng.fill(&mut nonce).map_err(|_| EncodeError::Random)?;
        let mut in_out = Vec::with_capacity(TIMES_LEN + json.len() + TAG_LEN);
        in_out.extend_from_slice(&issued_at.to_be_bytes());
        in_out.extend_from_slice(&created_at.to_be_bytes());
        in_out.extend_from_slice(json);
        self.keys
            .primary()
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(aad(name)), &mut in_out)
            .map_err(|_| EncodeError::Random)?;
        let mut blob = Vec::with_capacity(1 + NONCE_LEN + in_out.len());
        blob.push(VERSION);
        blob.extend_from_slice(&nonce);
        blob.extend_from_slice(&in_out);
        Ok(URL_SAFE_NO_PAD.encode(blob))
    }

    pub(crate) fn open(&self, name: &str, value: &str) -> Result<Opened<'static>, DecodeError> {
        let blob = base64url::decode_to_vec(value.as_bytes()).ok_or(DecodeError::Malformed("not base64url"))?;
        if blob.len() < MIN_LEN {
            return Err(DecodeError::Malformed("too short for an encrypted session"));
        }
        let (version, rest) = blob.split_at(1);
        if version != [VERSION] {
            return Err(DecodeError::Malformed("unknown private cookie version"));
        }
        let (nonce, sealed) = rest.split_at(NONCE_LEN);
        let aad = aad(name);
        for (key_index, key) in self.keys.iter().enumerate() {
            let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| DecodeError::Malformed("bad nonce"))?;
            // A failed open leaves the buffer in an unspecified state, so each key gets a fresh copy.
            let mut in_out = sealed.to_vec();
            if let Ok(plain) = key.open_in_place(nonce, Aad::from(&aad), &mut in_out) {
                let (times, json) = plain.split_at(TIMES_LEN);
                let (issued, created) = times.split_at(8);
                let (issued_at, created_at, json_len) = (be_u64(issued), be_u64(created), json.len());
                // The JSON moved to the front of the buffer it was decrypted in, not copied out.
                in_out.truncate(TIMES_LEN + json_len);
                in_out.drain(..TIMES_LEN);
                return Ok(Opened {
                    payload: Payload::Json(in_out),
                    issued_at,
                    created_at: Some(created_at),
                    key_index,
                });
            }
        }
        Err(DecodeError::BadSignature)
    }
}

fn aad(name: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(1 + name.len());
    aad.push(VERSION);
    aad.extend_from_slice(name.as_bytes());
    aad
}

fn be_u64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
}
