//! The execution proof: a zkVM proof that the stateless re-execution of a block (crate
//! `stateless`, the same code the host runs before proving) accepted it, and of what it committed:
//! chain id, number, block hash, parent hash, parent stateRoot, stateRoot, the fork applied,
//! anvil's slot rule, the transaction count and gas used. [`ExecutionProof`] is the crate seen
//! through the `ProofSystem` seam.
//!
//! The guest (execution/guest) runs in OpenVM 2.0.2; its ELF and verifying key are committed and
//! its image id pinned (`image`). Only `zkvm` knows OpenVM's prover; the verifier is crate
//! `execution-verify`, which links none of the prover. `split` makes the same proof in
//! pieces (segments proven apart, then aggregated), for many machines at once.

mod error;
mod execution_proof;
pub mod image;
pub mod input;
mod prover;
mod segment_progress;
mod settings;
pub mod split;
pub mod zkvm;

pub use error::ExecutionError;
pub use execution_proof::ExecutionProof;
pub use execution_verify::{
    verify, BlockId, ExecutionProofFile, ExecutionTimings, ExecutionVerified, ProverClaims, VerifyError,
};
pub use prover::{execute_witness, profile_witness, prove, ExecuteReport, ExecutionProver};
pub use segment_progress::{observing_segments, segment_layer, OnlySegmentSpans, SegmentLayer};
pub use settings::{ProverSettings, SettingError};
