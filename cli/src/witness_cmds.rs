//! `witness_capture` and `witness_inspect`.

use std::{path::PathBuf, time::Duration};

use anyhow::Context;
use clap::Args;
use witness::{
    capture::{capture as capture_block, CaptureOptions, Captured, MAX_BLOCKHASH_WINDOW},
    file::{self, Format},
    rpc::{RpcClient, RpcConfig},
    summary::Summary,
};

#[derive(Args)]
pub(crate) struct CaptureArgs {
    /// Block number to capture (>= 1).
    #[arg(short, long)]
    block: u64,
    /// Output file (written atomically).
    #[arg(short, long)]
    witness: PathBuf,
    /// File format; default: bincode for .bin/.bincode names, JSON otherwise.
    #[arg(long)]
    format: Option<Format>,
    #[command(flatten)]
    rpc: RpcArgs,
}

/// How to reach the node and what to ask it for.
#[derive(Args)]
pub(crate) struct RpcArgs {
    /// JSON-RPC endpoint with the eth and debug namespaces and the parent block's state.
    #[arg(short, long)]
    rpc: String,
    /// Previous headers to include for BLOCKHASH: 1 (parent only) to 256.
    #[arg(long, default_value_t = MAX_BLOCKHASH_WINDOW)]
    blockhash_window: u64,
    /// Calls per JSON-RPC batch.
    #[arg(long, default_value_t = RpcConfig::default().max_batch)]
    max_batch: usize,
    /// Batches in flight at once.
    #[arg(long, default_value_t = RpcConfig::default().concurrency)]
    concurrency: usize,
    /// Per-request timeout in seconds.
    #[arg(long, default_value_t = RpcConfig::default().timeout.as_secs())]
    timeout: u64,
    /// Retries per request on timeouts, 429 and 5xx.
    #[arg(long, default_value_t = RpcConfig::default().retries)]
    retries: u32,
    /// One call per request, one request at a time (slow; for nodes that choke on batches).
    #[arg(long)]
    one_at_a_time: bool,
    /// Take the state from one debug_executionWitness call (geth 1.15+, reth) instead of
    /// eth_getProof per account: the same witness, checked the same way, in 4 calls. The node
    /// then decides how many headers BLOCKHASH needs (--blockhash-window is not used).
    #[arg(long)]
    execution_witness: bool,
}

/// Captures and checks a block's witness (nothing is written).
pub(crate) fn capture_witness(block: u64, args: &RpcArgs, quiet: bool) -> anyhow::Result<Captured> {
    let config = if args.one_at_a_time {
        RpcConfig::one_at_a_time()
    } else {
        RpcConfig { max_batch: args.max_batch, concurrency: args.concurrency, ..RpcConfig::default() }
    };
    let config = RpcConfig { timeout: Duration::from_secs(args.timeout), retries: args.retries, ..config };
    let client = RpcClient::new(&args.rpc, config);
    let progress = crate::progress_bar::Bar::new(quiet, "calls");
    let opts =
        CaptureOptions { block, blockhash_window: args.blockhash_window, execution_witness: args.execution_witness };
    capture_block(&client, &opts, &progress).with_context(|| format!("capturing block {block} from {}", args.rpc))
}

pub(crate) fn capture(args: CaptureArgs, quiet: bool) -> anyhow::Result<()> {
    let format = args.format.unwrap_or_else(|| Format::from_path(&args.witness));
    let captured = capture_witness(args.block, &args.rpc, quiet)?;
    file::write(&args.witness, &captured.witness, format)
        .with_context(|| format!("writing the witness to {}", args.witness.display()))?;
    let summary = Summary::of(&captured.witness, std::fs::metadata(&args.witness).ok().map(|m| m.len()));
    tracing::info!(
        block = summary.block_number,
        hash = %summary.block_hash,
        txs = summary.transactions,
        accounts = summary.accounts,
        slots = summary.slots,
        codes = summary.codes,
        bytes = summary.file_bytes,
        seconds = format!("{:.2}", captured.seconds),
        calls = captured.stats.calls,
        http_requests = captured.stats.http_requests,
        round_trips = captured.stats.sequential_round_trips,
        "witness checked and written to {}",
        args.witness.display()
    );
    Ok(())
}

#[derive(Args)]
pub(crate) struct InspectArgs {
    /// Witness file (JSON or bincode).
    witness: PathBuf,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

pub(crate) fn inspect(args: InspectArgs) -> anyhow::Result<()> {
    let w = file::read(&args.witness)?;
    let summary = Summary::of(&w, std::fs::metadata(&args.witness).ok().map(|m| m.len()));
    let check = witness::check_witness(&w);
    if args.json {
        let mut value = serde_json::to_value(&summary)?;
        value["checks"] = match &check {
            Ok(_) => "ok".into(),
            Err(e) => format!("failed: {e}").into(),
        };
        if let Ok(checked) = &check {
            value["execution"] = serde_json::to_value(checked.commitment)?;
        }
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        println!("{summary}");
        if let Ok(checked) = &check {
            let c = &checked.commitment;
            println!("checks     ok (header hash, parent links, tx/withdrawal roots, all proofs, code hashes)");
            println!(
                "executes   ok: {} transactions under {} rules, gas {}, to stateRoot {}{}",
                c.transactions,
                c.fork.name(),
                c.gas_used,
                c.state_root,
                if c.zero_slot_leaves { " (anvil's rule: cleared slots stay as zero leaves)" } else { "" }
            );
        }
    }
    check.with_context(|| format!("{} does not check", args.witness.display()))?;
    Ok(())
}
