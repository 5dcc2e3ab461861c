//! What the curves on OpenVM's short Weierstrass extension share: k·P for subgroup checks and
//! fixed scalars, u1·G + u2·R for signature checks.

use openvm_ecc_guest::{weierstrass::WeierstrassPoint, Group};

/// `point` times the big-endian `scalar`, by double-and-add (the group law handles the identity
/// and equal points).
pub fn times<P: WeierstrassPoint + Group>(point: &P, scalar: &[u8]) -> P {
    let mut sum = <P as Group>::IDENTITY;
    for byte in scalar {
        for bit in (0..8).rev() {
            sum.double_assign_impl::<true>();
            if (byte >> bit) & 1 == 1 {
                sum.add_assign_impl::<true>(point);
            }
        }
    }
    sum
}

/// u1·G + u2·R by Shamir's trick, the scalars as little-endian bytes: from the top bit down, one
/// doubling a bit and at most one addition (of G, R or G + R, the group law handling the identity
/// and equal points), in place. OpenVM's generic `msm` allocates its buckets and copies points at
/// every bit: on two points it cost about 270,000 instructions a secp256k1 recovery, most of them
/// memcpy and memset (measured with `--execute-only --profile`).
pub fn double_scalar_mul<P: Group>(u1: &[u8], g: &P, u2: &[u8], r: &P) -> P {
    let both = g.clone() + r;
    let mut acc = P::IDENTITY;
    for bit in (0..u1.len().min(u2.len()) * 8).rev() {
        acc.double_assign();
        let (x, y) = ((u1[bit / 8] >> (bit % 8)) & 1, (u2[bit / 8] >> (bit % 8)) & 1);
        match (x, y) {
            (1, 0) => acc += g,
            (0, 1) => acc += r,
            (1, 1) => acc += &both,
            _ => {}
        }
    }
    acc
}
