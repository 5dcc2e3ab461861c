//! Blocks on geth that exercise what a block executor must get right: CREATE and CREATE2,
//! CALL / DELEGATECALL / STATICCALL, storage writes and clears (refunds), a revert, an
//! out-of-gas transaction, SELFDESTRUCT, precompiles, transient storage, several transactions in
//! one block. Contracts are hand-assembled so the bytes are visible here.

use anyhow::{ensure, Context};
use serde_json::{json, Value};

use crate::geth::{quantity, store_tx, Geth};

/// Init code that returns `runtime` (hex, at most 255 bytes) as the contract's code.
pub fn deployer(runtime: &str) -> String {
    let len = runtime.len() / 2;
    // PUSH1 len PUSH1 12 PUSH1 0 CODECOPY PUSH1 len PUSH1 0 RETURN, then the runtime (offset 12).
    format!("0x60{len:02x}600c60003960{len:02x}6000f3{runtime}")
}

/// REVERT(0, 0).
pub const REVERTER: &str = "60006000fd";
/// TSTORE(0, 1); SSTORE(0, TLOAD(0)): transient storage read back into storage.
pub const TRANSIENT: &str = "600160005d60005c60005500";
/// SSTORE(0, CREATE2(value 0, empty init code, salt = calldata[0..32])).
pub const CREATE2: &str = "600035600060006000f560005500";
/// STATICCALL the sha256 precompile, DELEGATECALL the identity precompile, then stop.
pub const CALLS: &str = "6000600060006000600260fffa506000600060006000600460fff45000";
/// SELFDESTRUCT(CALLER): since Cancun only moves the balance (the account stays).
pub const DESTRUCT: &str = "33ff";

/// The addresses of the contracts the mixed geth block calls.
pub struct Contracts {
    /// The store contract.
    pub store: String,
    /// A contract that always reverts.
    pub reverter: String,
    /// A contract that uses TSTORE/TLOAD.
    pub transient: String,
    /// A factory that deploys with CREATE2.
    pub create2: String,
    /// A contract that makes STATICCALL and DELEGATECALL.
    pub calls: String,
    /// A contract that self-destructs.
    pub destruct: String,
}

/// Deploys the contracts (in one batch: whichever blocks they land in).
pub fn deploy_all(geth: &Geth) -> anyhow::Result<Contracts> {
    let inits = [
        crate::blocks::init_code(),
        deployer(REVERTER),
        deployer(TRANSIENT),
        deployer(CREATE2),
        deployer(CALLS),
        deployer(DESTRUCT),
    ];
    let txs: Vec<Value> = inits.iter().map(|init| json!({"data": init, "gas": "0x100000"})).collect();
    let receipts = geth.send_batch(&txs)?;
    let mut addresses = receipts.iter().map(|r| {
        ensure!(quantity(&r["status"])? == 1, "a deployment failed: {r}");
        Ok(r["contractAddress"].as_str().context("no contractAddress")?.to_string())
    });
    let mut next = || addresses.next().expect("six receipts");
    Ok(Contracts {
        store: next()?,
        reverter: next()?,
        transient: next()?,
        create2: next()?,
        calls: next()?,
        destruct: next()?,
    })
}

/// The transactions of the mixed geth block, with what each is for.
pub fn mixed_txs(c: &Contracts) -> Vec<(&'static str, Value)> {
    let to = |address: &str, data: &str, gas: u64| json!({"to": address, "data": data, "gas": format!("{gas:#x}")});
    vec![
        (
            "transfer",
            json!({"to": "0x00000000000000000000000000000000000bee02", "value": "0x3b9aca00", "gas": "0x5208"}),
        ),
        ("create", json!({"data": crate::blocks::init_code(), "gas": "0x30d40"})),
        ("storage write", store_tx(&c.store, 1, 42)),
        ("storage clear (refund)", store_tx(&c.store, 5, 0)),
        ("revert", to(&c.reverter, "0x", 100_000)),
        ("out of gas", to(&c.store, &crate::blocks::store_call(9, 9), 30_000)),
        ("transient storage", to(&c.transient, "0x", 100_000)),
        ("create2", to(&c.create2, &format!("0x{:064x}", 7), 200_000)),
        ("staticcall and delegatecall", to(&c.calls, "0x", 100_000)),
        ("selfdestruct", json!({"to": c.destruct, "value": "0x10", "gas": "0x186a0"})),
        ("ecrecover", to("0x0000000000000000000000000000000000000001", &format!("0x{}", "00".repeat(128)), 100_000)),
        ("sha256", to("0x0000000000000000000000000000000000000002", "0x616263", 100_000)),
        // base 3, exponent 5, modulus 7: the modexp gas rules differ between forks.
        ("modexp", to("0x0000000000000000000000000000000000000005", &modexp_input(), 100_000)),
        ("bn254 add", to("0x0000000000000000000000000000000000000006", &format!("0x{}", "00".repeat(128)), 100_000)),
    ]
}

fn modexp_input() -> String {
    let word = |v: u64| format!("{v:064x}");
    format!("0x{}{}{}030507", word(1), word(1), word(1))
}

/// Deploys the contracts and sends the mixed transactions in one batch; returns the contracts, the
/// block the batch landed in and the receipts.
pub fn mixed_block(geth: &Geth) -> anyhow::Result<(Contracts, u64, Vec<Value>)> {
    // geth seals on a period: the batch is sent right after a block so that it makes the next
    // one whole. A slow machine can still split it; then it is tried again on fresh contracts
    // (so that the slot clear and CREATE2 find what they expect).
    for _ in 0..3 {
        let c = deploy_all(geth)?;
        let txs: Vec<Value> = mixed_txs(&c).into_iter().map(|(_, tx)| tx).collect();
        geth.wait_for_new_block()?;
        let receipts = geth.send_batch(&txs)?;
        let block = quantity(&receipts[0]["blockNumber"])?;
        if receipts.iter().all(|r| quantity(&r["blockNumber"]).ok() == Some(block)) {
            return Ok((c, block, receipts));
        }
        eprintln!("geth split the batch from block {block} on; trying again");
    }
    anyhow::bail!("geth split the batch over blocks three times")
}

/// The receipt status of each mixed transaction, by name (1 success, 0 failure).
pub fn statuses(receipts: &[Value], c: &Contracts) -> anyhow::Result<Vec<(&'static str, u64)>> {
    mixed_txs(c)
        .iter()
        .zip(receipts)
        .map(|((name, _), r)| Ok((*name, quantity(&r["status"]).context("status")?)))
        .collect()
}
