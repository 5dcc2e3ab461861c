//! A sparse Merkle-Patricia trie: the part of a state or storage trie that a block touches, with
//! every subtree it does not touch kept as its hash. Nodes are resolved on demand from a
//! [`NodePool`] keyed by their keccak hash, so a node can only ever stand for itself: whatever the
//! pool holds, a resolved trie hashes to the root it was opened at.

use alloc::{boxed::Box, vec::Vec};

use alloy_primitives::{keccak256, map::B256Map, Bytes, B256};
use alloy_trie::EMPTY_ROOT_HASH;

use crate::error::TrieError;
pub use crate::trie_node::decode_node;

/// Trie nodes by keccak(rlp(node)): the witness's proofs, pooled. A hash map, not a B-tree: in
/// the zkVM, filling a B-tree with a mainnet block's nodes cost about a tenth of the block's
/// instructions, and the keys, keccak hashes, need no ordering.
#[derive(Clone, Debug, Default)]
pub struct NodePool {
    nodes: B256Map<Bytes>,
    /// Nodes that were not in the pool but were derived from one that is (see `derive_shortened`).
    derived: Vec<Bytes>,
}

impl NodePool {
    /// The pool of `nodes` (empty `0x` entries, which geth puts in some proofs, are left out).
    pub fn new<'a>(nodes: impl IntoIterator<Item = &'a Bytes>) -> Self {
        let nodes = nodes.into_iter();
        let mut pool = Self::default();
        pool.nodes.reserve(nodes.size_hint().0);
        for node in nodes {
            pool.insert(node.clone());
        }
        pool
    }

    /// Adds a node, found from now on by its keccak hash.
    pub fn insert(&mut self, node: Bytes) {
        // geth puts empty `0x` entries in some proofs; they are never trie nodes.
        if !node.is_empty() {
            self.nodes.insert(keccak256(&node), node);
        }
    }

    /// How many nodes the pool holds (derived ones aside).
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the pool holds no node.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Nodes that had to be derived (see `derive_shortened`); a host adds them to the guest's input
    /// so that the guest finds them directly.
    pub fn derived(&self) -> &[Bytes] {
        &self.derived
    }

    fn get(&self, hash: &B256) -> Option<&Bytes> {
        self.nodes.get(hash)
    }

    /// When a deletion leaves a branch with one child, that child moves up and its path grows by a
    /// nibble, so its node is needed, though no pre-state proof walks through it. The post-state
    /// proof of the deleted key ends at the moved node, whose path is the old one plus a prefix:
    /// the old node is that node with its path shortened. Trying every shorter path and keeping
    /// only a node whose hash is the one asked for keeps this sound.
    fn derive_shortened(&mut self, hash: &B256) -> Option<Bytes> {
        let mut found = None;
        'search: for encoded in self.nodes.values() {
            let Ok(node) = decode_node(encoded) else { continue };
            let (path, is_leaf) = match &node {
                Node::Leaf { path, .. } => (path.clone(), true),
                Node::Extension { path, .. } => (path.clone(), false),
                _ => continue,
            };
            let min = if is_leaf { 0 } else { 1 };
            for cut in 1..=path.len().saturating_sub(min) {
                let shortened = match &node {
                    Node::Leaf { value, .. } => Node::Leaf { path: path[cut..].to_vec(), value: value.clone() },
                    Node::Extension { child, .. } => {
                        Node::Extension { path: path[cut..].to_vec(), child: child.clone() }
                    }
                    _ => unreachable!(),
                };
                let rlp = shortened.rlp();
                if keccak256(&rlp) == *hash {
                    found = Some(Bytes::from(rlp));
                    break 'search;
                }
            }
        }
        let node = found?;
        self.derived.push(node.clone());
        self.nodes.insert(*hash, node.clone());
        Some(node)
    }
}

/// A node of the trie; paths are nibbles (0..16).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    /// The empty trie.
    Empty,
    /// The rest of a key's path, and its value.
    Leaf {
        /// The remaining nibbles.
        path: Vec<u8>,
        /// The value's RLP.
        value: Vec<u8>,
    },
    /// A shared path and the node below it.
    Extension {
        /// The shared nibbles.
        path: Vec<u8>,
        /// The node below.
        child: Box<Node>,
    },
    /// One child per nibble (branches with a value do not occur in Ethereum's key-hashed tries).
    Branch {
        /// The children, by nibble.
        children: Box<[Node; 16]>,
    },
    /// A subtree known only by its hash.
    Hash(B256),
}

/// A trie opened at a root.
#[derive(Clone, Debug)]
pub struct SparseTrie {
    root: Node,
}

impl SparseTrie {
    /// The trie whose root has hash `root` (the empty root, or zero as some nodes report a missing account's storage root, is the empty trie).
    pub fn new(root: B256) -> Self {
        // Some nodes report a missing account's storage root as zero; the trie means the empty root.
        let root = if root == EMPTY_ROOT_HASH || root.is_zero() { Node::Empty } else { Node::Hash(root) };
        Self { root }
    }

    /// The value at `key` (None: absent, proven so by the nodes); an error when a node on the way is not in `pool`.
    pub fn get(&mut self, key: &B256, pool: &mut NodePool) -> Result<Option<Vec<u8>>, TrieError> {
        get(&mut self.root, &unpack(key), pool)
    }

    /// Sets the value at `key`, resolving the nodes on the way from `pool`.
    pub fn insert(&mut self, key: &B256, value: Vec<u8>, pool: &mut NodePool) -> Result<(), TrieError> {
        insert(&mut self.root, &unpack(key), value, pool)
    }

    /// Removes `key` (absent is fine); a branch left with one child collapses, which may need the sibling's node.
    pub fn remove(&mut self, key: &B256, pool: &mut NodePool) -> Result<(), TrieError> {
        remove(&mut self.root, &unpack(key), pool).map(|_| ())
    }

    /// The encodings of every node known in full (not only by hash) that a parent refers to by
    /// hash, the root included: with them, the trie can be opened again at its new root.
    pub fn resolved_nodes(&self) -> Vec<Bytes> {
        let mut out = Vec::new();
        collect_nodes(&self.root, true, &mut out);
        out
    }

    /// The root hash of the trie as it is now.
    pub fn root(&self) -> B256 {
        match &self.root {
            Node::Empty => EMPTY_ROOT_HASH,
            Node::Hash(hash) => *hash,
            node => keccak256(node.rlp()),
        }
    }
}

fn collect_nodes(node: &Node, is_root: bool, out: &mut Vec<Bytes>) {
    match node {
        Node::Empty | Node::Hash(_) => return,
        Node::Extension { child, .. } => collect_nodes(child, false, out),
        Node::Branch { children } => children.iter().for_each(|c| collect_nodes(c, false, out)),
        Node::Leaf { .. } => {}
    }
    let rlp = node.rlp();
    if is_root || rlp.len() >= 32 {
        out.push(Bytes::from(rlp));
    }
}

fn unpack(key: &B256) -> Vec<u8> {
    key.iter().flat_map(|b| [b >> 4, b & 0x0f]).collect()
}

fn resolve(node: &mut Node, pool: &mut NodePool) -> Result<(), TrieError> {
    if let Node::Hash(hash) = node {
        let encoded = match pool.get(hash) {
            Some(encoded) => encoded.clone(),
            None => pool.derive_shortened(hash).ok_or(TrieError::MissingNode(*hash))?,
        };
        *node = decode_node(&encoded)?;
    }
    Ok(())
}

fn get(node: &mut Node, path: &[u8], pool: &mut NodePool) -> Result<Option<Vec<u8>>, TrieError> {
    resolve(node, pool)?;
    match node {
        Node::Empty => Ok(None),
        Node::Leaf { path: leaf, value } => Ok((leaf.as_slice() == path).then(|| value.clone())),
        Node::Extension { path: prefix, child } => match path.strip_prefix(prefix.as_slice()) {
            Some(rest) => get(child, rest, pool),
            None => Ok(None),
        },
        Node::Branch { children } => match path.split_first() {
            Some((i, rest)) => get(&mut children[*i as usize], rest, pool),
            None => Err(TrieError::Malformed("key ends at a branch")),
        },
        Node::Hash(_) => unreachable!("resolved above"),
    }
}

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// A node at `path[..]` below a new branch: a leaf or extension keeps the rest of its path, a
/// branch needs an extension for it.
fn with_path(path: &[u8], node: Node) -> Node {
    if path.is_empty() {
        return node;
    }
    match node {
        Node::Leaf { path: rest, value } => Node::Leaf { path: [path, &rest].concat(), value },
        Node::Extension { path: rest, child } => Node::Extension { path: [path, &rest].concat(), child },
        other => Node::Extension { path: path.to_vec(), child: Box::new(other) },
    }
}

pub(crate) fn empty_children() -> Box<[Node; 16]> {
    Box::new(core::array::from_fn(|_| Node::Empty))
}

fn insert(node: &mut Node, path: &[u8], value: Vec<u8>, pool: &mut NodePool) -> Result<(), TrieError> {
    resolve(node, pool)?;
    match node {
        Node::Empty => *node = Node::Leaf { path: path.to_vec(), value },
        Node::Branch { children } => {
            let (i, rest) = path.split_first().ok_or(TrieError::Malformed("key ends at a branch"))?;
            insert(&mut children[*i as usize], rest, value, pool)?;
        }
        Node::Leaf { path: leaf, value: old } if leaf.as_slice() == path => *old = value,
        Node::Leaf { .. } | Node::Extension { .. } => {
            let old = core::mem::replace(node, Node::Empty);
            let (old_path, is_ext) = match &old {
                Node::Leaf { path, .. } => (path.clone(), false),
                Node::Extension { path, .. } => (path.clone(), true),
                _ => unreachable!(),
            };
            let shared = common_prefix(&old_path, path);
            if is_ext && shared == old_path.len() {
                let Node::Extension { mut child, .. } = old else { unreachable!() };
                insert(&mut child, &path[shared..], value, pool)?;
                *node = with_path(&old_path, *child);
                return Ok(());
            }
            if shared == path.len() || shared == old_path.len() {
                return Err(TrieError::Malformed("keys of different lengths"));
            }
            let mut children = empty_children();
            let old_rest = match old {
                Node::Leaf { value, .. } => Node::Leaf { path: old_path[shared + 1..].to_vec(), value },
                Node::Extension { child, .. } => with_path(&old_path[shared + 1..], *child),
                _ => unreachable!(),
            };
            children[old_path[shared] as usize] = old_rest;
            children[path[shared] as usize] = Node::Leaf { path: path[shared + 1..].to_vec(), value };
            *node = with_path(&path[..shared], Node::Branch { children });
        }
        Node::Hash(_) => unreachable!("resolved above"),
    }
    Ok(())
}

/// Removes `path`; returns whether it was there.
fn remove(node: &mut Node, path: &[u8], pool: &mut NodePool) -> Result<bool, TrieError> {
    resolve(node, pool)?;
    match node {
        Node::Empty => Ok(false),
        Node::Leaf { path: leaf, .. } => {
            if leaf.as_slice() != path {
                return Ok(false);
            }
            *node = Node::Empty;
            Ok(true)
        }
        Node::Extension { path: prefix, child } => {
            let Some(rest) = path.strip_prefix(prefix.as_slice()) else { return Ok(false) };
            if !remove(child, rest, pool)? {
                return Ok(false);
            }
            let prefix = core::mem::take(prefix);
            let child = core::mem::replace(child.as_mut(), Node::Empty);
            *node = with_path(&prefix, child);
            Ok(true)
        }
        Node::Branch { children } => {
            let (i, rest) = path.split_first().ok_or(TrieError::Malformed("key ends at a branch"))?;
            if !remove(&mut children[*i as usize], rest, pool)? {
                return Ok(false);
            }
            let mut left = children.iter().enumerate().filter(|(_, c)| **c != Node::Empty);
            let (only, second) = (left.next().map(|(j, _)| j), left.next());
            if let (Some(j), None) = (only, second) {
                // One child left: the branch goes and the child moves up, so its kind is needed.
                resolve(&mut children[j], pool)?;
                let child = core::mem::replace(&mut children[j], Node::Empty);
                *node = with_path(&[j as u8], child);
            }
            Ok(true)
        }
        Node::Hash(_) => unreachable!("resolved above"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::collections::BTreeMap;
    use alloy_trie::{HashBuilder, Nibbles};

    fn reference_root(entries: &BTreeMap<B256, Vec<u8>>) -> B256 {
        let mut hb = HashBuilder::default();
        for (key, value) in entries {
            hb.add_leaf(Nibbles::unpack(key), value);
        }
        hb.root()
    }

    fn key(i: u64) -> B256 {
        keccak256(i.to_be_bytes())
    }

    /// A trie of `n` keys made by inserts, its pool and its entries. Every `short`-th value is one
    /// byte (its leaf is inlined in its parent), the others 40 bytes (leaves referred to by hash).
    fn built(n: u64, short: u64) -> (SparseTrie, NodePool, BTreeMap<B256, Vec<u8>>) {
        let (mut trie, mut pool, mut entries) =
            (SparseTrie::new(EMPTY_ROOT_HASH), NodePool::default(), BTreeMap::new());
        for i in 0..n {
            let value = if i % short == 0 { alloc::vec![(i % 200) as u8 + 1] } else { alloc::vec![7u8; 40] };
            trie.insert(&key(i), value.clone(), &mut pool).unwrap();
            entries.insert(key(i), value);
        }
        (trie, pool, entries)
    }

    #[test]
    fn inserts_and_removes_match_a_fresh_build() {
        let (mut trie, mut pool, mut entries) = built(300, 3);
        assert_eq!(trie.root(), reference_root(&entries));
        for i in (0..300u64).filter(|i| i % 4 != 1) {
            trie.remove(&key(i), &mut pool).unwrap();
            entries.remove(&key(i));
            assert_eq!(trie.root(), reference_root(&entries), "after removing {i}");
        }
        for i in 0..300u64 {
            assert_eq!(trie.get(&key(i), &mut pool).unwrap(), entries.get(&key(i)).cloned());
        }
    }

    #[test]
    fn a_trie_opened_again_from_its_nodes_reads_and_changes_the_same() {
        let (original, _, mut entries) = built(200, 2);
        let mut pool = NodePool::new(&original.resolved_nodes());
        let mut trie = SparseTrie::new(original.root());
        for i in 0..210u64 {
            assert_eq!(trie.get(&key(i), &mut pool).unwrap(), entries.get(&key(i)).cloned(), "key {i}");
        }
        trie.insert(&key(500), alloc::vec![1u8; 40], &mut pool).unwrap();
        entries.insert(key(500), alloc::vec![1u8; 40]);
        trie.remove(&key(3), &mut pool).unwrap();
        entries.remove(&key(3));
        assert_eq!(trie.root(), reference_root(&entries));
    }

    #[test]
    fn a_list_of_other_than_2_or_17_items_is_not_a_node() {
        for items in [0usize, 1, 3, 16, 18, 40] {
            let list = alloy_rlp::encode(alloc::vec![Bytes::new(); items]);
            assert!(matches!(decode_node(&list), Err(TrieError::Malformed(_))), "{items} items");
        }
        let branch = alloy_rlp::encode(alloc::vec![Bytes::new(); 17]);
        assert!(matches!(decode_node(&branch), Ok(Node::Branch { .. })));
    }

    #[test]
    fn encoding_round_trips() {
        let mut pool = NodePool::default();
        let mut trie = SparseTrie::new(EMPTY_ROOT_HASH);
        for i in 0..50u64 {
            trie.insert(&key(i), alloc::vec![1u8; 33], &mut pool).unwrap();
        }
        let rlp = trie.root.rlp();
        assert_eq!(decode_node(&rlp).unwrap().rlp(), rlp);
    }
}
