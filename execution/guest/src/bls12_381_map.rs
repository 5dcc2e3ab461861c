//! EIP-2537's maps to the curves, MAP_FP_TO_G1 (0x10) and MAP_FP2_TO_G2 (0x11), on OpenVM's
//! BLS12-381 extensions (full image only). Each is RFC 9380's `map_to_curve` then
//! `clear_cofactor`:
//!
//! - the simplified SWU map onto a curve isogenous to G1's (G2's), its square roots hinted by the
//!   host and checked (a hint that an element has none is checked too, against a non-residue);
//! - the 11-isogeny (3-isogeny for G2) back onto G1's curve (G2's twist);
//! - the point times h_eff, on the curve extension (G1) or over the Fp2 extension (G2).
//!
//! The isogenous curves' coefficients, Z and the isogenies' coefficients are the ones revm's own
//! map uses: ark-bls12-381's, read once per run into the extensions' fields. revm checks the
//! lengths and the padding; an element not below p is NonCanonicalFp, as in revm.

use std::sync::OnceLock;

use ark_ec::{
    hashing::curve_maps::{swu::SWUConfig, wb::WBConfig},
    short_weierstrass::SWCurveConfig,
};
use ark_ff::{BigInteger, PrimeField};
use openvm_algebra_guest::{DivUnsafe, Field, IntMod, Sqrt};
use openvm_ecc_guest::{weierstrass::WeierstrassPoint, Group};
use openvm_pairing::bls12_381::{Fp, Fp2, G1Affine, G2Affine};
use revm::precompile::PrecompileHalt;

use crate::bls12_381::{fp, g1_bytes, g2_bytes};

/// G1's h_eff, 1 - z for the curve parameter z = -0xd201000000010000 (RFC 9380, 8.8.1), big-endian.
const G1_H_EFF: [u8; 8] = alloy_primitives::hex!("d201000000010001");

/// G2's h_eff, 3(z² - 1) times G2's cofactor (RFC 9380, 8.8.2), big-endian: multiplying by it is
/// what the ψ-based clearing revm uses computes.
#[rustfmt::skip]
const G2_H_EFF: [u8; 80] = alloy_primitives::hex!("0bc69f08f2ee75b3584c6a0ea91b352888e2a8e9145ad7689986ff031508ffe1329c2f178731db956d82bf015d1212b02ec0ec69d7477c1ae954cbc06689f6a359894c0adebbf6b4e8020005aaa95551");

pub fn fp_to_g1(element: &[u8; 48]) -> Result<[u8; 96], PrecompileHalt> {
    let u = fp(element)?;
    let map = G1_MAP.get_or_init(|| Map::of::<ark_bls12_381::g1::Config>(from_ark_fp));
    let point = match map.apply(&u) {
        // SAFETY: from_xy checks that the isogeny's image is on y² = x³ + 4.
        Some((x, y)) => unsafe { G1Affine::from_xy(x, y) }.expect("the isogeny maps onto G1's curve"),
        None => <G1Affine as Group>::IDENTITY,
    };
    Ok(g1_bytes(&crate::curve::times(&point, &G1_H_EFF)))
}

pub fn fp2_to_g2(c0: &[u8; 48], c1: &[u8; 48]) -> Result<[u8; 192], PrecompileHalt> {
    let u = Fp2::new(fp(c0)?, fp(c1)?);
    let map = G2_MAP.get_or_init(|| Map::of::<ark_bls12_381::g2::Config>(from_ark_fp2));
    let point = match map.apply(&u) {
        // SAFETY: as in fp_to_g1, on the twist y² = x³ + 4(1 + u).
        Some((x, y)) => unsafe { G2Affine::from_xy(x, y) }.expect("the isogeny maps onto G2's twist"),
        None => <G2Affine as Group>::IDENTITY,
    };
    Ok(g2_bytes(&crate::curve::times(&point, &G2_H_EFF)))
}

/// Zero in Fp (both IntMod and Field name one).
const FP_ZERO: Fp = <Fp as Field>::ZERO;

static G1_MAP: OnceLock<Map<Fp>> = OnceLock::new();
static G2_MAP: OnceLock<Map<Fp2>> = OnceLock::new();

/// What the map needs of its field beyond arithmetic: Fp for G1, Fp2 for G2.
trait MapField: Field {
    /// A square root, or None when there is none (both checked, not trusted).
    fn root(&self) -> Option<Self>;
    /// RFC 9380's sgn0: the parity of the canonical value (of the first nonzero coordinate).
    fn sgn0(&self) -> bool;
}

impl MapField for Fp {
    fn root(&self) -> Option<Self> {
        self.sqrt()
    }

    fn sgn0(&self) -> bool {
        // The VM leaves results unreduced: the parity is the canonical value's.
        self.assert_reduced();
        self.as_le_bytes()[0] & 1 == 1
    }
}

impl MapField for Fp2 {
    /// With i² = -1: a = a0 + a1·i is a square in Fp2 exactly when its norm a0² + a1² is one in
    /// Fp. Then for n = √norm one of (a0 ± n)/2 is a square x0², and x1 = a1 / 2x0.
    fn root(&self) -> Option<Self> {
        let (a0, a1) = (&self.c0, &self.c1);
        let root = if a1 == &FP_ZERO {
            // a0 or -a0 is a square in Fp (-1 is not, as p = 3 mod 4): √-a0 · i squares to a0.
            match a0.sqrt() {
                Some(x0) => Fp2::new(x0, FP_ZERO),
                None => Fp2::new(FP_ZERO, (-a0.clone()).sqrt().expect("-a0 is a square if a0 is not")),
            }
        } else {
            let norm = a0.clone() * a0 + &(a1.clone() * a1);
            let n = norm.sqrt()?;
            let half = <Fp as Field>::ONE.div_unsafe(&Fp::from_u8(2));
            let x0 = match ((a0.clone() + &n) * &half).sqrt() {
                Some(x0) => x0,
                None => ((a0.clone() - &n) * &half).sqrt().expect("(a0 - n)/2 is a square if (a0 + n)/2 is not"),
            };
            let x1 = a1.clone().div_unsafe(&(x0.clone() + &x0));
            Fp2::new(x0, x1)
        };
        assert!(root.clone() * &root == *self, "a root in Fp2 squares back");
        Some(root)
    }

    fn sgn0(&self) -> bool {
        let (sign_0, zero_0, sign_1) = (self.c0.sgn0(), self.c0 == FP_ZERO, self.c1.sgn0());
        sign_0 || (zero_0 && sign_1)
    }
}

/// The simplified SWU map's constants for one curve and the isogeny's polynomials (coefficients
/// lowest degree first, as ark-bls12-381 keeps them).
struct Map<F> {
    a: F,
    b: F,
    z: F,
    x_numerator: Vec<F>,
    x_denominator: Vec<F>,
    y_numerator: Vec<F>,
    y_denominator: Vec<F>,
}

impl<F: MapField> Map<F> {
    /// `C`'s isogenous curve and isogeny, from ark-bls12-381, each element through `convert`.
    fn of<C: WBConfig>(convert: fn(&C::BaseField) -> F) -> Self {
        let map = C::ISOGENY_MAP;
        let all = |coefficients: &[C::BaseField]| -> Vec<F> { coefficients.iter().map(convert).collect() };
        Map {
            a: convert(&<C::IsogenousCurve as SWCurveConfig>::COEFF_A),
            b: convert(&<C::IsogenousCurve as SWCurveConfig>::COEFF_B),
            z: convert(&<C::IsogenousCurve as SWUConfig>::ZETA),
            x_numerator: all(map.x_map_numerator),
            x_denominator: all(map.x_map_denominator),
            y_numerator: all(map.y_map_numerator),
            y_denominator: all(map.y_map_denominator),
        }
    }

    /// RFC 9380's map_to_curve: the SWU point (6.6.2) sent through the isogeny (6.6.3); None for
    /// the identity, where a denominator of the isogeny vanishes.
    fn apply(&self, u: &F) -> Option<(F, F)> {
        let (x, y) = self.swu(u);
        let (x_den, y_den) = (horner(&self.x_denominator, &x), horner(&self.y_denominator, &x));
        if x_den == F::ZERO || y_den == F::ZERO {
            return None;
        }
        let image_x = horner(&self.x_numerator, &x).div_unsafe(&x_den);
        let image_y = (y * &horner(&self.y_numerator, &x)).div_unsafe(&y_den);
        Some((image_x, image_y))
    }

    /// A point of y² = x³ + ax + b for u: x1 = (-b/a)(1 + 1/(z²u⁴ + zu²)) (b/(za) when that
    /// denominator is zero) if g(x1) is a square, else x2 = zu²·x1, whose g is then one; y takes
    /// u's sign.
    fn swu(&self, u: &F) -> (F, F) {
        let (a, b, z) = (&self.a, &self.b, &self.z);
        let g = |x: &F| x.clone() * x * x + &(a.clone() * x) + b;
        let zu2 = z.clone() * u * u;
        let denominator = zu2.clone() * &zu2 + &zu2;
        let x1 = if denominator == F::ZERO {
            b.clone().div_unsafe(&(z.clone() * a))
        } else {
            (-b.clone()).div_unsafe(a) * &(F::ONE + &F::ONE.div_unsafe(&denominator))
        };
        let (x, y) = match g(&x1).root() {
            Some(y1) => (x1, y1),
            None => {
                let x2 = zu2 * &x1;
                let y2 = g(&x2).root().expect("g(x2) is a square when g(x1) is not");
                (x2, y2)
            }
        };
        let y = if u.sgn0() == y.sgn0() { y } else { -y };
        (x, y)
    }
}

/// The polynomial with `coefficients` (lowest degree first) at `x`.
fn horner<F: Field>(coefficients: &[F], x: &F) -> F {
    coefficients.iter().rev().fold(F::ZERO, |sum, c| sum * x + c)
}

fn from_ark_fp(x: &ark_bls12_381::Fq) -> Fp {
    Fp::from_le_bytes(&x.into_bigint().to_bytes_le()).expect("ark's elements are canonical")
}

fn from_ark_fp2(x: &ark_bls12_381::Fq2) -> Fp2 {
    Fp2::new(from_ark_fp(&x.c0), from_ark_fp(&x.c1))
}
