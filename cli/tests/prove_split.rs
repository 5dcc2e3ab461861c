//! Split proving by hand, as docs/split-proving.md tells it: `--execute-only` prints the plan, each
//! segment is proven by a `prove_segment` process of its own (as on another machine, in any
//! order), every bad piece is refused by `aggregate` with the piece named and nothing written, a
//! leaf is made apart from shuffled segments (`aggregate --leaf`), and `aggregate` makes from it
//! the same kind of proof file `offline_prover` makes: `verifier` accepts it, with the committed
//! proof's block commitment. The block is the committed 1-transaction fixture, cut into 2 segments
//! by a 1.5 GiB segment setting (1 GiB makes 3: each segment more costs a proof and a larger leaf).

mod common;

use std::path::{Path, PathBuf};

use common::{ok, prover_cmd, read_json, s, verify};
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../gevulot/tests/fixtures/execution").join(name)
}

/// `aggregate` over `pieces` must fail, write nothing, and say `reason`.
fn refused(dir: &Path, witness: &Path, plan: &Path, pieces: &[PathBuf], reason: &str) {
    let out_path = dir.join("refused.json");
    let mut args = vec!["-q", "aggregate", "-w", s(witness), "--plan", s(plan), "-p", s(&out_path)];
    args.extend(pieces.iter().map(|p| s(p)));
    let out = prover_cmd(&args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{reason}: {stderr}");
    // Said once: an error that wraps another must not print it again as its cause.
    assert_eq!(stderr.matches(reason).count(), 1, "expected {reason:?} once in {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!out_path.exists(), "a refused aggregation writes nothing");
}

/// A copy of piece `from` with `change` made to it, written as `name`.
fn changed(dir: &Path, from: &Path, name: &str, change: impl FnOnce(&mut Value)) -> PathBuf {
    let mut piece = read_json(from);
    change(&mut piece);
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec(&piece).unwrap()).unwrap();
    path
}

#[test]
fn a_block_proven_segment_by_segment_aggregates_to_a_proof_the_verifier_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let witness = fixture("witness.json");

    // The plan every machine follows: --execute-only's report, at the segment setting.
    let out = ok(prover_cmd(&[
        "-q",
        "offline_prover",
        "--proof",
        "execution",
        "--execute-only",
        "--segment-memory",
        "1.5",
        "-w",
        s(&witness),
    ]));
    let plan = d.join("plan.json");
    std::fs::write(&plan, &out.stdout).unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let count = report["plan"]["segments"].as_array().unwrap().len();
    assert_eq!((count, report["segments"].as_u64()), (2, Some(2)), "{report}");
    assert_eq!(report["plan"]["instructions"], report["instructions"]);

    // Each segment alone, in a process of its own, in any order.
    let segment = |i: usize| d.join(format!("segment-{i}.json"));
    for i in [1, 0] {
        let index = i.to_string();
        let args = ["-q", "prove_segment", "-w", s(&witness), "--plan", s(&plan), "--segment", &index, "-o"];
        ok(prover_cmd(&[&args[..], &[s(&segment(i))]].concat()));
        let piece = read_json(&segment(i));
        assert_eq!(
            (piece["layer"].as_str(), piece["first"].as_u64(), piece["count"].as_u64()),
            (Some("segment"), Some(i as u64), Some(2))
        );
        assert_eq!(piece["plan_digest"], report["plan"]["digest"]);
    }
    let out = prover_cmd(&[
        "-q",
        "prove_segment",
        "-w",
        s(&witness),
        "--plan",
        s(&plan),
        "--segment",
        "2",
        "-o",
        s(&d.join("x.json")),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.matches("segment 2 does not exist: the run has 2 segments").count(), 1, "said once: {stderr}");
    assert!(!d.join("x.json").exists());

    // Every bad set of pieces, refused by name before any proving.
    let all: Vec<PathBuf> = (0..2).map(segment).collect();
    let with = |i: usize, other: PathBuf| -> Vec<PathBuf> {
        let mut set = all.clone();
        set[i] = other;
        set
    };
    refused(d, &witness, &plan, &[all[0].clone()], "missing: segment 1");
    refused(d, &witness, &plan, &[&all[..], &[all[1].clone()]].concat(), "segment 1 is given twice");
    let other_block =
        changed(d, &all[1], "other-block.json", |p| p["block_hash"] = format!("0x{}", "07".repeat(32)).into());
    refused(d, &witness, &plan, &with(1, other_block), "segment 1 is of block 0x0707");
    let other_image = changed(d, &all[0], "other-image.json", |p| p["image_id"] = "0x1234".into());
    refused(d, &witness, &plan, &with(0, other_image), "segment 0 is of guest image 0x1234");
    let other_plan =
        changed(d, &all[1], "other-plan.json", |p| p["plan_digest"] = format!("0x{}", "09".repeat(32)).into());
    refused(d, &witness, &plan, &with(1, other_plan), "segment 1 belongs to plan 0x0909");
    let damaged = changed(d, &all[0], "damaged.json", |p| {
        let hex = p["proof"].as_str().unwrap().to_string();
        p["proof"] = common::hex_flip(&hex, hex.len() / 2).into();
    });
    refused(d, &witness, &plan, &with(0, damaged), "segment 0 does not verify");
    // A valid STARK in the wrong place: segment 0's proof said to be segment 1.
    let misplaced = changed(d, &all[1], "misplaced.json", |p| p["proof"] = read_json(&all[0])["proof"].clone());
    refused(d, &witness, &plan, &with(1, misplaced), "does not start where segment");
    let no_values = changed(d, &all[1], "no-values.json", |p| p["user_public_values"] = Value::Null);
    refused(
        d,
        &witness,
        &plan,
        &with(1, no_values),
        "segment 1 covers the last segment but carries no proof of the public values",
    );
    refused(d, &witness, &plan, &with(0, witness.clone()), "not a segment proof file");

    // A leaf made apart from shuffled segments, then the proof from the leaf.
    let leaf = d.join("leaf.json");
    let shuffled = [&all[1], &all[0]].map(|p| s(p));
    let args = ["-q", "aggregate", "--leaf", "-w", s(&witness), "--plan", s(&plan), "-p", s(&leaf)];
    ok(prover_cmd(&[&args[..], &shuffled[..]].concat()));
    let piece = read_json(&leaf);
    assert_eq!(
        (piece["layer"].as_str(), piece["first"].as_u64(), piece["last"].as_u64()),
        (Some("leaf"), Some(0), Some(1))
    );
    refused(d, &witness, &plan, &[leaf.clone(), all[1].clone()], "segment 1 is given twice");
    let proof = d.join("proof.json");
    ok(prover_cmd(&["-q", "aggregate", "-w", s(&witness), "--plan", s(&plan), "-p", s(&proof), s(&leaf)]));

    // The verifier takes it as any execution proof: the block, the pinned image, nothing that
    // says how it was split but its segment count.
    let (code, report) = verify(&proof, &["-w", s(&witness)]);
    assert_eq!((code, report["is_success"].as_bool()), (Some(0), Some(true)), "{report:#}");
    let made = read_json(&proof);
    let committed = read_json(&fixture("proof.json"));
    assert_eq!(made["commitment"], committed["commitment"], "the same block commitment as offline_prover's proof");
    assert_eq!((made["image_id"].clone(), made["segments"].as_u64()), (committed["image_id"].clone(), Some(2)));
}
