//! A node that drops, delays, rate-limits, truncates and corrupts: transient faults are retried to
//! the same witness; inconsistent data is refused with the account or slot named.

use std::{process::Command, time::Duration};

use testkit::{
    anvil::Anvil,
    blocks,
    fault::{calls, Fault, FaultProxy},
};
use witness::{
    capture::{capture, CaptureError, CaptureOptions, Silent},
    rpc::{RpcClient, RpcConfig, RpcError},
    StateSide, WitnessError, WitnessFile,
};

struct Setup {
    anvil: Anvil,
    block: u64,
}

fn setup() -> Setup {
    let anvil = Anvil::start(None).unwrap();
    let chain = blocks::Chain::new(&anvil).unwrap();
    let block = blocks::mixed_block(&chain).unwrap().number;
    Setup { anvil, block }
}

fn fast_retries() -> RpcConfig {
    RpcConfig { timeout: Duration::from_secs(1), backoff: Duration::from_millis(10), ..RpcConfig::default() }
}

fn run(url: &str, block: u64, config: RpcConfig) -> (Result<WitnessFile, CaptureError>, witness::rpc::RpcStats) {
    let client = RpcClient::new(url, config);
    let result = capture(&client, &CaptureOptions::new(block, 256), &Silent);
    (result.map(|c| c.witness), client.stats())
}

#[test]
fn transient_faults_are_retried_to_the_same_witness() {
    let s = setup();
    let (clean, _) = run(&s.anvil.url, s.block, fast_retries());
    let clean = clean.unwrap();
    let faults = [
        Fault::Drop,
        Fault::Status(429),
        Fault::Status(503),
        Fault::Truncate,
        Fault::Delay(Duration::from_millis(1500)),
        Fault::Status(502),
    ];
    let proxy = FaultProxy::start(&s.anvil.url, move |i, _| faults.get(i).cloned().unwrap_or(Fault::Pass)).unwrap();
    let (w, stats) = run(proxy.url(), s.block, fast_retries());
    assert_eq!(w.unwrap(), clean);
    assert_eq!(stats.retries, 6, "{stats:?}");
}

#[test]
fn a_node_that_refuses_batches_is_asked_one_call_at_a_time() {
    let s = setup();
    let proxy = FaultProxy::start(&s.anvil.url, |_, req| if req.is_array() { Fault::RefuseBatch } else { Fault::Pass })
        .unwrap();
    let (w, stats) = run(proxy.url(), s.block, fast_retries());
    witness::check_witness(&w.unwrap()).unwrap();
    assert!(stats.http_requests > stats.calls, "{stats:?}");
}

/// A proxy that corrupts every eth_getProof answer: the first proof (or slot) in it, which is the
/// first touched account's (with storage) before the block.
fn corrupting_proofs(s: &Setup, fault: Fault) -> FaultProxy {
    FaultProxy::start(&s.anvil.url, move |_, req| if calls(req, "eth_getProof") { fault.clone() } else { Fault::Pass })
        .unwrap()
}

#[test]
fn a_wrong_balance_is_refused_naming_the_account() {
    let s = setup();
    let proxy = corrupting_proofs(&s, Fault::CorruptBalance);
    let first = run(&s.anvil.url, s.block, fast_retries()).0.unwrap().block.pre_state[0].address;
    match run(proxy.url(), s.block, fast_retries()).0 {
        Err(e @ CaptureError::Inconsistent(WitnessError::AccountProof { side: StateSide::Pre, address, .. })) => {
            assert_eq!(address, first);
            assert!(anyhow_chain(&e).contains(&first.to_string()), "{e}");
        }
        other => panic!("expected an account proof error, got {:?}", other.map(|_| ())),
    }
}

#[test]
fn a_wrong_slot_value_is_refused_naming_the_slot_through_the_cli() {
    let s = setup();
    let proxy = corrupting_proofs(&s, Fault::CorruptSlot);
    let clean = run(&s.anvil.url, s.block, fast_retries()).0.unwrap();
    let victim = clean.block.pre_state.iter().find(|a| !a.storage.is_empty()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.json");
    let out = Command::new(env!("CARGO_BIN_EXE_prover_cmd"))
        .args(["-q", "witness_capture", "-b", &s.block.to_string(), "-r", proxy.url(), "-w"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let named = format!("account {}, slot {}", victim.address, victim.storage[0].key);
    assert!(stderr.contains(&named) && stderr.contains("does not check"), "expected {named:?} in {stderr}");
    assert!(!path.exists(), "no witness file after a failed capture");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no temporary file left");
}

#[test]
fn a_node_that_keeps_failing_is_given_up_on_with_the_reason() {
    let s = setup();
    let proxy = FaultProxy::start(&s.anvil.url, |_, _| Fault::Status(503)).unwrap();
    let config = RpcConfig { retries: 2, ..fast_retries() };
    match run(proxy.url(), s.block, config).0 {
        Err(CaptureError::Rpc(RpcError::GaveUp { attempts: 3, last })) => {
            assert!(matches!(*last, RpcError::Http { status: 503, .. }), "{last}");
        }
        other => panic!("expected to give up, got {:?}", other.map(|_| ())),
    }
    assert_eq!(proxy.requests(), 3);
}

#[test]
fn a_node_without_the_debug_namespace_or_history_gets_a_clear_error() {
    let s = setup();
    let proxy = FaultProxy::start(&s.anvil.url, |_, _| Fault::NodeError {
        method: "debug_traceBlockByNumber",
        code: -32601,
        message: "the method debug_traceBlockByNumber does not exist/is not available",
    })
    .unwrap();
    let err = run(proxy.url(), s.block, fast_retries()).0.unwrap_err();
    assert!(matches!(err, CaptureError::Rpc(RpcError::MissingDebugNamespace { .. })), "{err}");
    assert!(err.to_string().contains("debug namespace"), "{err}");

    let proxy = FaultProxy::start(&s.anvil.url, |_, _| Fault::NodeError {
        method: "eth_getProof",
        code: -32000,
        message: "missing trie node 1b2c3d (path ) state 0xabc is not available",
    })
    .unwrap();
    let err = run(proxy.url(), s.block, fast_retries()).0.unwrap_err();
    assert!(matches!(err, CaptureError::Rpc(RpcError::MissingHistory { .. })), "{err}");
    assert!(err.to_string().contains("archive node"), "{err}");
}

/// The error with its sources, as the CLI prints it.
fn anyhow_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(&format!(": {s}"));
        source = s.source();
    }
    text
}
