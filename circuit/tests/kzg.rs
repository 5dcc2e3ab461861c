//! Real KZG proofs (insecure dev params, the micro class at k = 15) of a chunk of a real anvil
//! block: keys are generated once and then read from the cache, both circuits prove and verify,
//! their keccak commitments agree, altered proofs or instances are refused, and a damaged cached
//! key is regenerated rather than trusted.

use axiom_eth::halo2curves::bn256::Fr;
use circuit::{
    chunks, instances,
    keys::{KeyCache, KeySource},
    params, proving, CapacityClass,
};
use testkit::{anvil::Anvil, blocks};
use witness::{
    capture::{capture, CaptureOptions, Progress},
    rpc::{RpcClient, RpcConfig},
};

#[test]
fn a_micro_chunk_proves_and_verifies_with_cached_keys_and_tampering_is_refused() {
    let anvil = Anvil::start(Some("cancun")).unwrap();
    let chain = blocks::Chain::new(&anvil).unwrap();
    let made = blocks::mixed_block(&chain).unwrap();
    let client = RpcClient::new(&anvil.url, RpcConfig::default());
    let opts = CaptureOptions::new(made.number, 1);
    let w = capture(&client, &opts, &Progress::hidden()).unwrap().witness;
    let checked = witness::check_witness(&w).unwrap();
    let store: alloy_primitives::Address = made.store.parse().unwrap();
    let class = CapacityClass::MICRO;
    let chunk = chunks(&w, &checked, class).unwrap().into_iter().find(|c| c.accounts[0].address == store).unwrap();

    let params = params::generate_insecure_dev(class.k);
    let dir = tempfile::tempdir().unwrap();
    let cache = KeyCache::new(Some(dir.path().to_path_buf()));
    let (generated, source) = cache.proving_keys(&params, class).unwrap();
    assert_eq!(source, KeySource::Generated);
    let (keys, source) = cache.proving_keys(&params, class).unwrap();
    assert_eq!(source, KeySource::Cache);
    assert_eq!(keys.ids, generated.ids);
    drop(generated);

    let main = proving::prove_main(&params, &keys.main, &chunk).unwrap();
    let (proof, inst) = (main.proof, main.instances);
    let expected = instances(&chunk, w.block_hash);
    assert_eq!(inst[..expected.len()], expected[..]);
    assert_eq!(main.keccak_inputs, proving::keccak_inputs(&chunk));
    let (kproof, commit) = proving::prove_keccak(&params, &keys.keccak, main.keccak_inputs).unwrap();
    assert_eq!(inst.last(), Some(&commit), "the shard proves exactly the hashes the block-state circuit used");

    let (vks, source) = cache.verifying_keys(&params, class).unwrap();
    assert_eq!((source, &vks.ids), (KeySource::Cache, &keys.ids));
    proving::verify(&params, &vks.main, &proof, &inst).unwrap();
    proving::verify(&params, &vks.keccak, &kproof, &[commit]).unwrap();

    let mut bad = proof.clone();
    bad[proof.len() / 2] ^= 1;
    assert!(proving::verify(&params, &vks.main, &bad, &inst).is_err(), "altered proof byte");
    let mut other = inst.clone();
    other[0] += Fr::from(1u64);
    assert!(proving::verify(&params, &vks.main, &proof, &other).is_err(), "another block hash");
    assert!(proving::verify(&params, &vks.keccak, &kproof, &[commit + Fr::from(1u64)]).is_err(), "another commitment");
    assert!(proving::verify(&params, &vks.keccak, &proof, &inst).is_err(), "a proof of the other circuit");

    // A damaged cached key is not deserialized: it is regenerated, to the same circuit id.
    let entry = cache.entry_dir(&params, class).unwrap();
    let vk_file = entry.join(format!("{}.vk", keys.ids.keccak));
    let mut bytes = std::fs::read(&vk_file).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&vk_file, &bytes).unwrap();
    let (again, source) = cache.verifying_keys(&params, class).unwrap();
    assert_eq!((source, &again.ids), (KeySource::Generated, &keys.ids));
}
