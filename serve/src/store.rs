//! The database: the followed blocks with their witnesses, and the proving queue. SQLite (a file,
//! the default) or Postgres (a URL), through sqlx's `Any` driver, with the migrations under
//! `serve/migrations/<backend>/`. Every change that must not be seen half done is one
//! transaction or one statement, so a process killed at any moment leaves the store consistent.

use std::path::Path;

use sqlx::{
    any::{install_default_drivers, AnyPoolOptions, AnyRow},
    AnyPool, Row,
};

use proof::ProofKind;

use crate::{now_ms, status::JobStatus};

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

/// The database, shared by the follower, the workers, the judge and the API.
#[derive(Clone)]
pub struct Store {
    pub(crate) pool: AnyPool,
    pub(crate) backend: Backend,
}

/// A block as the follower records it.
#[derive(Clone, Debug)]
pub struct NewBlock {
    /// The block number.
    pub number: u64,
    /// Its hash (0x hex).
    pub hash: String,
    /// Its parent's hash.
    pub parent_hash: String,
    /// How long its capture took.
    pub capture_ms: u64,
    /// How many transactions.
    pub transactions: u64,
    /// Gas used.
    pub gas_used: u64,
    /// The witness file's bytes.
    pub witness: Vec<u8>,
}

/// A block with its job, as the API shows it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct BlockRow {
    /// The block number.
    pub number: u64,
    /// Its hash.
    pub hash: String,
    /// Its parent's hash.
    pub parent_hash: String,
    /// False once a reorg took the block off the followed chain.
    pub canonical: bool,
    /// What the page shows: captured, queued, skipped, proving, submitted, proven, failed or
    /// orphaned.
    pub status: String,
    /// The proof kind its job asks for.
    pub kind: Option<String>,
    /// What the prover is doing (a phase, a chunk, a segment).
    pub progress: Option<String>,
    /// How many times a worker claimed the job.
    pub attempts: u64,
    /// The worker that holds or last held the job.
    pub worker: Option<String>,
    /// When the follower stored it (Unix ms).
    pub seen_at_ms: u64,
    /// How long its capture took.
    pub capture_ms: u64,
    /// How long its proof took (unknown for a proof made elsewhere).
    pub prove_ms: Option<u64>,
    /// How long the server's verification took.
    pub verify_ms: Option<u64>,
    /// How many transactions.
    pub transactions: u64,
    /// Gas used.
    pub gas_used: u64,
    /// Why its job failed.
    pub error: Option<String>,
}

/// Counts by job status, for the metrics and the page.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Counts {
    /// Blocks stored.
    pub blocks: u64,
    /// Of them, off the followed chain.
    pub orphaned: u64,
    /// Jobs waiting for a worker.
    pub queued: u64,
    /// Jobs being proven.
    pub proving: u64,
    /// Proofs waiting for the server's verification.
    pub submitted: u64,
    /// Verified proofs.
    pub proven: u64,
    /// Failed jobs.
    pub failed: u64,
    /// Blocks left out by the policy.
    pub skipped: u64,
}

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
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 8 })
            .connect(&url)
            .await
            .map_err(|cause| StoreError::Open { url: redact(&url), cause })?;
        if backend == Backend::Sqlite {
            // Readers (the API) never wait for the writer; every commit is on disk when it returns.
            sqlx::query("PRAGMA journal_mode = WAL").execute(&pool).await?;
        }
        match backend {
            Backend::Sqlite => sqlx::migrate!("migrations/sqlite").run(&pool).await?,
            Backend::Postgres => sqlx::migrate!("migrations/postgres").run(&pool).await?,
        }
        Ok(Self { pool, backend })
    }

    /// Records a captured block and queues its job (status `queued`, or `skipped` when the policy
    /// leaves it out), in one transaction: a block is never stored without its job.
    pub async fn add_block(&self, block: &NewBlock, kind: ProofKind, status: JobStatus) -> Result<(), StoreError> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO blocks (hash, number, parent_hash, canonical, seen_at, capture_ms, transactions, gas_used, witness)
             VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $8)",
        )
        .bind(&block.hash)
        .bind(block.number as i64)
        .bind(&block.parent_hash)
        .bind(now)
        .bind(block.capture_ms as i64)
        .bind(block.transactions as i64)
        .bind(block.gas_used as i64)
        .bind(&block.witness)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO jobs (hash, number, kind, status, queued_at, attempts) VALUES ($1, $2, $3, $4, $5, 0)",
        )
        .bind(&block.hash)
        .bind(block.number as i64)
        .bind(kind.name())
        .bind(status.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether this block (by hash) is already stored: a restart or a reorg back to a known block
    /// does not capture it twice.
    pub async fn has_block(&self, hash: &str) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT 1 FROM blocks WHERE hash = $1").bind(hash).fetch_optional(&self.pool).await?;
        Ok(row.is_some())
    }

    /// The followed chain's newest block: (number, hash).
    pub async fn tip(&self) -> Result<Option<(u64, String)>, StoreError> {
        let row = sqlx::query("SELECT number, hash FROM blocks WHERE canonical = 1 ORDER BY number DESC LIMIT 1")
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| (r.get::<i64, _>(0) as u64, r.get::<String, _>(1))))
    }

    /// The followed chain's block at a height.
    pub async fn canonical_hash(&self, number: u64) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT hash FROM blocks WHERE number = $1 AND canonical = 1")
            .bind(number as i64)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.get(0)))
    }

    /// A reorg: every followed block from `number` up leaves the followed chain; their jobs that
    /// are not finished stop (a worker proving one finds its lease gone). Returns how many blocks.
    pub async fn orphan_from(&self, number: u64) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let orphaned = sqlx::query("UPDATE blocks SET canonical = 0 WHERE number >= $1 AND canonical = 1")
            .bind(number as i64)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query(
            "UPDATE jobs SET status = 'orphaned', worker = NULL, lease_until = NULL
             WHERE number >= $1 AND status IN ('queued', 'proving', 'submitted', 'skipped')
               AND hash IN (SELECT hash FROM blocks WHERE canonical = 0)",
        )
        .bind(number as i64)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(orphaned)
    }

    /// A block already stored comes back onto the followed chain (a reorg back to it).
    /// One transaction: a block never comes back without its job.
    pub async fn restore(&self, hash: &str) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE blocks SET canonical = 1 WHERE hash = $1").bind(hash).execute(&mut *tx).await?;
        sqlx::query("UPDATE jobs SET status = 'queued' WHERE hash = $1 AND status = 'orphaned'")
            .bind(hash)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Blocks for the API: from `from` up (ascending), or the newest first when `from` is None.
    pub async fn blocks(&self, from: Option<u64>, limit: u32) -> Result<Vec<BlockRow>, StoreError> {
        let rows = match from {
            Some(from) => {
                sqlx::query(&format!(
                    "{BLOCK_SELECT} WHERE b.number >= $1 ORDER BY b.number, b.canonical DESC LIMIT $2"
                ))
                .bind(from as i64)
                .bind(limit as i64)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(&format!("{BLOCK_SELECT} ORDER BY b.number DESC, b.canonical DESC LIMIT $1"))
                    .bind(limit as i64)
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        Ok(rows.iter().map(block_row).collect())
    }

    /// Every block stored at a height, the followed one first.
    pub async fn blocks_at(&self, number: u64) -> Result<Vec<BlockRow>, StoreError> {
        let rows =
            sqlx::query(&format!("{BLOCK_SELECT} WHERE b.number = $1 ORDER BY b.canonical DESC, b.seen_at DESC"))
                .bind(number as i64)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.iter().map(block_row).collect())
    }

    /// The verified proof of the followed block at a height (never one that is not verified).
    pub async fn proof(&self, number: u64) -> Result<Option<Vec<u8>>, StoreError> {
        let row = sqlx::query(
            "SELECT j.proof FROM jobs j JOIN blocks b ON b.hash = j.hash
             WHERE b.number = $1 AND b.canonical = 1 AND j.status = 'proven'",
        )
        .bind(number as i64)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.and_then(|r| r.get::<Option<Vec<u8>>, _>(0)))
    }

    /// The witness of the followed block at a height.
    pub async fn witness(&self, number: u64) -> Result<Option<Vec<u8>>, StoreError> {
        let row = sqlx::query("SELECT witness FROM blocks WHERE number = $1 AND canonical = 1")
            .bind(number as i64)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.get(0)))
    }

    /// How many blocks and jobs of each status.
    pub async fn counts(&self) -> Result<Counts, StoreError> {
        let mut counts = Counts::default();
        let rows = sqlx::query("SELECT status, COUNT(*) FROM jobs GROUP BY status").fetch_all(&self.pool).await?;
        for r in rows {
            let n = r.get::<i64, _>(1) as u64;
            match r.get::<String, _>(0).as_str() {
                "queued" => counts.queued = n,
                "proving" => counts.proving = n,
                "submitted" => counts.submitted = n,
                "proven" => counts.proven = n,
                "failed" => counts.failed = n,
                "skipped" => counts.skipped = n,
                _ => {}
            }
        }
        let row = sqlx::query("SELECT COUNT(*), CAST(COALESCE(SUM(1 - canonical), 0) AS BIGINT) FROM blocks")
            .fetch_one(&self.pool)
            .await?;
        counts.blocks = row.get::<i64, _>(0) as u64;
        counts.orphaned = row.get::<i64, _>(1) as u64;
        Ok(counts)
    }
}

const BLOCK_SELECT: &str = "SELECT b.number, b.hash, b.parent_hash, b.canonical, b.seen_at, b.capture_ms,
    b.transactions, b.gas_used, j.kind, j.status, j.progress, j.attempts, j.prove_ms, j.verify_ms, j.error, j.worker
    FROM blocks b LEFT JOIN jobs j ON j.hash = b.hash";

fn block_row(r: &AnyRow) -> BlockRow {
    let canonical = r.get::<i64, _>(3) == 1;
    let job_status: Option<String> = r.get(9);
    let status = match (canonical, job_status) {
        (false, _) => "orphaned".to_string(),
        (true, Some(s)) => s,
        (true, None) => "captured".to_string(),
    };
    let opt_u64 = |i: usize| r.get::<Option<i64>, _>(i).map(|v| v as u64);
    BlockRow {
        number: r.get::<i64, _>(0) as u64,
        hash: r.get(1),
        parent_hash: r.get(2),
        canonical,
        status,
        kind: r.get(8),
        progress: r.get(10),
        attempts: opt_u64(11).unwrap_or(0),
        seen_at_ms: r.get::<i64, _>(4) as u64,
        capture_ms: r.get::<i64, _>(5) as u64,
        prove_ms: opt_u64(12),
        verify_ms: opt_u64(13),
        transactions: r.get::<i64, _>(6) as u64,
        gas_used: r.get::<i64, _>(7) as u64,
        error: r.get(14),
        worker: r.get(15),
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
