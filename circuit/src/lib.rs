//! The halo2 circuit (KZG over BN254, axiom-eth chips) that proves a block witness's headers and
//! pre-state proofs. What it proves and does not: see the README.

pub mod block_state;
pub mod layout;
pub mod mock;
pub mod mpt_input;
pub mod params;

pub use block_state::BlockStateCircuit;
pub use layout::{chunks, instances, CapacityClass, Chunk};
