//! The state proof: halo2 circuits (KZG over BN254, axiom-eth chips) that prove a block witness's
//! header chain and pre-state proofs, their fixed shapes (classes), params, keys, proof files, the
//! proving pipeline and the verifier. [`StateProof`] is the crate seen through the `ProofSystem`
//! seam. What it proves and does not: docs/proofs.md.

pub mod block_state;
pub mod class;
pub mod header_shape;
pub mod keys;
pub mod layout;
pub mod mock;
pub mod mpt_input;
pub mod params;
pub mod proof_file;
pub mod prove;
pub mod proving;
pub mod public_values;
mod state_proof;
pub mod verify;

pub use axiom_eth::halo2curves::bn256::Fr;
pub use block_state::BlockStateCircuit;
pub use class::{CapacityClass, ClassName};
pub use layout::{cheapest_class, chunks, Chunk};
pub use proof_file::StateProofFile;
pub use prove::{StateConfig, StateProveError};
pub use public_values::instances;
pub use state_proof::StateProof;
pub use verify::{StateVerified, StateVerifyConfig, StateVerifyError};
