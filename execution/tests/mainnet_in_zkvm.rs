//! The four mainnet blocks recorded by zeth (Paris, Shanghai, Cancun) run in the zkVM executor with
//! the pinned guest: each commits what the native re-execution commits. Their instruction counts
//! and segments are the bench's (`BENCH_KINDS=execution cargo bench -p cli --bench proving`).

#[path = "../../witness/tests/common/mod.rs"]
mod common;

use execution::{ExecutionProver, ProverSettings};
use testkit::fixtures::{ZethCache, ZETH_BLOCKS};

#[test]
fn mainnet_blocks_execute_in_the_zkvm_to_their_state_root() {
    let prover = ExecutionProver::new(&ProverSettings::default());
    for (file, number) in ZETH_BLOCKS {
        let w = common::witness_from_zeth(&ZethCache::load(file).unwrap(), *number);
        let (input, native) = witness::execution::reexecute(&w).unwrap();
        let t = std::time::Instant::now();
        let image = prover.image_for(&native.precompiles_called);
        assert_eq!(
            image,
            execution::image::GuestImage::Base,
            "{file}: no mainnet fixture calls the full image's precompiles"
        );
        let (commitment, _) = prover.execute(image, &input, false).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(commitment, native.commitment, "{file}");
        assert_eq!((commitment.number, commitment.hash, commitment.chain_id), (*number, w.block_hash, 1));
        eprintln!(
            "block {number}: {} txs executed in the zkVM in {:.1} s",
            commitment.transactions,
            t.elapsed().as_secs_f64()
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
