//! The two task handlers: arguments as the task gives them (without a program name; a later
//! occurrence of an option wins, so a task overrides the image's defaults), relative input paths
//! in the task's input directory, relative output paths in its output directory.

use std::{
    path::PathBuf,
    time::{SystemTime, UNIX_EPOCH},
};

use clap::Parser;
use proof::{EnvelopeError, ProofKind};
use prover::{FlagError, ProveError, ProveFlags};
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
    /// Proof file to write (with --segment: the segment's piece file).
    #[arg(long, default_value = "proof.json")]
    pub proof: PathBuf,
    /// Execution proofs in pieces (a split workflow's first stage): prove only this segment,
    /// from 0, and write its piece file.
    #[arg(long, conflicts_with = "aggregate")]
    pub segment: Option<usize>,
    /// Execution proofs in pieces (the workflow's fan-in): the segment piece files (inputs), or
    /// directories of them, to aggregate into the proof.
    #[arg(long, num_args = 1..)]
    pub aggregate: Vec<PathBuf>,
    /// As `prover_cmd offline_prover`'s; the params default to the image's /params, the key
    /// cache to its /keys when it has one.
    #[command(flatten)]
    pub flags: ProveFlags,
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

/// Why a task failed: the message the node gets.
#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    /// The task's arguments do not parse.
    #[error("bad task arguments {args:?}: {message}")]
    Arguments {
        /// The arguments as the task gave them.
        args: Vec<String>,
        /// What clap said.
        message: String,
    },
    /// The arguments parse but do not make a configuration.
    #[error("bad task arguments: {0}")]
    Flags(#[from] FlagError),
    /// Proving failed.
    #[error("proving: {0}")]
    Prove(#[from] ProveError),
    /// The proof cannot be written to the output directory.
    #[error(transparent)]
    WriteProof(#[from] EnvelopeError),
    /// A piece of a split proof was not made, or the pieces were not aggregated.
    #[error(transparent)]
    Split(#[from] execution::ExecutionError),
    /// `--segment` or `--aggregate` with a state proof.
    #[error("--segment and --aggregate are for execution proofs")]
    SplitOfState,
    /// A file the task names is not among the inputs the node delivered.
    #[error("the task's {what} file {} was not delivered", path.display())]
    NotDelivered {
        /// `proof` or `witness`.
        what: &'static str,
        /// The path as the task names it.
        path: PathBuf,
    },
}

fn keys_dir(given: &Option<PathBuf>, ctx: &TaskContext) -> Option<PathBuf> {
    match given {
        Some(dir) => Some(ctx.output(dir)),
        None => Some(PathBuf::from(IMAGE_KEYS)).filter(|d| d.is_dir()),
    }
}

fn parse<A: Parser>(ctx: &TaskContext) -> Result<A, TaskError> {
    A::try_parse_from(&ctx.args)
        .map_err(|e| TaskError::Arguments { args: ctx.args.clone(), message: e.render().to_string().trim().into() })
}

/// The prover task. For an execution proof, `--params` and `--keys-dir` are not read: an image's
/// default arguments (a v1 ops config's `Args`) may carry them for the state proof, and a task
/// cannot take a default back. `--class` is the task's own choice, so it is refused.
pub fn prove(ctx: &TaskContext) -> Result<TaskOutput, TaskError> {
    let args: ProverArgs = parse(ctx)?;
    let mut flags = args.flags;
    let keys = match args.kind {
        ProofKind::State => {
            let params = flags.keys.params.get_or_insert_with(|| IMAGE_PARAMS.into());
            *params = ctx.input(params);
            keys_dir(&flags.keys.keys_dir.take(), ctx)
        }
        ProofKind::Execution => {
            (flags.keys.params, flags.keys.keys_dir) = (None, None);
            None
        }
    };
    let config = flags.config(args.kind, keys)?;
    let witness = ctx.input(&args.witness);
    let proof_path = ctx.output(&args.proof);
    if args.segment.is_some() || !args.aggregate.is_empty() {
        let prover::ProveConfig::Execution(settings) = config else { return Err(TaskError::SplitOfState) };
        return prove_piece(ctx, &settings, &witness, args.segment, &args.aggregate, &proof_path);
    }
    let proof = prover::prove_file(&config, &witness, &progress::Silent)?;
    proof.write(&proof_path)?;
    let mut data = proof.summary();
    data["proof_file"] = json!(ctx.said(&proof_path));
    tracing::info!(%data, "proved");
    Ok(TaskOutput { data: data.to_string().into_bytes(), files: vec![proof_path] })
}

/// A split workflow's task: one segment's piece, or the aggregation of the pieces (inputs) into
/// the proof file.
fn prove_piece(
    ctx: &TaskContext,
    settings: &execution::ProverSettings,
    witness: &std::path::Path,
    segment: Option<usize>,
    pieces: &[PathBuf],
    out: &std::path::Path,
) -> Result<TaskOutput, TaskError> {
    use execution::split::{SegmentProofFile, SplitRun};
    let w = witness::file::read(witness).map_err(|e| {
        execution::ExecutionError::Segment(execution::split::SegmentError::File {
            file: ctx.said(witness).display().to_string(),
            cause: e.to_string(),
        })
    })?;
    let run = SplitRun::new(settings, &w, None)?;
    let data = match segment {
        Some(index) => {
            let piece = run.prove_segment(index, &progress::Silent)?;
            piece.write(out).map_err(execution::ExecutionError::Segment)?;
            json!({ "segment": index, "segments": run.plan.count(), "seconds": piece.timings.prove, "piece_file": ctx.said(out) })
        }
        None => {
            let mut files = Vec::with_capacity(pieces.len());
            for path in piece_paths(ctx, pieces)? {
                // Named as the task names it, not where this run put it.
                let said = ctx.said(&path).display().to_string();
                let bytes = std::fs::read(&path)
                    .map_err(|_| TaskError::NotDelivered { what: "segment", path: ctx.said(&path) })?;
                files.push(SegmentProofFile::decode(&bytes, &said).map_err(execution::ExecutionError::Segment)?);
            }
            let proof = prover::ProofFile::Execution(run.aggregate(files, &progress::Silent)?);
            proof.write(out)?;
            let mut data = proof.summary();
            data["proof_file"] = json!(ctx.said(out));
            data
        }
    };
    tracing::info!(%data, "proved");
    Ok(TaskOutput { data: data.to_string().into_bytes(), files: vec![out.to_path_buf()] })
}

/// The piece files `--aggregate` names: files, or directories whose every file is a piece (a
/// workflow delivers one input per segment under one directory).
fn piece_paths(ctx: &TaskContext, named: &[PathBuf]) -> Result<Vec<PathBuf>, TaskError> {
    let mut paths = Vec::new();
    for name in named {
        let path = ctx.input(name);
        if path.is_dir() {
            let listed = std::fs::read_dir(&path)
                .map_err(|_| TaskError::NotDelivered { what: "segment", path: ctx.said(&path) })?;
            let mut files: Vec<PathBuf> = listed.filter_map(|e| Some(e.ok()?.path())).filter(|p| p.is_file()).collect();
            files.sort();
            paths.extend(files);
        } else if path.is_file() {
            paths.push(path);
        } else {
            return Err(TaskError::NotDelivered { what: "segment", path: ctx.said(&path) });
        }
    }
    Ok(paths)
}

/// A proof that does not verify is a completed task whose answer is `is_success: false`; bad
/// arguments, and a proof or witness the task names but the node did not deliver, are a failed
/// task: nothing was verified, so there is no answer to give.
pub fn verify(ctx: &TaskContext) -> Result<TaskOutput, TaskError> {
    let args: VerifierArgs = parse(ctx)?;
    let proof_path = ctx.input(&args.proof);
    let witness = args.witness.as_ref().map(|w| ctx.input(w));
    let opts = VerifyOptions { params: Some(ctx.input(&args.params)), keys_dir: keys_dir(&args.keys_dir, ctx) };
    for (what, path) in [("proof", Some(&proof_path)), ("witness", witness.as_ref())] {
        if let Some(path) = path.filter(|p| !p.is_file()) {
            return Err(TaskError::NotDelivered { what, path: ctx.said(path) });
        }
    }
    let mut report = verify_file(&proof_path, witness.as_deref(), &opts);
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
