//! The followed blocks: stored with their witness and their job in one transaction, orphaned and
//! restored by reorgs, listed for the API, and pruned of their witness (and proof) by retention.

use proof::ProofKind;
use sqlx::{any::AnyRow, Row};

use crate::{
    now_ms,
    status::JobStatus,
    store::{Store, StoreError},
};

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
    /// The job is `proving` but its worker's lease ran out: the worker is gone (or stuck), and
    /// the job waits for another worker to claim it.
    pub lease_expired: bool,
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
    /// Why its job failed, or why it was skipped.
    pub error: Option<String>,
    /// When retention dropped its witness (Unix ms).
    pub witness_pruned_at_ms: Option<u64>,
    /// When retention dropped its proof (Unix ms).
    pub proof_pruned_at_ms: Option<u64>,
    /// A split block's pieces (segments and leaves; 0 when not split or not yet planned).
    pub pieces_total: u64,
    /// Of them, proven.
    pub pieces_done: u64,
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
    /// Blocks left out by the policy or by the operator.
    pub skipped: u64,
    /// Split blocks waiting for their pieces.
    pub waiting: u64,
    /// Pieces of split blocks by status (waiting, queued, proving, done, failed, orphaned).
    pub pieces: std::collections::BTreeMap<String, u64>,
}

/// A stored file: there, dropped by retention (and when), or never stored.
#[derive(Debug)]
pub enum Stored {
    /// The file's bytes.
    Found(Vec<u8>),
    /// Retention dropped it at this time (Unix ms).
    Pruned(u64),
    /// Nothing to serve.
    Missing,
}

/// What retention keeps: the witnesses (and with `proofs`, the proofs) of proven blocks are
/// dropped once they are older than `max_age_ms` or more than `keep` proven blocks are newer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Retention {
    /// Drop what is older than this (Unix ms of age).
    pub max_age_ms: Option<u64>,
    /// Keep the witnesses of this many newest proven blocks.
    pub keep: Option<u64>,
    /// Drop the proofs too (then `/blocks/{n}/proof` says so).
    pub proofs: bool,
}

impl Store {
    /// Records a captured block and queues its job (status `queued`, or `skipped` when the policy
    /// leaves it out), in one transaction: a block is never stored without its job. With `split`
    /// its proof is made in pieces (pieces.rs).
    pub async fn add_block(
        &self,
        block: &NewBlock,
        kind: ProofKind,
        status: JobStatus,
        split: bool,
    ) -> Result<(), StoreError> {
        self.insert_block(block, kind, status, None, split).await
    }

    /// Inserts the block and its job; `error` is the job's reason (an operator's skip).
    pub(crate) async fn insert_block(
        &self,
        block: &NewBlock,
        kind: ProofKind,
        status: JobStatus,
        error: Option<&str>,
        split: bool,
    ) -> Result<(), StoreError> {
        let now = now_ms();
        self.write(|pool| async move {
            let mut tx = pool.begin().await?;
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
                "INSERT INTO jobs (hash, part, number, kind, status, queued_at, attempts, error, split)
                 VALUES ($1, '', $2, $3, $4, $5, 0, $6, $7)",
            )
            .bind(&block.hash)
            .bind(block.number as i64)
            .bind(kind.name())
            .bind(status.as_str())
            .bind(now)
            .bind(error)
            .bind(i64::from(split))
            .execute(&mut *tx)
            .await?;
            tx.commit().await
        })
        .await
    }

    /// Whether this block (by hash) is already stored: a restart or a reorg back to a known block
    /// does not capture it twice.
    pub async fn has_block(&self, hash: &str) -> Result<bool, StoreError> {
        let row = self
            .read(|pool| async move {
                sqlx::query("SELECT 1 FROM blocks WHERE hash = $1").bind(hash).fetch_optional(&pool).await
            })
            .await?;
        Ok(row.is_some())
    }

    /// The followed chain's newest block: (number, hash).
    pub async fn tip(&self) -> Result<Option<(u64, String)>, StoreError> {
        let row = self
            .read(|pool| async move {
                sqlx::query("SELECT number, hash FROM blocks WHERE canonical = 1 ORDER BY number DESC LIMIT 1")
                    .fetch_optional(&pool)
                    .await
            })
            .await?;
        Ok(row.map(|r| (r.get::<i64, _>(0) as u64, r.get::<String, _>(1))))
    }

    /// The followed chain's block at a height.
    pub async fn canonical_hash(&self, number: u64) -> Result<Option<String>, StoreError> {
        let row = self
            .read(|pool| async move {
                sqlx::query("SELECT hash FROM blocks WHERE number = $1 AND canonical = 1")
                    .bind(number as i64)
                    .fetch_optional(&pool)
                    .await
            })
            .await?;
        Ok(row.map(|r| r.get(0)))
    }

    /// A reorg: every followed block from `number` up leaves the followed chain; their jobs that
    /// are not finished stop (a worker proving one finds its lease gone). Returns how many blocks.
    pub async fn orphan_from(&self, number: u64) -> Result<u64, StoreError> {
        self.write(|pool| async move {
            let mut tx = pool.begin().await?;
            let orphaned = sqlx::query("UPDATE blocks SET canonical = 0 WHERE number >= $1 AND canonical = 1")
                .bind(number as i64)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            sqlx::query(
                "UPDATE jobs SET status = 'orphaned', worker = NULL, lease_until = NULL
                 WHERE number >= $1 AND status IN ('queued', 'proving', 'submitted', 'skipped', 'waiting')
                   AND hash IN (SELECT hash FROM blocks WHERE canonical = 0)",
            )
            .bind(number as i64)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(orphaned)
        })
        .await
    }

    /// A block already stored comes back onto the followed chain (a reorg back to it).
    /// One transaction: a block never comes back without its job.
    pub async fn restore(&self, hash: &str) -> Result<(), StoreError> {
        self.write(|pool| async move {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE blocks SET canonical = 1 WHERE hash = $1").bind(hash).execute(&mut *tx).await?;
            // A split block's job waits again for its pieces (those not done are queued again).
            sqlx::query(
                "UPDATE jobs SET status = CASE WHEN part = '' AND plan IS NOT NULL THEN 'waiting'
                                               WHEN part LIKE 'leaf%' THEN 'waiting' ELSE 'queued' END
                 WHERE hash = $1 AND status = 'orphaned'",
            )
            .bind(hash)
            .execute(&mut *tx)
            .await?;
            crate::pieces::promote(&mut tx, hash).await?;
            tx.commit().await
        })
        .await
    }

    /// Blocks for the API: from `from` up (ascending), or the newest first when `from` is None.
    /// `from` is at most `i64::MAX` (the API refuses more).
    pub async fn blocks(&self, from: Option<u64>, limit: u32) -> Result<Vec<BlockRow>, StoreError> {
        let now = now_ms();
        let rows = self
            .read(|pool| async move {
                match from {
                    Some(from) => {
                        sqlx::query(&format!(
                            "{BLOCK_SELECT} WHERE b.number >= $2 ORDER BY b.number, b.canonical DESC LIMIT $3"
                        ))
                        .bind(now)
                        .bind(from as i64)
                        .bind(limit as i64)
                        .fetch_all(&pool)
                        .await
                    }
                    None => {
                        sqlx::query(&format!("{BLOCK_SELECT} ORDER BY b.number DESC, b.canonical DESC LIMIT $2"))
                            .bind(now)
                            .bind(limit as i64)
                            .fetch_all(&pool)
                            .await
                    }
                }
            })
            .await?;
        Ok(rows.iter().map(block_row).collect())
    }

    /// Every block stored at a height, the followed one first.
    pub async fn blocks_at(&self, number: u64) -> Result<Vec<BlockRow>, StoreError> {
        let now = now_ms();
        let rows = self
            .read(|pool| async move {
                sqlx::query(&format!("{BLOCK_SELECT} WHERE b.number = $2 ORDER BY b.canonical DESC, b.seen_at DESC"))
                    .bind(now)
                    .bind(number as i64)
                    .fetch_all(&pool)
                    .await
            })
            .await?;
        Ok(rows.iter().map(block_row).collect())
    }

    /// The verified proof of the followed block at a height (never one that is not verified).
    pub async fn proof(&self, number: u64) -> Result<Stored, StoreError> {
        let row = self
            .read(|pool| async move {
                sqlx::query(
                    "SELECT j.proof, j.proof_pruned_at FROM jobs j JOIN blocks b ON b.hash = j.hash
                     WHERE b.number = $1 AND b.canonical = 1 AND j.part = '' AND j.status = 'proven'",
                )
                .bind(number as i64)
                .fetch_optional(&pool)
                .await
            })
            .await?;
        Ok(stored(row))
    }

    /// The witness of the followed block at a height.
    pub async fn witness(&self, number: u64) -> Result<Stored, StoreError> {
        let row = self
            .read(|pool| async move {
                sqlx::query("SELECT witness, witness_pruned_at FROM blocks WHERE number = $1 AND canonical = 1")
                    .bind(number as i64)
                    .fetch_optional(&pool)
                    .await
            })
            .await?;
        Ok(stored(row))
    }

    /// How many blocks and jobs of each status.
    pub async fn counts(&self) -> Result<Counts, StoreError> {
        let (jobs, blocks) = self
            .read(|pool| async move {
                let jobs = sqlx::query(
                    "SELECT status, COUNT(*), CAST(CASE WHEN part = '' THEN 0 ELSE 1 END AS BIGINT) AS piece
                     FROM jobs GROUP BY status, piece",
                )
                .fetch_all(&pool)
                .await?;
                let blocks =
                    sqlx::query("SELECT COUNT(*), CAST(COALESCE(SUM(1 - canonical), 0) AS BIGINT) FROM blocks")
                        .fetch_one(&pool)
                        .await?;
                Ok((jobs, blocks))
            })
            .await?;
        let mut counts = Counts::default();
        for r in jobs {
            let n = r.get::<i64, _>(1) as u64;
            if r.get::<i64, _>(2) == 1 {
                counts.pieces.insert(r.get(0), n);
                continue;
            }
            match r.get::<String, _>(0).as_str() {
                "queued" => counts.queued = n,
                "proving" => counts.proving = n,
                "submitted" => counts.submitted = n,
                "proven" => counts.proven = n,
                "failed" => counts.failed = n,
                "skipped" => counts.skipped = n,
                "waiting" => counts.waiting = n,
                _ => {}
            }
        }
        counts.blocks = blocks.get::<i64, _>(0) as u64;
        counts.orphaned = blocks.get::<i64, _>(1) as u64;
        Ok(counts)
    }

    /// Drops what `retention` lets go: the witnesses (and proofs) of proven blocks past its age or
    /// count. The rows, hashes and reports stay. Returns how many witnesses were dropped.
    pub async fn prune(&self, retention: Retention) -> Result<u64, StoreError> {
        if retention.max_age_ms.is_none() && retention.keep.is_none() {
            return Ok(0);
        }
        let now = now_ms();
        let oldest_kept = retention.max_age_ms.map(|age| now - age as i64).unwrap_or(i64::MIN);
        let keep = retention.keep.map(|k| k as i64).unwrap_or(i64::MAX);
        self.write(|pool| async move {
            // The proven blocks to prune: older than the age, or below the newest `keep`.
            let doomed = "SELECT b.hash FROM blocks b JOIN jobs j ON j.hash = b.hash AND j.part = ''
                 WHERE j.status = 'proven' AND b.witness_pruned_at IS NULL
                   AND (b.seen_at < $2 OR b.number <= (SELECT COALESCE(MAX(p.number), 0) - $3
                        FROM jobs p WHERE p.status = 'proven' AND p.part = ''))";
            let mut tx = pool.begin().await?;
            let pruned = sqlx::query(&format!(
                "UPDATE blocks SET witness = $4, witness_pruned_at = $1 WHERE hash IN ({doomed})"
            ))
            .bind(now)
            .bind(oldest_kept)
            .bind(keep)
            .bind(Vec::<u8>::new())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if retention.proofs {
                sqlx::query(
                    "UPDATE jobs SET proof = NULL, proof_pruned_at = $1
                     WHERE part = '' AND status = 'proven' AND proof_pruned_at IS NULL
                       AND hash IN (SELECT hash FROM blocks WHERE witness_pruned_at IS NOT NULL)",
                )
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(pruned)
        })
        .await
    }
}

/// `$1` is now (Unix ms), for the lease's state.
const BLOCK_SELECT: &str = "SELECT b.number, b.hash, b.parent_hash, b.canonical, b.seen_at, b.capture_ms,
    b.transactions, b.gas_used, j.kind, j.status, j.progress, j.attempts, j.prove_ms, j.verify_ms, j.error, j.worker,
    CAST(CASE WHEN j.status = 'proving' AND j.lease_until < $1 THEN 1 ELSE 0 END AS BIGINT), b.witness_pruned_at,
    j.proof_pruned_at,
    (SELECT COUNT(*) FROM jobs p WHERE p.hash = b.hash AND p.part <> ''),
    (SELECT COUNT(*) FROM jobs p WHERE p.hash = b.hash AND p.part <> '' AND p.status = 'done')
    FROM blocks b LEFT JOIN jobs j ON j.hash = b.hash AND j.part = ''";

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
        lease_expired: r.get::<i64, _>(16) == 1,
        witness_pruned_at_ms: opt_u64(17),
        proof_pruned_at_ms: opt_u64(18),
        pieces_total: r.get::<i64, _>(19) as u64,
        pieces_done: r.get::<i64, _>(20) as u64,
    }
}

/// A (bytes, pruned at) row as what is stored.
fn stored(row: Option<AnyRow>) -> Stored {
    let Some(row) = row else { return Stored::Missing };
    if let Some(at) = row.get::<Option<i64>, _>(1) {
        return Stored::Pruned(at as u64);
    }
    match row.get::<Option<Vec<u8>>, _>(0) {
        Some(bytes) if !bytes.is_empty() => Stored::Found(bytes),
        _ => Stored::Missing,
    }
}
