//! A real geth (dev mode, built from the go-ethereum module by scripts/install-test-deps.sh):
//! blocks with a transfer, CREATE and CREATE2, storage writes and a clear with its refund, a
//! revert, an out-of-gas transaction, transient storage, STATICCALL and DELEGATECALL,
//! SELFDESTRUCT and precompile calls, all in one block, on Shanghai, Cancun and Prague. The CLI
//! captures each (asking for the accounts geth's prestate trace leaves out) and the block
//! re-executes to its stateRoot, natively and in the zkVM executor (the execution proof's guest).
//! An Osaka block of BLS12-381 and P-256 calls made on geth runs in the full guest image.
//! Each block is captured a second time from geth's `debug_executionWitness` (one call for the
//! state): the same accounts and slots, with the same values, in a file that checks the same way.

mod common;

use std::process::Command;

use alloy_primitives::{keccak256, B256, U256};
use serde_json::json;
use testkit::{
    anvil::Anvil,
    geth::{quantity, store_tx, Geth},
    geth_blocks,
};
use witness::{file, AccountProof};

#[test]
fn geth_blocks_of_every_fork_capture_and_reexecute() {
    for (fork, name) in [("shanghai", "Shanghai"), ("cancun", "Cancun"), ("prague", "Prague")] {
        let geth = Geth::start(fork, Some(3)).unwrap();
        let (contracts, block, receipts) = geth_blocks::mixed_block(&geth).unwrap();
        for (tx, status) in geth_blocks::statuses(&receipts, &contracts).unwrap() {
            // TSTORE is Cancun's; before it the transient-storage call fails.
            let expected = match tx {
                "revert" | "out of gas" => 0,
                "transient storage" if fork == "shanghai" => 0,
                _ => 1,
            };
            assert_eq!(status, expected, "{fork}: {tx}");
        }

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.bin");
        let out = Command::new(env!("CARGO_BIN_EXE_prover_cmd"))
            .args(["witness_capture", "-b", &block.to_string(), "-r", &geth.url, "-w"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(out.status.success(), "{fork}: {}", String::from_utf8_lossy(&out.stderr));
        let calls_by_proofs = logged_count(&out.stderr, "calls");
        let asked_under_a_branch = String::from_utf8_lossy(&out.stderr).contains(ASKED_UNDER_A_BRANCH);
        let out = Command::new(env!("CARGO_BIN_EXE_prover_cmd"))
            .args(["witness_inspect", "--json"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(out.status.success(), "{fork}: {}", String::from_utf8_lossy(&out.stderr));
        let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let execution = &summary["execution"];
        assert_eq!(execution["number"], block, "{fork}");
        assert_eq!(execution["transactions"], 14, "{fork}");
        assert_eq!(execution["fork"], name, "{fork}");
        assert_eq!(execution["zero_slot_leaves"], false, "{fork}: geth deletes cleared slots");
        assert_eq!(execution["chain_id"], 1337, "{fork}");

        let run = common::execute_only(&path);
        for field in ["number", "hash", "state_root", "transactions", "fork", "gas_used"] {
            assert_eq!(run["commitment"][field], execution[field], "{fork}: {field} in the zkVM");
        }

        let from_witness = dir.path().join("from-execution-witness.json");
        let out = common::ok(common::prover_cmd(&[
            "witness_capture",
            "-b",
            &block.to_string(),
            "-r",
            &geth.url,
            "--execution-witness",
            "-w",
            common::s(&from_witness),
        ]));
        // One batch, and one more for the precompiles the block calls: geth does not read their
        // accounts, so its witness lacks them, and revm reads them. The calls, not the requests,
        // are compared with the capture by proofs: its calls fit in two or three batches of 50
        // depending on the block, so its request count says little.
        let requests = logged_count(&out.stderr, "http_requests");
        let calls = logged_count(&out.stderr, "calls");
        assert!(requests <= 2, "{fork}: {requests} requests");
        assert!(calls * 2 < calls_by_proofs, "{fork}: {calls} calls, {calls_by_proofs} by proofs");
        let (by_proofs, by_witness) = (file::read(&path).unwrap(), file::read(&from_witness).unwrap());
        let sides = [
            ("pre-state", &by_witness.block.pre_state, &by_proofs.block.pre_state),
            ("post-state", &by_witness.block.post_state, &by_proofs.block.post_state),
        ];
        for (side, by_witness, by_proofs) in sides {
            let (by_witness, mut by_proofs) = (values(by_witness), values(by_proofs));
            // The dev account is random, so is the state trie's shape: when the SELFDESTRUCT's
            // leaf sits beside a branch, capture by proofs asks for an absent account under that
            // branch (see the test below), where the execution witness holds the branch itself.
            if asked_under_a_branch {
                by_proofs.retain(|v| !v.ends_with(" absent") || by_witness.contains(v));
            }
            assert_eq!(by_witness, by_proofs, "{fork}: {side}");
        }
        assert_eq!(by_witness.block.codes, by_proofs.block.codes, "{fork}: codes");
        let out = common::ok(common::prover_cmd(&["witness_inspect", "--json", common::s(&from_witness)]));
        let again: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(again["execution"], *execution, "{fork}: the same block re-executed");
    }
}

/// What capture logs when it asks for a key under a branch that a deletion moves up.
const ASKED_UNDER_A_BRANCH: &str = "a deletion needs a trie node no proof holds";

/// A slot clear that leaves a branch with one child, itself a branch: the clear's post-state proof
/// stops above that child, and no proof of the block's keys holds it, yet the root needs its kind.
/// Capture by proofs asks for a key under its path (geth's dev account is random, so the mixed
/// block above meets this in the state trie only now and then; here the slots are chosen).
#[test]
fn a_clear_that_moves_a_branch_up_is_captured_by_proofs() {
    let geth = Geth::start("prague", None).unwrap();
    let deployed = geth.send_batch(&[json!({"data": testkit::blocks::init_code(), "gas": "0x100000"})]).unwrap();
    let store = deployed[0]["contractAddress"].as_str().unwrap().to_string();
    // Under nibble a, two slots share the next nibble (1) and a third does not (2); the
    // constructor's slot 5 hashes under nibble 0. Clearing the third leaves the branch at `a` with
    // the branch at `a1` as its only child.
    let (a, b, c) = (slot_under(&[0xa, 1, 0]), slot_under(&[0xa, 1, 1]), slot_under(&[0xa, 2]));
    geth.send_batch(&[store_tx(&store, a, 1), store_tx(&store, b, 1), store_tx(&store, c, 1)]).unwrap();
    let cleared = geth.send_batch(&[store_tx(&store, c, 0)]).unwrap();
    assert_eq!(quantity(&cleared[0]["status"]).unwrap(), 1);
    let block = quantity(&cleared[0]["blockNumber"]).unwrap().to_string();

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.json");
    let out =
        common::ok(common::prover_cmd(&["witness_capture", "-b", &block, "-r", &geth.url, "-w", common::s(&path)]));
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains(ASKED_UNDER_A_BRANCH) && log.contains("path=a1"), "{log}");
    let w = file::read(&path).unwrap();
    let store: alloy_primitives::Address = store.parse().unwrap();
    let pre = w.block.pre_state.iter().find(|p| p.address == store).unwrap();
    let c_key = B256::from(U256::from(c));
    assert!(pre.storage.iter().any(|s| s.key == c_key && s.value == U256::from(1)), "the cleared slot");
    assert!(
        pre.storage.iter().any(|s| s.key != c_key && keccak256(s.key)[0] == 0xa1),
        "a key under the moved branch, asked for its proof"
    );
    let out = common::ok(common::prover_cmd(&["witness_inspect", "--json", common::s(&path)]));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["execution"]["number"].to_string(), block);
}

/// A slot whose hashed key starts with `nibbles`.
fn slot_under(nibbles: &[u8]) -> u64 {
    let nibble = |hash: &B256, i: usize| if i.is_multiple_of(2) { hash[i / 2] >> 4 } else { hash[i / 2] & 0x0f };
    (0u64..)
        .find(|s| {
            let hash = keccak256(B256::from(U256::from(*s)));
            nibbles.iter().enumerate().all(|(i, n)| nibble(&hash, i) == *n)
        })
        .unwrap()
}

/// A count the capture logs as `name=N` on its last line.
fn logged_count(log: &[u8], name: &str) -> u64 {
    let log = String::from_utf8_lossy(log);
    let key = format!(" {name}=");
    let at = log.rfind(&key).unwrap_or_else(|| panic!("no {name} in {log}"));
    log[at + key.len()..].split(|c: char| !c.is_ascii_digit()).next().unwrap().parse().unwrap()
}

/// Accounts and slots with their values, without the proofs (a node may pad its proofs). An absent
/// account is just absent: geth's eth_getProof gives it zero hashes, a cut proof the empty ones.
fn values(accounts: &[AccountProof]) -> Vec<String> {
    let mut all: Vec<String> = accounts
        .iter()
        .map(|a| {
            if a.is_empty_account() && a.storage.is_empty() {
                return format!("{} absent", a.address);
            }
            let slots: Vec<String> = a.storage.iter().map(|s| format!("{}={}", s.key, s.value)).collect();
            format!("{} {} {} {} {} [{}]", a.address, a.nonce, a.balance, a.code_hash, a.storage_root, slots.join(" "))
        })
        .collect();
    all.sort();
    all
}

#[test]
fn a_node_without_debug_execution_witness_is_named() {
    let anvil = Anvil::start(None).unwrap();
    anvil.rpc("evm_mine", serde_json::json!([])).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.json");
    let out = common::prover_cmd(&[
        "witness_capture",
        "-b",
        "1",
        "-r",
        &anvil.url,
        "--execution-witness",
        "-w",
        common::s(&path),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("does not serve debug_executionWitness"), "{stderr}");
    assert!(!path.exists(), "nothing written");
}

/// A block of precompile calls made by geth on Osaka, each transaction a call of the precompile
/// itself: KZG point evaluations that hold, EIP-2537's additions, multi-scalar multiplications and
/// pairings, P-256 checks and EIP-2537's maps to G1 and G2 (testkit's precompile cases: points off
/// the curves and outside the subgroups, elements not below p among them, which fail their
/// transaction). An Osaka header has no field Prague's lacks, so the capture reads the fork from
/// the node (`eth_config`) and the witness names it. The capture's native run notes the calls, the
/// executor runs the block in the full guest image (BLS12-381 and P-256 on OpenVM's extensions),
/// and the guest commits what the native run commits.
#[test]
fn a_geth_osaka_block_of_bls12_381_and_p256_calls_runs_in_the_full_image() {
    use testkit::differential::{kzg_inputs, precompile_call, rng::Rng, Precompiles};
    let geth = Geth::start("osaka", Some(3)).unwrap();
    let mut rng = Rng::new(11);
    let tx = |to: alloy_primitives::Address, data: &[u8]| json!({"to": to.to_string(), "data": format!("0x{}", alloy_primitives::hex::encode(data)), "gas": "0x100000"});
    let mut txs: Vec<_> =
        (0..2).map(|_| tx(alloy_primitives::Address::with_last_byte(0x0a), &kzg_inputs::holding(&mut rng))).collect();
    for family in [Precompiles::Bls12_381, Precompiles::P256, Precompiles::Bls12_381Maps] {
        txs.extend((0..8).map(|_| {
            let (to, data) = precompile_call(family, &mut rng);
            tx(to, &data)
        }));
    }
    geth.wait_for_new_block().unwrap();
    let receipts = geth.send_batch(&txs).unwrap();
    let block = quantity(&receipts[0]["blockNumber"]).unwrap();
    assert!(receipts.iter().all(|r| quantity(&r["blockNumber"]).ok() == Some(block)), "geth split the batch");
    assert!(receipts.iter().any(|r| quantity(&r["status"]).ok() == Some(1)), "some calls succeed");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.bin");
    common::ok(common::prover_cmd(&[
        "witness_capture",
        "-b",
        &block.to_string(),
        "-r",
        &geth.url,
        "-w",
        common::s(&path),
    ]));
    let witness = file::read(&path).unwrap();
    assert_eq!(witness.fork, Some(stateless::Fork::Osaka), "named from eth_config");
    let run = common::execute_only(&path);
    assert_eq!(run["image"], "full", "{run:#}");
    assert_eq!(run["commitment"]["fork"], "Osaka", "{run:#}");
    let called = run["precompiles_called"].as_array().unwrap();
    let maps = ["0x0000000000000000000000000000000000000010", "0x0000000000000000000000000000000000000011"];
    assert!(called.iter().any(|a| maps.contains(&a.as_str().unwrap())), "{run:#}");
    for address in ["0x000000000000000000000000000000000000000a", "0x0000000000000000000000000000000000000100"] {
        assert!(called.iter().any(|a| a == address), "{address}: {run:#}");
    }
    let native = witness::check_witness(&witness).unwrap().commitment;
    assert_eq!(run["commitment"], serde_json::to_value(native).unwrap());
    // Read from the header alone, the block would run under Prague, where 0x100 is no precompile.
    let unnamed = witness::WitnessFile { fork: None, ..witness };
    let err = witness::check_witness(&unnamed).unwrap_err().to_string();
    assert!(err.contains("does not re-execute"), "{err}");
}
