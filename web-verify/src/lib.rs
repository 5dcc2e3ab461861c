//! The execution proof's verifier for the browser: the checks of `prover_cmd verifier` for an
//! execution proof (crate `execution-verify`, the same code, with the pinned image id and
//! verifying key compiled in), and its report in the same shape as the server's `/verify`.
//!
//! scripts/build-web-verifier.sh compiles this crate to `wasm32-unknown-unknown` and writes the
//! JavaScript bindings with wasm-bindgen; serve ships the result (serve/web/) and its pages run
//! it in a Web Worker. Natively it is an ordinary library, so its tests run with the others.

use alloy_primitives::B256;
use execution_verify::{image::IMAGE_ID, ExecutionProofFile, ExecutionVerified};
use proof::{Envelope, ProofKind};
use serde::Serialize;
use wasm_bindgen::prelude::wasm_bindgen;

/// The largest proof or witness file the browser reads: an execution proof is about 1.5 MB and
/// a mainnet witness tens of MB; anything far larger is not one, and would only fill the tab.
pub const MAX_FILE_BYTES: usize = 256 << 20;

/// The browser verifier's answer: the fields of the server's `/verify` report that an execution
/// proof has.
#[derive(Clone, Debug, Default, Serialize)]
pub struct WebReport {
    /// Whether the proof is valid (and, with a witness, of exactly that witness's block).
    pub is_success: bool,
    /// What the proof proves, in words, or why it is refused.
    pub message: String,
    /// The file, as the page named it.
    pub proof_file: String,
    /// As the proof file names it (`state` files are refused here: see `message`).
    pub kind: Option<ProofKind>,
    /// As the proof file names it.
    pub chain_id: Option<u64>,
    /// As the proof file names it.
    pub block_number: Option<u64>,
    /// As the proof file names it; the proof proves it.
    pub block_hash: Option<B256>,
    /// Never: execution proofs have no trusted setup.
    pub insecure_dev_params: bool,
    /// The guest image and what the proven commitment says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution: Option<ExecutionVerified>,
    /// Whether a witness was given and the proof is of exactly its block.
    pub witness_matched: Option<bool>,
    /// The image id this verifier pins (compiled in).
    pub pinned_image_id: &'static str,
}

/// Verifies an execution proof file's bytes, and with a witness file's bytes (JSON or bincode)
/// that the proof is of exactly its block. Every refusal is a report with `is_success: false`
/// and the reason; nothing here panics on bad input it can name.
pub fn verify(proof: &[u8], name: &str, witness: Option<&[u8]>) -> WebReport {
    let mut report = WebReport {
        proof_file: name.into(),
        witness_matched: witness.map(|_| false),
        pinned_image_id: IMAGE_ID,
        ..Default::default()
    };
    match check(proof, name, witness, &mut report) {
        Ok(verified) => {
            report.message = verified.describe();
            report.witness_matched = witness.map(|_| verified.witness_matched);
            report.execution = Some(verified);
            report.is_success = true;
        }
        Err(message) => report.message = message,
    }
    report
}

fn check(
    proof: &[u8],
    name: &str,
    witness: Option<&[u8]>,
    report: &mut WebReport,
) -> Result<ExecutionVerified, String> {
    for (what, bytes) in [("the proof file", Some(proof)), ("the witness file", witness)] {
        if let Some(len) = bytes.map(<[u8]>::len).filter(|len| *len > MAX_FILE_BYTES) {
            return Err(format!(
                "invalid: {what} is {} MB, more than any the browser reads ({} MB)",
                len >> 20,
                MAX_FILE_BYTES >> 20
            ));
        }
    }
    let envelope = Envelope::decode(proof, name).map_err(|e| format!("invalid: {e}"))?;
    report.kind = Some(envelope.kind);
    if envelope.kind != ProofKind::Execution {
        return Err(format!(
            "not verified here: {name} is {} proof (halo2 KZG), which needs the params the server holds; \
             the browser verifies execution proofs: use the server's /verify or `prover_cmd verifier`",
            envelope.kind.with_article()
        ));
    }
    let file: ExecutionProofFile = envelope.into_body(ProofKind::Execution).map_err(|e| format!("invalid: {e}"))?;
    (report.chain_id, report.block_number, report.block_hash) =
        (Some(file.head.chain_id), Some(file.head.block_number), Some(file.head.block_hash));
    let witness = match witness {
        Some(bytes) => Some(witness::file::decode(bytes, "the witness").map_err(|e| format!("invalid: {e}"))?),
        None => None,
    };
    execution_verify::verify(&file, witness.as_ref()).map_err(|e| format!("invalid: {e}"))
}

/// For JavaScript: [`verify`], its report as JSON text. `witness` is `undefined` for none.
#[wasm_bindgen(js_name = verifyExecutionProof)]
pub fn verify_json(proof: &[u8], name: &str, witness: Option<Vec<u8>>) -> String {
    serde_json::to_string(&verify(proof, name, witness.as_deref()))
        .unwrap_or_else(|e| format!("{{\"is_success\":false,\"message\":\"the report could not be written: {e}\"}}"))
}

/// For JavaScript: the image id this build pins.
#[wasm_bindgen(js_name = pinnedImageId)]
pub fn pinned_image_id() -> String {
    IMAGE_ID.into()
}
