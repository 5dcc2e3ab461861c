//! The four mainnet blocks recorded by zeth (Paris, Shanghai, Cancun) run in the zkVM executor with
//! the pinned guest: each commits what the native re-execution commits. Prints their instruction
//! counts and segments (`-- --nocapture`).

#[path = "../../witness/tests/common/mod.rs"]
mod common;

use execution::{execute_witness, ExecutionProver, ProverSettings};
use testkit::fixtures::{ZethCache, ZETH_BLOCKS};

#[test]
fn mainnet_blocks_execute_in_the_zkvm_to_their_state_root() {
    let prover = ExecutionProver::new(&ProverSettings::default()).unwrap();
    for (file, number) in ZETH_BLOCKS {
        let w = common::witness_from_zeth(&ZethCache::load(file).unwrap(), *number);
        let report = execute_witness(&prover, &w).unwrap_or_else(|e| panic!("{file}: {e}"));
        let c = report.commitment;
        assert_eq!((c.number, c.hash, c.chain_id), (*number, w.block_hash, 1));
        assert_eq!(c.transactions as usize, w.block.transactions.len());
        assert!(report.instructions > 1_000_000 && report.segments >= 1, "{report:?}");
        println!(
            "block {number}: {} txs, {} gas, {} instructions, {} segments, executed in {:.1} s",
            c.transactions, c.gas_used, report.instructions, report.segments, report.execute_seconds
        );
    }
}

#[test]
fn the_guest_input_round_trips_for_every_fork() {
    for (file, number) in ZETH_BLOCKS {
        let w = common::witness_from_zeth(&ZethCache::load(file).unwrap(), *number);
        let (input, _) = witness::execution::reexecute(&w).unwrap();
        let bytes = input.to_bytes();
        assert_eq!(stateless::StatelessInput::from_bytes(&bytes).unwrap(), input, "{file}");
        for cut in [0, 1, bytes.len() / 2, bytes.len() - 1] {
            assert!(stateless::StatelessInput::from_bytes(&bytes[..cut]).is_err(), "{file}: cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(stateless::StatelessInput::from_bytes(&longer).is_err());
    }
}
