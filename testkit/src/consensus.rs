//! The Ethereum consensus tests (ethereum/tests BlockchainTests, in ../shared/fixtures/
//! blockchain-tests and blockchain-tests-forks) turned into stateless inputs and re-executed with
//! the same code the guest runs: the full pre-state becomes tries whose nodes are the witness,
//! each block is executed from the nodes and codes of its parent's post-state under its
//! network's fork at its timestamp, and its own post-state is then there for its children.

use std::{collections::BTreeMap, path::Path};

use alloy_consensus::{Block, Header, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use alloy_rlp::Decodable;
use alloy_trie::TrieAccount;
use anyhow::{bail, ensure, Context};
use serde_json::Value;
use stateless::{
    execute_block_with_post_state,
    trie::{NodePool, SparseTrie},
    Fork, StatelessInput,
};

/// The cases of EIP-7610 (a creation at an address that has storage but no code or nonce
/// collides), which revm 43 does not check and the stateless re-execution does: named so that a
/// regression says what broke, and run in the zkVM executor too.
pub const STORAGE_COLLISION_CASES: &[&str] = &[
    "RevertInCreateInInitCreate2Paris_d0g0v0_Cancun",
    "create2collisionStorageParis_d0g0v0_Cancun",
    "create2collisionStorageParis_d1g0v0_Cancun",
    "create2collisionStorageParis_d2g0v0_Cancun",
    "dynamicAccountOverwriteEmpty_Paris_d0g0v0_Cancun",
    "RevertInCreateInInit_Paris_d0g0v0_Cancun",
    "InitCollisionParis_d0g0v0_Cancun",
    "InitCollisionParis_d1g0v0_Cancun",
    "InitCollisionParis_d2g0v0_Cancun",
    "InitCollisionParis_d3g0v0_Cancun",
];

/// The case's name without the file path the fixtures prefix it with.
pub fn short_name(name: &str) -> &str {
    name.rsplit("::").next().unwrap_or(name)
}

/// What one case came to.
#[derive(Debug)]
pub struct CaseOutcome {
    /// The case's name.
    pub name: String,
    /// Blocks executed and accepted, and invalid blocks refused.
    pub accepted: usize,
    /// The invalid blocks refused.
    pub refused: Vec<Refusal>,
    /// `Err`: the case failed (a valid block refused, an invalid one accepted, a wrong root).
    pub result: anyhow::Result<()>,
}

/// An invalid block, the exception the test expects and the reason it was refused here.
#[derive(Debug)]
pub struct Refusal {
    /// The block's index in the case.
    pub block: usize,
    /// The exception the test expects.
    pub expected: String,
    /// Why it was refused here.
    pub reason: String,
}

/// Runs every block of a case through a second executor too (the zkVM guest): it must accept
/// exactly the blocks the native run accepts, with the same commitment, and refuse the others.
pub type SecondRun<'a> = &'a dyn Fn(&StatelessInput) -> anyhow::Result<stateless::BlockCommitment>;

/// Runs one consensus case natively.
pub fn run_case(name: &str, case: &Value) -> CaseOutcome {
    run_case_also(name, case, None)
}

/// Runs one case natively, and with `second` (the zkVM executor) on every block too, which must agree.
pub fn run_case_also(name: &str, case: &Value, second: Option<SecondRun<'_>>) -> CaseOutcome {
    let (accepted, refused, result) = match run_blocks(case, second) {
        Ok((accepted, refused)) => (accepted, refused, Ok(())),
        Err(e) => (0, Vec::new(), Err(e)),
    };
    CaseOutcome { name: name.to_string(), accepted, refused, result }
}

/// The fork rules of a test network: one fork from genesis, or a transition at a timestamp
/// (`ShanghaiToCancunAtTime15k`: Shanghai before 15,000, Cancun from it on).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Network {
    before: Fork,
    after: Option<(u64, Fork)>,
}

impl Network {
    /// Every post-merge network of the tests; pre-merge networks are refused by name.
    pub fn parse(name: &str) -> anyhow::Result<Network> {
        let fork = |name: &str| match name {
            "Paris" | "Merge" => Some(Fork::Paris),
            "Shanghai" => Some(Fork::Shanghai),
            "Cancun" => Some(Fork::Cancun),
            "Prague" => Some(Fork::Prague),
            "Osaka" => Some(Fork::Osaka),
            _ => None,
        };
        if let Some(only) = fork(name) {
            return Ok(Network { before: only, after: None });
        }
        let transition = name.strip_suffix("AtTime15k").and_then(|pair| pair.split_once("To"));
        match transition.and_then(|(from, to)| Some((fork(from)?, fork(to)?))) {
            Some((from, to)) if from < to => Ok(Network { before: from, after: Some((15_000, to)) }),
            _ => bail!("network {name} is not one this code executes (Paris to Osaka, and their transitions at 15k)"),
        }
    }

    /// The fork a block of this timestamp runs under.
    pub fn fork_at(&self, timestamp: u64) -> Fork {
        match self.after {
            Some((at, to)) if timestamp >= at => to,
            _ => self.before,
        }
    }
}

/// An accepted block: its header, and the headers before it (newest first, for BLOCKHASH).
struct Known {
    header: Header,
    ancestors: Vec<Header>,
}

/// Executes every block in order, each on its parent's post-state (a side chain's block on its
/// side of the fork): the blocks accepted and the invalid blocks refused. The chain whose head is
/// `lastblockhash` is the one whose state the test checks.
fn run_blocks(case: &Value, second: Option<SecondRun<'_>>) -> anyhow::Result<(usize, Vec<Refusal>)> {
    let network = Network::parse(text(&case["network"])?)?;
    let genesis = decode_header(text(&case["genesisRLP"])?).context("genesisRLP")?;
    let (root, mut nodes, mut codes) = state_tries(&case["pre"])?;
    ensure!(root == genesis.state_root, "pre-state root {root} is not the genesis stateRoot {}", genesis.state_root);

    // Every state's nodes stay in the pool, so any accepted block's post-state can be built on.
    let mut known = BTreeMap::from([(genesis.hash_slow(), Known { header: genesis, ancestors: Vec::new() })]);
    let mut refused = Vec::new();
    let mut accepted = 0;
    for (i, block) in case["blocks"].as_array().context("no blocks")?.iter().enumerate() {
        let expected = block["expectException"].as_str().map(str::to_string);
        let result = execute_block(block, &known, network, &nodes, &codes, second);
        match (result, expected) {
            (Ok((header, post)), None) => {
                nodes.extend(post.nodes);
                codes.extend(post.codes.into_iter().map(|c| (keccak256(&c), c)));
                let parent = &known[&header.parent_hash];
                let ancestors =
                    std::iter::once(parent.header.clone()).chain(parent.ancestors.iter().take(255).cloned()).collect();
                known.insert(header.hash_slow(), Known { header, ancestors });
                accepted += 1;
            }
            (Ok(_), Some(expected)) => bail!("block {i}: accepted, but the test expects {expected}"),
            (Err(e), None) => bail!("block {i}: refused a valid block: {e:#}"),
            (Err(e), Some(expected)) => refused.push(Refusal { block: i, expected, reason: format!("{e:#}") }),
        }
    }

    let expected_last: B256 = text(&case["lastblockhash"])?.parse().context("lastblockhash")?;
    let last = &known
        .get(&expected_last)
        .with_context(|| format!("the test's last block {expected_last} was not accepted"))?
        .header;
    if case["postState"].is_object() {
        let (post_root, _, _) = state_tries(&case["postState"])?;
        ensure!(post_root == last.state_root, "postState root {post_root}, the chain ends at {}", last.state_root);
    }
    Ok((accepted, refused))
}

type BlockRun = (Header, stateless::PostState);

fn execute_block(
    block: &Value,
    known: &BTreeMap<B256, Known>,
    network: Network,
    nodes: &[Bytes],
    codes: &BTreeMap<B256, Bytes>,
    second: Option<SecondRun<'_>>,
) -> anyhow::Result<BlockRun> {
    let rlp: Bytes = text(&block["rlp"])?.parse().context("block rlp is not hex")?;
    let decoded = Block::<TxEnvelope>::decode(&mut rlp.as_ref()).context("block RLP does not decode")?;
    ensure!(decoded.body.ommers.is_empty(), "a post-merge block has no ommers");
    let parent = known.get(&decoded.header.parent_hash).with_context(|| {
        format!("unknown parent {} (not an accepted block of the test)", decoded.header.parent_hash)
    })?;
    let input = StatelessInput {
        chain_id: 1,
        // The tests run their network's rules whatever the chain id says: the fork of the block's
        // timestamp, with every earlier fork active from genesis.
        dev_fork: Some(network.fork_at(decoded.header.timestamp)),
        zero_slot_leaves: false,
        header: decoded.header.clone(),
        ancestors: std::iter::once(parent.header.clone()).chain(parent.ancestors.iter().take(255).cloned()).collect(),
        transactions: decoded.body.transactions.iter().map(|tx| tx.encoded_2718().into()).collect(),
        withdrawals: decoded.body.withdrawals.map(|w| w.into_inner()),
        nodes: nodes.to_vec(),
        codes: codes.values().cloned().collect(),
    };
    let native = execute_block_with_post_state(&input);
    if let Some(second) = second {
        match (&native, second(&input)) {
            (Ok((executed, _)), Ok(commitment)) => {
                ensure!(
                    executed.commitment == commitment,
                    "the second run committed {commitment:?}, natively {:?}",
                    executed.commitment
                )
            }
            (Err(_), Err(_)) => {}
            (Ok(_), Err(e)) => bail!("valid natively, refused by the second run: {e:#}"),
            (Err(e), Ok(_)) => bail!("refused natively ({e}), accepted by the second run"),
        }
    }
    let (_, post) = native?;
    Ok((decoded.header, post))
}

fn decode_header(hex: &str) -> anyhow::Result<Header> {
    let rlp: Bytes = hex.parse()?;
    let block = Block::<TxEnvelope>::decode(&mut rlp.as_ref())?;
    Ok(block.header)
}

/// The state root of a test state (`pre` or `postState`).
pub fn state_root(state: &Value) -> anyhow::Result<B256> {
    state_tries(state).map(|(root, _, _)| root)
}

/// Full tries of a test state (`pre` or `postState`): the root, every node, every code.
fn state_tries(state: &Value) -> anyhow::Result<(B256, Vec<Bytes>, BTreeMap<B256, Bytes>)> {
    let mut pool = NodePool::default();
    let mut accounts = SparseTrie::new(alloy_trie::EMPTY_ROOT_HASH);
    let mut nodes = Vec::new();
    let mut codes = BTreeMap::new();
    for (address, account) in state.as_object().context("state is not an object")? {
        let address: Address = address.parse().context("address")?;
        let mut storage = SparseTrie::new(alloy_trie::EMPTY_ROOT_HASH);
        // A field left out (as t8n leaves out empty storage and code) is empty.
        let empty = serde_json::Map::new();
        let slots = match &account["storage"] {
            Value::Null => &empty,
            other => other.as_object().context("storage")?,
        };
        for (slot, value) in slots {
            let (slot, value) = (quantity(slot)?, quantity(text(value)?)?);
            if !value.is_zero() {
                storage.insert(&keccak256(B256::from(slot)), alloy_rlp::encode(value), &mut pool)?;
            }
        }
        nodes.extend(storage.resolved_nodes());
        let code: Bytes = account["code"].as_str().unwrap_or("0x").parse().context("code")?;
        let code_hash = keccak256(&code);
        if !code.is_empty() {
            codes.insert(code_hash, code);
        }
        let leaf = TrieAccount {
            nonce: quantity(account["nonce"].as_str().unwrap_or("0x0"))?.to(),
            balance: quantity(account["balance"].as_str().unwrap_or("0x0"))?,
            storage_root: storage.root(),
            code_hash,
        };
        accounts.insert(&keccak256(address), alloy_rlp::encode(leaf), &mut pool)?;
    }
    nodes.extend(accounts.resolved_nodes());
    Ok((accounts.root(), nodes, codes))
}

fn text(v: &Value) -> anyhow::Result<&str> {
    v.as_str().with_context(|| format!("expected a string, found {v}"))
}

fn quantity(s: &str) -> anyhow::Result<U256> {
    U256::from_str_radix(s.trim_start_matches("0x"), 16).with_context(|| format!("{s:?} is not a hex quantity"))
}

/// Every case of one category file: `(case name, outcome)`.
pub fn run_file(path: &Path) -> anyhow::Result<Vec<CaseOutcome>> {
    let cases = load_cases(path)?;
    Ok(cases.iter().map(|(name, case)| run_case(name, case)).collect())
}

/// Reads a file of cases (name to case).
pub fn load_cases(path: &Path) -> anyhow::Result<serde_json::Map<String, Value>> {
    let raw = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let mut text = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&raw[..]), &mut text)
        .with_context(|| format!("gunzip {}", path.display()))?;
    match serde_json::from_slice(&text).with_context(|| format!("parsing {}", path.display()))? {
        Value::Object(map) => Ok(map),
        _ => bail!("{}: not an object of cases", path.display()),
    }
}

/// The category files, sorted: `(category, path)`.
pub fn category_files(dir: &Path) -> anyhow::Result<Vec<(String, std::path::PathBuf)>> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".json.gz"))
        .map(|p| (p.file_name().unwrap().to_string_lossy().trim_end_matches(".json.gz").to_string(), p))
        .collect();
    files.sort();
    Ok(files)
}
