//! Capture from one `debug_executionWitness` call (geth 1.15 and later, reth): the node
//! re-executes the block and answers with every trie node and code the block read, the nodes it
//! needed to rehash the post-state, and the headers BLOCKHASH reached. The proofs of the witness
//! file are cut from those nodes (and from the tries our own re-execution leaves), so the file has
//! the same shape as one captured with `eth_getProof` and is checked the same way. The block's
//! prestate trace names the accounts and slots: geth's answer carries no keys.

use std::{collections::BTreeMap, time::Instant};

use alloy_primitives::{keccak256, Bytes, B256};
use serde::Deserialize;
use serde_json::{json, Value};
use stateless::StatelessInput;

use super::{
    at_hash, parse_quantity,
    progress::Rounds,
    proof_and_code_calls, quantity, take_fetched,
    top_up::{self, Fetched},
    touched::{self, Touched},
    CaptureError, CaptureOptions, Captured,
};
use crate::{
    error::WitnessError,
    from_rpc::{self, ShapeError},
    node_proofs::NodeBag,
    rpc::{Call, RpcClient, RpcError},
    types::{AccountProof, BlockWitness, RawHeader, WitnessFile},
};

/// Enough for a read hidden behind another missing one.
const MAX_ROUNDS: usize = 4;

/// The answer's JSON shape (geth's `ExtWitness`).
#[derive(Deserialize)]
struct ExecutionWitness {
    headers: Vec<Value>,
    codes: Vec<Bytes>,
    state: Vec<Bytes>,
}

pub(super) fn capture(
    client: &RpcClient,
    opts: &CaptureOptions,
    progress: &Rounds<'_>,
) -> Result<Captured, CaptureError> {
    let started = Instant::now();
    let n = opts.block;
    let calls = [
        Call::new("eth_chainId", json!([])),
        Call::new("eth_getBlockByNumber", json!([quantity(n), true])),
        Call::new("debug_traceBlockByNumber", json!([quantity(n), {"tracer": "prestateTracer"}])),
        Call::new("debug_executionWitness", json!([quantity(n)])),
        super::fork::config_call(),
    ];
    let mut answers =
        progress.round("block, trace, execution witness", calls.len(), |p| client.round_each(&calls, p))?;
    if matches!(&answers[1], Ok(Value::Null)) {
        return Err(CaptureError::Request(format!("the node does not know block {n}")));
    }
    let config = answers.pop().expect("one answer per call");
    let mut answers = answers.into_iter().map(|a| a.map_err(not_served)).collect::<Result<Vec<_>, _>>()?.into_iter();
    let mut next = || answers.next().expect("one answer per call");
    let chain_id = parse_quantity(&next(), "eth_chainId")?;
    let block = from_rpc::block_parts(&next())?;
    let header = block.header.check()?;
    let trace = next();
    let fork = super::fork::named_fork(config, chain_id, &header.header)?;
    let mut touched = touched::from_prestate_trace(&trace, block.transactions.len())?;
    touched::add_block_level(&mut touched, &header.header, &block.withdrawals);
    let mut answer: ExecutionWitness = serde_json::from_value(next()).map_err(|e| {
        ShapeError::new("debug_executionWitness", format!("not a witness of headers, codes and state: {e}"))
    })?;
    answer.codes.extend(touched::codes_from_prestate_trace(&trace));
    answer.codes.sort();
    answer.codes.dedup();
    let ancestors = ancestors(answer.headers, n)?;
    let parent_state_root = ancestors[0].check()?.header.state_root;
    tracing::info!(
        block = n,
        nodes = answer.state.len(),
        codes = answer.codes.len(),
        ancestors = ancestors.len(),
        accounts = touched.len(),
        "execution witness fetched"
    );

    let mut bag = NodeBag::new(answer.state);
    let mut input = StatelessInput {
        chain_id,
        dev_fork: fork,
        zero_slot_leaves: false,
        header: header.header.clone(),
        ancestors: ancestors.iter().map(RawHeader::decode).collect::<Result<_, _>>()?,
        transactions: block.transactions.clone(),
        withdrawals: header.header.withdrawals_root.map(|_| block.withdrawals.clone()),
        nodes: Vec::new(),
        codes: answer.codes,
    };
    let ats = (&at_hash(header.header.parent_hash), &at_hash(header.hash));
    complete(&mut bag, &mut input, |sub| {
        let calls = proof_and_code_calls(sub, ats);
        let results = progress.round("proofs the node's witness left out", calls.len(), |p| client.round(&calls, p))?;
        take_fetched(results.into_iter(), sub)
    })?;
    // The post-state tries: re-execute over all the nodes and keep the tries it leaves.
    input.nodes = bag.nodes().cloned().collect();
    let (_, post) = stateless::execute_block_with_post_state(&input)
        .map_err(|cause| WitnessError::Execution { number: n, cause })?;
    bag.extend(post.nodes);
    let codes: BTreeMap<B256, Bytes> = input.codes.into_iter().map(|c| (keccak256(&c), c)).collect();
    let cut = |sub: &Touched| -> Result<Fetched, CaptureError> {
        let prove =
            |root| sub.iter().map(|(address, slots)| bag.account(root, *address, slots)).collect::<Result<Vec<_>, _>>();
        let pre = prove(parent_state_root)?;
        let codes = pre.iter().filter_map(|a| codes.get(&a.code_hash).cloned()).collect();
        Ok(Fetched { pre, post: prove(header.header.state_root)?, codes })
    };

    let Fetched { pre, post, codes: pre_codes } = cut(&touched)?;
    let mut witness = WitnessFile::new(
        chain_id,
        n,
        header.hash,
        BlockWitness {
            header: block.header,
            transactions: block.transactions,
            withdrawals: block.withdrawals,
            ancestors,
            pre_state: pre,
            post_state: post,
            codes: pre_codes.into_iter().map(|c| (keccak256(&c), c)).collect(),
        },
    );
    witness.fork = fork;
    top_up::top_up(&mut witness, &mut touched, cut)?;
    progress.finish();
    Ok(Captured { witness, stats: client.stats(), seconds: started.elapsed().as_secs_f64() })
}

/// A node's witness holds what the node's own execution read, and revm reads a little more: the
/// account of a precompile that a DELEGATECALL or STATICCALL targets (geth does not load it, revm
/// does). Discovery over the bag names those reads, and they are proven by `eth_getProof` (before
/// and after the block, so both sides can be cut), usually in one extra batch, none if the node's
/// witness had it all.
fn complete(
    bag: &mut NodeBag,
    input: &mut StatelessInput,
    mut fetch: impl FnMut(&Touched) -> Result<Fetched, CaptureError>,
) -> Result<(), CaptureError> {
    for _ in 0..MAX_ROUNDS {
        input.nodes = bag.nodes().cloned().collect();
        let missing = stateless::find_missing(input)
            .map_err(|cause| WitnessError::Execution { number: input.header.number, cause })?;
        if missing.is_empty() {
            return Ok(());
        }
        let sub = top_up::as_touched(missing);
        tracing::info!(accounts = sub.len(), "proving what the node's witness left out");
        let fetched = fetch(&sub)?;
        let proofs = fetched.pre.iter().chain(&fetched.post);
        bag.extend(proofs.flat_map(AccountProof::proof_nodes).cloned());
        input.codes.extend(fetched.codes.into_iter().filter(|c| !c.is_empty()));
    }
    Ok(())
}

/// The answer's headers, parent first (geth sends them oldest first); the block's own is dropped
/// if a node includes it.
fn ancestors(headers: Vec<Value>, number: u64) -> Result<Vec<RawHeader>, CaptureError> {
    let mut numbered = headers
        .iter()
        .map(|h| {
            let raw = from_rpc::header_only(h)?;
            let at = raw.check()?.header.number;
            Ok((at, raw))
        })
        .collect::<Result<Vec<_>, CaptureError>>()?;
    numbered.retain(|(at, _)| *at < number);
    numbered.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    if numbered.first().map(|(at, _)| *at) != Some(number - 1) {
        return Err(ShapeError::new(
            "debug_executionWitness",
            format!("its headers do not include block {number}'s parent"),
        )
        .into());
    }
    Ok(numbered.into_iter().map(|(_, raw)| raw).collect())
}

/// A node without the method gets a message that says what to do instead.
fn not_served(e: RpcError) -> CaptureError {
    match e {
        RpcError::MissingDebugNamespace { method, message } if method == "debug_executionWitness" => {
            CaptureError::Request(format!(
                "the node does not serve debug_executionWitness ({message}): geth 1.15 and later and reth do, \
                 anvil does not; capture without --execution-witness (proofs by eth_getProof)"
            ))
        }
        e => e.into(),
    }
}
