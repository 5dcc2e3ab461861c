//! modexp (EIP-198) on OpenVM's modular-arithmetic extension, for the moduli both guest images
//! already declare for their curves: bn254's p and r (a zk verifier's field inversions and square
//! roots, the commonest modexps) and secp256k1's p and n. A multiplication modulo one of them is
//! one instruction of the extension, against about 2,000 for a 256-bit Montgomery multiplication
//! in revm's code (aurora's modexp). Any other modulus goes to revm's code, in plain RISC-V.
//!
//! OpenVM's 256-bit integer extension could take any modulus up to 256 bits, but a Montgomery
//! multiplication built on it (128-bit limbs, the carries in plain code) measured only 1.2x fewer
//! instructions than revm's on a block of modexp calls, for wider chips in every leaf of the
//! proof (docs/performance.md).

use alloc::vec::Vec;

use openvm_algebra_guest::{IntMod, Reduce};
use revm::precompile::{Crypto, DefaultCrypto, PrecompileHalt};

use crate::secp256k1::{Secp256k1Coord, Secp256k1Scalar};
use openvm_pairing::bn254::{Fp, Scalar};

/// base^exp mod modulus, as long as `modulus` (EIP-198).
pub fn modexp(base: &[u8], exp: &[u8], modulus: &[u8]) -> Result<Vec<u8>, PrecompileHalt> {
    let significant = &modulus[modulus.iter().take_while(|b| **b == 0).count()..];
    let mut le = [0u8; 32];
    if significant.len() == 32 {
        le.iter_mut().zip(significant.iter().rev()).for_each(|(to, from)| *to = *from);
    }
    let power = if is_modulus::<Scalar>(&le) {
        pow::<Scalar>(base, exp)
    } else if is_modulus::<Fp>(&le) {
        pow::<Fp>(base, exp)
    } else if is_modulus::<Secp256k1Coord>(&le) {
        pow::<Secp256k1Coord>(base, exp)
    } else if is_modulus::<Secp256k1Scalar>(&le) {
        pow::<Secp256k1Scalar>(base, exp)
    } else {
        return DefaultCrypto.modexp(base, exp, modulus);
    };
    // The modulus may come with leading zero bytes: the result is as long as it is.
    let mut out = alloc::vec![0u8; modulus.len() - 32];
    out.extend_from_slice(&power);
    Ok(out)
}

/// Whether `le` (little-endian) is `F`'s modulus.
fn is_modulus<F: IntMod>(le: &[u8; 32]) -> bool {
    F::MODULUS.as_ref() == le
}

/// base^exp in `F`, big-endian: square and multiply from the exponent's top bit.
fn pow<F: IntMod + Reduce>(base: &[u8], exp: &[u8]) -> [u8; 32] {
    let base = if base.is_empty() { F::ZERO } else { F::reduce_be_bytes(base) };
    let mut power = F::ONE;
    for byte in &exp[exp.iter().take_while(|b| **b == 0).count()..] {
        for bit in (0..8).rev() {
            power.square_assign();
            if (byte >> bit) & 1 == 1 {
                power *= &base;
            }
        }
    }
    // The VM does not make results canonical; this makes the run fail unless the power is below
    // the modulus, so that a prover cannot choose among its encodings.
    power.assert_reduced();
    power.to_be_bytes().as_ref().try_into().expect("a 256-bit modulus has 32-byte elements")
}
