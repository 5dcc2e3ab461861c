//! modexp (EIP-198) on OpenVM's 256-bit integer extension, for an odd modulus that fits in 256
//! bits: a zk verifier's field inversions (bn254's r and p), RSA-free uses. Any other modulus (even,
//! 0 or 1, or wider than 256 bits) goes to revm's own code (aurora's modexp), in plain RISC-V.
//!
//! Montgomery multiplication with 128-bit limbs: each 128 × 128-bit product is one 256-bit
//! multiplication of the extension (its low 256 bits are then the whole product); additions and
//! carries stay in plain code. In the guest, plain RISC-V has only 32-bit multiplications, so a
//! 128 × 128-bit product is dozens of them.

use alloc::vec::Vec;
use core::mem::MaybeUninit;

use revm::precompile::{Crypto, DefaultCrypto, PrecompileHalt};

/// A 256-bit value as the extension reads and writes it: 32 little-endian bytes, word-aligned.
#[repr(C, align(16))]
struct Word256([u8; 32]);

// Linked for the symbol below (a crate nothing names is left out of the link).
use openvm_bigint_guest as _;

extern "C" {
    // Defined by openvm-bigint-guest (`export-intrinsics`): one instruction of the extension.
    fn zkvm_u256_wrapping_mul_impl(result: *mut u8, a: *const u8, b: *const u8);
}

/// a·b: the 256-bit product as (low, high) 128-bit halves.
fn mul_wide(a: u128, b: u128) -> (u128, u128) {
    let widen = |x: u128| {
        let mut w = Word256([0; 32]);
        w.0[..16].copy_from_slice(&x.to_le_bytes());
        w
    };
    let (a, b) = (widen(a), widen(b));
    let mut product = MaybeUninit::<Word256>::uninit();
    // SAFETY: three aligned 32-byte buffers; the instruction writes all of `product`.
    let product = unsafe {
        zkvm_u256_wrapping_mul_impl(product.as_mut_ptr().cast(), a.0.as_ptr(), b.0.as_ptr());
        product.assume_init()
    };
    let half = |range: core::ops::Range<usize>| u128::from_le_bytes(product.0[range].try_into().expect("16 bytes"));
    (half(0..16), half(16..32))
}

/// A 256-bit number as two 128-bit limbs, the low one first.
type Limbs = [u128; 2];

/// `a + b`, and whether it overflowed 2^256.
fn add(a: &Limbs, b: &Limbs) -> (Limbs, bool) {
    let (low, carry) = a[0].overflowing_add(b[0]);
    let (high, c1) = a[1].overflowing_add(b[1]);
    let (high, c2) = high.overflowing_add(carry as u128);
    ([low, high], c1 || c2)
}

/// `a - b` modulo 2^256.
fn sub(a: &Limbs, b: &Limbs) -> Limbs {
    let (low, borrow) = a[0].overflowing_sub(b[0]);
    [low, a[1].wrapping_sub(b[1]).wrapping_sub(borrow as u128)]
}

fn at_least(a: &Limbs, b: &Limbs) -> bool {
    (a[1], a[0]) >= (b[1], b[0])
}

/// An odd modulus over 1 and what Montgomery multiplication by it needs (R = 2^256).
struct Modulus {
    m: Limbs,
    /// -m⁻¹ mod 2^128.
    m_inv: u128,
    /// R mod m: 1 in Montgomery form.
    one: Limbs,
    /// R² mod m: what turns a number into Montgomery form.
    r2: Limbs,
}

impl Modulus {
    fn new(m: Limbs) -> Self {
        // Newton's iteration doubles the bits of m⁻¹ that are right; m·m ≡ 1 mod 8 starts at 3.
        let mut inv = m[0];
        for _ in 0..6 {
            inv = inv.wrapping_mul(2u128.wrapping_sub(m[0].wrapping_mul(inv)));
        }
        let one = reduce(sub(&[0, 0], &m), &m);
        let mut r2 = one;
        for _ in 0..256 {
            r2 = add_mod(&r2, &r2, &m);
        }
        Self { m, m_inv: inv.wrapping_neg(), one, r2 }
    }

    /// a·b·R⁻¹ mod m, for a·b < m·R (CIOS, two limbs); the result is below m.
    fn mul(&self, a: &Limbs, b: &Limbs) -> Limbs {
        let mut t = [0u128; 4];
        for &a_i in a {
            add_product(&mut t, 0, mul_wide(a_i, b[0]));
            add_product(&mut t, 1, mul_wide(a_i, b[1]));
            let u = mul_wide(t[0], self.m_inv).0;
            add_product(&mut t, 0, mul_wide(u, self.m[0]));
            add_product(&mut t, 1, mul_wide(u, self.m[1]));
            // The low limb is now 0: divide by 2^128.
            t = [t[1], t[2], t[3], 0];
        }
        let result = [t[0], t[1]];
        if t[2] != 0 || at_least(&result, &self.m) {
            sub(&result, &self.m)
        } else {
            result
        }
    }

    /// `value` (any 256-bit number) in Montgomery form.
    fn to_montgomery(&self, value: &Limbs) -> Limbs {
        self.mul(value, &self.r2)
    }
}

/// t += (high·2^128 + low)·2^(128·at), carrying up to t's last limb (which the bounds of
/// Montgomery multiplication keep from overflowing).
fn add_product(t: &mut [u128; 4], at: usize, (low, high): (u128, u128)) {
    let (sum, c0) = t[at].overflowing_add(low);
    t[at] = sum;
    let (sum, c1) = t[at + 1].overflowing_add(high);
    let (sum, c2) = sum.overflowing_add(c0 as u128);
    t[at + 1] = sum;
    let mut carry = c1 as u128 + c2 as u128;
    for limb in &mut t[at + 2..] {
        if carry == 0 {
            break;
        }
        let (sum, c) = limb.overflowing_add(carry);
        *limb = sum;
        carry = c as u128;
    }
}

/// a + b mod m, for a, b < m.
fn add_mod(a: &Limbs, b: &Limbs, m: &Limbs) -> Limbs {
    let (sum, overflow) = add(a, b);
    if overflow || at_least(&sum, m) {
        sub(&sum, m)
    } else {
        sum
    }
}

fn shl1(a: &Limbs) -> Limbs {
    [a[0] << 1, (a[1] << 1) | (a[0] >> 127)]
}

fn shr1(a: &Limbs) -> Limbs {
    [(a[0] >> 1) | (a[1] << 127), a[1] >> 1]
}

fn bits(a: &Limbs) -> u32 {
    if a[1] != 0 {
        256 - a[1].leading_zeros()
    } else {
        128 - a[0].leading_zeros()
    }
}

/// x mod m by shifting and subtracting (once per call: R mod m).
fn reduce(mut x: Limbs, m: &Limbs) -> Limbs {
    let shift = bits(&x).saturating_sub(bits(m));
    let mut shifted = *m;
    for _ in 0..shift {
        shifted = shl1(&shifted);
    }
    for _ in 0..=shift {
        if at_least(&x, &shifted) {
            x = sub(&x, &shifted);
        }
        shifted = shr1(&shifted);
    }
    x
}

/// A big-endian number of at most 32 bytes as limbs.
fn limbs(bytes: &[u8]) -> Limbs {
    let mut padded = [0u8; 32];
    padded[32 - bytes.len()..].copy_from_slice(bytes);
    let half = |range: core::ops::Range<usize>| u128::from_be_bytes(padded[range].try_into().expect("16 bytes"));
    [half(16..32), half(0..16)]
}

/// base^exp mod modulus, the result as long as `modulus` (EIP-198).
pub fn modexp(base: &[u8], exp: &[u8], modulus: &[u8]) -> Result<Vec<u8>, PrecompileHalt> {
    let significant = &modulus[modulus.iter().take_while(|b| **b == 0).count()..];
    let odd = significant.last().is_some_and(|b| b & 1 == 1);
    if significant.len() > 32 || !odd || significant == [1] {
        return DefaultCrypto.modexp(base, exp, modulus);
    }
    let n = Modulus::new(limbs(significant));
    // The base, of any length, reduced 32 bytes at a time (Horner's rule in Montgomery form: each
    // step multiplies what came before by 2^256).
    let mut value = [0, 0];
    let first = base.len() % 32;
    let chunks = (first != 0).then(|| &base[..first]).into_iter().chain(base[first..].chunks(32));
    for chunk in chunks {
        value = add_mod(&n.mul(&value, &n.r2), &n.to_montgomery(&limbs(chunk)), &n.m);
    }
    let mut power = n.one;
    let exp = &exp[exp.iter().take_while(|b| **b == 0).count()..];
    for byte in exp {
        for bit in (0..8).rev() {
            power = n.mul(&power, &power);
            if (byte >> bit) & 1 == 1 {
                power = n.mul(&power, &value);
            }
        }
    }
    let result = n.mul(&power, &[1, 0]);
    let mut be = [0u8; 32];
    be[..16].copy_from_slice(&result[1].to_be_bytes());
    be[16..].copy_from_slice(&result[0].to_be_bytes());
    let mut out = Vec::with_capacity(modulus.len());
    out.resize(modulus.len().saturating_sub(32), 0);
    out.extend_from_slice(&be[32 - modulus.len().min(32)..]);
    Ok(out)
}
