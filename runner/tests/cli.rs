//! gevulot-runner as a user runs it: the verifier image (built by scripts/test.sh) booted in QEMU
//! TCG on a task, its JSON on stdout and its exit status; and the clear errors before any boot.

use std::{
    path::PathBuf,
    process::{Command, Output},
};

use serde_json::Value;

fn image_dir() -> PathBuf {
    let dir = std::env::var_os("VM_IMAGES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| testkit::workspace_root().join("target/vm-images"))
        .join("verifier");
    assert!(dir.join("image.json").is_file(), "{} missing: scripts/test.sh builds the images", dir.display());
    dir
}

fn runner(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gevulot-runner")).args(args).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn runs_the_verifier_image_and_prints_its_answer() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("proof.json");
    std::fs::write(&junk, "{\"format\": \"something-else\"}").unwrap();
    let ws = dir.path().join("ws");
    let image = image_dir();
    let out = runner(&[
        "--image",
        image.to_str().unwrap(),
        "--workspace",
        ws.to_str().unwrap(),
        "--id",
        "junk-proof",
        "--file",
        junk.to_str().unwrap(),
        "--",
        "--proof",
        "/workspace/proof.json",
    ]);
    assert!(out.status.success(), "{}\n{}", text(&out.stderr), text(&out.stdout));
    let outcome: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((outcome["accel"].as_str(), outcome["qemu_exit"].as_i64()), (Some("tcg"), Some(3)));
    let data = &outcome["result"]["Ok"]["data"];
    assert_eq!(data["is_success"], false, "{outcome}");
    assert!(data["message"].as_str().unwrap().contains("not a proof file"), "{outcome}");
    assert_eq!(data["proof_file"], "/workspace/proof.json");
    let task: Value = serde_json::from_slice(&std::fs::read(ws.join("task.json")).unwrap()).unwrap();
    assert_eq!(task["files"], serde_json::json!(["/workspace/proof.json"]), "the node's task file");
    let console = std::fs::read_to_string(ws.join("console.log")).unwrap();
    assert!(console.contains("fork and exec are forbidden"), "{console}");

    // A task that outlives its time limit is stopped and failed.
    let out = runner(&[
        "--image",
        image.to_str().unwrap(),
        "--workspace",
        ws.to_str().unwrap(),
        "--timeout",
        "1",
        "--",
        "--proof",
        "x",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let outcome: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(outcome["timed_out"], true);
    assert!(outcome["result"]["Err"].as_str().unwrap().contains("did not finish within 1 s"));
}

#[test]
fn refuses_what_it_cannot_run_before_booting() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().to_str().unwrap();
    let out = runner(&["--image", ws, "--workspace", ws, "--", "--proof", "x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("is not a VM image directory"), "{}", text(&out.stderr));

    let image = image_dir();
    let out = runner(&["--image", image.to_str().unwrap(), "--workspace", ws, "--file", "/no/such/witness.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("task file /no/such/witness.json not found"), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
}
