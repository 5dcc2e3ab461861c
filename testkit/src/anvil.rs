//! A real anvil node on 127.0.0.1, installed by scripts/install-test-deps.sh.

use std::{
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{bail, Context};
use serde_json::{json, Value};

/// `$ANVIL_BIN`, else the copy scripts/install-test-deps.sh puts in .tools/, else `anvil` on PATH.
pub fn anvil_binary() -> PathBuf {
    if let Some(bin) = std::env::var_os("ANVIL_BIN") {
        return bin.into();
    }
    let local = crate::workspace_root().join(".tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
    if local.exists() {
        local
    } else {
        "anvil".into()
    }
}

/// A real anvil (the binary of npm's @foundry-rs/anvil), killed when dropped; or a node already running.
pub struct Anvil {
    /// None when attached to a node someone else started.
    child: Option<Child>,
    /// Its JSON-RPC endpoint.
    pub url: String,
}

impl Anvil {
    /// Starts anvil; `hardfork` None means anvil's default (post-Pectra headers).
    pub fn start(hardfork: Option<&str>) -> anyhow::Result<Anvil> {
        Self::start_with(hardfork, &[])
    }

    /// Starts anvil with more arguments of its own.
    pub fn start_with(hardfork: Option<&str>, extra: &[&str]) -> anyhow::Result<Anvil> {
        Self::start_on(free_port()?, hardfork, extra)
    }

    /// Starts anvil on `port` (a node restarted where another was).
    pub fn start_on(port: u16, hardfork: Option<&str>, extra: &[&str]) -> anyhow::Result<Anvil> {
        let bin = anvil_binary();
        let mut cmd = Command::new(&bin);
        cmd.args(["--host", "127.0.0.1", "--port", &port.to_string(), "--silent"]);
        if let Some(fork) = hardfork {
            cmd.args(["--hardfork", fork]);
        }
        cmd.args(extra);
        let child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {} (run scripts/install-test-deps.sh)", bin.display()))?;
        let anvil = Anvil { child: Some(child), url: format!("http://127.0.0.1:{port}") };
        let deadline = Instant::now() + Duration::from_secs(20);
        while anvil.rpc("eth_chainId", json!([])).is_err() {
            if Instant::now() > deadline {
                bail!("anvil did not answer on {} within 20 s", anvil.url);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(anvil)
    }

    /// Uses an anvil that is already running (and leaves it running).
    pub fn attach(url: &str) -> Anvil {
        Anvil { child: None, url: url.to_string() }
    }

    /// One JSON-RPC call; a node error is an error.
    pub fn rpc(&self, method: &str, params: Value) -> anyhow::Result<Value> {
        rpc(&self.url, method, params)
    }
}

impl Drop for Anvil {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// One JSON-RPC call; node errors become `Err`.
pub fn rpc(url: &str, method: &str, params: Value) -> anyhow::Result<Value> {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let answer: Value = ureq::post(url)
        .send_json(&body)
        .with_context(|| format!("{method} to {url}"))?
        .body_mut()
        .with_config()
        .limit(1 << 30)
        .read_json()
        .with_context(|| format!("{method} answer"))?;
    if let Some(err) = answer.get("error") {
        bail!("{method}: {err}");
    }
    Ok(answer["result"].clone())
}

/// A free TCP port on loopback.
pub fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}
