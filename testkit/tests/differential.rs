//! Differential tests against the Ethereum execution specification (testkit/src/differential):
//! generated cases under Paris, Shanghai, Cancun, Prague and Osaka, each run through the
//! specification's t8n (PyPI ethereum-execution, installed by scripts/install-test-deps.sh) and
//! through the stateless re-execution; they must agree on every block, and every transaction t8n
//! rejects must make the block refused here, for that transaction. A wrong answer is caught.
//! `cargo run --release -p testkit --bin differential -- --cases 10000` is the long run.

use stateless::Fork;
use testkit::differential::{case, feature_names, run, run_changed, T8n};

const PER_FORK: u64 = 200;

#[test]
fn generated_cases_agree_with_the_specification_under_every_fork() {
    let mut t8n = T8n::start().unwrap();
    let mut failures = Vec::new();
    let mut features = std::collections::BTreeMap::<String, u64>::new();
    let (mut included, mut rejected) = (0, 0);
    for fork in [Fork::Paris, Fork::Shanghai, Fork::Cancun, Fork::Prague, Fork::Osaka] {
        for seed in 0..PER_FORK {
            let case = case(1_000 + seed, fork);
            let outcome = run(&mut t8n, &case).unwrap();
            included += outcome.included;
            rejected += outcome.rejected;
            for feature in &case.features {
                *features.entry(feature.clone()).or_default() += 1;
            }
            if let Err(d) = outcome.result {
                failures.push(format!("{} seed {}: {}\n{}", fork.name(), case.seed, d.reason, d.fixture));
            }
        }
    }
    assert!(failures.is_empty(), "{} disagreements:\n{}", failures.len(), failures.join("\n\n"));
    // Every feature, in enough cases to mean something; both kinds of transactions.
    for feature in feature_names() {
        let n = features.get(&feature).copied().unwrap_or(0);
        assert!(n >= 20, "feature {feature} in {n} cases only: {features:?}");
    }
    assert!(included > 1_000 && rejected > 200, "{included} transactions included, {rejected} rejected");
    eprintln!("{} cases agree: {included} transactions included, {rejected} rejected by both", 5 * PER_FORK);
}

#[test]
fn a_wrong_answer_from_the_specification_is_a_disagreement() {
    let mut t8n = T8n::start().unwrap();
    let case = case(7, Fork::Prague);
    for (field, words) in
        [("stateRoot", "stateRoot is"), ("receiptsRoot", "receipts root"), ("logsBloom", "logsBloom is")]
    {
        let outcome = run_changed(&mut t8n, &case, |answer| {
            let value = answer["result"][field].as_str().unwrap().to_string();
            let flipped = if value.ends_with('0') { "1" } else { "0" };
            answer["result"][field] = format!("{}{flipped}", &value[..value.len() - 1]).into();
        })
        .unwrap();
        let d = outcome.result.expect_err(field);
        assert!(d.reason.contains(words), "{field}: {}", d.reason);
        assert_eq!(d.fixture["network"], "Prague");
        assert!(d.fixture["blocks"][0]["rlp"].as_str().unwrap().starts_with("0x"));
    }
}

/// geth's `evm t8n`, the second oracle a disagreement is shown to, reads the same input and reaches
/// the specification's state root (one case of each fork).
#[test]
fn the_second_oracle_reads_the_same_cases() {
    for fork in [Fork::Paris, Fork::Shanghai, Fork::Cancun, Fork::Prague, Fork::Osaka] {
        let (root, same) = testkit::differential::second_opinion(&case(3, fork)).unwrap();
        assert!(same, "{}: geth's state root {root} is not the specification's", fork.name());
    }
}
