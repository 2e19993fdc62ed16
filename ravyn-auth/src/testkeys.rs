//! The PEM key pairs under `testdata/`, for the unit tests and the differential test.

pub(crate) const RSA_PRIVATE: &str = include_str!("../testdata/rsa-private.pem");
pub(crate) const RSA_PUBLIC: &str = include_str!("../testdata/rsa-public.pem");
pub(crate) const RSA2_PRIVATE: &str = include_str!("../testdata/rsa2-private.pem");
pub(crate) const RSA2_PUBLIC: &str = include_str!("../testdata/rsa2-public.pem");
pub(crate) const EC_PRIVATE: &str = include_str!("../testdata/ec-p256-private.pem");
pub(crate) const EC_PUBLIC: &str = include_str!("../testdata/ec-p256-public.pem");
pub(crate) const EC384_PRIVATE: &str = include_str!("../testdata/ec-p384-private.pem");
pub(crate) const EC384_PUBLIC: &str = include_str!("../testdata/ec-p384-public.pem");
pub(crate) const ED_PRIVATE: &str = include_str!("../testdata/ed25519-private.pem");
pub(crate) const ED_PUBLIC: &str = include_str!("../testdata/ed25519-public.pem");
pub(crate) const ED2_PRIVATE: &str = include_str!("../testdata/ed25519b-private.pem");
pub(crate) const ED2_PUBLIC: &str = include_str!("../testdata/ed25519b-public.pem");
