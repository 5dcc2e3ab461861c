//! The execution proof made in pieces, so that one block's segments can be proven on many
//! machines at once: a [`SegmentPlan`] (metered execution's cut of the run), each segment proven
//! alone ([`SplitRun::prove_segment`]: the guest is executed from the beginning to the segment's
//! start, so nothing but the witness travels), optionally leaves of the aggregation over groups
//! of segments ([`SplitRun::aggregate_leaf`]), and [`SplitRun::aggregate`], which checks the
//! pieces and makes the same [`ExecutionProofFile`] `prove` makes: the same verifier, key and
//! image id accept it, and nothing in it says how it was split.

mod aggregate;
mod error;
mod plan;
mod segment_file;

use std::time::Instant;

use progress::{Progress, Step};
use stateless::BlockCommitment;
use witness::WitnessFile;

pub use error::SegmentError;
pub use plan::{SegmentPlan, SEGMENTS_PER_LEAF};
pub use segment_file::{Layer, SegmentProofFile, SegmentTimings, SEGMENT_FORMAT, SEGMENT_VERSION};

use crate::{
    image::{pinned_ids, GuestImage},
    input,
    prover::{checked_input, commitment_of, same_commitment, secs},
    ExecutionError, ExecutionProver, ProverSettings,
};

/// One block's run, ready to be proven in pieces: the zkVM with the pinned guest, the witness's
/// checked input and the plan.
pub struct SplitRun {
    pub(crate) prover: ExecutionProver,
    /// The image the block is proven in (the plan's).
    pub(crate) image: GuestImage,
    input: Vec<u8>,
    native: BlockCommitment,
    witness: (u64, u64, alloy_primitives::B256),
    /// The plan the pieces follow.
    pub plan: SegmentPlan,
    /// Seconds: the native check, and metered execution (0 when the plan was given).
    pub check_seconds: f64,
    /// Seconds of metered execution (0 when the plan was given).
    pub plan_seconds: f64,
}

impl SplitRun {
    /// Checks the witness natively, then takes `plan` (a stored one: checked to be this block's,
    /// this image's and whole) or makes it by metered execution with `settings`.
    pub fn new(settings: &ProverSettings, w: &WitnessFile, plan: Option<SegmentPlan>) -> Result<Self, ExecutionError> {
        let prover = ExecutionProver::new(settings);
        let t = Instant::now();
        let checked = checked_input(w)?;
        let check_seconds = secs(t);
        let (input, native) = (input::encode(&checked.input), checked.commitment);
        let t = Instant::now();
        let (plan, image) = match plan {
            Some(plan) => {
                let image = check_plan(&plan, w)?;
                (plan, image)
            }
            None => {
                let image = prover.image_for(&checked.precompiles_called);
                let vm = prover.loaded(image)?;
                let (public_values, segments) = vm.zkvm.plan(&vm.program, &input)?;
                same_commitment(&native, &commitment_of(&public_values)?)?;
                (SegmentPlan::new(w.block_hash, image.id(), settings, segments), image)
            }
        };
        Ok(Self {
            prover,
            image,
            input,
            native,
            witness: (w.chain_id, w.block_number, w.block_hash),
            plan,
            check_seconds,
            plan_seconds: secs(t),
        })
    }

    /// Proves segment `index` alone: the guest executed from the beginning to its start, then the
    /// segment traced and proven.
    pub fn prove_segment(&self, index: usize, progress: &dyn Progress) -> Result<SegmentProofFile, ExecutionError> {
        let count = self.plan.count();
        let spec = self.plan.segments.get(index).ok_or(SegmentError::NoSuchSegment { index, count })?;
        progress.step(Step::Segment { index, count });
        let t = Instant::now();
        let last = index + 1 == count;
        let vm = self.prover.loaded(self.image)?;
        let stark = vm.zkvm.prove_segment(&vm.program, &self.input, spec, last)?;
        let timings = SegmentTimings {
            reach_start: self.check_seconds + self.plan_seconds + stark.execute_seconds,
            prove: secs(t) - stark.execute_seconds,
        };
        Ok(self.piece(Layer::Segment, index, index, stark.proof, stark.user_public_values, timings))
    }

    /// A leaf of the aggregation over the segment pieces given (one of the plan's groups, each
    /// segment once, in any order): checked as `aggregate` checks them, then aggregated.
    pub fn aggregate_leaf(
        &self,
        pieces: Vec<SegmentProofFile>,
        progress: &dyn Progress,
    ) -> Result<SegmentProofFile, ExecutionError> {
        aggregate::leaf(self, pieces, progress)
    }

    /// Checks every piece (the block, image and plan they name, each segment once, each STARK,
    /// how the segments join), makes the leaves not given, aggregates, and checks the result
    /// under the committed verifying key: the proof file, as `prove` makes it.
    pub fn aggregate(
        &self,
        pieces: Vec<SegmentProofFile>,
        progress: &dyn Progress,
    ) -> Result<crate::ExecutionProofFile, ExecutionError> {
        aggregate::whole(self, pieces, progress)
    }

    fn piece(
        &self,
        layer: Layer,
        first: usize,
        last: usize,
        proof: Vec<u8>,
        user_public_values: Option<Vec<u8>>,
        timings: SegmentTimings,
    ) -> SegmentProofFile {
        let (chain_id, block_number, block_hash) = self.witness;
        SegmentProofFile {
            format: SEGMENT_FORMAT.into(),
            version: SEGMENT_VERSION,
            chain_id,
            block_number,
            block_hash,
            image_id: self.image.id().into(),
            plan_digest: self.plan.digest,
            layer,
            first,
            last,
            count: self.plan.count(),
            proof: proof.into(),
            user_public_values: user_public_values.map(Into::into),
            timings,
            prover: concat!("eth-block-prover ", env!("CARGO_PKG_VERSION")).into(),
        }
    }
}

/// A plan given from outside (a database, a file) must be this block's and of a pinned image, and
/// its digest its own. Returns its image.
fn check_plan(plan: &SegmentPlan, w: &WitnessFile) -> Result<GuestImage, ExecutionError> {
    let refused = |cause: String| SegmentError::File { file: "the plan".into(), cause };
    if plan.block_hash != w.block_hash {
        return Err(refused(format!("it is of block {}, the witness of {}", plan.block_hash, w.block_hash)).into());
    }
    let Some(image) = GuestImage::by_id(&plan.image_id) else {
        return Err(
            refused(format!("it is of guest image {}, not a pinned one ({})", plan.image_id, pinned_ids())).into()
        );
    };
    if plan.digest != plan.digest_of() || plan.segments.is_empty() {
        return Err(refused("its digest is not its own (it was changed)".into()).into());
    }
    let mut next = 0;
    for (index, segment) in plan.segments.iter().enumerate() {
        if segment.instret_start != next || segment.num_insns == 0 {
            return Err(refused(format!("its segment {index} does not start where the one before ends")).into());
        }
        next += segment.num_insns;
    }
    Ok(image)
}
