//! [`PostgresStore`]: sessions in a PostgreSQL table.

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::Row;

use super::sql::cleanup::{self, CleanupConfig, CleanupTask, ExpiredRows};
use super::sql::{self, TableName, TableNameError};
use super::{
    BoxFuture, CreateOutcome, CycleOutcome, DeleteOutcome, Record, SessionId, SessionStore, StoreError, UpdateOutcome,
};

const BACKEND: &str = "PostgreSQL";
/// Connections in the pool `connect` makes.
const POOL_SIZE: u32 = 10;
/// The schema version, kept in the table's comment.
const SCHEMA_COMMENT: &str = "ravyn-session store, schema v1";

/// Sessions in a PostgreSQL table (feature `postgres`), shared by every instance of the app that
/// points at the same database.
///
/// The table (default `ravyn_sessions`, see [`migration_sql`](Self::migration_sql)) holds one row
/// per session: the SHA-256 of its id (never the id), its data as `json` (not `jsonb`, which
/// would re-sort the keys), its creation and issue times, and `expires_at` as a `timestamptz`
/// with an index. Every statement compares `expires_at` with the database's `now()`, so the
/// database's clock alone decides, whatever the session's `TimeZone` and the app servers' clocks.
///
/// - A read is one indexed `SELECT`.
/// - Creating never overwrites a live id: `INSERT ... ON CONFLICT DO UPDATE ... WHERE` the
///   existing row has expired.
/// - An update is `UPDATE ... WHERE id_hash = $1 AND expires_at > now()`: a session deleted by a
///   logout meanwhile stays deleted.
/// - Cycling the id is one `UPDATE ... SET id_hash = $new`, atomic.
/// - Every call is bounded by [`timeout`](Self::timeout) (default 2 s), pool wait included; `connect`
///   also sets the connections' `statement_timeout` to 2 s. When the database does not answer, the
///   call fails with a [`StoreError`] (the app answers 503 on routes that use their session) and
///   the next one reconnects by itself.
///
/// ```no_run
/// use std::time::Duration;
/// use ravyn_session::store::{CleanupConfig, PostgresStore};
/// use ravyn_session::SessionConfig;
///
/// # #[tokio::main]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store = PostgresStore::connect("postgres://app@127.0.0.1:5432/app").await?.table("ravyn_sessions")?;
/// store.migrate().await?; // idempotent; safe when several instances start at once
/// let cleanup = store.spawn_cleanup(CleanupConfig::every(Duration::from_secs(300)));
/// let config = SessionConfig::new("a-long-random-secret-of-at-least-32-bytes").store(store);
/// // ... serve the app; then, during shutdown:
/// cleanup.stop().await;
/// # let _ = config;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct PostgresStore {
    pool: PgPool,
    table: TableName,
    queries: Arc<Queries>,
    timeout: Duration,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
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
        let expires = "now() + make_interval(secs => $5::float8)";
        Queries {
            load: format!(
                "SELECT data::text, created_at, issued_at FROM {t} WHERE id_hash = $1 AND expires_at > now()"
            ),
            // RETURNING gives a row when the id was free or its row had expired, none when live.
            create: format!(
                "INSERT INTO {t} AS s (id_hash, data, created_at, issued_at, expires_at) \
                 VALUES ($1, $2::json, $3, $4, {expires}) \
                 ON CONFLICT (id_hash) DO UPDATE SET data = excluded.data, created_at = excluded.created_at, \
                 issued_at = excluded.issued_at, expires_at = excluded.expires_at \
                 WHERE s.expires_at <= now() RETURNING 1"
            ),
            update: format!(
                "UPDATE {t} SET data = $2::json, created_at = $3, issued_at = $4, expires_at = {expires} \
                 WHERE id_hash = $1 AND expires_at > now()"
            ),
            cycle: format!(
                "UPDATE {t} SET id_hash = $6, data = $2::json, created_at = $3, issued_at = $4, expires_at = {expires} \
                 WHERE id_hash = $1 AND expires_at > now()"
            ),
            delete: format!("DELETE FROM {t} WHERE id_hash = $1 RETURNING expires_at > now()"),
            delete_expired_id: format!("DELETE FROM {t} WHERE id_hash = $1 AND expires_at <= now()"),
            // SKIP LOCKED: instances cleaning at the same time take different rows instead of
            // waiting on each other.
            delete_expired_batch: format!(
                "DELETE FROM {t} WHERE id_hash IN \
                 (SELECT id_hash FROM {t} WHERE expires_at <= now() LIMIT $1 FOR UPDATE SKIP LOCKED)"
            ),
        }
    }
}

impl PostgresStore {
    /// A store on the application's own pool (to share its connections), for the table
    /// `ravyn_sessions`. Every call is still bounded by [`timeout`](Self::timeout); the pool's own
    /// settings (size, acquire timeout, `statement_timeout`) are the application's.
    ///
    /// ```no_run
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let pool = sqlx::PgPool::connect("postgres://app@127.0.0.1/app").await?;
    /// let store = ravyn_session::store::PostgresStore::new(pool.clone());
    /// # let _ = store;
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(pool: PgPool) -> Self {
        let table = TableName::default();
        PostgresStore { pool, queries: Arc::new(Queries::new(&table)), table, timeout: sql::DEFAULT_TIMEOUT }
    }

    /// Connects to the database at `url` (`postgres://user[:password]@host[:port]/database`) with a
    /// pool of its own: 10 connections, a 2 s wait for one, a 2 s `statement_timeout`, and
    /// connections not pinged before each use (a broken one is replaced after one failed
    /// attempt, which the store retries on another connection). Fails when the database cannot be
    /// reached within 2 s.
    ///
    /// # Errors
    ///
    /// An invalid URL, or a database that does not answer.
    ///
    /// ```no_run
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), ravyn_session::StoreError> {
    /// let store = ravyn_session::store::PostgresStore::connect("postgres://postgres@127.0.0.1:5432/test").await?;
    /// # let _ = store;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options: PgConnectOptions = url.parse().map_err(|error| {
            StoreError::with_source(format!("invalid PostgreSQL URL {:?}", sql::redact(url)), error)
        })?;
        let statement_timeout = format!("{}", sql::DEFAULT_TIMEOUT.as_millis());
        let options = options.application_name("ravyn-session").options([("statement_timeout", statement_timeout)]);
        let pool = PgPoolOptions::new()
            .max_connections(POOL_SIZE)
            .acquire_timeout(sql::DEFAULT_TIMEOUT)
            .test_before_acquire(false)
            .connect_with(options)
            .await
            .map_err(|error| {
                StoreError::with_source(format!("could not connect to PostgreSQL at {:?}", sql::redact(url)), error)
            })?;
        Ok(PostgresStore::new(pool))
    }

    /// Uses the table `name` (default `ravyn_sessions`), optionally schema-qualified
    /// (`auth.sessions`; the schema must exist: it is never created). Give each app sharing a
    /// database its own table, and every instance of one app the same.
    ///
    /// # Errors
    ///
    /// When a part of `name` is not a plain identifier ([`TableNameError`]).
    ///
    /// ```no_run
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use ravyn_session::store::PostgresStore;
    /// let store = PostgresStore::connect("postgres://postgres@127.0.0.1/test").await?.table("auth.sessions")?;
    /// assert_eq!(store.get_table(), "auth.sessions");
    /// assert!(store.clone().table("sessions; DROP TABLE users").is_err());
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
    /// let store = ravyn_session::store::PostgresStore::connect("postgres://postgres@127.0.0.1/test").await?
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
    /// let store = ravyn_session::store::PostgresStore::connect("postgres://postgres@127.0.0.1/test").await?;
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
    /// let store = ravyn_session::store::PostgresStore::connect("postgres://postgres@127.0.0.1/test").await?;
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
    /// let store = ravyn_session::store::PostgresStore::connect("postgres://postgres@127.0.0.1/test").await?;
    /// store.pool().close().await;
    /// # Ok(())
    /// # }
    /// ```
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The SQL that creates the table `name` (`table` or `schema.table`) and its index, for
    /// those who run migrations with their own tool (sqlx-cli, refinery, Flyway): the same
    /// statements [`migrate`](Self::migrate) runs.
    ///
    /// # Errors
    ///
    /// When a part of `name` is not a plain identifier.
    ///
    /// ```
    /// use ravyn_session::store::PostgresStore;
    /// let sql = PostgresStore::migration_sql("ravyn_sessions")?;
    /// assert!(sql.contains("CREATE TABLE IF NOT EXISTS \"ravyn_sessions\""));
    /// assert!(sql.contains("data       json "));
    /// assert!(PostgresStore::migration_sql("x\"; DROP TABLE users; --").is_err());
    /// # Ok::<(), ravyn_session::store::TableNameError>(())
    /// ```
    pub fn migration_sql(name: &str) -> Result<String, TableNameError> {
        let table = TableName::parse(name)?;
        Ok(format!("{};\n{};\n{};\n", create_table_sql(&table), create_index_sql(&table), comment_sql(&table)))
    }

    /// Creates the table and its index if they do not exist. Idempotent, and safe when several
    /// instances start at once: it runs in one transaction under a PostgreSQL advisory lock for
    /// this table. It checks before it creates, so it needs no privilege beyond reading and
    /// writing the table once the table exists (created by a migration tool, or by a more
    /// privileged role); to create it, the role needs `CREATE` on the table's schema only, never
    /// on the database. It never creates a database or a schema.
    ///
    /// # Errors
    ///
    /// The database's error: unreachable, the schema does not exist, permission denied.
    ///
    /// ```no_run
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), ravyn_session::StoreError> {
    /// let store = ravyn_session::store::PostgresStore::connect("postgres://postgres@127.0.0.1/test").await?;
    /// store.migrate().await?;
    /// store.migrate().await?; // nothing to do the second time
    /// # Ok(())
    /// # }
    /// ```
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let fail = |error: sqlx::Error| {
            StoreError::with_source(
                format!("could not migrate the PostgreSQL session table {}", self.table.display()),
                error,
            )
        };
        let mut tx = self.pool.begin().await.map_err(fail)?;
        // Not the per-request bound: waiting for another instance's migration, or building the
        // index on a large existing table, may take longer than 2 s.
        sqlx::query("SET LOCAL statement_timeout = '60s'").execute(&mut *tx).await.map_err(fail)?;
        let lock_key = format!("ravyn-session:{}", self.table.display());
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind(&lock_key)
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
        let index = match self.table.schema() {
            Some(schema) => format!("\"{schema}\".\"{}\"", self.table.index_name()),
            None => format!("\"{}\"", self.table.index_name()),
        };
        let row = sqlx::query("SELECT to_regclass($1) IS NOT NULL, to_regclass($2) IS NOT NULL")
            .bind(self.table.quoted('"'))
            .bind(index)
            .fetch_one(&mut *tx)
            .await
            .map_err(fail)?;
        let (table_exists, index_exists): (bool, bool) = (row.get(0), row.get(1));
        if !table_exists {
            sqlx::query(&create_table_sql(&self.table)).execute(&mut *tx).await.map_err(fail)?;
            sqlx::query(&comment_sql(&self.table)).execute(&mut *tx).await.map_err(fail)?;
            tracing::info!(table = self.table.display(), "created the PostgreSQL session table");
        }
        if !index_exists {
            sqlx::query(&create_index_sql(&self.table)).execute(&mut *tx).await.map_err(fail)?;
        }
        tx.commit().await.map_err(fail)
    }

    /// Starts the background task that deletes expired rows (see [`CleanupTask`]): batches of
    /// `DELETE ... FOR UPDATE SKIP LOCKED`, safe with several instances. Call it inside the tokio
    /// runtime; stop it at shutdown.
    ///
    /// ```no_run
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), ravyn_session::StoreError> {
    /// use ravyn_session::store::{CleanupConfig, PostgresStore};
    /// let store = PostgresStore::connect("postgres://postgres@127.0.0.1/test").await?;
    /// let cleanup = store.spawn_cleanup(CleanupConfig::default());
    /// cleanup.stop().await;
    /// # Ok(())
    /// # }
    /// ```
    pub fn spawn_cleanup(&self, config: CleanupConfig) -> CleanupTask {
        CleanupTask::spawn(self.clone(), BACKEND, config)
    }

    /// Deletes every expired row now, in batches of `batch_size`; returns how many. For a cron
    /// job instead of (or besides) [`spawn_cleanup`](Self::spawn_cleanup).
    ///
    /// # Errors
    ///
    /// When the database does not answer (rows deleted by earlier batches stay deleted).
    ///
    /// ```no_run
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), ravyn_session::StoreError> {
    /// let store = ravyn_session::store::PostgresStore::connect("postgres://postgres@127.0.0.1/test").await?;
    /// let deleted = store.delete_expired(1_000).await?;
    /// # let _ = deleted;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn delete_expired(&self, batch_size: u32) -> Result<u64, StoreError> {
        Ok(cleanup::delete_expired(self, batch_size.max(1), || false).await?.0)
    }

    async fn execute(&self, operation: &'static str, sql: &str, binds: Binds<'_>) -> Result<u64, StoreError> {
        sql::bounded(BACKEND, operation, self.timeout, || async {
            binds.apply(sqlx::query(sql)).execute(&self.pool).await.map(|done| done.rows_affected())
        })
        .await
    }
}

/// The values a write binds: `$1` the id's hash, `$2` data, `$3` created_at, `$4` issued_at,
/// `$5` the TTL in seconds, `$6` the new id's hash (cycle).
#[derive(Clone, Copy)]
struct Binds<'a> {
    id_hash: &'a [u8; 32],
    data: &'a str,
    created_at: i64,
    issued_at: i64,
    ttl: i64,
    new_hash: Option<&'a [u8; 32]>,
}

impl<'a> Binds<'a> {
    fn apply(self, query: PgQuery<'a>) -> PgQuery<'a> {
        let query = query
            .bind(&self.id_hash[..])
            .bind(self.data)
            .bind(self.created_at)
            .bind(self.issued_at)
            .bind(self.ttl as f64);
        match self.new_hash {
            Some(new_hash) => query.bind(&new_hash[..]),
            None => query,
        }
    }
}

type PgQuery<'a> = sqlx::query::Query<'a, sqlx::Postgres, sqlx::postgres::PgArguments>;

fn create_table_sql(table: &TableName) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {} (\n    \
         id_hash    bytea       PRIMARY KEY CHECK (octet_length(id_hash) = 32),  -- SHA-256 of the session id\n    \
         data       json        NOT NULL,  -- json, not jsonb: the keys keep their order\n    \
         created_at bigint      NOT NULL,  -- seconds since the Unix epoch\n    \
         issued_at  bigint      NOT NULL,  -- seconds since the Unix epoch\n    \
         expires_at timestamptz NOT NULL   -- compared with the database's now()\n)",
        table.quoted('"')
    )
}

fn create_index_sql(table: &TableName) -> String {
    format!("CREATE INDEX IF NOT EXISTS \"{}\" ON {} (expires_at)", table.index_name(), table.quoted('"'))
}

fn comment_sql(table: &TableName) -> String {
    format!("COMMENT ON TABLE {} IS '{SCHEMA_COMMENT}'", table.quoted('"'))
}

impl ExpiredRows for PostgresStore {
    async fn delete_expired_batch(&self, limit: u32) -> Result<u64, StoreError> {
        let sql = &self.queries.delete_expired_batch;
        sql::bounded(BACKEND, "cleanup", self.timeout, || async {
            sqlx::query(sql).bind(i64::from(limit)).execute(&self.pool).await.map(|done| done.rows_affected())
        })
        .await
    }
}

impl SessionStore for PostgresStore {
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
            let (data, created_at, issued_at) = columns
                .map_err(|error| StoreError::with_source("PostgreSQL load returned an unexpected row", error))?;
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
            let binds = binds(&hash, &data, record, ttl);
            let row = sql::bounded(BACKEND, "create", self.timeout, || {
                binds.apply(sqlx::query(&self.queries.create)).fetch_optional(&self.pool)
            })
            .await?;
            Ok(if row.is_some() { CreateOutcome::Created } else { CreateOutcome::IdTaken })
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
            let updated = self.execute("update", &self.queries.update, binds(&hash, &data, record, ttl)).await?;
            Ok(if updated == 1 { UpdateOutcome::Updated } else { UpdateOutcome::Gone })
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
            // One UPDATE moves the row: atomic, and a concurrent write to the old id then finds
            // nothing. An expired row holding the new id is removed once, then the move retried.
            for retry in [false, true] {
                let moved = sql::bounded(BACKEND, "cycle", self.timeout, || async {
                    match binds.apply(sqlx::query(&self.queries.cycle)).execute(&self.pool).await {
                        Ok(done) => Ok(Some(done.rows_affected())),
                        Err(error) if sql::unique_violation(&error) => Ok(None),
                        Err(error) => Err(error),
                    }
                })
                .await?;
                match moved {
                    Some(1) => return Ok(CycleOutcome::Cycled),
                    Some(_) => return Ok(CycleOutcome::Gone),
                    None if retry => break,
                    None => {
                        let freed = sql::bounded(BACKEND, "cycle", self.timeout, || async {
                            let query = sqlx::query(&self.queries.delete_expired_id).bind(&new_hash[..]);
                            query.execute(&self.pool).await.map(|done| done.rows_affected())
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

#[cfg(test)]
mod tests {
    //! Against the real PostgreSQL at `POSTGRES_URL` (default
    //! `postgres://postgres@127.0.0.1:5432/test`; `.ci/ensure-databases` starts one), each test
    //! in tables of its own.

    use super::*;
    use crate::store::sql::testing::{eventually, fresh_name};
    use futures_util::future::join_all;
    use sqlx::postgres::PgConnectOptions;

    const TEST_BOUND: Duration = Duration::from_secs(10);

    fn url() -> String {
        std::env::var("POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
    }

    async fn admin() -> PgPool {
        match PgPoolOptions::new().max_connections(4).connect(&url()).await {
            Ok(pool) => pool,
            Err(error) => panic!(
                "no PostgreSQL answers at {} ({error}): run `bash .ci/ensure-databases` (or set POSTGRES_URL)",
                url()
            ),
        }
    }

    /// A migrated store on a fresh table, and the admin pool to look inside.
    async fn fresh_store() -> (PostgresStore, PgPool) {
        let admin = admin().await;
        // A generous bound: these tests are about what the store does, and the whole suite runs
        // many database tests at once on a small machine.
        let store = PostgresStore::new(admin.clone()).table(&fresh_name("t")).unwrap().timeout(TEST_BOUND);
        store.migrate().await.unwrap();
        (store, admin)
    }

    async fn drop_table(admin: &PgPool, store: &PostgresStore) {
        sqlx::query(&format!("DROP TABLE IF EXISTS {}", store.table.quoted('"'))).execute(admin).await.unwrap();
    }

    async fn count(admin: &PgPool, store: &PostgresStore) -> i64 {
        sqlx::query_scalar(&format!("SELECT count(*) FROM {}", store.table.quoted('"'))).fetch_one(admin).await.unwrap()
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
    async fn connect_builds_a_working_store_with_its_own_pool() {
        let store = PostgresStore::connect(&url()).await.unwrap().table(&fresh_name("t")).unwrap();
        store.migrate().await.unwrap();
        let id = SessionId::random().unwrap();
        assert_eq!(store.create(&id, &record(1), Duration::from_secs(60)).await.unwrap(), CreateOutcome::Created);
        assert_eq!(store.load(&id).await.unwrap(), Some(record(1)));
        drop_table(&admin().await, &store).await;
        assert!(PostgresStore::connect("mysql://x").await.is_err());
    }

    #[tokio::test]
    async fn rows_hold_the_id_hash_json_in_order_and_a_database_expiry() {
        let (store, admin) = fresh_store().await;
        let id = SessionId::random().unwrap();
        let mut data = serde_json::Map::new();
        data.insert("zebra".into(), 1.into());
        data.insert("apple".into(), 2.into());
        store.create(&id, &Record::new(data, 10, 20), Duration::from_secs(3600)).await.unwrap();
        let row = sqlx::query(&format!(
            "SELECT id_hash, data::text, created_at, issued_at, \
             EXTRACT(EPOCH FROM expires_at - now())::float8, pg_typeof(data)::text FROM {}",
            store.table.quoted('"')
        ))
        .fetch_one(&admin)
        .await
        .unwrap();
        let (hash, data, created_at, issued_at, ttl, data_type): (Vec<u8>, String, i64, i64, f64, String) =
            (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4), row.get(5));
        assert_eq!(hash, sql::id_hash(&id), "the key is the id's SHA-256");
        assert_ne!(hash, id.as_str().as_bytes());
        assert_eq!(data, r#"{"zebra":1,"apple":2}"#, "json keeps the text and key order");
        assert_eq!(data_type, "json");
        assert_eq!((created_at, issued_at), (10, 20));
        assert!((3590.0..=3600.0).contains(&ttl), "expires_at is now() + ttl by the database: {ttl}");
        drop_table(&admin, &store).await;
    }

    #[tokio::test]
    async fn migrate_is_idempotent_and_safe_when_eight_instances_start_at_once() {
        let table = fresh_name("t");
        let mut stores = Vec::new();
        for _ in 0..8 {
            // Eight instances: eight pools, as eight processes would have.
            stores.push(PostgresStore::connect(&url()).await.unwrap().table(&table).unwrap());
        }
        let results = join_all(stores.iter().map(PostgresStore::migrate)).await;
        assert!(results.iter().all(Result::is_ok), "{results:?}");
        stores[0].migrate().await.unwrap();
        let admin = admin().await;
        let (table_exists, index_exists, comment): (bool, bool, Option<String>) = {
            let row = sqlx::query(
                "SELECT to_regclass($1) IS NOT NULL, to_regclass($2) IS NOT NULL, obj_description(to_regclass($1))",
            )
            .bind(format!("\"{table}\""))
            .bind(format!("\"{table}_expires_at_idx\""))
            .fetch_one(&admin)
            .await
            .unwrap();
            (row.get(0), row.get(1), row.get(2))
        };
        assert!(table_exists && index_exists);
        assert_eq!(comment.as_deref(), Some(SCHEMA_COMMENT));
        let id = SessionId::random().unwrap();
        stores[3].create(&id, &record(1), Duration::from_secs(60)).await.unwrap();
        assert_eq!(stores[5].load(&id).await.unwrap(), Some(record(1)));
        drop_table(&admin, &stores[0]).await;
    }

    /// A role of this test's own, with a password (works whatever pg_hba.conf asks of TCP
    /// logins), dropped at the end.
    async fn role(admin: &PgPool) -> (String, String) {
        let (name, password) = (fresh_name("ravyn_role"), fresh_name("pw"));
        sqlx::query(&format!("CREATE ROLE {name} LOGIN PASSWORD '{password}'")).execute(admin).await.unwrap();
        let database: String = sqlx::query_scalar("SELECT current_database()").fetch_one(admin).await.unwrap();
        let can_create: bool = sqlx::query_scalar("SELECT has_database_privilege($1, $2, 'CREATE')")
            .bind(&name)
            .bind(&database)
            .fetch_one(admin)
            .await
            .unwrap();
        assert!(!can_create, "the role must not have CREATE on the database");
        let options: PgConnectOptions = url().parse().unwrap();
        let options = options.username(&name).password(&password);
        let url = format!("postgres://{name}:{password}@{}:{}/{database}", options.get_host(), options.get_port());
        (name, url)
    }

    #[tokio::test]
    async fn migrate_works_without_create_on_the_database_and_for_a_role_that_may_only_read_and_write() {
        let admin = admin().await;
        let (role, role_url) = role(&admin).await;
        let (own_schema, shared_schema) = (fresh_name("s"), fresh_name("s"));
        for statement in [
            format!("CREATE SCHEMA {own_schema}"),
            format!("GRANT USAGE, CREATE ON SCHEMA {own_schema} TO {role}"),
            format!("CREATE SCHEMA {shared_schema}"),
            format!("GRANT USAGE ON SCHEMA {shared_schema} TO {role}"),
        ] {
            sqlx::query(&statement).execute(&admin).await.unwrap();
        }

        // 1. CREATE on its schema only, none on the database: migrate creates the table.
        let role_pool = || async { PgPoolOptions::new().max_connections(4).connect(&role_url).await.unwrap() };
        let store =
            PostgresStore::new(role_pool().await).table(&format!("{own_schema}.sessions")).unwrap().timeout(TEST_BOUND);
        store.migrate().await.unwrap();
        store.migrate().await.unwrap();
        crate::conformance::run(&store).await;

        // 2. Only SELECT/INSERT/UPDATE/DELETE on a table someone else created (with the SQL from
        // migration_sql): migrate checks, finds it, and creates nothing.
        let table = format!("{shared_schema}.sessions");
        sqlx::raw_sql(&PostgresStore::migration_sql(&table).unwrap()).execute(&admin).await.unwrap();
        sqlx::query(&format!("GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {role}"))
            .execute(&admin)
            .await
            .unwrap();
        let store = PostgresStore::new(role_pool().await).table(&table).unwrap().timeout(TEST_BOUND);
        store.migrate().await.unwrap();
        crate::conformance::run(&store).await;
        // ...and that role really could not have created it.
        let other = store.clone().table(&format!("{shared_schema}.other")).unwrap();
        let error = other.migrate().await.unwrap_err();
        let chain =
            format!("{error}: {}", std::error::Error::source(&error).map(ToString::to_string).unwrap_or_default());
        assert!(chain.contains("permission denied"), "{chain}");

        store.pool().close().await;
        for statement in [
            format!("DROP SCHEMA {own_schema} CASCADE"),
            format!("DROP SCHEMA {shared_schema} CASCADE"),
            format!("DROP ROLE {role}"),
        ] {
            sqlx::query(&statement).execute(&admin).await.unwrap();
        }
    }

    /// A pool whose sessions use `zone` as their TimeZone (set after connecting: sqlx itself
    /// asks for UTC at start-up, which an application's own pool may well change).
    async fn pool_in_zone(zone: &'static str) -> PgPool {
        let pool = PgPoolOptions::new()
            .max_connections(2)
            .after_connect(move |connection, _| {
                Box::pin(async move {
                    sqlx::Executor::execute(connection, format!("SET TimeZone = '{zone}'").as_str()).await.map(drop)
                })
            })
            .connect(&url())
            .await
            .unwrap();
        let shown: String = sqlx::query_scalar("SHOW TimeZone").fetch_one(&pool).await.unwrap();
        assert_eq!(shown, zone);
        pool
    }

    #[tokio::test]
    async fn one_clock_whatever_the_sessions_time_zone() {
        // UTC+14 and UTC-10: a day apart in local time.
        let table = fresh_name("t");
        let east = PostgresStore::new(pool_in_zone("Pacific/Kiritimati").await).table(&table).unwrap();
        let west = PostgresStore::new(pool_in_zone("America/Adak").await).table(&table).unwrap();
        east.migrate().await.unwrap();
        crate::conformance::run(&east).await;
        east.delete_expired(1_000).await.unwrap(); // what the suite left to expire

        let (id, short) = (SessionId::random().unwrap(), SessionId::random().unwrap());
        east.create(&id, &record(1), Duration::from_secs(3600)).await.unwrap();
        east.create(&short, &record(2), Duration::from_secs(1)).await.unwrap();
        assert_eq!(west.load(&id).await.unwrap(), Some(record(1)), "written at UTC+14, live at UTC-10");
        assert_eq!(west.delete_expired(1_000).await.unwrap(), 0, "the other zone's cleanup deletes no live row");
        let written_west = SessionId::random().unwrap();
        west.create(&written_west, &record(4), Duration::from_secs(3600)).await.unwrap();
        assert_eq!(east.delete_expired(1_000).await.unwrap(), 0, "nor the other way round");
        assert_eq!(east.load(&written_west).await.unwrap(), Some(record(4)));
        assert_eq!(west.update(&id, &record(3), Duration::from_secs(3600)).await.unwrap(), UpdateOutcome::Updated);
        tokio::time::sleep(Duration::from_millis(1_200)).await;
        assert_eq!(west.load(&short).await.unwrap(), None, "a 1 s session has expired in every zone");
        assert_eq!(east.load(&short).await.unwrap(), None);
        assert_eq!(west.delete_expired(1_000).await.unwrap(), 1, "only the expired row");
        assert_eq!(east.load(&id).await.unwrap(), Some(record(3)));
        drop_table(&admin().await, &east).await;
    }

    /// 10,000 expired rows (inserted directly) beside 50 live sessions.
    async fn expired_rows(admin: &PgPool, store: &PostgresStore, from: i32) {
        sqlx::query(&format!(
            "INSERT INTO {} SELECT sha256(('expired' || g)::bytea), '{{}}', 0, 0, now() - interval '1 hour' \
             FROM generate_series($1, $1 + 9999) g",
            store.table.quoted('"')
        ))
        .bind(from)
        .execute(admin)
        .await
        .unwrap();
    }

    #[tokio::test]
    async fn cleanup_deletes_10000_expired_rows_in_batches_and_keeps_live_ones() {
        let (store, admin) = fresh_store().await;
        expired_rows(&admin, &store, 0).await;
        let live: Vec<SessionId> = (0..50).map(|_| SessionId::random().unwrap()).collect();
        for id in &live {
            store.create(id, &record(7), Duration::from_secs(3600)).await.unwrap();
        }
        assert_eq!(count(&admin, &store).await, 10_050);
        assert_eq!(store.delete_expired_batch(1_000).await.unwrap(), 1_000, "one statement deletes one batch");

        let cleanup = store.spawn_cleanup(CleanupConfig::every(Duration::from_millis(50)).batch_size(1_000));
        eventually(60, "the cleanup task deleted the other 9,000", async || cleanup.stats().rows_deleted == 9_000)
            .await;
        let stats = cleanup.stats();
        assert!(stats.batches >= 9, "in batches of 1,000: {stats:?}");
        assert_eq!(stats.failed_runs, 0);
        cleanup.stop().await;
        assert_eq!(count(&admin, &store).await, 50, "live sessions stay");
        for id in &live {
            assert_eq!(store.load(id).await.unwrap(), Some(record(7)));
        }

        // Two instances cleaning at once take different rows (SKIP LOCKED): nothing deleted
        // twice, nothing left, no error.
        expired_rows(&admin, &store, 100_000).await;
        let other = PostgresStore::new(admin.clone()).table(&store.get_table()).unwrap().timeout(TEST_BOUND);
        let (a, b) = tokio::join!(store.delete_expired(500), other.delete_expired(500));
        assert_eq!(a.unwrap() + b.unwrap(), 10_000);
        assert_eq!(count(&admin, &store).await, 50);
        drop_table(&admin, &store).await;
    }

    #[tokio::test]
    async fn a_database_that_never_answers_fails_each_call_within_the_timeout() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let hung = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                held.push(socket); // never answered
            }
        });
        let pool = PgPoolOptions::new().connect_lazy(&format!("postgres://postgres@{addr}/test")).unwrap();
        let store = PostgresStore::new(pool).timeout(Duration::from_millis(300));
        let id = SessionId::random().unwrap();
        for _ in 0..2 {
            let started = std::time::Instant::now();
            let error = store.load(&id).await.unwrap_err();
            assert!(error.to_string().contains("timed out"), "{error}");
            assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());
        }
        hung.abort();
    }
}
