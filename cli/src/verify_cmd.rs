//! `verifier`: prints the verifier's JSON report; exit 0 only for a valid proof.

use std::path::PathBuf;

use clap::Args;
use prover::{default_keys_dir, KeyFlags};
use verifier::{verify_file, VerifyOptions};

#[derive(Args)]
pub(crate) struct VerifyArgs {
    /// Proof file, as offline_prover or legacy_prover writes it.
    #[arg(short, long)]
    proof: PathBuf,
    #[command(flatten)]
    keys: KeyFlags,
    /// Also check that the proof is of exactly this witness (state: its pre-state; execution: its
    /// block).
    #[arg(short, long)]
    witness: Option<PathBuf>,
}

/// Returns whether the proof is valid; the report is on stdout either way.
pub(crate) fn verify(args: VerifyArgs) -> anyhow::Result<bool> {
    let opts = VerifyOptions { params: args.keys.params.clone(), keys_dir: args.keys.keys_dir_or(default_keys_dir()) };
    let report = verify_file(&args.proof, args.witness.as_deref(), &opts);
    println!("{}", serde_json::to_string_pretty(&report)?);
    if !report.is_success {
        eprintln!("error: {}", report.message);
    }
    Ok(report.is_success)
}
