//! The trie nodes a deletion needs that no proof holds. When a deletion leaves a branch with one
//! child, the child moves up, so the re-execution must know what kind of node it is. The stateless
//! check derives a moved leaf or extension from the deleted key's post-state proof; a moved branch
//! it cannot, as that proof stops above it (the trie has only the branch's hash). Such a node is in
//! the proof of any key under its path, so capture finds a key whose hash starts with that path and
//! asks the node for its proof, as for the keys the trace names. `debug_executionWitness` needs
//! none of this: the node puts in every node its own hashing read.

use std::sync::atomic::{AtomicBool, Ordering};

use alloy_primitives::{keccak256, Address, B256};
use stateless::{StatelessError, TrieError};

use super::{touched::Touched, CaptureError};
use crate::{error::WitnessError, node_proofs::NodeBag, types::WitnessFile};

/// Finding a key under a path of n nibbles takes about 16^n hashes: 7 is some 268 million, a
/// minute on two cores. Deletions in the state trie and in storage tries of up to a few million
/// slots stay within it.
const MAX_PATH_NIBBLES: usize = 7;

/// The key whose proof holds the node the witness's check stopped at, if it stopped at one that a
/// deletion needs; `None` when the check failed otherwise.
pub(super) fn key_for_missing_node(
    witness: &WitnessFile,
    error: &WitnessError,
) -> Result<Option<Touched>, CaptureError> {
    let WitnessError::Execution { cause, .. } = error else { return Ok(None) };
    let (address, in_storage, hash) = match cause {
        StatelessError::AccountTrie { address, cause: TrieError::MissingNode(hash) } => (*address, false, *hash),
        StatelessError::StorageTrie { address, cause: TrieError::MissingNode(hash), .. } => (*address, true, *hash),
        _ => return Ok(None),
    };
    let pre_state = &witness.block.pre_state;
    let root = if in_storage {
        match pre_state.iter().find(|p| p.address == address) {
            Some(account) => account.storage_root,
            None => return Ok(None),
        }
    } else {
        witness
            .block
            .ancestors
            .first()
            .map(|parent| parent.decode())
            .transpose()?
            .map(|h| h.state_root)
            .unwrap_or_default()
    };
    let bag = NodeBag::new(pre_state.iter().flat_map(|p| p.proof_nodes()).cloned());
    let Some(path) = bag.path_of(root, hash) else { return Ok(None) };
    let trie = if in_storage { format!("the storage trie of {address}") } else { "the state trie".to_string() };
    let unreachable = || {
        CaptureError::Request(format!(
            "a deletion in {trie} needs trie node {hash} at path {}, which no proof of the block's keys holds, \
             and a key under a path of {} nibbles is too costly to search for: capture with --execution-witness \
             from a node that serves debug_executionWitness",
            nibbles_hex(&path),
            path.len()
        ))
    };
    let mut touched = Touched::new();
    if in_storage {
        let slot = key_under::<32>(&path).ok_or_else(unreachable)?;
        touched.entry(address).or_default().insert(B256::from(slot));
    } else {
        let key = key_under::<20>(&path).ok_or_else(unreachable)?;
        touched.entry(Address::from(key)).or_default();
    }
    tracing::info!(path = %nibbles_hex(&path), %hash, "a deletion needs a trie node no proof holds: asking for a key under it");
    Ok(Some(touched))
}

/// A key of N bytes whose keccak hash starts with `path` (nibbles), found by counting; `None` past
/// `MAX_PATH_NIBBLES`. Spread over the cores: each counts its own residue class.
fn key_under<const N: usize>(path: &[u8]) -> Option<[u8; N]> {
    if path.len() > MAX_PATH_NIBBLES {
        return None;
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|first| {
                let done = &done;
                scope.spawn(move || {
                    let mut key = [0u8; N];
                    let mut counter = first;
                    while !done.load(Ordering::Relaxed) {
                        key[N - 8..].copy_from_slice(&counter.to_be_bytes());
                        if starts_with_nibbles(&keccak256(key), path) {
                            done.store(true, Ordering::Relaxed);
                            return Some(key);
                        }
                        counter += threads;
                    }
                    None
                })
            })
            .collect();
        workers.into_iter().find_map(|w| w.join().expect("key search thread"))
    })
}

fn starts_with_nibbles(hash: &B256, path: &[u8]) -> bool {
    path.iter().enumerate().all(|(i, nibble)| {
        let byte = hash[i / 2];
        *nibble == if i % 2 == 0 { byte >> 4 } else { byte & 0x0f }
    })
}

fn nibbles_hex(path: &[u8]) -> String {
    path.iter().map(|n| char::from_digit(u32::from(*n), 16).unwrap_or('?')).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_found_under_short_paths_and_refused_under_long_ones() {
        for path in [vec![], vec![0xa], vec![3, 0xf, 0], vec![1, 2, 3, 4, 5]] {
            let address = key_under::<20>(&path).unwrap();
            assert!(starts_with_nibbles(&keccak256(address), &path), "{path:?}");
            let slot = key_under::<32>(&path).unwrap();
            assert!(starts_with_nibbles(&keccak256(slot), &path), "{path:?}");
        }
        assert_eq!(key_under::<20>(&[0; MAX_PATH_NIBBLES + 1]), None);
    }
}
