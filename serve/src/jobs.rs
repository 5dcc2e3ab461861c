//! The proving queue in the database: claims with leases, progress, submitted proofs, and the
//! server's verdict on them. Each step is one guarded statement (or one transaction with its
//! history event): an update names the worker and the status it expects, so a worker that lost
//! its lease (it was too slow, or the block was orphaned) changes nothing, and two workers never
//! prove one job at once. The operator's retries and skips are in admin.rs.

use proof::ProofKind;
use sqlx::{Any, Row, Transaction};

use crate::{
    now_ms,
    status::JobStatus,
    store::{Backend, Store, StoreError},
};

/// Every Gevulot dispatcher's worker id starts with this (serve/src/gevulot.rs): the proof
/// hand-in takes proofs only for the jobs they hold.
pub const DISPATCHER_PREFIX: &str = "gevulot-";

/// Which queued job a worker takes first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Order {
    /// The oldest block first: the backlog is proven in chain order.
    #[default]
    Oldest,
    /// The newest block first: a prover behind the chain keeps up with the head, and the backlog
    /// waits (it is still proven, later).
    Newest,
}

/// A claimed job: what a worker needs to prove it.
#[derive(Clone, Debug)]
pub struct Claimed {
    /// The block's hash.
    pub hash: String,
    /// Which job of the block: '' for the block's own (the whole proof, or with split proving
    /// its plan and then its aggregation), `segment N` or `leaf N` for a piece (pieces.rs).
    pub part: String,
    /// Its number.
    pub number: u64,
    /// The proof kind asked for.
    pub kind: String,
    /// Which try this is (from 1).
    pub attempt: u64,
    /// The block's witness file.
    pub witness: Vec<u8>,
    /// The block is proven in pieces (`serve --split`).
    pub split: bool,
    /// The block's plan (JSON), once made.
    pub plan: Option<String>,
}

/// A proof waiting for the server's verification.
#[derive(Debug)]
pub struct Submitted {
    /// The block's hash.
    pub hash: String,
    /// Its number.
    pub number: u64,
    /// The proof file, as handed in.
    pub proof: Vec<u8>,
    /// The block's witness file.
    pub witness: Vec<u8>,
}

/// The job of a canonical block, as the Gevulot hand-in sees it.
#[derive(Debug)]
pub struct Dispatched {
    /// The block's hash.
    pub hash: String,
    /// The dispatcher's id.
    pub worker: String,
    /// The block's witness file.
    pub witness: Vec<u8>,
    /// The job's status.
    pub status: String,
    /// Its proof is expected from a Gevulot task (status `proving`, claimed by a dispatcher).
    pub waiting: bool,
}

/// One entry of a job's history.
#[derive(Clone, Debug, serde::Serialize)]
pub struct JobEvent {
    /// When (Unix ms).
    pub at_ms: u64,
    /// Which job of the block ('' for the block's own, `segment N`, `leaf N`).
    pub part: String,
    /// claimed, released, failed, submitted, proven, refused, retried, skipped, gave_up.
    pub event: String,
    /// The worker, the reason, the error.
    pub detail: Option<String>,
}

/// A job is tried this many times (a worker that dies mid-proof, for instance out of memory, is
/// one try; a worker stopped cleanly hands its job back without using one); then it is failed
/// rather than retried forever.
pub const MAX_ATTEMPTS: u64 = 3;

const CLAIMABLE: &str = "(status = 'queued' OR (status = 'proving' AND lease_until < $3))";

/// Adds an entry to the history of job (`hash`, `part`), in the transaction of the change it
/// records.
pub(crate) async fn record(
    tx: &mut Transaction<'static, Any>,
    (hash, part): (&str, &str),
    event: &str,
    detail: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO job_events (hash, part, number, at, event, detail)
         SELECT hash, part, number, $2, $3, $4 FROM jobs WHERE hash = $1 AND part = $5",
    )
    .bind(hash)
    .bind(now_ms())
    .bind(event)
    .bind(detail)
    .bind(part)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Claims the next job for `worker`, leased until `lease_ms` from now: a queued job, or one
    /// whose worker's lease ran out, of the worker's proof kind. Jobs that ran out of attempts are
    /// failed first.
    pub async fn claim(
        &self,
        worker: &str,
        lease_ms: u64,
        order: Order,
        kind: ProofKind,
    ) -> Result<Option<Claimed>, StoreError> {
        let now = now_ms();
        let direction = match order {
            Order::Oldest => "ASC",
            Order::Newest => "DESC",
        };
        // Postgres: concurrent claimers skip each other's candidate rows; the outer condition is
        // checked again on the locked row, so a row taken meanwhile is not taken twice. SQLite
        // has one writer at a time.
        let lock = if self.backend() == Backend::Postgres { "FOR UPDATE SKIP LOCKED" } else { "" };
        let claim = format!(
            "UPDATE jobs SET status = 'proving', worker = $1, lease_until = $2, attempts = attempts + 1,
                 progress = 'claimed'
             WHERE (hash, part) = (SELECT hash, part FROM jobs WHERE kind = $4 AND {CLAIMABLE}
                                   ORDER BY number {direction}, part DESC LIMIT 1 {lock})
               AND {CLAIMABLE}
             RETURNING hash, part, number, kind, attempts, split, plan"
        );
        self.write(|pool| async move {
            let mut tx = pool.begin().await?;
            let gave_up = "status = 'proving' AND lease_until < $1 AND attempts >= $2";
            sqlx::query(&format!(
                "INSERT INTO job_events (hash, part, number, at, event, detail)
                 SELECT hash, part, number, $1, 'gave_up', worker FROM jobs WHERE {gave_up}"
            ))
            .bind(now)
            .bind(MAX_ATTEMPTS as i64)
            .execute(&mut *tx)
            .await?;
            sqlx::query(&format!(
                "UPDATE jobs SET status = 'failed', worker = NULL, lease_until = NULL, finished_at = $1,
                     error = 'gave up: the worker stopped (died or lost its lease) on every attempt'
                 WHERE {gave_up}"
            ))
            .bind(now)
            .bind(MAX_ATTEMPTS as i64)
            .execute(&mut *tx)
            .await?;
            // A piece that gave up fails its block, which waits for it otherwise.
            sqlx::query(
                "UPDATE jobs SET status = 'failed', finished_at = $1,
                     error = 'gave up: a piece''s worker stopped (died or lost its lease) on every attempt'
                 WHERE part = '' AND status = 'waiting'
                   AND hash IN (SELECT hash FROM jobs WHERE part <> '' AND status = 'failed')",
            )
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let row = sqlx::query(&claim)
                .bind(worker)
                .bind(now + lease_ms as i64)
                .bind(now)
                .bind(kind.name())
                .fetch_optional(&mut *tx)
                .await?;
            let Some(row) = row else {
                tx.commit().await?;
                return Ok(None);
            };
            let (hash, part): (String, String) = (row.get(0), row.get(1));
            record(&mut tx, (&hash, &part), "claimed", Some(worker)).await?;
            let witness: Vec<u8> =
                sqlx::query("SELECT witness FROM blocks WHERE hash = $1").bind(&hash).fetch_one(&mut *tx).await?.get(0);
            // A piece follows its block's plan.
            let plan: Option<String> = match part.is_empty() {
                true => row.get(6),
                false => sqlx::query("SELECT plan FROM jobs WHERE hash = $1 AND part = ''")
                    .bind(&hash)
                    .fetch_one(&mut *tx)
                    .await?
                    .get(0),
            };
            tx.commit().await?;
            Ok(Some(Claimed {
                number: row.get::<i64, _>(2) as u64,
                kind: row.get(3),
                attempt: row.get::<i64, _>(4) as u64,
                split: row.get::<i64, _>(5) != 0,
                plan,
                hash,
                part,
                witness,
            }))
        })
        .await
    }

    /// Renews the lease and records progress. False: the job is no longer this worker's (lease
    /// lost, block orphaned), and the worker should drop it.
    pub async fn heartbeat(
        &self,
        (hash, part): (&str, &str),
        worker: &str,
        lease_ms: u64,
        progress: &str,
    ) -> Result<bool, StoreError> {
        let done = self
            .write(|pool| async move {
                sqlx::query(
                    "UPDATE jobs SET lease_until = $1, progress = $2
                     WHERE hash = $3 AND part = $5 AND worker = $4 AND status = 'proving'",
                )
                .bind(now_ms() + lease_ms as i64)
                .bind(progress)
                .bind(hash)
                .bind(worker)
                .bind(part)
                .execute(&pool)
                .await
            })
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// A worker stopped cleanly (SIGTERM) hands its job back: queued again at once, the try not
    /// counted. False: the job was no longer this worker's.
    pub async fn release(&self, (hash, part): (&str, &str), worker: &str) -> Result<bool, StoreError> {
        self.write(|pool| async move {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(
                "UPDATE jobs SET status = 'queued', worker = NULL, lease_until = NULL, progress = NULL,
                     attempts = attempts - 1
                 WHERE hash = $1 AND part = $3 AND worker = $2 AND status = 'proving'",
            )
            .bind(hash)
            .bind(worker)
            .bind(part)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done == 1 {
                record(&mut tx, (hash, part), "released", Some(&format!("{worker} stopped; the try is not counted")))
                    .await?;
            }
            tx.commit().await?;
            Ok(done == 1)
        })
        .await
    }

    /// Hands in a proof for verification. False: the job was no longer this worker's. The prove
    /// time is unknown (None) for a proof made elsewhere (a Gevulot task).
    pub async fn submit(
        &self,
        hash: &str,
        worker: &str,
        proof: &[u8],
        prove_ms: Option<u64>,
    ) -> Result<bool, StoreError> {
        self.write(|pool| async move {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(
                "UPDATE jobs SET status = 'submitted', proof = $1, prove_ms = $2, progress = 'waiting for verification',
                     lease_until = NULL
                 WHERE hash = $3 AND part = '' AND worker = $4 AND status = 'proving'",
            )
            .bind(proof)
            .bind(prove_ms.map(|ms| ms as i64))
            .bind(hash)
            .bind(worker)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done == 1 {
                record(&mut tx, (hash, ""), "submitted", Some(worker)).await?;
            }
            tx.commit().await?;
            Ok(done == 1)
        })
        .await
    }

    /// The canonical block at `number` if its job waits for a proof from a Gevulot task (claimed by a
    /// dispatcher, see `gevulot`), with its hash, the dispatcher's id, the witness and the status.
    pub async fn dispatched_at(&self, number: u64) -> Result<Option<Dispatched>, StoreError> {
        let row = self
            .read(|pool| async move {
                sqlx::query(
                    "SELECT j.hash, j.worker, b.witness, j.status FROM jobs j JOIN blocks b ON b.hash = j.hash
                     WHERE j.number = $1 AND j.part = '' AND b.canonical = 1",
                )
                .bind(number as i64)
                .fetch_optional(&pool)
                .await
            })
            .await?;
        Ok(row.map(|r| {
            let worker: Option<String> = r.get(1);
            let status: String = r.get(3);
            let waiting = status == JobStatus::Proving.as_str()
                && worker.as_deref().is_some_and(|w| w.starts_with(DISPATCHER_PREFIX));
            Dispatched { hash: r.get(0), worker: worker.unwrap_or_default(), witness: r.get(2), status, waiting }
        }))
    }

    /// The worker could not prove the job (the prover's error): failed, with the reason. A
    /// failed piece fails its block too, naming the piece (a retry puts both back).
    pub async fn fail(&self, (hash, part): (&str, &str), worker: &str, error: &str) -> Result<bool, StoreError> {
        self.write(|pool| async move {
            let mut tx = pool.begin().await?;
            let now = now_ms();
            let done = sqlx::query(
                "UPDATE jobs SET status = 'failed', error = $1, finished_at = $2, lease_until = NULL, progress = NULL
                 WHERE hash = $3 AND part = $5 AND worker = $4 AND status = 'proving'",
            )
            .bind(error)
            .bind(now)
            .bind(hash)
            .bind(worker)
            .bind(part)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done == 1 {
                record(&mut tx, (hash, part), "failed", Some(error)).await?;
            }
            if done == 1 && !part.is_empty() {
                let error = format!("{part} failed: {error}");
                sqlx::query(
                    "UPDATE jobs SET status = 'failed', error = $1, finished_at = $2
                     WHERE hash = $3 AND part = '' AND status = 'waiting'",
                )
                .bind(&error)
                .bind(now)
                .bind(hash)
                .execute(&mut *tx)
                .await?;
                record(&mut tx, (hash, ""), "failed", Some(&error)).await?;
            }
            tx.commit().await?;
            Ok(done == 1)
        })
        .await
    }

    /// The oldest proof waiting for verification.
    pub async fn next_submitted(&self) -> Result<Option<Submitted>, StoreError> {
        let row = self
            .read(|pool| async move {
                sqlx::query(
                    "SELECT j.hash, j.number, j.proof, b.witness FROM jobs j JOIN blocks b ON b.hash = j.hash
                     WHERE j.status = 'submitted' AND j.part = '' ORDER BY j.number LIMIT 1",
                )
                .fetch_optional(&pool)
                .await
            })
            .await?;
        Ok(row.map(|r| Submitted {
            hash: r.get(0),
            number: r.get::<i64, _>(1) as u64,
            proof: r.get::<Option<Vec<u8>>, _>(2).unwrap_or_default(),
            witness: r.get(3),
        }))
    }

    /// The server's verdict on a submitted proof: `proven` (served from now on) or `failed`,
    /// with the verifier's report either way.
    pub async fn judge(
        &self,
        hash: &str,
        accepted: bool,
        report: &str,
        error: Option<&str>,
        verify_ms: u64,
    ) -> Result<(), StoreError> {
        let status = if accepted { JobStatus::Proven } else { JobStatus::Failed };
        self.write(|pool| async move {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(
                "UPDATE jobs SET status = $1, report = $2, error = $3, verify_ms = $4, finished_at = $5, progress = NULL
                 WHERE hash = $6 AND part = '' AND status = 'submitted'",
            )
            .bind(status.as_str())
            .bind(report)
            .bind(error)
            .bind(verify_ms as i64)
            .bind(now_ms())
            .bind(hash)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done == 1 {
                record(&mut tx, (hash, ""), if accepted { "proven" } else { "refused" }, error).await?;
            }
            tx.commit().await
        })
        .await
    }

    /// A block's history, its pieces' included, oldest first.
    pub async fn history(&self, hash: &str) -> Result<Vec<JobEvent>, StoreError> {
        let rows = self
            .read(|pool| async move {
                sqlx::query("SELECT at, event, detail, part FROM job_events WHERE hash = $1 ORDER BY at")
                    .bind(hash)
                    .fetch_all(&pool)
                    .await
            })
            .await?;
        Ok(rows
            .iter()
            .map(|r| JobEvent { at_ms: r.get::<i64, _>(0) as u64, event: r.get(1), detail: r.get(2), part: r.get(3) })
            .collect())
    }
}

/// The newest failed job, for `/healthz`: which block, why, when.
#[derive(Clone, Debug, serde::Serialize)]
pub struct LastFailure {
    /// The block.
    pub number: u64,
    /// Why.
    pub error: Option<String>,
    /// When (Unix ms).
    pub at_ms: Option<u64>,
}

impl Store {
    /// The newest failed job, if any (failures of workers on other machines included).
    pub async fn last_failure(&self) -> Result<Option<LastFailure>, StoreError> {
        let row = self
            .read(|pool| async move {
                sqlx::query(
                    "SELECT number, error, finished_at FROM jobs WHERE status = 'failed' AND part = ''
                     ORDER BY finished_at DESC, number DESC LIMIT 1",
                )
                .fetch_optional(&pool)
                .await
            })
            .await?;
        Ok(row.map(|r| LastFailure {
            number: r.get::<i64, _>(0) as u64,
            error: r.get(1),
            at_ms: r.get::<Option<i64>, _>(2).map(|v| v as u64),
        }))
    }
}
