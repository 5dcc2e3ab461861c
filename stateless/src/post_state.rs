//! The post-state root: revm's changes applied to the sparse pre-state tries.

use alloy_primitives::{keccak256, B256};
use alloy_trie::TrieAccount;
use revm::database::BundleState;

use crate::{
    db::{storage_trie, WitnessDb},
    error::StatelessError,
    trie::SparseTrie,
};

/// The stateRoot after the block: revm's changes applied to the partial tries (with anvil's rule for cleared slots when `zero_slot_leaves`).
pub fn post_state_root(
    db: &mut WitnessDb,
    bundle: &BundleState,
    zero_slot_leaves: bool,
) -> Result<B256, StatelessError> {
    // Sorted, so that an error names the same account on every run.
    let mut changed: alloc::vec::Vec<_> = bundle.state.iter().collect();
    changed.sort_by_key(|(address, _)| **address);
    let WitnessDb { accounts, storage, storage_roots, pool, .. } = db;
    for (address, account) in changed {
        let address = *address;
        let key = keccak256(address);
        let Some(info) = &account.info else {
            accounts.remove(&key, pool).map_err(|cause| StatelessError::AccountTrie { address, cause })?;
            continue;
        };
        let trie = storage_trie(storage, storage_roots, address);
        if account.status.was_destroyed() {
            // SELFDESTRUCT of an account created in this block: its storage starts over.
            *trie = SparseTrie::new(alloy_trie::EMPTY_ROOT_HASH);
        }
        let mut slots: alloc::vec::Vec<_> = account.storage.iter().collect();
        slots.sort_by_key(|(slot, _)| **slot);
        for (slot, value) in slots {
            if !account.status.was_destroyed() && !value.is_changed() {
                continue;
            }
            let slot_key = keccak256(B256::from(*slot));
            let result = if value.present_value.is_zero() && !zero_slot_leaves {
                trie.remove(&slot_key, pool)
            } else {
                trie.insert(&slot_key, alloy_rlp::encode(value.present_value), pool)
            };
            result.map_err(|cause| StatelessError::StorageTrie { address, slot: *slot, cause })?;
        }
        let leaf = TrieAccount {
            nonce: info.nonce,
            balance: info.balance,
            storage_root: trie.root(),
            code_hash: info.code_hash,
        };
        accounts
            .insert(&key, alloy_rlp::encode(leaf), pool)
            .map_err(|cause| StatelessError::AccountTrie { address, cause })?;
    }
    Ok(accounts.root())
}
