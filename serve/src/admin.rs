//! What an operator does to the queue (`prover_cmd serve retry` and `serve skip`): puts a failed
//! or stuck block back in the queue, or skips the block that holds the follower. Both work on the
//! database directly, so they need no server running; each keeps its reason in the job's
//! history.

use proof::ProofKind;
use sqlx::Row;

use crate::{
    blocks::NewBlock,
    jobs::record,
    status::JobStatus,
    store::{Store, StoreError},
};

/// Why an operator's request was not done.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The database did not answer.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No followed block at that height.
    #[error("block {0} is not stored (on the followed chain)")]
    NotStored(u64),
    /// The block's job is in a state a retry does not take.
    #[error("block {number}'s job is {status}: only a failed, skipped or stuck (lease run out) job is retried")]
    NotRetryable {
        /// The block.
        number: u64,
        /// Its job's status.
        status: String,
    },
    /// The block asked to skip is not the one holding the follower.
    #[error("block {asked} does not hold the follower ({})", match held { Some(n) => format!("block {n} does"), None => "no block does".into() })]
    NotStuck {
        /// The block asked for.
        asked: u64,
        /// The one that holds the follower, if any.
        held: Option<u64>,
    },
}

impl Store {
    /// Puts block `number`'s job back in the queue: a failed or skipped one, or one whose worker's
    /// lease ran out. Its tries start again from 0; its last error and `reason` go to its history.
    /// Returns the status it had.
    pub async fn retry(&self, number: u64, reason: &str, now_ms: i64) -> Result<String, AdminError> {
        let outcome = self
            .write(|pool| async move {
                let mut tx = pool.begin().await?;
                let row = sqlx::query(
                    "SELECT j.hash, j.status, j.error, CAST(CASE WHEN j.status = 'proving' AND j.lease_until < $2 THEN 1 ELSE 0 END AS BIGINT)
                     FROM jobs j JOIN blocks b ON b.hash = j.hash
                     WHERE b.number = $1 AND b.canonical = 1 AND j.part = ''",
                )
                .bind(number as i64)
                .bind(now_ms)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(row) = row else { return Ok(Err(AdminError::NotStored(number))) };
                let (hash, status, error): (String, String, Option<String>) = (row.get(0), row.get(1), row.get(2));
                let stale = row.get::<i64, _>(3) == 1;
                if !(matches!(status.as_str(), "failed" | "skipped") || stale) {
                    return Ok(Err(AdminError::NotRetryable { number, status }));
                }
                // A split block's job waits again for its pieces; its failed pieces are queued again
                // (a leaf, waiting for its segments), then whatever is ready is queued.
                sqlx::query(
                    "UPDATE jobs SET status = CASE WHEN plan IS NULL THEN 'queued' ELSE 'waiting' END, attempts = 0,
                         worker = NULL, lease_until = NULL, progress = NULL, error = NULL
                     WHERE hash = $1 AND part = ''",
                )
                .bind(&hash)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "UPDATE jobs SET status = CASE WHEN part LIKE 'leaf%' THEN 'waiting' ELSE 'queued' END, attempts = 0,
                         worker = NULL, lease_until = NULL, progress = NULL, error = NULL
                     WHERE hash = $1 AND part <> '' AND status = 'failed'",
                )
                .bind(&hash)
                .execute(&mut *tx)
                .await?;
                crate::pieces::promote(&mut tx, &hash).await?;
                let was = match &error {
                    Some(e) => format!("was {status}{}: {e}", if stale { " (lease run out)" } else { "" }),
                    None => format!("was {status}{}", if stale { " (lease run out)" } else { "" }),
                };
                record(&mut tx, (&hash, ""), "retried", Some(&format!("{reason} ({was})"))).await?;
                tx.commit().await?;
                Ok(Ok(status))
            })
            .await?;
        outcome
    }

    /// Skips the block that holds the follower: stored without a witness, its job `skipped` with
    /// the operator's `reason`, so that the follower goes on from the next block. Refused for any
    /// other block.
    pub async fn skip_stuck(&self, number: u64, reason: &str, kind: ProofKind) -> Result<(), AdminError> {
        let stuck = self.stuck().await?;
        let Some(stuck) = stuck.filter(|s| s.number == number) else {
            return Err(AdminError::NotStuck { asked: number, held: self.stuck().await?.map(|s| s.number) });
        };
        let block = NewBlock {
            number,
            hash: stuck.hash.clone(),
            parent_hash: stuck.parent_hash.clone(),
            capture_ms: 0,
            transactions: 0,
            gas_used: 0,
            witness: Vec::new(),
        };
        let why = format!("skipped by the operator: {reason} (it could not be captured: {})", stuck.reason);
        self.insert_block(&block, kind, JobStatus::Skipped, Some(&why), false).await?;
        self.write(|pool| async move {
            let mut tx = pool.begin().await?;
            record(&mut tx, (&stuck.hash, ""), "skipped", Some(&why)).await?;
            sqlx::query("DELETE FROM stuck").execute(&mut *tx).await?;
            tx.commit().await
        })
        .await?;
        Ok(())
    }
}

impl Store {
    /// The proof kind of the newest job (what a block skipped by the operator is listed under).
    pub async fn newest_kind(&self) -> Result<Option<ProofKind>, StoreError> {
        let row = self
            .read(|pool| async move {
                sqlx::query("SELECT kind FROM jobs WHERE part = '' ORDER BY number DESC LIMIT 1")
                    .fetch_optional(&pool)
                    .await
            })
            .await?;
        Ok(row.and_then(|r| r.get::<String, _>(0).parse().ok()))
    }
}
