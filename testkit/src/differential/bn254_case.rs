//! A case of bn254 precompile calls: one contract that STATICCALLs ecAdd, ecMul and ecPairing
//! with inputs that reach past their first checks (bn254_inputs.rs), and a few transactions that
//! run it. Both executors and the specification must agree on every call's outcome; a zkVM guest
//! with its own bn254 (OpenVM's extensions) is held to revm's on it, and it is the block the
//! guest's instruction count for bn254 is measured on.

use std::collections::{BTreeMap, BTreeSet};

use alloy_consensus::{SignableTransaction, TxEip1559};
use alloy_primitives::{Address, B256, U256};
use stateless::Fork;

use super::{
    generate::{address_of, contract, key, sign, system_contracts, Account, BlockEnv, Case, CHAIN_ID},
    program,
    rng::Rng,
};

/// The contract the case's transactions call.
pub fn bn254_contract() -> Address {
    contract(0)
}

/// The case of `seed` under `fork`: `transactions` transactions, each running `calls` calls.
pub fn bn254_case(seed: u64, fork: Fork, transactions: u64, calls: usize) -> Case {
    let mut rng = Rng::new(seed ^ 0xb254 ^ ((fork as u64) << 56));
    let program = program::bn254_calls(&mut rng, calls);
    let mut alloc = BTreeMap::new();
    alloc.insert(contract(0), Account { code: program.code().to_vec().into(), nonce: 1, ..Default::default() });
    let sender = key(0);
    let balance = U256::from(10u64).pow(U256::from(20));
    alloc.insert(address_of(&sender), Account { balance, ..Default::default() });
    system_contracts(fork, &mut alloc);
    let env = BlockEnv {
        coinbase: Address::with_last_byte(0xcb),
        gas_limit: 30_000_000,
        timestamp: 1_000,
        prev_randao: B256::with_last_byte(1),
        parent_base_fee: 7,
        parent_gas_used: 15_000_000,
        beacon_root: (fork >= Fork::Cancun).then(|| B256::with_last_byte(2)),
        withdrawals: (fork >= Fork::Shanghai).then(Vec::new),
    };
    let transactions = (0..transactions)
        .map(|nonce| {
            let tx = TxEip1559 {
                chain_id: CHAIN_ID,
                nonce,
                gas_limit: 6_000_000,
                max_fee_per_gas: 1_000,
                max_priority_fee_per_gas: 1,
                to: contract(0).into(),
                ..Default::default()
            };
            let sig = sign(&sender, tx.signature_hash());
            tx.into_signed(sig).into()
        })
        .collect();
    let features = BTreeSet::from(["Precompiles".to_string(), "eip1559".to_string()]);
    Case { seed, fork, alloc, env, transactions, features }
}
