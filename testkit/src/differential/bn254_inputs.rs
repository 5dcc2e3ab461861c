//! Inputs for the bn254 precompiles (EIP-196, EIP-197) that reach past the first check: points of
//! the curve and of G2's subgroup, pairings that hold and pairings that fail, and the inputs each
//! check exists for (a coordinate not below the modulus, a point off the curve, a G2 point on the
//! twist but outside the subgroup). Points are made with arkworks on the host; the guest's
//! implementation (OpenVM's curve and pairing extensions) and revm's must answer them alike.

use ark_bn254::{Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInteger, PrimeField};

use super::rng::Rng;

/// The field's modulus, big-endian: the smallest coordinate the precompiles refuse.
pub(super) const MODULUS: [u8; 32] =
    alloy_primitives::hex!("30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47");

fn scalar(rng: &mut Rng) -> Fr {
    Fr::from_be_bytes_mod_order(&rng.bytes(32))
}

fn fq_bytes(x: &Fq) -> Vec<u8> {
    x.into_bigint().to_bytes_be()
}

/// 64 bytes, x ‖ y; zeros for the point at infinity.
fn g1_bytes(p: &G1Affine) -> Vec<u8> {
    match p.xy() {
        Some((x, y)) => [fq_bytes(&x), fq_bytes(&y)].concat(),
        None => vec![0; 64],
    }
}

/// 128 bytes: x then y, each imaginary part first.
fn g2_bytes(q: &G2Affine) -> Vec<u8> {
    match q.xy() {
        Some((x, y)) => [fq_bytes(&x.c1), fq_bytes(&x.c0), fq_bytes(&y.c1), fq_bytes(&y.c0)].concat(),
        None => vec![0; 128],
    }
}

fn g1(rng: &mut Rng) -> G1Affine {
    (G1Affine::generator() * scalar(rng)).into_affine()
}

fn g2(rng: &mut Rng) -> G2Affine {
    (G2Affine::generator() * scalar(rng)).into_affine()
}

/// A point on the twist outside G2's subgroup: a random x whose y exists, not cleared of the
/// cofactor.
fn g2_outside_subgroup(rng: &mut Rng) -> G2Affine {
    loop {
        let x = Fq2::new(Fq::from_be_bytes_mod_order(&rng.bytes(32)), Fq::from_be_bytes_mod_order(&rng.bytes(32)));
        if let Some(q) = G2Affine::get_point_from_x_unchecked(x, rng.below(2) == 0) {
            if !q.is_in_correct_subgroup_assuming_on_curve() {
                return q;
            }
        }
    }
}

/// A G1 encoding that one of the precompiles' checks refuses, or the point at infinity.
fn g1_edge(rng: &mut Rng) -> Vec<u8> {
    let mut bytes = g1_bytes(&g1(rng));
    match rng.below(3) {
        0 => bytes[..32].copy_from_slice(&MODULUS),
        1 => bytes[63] ^= 1, // off the curve
        _ => bytes = vec![0; 64],
    }
    bytes
}

/// ecAdd's input: two points, now and then one of them an edge case, the same point twice or a
/// point and its negation.
fn add(rng: &mut Rng) -> Vec<u8> {
    let p = g1(rng);
    let q = match rng.below(6) {
        0 => p,
        1 => -p,
        _ => g1(rng),
    };
    let (mut a, b) = (g1_bytes(&p), g1_bytes(&q));
    if rng.below(5) == 0 {
        a = g1_edge(rng);
    }
    [a, b].concat()
}

/// ecMul's input: a point and a scalar, which may be zero, r itself or above r.
fn mul(rng: &mut Rng) -> Vec<u8> {
    let point = if rng.below(5) == 0 { g1_edge(rng) } else { g1_bytes(&g1(rng)) };
    let k = match rng.below(5) {
        0 => vec![0; 32],
        1 => Fr::MODULUS.to_bytes_be(),
        2 => vec![0xff; 32],
        _ => rng.bytes(32),
    };
    [point, k].concat()
}

/// ecPairing's input: 1 to 3 pairs whose pairings multiply to one (e(aP, bQ)·e(-abP, Q), then
/// pairs of the point at infinity), or the same with one pair changed so that they do not, or with
/// a G2 point outside the subgroup, or a G1 encoding a check refuses.
fn pairing(rng: &mut Rng) -> Vec<u8> {
    let (a, b) = (scalar(rng), scalar(rng));
    let p = g1(rng);
    let q = g2(rng);
    let mut pairs = vec![((p * a).into_affine(), (q * b).into_affine()), ((-p * (a * b)).into_affine(), q)];
    if rng.below(3) == 0 {
        pairs.push((G1Affine::zero(), g2(rng)));
    }
    let mut bytes: Vec<Vec<u8>> = pairs.iter().map(|(p, q)| [g1_bytes(p), g2_bytes(q)].concat()).collect();
    match rng.below(8) {
        0 => bytes[1] = [g1_bytes(&g1(rng)), g2_bytes(&q)].concat(), // the product is not one
        1 => bytes[0] = [g1_bytes(&p), g2_bytes(&g2_outside_subgroup(rng))].concat(),
        2 => bytes[0] = [g1_edge(rng), g2_bytes(&q)].concat(),
        3 => bytes.truncate(1), // e(aP, bQ) alone: not one
        _ => {}
    }
    bytes.concat()
}

/// A call's target and input: ecAdd, ecMul or ecPairing, a third each.
pub(super) fn any(rng: &mut Rng) -> (u16, Vec<u8>) {
    match rng.below(3) {
        0 => (6, add(rng)),
        1 => (7, mul(rng)),
        _ => (8, pairing(rng)),
    }
}
