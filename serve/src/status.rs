//! The states of a proving job, as the database stores them. A leaf module: the store, the
//! queue and the follower all speak it.

/// A job's status. `queued` -> `proving` (claimed, leased) -> `submitted` (a proof, not yet
/// verified) -> `proven` or `failed`; `skipped` when the policy leaves the block out, `orphaned`
/// when a reorg took it off the followed chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobStatus {
    /// Waiting for a worker.
    Queued,
    /// Left out by the `--every` policy.
    Skipped,
    /// Claimed by a worker, under its lease.
    Proving,
    /// A proof is in, not yet verified by the server.
    Submitted,
    /// The server verified the proof: it is served.
    Proven,
    /// Proving failed, or the proof was refused.
    Failed,
    /// A reorg took the block off the followed chain.
    Orphaned,
}

impl JobStatus {
    /// The name the database and the API use.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Skipped => "skipped",
            Self::Proving => "proving",
            Self::Submitted => "submitted",
            Self::Proven => "proven",
            Self::Failed => "failed",
            Self::Orphaned => "orphaned",
        }
    }
}
