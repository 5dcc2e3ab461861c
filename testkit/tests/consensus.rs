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

/// A blob transaction in its network form (its blobs, commitments and proofs around it) inside a
/// block body is refused, as clients refuse it, though alloy decodes it: a Cancun case's blob
/// transaction rewritten so, with the transactions root that form gives.
#[test]
fn a_blob_transaction_in_its_network_form_in_a_block_is_refused() {
    use alloy_consensus::{BlobTransactionSidecar, Block, TxEip4844Variant, TxEip4844WithSidecar, TxEnvelope};
    use alloy_eips::eip2718::Encodable2718;
    use alloy_rlp::{Decodable, Encodable};

    let path = testkit::fixtures::path("blockchain-tests").join("GeneralStateTests-Cancun.json.gz");
    let cases = testkit::consensus::load_cases(&path).unwrap();
    let (name, mut case, mut block) = cases
        .iter()
        .find_map(|(name, case)| {
            let rlp: alloy_primitives::Bytes = case["blocks"][0]["rlp"].as_str()?.parse().ok()?;
            let block = Block::<TxEnvelope>::decode(&mut rlp.as_ref()).ok()?;
            let blob = block.body.transactions.iter().any(|t| matches!(t, TxEnvelope::Eip4844(_)));
            (blob && case["blocks"][0].get("expectException").is_none()).then(|| (name.clone(), case.clone(), block))
        })
        .expect("a Cancun case with a blob transaction");
    assert!(testkit::consensus::run_case(&name, &case).result.is_ok(), "{name} passes as it is");

    let sidecar = BlobTransactionSidecar {
        blobs: vec![Default::default()],
        commitments: vec![Default::default()],
        proofs: vec![Default::default()],
    };
    for tx in block.body.transactions.iter_mut() {
        if let TxEnvelope::Eip4844(signed) = tx {
            let plain = signed.tx().tx().clone();
            let wrapped = TxEip4844Variant::TxEip4844WithSidecar(TxEip4844WithSidecar {
                tx: plain,
                sidecar: sidecar.clone().into(),
            });
            *tx = TxEnvelope::Eip4844(alloy_consensus::Signed::new_unhashed(wrapped, *signed.signature()));
        }
    }
    block.header.transactions_root =
        alloy_consensus::proofs::ordered_trie_root_with_encoder(&block.body.transactions, |t, out| t.encode_2718(out));
    let mut rlp = Vec::new();
    block.encode(&mut rlp);
    case["blocks"] = serde_json::json!([{ "rlp": format!("0x{}", alloy_primitives::hex::encode(&rlp)), "expectException": "network form" }]);
    case["lastblockhash"] = case["genesisBlockHeader"]["hash"].clone();
    case.as_object_mut().unwrap().remove("postState");
    let outcome = testkit::consensus::run_case(&name, &case);
    assert!(outcome.result.is_ok(), "{:?}", outcome.result);
    let reason = &outcome.refused.first().expect("the block is refused").reason;
    assert!(reason.contains("network form"), "{reason}");
}
