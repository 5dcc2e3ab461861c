//! Completes a witness with what the re-execution finds missing. A node's prestate trace names
//! what a block reads, but geth's leaves out accounts that do not exist yet (a transfer's new
//! recipient, a contract about to be created), so their proofs, needed to show them absent, are
//! not asked for in round 2. The stateless check runs in discovery mode, says which accounts and
//! slots it could not read, and those are asked for (before and after, with code) until nothing
//! is missing: no round at all when the trace was complete.

use std::collections::BTreeSet;

use alloy_primitives::{keccak256, Address, Bytes, B256};
use serde_json::{json, Value};
use stateless::MissingKey;

use super::{proof_calls, take_proofs, touched::Touched, CaptureError, Progress};
use crate::{
    error::WitnessError,
    from_rpc::ShapeError,
    rpc::{Call, RpcClient},
    types::WitnessFile,
};

/// Enough for a key hidden behind another missing key, a few levels deep.
const MAX_ROUNDS: usize = 4;

pub(super) fn top_up(
    client: &RpcClient,
    progress: &Progress,
    witness: &mut WitnessFile,
    touched: &mut Touched,
    (parent_at, block_at): (&Value, &Value),
) -> Result<usize, CaptureError> {
    for round in 0..MAX_ROUNDS {
        let input = crate::execution::stateless_input(witness)?;
        let missing = stateless::find_missing(&input)
            .map_err(|source| WitnessError::Execution { number: witness.block_number, source })?;
        if missing.is_empty() {
            return Ok(round);
        }
        let mut changed = BTreeSet::new();
        for key in missing {
            let (address, slot) = match key {
                MissingKey::Account(a) => (a, None),
                MissingKey::Slot(a, s) => (a, Some(B256::from(s))),
            };
            let slots = touched.entry(address).or_default();
            slots.extend(slot);
            changed.insert(address);
        }
        tracing::info!(accounts = changed.len(), "asking for what the trace left out");
        let sub: Touched = changed.iter().map(|a| (*a, touched[a].clone())).collect();
        let mut calls: Vec<Call> = proof_calls(&sub, parent_at).collect();
        calls.extend(proof_calls(&sub, block_at));
        calls.extend(sub.keys().map(|a| Call::new("eth_getCode", json!([a, parent_at]))));
        let results = progress.round("proofs the trace left out", calls.len(), |p| client.round(&calls, p))?;
        let mut results = results.into_iter();
        let pre = take_proofs(&mut results, &sub)?;
        let post = take_proofs(&mut results, &sub)?;
        let b = &mut witness.block;
        replace(&mut b.pre_state, pre);
        replace(&mut b.post_state, post);
        for (address, code) in sub.keys().zip(results) {
            let code: Bytes = serde_json::from_value(code)
                .map_err(|e| ShapeError::new(format!("eth_getCode for {address}"), e.to_string()))?;
            if !code.is_empty() {
                b.codes.insert(keccak256(&code), code);
            }
        }
    }
    Ok(MAX_ROUNDS)
}

/// Puts the new proofs in place of the old ones of the same accounts, in address order.
fn replace(proofs: &mut Vec<crate::types::AccountProof>, new: Vec<crate::types::AccountProof>) {
    let addresses: BTreeSet<Address> = new.iter().map(|p| p.address).collect();
    proofs.retain(|p| !addresses.contains(&p.address));
    proofs.extend(new);
    proofs.sort_by_key(|p| p.address);
}
