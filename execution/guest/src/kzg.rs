//! The point evaluation precompile (EIP-4844, 0x0a) on OpenVM's BLS12-381 extensions: the curve's
//! fields on the modular extension, Fp2 on the Fp2 extension, G1's additions and doublings on the
//! short Weierstrass extension and the pairing check on the pairing extension. revm checks the
//! input's length and the versioned hash; this checks the proof, as revm's arkworks code does:
//!
//! - the commitment and the proof are compressed G1 points (ZCash's encoding: the compression
//!   flag set, the infinity flag with nothing else, x below the modulus, y chosen by the sort
//!   flag), on the curve and in the order-r subgroup;
//! - z and y are canonical scalars (below r);
//! - e(C - y·G1, -G2) · e(π, [τ]G2 - z·G2) is one, [τ]G2 being the KZG ceremony's (the same
//!   point revm's `TRUSTED_SETUP_TAU_G2_BYTES` compresses).

use openvm_algebra_guest::{IntMod, Sqrt};
use openvm_ecc_guest::{
    weierstrass::{IntrinsicCurve, WeierstrassPoint},
    AffinePoint, CyclicGroup, Group,
};
use openvm_pairing::bls12_381::{Bls12_381, Fp, Fp2, G1Affine, G2Affine, Scalar};
use openvm_pairing_guest::pairing::PairingCheck;
use revm::precompile::PrecompileHalt;

/// The scalar field's order r, big-endian: G1's and G2's subgroups have this order.
const ORDER: [u8; 32] = alloy_primitives::hex!("73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001");

/// An Fp element from its 48 little-endian bytes.
const fn fp(le: [u8; 48]) -> Fp {
    Fp::from_const_bytes(le)
}

/// G2's generator, coordinates little-endian (c0 then c1).
const G2_GENERATOR: G2Affine = G2Affine::new(
    Fp2::new(
        fp(alloy_primitives::hex!(
            "b8bd21c1c85680d4efbb05a82603ac0b77d1e37a640b51b4023b40fad47ae4c65110c52d27050826910a8ff0b2a24a02"
        )),
        fp(alloy_primitives::hex!(
            "7e2b045d057dace5575d941312f14c3349507fdcbb61dab51ab62099d0d06b59654f2788a0d3ac7d609f7152602be013"
        )),
    ),
    Fp2::new(
        fp(alloy_primitives::hex!(
            "0128b808865493e189a2ac3bccc93a922cd16051699a426da7d3bd8caa9bfdad1a352edac6cdc98c116e7d7227d5e50c"
        )),
        fp(alloy_primitives::hex!(
            "be795ff05f07a9aaa11dec5c270d373fab992e57ab927426af63a7857e283ecb998bc22bb0d2ac32cc34a72ea0c40606"
        )),
    ),
);

/// [τ]G2 of the KZG ceremony, decompressed from revm's `TRUSTED_SETUP_TAU_G2_BYTES`.
const TAU_G2: G2Affine = G2Affine::new(
    Fp2::new(
        fp(alloy_primitives::hex!(
            "f2dec120dada8ec9ed001062de4170080bc6a47b475168a3c9eaeccc11c92639e20886b3b729447314274953eebf5c18"
        )),
        fp(alloy_primitives::hex!(
            "729f49f324abaaafd252b40c87e514293dc55a61cea20910a8effbcb7570182689f30a2387c23b8428b1de8cddd7bf15"
        )),
    ),
    Fp2::new(
        fp(alloy_primitives::hex!(
            "992a83bbfb9b68ee83f34159106de24c79c9a996a45124e818de280e49691513a2fcd19985eed5d76d626bb9bd534301"
        )),
        fp(alloy_primitives::hex!(
            "4f150a0df38e0423cdc97a3d6f3495948907fa9bbad15eda1f6763fc09de79ef4b1b18e0ca2f43039552320a4bc56616"
        )),
    ),
);

/// Whether y is the larger of y and -y as integers (the sort flag's meaning).
fn lexicographically_largest(y: &Fp) -> bool {
    let minus = -y.clone();
    // Big-endian bytes compare as the integers do.
    y.to_be_bytes().as_ref() > minus.to_be_bytes().as_ref()
}

/// A compressed G1 point, checked on the curve and in the subgroup.
fn decompress_g1(bytes: &[u8; 48]) -> Result<G1Affine, PrecompileHalt> {
    let (compressed, infinity, largest) = (bytes[0] & 0x80 != 0, bytes[0] & 0x40 != 0, bytes[0] & 0x20 != 0);
    if !compressed || (largest && infinity) {
        return Err(PrecompileHalt::KzgInvalidG1Point);
    }
    let mut x_bytes = *bytes;
    x_bytes[0] &= 0x1f;
    if infinity {
        return match x_bytes == [0u8; 48] {
            true => Ok(<G1Affine as Group>::IDENTITY),
            false => Err(PrecompileHalt::KzgInvalidG1Point),
        };
    }
    let x = Fp::from_be_bytes(&x_bytes).ok_or(PrecompileHalt::KzgInvalidG1Point)?;
    let y = (&x * &x * &x + Fp::from_u8(4)).sqrt().ok_or(PrecompileHalt::KzgInvalidG1Point)?;
    let y = if lexicographically_largest(&y) == largest { y } else { -y };
    // SAFETY: y² = x³ + 4 by construction, so the point is on the curve.
    let point = unsafe { G1Affine::from_xy_unchecked(x, y) };
    if !crate::curve::times(&point, &ORDER).is_identity() {
        return Err(PrecompileHalt::KzgG1PointNotInSubgroup);
    }
    Ok(point)
}

/// A scalar that must be below r (no reduction: a larger value is refused).
fn canonical_scalar(bytes: &[u8; 32]) -> Result<Scalar, PrecompileHalt> {
    Scalar::from_be_bytes(bytes).ok_or(PrecompileHalt::NonCanonicalFp)
}

/// Whether the proof shows that the polynomial committed to takes the value `y` at `z`.
pub fn verify_kzg_proof(
    z: &[u8; 32],
    y: &[u8; 32],
    commitment: &[u8; 48],
    proof: &[u8; 48],
) -> Result<(), PrecompileHalt> {
    let commitment = decompress_g1(commitment)?;
    let proof = decompress_g1(proof)?;
    let z = canonical_scalar(z)?;
    let y = canonical_scalar(y)?;
    let y_g1 = Bls12_381::msm(&[y], &[G1Affine::GENERATOR]);
    let mut commitment_minus_y = commitment;
    commitment_minus_y.add_assign_impl::<true>(&-y_g1);
    let mut tau_minus_z = TAU_G2;
    tau_minus_z.add_assign_impl::<true>(&-crate::curve::times(&G2_GENERATOR, &z.to_be_bytes()));
    let pairs = [(commitment_minus_y, -G2_GENERATOR), (proof, tau_minus_z)];
    // A pair with the identity on either side contributes one to the product.
    let (mut g1, mut g2) = (Vec::new(), Vec::new());
    for (p, q) in pairs {
        if !p.is_identity() && !q.is_identity() {
            let ((px, py), (qx, qy)) = (p.into_coords(), q.into_coords());
            g1.push(AffinePoint::new(px, py));
            g2.push(AffinePoint::new(qx, qy));
        }
    }
    if g1.is_empty() || Bls12_381::pairing_check(&g1, &g2).is_ok() {
        Ok(())
    } else {
        Err(PrecompileHalt::BlobVerifyKzgProofFailed)
    }
}
