//! The verifier's answer as data: `{is_success, message, ...}`, whatever the input.

use std::{
    panic::{catch_unwind, AssertUnwindSafe},
    path::Path,
    time::Instant,
};

use alloy_primitives::B256;
use circuit::{keys::CircuitIds, proof_file::ProofFile, ClassName};
use serde::Serialize;

use crate::{verify_proof, VerifyOptions};

#[derive(Clone, Debug, Serialize)]
pub struct VerifyReport {
    pub is_success: bool,
    pub message: String,
    pub proof_file: String,
    /// As the proof file names them; the block hash is what the proof proves.
    pub chain_id: Option<u64>,
    pub block_number: Option<u64>,
    pub block_hash: Option<B256>,
    pub class: Option<ClassName>,
    pub circuits: Option<CircuitIds>,
    pub chunks: usize,
    /// Distinct accounts and storage slots of the parent state the proof covers.
    pub accounts: usize,
    pub slots: usize,
    /// The verifier's params are the public-seed development ones: the proof proves nothing.
    pub insecure_dev_params: bool,
    /// Whether a witness was given and the proof covers exactly its pre-state.
    pub witness_matched: Option<bool>,
    pub seconds: f64,
}

/// Reads and verifies a proof file. Every failure, a panic deep in a dependency included, is a
/// report with `is_success: false` and the reason.
pub fn verify_file(path: &Path, opts: &VerifyOptions) -> VerifyReport {
    let started = Instant::now();
    let mut report = VerifyReport {
        is_success: false,
        message: String::new(),
        proof_file: path.display().to_string(),
        chain_id: None,
        block_number: None,
        block_hash: None,
        class: None,
        circuits: None,
        chunks: 0,
        accounts: 0,
        slots: 0,
        insecure_dev_params: false,
        witness_matched: opts.witness.as_ref().map(|_| false),
        seconds: 0.0,
    };
    let proof = match ProofFile::read(path) {
        Ok(proof) => proof,
        Err(e) => {
            report.message = e.to_string();
            report.seconds = started.elapsed().as_secs_f64();
            return report;
        }
    };
    report.chain_id = Some(proof.chain_id);
    report.block_number = Some(proof.block_number);
    report.block_hash = Some(proof.block_hash);
    report.class = Some(proof.class.name);
    report.circuits = Some(proof.circuits.clone());
    report.chunks = proof.chunks.len();

    match catch_unwind(AssertUnwindSafe(|| verify_proof(&proof, opts))) {
        Ok(Ok(v)) => {
            report.is_success = true;
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
        }
        Ok(Err(e)) => report.message = format!("invalid: {e}"),
        Err(panic) => {
            let what = panic.downcast_ref::<String>().map(String::as_str).or(panic.downcast_ref::<&str>().copied());
            report.message =
                format!("invalid: the proof could not be checked: {}", what.unwrap_or("internal assertion"));
        }
    }
    report.seconds = started.elapsed().as_secs_f64();
    report
}
