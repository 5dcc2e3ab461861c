//! `offline_prover` (witness file to proof) and `legacy_prover` (block number and node to proof).

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use execution::{image::GuestImage, ExecutionProver};
use proof::ProofKind;
use prover::{default_keys_dir, ProofFile, ProveConfig, ProveFlags};

use crate::{
    progress_bar::Bar,
    witness_cmds::{capture_witness, RpcArgs},
};

#[derive(Args)]
pub(crate) struct ProveArgs {
    /// What to prove: `state` (halo2 KZG proofs of the header chain and the pre-state the block
    /// reads; needs -k) or `execution` (a zkVM proof that every transaction re-executes to the
    /// header's stateRoot).
    #[arg(long = "proof", value_name = "KIND", default_value = "state")]
    kind: ProofKind,
    #[command(flatten)]
    flags: ProveFlags,
    /// Output proof file (JSON, written atomically).
    #[arg(short = 'p', long = "proof-file", required_unless_present = "execute_only")]
    proof: Option<PathBuf>,
    /// Execution proofs: run the guest in the zkVM executor without proving; prints the block
    /// commitment, the instruction count and the segments a proof would have (JSON on stdout).
    #[arg(long)]
    execute_only: bool,
    /// With --execute-only: also where the guest's instructions go, by phase of the block's check
    /// and by function (a sample of the pc every N instructions; `profile` in the JSON).
    #[arg(long, value_name = "N", num_args = 0..=1, default_missing_value = "1000", requires = "execute_only")]
    profile: Option<u64>,
    /// With --execute-only: run this guest ELF instead of the pinned one, e.g. one that
    /// scripts/build-guest.sh built from changed sources, to count (or profile) its instructions
    /// before pinning it. Its proofs would not verify: the verifier knows only the pinned images.
    /// It runs in the VM of --image (base unless given).
    #[arg(long, value_name = "ELF", requires = "execute_only")]
    guest_elf: Option<PathBuf>,
    /// With --execute-only: run in this guest image, `base` or `full` [default: the one the
    /// precompiles the block calls pick: full for the point evaluation, BLS12-381 and P-256].
    #[arg(long, value_name = "IMAGE", requires = "execute_only")]
    image: Option<GuestImage>,
}

#[derive(Args)]
pub(crate) struct OfflineArgs {
    /// Witness file (JSON or bincode), as witness_capture writes it.
    #[arg(short, long)]
    witness: PathBuf,
    #[command(flatten)]
    prove: ProveArgs,
}

#[derive(Args)]
pub(crate) struct LegacyArgs {
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

/// What the arguments ask for, checked before any work.
enum Plan {
    /// A proof, written to the path.
    Prove(ProveConfig, PathBuf),
    /// `--execute-only`: the guest in the zkVM executor (with `--profile`, sampled every N).
    Execute(Box<ExecutionProver>, Option<u64>),
}

/// The arguments that do not go with the chosen kind are refused, not ignored; an output that
/// cannot be written is found now, not after minutes of proving.
fn plan(args: &ProveArgs) -> anyhow::Result<Plan> {
    let config = args.flags.config(args.kind, default_keys_dir())?;
    match (config, args.execute_only, &args.proof) {
        (ProveConfig::Execution(settings), true, _) => {
            let prover = match (&args.guest_elf, args.image) {
                (Some(path), image) => {
                    let elf =
                        std::fs::read(path).with_context(|| format!("reading the guest ELF {}", path.display()))?;
                    let image = image.unwrap_or(GuestImage::Base);
                    ExecutionProver::with_elf(&settings, image, &elf).context("loading the guest ELF")?
                }
                (None, Some(image)) => ExecutionProver::new(&settings).in_image(image),
                (None, None) => ExecutionProver::new(&settings),
            };
            Ok(Plan::Execute(Box::new(prover), args.profile))
        }
        (_, true, _) => anyhow::bail!("--execute-only is for execution proofs"),
        (config, false, Some(path)) => {
            check_writable(path)?;
            Ok(Plan::Prove(config, path.clone()))
        }
        (_, false, None) => anyhow::bail!("no proof file: give it with -p / --proof-file"),
    }
}

fn check_writable(path: &Path) -> anyhow::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    tempfile::tempfile_in(dir).map(drop).with_context(|| format!("cannot write the proof to {}", path.display()))
}

fn write(proof: &ProofFile, path: &Path) -> anyhow::Result<()> {
    proof.write(path).with_context(|| format!("writing the proof to {}", path.display()))?;
    tracing::info!(proof = %proof.summary(), "proof written to {}", path.display());
    if let ProofFile::State(file) = proof {
        if file.insecure_dev_params {
            tracing::warn!("the proof was made with INSECURE development params (public seed): it proves nothing");
        }
    }
    Ok(())
}

/// Proves (or with --execute-only runs) a witness already read.
fn run(w: &witness::WitnessFile, plan: &Plan, read_seconds: f64, quiet: bool) -> anyhow::Result<()> {
    match plan {
        Plan::Execute(prover, profile) => {
            let context = || format!("executing block {}", w.block_number);
            let json = match profile {
                None => serde_json::to_value(execution::execute_witness(prover, w).with_context(context)?)?,
                Some(every) => {
                    let (report, profile) = execution::profile_witness(prover, w, *every).with_context(context)?;
                    let mut json = serde_json::to_value(report)?;
                    json["profile"] = serde_json::to_value(profile)?;
                    json
                }
            };
            println!("{}", serde_json::to_string_pretty(&json)?);
            Ok(())
        }
        Plan::Prove(config, path) => {
            let unit = if config.kind() == ProofKind::State { "proofs" } else { "segments" };
            let mut proof = prover::prove(config, w, &Bar::new(quiet, unit))
                .with_context(|| format!("proving block {}", w.block_number))?;
            proof.add_read_time(read_seconds);
            write(&proof, path)
        }
    }
}

pub(crate) fn offline(args: OfflineArgs, quiet: bool) -> anyhow::Result<()> {
    let plan = plan(&args.prove)?;
    let t = std::time::Instant::now();
    let w = witness::file::read(&args.witness).with_context(|| format!("reading {}", args.witness.display()))?;
    let doing = if matches!(plan, Plan::Execute(..)) { "executing" } else { "proving" };
    run(&w, &plan, t.elapsed().as_secs_f64(), quiet).with_context(|| format!("{doing} {}", args.witness.display()))
}

pub(crate) fn legacy(args: LegacyArgs, quiet: bool) -> anyhow::Result<()> {
    let plan = plan(&args.prove)?;
    let captured = capture_witness(args.block, &args.rpc, quiet)?;
    if let Some(path) = &args.witness {
        witness::file::write(path, &captured.witness, witness::file::Format::from_path(path))
            .with_context(|| format!("writing the witness to {}", path.display()))?;
    }
    run(&captured.witness, &plan, captured.seconds, quiet)
}
