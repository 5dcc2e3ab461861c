//! Stateless re-execution of one Ethereum block: from the block, its ancestors' headers and the
//! trie nodes and codes it touches, check that every transaction executes (revm, under the
//! block's own fork rules) to the header's gasUsed, receipts, logs bloom, requests and stateRoot.
//!
//! `no_std` + `alloc`: the host (capture, `witness_inspect`, the prover's pre-check, the
//! consensus-test runner) and the zkVM guest run this same code.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod chain;
pub mod db;
pub mod error;
pub mod execute;
pub mod input;
pub mod input_codec;
pub mod post_state;
pub mod trie;
mod trie_node;
pub mod validate;
mod watch;

pub use chain::{ChainSpec, Fork};
pub use db::MissingKey;
pub use error::{StatelessError, TrieError};
pub use execute::{
    execute_block, execute_block_noting_precompiles, execute_block_with_post_state, find_missing, Executed, PostState,
};
pub use input::{BlockCommitment, StatelessInput};
pub use input_codec::InputDecodeError;
