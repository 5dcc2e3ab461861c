//! The verifier's report, whatever the input: bytes in (no files), the head the same for every
//! kind, the kind's own section, the envelope's refusals, and never a panic. Uses the committed
//! execution proof (gevulot/tests/fixtures/execution): nothing is proven here.

use std::path::PathBuf;

use verifier::{decode_proof, verify, verify_file, VerifyOptions};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../gevulot/tests/fixtures/execution").join(name)
}

#[test]
fn a_valid_proof_gets_the_head_and_its_kinds_section_from_bytes_or_files() {
    let (proof, witness) =
        (std::fs::read(fixture("proof.json")).unwrap(), std::fs::read(fixture("witness.json")).unwrap());
    let report = verify(&proof, "proof.json", Some(&witness), &VerifyOptions::default());
    assert!(report.is_success, "{}", report.message);
    assert_eq!(
        (report.kind, report.block_number, report.witness_matched),
        (Some(proof::ProofKind::Execution), Some(2), Some(true))
    );
    let section = report.execution.as_ref().expect("the execution section");
    assert_eq!(section.image_id, execution::image::GuestImage::Base.id());
    assert_eq!(
        section.zkvm,
        execution::image::GuestImage::Base.zkvm(),
        "the verifier's own description, not the file's"
    );
    assert!(report.state.is_none() && !report.insecure_dev_params);
    let json = serde_json::to_value(&report).unwrap();
    assert!(json.get("state").is_none() && json["execution"]["fork"] == "Shanghai", "{json}");

    // What the proof does not bind (the file's zkVM text, prover, instruction and segment counts,
    // timings) can be edited and the proof still verifies: the report names it the prover's
    // unverified claims, apart from what the verifier found.
    let mut claimed: serde_json::Value = serde_json::from_slice(&proof).unwrap();
    claimed["zkvm"] = "anything".into();
    claimed["segments"] = 99.into();
    claimed["prover"] = "someone else".into();
    let report = verify(&serde_json::to_vec(&claimed).unwrap(), "claimed.json", None, &VerifyOptions::default());
    assert!(report.is_success, "{}", report.message);
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["execution"]["zkvm"], execution::image::GuestImage::Base.zkvm());
    let claims = &json["execution"]["prover_claims_unverified"];
    assert_eq!((claims["zkvm"].as_str(), claims["segments"].as_u64()), (Some("anything"), Some(99)), "{json}");
    assert_eq!(claims["prover"], "someone else");
    assert!(!report.message.contains("anything") && !report.message.contains("someone else"), "{}", report.message);

    let from_file = verify_file(&fixture("proof.json"), Some(&fixture("witness.json")), &VerifyOptions::default());
    assert!(from_file.is_success && from_file.proof_file.ends_with("proof.json"), "{}", from_file.message);
    assert_eq!(decode_proof(&proof, "p").unwrap(), proof::ProofKind::Execution);
}

#[test]
fn what_is_not_a_proof_is_a_failed_report_naming_why() {
    let proof = std::fs::read(fixture("proof.json")).unwrap();
    let opts = VerifyOptions::default();
    let refused = |bytes: &[u8], witness: Option<&[u8]>, needle: &str| {
        let report = verify(bytes, "in.json", witness, &opts);
        assert!(!report.is_success && report.message.contains(needle), "expected {needle:?}: {}", report.message);
        report
    };
    refused(&proof[..proof.len() / 3], None, "not JSON");
    refused(b"{}", None, "not a proof file");
    refused(br#"{"format": "eth-block-proof", "version": 9}"#, None, "proof format version 9");
    refused(br#"{"format": "eth-block-proof", "version": 2, "kind": "telepathy"}"#, None, "unknown proof kind");
    let report = refused(&proof, Some(b"not a witness"), "invalid: the witness");
    assert_eq!(report.witness_matched, Some(false));
    assert!(decode_proof(b"{}", "p").is_err());
    let missing = verify_file(&fixture("no-such.json"), None, &opts);
    assert!(!missing.is_success && missing.message.contains("no-such.json"), "{}", missing.message);
    // A state proof without params: the kind's own refusal.
    let state = br#"{"format": "eth-block-proof", "version": 2, "kind": "state", "chain_id": 1, "block_number": 1,
        "block_hash": "0x0000000000000000000000000000000000000000000000000000000000000001"}"#;
    refused(state, None, "damaged proof file");
}
