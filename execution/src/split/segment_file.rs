//! A piece of a split execution proof, as a file: one segment's STARK, or a leaf of the
//! aggregation over a group of consecutive segments. Its small header says what it is a piece
//! of (block, image, plan) and which piece, so that `aggregate` can refuse a wrong one by name
//! before any proving. Not a proof of anything on its own: the verifier does not take it.

use std::path::Path;

use alloy_primitives::{Bytes, B256};
use serde::{Deserialize, Serialize};

use crate::split::SegmentError;

/// The `format` of a piece file.
pub const SEGMENT_FORMAT: &str = "eth-execution-segment";
/// Its version.
pub const SEGMENT_VERSION: u32 = 1;

/// Which layer a piece is of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layer {
    /// One segment's STARK (`first == last`).
    Segment,
    /// A leaf of the aggregation over segments `first..=last`.
    Leaf,
}

/// A segment or leaf proof file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SegmentProofFile {
    /// Always [`SEGMENT_FORMAT`].
    pub format: String,
    /// Always [`SEGMENT_VERSION`].
    pub version: u32,
    /// The chain id of the block.
    pub chain_id: u64,
    /// The block's number.
    pub block_number: u64,
    /// The block's hash.
    pub block_hash: B256,
    /// The guest image proven.
    pub image_id: String,
    /// The digest of the plan the piece belongs to.
    pub plan_digest: B256,
    /// Segment or leaf.
    pub layer: Layer,
    /// The first segment it covers.
    pub first: usize,
    /// The last segment it covers.
    pub last: usize,
    /// The plan's segment count.
    pub count: usize,
    /// OpenVM's encoding of the STARK.
    pub proof: Bytes,
    /// For the piece that covers the last segment: the proof of the public values in the final
    /// memory, which the aggregated proof carries.
    pub user_public_values: Option<Bytes>,
    /// Seconds: reaching the segment's start by execution (0 for a leaf), proving.
    pub timings: SegmentTimings,
    /// The prover's name and version.
    pub prover: String,
}

/// Seconds spent on a piece (the prover's claim).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SegmentTimings {
    /// Checking the witness and planning (0 when the plan was given), then executing from the
    /// beginning to the segment's start (0 for a leaf): what proving it apart adds.
    pub reach_start: f64,
    /// Tracing and proving the segment (or the leaf).
    pub prove: f64,
}

impl SegmentProofFile {
    /// What the piece is, in a message: "segment 3" or "leaf of segments 4 to 7".
    pub fn name(&self) -> String {
        match self.layer {
            Layer::Segment => format!("segment {}", self.first),
            Layer::Leaf => format!("leaf of segments {} to {}", self.first, self.last),
        }
    }

    /// The file's bytes (pretty JSON).
    pub fn to_json_bytes(&self) -> Vec<u8> {
        proof::to_json_bytes(self)
    }

    /// Written to a temporary file and renamed into place: never half a piece.
    pub fn write(&self, path: &Path) -> Result<(), SegmentError> {
        proof::write_json(self, path)
            .map_err(|e| SegmentError::File { file: path.display().to_string(), cause: e.to_string() })
    }

    /// Reads a piece from bytes; `file` names it in errors.
    pub fn decode(bytes: &[u8], file: &str) -> Result<Self, SegmentError> {
        let not_one = |cause: String| SegmentError::File { file: file.into(), cause };
        let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| not_one(format!("not JSON: {e}")))?;
        if value.get("format").and_then(|f| f.as_str()) != Some(SEGMENT_FORMAT) {
            return Err(not_one(format!("not a segment proof file (its format is not {SEGMENT_FORMAT:?})")));
        }
        if value.get("version").and_then(|v| v.as_u64()) != Some(SEGMENT_VERSION as u64) {
            return Err(not_one(format!("version {} is not {SEGMENT_VERSION}", value["version"])));
        }
        let piece: Self = serde_json::from_value(value).map_err(|e| not_one(e.to_string()))?;
        let well_formed = piece.first <= piece.last
            && piece.last < piece.count
            && (piece.layer == Layer::Leaf || piece.first == piece.last);
        if !well_formed {
            return Err(not_one(format!("{} of {} segments is not a piece of a run", piece.name(), piece.count)));
        }
        Ok(piece)
    }

    /// Reads a piece file.
    pub fn read(path: &Path) -> Result<Self, SegmentError> {
        let file = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| SegmentError::File { file: file.clone(), cause: e.to_string() })?;
        Self::decode(&bytes, &file)
    }
}
