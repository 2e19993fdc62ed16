//! What the identity step and the token endpoints cost: bearer parsing plus verification of one
//! access token per algorithm family, issuing a pair, and a refresh against the memory store.
//!
//! `cargo bench -p ravyn-auth --bench jwt`. For decisions, count instructions instead (callgrind):
//! wall time on a shared machine moves by ±10 %.

use std::hint::black_box;

use criterion::{criterion_main, Criterion};
use ravyn_auth::{Algorithm, JWTConfig, JwtManager, NoClaims};

fn manager(alg: Algorithm) -> JwtManager {
    let config = match alg {
        Algorithm::HS256 => JWTConfig::new("a-long-random-secret-of-at-least-32-bytes"),
        Algorithm::RS256 => JWTConfig::new(include_str!("../testdata/rsa-private.pem"))
            .verifying_key(include_str!("../testdata/rsa-public.pem")),
        Algorithm::ES256 => JWTConfig::new(include_str!("../testdata/ec-p256-private.pem"))
            .verifying_key(include_str!("../testdata/ec-p256-public.pem")),
        _ => JWTConfig::new(include_str!("../testdata/ed25519-private.pem"))
            .verifying_key(include_str!("../testdata/ed25519-public.pem")),
    };
    JwtManager::new(config.algorithm(alg)).expect("valid bench config")
}

fn verify(c: &mut Criterion) {
    for alg in [Algorithm::HS256, Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA] {
        let jwt = manager(alg);
        let pair = jwt.issue_pair("1", &NoClaims {}).expect("issue");
        let header = format!("Bearer {}", pair.access_token);
        c.bench_function(&format!("bearer + verify_access {alg}"), |b| {
            b.iter(|| {
                let token = jwt.bearer(Some(black_box(header.as_bytes()))).expect("bearer");
                jwt.verify_access::<NoClaims>(token).expect("valid")
            });
        });
    }
}

fn issue_and_refresh(c: &mut Criterion) {
    let jwt = manager(Algorithm::HS256);
    c.bench_function("issue_pair HS256", |b| b.iter(|| jwt.issue_pair(black_box("1"), &NoClaims {}).expect("issue")));
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    c.bench_function("issue_pair + refresh HS256 (memory store)", |b| {
        b.iter(|| {
            let pair = jwt.issue_pair("1", &NoClaims {}).expect("issue");
            runtime.block_on(jwt.refresh::<NoClaims>(&pair.refresh_token)).expect("refresh")
        });
    });
}

// criterion_group! generates an undocumented function.
#[allow(missing_docs)]
mod group {
    criterion::criterion_group!(benches, super::verify, super::issue_and_refresh);
}
use group::benches;
criterion_main!(benches);
