//! `offline_prover` (witness file to proof) and `legacy_prover` (block number and node to proof).

use std::{
    io::IsTerminal,
    path::{Path, PathBuf},
};

use anyhow::Context;
use circuit::{
    proof_file::{KindFile, ProofFile},
    ClassName,
};
use clap::Args;
use execution::{ExecutionProofFile, ExecutionProver, ProverSettings};
use proof::ProofKind;
use prover::{prove_execution, prove_witness, ProveOptions, ProveProgress};

use crate::witness_cmds::{capture_witness, RpcArgs};

/// Params and keys, shared by the provers and the verifier.
#[derive(Args)]
pub struct KeyArgs {
    /// KZG params: a kzg_bn254_{k}.srs file (halo2 RawBytes layout; a larger k is downsized), or a
    /// directory holding such files.
    /// Needed for state proofs only.
    #[arg(short = 'k', long = "params")]
    pub params: Option<PathBuf>,
    /// Key cache directory [default: $XDG_CACHE_HOME/eth-block-prover/keys, else ~/.cache/...].
    #[arg(long)]
    pub keys_dir: Option<PathBuf>,
    /// Generate keys every time, cache nothing.
    #[arg(long, conflicts_with = "keys_dir")]
    pub no_key_cache: bool,
}

impl KeyArgs {
    pub fn keys_dir(&self) -> Option<PathBuf> {
        if self.no_key_cache {
            return None;
        }
        self.keys_dir.clone().or_else(|| {
            let cache = std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
            Some(cache.join("eth-block-prover/keys"))
        })
    }
}

#[derive(Args)]
pub struct ProveArgs {
    /// What to prove: `state` (halo2 KZG proofs of the header chain and the pre-state the block
    /// reads; needs -k) or `execution` (a zkVM proof that every transaction re-executes to the
    /// header's stateRoot).
    #[arg(long = "proof", value_name = "KIND", default_value = "state")]
    kind: ProofKind,
    #[command(flatten)]
    keys: KeyArgs,
    /// Output proof file (JSON, written atomically).
    #[arg(short = 'p', long = "proof-file", required_unless_present = "execute_only")]
    proof: Option<PathBuf>,
    /// State proofs: circuit class, micro, tiny or small [default: the cheapest that fits].
    #[arg(long)]
    class: Option<ClassName>,
    /// Execution proofs: run the guest in the zkVM executor without proving; prints the block
    /// commitment, the instruction count and the segments a proof would have (JSON on stdout).
    #[arg(long)]
    execute_only: bool,
    /// Execution proofs: the segment size, as the proving memory (GiB, OpenVM's estimate) one
    /// segment may need; a new segment starts before one would need more. Lower it for a lower
    /// peak (more, shorter segments) [default: 15, OpenVM's].
    #[arg(long, value_name = "GIB")]
    segment_memory: Option<f64>,
    /// Execution proofs: threads that prove [default: one per core].
    #[arg(long)]
    threads: Option<usize>,
}

impl ProveArgs {
    fn settings(&self) -> anyhow::Result<ProverSettings> {
        ProverSettings::new(self.segment_memory, self.threads).map_err(anyhow::Error::msg)
    }
}

#[derive(Args)]
pub struct OfflineArgs {
    /// Witness file (JSON or bincode), as witness_capture writes it.
    #[arg(short, long)]
    witness: PathBuf,
    #[command(flatten)]
    prove: ProveArgs,
}

#[derive(Args)]
pub struct LegacyArgs {
    /// Block number to prove (>= 1).
    #[arg(short, long)]
    block: u64,
    #[command(flatten)]
    rpc: RpcArgs,
    #[command(flatten)]
    prove: ProveArgs,
    /// Also keep the captured witness in this file.
    #[arg(short, long)]
    witness: Option<PathBuf>,
}

fn options(args: &ProveArgs) -> anyhow::Result<ProveOptions> {
    let params = args.keys.params.clone().context("a state proof needs KZG params: give them with -k / --params")?;
    Ok(ProveOptions { params, keys_dir: args.keys.keys_dir(), class: args.class })
}

fn progress(quiet: bool) -> ProveProgress {
    ProveProgress::new(!quiet && std::io::stderr().is_terminal())
}

fn write(proof: &ProofFile, path: &Path) -> anyhow::Result<()> {
    proof.write(path).with_context(|| format!("writing the proof to {}", path.display()))?;
    let t = &proof.timings;
    tracing::info!(
        block = proof.block_number,
        class = %proof.class.name,
        chunks = proof.chunks.len(),
        check = format!("{:.2}s", t.check_witness),
        keys = format!("{:.2}s ({:?})", t.keys, t.keys_source),
        prove = format!("{:.1}s + {:.1}s keccak", t.prove_block_state, t.prove_keccak),
        total = format!("{:.1}s", t.total),
        "proof written to {}",
        path.display()
    );
    if proof.insecure_dev_params {
        tracing::warn!("the proof was made with INSECURE development params (public seed): it proves nothing");
    }
    Ok(())
}

fn write_execution(proof: &ExecutionProofFile, path: &Path) -> anyhow::Result<()> {
    proof.write(path).with_context(|| format!("writing the proof to {}", path.display()))?;
    let t = &proof.timings;
    tracing::info!(
        block = proof.head.block_number,
        image = %proof.image_id,
        instructions = proof.instructions,
        segments = proof.segments,
        check = format!("{:.2}s", t.check_witness),
        execute = format!("{:.1}s", t.execute),
        prove = format!("{:.1}s", t.prove),
        total = format!("{:.1}s", t.total),
        "execution proof written to {}",
        path.display()
    );
    Ok(())
}

/// Proving takes minutes: find out now, not after, that the proof cannot be written.
fn check_writable(path: &Path) -> anyhow::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    tempfile::tempfile_in(dir).map(drop).with_context(|| format!("cannot write the proof to {}", path.display()))
}

/// The arguments that do not go with the chosen kind are refused, not ignored.
fn check_kind_args(args: &ProveArgs) -> anyhow::Result<Option<&Path>> {
    match args.kind {
        ProofKind::State => {
            anyhow::ensure!(!args.execute_only, "--execute-only is for --proof execution");
            anyhow::ensure!(
                args.segment_memory.is_none() && args.threads.is_none(),
                "--segment-memory and --threads are for --proof execution"
            );
            options(args)?;
        }
        ProofKind::Execution => {
            anyhow::ensure!(args.class.is_none(), "--class is for --proof state (circuit classes)");
            anyhow::ensure!(
                args.keys.params.is_none(),
                "--params is for --proof state: an execution proof needs no KZG params"
            );
            args.settings()?;
        }
    }
    let path = if args.execute_only { None } else { args.proof.as_deref() };
    if let Some(path) = path {
        check_writable(path)?;
    }
    Ok(path)
}

/// Proves (or with --execute-only runs) a witness already read, to `path` as `check_kind_args`
/// gave it.
fn prove(
    w: &witness::WitnessFile,
    args: &ProveArgs,
    path: Option<&Path>,
    read_seconds: f64,
    quiet: bool,
) -> anyhow::Result<()> {
    let what = || format!("proving block {}", w.block_number);
    match (args.kind, path) {
        (ProofKind::State, Some(path)) => {
            let mut proof = prove_witness(w, &options(args)?, &progress(quiet)).with_context(what)?;
            proof.timings.read_witness = read_seconds;
            proof.timings.total += read_seconds;
            write(&proof, path)
        }
        (ProofKind::Execution, Some(path)) => {
            let mut proof = prove_execution(w, &args.settings()?, &progress(quiet)).with_context(what)?;
            proof.timings.read_witness = read_seconds;
            proof.timings.total += read_seconds;
            write_execution(&proof, path)
        }
        (_, None) => {
            let prover = ExecutionProver::new(&args.settings()?)?;
            let report = execution::execute_witness(&prover, w)
                .with_context(|| format!("executing block {}", w.block_number))?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(())
        }
    }
}

pub fn offline(args: OfflineArgs, quiet: bool) -> anyhow::Result<()> {
    let path = check_kind_args(&args.prove)?;
    let t = std::time::Instant::now();
    let w = witness::file::read(&args.witness).with_context(|| format!("reading {}", args.witness.display()))?;
    prove(&w, &args.prove, path, t.elapsed().as_secs_f64(), quiet)
        .with_context(|| format!("proving {}", args.witness.display()))
}

pub fn legacy(args: LegacyArgs, quiet: bool) -> anyhow::Result<()> {
    let path = check_kind_args(&args.prove)?;
    let captured = capture_witness(args.block, &args.rpc, quiet)?;
    if let Some(path) = &args.witness {
        witness::file::write(path, &captured.witness, witness::file::Format::from_path(path))
            .with_context(|| format!("writing the witness to {}", path.display()))?;
    }
    prove(&captured.witness, &args.prove, path, captured.seconds, quiet)
}
