//! The manager's rules, one test each: algorithm pinning, required and typed claims, time with an
//! injected clock, token types, key rotation, refresh rotation and revocation.

use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::hmac;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::testkeys::{
    EC384_PRIVATE, EC384_PUBLIC, EC_PRIVATE, EC_PUBLIC, ED2_PUBLIC, ED_PRIVATE, ED_PUBLIC, RSA2_PUBLIC, RSA_PRIVATE,
    RSA_PUBLIC,
};
use crate::*;

const SECRET: &str = "a-long-random-secret-of-at-least-32-bytes";
const OLD_SECRET: &str = "the-old-secret-that-is-also-32-bytes-long";
const NOW: u64 = 1_700_000_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct AppClaims {
    role: String,
    level: u32,
}

fn admin() -> AppClaims {
    AppClaims { role: "admin".into(), level: 3 }
}

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(NOW))
}

fn manager(config: JWTConfig) -> JwtManager {
    JwtManager::new(config).unwrap()
}

/// A manager on a manual clock, with the secret.
fn hs256(clock: &Arc<ManualClock>) -> JwtManager {
    manager(JWTConfig::new(SECRET).clock(clock.clone()))
}

fn b64(json: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(json).unwrap())
}

/// A token with exactly this header and payload, HMAC-SHA256-signed with `key`: what an attacker
/// or another library could send.
fn hs256_token(header: &Value, payload: &Value, key: &[u8]) -> String {
    let message = format!("{}.{}", b64(header), b64(payload));
    let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), message.as_bytes());
    format!("{message}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
}

fn plain_header() -> Value {
    json!({"alg": "HS256", "typ": "JWT"})
}

fn kind<T: std::fmt::Debug>(result: Result<T, AuthError>) -> AuthErrorKind {
    result.unwrap_err().kind()
}

// ---- algorithm pinning ------------------------------------------------------------------------

#[test]
fn the_alg_header_cannot_choose_the_algorithm() {
    let jwt = hs256(&clock());
    let payload = json!({"exp": NOW + 60, "sub": "1"});
    // Same secret, another HMAC algorithm.
    let message = format!("{}.{}", b64(&json!({"alg": "HS512", "typ": "JWT"})), b64(&payload));
    let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA512, SECRET.as_bytes()), message.as_bytes());
    let hs512 = format!("{message}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()));
    let err = jwt.verify_access::<NoClaims>(&hs512).unwrap_err();
    assert_eq!((err.kind(), err.reason()), (AuthErrorKind::InvalidToken, "algorithm not allowed"));
    // The control: the same claims as HS256 pass.
    assert!(jwt.verify_access::<NoClaims>(&hs256_token(&plain_header(), &payload, SECRET.as_bytes())).is_ok());
}

#[test]
fn alg_none_is_refused_in_every_spelling() {
    let jwt = hs256(&clock());
    let payload = b64(&json!({"exp": NOW + 60, "sub": "1"}));
    for alg in ["none", "None", "NONE", ""] {
        let header = b64(&json!({"alg": alg, "typ": "JWT"}));
        for token in [format!("{header}.{payload}."), format!("{header}.{payload}")] {
            assert_eq!(kind(jwt.verify_access::<NoClaims>(&token)), AuthErrorKind::InvalidToken, "{alg:?}: {token}");
        }
    }
}

#[test]
fn an_hs256_token_signed_with_the_rsa_public_key_is_refused() {
    let jwt = manager(JWTConfig::new(RSA_PRIVATE).algorithm(Algorithm::RS256).verifying_key(RSA_PUBLIC).clock(clock()));
    let payload = json!({"exp": NOW + 60, "sub": "1"});
    // The public key as the attacker can find it: the PEM text, and its DER bytes.
    let pem_body: String = RSA_PUBLIC.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD.decode(pem_body).unwrap();
    for key in [RSA_PUBLIC.as_bytes(), RSA_PUBLIC.trim_end().as_bytes(), &der] {
        let forged = hs256_token(&plain_header(), &payload, key);
        let err = jwt.verify_access::<NoClaims>(&forged).unwrap_err();
        assert_eq!((err.kind(), err.reason()), (AuthErrorKind::InvalidToken, "algorithm not allowed"));
    }
    // The control: the manager's own RS256 tokens pass.
    assert!(jwt.verify_access::<NoClaims>(&jwt.issue_access("1", &NoClaims {}).unwrap()).is_ok());
}

#[test]
fn header_keys_are_never_used_and_unknown_kids_are_refused() {
    let jwt = hs256(&clock());
    let payload = json!({"exp": NOW + 60});
    let attacker = "an-attacker-secret-of-at-least-32-bytes!!";
    let header =
        json!({"alg": "HS256", "jwk": {"kty": "oct", "k": URL_SAFE_NO_PAD.encode(attacker)}, "jku": "http://evil"});
    assert_eq!(
        kind(jwt.verify_access::<NoClaims>(&hs256_token(&header, &payload, attacker.as_bytes()))),
        AuthErrorKind::InvalidToken
    );
    // Our own key, but a kid we do not have.
    let token = hs256_token(&json!({"alg": "HS256", "kid": "nope"}), &payload, SECRET.as_bytes());
    let err = jwt.verify_access::<NoClaims>(&token).unwrap_err();
    assert_eq!((err.kind(), err.reason()), (AuthErrorKind::InvalidToken, "unknown kid"));
}

// ---- required and typed claims ----------------------------------------------------------------

#[test]
fn exp_is_required() {
    let jwt = hs256(&clock());
    let token = hs256_token(&plain_header(), &json!({"sub": "1", "iat": NOW}), SECRET.as_bytes());
    let err = jwt.verify_access::<NoClaims>(&token).unwrap_err();
    assert_eq!((err.kind(), err.status()), (AuthErrorKind::InvalidToken, 401));
}

#[test]
fn claims_of_the_wrong_type_are_a_401_never_a_server_error() {
    let jwt = hs256(&clock());
    let cases = [
        json!({"exp": "never"}),
        json!({"exp": NOW + 60, "nbf": "99999999999"}),
        json!({"exp": [NOW + 60]}),
        json!({"exp": -1}),
        json!({"exp": NOW + 60, "sub": 42}),
        json!({"exp": NOW + 60, "iat": "yesterday"}),
        json!({"exp": NOW + 60, "jti": 7}),
        json!({"exp": NOW + 60, "token_type": "id"}),
        json!({"exp": NOW + 60, "token_type": 1}),
        json!({"exp": NOW + 60, "fam": false}),
        json!({"exp": NOW + 60, "iss": ["a", 1]}),
        json!({"exp": NOW + 60, "role": "admin", "level": "three"}),
        json!({"exp": NOW + 60, "role": "admin"}),
        json!([1, 2, 3]),
        json!("just a string"),
    ];
    for payload in cases {
        let token = hs256_token(&plain_header(), &payload, SECRET.as_bytes());
        let err = jwt.verify_access::<AppClaims>(&token).unwrap_err();
        assert_eq!((err.kind(), err.status()), (AuthErrorKind::InvalidToken, 401), "{payload}");
    }
    let ok = hs256_token(&plain_header(), &json!({"exp": NOW + 60, "role": "admin", "level": 3}), SECRET.as_bytes());
    assert_eq!(jwt.verify_access::<AppClaims>(&ok).unwrap().claims, admin());
}

#[test]
fn malformed_tokens_are_401s() {
    let jwt = hs256(&clock());
    let good = jwt.issue_access("1", &NoClaims {}).unwrap();
    let (head, rest) = good.split_once('.').unwrap();
    let cases = [
        String::new(),
        ".".into(),
        "..".into(),
        "a.b.c".into(),
        format!("{good}."),
        format!("{head}.{rest}.extra"),
        format!("{head}!.{rest}"),
        good.replace('.', ""),
        format!("{}{}", &good[..good.len() - 2], if good.ends_with('A') { "BB" } else { "AA" }),
        "é.é.é".into(),
        "a".repeat(MAX_TOKEN_LEN + 1),
    ];
    for token in cases {
        let err = jwt.verify_access::<NoClaims>(&token).unwrap_err();
        assert_eq!(err.status(), 401, "{token}");
    }
}

#[test]
fn issuer_and_audience_are_written_required_and_checked_when_configured() {
    let clock = clock();
    let jwt = manager(JWTConfig::new(SECRET).issuer("https://auth.example").audience("api").clock(clock.clone()));
    let token = jwt.verify_access::<NoClaims>(&jwt.issue_access("1", &NoClaims {}).unwrap()).unwrap();
    assert_eq!(token.iss.as_deref(), Some("https://auth.example"));
    assert_eq!(token.aud, Some(Audience::One("api".into())));

    let exp = NOW + 60;
    let accepted = [
        json!({"exp": exp, "iss": "https://auth.example", "aud": "api"}),
        json!({"exp": exp, "iss": "https://auth.example", "aud": ["web", "api"]}),
    ];
    for payload in accepted {
        assert!(
            jwt.verify_access::<NoClaims>(&hs256_token(&plain_header(), &payload, SECRET.as_bytes())).is_ok(),
            "{payload}"
        );
    }
    let refused = [
        (json!({"exp": exp, "aud": "api"}), "a required claim is missing or not of its type"),
        (json!({"exp": exp, "iss": "https://auth.example"}), "a required claim is missing or not of its type"),
        (json!({"exp": exp, "iss": "https://evil.example", "aud": "api"}), "issuer mismatch"),
        (json!({"exp": exp, "iss": "https://auth.example", "aud": "admin"}), "audience mismatch"),
        (json!({"exp": exp, "iss": "https://auth.example", "aud": ["web"]}), "audience mismatch"),
        (
            json!({"exp": exp, "iss": "https://auth.example", "aud": 5}),
            "header or claims do not have the expected shape or types",
        ),
    ];
    for (payload, reason) in refused {
        let err =
            jwt.verify_access::<NoClaims>(&hs256_token(&plain_header(), &payload, SECRET.as_bytes())).unwrap_err();
        assert_eq!((err.kind(), err.reason()), (AuthErrorKind::InvalidToken, reason), "{payload}");
    }

    // Not configured: iss is not checked, and a token meant for an audience is refused.
    let open = hs256(&clock);
    assert!(open
        .verify_access::<NoClaims>(&hs256_token(&plain_header(), &json!({"exp": exp, "iss": "x"}), SECRET.as_bytes()))
        .is_ok());
    let err = open.verify_access::<NoClaims>(&hs256_token(
        &plain_header(),
        &json!({"exp": exp, "aud": "api"}),
        SECRET.as_bytes(),
    ));
    assert_eq!(err.unwrap_err().reason(), "audience mismatch");
}

// ---- time ------------------------------------------------------------------------------------

#[test]
fn exp_and_nbf_honour_the_leeway_exactly_at_its_boundary() {
    let clock = clock();
    let jwt = manager(JWTConfig::new(SECRET).leeway(5).clock(clock.clone()));
    let exp = NOW + 100;
    let token = hs256_token(&plain_header(), &json!({"exp": exp, "nbf": NOW + 50}), SECRET.as_bytes());

    clock.set(NOW + 44);
    assert_eq!(jwt.verify_access::<NoClaims>(&token).unwrap_err().reason(), "nbf is in the future");
    clock.set(NOW + 45); // nbf - leeway
    assert!(jwt.verify_access::<NoClaims>(&token).is_ok());
    clock.set(exp + 4); // the last second of exp + leeway
    assert!(jwt.verify_access::<NoClaims>(&token).is_ok());
    clock.set(exp + 5);
    let err = jwt.verify_access::<NoClaims>(&token).unwrap_err();
    assert_eq!(err.kind(), AuthErrorKind::ExpiredToken);
    assert!(err.www_authenticate().unwrap().contains("expired"));
}

#[test]
fn leeway_zero_by_default_refuses_at_exp() {
    let clock = clock();
    let jwt = hs256(&clock);
    let token = jwt.issue_access("1", &NoClaims {}).unwrap();
    clock.set(NOW + 299);
    assert!(jwt.verify_access::<NoClaims>(&token).is_ok());
    clock.set(NOW + 300); // exp = iat + access_token_lifetime
    assert_eq!(kind(jwt.verify_access::<NoClaims>(&token)), AuthErrorKind::ExpiredToken);
}

#[test]
fn lifetimes_come_from_the_config() {
    let clock = clock();
    let jwt =
        manager(JWTConfig::new(SECRET).access_token_lifetime(60).refresh_token_lifetime(600).clock(clock.clone()));
    let pair = jwt.issue_pair("1", &NoClaims {}).unwrap();
    assert_eq!(pair.expires_in, 60);
    let access = jwt.verify_access::<NoClaims>(&pair.access_token).unwrap();
    let refresh = jwt.verify_refresh::<NoClaims>(&pair.refresh_token).unwrap();
    assert_eq!((access.iat, access.exp, refresh.exp), (Some(NOW), NOW + 60, NOW + 600));
    assert_eq!(access.fam, refresh.fam);
    assert_ne!(access.jti, refresh.jti);
}

// ---- token types ------------------------------------------------------------------------------

#[test]
fn refresh_and_access_tokens_never_pass_for_each_other() {
    let jwt = hs256(&clock());
    let pair = jwt.issue_pair("1", &admin()).unwrap();
    assert_eq!(kind(jwt.verify_access::<AppClaims>(&pair.refresh_token)), AuthErrorKind::WrongTokenType);
    assert_eq!(kind(jwt.verify_refresh::<AppClaims>(&pair.access_token)), AuthErrorKind::WrongTokenType);
    // No token_type, as Python Ravyn mints them: an access token, never a refresh token.
    let untyped = hs256_token(&plain_header(), &json!({"exp": NOW + 60, "sub": "1"}), SECRET.as_bytes());
    assert_eq!(jwt.verify_access::<NoClaims>(&untyped).unwrap().token_type, TokenType::Access);
    assert_eq!(kind(jwt.verify_refresh::<NoClaims>(&untyped)), AuthErrorKind::WrongTokenType);
}

#[test]
fn a_token_minted_by_pyjwt_as_python_ravyn_does_is_an_access_token() {
    // PyJWT 2.15.1: jwt.encode({"exp": 2100-01-01, "iat": 2024-01-01, "sub": "1"},
    //                          "python-ravyn-shared-secret-of-32-bytes!", algorithm="HS256"),
    // the payload Ravyn's Token(exp=..., sub="1").encode(secret, "HS256") builds.
    const PYJWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjQxMDI0NDQ4MDAsImlhdCI6MTcwNDA2NzIwMCwic3ViIjoiMSJ9.nXOZILnUHJg0DFqxbB6s1caoHlXx5rw_43s21L2VghU";
    let jwt = manager(JWTConfig::new("python-ravyn-shared-secret-of-32-bytes!").clock(clock()));
    let token = jwt.verify_access::<NoClaims>(PYJWT).unwrap();
    assert_eq!((token.sub.as_deref(), token.exp, token.iat), (Some("1"), 4_102_444_800, Some(1_704_067_200)));
    assert_eq!(token.token_type, TokenType::Access);
    assert_eq!(kind(jwt.verify_refresh::<NoClaims>(PYJWT)), AuthErrorKind::WrongTokenType);
}

// ---- algorithms and keys ----------------------------------------------------------------------

#[test]
fn every_asymmetric_family_issues_and_verifies_and_refuses_the_other_keys_tokens() {
    let configs = [
        (Algorithm::RS256, RSA_PRIVATE, RSA_PUBLIC),
        (Algorithm::PS384, RSA_PRIVATE, RSA_PUBLIC),
        (Algorithm::ES256, EC_PRIVATE, EC_PUBLIC),
        (Algorithm::ES384, EC384_PRIVATE, EC384_PUBLIC),
        (Algorithm::EdDSA, ED_PRIVATE, ED_PUBLIC),
    ];
    for (alg, private, public) in configs {
        let jwt = manager(JWTConfig::new(private).algorithm(alg).verifying_key(public).clock(clock()));
        let token = jwt.issue_access("1", &admin()).unwrap();
        assert_eq!(jwt.verify_access::<AppClaims>(&token).unwrap().claims, admin(), "{alg}");
        let hmac = hs256(&clock());
        assert_eq!(
            kind(hmac.verify_access::<AppClaims>(&token)),
            AuthErrorKind::InvalidToken,
            "{alg} token under HS256"
        );
        assert_eq!(
            kind(jwt.verify_access::<AppClaims>(&hmac.issue_access("1", &admin()).unwrap())),
            AuthErrorKind::InvalidToken
        );
    }
}

fn config_error(config: JWTConfig) -> JWTConfigError {
    JwtManager::new(config).unwrap_err()
}

#[test]
fn hmac_keys_shorter_than_their_hash_are_refused_naming_the_field() {
    for (alg, min) in [(Algorithm::HS256, 32), (Algorithm::HS384, 48), (Algorithm::HS512, 64)] {
        let err = config_error(JWTConfig::new("k".repeat(min - 1)).algorithm(alg));
        assert_eq!(err.field(), "signing_key", "{alg}");
        assert!(err.reason().contains(&format!("at least {min}")), "{err}");
        assert!(JwtManager::new(JWTConfig::new("k".repeat(min)).algorithm(alg)).is_ok());
        let err = config_error(JWTConfig::new("k".repeat(min)).algorithm(alg).fallback_keys(["short"]));
        assert_eq!(err.field(), "fallback_keys");
        assert!(err.reason().starts_with("key #0"), "{err}");
    }
    assert_eq!(config_error(JWTConfig::new("")).reason(), "must not be empty");
}

#[test]
fn asymmetric_configs_need_a_fitting_key_pair() {
    let cases = [
        // No verifying key.
        (JWTConfig::new(RSA_PRIVATE).algorithm(Algorithm::RS256), "verifying_key"),
        // A secret where a private key belongs.
        (JWTConfig::new(SECRET).algorithm(Algorithm::ES256).verifying_key(EC_PUBLIC), "signing_key"),
        // Keys of another family.
        (JWTConfig::new(RSA_PRIVATE).algorithm(Algorithm::ES256).verifying_key(EC_PUBLIC), "signing_key"),
        (JWTConfig::new(EC_PRIVATE).algorithm(Algorithm::ES256).verifying_key(RSA_PUBLIC), "verifying_key"),
        // The wrong curve for the algorithm.
        (JWTConfig::new(EC384_PRIVATE).algorithm(Algorithm::ES256).verifying_key(EC384_PUBLIC), "signing_key"),
        (JWTConfig::new(EC_PRIVATE).algorithm(Algorithm::ES256).verifying_key(EC384_PUBLIC), "verifying_key"),
        // Not a pair.
        (JWTConfig::new(RSA_PRIVATE).algorithm(Algorithm::RS256).verifying_key(RSA2_PUBLIC), "verifying_key"),
        (JWTConfig::new(ED_PRIVATE).algorithm(Algorithm::EdDSA).verifying_key(ED2_PUBLIC), "verifying_key"),
        // A private key as the public one.
        (JWTConfig::new(ED_PRIVATE).algorithm(Algorithm::EdDSA).verifying_key(ED_PRIVATE), "verifying_key"),
        // A verifying key has no use with HMAC.
        (JWTConfig::new(SECRET).verifying_key(RSA_PUBLIC), "verifying_key"),
        // Fallback keys must fit the algorithm.
        (
            JWTConfig::new(ED_PRIVATE).algorithm(Algorithm::EdDSA).verifying_key(ED_PUBLIC).fallback_keys([EC_PUBLIC]),
            "fallback_keys",
        ),
        (
            JWTConfig::new(ED_PRIVATE).algorithm(Algorithm::EdDSA).verifying_key(ED_PUBLIC).fallback_keys([ED_PUBLIC]),
            "fallback_keys",
        ),
        (JWTConfig::new(SECRET).fallback_keys([SECRET]), "fallback_keys"),
    ];
    for (config, field) in cases {
        let err = config_error(config);
        assert_eq!(err.field(), field, "{err}");
        assert!(!err.reason().contains("PRIVATE KEY-----"), "no key material in errors: {err}");
    }
}

// ---- key rotation -----------------------------------------------------------------------------

#[test]
fn fallback_keys_verify_old_tokens_and_new_tokens_use_the_primary() {
    let clock = clock();
    let before = manager(JWTConfig::new(OLD_SECRET).clock(clock.clone()));
    let old_token = before.issue_access("1", &NoClaims {}).unwrap();
    let untyped_old = hs256_token(&plain_header(), &json!({"exp": NOW + 60, "sub": "2"}), OLD_SECRET.as_bytes());

    let after = manager(JWTConfig::new(SECRET).fallback_keys([OLD_SECRET]).clock(clock.clone()));
    let kids: Vec<&KeyId> = after.key_ids().collect();
    assert_eq!(kids[1], before.key_ids().next().unwrap(), "a key's id is the same in every process");
    assert_eq!(after.verify_access::<NoClaims>(&old_token).unwrap().sub.as_deref(), Some("1"), "fallback verifies");
    assert_eq!(
        after.verify_access::<NoClaims>(&untyped_old).unwrap().sub.as_deref(),
        Some("2"),
        "no kid: every key is tried"
    );

    let new_token = after.issue_access("1", &NoClaims {}).unwrap();
    let header = jsonwebtoken::decode_header(&new_token).unwrap();
    assert_eq!(header.kid.as_deref(), Some(kids[0].as_str()), "new tokens carry the primary's kid");
    assert!(manager(JWTConfig::new(SECRET).clock(clock.clone())).verify_access::<NoClaims>(&new_token).is_ok());
    assert_eq!(
        kind(before.verify_access::<NoClaims>(&new_token)),
        AuthErrorKind::InvalidToken,
        "signed with the primary only"
    );

    // A kid that selects the fallback key but a signature made with the primary: refused.
    let (header, rest) = new_token.split_once('.').unwrap();
    let mut json: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
    json["kid"] = json!(kids[1].as_str());
    assert_eq!(kind(after.verify_access::<NoClaims>(&format!("{}.{rest}", b64(&json)))), AuthErrorKind::InvalidToken);
    // Once the old key is dropped, its tokens stop verifying.
    let dropped = manager(JWTConfig::new(SECRET).clock(clock));
    assert_eq!(kind(dropped.verify_access::<NoClaims>(&old_token)), AuthErrorKind::InvalidToken);
}

#[test]
fn asymmetric_rotation_verifies_with_the_old_public_key() {
    let old = manager(JWTConfig::new(ED_PRIVATE).algorithm(Algorithm::EdDSA).verifying_key(ED_PUBLIC).clock(clock()));
    let token = old.issue_access("1", &NoClaims {}).unwrap();
    let b_private = include_str!("../testdata/ed25519b-private.pem");
    let rotated = manager(
        JWTConfig::new(b_private)
            .algorithm(Algorithm::EdDSA)
            .verifying_key(ED2_PUBLIC)
            .fallback_keys([ED_PUBLIC])
            .clock(clock()),
    );
    assert!(rotated.verify_access::<NoClaims>(&token).is_ok());
    assert!(old.verify_access::<NoClaims>(&rotated.issue_access("1", &NoClaims {}).unwrap()).is_err());
}

// ---- refresh rotation and revocation -----------------------------------------------------------

#[tokio::test]
async fn a_refresh_token_is_single_use_and_its_reuse_revokes_the_family() {
    let clock = clock();
    let jwt = manager(JWTConfig::new(SECRET).check_revocation(true).clock(clock.clone()));
    let first = jwt.issue_pair("1", &admin()).unwrap();
    clock.advance(10);
    let second = jwt.refresh::<AppClaims>(&first.refresh_token).await.unwrap();
    let access = jwt.authenticate::<AppClaims>(&second.access_token).await.unwrap();
    assert_eq!((access.sub.as_deref(), access.claims.clone(), access.iat), (Some("1"), admin(), Some(NOW + 10)));
    let family = jwt.verify_access::<AppClaims>(&first.access_token).unwrap().fam;
    assert_eq!(access.fam, family, "a refreshed pair stays in its family");

    let err = jwt.refresh::<AppClaims>(&first.refresh_token).await.unwrap_err();
    assert_eq!((err.kind(), err.status()), (AuthErrorKind::RefreshReused, 401));
    // Every token of the family is dead: both access tokens and the rotated refresh token.
    for token in [&first.access_token, &second.access_token] {
        assert_eq!(kind(jwt.authenticate::<AppClaims>(token).await), AuthErrorKind::RevokedToken);
    }
    assert_eq!(kind(jwt.refresh::<AppClaims>(&second.refresh_token).await), AuthErrorKind::RevokedToken);
    // Another login is unaffected.
    let other = jwt.issue_pair("2", &admin()).unwrap();
    assert!(jwt.refresh::<AppClaims>(&other.refresh_token).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_refreshes_with_one_token_give_exactly_one_success() {
    let jwt = manager(JWTConfig::new(SECRET));
    let pair = jwt.issue_pair("1", &NoClaims {}).unwrap();
    let start = Arc::new(tokio::sync::Barrier::new(20));
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (jwt, token, start) = (jwt.clone(), pair.refresh_token.clone(), start.clone());
            tokio::spawn(async move {
                start.wait().await;
                jwt.refresh::<NoClaims>(&token).await
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.unwrap());
    }
    assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), 1, "{outcomes:?}");
    assert!(outcomes.iter().filter_map(|o| o.as_ref().err()).all(|e| e.status() == 401));
}

#[cfg(feature = "redis")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn with_redis_twenty_concurrent_refreshes_give_exactly_one_success_and_reuse_kills_the_family() {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    let prefix = format!("ravyn-test:{}:", crate::random::random_id().unwrap());
    let store = RedisTokenStore::new(&url).unwrap().key_prefix(prefix);
    let jwt = manager(JWTConfig::new(SECRET).store(store).check_revocation(true));
    let pair = jwt.issue_pair("1", &NoClaims {}).unwrap();
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (jwt, token) = (jwt.clone(), pair.refresh_token.clone());
            tokio::spawn(async move { jwt.refresh::<NoClaims>(&token).await })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.unwrap());
    }
    assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), 1, "{outcomes:?}");
    assert_eq!(kind(jwt.authenticate::<NoClaims>(&pair.access_token).await), AuthErrorKind::RevokedToken);
    let other = jwt.issue_pair("2", &NoClaims {}).unwrap();
    let token = jwt.authenticate::<NoClaims>(&other.access_token).await.unwrap();
    jwt.revoke(&token).await.unwrap();
    assert_eq!(kind(jwt.authenticate::<NoClaims>(&other.access_token).await), AuthErrorKind::RevokedToken);
    assert_eq!(kind(jwt.refresh::<NoClaims>(&other.refresh_token).await), AuthErrorKind::RevokedToken);
}

#[tokio::test]
async fn a_revoked_token_fails_until_it_expires_and_then_the_store_forgets_it() {
    let clock = clock();
    let store = MemoryTokenStore::with_clock(clock.clone());
    let jwt = manager(JWTConfig::new(SECRET).check_revocation(true).store(store.clone()).clock(clock.clone()));
    let pair = jwt.issue_pair("1", &NoClaims {}).unwrap();
    let access = jwt.authenticate::<NoClaims>(&pair.access_token).await.unwrap();
    jwt.revoke(&access).await.unwrap();
    assert_eq!(kind(jwt.authenticate::<NoClaims>(&pair.access_token).await), AuthErrorKind::RevokedToken);
    assert_eq!(
        kind(jwt.refresh::<NoClaims>(&pair.refresh_token).await),
        AuthErrorKind::RevokedToken,
        "logout kills the family"
    );
    // Without check_revocation the signature path reads no store: the token works until exp.
    let unchecked = manager(JWTConfig::new(SECRET).store(store.clone()).clock(clock.clone()));
    assert!(unchecked.authenticate::<NoClaims>(&pair.access_token).await.is_ok());

    clock.set(access.exp - 1);
    assert_eq!(kind(jwt.authenticate::<NoClaims>(&pair.access_token).await), AuthErrorKind::RevokedToken);
    clock.set(access.exp);
    assert_eq!(kind(jwt.authenticate::<NoClaims>(&pair.access_token).await), AuthErrorKind::ExpiredToken);
    assert!(!store.is_revoked(access.jti.as_deref(), None).await.unwrap(), "the jti entry lasts until exp only");
    // The family was revoked at NOW; its longest-lived token (the refresh token) is refused from
    // NOW + 86400 on, and that is exactly when the store lets the family go.
    clock.set(NOW + 86_399);
    assert!(store.is_revoked(None, access.fam.as_deref()).await.unwrap(), "the family outlives its longest token");
    clock.set(NOW + 86_400);
    assert!(!store.is_revoked(None, access.fam.as_deref()).await.unwrap());
}

#[tokio::test]
async fn an_expired_refresh_token_is_refused_before_the_store_is_asked() {
    let clock = clock();
    let store = MemoryTokenStore::with_clock(clock.clone());
    let jwt = manager(JWTConfig::new(SECRET).store(store.clone()).clock(clock.clone()));
    let pair = jwt.issue_pair("1", &NoClaims {}).unwrap();
    clock.advance(86_400);
    assert_eq!(kind(jwt.refresh::<NoClaims>(&pair.refresh_token).await), AuthErrorKind::ExpiredToken);
    assert!(store.is_empty());
    assert_eq!(kind(jwt.refresh::<NoClaims>(&pair.access_token).await), AuthErrorKind::ExpiredToken);
}

#[derive(Debug)]
struct DownStore;

impl TokenStore for DownStore {
    fn consume<'a>(
        &'a self,
        _: &'a str,
        _: &'a str,
        _: std::time::Duration,
        _: std::time::Duration,
    ) -> store::BoxFuture<'a, Result<store::Consumed, StoreError>> {
        Box::pin(async { Err(StoreError::new("down")) })
    }
    fn revoke<'a>(
        &'a self,
        _: Option<&'a str>,
        _: Option<&'a str>,
        _: std::time::Duration,
        _: std::time::Duration,
    ) -> store::BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async { Err(StoreError::new("down")) })
    }
    fn is_revoked<'a>(
        &'a self,
        _: Option<&'a str>,
        _: Option<&'a str>,
    ) -> store::BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async { Err(StoreError::new("down")) })
    }
}

#[tokio::test]
async fn a_store_that_cannot_answer_is_a_503_without_challenge_and_the_fast_path_ignores_it() {
    let jwt = manager(JWTConfig::new(SECRET).store(DownStore));
    let pair = jwt.issue_pair("1", &NoClaims {}).unwrap();
    assert!(jwt.authenticate::<NoClaims>(&pair.access_token).await.is_ok(), "no store read without check_revocation");
    let err = jwt.refresh::<NoClaims>(&pair.refresh_token).await.unwrap_err();
    assert_eq!((err.kind(), err.status(), err.www_authenticate()), (AuthErrorKind::StoreUnavailable, 503, None));
    assert_eq!(err.detail(), "Token store unavailable");
    assert!(std::error::Error::source(&err).is_some(), "the store error is kept for the log");
    let checked = manager(JWTConfig::new(SECRET).store(DownStore).check_revocation(true));
    assert_eq!(kind(checked.authenticate::<NoClaims>(&pair.access_token).await), AuthErrorKind::StoreUnavailable);
}

#[test]
fn claims_that_do_not_serialize_to_an_object_are_an_internal_error_not_a_panic() {
    let jwt = hs256(&clock());
    let err = jwt.issue_pair("1", &"a bare string").unwrap_err();
    assert_eq!((err.kind(), err.status()), (AuthErrorKind::Internal, 500));
}

// ---- property tests: the token parser never panics and never answers a server error ------------

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn claim_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            any::<u64>().prop_map(|n| json!(n)),
            any::<f64>().prop_filter("JSON numbers are finite", |f| f.is_finite()).prop_map(|f| json!(f)),
            (NOW - 100..NOW + 100).prop_map(|n| json!(n)),
            "[a-z0-9 ]{0,8}".prop_map(Value::String),
            Just(json!("access")),
            Just(json!("refresh")),
        ];
        leaf.prop_recursive(2, 8, 3, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
                proptest::collection::btree_map("[a-z]{1,3}", inner, 0..3)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Payloads made of the registered claims (and the app's), each with any JSON value.
    fn payload() -> impl Strategy<Value = Value> {
        let names = prop::sample::select(vec![
            "exp",
            "nbf",
            "iat",
            "sub",
            "iss",
            "aud",
            "jti",
            "token_type",
            "fam",
            "role",
            "level",
        ]);
        proptest::collection::btree_map(names, claim_value(), 0..8)
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        /// Any claims, validly signed: either accepted, or a 401. Never a panic, never a 5xx.
        #[test]
        fn signed_tokens_with_any_claims_are_accepted_or_401(payload in payload()) {
            let jwt = manager(JWTConfig::new(SECRET).issuer("iss").clock(Arc::new(ManualClock::new(NOW))));
            let token = hs256_token(&plain_header(), &payload, SECRET.as_bytes());
            if let Err(err) = jwt.verify_access::<AppClaims>(&token) {
                prop_assert_eq!(err.status(), 401);
            }
            if let Err(err) = jwt.verify_refresh::<NoClaims>(&token) {
                prop_assert_eq!(err.status(), 401);
            }
        }

        /// Any text: a 401. Dots are frequent so the three-part splitting is exercised.
        #[test]
        fn arbitrary_strings_are_401s(token in "[A-Za-z0-9_.=+/-]{0,80}|\\PC{0,40}") {
            let jwt = hs256(&clock());
            prop_assert_eq!(jwt.verify_access::<NoClaims>(&token).unwrap_err().status(), 401);
        }

        /// A valid token with one byte changed is refused (or, if the change was a no-op, accepted).
        #[test]
        fn a_valid_token_with_one_byte_changed_is_refused(index in any::<prop::sample::Index>(), byte in any::<u8>()) {
            let jwt = hs256(&clock());
            let token = jwt.issue_access("1", &admin()).unwrap();
            let mut bytes = token.clone().into_bytes();
            let i = index.index(bytes.len());
            bytes[i] = byte;
            let Ok(changed) = String::from_utf8(bytes) else { return Ok(()) };
            match jwt.verify_access::<AppClaims>(&changed) {
                Ok(_) => prop_assert!(changed == token || decodes_to_same_bytes(&token, &changed)),
                Err(err) => prop_assert_eq!(err.status(), 401),
            }
        }
    }

    /// base64url's last character of a segment may carry unused bits: two spellings of one value.
    fn decodes_to_same_bytes(a: &str, b: &str) -> bool {
        let parts = |t: &str| t.split('.').map(|p| URL_SAFE_NO_PAD.decode(p).ok()).collect::<Vec<_>>();
        parts(a) == parts(b)
    }
}
