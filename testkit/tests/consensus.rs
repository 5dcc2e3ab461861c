//! Every Ethereum consensus test case in ../shared/fixtures/blockchain-tests and
//! blockchain-tests-forks (every post-merge network they hold), re-executed natively
//! with the stateless code the guest runs: valid blocks reach the expected post-state root and
//! last block hash, invalid ones are refused.

use stateless::Fork;
use testkit::consensus::{category_files, run_file, short_name, Network, STORAGE_COLLISION_CASES};

/// Runs every case of a fixtures folder: (cases, blocks accepted, invalid blocks refused, the
/// EIP-7610 cases passed, the failures).
fn run_folder(folder: &str) -> (usize, usize, usize, usize, Vec<String>) {
    let dir = testkit::fixtures::path(folder);
    let (mut cases, mut refused, mut accepted, mut collisions_passed) = (0, 0, 0, 0);
    let mut failures = Vec::new();
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
    (cases, accepted, refused, collisions_passed, failures)
}

#[test]
fn every_consensus_case_passes() {
    let (cases, accepted, refused, collisions_passed, failures) = run_folder("blockchain-tests");
    assert!(failures.is_empty(), "{} of {cases} cases fail:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(collisions_passed, STORAGE_COLLISION_CASES.len(), "the EIP-7610 cases are all in the fixtures");
    assert_eq!(cases, 3609, "the fixtures hold 3,609 cases");
    assert!(accepted > 3500 && refused > 60, "{accepted} blocks accepted, {refused} refused");
    eprintln!("{cases} cases: {accepted} blocks re-executed, {refused} invalid blocks refused");
}

/// The post-merge forks before Cancun: 70 Paris, 217 Shanghai and 19 ShanghaiToCancunAtTime15k
/// cases (the fork changes inside the test's chain), each block under its own fork.
#[test]
fn every_case_of_the_forks_before_cancun_passes() {
    let (cases, accepted, refused, _, failures) = run_folder("blockchain-tests-forks");
    assert!(failures.is_empty(), "{} of {cases} cases fail:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(cases, 306, "the fixtures hold 306 cases");
    eprintln!("{cases} cases: {accepted} blocks re-executed, {refused} invalid blocks refused");
}

#[test]
fn networks_are_read_with_their_transitions_and_pre_merge_ones_are_refused() {
    let n = Network::parse("ShanghaiToCancunAtTime15k").unwrap();
    assert_eq!((n.fork_at(14_999), n.fork_at(15_000)), (Fork::Shanghai, Fork::Cancun));
    let n = Network::parse("PragueToOsakaAtTime15k").unwrap();
    assert_eq!((n.fork_at(0), n.fork_at(20_000)), (Fork::Prague, Fork::Osaka));
    assert_eq!(Network::parse("Prague").unwrap().fork_at(99_999), Fork::Prague);
    for refused in ["London", "Berlin", "CancunToShanghaiAtTime15k", "Cancun2"] {
        let e = Network::parse(refused).unwrap_err().to_string();
        assert!(e.contains(refused) && e.contains("Paris to Osaka"), "{e}");
    }
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
