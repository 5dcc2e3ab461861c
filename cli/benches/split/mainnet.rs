//! A whole mainnet block proven in pieces, one `prover_cmd` process per piece, as workers would:
//! the plan, every segment, every leaf, the aggregation, the verification. One process per piece
//! also bounds the memory: a process that proved several segments in turn grew past 23 GiB here.
//!
//! The pieces and their costs are kept in `target/bench-split-mainnet/`, so a run that is stopped
//! goes on where it was (a piece is measured once); delete the directory to measure again.
//!
//! The block is cut at `BENCH_SEGMENT_MEMORY` GiB (default 4, the prover's default): at OpenVM's
//! own default (15 GiB of its estimate) and at 8 GiB, a segment's process passed 24 GiB and was
//! killed for memory here.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use anyhow::{ensure, Context};
use execution::split::{SegmentPlan, SegmentProofFile, SEGMENTS_PER_LEAF};
use testkit::{fixtures::ZethCache, replay::ReplayNode};

use crate::{
    model::{project, Measured},
    run::{captured, machine, plan, s, timed, timed_output, Cost},
};

const BLOCK: u64 = 21230867;

/// The segment setting the block is cut at (GiB of OpenVM's estimate).
fn segment_memory() -> String {
    std::env::var("BENCH_SEGMENT_MEMORY").unwrap_or_else(|_| "4".into())
}

/// The costs measured so far, by piece name, kept beside the pieces.
struct Ledger {
    path: PathBuf,
    costs: BTreeMap<String, Cost>,
}

impl Ledger {
    fn open(dir: &Path) -> anyhow::Result<Self> {
        let path = dir.join("costs.json");
        let costs = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).context("costs.json")?,
            Err(_) => BTreeMap::new(),
        };
        Ok(Self { path, costs })
    }

    /// The cost of `name`, measured now by `run` unless `out` and its cost are already there.
    fn piece(&mut self, name: &str, out: &Path, run: impl FnOnce() -> anyhow::Result<Cost>) -> anyhow::Result<Cost> {
        if let (true, Some(cost)) = (out.exists(), self.costs.get(name)) {
            return Ok(*cost);
        }
        let cost = run()?;
        self.costs.insert(name.into(), cost);
        std::fs::write(&self.path, serde_json::to_vec_pretty(&self.costs)?)?;
        Ok(cost)
    }
}

pub(crate) fn mainnet() -> anyhow::Result<()> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench-split-mainnet");
    std::fs::create_dir_all(&dir)?;
    let witness = dir.join("witness.json");
    if !witness.exists() {
        let server = ReplayNode::new(ZethCache::load("mainnet-zeth/1-21230867.json.gz")?).serve(0)?;
        witness::file::write(&witness, &captured(&server.url, BLOCK)?, witness::file::Format::Json)?;
    }
    let mut ledger = Ledger::open(&dir)?;
    let plan_file = dir.join("plan.json");
    let gib = segment_memory();
    let plan_cost = ledger.piece("plan", &plan_file, || plan(&witness, &gib, &plan_file))?;
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&plan_file)?)?;
    let plan: SegmentPlan = serde_json::from_value(report["plan"].clone()).context("plan.json: no plan")?;
    let count = plan.count();
    println!(
        "mainnet {BLOCK}: {} instructions, {count} segments; plan {:.1} s | {}",
        plan.instructions,
        plan_cost.wall,
        machine()
    );

    let base = |cmd: &'static str| vec!["-q", cmd, "-w", s(&witness), "--plan", s(&plan_file)];
    let mut segments = Vec::with_capacity(count);
    let mut costs = vec![plan_cost];
    println!("| segment | instructions | execute to its start (s) | prove (s) | process wall (s) | peak (GiB) |");
    println!("|---|---|---|---|---|---|");
    for index in 0..count {
        let out = dir.join(format!("segment-{index}.json"));
        let cost = ledger.piece(&format!("segment-{index}"), &out, || {
            let mut args = base("prove_segment");
            let i = index.to_string();
            args.extend(["--segment", &i, "-o", s(&out)]);
            timed(&args)
        })?;
        let piece = SegmentProofFile::read(&out)?;
        let t = piece.timings;
        println!(
            "| {index} | {} | {:.1} | {:.1} | {:.1} | {:.1} |",
            plan.segments[index].num_insns, t.reach_start, t.prove, cost.wall, cost.peak_gib
        );
        segments.push((t.reach_start, t.prove, cost.wall - t.reach_start - t.prove));
        costs.push(cost);
    }

    let mut leaves = Vec::new();
    let mut leaf_files = Vec::new();
    for (k, group) in (0..count).step_by(SEGMENTS_PER_LEAF).map(|s| s..(s + SEGMENTS_PER_LEAF).min(count)).enumerate() {
        let out = dir.join(format!("leaf-{k}.json"));
        let inputs: Vec<PathBuf> = group.clone().map(|i| dir.join(format!("segment-{i}.json"))).collect();
        let cost = ledger.piece(&format!("leaf-{k}"), &out, || {
            let mut args = base("aggregate");
            args.extend(["--leaf", "-p", s(&out)]);
            args.extend(inputs.iter().map(|p| s(p)));
            timed(&args)
        })?;
        let prove = SegmentProofFile::read(&out)?.timings.prove;
        println!(
            "leaf of segments {} to {}: {prove:.1} s (process {:.1} s, peak {:.1} GiB)",
            group.start,
            group.end - 1,
            cost.wall,
            cost.peak_gib
        );
        leaves.push(prove);
        costs.push(cost);
        leaf_files.push(out);
    }

    let proof = dir.join("proof.json");
    let aggregate = ledger.piece("aggregate", &proof, || {
        let mut args = base("aggregate");
        args.extend(["-p", s(&proof)]);
        args.extend(leaf_files.iter().map(|p| s(p)));
        timed(&args)
    })?;
    costs.push(aggregate);
    let (verify, printed) = timed_output(&["-q", "verifier", "-p", s(&proof), "-w", s(&witness)])?;
    let verdict: serde_json::Value = serde_json::from_slice(&printed).context("the verifier's report")?;
    ensure!(verdict["witness_matched"] == serde_json::Value::Bool(true), "the proof is not of the witness: {verdict}");
    let proof_bytes = std::fs::metadata(&proof)?.len();

    let wall: f64 = costs.iter().map(|c| c.wall).sum();
    let cpu: f64 = costs.iter().map(|c| c.cpu).sum();
    let peak = costs.iter().map(|c| c.peak_gib).fold(0.0, f64::max);
    let prove_sum: f64 = segments.iter().map(|s| s.1).sum();
    let execute_sum: f64 = segments.iter().map(|s| s.0).sum();
    println!(
        "aggregation (leaves checked, internal layers, last wrap, checked under the committed key): {:.1} s, peak {:.1} GiB; \
         verified in {:.1} s (process); proof file {proof_bytes} B",
        aggregate.wall, aggregate.peak_gib, verify.wall
    );
    println!(
        "whole block, one piece after another: wall {:.1} min, CPU {:.1} min ({:.0}% of the cores), peak {peak:.1} GiB (one process); \
         segments: prove {prove_sum:.0} s + execute to their starts {execute_sum:.0} s; leaves {:.0} s; aggregation {:.0} s | {}",
        wall / 60.0,
        cpu / 60.0,
        100.0 * cpu / wall / std::thread::available_parallelism().map_or(1.0, |n| n.get() as f64),
        leaves.iter().sum::<f64>(),
        aggregate.wall,
        machine()
    );
    let measured = Measured {
        plan: plan_cost.wall,
        setup: segments.iter().map(|s| s.2).sum::<f64>() / count.max(1) as f64,
        segments: segments.iter().map(|s| (s.0, s.1)).collect(),
        leaves,
        aggregate: aggregate.wall,
    };
    println!("\n{}", project(&measured, &[1, 2, 4, 8, 16, 32, 64]));
    println!("(the pieces and their costs: {})", dir.display());
    Ok(())
}
