//! The split of a witness into chunks that fit one capacity class, and the public instances a
//! chunk's proof must carry, computed natively from the witness.

use alloy_primitives::{keccak256, Address, B256};
use alloy_trie::EMPTY_ROOT_HASH;
use axiom_eth::mpt::MPTInput;
use witness::{CheckedWitness, WitnessFile};

use crate::{
    class::CapacityClass,
    mpt_input::{mpt_input, ProofShapeError, EMPTY_ACCOUNT_RLP, EMPTY_SLOT_RLP},
};

#[derive(Clone, Debug)]
/// An account of a chunk, with its proof as axiom-eth's MPT chip reads it.
pub struct ChunkAccount {
    /// The account.
    pub address: Address,
    /// Its proof against the parent's stateRoot.
    pub proof: MPTInput,
}

#[derive(Clone, Debug)]
/// A slot of a chunk.
pub struct ChunkSlot {
    /// Which of the chunk's accounts the slot belongs to; `class.accounts` for a padding slot.
    pub account: usize,
    /// The slot.
    pub key: B256,
    /// Its proof against its account's storageRoot.
    pub proof: MPTInput,
}

/// What one proof covers: the block's and its parent's headers, and up to a class's capacity of
/// pre-state account and storage proofs (padded to exactly the capacity by repeating real ones).
#[derive(Clone, Debug)]
pub struct Chunk {
    /// The class the chunk is shaped for.
    pub class: CapacityClass,
    /// The block's header RLP.
    pub header_rlp: Vec<u8>,
    /// The parent's header RLP.
    pub parent_rlp: Vec<u8>,
    /// Exactly `class.accounts` accounts (padded).
    pub accounts: Vec<ChunkAccount>,
    /// Exactly `class.slots` slots (padded).
    pub slots: Vec<ChunkSlot>,
}

impl Chunk {
    /// A chunk of the class's shape with placeholder contents, for key generation (keys depend on
    /// the shape only): the default header, absent accounts and padding slots.
    pub fn template(class: CapacityClass) -> Chunk {
        let header_rlp = alloy_rlp::encode(alloy_consensus::Header::default());
        let account = ChunkAccount {
            address: Address::ZERO,
            proof: mpt_input(EMPTY_ROOT_HASH, keccak256(Address::ZERO), &[], class.account_shape(), &EMPTY_ACCOUNT_RLP)
                .expect("an empty proof always has a shape"),
        };
        Chunk {
            class,
            parent_rlp: header_rlp.clone(),
            header_rlp,
            accounts: vec![account; class.accounts],
            slots: vec![padding_slot(class); class.slots],
        }
    }
}

/// Why a witness does not fit a class.
#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    /// An account proof does not fit the class's shape.
    #[error("account {address}: {cause}")]
    Account {
        /// The account.
        address: Address,
        /// What does not fit.
        cause: ProofShapeError,
    },
    /// A storage proof does not fit the class's shape.
    #[error("account {address}, slot {slot}: {cause}")]
    Slot {
        /// The account.
        address: Address,
        /// The slot.
        slot: B256,
        /// What does not fit.
        cause: ProofShapeError,
    },
    /// A proof is deeper than the class takes.
    #[error("account {address}: proof depth {depth} exceeds the class limit {limit}")]
    TooDeep {
        /// The account.
        address: Address,
        /// The proof's depth.
        depth: usize,
        /// The class's limit.
        limit: usize,
    },
    /// Nothing to prove.
    #[error("the witness has no account to prove")]
    Empty,
    /// A header's RLP cannot be built.
    #[error("header RLP: {0}")]
    Header(witness::WitnessError),
}

/// Splits a (natively checked) witness's pre-state into chunks of `class`.
pub fn chunks(w: &WitnessFile, checked: &CheckedWitness, class: CapacityClass) -> Result<Vec<Chunk>, LayoutError> {
    let header_rlp = w.block.header.rlp().map_err(LayoutError::Header)?;
    let parent_rlp = w.block.ancestors[0].rlp().map_err(LayoutError::Header)?;
    let state_root = checked.parent.header.state_root;

    // Each account with its slots, as groups that fit one chunk.
    let mut groups: Vec<(ChunkAccount, Vec<(B256, MPTInput)>)> = Vec::new();
    for a in &w.block.pre_state {
        let proof = mpt_input(state_root, keccak256(a.address), &a.proof, class.account_shape(), &EMPTY_ACCOUNT_RLP)
            .map_err(|cause| LayoutError::Account { address: a.address, cause })?;
        check_depth(a.address, &proof, class.account_depth)?;
        let mut slots = Vec::new();
        for s in &a.storage {
            let proof = mpt_input(a.storage_root, keccak256(s.key), &s.proof, class.storage_shape(), &EMPTY_SLOT_RLP)
                .map_err(|cause| LayoutError::Slot { address: a.address, slot: s.key, cause })?;
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

/// The class that proves a witness at the least cost (chunks times the cost of one), among those
/// whose depth limits fit every proof; with its chunks.
pub fn cheapest_class(w: &WitnessFile, checked: &CheckedWitness) -> Result<(CapacityClass, Vec<Chunk>), LayoutError> {
    let mut best: Option<(CapacityClass, Vec<Chunk>)> = None;
    let mut last_error = None;
    for class in CapacityClass::all() {
        match chunks(w, checked, class) {
            Ok(c) => {
                let cost = |(class, c): &(CapacityClass, Vec<Chunk>)| c.len() as u64 * class.relative_cost();
                if best.as_ref().is_none_or(|b| cost(&(class, c.clone())) < cost(b)) {
                    best = Some((class, c));
                }
            }
            Err(e) => last_error = Some(e),
        }
    }
    best.ok_or_else(|| last_error.expect("at least one class"))
}
