//! One random differential case from a seed: a pre-state (funded senders, contracts running
//! random programs, random storage, the fork's system contracts), the block's environment and a
//! few signed transactions of every type the fork has, some of them invalid on purpose (a nonce
//! too high, too little gas or balance, a fee under the base fee) so that both executors must
//! refuse them.

use std::collections::{BTreeMap, BTreeSet};

use alloy_consensus::{
    SignableTransaction, TxEip1559, TxEip2930, TxEip4844, TxEip4844Variant, TxEip7702, TxEnvelope, TxLegacy,
};
use alloy_eips::{
    eip2930::{AccessList, AccessListItem},
    eip4788,
    eip4895::Withdrawal,
    eip7002, eip7251,
    eip7702::Authorization,
};
use alloy_primitives::{keccak256, Address, Bytes, Signature, TxKind, B256, U256};
use k256::ecdsa::SigningKey;
use stateless::Fork;

use super::{
    program::{self, Feature},
    rng::Rng,
};

/// An account of the pre-state.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Account {
    /// Its balance, wei.
    pub balance: U256,
    /// Its nonce.
    pub nonce: u64,
    /// Its code.
    pub code: Bytes,
    /// Its storage.
    pub storage: BTreeMap<U256, U256>,
}

/// The block's own fields (its parent is the case's genesis).
#[derive(Clone, Debug)]
pub struct BlockEnv {
    /// Its fee recipient.
    pub coinbase: Address,
    /// Its gas limit (the genesis's too).
    pub gas_limit: u64,
    /// Its timestamp (the genesis's is 12 s earlier).
    pub timestamp: u64,
    /// PREVRANDAO.
    pub prev_randao: B256,
    /// The genesis's base fee; the block's follows from it.
    pub parent_base_fee: u64,
    /// The genesis's gas used.
    pub parent_gas_used: u64,
    /// Cancun on: the beacon root the block carries.
    pub beacon_root: Option<B256>,
    /// Shanghai on: the withdrawals the block carries.
    pub withdrawals: Option<Vec<Withdrawal>>,
}

/// A generated case.
#[derive(Clone, Debug)]
pub struct Case {
    /// Its seed: the case again, anywhere.
    pub seed: u64,
    /// The fork of the block (and its genesis).
    pub fork: Fork,
    /// The pre-state.
    pub alloc: BTreeMap<Address, Account>,
    /// The block's environment.
    pub env: BlockEnv,
    /// The transactions, in order (the invalid ones among them).
    pub transactions: Vec<TxEnvelope>,
    /// What the case exercises, for the counts per feature.
    pub features: BTreeSet<String>,
}

/// The chain id of every case (as the consensus tests use).
pub const CHAIN_ID: u64 = 1;
const SENDERS: u64 = 4;
/// The first contract's address; the others follow it.
const FIRST_CONTRACT: u64 = 0xc0de_0000;

pub(super) fn key(index: u64) -> SigningKey {
    let mut secret = [0u8; 32];
    secret[24..].copy_from_slice(&(index + 0x1000).to_be_bytes());
    SigningKey::from_slice(&secret).expect("a small scalar is a valid key")
}

pub(super) fn address_of(key: &SigningKey) -> Address {
    Address::from_public_key(key.verifying_key())
}

pub(super) fn sign(key: &SigningKey, hash: B256) -> Signature {
    let (sig, recovery) = key.sign_prehash_recoverable(hash.as_slice()).expect("signing a hash");
    Signature::from_signature_and_parity(sig, recovery.is_y_odd())
}

/// ecrecover's input for a message hash one of the senders signed: `hash, v, r, s`.
pub(super) fn signed_hash(rng: &mut Rng) -> Vec<u8> {
    let hash = keccak256(rng.bytes(32));
    let sig = sign(&key(rng.below(SENDERS)), hash);
    let mut v = [0u8; 32];
    v[31] = 27 + u8::from(sig.v());
    [hash.as_slice(), &v, &sig.r().to_be_bytes::<32>(), &sig.s().to_be_bytes::<32>()].concat()
}

pub(super) fn contract(i: u64) -> Address {
    Address::left_padding_from(&(FIRST_CONTRACT + i).to_be_bytes())
}

/// The case of `seed` under `fork`.
pub fn case(seed: u64, fork: Fork) -> Case {
    let mut rng = Rng::new(seed ^ ((fork as u64) << 56));
    let mut features = BTreeSet::new();
    let mut alloc = BTreeMap::new();
    let senders: Vec<SigningKey> = (0..SENDERS).map(key).collect();
    for (i, key) in senders.iter().enumerate() {
        let balance = U256::from(rng.below(1 << 20) + 1) * U256::from(10u64.pow(15)) + U256::from(i);
        alloc.insert(address_of(key), Account { balance, nonce: rng.below(3), ..Default::default() });
    }
    let contracts = 2 + rng.below(3);
    // What programs call: each other, two senders (EIP-7702 may give them code), two
    // precompiles and the fork's system contracts (a call with value to the request contracts of
    // EIP-7002 and EIP-7251 makes a request).
    let mut addresses: Vec<Address> = (0..contracts)
        .map(contract)
        .chain(senders.iter().take(2).map(address_of))
        .chain(program::precompiles(fork).into_iter().take(2))
        .collect();
    if fork >= Fork::Cancun {
        addresses.push(eip4788::BEACON_ROOTS_ADDRESS);
    }
    if fork >= Fork::Prague {
        addresses.extend([
            alloy_eips::eip2935::HISTORY_STORAGE_ADDRESS,
            eip7002::WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS,
            eip7251::CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS,
        ]);
    }
    for i in 0..contracts {
        let snippets = 2 + rng.below(8) as usize;
        let program = program::random(&mut rng, fork, snippets, &addresses);
        features.extend(program.features.iter().map(|f| format!("{f:?}")));
        let mut storage = BTreeMap::new();
        for _ in 0..rng.below(4) {
            storage.insert(U256::from(0x80 + rng.below(8)), U256::from(rng.below(1 << 16) + 1));
        }
        // Enough to pay the request contracts' fees (a few wei when their queues are empty).
        let balance = U256::from(rng.below(1_000_000));
        alloc.insert(contract(i), Account { balance, code: program.code().to_vec().into(), storage, nonce: 1 });
    }
    system_contracts(fork, &mut alloc);

    let gas_limit = 30_000_000;
    let env = BlockEnv {
        coinbase: Address::left_padding_from(&rng.bytes(20)),
        gas_limit,
        timestamp: 1_000 + rng.below(1_000_000),
        prev_randao: B256::from_slice(&rng.bytes(32)),
        parent_base_fee: 7 + rng.below(1_000),
        parent_gas_used: rng.below(gas_limit),
        beacon_root: (fork >= Fork::Cancun).then(|| B256::from_slice(&rng.bytes(32))),
        withdrawals: (fork >= Fork::Shanghai).then(|| withdrawals(&mut rng, &addresses)),
    };
    let base_fee = super::next_base_fee(&env);
    let mut nonces: BTreeMap<Address, u64> = alloc.iter().map(|(a, acc)| (*a, acc.nonce)).collect();
    let mut transactions = Vec::new();
    for _ in 0..2 + rng.below(5) {
        let from = rng.below(SENDERS) as usize;
        let sender = address_of(&senders[from]);
        let nonce = nonces.get(&sender).copied().unwrap_or(0);
        let spec = TxSpec::random(&mut rng, fork, base_fee, nonce, contracts);
        features.insert(spec.kind.to_string());
        if spec.invalid.is_some() {
            features.insert("invalid transaction".into());
        } else {
            *nonces.entry(sender).or_default() += 1;
        }
        transactions.push(spec.sign(&mut rng, &senders, from, fork));
    }
    Case { seed, fork, alloc, env, transactions, features }
}

fn withdrawals(rng: &mut Rng, addresses: &[Address]) -> Vec<Withdrawal> {
    (0..rng.below(3))
        .map(|i| Withdrawal {
            index: i,
            validator_index: rng.below(1000),
            address: *rng.pick(addresses),
            amount: rng.below(1 << 20),
        })
        .collect()
}

/// From Cancun the beacon-roots contract, from Prague the block-hash history and the two request
/// contracts: the system calls of every block run them (t8n requires them in the pre-state).
pub(super) fn system_contracts(fork: Fork, alloc: &mut BTreeMap<Address, Account>) {
    let mut put = |address: Address, code: &Bytes| {
        alloc.insert(address, Account { code: code.clone(), nonce: 1, ..Default::default() });
    };
    if fork >= Fork::Cancun {
        put(eip4788::BEACON_ROOTS_ADDRESS, &eip4788::BEACON_ROOTS_CODE);
    }
    if fork >= Fork::Prague {
        put(alloy_eips::eip2935::HISTORY_STORAGE_ADDRESS, &alloy_eips::eip2935::HISTORY_STORAGE_CODE);
        put(eip7002::WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS, &eip7002::WITHDRAWAL_REQUEST_PREDEPLOY_CODE);
        put(eip7251::CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS, &eip7251::CONSOLIDATION_REQUEST_PREDEPLOY_CODE);
    }
}

/// How a transaction is made invalid.
#[derive(Clone, Copy, Debug)]
enum Invalid {
    NonceTooHigh,
    IntrinsicGas,
    FeeUnderBaseFee,
    TooLittleBalance,
}

struct TxSpec {
    kind: &'static str,
    nonce: u64,
    to: TxKind,
    value: U256,
    input: Bytes,
    gas: u64,
    max_fee: u128,
    tip: u128,
    invalid: Option<Invalid>,
}

impl TxSpec {
    fn random(rng: &mut Rng, fork: Fork, base_fee: u64, nonce: u64, contracts: u64) -> TxSpec {
        let mut kinds = vec!["legacy", "eip2930", "eip1559"];
        if fork >= Fork::Cancun {
            kinds.push("eip4844");
        }
        if fork >= Fork::Prague {
            kinds.push("eip7702");
        }
        let kind = *rng.pick(&kinds);
        let to = match rng.below(6) {
            0 if kind != "eip4844" && kind != "eip7702" => TxKind::Create,
            1 => TxKind::Call(Address::left_padding_from(&rng.bytes(20))),
            _ => TxKind::Call(contract(rng.below(contracts))),
        };
        let input: Bytes = match to {
            // Init code that returns a contract's code (the first contract's).
            TxKind::Create => vec![0x60, 0x2a, 0x60, 0x00, 0x55, 0x60, 0x01, 0x60, 0x1f, 0xf3].into(),
            TxKind::Call(_) => {
                let len = rng.below(70) as usize;
                rng.bytes(len).into()
            }
        };
        let invalid = match rng.below(16) {
            0 => Some(Invalid::NonceTooHigh),
            1 => Some(Invalid::IntrinsicGas),
            2 => Some(Invalid::FeeUnderBaseFee),
            3 => Some(Invalid::TooLittleBalance),
            _ => None,
        };
        let tip = rng.below(3) as u128;
        let max_fee = match invalid {
            Some(Invalid::FeeUnderBaseFee) => base_fee.saturating_sub(1) as u128,
            _ => base_fee as u128 + tip + rng.below(100) as u128,
        };
        TxSpec {
            kind,
            nonce: nonce + u64::from(matches!(invalid, Some(Invalid::NonceTooHigh))) * 5,
            to,
            value: match invalid {
                Some(Invalid::TooLittleBalance) => U256::from(10u64).pow(U256::from(30)),
                _ => U256::from(rng.below(1000)),
            },
            input,
            gas: match invalid {
                Some(Invalid::IntrinsicGas) => 20_000,
                _ => 60_000 + rng.below(900_000),
            },
            max_fee,
            tip,
            invalid,
        }
    }

    fn sign(self, rng: &mut Rng, senders: &[SigningKey], from: usize, fork: Fork) -> TxEnvelope {
        let key = &senders[from];
        let access_list = AccessList(vec![AccessListItem {
            address: contract(0),
            storage_keys: (0..rng.below(3)).map(|k| B256::with_last_byte(0x80 + k as u8)).collect(),
        }]);
        let to_address = match self.to {
            TxKind::Call(a) => a,
            TxKind::Create => Address::ZERO,
        };
        match self.kind {
            "legacy" => {
                let tx = TxLegacy {
                    chain_id: (rng.below(4) != 0).then_some(CHAIN_ID),
                    nonce: self.nonce,
                    gas_price: self.max_fee,
                    gas_limit: self.gas,
                    to: self.to,
                    value: self.value,
                    input: self.input,
                };
                let sig = sign(key, tx.signature_hash());
                tx.into_signed(sig).into()
            }
            "eip2930" => {
                let tx = TxEip2930 {
                    chain_id: CHAIN_ID,
                    nonce: self.nonce,
                    gas_price: self.max_fee,
                    gas_limit: self.gas,
                    to: self.to,
                    value: self.value,
                    access_list,
                    input: self.input,
                };
                let sig = sign(key, tx.signature_hash());
                tx.into_signed(sig).into()
            }
            "eip1559" => {
                let tx = TxEip1559 {
                    chain_id: CHAIN_ID,
                    nonce: self.nonce,
                    gas_limit: self.gas,
                    max_fee_per_gas: self.max_fee,
                    max_priority_fee_per_gas: self.tip,
                    to: self.to,
                    value: self.value,
                    access_list,
                    input: self.input,
                };
                let sig = sign(key, tx.signature_hash());
                tx.into_signed(sig).into()
            }
            "eip4844" => {
                let blobs = 1 + rng.below(if fork >= Fork::Prague { 3 } else { 2 });
                let tx = TxEip4844 {
                    chain_id: CHAIN_ID,
                    nonce: self.nonce,
                    gas_limit: self.gas,
                    max_fee_per_gas: self.max_fee,
                    max_priority_fee_per_gas: self.tip,
                    to: to_address,
                    value: self.value,
                    access_list,
                    blob_versioned_hashes: (0..blobs)
                        .map(|_| {
                            let mut hash = keccak256(rng.bytes(32));
                            hash.0[0] = 1;
                            hash
                        })
                        .collect(),
                    max_fee_per_blob_gas: 1 + rng.below(10) as u128,
                    input: self.input,
                };
                let sig = sign(key, tx.signature_hash());
                let signed: alloy_consensus::Signed<TxEip4844Variant> =
                    tx.into_signed(sig).map(TxEip4844Variant::TxEip4844);
                signed.into()
            }
            _ => {
                // EIP-7702: another sender delegates its code to a contract.
                let signer = &senders[(from + 1) % senders.len()];
                let auth = Authorization {
                    chain_id: U256::from(*rng.pick(&[CHAIN_ID, 0, 7])),
                    address: contract(rng.below(2)),
                    nonce: rng.below(3),
                };
                let auth_sig = sign(signer, auth.signature_hash());
                let tx = TxEip7702 {
                    chain_id: CHAIN_ID,
                    nonce: self.nonce,
                    gas_limit: self.gas,
                    max_fee_per_gas: self.max_fee,
                    max_priority_fee_per_gas: self.tip,
                    to: to_address,
                    value: self.value,
                    access_list,
                    authorization_list: vec![auth.into_signed(auth_sig)],
                    input: self.input,
                };
                let sig = sign(key, tx.signature_hash());
                tx.into_signed(sig).into()
            }
        }
    }
}

/// The feature names a case can have (for the counts).
pub fn feature_names() -> Vec<String> {
    use Feature::*;
    let program =
        [Arithmetic, Environment, Memory, Storage, Transient, Logs, Calls, Precompiles, Creates, Revert, SelfDestruct];
    program
        .iter()
        .map(|f| format!("{f:?}"))
        .chain(["legacy", "eip2930", "eip1559", "eip4844", "eip7702", "invalid transaction"].map(String::from))
        .collect()
}
