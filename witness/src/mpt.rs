//! Merkle-Patricia proofs of accounts and slots, checked with alloy-trie.

use alloy_primitives::{keccak256, Bytes, B256};
use alloy_trie::{proof::verify_proof, Nibbles, TrieAccount, EMPTY_ROOT_HASH};

use crate::{
    error::{StateSide, WitnessError},
    types::AccountProof,
};

/// `path` is the hashed trie key: keccak(address) or keccak(slot).
fn verify(root: B256, path: B256, value: Option<Vec<u8>>, proof: &[Bytes]) -> Result<(), String> {
    // A node may report a missing account's storage root as zero; the trie means the empty root.
    let root = if root.is_zero() { EMPTY_ROOT_HASH } else { root };
    // geth (1.14) puts empty `0x` entries into some proofs (at the end of exclusion proofs, and
    // between a branch and its child). An empty entry is never a trie node and carries nothing:
    // every real node must still hash to the reference its parent holds, so skipping them cannot
    // make a false proof pass.
    let nodes = proof.iter().filter(|node| !node.is_empty());
    verify_proof(root, Nibbles::unpack(path), value, nodes).map_err(|e| e.to_string())
}

/// Whether `proof` proves a leaf holding `value` at `path` (not its absence).
pub fn proves_leaf(root: B256, path: B256, value: &[u8], proof: &[Bytes]) -> bool {
    verify(root, path, Some(value.to_vec()), proof).is_ok()
}

/// The RLP an account has as a leaf of the state trie.
pub fn account_leaf(account: &AccountProof) -> Vec<u8> {
    alloy_rlp::encode(TrieAccount {
        nonce: account.nonce,
        balance: account.balance,
        storage_root: account.storage_root,
        code_hash: account.code_hash,
    })
}

/// Checks one account (and all its slots) against a state root.
pub fn verify_account(side: StateSide, state_root: B256, account: &AccountProof) -> Result<(), WitnessError> {
    let path = keccak256(account.address);
    let leaf = account_leaf(account);
    let result = if account.is_empty_account() {
        // Absent accounts are proven by exclusion; an empty account left over from before
        // EIP-161 is in the trie and proven by inclusion, with the same reported values.
        verify(state_root, path, None, &account.proof)
            .or_else(|absent| verify(state_root, path, Some(leaf), &account.proof).map_err(|_| absent))
    } else {
        verify(state_root, path, Some(leaf), &account.proof)
    };
    result.map_err(|reason| WitnessError::AccountProof { side, address: account.address, reason })?;

    for slot in &account.storage {
        let path = keccak256(slot.key);
        let encoded = alloy_rlp::encode(slot.value);
        let result = if slot.value.is_zero() {
            // Zero slots are absent from the trie; anvil keeps a cleared slot as a leaf holding
            // rlp(0), which proves the same value.
            verify(account.storage_root, path, None, &slot.proof)
                .or_else(|absent| verify(account.storage_root, path, Some(encoded), &slot.proof).map_err(|_| absent))
        } else {
            verify(account.storage_root, path, Some(encoded), &slot.proof)
        };
        result.map_err(|reason| WitnessError::StorageProof {
            side,
            address: account.address,
            slot: slot.key,
            value: slot.value,
            reason,
        })?;
    }
    Ok(())
}
