//! What the SQL stores (`PostgresStore`, `MySqlStore`, `SqliteStore`) share: validated table
//! names, the hashed id, the time bound on every call, the record's columns, and the cleanup task.
//!
//! Every SQL store keeps one row per session:
//!
//! | column | holds |
//! |---|---|
//! | `id_hash` | SHA-256 of the session id (the primary key); the id itself is never stored |
//! | `data` | the session's data as JSON text, key order kept |
//! | `created_at`, `issued_at` | [`Record`]'s times, seconds since the Unix epoch (the app's clock) |
//! | `expires_at` | when the row stops being live, by **the database's clock** (indexed) |
//!
//! Loading, every conditional write and the cleanup compare `expires_at` with the database's own
//! `now()`, so one clock decides, however the application servers' clocks drift.

pub(crate) mod cleanup;

use std::future::Future;
use std::time::Duration;

use ring::digest;
use serde_json::{Map, Value};

pub(crate) use crate::redact::redact;

use super::{Record, SessionId, StoreError};

/// Default bound on one store call, pool wait and statement time included.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);
/// Default table name.
pub(crate) const DEFAULT_TABLE: &str = "ravyn_sessions";
/// The longest table (or schema) name accepted: with the `_expires_at_idx` suffix of the index,
/// still within PostgreSQL's 63-byte identifiers (MySQL allows 64).
pub(crate) const MAX_NAME_LEN: usize = 48;

/// A table or schema name that is not a plain SQL identifier.
///
/// Names are checked rather than quoted-and-trusted: ASCII letters, digits and `_`, not starting
/// with a digit, at most 48 characters. So no name can carry SQL, and the same name means the same
/// table on every database.
///
/// ```
/// # #[cfg(feature = "sqlite")] {
/// use ravyn_session::store::SqliteStore;
/// let err = SqliteStore::migration_sql("sessions; DROP TABLE users").unwrap_err();
/// assert!(err.to_string().contains("sessions; DROP TABLE users"));
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind} name {name:?}: {reason}")]
pub struct TableNameError {
    kind: &'static str,
    name: String,
    reason: &'static str,
}

/// A validated table name, optionally qualified by its schema (PostgreSQL), database (MySQL) or
/// attached database (SQLite): `table` or `schema.table`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TableName {
    schema: Option<String>,
    table: String,
}

impl TableName {
    /// `table` or `schema.table`, each part a plain identifier.
    pub(crate) fn parse(name: &str) -> Result<Self, TableNameError> {
        match name.split_once('.') {
            Some((schema, table)) => {
                validate_name("schema", schema)?;
                validate_name("table", table)?;
                Ok(TableName { schema: Some(schema.to_owned()), table: table.to_owned() })
            }
            None => {
                validate_name("table", name)?;
                Ok(TableName { schema: None, table: name.to_owned() })
            }
        }
    }

    /// The schema, if qualified.
    pub(crate) fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    /// The unqualified table name.
    #[cfg_attr(not(any(feature = "mysql", feature = "sqlite")), allow(dead_code))]
    pub(crate) fn table(&self) -> &str {
        &self.table
    }

    /// The name as given: `table` or `schema.table`.
    pub(crate) fn display(&self) -> String {
        match &self.schema {
            Some(schema) => format!("{schema}.{}", self.table),
            None => self.table.clone(),
        }
    }

    /// The qualified name quoted with `quote` (`"` or a backtick): `"schema"."table"`. The parts
    /// are plain identifiers, so quoting only keeps them from being read as keywords.
    pub(crate) fn quoted(&self, quote: char) -> String {
        match &self.schema {
            Some(schema) => format!("{quote}{schema}{quote}.{quote}{}{quote}", self.table),
            None => format!("{quote}{}{quote}", self.table),
        }
    }

    /// The expiry index's unqualified name: `<table>_expires_at_idx`.
    pub(crate) fn index_name(&self) -> String {
        format!("{}_expires_at_idx", self.table)
    }
}

impl Default for TableName {
    fn default() -> Self {
        TableName { schema: None, table: DEFAULT_TABLE.to_owned() }
    }
}

/// Checks that `name` is a plain identifier (see [`TableNameError`]).
pub(crate) fn validate_name(kind: &'static str, name: &str) -> Result<(), TableNameError> {
    let fail = |reason| Err(TableNameError { kind, name: name.to_owned(), reason });
    let Some(first) = name.chars().next() else { return fail("it is empty") };
    if name.len() > MAX_NAME_LEN {
        return fail("it is longer than 48 characters");
    }
    if !(first.is_ascii_alphabetic() || first == '_') {
        return fail("it must start with an ASCII letter or '_'");
    }
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return fail("only ASCII letters, digits and '_' are allowed");
    }
    Ok(())
}

/// SHA-256 of the session id: the row's key. A leaked table (backup, replica, SQL injection
/// elsewhere in the app) then holds no usable session id.
pub(crate) fn id_hash(id: &SessionId) -> [u8; 32] {
    let mut hash = [0u8; 32];
    hash.copy_from_slice(digest::digest(&digest::SHA256, id.as_str().as_bytes()).as_ref());
    hash
}

/// A TTL in whole seconds, at least 1, as the databases' integer type.
pub(crate) fn ttl_secs(ttl: Duration) -> i64 {
    i64::try_from(ttl.as_secs().max(1)).unwrap_or(i64::MAX)
}

/// A record's time as the databases' integer type (`u64` seconds fit until the year 292 billion).
pub(crate) fn time_column(secs: u64) -> i64 {
    i64::try_from(secs).unwrap_or(i64::MAX)
}

/// The `data` column's text.
pub(crate) fn data_json(record: &Record) -> Result<String, StoreError> {
    serde_json::to_string(&record.data)
        .map_err(|error| StoreError::with_source("could not serialize the session data", error))
}

/// A record from its columns; data that does not parse is logged and treated as missing.
pub(crate) fn record_from_columns(id: &SessionId, data: &str, created_at: i64, issued_at: i64) -> Option<Record> {
    match serde_json::from_str::<Map<String, Value>>(data) {
        Ok(data) => Some(Record::new(data, created_at.max(0) as u64, issued_at.max(0) as u64)),
        Err(error) => {
            tracing::warn!(
                %error, session = %id,
                "ignoring a session row whose data is not a JSON object; the session starts empty"
            );
            None
        }
    }
}

/// Whether `error` says the pooled connection itself is broken (the server restarted or closed
/// it), so the same call on a fresh connection may well succeed.
fn broken_connection(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Io(_) | sqlx::Error::Protocol(_) | sqlx::Error::WorkerCrashed)
}

/// Runs one store call within `timeout` (pool wait included). A call that failed because its
/// pooled connection was broken is tried once more on another connection, within the same bound:
/// after a database restart every pooled connection is dead, and without this each would fail one
/// request. (If the server did run the first attempt before the connection broke, the retry
/// reports `IdTaken` or `Gone` for a create or cycle it already did: rare, and never a lost
/// revocation.)
pub(crate) async fn bounded<T, F, Fut>(
    backend: &'static str,
    operation: &'static str,
    timeout: Duration,
    mut call: F,
) -> Result<T, StoreError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, sqlx::Error>>,
{
    let attempts = async {
        match call().await {
            Err(error) if broken_connection(&error) => {
                tracing::debug!(%error, "{backend} {operation}: the pooled connection was broken; trying another");
                call().await
            }
            result => result,
        }
    };
    match tokio::time::timeout(timeout, attempts).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(StoreError::with_source(format!("{backend} {operation} failed"), error)),
        Err(_) => Err(StoreError::new(format!("{backend} {operation} timed out after {timeout:?}"))),
    }
}

/// Whether a unique-key violation caused `error` (the new id of a create or cycle is taken).
pub(crate) fn unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// Helpers for the SQL stores' tests.
#[cfg(test)]
pub(crate) mod testing {
    use ring::rand::{SecureRandom, SystemRandom};

    /// A fresh identifier: `prefix` and 12 random hex digits, so every test has its own table.
    pub(crate) fn fresh_name(prefix: &str) -> String {
        let mut bytes = [0u8; 6];
        SystemRandom::new().fill(&mut bytes).unwrap();
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!("{prefix}_{hex}")
    }

    /// Polls `condition` every 20 ms for up to `seconds`; panics with `what` if it never holds.
    pub(crate) async fn eventually(seconds: u64, what: &str, mut condition: impl AsyncFnMut() -> bool) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
        while !condition().await {
            assert!(std::time::Instant::now() < deadline, "timed out after {seconds} s waiting for: {what}");
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_plain_identifiers() {
        for good in ["ravyn_sessions", "_s", "Sessions2", &"a".repeat(48)] {
            assert_eq!(validate_name("table", good), Ok(()), "{good}");
        }
        for bad in [
            "",
            "1sessions",
            "sessions; DROP TABLE users",
            "sessions\"",
            "ses sions",
            "séssions",
            "a.b",
            "`x`",
            "x--",
            &"a".repeat(49),
        ] {
            let err = validate_name("table", bad).unwrap_err();
            assert!(err.to_string().starts_with("invalid table name"), "{err}");
        }
    }

    #[test]
    fn table_names_may_be_qualified_once() {
        let plain = TableName::parse("ravyn_sessions").unwrap();
        assert_eq!((plain.schema(), plain.table()), (None, "ravyn_sessions"));
        assert_eq!(plain.quoted('"'), "\"ravyn_sessions\"");
        let qualified = TableName::parse("auth.sessions").unwrap();
        assert_eq!(qualified.quoted('`'), "`auth`.`sessions`");
        assert_eq!(qualified.display(), "auth.sessions");
        assert_eq!(qualified.index_name(), "sessions_expires_at_idx");
        for bad in ["a.b.c", ".t", "s.", "s.1t", "s;x.t"] {
            assert!(TableName::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_id_is_stored_only_as_its_sha256() {
        let id = SessionId::random().unwrap();
        let hash = id_hash(&id);
        assert_eq!(hash.len(), 32);
        assert_ne!(&hash[..], id.as_str().as_bytes());
        assert_eq!(hash, id_hash(&id.clone()));
        assert_ne!(hash, id_hash(&SessionId::random().unwrap()));
    }
}
