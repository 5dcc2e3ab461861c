//! The recorded data in ../shared/fixtures (see its README for what each file holds).

use std::{io::Read, path::PathBuf};

use anyhow::Context;
use serde_json::Value;

/// `$FIXTURES_DIR`, else `shared/fixtures` beside the checkout.
pub fn fixtures_dir() -> PathBuf {
    match std::env::var_os("FIXTURES_DIR") {
        Some(dir) => dir.into(),
        None => crate::workspace_root().join("../shared/fixtures"),
    }
}

/// A file of ../shared/fixtures (or FIXTURES_DIR).
pub fn path(relative: &str) -> PathBuf {
    fixtures_dir().join(relative)
}

/// Reads a fixture, gunzipping `.gz` files.
pub fn load_json(relative: &str) -> anyhow::Result<Value> {
    let p = path(relative);
    let raw = std::fs::read(&p).with_context(|| format!("reading fixture {}", p.display()))?;
    let text = if relative.ends_with(".gz") {
        let mut s = Vec::new();
        flate2::read::GzDecoder::new(&raw[..])
            .read_to_end(&mut s)
            .with_context(|| format!("gunzip {}", p.display()))?;
        s
    } else {
        raw
    };
    serde_json::from_slice(&text).with_context(|| format!("parsing {}", p.display()))
}

/// The zeth mainnet caches: (file, block number).
pub const ZETH_BLOCKS: &[(&str, u64)] = &[
    ("mainnet-zeth/1-15537394.json.gz", 15537394),
    ("mainnet-zeth/1-18884864.json.gz", 18884864),
    ("mainnet-zeth/1-19426587.json.gz", 19426587),
    ("mainnet-zeth/1-21230867.json.gz", 21230867),
];

/// The recorded anvil witnesses, one per hardfork.
pub const ANVIL_WITNESSES: &[&str] = &[
    "anvil/anvil_witness_cancun.json.gz",
    "anvil/anvil_witness_prague.json.gz",
    "anvil/anvil_witness_default.json.gz",
];

/// A zeth RPC cache: recorded eth_getBlockByNumber / eth_getProof / eth_getCode answers.
pub struct ZethCache {
    /// The chain.
    pub chain_id: u64,
    /// The recorded blocks (full transactions).
    pub blocks: Vec<Value>,
    /// (block number, eth_getProof result)
    pub proofs: Vec<(u64, Value)>,
    /// (block number, address, code hex)
    pub codes: Vec<(u64, String, String)>,
}

impl ZethCache {
    /// Reads a zeth cache (gzip JSON) from the fixtures.
    pub fn load(relative: &str) -> anyhow::Result<Self> {
        let v = load_json(relative)?;
        let file = relative.rsplit('/').next().unwrap_or(relative);
        let chain_id = file.split('-').next().and_then(|c| c.parse().ok()).context("chain id from file name")?;
        let pairs = |key: &str| -> anyhow::Result<Vec<(Value, Value)>> {
            let list = v[key].as_array().with_context(|| format!("{relative}: no {key}"))?;
            list.iter().map(|p| Ok((p[0].clone(), p[1].clone()))).collect::<anyhow::Result<Vec<_>>>()
        };
        let blocks = pairs("full_blocks")?.into_iter().map(|(_, b)| b).collect();
        let proofs = pairs("proofs")?
            .into_iter()
            .map(|(k, p)| Ok((k["block_no"].as_u64().context("proof block_no")?, p)))
            .collect::<anyhow::Result<_>>()?;
        let codes = pairs("code")?
            .into_iter()
            .map(|(k, c)| {
                let block = k["block_no"].as_u64().context("code block_no")?;
                let addr = k["address"].as_str().context("code address")?.to_ascii_lowercase();
                Ok((block, addr, c.as_str().context("code hex")?.to_string()))
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Self { chain_id, blocks, proofs, codes })
    }

    /// The recorded block `number`.
    pub fn block(&self, number: u64) -> Option<&Value> {
        self.blocks.iter().find(|b| quantity(&b["number"]) == Some(number))
    }

    /// The recorded `eth_getProof` answers at block `number`.
    pub fn proofs_at(&self, number: u64) -> impl Iterator<Item = &Value> {
        self.proofs.iter().filter(move |(n, _)| *n == number).map(|(_, p)| p)
    }
}

/// A JSON-RPC quantity ("0x..."), if it is one.
pub fn quantity(v: &Value) -> Option<u64> {
    v.as_str().and_then(|s| u64::from_str_radix(s.trim_start_matches("0x"), 16).ok())
}
