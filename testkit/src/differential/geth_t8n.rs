//! The second oracle: geth's `evm t8n` (built from the go-ethereum module beside geth by
//! scripts/install-test-deps.sh), asked only when the specification and the stateless
//! re-execution disagree, to say which of the two a client agrees with. It takes the same input
//! (the transactions as `txsRlp`) and prints the same result fields.

use std::{
    io::Write,
    path::PathBuf,
    process::{Command, Stdio},
};

use anyhow::{bail, Context};
use serde_json::Value;

/// The pinned go-ethereum version (the tests' geth).
pub const GETH_VERSION: &str = "v1.17.10";

/// geth's `evm`, in `.tools/` (or `$GETH_EVM`).
pub fn evm() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    std::env::var_os("GETH_EVM")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(format!(".tools/geth-{GETH_VERSION}/bin/evm")))
}

/// Runs `{alloc, env, txsRlp}` through `evm t8n` under `fork`: geth's `{alloc, result}`.
pub fn run(alloc: &Value, env: &Value, txs_rlp: &str, fork: &str, chain_id: u64) -> anyhow::Result<Value> {
    let evm = evm();
    anyhow::ensure!(evm.exists(), "{} is missing: scripts/install-test-deps.sh builds it", evm.display());
    let mut child = Command::new(&evm)
        .args([
            "t8n",
            "--input.alloc=stdin",
            "--input.env=stdin",
            "--input.txs=stdin",
            "--output.result=stdout",
            "--output.alloc=stdout",
            &format!("--state.fork={fork}"),
            &format!("--state.chainid={chain_id}"),
            "--state.reward=-1",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {}", evm.display()))?;
    let input = serde_json::json!({ "alloc": alloc, "env": env, "txsRlp": txs_rlp });
    child.stdin.take().context("evm's stdin")?.write_all(input.to_string().as_bytes())?;
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!("evm t8n: {}", String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or_default());
    }
    serde_json::from_slice(&out.stdout).context("evm t8n's output is not JSON")
}
