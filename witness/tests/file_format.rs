//! Witness files: JSON and bincode hold the same value; damaged files give clear errors.

mod common;

use testkit::fixtures::ZethCache;
use witness::{
    file::{self, FileError, Format},
    WitnessFile,
};

fn sample() -> WitnessFile {
    common::witness_from_zeth(&ZethCache::load("mainnet-zeth/1-18884864.json.gz").unwrap(), 18884864)
}

#[test]
fn json_and_bincode_round_trip_to_the_same_value() {
    let w = sample();
    let dir = tempfile::tempdir().unwrap();
    for (name, format) in [("w.json", Format::Json), ("w.bin", Format::Bincode)] {
        let path = dir.path().join(name);
        file::write(&path, &w, format).unwrap();
        assert_eq!(file::read(&path).unwrap(), w, "{name}");
    }
    let json = std::fs::metadata(dir.path().join("w.json")).unwrap().len();
    let bin = std::fs::metadata(dir.path().join("w.bin")).unwrap().len();
    assert!(bin * 2 < json, "bincode {bin} bytes vs JSON {json}");
    // The JSON names what it is.
    let text = std::fs::read_to_string(dir.path().join("w.json")).unwrap();
    assert!(text.contains("\"format\": \"eth-block-witness\"") && text.contains("\"chain_id\": 1"));
}

#[test]
fn truncated_files_are_reported_as_corrupt() {
    let w = sample();
    for format in [Format::Json, Format::Bincode] {
        let bytes = file::encode(&w, format);
        for cut in [bytes.len() / 2, bytes.len() - 3, 13] {
            match file::decode(&bytes[..cut], "w") {
                Err(FileError::Corrupt { format: f, .. }) => assert_eq!(f, format),
                other => panic!("{format:?} cut at {cut}: {:?}", other.map(|_| ())),
            }
        }
    }
}

#[test]
fn flipped_bytes_never_pass_silently() {
    let w = sample();
    let bytes = file::encode(&w, Format::Bincode);
    for at in (12..bytes.len()).step_by(bytes.len() / 97) {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0x55;
        // Either the file no longer decodes, or it decodes to a witness that no longer checks.
        if let Ok(decoded) = file::decode(&damaged, "w") {
            assert!(decoded != w && witness::check_witness(&decoded).is_err(), "flip at {at} went unnoticed");
        }
    }
}

#[test]
fn another_version_is_named() {
    let w = WitnessFile { version: 99, ..sample() };
    for format in [Format::Json, Format::Bincode] {
        match file::decode(&file::encode(&w, format), "w") {
            Err(FileError::Version { found: 99, supported: 2, .. }) => {}
            other => panic!("{format:?}: {:?}", other.map(|_| ())),
        }
    }
}

/// Version 1 (before a witness could name its fork) is still read, in both formats, as a witness
/// whose fork is not named; writing it again writes the current version.
#[test]
fn version_one_files_are_read_with_no_fork_named() {
    let w = sample();
    let mut bincode = file::encode(&w, Format::Bincode);
    assert_eq!(bincode.pop(), Some(0), "an absent fork is the last byte");
    bincode[8..12].copy_from_slice(&1u32.to_le_bytes());
    let mut json: serde_json::Value = serde_json::from_slice(&file::encode(&w, Format::Json)).unwrap();
    json.as_object_mut().unwrap().remove("fork");
    json["version"] = 1.into();
    for (format, bytes) in [(Format::Bincode, bincode), (Format::Json, serde_json::to_vec(&json).unwrap())] {
        let read = file::decode(&bytes, "v1").unwrap_or_else(|e| panic!("{format:?}: {e}"));
        assert_eq!(read, w, "{format:?}");
        assert_eq!(&file::encode(&read, format)[..], &file::encode(&w, format)[..], "{format:?}");
    }
}

/// A known chain's forks come from its built-in schedule: a witness that names one is refused.
#[test]
fn a_fork_named_for_mainnet_is_refused() {
    let w = WitnessFile { fork: Some(stateless::Fork::Osaka), ..sample() };
    let err = witness::check_witness(&w).unwrap_err().to_string();
    assert!(err.contains("names fork Osaka for chain 1, whose schedule is built in"), "{err}");
}

#[test]
fn other_files_are_not_witnesses() {
    assert!(matches!(file::decode(b"hello", "w"), Err(FileError::NotAWitness { .. })));
    assert!(matches!(file::decode(br#"{"format": "proof", "version": 1}"#, "w"), Err(FileError::NotAWitness { .. })));
    assert!(matches!(file::decode(b"", "w"), Err(FileError::NotAWitness { .. })));
}

#[test]
fn a_failed_write_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("missing-dir").join("w.json");
    assert!(matches!(file::write(&target, &sample(), Format::Json), Err(FileError::Io { .. })));
    assert!(!target.exists());
    // And a good write leaves exactly one file, no temporary beside it.
    let target = dir.path().join("w.json");
    file::write(&target, &sample(), Format::Json).unwrap();
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, vec![std::ffi::OsString::from("w.json")]);
}

/// Every input the fuzzer ever failed on (fuzz/regressions/witness_file), run as the fuzz target
/// runs it: decoded, then checked. Each must come back as an error, not a panic.
#[test]
fn fuzz_findings_are_errors() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions/witness_file");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let result =
            std::panic::catch_unwind(|| file::decode(&bytes, "input").map(|w| witness::check_witness(&w).is_ok()));
        match result {
            Ok(Ok(accepted)) => assert!(!accepted, "{} decodes and checks", path.display()),
            Ok(Err(e)) => assert!(!e.to_string().is_empty()),
            Err(_) => panic!("{} panics", path.display()),
        }
        seen += 1;
    }
    assert!(seen >= 1, "the regressions are in {}", dir.display());
}
