//! Inputs for EIP-2537's BLS12-381 precompiles (Prague): G1 and G2 additions (0x0b, 0x0d),
//! multi-scalar multiplications (0x0c, 0x0e) and pairing checks (0x0f) of points made with
//! arkworks, pairings that hold and fail, and the inputs each check exists for (a coordinate not
//! below p, a point off the curve, a point on the curve outside the order-r subgroup, which the
//! additions take and the others refuse, the point at infinity, a scalar above r, nonzero
//! padding). The guest's implementation (OpenVM's extensions) and revm's must answer them alike.
//! And the maps of field elements to G1 and G2 (0x10, 0x11): random elements, the edges of the
//! field, elements not below p, and the elements where the simplified SWU map's denominator
//! vanishes (u = 0, and u² = -1/Z when it has a root).

use ark_bls12_381::{g1, g2, Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::{
    hashing::curve_maps::{swu::SWUConfig, wb::WBConfig},
    AffineRepr, CurveGroup,
};
use ark_ff::{BigInteger, Field, PrimeField};

use super::rng::Rng;

/// The base field's modulus, big-endian: the smallest coordinate the precompiles refuse.
const MODULUS: [u8; 48] = alloy_primitives::hex!(
    "1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab"
);

fn scalar(rng: &mut Rng) -> Fr {
    Fr::from_be_bytes_mod_order(&rng.bytes(32))
}

/// 64 bytes: 16 zeros, then the element's 48 big-endian bytes.
fn padded(be48: &[u8]) -> Vec<u8> {
    [&[0u8; 16][..], be48].concat()
}

fn fq(x: &Fq) -> Vec<u8> {
    padded(&x.into_bigint().to_bytes_be())
}

/// 128 bytes, x ‖ y; zeros for the point at infinity.
fn g1_bytes(p: &G1Affine) -> Vec<u8> {
    match p.xy() {
        Some((x, y)) => [fq(&x), fq(&y)].concat(),
        None => vec![0; 128],
    }
}

/// 256 bytes: x then y, each real part first.
fn g2_bytes(q: &G2Affine) -> Vec<u8> {
    match q.xy() {
        Some((x, y)) => [fq(&x.c0), fq(&x.c1), fq(&y.c0), fq(&y.c1)].concat(),
        None => vec![0; 256],
    }
}

fn g1(rng: &mut Rng) -> G1Affine {
    (G1Affine::generator() * scalar(rng)).into_affine()
}

fn g2(rng: &mut Rng) -> G2Affine {
    (G2Affine::generator() * scalar(rng)).into_affine()
}

fn random_fq(rng: &mut Rng) -> Fq {
    Fq::from_be_bytes_mod_order(&rng.bytes(48))
}

/// Points on the curves outside the subgroups: a random x whose y exists, not cleared of the
/// cofactor.
fn g1_outside(rng: &mut Rng) -> G1Affine {
    loop {
        if let Some(p) = G1Affine::get_point_from_x_unchecked(random_fq(rng), rng.below(2) == 0) {
            if !p.is_in_correct_subgroup_assuming_on_curve() {
                return p;
            }
        }
    }
}

fn g2_outside(rng: &mut Rng) -> G2Affine {
    loop {
        if let Some(q) =
            G2Affine::get_point_from_x_unchecked(Fq2::new(random_fq(rng), random_fq(rng)), rng.below(2) == 0)
        {
            if !q.is_in_correct_subgroup_assuming_on_curve() {
                return q;
            }
        }
    }
}

/// A G1 point's encoding, now and then one of the edge cases: (bytes, whether it is in G1).
fn any_g1(rng: &mut Rng) -> (Vec<u8>, bool) {
    match rng.below(12) {
        0 => (vec![0; 128], true),
        1 => (g1_bytes(&g1_outside(rng)), false),
        2 => {
            let mut bytes = g1_bytes(&g1(rng));
            bytes[127] ^= 1; // off the curve
            (bytes, false)
        }
        3 => ([padded(&MODULUS), g1_bytes(&g1(rng))[64..].to_vec()].concat(), false),
        _ => (g1_bytes(&g1(rng)), true),
    }
}

fn any_g2(rng: &mut Rng) -> (Vec<u8>, bool) {
    match rng.below(12) {
        0 => (vec![0; 256], true),
        1 => (g2_bytes(&g2_outside(rng)), false),
        2 => {
            let mut bytes = g2_bytes(&g2(rng));
            bytes[255] ^= 1;
            (bytes, false)
        }
        3 => {
            let mut bytes = g2_bytes(&g2(rng));
            bytes[80..128].copy_from_slice(&MODULUS); // x's imaginary part at p
            (bytes, false)
        }
        _ => (g2_bytes(&g2(rng)), true),
    }
}

/// A 32-byte scalar: mostly random (often above r), sometimes zero or one.
fn any_scalar(rng: &mut Rng) -> Vec<u8> {
    match rng.below(8) {
        0 => vec![0; 32],
        1 => [vec![0; 31], vec![1]].concat(),
        _ => rng.bytes(32),
    }
}

/// A pairing check of two pairs that holds, e(a·G1, b·G2) · e(-ab·G1, G2) = 1, or that fails
/// (another product), or a pair with an edge case.
fn pairing(rng: &mut Rng) -> Vec<u8> {
    let (a, b) = (scalar(rng), scalar(rng));
    let mut c = -(a * b);
    if rng.below(4) == 0 {
        c += Fr::from(1u64); // fails
    }
    let first =
        [g1_bytes(&(G1Affine::generator() * a).into_affine()), g2_bytes(&(G2Affine::generator() * b).into_affine())];
    let second = [g1_bytes(&(G1Affine::generator() * c).into_affine()), g2_bytes(&G2Affine::generator())];
    let mut input = [first.concat(), second.concat()].concat();
    match rng.below(8) {
        0 => input[..128].copy_from_slice(&any_g1(rng).0),
        1 => input[128..384].copy_from_slice(&any_g2(rng).0),
        _ => {}
    }
    input
}

/// A call's target and input.
pub(super) fn any(rng: &mut Rng) -> (u16, Vec<u8>) {
    let call = match rng.below(6) {
        0 => (0x0b, [any_g1(rng).0, any_g1(rng).0].concat()),
        1 => (0x0d, [any_g2(rng).0, any_g2(rng).0].concat()),
        2 => (0x0c, (0..2).flat_map(|_| [any_g1(rng).0, any_scalar(rng)].concat()).collect()),
        3 => (0x0e, (0..2).flat_map(|_| [any_g2(rng).0, any_scalar(rng)].concat()).collect()),
        _ => (0x0f, pairing(rng)),
    };
    with_bad_padding_now_and_then(rng, call)
}

/// `call`, one time in 16 with nonzero padding in its first element: refused by revm before
/// anything is read.
fn with_bad_padding_now_and_then(rng: &mut Rng, mut call: (u16, Vec<u8>)) -> (u16, Vec<u8>) {
    if rng.below(16) == 0 {
        call.1[0] = 1;
    }
    call
}

/// A field element to map, as 64 bytes: mostly random, now and then zero, one, p - 1, p or
/// 2^384 - 1 (the last two refused), or `exceptional`.
fn map_input(rng: &mut Rng, exceptional: Fq) -> Vec<u8> {
    match rng.below(16) {
        0 => vec![0; 64],
        1 => fq(&Fq::ONE),
        2 => fq(&-Fq::ONE),
        3 => padded(&MODULUS),
        4 => padded(&[0xff; 48]),
        5 => fq(&exceptional),
        _ => fq(&random_fq(rng)),
    }
}

/// The simplified SWU map's exceptional u for curve `C`: a root of u² = -1/Z, Z being the map's
/// constant on `C`'s isogenous curve (11 for G1, -(2 + i) for G2), or zero when there is none
/// (which is exceptional too).
fn exceptional<C: WBConfig>() -> C::BaseField {
    let z = <C::IsogenousCurve as SWUConfig>::ZETA;
    (-z.inverse().unwrap()).sqrt().unwrap_or_default()
}

/// A call of a map to a curve: G1's takes an element of Fp, G2's one of Fp2 (real part first).
pub(super) fn map(rng: &mut Rng) -> (u16, Vec<u8>) {
    let call = match rng.below(2) {
        0 => (0x10, map_input(rng, exceptional::<g1::Config>())),
        _ => {
            let u = exceptional::<g2::Config>();
            match rng.below(8) {
                0 => (0x11, [fq(&u.c0), fq(&u.c1)].concat()),
                _ => (0x11, [map_input(rng, u.c0), map_input(rng, u.c1)].concat()),
            }
        }
    };
    with_bad_padding_now_and_then(rng, call)
}
