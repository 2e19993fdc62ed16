//! jsonwebtoken's cryptography done by ring: the workspace's one crypto library.
//!
//! jsonwebtoken (since 10) leaves the signature math to a process-wide `CryptoProvider`, and ships
//! two (aws-lc-rs, RustCrypto). Either would be a second crypto library beside the ring that
//! sessions, CSRF and ids already use, so this module is a third provider made of ring's primitives:
//! HMAC, RSASSA-PKCS1-v1_5, RSASSA-PSS, ECDSA P-256/P-384 (fixed-length signatures, as JWS wants)
//! and Ed25519. [`install`] makes it the process default the first time a `JwtManager` is built;
//! an application that installed a provider of its own before keeps it (jsonwebtoken allows one).
//!
//! Every signer and verifier checks that the key's family is the algorithm's family, so an RSA
//! public key can never be used as an HMAC secret whatever a token's header says (the manager pins
//! the algorithm anyway; this is the second lock).

use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::{new_error, Error, ErrorKind};
use jsonwebtoken::jwk::{EllipticCurve, ThumbprintHash};
use jsonwebtoken::signature::{self, Signer, Verifier};
use jsonwebtoken::{Algorithm, DecodingKey, DecodingKeyKind, EncodingKey};
use ring::rand::SystemRandom;
use ring::signature::{self as sig, KeyPair};
use ring::{digest, hmac};

/// The ring-backed provider.
pub(crate) static RING_PROVIDER: CryptoProvider = CryptoProvider {
    signer_factory: new_signer,
    verifier_factory: new_verifier,
    key_utils: KeyUtils {
        rsa_pub_components_from_private_key: rsa_components_from_private_key,
        rsa_pub_components_from_public_key: rsa_components_from_public_key,
        ec_pub_components_from_private_key: ec_components_from_private_key,
        ed_pub_components_from_private_key: ed_components_from_private_key,
        compute_digest,
    },
};

/// Makes ring jsonwebtoken's provider for this process, unless one was installed before.
pub(crate) fn install() {
    // Err means a provider is already installed (ours from an earlier manager, or the app's own
    // choice): either way jsonwebtoken has one, which is all that matters.
    let _ = CryptoProvider::install_default(&RING_PROVIDER);
}

/// Signs `msg` with `key` using ring directly (not whichever provider is installed): the start-up
/// check that a configured key fits its algorithm. `None` when it does not.
pub(crate) fn sign(alg: crate::Algorithm, key: &EncodingKey, msg: &[u8]) -> Option<Vec<u8>> {
    new_signer(&alg.to_jwt(), key).ok()?.try_sign(msg).ok()
}

/// Whether `signature` over `msg` verifies under `key`, with ring directly.
pub(crate) fn verifies(alg: crate::Algorithm, key: &DecodingKey, msg: &[u8], signature: &[u8]) -> bool {
    new_verifier(&alg.to_jwt(), key).is_ok_and(|v| v.verify(msg, &signature.to_vec()).is_ok())
}

fn invalid_key() -> Error {
    new_error(ErrorKind::InvalidKeyFormat)
}

fn hmac_algorithm(alg: Algorithm) -> Option<hmac::Algorithm> {
    match alg {
        Algorithm::HS256 => Some(hmac::HMAC_SHA256),
        Algorithm::HS384 => Some(hmac::HMAC_SHA384),
        Algorithm::HS512 => Some(hmac::HMAC_SHA512),
        _ => None,
    }
}

fn rsa_signing(alg: Algorithm) -> Option<&'static dyn sig::RsaEncoding> {
    Some(match alg {
        Algorithm::RS256 => &sig::RSA_PKCS1_SHA256,
        Algorithm::RS384 => &sig::RSA_PKCS1_SHA384,
        Algorithm::RS512 => &sig::RSA_PKCS1_SHA512,
        Algorithm::PS256 => &sig::RSA_PSS_SHA256,
        Algorithm::PS384 => &sig::RSA_PSS_SHA384,
        Algorithm::PS512 => &sig::RSA_PSS_SHA512,
        _ => return None,
    })
}

fn rsa_verification(alg: Algorithm) -> Option<&'static sig::RsaParameters> {
    Some(match alg {
        Algorithm::RS256 => &sig::RSA_PKCS1_2048_8192_SHA256,
        Algorithm::RS384 => &sig::RSA_PKCS1_2048_8192_SHA384,
        Algorithm::RS512 => &sig::RSA_PKCS1_2048_8192_SHA512,
        Algorithm::PS256 => &sig::RSA_PSS_2048_8192_SHA256,
        Algorithm::PS384 => &sig::RSA_PSS_2048_8192_SHA384,
        Algorithm::PS512 => &sig::RSA_PSS_2048_8192_SHA512,
        _ => return None,
    })
}

fn ecdsa_signing(alg: Algorithm) -> Option<&'static sig::EcdsaSigningAlgorithm> {
    match alg {
        Algorithm::ES256 => Some(&sig::ECDSA_P256_SHA256_FIXED_SIGNING),
        Algorithm::ES384 => Some(&sig::ECDSA_P384_SHA384_FIXED_SIGNING),
        _ => None,
    }
}

fn ecdsa_verification(alg: Algorithm) -> Option<&'static sig::EcdsaVerificationAlgorithm> {
    match alg {
        Algorithm::ES256 => Some(&sig::ECDSA_P256_SHA256_FIXED),
        Algorithm::ES384 => Some(&sig::ECDSA_P384_SHA384_FIXED),
        _ => None,
    }
}

enum SignerKey {
    Hmac(hmac::Key),
    Rsa(sig::RsaKeyPair, &'static dyn sig::RsaEncoding),
    Ecdsa(sig::EcdsaKeyPair),
    Ed25519(sig::Ed25519KeyPair),
}

struct RingSigner {
    alg: Algorithm,
    key: SignerKey,
}

fn new_signer(alg: &Algorithm, key: &EncodingKey) -> Result<Box<dyn JwtSigner>, Error> {
    let alg = *alg;
    if key.family() != alg.family() {
        return Err(invalid_key());
    }
    let bytes = key.as_bytes();
    let key = if let Some(hmac_alg) = hmac_algorithm(alg) {
        SignerKey::Hmac(hmac::Key::new(hmac_alg, bytes))
    } else if let Some(encoding) = rsa_signing(alg) {
        let pair = sig::RsaKeyPair::from_der(bytes).map_err(|e| new_error(ErrorKind::InvalidRsaKey(e.to_string())))?;
        SignerKey::Rsa(pair, encoding)
    } else if let Some(signing) = ecdsa_signing(alg) {
        let pair = sig::EcdsaKeyPair::from_pkcs8(signing, bytes, &SystemRandom::new())
            .map_err(|_| new_error(ErrorKind::InvalidEcdsaKey))?;
        SignerKey::Ecdsa(pair)
    } else if alg == Algorithm::EdDSA {
        // OpenSSL writes v1 PKCS#8 (no embedded public key), which `from_pkcs8` refuses.
        let pair = sig::Ed25519KeyPair::from_pkcs8_maybe_unchecked(bytes)
            .map_err(|_| new_error(ErrorKind::InvalidEddsaKey))?;
        SignerKey::Ed25519(pair)
    } else {
        return Err(new_error(ErrorKind::UnsupportedAlgorithm));
    };
    Ok(Box::new(RingSigner { alg, key }))
}

impl Signer<Vec<u8>> for RingSigner {
    fn try_sign(&self, msg: &[u8]) -> Result<Vec<u8>, signature::Error> {
        match &self.key {
            SignerKey::Hmac(key) => Ok(hmac::sign(key, msg).as_ref().to_vec()),
            SignerKey::Rsa(pair, encoding) => {
                let mut out = vec![0; pair.public().modulus_len()];
                pair.sign(*encoding, &SystemRandom::new(), msg, &mut out).map_err(|_| signature::Error::new())?;
                Ok(out)
            }
            SignerKey::Ecdsa(pair) => {
                Ok(pair.sign(&SystemRandom::new(), msg).map_err(|_| signature::Error::new())?.as_ref().to_vec())
            }
            SignerKey::Ed25519(pair) => Ok(pair.sign(msg).as_ref().to_vec()),
        }
    }
}

impl JwtSigner for RingSigner {
    fn algorithm(&self) -> Algorithm {
        self.alg
    }
}

enum VerifierKey {
    Hmac(hmac::Key),
    /// An RSA (PKCS#1 `RSAPublicKey` DER), EC (uncompressed point) or Ed25519 (32 bytes) public key.
    Public(&'static dyn sig::VerificationAlgorithm, Vec<u8>),
    RsaComponents(&'static sig::RsaParameters, Vec<u8>, Vec<u8>),
}

struct RingVerifier {
    alg: Algorithm,
    key: VerifierKey,
}

fn new_verifier(alg: &Algorithm, key: &DecodingKey) -> Result<Box<dyn JwtVerifier>, Error> {
    let alg = *alg;
    Ok(Box::new(RingVerifier { alg, key: verifier_key(alg, key)? }))
}

fn verifier_key(alg: Algorithm, key: &DecodingKey) -> Result<VerifierKey, Error> {
    if key.family() != alg.family() {
        return Err(invalid_key());
    }
    let public = |verification: &'static dyn sig::VerificationAlgorithm| -> Result<VerifierKey, Error> {
        Ok(VerifierKey::Public(verification, key.try_get_as_bytes()?.to_vec()))
    };
    Ok(if let Some(hmac_alg) = hmac_algorithm(alg) {
        VerifierKey::Hmac(hmac::Key::new(hmac_alg, key.try_get_as_bytes()?))
    } else if let Some(params) = rsa_verification(alg) {
        match key.kind() {
            DecodingKeyKind::SecretOrDer(der) => VerifierKey::Public(params, der.clone()),
            DecodingKeyKind::RsaModulusExponent { n, e } => VerifierKey::RsaComponents(params, n.clone(), e.clone()),
        }
    } else if let Some(verification) = ecdsa_verification(alg) {
        public(verification)?
    } else if alg == Algorithm::EdDSA {
        public(&sig::ED25519)?
    } else {
        return Err(new_error(ErrorKind::UnsupportedAlgorithm));
    })
}

impl VerifierKey {
    fn verifies(&self, msg: &[u8], signature: &[u8]) -> bool {
        let verified = match self {
            VerifierKey::Hmac(key) => hmac::verify(key, msg, signature),
            VerifierKey::Public(verification, der) => {
                sig::UnparsedPublicKey::new(*verification, der).verify(msg, signature)
            }
            VerifierKey::RsaComponents(params, n, e) => {
                sig::RsaPublicKeyComponents { n, e }.verify(params, msg, signature)
            }
        };
        verified.is_ok()
    }
}

impl Verifier<Vec<u8>> for RingVerifier {
    fn verify(&self, msg: &[u8], signature: &Vec<u8>) -> Result<(), signature::Error> {
        if self.key.verifies(msg, signature) {
            Ok(())
        } else {
            Err(signature::Error::new())
        }
    }
}

impl JwtVerifier for RingVerifier {
    fn algorithm(&self) -> Algorithm {
        self.alg
    }
}

/// A verifying key made ready once, at start-up (the HMAC key's padded state computed, the public
/// key's bytes copied), for the bearer hot path: verifying a token then allocates nothing and
/// goes through no provider lookup or boxed verifier, where jsonwebtoken's `decode` builds one per
/// call. The same ring primitives as the provider's verifier, through the same [`VerifierKey`].
///
/// For HMAC it also keeps the MAC's state after the header every token minted with this key
/// starts with (`minted_prefix`: the base64 header and its dot, 65 bytes for ours, so one hash
/// block): a token with that header is checked by hashing only what follows it.
pub(crate) struct PreparedVerifier {
    key: VerifierKey,
    minted_len: usize,
    minted_state: Option<hmac::Context>,
}

impl PreparedVerifier {
    /// `None` when `key` does not fit `alg` (the caller checked that at start-up already).
    pub(crate) fn new(alg: crate::Algorithm, key: &DecodingKey, minted_prefix: &[u8]) -> Option<Self> {
        let key = verifier_key(alg.to_jwt(), key).ok()?;
        let minted_state = match &key {
            VerifierKey::Hmac(hmac_key) => {
                let mut state = hmac::Context::with_key(hmac_key);
                state.update(minted_prefix);
                Some(state)
            }
            _ => None,
        };
        Some(PreparedVerifier { key, minted_len: minted_prefix.len(), minted_state })
    }

    /// Whether `signature` (raw bytes, base64 already undone) is a valid signature of `msg`.
    pub(crate) fn verifies(&self, msg: &[u8], signature: &[u8]) -> bool {
        self.key.verifies(msg, signature)
    }

    /// [`verifies`](Self::verifies) for a `msg` that starts with the `minted_prefix` given to
    /// [`new`](Self::new) (the caller compared it): the same answer, from the kept state.
    pub(crate) fn verifies_minted(&self, msg: &[u8], signature: &[u8]) -> bool {
        match (&self.minted_state, msg.get(self.minted_len..)) {
            (Some(state), Some(rest)) => {
                let mut state = state.clone();
                state.update(rest);
                constant_time_eq(state.sign().as_ref(), signature)
            }
            _ => self.verifies(msg, signature),
        }
    }
}

/// Whether `a == b`, in time that depends on their lengths only (an HMAC tag's length is the
/// algorithm's, public). What `ring::hmac::verify` does after computing the tag.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y));
    std::hint::black_box(diff) == 0
}

// JWK helpers (jsonwebtoken's `jwk` module). Ravyn does not use JWKs yet; these keep the provider
// complete for an application that does, and answer an error, never a panic, where ring lacks the
// primitive.

fn rsa_components_from_private_key(der: &[u8]) -> Result<(Vec<u8>, Vec<u8>), Error> {
    let pair = sig::RsaKeyPair::from_der(der).map_err(|e| new_error(ErrorKind::InvalidRsaKey(e.to_string())))?;
    let components = ring::rsa::PublicKeyComponents::<Vec<u8>>::from(pair.public());
    Ok((components.n, components.e))
}

fn rsa_components_from_public_key(_der: &[u8]) -> Result<(Vec<u8>, Vec<u8>), Error> {
    Err(new_error(ErrorKind::Provider("ring cannot parse a standalone RSA public key into its components".into())))
}

fn ec_components_from_private_key(der: &[u8], alg: Algorithm) -> Result<(EllipticCurve, Vec<u8>, Vec<u8>), Error> {
    let (signing, curve, coordinate_len) = match alg {
        Algorithm::ES256 => (&sig::ECDSA_P256_SHA256_FIXED_SIGNING, EllipticCurve::P256, 32),
        Algorithm::ES384 => (&sig::ECDSA_P384_SHA384_FIXED_SIGNING, EllipticCurve::P384, 48),
        _ => return Err(new_error(ErrorKind::InvalidEcdsaKey)),
    };
    let pair = sig::EcdsaKeyPair::from_pkcs8(signing, der, &SystemRandom::new())
        .map_err(|_| new_error(ErrorKind::InvalidEcdsaKey))?;
    match pair.public_key().as_ref() {
        [0x04, xy @ ..] if xy.len() == 2 * coordinate_len => {
            let (x, y) = xy.split_at(coordinate_len);
            Ok((curve, x.to_vec(), y.to_vec()))
        }
        _ => Err(new_error(ErrorKind::InvalidEcdsaKey)),
    }
}

fn ed_components_from_private_key(der: &[u8], curve: &EllipticCurve) -> Result<Vec<u8>, Error> {
    if *curve != EllipticCurve::Ed25519 {
        return Err(new_error(ErrorKind::InvalidAlgorithm));
    }
    let pair =
        sig::Ed25519KeyPair::from_pkcs8_maybe_unchecked(der).map_err(|_| new_error(ErrorKind::InvalidEddsaKey))?;
    Ok(pair.public_key().as_ref().to_vec())
}

// The signature is jsonwebtoken's `KeyUtils::compute_digest` field type.
#[allow(clippy::needless_pass_by_value)]
fn compute_digest(data: &[u8], hash: ThumbprintHash) -> Result<Vec<u8>, Error> {
    let algorithm = match hash {
        ThumbprintHash::SHA256 => &digest::SHA256,
        ThumbprintHash::SHA384 => &digest::SHA384,
        ThumbprintHash::SHA512 => &digest::SHA512,
        _ => return Err(new_error(ErrorKind::UnsupportedAlgorithm)),
    };
    Ok(digest::digest(algorithm, data).as_ref().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSA_PRIVATE: &[u8] = include_bytes!("../testdata/rsa-private.pem");
    const RSA_PUBLIC: &[u8] = include_bytes!("../testdata/rsa-public.pem");
    const EC_PRIVATE: &[u8] = include_bytes!("../testdata/ec-p256-private.pem");
    const EC_PUBLIC: &[u8] = include_bytes!("../testdata/ec-p256-public.pem");
    const ED_PRIVATE: &[u8] = include_bytes!("../testdata/ed25519-private.pem");
    const ED_PUBLIC: &[u8] = include_bytes!("../testdata/ed25519-public.pem");

    fn round_trip(alg: Algorithm, encoding: &EncodingKey, decoding: &DecodingKey) {
        let signer = new_signer(&alg, encoding).unwrap();
        let verifier = new_verifier(&alg, decoding).unwrap();
        let signature = signer.try_sign(b"header.payload").unwrap();
        assert!(verifier.verify(b"header.payload", &signature).is_ok(), "{alg:?}");
        assert!(verifier.verify(b"header.payloae", &signature).is_err(), "{alg:?} accepted another message");
    }

    #[test]
    fn every_algorithm_signs_and_verifies_with_ring() {
        let secret = [7u8; 64];
        for alg in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
            round_trip(alg, &EncodingKey::from_secret(&secret).unwrap(), &DecodingKey::from_secret(&secret).unwrap());
        }
        let (rsa_e, rsa_d) =
            (EncodingKey::from_rsa_pem(RSA_PRIVATE).unwrap(), DecodingKey::from_rsa_pem(RSA_PUBLIC).unwrap());
        for alg in
            [Algorithm::RS256, Algorithm::RS384, Algorithm::RS512, Algorithm::PS256, Algorithm::PS384, Algorithm::PS512]
        {
            round_trip(alg, &rsa_e, &rsa_d);
        }
        round_trip(
            Algorithm::ES256,
            &EncodingKey::from_ec_pem(EC_PRIVATE).unwrap(),
            &DecodingKey::from_ec_pem(EC_PUBLIC).unwrap(),
        );
        round_trip(
            Algorithm::EdDSA,
            &EncodingKey::from_ed_pem(ED_PRIVATE).unwrap(),
            &DecodingKey::from_ed_pem(ED_PUBLIC).unwrap(),
        );
    }

    #[test]
    fn a_key_of_another_family_is_refused_by_both_factories() {
        // The RSA public key's bytes as an HMAC secret: the classic HS/RS confusion.
        let rsa_public = DecodingKey::from_rsa_pem(RSA_PUBLIC).unwrap();
        assert!(new_verifier(&Algorithm::HS256, &rsa_public).is_err());
        let secret = DecodingKey::from_secret(b"0123456789abcdef0123456789abcdef").unwrap();
        assert!(new_verifier(&Algorithm::RS256, &secret).is_err());
        let ec = EncodingKey::from_ec_pem(EC_PRIVATE).unwrap();
        assert!(new_signer(&Algorithm::RS256, &ec).is_err());
        assert!(new_signer(&Algorithm::ES384, &ec).is_err(), "a P-256 key cannot sign ES384");
    }

    #[test]
    fn jwk_helpers_answer_errors_rather_than_panicking() {
        let rsa = EncodingKey::from_rsa_pem(RSA_PRIVATE).unwrap();
        let (n, e) = rsa_components_from_private_key(rsa.as_bytes()).unwrap();
        assert_eq!((n.len(), e.as_slice()), (256, &[1u8, 0, 1][..]));
        assert!(rsa_components_from_public_key(b"anything").is_err());
        let ec = EncodingKey::from_ec_pem(EC_PRIVATE).unwrap();
        let (curve, x, y) = ec_components_from_private_key(ec.as_bytes(), Algorithm::ES256).unwrap();
        assert_eq!((curve, x.len(), y.len()), (EllipticCurve::P256, 32, 32));
        let ed = EncodingKey::from_ed_pem(ED_PRIVATE).unwrap();
        assert_eq!(ed_components_from_private_key(ed.as_bytes(), &EllipticCurve::Ed25519).unwrap().len(), 32);
        assert_eq!(compute_digest(b"abc", ThumbprintHash::SHA256).unwrap().len(), 32);
    }
}
