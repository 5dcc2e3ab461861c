//! Prometheus metrics (`GET /metrics`, OpenMetrics text). Events of this process are counters
//! and histograms; the state of the queue is read from the database at each scrape, so it is
//! right after a restart and counts the work of workers on other machines too.

use prometheus_client::{
    encoding::{text::encode, EncodeLabelSet},
    metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram},
    registry::Registry,
};

use crate::blocks::Counts;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
/// The `status` label of `prover_jobs`.
pub struct StatusLabel {
    /// A job status.
    pub status: String,
}

/// The server's Prometheus metrics.
pub struct Metrics {
    registry: Registry,
    /// Blocks the follower saw.
    pub blocks_seen: Counter,
    /// Blocks captured and stored.
    pub blocks_captured: Counter,
    /// Blocks a reorg took off the followed chain.
    pub blocks_orphaned: Counter,
    /// Proofs the server verified.
    pub proofs_verified: Counter,
    /// Proofs the server refused.
    pub proofs_rejected: Counter,
    /// Errors of the node (unreachable, bad answers).
    pub node_errors: Counter,
    /// Proofs that failed (the prover's error, or a proof the server refused).
    pub proving_errors: Counter,
    /// The store's errors (set from the store's own count at each scrape).
    store_errors: Counter,
    /// The block that holds the follower (0: none).
    pub follower_stuck: Gauge,
    /// 1 when `/healthz` says ok (set at each scrape).
    pub healthy: Gauge,
    /// How long captures take.
    pub capture_seconds: Histogram,
    /// How long proofs take.
    pub prove_seconds: Histogram,
    /// How long a split block's pieces take (each segment or leaf, on this process's workers).
    pub piece_seconds: Histogram,
    /// How long the server's verification takes.
    pub verify_seconds: Histogram,
    jobs: Family<StatusLabel, Gauge>,
    pieces: Family<StatusLabel, Gauge>,
    stored_blocks: Gauge,
    stored_orphaned: Gauge,
    queue_depth: Gauge,
}

/// Buckets from 50 ms to about 14 h: a capture takes seconds, a proof minutes to hours.
fn seconds_buckets() -> impl Iterator<Item = f64> {
    prometheus_client::metrics::histogram::exponential_buckets(0.05, 2.5, 16)
}

impl Default for Metrics {
    fn default() -> Self {
        let mut m = Self {
            blocks_seen: Counter::default(),
            blocks_captured: Counter::default(),
            blocks_orphaned: Counter::default(),
            proofs_verified: Counter::default(),
            proofs_rejected: Counter::default(),
            node_errors: Counter::default(),
            proving_errors: Counter::default(),
            store_errors: Counter::default(),
            follower_stuck: Gauge::default(),
            healthy: Gauge::default(),
            capture_seconds: Histogram::new(seconds_buckets()),
            prove_seconds: Histogram::new(seconds_buckets()),
            piece_seconds: Histogram::new(seconds_buckets()),
            verify_seconds: Histogram::new(seconds_buckets()),
            jobs: Family::default(),
            pieces: Family::default(),
            stored_blocks: Gauge::default(),
            stored_orphaned: Gauge::default(),
            queue_depth: Gauge::default(),
            registry: Registry::with_prefix("prover"),
        };
        m.registry.register("blocks_seen", "Block heights this process saw on the node", m.blocks_seen.clone());
        m.registry.register(
            "blocks_captured",
            "Witnesses this process captured and checked",
            m.blocks_captured.clone(),
        );
        m.registry.register(
            "blocks_orphaned",
            "Blocks this process saw leave the chain in a reorg",
            m.blocks_orphaned.clone(),
        );
        m.registry.register("proofs_verified", "Proofs this process verified and accepted", m.proofs_verified.clone());
        m.registry.register(
            "proofs_rejected",
            "Proofs this process refused (they did not verify)",
            m.proofs_rejected.clone(),
        );
        m.registry.register(
            "node_errors",
            "Looks at the followed node that failed (unreachable, bad answers)",
            m.node_errors.clone(),
        );
        m.registry.register("store_errors", "Database operations that failed", m.store_errors.clone());
        m.registry.register(
            "proving_errors",
            "Proofs that failed or were refused by the server's verification",
            m.proving_errors.clone(),
        );
        m.registry.register(
            "follower_stuck_block",
            "The block the follower cannot capture and waits on (0: none); /healthz says why",
            m.follower_stuck.clone(),
        );
        m.registry.register("healthy", "1 when /healthz answers ok", m.healthy.clone());
        m.registry.register(
            "capture_seconds",
            "Time to capture and check a block's witness",
            m.capture_seconds.clone(),
        );
        m.registry.register("prove_seconds", "Time to prove a block (this process's workers)", m.prove_seconds.clone());
        m.registry.register("verify_seconds", "Time to verify a submitted proof", m.verify_seconds.clone());
        m.registry.register(
            "piece_seconds",
            "Time to prove a piece of a split block (a segment or a leaf; this process's workers)",
            m.piece_seconds.clone(),
        );
        m.registry.register("jobs", "Proving jobs in the database, by status", m.jobs.clone());
        m.registry.register("pieces", "Pieces of split blocks in the database, by status", m.pieces.clone());
        m.registry.register("stored_blocks", "Blocks in the database", m.stored_blocks.clone());
        m.registry.register(
            "stored_orphaned_blocks",
            "Blocks in the database off the followed chain",
            m.stored_orphaned.clone(),
        );
        m.registry.register("queue_depth", "Jobs waiting for a worker", m.queue_depth.clone());
        m
    }
}

impl Metrics {
    /// The metrics as Prometheus scrapes them, the database's counts and the store's errors
    /// included.
    pub fn render(&self, counts: &Counts, store_errors: u64) -> String {
        self.store_errors.inc_by(store_errors.saturating_sub(self.store_errors.get()));
        for (status, n) in [
            ("queued", counts.queued),
            ("proving", counts.proving),
            ("submitted", counts.submitted),
            ("proven", counts.proven),
            ("failed", counts.failed),
            ("skipped", counts.skipped),
            ("waiting", counts.waiting),
        ] {
            self.jobs.get_or_create(&StatusLabel { status: status.into() }).set(n as i64);
        }
        for status in ["waiting", "queued", "proving", "done", "failed", "orphaned"] {
            let n = counts.pieces.get(status).copied().unwrap_or(0);
            self.pieces.get_or_create(&StatusLabel { status: status.into() }).set(n as i64);
        }
        self.stored_blocks.set(counts.blocks as i64);
        self.stored_orphaned.set(counts.orphaned as i64);
        self.queue_depth.set((counts.queued + counts.pieces.get("queued").copied().unwrap_or(0)) as i64);
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}
