//! Captures real mainnet blocks (Paris, Shanghai, Cancun) from a local replay of recorded node
//! answers (../shared/fixtures/mainnet-zeth), over HTTP, through the CLI.

use std::process::Command;

use testkit::{
    fixtures::{ZethCache, ZETH_BLOCKS},
    replay::ReplayNode,
};
use witness::file;

#[test]
fn captures_every_recorded_mainnet_block() {
    for (fixture, number) in ZETH_BLOCKS {
        let cache = ZethCache::load(fixture).unwrap();
        let recorded: Vec<serde_json::Value> = cache.proofs_at(number - 1).cloned().collect();
        let server = ReplayNode::new(cache).serve(0).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.bin");
        // zeth recorded the parent only, so the BLOCKHASH window is 1.
        let out = Command::new(env!("CARGO_BIN_EXE_prover_cmd"))
            .args([
                "-q",
                "witness_capture",
                "-b",
                &number.to_string(),
                "-r",
                &server.url,
                "--blockhash-window",
                "1",
                "-w",
            ])
            .arg(&path)
            .output()
            .unwrap();
        assert!(out.status.success(), "{fixture}: {}", String::from_utf8_lossy(&out.stderr));

        let w = file::read(&path).unwrap();
        assert_eq!((w.chain_id, w.block_number), (1, *number));
        witness::check_witness(&w).unwrap();
        // Exactly the accounts zeth recorded (its set includes the fee recipient, withdrawals and
        // the beacon roots contract, which capture adds itself), with the same values.
        assert_eq!(w.block.pre_state.len(), recorded.len(), "{fixture}");
        for r in &recorded {
            let address: alloy_primitives::Address = r["address"].as_str().unwrap().parse().unwrap();
            let got = w.block.pre_state.iter().find(|a| a.address == address).unwrap();
            assert_eq!(got.storage_root.to_string(), r["storageHash"].as_str().unwrap().to_lowercase());
            assert_eq!(got.storage.len(), r["storageProof"].as_array().unwrap().len(), "{address}");
        }
    }
}
