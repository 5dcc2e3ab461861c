//! Proves a block witness: checks it natively first (seconds, before minutes of proving), splits
//! it into chunks of a circuit class, loads params and keys (cached per circuit shape), proves
//! every chunk's block-state and keccak circuits, and returns the proof file with the time each
//! phase took.

mod execution;
mod progress;
mod prove;

pub use execution::{prove_execution, prove_execution_file};
pub use progress::{PhaseObserver, ProveProgress};
pub use prove::{prove_witness, prove_witness_file, ProveError, ProveOptions};
