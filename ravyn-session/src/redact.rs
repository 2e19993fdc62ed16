//! Connection URLs in messages, without their passwords: shared by every store that connects to
//! a server (Redis, PostgreSQL, MySQL).

/// `url` with everything between `scheme://` and the last `@` (the user and password) replaced
/// by `***`.
pub(crate) fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => format!("{}://***{}", &url[..scheme], &url[at..]),
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_hides_the_password_only() {
        assert_eq!(redact("redis://user:hunter2@host:6379/0"), "redis://***@host:6379/0");
        assert_eq!(redact("postgres://app:hunter2@db:5432/app"), "postgres://***@db:5432/app");
        assert_eq!(redact("redis://host"), "redis://host");
        assert_eq!(redact("sqlite://sessions.db"), "sqlite://sessions.db");
    }
}
