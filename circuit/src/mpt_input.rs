//! Turns a witness's Merkle proof (as eth_getProof returns it) into axiom-eth's `MPTInput`: the
//! terminal node always separate, the value the circuit will decode, and whether the key is absent.

use alloy_primitives::{Bytes, B256};
use alloy_rlp::{Decodable, Header};
use axiom_eth::mpt::{MPTInput, PathBytes};

/// RLP of the account value the circuit decodes for an absent account (axiom-eth's convention:
/// nonce 0, balance 0, the empty storage root, code hash 0).
pub const EMPTY_ACCOUNT_RLP: [u8; 70] = {
    let mut rlp = [0u8; 70];
    let head = [0xf8, 0x44, 0x80, 0x80, 0xa0];
    let root = alloy_trie::EMPTY_ROOT_HASH.0;
    let mut i = 0;
    while i < 5 {
        rlp[i] = head[i];
        i += 1;
    }
    while i < 37 {
        rlp[i] = root[i - 5];
        i += 1;
    }
    rlp[37] = 0xa0;
    rlp
};

/// RLP of an absent storage value (zero).
pub const EMPTY_SLOT_RLP: [u8; 1] = [0x80];

#[derive(Debug, thiserror::Error)]
#[error("malformed proof node {index}: {reason}")]
/// A proof node the MPT chip cannot take.
pub struct ProofShapeError {
    /// The node's index in the proof.
    pub index: usize,
    /// What is wrong.
    pub reason: String,
}

/// Fixed shape limits of one kind of proof.
#[derive(Clone, Copy, Debug)]
pub struct ProofShape {
    /// The most nodes a proof may have.
    pub max_depth: usize,
    /// The largest value (RLP) it may prove.
    pub value_max_bytes: usize,
}

/// `path` is keccak(key); `empty_value` is what the circuit decodes when the key is absent.
pub fn mpt_input(
    root: B256,
    path: B256,
    proof: &[Bytes],
    shape: ProofShape,
    empty_value: &[u8],
) -> Result<MPTInput, ProofShapeError> {
    // Empty entries (geth) and a lone empty-string node (an empty trie) carry nothing.
    let mut nodes: Vec<Vec<u8>> =
        proof.iter().filter(|n| !n.is_empty() && n.as_ref() != [0x80]).map(|n| n.to_vec()).collect();
    let key: Vec<u8> = nibbles(path.as_slice());
    let mut depth_in_key = 0;
    let mut value = None;
    let last = nodes.len().saturating_sub(1);
    for index in 0..nodes.len() {
        let err = |reason: String| ProofShapeError { index, reason };
        let items = list_items(&nodes[index]).map_err(err)?;
        match items.len() {
            17 => {
                let nibble = *key.get(depth_in_key).ok_or_else(|| err("path longer than the key".into()))?;
                depth_in_key += 1;
                let child = items[nibble as usize].clone();
                // An inclusion proof can end in a branch that embeds a short leaf: the circuit
                // wants that leaf as a node of its own.
                if index == last && child.first().is_some_and(|b| *b >= 0xc0) {
                    let leaf = list_items(&child).map_err(err)?;
                    let (fragment, _) = compact_path(&leaf[0]).map_err(err)?;
                    if key[depth_in_key..] == fragment[..] {
                        value = Some(string_payload(&leaf[1]).map_err(err)?);
                    }
                    nodes.push(child);
                }
            }
            2 => {
                let (fragment, is_leaf) = compact_path(&items[0]).map_err(err)?;
                if is_leaf && key.get(depth_in_key..) == Some(&fragment[..]) {
                    value = Some(string_payload(&items[1]).map_err(err)?);
                }
                depth_in_key += fragment.len();
            }
            n => return Err(err(format!("a trie node has 2 or 17 items, this one {n}"))),
        }
    }
    let slot_is_empty = value.is_none();
    Ok(MPTInput {
        path: PathBytes(path.0.to_vec()),
        value: value.unwrap_or_else(|| empty_value.to_vec()),
        root_hash: ethers_core::types::H256(root.0),
        proof: nodes,
        slot_is_empty,
        value_max_byte_len: shape.value_max_bytes,
        max_depth: shape.max_depth,
        max_key_byte_len: 32,
        key_byte_len: None,
    })
}

fn nibbles(bytes: &[u8]) -> Vec<u8> {
    bytes.iter().flat_map(|b| [b >> 4, b & 0xf]).collect()
}

/// The raw RLP items of a list node.
fn list_items(node: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let mut buf = node;
    let header = Header::decode(&mut buf).map_err(|e| e.to_string())?;
    if !header.list || buf.len() < header.payload_length {
        return Err("not an RLP list".into());
    }
    let mut payload = &buf[..header.payload_length];
    let mut items = Vec::new();
    while !payload.is_empty() {
        let start = payload;
        let item = Header::decode(&mut payload).map_err(|e| e.to_string())?;
        let used = start.len() - payload.len() + item.payload_length;
        if used > start.len() {
            return Err("item runs past the node".into());
        }
        items.push(start[..used].to_vec());
        payload = &start[used..];
    }
    Ok(items)
}

fn string_payload(item: &[u8]) -> Result<Vec<u8>, String> {
    Bytes::decode(&mut &item[..]).map(|b| b.to_vec()).map_err(|e| e.to_string())
}

/// Hex-prefix decoding: the key nibbles of a leaf or extension, and whether it is a leaf.
fn compact_path(item: &[u8]) -> Result<(Vec<u8>, bool), String> {
    let bytes = string_payload(item)?;
    let first = *bytes.first().ok_or("empty path")?;
    let flag = first >> 4;
    let mut out = Vec::new();
    if flag & 1 == 1 {
        out.push(first & 0xf);
    }
    out.extend(nibbles(&bytes[1..]));
    Ok((out, flag >= 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_account_rlp_decodes_to_the_empty_account() {
        let mut buf = &EMPTY_ACCOUNT_RLP[..];
        let header = Header::decode(&mut buf).unwrap();
        assert!(header.list && header.payload_length == 68 && buf.len() == 68);
        assert_eq!(&EMPTY_ACCOUNT_RLP[5..37], alloy_trie::EMPTY_ROOT_HASH.as_slice());
        assert_eq!(&EMPTY_ACCOUNT_RLP[38..], &[0u8; 32]);
    }
}
