//! Account and slot proofs cut from a bag of trie nodes, shaped as `eth_getProof` answers: the
//! nodes on the path from a root to a key. A node's `debug_executionWitness` is such a bag (every
//! node the block reads or needs to rehash), and so are the tries a re-execution leaves behind; a
//! witness built from them is checked exactly as one captured proof by proof.

use std::collections::{BTreeMap, BTreeSet};

use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use alloy_trie::{Nibbles, TrieAccount, EMPTY_ROOT_HASH};
use stateless::trie::{decode_node, Node};

use crate::types::{AccountProof, StorageProof};

/// Trie nodes by keccak(rlp(node)).
#[derive(Clone, Debug, Default)]
pub struct NodeBag {
    nodes: BTreeMap<B256, Bytes>,
}

/// A key whose path leaves the bag, or a node that is not a trie node.
#[derive(Debug, thiserror::Error)]
#[error("{what}: {reason}")]
pub struct ProofGap {
    /// What was asked for (an account, a slot).
    pub what: String,
    /// Why no proof of it can be cut from the nodes.
    pub reason: String,
}

impl NodeBag {
    /// A bag of the nodes (empty `0x` entries left out), found by their hash.
    pub fn new(nodes: impl IntoIterator<Item = Bytes>) -> Self {
        let mut bag = Self::default();
        bag.extend(nodes);
        bag
    }

    /// Adds nodes.
    pub fn extend(&mut self, nodes: impl IntoIterator<Item = Bytes>) {
        self.nodes.extend(nodes.into_iter().filter(|n| !n.is_empty()).map(|n| (keccak256(&n), n)));
    }

    /// Every node in the bag.
    pub fn nodes(&self) -> impl Iterator<Item = &Bytes> {
        self.nodes.values()
    }

    /// How many nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the bag is empty.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The nodes from `root` down the path of `hashed_key`, and the leaf's value (`None`: the key
    /// is absent, and the nodes prove it). Inline children are part of their parent's encoding,
    /// so, as in a node's proofs, only nodes referred to by hash are listed.
    pub fn prove(&self, root: B256, hashed_key: B256) -> Result<(Vec<Bytes>, Option<Vec<u8>>), String> {
        let mut proof = Vec::new();
        if root == EMPTY_ROOT_HASH || root.is_zero() {
            return Ok((proof, None));
        }
        let path = Nibbles::unpack(hashed_key).to_vec();
        let mut depth = 0;
        let mut next = Node::Hash(root);
        loop {
            let node = match next {
                Node::Hash(hash) => {
                    let encoded = self.nodes.get(&hash).ok_or_else(|| format!("no trie node {hash}"))?;
                    proof.push(encoded.clone());
                    decode_node(encoded).map_err(|e| format!("node {hash}: {e}"))?
                }
                inline => inline,
            };
            match node {
                Node::Empty | Node::Hash(_) => return Ok((proof, None)),
                Node::Leaf { path: rest, value } => {
                    return Ok((proof, (path[depth..] == rest[..]).then_some(value)));
                }
                Node::Extension { path: part, child } => {
                    if !path[depth..].starts_with(&part) {
                        return Ok((proof, None));
                    }
                    depth += part.len();
                    next = *child;
                }
                Node::Branch { children } => {
                    let Some(nibble) = path.get(depth) else { return Err("the path outruns the key".into()) };
                    next = children[*nibble as usize].clone();
                    depth += 1;
                }
            }
        }
    }

    /// The path (nibbles) from `root` at which the bag refers to the node `target`, walking only
    /// the nodes it holds: where a node that none of them contains sits in the trie.
    pub fn path_of(&self, root: B256, target: B256) -> Option<Vec<u8>> {
        let mut stack = vec![(Node::Hash(root), Vec::new())];
        while let Some((node, path)) = stack.pop() {
            let node = match node {
                Node::Hash(hash) if hash == target => return Some(path),
                Node::Hash(hash) => match self.nodes.get(&hash).map(|n| decode_node(n)) {
                    Some(Ok(node)) => node,
                    _ => continue,
                },
                inline => inline,
            };
            match node {
                Node::Extension { path: part, child } => stack.push((*child, [path, part].concat())),
                Node::Branch { children } => {
                    let children: [Node; 16] = *children;
                    for (nibble, child) in children.into_iter().enumerate() {
                        if child != Node::Empty {
                            stack.push((child, [path.as_slice(), &[nibble as u8]].concat()));
                        }
                    }
                }
                Node::Empty | Node::Leaf { .. } | Node::Hash(_) => {}
            }
        }
        None
    }

    /// `address` and `slots` at `state_root`, as `eth_getProof` would answer (an absent account
    /// gets the empty account's hashes and an exclusion proof).
    pub fn account(
        &self,
        state_root: B256,
        address: Address,
        slots: &BTreeSet<B256>,
    ) -> Result<AccountProof, ProofGap> {
        let gap = |reason: String| ProofGap { what: format!("account {address}"), reason };
        let (proof, leaf) = self.prove(state_root, keccak256(address)).map_err(gap)?;
        let account = match leaf {
            Some(rlp) => alloy_rlp::Decodable::decode(&mut rlp.as_slice())
                .map_err(|e| gap(format!("the leaf is not an account: {e}")))?,
            None => TrieAccount::default(),
        };
        let storage = slots
            .iter()
            .map(|slot| {
                let gap = |reason| ProofGap { what: format!("account {address} slot {slot}"), reason };
                let (proof, leaf) = self.prove(account.storage_root, keccak256(slot)).map_err(gap)?;
                let value = match leaf {
                    Some(rlp) => alloy_rlp::Decodable::decode(&mut rlp.as_slice())
                        .map_err(|e| gap(format!("the leaf is not an RLP integer: {e}")))?,
                    None => U256::ZERO,
                };
                Ok(StorageProof { key: *slot, value, proof })
            })
            .collect::<Result<_, ProofGap>>()?;
        Ok(AccountProof {
            address,
            nonce: account.nonce,
            balance: account.balance,
            code_hash: account.code_hash,
            storage_root: account.storage_root,
            proof,
            storage,
        })
    }
}

#[cfg(test)]
mod tests {
    use alloy_trie::proof::verify_proof;
    use stateless::trie::{NodePool, SparseTrie};

    use super::*;

    /// A trie of `count` keys (values long enough that most nodes are referred to by hash, with
    /// short ones among them that are inlined), its root and its nodes.
    fn trie(count: u64) -> (B256, Vec<Bytes>) {
        let (mut trie, mut pool) = (SparseTrie::new(EMPTY_ROOT_HASH), NodePool::default());
        for i in 0..count {
            let value = if i % 3 == 0 { vec![1] } else { vec![i as u8; 40] };
            trie.insert(&keccak256(B256::from(U256::from(i))), alloy_rlp::encode(&value[..]), &mut pool).unwrap();
        }
        (trie.root(), trie.resolved_nodes())
    }

    #[test]
    fn proofs_cut_from_the_bag_verify_as_a_nodes_would() {
        let (root, nodes) = trie(200);
        let bag = NodeBag::new(nodes);
        for i in 0..260u64 {
            let key = keccak256(B256::from(U256::from(i)));
            let (proof, value) = bag.prove(root, key).unwrap();
            assert_eq!(value.is_some(), i < 200, "key {i}");
            verify_proof(root, Nibbles::unpack(key), value, &proof).unwrap_or_else(|e| panic!("key {i}: {e}"));
        }
        assert_eq!(bag.prove(EMPTY_ROOT_HASH, B256::ZERO).unwrap(), (vec![], None), "an empty trie proves nothing");
    }

    #[test]
    fn a_path_that_leaves_the_bag_is_named() {
        let (root, nodes) = trie(50);
        let without_root = NodeBag::new(nodes.into_iter().filter(|n| keccak256(n) != root));
        let gap = without_root.account(root, Address::with_last_byte(1), &BTreeSet::new()).unwrap_err();
        assert!(gap.to_string().contains(&format!("no trie node {root}")), "{gap}");
    }

    #[test]
    fn a_node_missing_from_the_bag_is_found_by_its_path() {
        let (root, nodes) = trie(200);
        let bag = NodeBag::new(nodes.iter().cloned());
        // Every hashed node sits where a key's proof walks through it: its path is a prefix of
        // that key, and a proof of any key under that path holds it.
        for i in [0u64, 7, 150] {
            let key = keccak256(B256::from(U256::from(i)));
            let (proof, _) = bag.prove(root, key).unwrap();
            let target = keccak256(proof.last().unwrap());
            let without = NodeBag::new(nodes.iter().filter(|n| keccak256(n) != target).cloned());
            let path = without.path_of(root, target).unwrap();
            assert!(Nibbles::unpack(key).to_vec().starts_with(&path), "key {i}");
        }
        assert_eq!(bag.path_of(root, B256::repeat_byte(7)), None, "a node the trie does not refer to");
    }

    #[test]
    fn an_absent_account_is_the_empty_account() {
        let (root, nodes) = trie(10);
        let bag = NodeBag::new(nodes);
        // The trie holds slot values, not accounts: a key that is absent reads as the empty account.
        let account = bag.account(root, Address::with_last_byte(0xee), &BTreeSet::from([B256::ZERO])).unwrap();
        assert!(account.is_empty_account());
        assert_eq!(account.storage[0].value, U256::ZERO);
        assert!(account.storage[0].proof.is_empty(), "the empty storage trie needs no node");
    }
}
