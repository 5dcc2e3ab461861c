//! The state proof end to end, as a user runs it: `params`, `witness_capture`, `offline_prover`,
//! `legacy_prover` and `verifier` on real anvil blocks with real KZG proofs (INSECURE dev params,
//! the micro class at k = 15); then, on the proof the command line made, every kind of tampering
//! refused by the kind's own verifier (through its `ProofSystem` seam, naming the chunk and
//! circuit), and the key cache: keys reused, a damaged cached key regenerated rather than trusted.
//!
//! Both proofs are of empty Shanghai blocks: one chunk each, the fee recipient's account (from
//! Cancun on, the beacon-roots system call adds its contract and the system address: three
//! chunks, three times the proving). A block with transactions and slots is proven for real by
//! serve_follow.rs and under MockProver by circuit/tests/mock_prover.rs.

mod common;

use std::path::{Path, PathBuf};

use circuit::{
    keys::{KeyCache, KeySource},
    params, CapacityClass, StateProof, StateProofFile, StateVerifyConfig,
};
use common::{hex_flip, ok, prover_cmd, read_json, s};
use proof::{KindFile, ProofSystem};
use serde_json::Value;
use testkit::{anvil::Anvil, blocks};

struct Setup {
    dir: tempfile::TempDir,
    params: PathBuf,
    keys: PathBuf,
}

impl Setup {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn verify(&self, proof: &Path, witness: Option<&Path>) -> (Option<i32>, Value) {
        let mut extra = vec!["-k", s(&self.params), "--keys-dir", s(&self.keys)];
        if let Some(w) = witness {
            extra.extend(["-w", s(w)]);
        }
        common::verify(proof, &extra)
    }

    /// Verifies a changed copy of a proof file; it must be refused with `reason` in the message.
    fn refuses(&self, proof: &Value, change: impl FnOnce(&mut Value), reason: &str) {
        common::refuses(self.dir.path(), &["-k", s(&self.params), "--keys-dir", s(&self.keys)], proof, change, reason);
    }

    fn capture(&self, anvil: &Anvil, block: u64, name: &str) -> PathBuf {
        let path = self.path(name);
        ok(prover_cmd(&["-q", "witness_capture", "-b", &block.to_string(), "-r", &anvil.url, "-w", s(&path)]));
        path
    }
}

#[test]
fn prove_and_verify_real_anvil_blocks_then_refuse_every_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let setup = Setup { params: dir.path().join("params"), keys: dir.path().join("keys"), dir };
    let out = ok(prover_cmd(&["-q", "params", "--class", "micro", "-o", s(&setup.params)]));
    assert!(String::from_utf8_lossy(&out.stdout).contains("kzg_bn254_15.insecure-dev.srs"));

    let anvil = Anvil::start(Some("shanghai")).unwrap();
    let chain = blocks::Chain::new(&anvil).unwrap();
    let made = blocks::small_block(&chain).unwrap();
    let witness = setup.capture(&anvil, made.empty, "w.json");
    let other_witness = setup.capture(&anvil, made.number, "other-w.json");

    // offline_prover: the empty block's one account, in one micro chunk; keys generated.
    let proof_path = setup.path("proof.json");
    let keys = s(&setup.keys);
    let out = prover_cmd(&[
        "offline_prover",
        "-k",
        s(&setup.params),
        "-w",
        s(&witness),
        "-p",
        s(&proof_path),
        "--keys-dir",
        keys,
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("INSECURE"), "dev params are called insecure: {stderr}");
    let proof = read_json(&proof_path);
    assert_eq!((proof["format"].as_str(), proof["version"].as_u64()), (Some("eth-block-proof"), Some(2)));
    assert_eq!(proof["kind"], "state");
    assert_eq!(proof["block_number"], made.empty);
    assert_eq!((proof["class"]["name"].as_str(), proof["k"].as_u64()), (Some("micro"), Some(15)));
    assert_eq!(proof["insecure_dev_params"], true);
    assert_eq!(proof["chunks"].as_array().unwrap().len(), 1);
    assert_eq!(proof["timings"]["keys_source"], "generated");
    // Generated once for the run: the serve tests and the Gevulot tasks read these.
    testkit::key_cache::publish(&setup.keys, Path::new(common::serve::SHARED_KEYS)).unwrap();
    assert!(proof["timings"]["prove_block_state"].as_f64().unwrap() > 0.0);

    let (code, report) = setup.verify(&proof_path, Some(&witness));
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["is_success"], true);
    assert_eq!((report["state"]["accounts"].as_u64(), report["state"]["slots"].as_u64()), (Some(1), Some(0)));
    assert_eq!(
        (report["witness_matched"].as_bool(), report["insecure_dev_params"].as_bool()),
        (Some(true), Some(true))
    );
    assert!(report["message"].as_str().unwrap().contains("INSECURE"));

    // A proof of one block does not cover another block's witness.
    let (code, report) = setup.verify(&proof_path, Some(&other_witness));
    assert_eq!(code, Some(1));
    assert!(report["message"].as_str().unwrap().contains("does not cover the witness"), "{report}");

    // A damaged file is a JSON report with the reason and exit 1, never a panic.
    let flipped = |p: &mut Value| {
        let text = p["chunks"][0]["block_state"]["proof"].as_str().unwrap().to_string();
        p["chunks"][0]["block_state"]["proof"] = hex_flip(&text, text.len() / 2).into();
    };
    setup.refuses(&proof, flipped, "chunk 0: the block-state proof does not verify");
    let truncated = setup.path("truncated.json");
    let bytes = std::fs::read(&proof_path).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let (code, report) = setup.verify(&truncated, None);
    assert_eq!(code, Some(1));
    assert!(report["message"].as_str().unwrap().contains("not JSON"), "{report}");

    // legacy_prover straight from the node, reusing the cached keys: another empty block.
    let next = chain.one_block(|_| Ok(())).unwrap();
    let next_proof = setup.path("next.json");
    let next_witness = setup.path("next-witness.bin");
    ok(prover_cmd(&[
        "-q",
        "legacy_prover",
        "-b",
        &next.to_string(),
        "-r",
        &anvil.url,
        "-k",
        s(&setup.params),
        "-p",
        s(&next_proof),
        "--keys-dir",
        keys,
        "-w",
        s(&next_witness),
    ]));
    let next_file = read_json(&next_proof);
    assert_eq!(next_file["timings"]["keys_source"], "cache", "the second proof skips key generation");
    assert_eq!(next_file["circuits"], proof["circuits"], "same circuit, same ids");
    let (code, report) = setup.verify(&next_proof, Some(&next_witness));
    assert_eq!((code, report["state"]["accounts"].as_u64()), (Some(0), Some(1)), "{report}");

    the_kinds_verifier_refuses_every_tampering(&setup, &proof_path, &witness, &other_witness);
}

/// The state kind's own verifier on the command line's proof: what it says of an honest file, and
/// the reason for each change to it; then the key cache.
fn the_kinds_verifier_refuses_every_tampering(setup: &Setup, proof_path: &Path, witness: &Path, other: &Path) {
    let (witness, other) = (witness::file::read(witness).unwrap(), witness::file::read(other).unwrap());
    let bytes = std::fs::read(proof_path).unwrap();
    let file = StateProofFile::decode(&bytes, "proof.json").unwrap();
    let config = StateVerifyConfig { params: Some(setup.params.clone()), keys_dir: Some(setup.keys.clone()) };
    let verified = StateProof::verify(&config, &file, Some(&witness)).unwrap();
    assert!(StateProof::witness_matched(&verified) && StateProof::insecure(&verified));
    let read: std::collections::BTreeSet<_> = witness.block.pre_state.iter().map(|a| a.address).collect();
    assert_eq!((verified.chunks, &verified.accounts), (1, &read));
    let line = StateProof::describe(&verified);
    assert!(line.contains("exactly the witness's pre-state") && line.contains("INSECURE"), "{line}");
    let message = StateProof::verify(&config, &file, Some(&other)).unwrap_err().to_string();
    assert!(message.contains("does not cover the witness") && message.contains("the proof has 1"), "{message}");

    let json: Value = serde_json::from_slice(&bytes).unwrap();
    let refusal = |change: &dyn Fn(&mut Value)| -> String {
        let mut changed = json.clone();
        change(&mut changed);
        match StateProofFile::decode(&serde_json::to_vec(&changed).unwrap(), "changed.json") {
            Err(e) => e.to_string(),
            Ok(file) => match StateProof::verify(&config, &file, None) {
                Err(e) => e.to_string(),
                Ok(v) => panic!("accepted: {}", StateProof::describe(&v)),
            },
        }
    };
    let flip = |p: &mut Value, pointer: &str, at: Option<usize>| {
        let field = p.pointer_mut(pointer).unwrap();
        let text = field.as_str().unwrap().to_string();
        *field = hex_flip(&text, at.unwrap_or(text.len() / 2)).into();
    };
    type Change = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Change, &str)> = vec![
        (
            "a block-state proof byte",
            Box::new(move |p| flip(p, "/chunks/0/block_state/proof", None)),
            "chunk 0: the block-state proof does not verify",
        ),
        (
            "a keccak proof byte",
            Box::new(move |p| flip(p, "/chunks/0/keccak/proof", Some(40))),
            "chunk 0: the keccak proof does not verify",
        ),
        (
            "a proven value (the account's nonce, instance 4)",
            Box::new(move |p| flip(p, "/chunks/0/block_state/instances/4", Some(65))),
            "does not verify",
        ),
        (
            "the block hash",
            Box::new(|p| p["block_hash"] = format!("0x{}", "ab".repeat(32)).into()),
            "the file names block",
        ),
        ("the keccak commitment", Box::new(move |p| flip(p, "/chunks/0/keccak/instances/0", Some(60))), "other hashes"),
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
    StateProof::verify(&config, &v1, Some(&witness)).unwrap();

    // The verifying keys come from the cache; a damaged cached key is not deserialized but
    // regenerated, to the same circuit id.
    let cache = KeyCache::new(Some(setup.keys.clone()));
    let loaded = params::load(&setup.params, CapacityClass::MICRO.k).unwrap();
    let (vks, source) = cache.verifying_keys(&loaded.params, CapacityClass::MICRO).unwrap();
    assert_eq!((source, &vks.ids), (KeySource::Cache, &file.circuits));
    let entry = cache.entry_dir(&loaded.params, CapacityClass::MICRO).unwrap();
    let vk_file = entry.join(format!("{}.vk", file.circuits.keccak));
    let mut key = std::fs::read(&vk_file).unwrap();
    let middle = key.len() / 2;
    key[middle] ^= 0xff;
    std::fs::write(&vk_file, &key).unwrap();
    let (again, source) = cache.verifying_keys(&loaded.params, CapacityClass::MICRO).unwrap();
    assert_eq!((source, &again.ids), (KeySource::Generated, &file.circuits));
}
