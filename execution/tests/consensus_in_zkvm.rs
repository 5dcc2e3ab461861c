//! A sample of the Ethereum consensus tests run in the zkVM executor with the pinned guest: every
//! block the native run accepts, the guest accepts with the same commitment; every block the native
//! run refuses (the InvalidBlocks cases), the guest refuses. The sample: the 81 ecrecover cases
//! (good, malformed, overflowing and unrecoverable signatures, through the guest's own secp256k1
//! recovery on the curve extension), every case that calls sha256 (on the SHA-2 extension in the
//! guest, revm's software on the host), RIPEMD-160, modexp or the identity precompile, or
//! precompiles by address (PRECOMPILE_CASES), the 10 EIP-7610 cases (a creation colliding with
//! storage alone: the guest's second run with the creation watch), the first case of every
//! category and three of every InvalidBlocks one, and three cases of each network of the forks
//! before Cancun (Paris, Shanghai, Shanghai to Cancun at a timestamp). `cargo test -p testkit --test consensus`
//! runs all 3,915 natively.

use execution::{ExecutionProver, ProverSettings};
use testkit::consensus::{category_files, load_cases, run_case_also, short_name, STORAGE_COLLISION_CASES};

/// Case names (lower case) that call precompiles: each such case runs the guest's precompiles
/// against revm's own on the host. blake2f is left out: its cases run up to millions of rounds,
/// in plain RISC-V in both.
const PRECOMPILE_CASES: &[&str] = &["ecrecover", "sha256", "ripemd", "modexp", "identit", "precompile"];

/// The consensus runner's second run: the block in the zkVM executor with the pinned guest of the
/// image its precompiles pick, as the prover picks it (from a native run that notes them).
fn in_the_zkvm(
    prover: &ExecutionProver,
) -> impl Fn(&stateless::StatelessInput) -> anyhow::Result<stateless::BlockCommitment> + '_ {
    move |input| Ok(prover.execute(prover.image_for_input(input), input, false)?.0)
}

#[test]
fn a_sample_of_consensus_cases_runs_in_the_zkvm_as_natively() {
    let prover = ExecutionProver::new(&ProverSettings::default());
    let second = in_the_zkvm(&prover);
    let dir = testkit::fixtures::path("blockchain-tests");
    let (mut cases, mut failures) = (0, Vec::new());
    for (category, path) in category_files(&dir).unwrap() {
        let firsts = if category.starts_with("InvalidBlocks") { 3 } else { 1 };
        for (i, (name, case)) in load_cases(&path).unwrap().iter().enumerate() {
            let lower = name.to_lowercase();
            let sampled = PRECOMPILE_CASES.iter().any(|p| lower.contains(p))
                || STORAGE_COLLISION_CASES.contains(&short_name(name));
            if i >= firsts && !sampled {
                continue;
            }
            let outcome = run_case_also(name, case, Some(&second));
            cases += 1;
            if let Err(e) = outcome.result {
                failures.push(format!("{category}: {name}: {e:#}"));
            }
        }
    }
    // Every other network: three cases of each (Paris, Shanghai, the Shanghai-to-Cancun transition).
    let mut per_network = std::collections::BTreeMap::<String, usize>::new();
    for (_, path) in category_files(&testkit::fixtures::path("blockchain-tests-forks")).unwrap() {
        for (name, case) in &load_cases(&path).unwrap() {
            let taken = per_network.entry(case["network"].as_str().unwrap_or_default().to_string()).or_default();
            if *taken == 3 {
                continue;
            }
            *taken += 1;
            cases += 1;
            if let Err(e) = run_case_also(name, case, Some(&second)).result {
                failures.push(format!("{name}: {e:#}"));
            }
        }
    }
    assert_eq!(per_network.keys().collect::<Vec<_>>(), ["Paris", "Shanghai", "ShanghaiToCancunAtTime15k"]);
    assert!(failures.is_empty(), "{} of {cases} cases:\n{}", failures.len(), failures.join("\n"));
    assert!(cases > 100, "{cases} cases");
    eprintln!("{cases} consensus cases ran in the zkVM executor as natively");
}

/// Blocks of precompile calls (testkit's precompile cases) run in the zkVM executor as natively and
/// as the execution specification (t8n) does: bn254's ecAdd, ecMul and ecPairing, which OpenVM's
/// curve and pairing extensions answer in the base guest and revm's arkworks natively (pairings
/// that hold and fail, points off the curve, G2 points outside the subgroup, coordinates at the
/// modulus); KZG point evaluations, which BLS12-381's extensions answer in the full guest and
/// c-kzg natively (proofs of random blobs, wrong values, points outside G1, non-canonical scalars,
/// the point at infinity); and P-256 signature checks (Osaka), which P-256's extensions answer in
/// the full guest and the p256 crate natively (signatures that hold, high-s ones, r or s out of
/// range, keys off the curve or at infinity); and EIP-2537's BLS12-381 additions, multi-scalar
/// multiplications and pairings (Prague), which BLS12-381's extensions answer in the full guest and
/// revm's arkworks code natively (points at infinity, off the curves, outside the subgroups,
/// coordinates at p, scalars above r, pairings that hold and fail) and maps to G1 and G2 (the
/// field's edges, elements not below p, the SWU map's exceptional elements); and modexp calls
/// (both images: the modular extension for bn254's and secp256k1's moduli, revm's aurora code for
/// the others, and aurora natively). The consensus fixtures have no such cases, and few modexps on those
/// moduli.
#[test]
fn precompile_calls_run_in_the_zkvm_as_natively_and_as_the_specification() {
    use testkit::differential::{precompile_case, run_also, Precompiles, T8n};
    let prover = ExecutionProver::new(&ProverSettings::default());
    let second = in_the_zkvm(&prover);
    let mut t8n = T8n::start().unwrap();
    // (precompiles, seed, transactions, calls each)
    use stateless::Fork::{Cancun, Osaka, Prague};
    let cases = [
        (Precompiles::Bn254, Cancun, 0, 2, 16),
        (Precompiles::Bn254, Cancun, 1, 2, 16),
        (Precompiles::PointEvaluation, Cancun, 0, 1, 6),
        (Precompiles::P256, Osaka, 0, 1, 32),
        (Precompiles::Bls12_381, Prague, 0, 1, 24),
        (Precompiles::Bls12_381Maps, Prague, 0, 1, 24),
        (Precompiles::Modexp, Prague, 0, 1, 32),
        (Precompiles::Modexp, Osaka, 1, 1, 32),
    ];
    for (precompiles, fork, seed, transactions, calls) in cases {
        let case = precompile_case(seed, fork, precompiles, transactions, calls);
        if let Err(d) = run_also(&mut t8n, &case, &second).unwrap().result {
            panic!("{precompiles:?} seed {seed}: {}\n{}", d.reason, d.fixture);
        }
    }
}
