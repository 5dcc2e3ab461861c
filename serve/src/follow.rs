//! Following the node's chain: each new block is captured (its witness checked against its hash,
//! as `witness_capture` does) and stored with its proving job in one transaction. A reorg (the
//! node's hash at a stored height changed) orphans the stored blocks from the fork point up, and
//! the new chain's blocks are captured and proven. An unreachable node is retried with backoff
//! and reported in `/healthz`; it never stops the server.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use serde_json::{json, Value};
use tokio::sync::watch;
use witness::{
    capture::{capture, CaptureOptions, Silent, MAX_BLOCKHASH_WINDOW},
    rpc::{RpcClient, RpcConfig},
};

use proof::ProofKind;

use crate::{
    metrics::Metrics,
    status::JobStatus,
    store::{NewBlock, Store},
};

#[derive(Clone, Debug)]
/// The follower's settings.
pub struct FollowConfig {
    /// The node's JSON-RPC endpoint.
    pub rpc_url: String,
    /// The first block to capture when the database is empty (default: the node's head then).
    pub from: Option<u64>,
    /// Prove every Nth block (by number); the others are captured and recorded as skipped.
    pub every: u64,
    /// The kind of proof each block's job asks for.
    pub kind: ProofKind,
    /// How often the node is asked for its head.
    pub poll: Duration,
    /// How deep a reorg is followed back before giving up on the stored chain.
    pub max_reorg_depth: u64,
    /// Capture with one debug_executionWitness call per block (see witness_capture).
    pub execution_witness: bool,
}

/// What the follower last saw, for `/healthz` and the page.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct FollowStatus {
    /// The node's head, last seen.
    pub node_head: Option<u64>,
    /// The last error, if the last look failed.
    pub last_error: Option<String>,
    /// Looks in a row that failed.
    pub consecutive_errors: u64,
}

/// The follower's status, shared with the API.
pub type SharedStatus = Arc<Mutex<FollowStatus>>;

/// Follows the chain until `stop` turns true.
pub async fn run_follower(
    store: Store,
    config: FollowConfig,
    metrics: Arc<Metrics>,
    status: SharedStatus,
    mut stop: watch::Receiver<bool>,
) {
    let rpc = Arc::new(RpcClient::new(
        &config.rpc_url,
        RpcConfig { retries: 1, timeout: Duration::from_secs(60), ..RpcConfig::default() },
    ));
    let mut wait = config.poll;
    while !*stop.borrow() {
        match step(&store, &config, &rpc, &metrics, &status).await {
            Ok(()) => {
                wait = config.poll;
                if let Ok(mut s) = status.lock() {
                    s.consecutive_errors = 0;
                }
            }
            Err(e) => {
                metrics.rpc_errors.inc();
                let e = format!("{e:#}");
                tracing::warn!(node = %config.rpc_url, "following the chain: {e} (retrying in {wait:?})");
                if let Ok(mut s) = status.lock() {
                    s.last_error = Some(e);
                    s.consecutive_errors += 1;
                }
                // Backoff, up to half a minute between tries.
                wait = (wait * 2).min(Duration::from_secs(30));
            }
        }
        crate::pause(wait, &mut stop).await;
    }
}

/// One look at the node: a reorg check at the stored tip, then every block up to the node's head.
async fn step(
    store: &Store,
    config: &FollowConfig,
    rpc: &Arc<RpcClient>,
    metrics: &Metrics,
    status: &SharedStatus,
) -> anyhow::Result<()> {
    let head = quantity(&call(rpc, "eth_blockNumber", json!([])).await?)?;
    if let Ok(mut s) = status.lock() {
        s.node_head = Some(head);
    }
    follow_reorg(store, config, rpc, metrics).await?;
    let mut next = match store.tip().await? {
        Some((number, _)) => number + 1,
        None => config.from.unwrap_or(head).max(1),
    };
    while next <= head {
        let started = Instant::now();
        let (rpc2, number, execution_witness) = (rpc.clone(), next, config.execution_witness);
        let captured = tokio::task::spawn_blocking(move || {
            capture(
                &rpc2,
                &CaptureOptions { block: number, blockhash_window: MAX_BLOCKHASH_WINDOW, execution_witness },
                &Silent,
            )
        })
        .await??;
        let w = captured.witness;
        let hash = w.block_hash.to_string();
        let parent_hash = w.block.header.get("parentHash").unwrap_or_default().to_lowercase();
        // The node moved to another chain between the head and this capture: look again.
        if let Some(ours) = store.canonical_hash(number - 1).await? {
            if ours != parent_hash {
                tracing::info!(number, "the parent is not the stored block: the chain moved, checking for a reorg");
                return Ok(());
            }
        }
        metrics.blocks_seen.inc();
        if store.has_block(&hash).await? {
            store.restore(&hash).await?;
        } else {
            let status = if number % config.every == 0 { JobStatus::Queued } else { JobStatus::Skipped };
            let block = NewBlock {
                number,
                hash: hash.clone(),
                parent_hash,
                capture_ms: started.elapsed().as_millis() as u64,
                transactions: w.block.transactions.len() as u64,
                gas_used: w.block.header.get("gasUsed").and_then(|g| parse_hex(g).ok()).unwrap_or(0),
                witness: witness::file::encode(&w, witness::file::Format::Json),
            };
            store.add_block(&block, config.kind, status).await?;
            metrics.blocks_captured.inc();
            metrics.capture_seconds.observe(started.elapsed().as_secs_f64());
            tracing::info!(number, %hash, status = status.as_str(), "captured");
        }
        next += 1;
    }
    Ok(())
}

/// If the node's block at the stored tip is not the stored one, walks down to the fork point and
/// orphans the stored blocks above it.
async fn follow_reorg(
    store: &Store,
    config: &FollowConfig,
    rpc: &Arc<RpcClient>,
    metrics: &Metrics,
) -> anyhow::Result<()> {
    let Some((tip, tip_hash)) = store.tip().await? else { return Ok(()) };
    let mut first_bad = None;
    let mut number = tip;
    loop {
        let ours = match store.canonical_hash(number).await? {
            Some(hash) => hash,
            None => break,
        };
        let theirs = hash_at(rpc, number).await?;
        if theirs.as_deref() == Some(ours.as_str()) {
            break;
        }
        first_bad = Some(number);
        if number == 0 || tip - number >= config.max_reorg_depth {
            anyhow::bail!("a reorg deeper than {} blocks below {tip} ({tip_hash})", config.max_reorg_depth);
        }
        number -= 1;
    }
    if let Some(from) = first_bad {
        let orphaned = store.orphan_from(from).await?;
        metrics.blocks_orphaned.inc_by(orphaned);
        tracing::warn!(from, orphaned, "reorg: the stored blocks from {from} up left the chain");
    }
    Ok(())
}

async fn hash_at(rpc: &Arc<RpcClient>, number: u64) -> anyhow::Result<Option<String>> {
    let block = call(rpc, "eth_getBlockByNumber", json!([format!("{number:#x}"), false])).await?;
    Ok(block.get("hash").and_then(Value::as_str).map(str::to_lowercase))
}

async fn call(rpc: &Arc<RpcClient>, method: &'static str, params: Value) -> anyhow::Result<Value> {
    let rpc = rpc.clone();
    Ok(tokio::task::spawn_blocking(move || rpc.call(method, params)).await??)
}

fn quantity(v: &Value) -> anyhow::Result<u64> {
    parse_hex(v.as_str().ok_or_else(|| anyhow::anyhow!("not a quantity: {v}"))?)
}

fn parse_hex(text: &str) -> anyhow::Result<u64> {
    Ok(u64::from_str_radix(text.trim_start_matches("0x"), 16)?)
}
