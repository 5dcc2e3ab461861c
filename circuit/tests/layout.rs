//! Splitting a real mainnet witness into fixed-capacity chunks (no proving: fast).

use std::collections::BTreeSet;

use alloy_primitives::{Address, B256};
use circuit::{chunks, instances, layout::padding_slot, public_values, CapacityClass};
use testkit::{fixtures::ZethCache, replay::ReplayNode};
use witness::{
    capture::{capture, CaptureOptions, Silent},
    rpc::{RpcClient, RpcConfig},
};

#[test]
fn every_proven_account_and_slot_lands_in_exactly_the_chunks_of_its_class() {
    let (fixture, number) = testkit::fixtures::ZETH_BLOCKS[3];
    let server = ReplayNode::new(ZethCache::load(fixture).unwrap()).serve(0).unwrap();
    let client = RpcClient::new(&server.url, RpcConfig::default());
    let w = capture(&client, &CaptureOptions::new(number, 1), &Silent).unwrap().witness;
    let checked = witness::check_witness(&w).unwrap();

    for class in [CapacityClass::TINY, CapacityClass::SMALL] {
        let chunks = chunks(&w, &checked, class).unwrap();
        let mut accounts = BTreeSet::<Address>::new();
        let mut slots = BTreeSet::<(Address, B256)>::new();
        for c in &chunks {
            assert_eq!((c.accounts.len(), c.slots.len()), (class.accounts, class.slots), "exact shape");
            assert_eq!(instances(c, w.block_hash).len(), class.num_instances());
            accounts.extend(c.accounts.iter().map(|a| a.address));
            for s in c.slots.iter().filter(|s| s.account < class.accounts) {
                slots.insert((c.accounts[s.account].address, s.key));
            }
            for s in c.slots.iter().filter(|s| s.account == class.accounts) {
                assert_eq!(s.key, padding_slot(class).key);
            }
        }
        let want_accounts: BTreeSet<_> = w.block.pre_state.iter().map(|a| a.address).collect();
        let want_slots: BTreeSet<_> =
            w.block.pre_state.iter().flat_map(|a| a.storage.iter().map(move |s| (a.address, s.key))).collect();
        assert_eq!(accounts, want_accounts, "{class:?}");
        assert_eq!(slots, want_slots, "{class:?}");
        // What the instances say, decoded, is the witness's pre-state.
        for c in &chunks {
            let stated = public_values::decode(&class, &instances(c, w.block_hash)).unwrap();
            assert_eq!(stated.block_hash, w.block_hash);
            for a in &stated.accounts {
                let want = w.block.pre_state.iter().find(|p| p.address == a.address).unwrap();
                assert_eq!((a.nonce, a.balance), (want.nonce, want.balance), "{}", a.address);
                if a.exists {
                    assert_eq!((a.storage_root, a.code_hash), (want.storage_root, want.code_hash));
                } else {
                    assert!(want.is_empty_account(), "{} proven absent", a.address);
                }
            }
            for s in &stated.slots {
                let account = w.block.pre_state.iter().find(|p| p.address == s.address).unwrap();
                let want = account.storage.iter().find(|p| p.key == s.key).unwrap();
                assert_eq!((s.value, s.exists), (want.value, !want.value.is_zero()));
            }
        }
        // No chunk is wasted: only the last of a run can be short of real slots and accounts.
        assert!(chunks.len() <= w.block.pre_state.len() + want_slots.len() / class.slots + 1);
    }
}

#[test]
fn keccak_capacity_covers_a_full_chunk() {
    // 2 headers of at most ~700 bytes (6 keccak_f each); per proof, 1 key hash and 4 keccak_f per
    // node of at most 532 bytes.
    for class in CapacityClass::all() {
        let needed =
            2 * 6 + class.accounts * (1 + class.account_depth * 4) + class.slots * (1 + class.storage_depth * 4);
        assert!(class.keccak_capacity() >= needed, "{class:?}");
    }
}
