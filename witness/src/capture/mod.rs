//! Captures a block's witness over JSON-RPC in two rounds of concurrent batched calls, then checks
//! it before handing it back.

mod fork;
mod from_execution_witness;
mod orphan;
mod progress;
mod top_up;
pub mod touched;

use std::time::Instant;

use alloy_primitives::{keccak256, B256};
use serde_json::{json, Value};

use crate::{
    error::WitnessError,
    from_rpc::{self, ShapeError},
    rpc::{Call, RpcClient, RpcError, RpcStats},
    types::{AccountProof, BlockWitness, RawHeader, WitnessFile},
};
pub use ::progress::{Progress, Silent};
use progress::Rounds;
use top_up::Fetched;
use touched::Touched;

/// BLOCKHASH reaches back at most this many blocks.
pub const MAX_BLOCKHASH_WINDOW: u64 = 256;

#[derive(Clone, Debug)]
/// What to capture.
pub struct CaptureOptions {
    /// The block number (>= 1).
    pub block: u64,
    /// How many previous headers to include (1 = the parent only; 256 = all BLOCKHASH can read).
    pub blockhash_window: u64,
    /// Take the state from one `debug_executionWitness` call instead of `eth_getProof` per
    /// account (the node then decides how many headers BLOCKHASH needs).
    pub execution_witness: bool,
}

impl CaptureOptions {
    /// Proofs by `eth_getProof`, `blockhash_window` headers back.
    pub fn new(block: u64, blockhash_window: u64) -> Self {
        Self { block, blockhash_window, execution_witness: false }
    }
}

/// Why a block could not be captured. Each message reads whole.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// A JSON-RPC exchange failed (after its retries).
    #[error(transparent)]
    Rpc(#[from] RpcError),
    /// An answer is not of the shape its method promises.
    #[error("the node's answer does not have the expected shape: {0}")]
    Shape(ShapeError),
    /// The node's data does not check against the block hash, or the block does not re-execute
    /// on it.
    #[error("the node's data does not check: {0}")]
    Inconsistent(WitnessError),
    /// The block asked for cannot be captured (the genesis block).
    #[error("{0}")]
    Request(String),
    /// The node's `debug_executionWitness` lacks a node the block needs.
    #[error("the node's execution witness is incomplete: {0}")]
    IncompleteWitness(crate::node_proofs::ProofGap),
}

impl From<ShapeError> for CaptureError {
    fn from(e: ShapeError) -> Self {
        CaptureError::Shape(e)
    }
}

impl From<WitnessError> for CaptureError {
    fn from(e: WitnessError) -> Self {
        CaptureError::Inconsistent(e)
    }
}

impl From<crate::node_proofs::ProofGap> for CaptureError {
    fn from(e: crate::node_proofs::ProofGap) -> Self {
        CaptureError::IncompleteWitness(e)
    }
}

/// A captured, checked witness and what it cost.
#[derive(Debug)]
pub struct Captured {
    /// The witness, checked.
    pub witness: WitnessFile,
    /// What it cost in calls.
    pub stats: RpcStats,
    /// How long it took.
    pub seconds: f64,
}

fn quantity(n: u64) -> String {
    format!("{n:#x}")
}

/// Captures and checks block `opts.block`; each round of calls is told to `progress`.
pub fn capture(client: &RpcClient, opts: &CaptureOptions, progress: &dyn Progress) -> Result<Captured, CaptureError> {
    let progress = &Rounds::new(progress);
    let started = Instant::now();
    let n = opts.block;
    if n == 0 {
        return Err(CaptureError::Request("block 0 (genesis) has no parent state to prove against".into()));
    }
    if !(1..=MAX_BLOCKHASH_WINDOW).contains(&opts.blockhash_window) {
        return Err(CaptureError::Request(format!(
            "--blockhash-window must be 1..={MAX_BLOCKHASH_WINDOW}, got {}",
            opts.blockhash_window
        )));
    }
    if opts.execution_witness {
        return from_execution_witness::capture(client, opts, progress);
    }
    let window = opts.blockhash_window.min(n);

    // Round 1: everything that depends only on the block number.
    let mut calls = vec![
        Call::new("eth_chainId", json!([])),
        Call::new("eth_getBlockByNumber", json!([quantity(n), true])),
        Call::new("debug_traceBlockByNumber", json!([quantity(n), {"tracer": "prestateTracer"}])),
        fork::config_call(),
    ];
    calls.extend((2..=window).map(|back| Call::new("eth_getBlockByNumber", json!([quantity(n - back), false]))));
    let mut round1 = progress.round("block, trace, ancestors", calls.len(), |p| client.round_each(&calls, p))?;
    // An unknown block makes the trace fail too: say what is really wrong.
    if matches!(&round1[1], Ok(Value::Null)) {
        return Err(CaptureError::Request(format!("the node does not know block {n}")));
    }
    let config = round1.remove(3);
    let mut round1 = round1.into_iter().collect::<Result<Vec<_>, _>>()?.into_iter();
    let chain_id = parse_quantity(&round1.next().expect("chainId"), "eth_chainId")?;
    let block = from_rpc::block_parts(&round1.next().expect("block"))?;
    let header = block.header.check()?;
    let trace = round1.next().expect("trace");
    let older_ancestors: Vec<RawHeader> = round1.map(|h| from_rpc::header_only(&h)).collect::<Result<_, _>>()?;
    let fork = fork::named_fork(config, chain_id, &header.header)?;

    let mut touched = touched::from_prestate_trace(&trace, block.transactions.len())?;
    touched::add_block_level(&mut touched, &header.header, &block.withdrawals);
    tracing::info!(
        block = n,
        txs = block.transactions.len(),
        accounts = touched.len(),
        slots = touched::slot_count(&touched),
        "block fetched and traced"
    );

    // Round 2: the parent by hash, proofs before and after, and code. State is asked for by block
    // hash (EIP-1898), so that a reorg between the rounds cannot mix two blocks' data.
    let (parent_at, block_at) = (at_hash(header.header.parent_hash), at_hash(header.hash));
    let mut calls = vec![Call::new("eth_getBlockByHash", json!([header.header.parent_hash, false]))];
    calls.extend(proof_and_code_calls(&touched, (&parent_at, &block_at)));
    let round2 = progress.round("proofs and code", calls.len(), |p| client.round(&calls, p))?;
    let mut round2 = round2.into_iter();
    let parent = from_rpc::header_only(&round2.next().expect("parent"))?;
    let Fetched { pre: pre_state, post: post_state, codes } = take_fetched(round2, &touched)?;
    let codes = codes.into_iter().filter(|c| !c.is_empty()).map(|c| (keccak256(&c), c)).collect();

    let mut ancestors = vec![parent];
    ancestors.extend(older_ancestors);
    let block_hash = header.hash;
    let mut witness = WitnessFile::new(
        chain_id,
        n,
        block_hash,
        BlockWitness {
            header: block.header,
            transactions: block.transactions,
            withdrawals: block.withdrawals,
            ancestors,
            pre_state,
            post_state,
            codes,
        },
    );
    witness.fork = fork;
    top_up::top_up(&mut witness, &mut touched, |sub| {
        let calls = proof_and_code_calls(sub, (&parent_at, &block_at));
        let results = progress.round("proofs the trace left out", calls.len(), |p| client.round(&calls, p))?;
        take_fetched(results.into_iter(), sub)
    })?;
    progress.finish();
    Ok(Captured { witness, stats: client.stats(), seconds: started.elapsed().as_secs_f64() })
}

fn at_hash(hash: B256) -> Value {
    json!({ "blockHash": hash })
}

/// Proofs of `touched` before and after the block, then its codes (read back by `take_fetched`).
fn proof_and_code_calls(touched: &Touched, (parent_at, block_at): (&Value, &Value)) -> Vec<Call> {
    let proofs = |at: &Value| {
        touched
            .iter()
            .map(|(address, slots)| {
                let keys: Vec<String> = slots.iter().map(|k| k.to_string()).collect();
                Call::new("eth_getProof", json!([address, keys, at]))
            })
            .collect::<Vec<_>>()
    };
    let mut calls = proofs(parent_at);
    calls.extend(proofs(block_at));
    calls.extend(touched.keys().map(|a| Call::new("eth_getCode", json!([a, parent_at]))));
    calls
}

fn take_fetched(mut results: impl Iterator<Item = Value>, touched: &Touched) -> Result<Fetched, CaptureError> {
    let pre = take_proofs(&mut results, touched)?;
    let post = take_proofs(&mut results, touched)?;
    let codes = touched
        .keys()
        .zip(results)
        .map(|(address, code)| {
            serde_json::from_value(code)
                .map_err(|e| ShapeError::new(format!("eth_getCode for {address}"), e.to_string()))
        })
        .collect::<Result<_, _>>()?;
    Ok(Fetched { pre, post, codes })
}

/// Takes one proof per touched account and checks the node answered for what was asked.
fn take_proofs(
    results: &mut impl Iterator<Item = Value>,
    touched: &Touched,
) -> Result<Vec<AccountProof>, CaptureError> {
    touched
        .iter()
        .map(|(address, slots)| {
            let proof = from_rpc::account_proof(&results.next().expect("one result per call"))?;
            let got: Vec<B256> = proof.storage.iter().map(|s| s.key).collect();
            if proof.address != *address || !got.iter().copied().eq(slots.iter().copied()) {
                return Err(CaptureError::Request(format!(
                    "eth_getProof for {address} answered for {} with {} of {} slots",
                    proof.address,
                    got.len(),
                    slots.len()
                )));
            }
            Ok(proof)
        })
        .collect()
}

fn parse_quantity(v: &Value, what: &str) -> Result<u64, ShapeError> {
    v.as_str()
        .and_then(|s| u64::from_str_radix(s.trim_start_matches("0x"), 16).ok())
        .ok_or_else(|| ShapeError::new(what, format!("not a hex quantity: {v}")))
}
