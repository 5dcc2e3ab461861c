//! One envelope for every proof file and one seam for every proof kind.
//!
//! - [`envelope`]: `{format, version, kind, chain_id, block_number, block_hash, ...}`, where the
//!   rest is the kind's own body; the verifier reads the head, then hands the file to the kind it
//!   names.
//! - [`ProofSystem`]: what a proof kind implements (crate `circuit` for the state proof, crate
//!   `execution` for the execution proof): its configuration, file, verified result and errors,
//!   `prove` and `verify`.

pub mod envelope;
mod system;

pub use envelope::{
    to_json_bytes, write_json, Envelope, EnvelopeError, Head, KindFile, ProofKind, UnknownKind, FORMAT, VERSION,
    VERSION_STATE_ONLY,
};
pub use system::ProofSystem;

/// What a caught panic said, when it said it with a string (`panic!` with or without format
/// arguments). Proving and verifying run dependencies that assert deep inside; every kind turns
/// such a panic into an error of its own run with this.
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    panic.downcast_ref::<String>().map(String::as_str).or(panic.downcast_ref::<&str>().copied()).unwrap_or("a panic")
}

/// Runs `work`, turning a panic deep in a dependency (halo2, axiom-eth and OpenVM assert on
/// inputs they do not expect) into `Err` with what it said, so that one bad block is an error
/// of its run and not the end of a service.
pub fn catching_panics<T>(work: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
        .map_err(|panic| panic_message(panic.as_ref()).to_string())
}
