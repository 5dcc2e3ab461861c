//! The bn254 precompiles (EIP-196 ecAdd and ecMul, EIP-197 ecPairing) on OpenVM's extensions:
//! the curve's field and scalar field on the modular extension, its quadratic extension on the
//! Fp2 extension, G1's additions and doublings on the short Weierstrass extension, and the
//! pairing check on the pairing extension (the Miller loop's lines, and a hint for the final
//! exponentiation that the guest checks). In software (arkworks) one pairing is tens of millions
//! of instructions.
//!
//! The checks of revm's own implementation, in its order, so that every input fails the same way:
//! a coordinate not below the field's modulus is `Bn254FieldPointNotAMember`; (0, 0) is the point
//! at infinity; any other point off the curve, or a G2 point outside the order-r subgroup, is
//! `Bn254AffineGFailedToCreate`. G1 has prime order r, so a G1 point on the curve is in its group.

use openvm_algebra_guest::{IntMod, Reduce};
use openvm_ecc_guest::{weierstrass::WeierstrassPoint, AffinePoint, Group};
use openvm_pairing::bn254::{Bn254, Fp, Fp2, G1Affine, G2Affine, Scalar};
use openvm_pairing_guest::pairing::PairingCheck;
use revm::precompile::PrecompileHalt;

/// The order r of G1 and of G2's subgroup, big-endian.
const ORDER: [u8; 32] = alloy_primitives::hex!("30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001");

fn read_fp(bytes: &[u8]) -> Result<Fp, PrecompileHalt> {
    Fp::from_be_bytes(&bytes[..32]).ok_or(PrecompileHalt::Bn254FieldPointNotAMember)
}

/// An element of Fp2 as the precompile encodes it: the imaginary part first.
fn read_fp2(bytes: &[u8]) -> Result<Fp2, PrecompileHalt> {
    let imaginary = read_fp(&bytes[..32])?;
    let real = read_fp(&bytes[32..64])?;
    Ok(Fp2::new(real, imaginary))
}

/// A G1 point from its 64 bytes (x ‖ y).
fn read_g1(bytes: &[u8]) -> Result<G1Affine, PrecompileHalt> {
    let x = read_fp(&bytes[..32])?;
    let y = read_fp(&bytes[32..64])?;
    // SAFETY: `from_xy` checks the curve's equation; G1 has prime order, so no subgroup check is
    // needed.
    unsafe { G1Affine::from_xy(x, y) }.ok_or(PrecompileHalt::Bn254AffineGFailedToCreate)
}

/// A G2 point from its 128 bytes (x ‖ y, each in Fp2), on the twist and in the order-r subgroup.
fn read_g2(bytes: &[u8]) -> Result<G2Affine, PrecompileHalt> {
    let x = read_fp2(&bytes[..64])?;
    let y = read_fp2(&bytes[64..128])?;
    // SAFETY: `from_xy` checks the twist's equation; the subgroup is checked below.
    let point = unsafe { G2Affine::from_xy(x, y) }.ok_or(PrecompileHalt::Bn254AffineGFailedToCreate)?;
    if !times_order(&point).is_identity() {
        return Err(PrecompileHalt::Bn254AffineGFailedToCreate);
    }
    Ok(point)
}

/// r·Q by double-and-add over r's bits: the identity exactly when Q is in the order-r subgroup
/// (the twist's group has cofactor points of other orders, which the precompile must refuse).
fn times_order(q: &G2Affine) -> G2Affine {
    crate::curve::times(q, &ORDER)
}

/// 64 bytes: x ‖ y big-endian, zeros for the point at infinity (which the VM also keeps as (0, 0)).
/// The VM does not make results canonical: a coordinate may come out as itself plus a multiple of
/// p (bn254's p is under 2^254), which would encode differently. `assert_reduced` makes the run
/// fail unless both are below p, so a prover cannot choose the bytes.
fn encode_g1(point: &G1Affine) -> [u8; 64] {
    point.x().assert_reduced();
    point.y().assert_reduced();
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&point.x().to_be_bytes());
    out[32..].copy_from_slice(&point.y().to_be_bytes());
    out
}

/// ecAdd: `p1` and `p2` are 64 bytes each (revm pads the input).
pub fn g1_add(p1: &[u8], p2: &[u8]) -> Result<[u8; 64], PrecompileHalt> {
    let mut sum = read_g1(p1)?;
    sum.add_assign_impl::<true>(&read_g1(p2)?);
    Ok(encode_g1(&sum))
}

/// ecMul: a 64-byte point times a 32-byte big-endian scalar (any 256-bit value: G1's order is r,
/// so the scalar is taken mod r).
pub fn g1_mul(point: &[u8], scalar: &[u8]) -> Result<[u8; 64], PrecompileHalt> {
    use openvm_ecc_guest::weierstrass::IntrinsicCurve;
    let point = read_g1(point)?;
    let scalar = Scalar::reduce_be_bytes(scalar);
    Ok(encode_g1(&Bn254::msm(&[scalar], &[point])))
}

/// ecPairing: whether the product of the pairings of the (G1, G2) pairs is one. Pairs with the
/// point at infinity on either side contribute one and are left out; no pairs at all is true.
pub fn pairing_check(pairs: &[(&[u8], &[u8])]) -> Result<bool, PrecompileHalt> {
    let (mut g1, mut g2) = (Vec::with_capacity(pairs.len()), Vec::with_capacity(pairs.len()));
    for (p, q) in pairs {
        let p = read_g1(p)?;
        let q = read_g2(q)?;
        if !p.is_identity() && !q.is_identity() {
            let (px, py) = p.into_coords();
            let (qx, qy) = q.into_coords();
            g1.push(AffinePoint::new(px, py));
            g2.push(AffinePoint::new(qx, qy));
        }
    }
    if g1.is_empty() {
        return Ok(true);
    }
    Ok(Bn254::pairing_check(&g1, &g2).is_ok())
}
