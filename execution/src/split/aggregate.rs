//! Aggregating the pieces of a split proof. Every check that can name a piece runs before any
//! proving: the header of each piece against the witness and the plan, then which segments are
//! covered (each once, none missing), then each STARK and how consecutive segments join. Only
//! then are the missing leaves made and the internal layers proven; the result is checked under
//! the committed verifying key, as `prove` checks its own.

use std::{collections::BTreeMap, time::Instant};

use alloy_primitives::Bytes;
use progress::{Progress, Step};
use proof::{Head, ProofKind};

use super::{Layer, SegmentError, SegmentProofFile, SegmentTimings, SplitRun};
use crate::{
    prover::{commitment_of, same_commitment, secs},
    zkvm::{self, segments::SegmentEnds},
    ExecutionError, ExecutionProofFile, ExecutionTimings,
};

/// The pieces, checked and placed: the segment pieces by index, the leaf pieces by first index.
struct Placed {
    segments: BTreeMap<usize, SegmentProofFile>,
    leaves: BTreeMap<usize, SegmentProofFile>,
}

/// Each piece's header against the run; then each segment covered once, by a segment piece or a
/// leaf of the plan, and none missing (all of them when `whole`; else every segment of the
/// pieces' own group).
fn place(run: &SplitRun, pieces: Vec<SegmentProofFile>, whole: bool) -> Result<Placed, SegmentError> {
    let plan = &run.plan;
    let leaves = plan.leaves();
    let mut covered = vec![false; plan.count()];
    let mut placed = Placed { segments: BTreeMap::new(), leaves: BTreeMap::new() };
    for piece in pieces {
        let name = piece.name();
        if piece.block_hash != plan.block_hash || (piece.chain_id, piece.block_number) != (run.witness.0, run.witness.1)
        {
            return Err(SegmentError::OtherBlock { piece: name, found: piece.block_hash, expected: plan.block_hash });
        }
        if piece.image_id != run.image.id() {
            return Err(SegmentError::OtherImage {
                piece: name,
                found: piece.image_id,
                expected: run.image.id().into(),
            });
        }
        if piece.plan_digest != plan.digest {
            return Err(SegmentError::OtherPlan { piece: name, found: piece.plan_digest, expected: plan.digest });
        }
        if piece.count != plan.count() {
            return Err(SegmentError::OtherCount { piece: name, found: piece.count, expected: plan.count() });
        }
        // A piece made in memory rather than read (read ones are checked by `decode`).
        if piece.first > piece.last
            || piece.last >= plan.count()
            || (piece.layer == Layer::Segment && piece.first != piece.last)
        {
            return Err(SegmentError::File { file: name, cause: "it covers no segments of the plan".into() });
        }
        if piece.layer == Layer::Leaf && !leaves.contains(&(piece.first..piece.last + 1)) {
            let leaves = leaves.iter().map(|l| format!("{}-{}", l.start, l.end - 1)).collect::<Vec<_>>().join(", ");
            return Err(SegmentError::NotALeaf { piece: name, leaves });
        }
        if covered[piece.first..=piece.last].iter().any(|c| *c) {
            return Err(SegmentError::Duplicate { piece: name });
        }
        covered[piece.first..=piece.last].iter_mut().for_each(|c| *c = true);
        match piece.layer {
            Layer::Segment => placed.segments.insert(piece.first, piece),
            Layer::Leaf => placed.leaves.insert(piece.first, piece),
        };
    }
    let wanted: Vec<usize> = if whole {
        (0..plan.count()).collect()
    } else {
        // A leaf's pieces: the group of the first one given.
        let first = placed.segments.keys().next().copied().unwrap_or(0);
        leaves.iter().find(|l| l.contains(&first)).map(|l| l.clone().collect()).unwrap_or_default()
    };
    let missing: Vec<usize> = wanted.into_iter().filter(|i| !covered[*i]).collect();
    if !missing.is_empty() {
        return Err(SegmentError::Missing { missing });
    }
    Ok(placed)
}

/// Each segment piece's STARK, and how it joins the segment before it when that one is given
/// too; the first starts the pinned image's run, and only the last ends the program, well.
fn check_segments(run: &SplitRun, segments: &BTreeMap<usize, SegmentProofFile>) -> Result<(), ExecutionError> {
    let last = run.plan.count() - 1;
    let mut before: Option<(usize, SegmentEnds)> = None;
    let vm = run.prover.loaded(run.image)?;
    for (&index, piece) in segments {
        let ends = vm
            .zkvm
            .check_segment(&piece.proof)
            .map_err(|e| SegmentError::Damaged { piece: piece.name(), cause: e.to_string() })?;
        if let Some((_, was)) = before.filter(|(previous, _)| previous + 1 == index) {
            if ends.program != was.program {
                return Err(SegmentError::OtherProgram { index }.into());
            }
            if ends.initial_pc != was.final_pc {
                return Err(SegmentError::DoesNotJoin { index, what: "pc" }.into());
            }
            if ends.initial_root != was.final_root {
                return Err(SegmentError::DoesNotJoin { index, what: "memory root" }.into());
            }
        }
        if index == 0 && ends.image_if_first != image_bytes(run.image.id()) {
            return Err(SegmentError::NotTheImagesStart.into());
        }
        match (index == last, ends.terminates, ends.exit_code) {
            (false, true, _) => return Err(wrong_end(index, "ends the program before the last segment")),
            (true, false, _) => return Err(wrong_end(index, "is the last but does not end the program")),
            (true, true, code) if code != 0 => return Err(wrong_end(index, "ends the program with an error")),
            _ => {}
        }
        before = Some((index, ends));
    }
    Ok(())
}

fn wrong_end(index: usize, what: &'static str) -> ExecutionError {
    SegmentError::WrongEnd { index, what }.into()
}

/// A pinned image id as bytes.
fn image_bytes(id: &str) -> [u8; 32] {
    let hex = id.trim_start_matches("0x");
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap_or(0);
    }
    out
}

/// One leaf from its group's segment pieces.
pub(super) fn leaf(
    run: &SplitRun,
    pieces: Vec<SegmentProofFile>,
    progress: &dyn Progress,
) -> Result<SegmentProofFile, ExecutionError> {
    if let Some(piece) = pieces.iter().find(|p| p.layer == Layer::Leaf) {
        return Err(SegmentError::File {
            file: piece.name(),
            cause: "a leaf is made of segments, not of leaves".into(),
        }
        .into());
    }
    let placed = place(run, pieces, false)?;
    check_segments(run, &placed.segments)?;
    let first = *placed.segments.keys().next().ok_or(SegmentError::Missing { missing: vec![0] })?;
    let leaves = run.plan.leaves();
    let index = leaves.iter().position(|l| l.contains(&first)).unwrap_or(0);
    make_leaf(run, index, leaves.len(), placed.segments.into_values().collect(), progress)
}

/// Aggregates `segments` (one group, in order) into a leaf piece.
fn make_leaf(
    run: &SplitRun,
    index: usize,
    count: usize,
    segments: Vec<SegmentProofFile>,
    progress: &dyn Progress,
) -> Result<SegmentProofFile, ExecutionError> {
    progress.step(Step::Leaf { index, count });
    let t = Instant::now();
    let proofs: Vec<Vec<u8>> = segments.iter().map(|s| s.proof.to_vec()).collect();
    let proof = run.prover.loaded(run.image)?.zkvm.aggregate_leaf(&proofs)?;
    let user_public_values = segments.last().and_then(|s| s.user_public_values.clone()).map(|b| b.to_vec());
    let (first, last) = (segments[0].first, segments[segments.len() - 1].last);
    Ok(run.piece(
        Layer::Leaf,
        first,
        last,
        proof,
        user_public_values,
        SegmentTimings { reach_start: 0.0, prove: secs(t) },
    ))
}

/// The whole proof from every piece.
pub(super) fn whole(
    run: &SplitRun,
    pieces: Vec<SegmentProofFile>,
    progress: &dyn Progress,
) -> Result<ExecutionProofFile, ExecutionError> {
    let started = Instant::now();
    let pieces_prove: f64 = pieces.iter().map(|p| p.timings.prove).sum();
    let placed = place(run, pieces, true)?;
    let last_piece = placed
        .segments
        .values()
        .chain(placed.leaves.values())
        .find(|p| p.last + 1 == run.plan.count())
        .expect("place() found every segment covered");
    let user_public_values = last_piece
        .user_public_values
        .clone()
        .ok_or_else(|| SegmentError::NoPublicValues { piece: last_piece.name() })?;
    check_segments(run, &placed.segments)?;
    for leaf in placed.leaves.values() {
        run.prover
            .loaded(run.image)?
            .zkvm
            .check_leaf(&leaf.proof)
            .map_err(|e| SegmentError::Damaged { piece: leaf.name(), cause: e.to_string() })?;
    }
    // The leaves in order: those given, and those made here from their segments.
    let groups = run.plan.leaves();
    let mut segments = placed.segments;
    let mut leaves = placed.leaves;
    let mut in_order = Vec::with_capacity(groups.len());
    for (index, group) in groups.iter().enumerate() {
        let leaf = match leaves.remove(&group.start) {
            Some(leaf) => leaf,
            None => {
                let members = group.clone().filter_map(|i| segments.remove(&i)).collect();
                make_leaf(run, index, groups.len(), members, progress)?
            }
        };
        in_order.push(leaf.proof.to_vec());
    }
    progress.step(Step::Aggregating { segments: run.plan.count() });
    let proof = run.prover.loaded(run.image)?.zkvm.aggregate(&in_order, &user_public_values)?;
    let public_values = zkvm::verify(run.image.verifying_key(), &proof)
        .map_err(|e| ExecutionError::NotUnderCommittedKey(e.to_string()))?;
    let commitment = commitment_of(&public_values)?;
    same_commitment(&run.native, &commitment)?;
    let (chain_id, number, hash) = run.witness;
    Ok(ExecutionProofFile {
        head: Head::new(ProofKind::Execution, chain_id, number, hash),
        zkvm: run.image.zkvm().into(),
        image_id: run.image.id().into(),
        public_values: Bytes::from(public_values),
        commitment,
        instructions: run.plan.instructions,
        segments: run.plan.count(),
        proof: proof.into(),
        timings: ExecutionTimings {
            read_witness: 0.0,
            check_witness: run.check_seconds,
            execute: run.plan_seconds,
            // Every piece's proving (on whichever machine), and the leaves made and the
            // aggregation here.
            prove: pieces_prove + secs(started),
            total: secs(started) + run.check_seconds + run.plan_seconds,
        },
        prover: concat!("eth-block-prover ", env!("CARGO_PKG_VERSION")).into(),
    })
}
