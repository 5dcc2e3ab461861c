//! The witness as the stateless re-execution reads it, and the re-execution itself: the one piece
//! of code (crate `stateless`) that capture, `witness_inspect`, the prover's pre-check and the
//! zkVM guest all run.

use stateless::{execute_block_noting_precompiles, Executed, StatelessInput};

use crate::{
    error::WitnessError,
    types::{AccountProof, WitnessFile},
};

/// The stateless input of a witness: typed headers (each still hashed by the check), every proof
/// node of the pre- and post-state (the post-state proofs hold the nodes a deletion needs), codes.
pub fn stateless_input(w: &WitnessFile) -> Result<StatelessInput, WitnessError> {
    let b = &w.block;
    let header = b.header.decode()?;
    let ancestors = b.ancestors.iter().map(|a| a.decode()).collect::<Result<Vec<_>, _>>()?;
    let proofs = b.pre_state.iter().chain(&b.post_state);
    let mut nodes: Vec<_> = proofs.flat_map(AccountProof::proof_nodes).filter(|n| !n.is_empty()).cloned().collect();
    nodes.sort();
    nodes.dedup();
    Ok(StatelessInput {
        chain_id: w.chain_id,
        dev_fork: w.fork,
        zero_slot_leaves: keeps_zero_slot_leaves(w),
        withdrawals: header.withdrawals_root.map(|_| b.withdrawals.clone()),
        header,
        ancestors,
        transactions: b.transactions.clone(),
        nodes,
        codes: b.codes.values().cloned().collect(),
    })
}

/// Re-executes the witness's block, noting the precompiles it calls (a prover picks its guest
/// image by them); on success the input is completed with any node the check had to derive, so
/// that it is ready for the guest.
pub fn reexecute(w: &WitnessFile) -> Result<(StatelessInput, Executed), WitnessError> {
    let mut input = stateless_input(w)?;
    let executed = execute_block_noting_precompiles(&input)
        .map_err(|cause| WitnessError::Execution { number: w.block_number, cause })?;
    input.nodes.extend(executed.derived_nodes.iter().cloned());
    if executed.commitment.hash != w.block_hash {
        return Err(WitnessError::Link {
            number: executed.commitment.number,
            expected_number: w.block_number,
            expected_hash: w.block_hash,
            got: executed.commitment.hash,
        });
    }
    Ok((input, executed))
}

/// Whether the node keeps cleared slots as rlp(0) leaves (anvil does): its post-state then proves
/// some zero slot by inclusion rather than exclusion.
fn keeps_zero_slot_leaves(w: &WitnessFile) -> bool {
    let b = &w.block;
    b.post_state.iter().any(|account| {
        account.storage.iter().filter(|s| s.value.is_zero()).any(|s| {
            crate::mpt::proves_leaf(
                account.storage_root,
                alloy_primitives::keccak256(s.key),
                &alloy_rlp::encode(s.value),
                &s.proof,
            )
        })
    })
}
