//! The native checks against real mainnet data (../shared/fixtures): zeth's recorded blocks from
//! Paris to Cancun, and archors' block 17193183 with 232 accounts and 1036 slots.

mod common;

use alloy_primitives::{keccak256, Bytes, U256};
use testkit::fixtures::{self, ZethCache, ZETH_BLOCKS};
use witness::{check_witness, from_rpc, mpt::verify_account, StateSide, WitnessError, WitnessFile};

fn zeth_witness(i: usize) -> WitnessFile {
    let (file, number) = ZETH_BLOCKS[i];
    common::witness_from_zeth(&ZethCache::load(file).unwrap(), number)
}

#[test]
fn every_zeth_block_checks_natively() {
    for (i, (file, number)) in ZETH_BLOCKS.iter().enumerate() {
        let w = zeth_witness(i);
        let checked = check_witness(&w).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(checked.header.header.number, *number);
        assert_eq!(checked.parent.header.number, number - 1);
        assert!(w.block.pre_state.len() > 80, "{file}: {} accounts", w.block.pre_state.len());
        assert!(!w.block.transactions.is_empty());
    }
}

#[test]
fn geth_empty_proof_entries_are_present_and_accepted() {
    // Block 21230867 was recorded from geth 1.14.11, which puts empty `0x` entries into proofs.
    let w = zeth_witness(3);
    let with_empty =
        w.block.pre_state.iter().flat_map(|a| &a.storage).filter(|s| s.proof.iter().any(|n| n.is_empty())).count();
    assert!(with_empty >= 10, "only {with_empty} storage proofs with empty entries");
    check_witness(&w).unwrap();
}

#[test]
fn header_hashes_are_rebuilt_for_every_fork() {
    // (parent, block): Paris has London's baseFee, Shanghai adds withdrawalsRoot, Cancun blob gas
    // and the beacon root; 19426587 is the first Cancun block.
    let expected_fields = [(16, 16), (17, 17), (17, 20), (20, 20)];
    for (i, (file, number)) in ZETH_BLOCKS.iter().enumerate() {
        let cache = ZethCache::load(file).unwrap();
        for (n, expected) in [(number - 1, expected_fields[i].0), (*number, expected_fields[i].1)] {
            let raw = from_rpc::header_only(cache.block(n).unwrap()).unwrap();
            let checked = raw.check().unwrap_or_else(|e| panic!("{file} block {n}: {e}"));
            let rlp = raw.rlp().unwrap();
            assert_eq!(keccak256(&rlp), checked.hash);
            let fields = alloy_rlp::Header::decode(&mut &rlp[..]).unwrap();
            assert!(fields.list);
            let count = witness::header::RLP_FIELDS.iter().filter(|f| raw.get(f).is_some()).count();
            assert_eq!(count, expected, "{file} block {n}");
        }
    }
}

#[test]
fn archors_block_proofs_check_against_parent_and_block_state_roots() {
    let proofs = fixtures::load_json("mainnet-archors/17193183_prior_block_state_proofs.decoded.json.gz").unwrap();
    let first = proofs["proofs"].as_object().unwrap().values().next().unwrap();
    // The README gives the root only abbreviated; take it from the first account proof's root node.
    let root_node: Bytes = first["accountProof"][0].as_str().unwrap().parse().unwrap();
    let root = keccak256(&root_node);
    assert!(root.to_string().starts_with("0x491971b2"), "root {root}");
    assert!(root.to_string().ends_with("3ac7"), "root {root}");

    let mut slots = 0;
    let accounts = proofs["proofs"].as_object().unwrap();
    assert_eq!(accounts.len(), 232);
    for result in accounts.values() {
        let account = from_rpc::account_proof(result).unwrap();
        verify_account(StateSide::Pre, root, &account).unwrap_or_else(|e| panic!("{e}"));
        slots += account.storage.len();
    }
    assert_eq!(slots, 1036);

    let block = fixtures::load_json("mainnet-archors/17193183_block_with_transactions.json").unwrap();
    let parts = from_rpc::block_parts(&block).unwrap();
    let header = parts.header.check().unwrap();
    assert_eq!(parts.transactions.len(), 100);
    let post = fixtures::load_json("mainnet-archors/17193183_block_state_proofs.json.gz").unwrap();
    let post = post["proofs"].as_object().unwrap();
    assert_eq!(post.len(), 88);
    for result in post.values() {
        let account = from_rpc::account_proof(result).unwrap();
        verify_account(StateSide::Post, header.header.state_root, &account).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn a_changed_account_value_is_named_in_the_error() {
    let mut w = zeth_witness(1);
    let victim = w.block.pre_state[7].address;
    w.block.pre_state[7].balance += U256::from(1);
    match check_witness(&w) {
        Err(WitnessError::AccountProof { side: StateSide::Pre, address, .. }) => assert_eq!(address, victim),
        other => panic!("expected an account proof error, got {other:?}"),
    }
}

#[test]
fn a_changed_slot_value_is_named_in_the_error() {
    let mut w = zeth_witness(1);
    let (i, _) = w.block.post_state.iter().enumerate().find(|(_, a)| !a.storage.is_empty()).unwrap();
    let account = &mut w.block.post_state[i];
    account.storage[0].value += U256::from(1);
    let (victim, slot) = (account.address, account.storage[0].key);
    let err = check_witness(&w).unwrap_err();
    match &err {
        WitnessError::StorageProof { side: StateSide::Post, address, slot: s, .. } => {
            assert_eq!((*address, *s), (victim, slot));
            let text = err.to_string();
            assert!(text.contains(&victim.to_string()) && text.contains(&slot.to_string()), "{text}");
        }
        other => panic!("expected a storage proof error, got {other:?}"),
    }
}

#[test]
fn a_flipped_proof_byte_is_rejected() {
    let mut w = zeth_witness(2);
    let node = &mut w.block.pre_state[3].proof[1];
    let mut bytes = node.to_vec();
    bytes[40] ^= 1;
    *node = bytes.into();
    assert!(matches!(check_witness(&w), Err(WitnessError::AccountProof { .. })));
}

#[test]
fn a_changed_header_field_breaks_the_hash() {
    let mut w = zeth_witness(0);
    w.block.header.fields.insert("gasUsed".into(), "0x1".into());
    assert!(matches!(check_witness(&w), Err(WitnessError::HeaderHash { .. })));
}

#[test]
fn an_unknown_header_field_is_named_when_the_hash_fails() {
    let mut w = zeth_witness(0);
    w.block.header.fields.insert("futureRoot".into(), "0x01".into());
    w.block.header.fields.insert("gasUsed".into(), "0x1".into());
    let text = check_witness(&w).unwrap_err().to_string();
    assert!(text.contains("futureRoot"), "{text}");
}

#[test]
fn a_wrong_parent_is_rejected() {
    let mut w = zeth_witness(3);
    let other = zeth_witness(2);
    w.block.ancestors = other.block.ancestors;
    assert!(matches!(check_witness(&w), Err(WitnessError::Link { .. })));
}

#[test]
fn a_dropped_or_reordered_transaction_breaks_the_transactions_root() {
    let mut w = zeth_witness(3);
    w.block.transactions.swap(0, 1);
    assert!(matches!(check_witness(&w), Err(WitnessError::BodyRoot { what: "transactions", .. })));
    let mut w = zeth_witness(3);
    w.block.withdrawals.pop();
    assert!(matches!(check_witness(&w), Err(WitnessError::BodyRoot { what: "withdrawals", .. })));
}

#[test]
fn missing_or_wrong_code_is_rejected() {
    let mut w = zeth_witness(3);
    let (&hash, _) = w.block.codes.iter().next().unwrap();
    let code = w.block.codes.remove(&hash).unwrap();
    assert!(matches!(check_witness(&w), Err(WitnessError::MissingCode { code_hash, .. }) if code_hash == hash));
    let mut bad = code.to_vec();
    bad[0] ^= 1;
    w.block.codes.insert(hash, Bytes::from(bad));
    assert!(matches!(check_witness(&w), Err(WitnessError::CodeHash { .. })));
}

#[test]
fn post_state_must_cover_the_same_accounts() {
    let mut w = zeth_witness(0);
    w.block.post_state.pop();
    assert!(matches!(check_witness(&w), Err(WitnessError::Coverage { .. })));
}

#[test]
fn every_zeth_block_reexecutes_to_its_state_root() {
    for (i, (file, number)) in ZETH_BLOCKS.iter().enumerate() {
        let w = zeth_witness(i);
        let start = std::time::Instant::now();
        let (_, executed) = witness::execution::reexecute(&w).unwrap_or_else(|e| panic!("{file}: {e}"));
        let c = executed.commitment;
        assert_eq!(c.number, *number);
        assert_eq!(c.hash, w.block_hash);
        assert_eq!(c.chain_id, 1);
        eprintln!("{file}: {} txs, gas {}, {:?} in {:?}", c.transactions, c.gas_used, c.fork, start.elapsed());
    }
}

#[test]
fn edits_found_by_one_value_mutation_are_refused_by_name() {
    let w = zeth_witness(3);
    // The chain id the block is executed with is the one its typed transactions carry.
    let mut bad = w.clone();
    bad.chain_id = 5;
    assert!(matches!(check_witness(&bad), Err(WitnessError::ChainId { index: 0, tx_chain_id: 1, chain_id: 5 })));

    // A post-state slot moved to another key: its exclusion proof still checks on its own.
    // Find another key the same exclusion proof proves absent, as a one-value edit can.
    let mut bad = w.clone();
    // The zero slot with the shortest proof: another key that takes the same path of branches is
    // proven absent by it too; such keys are found by trying keys whose hashed path starts alike.
    let (ai, si) = bad
        .block
        .post_state
        .iter()
        .enumerate()
        .flat_map(|(ai, a)| {
            a.storage.iter().enumerate().filter(|(_, s)| s.value.is_zero()).map(move |(si, _)| (ai, si))
        })
        .min_by_key(|(ai, si)| bad.block.post_state[*ai].storage[*si].proof.len())
        .unwrap();
    let original = keccak256(bad.block.post_state[ai].storage[si].key);
    let nibbles = bad.block.post_state[ai].storage[si].proof.iter().filter(|n| !n.is_empty()).count();
    let same_prefix = |path: &alloy_primitives::B256| {
        (0..nibbles).all(|i| (path[i / 2] >> (4 * (1 - i % 2))) & 0xf == (original[i / 2] >> (4 * (1 - i % 2))) & 0xf)
    };
    let moved = (0u64..50_000_000)
        .map(|i| alloy_primitives::B256::from(U256::from(i)))
        .filter(|key| *key != bad.block.post_state[ai].storage[si].key && same_prefix(&keccak256(key)))
        .find(|key| {
            let mut account = bad.block.post_state[ai].clone();
            account.storage[si].key = *key;
            let root = bad.block.header.decode().unwrap().state_root;
            verify_account(StateSide::Post, root, &account).is_ok()
        })
        .expect("some other key is proven absent by the same proof");
    bad.block.post_state[ai].storage[si].key = moved;
    let err = check_witness(&bad).unwrap_err();
    assert!(matches!(err, WitnessError::SlotCoverage { side: StateSide::Post, .. }), "{err}");

    // Node metadata no hash covers is refused, naming the field.
    for field in ["totalDifficulty", "size"] {
        let mut bad = w.clone();
        bad.block.header.fields.insert(field.into(), "0x1234".into());
        let err = check_witness(&bad).unwrap_err();
        assert!(err.to_string().contains(&format!("field `{field}`")), "{err}");
    }
}

#[test]
fn reexecution_refuses_a_changed_input_naming_what() {
    use stateless::{execute_block, StatelessError};
    let w = zeth_witness(1);
    let (input, executed) = witness::execution::reexecute(&w).unwrap();
    assert_eq!(executed.commitment.state_root, input.header.state_root);

    // A header value the execution computes.
    for (field, edit) in [
        ("stateRoot", (|i: &mut stateless::StatelessInput| i.header.state_root.0[0] ^= 1) as fn(&mut _)),
        ("gasUsed", |i| i.header.gas_used -= 1),
    ] {
        let mut bad = input.clone();
        edit(&mut bad);
        match execute_block(&bad) {
            Err(StatelessError::Mismatch { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{field}: {other:?}"),
        }
    }
    let mut bad = input.clone();
    bad.header.receipts_root.0[0] ^= 1;
    assert!(matches!(execute_block(&bad), Err(StatelessError::BodyRoot { what: "receipts", .. })));

    // A transaction byte.
    let mut bad = input.clone();
    let mut tx = bad.transactions[0].to_vec();
    *tx.last_mut().unwrap() ^= 1;
    bad.transactions[0] = tx.into();
    assert!(matches!(execute_block(&bad), Err(StatelessError::BodyRoot { what: "transactions", .. })));

    // A trie node the block reads: what is left cannot stand for it.
    let mut bad = input.clone();
    bad.nodes.retain(|n| keccak256(n) != input.ancestors[0].state_root);
    match execute_block(&bad) {
        Err(StatelessError::Transaction { reason, .. }) => assert!(reason.contains("not in the witness"), "{reason}"),
        Err(StatelessError::Execution(reason)) => assert!(reason.contains("not in the witness"), "{reason}"),
        other => panic!("{other:?}"),
    }
    // A node's bytes changed: it is another node, so the one asked for is missing.
    let mut bad = input.clone();
    for node in &mut bad.nodes {
        let mut bytes = node.to_vec();
        *bytes.last_mut().unwrap() ^= 1;
        *node = bytes.into();
    }
    assert!(execute_block(&bad).is_err());
    // A code byte.
    let mut bad = input.clone();
    let mut code = bad.codes[0].to_vec();
    code[0] ^= 1;
    bad.codes[0] = code.into();
    assert!(execute_block(&bad).is_err());
}
