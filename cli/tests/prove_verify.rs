//! The proving commands end to end, as a user runs them: `params`, `witness_capture`,
//! `offline_prover`, `legacy_prover` and `verifier` on real anvil blocks with real KZG proofs
//! (insecure dev params, the micro class). Then every kind of tampering with the proof file is
//! refused by the verifier with a JSON report and exit 1, never a panic.

mod common;

use std::path::{Path, PathBuf};

use common::{hex_flip, ok, prover_cmd, s};
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
    let witness = setup.path("w.json");
    let block = made.number.to_string();
    ok(prover_cmd(&["-q", "witness_capture", "-b", &block, "-r", &anvil.url, "-w", s(&witness)]));

    // offline_prover: two accounts (sender, store contract) and one slot, in two micro chunks.
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
    let proof: Value = serde_json::from_slice(&std::fs::read(&proof_path).unwrap()).unwrap();
    assert_eq!((proof["format"].as_str(), proof["version"].as_u64()), (Some("eth-block-proof"), Some(2)));
    assert_eq!(proof["kind"], "state");
    assert_eq!(proof["block_number"], made.number);
    assert_eq!((proof["class"]["name"].as_str(), proof["k"].as_u64()), (Some("micro"), Some(15)));
    assert_eq!(proof["insecure_dev_params"], true);
    assert_eq!(proof["chunks"].as_array().unwrap().len(), 2);
    assert_eq!(proof["timings"]["keys_source"], "generated");
    assert!(proof["timings"]["prove_block_state"].as_f64().unwrap() > 0.0);

    let (code, report) = setup.verify(&proof_path, Some(&witness));
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["is_success"], true);
    assert_eq!((report["accounts"].as_u64(), report["slots"].as_u64()), (Some(2), Some(1)));
    assert_eq!(
        (report["witness_matched"].as_bool(), report["insecure_dev_params"].as_bool()),
        (Some(true), Some(true))
    );
    assert!(report["message"].as_str().unwrap().contains("INSECURE"));

    // legacy_prover straight from the node, reusing the cached keys: the empty block's one account.
    let empty_proof = setup.path("empty.json");
    let empty_witness = setup.path("empty-witness.bin");
    let empty = made.empty.to_string();
    ok(prover_cmd(&[
        "-q",
        "legacy_prover",
        "-b",
        &empty,
        "-r",
        &anvil.url,
        "-k",
        s(&setup.params),
        "-p",
        s(&empty_proof),
        "--keys-dir",
        keys,
        "-w",
        s(&empty_witness),
    ]));
    let other: Value = serde_json::from_slice(&std::fs::read(&empty_proof).unwrap()).unwrap();
    assert_eq!(other["timings"]["keys_source"], "cache", "the second proof skips key generation");
    assert_eq!(other["circuits"], proof["circuits"], "same circuit, same ids");
    let (code, report) = setup.verify(&empty_proof, Some(&empty_witness));
    assert_eq!((code, report["accounts"].as_u64()), (Some(0), Some(1)), "{report}");

    // A proof of one block does not cover another block's witness.
    let (code, report) = setup.verify(&empty_proof, Some(&witness));
    assert_eq!(code, Some(1));
    assert!(report["message"].as_str().unwrap().contains("does not cover the witness"), "{report}");

    // Tampering with the file.
    let half = |v: &Value| v.as_str().unwrap().len() / 2;
    setup.refuses(
        &proof,
        |p| {
            let text = p["chunks"][1]["block_state"]["proof"].as_str().unwrap().to_string();
            p["chunks"][1]["block_state"]["proof"] =
                hex_flip(&text, half(&p["chunks"][1]["block_state"]["proof"])).into();
        },
        "chunk 1: the block-state proof does not verify",
    );
    setup.refuses(
        &proof,
        |p| {
            let text = p["chunks"][0]["keccak"]["proof"].as_str().unwrap().to_string();
            p["chunks"][0]["keccak"]["proof"] = hex_flip(&text, 40).into();
        },
        "chunk 0: the keccak proof does not verify",
    );
    setup.refuses(
        &proof,
        |p| {
            // The nonce of the sender's account (instance 4): a different pre-state value.
            let text = p["chunks"][0]["block_state"]["instances"][4].as_str().unwrap().to_string();
            p["chunks"][0]["block_state"]["instances"][4] = hex_flip(&text, 65).into();
        },
        "does not verify",
    );
    setup.refuses(&proof, |p| p["block_hash"] = format!("0x{}", "ab".repeat(32)).into(), "the file names block");
    setup.refuses(
        &proof,
        |p| {
            let other_chunk = p["chunks"][1]["keccak"].clone();
            p["chunks"][0]["keccak"] = other_chunk;
        },
        "other hashes",
    );
    setup.refuses(&proof, |p| p["chunks"][0]["keccak"]["instances"] = Value::Array(vec![]), "0 instances");
    setup.refuses(&proof, |p| p["chunks"][0]["block_state"]["proof"] = "0x".into(), "does not verify");
    setup.refuses(&proof, |p| p["chunks"][0]["block_state"]["proof"] = "xyz".into(), "damaged proof file");
    setup.refuses(&proof, |p| p["chunks"] = Value::Array(vec![]), "no chunk");
    setup.refuses(&proof, |p| p["circuits"]["keccak"] = "00".repeat(32).into(), "these params give circuit");
    setup.refuses(&proof, |p| p["k"] = 16.into(), "shape this verifier does not know");
    setup.refuses(&proof, |p| p["version"] = 7.into(), "proof format version 7");
    setup.refuses(&proof, |p| p["format"] = "something-else".into(), "not a proof file");
    setup.refuses(&proof, |p| p["kind"] = "execution".into(), "damaged proof file");
    setup.refuses(&proof, |p| p["kind"] = "telepathy".into(), "unknown proof kind");

    // A version 1 file (before proof kinds) is a state proof and still verifies.
    let mut v1 = proof.clone();
    v1["version"] = 1.into();
    v1.as_object_mut().unwrap().remove("kind");
    let v1_path = setup.path("v1.json");
    std::fs::write(&v1_path, serde_json::to_vec(&v1).unwrap()).unwrap();
    let (code, report) = setup.verify(&v1_path, Some(&witness));
    assert_eq!((code, report["kind"].as_str()), (Some(0), Some("state")), "{report}");

    // A valid proof of fewer chunks still verifies (it proves less), but not as this witness.
    let mut fewer = proof.clone();
    fewer["chunks"].as_array_mut().unwrap().pop();
    let fewer_path = setup.path("fewer.json");
    std::fs::write(&fewer_path, serde_json::to_vec(&fewer).unwrap()).unwrap();
    let (code, report) = setup.verify(&fewer_path, None);
    assert_eq!((code, report["accounts"].as_u64()), (Some(0), Some(1)), "{report}");
    let (code, report) = setup.verify(&fewer_path, Some(&witness));
    assert_eq!(code, Some(1));
    assert!(report["message"].as_str().unwrap().contains("the proof has 1"), "{report}");

    let truncated = setup.path("truncated.json");
    let bytes = std::fs::read(&proof_path).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let (code, report) = setup.verify(&truncated, None);
    assert_eq!(code, Some(1));
    assert!(report["message"].as_str().unwrap().contains("not JSON"), "{report}");
}
