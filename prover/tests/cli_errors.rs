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
