//! Typed view of a [`RawHeader`] and the check that its RLP hashes to the hash the node gave.

use alloy_consensus::Header;
use alloy_primitives::{keccak256, B256};

use crate::{error::WitnessError, types::RawHeader};

/// Fields a header's RLP is built from, in consensus order; from `baseFeePerGas` on each appears
/// from its fork on (London, Shanghai, Cancun x3, Prague).
pub const RLP_FIELDS: &[&str] = &[
    "parentHash",
    "sha3Uncles",
    "miner",
    "stateRoot",
    "transactionsRoot",
    "receiptsRoot",
    "logsBloom",
    "difficulty",
    "number",
    "gasLimit",
    "gasUsed",
    "timestamp",
    "extraData",
    "mixHash",
    "nonce",
    "baseFeePerGas",
    "withdrawalsRoot",
    "blobGasUsed",
    "excessBlobGas",
    "parentBeaconBlockRoot",
    "requestsHash",
];

/// Scalar fields of a block object that nodes add but that are not part of the header.
pub const METADATA_FIELDS: &[&str] = &["hash", "size", "totalDifficulty"];

/// Metadata no hash covers: capture drops it and the check refuses it, so no unchecked value
/// travels in a witness.
pub const UNHASHED_FIELDS: &[&str] = &["size", "totalDifficulty"];

/// A header whose RLP has been checked against its hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedHeader {
    /// The typed header (alloy's), from the node's fields.
    pub header: Header,
    /// Its hash, checked against the node's.
    pub hash: B256,
}

impl RawHeader {
    /// Keeps every scalar (string) field of an eth_getBlockBy* result; arrays (transactions,
    /// uncles, withdrawals) are captured separately.
    pub fn from_block_json(block: &serde_json::Map<String, serde_json::Value>) -> Self {
        let fields = block
            .iter()
            .filter(|(k, _)| !UNHASHED_FIELDS.contains(&k.as_str()))
            .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
            .collect();
        Self { fields }
    }

    /// A field's text as the node sent it.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }

    /// The block number as text, for error messages (never fails).
    pub fn number_text(&self) -> String {
        match self.get("number").and_then(|n| u64::from_str_radix(n.trim_start_matches("0x"), 16).ok()) {
            Some(n) => n.to_string(),
            None => format!("{:?}", self.get("number")),
        }
    }

    fn field_error(&self, field: &str, reason: impl Into<String>) -> WitnessError {
        WitnessError::HeaderField { number: self.number_text(), field: field.into(), reason: reason.into() }
    }

    /// The hash the node claims for this header.
    pub fn claimed_hash(&self) -> Result<B256, WitnessError> {
        let text = self.get("hash").ok_or_else(|| self.field_error("hash", "missing"))?;
        text.parse().map_err(|e| self.field_error("hash", format!("{text:?}: {e}")))
    }

    /// Fields that are neither header fields this code knows nor node metadata.
    pub fn unknown_fields(&self) -> Vec<String> {
        self.fields
            .keys()
            .filter(|k| !RLP_FIELDS.contains(&k.as_str()) && !METADATA_FIELDS.contains(&k.as_str()))
            .cloned()
            .collect()
    }

    /// The typed header, built from the header fields only.
    pub fn decode(&self) -> Result<Header, WitnessError> {
        let map: serde_json::Map<String, serde_json::Value> = self
            .fields
            .iter()
            .filter(|(k, _)| RLP_FIELDS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect();
        serde_json::from_value(serde_json::Value::Object(map))
            .map_err(|e| self.field_error("*", format!("not a valid header: {e}")))
    }

    /// The header's consensus RLP encoding, rebuilt from the fields.
    pub fn rlp(&self) -> Result<Vec<u8>, WitnessError> {
        Ok(alloy_rlp::encode(self.decode()?))
    }

    /// Rebuilds the RLP and checks keccak(rlp) against the claimed hash.
    pub fn check(&self) -> Result<CheckedHeader, WitnessError> {
        let header = self.decode()?;
        let expected = self.claimed_hash()?;
        let computed = keccak256(alloy_rlp::encode(&header));
        if computed != expected {
            return Err(WitnessError::HeaderHash {
                number: header.number,
                expected,
                computed,
                unused_fields: self.unknown_fields(),
            });
        }
        Ok(CheckedHeader { header, hash: computed })
    }
}
