//! OpenVM's STARK verifier, and what its public values mean: the one place this crate knows
//! OpenVM.

use openvm_stark_backend::codec::Decode;
use openvm_verify_stark_host::{verify_vm_stark_proof_decoded, vk::VmStarkVerifyingKey, VmStarkProof};
use p3_field::PrimeField32;
use stateless::BlockCommitment;

use crate::VerifyError;

/// The guest's public values: the block commitment, padded with zeros to a power of two (OpenVM
/// commits to them in a Merkle tree).
pub const PUBLIC_VALUES: usize = BlockCommitment::LEN.next_power_of_two();

/// Verifies an encoded proof under an encoded verifying key; returns the public values it proves.
pub fn verify(vk: &[u8], proof: &[u8]) -> Result<Vec<u8>, VerifyError> {
    let vk = decode_vk(vk)?;
    let proof =
        VmStarkProof::decode_from_bytes(proof).map_err(|e| VerifyError::BadProof(format!("cannot decode: {e}")))?;
    verify_vm_stark_proof_decoded(&vk, &proof).map_err(|e| VerifyError::BadProof(e.to_string()))?;
    Ok(field_bytes(&proof.user_pvs_proof.public_values))
}

/// The program commitment a verifying key accepts (its image id), as 32 bytes.
pub fn image_id_of_vk(vk: &[u8]) -> Result<[u8; 32], VerifyError> {
    Ok(digest_bytes(&decode_vk(vk)?.baseline.app_exe_commit))
}

/// The block commitment public values hold, refusing anything else (a wrong length, a padding
/// that is not zeros, a field out of range).
pub fn commitment_of(public_values: &[u8]) -> Result<BlockCommitment, VerifyError> {
    let not_one = || VerifyError::NotACommitment { len: public_values.len() };
    if public_values.len() != PUBLIC_VALUES {
        return Err(not_one());
    }
    let (commitment, padding) = public_values.split_at(BlockCommitment::LEN);
    if padding.iter().any(|b| *b != 0) {
        return Err(not_one());
    }
    BlockCommitment::from_bytes(commitment).ok_or_else(not_one)
}

fn decode_vk(vk: &[u8]) -> Result<VmStarkVerifyingKey, VerifyError> {
    bitcode::deserialize(vk).map_err(|e| VerifyError::VerifyingKey(format!("cannot decode: {e}")))
}

/// A digest of eight field elements as 32 bytes, each word little-endian.
pub fn digest_bytes<F: PrimeField32>(digest: &[F; 8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (chunk, f) in out.chunks_exact_mut(4).zip(digest) {
        chunk.copy_from_slice(&f.as_canonical_u32().to_le_bytes());
    }
    out
}

/// Public values are bytes, one per field element; anything above 255 is not ours.
fn field_bytes<F: PrimeField32>(values: &[F]) -> Vec<u8> {
    values.iter().map(|f| u8::try_from(f.as_canonical_u32()).unwrap_or(0xff)).collect()
}
