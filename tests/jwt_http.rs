//! JWT authentication and permissions over real HTTP (issue 12): the `jwt` example's flow, every
//! token rule (algorithm pinning, `alg: none`, HS/RS confusion, `exp`, `nbf`, leeway to the
//! second, `iss`/`aud`, typed claims, access vs refresh, key rotation, refresh reuse and races,
//! revocation), RFC 6750 challenges on every 401, malformed and oversized headers, permissions at
//! every level for token and session users, and the identity step's cost rules.

#![cfg(feature = "jwt")]
#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;
#[path = "../examples/jwt/app.rs"]
mod jwt_app;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::{init_logs, TestServer};
use ravyn::auth::{
    AllowAny, AuthUser, Claims, Credentials, DenyAll, IsAuthenticated, IsAuthenticatedOrReadOnly, Permission,
};
use ravyn::config::{Algorithm, JWTConfig, SessionConfig};
use ravyn::jwt::{JwtManager, ManualClock, MemoryTokenStore, NoClaims, TokenStore};
use ravyn::session::StoreError;
use ravyn::testing::TestClient;
use ravyn::{get, post, route, Gateway, HTTPException, Include, Json, Needs, Ravyn, Request};
use reqwest::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

const SECRET: &str = "test-secret-that-is-at-least-32-bytes-long";
const OLD_SECRET: &str = "an-older-secret-that-is-at-least-32-bytes";
const NOW: u64 = 1_795_600_000;
const RSA_PRIVATE: &str = include_str!("../ravyn-auth/testdata/rsa-private.pem");
const RSA_PUBLIC: &str = include_str!("../ravyn-auth/testdata/rsa-public.pem");
const INVALID_TOKEN: &str = "Bearer error=\"invalid_token\"";

async fn example(options: &jwt_app::Options) -> TestServer {
    init_logs();
    TestServer::start(jwt_app::build(options).unwrap()).await
}

fn options_at(clock: &Arc<ManualClock>) -> jwt_app::Options {
    let mut options = jwt_app::Options::for_tests(SECRET);
    options.clock = Some(clock.clone());
    options
}

async fn login(server: &TestServer, email: &str, password: &str) -> Value {
    let response = reqwest::Client::new()
        .post(server.url("/auth/token"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

async fn get_with(server: &TestServer, path: &str, authorization: &str) -> reqwest::Response {
    reqwest::Client::new().get(server.url(path)).header(AUTHORIZATION, authorization).send().await.unwrap()
}

async fn refresh(server: &TestServer, refresh_token: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(server.url("/auth/refresh"))
        .json(&json!({"refresh_token": refresh_token}))
        .send()
        .await
        .unwrap()
}

/// Asserts a 401 in Ravyn's shape with an RFC 6750 challenge starting with `challenge`.
async fn assert_401(response: reqwest::Response, challenge: &str) -> Value {
    assert_eq!(response.status(), 401);
    let header = response.headers().get(WWW_AUTHENTICATE).map(|v| v.to_str().unwrap().to_owned());
    let header = header.unwrap_or_else(|| panic!("a 401 without WWW-Authenticate"));
    assert!(header.starts_with(challenge), "WWW-Authenticate: {header}, expected {challenge}...");
    let body: Value = response.json().await.unwrap();
    assert!(body["detail"].is_string(), "{body}");
    assert_eq!(body.as_object().unwrap().len(), 1, "only `detail`: {body}");
    body
}

/// A token signed by hand (HMAC-SHA256 through ring, base64url through the base64 crate): for
/// headers and claims our own manager would never produce.
fn hs256(header: &Value, claims: &Value, secret: &[u8]) -> String {
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(header).unwrap()),
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap())
    );
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
    let tag = ring::hmac::sign(&key, signing_input.as_bytes());
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
}

fn header_of(token: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(token.split('.').next().unwrap()).unwrap()).unwrap()
}

// ---------------------------------------------------------------------------------------------
// The example's flow.

#[tokio::test]
async fn token_me_refresh_logout_flow() {
    let server = example(&jwt_app::Options::for_tests(SECRET)).await;
    let pair = login(&server, "alice@example.com", "wonderland").await;
    assert_eq!(pair["token_type"], "bearer");
    assert_eq!(pair["expires_in"], 300);
    let access = pair["access_token"].as_str().unwrap();
    let refresh_token = pair["refresh_token"].as_str().unwrap();

    let me = get_with(&server, "/me", &format!("Bearer {access}")).await;
    assert_eq!(me.status(), 200);
    assert_eq!(me.json::<Value>().await.unwrap(), json!({"user": {"id": 1, "email": "alice@example.com"}}));

    // Refresh: a new pair; the old refresh token is used up.
    let renewed = refresh(&server, refresh_token).await;
    assert_eq!(renewed.status(), 201);
    let renewed: Value = renewed.json().await.unwrap();
    let access2 = renewed["access_token"].as_str().unwrap().to_owned();
    assert_ne!(access2, access);
    assert_eq!(get_with(&server, "/me", &format!("Bearer {access2}")).await.status(), 200);

    // Logout with the new access token: it and its refresh family are dead.
    let logout = reqwest::Client::new()
        .post(server.url("/auth/logout"))
        .header(AUTHORIZATION, format!("Bearer {access2}"))
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 201);
    assert_eq!(logout.json::<Value>().await.unwrap(), json!({"message": "Logged out"}));
    assert_401(get_with(&server, "/me", &format!("Bearer {access2}")).await, INVALID_TOKEN).await;
    // The first access token belongs to the same family: dead too.
    assert_401(get_with(&server, "/me", &format!("Bearer {access}")).await, INVALID_TOKEN).await;
    let body = assert_401(refresh(&server, renewed["refresh_token"].as_str().unwrap()).await, INVALID_TOKEN).await;
    assert_eq!(body["detail"], "Token has been revoked.");
}

#[tokio::test]
async fn login_by_form_and_bad_credentials() {
    let server = example(&jwt_app::Options::for_tests(SECRET)).await;
    let response = reqwest::Client::new()
        .post(server.url("/auth/token"))
        .form(&[("email", "bob@example.com"), ("password", "builder")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let pair: Value = response.json().await.unwrap();
    let me = get_with(&server, "/me", &format!("Bearer {}", pair["access_token"].as_str().unwrap())).await;
    assert_eq!(me.json::<Value>().await.unwrap()["user"]["id"], 2);

    let response = reqwest::Client::new()
        .post(server.url("/auth/token"))
        .json(&json!({"email": "alice@example.com", "password": "nope"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.text().await.unwrap(), r#"{"detail":"Invalid credentials"}"#);
}

#[tokio::test]
async fn the_real_password_hash_path_logs_in() {
    let mut options = jwt_app::Options::for_tests(SECRET);
    options.fast_hash = false;
    let server = example(&options).await;
    login(&server, "alice@example.com", "wonderland").await;
}

#[tokio::test]
async fn me_without_or_with_a_bad_token_is_401_with_a_challenge() {
    let server = example(&jwt_app::Options::for_tests(SECRET)).await;
    let response = reqwest::Client::new().get(server.url("/me")).send().await.unwrap();
    assert_eq!(response.headers()[WWW_AUTHENTICATE], "Bearer");
    let body = assert_401(response, "Bearer").await;
    assert_eq!(body["detail"], "Authentication credentials were not provided.");

    let body = assert_401(get_with(&server, "/me", "Bearer not.a.token").await, INVALID_TOKEN).await;
    assert_eq!(body["detail"], "Token is invalid.");
    // Another scheme is no bearer token: the plain challenge.
    assert_401(get_with(&server, "/me", "Basic YWxpY2U6d29uZGVybGFuZA==").await, "Bearer").await;
}

#[tokio::test]
async fn the_scheme_is_case_insensitive() {
    let server = example(&jwt_app::Options::for_tests(SECRET)).await;
    let pair = login(&server, "alice@example.com", "wonderland").await;
    let access = pair["access_token"].as_str().unwrap();
    for scheme in ["bearer", "BEARER", "BeArEr"] {
        assert_eq!(get_with(&server, "/me", &format!("{scheme} {access}")).await.status(), 200, "{scheme}");
    }
}

#[tokio::test]
async fn admin_is_for_user_1_only_and_hello_is_public() {
    let server = example(&jwt_app::Options::for_tests(SECRET)).await;
    let alice = login(&server, "alice@example.com", "wonderland").await;
    let bob = login(&server, "bob@example.com", "builder").await;
    let admin = get_with(&server, "/admin", &format!("Bearer {}", alice["access_token"].as_str().unwrap())).await;
    assert_eq!(admin.status(), 200);
    let admin = get_with(&server, "/admin", &format!("Bearer {}", bob["access_token"].as_str().unwrap())).await;
    assert_eq!(admin.status(), 403);
    assert_eq!(admin.text().await.unwrap(), r#"{"detail":"You do not have permission to perform this action."}"#);
    let anonymous = reqwest::Client::new().get(server.url("/admin")).send().await.unwrap();
    assert_401(anonymous, "Bearer").await;
    let hello = reqwest::Client::new().get(server.url("/hello")).send().await.unwrap();
    assert_eq!(hello.status(), 200);
}

// ---------------------------------------------------------------------------------------------
// Token rules, each against the example over HTTP.

#[tokio::test]
async fn alg_none_is_refused() {
    let server = example(&jwt_app::Options::for_tests(SECRET)).await;
    let claims = URL_SAFE_NO_PAD.encode(json!({"sub": "1", "exp": 4_000_000_000u64}).to_string());
    for header in [json!({"alg": "none", "typ": "JWT"}), json!({"alg": "None"}), json!({"alg": "NONE"})] {
        let header = URL_SAFE_NO_PAD.encode(header.to_string());
        for token in [format!("{header}.{claims}."), format!("{header}.{claims}")] {
            assert_401(get_with(&server, "/me", &format!("Bearer {token}")).await, INVALID_TOKEN).await;
        }
    }
}

#[tokio::test]
async fn an_hs256_token_signed_with_the_rsa_public_key_is_refused() {
    let mut options = jwt_app::Options::for_tests(RSA_PRIVATE);
    options.algorithm = Algorithm::RS256;
    options.verifying_key = Some(RSA_PUBLIC.to_owned());
    let server = example(&options).await;
    // Our own RS256 token works...
    let pair = login(&server, "alice@example.com", "wonderland").await;
    assert_eq!(header_of(pair["access_token"].as_str().unwrap())["alg"], "RS256");
    assert_eq!(
        get_with(&server, "/me", &format!("Bearer {}", pair["access_token"].as_str().unwrap())).await.status(),
        200
    );
    // ...a forgery keyed with the public key (PEM as is, and trimmed) is not.
    let claims = json!({"sub": "1", "exp": 4_000_000_000u64});
    for key in [RSA_PUBLIC, RSA_PUBLIC.trim()] {
        let forged = hs256(&json!({"alg": "HS256", "typ": "JWT"}), &claims, key.as_bytes());
        assert_401(get_with(&server, "/me", &format!("Bearer {forged}")).await, INVALID_TOKEN).await;
    }
}

#[tokio::test]
async fn exp_is_required_and_typed_and_other_claims_of_the_wrong_type_are_401() {
    let server = example(&jwt_app::Options::for_tests(SECRET)).await;
    let header = json!({"alg": "HS256", "typ": "JWT"});
    for claims in [
        json!({"sub": "1"}),
        json!({"sub": "1", "exp": "never"}),
        json!({"sub": "1", "exp": null}),
        json!({"sub": "1", "exp": 4_000_000_000u64, "nbf": "99999999999"}),
        json!({"sub": 1, "exp": 4_000_000_000u64}),
        json!({"sub": "1", "exp": 4_000_000_000u64, "token_type": "id"}),
        json!({"sub": "1", "exp": 4_000_000_000u64, "aud": 7}),
    ] {
        let token = hs256(&header, &claims, SECRET.as_bytes());
        let response = get_with(&server, "/me", &format!("Bearer {token}")).await;
        assert_eq!(response.status(), 401, "{claims}");
        assert_401(response, INVALID_TOKEN).await;
    }
}

#[tokio::test]
async fn a_python_ravyn_token_without_type_or_kid_is_an_access_token() {
    let server = example(&jwt_app::Options::for_tests(SECRET)).await;
    // As Python Ravyn's `Token(sub="1", exp=...).encode(secret, "HS256")` writes it.
    let token = hs256(
        &json!({"alg": "HS256", "typ": "JWT"}),
        &json!({"sub": "1", "exp": 4_000_000_000u64, "iat": NOW}),
        SECRET.as_bytes(),
    );
    assert_eq!(get_with(&server, "/me", &format!("Bearer {token}")).await.status(), 200);
    // But never as a refresh token.
    assert_401(refresh(&server, &token).await, INVALID_TOKEN).await;
}

#[tokio::test]
async fn a_refresh_token_is_never_an_access_token_nor_the_reverse() {
    let server = example(&jwt_app::Options::for_tests(SECRET)).await;
    let pair = login(&server, "alice@example.com", "wonderland").await;
    let body = assert_401(
        get_with(&server, "/me", &format!("Bearer {}", pair["refresh_token"].as_str().unwrap())).await,
        INVALID_TOKEN,
    )
    .await;
    assert_eq!(body["detail"], "Token has wrong type.");
    assert_401(refresh(&server, pair["access_token"].as_str().unwrap()).await, INVALID_TOKEN).await;
}

#[tokio::test]
async fn leeway_is_honoured_exactly_at_its_boundary() {
    let clock = Arc::new(ManualClock::new(NOW));
    let mut options = options_at(&clock);
    options.leeway = 5;
    let server = example(&options).await;
    let pair = login(&server, "alice@example.com", "wonderland").await;
    let bearer = format!("Bearer {}", pair["access_token"].as_str().unwrap());
    // exp = NOW + 300; accepted while now < exp + leeway.
    clock.set(NOW + 304);
    assert_eq!(get_with(&server, "/me", &bearer).await.status(), 200);
    clock.set(NOW + 305);
    let body = assert_401(get_with(&server, "/me", &bearer).await, INVALID_TOKEN).await;
    assert_eq!(body["detail"], "Token has expired.");

    // Without leeway, the boundary is exp itself.
    let clock = Arc::new(ManualClock::new(NOW));
    let server = example(&options_at(&clock)).await;
    let pair = login(&server, "alice@example.com", "wonderland").await;
    let bearer = format!("Bearer {}", pair["access_token"].as_str().unwrap());
    clock.set(NOW + 299);
    assert_eq!(get_with(&server, "/me", &bearer).await.status(), 200);
    clock.set(NOW + 300);
    assert_401(get_with(&server, "/me", &bearer).await, INVALID_TOKEN).await;
}

#[tokio::test]
async fn nbf_in_the_future_is_refused_until_it_comes() {
    let clock = Arc::new(ManualClock::new(NOW));
    let server = example(&options_at(&clock)).await;
    let token =
        hs256(&json!({"alg": "HS256"}), &json!({"sub": "1", "exp": NOW + 600, "nbf": NOW + 10}), SECRET.as_bytes());
    let bearer = format!("Bearer {token}");
    assert_401(get_with(&server, "/me", &bearer).await, INVALID_TOKEN).await;
    clock.set(NOW + 10);
    assert_eq!(get_with(&server, "/me", &bearer).await.status(), 200);
}

#[tokio::test]
async fn issuer_and_audience_are_required_and_checked_when_configured() {
    let mut options = jwt_app::Options::for_tests(SECRET);
    options.issuer = Some("https://api.example".to_owned());
    options.audience = Some("mobile".to_owned());
    let server = example(&options).await;
    let pair = login(&server, "alice@example.com", "wonderland").await;
    assert_eq!(
        get_with(&server, "/me", &format!("Bearer {}", pair["access_token"].as_str().unwrap())).await.status(),
        200
    );
    let exp = 4_000_000_000u64;
    for claims in [
        json!({"sub": "1", "exp": exp}),
        json!({"sub": "1", "exp": exp, "iss": "https://api.example"}),
        json!({"sub": "1", "exp": exp, "aud": "mobile"}),
        json!({"sub": "1", "exp": exp, "iss": "https://evil.example", "aud": "mobile"}),
        json!({"sub": "1", "exp": exp, "iss": "https://api.example", "aud": "web"}),
    ] {
        let token = hs256(&json!({"alg": "HS256"}), &claims, SECRET.as_bytes());
        assert_401(get_with(&server, "/me", &format!("Bearer {token}")).await, INVALID_TOKEN).await;
    }
    let good = hs256(
        &json!({"alg": "HS256"}),
        &json!({"sub": "1", "exp": exp, "iss": "https://api.example", "aud": ["web", "mobile"]}),
        SECRET.as_bytes(),
    );
    assert_eq!(get_with(&server, "/me", &format!("Bearer {good}")).await.status(), 200);
}

#[tokio::test]
async fn key_rotation_fallback_keys_verify_new_tokens_use_the_primary_kid() {
    let old_server = example(&jwt_app::Options::for_tests(OLD_SECRET)).await;
    let old_pair = login(&old_server, "alice@example.com", "wonderland").await;
    let mut options = jwt_app::Options::for_tests(SECRET);
    options.fallback_keys = vec![OLD_SECRET.to_owned()];
    let app = jwt_app::build(&options).unwrap();
    let primary_kid = app.jwt().unwrap().key_ids().next().unwrap().as_str().to_owned();
    let server = TestServer::start(app).await;
    // The old key's token still verifies.
    assert_eq!(
        get_with(&server, "/me", &format!("Bearer {}", old_pair["access_token"].as_str().unwrap())).await.status(),
        200
    );
    // New tokens, refreshed ones included, carry the primary key's kid.
    let renewed: Value = refresh(&server, old_pair["refresh_token"].as_str().unwrap()).await.json().await.unwrap();
    assert_eq!(header_of(renewed["access_token"].as_str().unwrap())["kid"], primary_kid.as_str());
    let fresh = login(&server, "bob@example.com", "builder").await;
    assert_eq!(header_of(fresh["access_token"].as_str().unwrap())["kid"], primary_kid.as_str());
    // A kid the server does not know is refused, even if the signature is the primary key's.
    let unknown = hs256(
        &json!({"alg": "HS256", "kid": "unknown"}),
        &json!({"sub": "1", "exp": 4_000_000_000u64}),
        SECRET.as_bytes(),
    );
    assert_401(get_with(&server, "/me", &format!("Bearer {unknown}")).await, INVALID_TOKEN).await;
    // Without the fallback, the old token is refused.
    let strict = example(&jwt_app::Options::for_tests(SECRET)).await;
    assert_401(
        get_with(&strict, "/me", &format!("Bearer {}", old_pair["access_token"].as_str().unwrap())).await,
        INVALID_TOKEN,
    )
    .await;
}

#[tokio::test]
async fn a_reused_refresh_token_revokes_its_whole_family() {
    let server = example(&jwt_app::Options::for_tests(SECRET)).await;
    let first = login(&server, "alice@example.com", "wonderland").await;
    let second: Value = refresh(&server, first["refresh_token"].as_str().unwrap()).await.json().await.unwrap();
    let body = assert_401(refresh(&server, first["refresh_token"].as_str().unwrap()).await, INVALID_TOKEN).await;
    assert_eq!(body["detail"], "Refresh token was already used; its session has been revoked.");
    // The sibling pair issued by the legitimate refresh is dead too.
    assert_401(
        get_with(&server, "/me", &format!("Bearer {}", second["access_token"].as_str().unwrap())).await,
        INVALID_TOKEN,
    )
    .await;
    assert_401(refresh(&server, second["refresh_token"].as_str().unwrap()).await, INVALID_TOKEN).await;
    // Another login is another family: unaffected.
    let other = login(&server, "alice@example.com", "wonderland").await;
    assert_eq!(refresh(&server, other["refresh_token"].as_str().unwrap()).await.status(), 201);
}

#[tokio::test]
async fn twenty_concurrent_refreshes_with_one_token_give_exactly_one_success() {
    let server = example(&jwt_app::Options::for_tests(SECRET)).await;
    let pair = login(&server, "alice@example.com", "wonderland").await;
    let token = pair["refresh_token"].as_str().unwrap().to_owned();
    let client = reqwest::Client::new();
    let url = server.url("/auth/refresh");
    let attempts = (0..20).map(|_| {
        let (client, url, token) = (client.clone(), url.clone(), token.clone());
        tokio::spawn(async move {
            client.post(url).json(&json!({"refresh_token": token})).send().await.unwrap().status().as_u16()
        })
    });
    let mut statuses = Vec::new();
    for attempt in attempts {
        statuses.push(attempt.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 401).count(), 19, "{statuses:?}");
}

#[tokio::test]
async fn an_expired_refresh_token_is_refused() {
    let clock = Arc::new(ManualClock::new(NOW));
    let server = example(&options_at(&clock)).await;
    let pair = login(&server, "alice@example.com", "wonderland").await;
    clock.set(NOW + 86_400);
    let body = assert_401(refresh(&server, pair["refresh_token"].as_str().unwrap()).await, INVALID_TOKEN).await;
    assert_eq!(body["detail"], "Token has expired.");
}

// ---------------------------------------------------------------------------------------------
// Headers: malformed, oversized, garbage. Never a 5xx.

#[tokio::test]
async fn malformed_and_oversized_headers_are_401_or_431_never_5xx() {
    let server = example(&jwt_app::Options::for_tests(SECRET)).await;
    for value in ["Bearer", "Bearer ", "Bearer a b", "Bearer a,b", "Bearer \"x\"", "Bearer\ta.b.c extra", "Bearer ===="]
    {
        let response = get_with(&server, "/me", value).await;
        assert_eq!(response.status(), 401, "{value:?}");
        assert!(response.headers().contains_key(WWW_AUTHENTICATE), "{value:?}");
    }
    // A token longer than MAX_TOKEN_LEN inside an acceptable header section: 401.
    let long = format!("Bearer {}", "a".repeat(ravyn::jwt::MAX_TOKEN_LEN + 1));
    assert_401(get_with(&server, "/me", &long).await, INVALID_TOKEN).await;
    // A header section over max_header_size (16 KiB): 431 before any route.
    let huge = format!("Bearer {}", "a".repeat(20 * 1024));
    assert_eq!(get_with(&server, "/me", &huge).await.status(), 431);
    // Bytes outside ASCII.
    let response = reqwest::Client::new()
        .get(server.url("/me"))
        .header(AUTHORIZATION, reqwest::header::HeaderValue::from_bytes(b"Bearer \xff\xfe.\x80").unwrap())
        .send()
        .await
        .unwrap();
    assert_401(response, INVALID_TOKEN).await;
}

// ---------------------------------------------------------------------------------------------
// Typed claims, permissions at every level, session users, and what the identity step costs.

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct AppClaims {
    role: String,
}

#[get("/claims")]
async fn claims_route(claims: Claims<AppClaims>) -> Json<Value> {
    Json(json!({"sub": claims.subject(), "role": claims.role}))
}

#[get("/optional")]
async fn optional_route(claims: Option<Claims<AppClaims>>) -> Json<Value> {
    Json(json!({"role": claims.map(|c| c.into_inner().role)}))
}

#[get("/open")]
async fn open() -> &'static str {
    "open"
}

#[get("/guarded", permissions = [IsAuthenticated])]
async fn guarded() -> &'static str {
    "guarded"
}

#[route("/read-only", methods = ["GET", "POST"], permissions = [IsAuthenticatedOrReadOnly])]
async fn read_only() -> &'static str {
    "read-only"
}

#[get("/nobody", permissions = [DenyAll])]
async fn nobody() -> &'static str {
    "nobody"
}

#[get("/anybody", permissions = [AllowAny])]
async fn anybody() -> &'static str {
    "anybody"
}

#[get("/whoami")]
async fn whoami(request: Request) -> Json<Value> {
    Json(json!({"user": request.user::<SessionUser>().map(|u| u.id)}))
}

/// A user-written, async permission: the caller's role claim, read after an await.
struct HasRole(&'static str);

impl Permission for HasRole {
    async fn has_permission(&self, request: &Request) -> bool {
        tokio::task::yield_now().await;
        let Some(identity) = request.identity() else { return false };
        identity.claims::<AppClaims>().is_ok_and(|claims| claims.role == self.0)
    }

    fn needs(&self) -> Needs {
        Needs::USER
    }
}

#[derive(Debug)]
struct SessionUser {
    id: u64,
}

fn claims_app() -> Ravyn {
    Ravyn::builder()
        .jwt_config(JWTConfig::new(SECRET))
        .routes(vec![
            Gateway::new(claims_route),
            Gateway::new(optional_route),
            Gateway::new(open),
            Gateway::new(guarded),
            Gateway::new(read_only),
            Gateway::new(nobody),
            Gateway::new(anybody),
            Include::new("/staff", vec![Gateway::new(open), Gateway::new(guarded).permission(HasRole("admin"))])
                .permission(HasRole("staff")),
        ])
        .build()
        .unwrap()
}

#[tokio::test]
async fn typed_claims_and_claims_of_the_wrong_type() {
    let app = claims_app();
    let jwt = app.jwt().unwrap().clone();
    let server = TestServer::start(app).await;
    let good = jwt.issue_access("7", &AppClaims { role: "staff".into() }).unwrap();
    let response = get_with(&server, "/claims", &format!("Bearer {good}")).await;
    assert_eq!(response.json::<Value>().await.unwrap(), json!({"sub": "7", "role": "staff"}));
    // `role` of the wrong type, or missing: the client's bad token, 401, never 422 or 500.
    for claims in [json!({"role": 42}), json!({})] {
        let bad = jwt.issue_access("7", &claims).unwrap();
        assert_401(get_with(&server, "/claims", &format!("Bearer {bad}")).await, INVALID_TOKEN).await;
        let optional = get_with(&server, "/optional", &format!("Bearer {bad}")).await;
        assert_eq!(optional.json::<Value>().await.unwrap(), json!({"role": null}));
    }
    let anonymous = reqwest::Client::new().get(server.url("/optional")).send().await.unwrap();
    assert_eq!(anonymous.json::<Value>().await.unwrap(), json!({"role": null}));
}

#[tokio::test]
async fn permissions_at_every_level_401_then_403() {
    let app = claims_app();
    let jwt = app.jwt().unwrap().clone();
    let server = TestServer::start(app).await;
    let http = reqwest::Client::new();
    let staff = format!("Bearer {}", jwt.issue_access("2", &AppClaims { role: "staff".into() }).unwrap());
    let admin = format!("Bearer {}", jwt.issue_access("1", &AppClaims { role: "admin".into() }).unwrap());
    let status = |r: reqwest::Response| r.status().as_u16();

    assert_eq!(status(http.get(server.url("/open")).send().await.unwrap()), 200);
    assert_401(http.get(server.url("/guarded")).send().await.unwrap(), "Bearer").await;
    assert_eq!(status(get_with(&server, "/guarded", &staff).await), 200);
    assert_401(get_with(&server, "/guarded", "Bearer bad.token.here").await, INVALID_TOKEN).await;

    assert_eq!(status(http.get(server.url("/read-only")).send().await.unwrap()), 200);
    assert_401(http.post(server.url("/read-only")).send().await.unwrap(), "Bearer").await;
    assert_eq!(status(http.post(server.url("/read-only")).header(AUTHORIZATION, &staff).send().await.unwrap()), 200);

    assert_401(http.get(server.url("/nobody")).send().await.unwrap(), "Bearer").await;
    let denied = get_with(&server, "/nobody", &staff).await;
    assert_eq!(denied.status(), 403);
    assert_eq!(denied.json::<Value>().await.unwrap()["detail"], "You do not have permission to perform this action.");
    assert_eq!(status(http.get(server.url("/anybody")).send().await.unwrap()), 200);

    // The Include needs "staff"; its guarded route also needs "admin" and IsAuthenticated: every
    // level must allow.
    assert_401(http.get(server.url("/staff/open")).send().await.unwrap(), "Bearer").await;
    assert_eq!(status(get_with(&server, "/staff/open", &staff).await), 200);
    assert_eq!(status(get_with(&server, "/staff/open", &admin).await), 403);
    assert_eq!(status(get_with(&server, "/staff/guarded", &staff).await), 403);
    assert_eq!(status(get_with(&server, "/staff/guarded", &admin).await), 403);
}

#[tokio::test]
async fn app_level_permissions_apply_to_every_route() {
    let app = Ravyn::builder()
        .jwt_config(JWTConfig::new(SECRET))
        .permission(IsAuthenticated)
        .routes(vec![Gateway::new(open)])
        .build()
        .unwrap();
    let token = app.jwt().unwrap().issue_access("1", &NoClaims {}).unwrap();
    let server = TestServer::start(app).await;
    assert_401(reqwest::Client::new().get(server.url("/open")).send().await.unwrap(), "Bearer").await;
    assert_eq!(get_with(&server, "/open", &format!("Bearer {token}")).await.status(), 200);
    // A route that does not exist is still a 404, not a 401.
    assert_eq!(reqwest::Client::new().get(server.url("/missing")).send().await.unwrap().status(), 404);
}

#[post("/session-login")]
async fn session_login(request: Request, id: u64) -> &'static str {
    request.session().insert("user_id", id).unwrap();
    "ok"
}

async fn load_session_user(credentials: Credentials) -> Result<Option<SessionUser>, HTTPException> {
    Ok(match &credentials {
        Credentials::Session(session) => session.get::<u64>("user_id")?.map(|id| SessionUser { id }),
        _ => credentials.subject().and_then(|s| s.parse().ok()).map(|id| SessionUser { id }),
    })
}

#[tokio::test]
async fn the_same_permissions_work_for_session_users() {
    let app = Ravyn::builder()
        .session_config(SessionConfig::new(SECRET))
        .user_loader(load_session_user)
        .routes(vec![Gateway::new(session_login), Gateway::new(guarded), Gateway::new(whoami), Gateway::new(nobody)])
        .build()
        .unwrap();
    let server = TestServer::start(app).await;
    let http = common::client();
    // Not logged in: 401, without a bearer challenge (the app reads no tokens).
    let response = http.get(server.url("/guarded")).send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert!(!response.headers().contains_key(WWW_AUTHENTICATE));
    assert_eq!(http.post(server.url("/session-login?id=5")).send().await.unwrap().status(), 201);
    assert_eq!(http.get(server.url("/guarded")).send().await.unwrap().status(), 200);
    assert_eq!(
        http.get(server.url("/whoami")).send().await.unwrap().json::<Value>().await.unwrap(),
        json!({"user": 5})
    );
    assert_eq!(http.get(server.url("/nobody")).send().await.unwrap().status(), 403);
}

#[tokio::test]
async fn with_jwt_and_sessions_a_bad_token_wins_over_a_good_session() {
    let app = Ravyn::builder()
        .session_config(SessionConfig::new(SECRET))
        .jwt_config(JWTConfig::new(SECRET))
        .user_loader(load_session_user)
        .routes(vec![Gateway::new(session_login), Gateway::new(whoami), Gateway::new(guarded)])
        .build()
        .unwrap();
    let token = app.jwt().unwrap().issue_access("9", &NoClaims {}).unwrap();
    let server = TestServer::start(app).await;
    let http = common::client();
    http.post(server.url("/session-login?id=5")).send().await.unwrap();
    let who = |auth: Option<String>| {
        let mut request = http.get(server.url("/whoami"));
        if let Some(auth) = auth {
            request = request.header(AUTHORIZATION, auth);
        }
        async move { request.send().await.unwrap().json::<Value>().await.unwrap()["user"].clone() }
    };
    assert_eq!(who(None).await, 5);
    assert_eq!(who(Some(format!("Bearer {token}"))).await, 9);
    assert_eq!(who(Some("Bearer bad.bad.bad".to_owned())).await, Value::Null);
    let response = http.get(server.url("/guarded")).header(AUTHORIZATION, "Bearer bad.bad.bad").send().await.unwrap();
    assert_401(response, INVALID_TOKEN).await;
}

#[test]
fn build_refuses_a_bad_jwt_config_naming_the_field() {
    let cases = [
        (JWTConfig::new("short"), "jwt_config.signing_key"),
        (JWTConfig::new(RSA_PRIVATE).algorithm(Algorithm::RS256), "jwt_config.verifying_key"),
        (JWTConfig::new(SECRET).verifying_key(RSA_PUBLIC), "jwt_config.verifying_key"),
        (JWTConfig::new(RSA_PUBLIC).algorithm(Algorithm::ES256).verifying_key(RSA_PUBLIC), "jwt_config.signing_key"),
    ];
    for (config, field) in cases {
        let error = Ravyn::builder().jwt_config(config).build().unwrap_err();
        assert!(error.to_string().starts_with(&format!("invalid {field}")), "{error}");
    }
    struct AppSettings;
    impl ravyn::Settings for AppSettings {
        fn jwt_config(&self) -> Option<JWTConfig> {
            Some(JWTConfig::new("short"))
        }
    }
    let error = Ravyn::builder().settings_module(AppSettings).build().unwrap_err();
    assert!(error.to_string().starts_with("invalid jwt_config.signing_key"), "{error}");
}

/// A memory store that counts its reads.
#[derive(Debug, Default)]
struct CountingStore {
    inner: MemoryTokenStore,
    reads: AtomicUsize,
}

impl TokenStore for CountingStore {
    fn consume<'a>(
        &'a self,
        jti: &'a str,
        family: &'a str,
        jti_ttl: std::time::Duration,
        family_ttl: std::time::Duration,
    ) -> ravyn::BoxFuture<'a, Result<ravyn::jwt::store::Consumed, StoreError>> {
        self.inner.consume(jti, family, jti_ttl, family_ttl)
    }
    fn revoke<'a>(
        &'a self,
        jti: Option<&'a str>,
        family: Option<&'a str>,
        jti_ttl: std::time::Duration,
        family_ttl: std::time::Duration,
    ) -> ravyn::BoxFuture<'a, Result<(), StoreError>> {
        self.inner.revoke(jti, family, jti_ttl, family_ttl)
    }
    fn is_revoked<'a>(
        &'a self,
        jti: Option<&'a str>,
        family: Option<&'a str>,
    ) -> ravyn::BoxFuture<'a, Result<bool, StoreError>> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        self.inner.is_revoked(jti, family)
    }
}

#[tokio::test]
async fn the_signature_path_reads_no_store_and_routes_without_identity_skip_the_step() {
    for check_revocation in [false, true] {
        let store = Arc::new(CountingStore::default());
        let mut options = jwt_app::Options::for_tests(SECRET);
        options.check_revocation = check_revocation;
        options.store = Some(store.clone());
        let server = example(&options).await;
        let pair = login(&server, "alice@example.com", "wonderland").await;
        let bearer = format!("Bearer {}", pair["access_token"].as_str().unwrap());
        assert_eq!(get_with(&server, "/me", &bearer).await.status(), 200);
        assert_eq!(
            store.reads.load(Ordering::SeqCst),
            usize::from(check_revocation),
            "check_revocation {check_revocation}"
        );
        // A route that needs no identity does not even look at the header.
        assert_eq!(get_with(&server, "/hello", "Bearer garbage").await.status(), 200);
        assert_eq!(get_with(&server, "/hello", &bearer).await.status(), 200);
        assert_eq!(store.reads.load(Ordering::SeqCst), usize::from(check_revocation));
    }
}

/// A store that never answers in time.
#[derive(Debug)]
struct DeadStore;

impl TokenStore for DeadStore {
    fn consume<'a>(
        &'a self,
        _: &'a str,
        _: &'a str,
        _: std::time::Duration,
        _: std::time::Duration,
    ) -> ravyn::BoxFuture<'a, Result<ravyn::jwt::store::Consumed, StoreError>> {
        Box::pin(async { Err(StoreError::new("store unreachable")) })
    }
    fn revoke<'a>(
        &'a self,
        _: Option<&'a str>,
        _: Option<&'a str>,
        _: std::time::Duration,
        _: std::time::Duration,
    ) -> ravyn::BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async { Err(StoreError::new("store unreachable")) })
    }
    fn is_revoked<'a>(
        &'a self,
        _: Option<&'a str>,
        _: Option<&'a str>,
    ) -> ravyn::BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async { Err(StoreError::new("store unreachable")) })
    }
}

#[tokio::test]
async fn a_token_store_that_does_not_answer_is_503_not_401() {
    let mut options = jwt_app::Options::for_tests(SECRET);
    options.store = Some(Arc::new(DeadStore));
    let server = example(&options).await;
    let pair = login(&server, "alice@example.com", "wonderland").await;
    let response = get_with(&server, "/me", &format!("Bearer {}", pair["access_token"].as_str().unwrap())).await;
    assert_eq!(response.status(), 503);
    assert!(!response.headers().contains_key(WWW_AUTHENTICATE));
    assert_eq!(response.text().await.unwrap(), r#"{"detail":"Token store unavailable"}"#);
    assert_eq!(refresh(&server, pair["refresh_token"].as_str().unwrap()).await.status(), 503);
    assert_eq!(get_with(&server, "/hello", "Bearer x").await.status(), 200);
}

// ---------------------------------------------------------------------------------------------
// TestClient helpers, and the header parser never panicking.

#[get("/me-typed")]
async fn me_typed(user: AuthUser<SessionUser>) -> Json<Value> {
    Json(json!({"id": user.id}))
}

#[tokio::test]
async fn test_client_mints_tokens_sends_bearers_and_freezes_the_clock() {
    let clock = TestClient::freeze_clock();
    let app = Ravyn::builder()
        .jwt_config(JWTConfig::new(SECRET).clock(clock.clone()))
        .user_loader(load_session_user)
        .routes(vec![Gateway::new(me_typed)])
        .build()
        .unwrap();
    let client = TestClient::new(app);
    let token = client.mint_token("3", &NoClaims {});
    let response = client.get("/me-typed").bearer(&token).send().await;
    assert_eq!(response.json::<Value>(), json!({"id": 3}));
    clock.advance(300);
    let response = client.get("/me-typed").bearer(&token).send().await;
    assert_eq!(response.status(), 401);
    let pair = client.mint_pair("4", &NoClaims {});
    let refreshed = client.app().jwt().unwrap().refresh::<NoClaims>(&pair.refresh_token).await.unwrap();
    assert_eq!(client.get("/me-typed").bearer(&refreshed.access_token).send().await.json::<Value>(), json!({"id": 4}));
}

#[test]
fn the_jwt_manager_is_reachable_from_handlers() {
    fn takes(_: JwtManager) {}
    let _ = takes;
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(600))]

        /// Any header value (any bytes a header can carry), with any of the schemes around it:
        /// the answer is 200 only for a valid token and otherwise 401 with a challenge; never a
        /// panic, never a 5xx.
        #[test]
        fn any_authorization_header_is_401_or_200_never_5xx(
            scheme in prop::sample::select(vec!["Bearer ", "bearer ", "Basic ", "", "Bearer  ", "Bearer\t"]),
            bytes in proptest::collection::vec(prop_oneof![
                4 => prop::sample::select(b"ABCxyz019-._~+/=.".to_vec()),
                1 => 0x20u8..0x7f,
                1 => 0x80u8..=0xff,
                1 => Just(b'\t'),
            ], 0..300),
        ) {
            let rt = runtime();
            let client = TestClient::new(jwt_app::build(&jwt_app::Options::for_tests(SECRET)).unwrap());
            let mut value = scheme.as_bytes().to_vec();
            value.extend_from_slice(&bytes);
            let Ok(value) = ravyn::http::HeaderValue::from_bytes(&value) else { return Ok(()) };
            let status = rt.block_on(async {
                let mut request = ravyn::Request::builder().uri("/me").build();
                request.headers_mut().insert(ravyn::http::header::AUTHORIZATION, value);
                client.app().handle(request).await.status_code().as_u16()
            });
            prop_assert_eq!(status, 401);
        }

        /// Valid tokens with a byte flipped anywhere: 401, never accepted, never a 5xx.
        #[test]
        fn a_token_with_any_byte_changed_is_refused(at in 0usize..400, byte in any::<u8>()) {
            let rt = runtime();
            let client = TestClient::new(jwt_app::build(&jwt_app::Options::for_tests(SECRET)).unwrap());
            let token = client.mint_token("1", &NoClaims {});
            let mut bytes = token.clone().into_bytes();
            let at = at % bytes.len();
            prop_assume!(bytes[at] != byte);
            bytes[at] = byte;
            let value = [b"Bearer ".as_slice(), &bytes].concat();
            let Ok(value) = ravyn::http::HeaderValue::from_bytes(&value) else { return Ok(()) };
            let status = rt.block_on(async {
                let mut request = ravyn::Request::builder().uri("/me").build();
                request.headers_mut().insert(ravyn::http::header::AUTHORIZATION, value);
                client.app().handle(request).await.status_code().as_u16()
            });
            // Changing base64url padding bits of the last character can leave the signature
            // bytes the same; anything else must be refused.
            prop_assert!(status == 401 || (status == 200 && at + 1 == token.len()), "status {} at {}", status, at);
        }
    }
}
