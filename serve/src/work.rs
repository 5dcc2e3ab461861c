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

/// Runs one worker until `stop` turns true. A job being proven when it stops is left to its
/// lease: another worker takes it once the lease runs out.
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
        tracing::info!(worker = %config.id, number = job.number, hash = %job.hash, attempt = job.attempt, "proving");
        tokio::select! {
            _ = prove_job(&store, &config, &metrics, job) => {}
            _ = stop.changed() => {}
        }
    }
}

/// Proves one claimed job; the outcome is in the database.
async fn prove_job(store: &Store, config: &WorkerConfig, metrics: &Metrics, job: Claimed) {
    let progress = Arc::new(Mutex::new(String::from("starting")));
    let started = Instant::now();
    let mut proving = {
        let (prove, progress, witness) = (config.prove.clone(), progress.clone(), job.witness);
        tokio::task::spawn_blocking(move || prove_bytes(&prove, &witness, &JobProgress(progress)))
    };
    let renew_every = config.lease / 3;
    let outcome = loop {
        tokio::select! {
            done = &mut proving => break done.unwrap_or_else(|e| Err(format!("the prover stopped: {e}"))),
            _ = tokio::time::sleep(renew_every) => {
                let phase = progress.lock().map(|p| p.clone()).unwrap_or_default();
                match store.heartbeat(&job.hash, &config.id, config.lease.as_millis() as u64, &phase).await {
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
    let stored = match outcome {
        Ok(proof) => {
            metrics.prove_seconds.observe(seconds);
            store.submit(&job.hash, &config.id, &proof, Some((seconds * 1000.0) as u64)).await
        }
        Err(reason) => {
            tracing::warn!(worker = %config.id, number = job.number, "proving failed: {reason}");
            store.fail(&job.hash, &config.id, &reason).await
        }
    };
    match stored {
        Ok(true) => tracing::info!(worker = %config.id, number = job.number, seconds, "handed in"),
        Ok(false) => tracing::warn!(worker = %config.id, number = job.number, "the job was taken back meanwhile"),
        Err(e) => tracing::warn!(worker = %config.id, number = job.number, "cannot store the outcome: {e}"),
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
