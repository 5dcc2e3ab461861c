//! The execution proof end to end, as a user runs it: a real anvil block (one transaction, which
//! clears a storage slot), `offline_prover --proof execution --execute-only` (the guest in the
//! zkVM executor), a real proof (OpenVM, segments aggregated into one STARK), `verifier` with and
//! without the witness, and a damaged file refused with a JSON report and exit 1 (every kind of
//! tampering: execution/tests/tampering.rs). The one real execution proof made through the command
//! line (about 2 minutes on 2 cores).

mod common;

use common::{hex_flip, ok, prover_cmd, read_json, refuses, s, verify};
use serde_json::Value;
use testkit::{anvil::Anvil, blocks};

/// A segment memory budget (GiB) small enough to split the 1-transaction block (3 segments).
const SMALL_SEGMENT_GIB: &str = "1";

#[test]
fn prove_and_verify_the_execution_of_a_real_block_then_refuse_every_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let anvil = Anvil::start(Some("shanghai")).unwrap();
    let chain = blocks::Chain::new(&anvil).unwrap();
    let made = blocks::small_block(&chain).unwrap();
    let witness = dir.path().join("w.json");
    ok(prover_cmd(&["-q", "witness_capture", "-b", &made.number.to_string(), "-r", &anvil.url, "-w", s(&witness)]));
    let other_witness = dir.path().join("empty.json");
    ok(prover_cmd(&[
        "-q",
        "witness_capture",
        "-b",
        &made.empty.to_string(),
        "-r",
        &anvil.url,
        "-w",
        s(&other_witness),
    ]));

    // The guest in the executor: what it commits, and what a proof will cost.
    let run = common::execute_only(&witness);
    assert_eq!(run["commitment"]["number"], made.number);
    assert_eq!(
        (run["commitment"]["transactions"].as_u64(), run["commitment"]["fork"].as_str()),
        (Some(1), Some("Shanghai"))
    );
    let instructions = run["instructions"].as_u64().unwrap();
    assert!(instructions > 100_000 && instructions < 3_000_000, "{instructions} instructions");
    assert_eq!(run["segments"], 1);
    // The segment size is a setting: a small memory budget cuts the same run into more segments.
    let cut = common::execute_only_with(&witness, &["--segment-memory", SMALL_SEGMENT_GIB]);
    assert_eq!((&cut["commitment"], &cut["instructions"]), (&run["commitment"], &run["instructions"]));
    assert!(cut["segments"].as_u64().unwrap() > 1, "{cut}");
    // Both pinned images, each with its committed key; the block calls no precompile, so the base.
    let pinned: Value = serde_json::from_slice(&ok(prover_cmd(&["execution_image"])).stdout).unwrap();
    let images = pinned.as_array().unwrap();
    assert_eq!(images.iter().map(|i| i["image"].clone()).collect::<Vec<_>>(), ["base", "full"]);
    for image in images {
        assert_eq!(image["verifying_key_image_id"], image["pinned_image_id"], "the committed key is for its image");
    }
    let image_id = images[0]["pinned_image_id"].as_str().unwrap().to_string();
    assert_eq!((run["image_id"].as_str(), run["image"].as_str()), (Some(image_id.as_str()), Some("base")));

    // The proof, on an explicit number of threads (the setting's own pool); its phases are logged,
    // each segment's proof among them.
    let proof_path = dir.path().join("proof.json");
    let out = ok(prover_cmd(&[
        "offline_prover",
        "--proof",
        "execution",
        "--threads",
        "2",
        "-w",
        s(&witness),
        "-p",
        s(&proof_path),
    ]));
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("proving segment 1 of 1, then aggregating"), "no segment progress in {log}");
    let proof = read_json(&proof_path);
    assert_eq!((proof["kind"].as_str(), proof["version"].as_u64()), (Some("execution"), Some(2)));
    assert_eq!(proof["image_id"], image_id.as_str());
    assert_eq!(proof["block_number"], made.number);
    assert_eq!(proof["commitment"], run["commitment"]);
    assert_eq!(proof["instructions"], run["instructions"]);
    assert_eq!(proof["public_values"].as_str().unwrap().len(), 2 + 2 * 256);
    assert!(proof["timings"]["prove"].as_f64().unwrap() > 0.0);

    let (code, report) = verify(&proof_path, &["-w", s(&witness)]);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!((report["is_success"].as_bool(), report["kind"].as_str()), (Some(true), Some("execution")));
    assert_eq!(report["witness_matched"], true);
    let section = &report["execution"];
    assert_eq!(section["state_root"], run["commitment"]["state_root"]);
    assert_eq!((section["transactions"].as_u64(), section["fork"].as_str()), (Some(1), Some("Shanghai")));
    assert_eq!(section["zero_slot_leaves"], true, "anvil keeps cleared slots as rlp(0) leaves");
    assert!(report["message"].as_str().unwrap().contains("re-execute"), "{report}");
    let (code, report) = verify(&proof_path, &[]);
    assert_eq!((code, report["witness_matched"].clone()), (Some(0), Value::Null), "{report}");

    // Not the witness's block.
    let (code, report) = verify(&proof_path, &["-w", s(&other_witness)]);
    assert_eq!(code, Some(1));
    assert!(report["message"].as_str().unwrap().contains("the witness is of block"), "{report}");

    // A damaged file is a JSON report with the reason and exit 1 (every kind of tampering is
    // refused by the kind's own verifier: execution/tests/tampering.rs).
    let half = proof["proof"].as_str().unwrap().len() / 2;
    let flipped = |p: &mut Value| p["proof"] = hex_flip(p["proof"].as_str().unwrap(), half).into();
    refuses(dir.path(), &[], &proof, flipped, "does not verify");
    let truncated = dir.path().join("truncated.json");
    let bytes = std::fs::read(&proof_path).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 3]).unwrap();
    let (code, report) = verify(&truncated, &[]);
    assert_eq!(code, Some(1));
    assert!(report["message"].as_str().unwrap().contains("not JSON"), "{report}");
}

#[test]
fn arguments_of_the_other_kind_are_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let w = dir.path().join("missing.json");
    let p = dir.path().join("p.json");
    for (args, needle) in [
        (
            vec!["offline_prover", "--proof", "execution", "-k", "params", "-w", s(&w), "-p", s(&p)],
            "needs no KZG params",
        ),
        (
            vec!["offline_prover", "--proof", "execution", "--class", "micro", "-w", s(&w), "-p", s(&p)],
            "--class is for",
        ),
        (vec!["offline_prover", "--proof", "state", "--execute-only", "-k", "x", "-w", s(&w)], "--execute-only is for"),
        (vec!["offline_prover", "--proof", "state", "-w", s(&w), "-p", s(&p)], "needs KZG params"),
        (
            vec!["offline_prover", "--proof", "state", "--threads", "2", "-k", "x", "-w", s(&w), "-p", s(&p)],
            "are for execution proofs",
        ),
        (
            vec!["offline_prover", "--proof", "execution", "--segment-memory", "0", "-w", s(&w), "-p", s(&p)],
            "segment memory must be between",
        ),
        (vec!["offline_prover", "--proof", "execution", "--threads", "0", "-w", s(&w), "-p", s(&p)], "at least 1"),
    ] {
        let out = prover_cmd(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: expected {needle:?} in {stderr}");
    }
    let out = prover_cmd(&["offline_prover", "--proof", "telepathy", "-w", s(&w), "-p", s(&p)]);
    assert_eq!(out.status.code(), Some(2), "a usage error");
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown proof kind"));
    assert!(!p.exists(), "nothing written");
}
