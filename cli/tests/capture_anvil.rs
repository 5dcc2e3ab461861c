//! `prover_cmd witness_capture` against a real anvil, for pre- and post-Pectra hardforks: a block
//! with a transfer, a contract creation, storage writes and a slot clear. Each block also runs in
//! the zkVM executor (the execution proof's guest) to the same commitment as natively.

mod common;

use std::process::Command;

use alloy_primitives::{keccak256, Address, B256, U256};
use testkit::{anvil::Anvil, blocks};
use witness::{file, AccountProof, WitnessFile};

fn capture_cli(url: &str, block: u64, out: &std::path::Path, extra: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_prover_cmd"))
        .args(["-q", "witness_capture", "-b", &block.to_string(), "-r", url, "-w"])
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

fn account<'a>(state: &'a [AccountProof], address: &str) -> &'a AccountProof {
    let address: Address = address.parse().unwrap();
    state.iter().find(|a| a.address == address).unwrap_or_else(|| panic!("{address} not in the witness"))
}

fn slot(account: &AccountProof, key: u64) -> U256 {
    let key = B256::from(U256::from(key));
    account.storage.iter().find(|s| s.key == key).unwrap_or_else(|| panic!("slot {key} not captured")).value
}

fn check_mixed_block(w: &WitnessFile, made: &blocks::MixedBlock) {
    let b = &w.block;
    assert_eq!(w.chain_id, 31337);
    assert_eq!(w.block_number, made.number);
    assert_eq!(b.transactions.len(), 5);
    assert_eq!(b.ancestors.len() as u64, made.number.min(256), "all headers BLOCKHASH can reach");
    witness::check_witness(w).unwrap();

    let (pre, post) = (account(&b.pre_state, &made.store), account(&b.post_state, &made.store));
    assert_eq!((slot(pre, 1), slot(post, 1)), (U256::ZERO, U256::from(42)), "slot 1 written");
    assert_eq!((slot(pre, 2), slot(post, 2)), (U256::ZERO, U256::from(7)), "slot 2 written");
    assert_eq!((slot(pre, 5), slot(post, 5)), (U256::from(1), U256::ZERO), "slot 5 cleared");
    let runtime = alloy_primitives::hex::decode(blocks::STORE_RUNTIME).unwrap();
    assert_eq!(pre.code_hash, keccak256(&runtime));
    assert_eq!(b.codes.get(&pre.code_hash).map(|c| c.to_vec()), Some(runtime));

    let (pre, post) = (account(&b.pre_state, &made.recipient), account(&b.post_state, &made.recipient));
    assert!(pre.is_empty_account(), "the recipient did not exist before");
    assert_eq!(post.balance, U256::from(1_000_000_000u64));

    // The contract created in the block: absent before, with code after.
    let created: Vec<_> = b
        .post_state
        .iter()
        .filter(|a| a.has_code() && account(&b.pre_state, &a.address.to_string()).is_empty_account())
        .collect();
    assert_eq!(created.len(), 1, "one contract created in the block");
    assert_eq!(slot(created[0], 5), U256::from(1), "its constructor wrote slot 5");
}

#[test]
fn captures_a_mixed_block_on_every_hardfork() {
    for fork in [Some("cancun"), Some("prague"), None] {
        let anvil = Anvil::start(fork).unwrap();
        let chain = blocks::Chain::new(&anvil).unwrap();
        let made = blocks::mixed_block(&chain).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let json = dir.path().join("w.json");
        let out = capture_cli(&anvil.url, made.number, &json, &[]);
        assert!(out.status.success(), "{fork:?}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(out.stderr.is_empty(), "-q prints nothing: {}", String::from_utf8_lossy(&out.stderr));
        let w = file::read(&json).unwrap();
        check_mixed_block(&w, &made);
        assert_eq!(w.block.header.get("requestsHash").is_some(), fork != Some("cancun"), "{fork:?}");

        // Same block in bincode: the same value.
        let bin = dir.path().join("w.bin");
        let out = capture_cli(&anvil.url, made.number, &bin, &["--format", "bincode"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(file::read(&bin).unwrap(), w);

        // The execution proof's guest, in the zkVM executor, on the same witness.
        let run = common::execute_only(&bin);
        let native = witness::execution::reexecute(&w).unwrap().1.commitment;
        assert_eq!(run["commitment"], serde_json::to_value(native).unwrap(), "{fork:?}");
        assert_eq!(run["commitment"]["transactions"], 5, "{fork:?}");
    }
}

#[test]
fn inspect_prints_a_summary_of_a_captured_block() {
    let anvil = Anvil::start(None).unwrap();
    let chain = blocks::Chain::new(&anvil).unwrap();
    let made = blocks::mixed_block(&chain).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.json");
    assert!(capture_cli(&anvil.url, made.number, &path, &["--blockhash-window", "1"]).status.success());
    let out =
        Command::new(env!("CARGO_BIN_EXE_prover_cmd")).args(["witness_inspect", "--json"]).arg(&path).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["block_number"], made.number);
    assert_eq!(summary["transactions"], 5);
    assert_eq!(summary["ancestor_headers"], 1);
    assert_eq!(summary["checks"], "ok");
    // The block re-executed to its stateRoot, under anvil's rule for cleared slots (it clears one).
    let execution = &summary["execution"];
    assert_eq!(execution["number"], made.number);
    assert_eq!(execution["transactions"], 5);
    assert_eq!(execution["zero_slot_leaves"], true);
    // anvil 1.7.1 runs Osaka unless told otherwise; its header looks like Prague's, and the
    // capture reads the fork from eth_config.
    assert_eq!(execution["fork"], "Osaka");
    assert!(summary["slots"].as_u64().unwrap() >= 3);
    assert!(summary["codes"].as_u64().unwrap() >= 1);
    assert_eq!(summary["file_bytes"], std::fs::metadata(&path).unwrap().len());

    let out = Command::new(env!("CARGO_BIN_EXE_prover_cmd")).arg("witness_inspect").arg(&path).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(&format!("block      {}", made.number)) && text.contains("checks     ok"), "{text}");
    assert!(text.contains("executes   ok: 5 transactions under Osaka rules"), "{text}");
}

#[test]
fn round_trips_stay_constant_as_the_block_grows() {
    let anvil = Anvil::start(None).unwrap();
    let chain = blocks::Chain::new(&anvil).unwrap();
    let mut trips = Vec::new();
    for txs in [2, 40] {
        let number = blocks::busy_block(&chain, txs).unwrap();
        let client = witness::rpc::RpcClient::new(&anvil.url, Default::default());
        let opts = witness::capture::CaptureOptions::new(number, 256);
        let captured = witness::capture::capture(&client, &opts, &witness::capture::Silent).unwrap();
        assert!(captured.witness.block.pre_state.len() >= txs / 2);
        trips.push(captured.stats.sequential_round_trips);
    }
    assert_eq!(trips[0], 2, "two rounds, one round trip each");
    assert!(trips[1] <= 3, "a 40-tx block took {} sequential round trips", trips[1]);
}
