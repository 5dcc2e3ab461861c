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
    /// The block's header, checked.
    pub header: CheckedHeader,
    /// Its parent's header, checked.
    pub parent: CheckedHeader,
    /// What the re-execution established (the execution proof's public values).
    pub commitment: stateless::BlockCommitment,
    /// The re-execution's input, completed (see `execution::reexecute`): what the guest reads.
    pub input: stateless::StatelessInput,
    /// The precompiles the block called (addresses below 0x10000), each once, sorted.
    pub precompiles_called: Vec<Address>,
}

/// Every native check of a witness, ending with the stateless re-execution of the block.
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
    if let Some(fork) = w.fork.filter(|_| stateless::ChainSpec::is_known_chain(w.chain_id)) {
        return Err(WitnessError::Envelope(format!(
            "the witness names fork {} for chain {}, whose schedule is built in",
            fork.name(),
            w.chain_id
        )));
    }
    let b = &w.block;
    for raw in std::iter::once(&b.header).chain(&b.ancestors) {
        check_no_metadata(raw)?;
    }
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
    check_chain_id(w)?;
    let (input, executed) = crate::execution::reexecute(w)?;
    Ok(CheckedWitness {
        header,
        parent,
        commitment: executed.commitment,
        input,
        precompiles_called: executed.precompiles_called,
    })
}

/// `size` and `totalDifficulty` come with a node's block object but no hash covers them: a witness
/// holding them would carry values nothing checks.
fn check_no_metadata(raw: &crate::types::RawHeader) -> Result<(), WitnessError> {
    match crate::header::UNHASHED_FIELDS.iter().find(|f| raw.get(f).is_some()) {
        Some(field) => Err(WitnessError::UnhashedField { number: raw.number_text(), field: field.to_string() }),
        None => Ok(()),
    }
}

/// Transactions that name a chain (typed ones, EIP-155 legacy ones) must name the witness's: it is
/// the chain id the block is executed with and committed to.
fn check_chain_id(w: &WitnessFile) -> Result<(), WitnessError> {
    use alloy_consensus::Transaction;
    use alloy_eips::eip2718::Decodable2718;
    for (index, raw) in w.block.transactions.iter().enumerate() {
        let tx = alloy_consensus::TxEnvelope::decode_2718_exact(raw).map_err(|e| WitnessError::Transaction {
            number: w.block_number,
            index,
            reason: e.to_string(),
        })?;
        if let Some(tx_chain_id) = tx.chain_id() {
            if tx_chain_id != w.chain_id {
                return Err(WitnessError::ChainId { index, tx_chain_id, chain_id: w.chain_id });
            }
        }
    }
    Ok(())
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

/// The post-state must prove exactly the pre-state's accounts and slots: an exclusion proof proves
/// many absent keys, so a post-state entry moved to another key would still check on its own.
fn check_same_accounts(pre: &[AccountProof], post: &[AccountProof]) -> Result<(), WitnessError> {
    let pre_accounts: BTreeSet<Address> = pre.iter().map(|a| a.address).collect();
    let post_accounts: BTreeSet<Address> = post.iter().map(|a| a.address).collect();
    if let Some(address) = pre_accounts.symmetric_difference(&post_accounts).next() {
        return Err(WitnessError::Coverage {
            side: StateSide::Post,
            detail: format!("account {address} is in only one of them"),
        });
    }
    let slots = |a: &AccountProof| a.storage.iter().map(|s| s.key).collect::<BTreeSet<_>>();
    for before in pre {
        let after = post.iter().find(|a| a.address == before.address).expect("same accounts");
        let (keys_before, keys_after) = (slots(before), slots(after));
        if let Some(slot) = keys_before.symmetric_difference(&keys_after).next() {
            return Err(WitnessError::SlotCoverage {
                side: StateSide::Post,
                address: before.address,
                detail: format!("slot {slot} is proven in only one of the pre- and post-state"),
            });
        }
    }
    Ok(())
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
