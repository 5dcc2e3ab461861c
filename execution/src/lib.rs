//! The execution proof: a zkVM proof that the stateless re-execution of a block (crate
//! `stateless`, the same code the host runs before proving) accepted it, and of what it committed:
//! chain id, number, block hash, parent hash, parent stateRoot, stateRoot, the fork applied,
//! anvil's slot rule, the transaction count and gas used.
//!
//! The guest (execution/guest) runs in OpenVM 2.0.2; its ELF and verifying key are committed and
//! its image id pinned (`image`). Only `zkvm` knows OpenVM.

mod error;
pub mod image;
pub mod input;
mod pipeline;
mod proof_file;
mod segment_progress;
mod settings;
pub mod zkvm;

pub use error::ExecutionError;
pub use pipeline::{
    execute_witness, prove_witness, verify_file, ExecuteReport, ExecutionProver, VerifiedExecution, ZKVM,
};
pub use proof_file::{ExecutionProofFile, ExecutionTimings};
pub use segment_progress::{observing_segments, segment_layer, SegmentLayer};
pub use settings::ProverSettings;
