//! Recorded anvil blocks (../shared/fixtures/anvil) for three hardforks, incl. post-Pectra headers
//! with requestsHash: the header RLP, the body roots, the prestate trace and the parent proofs.

use witness::{capture::touched, from_rpc, mpt::verify_account, StateSide};

#[test]
fn anvil_headers_of_every_hardfork_rehash_and_proofs_check() {
    for name in testkit::fixtures::ANVIL_WITNESSES {
        let f = testkit::fixtures::load_json(name).unwrap();
        let block = from_rpc::block_parts(&f["block"]).unwrap();
        let header = block.header.check().unwrap_or_else(|e| panic!("{name}: {e}"));
        let parent = from_rpc::header_only(&f["parent"]).unwrap().check().unwrap();
        assert_eq!(header.header.parent_hash, parent.hash);
        let post_pectra = !name.contains("cancun");
        assert_eq!(header.header.requests_hash.is_some(), post_pectra, "{name}");
        assert_eq!(block.transactions.len(), 5, "{name}");

        let traced = touched::from_prestate_trace(&f["prestate"], block.transactions.len()).unwrap();
        let proofs = f["proofs_at_parent"].as_object().unwrap();
        for result in proofs.values() {
            let account = from_rpc::account_proof(result).unwrap();
            verify_account(StateSide::Pre, parent.header.state_root, &account)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(traced.contains_key(&account.address), "{name}: {} proven but not traced", account.address);
        }
        // The block writes and clears slots of the store contract.
        let slots: usize = traced.values().map(|s| s.len()).sum();
        assert!(slots >= 3, "{name}: {slots} slots traced");
    }
}
