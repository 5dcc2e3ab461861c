//! The witness as the stateless re-execution reads it, and the re-execution itself: the one piece
//! of code (crate `stateless`) that capture, `witness_inspect`, the prover's pre-check and the
//! zkVM guest all run.

use stateless::{execute_block, Executed, StatelessError, StatelessInput};

use crate::{error::WitnessError, types::WitnessFile};

/// Re-execution failed: the block does not re-execute to its header from this witness.
#[derive(Debug, thiserror::Error)]
pub enum ExecutionError {
    #[error(transparent)]
    Witness(#[from] WitnessError),
    #[error("block {number} does not re-execute: {source}")]
    Stateless { number: u64, source: StatelessError },
}

/// The stateless input of a witness: typed headers (each still hashed by the check), every proof
/// node of the pre- and post-state (the post-state proofs hold the nodes a deletion needs), codes.
pub fn stateless_input(w: &WitnessFile) -> Result<StatelessInput, WitnessError> {
    let b = &w.block;
    let header = b.header.decode()?;
    let ancestors = b.ancestors.iter().map(|a| a.decode()).collect::<Result<Vec<_>, _>>()?;
    let proofs = b.pre_state.iter().chain(&b.post_state);
    let mut nodes: Vec<_> = proofs
        .flat_map(|a| a.proof.iter().chain(a.storage.iter().flat_map(|s| &s.proof)))
        .filter(|n| !n.is_empty())
        .cloned()
        .collect();
    nodes.sort();
    nodes.dedup();
    Ok(StatelessInput {
        chain_id: w.chain_id,
        dev_fork: None,
        withdrawals: header.withdrawals_root.map(|_| b.withdrawals.clone()),
        header,
        ancestors,
        transactions: b.transactions.clone(),
        nodes,
        codes: b.codes.values().cloned().collect(),
    })
}

/// Re-executes the witness's block; on success the input is completed with any node the check had
/// to derive, so that it is ready for the guest.
pub fn reexecute(w: &WitnessFile) -> Result<(StatelessInput, Executed), ExecutionError> {
    let mut input = stateless_input(w)?;
    let executed =
        execute_block(&input).map_err(|source| ExecutionError::Stateless { number: w.block_number, source })?;
    input.nodes.extend(executed.derived_nodes.iter().cloned());
    if executed.commitment.hash != w.block_hash {
        return Err(WitnessError::Link {
            number: executed.commitment.number,
            expected_number: w.block_number,
            expected_hash: w.block_hash,
            got: executed.commitment.hash,
        }
        .into());
    }
    Ok((input, executed))
}
