//! Turns raw JSON-RPC results (as a node or a recorded cache holds them) into witness types.

use alloy_eips::{eip2718::Encodable2718, eip4895::Withdrawal};
use alloy_primitives::Bytes;
use alloy_rpc_types_eth::EIP1186AccountProofResponse;
use serde_json::Value;

use crate::types::{AccountProof, RawHeader, StorageProof};

/// A node's answer that is not of the shape the method promises.
#[derive(Debug, thiserror::Error)]
#[error("{what}: {reason}")]
pub struct ShapeError {
    /// What was being read (a method, a field).
    pub what: String,
    /// What is wrong with it.
    pub reason: String,
}

impl ShapeError {
    /// A shape error of `what`.
    pub fn new(what: impl Into<String>, reason: impl Into<String>) -> Self {
        Self { what: what.into(), reason: reason.into() }
    }
}

/// An eth_getBlockBy* result with full transaction objects, split into witness parts.
#[derive(Clone, Debug)]
pub struct BlockParts {
    /// The header's fields.
    pub header: RawHeader,
    /// The EIP-2718 encoded transactions.
    pub transactions: Vec<Bytes>,
    /// The withdrawals.
    pub withdrawals: Vec<Withdrawal>,
}

/// Splits a block answer into witness parts.
pub fn block_parts(block: &Value) -> Result<BlockParts, ShapeError> {
    let obj = block.as_object().ok_or_else(|| ShapeError::new("block", "not a JSON object (unknown block?)"))?;
    let header = RawHeader::from_block_json(obj);
    let what = format!("block {}", header.number_text());
    if obj.get("uncles").and_then(Value::as_array).is_some_and(|u| !u.is_empty()) {
        return Err(ShapeError::new(what, "has uncles: only post-merge (Paris and later) blocks are supported"));
    }
    let txs = obj
        .get("transactions")
        .and_then(Value::as_array)
        .ok_or_else(|| ShapeError::new(&what, "no transactions array"))?;
    let transactions = txs
        .iter()
        .enumerate()
        .map(|(i, tx)| transaction_bytes(tx).map_err(|r| ShapeError::new(&what, format!("transaction {i}: {r}"))))
        .collect::<Result<_, _>>()?;
    let withdrawals = match obj.get("withdrawals") {
        None | Some(Value::Null) => Vec::new(),
        Some(w) => {
            serde_json::from_value(w.clone()).map_err(|e| ShapeError::new(&what, format!("withdrawals: {e}")))?
        }
    };
    Ok(BlockParts { header, transactions, withdrawals })
}

/// A header-only eth_getBlockBy* result (transactions as hashes are fine).
pub fn header_only(block: &Value) -> Result<RawHeader, ShapeError> {
    let obj = block.as_object().ok_or_else(|| ShapeError::new("block", "not a JSON object (unknown block?)"))?;
    Ok(RawHeader::from_block_json(obj))
}

fn transaction_bytes(tx: &Value) -> Result<Bytes, String> {
    if tx.is_string() {
        return Err("given as a hash: the block must be fetched with full transaction objects".into());
    }
    let tx: alloy_rpc_types_eth::Transaction =
        serde_json::from_value(tx.clone()).map_err(|e| format!("unsupported or malformed transaction: {e}"))?;
    Ok(tx.into_inner().encoded_2718().into())
}

/// One eth_getProof result.
pub fn account_proof(result: &Value) -> Result<AccountProof, ShapeError> {
    let r: EIP1186AccountProofResponse = serde_json::from_value(result.clone()).map_err(|e| {
        let addr = result.get("address").and_then(Value::as_str).unwrap_or("?");
        ShapeError::new(format!("eth_getProof result for {addr}"), e.to_string())
    })?;
    Ok(AccountProof {
        address: r.address,
        nonce: r.nonce,
        balance: r.balance,
        code_hash: r.code_hash,
        storage_root: r.storage_hash,
        proof: r.account_proof,
        storage: r
            .storage_proof
            .into_iter()
            .map(|s| StorageProof { key: s.key.as_b256(), value: s.value, proof: s.proof })
            .collect(),
    })
}
