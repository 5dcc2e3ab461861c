//! Differential cases against the Ethereum execution specification (testkit/src/differential):
//! N generated cases from a seed, each run through the specification's t8n and through the
//! stateless re-execution; prints the agreement counts per fork and per feature and the cases per
//! second, and writes each disagreement as a consensus-test case.
//!
//!     cargo run --release -p testkit --bin differential -- --cases 10000 --seed 1 [--forks Cancun,Prague] [--out DIR]

use std::{collections::BTreeMap, path::PathBuf, time::Instant};

use clap::Parser;
use stateless::Fork;
use testkit::differential::{case, feature_names, run, T8n};

#[derive(Parser)]
struct Args {
    /// Cases in all, spread evenly over the forks.
    #[arg(long, default_value_t = 100)]
    cases: u64,
    /// The first case's seed (the others follow it).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The forks, comma-separated.
    #[arg(long, default_value = "Paris,Shanghai,Cancun,Prague,Osaka", value_delimiter = ',')]
    forks: Vec<String>,
    /// Where each disagreement is written as a consensus-test case.
    #[arg(long, default_value = "target/differential")]
    out: PathBuf,
}

host_cpu::check_cpu_at_start!("differential");

#[derive(Default)]
struct Tally {
    cases: u64,
    disagree: u64,
    included: usize,
    rejected: usize,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let forks: Vec<Fork> = args
        .forks
        .iter()
        .map(|name| {
            [Fork::Paris, Fork::Shanghai, Fork::Cancun, Fork::Prague, Fork::Osaka]
                .into_iter()
                .find(|f| f.name() == name)
                .ok_or_else(|| anyhow::anyhow!("no fork {name} (Paris, Shanghai, Cancun, Prague, Osaka)"))
        })
        .collect::<anyhow::Result<_>>()?;
    anyhow::ensure!(!forks.is_empty(), "--forks names none");
    std::fs::create_dir_all(&args.out)?;
    let mut t8n = T8n::start()?;
    let started = Instant::now();
    let mut per_fork: BTreeMap<Fork, Tally> = BTreeMap::new();
    let mut per_feature: BTreeMap<String, (u64, u64)> = feature_names().into_iter().map(|f| (f, (0, 0))).collect();
    for i in 0..args.cases {
        let fork = forks[(i % forks.len() as u64) as usize];
        let seed = args.seed + i;
        let case = case(seed, fork);
        let outcome = run(&mut t8n, &case)?;
        let tally = per_fork.entry(fork).or_default();
        tally.cases += 1;
        tally.included += outcome.included;
        tally.rejected += outcome.rejected;
        let disagrees = outcome.result.is_err();
        for feature in &case.features {
            let entry = per_feature.entry(feature.clone()).or_default();
            entry.0 += 1;
            entry.1 += u64::from(disagrees);
        }
        if let Err(d) = outcome.result {
            tally.disagree += 1;
            let path = args.out.join(format!("{}-seed-{seed}.json", fork.name()));
            std::fs::write(
                &path,
                serde_json::to_vec_pretty(
                    &serde_json::json!({ format!("differential_{}_{seed}", fork.name()): d.fixture }),
                )?,
            )?;
            // The second oracle: which of the two a client agrees with.
            let geth = match testkit::differential::second_opinion(&case) {
                Ok((root, true)) => format!("geth's evm t8n agrees with the specification (state root {root})"),
                Ok((root, false)) => {
                    format!("geth's evm t8n does not agree with the specification (state root {root})")
                }
                Err(e) => format!("geth's evm t8n could not say: {e:#}"),
            };
            println!("DISAGREE {} seed {seed}: {} ({}); {geth}", fork.name(), d.reason, path.display());
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "| fork | cases | agree | disagree | transactions included | rejected by both |\n|---|---|---|---|---|---|"
    );
    for (fork, t) in &per_fork {
        println!(
            "| {} | {} | {} | {} | {} | {} |",
            fork.name(),
            t.cases,
            t.cases - t.disagree,
            t.disagree,
            t.included,
            t.rejected
        );
    }
    println!("\n| feature | cases | disagree |\n|---|---|---|");
    for (feature, (cases, disagree)) in &per_feature {
        println!("| {feature} | {cases} | {disagree} |");
    }
    let total: u64 = per_fork.values().map(|t| t.cases).sum();
    let disagree: u64 = per_fork.values().map(|t| t.disagree).sum();
    println!(
        "\n{total} cases in {seconds:.1} s ({:.1} cases/s), {disagree} disagreements (t8n: ethereum-execution {})",
        total as f64 / seconds,
        testkit::differential::VERSION
    );
    anyhow::ensure!(disagree == 0, "{disagree} of {total} cases disagree");
    Ok(())
}
