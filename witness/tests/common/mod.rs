//! Builds witnesses straight from recorded node answers (no RPC), to test the checks on real data.

#![allow(dead_code)]

use std::collections::BTreeMap;

use alloy_primitives::{keccak256, Bytes};
use testkit::fixtures::ZethCache;
use witness::{from_rpc, AccountProof, BlockWitness, WitnessFile};

pub fn witness_from_zeth(cache: &ZethCache, number: u64) -> WitnessFile {
    let block = from_rpc::block_parts(cache.block(number).expect("block recorded")).expect("block parses");
    let parent = from_rpc::header_only(cache.block(number - 1).expect("parent recorded")).expect("parent parses");
    let proofs =
        |n| -> Vec<_> { cache.proofs_at(n).map(|p| from_rpc::account_proof(p).expect("proof parses")).collect() };
    let codes: BTreeMap<_, _> = cache
        .codes
        .iter()
        .filter(|(n, _, _)| *n == number - 1)
        .map(|(_, _, hex)| hex.parse::<Bytes>().expect("code hex"))
        .filter(|c| !c.is_empty())
        .map(|c| (keccak256(&c), c))
        .collect();
    let (pre_state, post_state) = same_slots(proofs(number - 1), proofs(number));
    let hash = block.header.claimed_hash().expect("hash");
    WitnessFile::new(
        cache.chain_id,
        number,
        hash,
        BlockWitness {
            header: block.header,
            transactions: block.transactions,
            withdrawals: block.withdrawals,
            ancestors: vec![parent],
            pre_state,
            post_state,
            codes,
        },
    )
}

/// zeth asked the node for the post-state of a slot set that differs a little from the
/// pre-state's (slots it learnt during execution); a witness proves the same slots on both sides,
/// as capture does, so keep the slots both recordings have.
fn same_slots(mut pre: Vec<AccountProof>, mut post: Vec<AccountProof>) -> (Vec<AccountProof>, Vec<AccountProof>) {
    for a in &mut pre {
        let after = post.iter().find(|p| p.address == a.address).expect("zeth records both sides");
        a.storage.retain(|s| after.storage.iter().any(|t| t.key == s.key));
    }
    for a in &mut post {
        let before = pre.iter().find(|p| p.address == a.address).expect("zeth records both sides");
        a.storage.retain(|s| before.storage.iter().any(|t| t.key == s.key));
    }
    (pre, post)
}
