//! The verifier's answer as data: `{is_success, message, kind, ...}`, whatever the input. The head
//! is the same for every proof kind; each kind adds its own fields.

use std::{
    panic::{catch_unwind, AssertUnwindSafe},
    path::Path,
    time::Instant,
};

use alloy_primitives::B256;
use circuit::{keys::CircuitIds, proof_file::ProofFile, ClassName};
use proof::{Envelope, ProofKind};
use serde::Serialize;

use crate::{verify_proof, VerifyOptions};

#[derive(Clone, Debug, Default, Serialize)]
pub struct VerifyReport {
    pub is_success: bool,
    pub message: String,
    pub proof_file: String,
    /// `state` or `execution`, as the file names it.
    pub kind: Option<ProofKind>,
    /// As the proof file names them; the block hash is what the proof proves.
    pub chain_id: Option<u64>,
    pub block_number: Option<u64>,
    pub block_hash: Option<B256>,
    /// State proofs: the circuit class and ids, chunks, and the distinct accounts and storage
    /// slots of the parent state the proof covers.
    pub class: Option<ClassName>,
    pub circuits: Option<CircuitIds>,
    pub chunks: usize,
    pub accounts: usize,
    pub slots: usize,
    /// The verifier's params are the public-seed development ones: the proof proves nothing.
    pub insecure_dev_params: bool,
    /// Execution proofs: the guest image and what the proven commitment says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution: Option<crate::execution_report::ExecutionSection>,
    /// Whether a witness was given and the proof is of exactly that witness (state: its
    /// pre-state; execution: its block).
    pub witness_matched: Option<bool>,
    pub seconds: f64,
}

/// Reads and verifies a proof file of any kind. Every failure, a panic deep in a dependency
/// included, is a report with `is_success: false` and the reason.
pub fn verify_file(path: &Path, opts: &VerifyOptions) -> VerifyReport {
    let started = Instant::now();
    let mut report = VerifyReport {
        proof_file: path.display().to_string(),
        witness_matched: opts.witness.as_ref().map(|_| false),
        ..Default::default()
    };
    match catch_unwind(AssertUnwindSafe(|| verify_any(path, opts, &mut report))) {
        Ok(Ok(())) => report.is_success = true,
        Ok(Err(message)) => report.message = message,
        Err(panic) => {
            let what = proof::panic_message(panic.as_ref());
            report.message =
                format!("invalid: the proof could not be checked: {}", what.unwrap_or("internal assertion"));
        }
    }
    report.seconds = started.elapsed().as_secs_f64();
    report
}

/// Decodes proof-file bytes whole, the body as the kind the envelope names, without verifying:
/// what a server checks before it takes an upload, so that a file that is not a proof of either
/// kind is refused as such (a 400) rather than reported as a proof that does not verify.
pub fn decode_proof(bytes: &[u8], name: &str) -> Result<ProofKind, String> {
    let envelope = Envelope::decode(bytes, name).map_err(|e| e.to_string())?;
    let kind = envelope.kind;
    match kind {
        ProofKind::State => envelope.into_body::<ProofFile>(kind).map(drop),
        ProofKind::Execution => envelope.into_body::<execution::ExecutionProofFile>(kind).map(drop),
    }
    .map_err(|e| e.to_string())?;
    Ok(kind)
}

fn verify_any(path: &Path, opts: &VerifyOptions, report: &mut VerifyReport) -> Result<(), String> {
    let envelope = Envelope::read(path).map_err(|e| e.to_string())?;
    report.kind = Some(envelope.kind);
    match envelope.kind {
        ProofKind::State => {
            verify_state(envelope.into_body(ProofKind::State).map_err(|e| e.to_string())?, opts, report)
        }
        ProofKind::Execution => crate::execution_report::verify_execution(envelope, opts, report),
    }
}

fn verify_state(proof: ProofFile, opts: &VerifyOptions, report: &mut VerifyReport) -> Result<(), String> {
    report.chain_id = Some(proof.chain_id);
    report.block_number = Some(proof.block_number);
    report.block_hash = Some(proof.block_hash);
    report.class = Some(proof.class.name);
    report.circuits = Some(proof.circuits.clone());
    report.chunks = proof.chunks.len();
    let v = verify_proof(&proof, opts).map_err(|e| format!("invalid: {e}"))?;
    report.accounts = v.accounts.len();
    report.slots = v.slots.len();
    report.insecure_dev_params = v.insecure_dev_params;
    report.witness_matched = opts.witness.as_ref().map(|_| v.witness_matched);
    report.message = format!(
        "valid: block {} ({}) header hash and parent link, and {} accounts and {} storage slots of \
         the parent state, in {} chunk(s) of the {} circuit{}{}",
        proof.block_number,
        proof.block_hash,
        v.accounts.len(),
        v.slots.len(),
        v.chunks,
        v.class.name,
        if v.witness_matched { "; exactly the witness's pre-state" } else { "" },
        if v.insecure_dev_params {
            "; checked against INSECURE development params (public seed): this proves nothing"
        } else {
            ""
        },
    );
    Ok(())
}
