//! `serve`'s bounds, health limits and retention, as flags (docs/serve.md says what each guards
//! against). Every one has a safe default.

use std::time::Duration;

use clap::Args;
use serve::{HealthLimits, HttpLimits, Retention};

#[derive(Args)]
pub(crate) struct LimitArgs {
    /// Open connections at most; more wait to be accepted.
    #[arg(long, default_value_t = HttpLimits::default().max_connections as u64, value_parser = clap::value_parser!(u64).range(1..=65536))]
    max_connections: u64,
    /// Seconds a client may take to send a request's headers.
    #[arg(long, default_value_t = HttpLimits::default().header_timeout.as_secs(), value_parser = clap::value_parser!(u64).range(1..=3600))]
    header_timeout_secs: u64,
    /// Seconds a client may take to send an upload's body.
    #[arg(long, default_value_t = HttpLimits::default().body_timeout.as_secs(), value_parser = clap::value_parser!(u64).range(1..=3600))]
    body_timeout_secs: u64,
    /// The largest upload (POST /verify, POST /blocks/{n}/proof), MiB.
    #[arg(long, default_value_t = (HttpLimits::default().max_upload >> 20) as u64, value_parser = clap::value_parser!(u64).range(1..=4096))]
    max_upload_mib: u64,
    /// Uploads read and verified at once; more are answered 503 with Retry-After.
    #[arg(long, default_value_t = HttpLimits::default().max_uploads as u64, value_parser = clap::value_parser!(u64).range(1..=256))]
    max_uploads: u64,
}

impl LimitArgs {
    pub(crate) fn limits(&self) -> HttpLimits {
        HttpLimits {
            max_connections: self.max_connections as usize,
            header_timeout: Duration::from_secs(self.header_timeout_secs),
            body_timeout: Duration::from_secs(self.body_timeout_secs),
            max_upload: (self.max_upload_mib << 20) as usize,
            max_uploads: self.max_uploads as usize,
        }
    }
}

#[derive(Args)]
pub(crate) struct HealthArgs {
    /// /healthz says not ok when the follower has stored no block for this long while the node
    /// is ahead (seconds).
    #[arg(long, default_value_t = HealthLimits::default().stall.as_secs(), value_parser = clap::value_parser!(u64).range(1..))]
    stall_secs: u64,
    /// /healthz says not ok when the node has been unreachable for this long (seconds).
    #[arg(long, default_value_t = HealthLimits::default().node_down.as_secs(), value_parser = clap::value_parser!(u64).range(1..))]
    node_down_secs: u64,
}

impl HealthArgs {
    pub(crate) fn limits(&self) -> HealthLimits {
        HealthLimits {
            stall: Duration::from_secs(self.stall_secs),
            node_down: Duration::from_secs(self.node_down_secs),
        }
    }
}

#[derive(Args)]
pub(crate) struct RetentionArgs {
    /// Drop the witnesses of proven blocks older than this many days (the rows and hashes stay;
    /// the API answers 410 for what was dropped).
    #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u64).range(1..))]
    witness_days: Option<u64>,
    /// Keep the witnesses of only this many newest proven blocks.
    #[arg(long, value_name = "BLOCKS", value_parser = clap::value_parser!(u64).range(1..))]
    keep_witnesses: Option<u64>,
    /// With --witness-days or --keep-witnesses: drop those blocks' proofs too.
    #[arg(long)]
    prune_proofs: bool,
}

impl RetentionArgs {
    pub(crate) fn retention(&self) -> anyhow::Result<Retention> {
        anyhow::ensure!(
            !self.prune_proofs || self.witness_days.is_some() || self.keep_witnesses.is_some(),
            "--prune-proofs goes with --witness-days or --keep-witnesses"
        );
        Ok(Retention {
            max_age_ms: self.witness_days.map(|d| d * 86_400_000),
            keep: self.keep_witnesses,
            proofs: self.prune_proofs,
        })
    }
}
