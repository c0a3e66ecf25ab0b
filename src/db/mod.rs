//! Storage: one binary speaks SQLite (embedded, the default) and PostgreSQL,
//! chosen by `DATABASE_URL`. Diesel is blocking, so queries run on the
//! blocking thread pool through [`Database::read`] and [`Database::write`];
//! only reads by key on SQLite may run on the async worker ([`Database::lookup`]).
//!
//! Lookups by a unique key use `get_result`, not `first`: `first` binds
//! `LIMIT 1`, and SQLite re-prepares a statement whose `LIMIT` is a bound
//! value every time it runs (a fifth of the CPU of a GET by id, measured).

/// Runs `$body` with `$db` bound to the backend's own connection, so the
/// query's type picks its cached prepared statement directly. Through the
/// `MultiConnection` enum, diesel builds a query's SQL again on every
/// execution, even when the statement is cached (about 30 % of a GET by id,
/// measured): hot reads and the candidate write path go this way.
macro_rules! natively {
    ($conn:expr, |$db:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Sqlite($db) => $body,
            $crate::db::DbConnection::Postgresql($db) => $body,
        }
    };
}

/// The rows of `$table` whose `$key` is one of `$ids`, in `$order` (declared
/// before the modules that use it: macros are seen in file order). One id
/// gets `= ?`, not `IN (?)`: diesel keeps the prepared statement of the
/// first, while an `IN` list is prepared anew on every call.
macro_rules! rows_of {
    ($conn:expr, $table:ident . $key:ident, $ids:expr, $order:expr, $row:ty) => {
        match $ids {
            [one] => natively!($conn, |db| $table::table
                .filter($table::$key.eq(*one))
                .order($order)
                .select(<$row>::as_select())
                .load::<$row>(db)?),
            many => $table::table
                .filter($table::$key.eq_any(many))
                .order($order)
                .select(<$row>::as_select())
                .load::<$row>($conn)?,
        }
    };
}

pub mod api_keys;
pub mod assignments;
pub mod audit;
pub mod candidates;
pub mod changes;
pub mod custom_fields;
pub mod deferred;
pub mod documents;
pub mod duplicates;
pub mod exchange_rates;
mod group_commit;
pub mod idempotency;
mod json;
pub mod match_index;
pub mod needs;
pub mod notes;
pub mod occupations;
pub mod organizations;
pub mod page;
pub mod pipeline;
pub mod pipeline_reasons;
pub mod privacy;
pub mod reference;
pub mod reports;
mod schema;
pub mod scim;
pub mod search;
pub mod seed;
pub mod skills;
pub mod skillsets;
pub mod tags;
pub mod timeline;
pub mod users;
pub mod webhooks;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use anyhow::Context;
use chrono::{NaiveDateTime, Utc};
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{ManageConnection, Pool, PooledConnection, R2D2Connection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use self::group_commit::GroupCommit;
use crate::error::{AppError, AppResult};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// How long a SQLite writer waits for another process's write lock.
const SQLITE_BUSY_TIMEOUT_MS: u32 = 5_000;
/// The PostgreSQL advisory lock that serializes migrations across instances.
const MIGRATION_LOCK: i64 = 0x0069_6e74_726d_6967; // "intrmig"

/// How long a request waits for a free connection before answering 503.
const POOL_TIMEOUT: Duration = Duration::from_secs(5);

/// A connection to either backend; queries written once run on both.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgresql(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

/// Where the data lives, parsed from `DATABASE_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Postgres(String),
    Sqlite(PathBuf),
}

impl DatabaseUrl {
    /// `postgres://` or `postgresql://` selects PostgreSQL; `sqlite://PATH`,
    /// `sqlite:PATH` or a plain path selects SQLite. Anything else with a
    /// scheme (`mysql://`, `http://`, a typo such as `postgress://`) is
    /// refused, naming the fix, before any file is created: a plain path would
    /// otherwise become a SQLite file named after the URL.
    pub fn parse(url: &str) -> anyhow::Result<Self> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(url.to_owned()));
        }
        if let Some(scheme) = scheme_of(url)
            && !scheme.eq_ignore_ascii_case("sqlite")
        {
            let lower = scheme.to_ascii_lowercase();
            let hint = if lower.starts_with("postg") || lower.starts_with("pg") || lower == "psql" {
                "did you mean postgres://? Write it as postgres://USER@HOST:5432/DATABASE".to_owned()
            } else if lower.starts_with("sql") {
                "did you mean sqlite://? Write it as sqlite://PATH, such as sqlite://data/interim-tracker.db".to_owned()
            } else {
                "use postgres://USER@HOST:5432/DATABASE for PostgreSQL, or sqlite://PATH for an embedded SQLite file"
                    .to_owned()
            };
            anyhow::bail!("DATABASE_URL names a database this service does not speak (`{scheme}:`): {hint}");
        }
        let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
        anyhow::ensure!(!path.is_empty(), "DATABASE_URL names no SQLite file: write it as sqlite://PATH");
        anyhow::ensure!(
            !path.contains(":memory:") && !path.starts_with("file:"),
            "DATABASE_URL must name a SQLite file: an in-memory database is not shared between connections"
        );
        Ok(DatabaseUrl::Sqlite(PathBuf::from(path)))
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            DatabaseUrl::Postgres(_) => "postgresql",
            DatabaseUrl::Sqlite(_) => "sqlite",
        }
    }
}

/// The scheme of a URL (`mysql` of `mysql://…`, `sqlite` of `sqlite:x.db`),
/// if `url` has one. A one-letter scheme is a Windows drive (`C:\data\x.db`),
/// and a path holding `/` before any `:` is a path.
fn scheme_of(url: &str) -> Option<&str> {
    let (scheme, rest) = url.split_once(':')?;
    let is_scheme = scheme.len() > 1
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    (is_scheme && (rest.starts_with("//") || scheme.eq_ignore_ascii_case("sqlite"))).then_some(scheme)
}

/// The database in use, for people: the SQLite file, or PostgreSQL's host,
/// port, database and user, never a password.
impl std::fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DatabaseUrl::Sqlite(path) => write!(f, "SQLite file {}", path.display()),
            DatabaseUrl::Postgres(url) => match url::Url::parse(url) {
                Ok(parsed) => {
                    let host = parsed.host_str().filter(|h| !h.is_empty()).unwrap_or("localhost (socket)");
                    let port = parsed.port().unwrap_or(5432);
                    let database = parsed.path().trim_start_matches('/');
                    let user = match parsed.username() {
                        "" => String::new(),
                        user => format!(" as {user}"),
                    };
                    write!(f, "PostgreSQL database `{database}` on {host}:{port}{user}")
                }
                Err(_) => f.write_str("PostgreSQL"),
            },
        }
    }
}

/// Opens connections of the backend the URL names; SQLite connections get
/// the pragmas durability and concurrency depend on, and keep temporary
/// files in memory: every write runs in a savepoint ([`group_commit`]),
/// whose undo journal would otherwise be a file written on every change.
#[derive(Debug)]
struct Connector(DatabaseUrl);

impl ManageConnection for Connector {
    type Connection = DbConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConnection, Self::Error> {
        use diesel::r2d2::Error::{ConnectionError, QueryError};
        match &self.0 {
            DatabaseUrl::Postgres(url) => {
                diesel::PgConnection::establish(url).map(DbConnection::Postgresql).map_err(ConnectionError)
            }
            DatabaseUrl::Sqlite(path) => {
                let mut conn = diesel::SqliteConnection::establish(&path.to_string_lossy()).map_err(ConnectionError)?;
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS};
                     PRAGMA journal_mode = WAL;
                     PRAGMA synchronous = FULL;
                     PRAGMA foreign_keys = ON;
                     PRAGMA temp_store = MEMORY;"
                ))
                .map_err(QueryError)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), Self::Error> {
        conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        conn.is_broken()
    }
}

type DbPool = Pool<Connector>;

/// The database handle the app shares: a pool for reads and one for writes.
/// On SQLite the write pool holds a single connection, so writers of this
/// process queue for it instead of failing with "database is locked"; every
/// write transaction also takes the lock up front (`BEGIN IMMEDIATE`) in case
/// another process writes to the same file, and the requests' writes commit
/// in groups ([`group_commit`]). On PostgreSQL both are one pool.
#[derive(Clone)]
pub struct Database {
    reader: DbPool,
    writer: DbPool,
    /// SQLite only: the writer thread requests' writes go through.
    group_commit: Option<GroupCommit>,
    url: DatabaseUrl,
    /// Callers waiting for a connection of each pool, for the metrics.
    waiting: Arc<[AtomicI64; 2]>,
}

/// What a connection pool holds, for the metrics.
#[derive(Debug, Clone, Copy)]
pub struct PoolStats {
    pub name: &'static str,
    pub in_use: u32,
    pub idle: u32,
    pub max: u32,
    pub waiting: i64,
}

/// Runs the read `f` on `conn`: on SQLite in one read transaction, so its
/// queries see one snapshot and the file lock is taken once.
fn read_on<T>(conn: &mut DbConnection, f: impl FnOnce(&mut DbConnection) -> AppResult<T>) -> AppResult<T> {
    match conn {
        DbConnection::Sqlite(_) => conn.transaction(f),
        DbConnection::Postgresql(_) => f(conn),
    }
}

const READ: usize = 0;
const WRITE: usize = 1;

/// Takes a connection from `pool`, counted in `waiting` while it waits.
fn checkout(pool: &DbPool, waiting: &AtomicI64) -> AppResult<PooledConnection<Connector>> {
    waiting.fetch_add(1, Ordering::Relaxed);
    let conn = pool.get();
    waiting.fetch_sub(1, Ordering::Relaxed);
    Ok(conn?)
}

/// One connection, made directly before the pool is: the pool would retry
/// for [`POOL_TIMEOUT`] and then say only that it timed out, where the server
/// says what is wrong (no such database, a refused connection, a wrong
/// password).
fn reach_postgres(url: &DatabaseUrl, postgres: &str) -> anyhow::Result<()> {
    let Err(error) = diesel::PgConnection::establish(postgres) else { return Ok(()) };
    let said = error.to_string();
    let said = said.lines().next().unwrap_or_default().trim();
    let hint = if said.contains("does not exist") && said.contains("database") {
        let createdb = match url::Url::parse(postgres) {
            Ok(u) => format!(
                "createdb -h {} -p {} -U {} {}",
                u.host_str().unwrap_or("localhost"),
                u.port().unwrap_or(5432),
                if u.username().is_empty() { "postgres" } else { u.username() },
                u.path().trim_start_matches('/')
            ),
            Err(_) => "createdb".to_owned(),
        };
        format!("create it (`{createdb}`) or fix DATABASE_URL")
    } else if said.contains("Connection refused") || said.contains("could not connect") {
        "is PostgreSQL running there? Start it, or fix the host and port in DATABASE_URL".to_owned()
    } else if said.contains("password") || said.contains("authentication") {
        "check the user and password in DATABASE_URL".to_owned()
    } else {
        "check DATABASE_URL".to_owned()
    };
    anyhow::bail!("cannot connect to the {url} (DATABASE_URL): {said}; {hint}")
}

impl Database {
    /// Connects, creating the SQLite file and its folder if needed.
    /// `pool_size` bounds the connections reads use at once.
    pub fn connect(url: &DatabaseUrl, pool_size: u32) -> anyhow::Result<Self> {
        let build = |size: u32| {
            Pool::builder()
                .max_size(size)
                .min_idle(Some(1))
                // A SQLite connection does not go stale, and the check is a
                // query on every checkout; a PostgreSQL one can (a restarted server).
                .test_on_check_out(matches!(url, DatabaseUrl::Postgres(_)))
                .connection_timeout(POOL_TIMEOUT)
                .build(Connector(url.clone()))
                .with_context(|| format!("connecting to the {} database", url.backend_name()))
        };
        match url {
            DatabaseUrl::Sqlite(path) => {
                create_parent_dir(path)?;
                let writer = build(1)?;
                let reader = build(pool_size)?;
                let group_commit = Some(GroupCommit::start(writer.clone())?);
                Ok(Self { reader, writer, group_commit, url: url.clone(), waiting: Arc::default() })
            }
            DatabaseUrl::Postgres(postgres) => {
                reach_postgres(url, postgres)?;
                let pool = build(pool_size)?;
                Ok(Self {
                    reader: pool.clone(),
                    writer: pool,
                    group_commit: None,
                    url: url.clone(),
                    waiting: Arc::default(),
                })
            }
        }
    }

    /// The most connections the pools open at once.
    pub fn max_connections(&self) -> u32 {
        match self.url {
            DatabaseUrl::Sqlite(_) => self.reader.max_size() + self.writer.max_size(),
            DatabaseUrl::Postgres(_) => self.reader.max_size(),
        }
    }

    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    /// The pools as they stand: on SQLite the read pool and the one-connection
    /// write pool, on PostgreSQL the one pool both use.
    pub fn pool_stats(&self) -> Vec<PoolStats> {
        let stats = |name, pool: &DbPool, waiting: i64| {
            let state = pool.state();
            PoolStats {
                name,
                in_use: state.connections - state.idle_connections,
                idle: state.idle_connections,
                max: pool.max_size(),
                waiting,
            }
        };
        let [read, mut write] = [&self.waiting[READ], &self.waiting[WRITE]].map(|w| w.load(Ordering::Relaxed));
        write += self.group_commit.as_ref().map_or(0, GroupCommit::waiting);
        match self.url {
            DatabaseUrl::Sqlite(_) => vec![stats("read", &self.reader, read), stats("write", &self.writer, write)],
            DatabaseUrl::Postgres(_) => vec![stats("shared", &self.reader, read + write)],
        }
    }

    /// Applies the migrations not yet applied; returns their names.
    pub fn migrate(&self) -> anyhow::Result<Vec<String>> {
        let mut conn = self.writer.get().context("getting a connection to migrate")?;
        let names = |applied: Vec<diesel::migration::MigrationVersion<'_>>| -> Vec<String> {
            applied.iter().map(ToString::to_string).collect()
        };
        let applied = match &mut *conn {
            DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(names),
            DbConnection::Postgresql(c) => {
                // Instances starting together take turns: the next finds nothing pending.
                c.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))?;
                let applied = c.run_pending_migrations(POSTGRES_MIGRATIONS).map(names);
                c.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))?;
                applied
            }
        }
        .map_err(|e| anyhow::anyhow!("running migrations: {e}"))?;
        Ok(applied)
    }

    /// Refreshes the planner's statistics (PostgreSQL `ANALYZE`, SQLite
    /// `PRAGMA optimize`), after migrations and bulk loads: without them the
    /// planner guesses, and a server with autovacuum off never learns.
    pub fn analyze(&self) -> AppResult<()> {
        let mut conn = checkout(&self.writer, &self.waiting[WRITE])?;
        let sql = match &*conn {
            DbConnection::Sqlite(_) => "PRAGMA optimize",
            DbConnection::Postgresql(_) => "ANALYZE",
        };
        conn.batch_execute(sql)?;
        Ok(())
    }

    /// Reverts every migration (used by the reversibility test).
    pub fn revert_all_migrations(&self) -> anyhow::Result<()> {
        let mut conn = self.writer.get().context("getting a connection to revert migrations")?;
        match &mut *conn {
            DbConnection::Sqlite(c) => c.revert_all_migrations(SQLITE_MIGRATIONS).map(drop),
            DbConnection::Postgresql(c) => c.revert_all_migrations(POSTGRES_MIGRATIONS).map(drop),
        }
        .map_err(|e| anyhow::anyhow!("reverting migrations: {e}"))
    }

    /// Runs `f` on a read connection, off the async workers.
    pub async fn read<T, F>(&self, f: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let (db, f) = (self.clone(), deferred::checked(deferred::take(), f));
        actix_web::web::block(move || db.with_reader(f)).await?
    }

    /// Runs `f`, a read by key of tens of microseconds, on a read connection.
    /// On SQLite, when a connection is idle, it runs here on the async worker:
    /// handing it to the blocking pool and back costs two thread wake-ups,
    /// more than the read itself (a third of a GET by id's CPU, measured).
    /// A read that may scan, or wait for a connection, goes through [`read`](Self::read).
    pub async fn lookup<T, F>(&self, f: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let f = deferred::checked(deferred::take(), f);
        if matches!(self.url, DatabaseUrl::Sqlite(_))
            && let Some(mut pooled) = self.reader.try_get()
        {
            return read_on(&mut pooled, f);
        }
        // `f` holds the check now: `read` finds none left to take.
        self.read(f).await
    }

    /// Runs `f` on a read connection, on this (blocking) thread. On SQLite
    /// its queries share one read transaction: they see one snapshot (a record
    /// and its lists agree), and the file lock is taken once, not per query.
    pub fn with_reader<T>(&self, f: impl FnOnce(&mut DbConnection) -> AppResult<T>) -> AppResult<T> {
        let mut pooled = checkout(&self.reader, &self.waiting[READ])?;
        read_on(&mut pooled, f)
    }

    /// Runs `f` in one write transaction, off the async workers: all of it
    /// lands or none of it does, and it has landed durably when this returns.
    /// On SQLite, writes that wait together commit together (each in its own
    /// savepoint, so one that fails undoes only itself).
    pub async fn write<T, F>(&self, f: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let f = deferred::checked(deferred::take(), f);
        if let Some(group_commit) = &self.group_commit {
            return group_commit.write(f).await;
        }
        let db = self.clone();
        actix_web::web::block(move || db.write_blocking(f)).await?
    }

    /// One write transaction of its own, for code that already runs off the
    /// async workers (imports, jobs, the CLI).
    pub fn write_blocking<T>(&self, f: impl FnOnce(&mut DbConnection) -> AppResult<T>) -> AppResult<T> {
        write_transaction(&mut *checkout(&self.writer, &self.waiting[WRITE])?, f)
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> AppResult<()> {
        self.read(|conn| conn.ping().map_err(AppError::from)).await
    }
}

/// Begins a write transaction; on SQLite it takes the write lock up front.
fn begin_write(conn: &mut DbConnection) -> diesel::QueryResult<()> {
    match conn {
        DbConnection::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE"),
        DbConnection::Postgresql(c) => AnsiTransactionManager::begin_transaction(c),
    }
}

fn write_transaction<T>(conn: &mut DbConnection, f: impl FnOnce(&mut DbConnection) -> AppResult<T>) -> AppResult<T> {
    begin_write(conn)?;
    type Manager = <DbConnection as Connection>::TransactionManager;
    match f(conn) {
        Ok(value) => {
            Manager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(error) => {
            if let Err(rollback) = Manager::rollback_transaction(conn) {
                tracing::error!(%rollback, "rolling back a failed write");
            }
            Err(error)
        }
    }
}

fn create_parent_dir(path: &Path) -> anyhow::Result<()> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => {
            std::fs::create_dir_all(dir).with_context(|| format!("creating the data folder {}", dir.display()))
        }
        _ => Ok(()),
    }
}

/// An update guarded by the version read before it changed nothing: someone
/// else changed the row in between, so this change would be lost.
pub fn ensure_updated(rows: usize) -> AppResult<()> {
    if rows == 0 { Err(AppError::PreconditionFailed) } else { Ok(()) }
}

/// The current time as stored: UTC, to the microsecond (both backends keep
/// microseconds, so a value reads back exactly as written).
pub fn now() -> NaiveDateTime {
    use chrono::{DurationRound, TimeDelta};
    let now = Utc::now();
    now.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(now).naive_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls() {
        assert_eq!(DatabaseUrl::parse("postgres://u@h/db").unwrap(), DatabaseUrl::Postgres("postgres://u@h/db".into()));
        assert!(matches!(DatabaseUrl::parse("postgresql://h/db").unwrap(), DatabaseUrl::Postgres(_)));
        assert_eq!(DatabaseUrl::parse("sqlite://data/x.db").unwrap(), DatabaseUrl::Sqlite("data/x.db".into()));
        assert_eq!(DatabaseUrl::parse("sqlite:///tmp/x.db").unwrap(), DatabaseUrl::Sqlite("/tmp/x.db".into()));
        assert_eq!(DatabaseUrl::parse("x.db").unwrap(), DatabaseUrl::Sqlite("x.db".into()));
        assert!(DatabaseUrl::parse("sqlite://:memory:").is_err());
        assert_eq!(DatabaseUrl::parse("C:\\data\\x.db").unwrap(), DatabaseUrl::Sqlite("C:\\data\\x.db".into()));
        assert_eq!(DatabaseUrl::parse("data/a:b.db").unwrap(), DatabaseUrl::Sqlite("data/a:b.db".into()));
        for (url, says) in [
            ("mysql://root@localhost/test", "mysql:"),
            ("http://localhost:5432/db", "http:"),
            ("postgress://u@h/db", "did you mean postgres://"),
            ("pgsql://u@h/db", "did you mean postgres://"),
            ("sqlight://x.db", "did you mean sqlite://"),
        ] {
            let error = DatabaseUrl::parse(url).unwrap_err().to_string();
            assert!(error.contains(says) && error.contains("DATABASE_URL"), "{url}: {error}");
        }
    }

    #[test]
    fn the_database_in_use_is_named_without_its_password() {
        let url = DatabaseUrl::parse("postgres://app:secret@db.internal:6432/tracker").unwrap();
        assert_eq!(url.to_string(), "PostgreSQL database `tracker` on db.internal:6432 as app");
        assert_eq!(DatabaseUrl::parse("data/x.db").unwrap().to_string(), "SQLite file data/x.db");
        assert!(DatabaseUrl::parse("").is_err());
    }
}
