//! Differential tests against the Ethereum execution specification (testkit/src/differential):
//! generated cases under Paris, Shanghai, Cancun, Prague and Osaka, each run through the
//! specification's t8n (PyPI ethereum-execution, installed by scripts/install-test-deps.sh) and
//! through the stateless re-execution; they must agree on every block, and every transaction t8n
//! rejects must make the block refused here, for that transaction. A wrong answer is caught.
//! `cargo run --release -p testkit --bin differential -- --cases 10000` is the long run.

use stateless::Fork;
use testkit::differential::{case, feature_names, precompile_case, run, run_changed, Precompiles, T8n};

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

/// Blocks of precompile calls that reach past the first checks (testkit's precompile cases): bn254
/// (pairings that hold and fail, points off the curve, G2 points outside the subgroup) and the KZG
/// point evaluation (proofs of random blobs made with c-kzg, wrong values, points outside G1,
/// non-canonical scalars), P-256, EIP-2537's (its maps to the curves too), and modexp (odd moduli
/// to 32 bytes, and the moduli its fast path in the guest leaves to revm's code). revm's answers
/// are the specification's, and the calls do what they are for: some succeed, some fail, some
/// pairings hold. execution/tests/consensus_in_zkvm.rs runs the same blocks in the zkVM guest.
#[test]
fn precompile_calls_agree_with_the_specification() {
    let mut t8n = T8n::start().unwrap();
    let families = [
        (Precompiles::Bn254, Fork::Cancun, 0..3),
        (Precompiles::PointEvaluation, Fork::Cancun, 0..2),
        (Precompiles::P256, Fork::Osaka, 0..2),
        (Precompiles::Bls12_381, Fork::Prague, 0..3),
        (Precompiles::Bls12_381Maps, Fork::Prague, 0..2),
        (Precompiles::Modexp, Fork::Prague, 0..2),
        (Precompiles::Modexp, Fork::Osaka, 0..1),
    ];
    for (precompiles, fork, seeds) in families {
        let (mut succeeded, mut failed, mut held) = (0, 0, 0);
        for seed in seeds {
            let case = precompile_case(seed, fork, precompiles, 2, 16);
            let storage = std::cell::RefCell::new(serde_json::Value::Null);
            let contract = format!("{:#x}", testkit::differential::precompile_contract());
            let outcome = run_changed(&mut t8n, &case, |answer| {
                *storage.borrow_mut() = answer["alloc"][&contract]["storage"].clone();
            })
            .unwrap();
            assert_eq!((outcome.included, outcome.rejected), (2, 0));
            if let Err(d) = outcome.result {
                panic!("{precompiles:?} seed {seed}: {}\n{}", d.reason, d.fixture);
            }
            // Three slots a call: whether it succeeded, the size returned, the first word returned.
            let word = |slot: usize| {
                let storage = storage.borrow();
                let value = storage.as_object().and_then(|s| s.iter().find(|(k, _)| parse(k) == slot as u64));
                value.map_or(0, |(_, v)| parse(v.as_str().unwrap()))
            };
            for call in 0..16 {
                match (word(3 * call), word(3 * call + 1), word(3 * call + 2)) {
                    (0, _, _) => failed += 1,
                    // ecPairing's and P-256's true; the point evaluation's 4096 (FIELD_ELEMENTS_PER_BLOB).
                    (_, 32, 1) | (_, 64, 4096) => (succeeded, held) = (succeeded + 1, held + 1),
                    _ => succeeded += 1,
                }
            }
        }
        // P-256's check never fails a call: a signature that does not hold returns nothing.
        // modexp has nothing to refuse or hold: every call within its gas succeeds.
        let summary = format!("{precompiles:?}: {succeeded} calls succeeded ({held} held), {failed} failed");
        match precompiles {
            Precompiles::Modexp => assert!(succeeded > 8 && failed == 0, "{summary}"),
            Precompiles::P256 => assert!(succeeded - held > 3 && held > 3, "{summary}"),
            // A map answers a point or fails: nothing holds.
            Precompiles::Bls12_381Maps => assert!(succeeded > 8 && failed > 3, "{summary}"),
            _ => assert!(succeeded > 8 && failed > 3 && held > 3, "{summary}"),
        }
        eprintln!(
            "{precompiles:?}: {succeeded} calls succeeded ({held} held), {failed} failed, as the specification says"
        );
    }
}

/// A storage key or value of t8n's answer (0x and hex), as a u64; larger words (a curve point's
/// coordinate) saturate, which the counts above only need to tell from 0, 1, 32, 64 and 4096.
fn parse(hex: &str) -> u64 {
    hex.parse::<alloy_primitives::U256>().expect("t8n writes storage as 0x and hex").saturating_to()
}
