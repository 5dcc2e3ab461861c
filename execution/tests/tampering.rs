//! The execution proof's verifier against every kind of tampering with a real proof file: the
//! committed proof of a 1-transaction anvil block (gevulot/tests/fixtures/execution, made again by
//! scripts/make-execution-fixture.sh after a change of the guest), checked through the kind's own
//! `ProofSystem::verify`. Each change is refused with the error that names it. Also the committed
//! proof of the full guest image (gevulot/tests/fixtures/execution-full: a Cancun block of one KZG
//! point evaluation), which verifies, and is refused when it claims to be of the base image.
//! Nothing is proven here, so this costs milliseconds a case.

use std::path::PathBuf;

use execution::{image::GuestImage, ExecutionProof, ExecutionProofFile};
use proof::{KindFile, ProofSystem};
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../gevulot/tests/fixtures/execution").join(name)
}

fn full_fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../gevulot/tests/fixtures/execution-full").join(name)
}

fn proof_json() -> Value {
    let proof: Value = serde_json::from_slice(&std::fs::read(fixture("proof.json")).unwrap()).unwrap();
    assert_eq!(
        proof["image_id"].as_str(),
        Some(GuestImage::Base.id()),
        "the fixture is of another guest image: run scripts/make-execution-fixture.sh --same-witness"
    );
    proof
}

/// A hex string with the digit at `at` changed.
fn flip(hex: &Value, at: usize) -> Value {
    let mut digits: Vec<char> = hex.as_str().unwrap().chars().collect();
    digits[at] = if digits[at] == '0' { '1' } else { '0' };
    digits.into_iter().collect::<String>().into()
}

/// Why the file with `change` applied is refused: a decoding error or the verifier's.
fn refusal(change: impl FnOnce(&mut Value)) -> String {
    let mut json = proof_json();
    change(&mut json);
    let bytes = serde_json::to_vec(&json).unwrap();
    match ExecutionProofFile::decode(&bytes, "changed.json") {
        Err(e) => e.to_string(),
        Ok(file) => match ExecutionProof::verify(&(), &file, None) {
            Err(e) => e.to_string(),
            Ok(verified) => panic!("accepted: {}", ExecutionProof::describe(&verified)),
        },
    }
}

#[test]
fn the_committed_proof_verifies_and_says_what_it_proves() {
    let file = ExecutionProofFile::read(&fixture("proof.json")).unwrap();
    let witness = witness::file::read(&fixture("witness.json")).unwrap();
    let verified = ExecutionProof::verify(&(), &file, Some(&witness)).unwrap();
    assert!(ExecutionProof::witness_matched(&verified));
    assert_eq!((verified.image_id.as_str(), verified.fork.as_str()), (GuestImage::Base.id(), "Shanghai"));
    assert_eq!(verified.commitment, file.commitment);
    assert!(!ExecutionProof::insecure(&verified));
    let line = ExecutionProof::describe(&verified);
    assert!(line.starts_with("valid: block 2 (") && line.ends_with("; exactly the witness's block"), "{line}");
}

#[test]
fn every_change_to_the_file_is_refused_by_name() {
    let half = proof_json()["proof"].as_str().unwrap().len() / 2;
    for (what, change, needle) in [
        (
            "a STARK byte",
            Box::new(move |p: &mut Value| p["proof"] = flip(&p["proof"], half)) as Box<dyn FnOnce(&mut Value)>,
            "the proof does not verify",
        ),
        ("no STARK", Box::new(|p: &mut Value| p["proof"] = "0x".into()), "the proof does not verify"),
        ("a STARK that is not hex", Box::new(|p: &mut Value| p["proof"] = "0xzz".into()), "damaged proof file"),
        (
            "the public values",
            Box::new(|p: &mut Value| p["public_values"] = flip(&p["public_values"], 200)),
            "public values are not the ones the proof proves",
        ),
        (
            "the decoded commitment",
            Box::new(|p: &mut Value| p["commitment"]["gas_used"] = 1.into()),
            "decoded commitment differs",
        ),
        (
            "the image id",
            Box::new(|p: &mut Value| p["image_id"] = format!("0x{}", "11".repeat(32)).into()),
            "another guest",
        ),
        (
            "the block hash",
            Box::new(|p: &mut Value| p["block_hash"] = format!("0x{}", "ab".repeat(32)).into()),
            "the file names block",
        ),
        ("the chain id", Box::new(|p: &mut Value| p["chain_id"] = 1.into()), "on chain 1"),
        ("the block number", Box::new(|p: &mut Value| p["block_number"] = 3.into()), "the file names block 3"),
        ("the kind", Box::new(|p: &mut Value| p["kind"] = "state".into()), "a state proof, where an execution proof"),
        ("the version", Box::new(|p: &mut Value| p["version"] = 3.into()), "proof format version 3"),
    ] {
        let message = refusal(change);
        assert!(message.contains(needle), "{what}: expected {needle:?} in {message:?}");
    }
}

#[test]
fn a_proof_of_another_block_than_the_witness_is_refused() {
    let file = ExecutionProofFile::read(&fixture("proof.json")).unwrap();
    let mut other = witness::file::read(&fixture("witness.json")).unwrap();
    // The same block but another (unchecked) witness: one that does not check is refused as such.
    other.block_hash = alloy_primitives::B256::repeat_byte(7);
    let message = ExecutionProof::verify(&(), &file, Some(&other)).unwrap_err().to_string();
    assert!(message.contains("the witness does not check"), "{message}");
}

#[test]
fn a_proof_of_the_full_image_verifies_and_only_as_the_full_image() {
    let file = ExecutionProofFile::read(&full_fixture("proof.json")).unwrap();
    assert_eq!(
        file.image_id,
        GuestImage::Full.id(),
        "the fixture is of another guest image: run scripts/make-execution-fixture.sh --full --same-witness"
    );
    let witness = witness::file::read(&full_fixture("witness.json")).unwrap();
    let checked = witness::check_witness(&witness).unwrap();
    assert_eq!(GuestImage::for_block(&checked.precompiles_called), GuestImage::Full, "the block calls 0x0a");
    let verified = ExecutionProof::verify(&(), &file, Some(&witness)).unwrap();
    assert_eq!((verified.image, verified.fork.as_str()), (GuestImage::Full, "Cancun"));
    assert!(verified.zkvm.contains("BLS12-381"), "{}", verified.zkvm);
    assert!(ExecutionProof::describe(&verified).contains("(full)"));
    // The same STARK under the base image's key: refused.
    let mut relabelled = file.clone();
    relabelled.image_id = GuestImage::Base.id().into();
    let message = ExecutionProof::verify(&(), &relabelled, None).unwrap_err().to_string();
    assert!(message.contains("the proof does not verify"), "{message}");
}
