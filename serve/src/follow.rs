//! Following the node's chain: each new block is captured (its witness checked against its hash,
//! as `witness_capture` does) and stored with its proving job in one transaction. A reorg (the
//! node's hash at a stored height changed) orphans the stored blocks from the fork point up, and
//! the new chain's blocks are captured and proven. An unreachable node is retried with backoff
//! and reported in `/healthz`; it never stops the server.
//!
//! The follower never skips a block on its own: one it cannot capture (the node's data does not
//! check, or the block breaks a consensus rule the node ignored) holds it, recorded with the
//! reason, until the node serves another block there or the operator skips it (`serve skip`).
//! A node that serves another chain than the database's (another chain id or genesis: a devnet
//! restarted) is reported and not followed, unless the operator says so.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use proof::ProofKind;
use serde_json::{json, Value};
use tokio::sync::watch;
use witness::{
    capture::{capture, CaptureError, CaptureOptions, Silent, MAX_BLOCKHASH_WINDOW},
    rpc::{RpcClient, RpcConfig},
};

use crate::{
    blocks::NewBlock,
    chain::ChainId,
    health::SharedStatus,
    metrics::Metrics,
    now_ms,
    status::JobStatus,
    store::{Store, StoreError},
};

/// The follower's settings.
#[derive(Clone, Debug)]
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
    /// Follow the node even if it serves another chain than the database's: the stored blocks
    /// are kept, orphaned, and the new chain is recorded.
    pub follow_new_chain: bool,
    /// Execution proofs are made in pieces, by any worker (pieces.rs).
    pub split: bool,
}

/// Why one look at the node did not get through, by where it failed.
#[derive(Debug, thiserror::Error)]
enum FollowError {
    /// The node did not answer, or answered nonsense.
    #[error("{0}")]
    Node(String),
    /// The database did not answer.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A block cannot be captured: recorded, and the follower waits.
    #[error("block {number} cannot be captured: {reason}")]
    Stuck { number: u64, reason: String },
    /// The node serves another chain.
    #[error("{0}")]
    OtherChain(String),
}

fn node_error(e: impl std::fmt::Display) -> FollowError {
    FollowError::Node(e.to_string())
}

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
    if let Ok(mut s) = status.lock() {
        s.advanced_at_ms = Some(now_ms());
    }
    let mut wait = config.poll;
    let mut chain_checked: Option<Instant> = None;
    while !*stop.borrow() {
        // The chain is checked at start, every minute, after the node was unreachable (it may
        // come back as another chain) and before any reorg is followed (see follow_reorg).
        let recheck = chain_checked.is_none_or(|at| at.elapsed() > Duration::from_secs(60));
        let outcome = match if recheck { check_chain(&store, &config, &rpc).await } else { Ok(()) } {
            Ok(()) => {
                if recheck {
                    chain_checked = Some(Instant::now());
                }
                step(&store, &config, &rpc, &metrics, &status).await
            }
            Err(e) => Err(e),
        };
        let now = now_ms();
        match outcome {
            Ok(()) => {
                wait = config.poll;
                if let Ok(mut s) = status.lock() {
                    s.node.succeeded();
                    s.stuck = None;
                    s.other_chain = None;
                }
            }
            Err(e) => {
                let e_text = format!("{e:#}");
                tracing::warn!(node = %config.rpc_url, "following the chain: {e_text} (retrying in {wait:?})");
                let stuck = match &e {
                    FollowError::Stuck { .. } => store.stuck().await.ok().flatten(),
                    _ => None,
                };
                if let Ok(mut s) = status.lock() {
                    match &e {
                        FollowError::Node(_) => {
                            chain_checked = None;
                            metrics.node_errors.inc();
                            s.node.failed(e_text, now);
                        }
                        FollowError::Stuck { .. } => {
                            s.node.succeeded();
                            s.stuck = stuck;
                        }
                        FollowError::OtherChain(message) => {
                            s.node.succeeded();
                            s.other_chain = Some(message.clone());
                        }
                        // Counted and reported by the store itself.
                        FollowError::Store(_) => {}
                    }
                    metrics.follower_stuck.set(s.stuck.as_ref().map_or(0, |b| b.number as i64));
                }
                // Backoff, up to half a minute between tries.
                wait = (wait * 2).min(Duration::from_secs(30));
            }
        }
        crate::pause(wait, &mut stop).await;
    }
}

/// The node's chain against the database's: recorded the first time; another one is an error
/// unless the operator asked to follow it (then the stored blocks are orphaned).
async fn check_chain(store: &Store, config: &FollowConfig, rpc: &Arc<RpcClient>) -> Result<(), FollowError> {
    let chain_id = quantity(&call(rpc, "eth_chainId", json!([])).await?)?;
    let genesis = call(rpc, "eth_getBlockByNumber", json!(["0x0", false])).await?;
    let genesis_hash = genesis
        .get("hash")
        .and_then(Value::as_str)
        .map(str::to_lowercase)
        .ok_or_else(|| FollowError::Node("the node's block 0 has no hash".into()))?;
    let theirs = ChainId { chain_id, genesis_hash };
    match store.chain().await? {
        None => store.set_chain(&theirs, false).await?,
        Some(ours) if ours == theirs => {}
        Some(ours) if config.follow_new_chain => {
            tracing::warn!(%ours, %theirs, "the node serves another chain: following it (--follow-new-chain); the stored blocks are orphaned");
            store.set_chain(&theirs, true).await?;
        }
        Some(ours) => {
            return Err(FollowError::OtherChain(format!(
                "the node serves {theirs}, this database follows {ours}: not followed. Use a new database \
                 for that chain, or --follow-new-chain to follow it here (the stored blocks are kept, orphaned)"
            )))
        }
    }
    Ok(())
}

/// One look at the node: a reorg check at the stored tip, then every block up to the node's head.
async fn step(
    store: &Store,
    config: &FollowConfig,
    rpc: &Arc<RpcClient>,
    metrics: &Metrics,
    status: &SharedStatus,
) -> Result<(), FollowError> {
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
        .await
        .map_err(node_error)?;
        let captured = match captured {
            Ok(captured) => captured,
            Err(CaptureError::Rpc(e)) => return Err(node_error(e)),
            Err(e) => return Err(stuck_at(store, rpc, number, &why_not(number, &e)).await),
        };
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
            store.add_block(&block, config.kind, status, config.split).await?;
            metrics.blocks_captured.inc();
            metrics.capture_seconds.observe(started.elapsed().as_secs_f64());
            tracing::info!(number, %hash, status = status.as_str(), "captured");
        }
        store.clear_stuck().await?;
        if let Ok(mut s) = status.lock() {
            (s.tip, s.advanced_at_ms, s.stuck) = (Some(number), Some(now_ms()), None);
        }
        next += 1;
    }
    Ok(())
}

/// Why block `number` cannot be captured, with what is known of the case.
fn why_not(number: u64, e: &CaptureError) -> String {
    let text = e.to_string();
    if number == 1 && text.contains("pre-state (parent stateRoot)") {
        // anvil's genesis header reports the empty root for funded accounts (docs/serve.md).
        return format!(
            "{text} (the genesis header's stateRoot does not commit to the state the node serves, as on anvil: \
             nothing can prove block 1's pre-state; start from block 2, or skip it)"
        );
    }
    text
}

/// Block `number` cannot be captured: recorded with the node's hash for it (so that the operator
/// can skip exactly that block), and the follower waits on it.
async fn stuck_at(store: &Store, rpc: &Arc<RpcClient>, number: u64, reason: &str) -> FollowError {
    let header = match call(rpc, "eth_getBlockByNumber", json!([format!("{number:#x}"), false])).await {
        Ok(header) => header,
        Err(e) => return e,
    };
    let field = |name: &str| header.get(name).and_then(Value::as_str).unwrap_or_default().to_lowercase();
    if let Err(e) = store.set_stuck(number, &field("hash"), &field("parentHash"), reason).await {
        return e.into();
    }
    FollowError::Stuck { number, reason: reason.into() }
}

/// If the node's block at the stored tip is not the stored one, walks down to the fork point and
/// orphans the stored blocks above it.
async fn follow_reorg(
    store: &Store,
    config: &FollowConfig,
    rpc: &Arc<RpcClient>,
    metrics: &Metrics,
) -> Result<(), FollowError> {
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
            // A node restarted as another chain looks like this: say which it is.
            check_chain(store, config, rpc).await?;
            return Err(FollowError::Node(format!(
                "a reorg deeper than {} blocks below {tip} ({tip_hash})",
                config.max_reorg_depth
            )));
        }
        number -= 1;
    }
    if let Some(from) = first_bad {
        // A node restarted as another chain looks like a reorg down to block 1: nothing is
        // orphaned before the chain is known to be the same.
        check_chain(store, config, rpc).await?;
        let orphaned = store.orphan_from(from).await?;
        metrics.blocks_orphaned.inc_by(orphaned);
        tracing::warn!(from, orphaned, "reorg: the stored blocks from {from} up left the chain");
    }
    Ok(())
}

async fn hash_at(rpc: &Arc<RpcClient>, number: u64) -> Result<Option<String>, FollowError> {
    let block = call(rpc, "eth_getBlockByNumber", json!([format!("{number:#x}"), false])).await?;
    Ok(block.get("hash").and_then(Value::as_str).map(str::to_lowercase))
}

async fn call(rpc: &Arc<RpcClient>, method: &'static str, params: Value) -> Result<Value, FollowError> {
    let rpc = rpc.clone();
    tokio::task::spawn_blocking(move || rpc.call(method, params)).await.map_err(node_error)?.map_err(node_error)
}

fn quantity(v: &Value) -> Result<u64, FollowError> {
    parse_hex(v.as_str().ok_or_else(|| FollowError::Node(format!("not a quantity: {v}")))?)
}

fn parse_hex(text: &str) -> Result<u64, FollowError> {
    u64::from_str_radix(text.trim_start_matches("0x"), 16).map_err(|e| FollowError::Node(format!("{text:?}: {e}")))
}
