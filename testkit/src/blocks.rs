//! Blocks with known contents on a real anvil: transfers, contract creations, storage writes and
//! clears, several transactions per block.

use anyhow::{ensure, Context};
use serde_json::{json, Value};

use crate::anvil::Anvil;

/// Runtime: SSTORE(calldata[0..32], calldata[32..64]); STOP.
pub const STORE_RUNTIME: &str = "6020356000355500";
/// Constructor: SSTORE(5, 1), then return the runtime above.
pub const STORE_INIT: &str = "60016005556008601160003960086000f3";

/// The store contract's creation code.
pub fn init_code() -> String {
    format!("0x{STORE_INIT}{STORE_RUNTIME}")
}

/// Calldata for the store contract: write `value` to `slot` (0 clears it).
pub fn store_call(slot: u64, value: u64) -> String {
    format!("0x{slot:064x}{value:064x}")
}

/// Transactions on an anvil, from its funded accounts, one block each unless mining is paused.
pub struct Chain<'a> {
    /// The node.
    pub anvil: &'a Anvil,
    /// Its funded accounts.
    pub accounts: Vec<String>,
}

impl<'a> Chain<'a> {
    /// The chain of `anvil`, each block's timestamp one second after its parent's.
    pub fn new(anvil: &'a Anvil) -> anyhow::Result<Self> {
        let accounts: Vec<String> = serde_json::from_value(anvil.rpc("eth_accounts", json!([]))?)?;
        ensure!(accounts.len() >= 8, "anvil has {} dev accounts, need 8", accounts.len());
        // anvil gives blocks mined within the same second the parent's timestamp, which breaks the
        // consensus rule that a block is later than its parent (re-execution refuses such a block):
        // one second between blocks keeps the chain valid.
        anvil.rpc("anvil_setBlockTimestampInterval", json!([1]))?;
        Ok(Self { anvil, accounts })
    }

    /// The node's head.
    pub fn block_number(&self) -> anyhow::Result<u64> {
        let n = self.anvil.rpc("eth_blockNumber", json!([]))?;
        Ok(u64::from_str_radix(n.as_str().context("eth_blockNumber")?.trim_start_matches("0x"), 16)?)
    }

    fn send(&self, tx: Value) -> anyhow::Result<String> {
        let hash = self.anvil.rpc("eth_sendTransaction", json!([tx]))?;
        Ok(hash.as_str().context("tx hash")?.to_string())
    }

    /// Sends `wei` from account `from` to `to`; returns the transaction hash.
    pub fn transfer(&self, from: usize, to: &str, wei: u64) -> anyhow::Result<String> {
        self.send(json!({"from": self.accounts[from], "to": to, "value": format!("{wei:#x}"), "gas": "0x5208"}))
    }

    /// Deploys the store contract from account `from`; returns the transaction hash.
    pub fn deploy_store(&self, from: usize) -> anyhow::Result<String> {
        self.send(json!({"from": self.accounts[from], "data": init_code(), "gas": "0x30d40"}))
    }

    /// Calls the store contract to write `value` at `slot`; returns the transaction hash.
    pub fn store(&self, from: usize, contract: &str, slot: u64, value: u64) -> anyhow::Result<String> {
        self.send(
            json!({"from": self.accounts[from], "to": contract, "data": store_call(slot, value), "gas": "0x186a0"}),
        )
    }

    /// Mines the transactions sent by `send_all` into one block and returns its number. The
    /// node's mining mode (automine, interval mining of `--block-time`, or none) is put back as it
    /// was, so that an anvil making blocks on its own goes on doing so.
    pub fn one_block(&self, send_all: impl FnOnce(&Self) -> anyhow::Result<()>) -> anyhow::Result<u64> {
        let automine = self.anvil.rpc("anvil_getAutomine", json!([]))?.as_bool().unwrap_or(true);
        let interval = self.anvil.rpc("anvil_getIntervalMining", json!([]))?.as_u64().unwrap_or(0);
        self.anvil.rpc("evm_setAutomine", json!([false]))?;
        let sent = send_all(self);
        let mined = self.anvil.rpc("evm_mine", json!([]));
        if automine {
            self.anvil.rpc("evm_setAutomine", json!([true]))?;
        } else if interval > 0 {
            self.anvil.rpc("evm_setIntervalMining", json!([interval]))?;
        }
        sent?;
        mined?;
        self.block_number()
    }

    /// Address of the contract a transaction created.
    pub fn created_address(&self, tx: &str) -> anyhow::Result<String> {
        // anvil answers eth_sendTransaction before its automine block is in.
        for _ in 0..100 {
            let receipt = self.anvil.rpc("eth_getTransactionReceipt", json!([tx]))?;
            if !receipt.is_null() {
                return Ok(receipt["contractAddress"].as_str().context("no contractAddress in receipt")?.to_string());
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        anyhow::bail!("transaction {tx} was not mined within 2 s")
    }

    /// How many transactions block `block` holds.
    pub fn tx_count(&self, block: u64) -> anyhow::Result<usize> {
        let b = self.anvil.rpc("eth_getBlockByNumber", json!([format!("{block:#x}"), false]))?;
        Ok(b["transactions"].as_array().context("transactions")?.len())
    }
}

/// What `mixed_block` made, for tests to check against.
pub struct MixedBlock {
    /// The block.
    pub number: u64,
    /// The store contract's address.
    pub store: String,
    /// The transfer's recipient.
    pub recipient: String,
}

/// A block with a plain transfer, a contract creation, two storage writes and a slot clear.
/// The store contract is deployed one block earlier so that its slot 5 (set by the constructor)
/// exists before the block and is cleared in it.
pub fn mixed_block(chain: &Chain<'_>) -> anyhow::Result<MixedBlock> {
    let deploy = chain.deploy_store(0)?;
    let store = chain.created_address(&deploy)?;
    let recipient = "0x00000000000000000000000000000000000bee01".to_string();
    let number = chain.one_block(|c| {
        c.transfer(1, &recipient, 1_000_000_000)?;
        c.deploy_store(2)?;
        c.store(3, &store, 1, 42)?;
        c.store(4, &store, 2, 7)?;
        c.store(5, &store, 5, 0)?;
        Ok(())
    })?;
    ensure!(chain.tx_count(number)? == 5, "expected the 5 transactions in block {number}");
    Ok(MixedBlock { number, store, recipient })
}

/// A block with `txs` transactions spread over the dev accounts: transfers and storage writes.
pub fn busy_block(chain: &Chain<'_>, txs: usize) -> anyhow::Result<u64> {
    let deploy = chain.deploy_store(0)?;
    let store = chain.created_address(&deploy)?;
    let number = chain.one_block(|c| {
        for i in 0..txs {
            let from = 1 + i % (c.accounts.len() - 1);
            if i % 2 == 0 {
                c.transfer(from, &format!("0x{:040x}", 0xa000 + i), 1000 + i as u64)?;
            } else {
                c.store(from, &store, 100 + i as u64, i as u64 + 1)?;
            }
        }
        Ok(())
    })?;
    ensure!(chain.tx_count(number)? == txs, "expected {txs} transactions in block {number}");
    Ok(number)
}

/// What `small_block` made.
pub struct SmallBlock {
    /// One transaction: the fee recipient writes 0 to slot 5 of the store contract, which held 1.
    pub number: u64,
    /// No transaction at all.
    pub empty: u64,
    /// The store contract's address.
    pub store: String,
    /// The account that sent the clear.
    pub sender: String,
}

/// The one-transaction block of [`small_block`] alone (nothing mined after it): its number, the
/// store contract's address and the sender.
pub fn store_clear_block(chain: &Chain<'_>) -> anyhow::Result<(u64, String, String)> {
    let sender = chain.accounts[0].clone();
    chain.anvil.rpc("anvil_setCoinbase", json!([sender]))?;
    let deploy = chain.deploy_store(0)?;
    let store = chain.created_address(&deploy)?;
    let number = chain.one_block(|c| c.store(0, &store, 5, 0).map(|_| ()))?;
    ensure!(chain.tx_count(number)? == 1, "expected one transaction in block {number}");
    Ok((number, store, sender))
}

/// A block of one transaction that calls the KZG point evaluation precompile (0x0a, from Cancun)
/// directly with a proof that holds: a block the prover proves in the full guest image. Returns
/// its number.
pub fn point_evaluation_block(chain: &Chain<'_>) -> anyhow::Result<u64> {
    let input = crate::differential::kzg_inputs::holding(&mut crate::differential::rng::Rng::new(7));
    let to = format!("0x{:040x}", 0x0a);
    let data = format!("0x{}", alloy_primitives::hex::encode(input));
    // 1 wei on the precompile's account first, as geth's dev genesis gives each precompile: anvil
    // (1.7.1) keeps an empty precompile account that a call touches, where EIP-161 deletes it
    // (geth does, and so does the re-execution), and its block's stateRoot would not re-execute.
    // Set directly: a transfer of 1 wei to the precompile leaves its balance at 0 in anvil. Then a
    // block in between: anvil's proofs against its genesis state do not check.
    chain.anvil.rpc("anvil_setBalance", json!([to, "0x1"]))?;
    chain.one_block(|_| Ok(()))?;
    let number = chain
        .one_block(|c| c.send(json!({"from": c.accounts[0], "to": to, "data": data, "gas": "0x30d40"})).map(drop))?;
    ensure!(chain.tx_count(number)? == 1, "expected one transaction in block {number}");
    Ok(number)
}

/// The smallest blocks that still prove something of every kind: the fee recipient is set to the
/// sender, so a block with one storage clear touches two accounts (sender, contract) and one slot,
/// whose pre-state value is proven by inclusion; and an empty block touches the fee recipient only.
pub fn small_block(chain: &Chain<'_>) -> anyhow::Result<SmallBlock> {
    let (number, store, sender) = store_clear_block(chain)?;
    let empty = chain.one_block(|_| Ok(()))?;
    ensure!(chain.tx_count(empty)? == 0, "expected an empty block {empty}");
    Ok(SmallBlock { number, empty, store, sender })
}
