//! The examples' demo users (alice@example.com / wonderland, id 1; bob@example.com / builder,
//! id 2) and their password check: one place for the login and JWT examples.

#![allow(dead_code, unreachable_pub)]

use ring::rand::{SecureRandom, SystemRandom};
use std::num::NonZeroU32;
use std::sync::OnceLock;

/// 32 random bytes, hex: a secret for when the environment gives none.
pub fn random_secret() -> Result<String, Box<dyn std::error::Error>> {
    let mut bytes = [0u8; 32];
    SystemRandom::new().fill(&mut bytes).map_err(|_| "the system random generator failed")?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// A demo user, with a PBKDF2-HMAC-SHA256 password hash.
pub struct User {
    /// The user id.
    pub id: u64,
    /// The e-mail address (the login name).
    pub email: &'static str,
    /// Kept only for `LOGIN_FAST_HASH=1` benchmark runs.
    plain: &'static str,
    salt: [u8; 16],
    hash: [u8; 32],
}

const PBKDF2_ITERATIONS: u32 = 100_000;

/// The demo users, their passwords hashed on first use.
pub fn users() -> &'static [User] {
    static USERS: OnceLock<Vec<User>> = OnceLock::new();
    USERS.get_or_init(|| {
        vec![make_user(1, "alice@example.com", "wonderland"), make_user(2, "bob@example.com", "builder")]
    })
}

fn make_user(id: u64, email: &'static str, password: &'static str) -> User {
    let mut salt = [0u8; 16];
    // A failing system RNG at start-up leaves nothing sensible to do.
    SystemRandom::new().fill(&mut salt).expect("system random generator");
    let mut hash = [0u8; 32];
    ring::pbkdf2::derive(ring::pbkdf2::PBKDF2_HMAC_SHA256, iterations(), &salt, password.as_bytes(), &mut hash);
    User { id, email, plain: password, salt, hash }
}

fn iterations() -> NonZeroU32 {
    NonZeroU32::new(PBKDF2_ITERATIONS).unwrap_or(NonZeroU32::MIN)
}

/// The user with this e-mail and password, compared in constant time through PBKDF2 (or in plain
/// text with `fast_hash`, for benchmarks only).
pub fn authenticate(email: &str, password: &str, fast_hash: bool) -> Option<&'static User> {
    let user = users().iter().find(|u| u.email.eq_ignore_ascii_case(email))?;
    if fast_hash {
        return (user.plain == password).then_some(user);
    }
    ring::pbkdf2::verify(ring::pbkdf2::PBKDF2_HMAC_SHA256, iterations(), &user.salt, password.as_bytes(), &user.hash)
        .ok()
        .map(|()| user)
}

/// The user with this id.
pub fn find(id: u64) -> Option<&'static User> {
    users().iter().find(|u| u.id == id)
}
