//! `prover_cmd serve --gevulot-dry-run` following a real anvil: each block's job becomes a Gevulot
//! v2 task (the prover task of manifests/, filled in) and the commands that send it are printed.
//! The test then does what a Gevulot worker does with that task file: it fetches the task's input
//! contexts (the witness from serve's own API; the params, which a user would have uploaded, from
//! serve's data directory), runs the Gevulot prover binary with the task's arguments and
//! environment in the v2 form, and hands the proof back as the printed command does. The proof is
//! verified, stored and served; garbage and an altered proof are refused without failing the job.
//! With `--split`, the block is a workflow of segment tasks and their aggregation, and the pieces
//! a task makes and the pieces `prover_cmd prove_segment` makes by hand aggregate together.

mod common;

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::Duration,
};

use common::{
    ok, prover_cmd, read_json, s,
    serve::{status_of, Serve},
    verify,
};
use serde_json::Value;
use testkit::{anvil::Anvil, blocks};

const IMAGE: &str = "https://images.example.org/eth-block-prover.img";
const PARAMS_URL: &str = "https://params.example.org/kzg_bn254_15.insecure-dev.srs";

#[test]
fn a_dry_run_prepares_gevulot_tasks_whose_proofs_come_back_through_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let anvil = Anvil::start(Some("shanghai")).unwrap();
    let chain = blocks::Chain::new(&anvil).unwrap();
    // The empty block after a small one: one chunk of the micro class, the cheapest proof.
    let number = blocks::small_block(&chain).unwrap().empty;
    #[rustfmt::skip]
    let args = [
        "-r", &anvil.url, "--from", &number.to_string(), "--proof", "state", "--class", "micro",
        "--gevulot-dry-run", "--gevulot-prover-image", IMAGE, "--gevulot-params", PARAMS_URL,
        "--poll-ms", "250", "--keys-dir", common::serve::SHARED_KEYS,
    ];
    let serve = Serve::start(&args, dir.path());
    serve.wait_for("the job sent to Gevulot", Duration::from_secs(120), |b| {
        b.iter().any(|b| b["number"] == number && b["progress"].as_str().is_some_and(|p| p.contains("dry run")))
    });

    // The printed commands: create the task from its file, read its output, hand the proof in.
    let printed = wait_for_lines(&serve, 5);
    assert!(printed[0].starts_with(&format!("# block {number} (0x")), "{printed:#?}");
    let task_file = printed[1]
        .strip_prefix(r#"gvltctl task create -e "$GEVULOT_ENDPOINT" -n "$GEVULOT_MNEMONIC" -f "#)
        .unwrap_or_else(|| panic!("{printed:#?}"));
    assert!(printed[2].starts_with(r#"gvltctl task get -e "$GEVULOT_ENDPOINT" TASK_ID"#), "{printed:#?}");
    let (download, proof_file) = printed[3].split_once(" -o ").map(|(_, rest)| rest.split_once(' ').unwrap()).unwrap();
    assert_eq!(proof_file, "https://data.firestarter.gevulot.com/ipfs/PROOF_CID", "{printed:#?}");
    let hand_in = format!("curl -fsS --data-binary @{download} {}/blocks/{number}/proof", serve.url);
    assert_eq!(printed[4], hand_in);

    // The task: the prover image, the state proof of the micro class, inputs under
    // /mnt/gevulot/input: the witness from serve's API, the params the server verifies with.
    let task: Value = serde_yaml::from_str(&std::fs::read_to_string(task_file).unwrap()).unwrap();
    let spec = &task["spec"];
    assert_eq!(spec["image"], IMAGE);
    let task_args: Vec<String> = serde_json::from_value(spec["args"].clone()).unwrap();
    assert_eq!(task_args[task_args.iter().position(|a| a == "--class").unwrap() + 1], "micro");
    let witness_url = format!("{}/blocks/{number}/witness", serve.url);
    let mut fetched = vec![];
    let outputs = run_as_a_node(spec, |source, target| {
        fetched.push(target.to_string());
        match source {
            s if s == witness_url => serve.get_bytes(&format!("/blocks/{number}/witness")),
            PARAMS_URL => {
                std::fs::read(dir.path().join("insecure-dev-params").join(Path::new(target).file_name().unwrap()))
                    .unwrap()
            }
            other => panic!("an input from {other}"),
        }
    });
    assert_eq!(fetched.len(), 2, "the witness and the params: {fetched:?}");
    let proof = std::fs::read(outputs.path().join("proof.json")).unwrap();

    // Handing it back: garbage is a 400, an altered proof a 422 with the report; the job still
    // waits. The real proof is taken (202), verified and served.
    let (code, answer) = serve.post(&format!("/blocks/{number}/proof"), b"not a proof");
    assert_eq!(code, 400, "{answer}");
    let mut altered: Value = serde_json::from_slice(&proof).unwrap();
    let hex = altered["chunks"][0]["block_state"]["proof"].as_str().unwrap().to_string();
    altered["chunks"][0]["block_state"]["proof"] = common::hex_flip(&hex, hex.len() / 2).into();
    let (code, answer) = serve.post(&format!("/blocks/{number}/proof"), &serde_json::to_vec(&altered).unwrap());
    assert_eq!((code, answer["report"]["is_success"].as_bool()), (422, Some(false)), "{answer}");
    assert_eq!(status_of(&serve.blocks(), number).as_deref(), Some("proving"), "the job still waits");
    let (code, answer) = serve.post(&format!("/blocks/{number}/proof"), &proof);
    assert_eq!((code, answer["status"].as_str()), (202, Some("submitted")), "{answer}");
    serve.wait_for("the handed-in proof verified", Duration::from_secs(120), |b| {
        status_of(b, number).as_deref() == Some("proven")
    });
    assert_eq!(serve.get_bytes(&format!("/blocks/{number}/proof")), proof);
    let (code, answer) = serve.post(&format!("/blocks/{number}/proof"), &proof);
    assert_eq!(code, 409, "a proven block takes no more proofs: {answer}");
    let (code, _) = serve.post(&format!("/blocks/{}/proof", number + 100), &proof);
    assert_eq!(code, 404);
}

/// What a Gevulot v2 worker does with a task's spec: each input context fetched (by `fetch`, from
/// its source, for its target) under an input directory, the prover binary run with the task's
/// arguments and environment in the v2 form; the output directory it wrote.
fn run_as_a_node(spec: &Value, mut fetch: impl FnMut(&str, &str) -> Vec<u8>) -> tempfile::TempDir {
    let inputs = tempfile::tempdir().unwrap();
    let outputs = tempfile::tempdir().unwrap();
    for input in spec["inputContexts"].as_array().unwrap() {
        let (source, target) = (input["source"].as_str().unwrap(), input["target"].as_str().unwrap());
        let local = inputs.path().join(target.strip_prefix("/mnt/gevulot/input/").unwrap());
        std::fs::create_dir_all(local.parent().unwrap()).unwrap();
        std::fs::write(&local, fetch(source, target)).unwrap();
    }
    let task_args: Vec<String> = serde_json::from_value(spec["args"].clone()).unwrap();
    let prover = PathBuf::from(env!("CARGO_BIN_EXE_prover_cmd")).with_file_name("prover");
    assert!(prover.is_file(), "{} missing: build the workspace (cargo test --workspace --no-run)", prover.display());
    let mut run = Command::new(&prover);
    run.args(&task_args)
        .env("GEVULOT_MODE", "v2")
        .env("GEVULOT_INPUT_DIR", inputs.path())
        .env("GEVULOT_OUTPUT_DIR", outputs.path());
    for var in spec["env"].as_array().unwrap() {
        run.env(var["name"].as_str().unwrap(), var["value"].as_str().unwrap());
    }
    let out = run.output().unwrap();
    assert!(out.status.success(), "{task_args:?}: {}", String::from_utf8_lossy(&out.stderr));
    outputs
}

/// A task file as the task's spec (JSON values).
fn task_spec(file: &str) -> Value {
    let task: Value = serde_yaml::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    task["spec"].clone()
}

fn wait_for_lines(serve: &Serve, n: usize) -> Vec<String> {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let printed = serve.printed();
        if printed.len() >= n {
            return printed;
        }
        assert!(std::time::Instant::now() < deadline, "serve printed only {printed:#?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Split proving as a deployment runs it and by hand, with one aggregation between them (every
/// aggregation is minutes). `serve --split --gevulot-dry-run` makes the block a workflow of one
/// task per segment and their aggregation. Segment 1 is proven as a Gevulot worker runs its task;
/// segment 0 by `prover_cmd prove_segment`, with the plan `offline_prover --execute-only` prints
/// (docs/split-proving.md): the pieces are the same files. `aggregate` refuses every bad set of
/// pieces by name, writing nothing. The aggregation task makes the proof from the two pieces; it
/// comes back through the API, is verified and served, and `prover_cmd verifier` accepts it.
/// (A leaf made apart and aggregated from: the workers' path, cli/tests/serve_split.rs.)
#[test]
fn a_split_workflow_aggregates_segments_proven_by_its_tasks_and_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let anvil = Anvil::start(Some("shanghai")).unwrap();
    let chain = blocks::Chain::new(&anvil).unwrap();
    // Block 1 of a fresh anvil cannot be captured (its genesis stateRoot is the empty root).
    anvil.rpc("evm_mine", serde_json::json!([])).unwrap();
    let (number, _, _) = blocks::store_clear_block(&chain).unwrap();
    #[rustfmt::skip]
    let args = [
        "-r", &anvil.url, "--from", &number.to_string(), "--proof", "execution", "--split",
        "--segment-memory", "1.5", "--gevulot-dry-run", "--gevulot-prover-image", IMAGE, "--poll-ms", "250",
    ];
    let serve = Serve::start(&args, d);
    serve.wait_for("the workflow prepared", Duration::from_secs(120), |b| {
        b.iter().any(|b| b["number"] == number && b["progress"].as_str().is_some_and(|p| p.contains("dry run")))
    });

    // Stage 1: one task per segment; stage 2: fill the pieces' CIDs into the aggregation, send
    // it, fetch the proof, hand it in.
    let created = |line: &String| {
        line.strip_prefix(r#"gvltctl task create -e "$GEVULOT_ENDPOINT" -n "$GEVULOT_MNEMONIC" -f "#).map(String::from)
    };
    // The 1.5 GiB setting cuts this block into 2 segments: 2 segment tasks, then 9 lines more.
    let segments = 2;
    let printed = wait_for_lines(&serve, segments + 9);
    assert!(printed[0].contains(&format!("Gevulot split workflow of {segments} segments")), "{printed:#?}");
    let workflow_file = printed[1].rsplit(' ').next().unwrap().to_string();
    let segment_files: Vec<String> = printed.iter().filter_map(created).filter(|f| f.contains("segment-")).collect();
    assert_eq!(segment_files.len(), segments, "{printed:#?}");
    let sed = printed.iter().find(|l| l.starts_with("sed ")).unwrap_or_else(|| panic!("{printed:#?}"));
    let aggregate_file = sed.split(' ').rev().nth(2).unwrap().to_string();
    assert!(sed.contains("-e 's|${SEGMENT_1}|SEGMENT_1_CID|'"), "{sed}");
    let hand_in = printed.last().unwrap();
    assert!(hand_in.ends_with(&format!("{}/blocks/{number}/proof", serve.url)), "{printed:#?}");

    // The workflow holds the same tasks, in two stages.
    let workflow: Value = serde_yaml::from_str(&std::fs::read_to_string(&workflow_file).unwrap()).unwrap();
    let stages = workflow["spec"]["stages"].as_array().unwrap();
    assert_eq!((stages.len(), stages[0]["tasks"].as_array().unwrap().len()), (2, segments), "{workflow:#}");
    for (i, file) in segment_files.iter().enumerate() {
        assert_eq!(stages[0]["tasks"][i], task_spec(file), "segment task {i}");
    }
    assert_eq!(stages[1]["tasks"][0], task_spec(&aggregate_file));

    // The plan by hand, from the witness the API serves: the plan every machine follows.
    let witness_url = format!("{}/blocks/{number}/witness", serve.url);
    let witness_bytes = serve.get_bytes(&format!("/blocks/{number}/witness"));
    let witness = d.join("witness.json");
    std::fs::write(&witness, &witness_bytes).unwrap();
    let report = common::execute_only_with(&witness, &["--segment-memory", "1.5"]);
    let plan = d.join("plan.json");
    std::fs::write(&plan, serde_json::to_vec(&report).unwrap()).unwrap();
    assert_eq!(report["plan"]["segments"].as_array().map(Vec::len), Some(segments), "{report}");
    assert_eq!(report["plan"]["instructions"], report["instructions"]);

    // Segment 1 as a Gevulot worker runs its task; segment 0 by hand, in a process of its own.
    let segment = |i: usize| d.join(format!("segment-{i}.json"));
    let spec = task_spec(&segment_files[1]);
    assert_eq!(spec["image"], IMAGE);
    let outputs = run_as_a_node(&spec, |source, _| {
        assert_eq!(source, witness_url);
        witness_bytes.clone()
    });
    std::fs::copy(outputs.path().join("segment.json"), segment(1)).unwrap();
    let args = ["-q", "prove_segment", "-w", s(&witness), "--plan", s(&plan), "--segment", "0", "-o"];
    ok(prover_cmd(&[&args[..], &[s(&segment(0))]].concat()));
    for i in 0..segments {
        let piece = read_json(&segment(i));
        let (first, count) = (piece["first"].as_u64(), piece["count"].as_u64());
        assert_eq!((piece["layer"].as_str(), first, count), (Some("segment"), Some(i as u64), Some(2)), "{i}");
        assert_eq!(piece["plan_digest"], report["plan"]["digest"], "segment {i}: the task's plan is the printed one");
    }
    let args = ["-q", "prove_segment", "-w", s(&witness), "--plan", s(&plan), "--segment", "2", "-o"];
    let out = prover_cmd(&[&args[..], &[s(&d.join("x.json"))]].concat());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.matches("segment 2 does not exist: the run has 2 segments").count(), 1, "said once: {stderr}");
    assert!(!d.join("x.json").exists());

    // Every bad set of pieces, refused by name before any proving.
    let all: Vec<PathBuf> = (0..segments).map(segment).collect();
    let with = |i: usize, other: PathBuf| -> Vec<PathBuf> {
        let mut set = all.clone();
        set[i] = other;
        set
    };
    let aggregate_refuses = |pieces: &[PathBuf], reason: &str| refused(d, &witness, &plan, &[], pieces, reason);
    aggregate_refuses(&all[..1], "missing: segment 1");
    aggregate_refuses(&[&all[..], &all[1..]].concat(), "segment 1 is given twice");
    let other_block =
        changed(d, &all[1], "other-block.json", |p| p["block_hash"] = format!("0x{}", "07".repeat(32)).into());
    aggregate_refuses(&with(1, other_block), "segment 1 is of block 0x0707");
    let other_image = changed(d, &all[0], "other-image.json", |p| p["image_id"] = "0x1234".into());
    aggregate_refuses(&with(0, other_image), "segment 0 is of guest image 0x1234");
    let other_plan =
        changed(d, &all[1], "other-plan.json", |p| p["plan_digest"] = format!("0x{}", "09".repeat(32)).into());
    aggregate_refuses(&with(1, other_plan), "segment 1 belongs to plan 0x0909");
    let damaged = changed(d, &all[0], "damaged.json", |p| {
        let hex = p["proof"].as_str().unwrap().to_string();
        p["proof"] = common::hex_flip(&hex, hex.len() / 2).into();
    });
    aggregate_refuses(&with(0, damaged), "segment 0 does not verify");
    // A valid STARK in the wrong place: segment 0's proof said to be segment 1.
    let misplaced = changed(d, &all[1], "misplaced.json", |p| p["proof"] = read_json(&all[0])["proof"].clone());
    aggregate_refuses(&with(1, misplaced), "does not start where segment");
    let no_values = changed(d, &all[1], "no-values.json", |p| p["user_public_values"] = Value::Null);
    aggregate_refuses(
        &with(1, no_values),
        "segment 1 covers the last segment but carries no proof of the public values",
    );
    aggregate_refuses(&with(0, witness.clone()), "not a segment proof file");
    refused(d, &witness, &plan, &["--leaf"], &[&all[1..], &all[1..]].concat(), "segment 1 is given twice");

    // The aggregation task, its SEGMENT_i inputs the two pieces (a deployment's CIDs of them).
    let pieces: std::collections::BTreeMap<String, Vec<u8>> =
        (0..segments).map(|i| (format!("${{SEGMENT_{i}}}"), std::fs::read(segment(i)).unwrap())).collect();
    let outputs = run_as_a_node(&task_spec(&aggregate_file), |source, target| {
        if source == witness_url {
            return witness_bytes.clone();
        }
        let piece = pieces.get(source).unwrap_or_else(|| panic!("an input from {source}"));
        assert!(target.starts_with("/mnt/gevulot/input/segments/"), "{target}");
        piece.clone()
    });
    let proof = std::fs::read(outputs.path().join("proof.json")).unwrap();
    let (code, answer) = serve.post(&format!("/blocks/{number}/proof"), &proof);
    assert_eq!((code, answer["status"].as_str()), (202, Some("submitted")), "{answer}");
    serve.wait_for("the workflow's proof verified", Duration::from_secs(120), |b| {
        status_of(b, number).as_deref() == Some("proven")
    });
    assert_eq!(serve.get_bytes(&format!("/blocks/{number}/proof")), proof);

    // The verifier takes it as any execution proof: the block, the pinned image, nothing that
    // says how it was split but its segment count.
    let proof_path = outputs.path().join("proof.json");
    let (code, verified) = verify(&proof_path, &["-w", s(&witness)]);
    assert_eq!((code, verified["is_success"].as_bool()), (Some(0), Some(true)), "{verified:#}");
    let made = read_json(&proof_path);
    assert_eq!(made["commitment"], report["commitment"], "the block commitment --execute-only printed");
    assert_eq!((&made["image_id"], made["segments"].as_u64()), (&report["image_id"], Some(2)));
}

/// `aggregate` (with `flags`, such as `--leaf`) over `pieces` must fail, write nothing, and say
/// `reason`.
fn refused(dir: &Path, witness: &Path, plan: &Path, flags: &[&str], pieces: &[PathBuf], reason: &str) {
    let out_path = dir.join("refused.json");
    let mut args = vec!["-q", "aggregate", "-w", s(witness), "--plan", s(plan), "-p", s(&out_path)];
    args.extend(flags);
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
