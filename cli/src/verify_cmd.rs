//! `verifier`: prints the verifier's JSON report; exit 0 only for a valid proof.

use std::path::PathBuf;

use clap::Args;
use verifier::{verify_file, VerifyOptions};

use crate::prove_cmds::KeyArgs;

#[derive(Args)]
pub struct VerifyArgs {
    /// Proof file, as offline_prover or legacy_prover writes it.
    #[arg(short, long)]
    proof: PathBuf,
    #[command(flatten)]
    keys: KeyArgs,
    /// Also check that the proof is of exactly this witness (state: its pre-state; execution: its
    /// block).
    #[arg(short, long)]
    witness: Option<PathBuf>,
}

/// Returns whether the proof is valid; the report is on stdout either way.
pub fn verify(args: VerifyArgs) -> anyhow::Result<bool> {
    let opts =
        VerifyOptions { params: args.keys.params.clone(), keys_dir: args.keys.keys_dir(), witness: args.witness };
    let report = verify_file(&args.proof, &opts);
    println!("{}", serde_json::to_string_pretty(&report)?);
    if !report.is_success {
        eprintln!("error: {}", report.message);
    }
    Ok(report.is_success)
}
