//! Re-executes one block from a [`StatelessInput`]: header chain, header rules, body roots, every
//! transaction under the block's fork (alloy-evm's Ethereum block executor over revm, with the
//! EIP-4788 / EIP-2935 system calls before and the EIP-7002 / EIP-7251 ones and withdrawals
//! after), then gas, receipts, logs bloom, requests and the post-state root against the header.

use alloc::{
    borrow::Cow,
    collections::{BTreeMap, BTreeSet},
    format,
    string::ToString,
    vec::Vec,
};

use alloy_consensus::{
    proofs::calculate_withdrawals_root,
    transaction::{Recovered, SignerRecoverable},
    Header, ReceiptEnvelope, TxEip4844Variant, TxEnvelope, TxReceipt,
};
use alloy_eips::{eip2718::Decodable2718, eip2718::Encodable2718};
use alloy_evm::{
    block::{BlockExecutionResult, BlockExecutor},
    eth::{receipt_builder::AlloyReceiptBuilder, EthBlockExecutionCtx, EthBlockExecutor, EthEvmFactory},
    Evm, EvmEnv, EvmFactory,
};
use alloy_primitives::{Address, Bloom, Bytes, B256};
use alloy_trie::root::ordered_trie_root_with_encoder;
use revm::database::{states::bundle_state::BundleRetention, State};

use crate::{
    chain::{ChainSpec, Fork},
    db::{MissingKey, WitnessDb},
    error::StatelessError,
    input::{BlockCommitment, StatelessInput},
    post_state::post_state_root,
    trie::NodePool,
    validate::validate_header,
    watch::Watch,
};

/// A block that re-executed to its header.
#[derive(Clone, Debug)]
pub struct Executed {
    /// What the block commits to.
    pub commitment: BlockCommitment,
    /// Nodes the check had to derive from others (see `NodePool::derived`): a host adds them to
    /// the input so that the guest finds them directly.
    pub derived_nodes: Vec<Bytes>,
    /// Every address in the precompile range (below 0x10000) the block called, each once, sorted; filled
    /// by `execute_block_noting_precompiles` only.
    pub precompiles_called: Vec<Address>,
}

/// Re-executes a block from its witness alone: headers, pre-state, every transaction, post-state root, receipts and gas against the header.
pub fn execute_block(input: &StatelessInput) -> Result<Executed, StatelessError> {
    execute(input, false, false).map(|(executed, _)| executed)
}

/// `execute_block`, also noting the precompiles the block called (`Executed::precompiles_called`):
/// a host picks the guest image by them. Slower than `execute_block` (revm's inspecting loop), so
/// the guest does not.
pub fn execute_block_noting_precompiles(input: &StatelessInput) -> Result<Executed, StatelessError> {
    execute(input, false, true).map(|(executed, _)| executed)
}

/// The state after a block, as nodes and codes that, added to the input's, open the next block's
/// pre-state (the consensus-test runner executes chains of blocks this way).
#[derive(Clone, Debug, Default)]
pub struct PostState {
    /// Trie nodes of the post-state that the input's nodes lack.
    pub nodes: Vec<Bytes>,
    /// Contract codes the block created.
    pub codes: Vec<Bytes>,
}

/// `execute_block`, also handing back the post-state as nodes and codes.
pub fn execute_block_with_post_state(input: &StatelessInput) -> Result<(Executed, PostState), StatelessError> {
    execute(input, true, false)
}

fn execute(
    input: &StatelessInput,
    collect_post_state: bool,
    note_precompiles: bool,
) -> Result<(Executed, PostState), StatelessError> {
    let header = &input.header;
    let number = header.number;
    let (parent, block_hashes) = check_ancestors(header, &input.ancestors)?;

    let spec = chain_spec(input);
    let fork = spec.fork_at(header);
    validate_header(header, parent, &spec, fork)?;
    check_body(input, fork)?;
    let transactions = decode_transactions(&input.transactions)?;

    let run = run_block(input, parent.state_root, block_hashes, false, note_precompiles, &spec, &transactions);
    let (mut state, result, called) = (run.state, run.result?, run.called);

    let mismatch = |field, expected: &dyn core::fmt::Debug, computed: &dyn core::fmt::Debug| StatelessError::Mismatch {
        number,
        field,
        expected: format!("{expected:?}"),
        computed: format!("{computed:?}"),
    };
    if result.gas_used != header.gas_used {
        return Err(mismatch("gasUsed", &header.gas_used, &result.gas_used));
    }
    if fork >= Fork::Cancun && Some(result.blob_gas_used) != header.blob_gas_used {
        return Err(mismatch("blobGasUsed", &header.blob_gas_used, &result.blob_gas_used));
    }
    check_receipts(header, &result.receipts)?;
    if fork >= Fork::Prague {
        let computed = result.requests.requests_hash();
        if Some(computed) != header.requests_hash {
            return Err(mismatch("requestsHash", &header.requests_hash, &computed));
        }
    }

    state.merge_transitions(BundleRetention::PlainState);
    let bundle = state.take_bundle();
    let db = &mut state.database;
    let state_root = post_state_root(db, &bundle, input.zero_slot_leaves)?;
    if state_root != header.state_root {
        return Err(mismatch("stateRoot", &header.state_root, &state_root));
    }

    let mut post = PostState::default();
    if collect_post_state {
        post.nodes = db.accounts.resolved_nodes();
        post.nodes.extend(db.storage.values().flat_map(|trie| trie.resolved_nodes()));
        post.codes = bundle.contracts.values().map(|code| code.original_bytes()).collect();
    }
    let executed = Executed {
        commitment: BlockCommitment {
            chain_id: input.chain_id,
            number,
            hash: header.hash_slow(),
            parent_hash: header.parent_hash,
            parent_state_root: parent.state_root,
            state_root,
            fork,
            zero_slot_leaves: input.zero_slot_leaves,
            gas_used: header.gas_used,
            transactions: transactions.len() as u32,
        },
        derived_nodes: db.pool.derived().to_vec(),
        precompiles_called: called.into_iter().collect(),
    };
    left_allocated((state, bundle, transactions, result));
    Ok((executed, post))
}

/// In the zkVM nothing is ever freed (OpenVM's allocator only moves a pointer on), so taking the
/// tries and revm's caches apart at the end would be instructions spent for nothing (about 1% of
/// a mainnet block's); natively they are dropped as usual.
fn left_allocated<T>(value: T) {
    if cfg!(target_os = "zkvm") {
        core::mem::forget(value);
    }
}

/// The accounts and slots the block reads that the witness cannot show (its proofs stop short of
/// them): a node's prestate trace leaves out accounts that do not exist yet, so capture asks for
/// these too and runs this again until nothing is missing. Reads of missing keys count as absent
/// here, so one run finds what a whole block needs, give or take what those reads hide.
pub fn find_missing(input: &StatelessInput) -> Result<Vec<MissingKey>, StatelessError> {
    let header = &input.header;
    let (parent, block_hashes) = check_ancestors(header, &input.ancestors)?;
    let spec = chain_spec(input);
    let transactions = decode_transactions(&input.transactions)?;
    // Whether the block then executes is for the real run to say.
    let run = run_block(input, parent.state_root, block_hashes, true, false, &spec, &transactions);
    Ok(run.state.database.missing.unwrap_or_default().into_iter().collect())
}

/// Runs the block over a fresh state; a second time, watching creations for EIP-7610 collisions
/// (`watch`), when the first run read an account that has storage without code or nonce. The
/// first run's outcome is then moot, whatever it was: it may have let such a creation through.
/// With `note_precompiles`, the run also notes the precompiles called.
fn run_block(
    input: &StatelessInput,
    state_root: B256,
    block_hashes: BTreeMap<u64, B256>,
    discover: bool,
    note_precompiles: bool,
    spec: &ChainSpec,
    transactions: &[Recovered<TxEnvelope>],
) -> BlockRun {
    let watch = |collisions| Watch { collisions, precompiles: note_precompiles.then(BTreeSet::new) };
    let mut state = witness_state(input, state_root, block_hashes.clone(), discover);
    let (result, watched) = run_transactions(&mut state, input, spec, transactions, watch(false));
    if !state.database.read_storage_only_account {
        return BlockRun { state, result, called: watched.precompiles.unwrap_or_default() };
    }
    let mut state = witness_state(input, state_root, block_hashes, discover);
    let (result, watched) = run_transactions(&mut state, input, spec, transactions, watch(true));
    BlockRun { state, result, called: watched.precompiles.unwrap_or_default() }
}

/// A block's run: the state after it, its outcome, and the precompiles it called (when noted).
struct BlockRun {
    state: State<WitnessDb>,
    result: Result<BlockExecutionResult<ReceiptEnvelope>, StatelessError>,
    called: BTreeSet<Address>,
}

/// revm's state over the witness; `discover`: reads the witness cannot serve are noted, not fatal.
fn witness_state(
    input: &StatelessInput,
    state_root: B256,
    block_hashes: BTreeMap<u64, B256>,
    discover: bool,
) -> State<WitnessDb> {
    let mut db = WitnessDb::new(state_root, NodePool::new(&input.nodes), &input.codes, block_hashes);
    db.missing = discover.then(Default::default);
    State::builder().with_database(db).with_bundle_update().build()
}

fn chain_spec(input: &StatelessInput) -> ChainSpec {
    match input.dev_fork {
        Some(fork) => ChainSpec::dev(fork),
        None => ChainSpec::new(input.chain_id, Fork::from_header_shape(&input.header)),
    }
}

/// The block's system calls, transactions and end-of-block changes, committed to `state`; the
/// watch handed back with what it saw.
fn run_transactions(
    state: &mut State<WitnessDb>,
    input: &StatelessInput,
    spec: &ChainSpec,
    transactions: &[Recovered<TxEnvelope>],
    watch: Watch,
) -> (Result<BlockExecutionResult<ReceiptEnvelope>, StatelessError>, Watch) {
    let header = &input.header;
    let env = EvmEnv::for_eth_block(header, spec, input.chain_id, spec.blob_params(header));
    // Switched off, the watch costs nothing: revm then runs its plain interpreter loop.
    let enabled = watch.collisions || watch.precompiles.is_some();
    let mut evm = EthEvmFactory::default().create_evm_with_inspector(state, env, watch);
    evm.set_inspector_enabled(enabled);
    let ctx = EthBlockExecutionCtx {
        parent_hash: header.parent_hash,
        parent_beacon_block_root: header.parent_beacon_block_root,
        ommers: &[],
        withdrawals: input.withdrawals.as_deref().map(Cow::Borrowed),
        extra_data: header.extra_data.clone(),
        tx_count_hint: Some(transactions.len()),
        slot_number: None,
    };
    let mut executor = EthBlockExecutor::new(evm, ctx, spec, AlloyReceiptBuilder::default());
    let run = || {
        executor.apply_pre_execution_changes().map_err(|e| StatelessError::Execution(format!("system calls: {e}")))?;
        for (index, tx) in transactions.iter().enumerate() {
            executor
                .execute_transaction(tx.as_recovered_ref())
                .map_err(|e| StatelessError::Transaction { index, reason: e.to_string() })?;
        }
        let (mut evm, result) =
            executor.finish().map_err(|e| StatelessError::Execution(format!("end of block: {e}")))?;
        Ok((result, core::mem::take(evm.inspector_mut())))
    };
    // A block that fails has nothing to report of what it called.
    match run() {
        Ok((result, watched)) => (Ok(result), watched),
        Err(e) => (Err(e), Watch::default()),
    }
}

/// Each ancestor must hash to its child's parentHash; returns the parent and the hashes BLOCKHASH
/// can read.
fn check_ancestors<'a>(
    header: &Header,
    ancestors: &'a [Header],
) -> Result<(&'a Header, BTreeMap<u64, B256>), StatelessError> {
    let parent = ancestors
        .first()
        .ok_or_else(|| StatelessError::Header { number: header.number, reason: "no parent header".into() })?;
    let mut hashes = BTreeMap::new();
    let (mut child_number, mut child_parent_hash) = (header.number, header.parent_hash);
    for ancestor in ancestors {
        let computed = ancestor.hash_slow();
        if computed != child_parent_hash || ancestor.number + 1 != child_number {
            return Err(StatelessError::ParentLink { number: child_number, expected: child_parent_hash, computed });
        }
        hashes.insert(ancestor.number, computed);
        (child_number, child_parent_hash) = (ancestor.number, ancestor.parent_hash);
    }
    Ok((parent, hashes))
}

fn check_body(input: &StatelessInput, fork: Fork) -> Result<(), StatelessError> {
    let header = &input.header;
    let computed = ordered_trie_root_with_encoder(&input.transactions, |tx, buf| buf.extend_from_slice(tx));
    same_root(header.number, "transactions", header.transactions_root, computed)?;
    match (&input.withdrawals, header.withdrawals_root) {
        (Some(withdrawals), Some(expected)) => {
            same_root(header.number, "withdrawals", expected, calculate_withdrawals_root(withdrawals))?;
        }
        (None, None) if fork < Fork::Shanghai => {}
        _ => {
            return Err(StatelessError::Header {
                number: header.number,
                reason: "withdrawals and withdrawalsRoot must both be present, from Shanghai on".into(),
            })
        }
    }
    Ok(())
}

fn decode_transactions(raw: &[Bytes]) -> Result<Vec<Recovered<TxEnvelope>>, StatelessError> {
    raw.iter()
        .enumerate()
        .map(|(index, bytes)| {
            let fail = |reason: alloc::string::String| StatelessError::Transaction { index, reason };
            let tx = TxEnvelope::decode_2718_exact(bytes).map_err(|e| fail(format!("does not decode: {e}")))?;
            // alloy also decodes a blob transaction in its network form (with its blobs,
            // commitments and proofs), which a block body never holds.
            if let TxEnvelope::Eip4844(signed) = &tx {
                if matches!(signed.tx(), TxEip4844Variant::TxEip4844WithSidecar(_)) {
                    return Err(fail(
                        "a blob transaction in its network form (with blobs, commitments and proofs), \
                                     which a block body does not hold"
                            .into(),
                    ));
                }
            }
            let signer = tx.recover_signer().map_err(|e| fail(format!("signature: {e}")))?;
            Ok(Recovered::new_unchecked(tx, signer))
        })
        .collect()
}

fn check_receipts(header: &Header, receipts: &[ReceiptEnvelope]) -> Result<(), StatelessError> {
    let computed = ordered_trie_root_with_encoder(receipts, |r, buf| r.encode_2718(buf));
    same_root(header.number, "receipts", header.receipts_root, computed)?;
    let mut bloom = Bloom::ZERO;
    for receipt in receipts {
        bloom.accrue_bloom(&receipt.bloom());
    }
    if bloom != header.logs_bloom {
        return Err(StatelessError::Mismatch {
            number: header.number,
            field: "logsBloom",
            expected: format!("{}", header.logs_bloom),
            computed: format!("{bloom}"),
        });
    }
    Ok(())
}

fn same_root(number: u64, what: &'static str, expected: B256, computed: B256) -> Result<(), StatelessError> {
    if computed == expected {
        Ok(())
    } else {
        Err(StatelessError::BodyRoot { number, what, expected, computed })
    }
}
