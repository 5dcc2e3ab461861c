//! Both binaries natively, in each form of the task contract, under the fork/exec ban.

use serde_json::Value;

use crate::fixture::{
    data, fixture, params_name, run, s, stderr, v1_result, v1_workspace, witness_that_does_not_check,
};

fn banned(out: &std::process::Output) {
    assert!(stderr(out).contains("fork and exec are forbidden (seccomp)"), "{}", stderr(out));
}

#[test]
fn prover_v1_file_form_returns_the_proof_file_under_the_ban() {
    let f = fixture();
    banned(&f.prover_run);
    let result = &f.prover_result;
    assert_eq!(result["id"], "prove-1");
    assert_eq!(result["files"], serde_json::json!(["/workspace/proof.json"]), "files are named as the node sees them");
    let data = data(result);
    assert_eq!(data["proof_file"], "/workspace/proof.json");
    assert_eq!(data["block_number"], f.block);
    assert_eq!((data["class"].as_str(), data["chunks"].as_u64()), (Some("micro"), Some(1)));
    assert_eq!(data["insecure_dev_params"], true);
    let proof: Value = serde_json::from_slice(&std::fs::read(f.proof()).unwrap()).unwrap();
    assert_eq!(proof["circuits"], data["circuits"]);
    assert_eq!(proof["block_number"], f.block);
}

fn verify_v1(dir: &std::path::Path, proof: &std::path::Path) -> (std::process::Output, Result<Value, String>) {
    let f = fixture();
    let ws = v1_workspace(
        dir,
        "verify-1",
        &[
            "--proof",
            "/workspace/proof.json",
            "--params",
            &format!("/workspace/{}", params_name()),
            "--keys-dir",
            s(&f.keys),
        ],
        &[proof, &f.params],
    );
    // The program's own arguments (an ops config's `Args`) are defaults the task overrides.
    let out = run("verifier", &[("GEVULOT_WORKSPACE", &ws)], "v1", &["--params", "/no/such/params"]);
    let result = v1_result(&ws);
    (out, result)
}

#[test]
fn verifier_v1_file_form_accepts_the_proof_and_answers_like_the_reference() {
    let dir = tempfile::tempdir().unwrap();
    let (out, result) = verify_v1(dir.path(), &fixture().proof());
    assert!(out.status.success(), "{}", stderr(&out));
    banned(&out);
    let result = result.unwrap();
    assert_eq!((result["id"].as_str(), result["files"].as_array().map(Vec::len)), (Some("verify-1"), Some(0)));
    let data = data(&result);
    assert_eq!(data["is_success"], true, "{data}");
    assert!(data["message"].as_str().unwrap().contains("INSECURE"), "{data}");
    assert_eq!(data["proof_file"], "/workspace/proof.json");
    assert!(data["timestamp"].as_u64().unwrap() > 1_700_000_000);
    assert_eq!(data["report"]["block_number"], fixture().block);
}

#[test]
fn verifier_v1_answers_is_success_false_for_an_altered_proof() {
    let dir = tempfile::tempdir().unwrap();
    let mut proof: Value = serde_json::from_slice(&std::fs::read(fixture().proof()).unwrap()).unwrap();
    let text = proof["chunks"][0]["block_state"]["proof"].as_str().unwrap().to_string();
    let mut chars: Vec<char> = text.chars().collect();
    let at = chars.len() / 2;
    chars[at] = if chars[at] == '0' { '1' } else { '0' };
    proof["chunks"][0]["block_state"]["proof"] = Value::String(chars.into_iter().collect());
    let altered = dir.path().join("proof.json");
    std::fs::write(&altered, proof.to_string()).unwrap();
    let (out, result) = verify_v1(&dir.path().join("ws"), &altered);
    assert!(out.status.success(), "a completed verification is a completed task: {}", stderr(&out));
    let data = data(&result.unwrap());
    assert_eq!(data["is_success"], false);
    assert!(data["message"].as_str().unwrap().contains("does not verify"), "{data}");
}

#[test]
fn verifier_v2_reads_input_writes_output() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("input"), dir.path().join("output"));
    std::fs::create_dir_all(&input).unwrap();
    std::fs::create_dir_all(&output).unwrap();
    std::fs::copy(f.proof(), input.join("proof.json")).unwrap();
    std::fs::copy(&f.params, input.join(params_name())).unwrap();
    std::fs::copy(&f.witness, input.join("witness.json")).unwrap();
    let out = run(
        "verifier",
        &[("GEVULOT_INPUT_DIR", &input), ("GEVULOT_OUTPUT_DIR", &output)],
        "v2",
        &[
            "--proof",
            "/mnt/gevulot/input/proof.json",
            "--params",
            &params_name(),
            "--keys-dir",
            s(&f.keys),
            "--witness",
            "witness.json",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    banned(&out);
    let data: Value = serde_json::from_slice(&std::fs::read(output.join("result.json")).unwrap()).unwrap();
    assert_eq!(data["is_success"], true, "{data}");
    assert_eq!(data["report"]["witness_matched"], true, "{data}");
    assert_eq!(data["proof_file"], "/mnt/gevulot/input/proof.json");
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed, data, "the result data also goes to stdout");
}

#[test]
fn bad_task_files_and_arguments_give_a_failed_result_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();

    // Not a task.
    let ws = dir.path().join("garbage");
    std::fs::create_dir_all(&ws).unwrap();
    std::fs::write(ws.join("task.json"), "{\"id\": 7, \"args\"").unwrap();
    let out = run("verifier", &[("GEVULOT_WORKSPACE", &ws)], "v1", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = v1_result(&ws).unwrap_err();
    assert!(err.contains("not a task ({id, args, files})"), "{err}");
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));

    // No task file at all.
    let ws = dir.path().join("empty");
    std::fs::create_dir_all(&ws).unwrap();
    let out = run("prover", &[("GEVULOT_WORKSPACE", &ws)], "v1", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(v1_result(&ws).unwrap_err().contains("task.json"));

    // Arguments the program does not take.
    let ws = v1_workspace(&dir.path().join("args"), "bad-args", &["--proof-file", "x"], &[]);
    let out = run("verifier", &[("GEVULOT_WORKSPACE", &ws)], "v1", &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = v1_result(&ws).unwrap_err();
    assert!(err.contains("bad task arguments") && err.contains("--proof-file"), "{err}");

    // A witness that does not check natively is refused before any proving.
    let (bad, address) = witness_that_does_not_check(dir.path());
    let ws = v1_workspace(
        &dir.path().join("bad-witness"),
        "bad-witness",
        &["--witness", "/workspace/witness.json", "--params", "/workspace/none.srs"],
        &[&bad],
    );
    let started = std::time::Instant::now();
    let out = run("prover", &[("GEVULOT_WORKSPACE", &ws)], "v1", &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = v1_result(&ws).unwrap_err();
    assert!(err.starts_with("proving:") && err.to_lowercase().contains(&address[2..]), "names the account: {err}");
    assert!(started.elapsed().as_secs() < 30, "refused before proving");
    assert!(!ws.join("proof.json").exists(), "no half-written proof");

    // A stale result is never overwritten: the node would read it as this task's.
    let ws = v1_workspace(&dir.path().join("stale"), "stale", &["--proof", "p.json"], &[]);
    std::fs::write(ws.join("task_result.json"), "{\"Ok\":\"old\"}").unwrap();
    let out = run("verifier", &[("GEVULOT_WORKSPACE", &ws)], "v1", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(ws.join("task_result.json")).unwrap(), "{\"Ok\":\"old\"}");

    // v2 without its directories; an unknown mode.
    let out = run("verifier", &[("GEVULOT_INPUT_DIR", &dir.path().join("nope"))], "v2", &["--proof", "p"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("is not a directory"), "{}", stderr(&out));
    let out = run("verifier", &[], "v3", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("expected v1, v1-grpc or v2"), "{}", stderr(&out));
}
