//! Builds witnesses straight from recorded node answers (no RPC), to test the checks on real data.

#![allow(dead_code)]

use std::collections::BTreeMap;

use alloy_primitives::{keccak256, Bytes};
use testkit::fixtures::ZethCache;
use witness::{from_rpc, BlockWitness, WitnessFile};

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
            pre_state: proofs(number - 1),
            post_state: proofs(number),
            codes,
        },
    )
}
