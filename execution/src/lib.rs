//! The execution proof: a zkVM proof that the stateless re-execution of a block (crate
//! `stateless`, the same code the host runs before proving) accepted it, and of what it committed:
//! chain id, number, block hash, parent hash, parent stateRoot, stateRoot, the fork applied,
//! anvil's slot rule, the transaction count and gas used. [`ExecutionProof`] is the crate seen
//! through the `ProofSystem` seam.
//!
//! The guest (execution/guest) runs in OpenVM 2.0.2; its ELF and verifying key are committed and
//! its image id pinned (`image`). Only `zkvm` knows OpenVM. `split` makes the same proof in
//! pieces (segments proven apart, then aggregated), for many machines at once.

mod error;
mod execution_proof;
pub mod image;
pub mod input;
mod proof_file;
mod prover;
mod segment_progress;
mod settings;
pub mod split;
mod verify;
pub mod zkvm;

pub use error::{BlockId, ExecutionError};
pub use execution_proof::ExecutionProof;
pub use proof_file::{ExecutionProofFile, ExecutionTimings};
pub use prover::{execute_witness, profile_witness, prove, ExecuteReport, ExecutionProver, ZKVM};
pub use segment_progress::{observing_segments, segment_layer, OnlySegmentSpans, SegmentLayer};
pub use settings::{ProverSettings, SettingError};
pub use verify::{verify, ExecutionVerified, ProverClaims};
