//! A real geth (dev mode, built from the go-ethereum module by scripts/install-test-deps.sh):
//! blocks with a transfer, CREATE and CREATE2, storage writes and a clear with its refund, a
//! revert, an out-of-gas transaction, transient storage, STATICCALL and DELEGATECALL,
//! SELFDESTRUCT and precompile calls, all in one block, on Shanghai, Cancun and Prague. The CLI
//! captures each (asking for the accounts geth's prestate trace leaves out) and the block
//! re-executes to its stateRoot, natively and in the zkVM executor (the execution proof's guest).

mod common;

use std::process::Command;

use testkit::{geth::Geth, geth_blocks};

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
        let out =
            Command::new(env!("CARGO_BIN_EXE_prover_cmd")).args(["witness_inspect", "--json"]).arg(&path).output().unwrap();
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
    }
}
