//! `offline_prover --proof execution --execute-only --profile`: where the guest's instructions go,
//! for the committed 1-transaction block. The samples add up to the run, each phase of the block's
//! check is named, memcpy and its kind are charged to their callers, and the one signature
//! recovery is found where it runs (the secp256k1 curve extension's multi-scalar multiplication).

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
