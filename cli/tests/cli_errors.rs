//! Bad input: a clear error on stderr, a non-zero exit (1; 2 for usage errors, as clap does),
//! never a panic or a half-written file.

use std::process::{Command, Output};

use testkit::{anvil::Anvil, blocks};

fn prover_cmd(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_prover_cmd")).args(args).output().unwrap()
}

fn assert_fails(out: &Output, needle: &str) {
    assert_fails_with(out, 1, needle)
}

fn assert_fails_with(out: &Output, code: i32, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{stderr}");
    assert!(stderr.contains(needle), "expected {needle:?} in: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn capture_errors_name_the_problem_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let w = dir.path().join("w.json");
    let w = w.to_str().unwrap();

    // Nothing listens on port 9 of loopback.
    let out = prover_cmd(&["-q", "witness_capture", "-b", "5", "-r", "http://127.0.0.1:9", "-w", w, "--retries", "0"]);
    assert_fails(&out, "cannot reach http://127.0.0.1:9");

    let anvil = Anvil::start(None).unwrap();
    let chain = blocks::Chain::new(&anvil).unwrap();
    blocks::mixed_block(&chain).unwrap();
    assert_fails(&prover_cmd(&["-q", "witness_capture", "-b", "0", "-r", &anvil.url, "-w", w]), "genesis");
    assert_fails(
        &prover_cmd(&["-q", "witness_capture", "-b", "999", "-r", &anvil.url, "-w", w]),
        "does not know block 999",
    );
    assert_fails(
        &prover_cmd(&["-q", "witness_capture", "-b", "1", "-r", &anvil.url, "-w", w, "--blockhash-window", "0"]),
        "--blockhash-window must be 1..=256",
    );
    let out = prover_cmd(&["-q", "witness_capture", "-b", "1", "-r", &anvil.url, "-w", w, "--format", "xml"]);
    assert_fails_with(&out, 2, "unknown witness format");
    assert!(!std::path::Path::new(w).exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);

    // anvil's genesis header claims the empty stateRoot though its genesis accounts are funded, so
    // block 1 (whose parent is genesis) is refused as inconsistent; block 2 is fine.
    assert_fails(&prover_cmd(&["-q", "witness_capture", "-b", "1", "-r", &anvil.url, "-w", w]), "proof does not check");
    let missing_dir = dir.path().join("no/such/dir/w.json");
    let out = prover_cmd(&["-q", "witness_capture", "-b", "2", "-r", &anvil.url, "-w", missing_dir.to_str().unwrap()]);
    assert_fails(&out, "writing the witness to");
}

#[test]
fn inspect_rejects_damaged_files() {
    let dir = tempfile::tempdir().unwrap();
    let anvil = Anvil::start(Some("cancun")).unwrap();
    let chain = blocks::Chain::new(&anvil).unwrap();
    let block = blocks::mixed_block(&chain).unwrap().number.to_string();
    let good = dir.path().join("w.bin");
    let out = prover_cmd(&["-q", "witness_capture", "-b", &block, "-r", &anvil.url, "-w", good.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let bytes = std::fs::read(&good).unwrap();

    let truncated = dir.path().join("truncated.bin");
    std::fs::write(&truncated, &bytes[..bytes.len() - 100]).unwrap();
    assert_fails(&prover_cmd(&["witness_inspect", truncated.to_str().unwrap()]), "corrupt or truncated");

    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "hello").unwrap();
    assert_fails(&prover_cmd(&["witness_inspect", text.to_str().unwrap()]), "not a witness file");

    assert_fails(&prover_cmd(&["witness_inspect", "/no/such/file"]), "No such file");

    // A witness that decodes but does not check: the summary is printed, then the reason, exit 1.
    let mut w = witness::file::read(&good).unwrap();
    w.block.pre_state[0].nonce += 1;
    let tampered = dir.path().join("tampered.json");
    witness::file::write(&tampered, &w, witness::file::Format::Json).unwrap();
    let out = prover_cmd(&["witness_inspect", tampered.to_str().unwrap()]);
    assert_fails(&out, "does not check");
    assert!(String::from_utf8_lossy(&out.stdout).contains("accounts"));
}

#[test]
fn proving_refuses_bad_witnesses_and_params_before_any_proving() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let anvil = Anvil::start(Some("shanghai")).unwrap();
    let chain = blocks::Chain::new(&anvil).unwrap();
    let block = blocks::small_block(&chain).unwrap().number.to_string();
    let good = path("w.json");
    assert!(prover_cmd(&["-q", "witness_capture", "-b", &block, "-r", &anvil.url, "-w", &good]).status.success());
    let params_dir = path("params");
    let made = prover_cmd(&["-q", "params", "-k", "14", "-o", &params_dir]);
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let small = format!("{params_dir}/kzg_bn254_14.insecure-dev.srs");
    let proof = path("proof.json");
    let prove = |witness: &str, params: &str, extra: &[&str]| {
        let mut args = vec!["-q", "offline_prover", "-w", witness, "-k", params, "-p", &proof, "--no-key-cache"];
        args.extend(extra);
        prover_cmd(&args)
    };

    // A witness that does not check natively is refused before params or keys are touched.
    let mut w = witness::file::read(std::path::Path::new(&good)).unwrap();
    w.block.pre_state[0].nonce += 1;
    let tampered = path("tampered.json");
    witness::file::write(std::path::Path::new(&tampered), &w, witness::file::Format::Json).unwrap();
    assert_fails(&prove(&tampered, &small, &[]), "the witness does not check, so it is not proven");

    assert_fails(&prove(&good, &small, &[]), "params for k = 14, but k = 15 is needed");
    assert_fails(&prove(&good, &params_dir, &[]), "no kzg_bn254_{k}.srs with k >= 15 in");
    assert_fails(&prove(&good, &small, &["--class", "tiny"]), "k = 17 is needed");
    let cut = path("cut.srs");
    let bytes = std::fs::read(&small).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() - 1]).unwrap();
    assert_fails(&prove(&good, &cut, &[]), "the RawBytes layout needs");
    assert_fails(&prove(&path("none.json"), &small, &[]), "No such file");
    assert_fails_with(&prove(&good, &small, &["--class", "huge"]), 2, "unknown circuit class");
    let out = prover_cmd(&["-q", "offline_prover", "-w", &good, "-k", &small, "-p", "/no/such/dir/p.json"]);
    assert_fails(&out, "cannot write the proof to /no/such/dir/p.json");
    assert!(!std::path::Path::new(&proof).exists(), "no proof file after a failure");

    // The params command: size limits, and downsizing keeps the insecure marking.
    assert_fails(&prover_cmd(&["-q", "params", "-k", "0", "-o", &params_dir]), "-k must be 1..=28");
    let out = prover_cmd(&["-q", "params", "-k", "12", "--from", &small, "-o", &params_dir]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("kzg_bn254_12.insecure-dev.srs"));
    assert_fails(&prover_cmd(&["-q", "params", "-k", "16", "--from", &small, "-o", &params_dir]), "k = 16 is needed");

    // The verifier answers with a report, also for a file that is not there.
    let out = prover_cmd(&["-q", "verifier", "-p", &path("missing.json"), "-k", &small]);
    assert_fails(&out, "No such file");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["is_success"], false);
}

#[test]
fn serve_refuses_an_incomplete_gevulot_dry_run_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let serve = |extra: &[&str]| {
        let mut args = vec!["-q", "serve", "-r", "http://127.0.0.1:1", "--data-dir", data.to_str().unwrap()];
        args.extend(extra);
        prover_cmd(&args)
    };
    assert_fails_with(&serve(&["--gevulot-dry-run"]), 2, "--gevulot-prover-image <URL>");
    let dry = ["--gevulot-dry-run", "--gevulot-prover-image", "https://example.org/prover.img"];
    assert_fails_with(&serve(&[&dry[..], &["--workers", "2"]].concat()), 2, "cannot be used with '--workers");
    assert_fails_with(&serve(&["--gevulot-params", "x"]), 2, "--gevulot-dry-run");
    let state = [&dry[..], &["--proof", "state"]].concat();
    assert_fails(&serve(&state), "needs --gevulot-params");
    assert_fails(
        &serve(&[&state[..], &["--gevulot-params", "https://example.org/kzg_bn254_19.srs"]].concat()),
        "needs --class",
    );
    assert_fails(&serve(&[&dry[..], &["--gevulot-params", "x"]].concat()), "--gevulot-params is for --proof state");
    // Refused before the data directory is made (no INSECURE params generated for nothing).
    assert!(!data.join("insecure-dev-params").exists());
}

/// prover_cmd is built for x86-64-v3: on an emulated Westmere (SSE4.2, no AVX; user-mode QEMU,
/// installed by scripts/install-test-deps.sh) it says so in one line and exits 1 before any work,
/// instead of dying of SIGILL. On `max` (everything QEMU emulates) it runs.
#[test]
fn on_a_cpu_without_avx2_prover_cmd_refuses_to_start_in_one_line() {
    let on = |cpu: &str| {
        Command::new("qemu-x86_64")
            .args(["-cpu", cpu, env!("CARGO_BIN_EXE_prover_cmd"), "execution_image"])
            .output()
            .expect("qemu-x86_64 (qemu-user): scripts/install-test-deps.sh installs it")
    };
    let out = on("Westmere");
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !cfg!(target_feature = "avx2") {
        assert!(out.status.success(), "the portable build runs on it: {stderr}");
        return;
    }
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.starts_with("prover_cmd: this CPU lacks avx, avx2, bmi1, bmi2,"), "{stderr}");
    assert!(out.stdout.is_empty(), "no work done: {}", String::from_utf8_lossy(&out.stdout));
    let out = on("max");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("pinned_image_id"));
}

/// A reader that closes the pipe before the JSON is written (`| head`) ends prover_cmd quietly, as
/// it ends other command-line tools: no panic from println!.
#[test]
fn a_closed_pipe_ends_prover_cmd_without_a_panic() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_prover_cmd"))
        .arg("execution_image")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
