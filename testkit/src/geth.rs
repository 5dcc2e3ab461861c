//! A real geth in dev mode on 127.0.0.1 (built from the go-ethereum module by
//! scripts/install-test-deps.sh into .tools/), and blocks with known contents made on it.

use std::{
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{bail, ensure, Context};
use serde_json::{json, Value};

use crate::{
    anvil::{free_port, rpc},
    blocks,
};

/// The pinned go-ethereum version the test setup builds.
pub const GETH_VERSION: &str = "v1.17.10";

/// The forks a test chain can run, oldest first, with the genesis keys that switch them on.
const FORKS: &[(&str, &str)] =
    &[("shanghai", "shanghaiTime"), ("cancun", "cancunTime"), ("prague", "pragueTime"), ("osaka", "osakaTime")];

/// `$GETH_BIN`, else the copy scripts/install-test-deps.sh builds into .tools/, else `geth`.
pub fn geth_binary() -> PathBuf {
    if let Some(bin) = std::env::var_os("GETH_BIN") {
        return bin.into();
    }
    let local = crate::workspace_root().join(format!(".tools/geth-{GETH_VERSION}/bin/geth"));
    if local.exists() {
        local
    } else {
        "geth".into()
    }
}

/// A real geth in dev mode on a given fork, killed when dropped.
pub struct Geth {
    child: Child,
    _datadir: tempfile::TempDir,
    /// Its JSON-RPC endpoint.
    pub url: String,
    /// The dev account, funded and unlocked.
    pub account: String,
}

impl Geth {
    /// Starts `geth --dev` on `fork` (shanghai, cancun, prague or osaka): one process, blocks sealed as
    /// transactions arrive (or every `period` seconds when given), the eth and debug namespaces on
    /// HTTP. geth's own dev genesis turns on every fork it knows (Amsterdam included); here the
    /// chain is initialised from that genesis with the later forks taken out and a keystore
    /// account funded, which `--dev` then uses as its developer account.
    pub fn start(fork: &str, period: Option<u64>) -> anyhow::Result<Geth> {
        let port = free_port()?;
        let guard = tempfile::Builder::new().prefix("geth-dev-").tempdir()?;
        let datadir = guard.path().to_path_buf();
        let bin = geth_binary();
        let password = datadir.join("password");
        std::fs::write(&password, "")?;
        let run = |args: &[&str]| -> anyhow::Result<String> {
            let out = Command::new(&bin)
                .args(args)
                .output()
                .with_context(|| format!("running {} (run scripts/install-test-deps.sh)", bin.display()))?;
            ensure!(out.status.success(), "geth {}: {}", args[0], String::from_utf8_lossy(&out.stderr));
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        };
        let dir = datadir.to_str().context("temporary directory is not UTF-8")?;
        let created =
            run(&["account", "new", "--datadir", dir, "--lightkdf", "--password", password.to_str().unwrap()])?;
        let account = created
            .split_whitespace()
            .find(|w| w.starts_with("0x") && w.len() == 42)
            .context("geth account new printed no address")?
            .to_lowercase();
        let genesis = datadir.join("genesis.json");
        // Without --datadir: with one, dumpgenesis reads (and would start) that chain.
        let dumped = Command::new(&bin).args(["--dev", "dumpgenesis"]).output()?;
        ensure!(dumped.status.success(), "geth dumpgenesis: {}", String::from_utf8_lossy(&dumped.stderr));
        let dumped = String::from_utf8(dumped.stdout)?;
        std::fs::write(&genesis, dev_genesis(&dumped, fork, &account)?.to_string())?;
        run(&["init", "--datadir", dir, genesis.to_str().unwrap()])?;
        // Its log goes to a file so that a node which does not come up can say why.
        let log_path = datadir.join("geth.log");
        let log = std::fs::File::create(&log_path)?;
        let child = Command::new(&bin)
            .args(["--dev", "--lightkdf", "--password"])
            .arg(&password)
            .arg("--datadir")
            .arg(&datadir)
            .args(["--dev.period", &period.unwrap_or(0).to_string()])
            .args(["--http", "--http.addr", "127.0.0.1", "--http.port", &port.to_string()])
            .args(["--http.api", "eth,debug,net,web3", "--ipcdisable", "--nodiscover", "--maxpeers", "0"])
            .args(["--port", "0", "--authrpc.port", &free_port()?.to_string(), "--verbosity", "2"])
            // A dev chain takes kilobytes, but by default geth shuts down at once ("Low disk
            // space") when its disk has less free than its trie cache, a few hundred MB.
            .args(["--datadir.minfreedisk", "0"])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {} (run scripts/install-test-deps.sh)", bin.display()))?;
        let url = format!("http://127.0.0.1:{port}");
        let mut geth = Geth { child, _datadir: guard, url, account: String::new() };
        let deadline = Instant::now() + Duration::from_secs(30);
        let accounts = loop {
            if let Ok(a) = geth.rpc("eth_accounts", json!([])) {
                break a;
            }
            if let Some(status) = geth.child.try_wait()? {
                bail!("geth exited ({status}) before answering; its log:\n{}", log_tail(&log_path));
            }
            if Instant::now() > deadline {
                bail!("geth did not answer on {} within 30 s; its log:\n{}", geth.url, log_tail(&log_path));
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        geth.account = accounts[0].as_str().context("geth --dev has no dev account")?.to_string();
        ensure!(
            geth.account.to_lowercase() == account,
            "geth --dev took {} as its account, not {account}",
            geth.account
        );
        Ok(geth)
    }

    /// One JSON-RPC call; a node error is an error.
    pub fn rpc(&self, method: &str, params: Value) -> anyhow::Result<Value> {
        rpc(&self.url, method, params)
    }

    /// The receipt of a transaction, once it is mined.
    pub fn receipt(&self, tx: &str) -> anyhow::Result<Value> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match self.rpc("eth_getTransactionReceipt", json!([tx])) {
                Ok(receipt) if !receipt.is_null() => return Ok(receipt),
                Ok(_) => {}
                // A just-started geth answers so until its transaction index is built.
                Err(e) if e.to_string().contains("indexing is in progress") => {}
                Err(e) => return Err(e),
            }
            ensure!(Instant::now() < deadline, "transaction {tx} was not mined within 30 s");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The node's head.
    pub fn block_number(&self) -> anyhow::Result<u64> {
        quantity(&self.rpc("eth_blockNumber", json!([]))?)
    }

    /// Returns just after the next block is sealed.
    pub fn wait_for_new_block(&self) -> anyhow::Result<u64> {
        let start = self.block_number()?;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let now = self.block_number()?;
            if now > start {
                return Ok(now);
            }
            ensure!(Instant::now() < deadline, "geth sealed no block within 30 s");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends `txs` in one JSON-RPC batch and returns their receipts: geth's dev mode seals the
    /// pending transactions together, so they land in one block (checked by the caller).
    pub fn send_batch(&self, txs: &[Value]) -> anyhow::Result<Vec<Value>> {
        // geth answers a batch's calls concurrently: without explicit nonces two of them can get
        // the same one (and one is refused as an underpriced replacement).
        let first = quantity(&self.rpc("eth_getTransactionCount", json!([self.account, "pending"]))?)?;
        let batch: Vec<Value> = txs
            .iter()
            .enumerate()
            .map(|(i, tx)| {
                let mut tx = tx.clone();
                tx["from"] = self.account.clone().into();
                tx["nonce"] = format!("{:#x}", first + i as u64).into();
                json!({"jsonrpc": "2.0", "id": i, "method": "eth_sendTransaction", "params": [tx]})
            })
            .collect();
        let answers: Vec<Value> = ureq::post(&self.url).send_json(&batch)?.body_mut().read_json()?;
        let mut hashes = vec![String::new(); txs.len()];
        for a in answers {
            ensure!(a.get("error").is_none(), "eth_sendTransaction: {}", a["error"]);
            let id = a["id"].as_u64().context("batch id")? as usize;
            hashes[id] = a["result"].as_str().context("tx hash")?.to_string();
        }
        hashes.iter().map(|h| self.receipt(h)).collect()
    }
}

impl Drop for Geth {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The last lines of a node's log, for an error message.
fn log_tail(path: &std::path::Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| format!("(unreadable: {e})"));
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

/// geth's dev genesis, cut back to `fork` (the keys of later forks and their blob schedules
/// removed), with `account` funded.
fn dev_genesis(dumped: &str, fork: &str, account: &str) -> anyhow::Result<Value> {
    let mut genesis: Value = serde_json::from_str(dumped).context("geth dumpgenesis is not JSON")?;
    let last = FORKS.iter().position(|(name, _)| *name == fork).with_context(|| format!("unknown fork {fork}"))?;
    let config = genesis["config"].as_object_mut().context("genesis has no config")?;
    let keep: Vec<&str> = FORKS[..=last].iter().map(|(_, key)| *key).collect();
    config.retain(|key, _| !key.ends_with("Time") || keep.contains(&key.as_str()));
    if let Some(blobs) = config.get_mut("blobSchedule").and_then(Value::as_object_mut) {
        blobs.retain(|name, _| FORKS[..=last].iter().any(|(f, _)| f == name));
    }
    genesis["alloc"][account.trim_start_matches("0x")] = json!({"balance": "0xd3c21bcecceda1000000"});
    Ok(genesis)
}

/// A JSON-RPC quantity ("0x...").
pub fn quantity(v: &Value) -> anyhow::Result<u64> {
    let s = v.as_str().with_context(|| format!("not a quantity: {v}"))?;
    Ok(u64::from_str_radix(s.trim_start_matches("0x"), 16)?)
}

/// The store contract's calls (see `blocks`), as transactions to geth.
pub fn store_tx(contract: &str, slot: u64, value: u64) -> Value {
    json!({"to": contract, "data": blocks::store_call(slot, value), "gas": "0x186a0"})
}
