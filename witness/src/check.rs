//! Native (out-of-circuit) check that a witness holds together: fast, run before writing a captured
//! witness and before spending minutes on a proof.

use std::collections::{BTreeMap, BTreeSet};

use alloy_consensus::proofs::calculate_withdrawals_root;
use alloy_primitives::{keccak256, Address, B256};
use alloy_trie::root::ordered_trie_root_with_encoder;

use crate::{
    error::{StateSide, WitnessError},
    header::CheckedHeader,
    mpt::verify_account,
    types::{AccountProof, WitnessFile},
};

/// What a successful check established.
#[derive(Clone, Debug)]
pub struct CheckedWitness {
    pub header: CheckedHeader,
    pub parent: CheckedHeader,
}

pub fn check_witness(w: &WitnessFile) -> Result<CheckedWitness, WitnessError> {
    if w.format != WitnessFile::FORMAT || w.version != WitnessFile::VERSION {
        return Err(WitnessError::Envelope(format!(
            "format {:?} version {} (this build reads {:?} version {})",
            w.format,
            w.version,
            WitnessFile::FORMAT,
            WitnessFile::VERSION
        )));
    }
    let b = &w.block;
    let header = b.header.check()?;
    if header.hash != w.block_hash || header.header.number != w.block_number {
        return Err(WitnessError::Link {
            number: header.header.number,
            expected_number: w.block_number,
            expected_hash: w.block_hash,
            got: header.hash,
        });
    }
    let parent = check_ancestors(&header, &b.ancestors)?;
    check_body(w, &header)?;

    check_state(StateSide::Pre, parent.header.state_root, &b.pre_state)?;
    check_state(StateSide::Post, header.header.state_root, &b.post_state)?;
    check_same_accounts(&b.pre_state, &b.post_state)?;
    check_codes(&b.pre_state, &b.codes)?;
    Ok(CheckedWitness { header, parent })
}

/// Each ancestor must be the parent of the one before it; returns the (checked) parent.
fn check_ancestors(
    header: &CheckedHeader,
    ancestors: &[crate::types::RawHeader],
) -> Result<CheckedHeader, WitnessError> {
    let mut child = header.clone();
    let mut parent = None;
    for raw in ancestors {
        let checked = raw.check()?;
        if checked.hash != child.header.parent_hash || checked.header.number + 1 != child.header.number {
            return Err(WitnessError::Link {
                number: child.header.number,
                expected_number: child.header.number.saturating_sub(1),
                expected_hash: child.header.parent_hash,
                got: checked.hash,
            });
        }
        parent.get_or_insert_with(|| checked.clone());
        child = checked;
    }
    parent.ok_or_else(|| WitnessError::Envelope("the witness has no parent header".into()))
}

fn check_body(w: &WitnessFile, header: &CheckedHeader) -> Result<(), WitnessError> {
    let number = header.header.number;
    let tx_root = ordered_trie_root_with_encoder(&w.block.transactions, |tx, buf| buf.extend_from_slice(tx));
    if tx_root != header.header.transactions_root {
        return Err(WitnessError::BodyRoot {
            number,
            what: "transactions",
            expected: header.header.transactions_root,
            computed: tx_root,
        });
    }
    if let Some(expected) = header.header.withdrawals_root {
        let computed = calculate_withdrawals_root(&w.block.withdrawals);
        if computed != expected {
            return Err(WitnessError::BodyRoot { number, what: "withdrawals", expected, computed });
        }
    }
    Ok(())
}

fn check_state(side: StateSide, root: B256, accounts: &[AccountProof]) -> Result<(), WitnessError> {
    let mut seen = BTreeSet::new();
    for account in accounts {
        if !seen.insert(account.address) {
            return Err(WitnessError::DuplicateAccount { side, address: account.address });
        }
        verify_account(side, root, account)?;
    }
    Ok(())
}

/// The post-state must prove the same accounts as the pre-state, so that the two can be compared.
/// Slots may differ: a recorded witness may ask for the slots of a contract created in the block
/// only after it.
fn check_same_accounts(pre: &[AccountProof], post: &[AccountProof]) -> Result<(), WitnessError> {
    let pre: BTreeSet<Address> = pre.iter().map(|a| a.address).collect();
    let post: BTreeSet<Address> = post.iter().map(|a| a.address).collect();
    match pre.symmetric_difference(&post).next() {
        None => Ok(()),
        Some(address) => Err(WitnessError::Coverage {
            side: StateSide::Post,
            detail: format!("account {address} is in only one of them"),
        }),
    }
}

fn check_codes(pre: &[AccountProof], codes: &BTreeMap<B256, alloy_primitives::Bytes>) -> Result<(), WitnessError> {
    for (key, code) in codes {
        let computed = keccak256(code);
        if computed != *key {
            return Err(WitnessError::CodeHash { key: *key, computed });
        }
    }
    for account in pre.iter().filter(|a| a.has_code()) {
        if !codes.contains_key(&account.code_hash) {
            return Err(WitnessError::MissingCode { address: account.address, code_hash: account.code_hash });
        }
    }
    Ok(())
}
