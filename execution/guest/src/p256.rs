//! P-256 signature verification (EIP-7951, precompile 0x100) on OpenVM's modular-arithmetic and
//! short Weierstrass extensions (full image only). revm checks the input's length and charges the
//! gas; this is the check itself, as revm's p256 code makes it:
//!
//! - r and s in [1, n);
//! - the public key's coordinates below p, and the point on the curve (so not the identity: (0, 0)
//!   is not on P-256);
//! - R = (h/s)·G + (r/s)·Q is not the identity, and its x reduced mod n is r.

use core::ops::Neg;

use alloy_primitives::U256;
use openvm_algebra_guest::{DivUnsafe, IntMod};
use openvm_ecc_guest::{weierstrass::WeierstrassPoint, Group};

openvm_algebra_guest::moduli_macros::moduli_declare! {
    P256Coord { modulus = "0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF" },
    P256Scalar { modulus = "0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551" },
}

/// a = p - 3 and b, little-endian (as the VM configuration's `P256_CONFIG` holds them).
const CURVE_A: P256Coord = P256Coord::from_const_bytes(alloy_primitives::hex!(
    "FCFFFFFFFFFFFFFFFFFFFFFF00000000000000000000000001000000FFFFFFFF"
));
const CURVE_B: P256Coord = P256Coord::from_const_bytes(alloy_primitives::hex!(
    "4B60D2273E3CCE3BF6B053CCB0061D65BC86987655BDEBB3E7933AAAD835C65A"
));

openvm_ecc_guest::sw_macros::sw_declare! {
    P256Point { mod_type = P256Coord, a = CURVE_A, b = CURVE_B },
}

/// The group order n, as an integer (x mod n: p < 2n, so at most one subtraction).
const ORDER: U256 =
    U256::from_be_bytes(alloy_primitives::hex!("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551"));

const GENERATOR_X: [u8; 32] =
    alloy_primitives::hex!("6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296");
const GENERATOR_Y: [u8; 32] =
    alloy_primitives::hex!("4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5");

/// Whether `sig` (r ‖ s) is a signature of the 32-byte hash `msg` by the key `pk` (x ‖ y), all
/// big-endian.
pub fn verify(msg: &[u8; 32], sig: &[u8; 64], pk: &[u8; 64]) -> bool {
    check(msg, sig, pk).is_some()
}

fn check(msg: &[u8; 32], sig: &[u8; 64], pk: &[u8; 64]) -> Option<()> {
    let (r_be, s_be) = sig.split_at(32);
    let r = P256Scalar::from_be_bytes(r_be)?;
    let s = P256Scalar::from_be_bytes(s_be)?;
    if r == P256Scalar::ZERO || s == P256Scalar::ZERO {
        return None;
    }
    let x = P256Coord::from_be_bytes(&pk[..32])?;
    let y = P256Coord::from_be_bytes(&pk[32..])?;
    // SAFETY: from_xy_nonidentity checks y² = x³ + ax + b; P-256's order is prime, so every point
    // on the curve is in the group.
    let q = unsafe { P256Point::from_xy_nonidentity(x, y)? };
    let generator = unsafe {
        P256Point::from_xy_unchecked(P256Coord::from_be_bytes(&GENERATOR_X)?, P256Coord::from_be_bytes(&GENERATOR_Y)?)
    };
    // h as an integer reduced mod n (arithmetic on IntMod is modular); both 256 bits, as EIP-7951
    // takes the hash whole.
    let h = P256Scalar::from_be_bytes_unchecked(msg);
    let u1 = h.div_unsafe(&s);
    let u2 = r.div_unsafe(&s);
    let point = crate::curve::double_scalar_mul(u1.as_le_bytes(), &generator, u2.as_le_bytes(), &q);
    if point.is_identity() {
        return None;
    }
    // The VM does not make results canonical: without this a prover could hand back x + p.
    point.x().assert_reduced();
    let x = U256::from_be_slice(point.x().to_be_bytes().as_ref());
    let x = if x >= ORDER { x - ORDER } else { x };
    (x == U256::from_be_slice(r_be)).then_some(())
}
