//! The executable specification's `t8n` (PyPI `ethereum-execution`, in `.tools/eels`, installed by
//! scripts/install-test-deps.sh), kept running: one Python process imports it once and answers a
//! case per line (`t8n_driver.py`), so that a case costs its execution, not the 5 s of imports.

use std::{
    io::{BufRead, BufReader, Write},
    path::PathBuf,
    process::{Child, ChildStdin, ChildStdout, Command, Stdio},
};

use anyhow::{bail, Context};
use serde_json::Value;

/// The version the tests pin.
pub const VERSION: &str = "2.20.0";

/// A running t8n.
pub struct T8n {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
}

/// The Python of `.tools/eels`, where scripts/install-test-deps.sh puts the specification.
pub(super) fn python() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    std::env::var_os("EELS_PYTHON").map(PathBuf::from).unwrap_or_else(|| root.join(".tools/eels/bin/python"))
}

impl T8n {
    /// Starts the driver.
    pub fn start() -> anyhow::Result<T8n> {
        let python = python();
        anyhow::ensure!(
            python.exists(),
            "{} is missing: scripts/install-test-deps.sh installs ethereum-execution {VERSION} there",
            python.display()
        );
        let driver = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/differential/t8n_driver.py");
        let mut child = Command::new(&python)
            .arg(&driver)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting {}", python.display()))?;
        let input = child.stdin.take().context("t8n's stdin")?;
        let output = BufReader::new(child.stdout.take().context("t8n's stdout")?);
        Ok(T8n { child, input, output })
    }

    /// Runs one transition: `{alloc, env, txs}` under `fork`; t8n's `{alloc, result, body}`.
    pub fn run(&mut self, input: &Value, fork: &str, chain_id: u64) -> anyhow::Result<Value> {
        let request = serde_json::json!({ "input": input, "fork": fork, "chainid": chain_id });
        writeln!(self.input, "{request}")?;
        self.input.flush()?;
        let mut line = String::new();
        if self.output.read_line(&mut line)? == 0 {
            bail!("t8n stopped (its errors are above)");
        }
        let answer: Value = serde_json::from_str(&line).context("t8n's answer is not JSON")?;
        if let Some(error) = answer.get("error") {
            bail!("t8n: {}", error.as_str().unwrap_or_default());
        }
        Ok(answer)
    }
}

impl Drop for T8n {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
