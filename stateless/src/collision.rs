//! EIP-7610: creating a contract at an address whose account already has storage collides, as
//! one with code or a nonce does (applied to every fork since Frontier). revm 43 checks only the
//! code and the nonce, because its state is lazy and cannot tell whether an account has storage;
//! the witness can: it holds every account's pre-state storage root.
//!
//! No mainnet account has storage without code or nonce, so the check costs nothing on real
//! blocks: `execute` runs a block with this watch switched off, and again with it on only when
//! the first run read such an account (`WitnessDb::read_storage_only_account`).

use alloy_evm::eth::EthEvmContext;
use revm::{
    context_interface::ContextTr,
    database::State,
    inspector::Inspector,
    interpreter::{InstructionResult, Interpreter},
};

use crate::db::WitnessDb;

/// Halts a creation whose address already holds storage before its init code runs, as revm
/// halts one whose address has code or a nonce: the creation's checkpoint is reverted (value,
/// nonce, created mark), the caller's nonce bump and the address's warmth stay, and the
/// creation's gas is consumed, as in every other client.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct StorageCollision;

impl<'a> Inspector<EthEvmContext<&'a mut State<WitnessDb>>> for StorageCollision {
    fn initialize_interp(&mut self, interp: &mut Interpreter, context: &mut EthEvmContext<&'a mut State<WitnessDb>>) {
        // A creation's frame runs init code that belongs to no account yet: no bytecode address.
        if interp.input.bytecode_address.is_some() {
            return;
        }
        let address = interp.input.target_address;
        let state: &State<WitnessDb> = context.db_ref();
        // An account destroyed earlier in the block (before Cancun) lost its storage with it.
        let destroyed = state.cache.accounts.get(&address).is_some_and(|account| account.status.was_destroyed());
        if state.database.had_storage(address) && !destroyed {
            interp.halt(InstructionResult::CreateCollision);
        }
    }
}
