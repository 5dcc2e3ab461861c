//! Fixed circuit shapes ("capacity classes"), the split of a witness into chunks that fit one, and
//! the public instances a chunk's proof must carry, computed natively from the witness.

use alloy_primitives::{keccak256, Address, B256, U256};
use alloy_rlp::Decodable;
use alloy_trie::{TrieAccount, EMPTY_ROOT_HASH};
use axiom_eth::{halo2curves::bn256::Fr, mpt::MPTInput};
use serde::{Deserialize, Serialize};
use witness::{CheckedWitness, WitnessFile};

use crate::mpt_input::{mpt_input, ProofShape, ProofShapeError, EMPTY_ACCOUNT_RLP, EMPTY_SLOT_RLP};

/// Bytes absorbed per keccak_f permutation.
const KECCAK_RATE: usize = 136;
/// The largest RLP a trie node can have (a full branch).
const MAX_NODE_BYTES: usize = 532;

/// One fixed circuit shape: how many account proofs and storage proofs a chunk holds, and how deep
/// they may be. A circuit of one class always has the same verifying key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapacityClass {
    pub accounts: usize,
    pub slots: usize,
    pub account_depth: usize,
    pub storage_depth: usize,
}

impl CapacityClass {
    /// One account and two slots: tests and small blocks.
    pub const TINY: CapacityClass = CapacityClass { accounts: 1, slots: 2, account_depth: 14, storage_depth: 10 };
    /// Four accounts and eight slots.
    pub const SMALL: CapacityClass = CapacityClass { accounts: 4, slots: 8, account_depth: 14, storage_depth: 10 };

    pub fn account_shape(&self) -> ProofShape {
        ProofShape { max_depth: self.account_depth, value_max_bytes: 90 }
    }

    pub fn storage_shape(&self) -> ProofShape {
        ProofShape { max_depth: self.storage_depth, value_max_bytes: 33 }
    }

    /// keccak_f permutations a full chunk may need: both headers, every key hash, every node.
    pub fn keccak_capacity(&self) -> usize {
        let f = |bytes: usize| bytes / KECCAK_RATE + 1;
        let node = f(MAX_NODE_BYTES);
        2 * f(crate::block_state::header_max_len())
            + self.accounts * (1 + self.account_depth * node)
            + self.slots * (1 + self.storage_depth * node)
    }

    /// Number of public instances (before the keccak commitment the circuit appends).
    pub fn num_instances(&self) -> usize {
        2 + self.accounts * ACCOUNT_INSTANCES + self.slots * SLOT_INSTANCES
    }
}

pub const ACCOUNT_INSTANCES: usize = 8;
pub const SLOT_INSTANCES: usize = 6;

#[derive(Clone, Debug)]
pub struct ChunkAccount {
    pub address: Address,
    pub proof: MPTInput,
}

#[derive(Clone, Debug)]
pub struct ChunkSlot {
    /// Which of the chunk's accounts the slot belongs to; `class.accounts` for a padding slot.
    pub account: usize,
    pub key: B256,
    pub proof: MPTInput,
}

/// What one proof covers: the block's and its parent's headers, and up to a class's capacity of
/// pre-state account and storage proofs (padded to exactly the capacity by repeating real ones).
#[derive(Clone, Debug)]
pub struct Chunk {
    pub class: CapacityClass,
    pub header_rlp: Vec<u8>,
    pub parent_rlp: Vec<u8>,
    pub accounts: Vec<ChunkAccount>,
    pub slots: Vec<ChunkSlot>,
}

#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    #[error("account {address}: {source}")]
    Account { address: Address, source: ProofShapeError },
    #[error("account {address}, slot {slot}: {source}")]
    Slot { address: Address, slot: B256, source: ProofShapeError },
    #[error("account {address}: proof depth {depth} exceeds the class limit {limit}")]
    TooDeep { address: Address, depth: usize, limit: usize },
    #[error("the witness has no account to prove")]
    Empty,
    #[error("header RLP: {0}")]
    Header(#[from] witness::WitnessError),
}

/// Splits a (natively checked) witness's pre-state into chunks of `class`.
pub fn chunks(w: &WitnessFile, checked: &CheckedWitness, class: CapacityClass) -> Result<Vec<Chunk>, LayoutError> {
    let header_rlp = w.block.header.rlp()?;
    let parent_rlp = w.block.ancestors[0].rlp()?;
    let state_root = checked.parent.header.state_root;

    // Each account with its slots, as groups that fit one chunk.
    let mut groups: Vec<(ChunkAccount, Vec<(B256, MPTInput)>)> = Vec::new();
    for a in &w.block.pre_state {
        let proof = mpt_input(state_root, keccak256(a.address), &a.proof, class.account_shape(), &EMPTY_ACCOUNT_RLP)
            .map_err(|source| LayoutError::Account { address: a.address, source })?;
        check_depth(a.address, &proof, class.account_depth)?;
        let mut slots = Vec::new();
        for s in &a.storage {
            let proof = mpt_input(a.storage_root, keccak256(s.key), &s.proof, class.storage_shape(), &EMPTY_SLOT_RLP)
                .map_err(|source| LayoutError::Slot { address: a.address, slot: s.key, source })?;
            check_depth(a.address, &proof, class.storage_depth)?;
            slots.push((s.key, proof));
        }
        // An account with more slots than a chunk holds is proven again in the next chunk.
        let mut rest = slots.as_slice();
        loop {
            let take = rest.len().min(class.slots);
            groups.push((ChunkAccount { address: a.address, proof: proof.clone() }, rest[..take].to_vec()));
            rest = &rest[take..];
            if rest.is_empty() {
                break;
            }
        }
    }
    if groups.is_empty() {
        return Err(LayoutError::Empty);
    }

    let mut out: Vec<Chunk> = Vec::new();
    for (account, slots) in groups {
        let fits =
            out.last().is_some_and(|c| c.accounts.len() < class.accounts && c.slots.len() + slots.len() <= class.slots);
        if !fits {
            out.push(Chunk {
                class,
                header_rlp: header_rlp.clone(),
                parent_rlp: parent_rlp.clone(),
                accounts: vec![],
                slots: vec![],
            });
        }
        let chunk = out.last_mut().expect("just pushed");
        let index = chunk.accounts.len();
        chunk.accounts.push(account);
        chunk.slots.extend(slots.into_iter().map(|(key, proof)| ChunkSlot { account: index, key, proof }));
    }
    for chunk in &mut out {
        pad(chunk);
    }
    Ok(out)
}

fn check_depth(address: Address, proof: &MPTInput, limit: usize) -> Result<(), LayoutError> {
    if proof.proof.len() > limit {
        return Err(LayoutError::TooDeep { address, depth: proof.proof.len(), limit });
    }
    Ok(())
}

/// Fills a chunk to its class's exact shape: missing accounts repeat the first one (proving it
/// again changes nothing), missing slots are padding slots.
fn pad(chunk: &mut Chunk) {
    while chunk.accounts.len() < chunk.class.accounts {
        chunk.accounts.push(chunk.accounts[0].clone());
    }
    while chunk.slots.len() < chunk.class.slots {
        chunk.slots.push(padding_slot(chunk.class));
    }
}

/// A slot that belongs to no account: the absence of slot 0 from the empty storage trie. Its
/// account index is `class.accounts`, one past the chunk's accounts, which the circuit maps to
/// the empty root.
pub fn padding_slot(class: CapacityClass) -> ChunkSlot {
    let proof = mpt_input(EMPTY_ROOT_HASH, keccak256(B256::ZERO), &[], class.storage_shape(), &EMPTY_SLOT_RLP)
        .expect("an empty proof always has a shape");
    ChunkSlot { account: class.accounts, key: B256::ZERO, proof }
}

fn decode_account(rlp: &[u8]) -> Option<TrieAccount> {
    TrieAccount::decode(&mut &rlp[..]).ok()
}

fn hi_lo(word: B256) -> [Fr; 2] {
    let hi = u128::from_be_bytes(word[..16].try_into().expect("16 bytes"));
    let lo = u128::from_be_bytes(word[16..].try_into().expect("16 bytes"));
    [u128_to_fr(hi), u128_to_fr(lo)]
}

fn u128_to_fr(x: u128) -> Fr {
    Fr::from_raw([x as u64, (x >> 64) as u64, 0, 0])
}

fn small_uint(value: U256) -> Fr {
    let bytes: [u8; 32] = value.to_be_bytes();
    bytes.iter().fold(Fr::from(0u64), |acc, b| acc * Fr::from(256u64) + Fr::from(*b as u64))
}

/// The public instances a proof of `chunk` carries (without the keccak commitment): the block hash,
/// then per account (address, is_empty, nonce, balance, storageRoot, codeHash), then per slot
/// (account index, slot, is_empty, value). Hashes are split into 128-bit halves.
pub fn instances(chunk: &Chunk, block_hash: B256) -> Vec<Fr> {
    let mut out = hi_lo(block_hash).to_vec();
    for a in &chunk.accounts {
        let account = decode_account(&a.proof.value).unwrap_or_default();
        out.push(small_uint(U256::from_be_slice(a.address.as_slice())));
        out.push(Fr::from(a.proof.slot_is_empty as u64));
        out.push(Fr::from(account.nonce));
        out.push(small_uint(account.balance));
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
