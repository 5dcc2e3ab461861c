//! A proving worker: claims a job from the database, proves it on a thread of its own while it
//! renews the lease and reports progress, and hands the proof in for verification. `serve` runs
//! `--workers` of these; `prover_cmd worker` runs them on other machines against the same
//! (Postgres) database. A worker never marks its own proof valid: the server verifies it.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use progress::{Progress, Step};
use prover::ProveConfig;
use tokio::sync::watch;

use crate::{
    jobs::{Claimed, Order},
    metrics::Metrics,
    split_work::{self, SplitDone, SplitFailure},
    store::Store,
};

/// One worker's settings.
#[derive(Clone, Debug)]
pub struct WorkerConfig {
    /// Unique among live workers (host, process and index by default).
    pub id: String,
    /// What it proves, and how.
    pub prove: ProveConfig,
    /// Which queued job it takes first.
    pub order: Order,
    /// How long a claim holds without renewal; renewed every third of it while proving.
    pub lease: Duration,
    /// How often an idle worker looks for a job.
    pub idle_poll: Duration,
}

/// Runs one worker until `stop` turns true. A job being proven when it stops is handed back
/// (queued again at once, its try not counted): the proving thread cannot be cancelled, and the
/// process exits without waiting for it. A worker that dies instead leaves its job to its lease.
pub async fn run_worker(store: Store, config: WorkerConfig, metrics: Arc<Metrics>, mut stop: watch::Receiver<bool>) {
    let kind = config.prove.kind();
    while !*stop.borrow() {
        let claimed = match store.claim(&config.id, config.lease.as_millis() as u64, config.order, kind).await {
            Ok(claimed) => claimed,
            Err(e) => {
                tracing::warn!(worker = %config.id, "cannot claim a job: {e}");
                None
            }
        };
        let Some(job) = claimed else {
            crate::pause(config.idle_poll, &mut stop).await;
            continue;
        };
        tracing::info!(worker = %config.id, number = job.number, part = %job.part, attempt = job.attempt, "proving");
        let (hash, part, number) = (job.hash.clone(), job.part.clone(), job.number);
        tokio::select! {
            _ = prove_job(&store, &config, &metrics, job) => {}
            _ = stop.changed() => match store.release((&hash, &part), &config.id).await {
                Ok(true) => tracing::info!(worker = %config.id, number, "stopping: the job is handed back"),
                Ok(false) => {}
                Err(e) => tracing::warn!(worker = %config.id, number, "stopping: cannot hand the job back ({e}); its lease will"),
            },
        }
    }
}

/// Proves one claimed job; the outcome is in the database.
async fn prove_job(store: &Store, config: &WorkerConfig, metrics: &Metrics, job: Claimed) {
    let progress = Arc::new(Mutex::new(String::from("starting")));
    let started = Instant::now();
    let id = (job.hash.as_str(), job.part.as_str());
    // A leaf and an aggregation start from the pieces already proven.
    let pieces = match job.split && (!job.part.is_empty() || job.plan.is_some()) {
        true => match store.piece_files(&job.hash).await {
            Ok(files) => files,
            Err(e) => {
                tracing::warn!(worker = %config.id, "cannot read the pieces: {e}");
                let _ = store.release(id, &config.id).await;
                return;
            }
        },
        false => Vec::new(),
    };
    let mut proving = {
        let (prove, progress, job) = (config.prove.clone(), progress.clone(), job.clone());
        tokio::task::spawn_blocking(move || work(&prove, &job, pieces, &JobProgress(progress)))
    };
    let renew_every = config.lease / 3;
    let outcome = loop {
        tokio::select! {
            done = &mut proving => break done.unwrap_or_else(|e| Err(format!("the prover stopped: {e}").into())),
            _ = tokio::time::sleep(renew_every) => {
                let phase = progress.lock().map(|p| p.clone()).unwrap_or_default();
                match store.heartbeat(id, &config.id, config.lease.as_millis() as u64, &phase).await {
                    Ok(true) => {}
                    // The block was orphaned or the lease was taken over: the proof is not wanted
                    // from this worker any more. The thread cannot be stopped; its result is dropped.
                    Ok(false) => {
                        tracing::warn!(worker = %config.id, number = job.number, "the job is no longer ours, dropping it");
                        return;
                    }
                    Err(e) => tracing::warn!(worker = %config.id, "cannot renew the lease: {e}"),
                }
            }
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    let ms = (seconds * 1000.0) as u64;
    let stored = match outcome {
        Ok(SplitDone::Proof(proof)) => {
            metrics.prove_seconds.observe(seconds);
            store.submit(&job.hash, &config.id, &proof, Some(ms)).await
        }
        Ok(SplitDone::Planned(plan, pieces)) => {
            let kind = config.prove.kind();
            tracing::info!(worker = %config.id, number = job.number, pieces = pieces.len(), "split into pieces");
            store.split_block(&job.hash, &config.id, &plan, &pieces, kind).await
        }
        Ok(SplitDone::Piece(file)) => {
            metrics.piece_seconds.observe(seconds);
            store.finish_piece(id, &config.id, &file, ms).await
        }
        Err(failure) => {
            tracing::warn!(worker = %config.id, number = job.number, part = %job.part, "proving failed: {}", failure.reason);
            metrics.proving_errors.inc();
            if let Some(bad) = &failure.bad_piece {
                // The aggregation named a bad piece: it is proven again on a retry.
                let _ = store.refuse_piece((&job.hash, bad), &failure.reason).await;
            }
            store.fail(id, &config.id, &failure.reason).await
        }
    };
    match stored {
        Ok(true) => tracing::info!(worker = %config.id, number = job.number, part = %job.part, seconds, "handed in"),
        Ok(false) => tracing::warn!(worker = %config.id, number = job.number, "the job was taken back meanwhile"),
        Err(e) => tracing::warn!(worker = %config.id, number = job.number, "cannot store the outcome: {e}"),
    }
}

/// The work a claimed job asks for: a whole proof, or a split block's plan, piece or
/// aggregation (split_work.rs).
fn work(
    config: &ProveConfig,
    job: &Claimed,
    pieces: Vec<(String, Vec<u8>)>,
    progress: &JobProgress,
) -> Result<SplitDone, SplitFailure> {
    match (config, job.split) {
        (ProveConfig::Execution(settings), true) => split_work::run(settings, job, pieces, progress),
        _ => prove_bytes(config, &job.witness, progress).map(SplitDone::Proof).map_err(Into::into),
    }
}

/// A job's progress, as the worker's heartbeat records it in the job's row (the API and the page
/// show it).
struct JobProgress(Arc<Mutex<String>>);

impl Progress for JobProgress {
    fn step(&self, step: Step<'_>) {
        tracing::debug!(step = %step, "proving");
        if let Ok(mut p) = self.0.lock() {
            *p = step.to_string();
        }
    }
}

/// Proves a witness (as stored: the witness file's bytes) and returns the proof file's bytes.
fn prove_bytes(config: &ProveConfig, witness: &[u8], progress: &JobProgress) -> Result<Vec<u8>, String> {
    let w = witness::file::decode(witness, "the stored witness").map_err(|e| e.to_string())?;
    prover::prove(config, &w, progress).map(|p| p.to_json_bytes()).map_err(|e| e.to_string())
}

/// The default worker id: host name, process id and index, unique among live workers.
pub fn default_worker_id(index: usize) -> String {
    let host = std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_default();
    format!("{}-{}-{index}", if host.is_empty() { "worker" } else { &host }, std::process::id())
}
