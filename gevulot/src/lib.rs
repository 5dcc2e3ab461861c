//! Everything Gevulot-specific: the task contract (`shim`), the single-process VM init (`init`),
//! the fork/exec ban (`seccomp`) and the two task handlers the `prover` and `verifier` binaries
//! run (`tasks`). Nothing here is needed to prove or verify outside Gevulot.

pub mod entry;
pub mod init;
pub mod seccomp;
pub mod shim;
pub mod tasks;
