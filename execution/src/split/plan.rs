//! The plan of a split proof: the segments metered execution cuts the guest's run into, for one
//! witness, the pinned image and the segment setting. The same inputs always give the same plan,
//! and its digest names it in every segment proof, so that pieces of two different cuts are
//! never aggregated together.

use alloy_primitives::{keccak256, B256};
use serde::{Deserialize, Serialize};

use crate::{settings::ProverSettings, zkvm::segments::SegmentSpec};

/// The segments of one block's run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentPlan {
    /// The block it is the plan of.
    pub block_hash: B256,
    /// The guest image.
    pub image_id: String,
    /// The segment setting it was cut with (bytes of proving memory a segment may need).
    pub segment_max_memory: u64,
    /// Guest instructions in all.
    pub instructions: u64,
    /// The segments, in order.
    pub segments: Vec<SegmentSpec>,
    /// keccak256 of the above (see [`SegmentPlan::digest_of`]).
    pub digest: B256,
}

/// How many consecutive segments one leaf of the aggregation takes (OpenVM's default tree).
pub const SEGMENTS_PER_LEAF: usize = openvm_sdk::config::MAX_NUM_CHILDREN_LEAF;

impl SegmentPlan {
    /// The plan of `segments`, with its digest.
    pub fn new(block_hash: B256, image_id: &str, settings: &ProverSettings, segments: Vec<SegmentSpec>) -> Self {
        let mut plan = Self {
            block_hash,
            image_id: image_id.into(),
            segment_max_memory: settings.segment_max_memory as u64,
            instructions: segments.iter().map(|s| s.num_insns).sum(),
            segments,
            digest: B256::ZERO,
        };
        plan.digest = plan.digest_of();
        plan
    }

    /// keccak256 of the plan's JSON with the digest zeroed: a change to any field changes it.
    pub fn digest_of(&self) -> B256 {
        let mut bare = self.clone();
        bare.digest = B256::ZERO;
        keccak256(serde_json::to_vec(&bare).expect("a plan always serializes"))
    }

    /// Its segment count.
    pub fn count(&self) -> usize {
        self.segments.len()
    }

    /// The leaves of the aggregation: consecutive groups of segment indices.
    pub fn leaves(&self) -> Vec<std::ops::Range<usize>> {
        (0..self.count()).step_by(SEGMENTS_PER_LEAF).map(|s| s..(s + SEGMENTS_PER_LEAF).min(self.count())).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(start: u64, n: u64) -> SegmentSpec {
        SegmentSpec { instret_start: start, num_insns: n, trace_heights: vec![1, 2, 3] }
    }

    #[test]
    fn the_digest_covers_every_field_and_leaves_group_by_four() {
        let settings = ProverSettings::default();
        let segments: Vec<_> = (0..9).map(|i| spec(i * 10, 10)).collect();
        let plan = SegmentPlan::new(B256::repeat_byte(1), "0xab", &settings, segments.clone());
        assert_eq!(plan, SegmentPlan::new(B256::repeat_byte(1), "0xab", &settings, segments.clone()));
        assert_eq!((plan.instructions, plan.digest_of()), (90, plan.digest));
        let mut other = segments.clone();
        other[3].trace_heights[0] += 1;
        assert_ne!(SegmentPlan::new(B256::repeat_byte(1), "0xab", &settings, other).digest, plan.digest);
        assert_ne!(SegmentPlan::new(B256::repeat_byte(2), "0xab", &settings, segments).digest, plan.digest);
        assert_eq!(plan.leaves(), vec![0..4, 4..8, 8..9]);
    }
}
