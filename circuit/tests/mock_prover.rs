//! The circuit under halo2's MockProver on real witnesses: a block captured from a real anvil and a
//! mainnet block captured from the replayed zeth recordings. Satisfied on honest data, with the
//! instances the native code predicts; unsatisfied when a header byte, a slot value or an account
//! value changes.

use alloy_primitives::B256;
use circuit::{chunks, instances, layout::Chunk, mock::mock_prove, CapacityClass};
use testkit::{anvil::Anvil, blocks, fixtures::ZethCache, replay::ReplayNode};
use witness::{
    capture::{capture, CaptureOptions, Silent},
    rpc::{RpcClient, RpcConfig},
    WitnessFile,
};

fn captured(url: &str, block: u64, window: u64) -> WitnessFile {
    let client = RpcClient::new(url, RpcConfig::default());
    capture(&client, &CaptureOptions::new(block, window), &Silent).unwrap().witness
}

fn chunks_of(w: &WitnessFile, class: CapacityClass) -> Vec<Chunk> {
    let checked = witness::check_witness(w).unwrap();
    chunks(w, &checked, class).unwrap()
}

fn assert_proves(chunk: &Chunk, block_hash: B256) {
    let run = mock_prove(chunk);
    run.satisfied.unwrap();
    let expected = instances(chunk, block_hash);
    assert_eq!(run.instances[..expected.len()], expected[..], "instances as computed natively");
    assert_eq!(run.instances.len(), expected.len() + 1, "plus the keccak commitment");
}

#[test]
fn anvil_block_chunks_satisfy_the_circuit_and_tampering_does_not() {
    let anvil = Anvil::start(None).unwrap();
    let chain = blocks::Chain::new(&anvil).unwrap();
    let made = blocks::mixed_block(&chain).unwrap();
    let w = captured(&anvil.url, made.number, 256);
    let chunks = chunks_of(&w, CapacityClass::MICRO);
    let store: alloy_primitives::Address = made.store.parse().unwrap();
    // A chunk of the store contract: the account and one of its written or cleared slots.
    let chunk = chunks.iter().find(|c| c.accounts[0].address == store).expect("store contract chunk");
    assert_proves(chunk, w.block_hash);

    // A changed parent header no longer hashes to the block's parentHash.
    let mut bad = chunk.clone();
    bad.parent_rlp[40] ^= 1;
    assert!(mock_prove(&bad).satisfied.is_err(), "altered parent header");

    // A changed slot value no longer matches the storage trie.
    let mut bad = chunk.clone();
    let value = &mut bad.slots[0].proof.value;
    *value = alloy_rlp::encode(alloy_primitives::U256::from(43u64));
    bad.slots[0].proof.slot_is_empty = false;
    assert!(mock_prove(&bad).satisfied.is_err(), "altered slot value");

    // Another codeHash (the last bytes of the account's RLP) is not what the state trie holds.
    let mut bad = chunk.clone();
    *bad.accounts[0].proof.value.last_mut().unwrap() ^= 1;
    assert!(mock_prove(&bad).satisfied.is_err(), "altered account value");
}

#[test]
fn a_mainnet_account_with_slots_satisfies_the_circuit() {
    let (fixture, number) = testkit::fixtures::ZETH_BLOCKS[3];
    let server = ReplayNode::new(ZethCache::load(fixture).unwrap()).serve(0).unwrap();
    let w = captured(&server.url, number, 1);
    let chunks = chunks_of(&w, CapacityClass::TINY);
    // A contract with two real slots (not padding).
    let chunk = chunks
        .iter()
        .find(|c| c.slots[0].key != c.slots[1].key && c.accounts[0].proof.proof.len() >= 8)
        .expect("a deep account with two slots");
    // Each tampering is refused on the anvil block's micro chunk above: at k = 17 a MockProver run
    // is a minute, so the mainnet chunk is run once, honest.
    assert_proves(chunk, w.block_hash);
}
