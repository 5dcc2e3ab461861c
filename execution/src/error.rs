//! Why an execution proof could not be made or does not verify. Each message reads whole (it ends
//! with its cause's text where there is one), so the edges print it as it is.

use stateless::BlockCommitment;
use thiserror::Error;
use witness::WitnessError;

/// Why an execution proof could not be made or does not verify.
#[derive(Debug, Error)]
pub enum ExecutionError {
    /// The witness does not pass the native check (the block does not re-execute, or a proof does
    /// not check): nothing is run in the zkVM.
    #[error("the witness does not check, so it is not proven: {0}")]
    Witness(WitnessError),
    /// The bytes given as the guest are not an ELF that OpenVM can load and transpile.
    #[error("guest program: {0}")]
    Guest(String),
    /// The guest stopped with an error in the zkVM: the block does not re-execute there (it panics
    /// on any failed check, so no proof of a bad block can exist).
    #[error("the guest refused the block (it does not re-execute in the zkVM): {0}")]
    GuestFailed(String),
    /// OpenVM failed while setting up, proving or aggregating (`during` says which step).
    #[error("zkVM, {during}: {reason}")]
    Zkvm {
        /// The step that failed ("setting up", "proving", "key generation").
        during: &'static str,
        /// What OpenVM said.
        reason: String,
    },
    /// A panic inside OpenVM's prover, caught: an error of this run.
    #[error("the prover failed: {0}")]
    ProverPanicked(String),
    /// Rayon's global pool, on which OpenVM proves, already has another size in this process.
    #[error("the proving threads are set once per process: this one already proves on {running}, not {asked}")]
    Threads {
        /// The pool's size.
        running: usize,
        /// The size asked for.
        asked: usize,
    },
    /// A piece of a split proof was not made, or the pieces were not aggregated (it names the
    /// piece).
    #[error(transparent)]
    Segment(#[from] crate::split::SegmentError),
    /// A prover setting is out of its range.
    #[error(transparent)]
    Setting(#[from] crate::settings::SettingError),
    /// The verifying key cannot be decoded or encoded.
    #[error("verifying key: {0}")]
    VerifyingKey(String),
    /// A proof just made does not verify under the committed key: the prover's keys differ from
    /// the verifier's (another OpenVM version or VM configuration). Found here, not at the user's.
    #[error("verifying key: the new proof does not verify under the committed verifying key: {0}")]
    NotUnderCommittedKey(String),
    /// The STARK does not verify (or cannot be decoded).
    #[error("the proof does not verify: {0}")]
    BadProof(String),
    /// The proof does not verify, or not of what it names (the verifier's checks, crate
    /// `execution-verify`); also a commitment the guest revealed that is not one.
    #[error(transparent)]
    Verify(#[from] execution_verify::VerifyError),
    /// The guest committed something other than the native re-execution of the same witness.
    #[error("the guest committed {guest:?}, the native re-execution {native:?}")]
    CommitmentMismatch {
        /// What the zkVM run revealed.
        guest: Box<BlockCommitment>,
        /// What the native run computed.
        native: Box<BlockCommitment>,
    },
}
