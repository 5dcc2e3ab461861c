//! The pre-state as revm sees it: accounts and slots read from the sparse tries, codes by hash,
//! ancestors' hashes for BLOCKHASH. A read outside what the witness holds is an error naming it,
//! never a silent zero.

use alloc::{
    collections::{BTreeMap, BTreeSet},
    format,
    vec::Vec,
};

use alloy_primitives::{keccak256, Address, Bytes, B256, KECCAK256_EMPTY, U256};
use alloy_trie::{TrieAccount, EMPTY_ROOT_HASH};
use revm::{bytecode::Bytecode, database_interface::Database, state::AccountInfo};

use crate::{
    error::{StatelessError, TrieError},
    trie::{NodePool, SparseTrie},
};

/// A key the witness cannot show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum MissingKey {
    /// An account the state trie cannot show.
    Account(Address),
    /// A slot the account's storage trie cannot show.
    Slot(Address, U256),
}

#[derive(Debug)]
/// The state revm reads: partial tries opened at the parent's stateRoot, over the witness's nodes, every read checked against the root.
pub struct WitnessDb {
    /// `Some`: discovery (see `execute::find_missing`): a read the proofs stop short of is noted
    /// here and taken as absent instead of failing.
    pub(crate) missing: Option<BTreeSet<MissingKey>>,
    pub(crate) pool: NodePool,
    pub(crate) accounts: SparseTrie,
    /// Storage tries of the accounts read so far, opened at their pre-state storage roots.
    pub(crate) storage: BTreeMap<Address, SparseTrie>,
    /// Pre-state storage roots of the accounts read so far (absent: the account did not exist).
    pub(crate) storage_roots: BTreeMap<Address, B256>,
    /// An account with storage but neither code nor nonce was read: a creation at its address
    /// must collide (EIP-7610, see `collision`).
    pub(crate) read_storage_only_account: bool,
    codes: BTreeMap<B256, Bytes>,
    block_hashes: BTreeMap<u64, B256>,
}

impl WitnessDb {
    /// The database of the state at `state_root`, over `pool`'s nodes, `codes` and the headers BLOCKHASH may read.
    pub fn new(state_root: B256, pool: NodePool, codes: &[Bytes], block_hashes: BTreeMap<u64, B256>) -> Self {
        let codes = codes.iter().map(|code| (keccak256(code), code.clone())).collect();
        Self {
            missing: None,
            pool,
            accounts: SparseTrie::new(state_root),
            storage: BTreeMap::new(),
            storage_roots: BTreeMap::new(),
            read_storage_only_account: false,
            codes,
            block_hashes,
        }
    }

    pub(crate) fn read_account(&mut self, address: Address) -> Result<Option<TrieAccount>, StatelessError> {
        let read = self.accounts.get(&keccak256(address), &mut self.pool);
        let leaf = noted_if_missing(&mut self.missing, MissingKey::Account(address), read)
            .map_err(|cause| StatelessError::AccountTrie { address, cause })?;
        let Some(leaf) = leaf else { return Ok(None) };
        let account: TrieAccount = alloy_rlp::Decodable::decode(&mut leaf.as_slice())
            .map_err(|e| StatelessError::AccountLeaf { address, reason: format!("{e}") })?;
        Ok(Some(account))
    }

    /// Whether the account had storage before the block (only accounts read so far are known).
    pub(crate) fn had_storage(&self, address: Address) -> bool {
        self.storage_roots.get(&address).is_some_and(|root| *root != EMPTY_ROOT_HASH)
    }
}

/// The storage trie of `address`, opened at its pre-state root the first time it is asked for.
pub(crate) fn storage_trie<'a>(
    storage: &'a mut BTreeMap<Address, SparseTrie>,
    storage_roots: &BTreeMap<Address, B256>,
    address: Address,
) -> &'a mut SparseTrie {
    let root = storage_roots.get(&address).copied().unwrap_or(EMPTY_ROOT_HASH);
    storage.entry(address).or_insert_with(|| SparseTrie::new(root))
}

/// In discovery mode a node the witness lacks is noted and the key read as absent.
fn noted_if_missing(
    missing: &mut Option<BTreeSet<MissingKey>>,
    key: MissingKey,
    read: Result<Option<Vec<u8>>, TrieError>,
) -> Result<Option<Vec<u8>>, TrieError> {
    match (read, missing) {
        (Err(TrieError::MissingNode(_)), Some(missing)) => {
            missing.insert(key);
            Ok(None)
        }
        (read, _) => read,
    }
}

impl Database for WitnessDb {
    type Error = StatelessError;

    fn basic(&mut self, address: Address) -> Result<Option<AccountInfo>, Self::Error> {
        let Some(account) = self.read_account(address)? else { return Ok(None) };
        self.storage_roots.insert(address, account.storage_root);
        self.read_storage_only_account |=
            self.had_storage(address) && account.nonce == 0 && account.code_hash == KECCAK256_EMPTY;
        let mut info = AccountInfo::new(account.balance, account.nonce, account.code_hash, Bytecode::default());
        if account.code_hash != KECCAK256_EMPTY {
            // Left for revm to ask `code_by_hash` when it runs or reads the code: finding a code's
            // jump destinations is about 7% of a mainnet block's instructions in the zkVM, and a
            // code that nothing runs (an account only paid or looked at) now skips it.
            info.code = None;
        }
        Ok(Some(info))
    }

    fn code_by_hash(&mut self, code_hash: B256) -> Result<Bytecode, Self::Error> {
        if code_hash == KECCAK256_EMPTY {
            return Ok(Bytecode::default());
        }
        self.codes.get(&code_hash).map(|c| Bytecode::new_raw(c.clone())).ok_or(StatelessError::MissingCode(code_hash))
    }

    fn storage(&mut self, address: Address, index: U256) -> Result<U256, Self::Error> {
        if !self.storage_roots.contains_key(&address) {
            // revm reads an account before its storage; an account not in the state has none.
            self.basic(address)?;
        }
        let trie = storage_trie(&mut self.storage, &self.storage_roots, address);
        let read = trie.get(&keccak256(B256::from(index)), &mut self.pool);
        let fail = |cause| StatelessError::StorageTrie { address, slot: index, cause };
        match noted_if_missing(&mut self.missing, MissingKey::Slot(address, index), read).map_err(fail)? {
            None => Ok(U256::ZERO),
            Some(rlp) => alloy_rlp::Decodable::decode(&mut rlp.as_slice())
                .map_err(|_| fail(TrieError::Malformed("slot value is not an RLP integer"))),
        }
    }

    fn block_hash(&mut self, number: u64) -> Result<B256, Self::Error> {
        self.block_hashes.get(&number).copied().ok_or(StatelessError::MissingBlockHash(number))
    }
}
