//! `prover_cmd serve --gevulot-dry-run` following a real anvil: each block's job becomes a Gevulot
//! v2 task (the prover task of manifests/, filled in) and the commands that send it are printed.
//! The test then does what a Gevulot worker does with that task file: it fetches the task's input
//! contexts (the witness from serve's own API; the params, which a user would have uploaded, from
//! serve's data directory), runs the Gevulot prover binary with the task's arguments and
//! environment in the v2 form, and hands the proof back as the printed command does. The proof is
//! verified, stored and served; garbage and an altered proof are refused without failing the job.

mod common;

use std::{path::PathBuf, process::Command, time::Duration};

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
        "--poll-ms", "250",
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
    let inputs = tempfile::tempdir().unwrap();
    let outputs = tempfile::tempdir().unwrap();
    let witness_url = format!("{}/blocks/{number}/witness", serve.url);
    let mut fetched = vec![];
    for input in spec["inputContexts"].as_array().unwrap() {
        let (source, target) = (input["source"].as_str().unwrap(), input["target"].as_str().unwrap());
        let local = inputs.path().join(target.strip_prefix("/mnt/gevulot/input/").unwrap());
        std::fs::create_dir_all(local.parent().unwrap()).unwrap();
        let bytes = match source {
            s if s == witness_url => serve.get_bytes(&format!("/blocks/{number}/witness")),
            PARAMS_URL => {
                std::fs::read(dir.path().join("insecure-dev-params").join(local.file_name().unwrap())).unwrap()
            }
            other => panic!("an input from {other}"),
        };
        std::fs::write(&local, bytes).unwrap();
        fetched.push(target.to_string());
    }
    assert_eq!(fetched.len(), 2, "the witness and the params: {fetched:?}");

    // The Gevulot worker's part: the prover binary, the task's args and env, the v2 form.
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
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
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
