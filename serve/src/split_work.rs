//! What a worker does with a job of a split block (pieces.rs): the block's job first makes the
//! plan, each piece is proven from the witness and the stored plan, and the block's job, once its
//! leaves are in, aggregates them. Blocking work: the worker runs it on a thread of its own.

use execution::{
    split::{SegmentError, SegmentPlan, SegmentProofFile, SplitRun},
    ExecutionError, ProverSettings,
};
use progress::Progress;

use crate::{jobs::Claimed, pieces::Piece};

/// What a job of a split block came to.
pub(crate) enum SplitDone {
    /// The plan (JSON) and the pieces it makes.
    Planned(String, Vec<Piece>),
    /// A piece's file.
    Piece(Vec<u8>),
    /// The whole proof file.
    Proof(Vec<u8>),
}

/// Why a job of a split block failed, and the piece to prove again when the aggregation found
/// one bad (named by its part).
pub(crate) struct SplitFailure {
    pub(crate) reason: String,
    pub(crate) bad_piece: Option<String>,
}

impl From<String> for SplitFailure {
    fn from(reason: String) -> Self {
        Self { reason, bad_piece: None }
    }
}

/// Does `job` (a split block's job or piece); `pieces` are the block's finished piece files.
pub(crate) fn run(
    settings: &ProverSettings,
    job: &Claimed,
    pieces: Vec<(String, Vec<u8>)>,
    progress: &dyn Progress,
) -> Result<SplitDone, SplitFailure> {
    let w = witness::file::decode(&job.witness, "the stored witness").map_err(|e| e.to_string())?;
    let plan: Option<SegmentPlan> = match &job.plan {
        Some(text) => Some(serde_json::from_str(text).map_err(|e| format!("the stored plan: {e}"))?),
        None => None,
    };
    let planned = plan.is_some();
    let run = SplitRun::new(settings, &w, plan).map_err(|e| e.to_string())?;
    match (Piece::parse(&job.part), planned) {
        // The block's job, not yet split: the plan.
        (None, false) => {
            let pieces = run
                .plan
                .leaves()
                .into_iter()
                .flat_map(|leaf| {
                    let segments = leaf.clone().map(Piece::Segment);
                    segments.chain(std::iter::once(Piece::Leaf(leaf.start, leaf.end - 1)))
                })
                .collect();
            let plan = serde_json::to_string(&run.plan).map_err(|e| e.to_string())?;
            Ok(SplitDone::Planned(plan, pieces))
        }
        // The block's job, every leaf in: the aggregation.
        (None, true) => {
            let leaves = files(pieces, |piece| matches!(piece, Piece::Leaf(..)))?;
            let file = run.aggregate(leaves, progress).map_err(failure)?;
            Ok(SplitDone::Proof(prover::ProofFile::Execution(file).to_json_bytes()))
        }
        (Some(Piece::Segment(index)), _) => {
            let piece = run.prove_segment(index, progress).map_err(|e| e.to_string())?;
            Ok(SplitDone::Piece(piece.to_json_bytes()))
        }
        (Some(leaf @ Piece::Leaf(..)), _) => {
            let segments = files(pieces, |piece| matches!(piece, Piece::Segment(i) if leaf.segments().contains(i)))?;
            let piece = run.aggregate_leaf(segments, progress).map_err(failure)?;
            Ok(SplitDone::Piece(piece.to_json_bytes()))
        }
    }
}

/// The stored piece files that `wanted` picks, decoded.
fn files(pieces: Vec<(String, Vec<u8>)>, wanted: impl Fn(&Piece) -> bool) -> Result<Vec<SegmentProofFile>, String> {
    pieces
        .into_iter()
        .filter(|(part, _)| Piece::parse(part).is_some_and(|p| wanted(&p)))
        .map(|(part, bytes)| SegmentProofFile::decode(&bytes, &part).map_err(|e| e.to_string()))
        .collect()
}

/// An aggregation's error, with the piece it names when it names one.
fn failure(e: ExecutionError) -> SplitFailure {
    let bad_piece = match &e {
        ExecutionError::Segment(segment) => named_piece(segment),
        _ => None,
    };
    SplitFailure { reason: e.to_string(), bad_piece }
}

/// The part of the piece a refusal names, if it names a stored one.
fn named_piece(e: &SegmentError) -> Option<String> {
    match e {
        SegmentError::OtherBlock { piece, .. }
        | SegmentError::OtherImage { piece, .. }
        | SegmentError::OtherPlan { piece, .. }
        | SegmentError::OtherCount { piece, .. }
        | SegmentError::Damaged { piece, .. }
        | SegmentError::NoPublicValues { piece } => Some(piece.clone()),
        SegmentError::OtherProgram { index }
        | SegmentError::DoesNotJoin { index, .. }
        | SegmentError::WrongEnd { index, .. } => Some(Piece::Segment(*index).part()),
        SegmentError::NotTheImagesStart => Some(Piece::Segment(0).part()),
        _ => None,
    }
}
