//! The execution proof's part of the verifier: crate `execution` checks the proof; this fills the
//! report.

use alloy_primitives::B256;
use execution::{verify_file as verify_execution_file, ExecutionProofFile};
use proof::{Envelope, ProofKind};
use serde::Serialize;

use crate::{report::VerifyReport, VerifyOptions};

/// What a verified execution proof says, read from its proven public values.
#[derive(Clone, Debug, Serialize)]
pub struct ExecutionSection {
    pub image_id: String,
    pub zkvm: String,
    pub parent_hash: B256,
    pub parent_state_root: B256,
    pub state_root: B256,
    pub fork: String,
    pub zero_slot_leaves: bool,
    pub transactions: u32,
    pub gas_used: u64,
}

pub(crate) fn verify_execution(
    envelope: Envelope,
    opts: &VerifyOptions,
    report: &mut VerifyReport,
) -> Result<(), String> {
    let file: ExecutionProofFile = envelope.into_body(ProofKind::Execution).map_err(|e| e.to_string())?;
    report.chain_id = Some(file.head.chain_id);
    report.block_number = Some(file.head.block_number);
    report.block_hash = Some(file.head.block_hash);
    let witness = match &opts.witness {
        Some(path) => Some(witness::file::read(path).map_err(|e| format!("invalid: {e}"))?),
        None => None,
    };
    let v = verify_execution_file(&file, witness.as_ref()).map_err(|e| format!("invalid: {e}"))?;
    let c = v.commitment;
    report.witness_matched = opts.witness.as_ref().map(|_| v.witness_matched);
    report.execution = Some(ExecutionSection {
        image_id: file.image_id.clone(),
        zkvm: file.zkvm.clone(),
        parent_hash: c.parent_hash,
        parent_state_root: c.parent_state_root,
        state_root: c.state_root,
        fork: c.fork.name().into(),
        zero_slot_leaves: c.zero_slot_leaves,
        transactions: c.transactions,
        gas_used: c.gas_used,
    });
    report.message = format!(
        "valid: block {} ({}) on chain {}: its {} transaction(s) re-execute under {} rules from parent stateRoot {} to \
         stateRoot {} ({} gas), proven by guest image {}{}{}",
        c.number,
        c.hash,
        c.chain_id,
        c.transactions,
        c.fork.name(),
        c.parent_state_root,
        c.state_root,
        c.gas_used,
        file.image_id,
        if c.zero_slot_leaves { "; with anvil's rule for cleared slots (not Ethereum's)" } else { "" },
        if v.witness_matched { "; exactly the witness's block" } else { "" },
    );
    Ok(())
}
