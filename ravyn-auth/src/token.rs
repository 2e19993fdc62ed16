//! [`Token`]: Ravyn's claims plus the application's own, typed; [`TokenPair`]: what a login or a
//! refresh answers.
//!
//! A token's JSON is Python Ravyn's (`exp`, `iat`, `sub`, and `iss`/`aud`/`jti` when set) plus
//! `token_type` (`"access"` or `"refresh"`, django-simplejwt's claim) and, for tokens issued as a
//! pair, `fam` (the refresh family id). The application's claims sit beside them at the top level:
//!
//! ```text
//! {"exp":1700000300,"iat":1700000000,"sub":"1","jti":"…","token_type":"access","fam":"…","role":"admin"}
//! ```
//!
//! Python Ravyn's tokens have no `token_type`; they count as access tokens, never as refresh
//! tokens.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// Access or refresh: explicit typing (RFC 8725 §3.11), so one can never pass for the other.
///
/// Serialized as `"access"` / `"refresh"` in the `token_type` claim; a token without the claim
/// (as Python Ravyn mints them) is an access token; any other value makes the token invalid.
///
/// ```
/// use ravyn_auth::TokenType;
/// assert_eq!(TokenType::default(), TokenType::Access);
/// assert_eq!(serde_json::to_string(&TokenType::Refresh).unwrap(), r#""refresh""#);
/// assert!(serde_json::from_str::<TokenType>(r#""id""#).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenType {
    /// Sent as a bearer token on requests.
    #[default]
    Access,
    /// Exchanged, once, for a new pair.
    Refresh,
}

impl TokenType {
    /// `"access"` or `"refresh"`.
    ///
    /// ```
    /// assert_eq!(ravyn_auth::TokenType::Access.as_str(), "access");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            TokenType::Access => "access",
            TokenType::Refresh => "refresh",
        }
    }
}

/// No application claims: `Token<NoClaims>` (the default) carries Ravyn's claims only. Any extra
/// claims in a token are ignored.
///
/// ```
/// use ravyn_auth::{NoClaims, Token};
/// let token: Token = serde_json::from_str(r#"{"exp":1,"role":"admin"}"#).unwrap();
/// assert_eq!(token.claims, NoClaims {});
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NoClaims {}

/// The `aud` claim: one audience (a string, as Python Ravyn writes it) or several (an array).
///
/// ```
/// use ravyn_auth::Audience;
///
/// let one: Audience = serde_json::from_str(r#""api""#).unwrap();
/// let many: Audience = serde_json::from_str(r#"["web","api"]"#).unwrap();
/// assert!(one.contains("api") && many.contains("api") && !many.contains("admin"));
/// assert_eq!(serde_json::to_string(&one).unwrap(), r#""api""#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// `"aud": "api"`.
    One(String),
    /// `"aud": ["web", "api"]`.
    Many(Vec<String>),
}

impl Audience {
    /// Whether `audience` is (one of) the token's audience(s).
    ///
    /// ```
    /// assert!(ravyn_auth::Audience::One("api".into()).contains("api"));
    /// ```
    pub fn contains(&self, audience: &str) -> bool {
        match self {
            Audience::One(a) => a == audience,
            Audience::Many(all) => all.iter().any(|a| a == audience),
        }
    }
}

impl Serialize for Audience {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Audience::One(a) => serializer.serialize_str(a),
            Audience::Many(all) => all.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Audience {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AudienceVisitor;
        impl<'de> Visitor<'de> for AudienceVisitor {
            type Value = Audience;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or an array of strings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Audience, E> {
                Ok(Audience::One(v.to_owned()))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Audience, A::Error> {
                let mut all = Vec::new();
                while let Some(a) = seq.next_element::<String>()? {
                    all.push(a);
                }
                Ok(Audience::Many(all))
            }
        }
        deserializer.deserialize_any(AudienceVisitor)
    }
}

/// A verified token's claims: Ravyn's registered claims, its type and refresh family, and the
/// application's own claims `C` (any serde type whose fields sit at the top level of the JSON).
///
/// Made by [`JwtManager::issue_pair`](crate::JwtManager::issue_pair) /
/// [`issue_access`](crate::JwtManager::issue_access), read back by
/// [`verify_access`](crate::JwtManager::verify_access) and friends. A claim of the wrong type
/// (`"exp":"never"`, `"sub":42`, an application claim that does not deserialize into `C`) makes
/// the token invalid (401), never a server error. Times are whole seconds since the Unix epoch;
/// a fractional `exp` (RFC 7519 allows it) is rounded down, a fractional `nbf` up.
///
/// `C` must not use `#[serde(deny_unknown_fields)]` (the registered claims are beside its
/// fields) and should not name a field after a registered claim.
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use ravyn_auth::{Token, TokenType};
///
/// #[derive(Debug, Serialize, Deserialize, PartialEq)]
/// struct AppClaims { role: String }
///
/// let json = r#"{"exp":1700000300,"iat":1700000000,"sub":"1","role":"admin"}"#;
/// let token: Token<AppClaims> = serde_json::from_str(json).unwrap();
/// assert_eq!(token.sub.as_deref(), Some("1"));
/// assert_eq!(token.token_type, TokenType::Access); // no token_type: an access token, as Python Ravyn's
/// assert_eq!(token.claims.role, "admin");
/// assert!(serde_json::from_str::<Token<AppClaims>>(r#"{"exp":"never","role":"x"}"#).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Token<C = NoClaims> {
    /// Expiry: the token is refused from `exp + leeway` on. Required.
    #[serde(with = "numeric_date::floor")]
    pub exp: u64,
    /// Issue time.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "numeric_date::option_floor")]
    pub iat: Option<u64>,
    /// Not-before: the token is refused until `nbf - leeway`, when present.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "numeric_date::option_ceil")]
    pub nbf: Option<u64>,
    /// Subject: the user id, as a string (Python Ravyn turns integer ids into strings too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// Issuer; required and checked when the config sets `issuer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// Audience(s); required and checked when the config sets `audience`, refused otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<Audience>,
    /// Token id: what revocation keys on. Every token this crate makes has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    /// Access or refresh; absent means access.
    #[serde(default)]
    pub token_type: TokenType,
    /// Refresh family: shared by a login's tokens and every pair refreshed from them, so reuse
    /// detection and logout can revoke them all at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fam: Option<String>,
    /// The application's own claims.
    #[serde(flatten)]
    pub claims: C,
}

/// What a login or a refresh answers, as OAuth 2 spells it (RFC 6749 §5.1) and the issue's example
/// shows: `{"access_token","refresh_token","token_type":"bearer","expires_in":<seconds>}`.
///
/// ```
/// use ravyn_auth::{JWTConfig, JwtManager, NoClaims};
///
/// let jwt = JwtManager::new(JWTConfig::new("a-long-random-secret-of-at-least-32-bytes"))?;
/// let pair = jwt.issue_pair("1", &NoClaims {})?;
/// let json = serde_json::to_value(&pair).unwrap();
/// assert_eq!(json["token_type"], "bearer");
/// assert_eq!(json["expires_in"], 300);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct TokenPair {
    /// The access token, sent as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// The refresh token, exchanged once for a new pair.
    pub refresh_token: String,
    /// Always `"bearer"`.
    pub token_type: String,
    /// The access token's lifetime in seconds.
    pub expires_in: u64,
}

/// RFC 7519 NumericDate: a JSON number of seconds, integer or not, never negative or a string.
mod numeric_date {
    use super::*;

    struct NumericDate {
        round_up: bool,
    }

    impl<'de> Visitor<'de> for NumericDate {
        type Value = u64;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a NumericDate (non-negative number of seconds)")
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
            Ok(v)
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
            u64::try_from(v).map_err(|_| E::custom("negative NumericDate"))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<u64, E> {
            let v = if self.round_up { v.ceil() } else { v.floor() };
            // 2^64 as f64; `as` saturates, so the bound keeps it exact.
            if v.is_finite() && (0.0..18_446_744_073_709_551_616.0).contains(&v) {
                Ok(v as u64)
            } else {
                Err(E::custom("NumericDate out of range"))
            }
        }
    }

    pub(super) mod floor {
        use super::*;
        pub(crate) fn serialize<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_u64(*v)
        }
        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
            d.deserialize_any(NumericDate { round_up: false })
        }
    }

    fn option<'de, D: Deserializer<'de>>(d: D, round_up: bool) -> Result<Option<u64>, D::Error> {
        struct Opt(bool);
        impl<'de> Visitor<'de> for Opt {
            type Value = Option<u64>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a NumericDate or null")
            }
            fn visit_none<E: de::Error>(self) -> Result<Option<u64>, E> {
                Ok(None)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Option<u64>, E> {
                Ok(None)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<u64>, D::Error> {
                d.deserialize_any(NumericDate { round_up: self.0 }).map(Some)
            }
        }
        d.deserialize_option(Opt(round_up))
    }

    #[allow(clippy::ref_option)] // serde's `with` hands the field by reference
    fn serialize_option<S: Serializer>(v: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_u64(*v),
            None => s.serialize_none(),
        }
    }

    pub(super) mod option_floor {
        use super::*;
        #[allow(clippy::ref_option)]
        pub(crate) fn serialize<S: Serializer>(v: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
            serialize_option(v, s)
        }
        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
            option(d, false)
        }
    }

    pub(super) mod option_ceil {
        use super::*;
        #[allow(clippy::ref_option)]
        pub(crate) fn serialize<S: Serializer>(v: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
            serialize_option(v, s)
        }
        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
            option(d, true)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Token, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn numeric_dates_accept_numbers_and_refuse_everything_else() {
        assert_eq!(parse(r#"{"exp":10}"#).unwrap().exp, 10);
        assert_eq!(parse(r#"{"exp":10.9}"#).unwrap().exp, 10, "exp rounds down");
        assert_eq!(parse(r#"{"exp":10,"nbf":10.1}"#).unwrap().nbf, Some(11), "nbf rounds up");
        assert_eq!(parse(r#"{"exp":10,"iat":null}"#).unwrap().iat, None);
        for bad in [
            r#"{"exp":"never"}"#,
            r#"{"exp":-1}"#,
            r#"{"exp":1e30}"#,
            r#"{"exp":null}"#,
            r#"{"exp":true}"#,
            r#"{}"#,
            r#"{"exp":1,"nbf":"99999999999"}"#,
            r#"{"exp":1,"iat":[1]}"#,
            r#"{"exp":1,"sub":42}"#,
            r#"{"exp":1,"aud":7}"#,
            r#"{"exp":1,"aud":["a",1]}"#,
            r#"{"exp":1,"token_type":"id"}"#,
            r#"{"exp":1,"token_type":null}"#,
            r#"{"exp":1,"jti":{}}"#,
        ] {
            assert!(parse(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn serializes_only_what_is_set_and_reads_back_the_same() {
        let token = Token {
            exp: 2,
            iat: Some(1),
            nbf: None,
            sub: Some("7".into()),
            iss: None,
            aud: Some(Audience::Many(vec!["a".into(), "b".into()])),
            jti: Some("j".into()),
            token_type: TokenType::Refresh,
            fam: Some("f".into()),
            claims: NoClaims {},
        };
        let json = serde_json::to_string(&token).unwrap();
        assert_eq!(json, r#"{"exp":2,"iat":1,"sub":"7","aud":["a","b"],"jti":"j","token_type":"refresh","fam":"f"}"#);
        assert_eq!(parse(&json).unwrap(), token);
    }
}
