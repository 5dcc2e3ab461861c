//! The inspector of a block run, off unless needed: it then watches for what revm cannot see.
//!
//! EIP-7610: creating a contract at an address whose account already has storage collides, as
//! one with code or a nonce does (applied to every fork since Frontier). revm 43 checks only the
//! code and the nonce, because its state is lazy and cannot tell whether an account has storage;
//! the witness can: it holds every account's pre-state storage root.
//!
//! No mainnet account has storage without code or nonce, so the check costs nothing on real
//! blocks: `execute` runs a block with this watch switched off, and again with it on only when
//! the first run read such an account (`WitnessDb::read_storage_only_account`).
//!
//! The precompiles a block calls: a host asks for them (`execute_block_noting_precompiles`) to pick
//! the guest image whose VM has their extensions; the guest never switches this on.

use alloc::collections::BTreeSet;

use alloy_evm::eth::EthEvmContext;
use alloy_primitives::Address;
use revm::{
    context_interface::ContextTr,
    database::State,
    inspector::Inspector,
    interpreter::{CallInputs, CallOutcome, InstructionResult, Interpreter},
};

use crate::db::WitnessDb;

/// What a block run watches, when its inspector is switched on: creations that collide with
/// storage (`collisions`), and the precompiles called (`precompiles`, for the host: a prover picks
/// its guest image by them).
#[derive(Clone, Debug, Default)]
pub(crate) struct Watch {
    /// Halt creations whose address already holds storage.
    pub(crate) collisions: bool,
    /// Note every call into the precompile range (addresses below 0x10000) here.
    pub(crate) precompiles: Option<BTreeSet<Address>>,
}

impl<'a> Inspector<EthEvmContext<&'a mut State<WitnessDb>>> for Watch {
    fn initialize_interp(&mut self, interp: &mut Interpreter, context: &mut EthEvmContext<&'a mut State<WitnessDb>>) {
        if self.collisions {
            halt_on_storage_collision(interp, context);
        }
    }

    fn call(
        &mut self,
        _: &mut EthEvmContext<&'a mut State<WitnessDb>>,
        inputs: &mut CallInputs,
    ) -> Option<CallOutcome> {
        if let Some(called) = &mut self.precompiles {
            // Precompiles live at the lowest addresses (0x01 to 0x11, P-256 at 0x100); a call to
            // one there that is not a precompile in the block's fork is noted all the same.
            if inputs.bytecode_address.0[..18] == [0u8; 18] {
                called.insert(inputs.bytecode_address);
            }
        }
        None
    }
}

/// Halts a creation whose address already holds storage before its init code runs, as revm
/// halts one whose address has code or a nonce: the creation's checkpoint is reverted (value,
/// nonce, created mark), the caller's nonce bump and the address's warmth stay, and the
/// creation's gas is consumed, as in every other client.
fn halt_on_storage_collision(interp: &mut Interpreter, context: &mut EthEvmContext<&mut State<WitnessDb>>) {
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
