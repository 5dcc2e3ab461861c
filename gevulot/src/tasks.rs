//! The two task handlers: arguments as the task gives them (without a program name; a later
//! occurrence of an option wins, so a task overrides the image's defaults), relative input paths
//! in the task's input directory, relative output paths in its output directory.

use std::{
    path::PathBuf,
    time::{SystemTime, UNIX_EPOCH},
};

use circuit::{proof_file::KindFile, ClassName};
use clap::Parser;
use execution::ProverSettings;
use proof::ProofKind;
use prover::{prove_execution_file, prove_witness_file, ProveOptions, ProveProgress};
use serde_json::json;
use verifier::{verify_file, VerifyOptions};

use crate::shim::{TaskContext, TaskOutput};

/// Where the image keeps the KZG params (a directory of kzg_bn254_{k}.srs files).
pub const IMAGE_PARAMS: &str = "/params";
/// Where the image keeps its verifying (and perhaps proving) keys; read-only.
pub const IMAGE_KEYS: &str = "/keys";

/// Arguments of a prover task.
#[derive(Parser, Debug)]
#[command(
    name = "prover",
    no_binary_name = true,
    args_override_self = true,
    about = "Proves a block witness (Gevulot task)"
)]
pub struct ProverArgs {
    /// Witness file (JSON or bincode).
    #[arg(long)]
    pub witness: PathBuf,
    /// What to prove: `state` (halo2 KZG proofs of the header chain and the pre-state reads) or
    /// `execution` (a zkVM proof that every transaction re-executes to the header's stateRoot).
    #[arg(long, default_value = "state")]
    pub kind: ProofKind,
    /// KZG params file or directory (state proofs).
    #[arg(long, default_value = IMAGE_PARAMS)]
    pub params: PathBuf,
    /// Proof file to write.
    #[arg(long, default_value = "proof.json")]
    pub proof: PathBuf,
    /// Key cache directory [default: /keys when the image has it].
    #[arg(long)]
    pub keys_dir: Option<PathBuf>,
    /// State proofs: circuit class [default: the cheapest that fits].
    #[arg(long)]
    pub class: Option<ClassName>,
    /// Execution proofs: the proving memory (GiB) one segment may need (the segment size)
    /// [default: 15, OpenVM's].
    #[arg(long, value_name = "GIB")]
    pub segment_memory: Option<f64>,
    /// Execution proofs: threads that prove [default: one per core].
    #[arg(long)]
    pub threads: Option<usize>,
}

/// Arguments of a verifier task.
#[derive(Parser, Debug)]
#[command(
    name = "verifier",
    no_binary_name = true,
    args_override_self = true,
    about = "Verifies a block proof (Gevulot task)"
)]
pub struct VerifierArgs {
    /// Proof file.
    #[arg(long)]
    pub proof: PathBuf,
    /// KZG params file or directory.
    #[arg(long, default_value = IMAGE_PARAMS)]
    pub params: PathBuf,
    /// Key cache directory [default: /keys when the image has it].
    #[arg(long)]
    pub keys_dir: Option<PathBuf>,
    /// A witness the proof must cover exactly.
    #[arg(long)]
    pub witness: Option<PathBuf>,
}

fn keys_dir(given: &Option<PathBuf>, ctx: &TaskContext) -> Option<PathBuf> {
    match given {
        Some(dir) => Some(ctx.output(dir)),
        None => Some(PathBuf::from(IMAGE_KEYS)).filter(|d| d.is_dir()),
    }
}

fn parse<A: Parser>(ctx: &TaskContext) -> Result<A, String> {
    A::try_parse_from(&ctx.args)
        .map_err(|e| format!("bad task arguments {:?}: {}", ctx.args, e.render().to_string().trim()))
}

pub fn prove(ctx: &TaskContext) -> Result<TaskOutput, String> {
    let args: ProverArgs = parse(ctx)?;
    match args.kind {
        ProofKind::State => prove_state(ctx, args),
        ProofKind::Execution => prove_execution(ctx, args),
    }
}

fn prove_state(ctx: &TaskContext, args: ProverArgs) -> Result<TaskOutput, String> {
    if args.segment_memory.is_some() || args.threads.is_some() {
        return Err("bad task arguments: --segment-memory and --threads are for --kind execution".into());
    }
    let witness = ctx.input(&args.witness);
    let proof_path = ctx.output(&args.proof);
    let opts =
        ProveOptions { params: ctx.input(&args.params), keys_dir: keys_dir(&args.keys_dir, ctx), class: args.class };
    let proof = prove_witness_file(&witness, &opts, &ProveProgress::hidden()).map_err(|e| format!("proving: {e}"))?;
    proof.write(&proof_path).map_err(|e| e.to_string())?;
    let data = json!({
        "kind": ProofKind::State,
        "proof_file": ctx.said(&proof_path),
        "block_number": proof.block_number,
        "block_hash": proof.block_hash,
        "class": proof.class.name,
        "chunks": proof.chunks.len(),
        "circuits": proof.circuits,
        "insecure_dev_params": proof.insecure_dev_params,
        "timings": proof.timings,
    });
    tracing::info!(%data, "proved");
    Ok(TaskOutput { data: data.to_string().into_bytes(), files: vec![proof_path] })
}

/// The execution proof: the pinned guest in the zkVM; no params or keys (the verifying key is
/// built into the verifier). `--params` and `--keys-dir` are not read: an image's default
/// arguments (a v1 ops config's `Args`) may carry them for the state proof, and a task cannot take
/// a default back. `--class` is the task's own choice, so it is refused.
fn prove_execution(ctx: &TaskContext, args: ProverArgs) -> Result<TaskOutput, String> {
    if args.class.is_some() {
        return Err("bad task arguments: --class is for --kind state".into());
    }
    let settings =
        ProverSettings::new(args.segment_memory, args.threads).map_err(|e| format!("bad task arguments: {e}"))?;
    let witness = ctx.input(&args.witness);
    let proof_path = ctx.output(&args.proof);
    let proof =
        prove_execution_file(&witness, &settings, &ProveProgress::hidden()).map_err(|e| format!("proving: {e}"))?;
    proof.write(&proof_path).map_err(|e| e.to_string())?;
    let data = json!({
        "kind": ProofKind::Execution,
        "proof_file": ctx.said(&proof_path),
        "block_number": proof.head.block_number,
        "block_hash": proof.head.block_hash,
        "image_id": proof.image_id,
        "zkvm": proof.zkvm,
        "instructions": proof.instructions,
        "segments": proof.segments,
        "state_root": proof.commitment.state_root,
        "timings": proof.timings,
    });
    tracing::info!(%data, "proved");
    Ok(TaskOutput { data: data.to_string().into_bytes(), files: vec![proof_path] })
}

/// A proof that does not verify is a completed task whose answer is `is_success: false`; bad
/// arguments, and a proof or witness the task names but the node did not deliver, are a failed
/// task: nothing was verified, so there is no answer to give.
pub fn verify(ctx: &TaskContext) -> Result<TaskOutput, String> {
    let args: VerifierArgs = parse(ctx)?;
    let proof_path = ctx.input(&args.proof);
    let opts = VerifyOptions {
        params: Some(ctx.input(&args.params)),
        keys_dir: keys_dir(&args.keys_dir, ctx),
        witness: args.witness.as_ref().map(|w| ctx.input(w)),
    };
    for (what, path) in [("proof", Some(&proof_path)), ("witness", opts.witness.as_ref())] {
        if let Some(path) = path.filter(|p| !p.is_file()) {
            return Err(format!("the task's {what} file {} was not delivered", ctx.said(path).display()));
        }
    }
    let mut report = verify_file(&proof_path, &opts);
    report.proof_file = ctx.said(&proof_path).display().to_string();
    let timestamp = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let data = json!({
        "is_success": report.is_success,
        "message": report.message,
        "proof_file": ctx.said(&proof_path),
        "timestamp": timestamp,
        "report": report,
    });
    tracing::info!(is_success = report.is_success, message = %report.message, "verified");
    Ok(TaskOutput { data: data.to_string().into_bytes(), files: vec![] })
}
