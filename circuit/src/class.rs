//! Capacity classes: the fixed circuit shapes a witness is proven in. A class fixes how many
//! account and storage proofs one chunk holds, how deep they may be, and the circuit size k, so
//! every circuit of a class has the same verifying key (and so the same circuit id).

use serde::{Deserialize, Serialize};

use crate::mpt_input::ProofShape;

/// Bytes absorbed per keccak_f permutation.
const KECCAK_RATE: usize = 136;
/// The largest RLP a trie node can have (a full branch).
const MAX_NODE_BYTES: usize = 532;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
/// The capacity classes, by name.
pub enum ClassName {
    /// One account and one slot, shallow proofs (devnets, anvil, tests).
    Micro,
    /// One account and two slots, mainnet depths.
    Tiny,
    /// Four accounts and eight slots, mainnet depths.
    Small,
}

impl ClassName {
    /// Every class, smallest first.
    pub const ALL: [ClassName; 3] = [ClassName::Micro, ClassName::Tiny, ClassName::Small];

    /// The class's name in files and flags.
    pub fn as_str(self) -> &'static str {
        match self {
            ClassName::Micro => "micro",
            ClassName::Tiny => "tiny",
            ClassName::Small => "small",
        }
    }
}

impl std::fmt::Display for ClassName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ClassName {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ClassName::ALL.into_iter().find(|c| c.as_str() == s).ok_or_else(|| {
            let names: Vec<&str> = ClassName::ALL.iter().map(|c| c.as_str()).collect();
            format!("unknown circuit class {s:?} (one of {})", names.join(", "))
        })
    }
}

/// One fixed circuit shape. Both circuits of a chunk (block state and keccak) have 2^k rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapacityClass {
    /// Its name.
    pub name: ClassName,
    /// Accounts per chunk.
    pub accounts: usize,
    /// Storage slots per chunk.
    pub slots: usize,
    /// The deepest account proof it takes (nodes).
    pub account_depth: usize,
    /// The deepest storage proof it takes (nodes).
    pub storage_depth: usize,
    /// The circuits' size: 2^k rows.
    pub k: u32,
}

impl CapacityClass {
    /// One account and one slot of shallow tries (a devnet's, anvil's): the smallest circuit, for
    /// tests and small chains. k = 15: 57 + 26 advice columns.
    pub const MICRO: CapacityClass =
        CapacityClass { name: ClassName::Micro, accounts: 1, slots: 1, account_depth: 6, storage_depth: 4, k: 15 };
    /// One account and two slots at mainnet depths. k = 17: 38 + 19 advice columns.
    pub const TINY: CapacityClass =
        CapacityClass { name: ClassName::Tiny, accounts: 1, slots: 2, account_depth: 12, storage_depth: 10, k: 17 };
    /// Four accounts and eight slots at mainnet depths (mainnet proofs measured here are at most
    /// 11 and 9 nodes deep). k = 19: 35 + 18 advice columns.
    pub const SMALL: CapacityClass =
        CapacityClass { name: ClassName::Small, accounts: 4, slots: 8, account_depth: 12, storage_depth: 10, k: 19 };

    /// The class of that name.
    pub fn named(name: ClassName) -> CapacityClass {
        match name {
            ClassName::Micro => Self::MICRO,
            ClassName::Tiny => Self::TINY,
            ClassName::Small => Self::SMALL,
        }
    }

    /// Every class, smallest first.
    pub fn all() -> impl Iterator<Item = CapacityClass> {
        ClassName::ALL.into_iter().map(Self::named)
    }

    /// The shape of its account proofs.
    pub fn account_shape(&self) -> ProofShape {
        ProofShape { max_depth: self.account_depth, value_max_bytes: 90 }
    }

    /// The shape of its storage proofs.
    pub fn storage_shape(&self) -> ProofShape {
        ProofShape { max_depth: self.storage_depth, value_max_bytes: 33 }
    }

    /// keccak_f permutations a full chunk may need: both headers, every key hash, every node.
    pub fn keccak_capacity(&self) -> usize {
        let f = |bytes: usize| bytes / KECCAK_RATE + 1;
        let node = f(MAX_NODE_BYTES);
        2 * f(crate::header_shape::header_max_len())
            + self.accounts * (1 + self.account_depth * node)
            + self.slots * (1 + self.storage_depth * node)
    }

    /// Number of public instances of the block-state circuit, before the keccak commitment it
    /// appends.
    pub fn num_instances(&self) -> usize {
        2 + self.accounts * ACCOUNT_INSTANCES + self.slots * SLOT_INSTANCES
    }

    /// A rough proving cost of one chunk, to compare classes: the rows of its circuits.
    pub fn relative_cost(&self) -> u64 {
        1 << self.k
    }
}

/// Public instances per account: address, is_empty, nonce, balance, storageRoot (2), codeHash (2).
pub const ACCOUNT_INSTANCES: usize = 8;
/// Public instances per slot: account index, slot (2), is_empty, value (2).
pub const SLOT_INSTANCES: usize = 6;
