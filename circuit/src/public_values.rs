//! The public instances of a block-state proof: what it says about the chain. Encoded natively
//! from a chunk (to predict and cross-check what the circuit publishes) and decoded back from a
//! proof's instances (to report what a proof proves).
//!
//! Layout: the block hash (two 128-bit halves), then per account: address, is_empty, nonce,
//! balance, storageRoot (2 halves), codeHash (2 halves); then per slot: account index (one past
//! the chunk's accounts for a padding slot), slot (2 halves), is_empty, value (2 halves); then the
//! commitment to the keccak hashes the circuit used.

use alloy_primitives::{Address, B256, U256};
use alloy_rlp::Decodable;
use alloy_trie::TrieAccount;
use axiom_eth::halo2curves::{bn256::Fr, ff::PrimeField};
use serde::{Deserialize, Serialize};

use crate::{
    class::{CapacityClass, ACCOUNT_INSTANCES, SLOT_INSTANCES},
    layout::Chunk,
};

/// An account as proven against the parent's stateRoot. An absent account reads as nonce 0,
/// balance 0, the empty storage root and a zero code hash.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ProvenAccount {
    /// The account.
    pub address: Address,
    /// Whether it exists at the parent's state.
    pub exists: bool,
    /// Its nonce.
    pub nonce: u64,
    /// Its balance.
    pub balance: U256,
    /// Its storage root.
    pub storage_root: B256,
    /// Its code hash.
    pub code_hash: B256,
}

/// A storage slot as proven against its account's storageRoot.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ProvenSlot {
    /// The account.
    pub address: Address,
    /// The slot.
    pub key: B256,
    /// Whether it is set.
    pub exists: bool,
    /// Its value.
    pub value: U256,
}

/// Everything one block-state proof's instances state, padding left out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkStatement {
    /// The block whose header and parent the chunk proves.
    pub block_hash: B256,
    /// The accounts it proves (padding left out).
    pub accounts: Vec<ProvenAccount>,
    /// The slots it proves (padding left out).
    pub slots: Vec<ProvenSlot>,
}

/// Public instances that are not a chunk's statement.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// Another count than the class's.
    #[error("{found} public instances, a {class} proof has {expected}")]
    Count {
        /// The class.
        class: crate::class::ClassName,
        /// How many there are.
        found: usize,
        /// How many the class has.
        expected: usize,
    },
    /// An instance is out of its range (a flag that is not 0 or 1, a half that is too large).
    #[error("instance {index} ({what}) is out of range")]
    Range {
        /// Its index.
        index: usize,
        /// What it stands for.
        what: &'static str,
    },
}

/// The instances a proof of `chunk` must carry, without the trailing keccak commitment.
pub fn instances(chunk: &Chunk, block_hash: B256) -> Vec<Fr> {
    let mut out = hi_lo(block_hash).to_vec();
    for a in &chunk.accounts {
        let account = TrieAccount::decode(&mut &a.proof.value[..]).unwrap_or_default();
        out.push(uint_to_fr(U256::from_be_slice(a.address.as_slice())));
        out.push(Fr::from(a.proof.slot_is_empty as u64));
        out.push(Fr::from(account.nonce));
        out.push(uint_to_fr(account.balance));
        out.extend(hi_lo(account.storage_root));
        out.extend(hi_lo(account.code_hash));
    }
    for s in &chunk.slots {
        let value = U256::decode(&mut &s.proof.value[..]).unwrap_or_default();
        out.push(Fr::from(s.account as u64));
        out.extend(hi_lo(s.key));
        out.push(Fr::from(s.proof.slot_is_empty as u64));
        out.extend(hi_lo(B256::from(value)));
    }
    out
}

/// Reads a block-state proof's instances (with or without the keccak commitment) back into what
/// they state.
pub fn decode(class: &CapacityClass, instances: &[Fr]) -> Result<ChunkStatement, DecodeError> {
    let expected = class.num_instances();
    if instances.len() != expected && instances.len() != expected + 1 {
        return Err(DecodeError::Count { class: class.name, found: instances.len(), expected: expected + 1 });
    }
    let mut r = Reader { instances, index: 0 };
    let block_hash = r.word("block hash")?;
    let mut accounts = Vec::new();
    for _ in 0..class.accounts {
        let address = r.uint(20, "address")?;
        let address = Address::from_slice(&address.to_be_bytes::<32>()[12..]);
        let exists = !r.flag("account is_empty")?;
        let nonce = r.uint(8, "nonce")?.to::<u64>();
        let balance = r.uint(12, "balance")?;
        let storage_root = r.word("storageRoot")?;
        let code_hash = r.word("codeHash")?;
        let account = ProvenAccount { address, exists, nonce, balance, storage_root, code_hash };
        // Padding repeats the first account.
        if !accounts.contains(&account) {
            accounts.push(account);
        }
    }
    debug_assert_eq!(r.index, 2 + class.accounts * ACCOUNT_INSTANCES);
    let addresses: Vec<Address> = {
        // Account indices refer to the chunk's accounts in order, padding included.
        let start = 2;
        (0..class.accounts)
            .map(|i| {
                let fr = instances[start + i * ACCOUNT_INSTANCES];
                Address::from_slice(&fr_to_u256(fr).to_be_bytes::<32>()[12..])
            })
            .collect()
    };
    let mut slots = Vec::new();
    for _ in 0..class.slots {
        let index = r.uint(1, "slot account index")?.to::<usize>();
        let key = r.word("slot")?;
        let exists = !r.flag("slot is_empty")?;
        let value = U256::from_be_bytes(r.word("slot value")?.0);
        if index > class.accounts {
            return Err(DecodeError::Range { index: r.index - SLOT_INSTANCES, what: "slot account index" });
        }
        if let Some(address) = addresses.get(index) {
            let slot = ProvenSlot { address: *address, key, exists, value };
            if !slots.contains(&slot) {
                slots.push(slot);
            }
        }
    }
    Ok(ChunkStatement { block_hash, accounts, slots })
}

struct Reader<'a> {
    instances: &'a [Fr],
    index: usize,
}

impl Reader<'_> {
    fn next(&mut self) -> Fr {
        let fr = self.instances[self.index];
        self.index += 1;
        fr
    }

    /// An unsigned integer of at most `bytes` bytes.
    fn uint(&mut self, bytes: usize, what: &'static str) -> Result<U256, DecodeError> {
        let value = fr_to_u256(self.next());
        if value.bit_len() > bytes * 8 {
            return Err(DecodeError::Range { index: self.index - 1, what });
        }
        Ok(value)
    }

    fn flag(&mut self, what: &'static str) -> Result<bool, DecodeError> {
        Ok(!self.uint(1, what)?.is_zero())
    }

    /// A 32-byte word from two 128-bit halves.
    fn word(&mut self, what: &'static str) -> Result<B256, DecodeError> {
        let hi = self.uint(16, what)?;
        let lo = self.uint(16, what)?;
        Ok(B256::from((hi << 128) | lo))
    }
}

fn hi_lo(word: B256) -> [Fr; 2] {
    let value = U256::from_be_bytes(word.0);
    [uint_to_fr(value >> 128), uint_to_fr(value & U256::from(u128::MAX))]
}

/// A value below 2^253 (every value here is at most 160 bits).
fn uint_to_fr(value: U256) -> Fr {
    Fr::from_repr(value.to_le_bytes::<32>()).expect("values here are far below the modulus")
}

/// A field element as a 256-bit number.
pub fn fr_to_u256(fr: Fr) -> U256 {
    U256::from_le_bytes(fr.to_repr())
}

/// An instance as 32 bytes big-endian hex, the form proof files use.
pub fn fr_to_hex(fr: &Fr) -> String {
    B256::from(fr_to_u256(*fr)).to_string()
}

/// A field element from 32-byte big-endian hex (as proof files hold instances).
pub fn fr_from_hex(text: &str) -> Result<Fr, String> {
    let word: B256 = text.parse().map_err(|e| format!("{text:?}: {e}"))?;
    Option::from(Fr::from_repr(U256::from_be_bytes(word.0).to_le_bytes::<32>()))
        .ok_or_else(|| format!("{text}: not below the BN254 scalar modulus"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_refuses_out_of_field_values() {
        for fr in [Fr::from(0u64), Fr::from(u64::MAX), -Fr::from(1u64)] {
            assert_eq!(fr_from_hex(&fr_to_hex(&fr)).unwrap(), fr);
        }
        assert!(fr_from_hex(&format!("0x{}", "ff".repeat(32))).is_err());
        assert!(fr_from_hex("0x12").is_err());
    }

    #[test]
    fn words_split_into_halves_and_back() {
        let word: B256 = "0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20".parse().unwrap();
        let [hi, lo] = hi_lo(word);
        let mut r = Reader { instances: &[hi, lo], index: 0 };
        assert_eq!(r.word("w").unwrap(), word);
    }
}
