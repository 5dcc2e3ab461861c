//! Inputs for the P-256 signature check (EIP-7951, 0x100, from Osaka): signatures made with the
//! p256 crate over random hashes, which hold, and the inputs each check exists for (another hash,
//! r or s zero or not below n, a key coordinate not below p, a key off the curve, the point at
//! infinity as the key, another r, a wrong length), and the high-s twin of a signature, which
//! EIP-7951 accepts.

use p256::ecdsa::{signature::hazmat::PrehashSigner, Signature, SigningKey};

use super::rng::Rng;

/// The group order n and the field modulus p, big-endian.
const ORDER: [u8; 32] = alloy_primitives::hex!("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551");
const FIELD: [u8; 32] = alloy_primitives::hex!("FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF");

/// A random key's signature of a random hash: (hash, r ‖ s, x ‖ y).
fn signed(rng: &mut Rng) -> ([u8; 32], [u8; 64], [u8; 64]) {
    let key = loop {
        if let Ok(key) = SigningKey::from_slice(&rng.bytes(32)) {
            break key;
        }
    };
    let hash: [u8; 32] = rng.bytes(32).try_into().expect("32 bytes");
    let signature: Signature = key.sign_prehash(&hash).expect("a 32-byte hash signs");
    let point = key.verifying_key().to_encoded_point(false);
    let mut public = [0u8; 64];
    public.copy_from_slice(&point.as_bytes()[1..]);
    (hash, signature.to_bytes().into(), public)
}

/// n - s, big-endian (s below n and not zero).
fn negated(s: &[u8]) -> [u8; 32] {
    let n = alloy_primitives::U256::from_be_bytes(ORDER);
    (n - alloy_primitives::U256::from_be_slice(s)).to_be_bytes()
}

/// The signature check's input: one that holds most of the time, or one of the edge cases.
pub(super) fn signature_check(rng: &mut Rng) -> Vec<u8> {
    let (mut hash, mut sig, mut key) = signed(rng);
    let mut length = 160;
    match rng.below(16) {
        0 => hash[31] ^= 1,                                   // another hash
        1 => sig[..32].fill(0),                               // r zero
        2 => sig[32..].fill(0),                               // s zero
        3 => sig[..32].copy_from_slice(&ORDER),               // r not below n
        4 => sig[32..].copy_from_slice(&ORDER),               // s not below n
        5 => key[..32].copy_from_slice(&FIELD),               // x not below p
        6 => key[63] ^= 1,                                    // off the curve
        7 => key.fill(0),                                     // the point at infinity
        8 => sig[..32].copy_from_slice(&signed(rng).1[..32]), // another r
        9 => length = 159 + 2 * rng.below(2) as usize,        // one byte short or long
        10 => {
            let high = negated(&sig[32..]);
            sig[32..].copy_from_slice(&high); // the high-s twin: valid
        }
        _ => {}
    }
    let mut bytes = [hash.as_slice(), &sig, &key].concat();
    bytes.resize(length, 0);
    bytes
}

/// A call's target and input.
pub(super) fn any(rng: &mut Rng) -> (u16, Vec<u8>) {
    (0x100, signature_check(rng))
}
