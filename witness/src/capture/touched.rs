//! Which accounts and slots a block touches: the prestate trace of every transaction, plus what
//! the block touches outside transactions (fee recipient, withdrawals, fork system calls).

use std::collections::{BTreeMap, BTreeSet};

use alloy_consensus::Header;
use alloy_eips::eip4895::Withdrawal;
use alloy_primitives::{address, Address, B256, U256};
use serde_json::Value;

use crate::from_rpc::ShapeError;

/// Touched accounts with the storage keys read or written in each.
pub type Touched = BTreeMap<Address, BTreeSet<B256>>;

/// EIP-4788 beacon roots contract (Cancun): written by a system call before the first transaction.
pub const BEACON_ROOTS: Address = address!("000F3df6D732807Ef1319fB7B8bB8522d0Beac02");
/// EIP-2935 block hash history contract (Prague).
pub const HISTORY_STORAGE: Address = address!("0000F90827F1C53a10cb7A02335B175320002935");
/// EIP-7002 withdrawal requests and EIP-7251 consolidation requests contracts (Prague), drained
/// by system calls after the last transaction.
pub const WITHDRAWAL_REQUESTS: Address = address!("00000961Ef480Eb55e80D19ad83579A64c007002");
/// EIP-7251 consolidation requests contract (Prague).
pub const CONSOLIDATION_REQUESTS: Address = address!("0000BBdDc7CE488642fb579F8B00f3a590007251");

const RING: u64 = 8191;

/// Merges a debug_traceBlockByNumber prestateTracer answer (one result per transaction).
pub fn from_prestate_trace(trace: &Value, tx_count: usize) -> Result<Touched, ShapeError> {
    let what = "debug_traceBlockByNumber (prestateTracer)";
    let items = trace.as_array().ok_or_else(|| ShapeError::new(what, "not an array"))?;
    if items.len() != tx_count {
        return Err(ShapeError::new(what, format!("{} results for a block of {tx_count} transactions", items.len())));
    }
    let mut touched = Touched::new();
    for (i, item) in items.iter().enumerate() {
        if let Some(err) = item.get("error") {
            return Err(ShapeError::new(what, format!("transaction {i} could not be traced: {err}")));
        }
        // geth wraps each result as {txHash, result}; some versions give the bare result.
        let result = item.get("result").unwrap_or(item);
        let accounts =
            result.as_object().ok_or_else(|| ShapeError::new(what, format!("result {i} is not an object")))?;
        for (addr, state) in accounts {
            let addr: Address = addr.parse().map_err(|e| ShapeError::new(what, format!("address {addr:?}: {e}")))?;
            let slots = touched.entry(addr).or_default();
            if let Some(storage) = state.get("storage").and_then(Value::as_object) {
                for key in storage.keys() {
                    let key = parse_slot(key)
                        .map_err(|e| ShapeError::new(what, format!("account {addr}: slot {key:?}: {e}")))?;
                    slots.insert(key);
                }
            }
        }
    }
    Ok(touched)
}

/// The codes in a prestate trace: a node's execution witness holds only the codes the block ran,
/// but the re-execution opens every account it loads with its code.
pub fn codes_from_prestate_trace(trace: &Value) -> Vec<alloy_primitives::Bytes> {
    let results = trace.as_array().into_iter().flatten().map(|item| item.get("result").unwrap_or(item));
    let states = results.filter_map(Value::as_object).flat_map(|accounts| accounts.values());
    // Each is keyed by its own hash where it is used, so a wrong one is never mistaken for a code.
    states.filter_map(|state| state.get("code")?.as_str()?.parse().ok()).collect()
}

/// Storage keys are 32-byte words; some nodes drop leading zeros.
fn parse_slot(key: &str) -> Result<B256, String> {
    let value: U256 = key.parse().map_err(|e| format!("{e}"))?;
    Ok(B256::from(value))
}

/// Adds what the block touches outside its transactions.
pub fn add_block_level(touched: &mut Touched, header: &Header, withdrawals: &[Withdrawal]) {
    touched.entry(header.beneficiary).or_default();
    for w in withdrawals {
        touched.entry(w.address).or_default();
    }
    if header.parent_beacon_block_root.is_some() {
        let idx = header.timestamp % RING;
        touched.entry(BEACON_ROOTS).or_default().extend([slot(idx), slot(idx + RING)]);
    }
    if header.requests_hash.is_some() {
        touched.entry(HISTORY_STORAGE).or_default().insert(slot((header.number - 1) % RING));
        // Queue excess, count, head and tail: what every end-of-block dequeue reads.
        for contract in [WITHDRAWAL_REQUESTS, CONSOLIDATION_REQUESTS] {
            touched.entry(contract).or_default().extend((0..4).map(slot));
        }
    }
}

fn slot(index: u64) -> B256 {
    B256::from(U256::from(index))
}

/// How many slots the touched accounts have in all.
pub fn slot_count(touched: &Touched) -> usize {
    touched.values().map(BTreeSet::len).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merges_per_transaction_results_in_both_shapes() {
        let trace = json!([
            {"txHash": "0x01", "result": {"0x00000000000000000000000000000000000000aa": {"balance": "0x1", "storage": {"0x01": "0x02"}}}},
            {"0x00000000000000000000000000000000000000aa": {"storage": {"0x0000000000000000000000000000000000000000000000000000000000000003": "0x0"}},
             "0x00000000000000000000000000000000000000bb": {"balance": "0x0"}}
        ]);
        let t = from_prestate_trace(&trace, 2).unwrap();
        let aa: Address = "0x00000000000000000000000000000000000000aa".parse().unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t[&aa].iter().copied().collect::<Vec<_>>(), vec![slot(1), slot(3)], "short keys are padded");
    }

    #[test]
    fn refuses_traces_that_do_not_fit_the_block() {
        assert!(from_prestate_trace(&json!([{}]), 2).unwrap_err().to_string().contains("1 results for a block of 2"));
        let failed = json!([{"txHash": "0x01", "error": "execution timeout"}]);
        assert!(from_prestate_trace(&failed, 1).unwrap_err().to_string().contains("execution timeout"));
        assert!(from_prestate_trace(&json!({"not": "a list"}), 0).is_err());
        assert!(from_prestate_trace(&json!([{"0xnope": {}}]), 1).is_err());
    }

    #[test]
    fn adds_fee_recipient_withdrawals_and_fork_system_contracts() {
        let mut header = Header { number: 100, timestamp: 8191 * 3 + 5, ..Header::default() };
        let recipient = Address::with_last_byte(7);
        let withdrawal = Withdrawal { address: Address::with_last_byte(9), ..Withdrawal::default() };
        let mut t = Touched::new();
        add_block_level(&mut t, &header, std::slice::from_ref(&withdrawal));
        assert_eq!(t.len(), 2, "pre-Cancun: fee recipient (zero here) and the withdrawal");
        assert!(t.contains_key(&Address::ZERO) && t.contains_key(&withdrawal.address));

        header.beneficiary = recipient;
        header.parent_beacon_block_root = Some(B256::ZERO);
        let mut t = Touched::new();
        add_block_level(&mut t, &header, &[]);
        assert_eq!(t[&BEACON_ROOTS].iter().copied().collect::<Vec<_>>(), vec![slot(5), slot(5 + 8191)]);
        assert!(!t.contains_key(&HISTORY_STORAGE));

        header.requests_hash = Some(B256::ZERO);
        let mut t = Touched::new();
        add_block_level(&mut t, &header, &[]);
        assert!(t[&HISTORY_STORAGE].contains(&slot(99)));
        assert_eq!(t[&WITHDRAWAL_REQUESTS].len(), 4);
        assert_eq!(t[&CONSOLIDATION_REQUESTS].len(), 4);
        assert!(t.contains_key(&recipient));
    }
}
