//! Every Ethereum consensus test case in ../shared/fixtures/blockchain-tests, re-executed natively
//! with the stateless code the guest runs: valid blocks reach the expected post-state root and
//! last block hash, invalid ones are refused.

use testkit::consensus::{category_files, run_file, short_name, STORAGE_COLLISION_CASES};

#[test]
fn every_consensus_case_passes() {
    let dir = testkit::fixtures::path("blockchain-tests");
    let (mut cases, mut refused, mut accepted) = (0, 0, 0);
    let mut failures = Vec::new();
    let mut collisions_passed = 0;
    // An invalid block that is accepted fails its case in the runner.
    for (_, path) in category_files(&dir).unwrap() {
        for outcome in run_file(&path).unwrap() {
            cases += 1;
            accepted += outcome.accepted;
            refused += outcome.refused.len();
            let collision = STORAGE_COLLISION_CASES.contains(&short_name(&outcome.name));
            match &outcome.result {
                Ok(()) => collisions_passed += usize::from(collision),
                Err(e) => {
                    failures.push(format!("{}{}: {e:#}", outcome.name, if collision { " (EIP-7610)" } else { "" }))
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} of {cases} cases fail:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(collisions_passed, STORAGE_COLLISION_CASES.len(), "the EIP-7610 cases are all in the fixtures");
    assert_eq!(cases, 3609, "the fixtures hold 3,609 cases");
    assert!(accepted > 3500 && refused > 60, "{accepted} blocks accepted, {refused} refused");
    eprintln!("{cases} cases: {accepted} blocks re-executed, {refused} invalid blocks refused");
}

#[test]
fn invalid_blocks_are_refused_with_a_reason() {
    let dir = testkit::fixtures::path("blockchain-tests");
    let path = dir.join("InvalidBlocks-bcEIP1559.json.gz");
    let outcomes = run_file(&path).unwrap();
    let refusals: Vec<_> = outcomes.iter().flat_map(|o| &o.refused).collect();
    let base_fee = refusals.iter().find(|r| r.expected.contains("INVALID_BASEFEE_PER_GAS")).unwrap();
    assert!(base_fee.reason.contains("baseFeePerGas"), "{}", base_fee.reason);
    let gas_limit = refusals.iter().find(|r| r.expected.contains("INVALID_GASLIMIT")).unwrap();
    assert!(gas_limit.reason.contains("gasLimit"), "{}", gas_limit.reason);
}
