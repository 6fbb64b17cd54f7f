//! The SQLite history store. One module per table; SQL and SQLite specifics stay in here, so that
//! another backend (PostgreSQL for teams) can sit beside it.

pub mod annotations;
pub mod costs;
pub mod deletions;
pub mod desktop;
pub mod durability;
mod filter;
mod identity;
pub mod in_flight;
pub mod otel;
pub mod prompts;
pub mod providers;
pub mod response_pieces;
pub mod retention;
pub mod rollups;
pub mod runs;
pub mod search;
mod source;
pub mod stats;
pub mod storage;
pub mod tags;
pub mod team;
pub mod time_key;
pub mod transfer;
pub mod user_prices;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteAutoVacuum, SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};

use crate::error::{Error, Result};

/// The migrations in `migrations/`, embedded in the binary.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

/// The application identifier; the desktop app's data directory is named after it.
pub const APP_IDENTIFIER: &str = "dev.promptline.desktop";

/// Each connection's page cache: 2 MiB (negative values count KiB; SQLite's own default). A page
/// of runs or of search hits reads tens of pages, and the OS keeps the file's pages in its cache
/// anyway (a re-read costs a microsecond); a larger cache only keeps, in every pooled connection
/// of a long-running app, what a count or an export streamed through. (Imports set their own.)
pub(crate) const CACHE_SIZE: &str = "-2048";

/// How long a write waits for another connection's write transaction before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(120);

/// The file name of the database inside the data directory.
pub const DB_FILE_NAME: &str = "promptline.db";

/// Where the CLI and the desktop app keep the database unless told otherwise: the OS data
/// directory joined with [`APP_IDENTIFIER`] (Tauri's `app_data_dir` rule), e.g.
/// `~/.local/share/dev.promptline.desktop/promptline.db` on Linux,
/// `~/Library/Application Support/dev.promptline.desktop/promptline.db` on macOS and
/// `%APPDATA%\dev.promptline.desktop\promptline.db` on Windows.
pub fn default_db_path() -> Result<PathBuf> {
    let base = dirs::data_dir().ok_or_else(|| {
        Error::invalid("cannot find the OS data directory: pass --db PATH or set PROMPTLINE_DB")
    })?;
    Ok(base.join(APP_IDENTIFIER).join(DB_FILE_NAME))
}

/// A write transaction (`BEGIN IMMEDIATE`: the write lock from the start) on a pooled connection.
///
/// Not sqlx's own transaction: when a write fails on a full disk, SQLite rolls the transaction
/// back by itself, sqlx's ROLLBACK then fails, and sqlx keeps counting a transaction that is gone,
/// so the connection's every later BEGIN fails. Here a transaction that did not commit closes its
/// connection (SQLite rolls back whatever is left) instead of returning it to the pool.
pub(crate) struct WriteTx(Option<sqlx::pool::PoolConnection<sqlx::Sqlite>>);

impl WriteTx {
    /// Takes a connection and the write lock.
    pub(crate) async fn begin(pool: &SqlitePool) -> Result<Self> {
        // The connection is the transaction's before BEGIN is sent: a caller cancelled while
        // BEGIN runs (a sync stopped by a time-out) then closes it. Held in a local, it went back
        // to the pool, where the BEGIN still completing left it holding the write lock, and every
        // other writer waited out the busy timeout ("database is locked").
        let mut tx = Self(Some(pool.acquire().await?));
        sqlx::query("BEGIN IMMEDIATE").execute(&mut *tx).await?;
        Ok(tx)
    }

    /// Commits; on failure the connection is closed and the error returned.
    pub(crate) async fn commit(mut self) -> Result<()> {
        let mut conn = self.0.take().expect("an open transaction");
        match sqlx::query("COMMIT").execute(&mut *conn).await {
            Ok(_) => Ok(()),
            Err(error) => {
                let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
                drop(conn.detach());
                Err(error.into())
            }
        }
    }
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        if let Some(conn) = self.0.take() {
            drop(conn.detach());
        }
    }
}

impl std::ops::Deref for WriteTx {
    type Target = sqlx::SqliteConnection;

    fn deref(&self) -> &Self::Target {
        self.0.as_ref().expect("an open transaction")
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        self.0.as_mut().expect("an open transaction")
    }
}

/// Whether the database changed since the last look (see [`Store::watch_changes`]).
#[derive(Debug)]
pub struct ChangeWatch {
    conn: tokio::sync::Mutex<(sqlx::SqliteConnection, i64)>,
}

impl ChangeWatch {
    /// True when some other connection committed a change since the previous call. One
    /// `PRAGMA data_version` on the watch's own connection: microseconds, whatever the history
    /// holds.
    pub async fn changed(&self) -> Result<bool> {
        let mut guard = self.conn.lock().await;
        let (conn, seen) = &mut *guard;
        let now = data_version(conn).await?;
        let changed = now != *seen;
        *seen = now;
        Ok(changed)
    }
}

async fn data_version(conn: &mut sqlx::SqliteConnection) -> Result<i64> {
    let (version,): (i64,) = sqlx::query_as("PRAGMA data_version")
        .fetch_one(&mut *conn)
        .await?;
    Ok(version)
}

/// A handle on the history database. Cheap to clone; all clones share one connection pool.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
    /// This process's claim on the runs it has in flight (see [`in_flight`]).
    live: Arc<in_flight::Liveness>,
    /// Whether runs recorded through this handle (and its clones) go into the export outbox.
    live_export: Arc<AtomicBool>,
}

impl Store {
    /// Opens (creating if needed) the database file at `path` and brings its schema up to date.
    ///
    /// WAL journal, foreign keys on, a busy timeout so concurrent writers wait instead of failing,
    /// and `synchronous = FULL`, so a run reported as recorded survives a crash of the process or
    /// of the machine.
    pub async fn open(path: &Path) -> Result<Self> {
        Self::open_with_connections(path, 4).await
    }

    /// [`Store::open`] with a pool of at most `max_connections`. A short-lived command that runs
    /// one query after another does best with 1: every further connection costs a schema load.
    pub async fn open_with_connections(path: &Path, max_connections: u32) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                Error::invalid(format!(
                    "cannot create the database folder {}: {e}",
                    dir.display()
                ))
            })?;
        }
        // An empty or missing file: nothing is in it yet, so the vacuum mode can still be chosen.
        let fresh = std::fs::metadata(path).map_or(true, |m| m.len() == 0);
        let mut options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            // Long enough to outwait an import, which holds the write lock for its one
            // transaction (about 20 s for a 100,000-run file): a run finishing meanwhile waits to
            // be recorded instead of failing.
            .busy_timeout(BUSY_TIMEOUT)
            .pragma("temp_store", "memory")
            .pragma("cache_size", CACHE_SIZE);
        if fresh {
            // Deletes can then hand pages back to the file system without rewriting the file (an
            // existing file switches when compacted). Only for a new file: on an existing one the
            // pragma writes the header, so a full disk would stop the database from opening.
            options = options.auto_vacuum(SqliteAutoVacuum::Incremental);
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(max_connections.max(1))
            // A local file cannot drop a connection the way a network server can: no ping (a
            // round trip to the database thread) before every query.
            .test_before_acquire(false)
            .connect_with(options)
            .await
            .map_err(|e| {
                let error = Error::Database(e);
                match error.storage_problem() {
                    Some((why, fix)) => Error::invalid(format!(
                        "cannot open the database {}: {why}; it will open once {fix}",
                        path.display()
                    )),
                    None => Error::invalid(format!(
                        "cannot open the database {}: {error}",
                        path.display()
                    )),
                }
            })?;
        let store = Self::migrated(pool, Some(path)).await?;
        // Best effort: a database that cannot be written now (read-only, full disk) is still
        // readable, and the next open that can write recovers its interrupted runs.
        let _ = store.recover_interrupted().await;
        Ok(store)
    }

    /// Opens a private in-memory database (for tests and throw-away sessions).
    pub async fn open_in_memory() -> Result<Self> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:")?.foreign_keys(true);
        // One connection that never idles out: every connection to `:memory:` is its own database.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await?;
        Self::migrated(pool, None).await
    }

    async fn migrated(pool: SqlitePool, path: Option<&Path>) -> Result<Self> {
        if !Self::is_up_to_date(&pool).await {
            if let Some((theirs, ours)) = Self::newer_schema(&pool).await {
                pool.close().await;
                return Err(Error::invalid(format!(
                    "this database was made by a newer version of Promptline (its schema is at \
                     migration {theirs}, this build knows up to {ours}); it was not changed: \
                     update Promptline, or open another database with --db or PROMPTLINE_DB"
                )));
            }
            // Each migration runs in its own transaction: a failure leaves the previous version
            // intact. The migrator also refuses a database whose applied migrations were changed.
            MIGRATOR.run(&pool).await?;
        }
        Ok(Self {
            pool,
            live: Arc::new(in_flight::Liveness::for_database(path)),
            live_export: Arc::default(),
        })
    }

    /// The newest migration applied to the database and the newest this build knows, when the
    /// database's is newer.
    async fn newer_schema(pool: &SqlitePool) -> Option<(i64, i64)> {
        let (theirs,): (Option<i64>,) = sqlx::query_as("SELECT max(version) FROM _sqlx_migrations")
            .fetch_one(pool)
            .await
            .ok()?;
        let ours = MIGRATOR.iter().map(|m| m.version).max()?;
        theirs.filter(|&v| v > ours).map(|v| (v, ours))
    }

    /// Whether every embedded migration is recorded as applied, with the same checksum, in one
    /// query: most opens are of an up-to-date database, and short commands should not pay for the
    /// migrator's several round trips. Any doubt (no table yet, a failed step) says no.
    async fn is_up_to_date(pool: &SqlitePool) -> bool {
        let applied: Vec<(i64, Vec<u8>)> = match sqlx::query_as(
            "SELECT version, checksum FROM _sqlx_migrations WHERE success = 1 ORDER BY version",
        )
        .fetch_all(pool)
        .await
        {
            Ok(rows) => rows,
            Err(_) => return false,
        };
        let expected: Vec<(i64, &[u8])> = MIGRATOR
            .iter()
            .filter(|m| m.migration_type.is_up_migration())
            .map(|m| (m.version, &*m.checksum))
            .collect();
        applied.len() == expected.len()
            && applied
                .iter()
                .zip(&expected)
                .all(|((v, c), (ev, ec))| v == ev && c.as_slice() == *ec)
    }

    /// The underlying pool, for the store's modules.
    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// A watch on the database for commits made by any other connection: this app's own pool or
    /// another process (the CLI while the app is open). Costs one connection of its own.
    pub async fn watch_changes(&self) -> Result<ChangeWatch> {
        use sqlx::ConnectOptions;
        let options = self.pool.connect_options();
        let mut conn = options.connect().await?;
        let version = data_version(&mut conn).await?;
        Ok(ChangeWatch {
            conn: tokio::sync::Mutex::new((conn, version)),
        })
    }

    /// Runs `PRAGMA integrity_check` and returns its verdict (`ok` when healthy).
    pub async fn integrity_check(&self) -> Result<String> {
        let (verdict,): (String,) = sqlx::query_as("PRAGMA integrity_check")
            .fetch_one(&self.pool)
            .await?;
        Ok(verdict)
    }

    /// Refreshes the query planner's statistics; worth doing after a large import.
    pub async fn optimize(&self) -> Result<()> {
        sqlx::query("PRAGMA optimize=0x10002")
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Closes every connection, checkpointing the WAL.
    pub async fn close(self) {
        self.pool.close().await;
    }
}
