//! What the CLI tests share: running prover_cmd, its verifier's JSON report, and tampering with a
//! proof file to see it refused.

#![allow(dead_code)]

use std::{
    path::Path,
    process::{Command, Output},
};

use serde_json::Value;

pub(crate) mod serve;

pub(crate) fn prover_cmd(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_prover_cmd")).args(args).output().unwrap()
}

pub(crate) fn ok(out: Output) -> Output {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out
}

pub(crate) fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

pub(crate) fn hex_flip(text: &str, at: usize) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    chars[at] = if chars[at] == '0' { '1' } else { '0' };
    chars.into_iter().collect()
}

pub(crate) fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Runs `prover_cmd verifier -p <proof> <extra>`: the exit code and the JSON report (never a panic).
pub(crate) fn verify(proof: &Path, extra: &[&str]) -> (Option<i32>, Value) {
    let mut args = vec!["-q", "verifier", "-p", s(proof)];
    args.extend(extra);
    let out = prover_cmd(&args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    (out.status.code(), report)
}

/// Verifies a changed copy of a proof file (written into `dir`); it must be refused with `reason`
/// in the report's message.
pub(crate) fn refuses(dir: &Path, extra: &[&str], proof: &Value, change: impl FnOnce(&mut Value), reason: &str) {
    let mut changed = proof.clone();
    change(&mut changed);
    let path = dir.join("changed.json");
    std::fs::write(&path, serde_json::to_vec(&changed).unwrap()).unwrap();
    let (code, report) = verify(&path, extra);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(report["is_success"], false);
    let message = report["message"].as_str().unwrap();
    assert!(message.contains(reason), "expected {reason:?} in {message:?}");
}

/// `offline_prover --proof execution --execute-only`: the guest in the zkVM executor, its report.
pub(crate) fn execute_only(witness: &Path) -> Value {
    execute_only_with(witness, &[])
}

/// `execute_only` with more arguments (the prover settings).
pub(crate) fn execute_only_with(witness: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["-q", "offline_prover", "--proof", "execution", "--execute-only", "-w", s(witness)];
    args.extend_from_slice(extra);
    serde_json::from_slice(&ok(prover_cmd(&args)).stdout).unwrap()
}
