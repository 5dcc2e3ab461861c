//! Builds witnesses straight from recorded node answers (no RPC), to test the checks on real data.

#![allow(dead_code)]

use alloy_primitives::Bytes;
use testkit::fixtures::ZethCache;
use witness::{
    recorded::{witness_from_recorded, Recorded},
    WitnessFile,
};

pub(crate) fn witness_from_zeth(cache: &ZethCache, number: u64) -> WitnessFile {
    witness_from_recorded(zeth_recording(cache, number)).expect("the recording makes a witness")
}

pub(crate) fn zeth_recording(cache: &ZethCache, number: u64) -> Recorded<'_> {
    Recorded {
        chain_id: cache.chain_id,
        number,
        block: cache.block(number).expect("block recorded"),
        parent: cache.block(number - 1).expect("parent recorded"),
        pre_proofs: cache.proofs_at(number - 1).collect(),
        post_proofs: cache.proofs_at(number).collect(),
        codes: cache
            .codes
            .iter()
            .filter(|(n, _, _)| *n == number - 1)
            .map(|(_, _, hex)| hex.parse::<Bytes>().expect("code hex"))
            .collect(),
    }
}
