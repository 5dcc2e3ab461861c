//! The proving commands end to end, as a user runs them: `params`, `witness_capture`,
//! `offline_prover`, `legacy_prover` and `verifier` on real anvil blocks with real KZG proofs
//! (insecure dev params, the micro class), and a damaged proof file refused by the verifier with a
//! JSON report and exit 1, never a panic (every kind of tampering: circuit/tests/kzg.rs).

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
    assert_eq!((report["state"]["accounts"].as_u64(), report["state"]["slots"].as_u64()), (Some(2), Some(1)));
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
    assert_eq!((code, report["state"]["accounts"].as_u64()), (Some(0), Some(1)), "{report}");

    // A proof of one block does not cover another block's witness.
    let (code, report) = setup.verify(&empty_proof, Some(&witness));
    assert_eq!(code, Some(1));
    assert!(report["message"].as_str().unwrap().contains("does not cover the witness"), "{report}");

    // A damaged file is a JSON report with the reason and exit 1 (every kind of tampering is
    // refused by the kind's own verifier: circuit/tests/kzg.rs).
    let flipped = |p: &mut Value| {
        let text = p["chunks"][1]["block_state"]["proof"].as_str().unwrap().to_string();
        p["chunks"][1]["block_state"]["proof"] = hex_flip(&text, text.len() / 2).into();
    };
    setup.refuses(&proof, flipped, "chunk 1: the block-state proof does not verify");

    let truncated = setup.path("truncated.json");
    let bytes = std::fs::read(&proof_path).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let (code, report) = setup.verify(&truncated, None);
    assert_eq!(code, Some(1));
    assert!(report["message"].as_str().unwrap().contains("not JSON"), "{report}");
}
