//! `offline_prover --proof execution --execute-only --profile`: where the guest's instructions go,
//! for the committed 1-transaction block. The samples add up to the run, each phase of the block's
//! check is named, memcpy and its kind are charged to their callers, and the one signature
//! recovery is found where it runs (the secp256k1 curve extension's multi-scalar multiplication).
//! `--guest-elf` runs another build of the guest in its place; a block picks its guest image by the
//! precompiles it calls, and `--image` overrides that.

mod common;

use std::path::Path;

use common::{ok, prover_cmd, s};
use serde_json::Value;

#[test]
fn the_profile_names_where_the_guests_instructions_go() {
    let witness = Path::new(env!("CARGO_MANIFEST_DIR")).join("../gevulot/tests/fixtures/execution/witness.json");
    let args =
        ["-q", "offline_prover", "--proof", "execution", "--execute-only", "--profile", "500", "-w", s(&witness)];
    let report: Value = serde_json::from_slice(&ok(prover_cmd(&args)).stdout).unwrap();
    let profile = &report["profile"];
    assert_eq!(
        (profile["instructions"].clone(), profile["every"].as_u64()),
        (report["instructions"].clone(), Some(500))
    );
    let phases = profile["phases"].as_array().unwrap();
    let sum: u64 = phases.iter().map(|p| p[1].as_u64().unwrap()).sum();
    assert_eq!(Some(sum), report["instructions"].as_u64(), "the phases add up to the run");
    let named =
        |what: &str| phases.iter().find(|p| p[0].as_str().unwrap().starts_with(what)).map(|p| p[1].as_u64().unwrap());
    assert!(named("signature recovery").is_some_and(|n| n > 10_000), "{profile:#}");
    assert!(named("tries").is_some() && named("EVM interpreter").is_some(), "{profile:#}");
    let functions = profile["functions"].as_array().unwrap();
    assert!(functions.iter().any(|f| f[0].as_str().unwrap().starts_with("memcpy <- ")), "{profile:#}");
    assert!(functions.iter().all(|f| f[0].as_str().unwrap() != "memcpy"), "memcpy is charged to its callers");

    // --profile goes with --execute-only only.
    let out =
        prover_cmd(&["-q", "offline_prover", "--proof", "execution", "--profile", "-w", s(&witness), "-p", "x.json"]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn another_guest_elf_runs_in_place_of_the_pinned_one() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let witness = root.join("gevulot/tests/fixtures/execution/witness.json");
    // The committed ELF is the pinned image: given as another guest, it runs the same.
    let elf = root.join("execution/guest/execution-guest.elf");
    let pinned = common::execute_only(&witness);
    let given = common::execute_only_with(&witness, &["--guest-elf", s(&elf)]);
    assert_eq!(given["instructions"], pinned["instructions"]);
    assert_eq!(given["commitment"], pinned["commitment"]);

    let run = |elf: &Path| {
        let args = ["-q", "offline_prover", "--proof", "execution", "--execute-only", "--guest-elf", s(elf), "-w"];
        prover_cmd(&[&args[..], &[s(&witness)]].concat())
    };
    for (elf, says) in [(witness.as_path(), "not a guest ELF"), (&root.join("no-such.elf"), "reading the guest ELF")] {
        let out = run(elf);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains(says) && !stderr.contains("panicked"), "{stderr}");
    }
    // Only the executor runs another guest: a proof of it would not verify.
    let args =
        ["-q", "offline_prover", "--proof", "execution", "--guest-elf", s(&elf), "-w", s(&witness), "-p", "x.json"];
    let out = prover_cmd(&args);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn the_block_picks_its_guest_image_and_image_overrides_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    // A storage clear calls no precompile: the base image.
    let base = common::execute_only(&root.join("gevulot/tests/fixtures/execution/witness.json"));
    assert_eq!((base["image"].as_str(), base["precompiles_called"].as_array().map(Vec::len)), (Some("base"), Some(0)));
    // One KZG point evaluation: the full image, BLS12-381 on extensions; in the base image the same
    // block runs to the same commitment, the pairing in plain RISC-V (many more instructions).
    let witness = root.join("gevulot/tests/fixtures/execution-full/witness.json");
    let full = common::execute_only(&witness);
    assert_eq!(full["image"].as_str(), Some("full"), "{full:#}");
    assert_eq!(full["precompiles_called"], serde_json::json!(["0x000000000000000000000000000000000000000a"]));
    let in_base = common::execute_only_with(&witness, &["--image", "base"]);
    assert_eq!((in_base["image"].as_str(), &in_base["commitment"]), (Some("base"), &full["commitment"]));
    assert!(in_base["instructions"].as_u64() > full["instructions"].as_u64().map(|n| 3 * n), "{in_base:#}");
    // An image that does not exist is a usage error.
    let args = ["-q", "offline_prover", "--proof", "execution", "--execute-only", "--image", "wide", "-w", s(&witness)];
    let out = prover_cmd(&args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("base or full"), "{stderr}");
}
