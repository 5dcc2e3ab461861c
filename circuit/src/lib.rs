//! The halo2 circuit (KZG over BN254, axiom-eth chips) that proves a block witness's headers and
//! pre-state proofs, its fixed shapes, keys and proof files. What it proves and does not: see the
//! README.

pub mod block_state;
pub mod class;
pub mod keys;
pub mod layout;
pub mod mock;
pub mod mpt_input;
pub mod params;
pub mod proof_file;
pub mod proving;
pub mod public_values;

pub use axiom_eth::halo2curves::bn256::Fr;
pub use block_state::BlockStateCircuit;
pub use class::{CapacityClass, ClassName};
pub use layout::{cheapest_class, chunks, Chunk};
pub use public_values::instances;
