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

/// A witness that does not hold together. Every variant names the header, account or slot at fault.
#[derive(Debug, thiserror::Error)]
pub enum WitnessError {
    #[error("header of block {number}: field `{field}`: {reason}")]
    HeaderField { number: String, field: String, reason: String },

    #[error(
        "header of block {number}: keccak(rlp(header)) is {computed}, but the node says the hash is \
         {expected}{}",
        if unused_fields.is_empty() { String::new() } else {
            format!(" (fields not known to this version, maybe from a newer fork: {})", unused_fields.join(", "))
        }
    )]
    HeaderHash { number: u64, expected: B256, computed: B256, unused_fields: Vec<String> },

    #[error("block {number}: expected block {expected_number} with hash {expected_hash}, got hash {got}")]
    Link { number: u64, expected_number: u64, expected_hash: B256, got: B256 },

    #[error("block {number}: {what} root is {computed}, header says {expected}")]
    BodyRoot { number: u64, what: &'static str, expected: B256, computed: B256 },

    #[error("block {number}: transaction {index}: {reason}")]
    Transaction { number: u64, index: usize, reason: String },

    #[error("{side}: account {address}: proof does not check: {reason}")]
    AccountProof { side: StateSide, address: Address, reason: String },

    #[error("{side}: account {address}, slot {slot}: proof of value {value} does not check: {reason}")]
    StorageProof { side: StateSide, address: Address, slot: B256, value: U256, reason: String },

    #[error("account {address}: code with hash {code_hash} is missing from the witness")]
    MissingCode { address: Address, code_hash: B256 },

    #[error("code stored under hash {key} hashes to {computed}")]
    CodeHash { key: B256, computed: B256 },

    #[error("{side}: account {address} appears more than once")]
    DuplicateAccount { side: StateSide, address: Address },

    #[error("{side} and pre-state prove different accounts: {detail}")]
    Coverage { side: StateSide, detail: String },

    #[error("witness envelope: {0}")]
    Envelope(String),

    #[error("block {number} does not re-execute: {source}")]
    Execution { number: u64, source: stateless::StatelessError },

    #[error("{side}: account {address}: {detail}")]
    SlotCoverage { side: StateSide, address: Address, detail: String },

    #[error("transaction {index}: its chain id is {tx_chain_id}, the witness's `chain_id` is {chain_id}")]
    ChainId { index: usize, tx_chain_id: u64, chain_id: u64 },

    #[error(
        "header of block {number}: field `{field}` is node metadata that no hash covers; witnesses do not carry it"
    )]
    UnhashedField { number: String, field: String },
}

/// An error and its causes on one line, each said once. Many messages here end with their cause's
/// own text (`{source}` in the message, so that the error reads whole on its own), which anyhow's
/// `{:#}` would then print again after it.
pub fn one_line(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(next) = cause {
        let part = next.to_string();
        if !text.ends_with(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        cause = next.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cause_the_message_already_ends_with_is_said_once() {
        let trie = stateless::TrieError::MissingNode(B256::repeat_byte(1));
        let inner = stateless::StatelessError::AccountTrie { address: Address::ZERO, source: trie.clone() };
        let error =
            anyhow::Error::new(WitnessError::Execution { number: 4, source: inner }).context("capturing block 4");
        let text = one_line(&*error);
        assert_eq!(text.matches(&trie.to_string()).count(), 1, "{text}");
        assert!(text.starts_with("capturing block 4: block 4 does not re-execute: state trie, account"), "{text}");
        let io = anyhow::Error::new(std::io::Error::other("disk full")).context("writing w.json");
        assert_eq!(one_line(&*io), "writing w.json: disk full", "a cause not in the message is added");
    }
}
