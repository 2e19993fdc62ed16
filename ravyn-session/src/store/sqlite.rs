//! [`SqliteStore`]: sessions in a SQLite database file, for an app on one machine.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::Row;

use super::sql::cleanup::{self, CleanupConfig, CleanupTask, ExpiredRows};
use super::sql::{self, TableName, TableNameError};
use super::{
    BoxFuture, CreateOutcome, CycleOutcome, DeleteOutcome, Record, SessionId, SessionStore, StoreError, UpdateOutcome,
};

const BACKEND: &str = "SQLite";
/// Connections in the pool `connect` makes for a file database: readers run in parallel in WAL
/// mode; writers take turns (each write is one statement, waiting up to the timeout for its turn).
const POOL_SIZE: u32 = 4;
/// SQLite's clock in milliseconds since the Unix epoch (`unixepoch('subsec')` needs SQLite 3.42;
/// the bundled SQLite is newer). Whole seconds would let a 1 s TTL end up to 1 s early.
const NOW_MS: &str = "CAST(unixepoch('subsec') * 1000 AS INTEGER)";

/// Sessions in a SQLite database (feature `sqlite`): the embedded choice for an app that runs on
/// one machine. The database is a file in WAL mode (readers never wait for the writer), with
/// `synchronous = NORMAL` and a busy timeout equal to the store's timeout; SQLite itself is
/// compiled in, so nothing needs installing.
///
/// The table (default `ravyn_sessions`, see [`migration_sql`](Self::migration_sql)) is a `STRICT`
/// table holding, per session, the SHA-256 of its id (never the id), its data as JSON text (keys
/// in order), its creation and issue times, and `expires_at` in milliseconds by SQLite's clock,
/// with an index. Creating uses `INSERT ... ON CONFLICT DO UPDATE ... WHERE` the existing row has
/// expired; updating `UPDATE ... WHERE ... AND expires_at > now`; cycling one `UPDATE ... SET
/// id_hash = ?`. Each is one statement, so each is atomic.
///
/// ```
/// use ravyn_session::store::SqliteStore;
/// use ravyn_session::SessionConfig;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let dir = std::env::temp_dir().join(format!("ravyn-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// # let path = dir.join("sessions.db");
/// let store = SqliteStore::open(&path).await?; // created if missing
/// store.migrate().await?;
/// let config = SessionConfig::new("a-long-random-secret-of-at-least-32-bytes").store(store);
/// # let _ = config;
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    table: TableName,
    queries: Arc<Queries>,
    timeout: Duration,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("table", &self.table.display())
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// The statements for one table, built once.
struct Queries {
    load: String,
    create: String,
    update: String,
    cycle: String,
    delete: String,
    delete_expired_id: String,
    delete_expired_batch: String,
}

impl Queries {
    fn new(table: &TableName) -> Self {
        let t = table.quoted('"');
        let expires = format!("{NOW_MS} + ?5 * 1000");
        Queries {
            load: format!("SELECT data, created_at, issued_at FROM {t} WHERE id_hash = ?1 AND expires_at > {NOW_MS}"),
            create: format!(
                "INSERT INTO {t} AS s (id_hash, data, created_at, issued_at, expires_at) \
                 VALUES (?1, ?2, ?3, ?4, {expires}) \
                 ON CONFLICT (id_hash) DO UPDATE SET data = excluded.data, created_at = excluded.created_at, \
                 issued_at = excluded.issued_at, expires_at = excluded.expires_at \
                 WHERE s.expires_at <= {NOW_MS}"
            ),
            update: format!(
                "UPDATE {t} SET data = ?2, created_at = ?3, issued_at = ?4, expires_at = {expires} \
                 WHERE id_hash = ?1 AND expires_at > {NOW_MS}"
            ),
            cycle: format!(
                "UPDATE {t} SET id_hash = ?6, data = ?2, created_at = ?3, issued_at = ?4, expires_at = {expires} \
                 WHERE id_hash = ?1 AND expires_at > {NOW_MS}"
            ),
            delete: format!("DELETE FROM {t} WHERE id_hash = ?1 RETURNING expires_at > {NOW_MS}"),
            delete_expired_id: format!("DELETE FROM {t} WHERE id_hash = ?1 AND expires_at <= {NOW_MS}"),
            // Plain DELETE ... LIMIT needs a compile-time option; a rowid subquery does not.
            delete_expired_batch: format!(
                "DELETE FROM {t} WHERE rowid IN (SELECT rowid FROM {t} WHERE expires_at <= {NOW_MS} LIMIT ?1)"
            ),
        }
    }
}

impl SqliteStore {
    /// A store on the application's own pool, for the table `ravyn_sessions`. Every call is
    /// still bounded by [`timeout`](Self::timeout). Configure the pool as [`open`](Self::open)
    /// does (WAL, a busy timeout); an in-memory database needs a pool of one connection that is
    /// never closed, or each connection would see a database of its own.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let pool = sqlx::sqlite::SqlitePoolOptions::new().max_connections(1).connect("sqlite::memory:").await?;
    /// let store = ravyn_session::store::SqliteStore::new(pool);
    /// store.migrate().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(pool: SqlitePool) -> Self {
        let table = TableName::default();
        SqliteStore { pool, queries: Arc::new(Queries::new(&table)), table, timeout: sql::DEFAULT_TIMEOUT }
    }

    /// Opens (creating it if missing) the database file at `path`, in WAL mode, with a pool of
    /// its own (4 connections).
    ///
    /// # Errors
    ///
    /// When the file cannot be opened or created.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), ravyn_session::StoreError> {
    /// # let path = std::env::temp_dir().join(format!("ravyn-doc-open-{}.db", std::process::id()));
    /// let store = ravyn_session::store::SqliteStore::open(&path).await?;
    /// assert!(path.exists());
    /// # drop(store);
    /// # for suffix in ["", "-wal", "-shm"] { std::fs::remove_file(format!("{}{suffix}", path.display())).ok(); }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn open(path: impl AsRef<std::path::Path>) -> Result<Self, StoreError> {
        let path = path.as_ref();
        let options = SqliteConnectOptions::new().filename(path);
        Self::connect_with(options, &path.display().to_string()).await
    }

    /// Opens the database at `url` in sqlx's form: `sqlite://sessions.db` (a file, created if
    /// missing, relative to the working directory), `sqlite:///var/lib/app/sessions.db`, or
    /// `sqlite::memory:` (one connection: every connection to `:memory:` is a database of its
    /// own, so a larger pool would lose sessions).
    ///
    /// # Errors
    ///
    /// An invalid URL, or a file that cannot be opened or created.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), ravyn_session::StoreError> {
    /// let store = ravyn_session::store::SqliteStore::connect("sqlite::memory:").await?;
    /// store.migrate().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|error| StoreError::with_source(format!("invalid SQLite URL {:?}", sql::redact(url)), error))?;
        Self::connect_with(options, url).await
    }

    /// An in-memory database (one connection, kept open): for tests and examples.
    ///
    /// # Errors
    ///
    /// When SQLite cannot be started.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), ravyn_session::StoreError> {
    /// let store = ravyn_session::store::SqliteStore::open_in_memory().await?;
    /// store.migrate().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn open_in_memory() -> Result<Self, StoreError> {
        Self::connect_with(SqliteConnectOptions::new().in_memory(true), ":memory:").await
    }

    async fn connect_with(options: SqliteConnectOptions, name: &str) -> Result<Self, StoreError> {
        let in_memory = name.contains(":memory:") || options.get_filename() == std::path::Path::new(":memory:");
        let options = options
            .create_if_missing(true)
            .journal_mode(if in_memory { SqliteJournalMode::Memory } else { SqliteJournalMode::Wal })
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(sql::DEFAULT_TIMEOUT);
        let pool = if in_memory {
            // One connection, never closed: the database lives and dies with it.
            SqlitePoolOptions::new().max_connections(1).min_connections(1).idle_timeout(None).max_lifetime(None)
        } else {
            SqlitePoolOptions::new().max_connections(POOL_SIZE)
        };
        let pool =
            pool.acquire_timeout(sql::DEFAULT_TIMEOUT).test_before_acquire(false).connect_with(options).await.map_err(
                |error| StoreError::with_source(format!("could not open the SQLite database {name:?}"), error),
            )?;
        Ok(SqliteStore::new(pool))
    }

    /// Uses the table `name` (default `ravyn_sessions`), optionally qualified by an attached
    /// database's name.
    ///
    /// # Errors
    ///
    /// When a part of `name` is not a plain identifier ([`TableNameError`]).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use ravyn_session::store::SqliteStore;
    /// let store = SqliteStore::open_in_memory().await?.table("web_sessions")?;
    /// assert_eq!(store.get_table(), "web_sessions");
    /// assert!(store.table("web sessions").is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn table(mut self, name: &str) -> Result<Self, TableNameError> {
        self.table = TableName::parse(name)?;
        self.queries = Arc::new(Queries::new(&self.table));
        Ok(self)
    }

    /// Sets the bound on each call, pool wait and statement included (default 2 s).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    /// let store = ravyn_session::store::SqliteStore::open_in_memory().await?.timeout(Duration::from_secs(1));
    /// assert_eq!(store.get_timeout(), Duration::from_secs(1));
    /// # Ok(())
    /// # }
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The table, as given to [`table`](Self::table).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let store = ravyn_session::store::SqliteStore::open_in_memory().await?;
    /// assert_eq!(store.get_table(), "ravyn_sessions");
    /// # Ok(())
    /// # }
    /// ```
    pub fn get_table(&self) -> String {
        self.table.display()
    }

    /// The bound on each call.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let store = ravyn_session::store::SqliteStore::open_in_memory().await?;
    /// assert_eq!(store.get_timeout(), std::time::Duration::from_secs(2));
    /// # Ok(())
    /// # }
    /// ```
    pub fn get_timeout(&self) -> Duration {
        self.timeout
    }

    /// The pool the store uses.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let store = ravyn_session::store::SqliteStore::open_in_memory().await?;
    /// assert_eq!(store.pool().size(), 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// The SQL that creates the table `name` and its index: what [`migrate`](Self::migrate) runs.
    ///
    /// # Errors
    ///
    /// When a part of `name` is not a plain identifier.
    ///
    /// ```
    /// use ravyn_session::store::SqliteStore;
    /// let sql = SqliteStore::migration_sql("ravyn_sessions")?;
    /// assert!(sql.contains(") STRICT"));
    /// # Ok::<(), ravyn_session::store::TableNameError>(())
    /// ```
    pub fn migration_sql(name: &str) -> Result<String, TableNameError> {
        let table = TableName::parse(name)?;
        Ok(format!("{};\n{};\n", create_table_sql(&table), create_index_sql(&table)))
    }

    /// Creates the table and its index if they do not exist (idempotent; each statement is
    /// atomic in SQLite, so instances starting at once are safe). It checks `sqlite_master`
    /// before it creates.
    ///
    /// # Errors
    ///
    /// SQLite's error (a read-only file, a full disk).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), ravyn_session::StoreError> {
    /// let store = ravyn_session::store::SqliteStore::open_in_memory().await?;
    /// store.migrate().await?;
    /// store.migrate().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let fail = |error: sqlx::Error| {
            StoreError::with_source(
                format!("could not migrate the SQLite session table {}", self.table.display()),
                error,
            )
        };
        let master = match self.table.schema() {
            Some(schema) => format!("\"{schema}\".sqlite_master"),
            None => "sqlite_master".to_owned(),
        };
        let exists = |kind: &'static str, name: String| {
            let sql = format!("SELECT COUNT(*) FROM {master} WHERE type = ?1 AND name = ?2");
            async move { sqlx::query_scalar::<_, i64>(&sql).bind(kind).bind(name).fetch_one(&self.pool).await }
        };
        if exists("table", self.table.table().to_owned()).await.map_err(fail)? == 0 {
            sqlx::query(&create_table_sql(&self.table)).execute(&self.pool).await.map_err(fail)?;
            tracing::info!(table = self.table.display(), "created the SQLite session table");
        }
        if exists("index", self.table.index_name()).await.map_err(fail)? == 0 {
            sqlx::query(&create_index_sql(&self.table)).execute(&self.pool).await.map_err(fail)?;
        }
        Ok(())
    }

    /// Starts the background task that deletes expired rows (see [`CleanupTask`]). Call it inside
    /// the tokio runtime; stop it at shutdown.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), ravyn_session::StoreError> {
    /// use ravyn_session::store::{CleanupConfig, SqliteStore};
    /// let store = SqliteStore::open_in_memory().await?;
    /// store.migrate().await?;
    /// store.spawn_cleanup(CleanupConfig::default()).stop().await;
    /// # Ok(())
    /// # }
    /// ```
    pub fn spawn_cleanup(&self, config: CleanupConfig) -> CleanupTask {
        CleanupTask::spawn(self.clone(), BACKEND, config)
    }

    /// Deletes every expired row now, in batches of `batch_size`; returns how many.
    ///
    /// # Errors
    ///
    /// SQLite's error (rows deleted by earlier batches stay deleted).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), ravyn_session::StoreError> {
    /// let store = ravyn_session::store::SqliteStore::open_in_memory().await?;
    /// store.migrate().await?;
    /// assert_eq!(store.delete_expired(1_000).await?, 0);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn delete_expired(&self, batch_size: u32) -> Result<u64, StoreError> {
        Ok(cleanup::delete_expired(self, batch_size.max(1), || false).await?.0)
    }

    /// Runs a write binding `?1` the id's hash, `?2` data, `?3` created_at, `?4` issued_at, `?5`
    /// the TTL in seconds and (cycle) `?6` the new id's hash; `None` when a unique key refused it.
    async fn write(&self, operation: &'static str, sql: &str, binds: Binds<'_>) -> Result<Option<u64>, StoreError> {
        sql::bounded(BACKEND, operation, self.timeout, || async {
            let query = sqlx::query(sql)
                .bind(&binds.id_hash[..])
                .bind(binds.data)
                .bind(binds.created_at)
                .bind(binds.issued_at)
                .bind(binds.ttl);
            let query = match binds.new_hash {
                Some(new_hash) => query.bind(&new_hash[..]),
                None => query,
            };
            match query.execute(&self.pool).await {
                Ok(done) => Ok(Some(done.rows_affected())),
                Err(error) if sql::unique_violation(&error) => Ok(None),
                Err(error) => Err(error),
            }
        })
        .await
    }
}

#[derive(Clone, Copy)]
struct Binds<'a> {
    id_hash: &'a [u8; 32],
    data: &'a str,
    created_at: i64,
    issued_at: i64,
    ttl: i64,
    new_hash: Option<&'a [u8; 32]>,
}

fn binds<'a>(hash: &'a [u8; 32], data: &'a str, record: &Record, ttl: Duration) -> Binds<'a> {
    Binds {
        id_hash: hash,
        data,
        created_at: sql::time_column(record.created_at),
        issued_at: sql::time_column(record.issued_at),
        ttl: sql::ttl_secs(ttl),
        new_hash: None,
    }
}

fn create_table_sql(table: &TableName) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {} (\n    \
         id_hash    BLOB    NOT NULL PRIMARY KEY,  -- SHA-256 of the session id\n    \
         data       TEXT    NOT NULL,              -- JSON, keys in order\n    \
         created_at INTEGER NOT NULL,              -- seconds since the Unix epoch\n    \
         issued_at  INTEGER NOT NULL,              -- seconds since the Unix epoch\n    \
         expires_at INTEGER NOT NULL               -- milliseconds since the Unix epoch, SQLite's clock\n\
         ) STRICT",
        table.quoted('"')
    )
}

fn create_index_sql(table: &TableName) -> String {
    let index = match table.schema() {
        Some(schema) => format!("\"{schema}\".\"{}\"", table.index_name()),
        None => format!("\"{}\"", table.index_name()),
    };
    format!("CREATE INDEX IF NOT EXISTS {index} ON \"{}\" (expires_at)", table.table())
}

impl ExpiredRows for SqliteStore {
    async fn delete_expired_batch(&self, limit: u32) -> Result<u64, StoreError> {
        let sql = &self.queries.delete_expired_batch;
        sql::bounded(BACKEND, "cleanup", self.timeout, || async {
            sqlx::query(sql).bind(i64::from(limit)).execute(&self.pool).await.map(|done| done.rows_affected())
        })
        .await
    }
}

impl SessionStore for SqliteStore {
    fn load<'a>(&'a self, id: &'a SessionId) -> BoxFuture<'a, Result<Option<Record>, StoreError>> {
        Box::pin(async move {
            let hash = sql::id_hash(id);
            let row = sql::bounded(BACKEND, "load", self.timeout, || {
                sqlx::query(&self.queries.load).bind(&hash[..]).fetch_optional(&self.pool)
            })
            .await?;
            let Some(row) = row else { return Ok(None) };
            let columns: Result<(String, i64, i64), sqlx::Error> =
                (|| Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?)))();
            let (data, created_at, issued_at) =
                columns.map_err(|error| StoreError::with_source("SQLite load returned an unexpected row", error))?;
            Ok(sql::record_from_columns(id, &data, created_at, issued_at))
        })
    }

    fn create<'a>(
        &'a self,
        id: &'a SessionId,
        record: &'a Record,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<CreateOutcome, StoreError>> {
        Box::pin(async move {
            let (hash, data) = (sql::id_hash(id), sql::data_json(record)?);
            // The upsert changes no row (0) when the existing row is live.
            let created = self.write("create", &self.queries.create, binds(&hash, &data, record, ttl)).await?;
            Ok(if created == Some(1) { CreateOutcome::Created } else { CreateOutcome::IdTaken })
        })
    }

    fn update<'a>(
        &'a self,
        id: &'a SessionId,
        record: &'a Record,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<UpdateOutcome, StoreError>> {
        Box::pin(async move {
            let (hash, data) = (sql::id_hash(id), sql::data_json(record)?);
            let updated = self.write("update", &self.queries.update, binds(&hash, &data, record, ttl)).await?;
            Ok(if updated == Some(1) { UpdateOutcome::Updated } else { UpdateOutcome::Gone })
        })
    }

    fn cycle<'a>(
        &'a self,
        old: &'a SessionId,
        new: &'a SessionId,
        record: &'a Record,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<CycleOutcome, StoreError>> {
        Box::pin(async move {
            let (old_hash, new_hash, data) = (sql::id_hash(old), sql::id_hash(new), sql::data_json(record)?);
            let binds = Binds { new_hash: Some(&new_hash), ..binds(&old_hash, &data, record, ttl) };
            for retry in [false, true] {
                match self.write("cycle", &self.queries.cycle, binds).await? {
                    Some(1) => return Ok(CycleOutcome::Cycled),
                    Some(_) => return Ok(CycleOutcome::Gone),
                    None if retry => break,
                    None => {
                        // The new id's row exists: free it if it has expired, then move again.
                        let sql = &self.queries.delete_expired_id;
                        let freed = sql::bounded(BACKEND, "cycle", self.timeout, || async {
                            sqlx::query(sql).bind(&new_hash[..]).execute(&self.pool).await.map(|d| d.rows_affected())
                        })
                        .await?;
                        if freed == 0 {
                            break;
                        }
                    }
                }
            }
            Ok(CycleOutcome::IdTaken)
        })
    }

    fn delete<'a>(&'a self, id: &'a SessionId) -> BoxFuture<'a, Result<DeleteOutcome, StoreError>> {
        Box::pin(async move {
            let hash = sql::id_hash(id);
            let row = sql::bounded(BACKEND, "delete", self.timeout, || {
                sqlx::query(&self.queries.delete).bind(&hash[..]).fetch_optional(&self.pool)
            })
            .await?;
            let was_live = row.and_then(|row| row.try_get::<bool, _>(0).ok()).unwrap_or(false);
            Ok(if was_live { DeleteOutcome::Deleted } else { DeleteOutcome::NotFound })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sql::testing::{eventually, fresh_name};
    use futures_util::future::join_all;

    /// A database file of this test's own, removed when dropped.
    struct TempDb(std::path::PathBuf);

    impl TempDb {
        fn new() -> Self {
            TempDb(std::env::temp_dir().join(format!("{}.db", fresh_name("ravyn-sqlite-test"))))
        }
    }

    impl Drop for TempDb {
        fn drop(&mut self) {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
            }
        }
    }

    fn record(n: u64) -> Record {
        let mut data = serde_json::Map::new();
        data.insert("n".into(), n.into());
        Record::new(data, 1_700_000_000, 1_700_000_000)
    }

    #[tokio::test]
    async fn passes_the_conformance_suite_on_a_wal_file() {
        let db = TempDb::new();
        let store = SqliteStore::open(&db.0).await.unwrap();
        store.migrate().await.unwrap();
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(store.pool()).await.unwrap();
        assert_eq!(mode, "wal");
        crate::conformance::run(&store).await;
    }

    #[tokio::test]
    async fn passes_the_conformance_suite_in_memory_and_by_url() {
        let store = SqliteStore::connect("sqlite::memory:").await.unwrap().table("custom_sessions").unwrap();
        store.migrate().await.unwrap();
        crate::conformance::run(&store).await;
        assert_eq!(store.pool().size(), 1, "one connection: each would be a database of its own");
    }

    #[tokio::test]
    async fn a_url_creates_the_file_if_missing() {
        let db = TempDb::new();
        assert!(!db.0.exists());
        let store = SqliteStore::connect(&format!("sqlite://{}", db.0.display())).await.unwrap();
        store.migrate().await.unwrap();
        assert!(db.0.exists());
    }

    #[tokio::test]
    async fn two_instances_on_one_file_share_sessions_and_writes_wait_their_turn() {
        let db = TempDb::new();
        let (a, b) = (SqliteStore::open(&db.0).await.unwrap(), SqliteStore::open(&db.0).await.unwrap());
        let (ma, mb) = tokio::join!(a.migrate(), b.migrate());
        ma.unwrap();
        mb.unwrap();
        let id = SessionId::random().unwrap();
        a.create(&id, &record(1), Duration::from_secs(60)).await.unwrap();
        assert_eq!(b.load(&id).await.unwrap(), Some(record(1)));
        assert_eq!(b.delete(&id).await.unwrap(), DeleteOutcome::Deleted);
        assert_eq!(a.update(&id, &record(2), Duration::from_secs(60)).await.unwrap(), UpdateOutcome::Gone);
        // 200 writes from two pools at once: each waits for the write lock, none fails.
        let ids: Vec<SessionId> = (0..200).map(|_| SessionId::random().unwrap()).collect();
        let records: Vec<Record> = (0..200).map(record).collect();
        let writes = join_all(ids.iter().zip(&records).enumerate().map(|(i, (id, record))| {
            let store = if i % 2 == 0 { &a } else { &b };
            store.create(id, record, Duration::from_secs(60))
        }))
        .await;
        assert!(writes.iter().all(|w| matches!(w, Ok(CreateOutcome::Created))), "{writes:?}");
    }

    #[tokio::test]
    async fn cleanup_deletes_10000_expired_rows_in_batches_and_keeps_live_ones() {
        let db = TempDb::new();
        let store = SqliteStore::open(&db.0).await.unwrap();
        store.migrate().await.unwrap();
        let t = store.table.quoted('"');
        sqlx::query(&format!(
            "WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 10000) \
             INSERT INTO {t} SELECT randomblob(32), '{{}}', 0, 0, {NOW_MS} - 3600000 FROM g"
        ))
        .execute(store.pool())
        .await
        .unwrap();
        let live: Vec<SessionId> = (0..50).map(|_| SessionId::random().unwrap()).collect();
        for id in &live {
            store.create(id, &record(7), Duration::from_secs(3600)).await.unwrap();
        }
        let count = || async {
            sqlx::query_scalar::<_, i64>(&format!("SELECT COUNT(*) FROM {t}")).fetch_one(store.pool()).await.unwrap()
        };
        assert_eq!(count().await, 10_050);
        assert_eq!(store.delete_expired_batch(1_000).await.unwrap(), 1_000, "one statement deletes one batch");
        let cleanup = store.spawn_cleanup(CleanupConfig::every(Duration::from_millis(50)).batch_size(1_000));
        eventually(60, "the cleanup task deleted the other 9,000", async || cleanup.stats().rows_deleted == 9_000)
            .await;
        assert!(cleanup.stats().batches >= 9, "{:?}", cleanup.stats());
        cleanup.stop().await;
        assert_eq!(count().await, 50, "live sessions stay");
        for id in &live {
            assert_eq!(store.load(id).await.unwrap(), Some(record(7)));
        }
    }
}
