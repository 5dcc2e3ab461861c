//! EIP-2537's BLS12-381 precompiles (Prague, 0x0b to 0x0f) on OpenVM's extensions (full image
//! only): G1 on the curve extension, G2 over Fp2 on the Fp2 extension, the pairing check on the
//! pairing extension. revm checks the lengths and the padding and charges the gas; this checks
//! the points as revm's arkworks code does:
//!
//! - every coordinate below p, else NonCanonicalFp;
//! - (0, 0) is the point at infinity; any other point must be on its curve;
//! - additions take points outside the order-r subgroup, the multi-scalar multiplications and the
//!   pairing do not (r·P must be the identity);
//! - a scalar is any 32-byte integer (a point of order r times k is the point times k mod r).
//!
//! The maps to the curves (0x10, 0x11) are in bls12_381_map.rs.

use openvm_algebra_guest::IntMod;
use openvm_ecc_guest::{weierstrass::WeierstrassPoint, AffinePoint, Group};
use openvm_pairing::bls12_381::{Bls12_381, Fp, Fp2, G1Affine, G2Affine};
use openvm_pairing_guest::pairing::PairingCheck;
use revm::precompile::{
    bls12_381::{G1Point, G1PointScalar, G2Point, G2PointScalar},
    PrecompileHalt,
};

/// The scalar field's order r, big-endian.
const ORDER: [u8; 32] = alloy_primitives::hex!("73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001");

pub(crate) fn fp(be: &[u8; 48]) -> Result<Fp, PrecompileHalt> {
    Fp::from_be_bytes(be).ok_or(PrecompileHalt::NonCanonicalFp)
}

fn g1(point: &G1Point, subgroup: bool) -> Result<G1Affine, PrecompileHalt> {
    let (x, y) = (fp(&point.0)?, fp(&point.1)?);
    // SAFETY: from_xy checks y² = x³ + 4 (and takes (0, 0) as the identity).
    let p = unsafe { G1Affine::from_xy(x, y) }.ok_or(PrecompileHalt::Bls12381G1NotOnCurve)?;
    if subgroup && !crate::curve::times(&p, &ORDER).is_identity() {
        return Err(PrecompileHalt::Bls12381G1NotInSubgroup);
    }
    Ok(p)
}

fn g2(point: &G2Point, subgroup: bool) -> Result<G2Affine, PrecompileHalt> {
    let x = Fp2::new(fp(&point.0)?, fp(&point.1)?);
    let y = Fp2::new(fp(&point.2)?, fp(&point.3)?);
    // SAFETY: as in g1, on the twist y² = x³ + 4(1 + u).
    let q = unsafe { G2Affine::from_xy(x, y) }.ok_or(PrecompileHalt::Bls12381G2NotOnCurve)?;
    if subgroup && !crate::curve::times(&q, &ORDER).is_identity() {
        return Err(PrecompileHalt::Bls12381G2NotInSubgroup);
    }
    Ok(q)
}

/// A coordinate as 48 big-endian bytes, asserted canonical first: the VM does not make results
/// canonical, and without this a prover could hand back x + p.
fn fp_bytes(x: &Fp) -> [u8; 48] {
    x.assert_reduced();
    let mut out = [0u8; 48];
    out.copy_from_slice(x.to_be_bytes().as_ref());
    out
}

pub(crate) fn g1_bytes(p: &G1Affine) -> [u8; 96] {
    let mut out = [0u8; 96];
    out[..48].copy_from_slice(&fp_bytes(p.x()));
    out[48..].copy_from_slice(&fp_bytes(p.y()));
    out
}

pub(crate) fn g2_bytes(q: &G2Affine) -> [u8; 192] {
    let mut out = [0u8; 192];
    for (i, c) in [&q.x().c0, &q.x().c1, &q.y().c0, &q.y().c1].into_iter().enumerate() {
        out[48 * i..48 * (i + 1)].copy_from_slice(&fp_bytes(c));
    }
    out
}

pub fn g1_add(a: G1Point, b: G1Point) -> Result<[u8; 96], PrecompileHalt> {
    let mut sum = g1(&a, false)?;
    sum.add_assign_impl::<true>(&g1(&b, false)?);
    Ok(g1_bytes(&sum))
}

pub fn g2_add(a: G2Point, b: G2Point) -> Result<[u8; 192], PrecompileHalt> {
    let mut sum = g2(&a, false)?;
    sum.add_assign_impl::<true>(&g2(&b, false)?);
    Ok(g2_bytes(&sum))
}

pub fn g1_msm(
    pairs: &mut dyn Iterator<Item = Result<G1PointScalar, PrecompileHalt>>,
) -> Result<[u8; 96], PrecompileHalt> {
    let mut sum = <G1Affine as Group>::IDENTITY;
    for pair in pairs {
        let (point, scalar) = pair?;
        let p = g1(&point, true)?;
        sum.add_assign_impl::<true>(&crate::curve::times(&p, &scalar));
    }
    Ok(g1_bytes(&sum))
}

pub fn g2_msm(
    pairs: &mut dyn Iterator<Item = Result<G2PointScalar, PrecompileHalt>>,
) -> Result<[u8; 192], PrecompileHalt> {
    let mut sum = <G2Affine as Group>::IDENTITY;
    for pair in pairs {
        let (point, scalar) = pair?;
        let q = g2(&point, true)?;
        sum.add_assign_impl::<true>(&crate::curve::times(&q, &scalar));
    }
    Ok(g2_bytes(&sum))
}

/// Whether the product of e(P_i, Q_i) is one; a pair with the identity on either side contributes
/// one, but its other point is still checked.
pub fn pairing_check(pairs: &[(G1Point, G2Point)]) -> Result<bool, PrecompileHalt> {
    let (mut ps, mut qs) = (Vec::new(), Vec::new());
    for (point, twist_point) in pairs {
        let (p, q) = (g1(point, true)?, g2(twist_point, true)?);
        if !p.is_identity() && !q.is_identity() {
            let ((px, py), (qx, qy)) = (p.into_coords(), q.into_coords());
            ps.push(AffinePoint::new(px, py));
            qs.push(AffinePoint::new(qx, qy));
        }
    }
    Ok(ps.is_empty() || Bls12_381::pairing_check(&ps, &qs).is_ok())
}
