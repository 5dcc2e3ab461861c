//! The state proof through its `ProofSystem` seam, with real KZG proofs (INSECURE dev params, the
//! micro class at k = 15) of a real anvil block: the proof file verifies, with its witness; keys
//! are cached, and a damaged cached key is regenerated rather than trusted; every kind of
//! tampering with the file is refused by the kind's own verifier, naming the chunk and circuit.
//! One chunk is proven: a Shanghai block without transactions reads one account, the fee
//! recipient (from Cancun on, the beacon-roots system call adds its contract and the system
//! address: three chunks, three times the proving). The command line's state proof is
//! cli/tests/prove_verify.rs.

use circuit::{
    keys::{KeyCache, KeySource},
    params, CapacityClass, ClassName, StateConfig, StateProof, StateProofFile, StateVerifyConfig,
};
use progress::Silent;
use proof::{KindFile, ProofSystem};
use serde_json::Value;
use testkit::{anvil::Anvil, blocks};
use witness::{
    capture::{capture, CaptureOptions},
    rpc::{RpcClient, RpcConfig},
    WitnessFile,
};

fn captured(anvil: &Anvil, block: u64) -> WitnessFile {
    let client = RpcClient::new(&anvil.url, RpcConfig::default());
    capture(&client, &CaptureOptions::new(block, 1), &Silent).unwrap().witness
}

/// A hex string with the digit at `at` changed.
fn flip(hex: &Value, at: usize) -> Value {
    let mut digits: Vec<char> = hex.as_str().unwrap().chars().collect();
    digits[at] = if digits[at] == '0' { '1' } else { '0' };
    digits.into_iter().collect::<String>().into()
}

#[test]
fn a_state_proof_verifies_its_keys_are_cached_and_every_tampering_is_refused() {
    let anvil = Anvil::start(Some("shanghai")).unwrap();
    let chain = blocks::Chain::new(&anvil).unwrap();
    let made = blocks::small_block(&chain).unwrap();
    let (empty, small) = (captured(&anvil, made.empty), captured(&anvil, made.number));

    let dir = tempfile::tempdir().unwrap();
    let class = CapacityClass::MICRO;
    let params_file = dir.path().join(params::dev_file_name(class.k));
    params::write(&params::generate_insecure_dev(class.k), &params_file).unwrap();
    let keys = dir.path().join("keys");
    let config =
        StateConfig { params: params_file.clone(), keys_dir: Some(keys.clone()), class: Some(ClassName::Micro) };
    let read: std::collections::BTreeSet<_> = empty.block.pre_state.iter().map(|a| a.address).collect();
    assert_eq!(read.len(), 1, "the empty Shanghai block reads the fee recipient only: {read:?}");
    let file = StateProof::prove(&config, &empty, &Silent).unwrap();
    assert_eq!((file.chunks.len(), file.insecure_dev_params), (1, true));
    assert_eq!(file.timings.keys_source, Some(KeySource::Generated));
    assert_eq!(file.head.block_hash, empty.block_hash);

    let verify_config = StateVerifyConfig { params: Some(params_file.clone()), keys_dir: Some(keys.clone()) };
    let verified = StateProof::verify(&verify_config, &file, Some(&empty)).unwrap();
    assert!(StateProof::witness_matched(&verified) && StateProof::insecure(&verified));
    assert_eq!((verified.chunks, &verified.accounts), (1, &read));
    let line = StateProof::describe(&verified);
    assert!(line.contains("exactly the witness's pre-state") && line.contains("INSECURE"), "{line}");

    // A proof of one block does not cover another block's witness.
    let message = StateProof::verify(&verify_config, &file, Some(&small)).unwrap_err().to_string();
    assert!(message.contains("does not cover the witness") && message.contains("the proof has 1"), "{message}");

    // Every change to the file, refused by the kind's verifier (or its decoding) with the reason.
    let json: Value = serde_json::from_slice(&file.to_json_bytes()).unwrap();
    let refusal = |change: &dyn Fn(&mut Value)| -> String {
        let mut changed = json.clone();
        change(&mut changed);
        match StateProofFile::decode(&serde_json::to_vec(&changed).unwrap(), "changed.json") {
            Err(e) => e.to_string(),
            Ok(file) => match StateProof::verify(&verify_config, &file, None) {
                Err(e) => e.to_string(),
                Ok(v) => panic!("accepted: {}", StateProof::describe(&v)),
            },
        }
    };
    let half = |v: &Value| v.as_str().unwrap().len() / 2;
    type Change = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Change, &str)> = vec![
        (
            "a block-state proof byte",
            Box::new(move |p| {
                p["chunks"][0]["block_state"]["proof"] =
                    flip(&p["chunks"][0]["block_state"]["proof"], half(&p["chunks"][0]["block_state"]["proof"]))
            }),
            "chunk 0: the block-state proof does not verify",
        ),
        (
            "a keccak proof byte",
            Box::new(|p| p["chunks"][0]["keccak"]["proof"] = flip(&p["chunks"][0]["keccak"]["proof"], 40)),
            "chunk 0: the keccak proof does not verify",
        ),
        (
            "a proven value (the account's nonce, instance 4)",
            Box::new(|p| {
                p["chunks"][0]["block_state"]["instances"][4] = flip(&p["chunks"][0]["block_state"]["instances"][4], 65)
            }),
            "does not verify",
        ),
        (
            "the block hash",
            Box::new(|p| p["block_hash"] = format!("0x{}", "ab".repeat(32)).into()),
            "the file names block",
        ),
        (
            "the keccak commitment",
            Box::new(|p| {
                p["chunks"][0]["keccak"]["instances"][0] = flip(&p["chunks"][0]["keccak"]["instances"][0], 60)
            }),
            "other hashes",
        ),
        (
            "the keccak instances",
            Box::new(|p| p["chunks"][0]["keccak"]["instances"] = Value::Array(vec![])),
            "0 instances",
        ),
        ("an empty proof", Box::new(|p| p["chunks"][0]["block_state"]["proof"] = "0x".into()), "does not verify"),
        (
            "a proof that is not hex",
            Box::new(|p| p["chunks"][0]["block_state"]["proof"] = "xyz".into()),
            "damaged proof file",
        ),
        ("no chunk", Box::new(|p| p["chunks"] = Value::Array(vec![])), "no chunk"),
        ("a circuit id", Box::new(|p| p["circuits"]["keccak"] = "00".repeat(32).into()), "these params give circuit"),
        ("k", Box::new(|p| p["k"] = 16.into()), "shape this verifier does not know"),
        ("the version", Box::new(|p| p["version"] = 7.into()), "proof format version 7"),
        ("the format", Box::new(|p| p["format"] = "something-else".into()), "not a proof file"),
        ("the kind", Box::new(|p| p["kind"] = "execution".into()), "an execution proof, where a state proof"),
    ];
    for (what, change, needle) in cases {
        let message = refusal(&*change);
        assert!(message.contains(needle), "{what}: expected {needle:?} in {message:?}");
    }

    // A version 1 file (before proof kinds) is a state proof and still verifies.
    let mut v1 = json.clone();
    v1["version"] = 1.into();
    v1.as_object_mut().unwrap().remove("kind");
    let v1 = StateProofFile::decode(&serde_json::to_vec(&v1).unwrap(), "v1.json").unwrap();
    StateProof::verify(&verify_config, &v1, Some(&empty)).unwrap();

    // The keys came from the cache the second time; a damaged cached key is not deserialized but
    // regenerated, to the same circuit id.
    let cache = KeyCache::new(Some(keys));
    let loaded = params::load(&params_file, class.k).unwrap();
    let (vks, source) = cache.verifying_keys(&loaded.params, class).unwrap();
    assert_eq!((source, &vks.ids), (KeySource::Cache, &file.circuits));
    let entry = cache.entry_dir(&loaded.params, class).unwrap();
    let vk_file = entry.join(format!("{}.vk", file.circuits.keccak));
    let mut bytes = std::fs::read(&vk_file).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&vk_file, &bytes).unwrap();
    let (again, source) = cache.verifying_keys(&loaded.params, class).unwrap();
    assert_eq!((source, &again.ids), (KeySource::Generated, &file.circuits));
}
