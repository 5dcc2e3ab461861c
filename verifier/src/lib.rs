//! Verifies a block proof file of either kind. State proofs: that its circuits are the ones this
//! verifier derives from its params, that every chunk's block-state and keccak proofs verify, that
//! they share one keccak commitment and prove one block hash, and (given the witness) that together
//! they cover exactly the witness's pre-state. Execution proofs: crate `execution`. Never panics on
//! any input: a bad file is a failed report.

mod execution_report;
mod report;
mod verify;

pub use execution_report::ExecutionSection;
pub use report::{decode_proof, verify_file, VerifyReport};
pub use verify::{verify_proof, Verified, VerifyError, VerifyOptions};
