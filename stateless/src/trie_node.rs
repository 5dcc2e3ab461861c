//! The RLP encoding of trie nodes (Yellow Paper, appendix D) and hex-prefix paths (appendix C).

use alloc::{boxed::Box, vec::Vec};

use alloy_primitives::{keccak256, B256};
use alloy_rlp::{Header, EMPTY_STRING_CODE};

use crate::{error::TrieError, trie::Node};

impl Node {
    /// The node's RLP encoding.
    pub fn rlp(&self) -> Vec<u8> {
        // Each payload sized up front: in the zkVM a vector that grows copies what it holds each time.
        let payload = match self {
            Node::Empty => return alloc::vec![EMPTY_STRING_CODE],
            Node::Hash(hash) => return alloy_rlp::encode(hash),
            Node::Leaf { path, value } => {
                let mut payload = Vec::with_capacity(path.len() / 2 + value.len() + 8);
                alloy_rlp::Encodable::encode(&compact(path, true)[..], &mut payload);
                alloy_rlp::Encodable::encode(&value[..], &mut payload);
                payload
            }
            Node::Extension { path, child } => {
                let mut payload = Vec::with_capacity(path.len() / 2 + 4 + 33);
                alloy_rlp::Encodable::encode(&compact(path, false)[..], &mut payload);
                child.reference(&mut payload);
                payload
            }
            Node::Branch { children } => {
                let mut payload = Vec::with_capacity(16 * 33 + 1);
                for child in children.iter() {
                    child.reference(&mut payload);
                }
                payload.push(EMPTY_STRING_CODE);
                payload
            }
        };
        let mut out = Vec::with_capacity(payload.len() + 4);
        Header { list: true, payload_length: payload.len() }.encode(&mut out);
        out.extend_from_slice(&payload);
        out
    }

    /// How a parent refers to this node: inline if its RLP is shorter than 32 bytes, else by hash.
    fn reference(&self, out: &mut Vec<u8>) {
        match self {
            Node::Empty => out.push(EMPTY_STRING_CODE),
            Node::Hash(hash) => alloy_rlp::Encodable::encode(hash, out),
            node => {
                let rlp = node.rlp();
                if rlp.len() < 32 {
                    out.extend_from_slice(&rlp);
                } else {
                    alloy_rlp::Encodable::encode(&keccak256(&rlp), out);
                }
            }
        }
    }
}

/// Hex-prefix encoding of a path (Yellow Paper, appendix C).
fn compact(path: &[u8], leaf: bool) -> Vec<u8> {
    let flag = if leaf { 2 } else { 0 } + (path.len() % 2) as u8;
    let mut out = Vec::with_capacity(path.len() / 2 + 1);
    let rest = if path.len() % 2 == 1 {
        out.push(flag << 4 | path[0]);
        &path[1..]
    } else {
        out.push(flag << 4);
        path
    };
    out.extend(rest.chunks(2).map(|pair| pair[0] << 4 | pair[1]));
    out
}

fn decode_compact(bytes: &[u8]) -> Result<(Vec<u8>, bool), TrieError> {
    let (first, rest) = bytes.split_first().ok_or(TrieError::Malformed("empty path"))?;
    let flag = first >> 4;
    if flag > 3 {
        return Err(TrieError::Malformed("bad path flag"));
    }
    let mut path = Vec::with_capacity(rest.len() * 2 + 1);
    if flag & 1 == 1 {
        path.push(first & 0x0f);
    } else if first & 0x0f != 0 {
        return Err(TrieError::Malformed("bad path padding"));
    }
    path.extend(rest.iter().flat_map(|b| [b >> 4, b & 0x0f]));
    Ok((path, flag & 2 == 2))
}

/// Splits an RLP list payload into its items' raw encodings, at most 17 (a branch), into a
/// fixed array: no allocation for the node decoded most often. Returns how many there are.
fn list_items<'a>(mut payload: &'a [u8], items: &mut [&'a [u8]; 17]) -> Result<usize, TrieError> {
    let mut count = 0;
    while !payload.is_empty() {
        let mut rest = payload;
        let header = Header::decode(&mut rest).map_err(|_| TrieError::Malformed("bad RLP item"))?;
        let header_len = payload.len() - rest.len();
        let total = header_len + header.payload_length;
        if total > payload.len() {
            return Err(TrieError::Malformed("RLP item overruns its list"));
        }
        let slot = items.get_mut(count).ok_or(TrieError::Malformed("a node has 2 or 17 items"))?;
        *slot = &payload[..total];
        count += 1;
        payload = &payload[total..];
    }
    Ok(count)
}

fn decode_string(item: &[u8]) -> Result<&[u8], TrieError> {
    let mut rest = item;
    let header = Header::decode(&mut rest).map_err(|_| TrieError::Malformed("bad RLP string"))?;
    if header.list {
        return Err(TrieError::Malformed("expected a string, found a list"));
    }
    Ok(&rest[..header.payload_length])
}

/// A child reference: empty, a 32-byte hash, or an inline node (an RLP list under 32 bytes).
fn decode_reference(item: &[u8]) -> Result<Node, TrieError> {
    if item.first().is_some_and(|b| *b >= 0xc0) {
        return decode_node(item);
    }
    match decode_string(item)? {
        [] => Ok(Node::Empty),
        hash if hash.len() == 32 => Ok(Node::Hash(B256::from_slice(hash))),
        _ => Err(TrieError::Malformed("child reference is neither a hash nor a node")),
    }
}

/// Decodes one RLP trie node (leaf, extension, branch, or a child known by hash).
pub fn decode_node(encoded: &[u8]) -> Result<Node, TrieError> {
    let mut rest = encoded;
    let header = Header::decode(&mut rest).map_err(|_| TrieError::Malformed("bad RLP node"))?;
    if !header.list || rest.len() != header.payload_length {
        return Err(TrieError::Malformed("a node is an RLP list"));
    }
    let mut items: [&[u8]; 17] = [&[]; 17];
    match list_items(rest, &mut items)? {
        2 => {
            let (path, leaf) = decode_compact(decode_string(items[0])?)?;
            if leaf {
                Ok(Node::Leaf { path, value: decode_string(items[1])?.to_vec() })
            } else if path.is_empty() {
                Err(TrieError::Malformed("extension with an empty path"))
            } else {
                Ok(Node::Extension { path, child: Box::new(decode_reference(items[1])?) })
            }
        }
        17 => {
            if !decode_string(items[16])?.is_empty() {
                return Err(TrieError::Malformed("branch with a value in a secure trie"));
            }
            // Each child is decoded straight into the heap, not into an array on the stack that
            // is then copied there whole.
            let mut children = Vec::with_capacity(16);
            for item in &items[..16] {
                // Most children are a hash or empty: read them without the general decoder.
                children.push(match *item {
                    [0xa0, hash @ ..] if hash.len() == 32 => Node::Hash(B256::from_slice(hash)),
                    [EMPTY_STRING_CODE] => Node::Empty,
                    item => decode_reference(item)?,
                });
            }
            let children: Box<[Node; 16]> =
                children.into_boxed_slice().try_into().map_err(|_| TrieError::Malformed("a branch has 16 children"))?;
            Ok(Node::Branch { children })
        }
        _ => Err(TrieError::Malformed("a node has 2 or 17 items")),
    }
}
