//! The JWT example's app, shared by `main.rs`, the integration tests and the benchmark.

// Shared by the example binary, the tests and the bench; each uses part of it.
#![allow(dead_code, unreachable_pub)]

#[path = "../common/users.rs"]
mod users;

use ravyn::auth::{AuthUser, Claims, Credentials, Permission};
use ravyn::config::{Algorithm, JWTConfig};
use ravyn::jwt::{Clock, JwtManager, NoClaims, TokenPair, TokenStore};
use ravyn::{get, post, Gateway, HTTPException, Json, Needs, Ravyn, Request};
use serde::Serialize;
use serde_json::{json, Value};
use std::sync::Arc;

/// The example's configuration, read from the environment by [`Options::from_env`].
#[derive(Clone)]
pub struct Options {
    /// `JWT_SECRET` (HMAC), or the PEM private key of `JWT_PRIVATE_KEY_FILE`.
    pub signing_key: String,
    /// The PEM public key of `JWT_PUBLIC_KEY_FILE` (RS256, ES256, EdDSA...).
    pub verifying_key: Option<String>,
    /// `JWT_ALGORITHM` (default HS256).
    pub algorithm: Algorithm,
    /// `JWT_ACCESS_LIFETIME` in seconds (default 300).
    pub access_lifetime: u64,
    /// `JWT_REFRESH_LIFETIME` in seconds (default 86400).
    pub refresh_lifetime: u64,
    /// `JWT_LEEWAY` in seconds (default 0).
    pub leeway: u64,
    /// `JWT_ISSUER`.
    pub issuer: Option<String>,
    /// `JWT_AUDIENCE`.
    pub audience: Option<String>,
    /// `JWT_FALLBACK_SECRETS`, comma-separated: older keys that still verify.
    pub fallback_keys: Vec<String>,
    /// `JWT_STORE=memory|redis`: `None` for the in-process memory store.
    pub store: Option<Arc<dyn TokenStore>>,
    /// `LOGIN_FAST_HASH=1`: plain password comparison, for benchmarks only.
    pub fast_hash: bool,
    /// `JWT_CHECK_REVOCATION=0` turns off the per-request revocation check (default on, so a
    /// logout kills its access token at once; off, verification reads no store).
    pub check_revocation: bool,
    /// The clock tokens use (tests inject a manual one).
    pub clock: Option<Arc<dyn Clock>>,
}

impl Options {
    /// Options for tests: `secret`, everything else at its default.
    pub fn for_tests(secret: &str) -> Self {
        Options {
            signing_key: secret.to_owned(),
            verifying_key: None,
            algorithm: Algorithm::HS256,
            access_lifetime: 300,
            refresh_lifetime: 86_400,
            leeway: 0,
            issuer: None,
            audience: None,
            fallback_keys: Vec::new(),
            store: None,
            fast_hash: true,
            check_revocation: true,
            clock: None,
        }
    }

    /// Reads the environment (see `main.rs`). A value that does not parse stops the example.
    pub fn from_env() -> Result<Self, Box<dyn std::error::Error>> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let seconds = |name: &str, default: u64| -> Result<u64, Box<dyn std::error::Error>> {
            match var(name) {
                Some(value) => value.parse().map_err(|_| format!("{name}: expected seconds, not {value:?}").into()),
                None => Ok(default),
            }
        };
        let algorithm: Algorithm = match var("JWT_ALGORITHM") {
            Some(name) => name.parse().map_err(|e| format!("JWT_ALGORITHM: {e}"))?,
            None => Algorithm::HS256,
        };
        let read = |name: &str| -> Result<String, Box<dyn std::error::Error>> {
            let path = var(name).ok_or_else(|| format!("{name} is required for JWT_ALGORITHM={algorithm}"))?;
            std::fs::read_to_string(&path).map_err(|e| format!("{name}: cannot read {path}: {e}").into())
        };
        let (signing_key, verifying_key) = if algorithm.is_asymmetric() {
            (read("JWT_PRIVATE_KEY_FILE")?, Some(read("JWT_PUBLIC_KEY_FILE")?))
        } else {
            let secret = match var("JWT_SECRET") {
                Some(secret) => secret,
                None => {
                    tracing::warn!("JWT_SECRET is not set: using a random secret, so tokens do not survive a restart");
                    users::random_secret()?
                }
            };
            (secret, None)
        };
        let fallback_keys = match var("JWT_FALLBACK_SECRETS") {
            Some(list) => list.split(',').map(str::trim).filter(|k| !k.is_empty()).map(str::to_owned).collect(),
            None => Vec::new(),
        };
        Ok(Options {
            signing_key,
            verifying_key,
            algorithm,
            access_lifetime: seconds("JWT_ACCESS_LIFETIME", 300)?,
            refresh_lifetime: seconds("JWT_REFRESH_LIFETIME", 86_400)?,
            leeway: seconds("JWT_LEEWAY", 0)?,
            issuer: var("JWT_ISSUER"),
            audience: var("JWT_AUDIENCE"),
            fallback_keys,
            store: store_from_env()?,
            fast_hash: var("LOGIN_FAST_HASH").is_some_and(|v| v == "1"),
            check_revocation: var("JWT_CHECK_REVOCATION").is_none_or(|v| v != "0"),
            clock: None,
        })
    }

    /// The JWT configuration these options describe.
    pub fn jwt_config(&self) -> JWTConfig {
        let mut config = JWTConfig::new(self.signing_key.clone())
            .algorithm(self.algorithm)
            .access_token_lifetime(self.access_lifetime)
            .refresh_token_lifetime(self.refresh_lifetime)
            .leeway(self.leeway)
            .fallback_keys(self.fallback_keys.clone())
            .check_revocation(self.check_revocation);
        if let Some(key) = &self.verifying_key {
            config = config.verifying_key(key.clone());
        }
        if let Some(issuer) = &self.issuer {
            config = config.issuer(issuer.clone());
        }
        if let Some(audience) = &self.audience {
            config = config.audience(audience.clone());
        }
        if let Some(clock) = &self.clock {
            config = config.clock(clock.clone());
        }
        match &self.store {
            Some(store) => config.store(SharedStore(store.clone())),
            None => config,
        }
    }
}

/// `JWT_STORE=memory|redis` (default memory); `redis` connects to `REDIS_URL` (default
/// `redis://127.0.0.1:6379`) and needs the `redis` feature.
fn store_from_env() -> Result<Option<Arc<dyn TokenStore>>, Box<dyn std::error::Error>> {
    match std::env::var("JWT_STORE").unwrap_or_default().to_ascii_lowercase().as_str() {
        "" | "memory" => Ok(None),
        #[cfg(feature = "redis")]
        "redis" => {
            let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
            Ok(Some(Arc::new(ravyn::jwt::RedisTokenStore::new(&url)?)))
        }
        #[cfg(not(feature = "redis"))]
        "redis" => Err("JWT_STORE=redis needs the redis feature: cargo run --features redis --example jwt".into()),
        other => Err(format!("JWT_STORE: expected memory or redis, not {other:?}").into()),
    }
}

/// A store shared by `Arc` (so tests can keep a handle to the one the app uses).
#[derive(Debug)]
struct SharedStore(Arc<dyn TokenStore>);

impl TokenStore for SharedStore {
    fn consume<'a>(
        &'a self,
        jti: &'a str,
        family: &'a str,
        jti_ttl: std::time::Duration,
        family_ttl: std::time::Duration,
    ) -> ravyn::BoxFuture<'a, Result<ravyn::jwt::store::Consumed, ravyn::session::StoreError>> {
        self.0.consume(jti, family, jti_ttl, family_ttl)
    }

    fn revoke<'a>(
        &'a self,
        jti: Option<&'a str>,
        family: Option<&'a str>,
        jti_ttl: std::time::Duration,
        family_ttl: std::time::Duration,
    ) -> ravyn::BoxFuture<'a, Result<(), ravyn::session::StoreError>> {
        self.0.revoke(jti, family, jti_ttl, family_ttl)
    }

    fn is_revoked<'a>(
        &'a self,
        jti: Option<&'a str>,
        family: Option<&'a str>,
    ) -> ravyn::BoxFuture<'a, Result<bool, ravyn::session::StoreError>> {
        self.0.is_revoked(jti, family)
    }
}

/// The caller, as `GET /me` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct User {
    /// The user id (the tokens' `sub`).
    pub id: u64,
    /// The e-mail address.
    pub email: &'static str,
}

/// The app: its routes, its JWT configuration and its user loader.
pub fn build(options: &Options) -> Result<Ravyn, ravyn::ConfigError> {
    let fast_hash = options.fast_hash;
    // Hash the demo passwords now, not on the first login.
    let _ = users::users();
    let builder = Ravyn::builder();
    // The document (`/openapi.json`, `/docs/swagger`...): the `bearer` scheme comes from the
    // `jwt_config`, and `/me`, `/auth/logout` and `/admin` need it (their `AuthUser`/`Claims`
    // arguments and permission say so).
    #[cfg(feature = "openapi")]
    let builder = builder.openapi_config(
        ravyn::config::OpenAPIConfig::new()
            .title("Ravyn JWT example")
            .version("1.0.0")
            .summary("Bearer tokens: log in for a token pair, refresh it, log out.")
            .tags([ravyn::openapi::Tag::new("auth").description("Tokens: issuing, refreshing, revoking")]),
    );
    builder
        .routes(vec![
            if fast_hash { Gateway::new(token_fast_hash) } else { Gateway::new(token) },
            Gateway::new(refresh),
            Gateway::new(logout),
            Gateway::new(me),
            Gateway::new(admin),
            Gateway::new(hello),
        ])
        .jwt_config(options.jwt_config())
        .user_loader(load_user)
        .build()
}

/// The user loader: a token's subject is a user id.
async fn load_user(credentials: Credentials) -> Result<Option<User>, HTTPException> {
    let id = credentials.subject().and_then(|sub| sub.parse::<u64>().ok());
    Ok(id.and_then(users::find).map(|user| User { id: user.id, email: user.email }))
}

fn issue(jwt: &JwtManager, user: Option<&users::User>) -> Result<Json<TokenPair>, HTTPException> {
    let user = user.ok_or_else(|| HTTPException::new(401, "Invalid credentials"))?;
    Ok(Json(jwt.issue_pair(&user.id.to_string(), &NoClaims {})?))
}

/// `POST /auth/token`: `email` and `password` from a JSON or form body → a token pair.
#[post("/auth/token", tags = ["auth"], responses(401 = (HTTPException, "Invalid credentials")))]
async fn token(jwt: JwtManager, email: String, password: String) -> Result<Json<TokenPair>, HTTPException> {
    // PBKDF2 is slow on purpose: keep it off the async worker threads.
    let user = tokio::task::spawn_blocking(move || users::authenticate(&email, &password, false))
        .await
        .map_err(|_| HTTPException::internal_server_error())?;
    issue(&jwt, user)
}

/// `POST /auth/token` with `LOGIN_FAST_HASH=1`: plain password comparison, for benchmarks only.
#[post("/auth/token", tags = ["auth"], responses(401 = (HTTPException, "Invalid credentials")))]
async fn token_fast_hash(jwt: JwtManager, email: String, password: String) -> Result<Json<TokenPair>, HTTPException> {
    issue(&jwt, users::authenticate(&email, &password, true))
}

/// `POST /auth/refresh` `{"refresh_token": ...}` → a new pair; the old refresh token is used up
/// (presenting it again revokes its whole family).
#[post(
    "/auth/refresh",
    tags = ["auth"],
    responses(401 = (HTTPException, "The refresh token is invalid, expired, already used or revoked"))
)]
async fn refresh(jwt: JwtManager, refresh_token: String) -> Result<Json<TokenPair>, HTTPException> {
    Ok(Json(jwt.refresh::<NoClaims>(&refresh_token).await?))
}

/// `POST /auth/logout` with the bearer: that token and its refresh family are revoked.
#[post("/auth/logout", tags = ["auth"])]
async fn logout(jwt: JwtManager, claims: Claims) -> Result<Json<Value>, HTTPException> {
    jwt.revoke(claims.token()).await?;
    Ok(Json(json!({"message": "Logged out"})))
}

/// `GET /me`: the caller, or 401 with `WWW-Authenticate`.
#[get("/me")]
async fn me(user: AuthUser<User>) -> Json<Value> {
    Json(json!({"user": &*user}))
}

/// Only user 1: a user-written permission.
pub struct IsAdmin;

impl Permission for IsAdmin {
    async fn has_permission(&self, request: &Request) -> bool {
        request.user::<User>().is_some_and(|user| user.id == 1)
    }

    fn needs(&self) -> Needs {
        Needs::USER
    }
}

/// `GET /admin`: user 1 only (bob gets 403, a caller without a token 401).
#[get("/admin", permissions = [IsAdmin])]
async fn admin() -> Json<Value> {
    Json(json!({"message": "Welcome, admin"}))
}

/// `GET /hello`: public.
#[get("/hello")]
async fn hello() -> Json<Value> {
    Json(json!({"message": "Hello, world"}))
}
