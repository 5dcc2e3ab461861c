//! The circuit: keccak(header RLP) is the block hash; the parent's RLP hashes to the header's
//! parentHash; every account proof checks against the parent's stateRoot and every storage proof
//! against its account's storageRoot. Public: the block hash and every proven value.

use alloy_trie::EMPTY_ROOT_HASH;
use axiom_eth::{
    halo2_base::{
        gates::{GateInstructions, RangeChip, RangeInstructions},
        safe_types::SafeTypeChip,
        AssignedValue, Context,
    },
    mpt::MPTChip,
    rlc::{circuit::builder::RlcCircuitBuilder, FIRST_PHASE},
    rlp::types::RlpArrayWitness,
    storage::{EthAccountWitness, EthStorageChip, EthStorageWitness},
    utils::{assign_vec, bytes_be_to_u128, bytes_be_to_uint, eth_circuit::EthCircuitInstructions},
    Field,
};
use itertools::Itertools;

use crate::{
    header_shape::{header_max_len, HEADER_FIELDS_MAX_BYTES, HEADER_MIN_BYTES},
    layout::Chunk,
};

const PARENT_HASH: usize = 0;
const STATE_ROOT: usize = 3;

#[derive(Clone, Debug)]
/// The block-state circuit of one chunk.
pub struct BlockStateCircuit {
    /// What the chunk proves.
    pub chunk: Chunk,
}

/// The circuit's assigned RLP and MPT witnesses, between its two phases.
pub struct Witnesses<F: Field> {
    headers: [RlpArrayWitness<F>; 2],
    accounts: Vec<EthAccountWitness<F>>,
    slots: Vec<EthStorageWitness<F>>,
}

fn load_bytes<F: Field>(ctx: &mut Context<F>, range: &RangeChip<F>, bytes: &[u8], len: usize) -> Vec<AssignedValue<F>> {
    let cells = assign_vec(ctx, bytes.to_vec(), len);
    for cell in &cells {
        range.range_check(ctx, *cell, 8);
    }
    cells
}

impl<F: Field> EthCircuitInstructions<F> for BlockStateCircuit {
    type FirstPhasePayload = Witnesses<F>;

    fn virtual_assign_phase0(&self, builder: &mut RlcCircuitBuilder<F>, mpt: &MPTChip<'_, F>) -> Witnesses<F> {
        let range = mpt.range();
        let gate = range.gate();
        let safe = SafeTypeChip::new(range);
        let chip = EthStorageChip::new(mpt, None);
        let ctx = builder.base.main(FIRST_PHASE);

        // Both headers: RLP-decode and hash.
        let mut header = |bytes: &[u8]| {
            let cells = load_bytes(ctx, range, bytes, header_max_len());
            let rlp = mpt.rlp().decompose_rlp_array_phase0(ctx, cells, &HEADER_FIELDS_MAX_BYTES, true);
            let hash = mpt.keccak().keccak_var_len(ctx, rlp.rlp_array.clone(), rlp.rlp_len, HEADER_MIN_BYTES);
            (rlp, hash)
        };
        let (block, block_hash) = header(&self.chunk.header_rlp);
        let (parent, parent_hash) = header(&self.chunk.parent_rlp);
        for (a, b) in parent_hash.output_bytes.as_ref().iter().zip_eq(&block.field_witness[PARENT_HASH].field_cells) {
            ctx.constrain_equal(a, b);
        }
        let state_root = parent.field_witness[STATE_ROOT].field_cells.clone();
        let mut instances = vec![block_hash.output_hi, block_hash.output_lo];

        // Accounts against the parent's stateRoot.
        let mut accounts = Vec::new();
        let mut storage_roots = Vec::new();
        for a in &self.chunk.accounts {
            let ctx = builder.base.main(FIRST_PHASE);
            let address = load_bytes(ctx, range, a.address.as_slice(), 20);
            let address = safe.raw_bytes_to::<1, 160>(ctx, address);
            let proof = a.proof.clone().assign(ctx);
            let w = chip.parse_account_proof_phase0(ctx, address.clone(), proof);
            for (a, b) in w.mpt_witness().root_hash_bytes.iter().zip_eq(&state_root) {
                ctx.constrain_equal(a, b);
            }
            let address_bytes = SafeTypeChip::unsafe_to_fix_len_bytes_vec(address.value().to_vec(), 20);
            instances.push(bytes_be_to_uint(ctx, gate, address_bytes.bytes(), 20));
            instances.push(w.mpt_witness().slot_is_empty);
            for (field, max) in [(w.get_nonce(), 8), (w.get_balance(), 12)] {
                let bytes = SafeTypeChip::unsafe_to_var_len_bytes_vec(field.field_cells.clone(), field.field_len, max);
                let fixed = bytes.left_pad_to_fixed(ctx, gate);
                instances.push(bytes_be_to_uint(ctx, gate, fixed.bytes(), max));
            }
            for field in [w.get_storage_root(), w.get_code_hash()] {
                let bytes = SafeTypeChip::unsafe_to_fix_len_bytes_vec(field.field_cells.clone(), 32);
                instances.extend(bytes_be_to_u128(ctx, gate, bytes.bytes()));
            }
            storage_roots.push(w.get_storage_root().field_cells.clone());
            accounts.push(w);
        }

        // Slots against their account's storageRoot; index `accounts.len()` is the empty root,
        // for padding slots.
        let ctx = builder.base.main(FIRST_PHASE);
        storage_roots.push(EMPTY_ROOT_HASH.iter().map(|b| ctx.load_constant(F::from(*b as u64))).collect());
        let mut slots = Vec::new();
        for s in &self.chunk.slots {
            let ctx = builder.base.main(FIRST_PHASE);
            let index = ctx.load_witness(F::from(s.account as u64));
            let key = load_bytes(ctx, range, s.key.as_slice(), 32);
            let key = safe.raw_bytes_to::<1, 256>(ctx, key);
            let proof = s.proof.clone().assign(ctx);
            let w = chip.parse_storage_proof_phase0(ctx, key.clone(), proof);
            for (i, byte) in w.mpt_witness().root_hash_bytes.iter().enumerate() {
                let root_byte = gate.select_from_idx(ctx, storage_roots.iter().map(|r| r[i]), index);
                ctx.constrain_equal(byte, &root_byte);
            }
            instances.push(index);
            let key_bytes = SafeTypeChip::unsafe_to_fix_len_bytes_vec(key.value().to_vec(), 32);
            instances.extend(bytes_be_to_u128(ctx, gate, key_bytes.bytes()));
            instances.push(w.mpt_witness().slot_is_empty);
            let value = &w.value_witness().field_cells;
            let value = SafeTypeChip::unsafe_to_var_len_bytes_vec(value.clone(), w.value_witness().field_len, 32);
            let value = value.left_pad_to_fixed(ctx, gate);
            instances.extend(bytes_be_to_u128(ctx, gate, value.bytes()));
            slots.push(w);
        }

        builder.base.assigned_instances[0] = instances;
        Witnesses { headers: [block, parent], accounts, slots }
    }

    fn virtual_assign_phase1(&self, builder: &mut RlcCircuitBuilder<F>, mpt: &MPTChip<'_, F>, w: Witnesses<F>) {
        for header in w.headers {
            mpt.rlp().decompose_rlp_array_phase1(builder.rlc_ctx_pair(), header, true);
        }
        let chip = EthStorageChip::new(mpt, None);
        chip.parse_account_proofs_phase1(builder, w.accounts);
        chip.parse_storage_proofs_phase1(builder, w.slots);
    }
}
