//! `prover_cmd serve --gevulot-dry-run` following a real anvil: each block's job becomes a Gevulot
//! v2 task (the prover task of manifests/, filled in) and the commands that send it are printed.
//! The test then does what a Gevulot worker does with that task file: it fetches the task's input
//! contexts (the witness from serve's own API; the params, which a user would have uploaded, from
//! serve's data directory), runs the Gevulot prover binary with the task's arguments and
//! environment in the v2 form, and hands the proof back as the printed command does. The proof is
//! verified, stored and served; garbage and an altered proof are refused without failing the job.

mod common;

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::Duration,
};

use common::serve::{status_of, Serve};
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

/// `--split`: the block becomes a workflow of one task per segment and their aggregation; the
/// test runs every task as a Gevulot worker would, the segment tasks first (their pieces are what
/// a deployment fills into the aggregation task as SEGMENT_i), then the aggregation, whose proof
/// comes back through the API and is verified and served.
#[test]
fn a_split_dry_run_prepares_a_workflow_of_segment_tasks_and_their_aggregation() {
    let dir = tempfile::tempdir().unwrap();
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
    let serve = Serve::start(&args, dir.path());
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

    // A worker per segment task (in another order: the pieces are files, any order will do).
    let witness_url = format!("{}/blocks/{number}/witness", serve.url);
    let witness = serve.get_bytes(&format!("/blocks/{number}/witness"));
    let mut pieces = std::collections::BTreeMap::new();
    for i in [1, 0] {
        let spec = task_spec(&segment_files[i]);
        assert_eq!(spec["image"], IMAGE);
        let outputs = run_as_a_node(&spec, |source, _| {
            assert_eq!(source, witness_url);
            witness.clone()
        });
        pieces.insert(format!("${{SEGMENT_{i}}}"), std::fs::read(outputs.path().join("segment.json")).unwrap());
    }
    // The aggregation: its SEGMENT_i inputs are those pieces (a deployment's CIDs of them).
    let outputs = run_as_a_node(&task_spec(&aggregate_file), |source, target| {
        if source == witness_url {
            return witness.clone();
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
}
