//! The database: the followed blocks with their witnesses (blocks.rs), the proving queue
//! (jobs.rs), the chain it follows and what holds the follower (chain.rs). SQLite (a file, the
//! default) or Postgres (a URL), through sqlx's `Any` driver, with the migrations under
//! `serve/migrations/<backend>/`. Every change that must not be seen half done is one transaction
//! or one statement, so a process killed at any moment leaves the store consistent.
//!
//! Every operation goes through [`Store::read`] or [`Store::write`], which keep the store's health
//! (what `/healthz` says of it) and, after an error of the storage itself (a full disk, an I/O
//! error, a connection lost), replace the pool: a SQLite connection whose commit failed can stay
//! inside its transaction, and keep serving the old snapshot to every reader that gets it (seen
//! as `/healthz` alternating between two block counts after a full disk was freed) or fail every
//! write with SQLITE_BUSY_SNAPSHOT, until it is closed.

use std::{
    future::Future,
    path::Path,
    sync::{Arc, Mutex, RwLock},
    time::{Duration, Instant},
};

use sqlx::{
    any::{install_default_drivers, AnyPoolOptions},
    AnyPool,
};

use crate::now_ms;

/// Why the database did not answer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// It cannot be opened.
    #[error("database {url}: {cause}")]
    Open {
        /// The URL, its password hidden.
        url: String,
        /// What sqlx said.
        cause: sqlx::Error,
    },
    /// A migration failed.
    #[error("database migration: {0}")]
    Migrate(sqlx::migrate::MigrateError),
    /// A query failed.
    #[error("database: {0}")]
    Query(sqlx::Error),
}

// Not `#[from]`: that would also make sqlx's error this one's `source()`, and a chain printed
// whole would say it twice (every message here ends with its cause's text).
impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        StoreError::Migrate(e)
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Query(e)
    }
}

/// Which database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// A file.
    Sqlite,
    /// A server (workers on other machines share it).
    Postgres,
}

/// What `/healthz` says of the store: whether it can write now, and its errors.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct StoreHealth {
    /// Since when every write has failed (Unix ms); None once one succeeds.
    pub write_failing_since_ms: Option<i64>,
    /// Operations that failed, since the process started.
    pub errors: u64,
    /// The last failure's message, until an operation of its kind succeeds.
    pub last_error: Option<String>,
    /// How often the pool was replaced after an error of the storage.
    pub pool_resets: u64,
}

/// The database, shared by the follower, the workers, the judge and the API.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    url: String,
    backend: Backend,
    pool: RwLock<AnyPool>,
    health: Mutex<StoreHealth>,
    last_reset: Mutex<Option<Instant>>,
}

/// At most one pool replacement per this long, whatever the rate of errors.
const RESET_INTERVAL: Duration = Duration::from_secs(1);

impl Store {
    /// Opens (creating if needed) and migrates the database: a `postgres://` URL, a `sqlite:` URL,
    /// or a file path for SQLite.
    pub async fn open(db: &str) -> Result<Self, StoreError> {
        install_default_drivers();
        let (url, backend) = if db.starts_with("postgres://") || db.starts_with("postgresql://") {
            (db.to_string(), Backend::Postgres)
        } else if db.starts_with("sqlite:") {
            (db.to_string(), Backend::Sqlite)
        } else {
            (sqlite_url(Path::new(db)), Backend::Sqlite)
        };
        let pool = connect(&url, backend).await?;
        if backend == Backend::Sqlite {
            // Readers (the API) never wait for the writer; every commit is on disk when it returns.
            sqlx::query("PRAGMA journal_mode = WAL").execute(&pool).await?;
        }
        match backend {
            Backend::Sqlite => sqlx::migrate!("migrations/sqlite").run(&pool).await?,
            Backend::Postgres => sqlx::migrate!("migrations/postgres").run(&pool).await?,
        }
        let inner =
            Inner { url, backend, pool: RwLock::new(pool), health: Mutex::default(), last_reset: Mutex::default() };
        Ok(Self { inner: Arc::new(inner) })
    }

    /// SQLite or Postgres.
    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    /// What `/healthz` says of the store.
    pub fn health(&self) -> StoreHealth {
        self.inner.health.lock().map(|h| h.clone()).unwrap_or_default()
    }

    fn pool(&self) -> AnyPool {
        self.inner.pool.read().map(|p| p.clone()).unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    /// Runs a read: its error counts against the store's health, and an error of the storage
    /// replaces the pool.
    pub(crate) async fn read<T, F, Fut>(&self, op: F) -> Result<T, StoreError>
    where
        F: FnOnce(AnyPool) -> Fut,
        Fut: Future<Output = Result<T, sqlx::Error>>,
    {
        self.run(false, op).await
    }

    /// Runs a write: as [`Store::read`], and its outcome says whether the store can write.
    pub(crate) async fn write<T, F, Fut>(&self, op: F) -> Result<T, StoreError>
    where
        F: FnOnce(AnyPool) -> Fut,
        Fut: Future<Output = Result<T, sqlx::Error>>,
    {
        self.run(true, op).await
    }

    async fn run<T, F, Fut>(&self, write: bool, op: F) -> Result<T, StoreError>
    where
        F: FnOnce(AnyPool) -> Fut,
        Fut: Future<Output = Result<T, sqlx::Error>>,
    {
        let outcome = op(self.pool()).await;
        if let Ok(mut health) = self.inner.health.lock() {
            match &outcome {
                Ok(_) if write => {
                    health.write_failing_since_ms = None;
                    health.last_error = None;
                }
                Ok(_) => {}
                Err(e) => {
                    health.errors += 1;
                    health.last_error = Some(format!("database: {e}"));
                    if write {
                        health.write_failing_since_ms.get_or_insert_with(now_ms);
                    }
                }
            }
        }
        match outcome {
            Ok(value) => Ok(value),
            Err(e) => {
                if is_storage_error(&e) {
                    self.reset_pool().await;
                }
                Err(StoreError::Query(e))
            }
        }
    }

    /// Replaces the pool with a new one (at most once a second): no connection of before the error
    /// is used again. The old pool closes in the background, its busy connections as they return.
    async fn reset_pool(&self) {
        {
            let Ok(mut last) = self.inner.last_reset.lock() else { return };
            if last.is_some_and(|at| at.elapsed() < RESET_INTERVAL) {
                return;
            }
            *last = Some(Instant::now());
        }
        let fresh = match connect(&self.inner.url, self.inner.backend).await {
            Ok(pool) => pool,
            Err(e) => {
                tracing::warn!("the database's pool could not be replaced after an error: {e}");
                return;
            }
        };
        let old = match self.inner.pool.write() {
            Ok(mut pool) => std::mem::replace(&mut *pool, fresh),
            Err(_) => return,
        };
        if let Ok(mut health) = self.inner.health.lock() {
            health.pool_resets += 1;
        }
        tracing::warn!("database error: every connection of the pool is replaced");
        tokio::spawn(async move { old.close().await });
    }
}

async fn connect(url: &str, backend: Backend) -> Result<AnyPool, StoreError> {
    AnyPoolOptions::new()
        .max_connections(if backend == Backend::Sqlite { 4 } else { 8 })
        // A pool that cannot get a connection in time answers an error, rather than hanging the
        // request (a Postgres server gone, a SQLite file locked).
        .acquire_timeout(Duration::from_secs(10))
        .connect(url)
        .await
        .map_err(|cause| StoreError::Open { url: redact(url), cause })
}

/// An error of the storage or the connection rather than of the statement: worth a fresh pool.
fn is_storage_error(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => {
            // SQLite's result codes (SQLITE_FULL 13, SQLITE_IOERR 10, SQLITE_BUSY 5 and its
            // extended 517, SQLITE_CANTOPEN 14, SQLITE_CORRUPT 11, SQLITE_READONLY 8) and their
            // extended forms; Postgres's classes 08 (connection), 53 (resources), 57 (operator
            // intervention), 58 (system).
            let code = db.code().unwrap_or_default();
            if code.len() == 5 {
                // A Postgres SQLSTATE.
                ["08", "53", "57", "58"].iter().any(|class| code.starts_with(class))
            } else {
                matches!(code.parse::<u32>().map(|c| c & 0xff), Ok(5 | 8 | 10 | 11 | 13 | 14))
            }
        }
        sqlx::Error::Io(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        _ => false,
    }
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// A URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_string(),
    }
}
