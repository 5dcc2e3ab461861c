use alloy_primitives::{Address, B256, U256};

/// Which state a proof was checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateSide {
    /// The parent block's stateRoot (state before the block).
    Pre,
    /// This block's stateRoot (state after the block).
    Post,
}

impl std::fmt::Display for StateSide {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StateSide::Pre => "pre-state (parent stateRoot)",
            StateSide::Post => "post-state (block stateRoot)",
        })
    }
}

/// A witness that does not hold together. Every variant names the header, account or slot at
/// fault, and every message reads whole (nothing is also a `source()`).
#[derive(Debug, thiserror::Error)]
pub enum WitnessError {
    /// A header field is missing or malformed.
    #[error("header of block {number}: field `{field}`: {reason}")]
    HeaderField {
        /// The header's number, as the node gave it.
        number: String,
        /// The field.
        field: String,
        /// What is wrong with it.
        reason: String,
    },

    /// The header's RLP does not hash to the hash the node names.
    #[error(
        "header of block {number}: keccak(rlp(header)) is {computed}, but the node says the hash is \
         {expected}{}",
        if unused_fields.is_empty() { String::new() } else {
            format!(" (fields not known to this version, maybe from a newer fork: {})", unused_fields.join(", "))
        }
    )]
    HeaderHash {
        /// The header's number.
        number: u64,
        /// The hash the node names.
        expected: B256,
        /// The hash of the header's RLP.
        computed: B256,
        /// Fields the header has that this version does not hash (a newer fork's).
        unused_fields: Vec<String>,
    },

    /// A header is not the parent its child names.
    #[error("block {number}: expected block {expected_number} with hash {expected_hash}, got hash {got}")]
    Link {
        /// The child's number.
        number: u64,
        /// The parent's number.
        expected_number: u64,
        /// The child's parentHash.
        expected_hash: B256,
        /// The header found.
        got: B256,
    },

    /// The transactions or withdrawals root differs from the header's.
    #[error("block {number}: {what} root is {computed}, header says {expected}")]
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

    /// A transaction does not decode or its signature does not recover.
    #[error("block {number}: transaction {index}: {reason}")]
    Transaction {
        /// The block.
        number: u64,
        /// Its index in the block.
        index: usize,
        /// What is wrong.
        reason: String,
    },

    /// An account proof does not check against the state root.
    #[error("{side}: account {address}: proof does not check: {reason}")]
    AccountProof {
        /// Which state root.
        side: StateSide,
        /// The account.
        address: Address,
        /// What the proof check said.
        reason: String,
    },

    /// A storage proof does not check against its account's storage root.
    #[error("{side}: account {address}, slot {slot}: proof of value {value} does not check: {reason}")]
    StorageProof {
        /// Which state root.
        side: StateSide,
        /// The account.
        address: Address,
        /// The slot.
        slot: B256,
        /// The value the proof claims.
        value: U256,
        /// What the proof check said.
        reason: String,
    },

    /// A contract's code is not in the witness.
    #[error("account {address}: code with hash {code_hash} is missing from the witness")]
    MissingCode {
        /// The account.
        address: Address,
        /// Its codeHash.
        code_hash: B256,
    },

    /// A code is stored under a hash it does not have.
    #[error("code stored under hash {key} hashes to {computed}")]
    CodeHash {
        /// The hash it is stored under.
        key: B256,
        /// Its hash.
        computed: B256,
    },

    /// An account is proven twice on one side.
    #[error("{side}: account {address} appears more than once")]
    DuplicateAccount {
        /// Which state root.
        side: StateSide,
        /// The account.
        address: Address,
    },

    /// The post-state proves other accounts than the pre-state.
    #[error("{side} and pre-state prove different accounts: {detail}")]
    Coverage {
        /// The side compared with the pre-state.
        side: StateSide,
        /// Which accounts differ.
        detail: String,
    },

    /// The file's head (format, version, chain, block) is wrong.
    #[error("witness envelope: {0}")]
    Envelope(String),

    /// The block does not re-execute on the witness to its header.
    #[error("block {number} does not re-execute: {cause}")]
    Execution {
        /// The block.
        number: u64,
        /// What the stateless re-execution found.
        cause: stateless::StatelessError,
    },

    /// The post-state proves other slots of an account than the pre-state.
    #[error("{side}: account {address}: {detail}")]
    SlotCoverage {
        /// The side compared with the pre-state.
        side: StateSide,
        /// The account.
        address: Address,
        /// Which slots differ.
        detail: String,
    },

    /// A transaction names another chain than the witness.
    #[error("transaction {index}: its chain id is {tx_chain_id}, the witness's `chain_id` is {chain_id}")]
    ChainId {
        /// Its index in the block.
        index: usize,
        /// The chain it names.
        tx_chain_id: u64,
        /// The witness's chain.
        chain_id: u64,
    },

    /// A header carries node metadata that no hash covers.
    #[error(
        "header of block {number}: field `{field}` is node metadata that no hash covers; witnesses do not carry it"
    )]
    UnhashedField {
        /// The header's number, as the node gave it.
        number: String,
        /// The field (`size`, `totalDifficulty`).
        field: String,
    },
}
