//! secp256k1 public-key recovery on OpenVM's modular-arithmetic and short Weierstrass extensions
//! (the curve's point additions and doublings are VM instructions), installed as the recovery of
//! both alloy (transaction senders, EIP-7702 authorities) and revm (the ecrecover precompile).
//! In software (k256) one recovery costs about 11 million guest instructions.
//!
//! Recovery, as k256 does it: r and s in [1, n); R is the curve point with x = r (+ n when the
//! recovery id says x was reduced) and y of the id's parity; Q = -(z/r)·G + (s/r)·R must not be
//! the identity; the address is the last 20 bytes of keccak256(Q.x ‖ Q.y).

use core::ops::Neg;

use alloy_primitives::{keccak256, Address, U256};
use openvm_algebra_guest::{DivUnsafe, IntMod};
use openvm_ecc_guest::{
    weierstrass::{FromCompressed, WeierstrassPoint},
    Group,
};

openvm_algebra_guest::moduli_macros::moduli_declare! {
    Secp256k1Coord { modulus = "0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F" },
    Secp256k1Scalar { modulus = "0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141" },
}

const CURVE_B: Secp256k1Coord = Secp256k1Coord::from_const_bytes(seven_le());

const fn seven_le() -> [u8; 32] {
    let mut bytes = [0u8; 32];
    bytes[0] = 7;
    bytes
}

openvm_ecc_guest::sw_macros::sw_declare! {
    Secp256k1Point { mod_type = Secp256k1Coord, b = CURVE_B },
}

/// The group order n and the field modulus p, as integers (for the x = r + n case).
const ORDER: U256 =
    U256::from_be_bytes(alloy_primitives::hex!("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141"));
const FIELD: U256 =
    U256::from_be_bytes(alloy_primitives::hex!("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F"));

const GENERATOR_X: [u8; 32] =
    alloy_primitives::hex!("79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798");
const GENERATOR_Y: [u8; 32] =
    alloy_primitives::hex!("483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8");

/// The uncompressed public key (x ‖ y, big-endian) that signed `prehash` with `sig` (r ‖ s) and
/// recovery id `recid` (0..=3), or `None` where k256 would refuse.
pub fn recover_public_key(sig: &[u8; 64], recid: u8, prehash: &[u8; 32]) -> Option<[u8; 64]> {
    if recid > 3 {
        return None;
    }
    let (r_be, s_be) = sig.split_at(32);
    let r = Secp256k1Scalar::from_be_bytes(r_be)?;
    let s = Secp256k1Scalar::from_be_bytes(s_be)?;
    if r == Secp256k1Scalar::ZERO || s == Secp256k1Scalar::ZERO {
        return None;
    }
    let mut x = U256::from_be_slice(r_be);
    if recid & 2 != 0 {
        x = x.checked_add(ORDER)?;
    }
    if x >= FIELD {
        return None;
    }
    let x = Secp256k1Coord::from_be_bytes(&x.to_be_bytes::<32>())?;
    let big_r = Secp256k1Point::decompress(x, &(recid & 1))?;
    // The parity decompress chose is only meaningful for a canonical y (the VM never finishes a
    // run where this fails, so no proof can rest on a non-canonical square root).
    big_r.y().assert_reduced();

    // z: the prehash as an integer, reduced mod n (arithmetic on IntMod is modular).
    let z = Secp256k1Scalar::from_be_bytes_unchecked(prehash);
    let u1 = -z.div_unsafe(&r);
    let u2 = s.div_unsafe(&r);
    let generator = unsafe {
        Secp256k1Point::from_xy_unchecked(
            Secp256k1Coord::from_be_bytes(&GENERATOR_X)?,
            Secp256k1Coord::from_be_bytes(&GENERATOR_Y)?,
        )
    };
    let q = crate::curve::double_scalar_mul(u1.as_le_bytes(), &generator, u2.as_le_bytes(), &big_r);
    if q.is_identity() {
        return None;
    }
    // The VM does not make results canonical, and is_identity compares y only when x is zero:
    // without these a prover could hand back y + p (when y < 2^256 - p) and change the address.
    q.x().assert_reduced();
    q.y().assert_reduced();
    let mut key = [0u8; 64];
    key[..32].copy_from_slice(&q.x().to_be_bytes());
    key[32..].copy_from_slice(&q.y().to_be_bytes());
    Some(key)
}

pub fn recover_address(sig: &[u8; 64], recid: u8, prehash: &[u8; 32]) -> Option<Address> {
    recover_public_key(sig, recid, prehash).map(|key| Address::from_slice(&keccak256(key)[12..]))
}

/// alloy's pluggable signature recovery.
pub struct AlloyRecovery;

impl alloy_consensus::crypto::backend::CryptoProvider for AlloyRecovery {
    fn recover_signer_unchecked(
        &self,
        sig: &[u8; 65],
        msg: &[u8; 32],
    ) -> Result<Address, alloy_consensus::crypto::RecoveryError> {
        let rs: &[u8; 64] = sig[..64].try_into().expect("65 bytes");
        recover_address(rs, sig[64], msg).ok_or_else(alloy_consensus::crypto::RecoveryError::new)
    }

    /// Not on the path of block execution (alloy uses it to check a signature against a known
    /// key); done in software with k256.
    fn verify_and_compute_signer_unchecked(
        &self,
        pubkey: &[u8; 65],
        sig: &[u8; 64],
        msg: &[u8; 32],
    ) -> Result<Address, alloy_consensus::crypto::RecoveryError> {
        use k256::ecdsa::{signature::hazmat::PrehashVerifier, Signature, VerifyingKey};
        let error = alloy_consensus::crypto::RecoveryError::new;
        let key = VerifyingKey::from_sec1_bytes(pubkey).map_err(|_| error())?;
        let signature = Signature::from_slice(sig).map_err(|_| error())?;
        key.verify_prehash(msg, &signature).map_err(|_| error())?;
        Ok(Address::from_slice(&keccak256(&pubkey[1..])[12..]))
    }
}
