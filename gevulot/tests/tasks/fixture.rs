//! What every task test needs: a witness of an empty anvil block (its coinbase is the one account
//! touched), INSECURE dev params, and a proof of it made by the prover binary in v1 file form,
//! with its key cache (generated there, or copied from the CLI tests' when they ran first).

use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
    sync::OnceLock,
};

use serde_json::{json, Value};
use testkit::{anvil::Anvil, blocks};
use witness::{
    capture::{capture, CaptureOptions, Silent},
    file::Format,
    rpc::{RpcClient, RpcConfig},
};

/// The CLI tests' state-proof key cache (cli/tests/common/serve.rs), in the same target directory.
const SHARED_KEYS: &str = testkit::shared_state_keys!();

pub(crate) struct Fixture {
    _dir: tempfile::TempDir,
    pub block: u64,
    pub witness: PathBuf,
    pub params: PathBuf,
    pub keys: PathBuf,
    /// The native prover's v1 workspace after its run.
    pub prover_ws: PathBuf,
    pub prover_run: Output,
    pub prover_result: Value,
}

impl Fixture {
    pub(crate) fn proof(&self) -> PathBuf {
        self.prover_ws.join("proof.json")
    }
}

pub(crate) fn s(path: &Path) -> &str {
    path.to_str().expect("test paths are UTF-8")
}

pub(crate) fn params_name() -> String {
    circuit::params::dev_file_name(15)
}

/// Runs `prover` or `verifier` outside a VM with the given environment and arguments.
pub(crate) fn run(program: &str, env: &[(&str, &Path)], mode: &str, args: &[&str]) -> Output {
    let exe = match program {
        "prover" => env!("CARGO_BIN_EXE_prover"),
        _ => env!("CARGO_BIN_EXE_verifier"),
    };
    let mut cmd = Command::new(exe);
    cmd.env("GEVULOT_MODE", mode).env_remove("GEVULOT_NO_SECCOMP").args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("running the binary")
}

/// A v1 workspace holding `task.json` and the named files.
pub(crate) fn v1_workspace(dir: &Path, id: &str, args: &[&str], files: &[&Path]) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let mut names = Vec::new();
    for file in files {
        let name = file.file_name().unwrap().to_str().unwrap().to_string();
        std::fs::copy(file, dir.join(&name)).unwrap();
        names.push(format!("/workspace/{name}"));
    }
    let task = json!({ "id": id, "args": args, "files": names });
    std::fs::write(dir.join("task.json"), task.to_string()).unwrap();
    dir.to_path_buf()
}

/// `task_result.json`: Ok(result) or Err(message).
pub(crate) fn v1_result(ws: &Path) -> Result<Value, String> {
    let text = std::fs::read(ws.join("task_result.json")).expect("the shim wrote task_result.json");
    let value: Value = serde_json::from_slice(&text).unwrap();
    match (value.get("Ok"), value.get("Err")) {
        (Some(ok), None) => Ok(ok.clone()),
        (None, Some(err)) => Err(err.as_str().unwrap().to_string()),
        _ => panic!("task_result.json is neither Ok nor Err: {value}"),
    }
}

/// The result's `data` bytes, parsed as JSON.
pub(crate) fn data(result: &Value) -> Value {
    let bytes: Vec<u8> = serde_json::from_value(result["data"].clone()).unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

pub(crate) fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn make() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let anvil = Anvil::start(Some("shanghai")).unwrap();
    let chain = blocks::Chain::new(&anvil).unwrap();
    let made = blocks::small_block(&chain).unwrap();
    let client = RpcClient::new(&anvil.url, RpcConfig::default());
    let opts = CaptureOptions::new(made.empty, 1);
    let captured = capture(&client, &opts, &Silent).unwrap();
    let witness = dir.path().join("witness.json");
    witness::file::write(&witness, &captured.witness, Format::Json).unwrap();
    drop(anvil);

    let params = dir.path().join(params_name());
    circuit::params::write(&circuit::params::generate_insecure_dev(15), &params).unwrap();
    // The micro keys of the CLI's tests, when they ran before in this build (cli/tests/common/serve.rs):
    // key generation is tested there, and costs half a minute.
    testkit::key_cache::seed(Path::new(SHARED_KEYS), &dir.path().join("prover-ws/keys")).unwrap();

    let ws = v1_workspace(
        &dir.path().join("prover-ws"),
        "prove-1",
        &[
            "--witness",
            "/workspace/witness.json",
            "--params",
            &format!("/workspace/{}", params_name()),
            "--keys-dir",
            "/workspace/keys",
        ],
        &[&witness, &params],
    );
    let prover_run = run("prover", &[("GEVULOT_WORKSPACE", &ws)], "v1", &[]);
    let prover_result = v1_result(&ws).unwrap_or_else(|e| panic!("prover task failed: {e}\n{}", stderr(&prover_run)));
    assert!(prover_run.status.success(), "{}", stderr(&prover_run));
    Fixture {
        block: made.empty,
        witness,
        params,
        keys: ws.join("keys"),
        prover_ws: ws,
        prover_run,
        prover_result,
        _dir: dir,
    }
}

/// The fixture's witness with its first account's balance changed, written into `dir`: it no
/// longer checks against the block. Returns its path and the account's address (lower case).
pub(crate) fn witness_that_does_not_check(dir: &Path) -> (PathBuf, String) {
    let mut witness: Value = serde_json::from_slice(&std::fs::read(&fixture().witness).unwrap()).unwrap();
    let account = &mut witness["block"]["pre_state"][0];
    let address = account["address"].as_str().unwrap().to_lowercase();
    let balance = account["balance"].as_str().unwrap().to_string();
    account["balance"] = Value::String(if balance == "0x1" { "0x2".into() } else { "0x1".into() });
    let bad = dir.join("witness.json");
    std::fs::write(&bad, witness.to_string()).unwrap();
    (bad, address)
}

pub(crate) fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(make)
}
