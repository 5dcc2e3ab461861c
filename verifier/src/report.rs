//! The dispatch over proof kinds, for verifying, and the report: `{is_success, message, kind,
//! ...}` whatever the input. The head is the same for every kind; each kind adds its section.

use std::{path::Path, time::Instant};

use alloy_primitives::B256;
use circuit::{StateProof, StateVerified, StateVerifyConfig};
use execution::{ExecutionProof, ExecutionVerified};
use proof::{Envelope, EnvelopeError, KindFile, ProofKind, ProofSystem};
use serde::Serialize;
use witness::WitnessFile;

/// What the verifier needs besides the file: the state proof's params and key cache (the
/// execution proof needs nothing, its key is built in).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VerifyOptions {
    /// A params file, or a directory holding `kzg_bn254_{k}.srs` files (state proofs only).
    pub params: Option<std::path::PathBuf>,
    /// Where verifying keys are cached; `None` derives them every time (state proofs only).
    pub keys_dir: Option<std::path::PathBuf>,
}

/// The verifier's answer.
#[derive(Clone, Debug, Default, Serialize)]
pub struct VerifyReport {
    /// Whether the proof is valid (and, with a witness, of exactly that witness).
    pub is_success: bool,
    /// What the proof proves, in words, or why it is refused.
    pub message: String,
    /// The file, as the caller named it.
    pub proof_file: String,
    /// `state` or `execution`, as the file names it.
    pub kind: Option<ProofKind>,
    /// As the proof file names them; what each kind proves of them is in its section.
    pub chain_id: Option<u64>,
    /// As the proof file names it.
    pub block_number: Option<u64>,
    /// As the proof file names it; both kinds prove it.
    pub block_hash: Option<B256>,
    /// The verifier's params are the public-seed development ones: the proof proves nothing.
    pub insecure_dev_params: bool,
    /// State proofs: the circuit class and ids, chunks, and the distinct accounts and storage
    /// slots of the parent state the proof covers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<StateVerified>,
    /// Execution proofs: the guest image and what the proven commitment says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution: Option<ExecutionVerified>,
    /// Whether a witness was given and the proof is of exactly that witness (state: its
    /// pre-state; execution: its block).
    pub witness_matched: Option<bool>,
    /// How long verifying took.
    pub seconds: f64,
}

/// Decodes proof-file bytes whole, the body as the kind the envelope names, without verifying:
/// what a server checks before it takes an upload, so that a file that is not a proof of either
/// kind is refused as such (a 400) rather than reported as a proof that does not verify.
pub fn decode_proof(bytes: &[u8], name: &str) -> Result<ProofKind, EnvelopeError> {
    let envelope = Envelope::decode(bytes, name)?;
    let kind = envelope.kind;
    match kind {
        ProofKind::State => envelope.into_body::<<StateProof as ProofSystem>::File>(kind).map(drop)?,
        ProofKind::Execution => envelope.into_body::<<ExecutionProof as ProofSystem>::File>(kind).map(drop)?,
    }
    Ok(kind)
}

/// Verifies proof-file bytes (named `name` in the report), with a witness's bytes (JSON or
/// bincode) if given. Every failure, a panic deep in a dependency included, is a report with
/// `is_success: false` and the reason.
pub fn verify(proof: &[u8], name: &str, witness: Option<&[u8]>, opts: &VerifyOptions) -> VerifyReport {
    let started = Instant::now();
    let mut report =
        VerifyReport { proof_file: name.into(), witness_matched: witness.map(|_| false), ..Default::default() };
    match proof::catching_panics(|| verify_any(proof, name, witness, opts, &mut report)) {
        Ok(Ok(())) => report.is_success = true,
        Ok(Err(message)) => report.message = message,
        Err(panic) => report.message = format!("invalid: the proof could not be checked: {panic}"),
    }
    report.seconds = started.elapsed().as_secs_f64();
    report
}

/// Reads a proof file (and a witness file) and verifies it: the path form of [`verify`].
pub fn verify_file(path: &Path, witness: Option<&Path>, opts: &VerifyOptions) -> VerifyReport {
    let name = path.display().to_string();
    let read = |path: &Path| std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()));
    let witness_bytes = match witness.map(read).transpose() {
        Ok(bytes) => bytes,
        Err(reason) => return refused(&name, witness.is_some(), format!("invalid: the witness: {reason}")),
    };
    match read(path) {
        Ok(bytes) => verify(&bytes, &name, witness_bytes.as_deref(), opts),
        Err(reason) => refused(&name, witness.is_some(), reason),
    }
}

fn refused(name: &str, witness: bool, message: String) -> VerifyReport {
    VerifyReport { proof_file: name.into(), message, witness_matched: witness.then_some(false), ..Default::default() }
}

fn verify_any(
    bytes: &[u8],
    name: &str,
    witness: Option<&[u8]>,
    opts: &VerifyOptions,
    report: &mut VerifyReport,
) -> Result<(), String> {
    let envelope = Envelope::decode(bytes, name).map_err(|e| e.to_string())?;
    report.kind = Some(envelope.kind);
    let witness = match witness {
        Some(bytes) => Some(witness::file::decode(bytes, "the witness").map_err(|e| format!("invalid: {e}"))?),
        None => None,
    };
    match envelope.kind {
        ProofKind::State => {
            let config = StateVerifyConfig { params: opts.params.clone(), keys_dir: opts.keys_dir.clone() };
            let verified = check::<StateProof>(envelope, &config, witness.as_ref(), report)?;
            report.state = Some(verified);
        }
        ProofKind::Execution => {
            let verified = check::<ExecutionProof>(envelope, &(), witness.as_ref(), report)?;
            report.execution = Some(verified);
        }
    }
    Ok(())
}

/// One kind's checks, and the report's head and message from them.
fn check<K: ProofSystem>(
    envelope: Envelope,
    config: &K::VerifyConfig,
    witness: Option<&WitnessFile>,
    report: &mut VerifyReport,
) -> Result<K::Verified, String> {
    let file: K::File = envelope.into_body(K::KIND).map_err(|e| e.to_string())?;
    let head = file.head();
    (report.chain_id, report.block_number, report.block_hash) =
        (Some(head.chain_id), Some(head.block_number), Some(head.block_hash));
    let verified = K::verify(config, &file, witness).map_err(|e| format!("invalid: {e}"))?;
    report.insecure_dev_params = K::insecure(&verified);
    report.witness_matched = witness.map(|_| K::witness_matched(&verified));
    report.message = K::describe(&verified);
    Ok(verified)
}
