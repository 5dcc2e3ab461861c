//! A case of precompile calls: one contract that STATICCALLs a family of precompiles with inputs
//! that reach past their first checks (bn254_inputs.rs, kzg_inputs.rs, p256_inputs.rs,
//! bls_inputs.rs, modexp_inputs.rs), and a few transactions that run it. Both executors and the specification must agree on every call's outcome; a zkVM
//! guest with its own precompiles (OpenVM's extensions) is held to revm's on them, and they are
//! the blocks the guest's instruction counts for those precompiles are measured on.

use std::collections::{BTreeMap, BTreeSet};

use alloy_consensus::{SignableTransaction, TxEip1559};
use alloy_primitives::{Address, B256, U256};
use stateless::Fork;

use super::{
    bls_inputs, bn254_inputs,
    generate::{address_of, contract, key, sign, system_contracts, Account, BlockEnv, Case, CHAIN_ID},
    kzg_inputs, modexp_inputs, p256_inputs, program,
    rng::Rng,
};

/// The precompiles a case calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precompiles {
    /// bn254's ecAdd, ecMul and ecPairing (EIP-196, EIP-197).
    Bn254,
    /// The KZG point evaluation (EIP-4844, from Cancun).
    PointEvaluation,
    /// The P-256 signature check (EIP-7951, from Osaka).
    P256,
    /// EIP-2537's BLS12-381 additions, multi-scalar multiplications and pairing (from Prague).
    Bls12_381,
    /// modexp (EIP-198): the edge cases, moduli of every length, inversions.
    Modexp,
    /// modexp as a zk verifier calls it: only inversions modulo bn254's r and p (a realistic
    /// workload for measuring, not a test of the edges).
    ModexpInversions,
    /// EIP-2537's maps of field elements to G1 and G2 (0x10, 0x11, from Prague).
    Bls12_381Maps,
}

impl Precompiles {
    /// The address of the first precompile the family calls.
    pub fn address(self) -> Address {
        let low: u16 = match self {
            Precompiles::Bn254 => 0x06,
            Precompiles::PointEvaluation => 0x0a,
            Precompiles::P256 => 0x100,
            Precompiles::Bls12_381 => 0x0b,
            Precompiles::Modexp | Precompiles::ModexpInversions => 0x05,
            Precompiles::Bls12_381Maps => 0x10,
        };
        Address::left_padding_from(&low.to_be_bytes())
    }

    fn next_call(self) -> fn(&mut Rng) -> (u16, Vec<u8>) {
        match self {
            Precompiles::Bn254 => bn254_inputs::any,
            Precompiles::PointEvaluation => kzg_inputs::any,
            Precompiles::P256 => p256_inputs::any,
            Precompiles::Bls12_381 => bls_inputs::any,
            Precompiles::Modexp => modexp_inputs::any,
            Precompiles::ModexpInversions => modexp_inputs::inversion,
            Precompiles::Bls12_381Maps => bls_inputs::map,
        }
    }
}

/// One call of `precompiles` as the cases make them (edge cases included): its target and input.
/// For blocks made on a node (testkit's geth tests) rather than through t8n.
pub fn precompile_call(precompiles: Precompiles, rng: &mut Rng) -> (Address, Vec<u8>) {
    let (target, input) = precompiles.next_call()(rng);
    (Address::left_padding_from(&target.to_be_bytes()), input)
}

/// The contract the case's transactions call.
pub fn precompile_contract() -> Address {
    contract(0)
}

/// The case of `seed` under `fork`: `transactions` transactions, each running the same `calls`
/// calls to `precompiles`.
pub fn precompile_case(seed: u64, fork: Fork, precompiles: Precompiles, transactions: u64, calls: usize) -> Case {
    let mut rng = Rng::new(seed ^ 0xb254 ^ ((fork as u64) << 56) ^ ((precompiles as u64) << 48));
    let program = program::precompile_calls(&mut rng, calls, precompiles.next_call());
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
