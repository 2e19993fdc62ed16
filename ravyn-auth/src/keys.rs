//! The configured keys, checked and parsed once: the primary signs, every key verifies, each is
//! named by a [`KeyId`] that tokens carry in their `kid` header.
//!
//! The rotation rule is `ravyn_session::KeyRing`'s, shared with session cookies. A token's header
//! only ever *selects* a key from this ring by its `kid`: it never supplies one (no `jwk`, `jku`,
//! `x5u`), and the algorithm is the config's, not the header's.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{DecodingKey, EncodingKey, Header, TokenData, Validation};
use ravyn_session::KeyRing;
use ring::{digest, hmac};
use serde::de::DeserializeOwned;

use crate::algorithm::{Algorithm, KeyFamily};
use crate::bearer;
use crate::config::{JWTConfig, JWTConfigError};
use crate::crypto::{self, PreparedVerifier};
use crate::error::AuthError;
use crate::fastpath::{self, Fast};
use crate::token::Token;

/// The `kid` of a key: 12 base64url characters that fingerprint it, the same in every process
/// configured with that key (so a fleet needs no key-id setting).
///
/// For an HMAC secret it is a MAC made *with* the secret (`HMAC-SHA256(secret, "ravyn-auth kid
/// v1")`, first 9 bytes), so it reveals nothing about the secret; for an asymmetric key it is the
/// SHA-256 of the public key, first 9 bytes.
///
/// ```
/// use ravyn_auth::{JWTConfig, JwtManager};
///
/// let manager = JwtManager::new(JWTConfig::new("a-long-random-secret-of-at-least-32-bytes"))?;
/// let kid = manager.key_ids().next().unwrap();
/// assert_eq!(kid.as_str().len(), 12);
/// # Ok::<(), ravyn_auth::JWTConfigError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct KeyId(String);

impl KeyId {
    /// The id as it appears in the `kid` header.
    ///
    /// ```
    /// # use ravyn_auth::{JWTConfig, JwtManager};
    /// let manager = JwtManager::new(JWTConfig::new("a-long-random-secret-of-at-least-32-bytes"))?;
    /// assert!(manager.key_ids().all(|k| k.as_str().bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')));
    /// # Ok::<(), ravyn_auth::JWTConfigError>(())
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn of_secret(secret: &[u8]) -> KeyId {
        let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, secret), b"ravyn-auth kid v1");
        KeyId(URL_SAFE_NO_PAD.encode(&tag.as_ref()[..9]))
    }

    fn of_public_key(public: &[u8]) -> KeyId {
        KeyId(URL_SAFE_NO_PAD.encode(&digest::digest(&digest::SHA256, public).as_ref()[..9]))
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("KeyId").field(&self.0).finish()
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub(crate) struct VerifyKey {
    pub(crate) kid: KeyId,
    /// What jsonwebtoken's `decode` takes (the reference path).
    decoding: DecodingKey,
    /// The same key made ready for ring once (the fast path).
    pub(crate) verifier: PreparedVerifier,
    /// The base64url header of the tokens minted with this key (`{"typ":"JWT","alg":..,"kid":..}`,
    /// as `Keys::encode` writes it) and the dot after it: a token starting with it needs no header
    /// decoding, and its HMAC starts from a kept state (`PreparedVerifier::verifies_minted`).
    pub(crate) minted_prefix: String,
}

impl VerifyKey {
    fn new(alg: Algorithm, kid: KeyId, decoding: DecodingKey) -> Result<VerifyKey, String> {
        let mut header = Header::new(alg.to_jwt());
        header.kid = Some(kid.0.clone());
        let json = serde_json::to_vec(&header).map_err(|_| "header did not serialize")?;
        let minted_prefix = format!("{}.", URL_SAFE_NO_PAD.encode(json));
        let verifier =
            PreparedVerifier::new(alg, &decoding, minted_prefix.as_bytes()).ok_or("does not fit the algorithm")?;
        Ok(VerifyKey { kid, decoding, verifier, minted_prefix })
    }
}

/// The keys and the fixed parts of encoding and verifying, built once per manager.
pub(crate) struct Keys {
    /// The primary's private key or secret: the only key that signs.
    encoding: EncodingKey,
    /// `{"typ":"JWT","alg":<pinned>,"kid":<primary>}`, the header of every token made.
    header: Header,
    pub(crate) ring: KeyRing<VerifyKey>,
    /// jsonwebtoken's checks: the pinned algorithm, `exp` present and numeric, `iss`/`aud` when
    /// configured (and no `aud` when not), type-confused `sub`/`iss`/`aud` refused. Times are
    /// checked by the manager with its clock, so jsonwebtoken's own (system-clock) checks are off.
    validation: Validation,
    /// The pinned algorithm, and the `iss`/`aud` required when configured: what the fast path
    /// (`fastpath`) checks, the same rules as `validation`.
    pub(crate) alg: Algorithm,
    pub(crate) issuer: Option<String>,
    pub(crate) audience: Option<String>,
}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keys")
            .field("algorithm", &self.header.alg)
            .field("kids", &self.ring.iter().map(|k| k.kid.as_str()).collect::<Vec<_>>())
            .finish()
    }
}

impl Keys {
    /// Checks and parses the config's keys; the error names `signing_key`, `verifying_key` or
    /// `fallback_keys`.
    pub(crate) fn new(config: &JWTConfig) -> Result<Keys, JWTConfigError> {
        crypto::install();
        let alg = config.get_algorithm();
        let signing = config.get_signing_key();
        if signing.is_empty() {
            return Err(JWTConfigError::new("signing_key", "must not be empty"));
        }
        let (encoding, primary) = if alg.is_asymmetric() {
            asymmetric_primary(config)?
        } else {
            if config.get_verifying_key().is_some() {
                return Err(JWTConfigError::new(
                    "verifying_key",
                    format!("is only used by asymmetric algorithms (RS/PS/ES/EdDSA); with {alg} the signing_key verifies too"),
                ));
            }
            check_secret_len(alg, signing).map_err(|r| JWTConfigError::new("signing_key", r))?;
            let encoding = EncodingKey::from_secret(signing.as_bytes())
                .map_err(|_| JWTConfigError::new("signing_key", "could not be used as an HMAC key"))?;
            (encoding, hmac_verify_key(alg, signing).map_err(|r| JWTConfigError::new("signing_key", r))?)
        };
        let fallbacks = config
            .get_fallback_keys()
            .iter()
            .enumerate()
            .map(|(i, key)| {
                fallback_key(alg, key).map_err(|r| JWTConfigError::new("fallback_keys", format!("key #{i} {r}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let ring = KeyRing::new(primary, fallbacks);
        if let Some(kid) = duplicate_kid(&ring) {
            return Err(JWTConfigError::new(
                "fallback_keys",
                format!("holds the same key twice, or the signing key again (key id {kid})"),
            ));
        }

        let mut header = Header::new(alg.to_jwt());
        header.kid = Some(ring.primary().kid.0.clone());
        let mut validation = Validation::new(alg.to_jwt());
        validation.leeway = 0;
        validation.validate_exp = false;
        validation.validate_nbf = false;
        let mut required = vec!["exp"];
        if let Some(issuer) = config.get_issuer() {
            validation.set_issuer(&[issuer]);
            required.push("iss");
        }
        if let Some(audience) = config.get_audience() {
            validation.set_audience(&[audience]);
            required.push("aud");
        }
        validation.set_required_spec_claims(&required);
        let issuer = config.get_issuer().map(str::to_owned);
        let audience = config.get_audience().map(str::to_owned);
        Ok(Keys { encoding, header, ring, validation, alg, issuer, audience })
    }

    /// Signs `claims` with the primary key.
    pub(crate) fn encode<T: serde::Serialize>(&self, claims: &T) -> Result<String, AuthError> {
        jsonwebtoken::encode(&self.header, claims, &self.encoding).map_err(|error| {
            tracing::error!(%error, "could not sign a token");
            AuthError::internal("signing a token failed")
        })
    }

    /// Verifies the signature (pinned algorithm, key chosen by `kid` from the ring) and the claims
    /// jsonwebtoken checks, and deserializes the claims. Times are left to the caller.
    ///
    /// The fast path decides whatever it models, exactly as [`decode_reference`](Self::decode_reference)
    /// would (see `fastpath`); anything else goes to the reference.
    pub(crate) fn decode<C: DeserializeOwned>(&self, token: &str) -> Result<Token<C>, AuthError> {
        match fastpath::decode(self, token.as_bytes()) {
            Fast::Done(result) => result,
            Fast::Defer => self.decode_reference(token),
        }
    }

    /// [`decode`](Self::decode) of the bytes `bearer::token_bytes` found, answering what
    /// `bearer_token` then `decode` answer. The fast path verifies bytes; a token it accepts is
    /// base64url and dots only, so the `b64token` check (about 750 instructions on a 281-byte
    /// token under callgrind, with the UTF-8 check after it) runs only on the other answers.
    pub(crate) fn decode_bearer<C: DeserializeOwned>(&self, token: &[u8]) -> Result<Token<C>, AuthError> {
        match fastpath::decode(self, token) {
            Fast::Done(Ok(claims)) => Ok(claims),
            Fast::Done(Err(error)) => {
                bearer::checked(token)?;
                Err(error)
            }
            Fast::Defer => self.decode_reference(bearer::checked(token)?),
        }
    }

    /// [`decode`](Self::decode) by jsonwebtoken's `decode` alone: the reference the fast path is
    /// tested against, and the path of tokens the fast one does not model.
    pub(crate) fn decode_reference<T: DeserializeOwned>(&self, token: &str) -> Result<T, AuthError> {
        if self.ring.len() == 1 {
            // One key: verify first, then refuse a `kid` that names another key. Saves parsing
            // the header twice on the common path.
            let key = self.ring.primary();
            let data = self.decode_with::<T>(token, key)?;
            return match data.header.kid {
                Some(kid) if kid != key.kid.0 => Err(AuthError::invalid_token("unknown kid")),
                _ => Ok(data.claims),
            };
        }
        let header = jsonwebtoken::decode_header(token).map_err(|e| map_decode_error(&e))?;
        match header.kid {
            Some(kid) => match self.ring.iter().find(|k| k.kid.0 == kid) {
                Some(key) => Ok(self.decode_with::<T>(token, key)?.claims),
                None => Err(AuthError::invalid_token("unknown kid")),
            },
            // No kid (tokens from Python Ravyn, or made before rotation support): every key in
            // ring order, as session cookies are checked. Only a bad signature moves on.
            None => {
                for key in &self.ring {
                    match jsonwebtoken::decode::<T>(token, &key.decoding, &self.validation) {
                        Ok(data) => return Ok(data.claims),
                        Err(e) if matches!(e.kind(), ErrorKind::InvalidSignature) => continue,
                        Err(e) => return Err(map_decode_error(&e)),
                    }
                }
                Err(AuthError::invalid_token("bad signature"))
            }
        }
    }

    fn decode_with<T: DeserializeOwned>(&self, token: &str, key: &VerifyKey) -> Result<TokenData<T>, AuthError> {
        jsonwebtoken::decode::<T>(token, &key.decoding, &self.validation).map_err(|e| map_decode_error(&e))
    }
}

/// Every decode failure is the client's bad token (401), whatever jsonwebtoken calls it: keys were
/// checked at start-up, so nothing here is the server's fault. The cause is only for the log.
fn map_decode_error(error: &jsonwebtoken::errors::Error) -> AuthError {
    AuthError::invalid_token(match error.kind() {
        ErrorKind::InvalidSignature => "bad signature",
        ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName | ErrorKind::UnsupportedAlgorithm => {
            "algorithm not allowed"
        }
        ErrorKind::MissingRequiredClaim(_) => "a required claim is missing or not of its type",
        ErrorKind::InvalidClaimFormat(_) => "a claim is not of its type",
        ErrorKind::InvalidIssuer => "issuer mismatch",
        ErrorKind::InvalidAudience => "audience mismatch",
        ErrorKind::Json(_) => "header or claims do not have the expected shape or types",
        ErrorKind::Base64(_) | ErrorKind::Utf8(_) | ErrorKind::InvalidToken => "malformed token",
        _ => "token refused",
    })
}

fn check_secret_len(alg: Algorithm, secret: &str) -> Result<(), String> {
    let min = alg.min_secret_len().unwrap_or(0);
    if secret.len() < min {
        return Err(format!(
            "is {} bytes; {alg} needs at least {min} (RFC 7518 §3.2): use a random secret, e.g. {min} random bytes base64-encoded",
            secret.len()
        ));
    }
    Ok(())
}

fn hmac_verify_key(alg: Algorithm, secret: &str) -> Result<VerifyKey, String> {
    let decoding = DecodingKey::from_secret(secret.as_bytes()).map_err(|_| "could not be used as an HMAC key")?;
    VerifyKey::new(alg, KeyId::of_secret(secret.as_bytes()), decoding)
}

fn family_name(alg: Algorithm) -> &'static str {
    match alg.family() {
        KeyFamily::Rsa => "an RSA",
        KeyFamily::Ec if alg == Algorithm::ES384 => "a P-384 EC",
        KeyFamily::Ec => "a P-256 EC",
        _ => "an Ed25519",
    }
}

fn parse_private(alg: Algorithm, pem: &str) -> Option<EncodingKey> {
    match alg.family() {
        KeyFamily::Rsa => EncodingKey::from_rsa_pem(pem.as_bytes()).ok(),
        KeyFamily::Ec => EncodingKey::from_ec_pem(pem.as_bytes()).ok(),
        KeyFamily::Ed => EncodingKey::from_ed_pem(pem.as_bytes()).ok(),
        KeyFamily::Hmac => None,
    }
}

/// A public key of `alg`'s kind and size, or why not.
fn parse_public(alg: Algorithm, pem: &str) -> Result<DecodingKey, String> {
    let expected = family_name(alg);
    let parsed = match alg.family() {
        KeyFamily::Rsa => DecodingKey::from_rsa_pem(pem.as_bytes()),
        KeyFamily::Ec => DecodingKey::from_ec_pem(pem.as_bytes()),
        KeyFamily::Ed => DecodingKey::from_ed_pem(pem.as_bytes()),
        KeyFamily::Hmac => return Err("is not a public key".into()),
    };
    let key = parsed.map_err(|_| format!("is not a PEM public key ({expected} key, which {alg} needs)"))?;
    // A public key's length tells its curve; RSA sizes are checked by ring when verifying.
    let expected_len = match alg {
        Algorithm::ES256 => Some(65),
        Algorithm::ES384 => Some(97),
        Algorithm::EdDSA => Some(32),
        _ => None,
    };
    if let (Some(len), Ok(bytes)) = (expected_len, key.try_get_as_bytes()) {
        if bytes.len() != len {
            return Err(format!("is not {expected} public key, which {alg} needs"));
        }
    }
    Ok(key)
}

fn asymmetric_primary(config: &JWTConfig) -> Result<(EncodingKey, VerifyKey), JWTConfigError> {
    let alg = config.get_algorithm();
    let expected = family_name(alg);
    let encoding = parse_private(alg, config.get_signing_key()).ok_or_else(|| {
        JWTConfigError::new(
            "signing_key",
            format!("is not a PEM private key ({expected} key in a `PRIVATE KEY` block, which {alg} needs)"),
        )
    })?;
    // Sign a probe with the private key and verify it with the public one: this catches a key of
    // the wrong size or curve (a P-384 key for ES256, RSA under 2048 bits) and a verifying key
    // that is not the signing key's other half, at start-up rather than on the first login.
    let probe = b"ravyn-auth key check";
    let signature = crypto::sign(alg, &encoding, probe)
        .ok_or_else(|| JWTConfigError::new("signing_key", format!("does not fit {alg} (wrong key size or curve)")))?;
    let Some(verifying) = config.get_verifying_key() else {
        return Err(JWTConfigError::new(
            "verifying_key",
            format!("is required with {alg}: the PEM public key that goes with signing_key"),
        ));
    };
    let decoding = parse_public(alg, verifying).map_err(|r| JWTConfigError::new("verifying_key", r))?;
    if !crypto::verifies(alg, &decoding, probe, &signature) {
        return Err(JWTConfigError::new(
            "verifying_key",
            "does not verify what signing_key signs: it is not the public half of signing_key",
        ));
    }
    let kid = KeyId::of_public_key(decoding.try_get_as_bytes().unwrap_or_default());
    let key = VerifyKey::new(alg, kid, decoding).map_err(|r| JWTConfigError::new("verifying_key", r))?;
    Ok((encoding, key))
}

fn fallback_key(alg: Algorithm, key: &str) -> Result<VerifyKey, String> {
    if alg.is_asymmetric() {
        let decoding = parse_public(alg, key)?;
        let kid = KeyId::of_public_key(decoding.try_get_as_bytes().unwrap_or_default());
        return VerifyKey::new(alg, kid, decoding);
    }
    if key.is_empty() {
        return Err("must not be empty".into());
    }
    check_secret_len(alg, key)?;
    hmac_verify_key(alg, key)
}

fn duplicate_kid(ring: &KeyRing<VerifyKey>) -> Option<&KeyId> {
    let keys: Vec<&VerifyKey> = ring.iter().collect();
    keys.iter().enumerate().find(|(i, k)| keys[..*i].iter().any(|o| o.kid == k.kid)).map(|(_, k)| &k.kid)
}
