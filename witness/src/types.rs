//! The witness of one block: what a stateless checker (or the circuit) needs, nothing node-specific.

use std::collections::BTreeMap;

use alloy_eips::eip4895::Withdrawal;
use alloy_primitives::{Address, Bytes, B256, U256};
use serde::{Deserialize, Serialize};
use stateless::Fork;

/// A block header exactly as the node sent it: every scalar field of the block object, name and
/// text verbatim. Keeping the text (rather than a typed header of one fork) is what lets a header
/// of a fork newer than this code still round-trip; the typed view is derived in `header.rs`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawHeader {
    /// Field name to its text, as the node sent it.
    pub fields: BTreeMap<String, String>,
}

/// One slot of an account's storage with its Merkle proof against the account's storage root.
/// A zero value is proven by exclusion.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageProof {
    /// The slot.
    pub key: B256,
    /// Its value (zero: absent).
    pub value: U256,
    /// The nodes from the storage root to the slot's leaf (or to where its absence shows).
    pub proof: Vec<Bytes>,
}

/// An account with its Merkle proof against a state root, and the proofs of the slots it touches.
/// A non-existent account has all-empty values and an exclusion proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountProof {
    /// The account.
    pub address: Address,
    /// Its nonce.
    pub nonce: u64,
    /// Its balance (wei).
    pub balance: U256,
    /// The hash of its code.
    pub code_hash: B256,
    /// The root of its storage trie.
    pub storage_root: B256,
    /// The nodes from the state root to the account's leaf (or to where its absence shows).
    pub proof: Vec<Bytes>,
    /// The slots of it the block touches.
    pub storage: Vec<StorageProof>,
}

/// Everything captured for one block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockWitness {
    /// The block's header.
    pub header: RawHeader,
    /// EIP-2718 encoded transactions in block order (their trie root is the header's
    /// transactionsRoot).
    pub transactions: Vec<Bytes>,
    /// Withdrawals (Shanghai and later), in block order.
    pub withdrawals: Vec<Withdrawal>,
    /// Previous headers, parent first, as far back as BLOCKHASH was asked to reach.
    pub ancestors: Vec<RawHeader>,
    /// Touched accounts and slots at the parent's stateRoot.
    pub pre_state: Vec<AccountProof>,
    /// The same accounts and slots at this block's stateRoot.
    pub post_state: Vec<AccountProof>,
    /// Bytecode of the touched contracts, keyed by code hash.
    pub codes: BTreeMap<B256, Bytes>,
}

/// The versioned envelope written to disk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WitnessFile {
    /// Always `eth-block-witness`.
    pub format: String,
    /// The file version ([`WitnessFile::VERSION`]).
    pub version: u32,
    /// The chain the block is of.
    pub chain_id: u64,
    /// The block number.
    pub block_number: u64,
    /// The block hash (checked against the header).
    pub block_hash: B256,
    /// What was captured.
    pub block: BlockWitness,
    /// The fork the block runs under, as the chain's node named it (EIP-7910's `eth_config`), for
    /// a chain whose schedule is not built in. `None`: the built-in schedule of mainnet or Sepolia,
    /// else the newest fork whose fields the header has. It reaches the proof as the committed
    /// fork, so a verifier sees the rules applied. Version 2 onwards.
    #[serde(default)]
    pub fork: Option<Fork>,
}

impl WitnessFile {
    /// The `format` of every witness file.
    pub const FORMAT: &'static str = "eth-block-witness";
    /// The version this build writes.
    pub const VERSION: u32 = 2;
    /// The versions this build reads: version 1 is version 2 without `fork`.
    pub const READS: std::ops::RangeInclusive<u32> = 1..=Self::VERSION;

    /// A witness file of this version, its fork not named.
    pub fn new(chain_id: u64, block_number: u64, block_hash: B256, block: BlockWitness) -> Self {
        let format = Self::FORMAT.to_string();
        Self { format, version: Self::VERSION, chain_id, block_number, block_hash, block, fork: None }
    }
}

impl AccountProof {
    /// Values of an account that does not exist (or is empty, which the state treats alike).
    /// Nodes differ in how they report a missing account's hashes (zero or the empty hashes).
    pub fn is_empty_account(&self) -> bool {
        self.nonce == 0
            && self.balance.is_zero()
            && (self.code_hash == alloy_primitives::KECCAK256_EMPTY || self.code_hash.is_zero())
            && (self.storage_root == alloy_trie::EMPTY_ROOT_HASH || self.storage_root.is_zero())
    }

    /// Whether the account has code (its code hash is not the empty one).
    pub fn has_code(&self) -> bool {
        !(self.code_hash == alloy_primitives::KECCAK256_EMPTY || self.code_hash.is_zero())
    }

    /// Every trie node of the account's proof and of its slots' proofs (the state trie's nodes
    /// first), as the stateless check takes them.
    pub fn proof_nodes(&self) -> impl Iterator<Item = &Bytes> {
        self.proof.iter().chain(self.storage.iter().flat_map(|s| &s.proof))
    }
}
