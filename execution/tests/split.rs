//! The execution proof made in pieces: the 1-transaction fixture block cut into 4 segments (a
//! 1 GiB segment setting), each proven alone, the leaf made apart, the pieces aggregated in a
//! shuffled order into a proof the committed verifying key accepts, the same as `prove` makes;
//! and every bad piece refused by name before any proving.

use std::path::PathBuf;

use execution::{
    split::{Layer, SegmentError, SegmentPlan, SegmentProofFile, SplitRun},
    ExecutionError, ProverSettings,
};
use progress::Silent;
use witness::WitnessFile;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../gevulot/tests/fixtures/execution").join(name)
}

fn segment_error(result: Result<impl std::fmt::Debug, ExecutionError>) -> SegmentError {
    match result {
        Err(ExecutionError::Segment(e)) => e,
        other => panic!("expected a segment error, got {other:?}"),
    }
}

#[test]
fn a_block_proven_in_pieces_aggregates_to_the_proof_the_key_accepts_and_bad_pieces_are_named() {
    let w: WitnessFile = witness::file::read(&fixture("witness.json")).unwrap();
    let settings = ProverSettings::new(Some(1.0), None).unwrap();
    let run = SplitRun::new(&settings, &w, None).unwrap();
    let plan = run.plan.clone();
    assert_eq!(plan.count(), 4, "the 1 GiB setting cuts this block into 4 segments");
    // The plan is deterministic, and a stored plan is taken as it is.
    let again = SplitRun::new(&settings, &w, Some(plan.clone())).unwrap();
    assert_eq!((again.plan.digest, again.plan_seconds < 1.0), (plan.digest, true));
    let mut changed: SegmentPlan = plan.clone();
    changed.segments[1].num_insns += 1;
    assert!(SplitRun::new(&settings, &w, Some(changed)).is_err(), "a changed plan is refused");

    let pieces: Vec<SegmentProofFile> = (0..4).map(|i| run.prove_segment(i, &Silent).unwrap()).collect();
    assert!(pieces[3].user_public_values.is_some() && pieces[0].user_public_values.is_none());
    let e = segment_error(run.prove_segment(4, &Silent));
    assert!(e.to_string().contains("segment 4 does not exist: the run has 4 segments"), "{e}");

    // Bad pieces, each refused by name before any aggregation.
    let with = |change: &dyn Fn(&mut Vec<SegmentProofFile>)| {
        let mut set = pieces.clone();
        change(&mut set);
        segment_error(run.aggregate(set, &Silent)).to_string()
    };
    let said = with(&|s| {
        s.remove(2);
    });
    assert_eq!(said, "missing: segment 2");
    let said = with(&|s| s.push(s[1].clone()));
    assert_eq!(said, "segment 1 is given twice");
    let said = with(&|s| s[2].block_hash = alloy_primitives::B256::repeat_byte(7));
    assert!(said.starts_with("segment 2 is of block 0x0707"), "{said}");
    let said = with(&|s| s[0].image_id = "0x1234".into());
    assert!(said.starts_with("segment 0 is of guest image 0x1234"), "{said}");
    let said = with(&|s| s[3].plan_digest = alloy_primitives::B256::repeat_byte(9));
    assert!(said.starts_with("segment 3 belongs to plan 0x0909"), "{said}");
    let said = with(&|s| {
        let mut bytes = s[1].proof.to_vec();
        let at = bytes.len() / 2;
        bytes[at] ^= 1;
        s[1].proof = bytes.into();
    });
    assert!(said.starts_with("segment 1 does not verify"), "{said}");
    // A valid STARK in the wrong place: segment 2's proof said to be segment 1.
    let said = with(&|s| s[1].proof = s[2].proof.clone());
    assert!(
        said.contains("segment 2 does not start where segment 1 ends") || said.contains("segment 1 does not start"),
        "{said}"
    );
    let said = with(&|s| s[3].user_public_values = None);
    assert_eq!(said, "segment 3 covers the last segment but carries no proof of the public values");

    // The leaf made apart (as a worker would), then the whole from the leaf, shuffled.
    let leaf = run
        .aggregate_leaf(vec![pieces[2].clone(), pieces[0].clone(), pieces[3].clone(), pieces[1].clone()], &Silent)
        .unwrap();
    assert_eq!((leaf.layer, leaf.first, leaf.last), (Layer::Leaf, 0, 3));
    let said = with(&|s| s.push(leaf.clone()));
    assert_eq!(said, "leaf of segments 0 to 3 is given twice");
    let file = run.aggregate(vec![leaf], &Silent).unwrap();
    let verified = execution::verify(&file, Some(&w)).unwrap();
    assert_eq!((file.segments, verified.commitment.number, verified.witness_matched), (4, w.block_number, true));
}
