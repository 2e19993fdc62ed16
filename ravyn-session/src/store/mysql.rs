//! [`MySqlStore`]: sessions in a MySQL 8 or MariaDB 10.11+ table.

use std::sync::Arc;
use std::time::Duration;

use sqlx::mysql::{MySqlConnectOptions, MySqlPool, MySqlPoolOptions};
use sqlx::Row;

use super::sql::cleanup::{self, CleanupConfig, CleanupTask, ExpiredRows};
use super::sql::{self, TableName, TableNameError};
use super::{
    BoxFuture, CreateOutcome, CycleOutcome, DeleteOutcome, Record, SessionId, SessionStore, StoreError, UpdateOutcome,
};

const BACKEND: &str = "MySQL";
/// Connections in the pool `connect` makes.
const POOL_SIZE: u32 = 10;
/// How long `migrate` waits for another instance's migration (`GET_LOCK`).
const MIGRATION_LOCK_WAIT_SECS: i64 = 30;

/// Sessions in a MySQL 8 or MariaDB 10.11+ table (feature `mysql`), shared by every instance of
/// the app that points at the same database.
///
/// The table (default `ravyn_sessions`, see [`migration_sql`](Self::migration_sql)) holds one row
/// per session: the SHA-256 of its id (`BINARY(32)`, never the id), its data as JSON text
/// (`LONGTEXT`, keys in order), its creation and issue times, and `expires_at` as `DATETIME(6)` in
/// UTC (no 2038 limit, unlike `TIMESTAMP`) with an index. Every statement compares `expires_at`
/// with the server's `UTC_TIMESTAMP(6)`, so the database's clock alone decides, whatever the
/// session's `time_zone`.
///
/// - A read is one indexed `SELECT`.
/// - Creating never overwrites a live id: a plain `INSERT`; on a duplicate key, an *expired* row
///   with that id is deleted and the insert tried once more.
/// - An update is `UPDATE ... WHERE id_hash = ? AND expires_at > UTC_TIMESTAMP(6)` (rows counted
///   as matched, not changed): a session deleted by a logout meanwhile stays deleted.
/// - Cycling the id is one `UPDATE ... SET id_hash = ?`, atomic.
/// - Every call is bounded by [`timeout`](Self::timeout) (default 2 s), pool wait included.
///
/// ```no_run
/// use std::time::Duration;
/// use ravyn_session::store::{CleanupConfig, MySqlStore};
/// use ravyn_session::SessionConfig;
///
/// # #[tokio::main]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store = MySqlStore::connect("mysql://app@127.0.0.1:3306/app").await?.table("ravyn_sessions")?;
/// store.migrate().await?;
/// let cleanup = store.spawn_cleanup(CleanupConfig::every(Duration::from_secs(300)));
/// let config = SessionConfig::new("a-long-random-secret-of-at-least-32-bytes").store(store);
/// // ... serve the app; then, during shutdown:
/// cleanup.stop().await;
/// # let _ = config;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct MySqlStore {
    pool: MySqlPool,
    table: TableName,
    queries: Arc<Queries>,
    timeout: Duration,
}

impl std::fmt::Debug for MySqlStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MySqlStore")
            .field("table", &self.table.display())
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// The statements for one table, built once.
struct Queries {
    load: String,
    insert: String,
    update: String,
    cycle: String,
    delete: String,
    delete_expired_id: String,
    delete_expired_batch: String,
}

impl Queries {
    fn new(table: &TableName) -> Self {
        let t = table.quoted('`');
        let now = "UTC_TIMESTAMP(6)";
        Queries {
            load: format!("SELECT data, created_at, issued_at FROM {t} WHERE id_hash = ? AND expires_at > {now}"),
            insert: format!(
                "INSERT INTO {t} (data, created_at, issued_at, expires_at, id_hash) \
                 VALUES (?, ?, ?, {now} + INTERVAL ? SECOND, ?)"
            ),
            update: format!(
                "UPDATE {t} SET data = ?, created_at = ?, issued_at = ?, expires_at = {now} + INTERVAL ? SECOND \
                 WHERE id_hash = ? AND expires_at > {now}"
            ),
            cycle: format!(
                "UPDATE {t} SET data = ?, created_at = ?, issued_at = ?, expires_at = {now} + INTERVAL ? SECOND, \
                 id_hash = ? WHERE id_hash = ? AND expires_at > {now}"
            ),
            delete: format!("DELETE FROM {t} WHERE id_hash = ? AND expires_at > {now}"),
            delete_expired_id: format!("DELETE FROM {t} WHERE id_hash = ? AND expires_at <= {now}"),
            delete_expired_batch: format!("DELETE FROM {t} WHERE expires_at <= {now} LIMIT ?"),
        }
    }
}

impl MySqlStore {
    /// A store on the application's own pool (to share its connections), for the table
    /// `ravyn_sessions`. Every call is still bounded by [`timeout`](Self::timeout).
    ///
    /// ```no_run
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let pool = sqlx::MySqlPool::connect("mysql://app@127.0.0.1/app").await?;
    /// let store = ravyn_session::store::MySqlStore::new(pool.clone());
    /// # let _ = store;
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(pool: MySqlPool) -> Self {
        let table = TableName::default();
        MySqlStore { pool, queries: Arc::new(Queries::new(&table)), table, timeout: sql::DEFAULT_TIMEOUT }
    }

    /// Connects to the database at `url` (`mysql://user[:password]@host[:port]/database`) with a
    /// pool of its own: 10 connections, a 2 s wait for one, connections not pinged before each
    /// use (a broken one is replaced after one failed attempt, which the store retries on another
    /// connection). Fails when the database cannot be reached within 2 s.
    ///
    /// # Errors
    ///
    /// An invalid URL, or a database that does not answer.
    ///
    /// ```no_run
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), ravyn_session::StoreError> {
    /// let store = ravyn_session::store::MySqlStore::connect("mysql://root@127.0.0.1:3306/test").await?;
    /// # let _ = store;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options: MySqlConnectOptions = url
            .parse()
            .map_err(|error| StoreError::with_source(format!("invalid MySQL URL {:?}", sql::redact(url)), error))?;
        let pool = MySqlPoolOptions::new()
            .max_connections(POOL_SIZE)
            .acquire_timeout(sql::DEFAULT_TIMEOUT)
            .test_before_acquire(false)
            .connect_with(options)
            .await
            .map_err(|error| {
                StoreError::with_source(format!("could not connect to MySQL at {:?}", sql::redact(url)), error)
            })?;
        Ok(MySqlStore::new(pool))
    }

    /// Uses the table `name` (default `ravyn_sessions`), optionally qualified by its database
    /// (`auth.sessions`; the database must exist: it is never created).
    ///
    /// # Errors
    ///
    /// When a part of `name` is not a plain identifier ([`TableNameError`]).
    ///
    /// ```no_run
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use ravyn_session::store::MySqlStore;
    /// let store = MySqlStore::connect("mysql://root@127.0.0.1/test").await?.table("sessions")?;
    /// assert_eq!(store.get_table(), "sessions");
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
    /// ```no_run
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    /// let store = ravyn_session::store::MySqlStore::connect("mysql://root@127.0.0.1/test").await?
    ///     .timeout(Duration::from_millis(500));
    /// assert_eq!(store.get_timeout(), Duration::from_millis(500));
    /// # Ok(())
    /// # }
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The table, as given to [`table`](Self::table).
    ///
    /// ```no_run
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let store = ravyn_session::store::MySqlStore::connect("mysql://root@127.0.0.1/test").await?;
    /// assert_eq!(store.get_table(), "ravyn_sessions");
    /// # Ok(())
    /// # }
    /// ```
    pub fn get_table(&self) -> String {
        self.table.display()
    }

    /// The bound on each call.
    ///
    /// ```no_run
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let store = ravyn_session::store::MySqlStore::connect("mysql://root@127.0.0.1/test").await?;
    /// assert_eq!(store.get_timeout(), std::time::Duration::from_secs(2));
    /// # Ok(())
    /// # }
    /// ```
    pub fn get_timeout(&self) -> Duration {
        self.timeout
    }

    /// The pool the store uses.
    ///
    /// ```no_run
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let store = ravyn_session::store::MySqlStore::connect("mysql://root@127.0.0.1/test").await?;
    /// store.pool().close().await;
    /// # Ok(())
    /// # }
    /// ```
    pub fn pool(&self) -> &MySqlPool {
        &self.pool
    }

    /// The SQL that creates the table `name` (`table` or `database.table`) with its index, for
    /// those who run migrations with their own tool: the statement [`migrate`](Self::migrate)
    /// runs.
    ///
    /// # Errors
    ///
    /// When a part of `name` is not a plain identifier.
    ///
    /// ```
    /// use ravyn_session::store::MySqlStore;
    /// let sql = MySqlStore::migration_sql("ravyn_sessions")?;
    /// assert!(sql.contains("expires_at DATETIME(6) NOT NULL"));
    /// assert!(MySqlStore::migration_sql("x`; DROP TABLE users; --").is_err());
    /// # Ok::<(), ravyn_session::store::TableNameError>(())
    /// ```
    pub fn migration_sql(name: &str) -> Result<String, TableNameError> {
        Ok(format!("{};\n", create_table_sql(&TableName::parse(name)?)))
    }

    /// Creates the table (with its index) if it does not exist. Idempotent, and safe when several
    /// instances start at once: it holds a named lock (`GET_LOCK`) for this table while it checks
    /// and creates. It checks `information_schema` before it creates, so once the table exists it
    /// needs no privilege beyond reading and writing it. It never creates a database.
    ///
    /// # Errors
    ///
    /// The database's error: unreachable, the database does not exist, permission denied.
    ///
    /// ```no_run
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), ravyn_session::StoreError> {
    /// let store = ravyn_session::store::MySqlStore::connect("mysql://root@127.0.0.1/test").await?;
    /// store.migrate().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let fail = |error: sqlx::Error| {
            StoreError::with_source(
                format!("could not migrate the MySQL session table {}", self.table.display()),
                error,
            )
        };
        // A named lock belongs to a connection: hold one for the whole migration. Lock names are
        // at most 64 characters, so the table's name is hashed into it.
        let mut connection = self.pool.acquire().await.map_err(fail)?;
        let hash = ring::digest::digest(&ring::digest::SHA256, self.table.display().as_bytes());
        let lock: String = hash.as_ref()[..16].iter().map(|b| format!("{b:02x}")).collect();
        let lock = format!("ravyn-session:{lock}");
        let locked: Option<i64> = sqlx::query_scalar("SELECT GET_LOCK(?, ?)")
            .bind(&lock)
            .bind(MIGRATION_LOCK_WAIT_SECS)
            .fetch_one(&mut *connection)
            .await
            .map_err(fail)?;
        if locked != Some(1) {
            return Err(StoreError::new(format!(
                "could not migrate the MySQL session table {}: another instance held the migration lock for \
                 {MIGRATION_LOCK_WAIT_SECS} s",
                self.table.display()
            )));
        }
        let result = async {
            let exists: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM information_schema.tables \
                 WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ?",
            )
            .bind(self.table.schema())
            .bind(self.table.table())
            .fetch_one(&mut *connection)
            .await?;
            if exists == 0 {
                sqlx::query(&create_table_sql(&self.table)).execute(&mut *connection).await?;
                tracing::info!(table = self.table.display(), "created the MySQL session table");
            }
            Ok::<(), sqlx::Error>(())
        }
        .await;
        let released = sqlx::query("SELECT RELEASE_LOCK(?)").bind(&lock).execute(&mut *connection).await;
        result.map_err(fail)?;
        released.map(drop).map_err(fail)
    }

    /// Starts the background task that deletes expired rows (see [`CleanupTask`]): batches of
    /// `DELETE ... LIMIT n`. Call it inside the tokio runtime; stop it at shutdown.
    ///
    /// ```no_run
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), ravyn_session::StoreError> {
    /// use ravyn_session::store::{CleanupConfig, MySqlStore};
    /// let store = MySqlStore::connect("mysql://root@127.0.0.1/test").await?;
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
    /// When the database does not answer (rows deleted by earlier batches stay deleted).
    ///
    /// ```no_run
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), ravyn_session::StoreError> {
    /// let store = ravyn_session::store::MySqlStore::connect("mysql://root@127.0.0.1/test").await?;
    /// let deleted = store.delete_expired(1_000).await?;
    /// # let _ = deleted;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn delete_expired(&self, batch_size: u32) -> Result<u64, StoreError> {
        Ok(cleanup::delete_expired(self, batch_size.max(1), || false).await?.0)
    }

    /// Runs `sql` with the record's values (`data, created_at, issued_at, ttl`) then `ids`;
    /// `None` when a unique key refused it (the new id is taken).
    async fn write(
        &self,
        operation: &'static str,
        sql: &str,
        values: Values<'_>,
        ids: &[&[u8; 32]],
    ) -> Result<Option<u64>, StoreError> {
        sql::bounded(BACKEND, operation, self.timeout, || async {
            let mut query =
                sqlx::query(sql).bind(values.data).bind(values.created_at).bind(values.issued_at).bind(values.ttl);
            for id in ids {
                query = query.bind(&id[..]);
            }
            match query.execute(&self.pool).await {
                Ok(done) => Ok(Some(done.rows_affected())),
                Err(error) if sql::unique_violation(&error) => Ok(None),
                Err(error) => Err(error),
            }
        })
        .await
    }

    /// Deletes the row under `hash` if it has expired; whether there was one.
    async fn free_expired(&self, operation: &'static str, hash: &[u8; 32]) -> Result<bool, StoreError> {
        let sql = &self.queries.delete_expired_id;
        let freed = sql::bounded(BACKEND, operation, self.timeout, || async {
            sqlx::query(sql).bind(&hash[..]).execute(&self.pool).await.map(|done| done.rows_affected())
        })
        .await?;
        Ok(freed > 0)
    }
}

/// A record's columns as bound.
#[derive(Clone, Copy)]
struct Values<'a> {
    data: &'a str,
    created_at: i64,
    issued_at: i64,
    ttl: i64,
}

impl<'a> Values<'a> {
    fn new(data: &'a str, record: &Record, ttl: Duration) -> Self {
        Values {
            data,
            created_at: sql::time_column(record.created_at),
            issued_at: sql::time_column(record.issued_at),
            ttl: sql::ttl_secs(ttl),
        }
    }
}

fn create_table_sql(table: &TableName) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {} (\n    \
         id_hash    BINARY(32)  NOT NULL PRIMARY KEY COMMENT 'SHA-256 of the session id',\n    \
         data       LONGTEXT    NOT NULL COMMENT 'JSON, keys in order',\n    \
         created_at BIGINT      NOT NULL COMMENT 'seconds since the Unix epoch',\n    \
         issued_at  BIGINT      NOT NULL COMMENT 'seconds since the Unix epoch',\n    \
         expires_at DATETIME(6) NOT NULL COMMENT 'UTC, compared with UTC_TIMESTAMP(6)',\n    \
         KEY `{}` (expires_at)\n\
         ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='ravyn-session store, schema v1'",
        table.quoted('`'),
        table.index_name()
    )
}

impl ExpiredRows for MySqlStore {
    async fn delete_expired_batch(&self, limit: u32) -> Result<u64, StoreError> {
        let sql = &self.queries.delete_expired_batch;
        sql::bounded(BACKEND, "cleanup", self.timeout, || async {
            sqlx::query(sql).bind(limit).execute(&self.pool).await.map(|done| done.rows_affected())
        })
        .await
    }
}

impl SessionStore for MySqlStore {
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
                columns.map_err(|error| StoreError::with_source("MySQL load returned an unexpected row", error))?;
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
            let values = Values::new(&data, record, ttl);
            // A plain INSERT is atomic; a duplicate key is either a live session (taken) or an
            // expired row, which is freed (only if still expired) and the insert tried once more.
            if self.write("create", &self.queries.insert, values, &[&hash]).await?.is_some() {
                return Ok(CreateOutcome::Created);
            }
            if self.free_expired("create", &hash).await?
                && self.write("create", &self.queries.insert, values, &[&hash]).await?.is_some()
            {
                return Ok(CreateOutcome::Created);
            }
            Ok(CreateOutcome::IdTaken)
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
            let updated = self.write("update", &self.queries.update, Values::new(&data, record, ttl), &[&hash]).await?;
            // sqlx connects with CLIENT_FOUND_ROWS: rows matched, not only rows changed.
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
            let values = Values::new(&data, record, ttl);
            for retry in [false, true] {
                match self.write("cycle", &self.queries.cycle, values, &[&new_hash, &old_hash]).await? {
                    Some(1) => return Ok(CycleOutcome::Cycled),
                    Some(_) => return Ok(CycleOutcome::Gone),
                    None if retry || !self.free_expired("cycle", &new_hash).await? => break,
                    None => {}
                }
            }
            Ok(CycleOutcome::IdTaken)
        })
    }

    fn delete<'a>(&'a self, id: &'a SessionId) -> BoxFuture<'a, Result<DeleteOutcome, StoreError>> {
        Box::pin(async move {
            let hash = sql::id_hash(id);
            let sql = &self.queries.delete;
            // Only a live row is deleted (and counted); an expired one is left to the cleanup.
            let deleted = sql::bounded(BACKEND, "delete", self.timeout, || async {
                sqlx::query(sql).bind(&hash[..]).execute(&self.pool).await.map(|done| done.rows_affected())
            })
            .await?;
            Ok(if deleted > 0 { DeleteOutcome::Deleted } else { DeleteOutcome::NotFound })
        })
    }
}

#[cfg(test)]
mod tests {
    //! Against the real MariaDB/MySQL at `MYSQL_URL` (default `mysql://root@127.0.0.1:3306/test`;
    //! `.ci/ensure-databases` starts one), each test in tables of its own.

    use super::*;
    use crate::store::sql::testing::{eventually, fresh_name};
    use futures_util::future::join_all;

    fn url() -> String {
        std::env::var("MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".to_owned())
    }

    async fn admin() -> MySqlPool {
        match MySqlPoolOptions::new().max_connections(4).connect(&url()).await {
            Ok(pool) => pool,
            Err(error) => panic!(
                "no MariaDB/MySQL answers at {} ({error}): run `bash .ci/ensure-databases` (or set MYSQL_URL)",
                url()
            ),
        }
    }

    async fn fresh_store() -> (MySqlStore, MySqlPool) {
        let admin = admin().await;
        // A generous bound: these tests are about what the store does, and the whole suite runs
        // many database tests at once on a small machine.
        let store = MySqlStore::new(admin.clone()).table(&fresh_name("t")).unwrap().timeout(Duration::from_secs(10));
        store.migrate().await.unwrap();
        (store, admin)
    }

    async fn drop_table(admin: &MySqlPool, store: &MySqlStore) {
        sqlx::query(&format!("DROP TABLE IF EXISTS {}", store.table.quoted('`'))).execute(admin).await.unwrap();
    }

    async fn count(admin: &MySqlPool, store: &MySqlStore) -> i64 {
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {}", store.table.quoted('`'))).fetch_one(admin).await.unwrap()
    }

    fn record(n: u64) -> Record {
        let mut data = serde_json::Map::new();
        data.insert("n".into(), n.into());
        Record::new(data, 1_700_000_000, 1_700_000_000)
    }

    #[tokio::test]
    async fn passes_the_conformance_suite() {
        let (store, admin) = fresh_store().await;
        crate::conformance::run(&store).await;
        drop_table(&admin, &store).await;
    }

    #[tokio::test]
    async fn rows_hold_the_id_hash_and_a_utc_expiry_past_2038() {
        let (store, admin) = fresh_store().await;
        let id = SessionId::random().unwrap();
        store.create(&id, &record(1), Duration::from_secs(3600)).await.unwrap();
        let row = sqlx::query(&format!(
            "SELECT id_hash, data, TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(6), expires_at) FROM {}",
            store.table.quoted('`')
        ))
        .fetch_one(&admin)
        .await
        .unwrap();
        let (hash, data, ttl): (Vec<u8>, String, i64) = (row.get(0), row.get(1), row.get(2));
        assert_eq!(hash, sql::id_hash(&id));
        assert_eq!(data, r#"{"n":1}"#);
        assert!((3590..=3600).contains(&ttl), "{ttl}");
        // DATETIME(6), not TIMESTAMP: a session may expire after 2038.
        let long = SessionId::random().unwrap();
        let years = Duration::from_secs(20 * 365 * 24 * 3600);
        assert_eq!(store.create(&long, &record(2), years).await.unwrap(), CreateOutcome::Created);
        assert_eq!(store.load(&long).await.unwrap(), Some(record(2)));
        drop_table(&admin, &store).await;
    }

    #[tokio::test]
    async fn the_session_time_zone_does_not_matter() {
        let table = fresh_name("t");
        let table = &table;
        let zoned = |zone: &'static str| async move {
            let pool = MySqlPoolOptions::new()
                .max_connections(2)
                .after_connect(move |connection, _| {
                    Box::pin(async move {
                        let sql = format!("SET time_zone = '{zone}'");
                        sqlx::Executor::execute(connection, sql.as_str()).await.map(drop)
                    })
                })
                .connect(&url())
                .await
                .unwrap();
            MySqlStore::new(pool).table(table).unwrap()
        };
        // The widest offsets both MySQL and MariaDB accept: a day apart, nearly.
        let (east, west) = (zoned("+13:00").await, zoned("-12:00").await);
        east.migrate().await.unwrap();
        let (a, b) = (SessionId::random().unwrap(), SessionId::random().unwrap());
        east.create(&a, &record(1), Duration::from_secs(3600)).await.unwrap();
        west.create(&b, &record(2), Duration::from_secs(3600)).await.unwrap();
        assert_eq!(west.delete_expired(100).await.unwrap(), 0);
        assert_eq!(east.delete_expired(100).await.unwrap(), 0);
        assert_eq!(west.load(&a).await.unwrap(), Some(record(1)));
        assert_eq!(east.load(&b).await.unwrap(), Some(record(2)));
        drop_table(&admin().await, &east).await;
    }

    #[tokio::test]
    async fn migrate_is_idempotent_and_safe_when_eight_instances_start_at_once() {
        let table = fresh_name("t");
        let mut stores = Vec::new();
        for _ in 0..8 {
            stores.push(MySqlStore::connect(&url()).await.unwrap().table(&table).unwrap());
        }
        let results = join_all(stores.iter().map(MySqlStore::migrate)).await;
        assert!(results.iter().all(Result::is_ok), "{results:?}");
        stores[0].migrate().await.unwrap();
        let id = SessionId::random().unwrap();
        stores[2].create(&id, &record(1), Duration::from_secs(60)).await.unwrap();
        assert_eq!(stores[6].load(&id).await.unwrap(), Some(record(1)));
        drop_table(&admin().await, &stores[0]).await;
    }

    #[tokio::test]
    async fn migrate_works_for_a_user_that_may_only_read_and_write_the_table() {
        let admin = admin().await;
        let table = fresh_name("t");
        sqlx::raw_sql(&MySqlStore::migration_sql(&table).unwrap()).execute(&admin).await.unwrap();
        let (user, password) = (fresh_name("ravyn_user"), fresh_name("pw"));
        let database: String = sqlx::query_scalar("SELECT DATABASE()").fetch_one(&admin).await.unwrap();
        for statement in [
            format!("CREATE USER '{user}'@'%' IDENTIFIED BY '{password}'"),
            format!("GRANT SELECT, INSERT, UPDATE, DELETE ON `{database}`.`{table}` TO '{user}'@'%'"),
        ] {
            sqlx::query(&statement).execute(&admin).await.unwrap();
        }
        let options: MySqlConnectOptions = url().parse().unwrap();
        let options = options.username(&user).password(&password);
        let pool = MySqlPoolOptions::new().connect_with(options).await.unwrap();
        let store = MySqlStore::new(pool).table(&table).unwrap().timeout(Duration::from_secs(10));
        store.migrate().await.unwrap();
        crate::conformance::run(&store).await;
        let error = store.clone().table(&fresh_name("t")).unwrap().migrate().await.unwrap_err();
        let chain =
            format!("{error}: {}", std::error::Error::source(&error).map(ToString::to_string).unwrap_or_default());
        assert!(chain.to_lowercase().contains("denied"), "that user could not have created it: {chain}");
        store.pool().close().await;
        sqlx::query(&format!("DROP USER '{user}'@'%'")).execute(&admin).await.unwrap();
        sqlx::query(&format!("DROP TABLE `{table}`")).execute(&admin).await.unwrap();
    }

    #[tokio::test]
    async fn cleanup_deletes_10000_expired_rows_in_batches_and_keeps_live_ones() {
        let (store, admin) = fresh_store().await;
        let t = store.table.quoted('`');
        for chunk in 0..10 {
            let values: Vec<String> = (0..1_000)
                .map(|i| {
                    format!(
                        "(UNHEX(SHA2('expired{chunk}-{i}', 256)), '{{}}', 0, 0, UTC_TIMESTAMP(6) - INTERVAL 1 HOUR)"
                    )
                })
                .collect();
            sqlx::query(&format!("INSERT INTO {t} VALUES {}", values.join(","))).execute(&admin).await.unwrap();
        }
        let live: Vec<SessionId> = (0..50).map(|_| SessionId::random().unwrap()).collect();
        for id in &live {
            store.create(id, &record(7), Duration::from_secs(3600)).await.unwrap();
        }
        assert_eq!(count(&admin, &store).await, 10_050);
        assert_eq!(store.delete_expired_batch(1_000).await.unwrap(), 1_000, "one statement deletes one batch");
        let cleanup = store.spawn_cleanup(CleanupConfig::every(Duration::from_millis(50)).batch_size(1_000));
        eventually(60, "the cleanup task deleted the other 9,000", async || cleanup.stats().rows_deleted == 9_000)
            .await;
        assert!(cleanup.stats().batches >= 9, "{:?}", cleanup.stats());
        cleanup.stop().await;
        assert_eq!(count(&admin, &store).await, 50, "live sessions stay");
        for id in &live {
            assert_eq!(store.load(id).await.unwrap(), Some(record(7)));
        }
        drop_table(&admin, &store).await;
    }
}
