//! The execution proof on its Gevulot tasks: the verifier binary (natively in the v1 file and v2
//! forms, and booted in its VM image) verifies a real execution proof, and the prover binary takes
//! `--kind execution`, refusing what does not go with it.
//!
//! The proof is committed (tests/fixtures/execution/: a real 1-transaction anvil block, its witness
//! and the proof `prover_cmd offline_prover --proof execution` made of it): a proof costs about
//! 10 minutes, which the suite spends once, in cli/tests/prove_verify_execution.rs. A change of
//! the guest changes the image id, and this proof stops verifying: make it again with
//! scripts/make-execution-fixture.sh.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::fixture::{data, run, stderr, v1_result, v1_workspace};

pub(crate) fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/execution")
}

pub(crate) fn proof() -> PathBuf {
    fixture_dir().join("proof.json")
}

pub(crate) fn witness() -> PathBuf {
    fixture_dir().join("witness.json")
}

fn read(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The fixture is of the pinned guest: a stale one names the script that makes it again.
fn check_fixture_is_current() -> Value {
    let proof = read(&proof());
    assert_eq!(
        proof["image_id"].as_str(),
        Some(execution::image::GuestImage::Base.id()),
        "tests/fixtures/execution/proof.json is of another guest image: run scripts/make-execution-fixture.sh"
    );
    proof
}

/// What the verifier's report must say of the fixture's proof.
pub(crate) fn check_report(data: &Value, proof: &Value) {
    assert_eq!(data["is_success"], true, "{data}");
    let report = &data["report"];
    assert_eq!(report["kind"], "execution", "{data}");
    assert_eq!(report["block_number"], proof["block_number"]);
    assert_eq!(report["witness_matched"], true, "{data}");
    assert_eq!(report["execution"]["image_id"], execution::image::GuestImage::Base.id());
    assert_eq!(report["execution"]["state_root"], proof["commitment"]["state_root"]);
}

#[test]
fn verifier_task_verifies_an_execution_proof_v1_and_v2() {
    let proof = check_fixture_is_current();
    let dir = tempfile::tempdir().unwrap();

    // v1 file form; an execution proof needs no params (the image's /params default is not read).
    let ws = v1_workspace(
        &dir.path().join("v1"),
        "verify-execution",
        &["--proof", "/workspace/proof.json", "--witness", "/workspace/witness.json"],
        &[&self::proof(), &witness()],
    );
    let out = run("verifier", &[("GEVULOT_WORKSPACE", &ws)], "v1", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    check_report(&data(&v1_result(&ws).unwrap()), &proof);

    // v2: input and output directories.
    let (input, output) = (dir.path().join("input"), dir.path().join("output"));
    std::fs::create_dir_all(&input).unwrap();
    std::fs::create_dir_all(&output).unwrap();
    std::fs::copy(self::proof(), input.join("proof.json")).unwrap();
    std::fs::copy(witness(), input.join("witness.json")).unwrap();
    let out = run(
        "verifier",
        &[("GEVULOT_INPUT_DIR", &input), ("GEVULOT_OUTPUT_DIR", &output)],
        "v2",
        &["--proof", "proof.json", "--witness", "witness.json"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    check_report(&read(&output.join("result.json")), &proof);

    // The same proof with its public values changed: a completed task answering false.
    let mut altered = proof.clone();
    let pv = altered["public_values"].as_str().unwrap().to_string();
    let flipped = format!("{}{}", &pv[..100], if &pv[100..101] == "0" { "1" } else { "0" }) + &pv[101..];
    altered["public_values"] = flipped.into();
    let altered_path = dir.path().join("altered.json");
    std::fs::write(&altered_path, altered.to_string()).unwrap();
    let ws = v1_workspace(
        &dir.path().join("v1-altered"),
        "verify-altered",
        &["--proof", "/workspace/altered.json"],
        &[&altered_path],
    );
    let out = run("verifier", &[("GEVULOT_WORKSPACE", &ws)], "v1", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let data = data(&v1_result(&ws).unwrap());
    assert_eq!(data["is_success"], false);
    assert!(data["message"].as_str().unwrap().contains("public values"), "{data}");
}

/// A failed prover task: its error, and no proof file left behind.
fn failed_prover_task(dir: &Path, name: &str, args: &[&str], files: &[&Path]) -> String {
    let ws = v1_workspace(&dir.join(name), name, args, files);
    let out = run("prover", &[("GEVULOT_WORKSPACE", &ws)], "v1", &[]);
    assert_eq!(out.status.code(), Some(1), "{name}: {}", stderr(&out));
    assert!(!ws.join("proof.json").exists(), "{name}: no proof file");
    v1_result(&ws).unwrap_err()
}

#[test]
fn prover_task_takes_kind_execution_and_refuses_what_does_not_go_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let w = witness();
    let base = ["--kind", "execution", "--witness", "/workspace/witness.json"];
    let with = |extra: &[&'static str]| -> Vec<&'static str> { base.iter().chain(extra).copied().collect() };

    let err = failed_prover_task(d, "class", &with(&["--class", "micro"]), &[&w]);
    assert!(err.contains("--class is for state proofs"), "{err}");
    let err = failed_prover_task(d, "memory", &with(&["--segment-memory", "0"]), &[&w]);
    assert_eq!(err.matches("segment memory must be between").count(), 1, "said once: {err}");
    let err = failed_prover_task(d, "threads", &with(&["--threads", "0"]), &[&w]);
    assert_eq!(err.matches("threads must be at least 1").count(), 1, "said once: {err}");
    let err =
        failed_prover_task(d, "state-threads", &["--witness", "/workspace/witness.json", "--threads", "2"], &[&w]);
    assert!(err.contains("are for execution proofs"), "{err}");
    let err = failed_prover_task(d, "kind", &["--kind", "magic", "--witness", "/workspace/witness.json"], &[&w]);
    assert!(err.contains("unknown proof kind"), "{err}");

    // A witness that does not check is refused by the native check, in seconds, before the zkVM.
    let mut bad = read(&w);
    bad["block_hash"] = format!("0x{}", "ab".repeat(32)).into();
    let bad_path = d.join("witness.json");
    std::fs::write(&bad_path, bad.to_string()).unwrap();
    let started = std::time::Instant::now();
    let err = failed_prover_task(d, "bad-witness", &base, &[&bad_path]);
    assert!(err.contains("proving") && err.contains("does not check"), "{err}");
    assert!(started.elapsed().as_secs() < 60, "refused before any proving: {:?}", started.elapsed());
}
