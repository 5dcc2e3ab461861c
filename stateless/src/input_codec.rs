//! The stateless input as bytes, for the zkVM guest: RLP, the encoding every Ethereum part of it
//! already has. (serde formats that are not self-describing, bincode among them, cannot carry
//! alloy's headers: those skip absent fields when serialized.) The host encodes and the guest
//! decodes with this same code.

use alloc::vec::Vec;

use alloy_consensus::Header;
use alloy_eips::eip4895::Withdrawal;
use alloy_primitives::Bytes;
use alloy_rlp::{Decodable, Encodable};

use crate::{chain::Fork, input::StatelessInput};

/// Bumped whenever the layout changes, so a guest never reads another layout's input.
const LAYOUT: u8 = 1;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("stateless input bytes: {0}")]
/// Bytes that are not a stateless input of this layout.
pub struct InputDecodeError(pub alloc::string::String);

impl StatelessInput {
    /// An RLP list: layout, chain id, dev fork (0 = none, else 1 + the fork's index), zero-slot
    /// rule, header, ancestors, transactions, withdrawals present (0/1), withdrawals, nodes, codes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut payload = Vec::new();
        LAYOUT.encode(&mut payload);
        self.chain_id.encode(&mut payload);
        self.dev_fork.map_or(0u8, |f| f as u8 + 1).encode(&mut payload);
        u8::from(self.zero_slot_leaves).encode(&mut payload);
        self.header.encode(&mut payload);
        self.ancestors.encode(&mut payload);
        self.transactions.encode(&mut payload);
        u8::from(self.withdrawals.is_some()).encode(&mut payload);
        alloy_rlp::encode_list::<_, Withdrawal>(self.withdrawals.as_deref().unwrap_or_default(), &mut payload);
        self.nodes.encode(&mut payload);
        self.codes.encode(&mut payload);
        let mut out = Vec::with_capacity(payload.len() + 9);
        alloy_rlp::Header { list: true, payload_length: payload.len() }.encode(&mut out);
        out.extend_from_slice(&payload);
        out
    }

    /// Reads the layout of `to_bytes`, refusing anything else (another layout, trailing bytes).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, InputDecodeError> {
        let err = |what: &str, e: alloy_rlp::Error| InputDecodeError(alloc::format!("{what}: {e}"));
        let mut buf = bytes;
        let outer = alloy_rlp::Header::decode(&mut buf).map_err(|e| err("outer list", e))?;
        if !outer.list || outer.payload_length != buf.len() {
            return Err(InputDecodeError("not one RLP list spanning the input".into()));
        }
        let layout = u8::decode(&mut buf).map_err(|e| err("layout", e))?;
        if layout != LAYOUT {
            return Err(InputDecodeError(alloc::format!("layout {layout}, this code reads {LAYOUT}")));
        }
        let chain_id = u64::decode(&mut buf).map_err(|e| err("chain id", e))?;
        let dev_fork = match u8::decode(&mut buf).map_err(|e| err("dev fork", e))? {
            0 => None,
            n => Some(Fork::from_index(n - 1).ok_or_else(|| InputDecodeError(alloc::format!("dev fork {n}")))?),
        };
        let zero_slot_leaves = flag(u8::decode(&mut buf).map_err(|e| err("zero-slot rule", e))?)?;
        let header = Header::decode(&mut buf).map_err(|e| err("header", e))?;
        let ancestors = Vec::<Header>::decode(&mut buf).map_err(|e| err("ancestors", e))?;
        let transactions = Vec::<Bytes>::decode(&mut buf).map_err(|e| err("transactions", e))?;
        let has_withdrawals = flag(u8::decode(&mut buf).map_err(|e| err("withdrawals flag", e))?)?;
        let withdrawals = Vec::<Withdrawal>::decode(&mut buf).map_err(|e| err("withdrawals", e))?;
        if !has_withdrawals && !withdrawals.is_empty() {
            return Err(InputDecodeError("withdrawals given but marked absent".into()));
        }
        let nodes = Vec::<Bytes>::decode(&mut buf).map_err(|e| err("nodes", e))?;
        let codes = Vec::<Bytes>::decode(&mut buf).map_err(|e| err("codes", e))?;
        if !buf.is_empty() {
            return Err(InputDecodeError(alloc::format!("{} bytes after the last field", buf.len())));
        }
        Ok(Self {
            chain_id,
            dev_fork,
            zero_slot_leaves,
            header,
            ancestors,
            transactions,
            withdrawals: has_withdrawals.then_some(withdrawals),
            nodes,
            codes,
        })
    }
}

fn flag(byte: u8) -> Result<bool, InputDecodeError> {
    match byte {
        0 => Ok(false),
        1 => Ok(true),
        n => Err(InputDecodeError(alloc::format!("flag {n}"))),
    }
}
