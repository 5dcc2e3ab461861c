//! Verifies a block proof file of either kind: proof-file bytes (and optionally a witness) in, a
//! [`VerifyReport`] out. The envelope names the kind; the kind's crate checks the proof (the state
//! proof: circuit ids, every chunk's two KZG proofs, their shared keccak commitment; the execution
//! proof: the pinned image and the STARK under the built-in key). This crate and `prover` are the
//! only places that tell the kinds apart. Never panics on any input: a bad file is a failed
//! report.

mod report;

pub use report::{decode_proof, verify, verify_file, VerifyOptions, VerifyReport};
