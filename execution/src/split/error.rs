//! Why a piece of a split proof was not made, or a set of pieces was not aggregated. Each names
//! the piece ("segment 3", "leaf of segments 4 to 7") so that the one to prove again is known.

use alloy_primitives::B256;
use thiserror::Error;

/// Why a piece was not made or a set of pieces not aggregated.
#[derive(Debug, Error)]
pub enum SegmentError {
    /// A piece file cannot be read, is not one, or is not well formed.
    #[error("{file}: {cause}")]
    File {
        /// The file.
        file: String,
        /// What is wrong.
        cause: String,
    },
    /// The segment asked for is not in the plan.
    #[error("segment {index} does not exist: the run has {count} segments (0 to {})", count.saturating_sub(1))]
    NoSuchSegment {
        /// The index asked for.
        index: usize,
        /// The plan's segment count.
        count: usize,
    },
    /// A piece of another block.
    #[error("{piece} is of block {found}, not {expected}")]
    OtherBlock {
        /// The piece.
        piece: String,
        /// The block it names.
        found: B256,
        /// The block being aggregated.
        expected: B256,
    },
    /// A piece of another guest image.
    #[error("{piece} is of guest image {found}, not the pinned {expected}")]
    OtherImage {
        /// The piece.
        piece: String,
        /// The image it names.
        found: String,
        /// The pinned image.
        expected: String,
    },
    /// A piece of another cut of the run (another segment setting, or another witness).
    #[error("{piece} belongs to plan {found}, not {expected} (another segment setting, or another witness)")]
    OtherPlan {
        /// The piece.
        piece: String,
        /// The plan it names.
        found: B256,
        /// The plan being aggregated.
        expected: B256,
    },
    /// A piece that says the run has another number of segments than the plan.
    #[error("{piece} says the run has {found} segments, the plan has {expected}")]
    OtherCount {
        /// The piece.
        piece: String,
        /// Its count.
        found: usize,
        /// The plan's.
        expected: usize,
    },
    /// The same segment given twice.
    #[error("{piece} is given twice")]
    Duplicate {
        /// The piece.
        piece: String,
    },
    /// A leaf that is not one of the plan's groups of segments.
    #[error("{piece} is not a leaf of the plan (its leaves are {leaves})")]
    NotALeaf {
        /// The piece.
        piece: String,
        /// The plan's leaves.
        leaves: String,
    },
    /// Segments with no piece covering them.
    #[error("missing: {}", missing.iter().map(|i| format!("segment {i}")).collect::<Vec<_>>().join(", "))]
    Missing {
        /// Their indices.
        missing: Vec<usize>,
    },
    /// A piece whose STARK does not decode or verify.
    #[error("{piece} does not verify: {cause}")]
    Damaged {
        /// The piece.
        piece: String,
        /// The verifier's reason.
        cause: String,
    },
    /// A segment of another program than the others.
    #[error("segment {index} is of another program than segment 0")]
    OtherProgram {
        /// The segment.
        index: usize,
    },
    /// A segment that does not start where the one before it ends.
    #[error("segment {index} does not start where segment {} ends (its {what} differs)", index - 1)]
    DoesNotJoin {
        /// The segment.
        index: usize,
        /// "pc" or "memory root".
        what: &'static str,
    },
    /// The first segment does not start at the pinned image (its program, memory or pc).
    #[error("segment 0 does not start the pinned image's run")]
    NotTheImagesStart,
    /// The program ends before the last segment, or not in it, or with an error.
    #[error("segment {index} {what}")]
    WrongEnd {
        /// The segment.
        index: usize,
        /// What is wrong ("ends the program before the last segment", ...).
        what: &'static str,
    },
    /// The piece covering the last segment lacks the proof of the public values.
    #[error("{piece} covers the last segment but carries no proof of the public values")]
    NoPublicValues {
        /// The piece.
        piece: String,
    },
}
