//! Completes a witness with what the re-execution finds missing. A node's prestate trace names
//! what a block reads, but geth's leaves out accounts that do not exist yet (a transfer's new
//! recipient, a contract about to be created), so their proofs, needed to show them absent, are
//! not asked for with the rest. The stateless check runs in discovery mode, says which accounts
//! and slots it could not read, and those are fetched (before and after, with code) until nothing
//! is missing: no round at all when the trace was complete. Then the nodes deletions need that no
//! proof holds, which the whole check names, are fetched the same way, through a key under each
//! (`orphan`).

use std::collections::BTreeSet;

use alloy_primitives::{keccak256, Address, Bytes, B256};
use stateless::MissingKey;

use super::{touched::Touched, CaptureError};
use crate::{
    check::check_witness,
    error::WitnessError,
    types::{AccountProof, WitnessFile},
};

/// Enough for a key hidden behind another missing key, a few levels deep, and for the deletions
/// whose trie nodes no proof holds (`orphan`: one per round, as the check stops at the first).
const MAX_ROUNDS: usize = 32;

/// Proofs of some accounts before and after the block, with their codes: from the node
/// (`eth_getProof`, `eth_getCode`) or from the trie nodes of its execution witness.
pub(super) struct Fetched {
    pub pre: Vec<AccountProof>,
    pub post: Vec<AccountProof>,
    pub codes: Vec<Bytes>,
}

/// Runs discovery and fetches what it names until nothing is missing, then checks the witness
/// whole (`check_witness`, the one re-execution that computes the post-state root) and fetches
/// what that names too: a node a deletion needs.
pub(super) fn top_up(
    witness: &mut WitnessFile,
    touched: &mut Touched,
    mut fetch: impl FnMut(&Touched) -> Result<Fetched, CaptureError>,
) -> Result<(), CaptureError> {
    for _ in 0..MAX_ROUNDS {
        let input = crate::execution::stateless_input(witness)?;
        let missing = stateless::find_missing(&input)
            .map_err(|cause| WitnessError::Execution { number: witness.block_number, cause })?;
        let found = if !missing.is_empty() {
            as_touched(missing)
        } else {
            let Err(error) = check_witness(witness) else { return Ok(()) };
            match super::orphan::key_for_missing_node(witness, &error)? {
                // Asked for already and still missing: the node will not give it.
                Some(found) if !asked_before(&found, touched) => found,
                _ => return Err(error.into()),
            }
        };
        for (address, slots) in &found {
            touched.entry(*address).or_default().extend(slots);
        }
        let changed: BTreeSet<Address> = found.into_keys().collect();
        tracing::info!(accounts = changed.len(), "fetching what the trace left out");
        let sub: Touched = changed.iter().map(|a| (*a, touched[a].clone())).collect();
        let fetched = fetch(&sub)?;
        let b = &mut witness.block;
        replace(&mut b.pre_state, fetched.pre);
        replace(&mut b.post_state, fetched.post);
        b.codes.extend(fetched.codes.into_iter().filter(|c| !c.is_empty()).map(|c| (keccak256(&c), c)));
    }
    check_witness(witness)?;
    Ok(())
}

fn asked_before(found: &Touched, touched: &Touched) -> bool {
    found.iter().all(|(address, slots)| touched.get(address).is_some_and(|asked| asked.is_superset(slots)))
}

/// The accounts and slots discovery could not read, as a touched set.
pub(super) fn as_touched(missing: Vec<MissingKey>) -> Touched {
    let mut touched = Touched::new();
    for key in missing {
        match key {
            MissingKey::Account(a) => touched.entry(a).or_default(),
            MissingKey::Slot(a, s) => {
                let slots = touched.entry(a).or_default();
                slots.insert(B256::from(s));
                slots
            }
        };
    }
    touched
}

/// Puts the new proofs in place of the old ones of the same accounts, in address order.
fn replace(proofs: &mut Vec<AccountProof>, new: Vec<AccountProof>) {
    let addresses: BTreeSet<Address> = new.iter().map(|p| p.address).collect();
    proofs.retain(|p| !addresses.contains(&p.address));
    proofs.extend(new);
    proofs.sort_by_key(|p| p.address);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_asked_for_once() {
        let (a, b) = (Address::with_last_byte(1), Address::with_last_byte(2));
        let touched = Touched::from([(a, BTreeSet::from([B256::ZERO]))]);
        assert!(asked_before(&Touched::from([(a, BTreeSet::new())]), &touched), "the account, asked with a slot");
        assert!(asked_before(&Touched::from([(a, BTreeSet::from([B256::ZERO]))]), &touched));
        assert!(!asked_before(&Touched::from([(a, BTreeSet::from([B256::repeat_byte(1)]))]), &touched), "a new slot");
        assert!(!asked_before(&Touched::from([(b, BTreeSet::new())]), &touched), "a new account");
    }
}
