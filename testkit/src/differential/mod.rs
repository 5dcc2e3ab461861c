//! Differential tests against the Ethereum execution specification. Each generated case (a
//! pre-state, a block environment, transactions: generate.rs) runs through the specification's
//! `t8n` (t8n.rs), and the block t8n describes (its transactions, state root, receipts root, logs
//! bloom, gas, requests) is assembled into a consensus-test case: the pre-state as the genesis's
//! state, that block on it, t8n's post-state as the expected one. The consensus runner
//! (consensus.rs, the stateless code the guest runs) must accept it and reach the same state. Each
//! transaction t8n rejected is put back into the block as a second case, which the runner must
//! refuse. A disagreement is written as that consensus-test case, ready to become a fixture.

mod bls_inputs;
mod bn254_inputs;
mod generate;
pub mod geth_t8n;
pub mod kzg_inputs;
mod modexp_inputs;
mod p256_inputs;
mod precompile_case;
pub mod program;
pub mod rng;
mod t8n;

use std::collections::BTreeMap;

use alloy_consensus::{Block, BlockBody, Header, TxEnvelope, EMPTY_OMMER_ROOT_HASH};
use alloy_eips::{eip1559::BaseFeeParams, eip4895::Withdrawal};
use alloy_primitives::{Address, Bloom, B256, U256};
use alloy_rlp::Encodable;
use anyhow::Context;
use serde_json::{json, Map, Value};
use stateless::Fork;

pub use generate::{case, feature_names, Account, BlockEnv, Case, CHAIN_ID};
pub use precompile_case::{precompile_call, precompile_case, precompile_contract, Precompiles};
pub use t8n::{T8n, VERSION};

use crate::consensus::{run_case_also, SecondRun};

/// The block's base fee, from its genesis's (EIP-1559).
pub fn next_base_fee(env: &BlockEnv) -> u64 {
    alloy_eips::eip1559::calc_next_block_base_fee(
        env.parent_gas_used,
        env.gas_limit,
        env.parent_base_fee,
        BaseFeeParams::ethereum(),
    )
}

/// What a case came to.
#[derive(Debug)]
pub struct Outcome {
    /// Transactions t8n included and rejected.
    pub included: usize,
    /// Those t8n rejected (each made a case the runner had to refuse).
    pub rejected: usize,
    /// `Err`: the two disagree, and the consensus-test case that shows it.
    pub result: Result<(), Disagreement>,
}

/// A disagreement: why, and the case as a consensus test.
#[derive(Debug)]
pub struct Disagreement {
    /// What differs.
    pub reason: String,
    /// The case in the consensus tests' form (`{network, genesisRLP, pre, blocks, ...}`).
    pub fixture: Value,
}

/// What geth's `evm t8n` (the second oracle) says of a case's block: its state root, and whether
/// it is the specification's.
pub fn second_opinion(case: &Case) -> anyhow::Result<(String, bool)> {
    let (alloc, env, txs) = t8n_input(case, &case.transactions)?;
    let mut eels = T8n::start()?;
    let spec = eels.run(&serde_json::json!({ "alloc": alloc, "env": env, "txs": txs }), case.fork.name(), CHAIN_ID)?;
    let geth = geth_t8n::run(&alloc, &env, &txs, case.fork.name(), CHAIN_ID)?;
    let root = geth["result"]["stateRoot"].as_str().unwrap_or_default().to_string();
    let same = spec["result"]["stateRoot"].as_str() == Some(root.as_str());
    Ok((root, same))
}

fn hex(bytes: &[u8]) -> String {
    format!("0x{}", alloy_primitives::hex::encode(bytes))
}

fn quantity(v: impl std::fmt::LowerHex) -> String {
    format!("{v:#x}")
}

/// The pre-state in the form t8n and the consensus tests read.
fn alloc_json(alloc: &BTreeMap<Address, Account>) -> Value {
    let accounts: Map<String, Value> = alloc
        .iter()
        .map(|(address, a)| {
            // Whole words: geth reads storage keys and values as 32-byte hex.
            let word = |v: &U256| format!("{:#x}", B256::from(*v));
            let storage: Map<String, Value> = a.storage.iter().map(|(k, v)| (word(k), Value::String(word(v)))).collect();
            let account = json!({ "balance": quantity(a.balance), "nonce": quantity(a.nonce), "code": hex(&a.code), "storage": storage });
            (format!("{address:#x}"), account)
        })
        .collect();
    Value::Object(accounts)
}

fn withdrawals_json(withdrawals: &[Withdrawal]) -> Value {
    withdrawals
        .iter()
        .map(|w| {
            json!({ "index": quantity(w.index), "validatorIndex": quantity(w.validator_index),
                    "address": format!("{:#x}", w.address), "amount": quantity(w.amount) })
        })
        .collect()
}

/// The genesis the block builds on: number 0, the pre-state's root, every field of the fork.
fn genesis(case: &Case, state_root: B256) -> Header {
    let fork = case.fork;
    Header {
        state_root,
        number: 0,
        gas_limit: case.env.gas_limit,
        gas_used: case.env.parent_gas_used,
        timestamp: case.env.timestamp - 12,
        base_fee_per_gas: Some(case.env.parent_base_fee),
        withdrawals_root: (fork >= Fork::Shanghai).then_some(alloy_trie::EMPTY_ROOT_HASH),
        blob_gas_used: (fork >= Fork::Cancun).then_some(0),
        excess_blob_gas: (fork >= Fork::Cancun).then_some(0),
        parent_beacon_block_root: (fork >= Fork::Cancun).then_some(B256::ZERO),
        requests_hash: (fork >= Fork::Prague).then_some(alloy_eips::eip7685::EMPTY_REQUESTS_HASH),
        ..Header::default()
    }
}

fn block_rlp(header: Header, transactions: Vec<TxEnvelope>, withdrawals: Option<Vec<Withdrawal>>) -> String {
    let block =
        Block { header, body: BlockBody { transactions, ommers: vec![], withdrawals: withdrawals.map(Into::into) } };
    let mut out = Vec::new();
    block.encode(&mut out);
    hex(&out)
}

fn field<T: std::str::FromStr>(result: &Value, name: &str) -> anyhow::Result<T> {
    let text = result[name].as_str().with_context(|| format!("t8n's result has no {name}"))?;
    text.parse().map_err(|_| anyhow::anyhow!("t8n's {name} {text:?} does not parse"))
}

fn number(result: &Value, name: &str) -> anyhow::Result<u64> {
    let text = result[name].as_str().with_context(|| format!("t8n's result has no {name}"))?;
    u64::from_str_radix(text.trim_start_matches("0x"), 16).with_context(|| format!("t8n's {name} {text:?}"))
}

/// What t8n reads for `case` with `transactions`: the pre-state, the environment (the genesis's
/// hash for BLOCKHASH), the transactions as RLP.
fn t8n_input(case: &Case, transactions: &[TxEnvelope]) -> anyhow::Result<(Value, Value, String)> {
    let env = &case.env;
    let pre = alloc_json(&case.alloc);
    let genesis = genesis(case, crate::consensus::state_root(&pre)?);
    let mut t8n_env = json!({
        "currentCoinbase": format!("{:#x}", env.coinbase),
        "currentGasLimit": quantity(env.gas_limit),
        "currentNumber": "0x1",
        "currentTimestamp": quantity(env.timestamp),
        "currentRandom": format!("{:#x}", env.prev_randao),
        "currentDifficulty": "0x0",
        "currentBaseFee": quantity(next_base_fee(env)),
        "blockHashes": { "0x0": format!("{:#x}", genesis.hash_slow()) },
    });
    if let Some(withdrawals) = &env.withdrawals {
        t8n_env["withdrawals"] = withdrawals_json(withdrawals);
    }
    if let Some(root) = env.beacon_root {
        t8n_env["parentBeaconBlockRoot"] = json!(format!("{root:#x}"));
        t8n_env["currentExcessBlobGas"] = json!("0x0");
        t8n_env["parentExcessBlobGas"] = json!("0x0");
        t8n_env["parentBlobGasUsed"] = json!("0x0");
    }
    let mut txs_rlp = Vec::new();
    transactions.to_vec().encode(&mut txs_rlp);
    Ok((pre, t8n_env, hex(&txs_rlp)))
}

/// Runs `case` through t8n, then its block through the consensus runner.
pub fn run(t8n: &mut T8n, case: &Case) -> anyhow::Result<Outcome> {
    run_changed(t8n, case, |_| {})
}

/// As [`run`], with t8n's answer for the block changed by `change` first: what the tests use to
/// show that a wrong answer is caught.
pub fn run_changed(t8n: &mut T8n, case: &Case, change: impl Fn(&mut Value)) -> anyhow::Result<Outcome> {
    run_with(t8n, case, change, None)
}

/// As [`run`], with every block also run by `second` (a zkVM executor): it must accept the block
/// t8n made with the same commitment as the native run, and refuse each block with a rejected
/// transaction as the native run does.
pub fn run_also(t8n: &mut T8n, case: &Case, second: SecondRun<'_>) -> anyhow::Result<Outcome> {
    run_with(t8n, case, |_| {}, Some(second))
}

fn run_with(
    t8n: &mut T8n,
    case: &Case,
    change: impl Fn(&mut Value),
    second: Option<SecondRun<'_>>,
) -> anyhow::Result<Outcome> {
    let env = &case.env;
    let pre = alloc_json(&case.alloc);
    let genesis = genesis(case, crate::consensus::state_root(&pre)?);
    let base_fee = next_base_fee(env);
    let mut transition = |transactions: &[TxEnvelope]| {
        let (alloc, env, txs) = t8n_input(case, transactions)?;
        t8n.run(&json!({ "alloc": alloc, "env": env, "txs": txs }), case.fork.name(), CHAIN_ID)
    };
    let first = transition(&case.transactions)?;
    let rejected: Vec<usize> = first["result"]["rejected"]
        .as_array()
        .map(|r| r.iter().filter_map(|x| x["index"].as_u64()).map(|i| i as usize).collect())
        .unwrap_or_default();
    let included: Vec<TxEnvelope> =
        case.transactions.iter().enumerate().filter(|(i, _)| !rejected.contains(i)).map(|(_, t)| t.clone()).collect();
    // t8n 2.20 keys its transaction and receipt tries by the position among all transactions
    // given, rejected ones included: the block of the included ones is run again for its roots (a
    // rejected transaction changed nothing, so the second run includes them all).
    let mut answer = if rejected.is_empty() { first.clone() } else { transition(&included)? };
    change(&mut answer);
    let result = &answer["result"];
    anyhow::ensure!(
        result["rejected"].as_array().is_none_or(Vec::is_empty),
        "t8n rejects a transaction of the block of those it included before: {}",
        result["rejected"]
    );
    let first_result = &first["result"];
    let fork = case.fork;
    let header = Header {
        parent_hash: genesis.hash_slow(),
        ommers_hash: EMPTY_OMMER_ROOT_HASH,
        beneficiary: env.coinbase,
        state_root: field(result, "stateRoot")?,
        transactions_root: field(result, "txRoot")?,
        receipts_root: field(result, "receiptsRoot")?,
        logs_bloom: field::<Bloom>(result, "logsBloom")?,
        difficulty: U256::ZERO,
        number: 1,
        gas_limit: env.gas_limit,
        gas_used: number(result, "gasUsed")?,
        timestamp: env.timestamp,
        mix_hash: env.prev_randao,
        base_fee_per_gas: Some(base_fee),
        withdrawals_root: if fork >= Fork::Shanghai { Some(field(result, "withdrawalsRoot")?) } else { None },
        // t8n 2.20 leaves blobGasUsed out of its result: the included blobs' gas.
        blob_gas_used: (fork >= Fork::Cancun).then(|| blob_gas(&included)),
        excess_blob_gas: (fork >= Fork::Cancun).then_some(0),
        parent_beacon_block_root: env.beacon_root,
        requests_hash: if fork >= Fork::Prague { Some(field(result, "requestsHash")?) } else { None },
        ..Header::default()
    };
    let block_hash = header.hash_slow();
    let genesis_rlp = block_rlp(genesis.clone(), vec![], (fork >= Fork::Shanghai).then(Vec::new));
    let fixture = |blocks: Value, last: B256, post: Option<&Value>| {
        let mut case_json = json!({
            "network": fork.name(), "genesisRLP": genesis_rlp, "pre": pre, "blocks": blocks,
            "lastblockhash": format!("{last:#x}"),
            "_info": { "comment": format!("differential case, seed {}, fork {} (testkit/src/differential)", case.seed, fork.name()) },
        });
        if let Some(post) = post {
            case_json["postState"] = post.clone();
        }
        case_json
    };

    // The block t8n made: the runner must accept it and reach t8n's post-state.
    let valid = fixture(
        json!([{ "rlp": block_rlp(header.clone(), included.clone(), env.withdrawals.clone()) }]),
        block_hash,
        Some(&answer["alloc"]),
    );
    let ran = run_case_also(&format!("seed {}", case.seed), &valid, second);
    if let Err(e) = ran.result {
        let reason = format!("t8n's block is refused or differs here: {e:#}");
        return Ok(Outcome {
            included: included.len(),
            rejected: rejected.len(),
            result: Err(Disagreement { reason, fixture: valid }),
        });
    }
    // Each rejected transaction put back where it was: the runner must refuse the block.
    for &index in &rejected {
        let mut with = included.clone();
        let at = index - rejected.iter().filter(|r| **r < index).count();
        with.insert(at.min(with.len()), case.transactions[index].clone());
        let mut bad_header = header.clone();
        bad_header.transactions_root = alloy_consensus::proofs::calculate_transaction_root(&with);
        let blocks = json!([{ "rlp": block_rlp(bad_header, with, env.withdrawals.clone()),
                               "expectException": "TransactionException (rejected by t8n)" }]);
        let invalid = fixture(blocks, genesis.hash_slow(), None);
        let ran = run_case_also(&format!("seed {} with rejected transaction {index}", case.seed), &invalid, second);
        // Refused, and for that transaction: a refusal for another reason (the header's roots are
        // those of the block without it) would hide a transaction wrongly accepted.
        let why = ran.refused.first().map(|r| r.reason.clone());
        let named = why.as_deref().is_some_and(|w| w.contains(&format!("transaction {at}:")));
        if ran.result.is_err() || !named {
            let reason = format!(
                "transaction {index}, which t8n rejects ({}), is not refused as such here: {}",
                rejected_reason(first_result, index),
                match (ran.result, why) {
                    (Err(e), _) => format!("{e:#}"),
                    (Ok(()), Some(why)) => format!("the block is refused for another reason: {why}"),
                    (Ok(()), None) => "accepted".into(),
                }
            );
            return Ok(Outcome {
                included: included.len(),
                rejected: rejected.len(),
                result: Err(Disagreement { reason, fixture: invalid }),
            });
        }
    }
    Ok(Outcome { included: included.len(), rejected: rejected.len(), result: Ok(()) })
}

/// The blob gas of `transactions` (EIP-4844: 2^17 a blob).
fn blob_gas(transactions: &[TxEnvelope]) -> u64 {
    use alloy_consensus::Transaction;
    transactions.iter().map(|t| t.blob_versioned_hashes().map_or(0, |h| h.len() as u64) * 131_072).sum()
}

fn rejected_reason(result: &Value, index: usize) -> String {
    result["rejected"]
        .as_array()
        .and_then(|r| r.iter().find(|x| x["index"].as_u64() == Some(index as u64)))
        .and_then(|x| x["error"].as_str())
        .unwrap_or("no reason given")
        .to_string()
}
