//! `prove_segment` and `aggregate`: the execution proof made in pieces, by hand or on many
//! machines (docs/split-proving.md). Every machine runs with the same witness and the same
//! segment setting (or the same plan file); `aggregate` checks the pieces and writes the same
//! proof file `offline_prover --proof execution` writes.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use execution::split::{SegmentPlan, SegmentProofFile, SplitRun};
use progress::Progress;
use proof::ProofKind;
use prover::{ProveConfig, ProveFlags};

use crate::progress_bar::Bar;

/// What every piece is made from.
#[derive(Args)]
pub(crate) struct RunArgs {
    /// Witness file (JSON or bincode), as witness_capture writes it.
    #[arg(short, long)]
    witness: PathBuf,
    /// The plan to follow: a file with the plan, or the report `offline_prover --proof execution
    /// --execute-only` prints [default: made here by metered execution, with --segment-memory].
    #[arg(long)]
    plan: Option<PathBuf>,
    #[command(flatten)]
    flags: ProveFlags,
}

#[derive(Args)]
pub(crate) struct SegmentArgs {
    #[command(flatten)]
    run: RunArgs,
    /// The segment to prove, from 0 (`--execute-only` prints how many there are).
    #[arg(long)]
    segment: usize,
    /// Output segment proof file (JSON, written atomically).
    #[arg(short, long)]
    out: PathBuf,
}

#[derive(Args)]
pub(crate) struct AggregateArgs {
    #[command(flatten)]
    run: RunArgs,
    /// Output: the proof file (JSON, written atomically), or with --leaf the leaf's piece file.
    #[arg(short = 'p', long = "proof-file")]
    out: PathBuf,
    /// Make one leaf of the aggregation from one group of 4 consecutive segments (0-3, 4-7, ...)
    /// instead of the whole proof; the whole proof then takes the leaves in place of their
    /// segments.
    #[arg(long)]
    leaf: bool,
    /// The segment (and leaf) proof files, in any order.
    #[arg(required = true)]
    pieces: Vec<PathBuf>,
}

impl RunArgs {
    /// The run: settings checked, the witness read and checked, the plan read or made.
    fn open(&self) -> anyhow::Result<SplitRun> {
        let ProveConfig::Execution(settings) = self.flags.config(ProofKind::Execution, None)? else {
            unreachable!("the execution kind makes execution settings")
        };
        let plan = self.plan.as_deref().map(read_plan).transpose()?;
        let w = witness::file::read(&self.witness).with_context(|| format!("reading {}", self.witness.display()))?;
        SplitRun::new(&settings, &w, plan)
            .with_context(|| format!("block {} ({})", w.block_number, self.witness.display()))
    }
}

/// A plan file, or `--execute-only`'s report holding one.
fn read_plan(path: &Path) -> anyhow::Result<SegmentPlan> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let mut value: serde_json::Value =
        serde_json::from_slice(&bytes).with_context(|| format!("{}: not JSON", path.display()))?;
    if let Some(plan) = value.get_mut("plan") {
        value = plan.take();
    }
    serde_json::from_value(value).with_context(|| format!("{}: not a segment plan", path.display()))
}

fn check_writable(path: &Path) -> anyhow::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    tempfile::tempfile_in(dir).map(drop).with_context(|| format!("cannot write to {}", path.display()))
}

pub(crate) fn prove_segment(args: SegmentArgs, quiet: bool) -> anyhow::Result<()> {
    check_writable(&args.out)?;
    let run = args.run.open()?;
    let bar = Bar::new(quiet, "segments");
    let piece = run.prove_segment(args.segment, &bar);
    bar.finish();
    let piece = piece?;
    piece.write(&args.out)?;
    tracing::info!(
        seconds = piece.timings.prove,
        "segment {} of {} written to {}",
        args.segment,
        run.plan.count(),
        args.out.display()
    );
    Ok(())
}

pub(crate) fn aggregate(args: AggregateArgs, quiet: bool) -> anyhow::Result<()> {
    check_writable(&args.out)?;
    let pieces = args.pieces.iter().map(|p| SegmentProofFile::read(p)).collect::<Result<Vec<_>, _>>()?;
    let run = args.run.open()?;
    let bar = Bar::new(quiet, "leaves");
    if args.leaf {
        let leaf = run.aggregate_leaf(pieces, &bar);
        bar.finish();
        let leaf = leaf?;
        leaf.write(&args.out)?;
        tracing::info!("{} written to {}", leaf.name(), args.out.display());
        return Ok(());
    }
    let file = run.aggregate(pieces, &bar);
    bar.finish();
    let proof = prover::ProofFile::Execution(file?);
    proof.write(&args.out).with_context(|| format!("writing the proof to {}", args.out.display()))?;
    tracing::info!(proof = %proof.summary(), "proof written to {}", args.out.display());
    Ok(())
}
