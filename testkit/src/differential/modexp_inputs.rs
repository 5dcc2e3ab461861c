//! Inputs for modexp (EIP-198, 0x05): the calls a zk verifier makes (inversions modulo bn254's r
//! and p: the exponent m − 2) and calls modulo secp256k1's p and n, which the guest runs on
//! OpenVM's modular extension; odd moduli of every length to 32 bytes, which it leaves to revm's
//! code; and the inputs each rule exists for: bases longer than the modulus, empty or zero
//! exponents, moduli with leading zero bytes, even moduli, moduli 0 and 1, a 64-byte modulus, and
//! an input cut short (the rest read as zeros).

use super::rng::Rng;

/// bn254's r and p, and secp256k1's p and n, big-endian.
const MODULI: [[u8; 32]; 4] = [
    alloy_primitives::hex!("30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001"),
    super::bn254_inputs::MODULUS,
    alloy_primitives::hex!("fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f"),
    alloy_primitives::hex!("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"),
];

/// The precompile's input: the three lengths as 32-byte words, then the three numbers.
fn encode(base: &[u8], exp: &[u8], modulus: &[u8]) -> Vec<u8> {
    let word = |n: usize| alloy_primitives::U256::from(n).to_be_bytes::<32>();
    [&word(base.len())[..], &word(exp.len()), &word(modulus.len()), base, exp, modulus].concat()
}

/// `bytes` with its last byte made odd (or even).
fn with_parity(mut bytes: Vec<u8>, odd: bool) -> Vec<u8> {
    if let Some(last) = bytes.last_mut() {
        *last = if odd { *last | 1 } else { *last & !1 };
    }
    bytes
}

/// m − 2 for an odd m above 2 (Fermat's inverse).
fn minus_two(m: &[u8; 32]) -> [u8; 32] {
    (alloy_primitives::U256::from_be_bytes(*m) - alloy_primitives::U256::from(2)).to_be_bytes()
}

/// An inversion modulo bn254's r or p: base^(m − 2) mod m.
fn inverse(rng: &mut Rng) -> Vec<u8> {
    let m = MODULI[rng.below(2) as usize];
    encode(&rng.bytes(32), &minus_two(&m), &m)
}

/// One modexp input: mostly the fast path's (odd moduli up to 32 bytes), or one of the edge cases.
pub(super) fn call(rng: &mut Rng) -> Vec<u8> {
    let random_odd = |rng: &mut Rng| {
        let len = 1 + rng.below(32) as usize;
        let mut m = with_parity(rng.bytes(len), true);
        m[0] |= 0x80 * rng.below(2) as u8; // half of them use the top bit of their length
        m
    };
    match rng.below(14) {
        0..=1 => inverse(rng),
        2 => {
            // secp256k1's, with a base longer than the modulus and an exponent of any length.
            let m = MODULI[2 + rng.below(2) as usize];
            let (base_len, exp_len) = (32 + rng.below(40) as usize, rng.below(40) as usize);
            encode(&rng.bytes(base_len), &rng.bytes(exp_len), &m)
        }
        3..=6 => {
            let m = random_odd(rng);
            let (base_len, exp_len) = (rng.below(48) as usize, rng.below(33) as usize);
            encode(&rng.bytes(base_len), &rng.bytes(exp_len), &m)
        }
        7 => encode(&rng.bytes(32), &[], &random_odd(rng)), // no exponent: 1
        8 => encode(&[], &rng.bytes(8), &random_odd(rng)),  // no base: 0
        9 => {
            let m = [vec![0; 1 + rng.below(8) as usize], random_odd(rng)].concat(); // leading zeros
            encode(&rng.bytes(40), &rng.bytes(4), &m)
        }
        10 => encode(&rng.bytes(32), &rng.bytes(32), &with_parity(rng.bytes(32), false)), // even
        11 => encode(&rng.bytes(32), &rng.bytes(4), [[0u8].as_slice(), &[1u8]][rng.below(2) as usize]), // 0, 1
        12 => encode(&rng.bytes(64), &rng.bytes(3), &with_parity(rng.bytes(64), true)),   // 64 bytes
        _ => {
            let mut input = encode(&rng.bytes(32), &rng.bytes(32), &random_odd(rng));
            input.truncate(input.len() - 1 - rng.below(8) as usize); // cut short
            input
        }
    }
}

/// A call's target and input.
pub(super) fn any(rng: &mut Rng) -> (u16, Vec<u8>) {
    (0x05, call(rng))
}

/// An inversion's target and input.
pub(super) fn inversion(rng: &mut Rng) -> (u16, Vec<u8>) {
    (0x05, inverse(rng))
}
