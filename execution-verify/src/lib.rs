//! The execution proof's verifier alone: the proof file, the pinned guest image and its verifying
//! key, and every check `prover_cmd verifier` makes of an execution proof (the image the file
//! names, the key's image, the STARK, the proven public values against the file, the block they
//! name, and with a witness that it is exactly the witness's block).
//!
//! Nothing of the prover is linked (OpenVM's verifier crate only): this is the crate a
//! WebAssembly build of the verifier would compile, and that build is blocked today by one of
//! OpenVM's dependencies (docs/browser.md).
//! Crate `execution` proves, and re-exports what is here.

mod error;
pub mod image;
mod proof_file;
pub mod stark;
mod verify;

pub use error::{BlockId, VerifyError};
pub use proof_file::{ExecutionProofFile, ExecutionTimings};
pub use verify::{verify, ExecutionVerified, ProverClaims};
