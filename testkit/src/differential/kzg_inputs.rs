//! Inputs for the point evaluation precompile (EIP-4844, 0x0a): proofs made with c-kzg and the
//! Ethereum ceremony's setup for random blobs, which hold, and the inputs each check exists for (a
//! wrong y, z or y not below r, a commitment or proof that is not a compressed G1 point, or is one
//! off the curve or outside the subgroup, the point at infinity, a versioned hash of another
//! commitment, a wrong length). Each input carries the versioned hash of its own commitment, so
//! it reaches the proof's check unless that hash is what is wrong.

use ark_bls12_381::{Fq, G1Affine};
use ark_ec::AffineRepr;
use ark_ff::PrimeField;
use ark_serialize::CanonicalSerialize;

use super::rng::Rng;

/// The scalar field's order r, big-endian: the smallest z or y refused.
const ORDER: [u8; 32] = alloy_primitives::hex!("73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001");

/// A blob of random field elements (each below r: its first byte is zero), its commitment, and
/// the proof of its value at `z`, with that value.
fn proven(rng: &mut Rng, z: [u8; 32]) -> ([u8; 48], [u8; 32], [u8; 48]) {
    let settings = c_kzg::ethereum_kzg_settings(0);
    let mut bytes = rng.bytes(c_kzg::BYTES_PER_BLOB);
    for element in bytes.chunks_mut(32) {
        element[0] = 0;
    }
    let blob = c_kzg::Blob::from_bytes(&bytes).expect("a blob's length");
    let commitment = settings.blob_to_kzg_commitment(&blob).expect("a valid blob");
    let (proof, y) = settings.compute_kzg_proof(&blob, &c_kzg::Bytes32::new(z)).expect("a canonical z");
    (*commitment.to_bytes(), *y, *proof.to_bytes())
}

/// A compressed G1 point on the curve but outside the subgroup (a random x whose y exists).
fn outside_subgroup(rng: &mut Rng) -> [u8; 48] {
    loop {
        let x = Fq::from_be_bytes_mod_order(&rng.bytes(48));
        if let Some(p) = G1Affine::get_point_from_x_unchecked(x, rng.below(2) == 0) {
            if !p.is_in_correct_subgroup_assuming_on_curve() {
                let mut out = [0u8; 48];
                p.serialize_compressed(&mut out[..]).expect("48 bytes");
                return out;
            }
        }
    }
}

fn input(versioned_hash: &[u8], z: &[u8], y: &[u8], commitment: &[u8], proof: &[u8]) -> Vec<u8> {
    [versioned_hash, z, y, commitment, proof].concat()
}

/// The point evaluation's input: a proof that holds most of the time, or one of the edge cases.
pub(super) fn point_evaluation(rng: &mut Rng) -> Vec<u8> {
    let mut z = [0u8; 32];
    z[1..].copy_from_slice(&rng.bytes(31));
    let (mut commitment, mut y, mut proof) = proven(rng, z);
    let mut hash_of_other = false;
    let mut length = 192;
    match rng.below(16) {
        0 => y[31] ^= 1,                    // the wrong value
        1 => z = ORDER,                     // z not canonical
        2 => y = ORDER,                     // y not canonical
        3 => commitment[0] &= 0x7f,         // not flagged as compressed
        4 => proof = outside_subgroup(rng), // a point outside G1
        5 => commitment = outside_subgroup(rng),
        6 => proof[47] ^= 1,     // another x: off the curve, or another point
        7 => proof = infinity(), // holds for constant polynomials only
        8 => hash_of_other = true,
        9 => length = 191 + 2 * rng.below(2) as usize, // one byte short or long
        _ => {}
    }
    let hashed = if hash_of_other { proven(rng, z).0 } else { commitment };
    let hash = alloy_eips::eip4844::kzg_to_versioned_hash(&hashed);
    let mut bytes = input(hash.as_slice(), &z, &y, &commitment, &proof);
    bytes.resize(length, 0);
    bytes
}

/// A point evaluation that holds: a random blob's proof at a random z (a block that calls the
/// precompile for real, testkit's `point_evaluation_block`).
pub fn holding(rng: &mut Rng) -> Vec<u8> {
    let mut z = [0u8; 32];
    z[1..].copy_from_slice(&rng.bytes(31));
    let (commitment, y, proof) = proven(rng, z);
    let hash = alloy_eips::eip4844::kzg_to_versioned_hash(&commitment);
    input(hash.as_slice(), &z, &y, &commitment, &proof)
}

/// A constant polynomial's evaluation: its commitment is c·G1 and its proof the point at
/// infinity, at any z (a pairing with the identity on both sides).
pub(super) fn constant(rng: &mut Rng) -> Vec<u8> {
    let c = ark_bls12_381::Fr::from(rng.below(1 << 32) + 1);
    let mut commitment = [0u8; 48];
    (G1Affine::generator() * c).serialize_compressed(&mut commitment[..]).expect("48 bytes");
    let mut y = [0u8; 32];
    y[24..].copy_from_slice(&(c.into_bigint().0[0]).to_be_bytes());
    let mut z = rng.bytes(32);
    z[0] &= 0x3f;
    let hash = alloy_eips::eip4844::kzg_to_versioned_hash(&commitment);
    input(hash.as_slice(), &z, &y, &commitment, &infinity())
}

/// The compressed point at infinity: the compression and infinity flags, nothing else.
fn infinity() -> [u8; 48] {
    let mut point = [0u8; 48];
    point[0] = 0xc0;
    point
}

/// A call's target and input: mostly proofs of random blobs, now and then a constant's.
pub(super) fn any(rng: &mut Rng) -> (u16, Vec<u8>) {
    (0x0a, if rng.below(6) == 0 { constant(rng) } else { point_evaluation(rng) })
}
