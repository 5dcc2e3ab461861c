//! Why a block does not re-execute. Every variant names the transaction, account or slot at fault.

use alloc::string::String;

use alloy_primitives::{Address, B256, U256};

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TrieError {
    #[error("trie node {0} is not in the witness")]
    MissingNode(B256),
    #[error("malformed trie node: {0}")]
    Malformed(&'static str),
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StatelessError {
    #[error("header of block {number}: {reason}")]
    Header { number: u64, reason: String },

    #[error("block {number}: its parent header hashes to {computed}, the header's parentHash is {expected}")]
    ParentLink { number: u64, expected: B256, computed: B256 },

    #[error("block {number}: {what} root is {computed}, the header says {expected}")]
    BodyRoot { number: u64, what: &'static str, expected: B256, computed: B256 },

    #[error("transaction {index}: {reason}")]
    Transaction { index: usize, reason: String },

    #[error("state trie, account {address}: {source}")]
    AccountTrie { address: Address, source: TrieError },

    #[error("storage trie of account {address}, slot {slot}: {source}")]
    StorageTrie { address: Address, slot: U256, source: TrieError },

    #[error("account {address}: leaf in the state trie does not decode: {reason}")]
    AccountLeaf { address: Address, reason: String },

    #[error("code with hash {0} is not in the witness")]
    MissingCode(B256),

    #[error("BLOCKHASH({0}): that header is not in the witness")]
    MissingBlockHash(u64),

    #[error("block execution: {0}")]
    Execution(String),

    #[error("block {number}: {field} is {computed} after re-execution, the header says {expected}")]
    Mismatch { number: u64, field: &'static str, expected: String, computed: String },
}

impl revm::database::DBErrorMarker for StatelessError {}
