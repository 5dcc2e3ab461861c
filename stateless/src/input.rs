//! What the stateless check (and the zkVM guest) reads, and what it commits to.

use alloc::vec::Vec;

use alloy_consensus::Header;
use alloy_eips::eip4895::Withdrawal;
use alloy_primitives::{Bytes, B256};
use serde::{Deserialize, Serialize};

use crate::chain::Fork;

/// One block and the parts of the state it needs, with nothing taken on trust: the headers are
/// hashed here, the trie nodes are reached from the parent's stateRoot by hash, codes are keyed by
/// their hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatelessInput {
    /// The chain id transactions are executed with (and checked against, for typed ones).
    pub chain_id: u64,
    /// Runs the chain under one fork from genesis (development and test chains). `None`: a known
    /// chain's published schedule, else the newest fork the header's shape has. The fork used is
    /// committed, so a verifier sees which rules were applied.
    pub dev_fork: Option<Fork>,
    /// anvil keeps a cleared storage slot as a trie leaf holding rlp(0) instead of removing it, so
    /// its stateRoots differ from every other client's. `true` applies that rule, so that anvil's
    /// blocks can be checked at all; it is committed, so no proof hides it. Ethereum: `false`.
    pub zero_slot_leaves: bool,
    /// The block's header.
    pub header: Header,
    /// Previous headers, parent first: the parent's stateRoot is the pre-state, the rest serve
    /// BLOCKHASH.
    pub ancestors: Vec<Header>,
    /// EIP-2718 encodings, in block order.
    pub transactions: Vec<Bytes>,
    /// Shanghai and later.
    pub withdrawals: Option<Vec<Withdrawal>>,
    /// Trie nodes (state and storage tries, any order).
    pub nodes: Vec<Bytes>,
    /// Contract codes (any order).
    pub codes: Vec<Bytes>,
}

/// What a successful re-execution establishes, and what the guest commits as its public values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockCommitment {
    /// The chain the block is of.
    pub chain_id: u64,
    /// The block number.
    pub number: u64,
    /// The block hash (keccak of the header's RLP).
    pub hash: B256,
    /// The parent's hash.
    pub parent_hash: B256,
    /// The parent's stateRoot: the state the block starts from.
    pub parent_state_root: B256,
    /// The block's stateRoot: the state its transactions reach.
    pub state_root: B256,
    /// The fork whose rules the block was executed under.
    pub fork: Fork,
    /// anvil's rule for cleared slots was applied (see `StatelessInput::zero_slot_leaves`).
    pub zero_slot_leaves: bool,
    /// Gas used by the block.
    pub gas_used: u64,
    /// How many transactions the block has.
    pub transactions: u32,
}

impl BlockCommitment {
    /// Bytes of the committed layout (`to_bytes`).
    pub const LEN: usize = 7 * 32;

    /// A fixed layout of seven 32-byte words, so any verifier can read it without this code:
    /// chain id, number (big-endian words), block hash, parent hash, parent stateRoot, stateRoot,
    /// then one word of fork (byte 0), anvil's zero-slot rule (byte 1), transaction count (bytes
    /// 8..12) and gas used (bytes 24..32).
    pub fn to_bytes(&self) -> [u8; Self::LEN] {
        let mut out = [0u8; Self::LEN];
        out[24..32].copy_from_slice(&self.chain_id.to_be_bytes());
        out[56..64].copy_from_slice(&self.number.to_be_bytes());
        out[64..96].copy_from_slice(self.hash.as_slice());
        out[96..128].copy_from_slice(self.parent_hash.as_slice());
        out[128..160].copy_from_slice(self.parent_state_root.as_slice());
        out[160..192].copy_from_slice(self.state_root.as_slice());
        out[192] = self.fork as u8;
        out[193] = self.zero_slot_leaves as u8;
        out[200..204].copy_from_slice(&self.transactions.to_be_bytes());
        out[216..224].copy_from_slice(&self.gas_used.to_be_bytes());
        out
    }

    /// Reads the layout of `to_bytes`; None for anything else (wrong length, padding that is not zero, an unknown fork).
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != Self::LEN {
            return None;
        }
        let word = |i: usize| B256::from_slice(&bytes[i * 32..(i + 1) * 32]);
        let u64_at = |i: usize| u64::from_be_bytes(bytes[i..i + 8].try_into().unwrap());
        let zero = |range: core::ops::Range<usize>| bytes[range].iter().all(|b| *b == 0);
        let fork = Fork::from_index(bytes[192])?;
        let zero_slot_leaves = match bytes[193] {
            0 => false,
            1 => true,
            _ => return None,
        };
        if !(zero(0..24) && zero(32..56) && zero(194..200) && zero(204..216)) {
            return None;
        }
        Some(Self {
            chain_id: u64_at(24),
            number: u64_at(56),
            hash: word(2),
            parent_hash: word(3),
            parent_state_root: word(4),
            state_root: word(5),
            fork,
            zero_slot_leaves,
            transactions: u32::from_be_bytes(bytes[200..204].try_into().unwrap()),
            gas_used: u64_at(216),
        })
    }
}
