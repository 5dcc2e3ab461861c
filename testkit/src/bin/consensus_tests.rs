//! Runs the Ethereum consensus tests in ../shared/fixtures/blockchain-tests and
//! blockchain-tests-forks through the stateless re-execution and prints the pass count per
//! category.
//!
//!     cargo run --release -p testkit --bin consensus_tests [-- --filter <text>] [--verbose]

use clap::Parser;

#[derive(Parser)]
struct Args {
    /// Only categories (file names) containing this text.
    #[arg(long)]
    filter: Option<String>,
    /// Print every failure and every refusal's reason.
    #[arg(long)]
    verbose: bool,
}

host_cpu::check_cpu_at_start!("consensus_tests");

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let (mut passed, mut total) = (0, 0);
    let mut files = Vec::new();
    for folder in ["blockchain-tests", "blockchain-tests-forks"] {
        files.extend(testkit::consensus::category_files(&testkit::fixtures::path(folder))?);
    }
    for (category, path) in files {
        if args.filter.as_ref().is_some_and(|f| !category.contains(f.as_str())) {
            continue;
        }
        let outcomes = testkit::consensus::run_file(&path)?;
        let ok = outcomes.iter().filter(|o| o.result.is_ok()).count();
        println!("{category:<52} {ok:>5} / {:<5}", outcomes.len());
        for o in &outcomes {
            if let Err(e) = &o.result {
                println!("  FAIL {}: {e:#}", o.name);
            } else if args.verbose {
                for r in &o.refused {
                    println!("  refused {} block {} (expects {}): {}", o.name, r.block, r.expected, r.reason);
                }
            }
        }
        passed += ok;
        total += outcomes.len();
    }
    println!("{passed} passed, {} failed", total - passed);
    anyhow::ensure!(passed == total, "{} of {total} cases failed", total - passed);
    Ok(())
}
