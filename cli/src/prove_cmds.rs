//! `offline_prover` (witness file to proof) and `legacy_prover` (block number and node to proof).

use std::{
    io::IsTerminal,
    path::{Path, PathBuf},
};

use anyhow::Context;
use circuit::{proof_file::ProofFile, ClassName};
use clap::Args;
use prover::{prove_witness, prove_witness_file, ProveOptions, ProveProgress};

use crate::witness_cmds::{capture_witness, RpcArgs};

/// Params and keys, shared by the provers and the verifier.
#[derive(Args)]
pub struct KeyArgs {
    /// KZG params: a kzg_bn254_{k}.srs file (halo2 RawBytes layout; a larger k is downsized), or a
    /// directory holding such files.
    #[arg(short = 'k', long = "params")]
    pub params: PathBuf,
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
    #[command(flatten)]
    keys: KeyArgs,
    /// Output proof file (JSON, written atomically).
    #[arg(short, long)]
    proof: PathBuf,
    /// Circuit class: micro, tiny or small [default: the cheapest that fits the witness].
    #[arg(long)]
    class: Option<ClassName>,
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

fn options(args: &ProveArgs) -> ProveOptions {
    ProveOptions { params: args.keys.params.clone(), keys_dir: args.keys.keys_dir(), class: args.class }
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

/// Proving takes minutes: find out now, not after, that the proof cannot be written.
fn check_writable(path: &Path) -> anyhow::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    tempfile::tempfile_in(dir).map(drop).with_context(|| format!("cannot write the proof to {}", path.display()))
}

pub fn offline(args: OfflineArgs, quiet: bool) -> anyhow::Result<()> {
    check_writable(&args.prove.proof)?;
    let proof = prove_witness_file(&args.witness, &options(&args.prove), &progress(quiet))
        .with_context(|| format!("proving {}", args.witness.display()))?;
    write(&proof, &args.prove.proof)
}

pub fn legacy(args: LegacyArgs, quiet: bool) -> anyhow::Result<()> {
    check_writable(&args.prove.proof)?;
    let captured = capture_witness(args.block, &args.rpc, quiet)?;
    if let Some(path) = &args.witness {
        witness::file::write(path, &captured.witness, witness::file::Format::from_path(path))
            .with_context(|| format!("writing the witness to {}", path.display()))?;
    }
    let mut proof = prove_witness(&captured.witness, &options(&args.prove), &progress(quiet))
        .with_context(|| format!("proving block {}", args.block))?;
    proof.timings.read_witness = captured.seconds;
    proof.timings.total += captured.seconds;
    write(&proof, &args.prove.proof)
}
