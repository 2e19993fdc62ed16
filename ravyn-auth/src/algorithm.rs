//! [`Algorithm`]: the signature algorithms a [`JWTConfig`](crate::JWTConfig) can pin.

use std::fmt;
use std::str::FromStr;

/// A JWS signature algorithm (RFC 7518). The config pins exactly one: a token whose `alg` header
/// names another (or `none`) is refused before any key is used.
///
/// Parses from its JOSE name, case-insensitively (`"HS256"`, `"rs256"`, `"EdDSA"`), for configs
/// read from the environment; displays the JOSE spelling.
///
/// ```
/// use ravyn_auth::Algorithm;
///
/// assert_eq!(Algorithm::default(), Algorithm::HS256);
/// assert_eq!("es256".parse::<Algorithm>().unwrap(), Algorithm::ES256);
/// assert_eq!(Algorithm::EdDSA.to_string(), "EdDSA");
/// assert!("none".parse::<Algorithm>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[allow(clippy::upper_case_acronyms)]
#[non_exhaustive]
pub enum Algorithm {
    /// HMAC with SHA-256 (the default, as in Ravyn). Key: a secret of at least 32 bytes.
    #[default]
    HS256,
    /// HMAC with SHA-384. Key: a secret of at least 48 bytes.
    HS384,
    /// HMAC with SHA-512. Key: a secret of at least 64 bytes.
    HS512,
    /// RSASSA-PKCS1-v1_5 with SHA-256. Keys: RSA (2048 to 4096 bits) PEM.
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RS512,
    /// RSASSA-PSS with SHA-256.
    PS256,
    /// RSASSA-PSS with SHA-384.
    PS384,
    /// RSASSA-PSS with SHA-512.
    PS512,
    /// ECDSA on P-256 with SHA-256. Keys: P-256 PEM (PKCS#8 private key).
    ES256,
    /// ECDSA on P-384 with SHA-384. Keys: P-384 PEM (PKCS#8 private key).
    ES384,
    /// Ed25519. Keys: Ed25519 PEM (PKCS#8 private key).
    EdDSA,
}

/// The kind of key an [`Algorithm`] takes.
///
/// ```
/// use ravyn_auth::{Algorithm, KeyFamily};
/// assert_eq!(Algorithm::PS256.family(), KeyFamily::Rsa);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyFamily {
    /// A shared secret: the same key signs and verifies.
    Hmac,
    /// An RSA key pair.
    Rsa,
    /// An elliptic-curve (NIST P-curve) key pair.
    Ec,
    /// An Edwards-curve (Ed25519) key pair.
    Ed,
}

/// Every algorithm, in the order of the JOSE registry (HMAC, RSA, RSA-PSS, ECDSA, EdDSA).
pub(crate) const ALL: [Algorithm; 12] = [
    Algorithm::HS256,
    Algorithm::HS384,
    Algorithm::HS512,
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

impl Algorithm {
    /// The JOSE name, as it appears in a token's `alg` header.
    ///
    /// ```
    /// assert_eq!(ravyn_auth::Algorithm::HS512.as_str(), "HS512");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::HS256 => "HS256",
            Algorithm::HS384 => "HS384",
            Algorithm::HS512 => "HS512",
            Algorithm::RS256 => "RS256",
            Algorithm::RS384 => "RS384",
            Algorithm::RS512 => "RS512",
            Algorithm::PS256 => "PS256",
            Algorithm::PS384 => "PS384",
            Algorithm::PS512 => "PS512",
            Algorithm::ES256 => "ES256",
            Algorithm::ES384 => "ES384",
            Algorithm::EdDSA => "EdDSA",
        }
    }

    /// The kind of key this algorithm takes.
    ///
    /// ```
    /// use ravyn_auth::{Algorithm, KeyFamily};
    /// assert_eq!(Algorithm::HS256.family(), KeyFamily::Hmac);
    /// assert_eq!(Algorithm::EdDSA.family(), KeyFamily::Ed);
    /// ```
    pub fn family(self) -> KeyFamily {
        match self {
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => KeyFamily::Hmac,
            Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512 => KeyFamily::Rsa,
            Algorithm::ES256 | Algorithm::ES384 => KeyFamily::Ec,
            Algorithm::EdDSA => KeyFamily::Ed,
        }
    }

    /// Whether tokens are signed with a private key and verified with a public one (every family
    /// but HMAC): such configs need a `verifying_key`.
    ///
    /// ```
    /// use ravyn_auth::Algorithm;
    /// assert!(Algorithm::RS256.is_asymmetric());
    /// assert!(!Algorithm::HS256.is_asymmetric());
    /// ```
    pub fn is_asymmetric(self) -> bool {
        self.family() != KeyFamily::Hmac
    }

    /// The shortest HMAC secret accepted, in bytes: the size of the hash output, as RFC 7518 §3.2
    /// requires (32 for HS256, 48 for HS384, 64 for HS512). `None` for asymmetric algorithms.
    ///
    /// ```
    /// use ravyn_auth::Algorithm;
    /// assert_eq!(Algorithm::HS256.min_secret_len(), Some(32));
    /// assert_eq!(Algorithm::ES256.min_secret_len(), None);
    /// ```
    pub fn min_secret_len(self) -> Option<usize> {
        match self {
            Algorithm::HS256 => Some(32),
            Algorithm::HS384 => Some(48),
            Algorithm::HS512 => Some(64),
            _ => None,
        }
    }

    pub(crate) fn to_jwt(self) -> jsonwebtoken::Algorithm {
        match self {
            Algorithm::HS256 => jsonwebtoken::Algorithm::HS256,
            Algorithm::HS384 => jsonwebtoken::Algorithm::HS384,
            Algorithm::HS512 => jsonwebtoken::Algorithm::HS512,
            Algorithm::RS256 => jsonwebtoken::Algorithm::RS256,
            Algorithm::RS384 => jsonwebtoken::Algorithm::RS384,
            Algorithm::RS512 => jsonwebtoken::Algorithm::RS512,
            Algorithm::PS256 => jsonwebtoken::Algorithm::PS256,
            Algorithm::PS384 => jsonwebtoken::Algorithm::PS384,
            Algorithm::PS512 => jsonwebtoken::Algorithm::PS512,
            Algorithm::ES256 => jsonwebtoken::Algorithm::ES256,
            Algorithm::ES384 => jsonwebtoken::Algorithm::ES384,
            Algorithm::EdDSA => jsonwebtoken::Algorithm::EdDSA,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing an [`Algorithm`] from a name that is not a supported JOSE algorithm
/// (`none` included: it is never supported).
///
/// ```
/// let err = "HS1".parse::<ravyn_auth::Algorithm>().unwrap_err();
/// assert!(err.to_string().contains("HS1"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unsupported algorithm {0:?}: expected one of HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA"
)]
pub struct ParseAlgorithmError(String);

impl FromStr for Algorithm {
    type Err = ParseAlgorithmError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let name = s.trim();
        ALL.into_iter().find(|a| a.as_str().eq_ignore_ascii_case(name)).ok_or_else(|| ParseAlgorithmError(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_algorithm_round_trips_through_its_name_and_maps_to_the_same_jose_name() {
        for alg in ALL {
            assert_eq!(alg.as_str().parse::<Algorithm>().unwrap(), alg);
            assert_eq!(alg.as_str().to_lowercase().parse::<Algorithm>().unwrap(), alg);
            assert_eq!(format!("{:?}", alg.to_jwt()), alg.as_str());
            assert_eq!(alg.to_jwt().family() == jsonwebtoken::AlgorithmFamily::Hmac, !alg.is_asymmetric());
        }
        assert!("none".parse::<Algorithm>().is_err());
        assert!("".parse::<Algorithm>().is_err());
    }
}
