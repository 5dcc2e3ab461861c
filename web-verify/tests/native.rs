//! The browser's verifier, run natively on the committed execution proof (a 1-transaction anvil
//! block, gevulot/tests/fixtures/execution): it accepts it, with and without its witness, and
//! refuses with the reason a changed STARK, a witness that does not check, a state proof, a file that
//! is not JSON and one too large to read. The same code runs in Chromium in
//! cli/tests/web_verify_page.rs.

use std::path::PathBuf;

use serde_json::Value;
use web_verify::{verify, verify_json, MAX_FILE_BYTES};

fn fixture(name: &str) -> Vec<u8> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../gevulot/tests/fixtures/execution");
    std::fs::read(dir.join(name)).unwrap()
}

#[test]
fn the_committed_proof_verifies_with_and_without_its_witness() {
    let report = verify(&fixture("proof.json"), "proof.json", None);
    assert!(report.is_success, "{}", report.message);
    assert!(report.message.starts_with("valid: block 2 ("), "{}", report.message);
    assert_eq!(report.witness_matched, None);
    let with = verify(&fixture("proof.json"), "proof.json", Some(&fixture("witness.json")));
    assert!(with.is_success && with.witness_matched == Some(true), "{}", with.message);
    assert!(with.message.ends_with("exactly the witness's block"), "{}", with.message);
    // The JSON the page reads: the server's report's field names.
    let json: Value = serde_json::from_str(&verify_json(&fixture("proof.json"), "proof.json", None)).unwrap();
    assert_eq!(json["is_success"], true);
    assert_eq!(json["kind"], "execution");
    assert_eq!(json["block_number"], 2);
    assert_eq!(json["execution"]["fork"], "Shanghai");
    assert_eq!(json["execution"]["image_id"], json["pinned_image_id"]);
    assert_eq!(json["execution"]["transactions"], 1);
    assert!(json["execution"]["prover_claims_unverified"]["instructions"].as_u64().unwrap() > 0);
}

#[test]
fn every_bad_file_is_refused_with_the_reason() {
    let proof = fixture("proof.json");
    let mut json: Value = serde_json::from_slice(&proof).unwrap();
    let stark = json["proof"].as_str().unwrap().to_string();
    let at = stark.len() / 2;
    let flipped = if &stark[at..=at] == "0" { "1" } else { "0" };
    json["proof"] = format!("{}{flipped}{}", &stark[..at], &stark[at + 1..]).into();
    let tampered = serde_json::to_vec(&json).unwrap();

    let mut state = serde_json::from_slice::<Value>(&proof).unwrap();
    state["kind"] = "state".into();
    let state = serde_json::to_vec(&state).unwrap();

    let mut witness: Value = serde_json::from_slice(&fixture("witness.json")).unwrap();
    witness["block"]["header"]["fields"]["gasLimit"] = "0x1".into();
    let unchecked_witness = serde_json::to_vec(&witness).unwrap();

    for (what, bytes, witness, needle) in [
        ("a changed STARK byte", tampered.as_slice(), None, "the proof does not verify"),
        ("a state proof", state.as_slice(), None, "a state proof"),
        ("not JSON", b"\x89PNG not a proof".as_slice(), None, "not a proof file: not JSON"),
        (
            "a witness that does not check",
            proof.as_slice(),
            Some(unchecked_witness.as_slice()),
            "the witness does not check",
        ),
        ("a witness that is not one", proof.as_slice(), Some(b"{}".as_slice()), "invalid: the witness"),
    ] {
        let report = verify(bytes, "changed.json", witness);
        assert!(!report.is_success, "{what}: accepted");
        assert!(report.message.contains(needle), "{what}: {}", report.message);
    }
    let huge = vec![b' '; MAX_FILE_BYTES + 1];
    let report = verify(&huge, "huge.json", None);
    assert!(!report.is_success && report.message.contains("more than any the browser reads"), "{}", report.message);
}
