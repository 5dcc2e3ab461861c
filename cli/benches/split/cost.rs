//! What splitting costs: the anvil mixed block (5 transactions) cut into at least 8 segments by a
//! 1 GiB segment setting, proven by one `offline_prover` process on 2 threads against two lanes of
//! 1-thread `prove_segment` / `aggregate` processes (the split), in one run.

use std::{path::PathBuf, process::Command, time::Instant};

use anyhow::ensure;
use testkit::{anvil::Anvil, blocks};

use crate::run::{captured, machine, plan, s, timed};

pub(crate) fn cost() -> anyhow::Result<()> {
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
    let plan_file = dir.path().join("plan.json");
    let plan = plan(&witness, gib, &plan_file)?;
    let printed = std::fs::read(&plan_file)?;
    let report: serde_json::Value = serde_json::from_slice(&printed)?;
    let count = report["plan"]["segments"].as_array().map_or(0, Vec::len);
    ensure!(count >= 8, "the mixed block at {gib} GiB has {count} segments, not at least 8");
    let base = |cmd: &'static str| vec!["-q", cmd, "-w", s(&witness), "--plan", s(&plan_file), "--threads", "1"];
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
                            cpu += timed(&job.iter().map(String::as_str).collect::<Vec<_>>())?.cpu;
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
    let aggregate = timed(&last)?;
    let (plan_wall, aggregate_wall) = (plan.wall, aggregate.wall);
    for made in [&whole, &proof] {
        let out = Command::new(env!("CARGO_BIN_EXE_prover_cmd"))
            .args(["-q", "verifier", "-p", s(made), "-w", s(&witness)])
            .output()?;
        ensure!(out.status.success(), "{} does not verify", made.display());
    }
    let split_wall = plan_wall + segments_wall + leaves_wall + aggregate_wall;
    let split_cpu = plan.cpu + segments_cpu + leaves_cpu + aggregate.cpu;
    println!(
        "mixed block {number}: {} instructions, {count} segments at {gib} GiB | {}",
        report["instructions"],
        machine()
    );
    println!("| run | wall (s) | CPU, user + system (s) |\n|---|---|---|");
    println!("| one worker, 2 threads (offline_prover) | {:.1} | {:.1} |", one.wall, one.cpu);
    println!(
        "| two workers, 1 thread each (plan {plan_wall:.1} s; segments {segments_wall:.1} s; {} leaves {leaves_wall:.1} s; aggregation {aggregate_wall:.1} s) | {split_wall:.1} | {split_cpu:.1} |",
        leaf_groups.len()
    );
    println!("the split's CPU time: {:.2}x the one process's (target: at most 1.10x)", split_cpu / one.cpu);
    Ok(())
}
