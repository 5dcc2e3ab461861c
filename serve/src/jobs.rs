//! The proving queue in the database: claims with leases, progress, submitted proofs, and the
//! server's verdict on them. Each step is one guarded statement: an update names the worker and
//! the status it expects, so a worker that lost its lease (it was too slow, or the block was
//! orphaned) changes nothing, and two workers never prove one job at once.

use sqlx::Row;

use proof::ProofKind;

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
#[derive(Debug)]
pub struct Claimed {
    /// The block's hash.
    pub hash: String,
    /// Its number.
    pub number: u64,
    /// The proof kind asked for.
    pub kind: String,
    /// Which try this is (from 1).
    pub attempt: u64,
    /// The block's witness file.
    pub witness: Vec<u8>,
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

/// A job is tried this many times (a worker that dies mid-proof, for instance out of memory, is
/// one try); then it is failed rather than retried forever.
pub const MAX_ATTEMPTS: u64 = 3;

const CLAIMABLE: &str = "(status = 'queued' OR (status = 'proving' AND lease_until < $3))";

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
        sqlx::query(
            "UPDATE jobs SET status = 'failed', worker = NULL, lease_until = NULL, finished_at = $1,
                 error = 'gave up: the worker stopped (died or lost its lease) on every attempt'
             WHERE status = 'proving' AND lease_until < $1 AND attempts >= $2",
        )
        .bind(now)
        .bind(MAX_ATTEMPTS as i64)
        .execute(&self.pool)
        .await?;
        let direction = match order {
            Order::Oldest => "ASC",
            Order::Newest => "DESC",
        };
        // Postgres: concurrent claimers skip each other's candidate rows; the outer condition is
        // checked again on the locked row, so a row taken meanwhile is not taken twice. SQLite
        // has one writer at a time.
        let lock = if self.backend == Backend::Postgres { "FOR UPDATE SKIP LOCKED" } else { "" };
        let sql = format!(
            "UPDATE jobs SET status = 'proving', worker = $1, lease_until = $2, attempts = attempts + 1,
                 progress = 'claimed'
             WHERE hash = (SELECT hash FROM jobs WHERE kind = $4 AND {CLAIMABLE} ORDER BY number {direction} LIMIT 1 {lock})
               AND {CLAIMABLE}
             RETURNING hash, number, kind, attempts"
        );
        let row = sqlx::query(&sql)
            .bind(worker)
            .bind(now + lease_ms as i64)
            .bind(now)
            .bind(kind.name())
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let hash: String = row.get(0);
        let witness: Vec<u8> =
            sqlx::query("SELECT witness FROM blocks WHERE hash = $1").bind(&hash).fetch_one(&self.pool).await?.get(0);
        Ok(Some(Claimed {
            number: row.get::<i64, _>(1) as u64,
            kind: row.get(2),
            attempt: row.get::<i64, _>(3) as u64,
            hash,
            witness,
        }))
    }

    /// Renews the lease and records progress. False: the job is no longer this worker's (lease
    /// lost, block orphaned), and the worker should drop it.
    pub async fn heartbeat(&self, hash: &str, worker: &str, lease_ms: u64, progress: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE jobs SET lease_until = $1, progress = $2 WHERE hash = $3 AND worker = $4 AND status = 'proving'",
        )
        .bind(now_ms() + lease_ms as i64)
        .bind(progress)
        .bind(hash)
        .bind(worker)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
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
        let done = sqlx::query(
            "UPDATE jobs SET status = 'submitted', proof = $1, prove_ms = $2, progress = 'waiting for verification',
                 lease_until = NULL
             WHERE hash = $3 AND worker = $4 AND status = 'proving'",
        )
        .bind(proof)
        .bind(prove_ms.map(|ms| ms as i64))
        .bind(hash)
        .bind(worker)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The canonical block at `number` if its job waits for a proof from a Gevulot task (claimed by a
    /// dispatcher, see `gevulot`), with its hash, the dispatcher's id, the witness and the status.
    pub async fn dispatched_at(&self, number: u64) -> Result<Option<Dispatched>, StoreError> {
        let row = sqlx::query(
            "SELECT j.hash, j.worker, b.witness, j.status FROM jobs j JOIN blocks b ON b.hash = j.hash
             WHERE j.number = $1 AND b.canonical = 1",
        )
        .bind(number as i64)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| {
            let worker: Option<String> = r.get(1);
            let status: String = r.get(3);
            let waiting = status == JobStatus::Proving.as_str()
                && worker.as_deref().is_some_and(|w| w.starts_with(DISPATCHER_PREFIX));
            Dispatched { hash: r.get(0), worker: worker.unwrap_or_default(), witness: r.get(2), status, waiting }
        }))
    }

    /// The worker could not prove the block (the prover's error): failed, with the reason.
    pub async fn fail(&self, hash: &str, worker: &str, error: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE jobs SET status = 'failed', error = $1, finished_at = $2, lease_until = NULL, progress = NULL
             WHERE hash = $3 AND worker = $4 AND status = 'proving'",
        )
        .bind(error)
        .bind(now_ms())
        .bind(hash)
        .bind(worker)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The oldest proof waiting for verification.
    pub async fn next_submitted(&self) -> Result<Option<Submitted>, StoreError> {
        let row = sqlx::query(
            "SELECT j.hash, j.number, j.proof, b.witness FROM jobs j JOIN blocks b ON b.hash = j.hash
             WHERE j.status = 'submitted' ORDER BY j.number LIMIT 1",
        )
        .fetch_optional(&self.pool)
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
        sqlx::query(
            "UPDATE jobs SET status = $1, report = $2, error = $3, verify_ms = $4, finished_at = $5, progress = NULL
             WHERE hash = $6 AND status = 'submitted'",
        )
        .bind(status.as_str())
        .bind(report)
        .bind(error)
        .bind(verify_ms as i64)
        .bind(now_ms())
        .bind(hash)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
