//! Why a block does not re-execute. Every variant names the transaction, account or slot at fault,
//! and every message reads whole (its cause's text at its end): nothing is also a `source()`.

use alloc::string::String;

use alloy_primitives::{Address, B256, U256};

/// A partial trie that cannot answer: the witness lacks a node, or a node is not a trie node.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TrieError {
    /// A node the lookup needs (by its keccak hash) is not among the witness's nodes.
    #[error("trie node {0} is not in the witness")]
    MissingNode(B256),
    /// A node does not decode as a leaf, extension or branch.
    #[error("malformed trie node: {0}")]
    Malformed(&'static str),
}

/// Why a block does not re-execute from its witness to its header.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StatelessError {
    /// A header rule fails (number, timestamp, gas limit, base fee, a fork's fields).
    #[error("header of block {number}: {reason}")]
    Header {
        /// The block.
        number: u64,
        /// The rule broken.
        reason: String,
    },

    /// The parent header does not hash to the header's parentHash.
    #[error("block {number}: its parent header hashes to {computed}, the header's parentHash is {expected}")]
    ParentLink {
        /// The block.
        number: u64,
        /// The header's parentHash.
        expected: B256,
        /// The parent header's hash.
        computed: B256,
    },

    /// The transactions or withdrawals root differs from the header's.
    #[error("block {number}: {what} root is {computed}, the header says {expected}")]
    BodyRoot {
        /// The block.
        number: u64,
        /// `transactions` or `withdrawals`.
        what: &'static str,
        /// The header's root.
        expected: B256,
        /// The body's root.
        computed: B256,
    },

    /// A transaction does not decode, its signature does not recover, or it is invalid.
    #[error("transaction {index}: {reason}")]
    Transaction {
        /// Its index in the block.
        index: usize,
        /// What is wrong.
        reason: String,
    },

    /// The state trie cannot answer for an account.
    #[error("state trie, account {address}: {cause}")]
    AccountTrie {
        /// The account.
        address: Address,
        /// Why the trie cannot answer.
        cause: TrieError,
    },

    /// An account's storage trie cannot answer for a slot.
    #[error("storage trie of account {address}, slot {slot}: {cause}")]
    StorageTrie {
        /// The account.
        address: Address,
        /// The slot.
        slot: U256,
        /// Why the trie cannot answer.
        cause: TrieError,
    },

    /// An account's leaf is not an RLP account.
    #[error("account {address}: leaf in the state trie does not decode: {reason}")]
    AccountLeaf {
        /// The account.
        address: Address,
        /// What the decoder said.
        reason: String,
    },

    /// The block runs code the witness does not carry.
    #[error("code with hash {0} is not in the witness")]
    MissingCode(B256),

    /// BLOCKHASH reads a header the witness does not carry.
    #[error("BLOCKHASH({0}): that header is not in the witness")]
    MissingBlockHash(u64),

    /// The block executor refused the block (revm's or alloy-evm's reason).
    #[error("block execution: {0}")]
    Execution(String),

    /// The re-execution's result differs from the header's (gas, roots, bloom, requests).
    #[error("block {number}: {field} is {computed} after re-execution, the header says {expected}")]
    Mismatch {
        /// The block.
        number: u64,
        /// The header field.
        field: &'static str,
        /// The header's value.
        expected: String,
        /// The re-execution's value.
        computed: String,
    },
}

impl revm::database::DBErrorMarker for StatelessError {}
