//! Split proving measured (docs/split-proving.md, docs/performance.md):
//!
//! - `mainnet`: mainnet block 21230867 (67 transactions, replayed from the zeth recording) proven
//!   whole, in pieces, in this process: the plan, every segment alone (executed from the
//!   beginning to its start, then proven), every leaf, the aggregation, the verification. Prints
//!   each piece's time, wall and CPU time, peak memory, and the wall time projected for 1 to 64
//!   workers from the measured pieces (the model is printed beside it). About an hour on 2 cores.
//! - `cost`: what splitting costs. The anvil mixed block (5 transactions) cut into at least 8
//!   segments by a 1 GiB segment setting, proven by one `offline_prover` process on 2 threads
//!   against two lanes of 1-thread `prove_segment` / `aggregate` processes (the split), in one
//!   run: CPU time (user + system, from /usr/bin/time) and wall time of each.
//!
//! Run with:
//!
//!     cargo bench -p cli --bench split                       # both
//!     BENCH_SPLIT=mainnet cargo bench -p cli --bench split   # or cost
//!
//! Figures go in docs/performance.md with the date and the machine.

mod model;

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::Instant,
};

use anyhow::{ensure, Context};
use execution::{split::SplitRun, ProverSettings};
use model::{project, Measured};
use progress::Silent;
use testkit::{anvil::Anvil, blocks, fixtures::ZethCache, replay::ReplayNode};
use witness::{
    capture::{capture, CaptureOptions},
    rpc::{RpcClient, RpcConfig},
    WitnessFile,
};

fn captured(url: &str, block: u64) -> anyhow::Result<WitnessFile> {
    let client = RpcClient::new(url, RpcConfig::default());
    Ok(capture(&client, &CaptureOptions::new(block, 1), &Silent)?.witness)
}

/// This process's peak resident memory (GiB) and CPU time so far (user + system, seconds).
fn peak_and_cpu() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    // /proc/self/stat fields 14 and 15: utime and stime in clock ticks (100 a second here).
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let ticks: f64 = [11, 12].iter().filter_map(|i| fields.get(*i)?.parse::<f64>().ok()).sum();
    (kib / 1048576.0, ticks / 100.0)
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines().find_map(|l| l.strip_prefix("model name")?.split(':').nth(1).map(|m| m.trim().to_string()))
        })
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    format!("{cores} cores, {cpu}")
}

fn mainnet() -> anyhow::Result<()> {
    let server = ReplayNode::new(ZethCache::load("mainnet-zeth/1-21230867.json.gz")?).serve(0)?;
    let w = captured(&server.url, 21230867).context("capturing 21230867 from the replay node")?;
    let started = Instant::now();
    let run = SplitRun::new(&ProverSettings::default(), &w, None)?;
    let count = run.plan.count();
    println!(
        "mainnet 21230867: {} instructions, {count} segments; witness check {:.1} s, plan (metered execution) {:.1} s",
        run.plan.instructions, run.check_seconds, run.plan_seconds
    );
    let mut pieces = Vec::with_capacity(count);
    let mut segments = Vec::with_capacity(count);
    println!("| segment | instructions | execute to its start (s) | prove (s) |\n|---|---|---|---|");
    for index in 0..count {
        let piece = run.prove_segment(index, &Silent)?;
        let execute = piece.timings.reach_start - run.check_seconds - run.plan_seconds;
        println!("| {index} | {} | {execute:.1} | {:.1} |", run.plan.segments[index].num_insns, piece.timings.prove);
        segments.push((execute, piece.timings.prove));
        pieces.push(piece);
    }
    let mut leaves = Vec::new();
    let mut leaf_seconds = Vec::new();
    for group in run.plan.leaves() {
        let members: Vec<_> = pieces[group.clone()].to_vec();
        let leaf = run.aggregate_leaf(members, &Silent)?;
        println!("leaf of segments {} to {}: {:.1} s", group.start, group.end - 1, leaf.timings.prove);
        leaf_seconds.push(leaf.timings.prove);
        leaves.push(leaf);
    }
    let t = Instant::now();
    let file = run.aggregate(leaves, &Silent)?;
    let aggregate = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let verified = execution::verify(&file, Some(&w))?;
    ensure!(verified.witness_matched, "the proof is not of the witness");
    let verify_ms = t.elapsed().as_secs_f64() * 1000.0;
    let wall = started.elapsed().as_secs_f64();
    let (peak, cpu) = peak_and_cpu();
    let prove_sum: f64 = segments.iter().map(|s| s.1).sum();
    let execute_sum: f64 = segments.iter().map(|s| s.0).sum();
    println!(
        "aggregation (check the leaves, internal layers, last wrap, check under the committed key): {aggregate:.1} s; \
         verified in {verify_ms:.1} ms; proof {} B",
        file.proof.len()
    );
    println!(
        "whole block: wall {:.1} min, CPU {:.1} min ({:.0}% of 2 cores), peak {peak:.1} GiB; segments: prove {prove_sum:.0} s + \
         execute to their starts {execute_sum:.0} s; leaves {:.0} s; aggregation {aggregate:.0} s | {}",
        wall / 60.0,
        cpu / 60.0,
        100.0 * cpu / wall / 2.0,
        leaf_seconds.iter().sum::<f64>(),
        machine()
    );
    let measured = Measured { plan: run.check_seconds + run.plan_seconds, segments, leaves: leaf_seconds, aggregate };
    println!("\n{}", project(&measured, &[1, 2, 4, 8, 16, 32, 64]));
    let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench-split-mainnet.json");
    let json = serde_json::json!({
        "machine": machine(), "plan": measured.plan, "segments": measured.segments,
        "leaves": measured.leaves, "aggregate": measured.aggregate, "wall": wall, "cpu": cpu, "peak_gib": peak,
    });
    std::fs::write(&out, serde_json::to_vec_pretty(&json)?)?;
    println!("(the measured pieces: {})", out.display());
    Ok(())
}

/// Runs prover_cmd under /usr/bin/time: (wall, user + system) seconds, and what it printed.
fn timed_output(args: &[&str]) -> anyhow::Result<(f64, f64, Vec<u8>)> {
    let times = tempfile::NamedTempFile::new()?;
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%e %U %S", "-o"])
        .arg(times.path())
        .arg(env!("CARGO_BIN_EXE_prover_cmd"))
        .args(args)
        .output()
        .context("/usr/bin/time (Debian's time package)")?;
    ensure!(out.status.success(), "prover_cmd {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(times.path())?;
    let n: Vec<f64> = text.split_whitespace().filter_map(|v| v.parse().ok()).collect();
    ensure!(n.len() == 3, "/usr/bin/time wrote {text:?}");
    Ok((n[0], n[1] + n[2], out.stdout))
}

/// As `timed_output`, without the output.
fn timed(args: &[&str]) -> anyhow::Result<(f64, f64)> {
    timed_output(args).map(|(wall, cpu, _)| (wall, cpu))
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap_or_default()
}

fn cost() -> anyhow::Result<()> {
    let anvil = Anvil::start(Some("shanghai"))?;
    let chain = blocks::Chain::new(&anvil)?;
    let number = blocks::mixed_block(&chain)?.number;
    let dir = tempfile::tempdir()?;
    let witness = dir.path().join("mixed.json");
    witness::file::write(&witness, &captured(&anvil.url, number)?, witness::file::Format::Json)?;
    let gib = "1";

    // One worker of 2 threads: the whole proof in one process.
    let whole = dir.path().join("whole.json");
    let one = timed(&[
        "-q",
        "offline_prover",
        "--proof",
        "execution",
        "-w",
        s(&witness),
        "--segment-memory",
        gib,
        "--threads",
        "2",
        "-p",
        s(&whole),
    ])?;

    // Two workers of 1 thread: the plan, the segments in two lanes, the leaves in two lanes, the
    // aggregation.
    let plan = dir.path().join("plan.json");
    let (plan_wall, plan_cpu, printed) = timed_output(&[
        "-q",
        "offline_prover",
        "--proof",
        "execution",
        "--execute-only",
        "--segment-memory",
        gib,
        "-w",
        s(&witness),
    ])?;
    std::fs::write(&plan, &printed)?;
    let report: serde_json::Value = serde_json::from_slice(&printed)?;
    let count = report["plan"]["segments"].as_array().map_or(0, Vec::len);
    ensure!(count >= 8, "the mixed block at {gib} GiB has {count} segments, not at least 8");
    let base = |cmd: &'static str| vec!["-q", cmd, "-w", s(&witness), "--plan", s(&plan), "--threads", "1"];
    let segment_file = |i: usize| dir.path().join(format!("segment-{i}.json"));
    let lanes = |jobs: Vec<Vec<String>>| -> anyhow::Result<(f64, f64)> {
        let t = Instant::now();
        let cpu = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..2)
                .map(|lane| {
                    let mine: Vec<&Vec<String>> = jobs.iter().skip(lane).step_by(2).collect();
                    scope.spawn(move || -> anyhow::Result<f64> {
                        let mut cpu = 0.0;
                        for job in mine {
                            cpu += timed(&job.iter().map(String::as_str).collect::<Vec<_>>())?.1;
                        }
                        Ok(cpu)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().expect("a lane panicked")).sum::<anyhow::Result<f64>>()
        })?;
        Ok((t.elapsed().as_secs_f64(), cpu))
    };
    let owned = |args: Vec<&str>| args.into_iter().map(String::from).collect::<Vec<_>>();
    let segment_jobs: Vec<Vec<String>> = (0..count)
        .map(|i| {
            let mut job = owned(base("prove_segment"));
            job.extend(["--segment".into(), i.to_string(), "-o".into(), s(&segment_file(i)).into()]);
            job
        })
        .collect();
    let (segments_wall, segments_cpu) = lanes(segment_jobs)?;
    let leaf_groups: Vec<Vec<usize>> = (0..count).collect::<Vec<_>>().chunks(4).map(<[usize]>::to_vec).collect();
    let leaf_file = |k: usize| dir.path().join(format!("leaf-{k}.json"));
    let leaf_jobs: Vec<Vec<String>> = leaf_groups
        .iter()
        .enumerate()
        .map(|(k, group)| {
            let mut job = owned(base("aggregate"));
            job.extend(["--leaf".into(), "-p".into(), s(&leaf_file(k)).into()]);
            job.extend(group.iter().map(|i| s(&segment_file(*i)).to_string()));
            job
        })
        .collect();
    let (leaves_wall, leaves_cpu) = lanes(leaf_jobs)?;
    let proof = dir.path().join("split.json");
    let mut last = base("aggregate");
    let leaf_paths: Vec<PathBuf> = (0..leaf_groups.len()).map(leaf_file).collect();
    last.extend(["-p", s(&proof)]);
    last.extend(leaf_paths.iter().map(|p| s(p)));
    let (aggregate_wall, aggregate_cpu) = timed(&last)?;
    for made in [&whole, &proof] {
        let out = Command::new(env!("CARGO_BIN_EXE_prover_cmd"))
            .args(["-q", "verifier", "-p", s(made), "-w", s(&witness)])
            .output()?;
        ensure!(out.status.success(), "{} does not verify", made.display());
    }
    let split_wall = plan_wall + segments_wall + leaves_wall + aggregate_wall;
    let split_cpu = plan_cpu + segments_cpu + leaves_cpu + aggregate_cpu;
    println!(
        "mixed block {number}: {} instructions, {count} segments at {gib} GiB | {}",
        report["instructions"],
        machine()
    );
    println!("| run | wall (s) | CPU, user + system (s) |\n|---|---|---|");
    println!("| one worker, 2 threads (offline_prover) | {:.1} | {:.1} |", one.0, one.1);
    println!(
        "| two workers, 1 thread each (plan {plan_wall:.1} s; segments {segments_wall:.1} s; {} leaves {leaves_wall:.1} s; aggregation {aggregate_wall:.1} s) | {split_wall:.1} | {split_cpu:.1} |",
        leaf_groups.len()
    );
    println!("the split's CPU time: {:.2}x the one process's (target: at most 1.10x)", split_cpu / one.1);
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let modes = std::env::var("BENCH_SPLIT").unwrap_or_else(|_| "cost,mainnet".into());
    for mode in modes.split(',') {
        match mode.trim() {
            "mainnet" => mainnet()?,
            "cost" => cost()?,
            other => anyhow::bail!("BENCH_SPLIT: unknown mode {other:?} (mainnet, cost)"),
        }
    }
    Ok(())
}
