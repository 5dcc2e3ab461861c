//! Proves a block witness with the proof kind its configuration names. This crate and `verifier`
//! are the only places that tell the kinds apart: [`ProveConfig`] is one of each kind's
//! configuration, [`ProofFile`] one of each kind's file, and [`ProveFlags`] the command-line
//! flags that `prover_cmd`, `serve`, `worker` and the Gevulot prover all take, checked in one
//! place ([`ProveFlags::config`]).

mod dispatch;
mod flags;

pub use dispatch::{prove, prove_file, ProofFile, ProveConfig, ProveError};
pub use flags::{default_keys_dir, FlagError, KeyFlags, ProveFlags};
