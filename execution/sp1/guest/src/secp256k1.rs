//! secp256k1 public-key recovery for the SP1 guest: r, s and the recovery id checked and R
//! decompressed in software (k256, as k256's own recovery does), then Q = -(z/r)·G + (s/r)·R on
//! SP1's secp256k1 add and double precompiles, which replace the ~500 point operations that make
//! most of a recovery's cost in software. Installed as alloy's recovery (senders, EIP-7702
//! authorities) and revm's (the ecrecover precompile), as the OpenVM guest installs its own.

use alloy_primitives::{keccak256, Address, U256};
use k256::elliptic_curve::{ops::Reduce, point::DecompressPoint, sec1::ToEncodedPoint, subtle::Choice, PrimeField};
use sp1_lib::{secp256k1::Secp256k1Point, utils::AffinePoint as Sp1Point};

const ORDER: U256 =
    U256::from_be_bytes(alloy_primitives::hex!("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141"));
const FIELD: U256 =
    U256::from_be_bytes(alloy_primitives::hex!("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F"));

/// A scalar in [1, n) from 32 big-endian bytes, or `None` (zero or not reduced).
fn nonzero_scalar(be: &[u8]) -> Option<k256::Scalar> {
    let scalar: k256::Scalar = Option::from(k256::Scalar::from_repr(*k256::FieldBytes::from_slice(be)))?;
    (!bool::from(scalar.is_zero())).then_some(scalar)
}

/// The scalar's 256 bits, least significant first (the order SP1's MSM walks them).
fn bits_le(scalar: &k256::Scalar) -> [bool; 256] {
    let be = scalar.to_bytes();
    core::array::from_fn(|i| (be[31 - i / 8] >> (i % 8)) & 1 == 1)
}

/// The uncompressed public key (x ‖ y, big-endian) that signed `prehash` with `sig` (r ‖ s) and
/// recovery id `recid` (0..=3), or `None` where k256 would refuse.
pub fn recover_public_key(sig: &[u8; 64], recid: u8, prehash: &[u8; 32]) -> Option<[u8; 64]> {
    if recid > 3 {
        return None;
    }
    let (r_be, s_be) = sig.split_at(32);
    let r = nonzero_scalar(r_be)?;
    let s = nonzero_scalar(s_be)?;
    let mut x = U256::from_be_slice(r_be);
    if recid & 2 != 0 {
        x = x.checked_add(ORDER)?;
    }
    if x >= FIELD {
        return None;
    }
    let x_bytes = x.to_be_bytes::<32>();
    let big_r: k256::AffinePoint =
        Option::from(k256::AffinePoint::decompress(k256::FieldBytes::from_slice(&x_bytes), Choice::from(recid & 1)))?;
    let big_r = big_r.to_encoded_point(false);
    let (r_x, r_y) = (big_r.x()?, big_r.y()?);

    let z = <k256::Scalar as Reduce<k256::U256>>::reduce_bytes(k256::FieldBytes::from_slice(prehash));
    let r_inverse: k256::Scalar = Option::from(r.invert())?;
    let u1 = -(z * r_inverse);
    let u2 = s * r_inverse;
    // SP1's points are little-endian limbs of x then y.
    let le = |be: &[u8]| be.iter().rev().copied().collect::<Vec<u8>>();
    let big_r = <Secp256k1Point as Sp1Point<8>>::from(&le(r_x), &le(r_y));
    let q =
        Secp256k1Point::multi_scalar_multiplication(&bits_le(&u1), Secp256k1Point::GENERATOR_T, &bits_le(&u2), big_r);
    if q.is_identity() {
        return None;
    }
    let q = q.to_le_bytes();
    let mut key = [0u8; 64];
    key[..32].copy_from_slice(&le(&q[..32]));
    key[32..].copy_from_slice(&le(&q[32..]));
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

    /// Not on the path of block execution; in software with k256.
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

/// revm's pluggable precompile crypto: ecrecover as above, the rest as revm does it.
#[derive(Debug)]
pub struct RevmCrypto;

impl revm::precompile::Crypto for RevmCrypto {
    fn secp256k1_ecrecover(
        &self,
        sig: &[u8; 64],
        recid: u8,
        msg: &[u8; 32],
    ) -> Result<[u8; 32], revm::precompile::PrecompileHalt> {
        let address =
            recover_address(sig, recid, msg).ok_or(revm::precompile::PrecompileHalt::Secp256k1RecoverFailed)?;
        let mut out = [0u8; 32];
        out[12..].copy_from_slice(address.as_slice());
        Ok(out)
    }
}
