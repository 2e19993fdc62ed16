//! The fast path (`fastpath`) against jsonwebtoken's `decode` (`Keys::decode_reference`): every
//! token the fast path decides, it decides as jsonwebtoken does (the same claims, or a refusal),
//! for every algorithm, with and without `iss`/`aud`, with rotated keys, on tokens built from
//! random headers and claims, signed by the right key, another key or none, and then mutated.
//! Tokens it does not model it must defer; the tokens this crate and Python Ravyn mint it must
//! decide.

use std::fmt::Debug;
use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::EncodingKey;
use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::algorithm::ALL;
use crate::crypto;
use crate::fastpath::{self, Fast};
use crate::keys::Keys;
use crate::testkeys::{
    EC384_PRIVATE, EC384_PUBLIC, EC_PRIVATE, EC_PUBLIC, ED2_PRIVATE, ED2_PUBLIC, ED_PRIVATE, ED_PUBLIC, RSA2_PRIVATE,
    RSA2_PUBLIC, RSA_PRIVATE, RSA_PUBLIC,
};
use crate::{Algorithm, JWTConfig, NoClaims, Token};

const SECRET: &str = "a-long-random-secret-of-at-least-32-bytes-and-then-some-more-bytes!";
const OLD_SECRET: &str = "the-old-secret-that-is-also-long-enough-for-hs512-0123456789abcdef";

/// An application's claims, with a required field: tokens without it are refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct AppClaims {
    role: String,
}

/// The primary key pair (private, public) and a second pair of the same algorithm.
fn pairs(alg: Algorithm) -> ((&'static str, &'static str), (&'static str, &'static str)) {
    match alg {
        Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => ((SECRET, SECRET), (OLD_SECRET, OLD_SECRET)),
        Algorithm::ES256 => ((EC_PRIVATE, EC_PUBLIC), (EC_PRIVATE, EC_PUBLIC)),
        Algorithm::ES384 => ((EC384_PRIVATE, EC384_PUBLIC), (EC384_PRIVATE, EC384_PUBLIC)),
        Algorithm::EdDSA => ((ED_PRIVATE, ED_PUBLIC), (ED2_PRIVATE, ED2_PUBLIC)),
        _ => ((RSA_PRIVATE, RSA_PUBLIC), (RSA2_PRIVATE, RSA2_PUBLIC)),
    }
}

/// The config: `alg`, optionally `iss`/`aud`, optionally the second pair as a fallback key (not
/// for EC, where there is only one key per curve in testdata).
fn keys(alg: Algorithm, issuer: bool, audience: bool, fallback: bool) -> Keys {
    let ((private, public), (_, old_public)) = pairs(alg);
    let mut config = JWTConfig::new(private).algorithm(alg);
    if alg.is_asymmetric() {
        config = config.verifying_key(public);
    }
    if issuer {
        config = config.issuer("https://issuer.example");
    }
    if audience {
        config = config.audience("api");
    }
    if fallback && alg.family() != crate::KeyFamily::Ec {
        config = config.fallback_keys([old_public]);
    }
    Keys::new(&config).unwrap()
}

/// Signs `message` with a private key (or secret) of `alg`'s, as `signer` picks: 0 the primary,
/// 1 the second pair, 2 an HMAC with the *public* key's bytes (the RS/HS confusion), 3 nothing
/// valid (a fixed garbage signature).
fn sign(alg: Algorithm, signer: u8, message: &str) -> String {
    let ((private, public), (old_private, _)) = pairs(alg);
    let signature = match signer {
        0 | 1 => {
            let private = if signer == 0 { private } else { old_private };
            let key = match alg.family() {
                crate::KeyFamily::Hmac => EncodingKey::from_secret(private.as_bytes()).unwrap(),
                crate::KeyFamily::Rsa => EncodingKey::from_rsa_pem(private.as_bytes()).unwrap(),
                crate::KeyFamily::Ec => EncodingKey::from_ec_pem(private.as_bytes()).unwrap(),
                crate::KeyFamily::Ed => EncodingKey::from_ed_pem(private.as_bytes()).unwrap(),
            };
            crypto::sign(alg, &key, message.as_bytes()).unwrap()
        }
        2 => {
            let hs = EncodingKey::from_secret(public.as_bytes()).unwrap();
            crypto::sign(Algorithm::HS256, &hs, message.as_bytes()).unwrap()
        }
        _ => vec![7u8; 32],
    };
    URL_SAFE_NO_PAD.encode(signature)
}

/// What the fast path decides, compared with jsonwebtoken; `false` when it deferred.
fn decided_alike<C: DeserializeOwned + PartialEq + Debug>(keys: &Keys, token: &str) -> Result<bool, TestCaseError> {
    let reference = keys.decode_reference::<Token<C>>(token);
    let Fast::Done(fast) = fastpath::decode::<C>(keys, token.as_bytes()) else { return Ok(false) };
    match (fast, reference) {
        (Ok(fast), Ok(reference)) => prop_assert_eq!(fast, reference, "{}", token),
        (Err(fast), Err(reference)) => prop_assert_eq!(fast.kind(), reference.kind(), "{}", token),
        (fast, reference) => {
            return Err(TestCaseError::fail(format!(
                "fast {:?} but jsonwebtoken {:?} for {token}",
                fast.map(drop),
                reference.map(drop)
            )))
        }
    }
    Ok(true)
}

fn all_claim_types_alike(keys: &Keys, token: &str) -> Result<(), TestCaseError> {
    decided_alike::<NoClaims>(keys, token)?;
    decided_alike::<Value>(keys, token)?;
    decided_alike::<AppClaims>(keys, token)?;
    decided_alike::<()>(keys, token)?;
    decided_alike::<Option<AppClaims>>(keys, token)?;
    Ok(())
}

fn b64(text: &str) -> String {
    URL_SAFE_NO_PAD.encode(text)
}

/// Header texts: ours, Python Ravyn's, other algorithms, `none`, unknown fields, escapes,
/// whitespace, duplicates, kids known and unknown.
fn header(keys: &Keys, alg: Algorithm) -> impl Strategy<Value = String> {
    let kids: Vec<String> = keys.ring.iter().map(|k| k.kid.as_str().to_owned()).collect();
    let minted: Vec<String> = keys
        .ring
        .iter()
        .map(|k| {
            let prefix = &k.minted_prefix[..k.minted_prefix.len() - 1];
            String::from_utf8(URL_SAFE_NO_PAD.decode(prefix).unwrap()).unwrap()
        })
        .collect();
    let alg_name = prop_oneof![
        4 => Just(alg.as_str().to_owned()),
        1 => prop::sample::select(ALL.map(|a| a.as_str().to_owned()).to_vec()),
        1 => prop::sample::select(vec!["none".to_owned(), "None".to_owned(), "hs256".to_owned(), String::new()]),
    ];
    let kid = prop_oneof![
        2 => Just(None),
        2 => prop::sample::select(kids).prop_map(Some),
        1 => "[A-Za-z0-9_-]{0,12}".prop_map(Some),
    ];
    let extra = prop::sample::select(vec![
        "",
        r#","typ":"JWT""#,
        r#","typ":null"#,
        r#","kid":null"#,
        r#","cty":"JWT""#,
        r#","b64":false"#,
        r#","b64":true,"crit":["b64"]"#,
        r#","crit":[]"#,
        r#","jku":"https://evil.example/keys""#,
        r#","jwk":{"kty":"oct","k":"AAAA"}"#,
        r#","x5c":["AAAA"]"#,
        r#","zz":1"#,
        r#","alg":"HS256""#,
        r#","typ":"J\u0057T""#,
    ]);
    prop_oneof![
        8 => prop::sample::select(minted),
        6 => (alg_name, kid, extra, any::<bool>()).prop_map(|(alg, kid, extra, spaced)| {
            let kid = kid.map(|k| format!(r#","kid":"{k}""#)).unwrap_or_default();
            let sep = if spaced { ", " } else { "," };
            format!(r#"{{"alg":"{alg}"{kid}{extra}}}"#).replace(',', sep)
        }),
        1 => Just(r#"{"alg":{"HS256":null}}"#.to_owned()),
        1 => Just(r#"{"alg":"HS\u0032\u0035\u0036"}"#.to_owned()),
        1 => Just("[]".to_owned()),
    ]
}

/// One claim's JSON text: the right type or not, compact or not.
fn claim_value() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => (1_700_000_000u64..1_800_000_000).prop_map(|n| n.to_string()),
        1 => any::<u64>().prop_map(|n| n.to_string()),
        1 => any::<i64>().prop_map(|n| n.to_string()),
        1 => prop::sample::select(vec![
            "0", "00", "01", "-0", "1.5", "1e3", "1E3", "-1", "1.0", "18446744073709551615", "18446744073709551616",
            "99999999999999999999", "null", "true", "[]", "{}", "[1]", r#"["api"]"#, r#"["web","api"]"#, "[\"api\",1]",
        ])
        .prop_map(str::to_owned),
        4 => "[a-zA-Z0-9 _.:/-]{0,12}".prop_map(|s| format!("\"{s}\"")),
        1 => prop::sample::select(vec![
            r#""access""#, r#""refresh""#, r#""id""#, r#""api""#, r#""https://issuer.example""#, r#""a\"b""#,
            r#""\u0061pi""#, r#""é""#, "\"tab\there\"", r#""\/""#, r#""\n""#,
        ])
        .prop_map(str::to_owned),
    ]
}

/// Claims that would mostly be accepted: each registered claim present or not, with the right
/// type (`iss`/`aud` matching the config or not).
fn likely_claims() -> impl Strategy<Value = Vec<(String, String)>> {
    let time = || (1_700_000_000u64..1_800_000_000).prop_map(|n| n.to_string());
    let text = |pattern: &'static str| pattern.prop_map(|s| format!("\"{s}\""));
    let one_of = |values: &'static [&'static str]| prop::sample::select(values).prop_map(str::to_owned);
    (
        prop::option::weighted(0.95, time()),
        prop::option::of(time()),
        prop::option::weighted(0.2, time()),
        prop::option::weighted(0.8, text("[a-z0-9]{1,6}")),
        prop::option::weighted(0.6, one_of(&[r#""https://issuer.example""#, r#""https://other.example""#])),
        prop::option::weighted(
            0.6,
            one_of(&[r#""api""#, r#"["api"]"#, r#"["web","api"]"#, "[]", r#"["web"]"#, r#""web""#]),
        ),
        prop::option::weighted(0.8, text("[A-Za-z0-9_-]{22}")),
        prop::option::weighted(0.5, one_of(&[r#""access""#, r#""refresh""#])),
        prop::option::weighted(0.7, text("[A-Za-z0-9_-]{22}")),
        prop::option::weighted(0.3, text("[a-z]{1,8}")),
    )
        .prop_map(|(exp, iat, nbf, sub, iss, aud, jti, token_type, fam, role)| {
            [
                ("exp", exp),
                ("iat", iat),
                ("nbf", nbf),
                ("sub", sub),
                ("iss", iss),
                ("aud", aud),
                ("jti", jti),
                ("token_type", token_type),
                ("fam", fam),
                ("role", role),
            ]
            .into_iter()
            .filter_map(|(name, value)| Some((name.to_owned(), value?)))
            .collect()
        })
}

/// Claims texts: likely claims, sometimes with a few more of any name and value (a repeat, a
/// wrong type, an escape...), in their order or shuffled, compact or spaced.
fn claims() -> impl Strategy<Value = String> {
    let name = prop::sample::select(vec![
        "exp",
        "iat",
        "nbf",
        "sub",
        "iss",
        "aud",
        "jti",
        "token_type",
        "fam",
        "role",
        "e\\u0078p",
    ])
    .prop_map(str::to_owned);
    let extras = prop_oneof![3 => Just(vec![]), 2 => proptest::collection::vec((name, claim_value()), 1..3)];
    (likely_claims(), extras, any::<bool>())
        .prop_flat_map(|(mut fields, extras, spaced)| {
            fields.extend(extras);
            (Just(fields.clone()).prop_shuffle(), Just(fields), any::<bool>(), Just(spaced))
        })
        .prop_map(|(shuffled, ordered, shuffle, spaced)| {
            let fields = if shuffle { shuffled } else { ordered };
            let body: Vec<String> = fields.into_iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
            let sep = if spaced { ", " } else { "," };
            format!("{{{}}}", body.join(sep))
        })
}

/// A token: header and claims, base64url'd, signed by `signer`, then maybe one byte changed.
fn token(keys: &Keys, alg: Algorithm) -> impl Strategy<Value = String> {
    let signer = prop_oneof![6 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8), 1 => Just(3u8)];
    let mutation = prop::option::weighted(0.2, any::<(prop::sample::Index, u8)>());
    (header(keys, alg), claims(), signer, mutation).prop_map(move |(header, claims, signer, mutation)| {
        let message = format!("{}.{}", b64(&header), b64(&claims));
        let mut token = format!("{message}.{}", sign(alg, signer, &message));
        if let Some((index, byte)) = mutation {
            let mut bytes = token.into_bytes();
            let i = index.index(bytes.len());
            bytes[i] = b"A._-=+/0z\x00"[usize::from(byte) % 10];
            token = String::from_utf8(bytes).unwrap();
        }
        token
    })
}

fn config_and_token() -> impl Strategy<Value = (Arc<Keys>, String)> {
    (prop::sample::select(ALL.to_vec()), any::<bool>(), any::<bool>(), any::<bool>()).prop_flat_map(
        |(alg, issuer, audience, fallback)| {
            let keys = Arc::new(keys(alg, issuer, audience, fallback));
            token(&keys, alg).prop_map(move |token| (keys.clone(), token))
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// Whatever the fast path decides is what jsonwebtoken decides.
    #[test]
    fn the_fast_path_decides_as_jsonwebtoken((keys, token) in config_and_token()) {
        all_claim_types_alike(&keys, &token)?;
    }

    /// Tokens of any text, never a panic, and the same decisions.
    #[test]
    fn arbitrary_text_is_decided_alike(token in "[A-Za-z0-9_.=+/-]{0,120}|\\PC{0,60}") {
        let keys = keys(Algorithm::HS256, false, false, true);
        all_claim_types_alike(&keys, &token)?;
    }
}

/// `Keys::decode_bearer` (the bytes of `JwtManager::verify_bearer`, alphabet unchecked before it)
/// answers exactly what the bearer check then `decode` answer.
fn bearer_decided_alike(keys: &Keys, token: &[u8]) -> Result<(), TestCaseError> {
    let one_step = keys.decode_bearer::<Value>(token).map_err(|e| (e.kind(), e.to_string()));
    let two_steps = crate::bearer::checked(token)
        .and_then(|text| keys.decode::<Value>(text))
        .map_err(|e| (e.kind(), e.to_string()));
    prop_assert_eq!(one_step, two_steps, "{:?}", String::from_utf8_lossy(token));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Tokens of every family, some with a byte changed (to a b64token character or not).
    #[test]
    fn the_bearer_step_decides_as_the_two_steps((keys, token) in config_and_token()) {
        bearer_decided_alike(&keys, token.as_bytes())?;
    }

    /// A valid token with bytes a bearer token cannot hold put anywhere (a space, a quote,
    /// non-ASCII, a comma), and arbitrary bytes.
    #[test]
    fn bytes_outside_the_alphabet_are_refused_as_before(
        (keys, token) in config_and_token(),
        at in any::<prop::sample::Index>(),
        inserted in prop::sample::select(vec![&b" "[..], b"\"", b",", b"\xc3\xa9", b"\xff", b"\t", b"%"]),
        raw in proptest::collection::vec(any::<u8>(), 0..80),
    ) {
        let mut bytes = token.into_bytes();
        bytes.splice(at.index(bytes.len() + 1)..at.index(bytes.len() + 1), inserted.iter().copied());
        bearer_decided_alike(&keys, &bytes)?;
        bearer_decided_alike(&keys, &raw)?;
    }
}

/// The tokens this crate mints (with each key of the ring), and Python Ravyn's (PyJWT's compact
/// JSON, no kid), are decided by the fast path, never deferred: the hot path is the fast one.
#[test]
fn minted_and_python_tokens_take_the_fast_path() {
    for alg in ALL {
        for (issuer, audience) in [(false, false), (true, true)] {
            let keys = keys(alg, issuer, audience, true);
            let mut claims = json!({"exp": 1_750_000_000u64, "iat": 1_749_999_700u64, "sub": "1", "jti": "j", "token_type": "access", "fam": "f"});
            if issuer {
                claims["iss"] = json!("https://issuer.example");
            }
            if audience {
                claims["aud"] = json!("api");
            }
            let ours = keys.encode(&claims).unwrap();
            let message = format!(
                "{}.{}",
                b64(r#"{"alg":"ALG","typ":"JWT"}"#.replace("ALG", alg.as_str()).as_str()),
                b64(&claims.to_string())
            );
            let python = format!("{message}.{}", sign(alg, 0, &message));
            for token in [ours, python] {
                let Fast::Done(decided) = fastpath::decode::<NoClaims>(&keys, token.as_bytes()) else {
                    panic!("{alg}: deferred {token}");
                };
                assert_eq!(decided.unwrap().sub.as_deref(), Some("1"), "{alg}");
                // And through the compact claims reader, not serde_json.
                assert!(matches!(fastpath::compact_claims_for_test::<Value>(&token), Some(Ok(_))), "{alg}");
            }
            // A token minted with the fallback key's header and signed by it (rotation).
            if alg.family() == crate::KeyFamily::Hmac {
                let old = keys.ring.iter().nth(1).unwrap();
                let message = format!("{}{}", old.minted_prefix, b64(&claims.to_string()));
                let token = format!("{message}.{}", sign(alg, 1, &message));
                assert!(matches!(fastpath::decode::<NoClaims>(&keys, token.as_bytes()), Fast::Done(Ok(_))), "{alg}");
            }
        }
    }
}

/// The minted header each key is compared against is the one `encode` writes.
#[test]
fn the_minted_prefix_is_the_header_encode_writes() {
    for alg in ALL {
        let keys = keys(alg, false, false, false);
        let token = keys.encode(&json!({"exp": 1})).unwrap();
        assert!(token.starts_with(&keys.ring.primary().minted_prefix), "{alg}");
    }
}

/// HMAC verification from the kept state answers what `ring::hmac::verify` answers.
#[test]
fn verifying_from_the_minted_state_is_verifying() {
    let keys = keys(Algorithm::HS256, false, false, false);
    let key = keys.ring.primary();
    let message = format!("{}payload", key.minted_prefix);
    let good = URL_SAFE_NO_PAD.decode(sign(Algorithm::HS256, 0, &message)).unwrap();
    assert!(key.verifier.verifies_minted(message.as_bytes(), &good));
    assert!(key.verifier.verifies(message.as_bytes(), &good));
    let mut bad = good.clone();
    bad[31] ^= 1;
    assert!(!key.verifier.verifies_minted(message.as_bytes(), &bad));
    assert!(!key.verifier.verifies_minted(message.as_bytes(), &good[..31]));
    let other = format!("{}payloae", key.minted_prefix);
    assert!(!key.verifier.verifies_minted(other.as_bytes(), &good));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(5000))]

    /// The compact claims reader answers what serde_json answers, whenever it answers.
    #[test]
    fn compact_claims_read_as_serde_json(claims in claims()) {
        compact_alike::<NoClaims>(&claims)?;
        compact_alike::<Value>(&claims)?;
        compact_alike::<AppClaims>(&claims)?;
        compact_alike::<()>(&claims)?;
        compact_alike::<Option<AppClaims>>(&claims)?;
        compact_alike::<std::collections::HashMap<String, Value>>(&claims)?;
    }
}

fn compact_alike<C: DeserializeOwned + PartialEq + Debug>(claims: &str) -> Result<(), TestCaseError> {
    let token = format!("x.{}.y", b64(claims));
    if let Some(compact) = fastpath::compact_claims_for_test::<C>(&token) {
        let serde = serde_json::from_str::<Token<C>>(claims);
        match (compact, serde) {
            (Ok(a), Ok(b)) => prop_assert_eq!(a, b, "{}", claims),
            (Err(()), Err(_)) => {}
            (a, b) => return Err(TestCaseError::fail(format!("compact {a:?}, serde_json {b:?} for {claims}"))),
        }
    }
    Ok(())
}

/// An empty `aud` list when no audience is configured: jsonwebtoken refuses it (any `aud` then),
/// and so does the fast path (the case the differential test found).
#[test]
fn an_empty_audience_list_without_a_configured_audience_is_refused() {
    let keys = keys(Algorithm::HS256, false, false, false);
    let token = keys.encode(&json!({"exp": 1_750_000_000u64, "aud": []})).unwrap();
    assert!(keys.decode_reference::<Token<NoClaims>>(&token).is_err());
    let Fast::Done(decided) = fastpath::decode::<NoClaims>(&keys, token.as_bytes()) else { panic!("deferred") };
    assert_eq!(decided.unwrap_err().reason(), "audience mismatch");
}
