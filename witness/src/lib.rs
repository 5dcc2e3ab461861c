//! Ethereum block witnesses: the data a stateless checker needs to re-check one block, the native
//! checks that bind it to the block hash, its file format, and (feature `capture`) its capture
//! over JSON-RPC.

pub mod check;
/// Why a witness does not hold together.
pub mod error;
pub mod execution;
pub mod file;
pub mod from_rpc;
pub mod header;
pub mod mpt;
pub mod node_proofs;
pub mod recorded;
pub mod summary;
pub mod types;

#[cfg(feature = "capture")]
pub mod capture;
#[cfg(feature = "capture")]
pub mod rpc;

pub use check::{check_witness, CheckedWitness};
pub use error::{StateSide, WitnessError};
pub use types::{AccountProof, BlockWitness, RawHeader, StorageProof, WitnessFile};
