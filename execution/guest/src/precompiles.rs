//! revm's pluggable precompile crypto in the guest: which precompiles run on an OpenVM extension.
//! ecrecover on secp256k1's curve, SHA-256 on SHA-2, bn254's ecAdd, ecMul and ecPairing on bn254's
//! curve and pairing, modexp modulo bn254's or secp256k1's moduli on the modular extension; in the
//! full image also the point evaluation and all of EIP-2537 on BLS12-381's, and P-256 on P-256's.
//! The rest (RIPEMD-160, blake2f, modexp's other moduli; in the base image also the full image's)
//! run as revm does them, in plain RISC-V. The host keeps revm's own implementations, so the
//! consensus tests run both and must agree (and the differential tests against the spec's t8n).

use revm::precompile::{Crypto, PrecompileHalt};

use crate::{bn254, secp256k1, sha256};

#[derive(Debug)]
pub struct RevmCrypto;

impl Crypto for RevmCrypto {
    fn sha256(&self, input: &[u8]) -> [u8; 32] {
        sha256::digest(input)
    }

    fn secp256k1_ecrecover(&self, sig: &[u8; 64], recid: u8, msg: &[u8; 32]) -> Result<[u8; 32], PrecompileHalt> {
        let address = secp256k1::recover_address(sig, recid, msg).ok_or(PrecompileHalt::Secp256k1RecoverFailed)?;
        let mut out = [0u8; 32];
        out[12..].copy_from_slice(address.as_slice());
        Ok(out)
    }

    fn bn254_g1_add(&self, p1: &[u8], p2: &[u8]) -> Result<[u8; 64], PrecompileHalt> {
        bn254::g1_add(p1, p2)
    }

    fn bn254_g1_mul(&self, point: &[u8], scalar: &[u8]) -> Result<[u8; 64], PrecompileHalt> {
        bn254::g1_mul(point, scalar)
    }

    fn bn254_pairing_check(&self, pairs: &[(&[u8], &[u8])]) -> Result<bool, PrecompileHalt> {
        bn254::pairing_check(pairs)
    }

    #[cfg(feature = "full")]
    fn verify_kzg_proof(
        &self,
        z: &[u8; 32],
        y: &[u8; 32],
        commitment: &[u8; 48],
        proof: &[u8; 48],
    ) -> Result<(), PrecompileHalt> {
        crate::kzg::verify_kzg_proof(z, y, commitment, proof)
    }

    // Full paths: a `use` of them would move the lines below, and the base image's ELF with them.
    #[cfg(feature = "full")]
    fn bls12_381_g1_add(
        &self,
        a: revm::precompile::bls12_381::G1Point,
        b: revm::precompile::bls12_381::G1Point,
    ) -> Result<[u8; 96], PrecompileHalt> {
        crate::bls12_381::g1_add(a, b)
    }

    #[cfg(feature = "full")]
    fn bls12_381_g1_msm(
        &self,
        pairs: &mut dyn Iterator<Item = Result<revm::precompile::bls12_381::G1PointScalar, PrecompileHalt>>,
    ) -> Result<[u8; 96], PrecompileHalt> {
        crate::bls12_381::g1_msm(pairs)
    }

    #[cfg(feature = "full")]
    fn bls12_381_g2_add(
        &self,
        a: revm::precompile::bls12_381::G2Point,
        b: revm::precompile::bls12_381::G2Point,
    ) -> Result<[u8; 192], PrecompileHalt> {
        crate::bls12_381::g2_add(a, b)
    }

    #[cfg(feature = "full")]
    fn bls12_381_g2_msm(
        &self,
        pairs: &mut dyn Iterator<Item = Result<revm::precompile::bls12_381::G2PointScalar, PrecompileHalt>>,
    ) -> Result<[u8; 192], PrecompileHalt> {
        crate::bls12_381::g2_msm(pairs)
    }

    #[cfg(feature = "full")]
    fn bls12_381_pairing_check(
        &self,
        pairs: &[(revm::precompile::bls12_381::G1Point, revm::precompile::bls12_381::G2Point)],
    ) -> Result<bool, PrecompileHalt> {
        crate::bls12_381::pairing_check(pairs)
    }

    #[cfg(feature = "full")]
    fn secp256r1_verify_signature(&self, msg: &[u8; 32], sig: &[u8; 64], pk: &[u8; 64]) -> bool {
        crate::p256::verify(msg, sig, pk)
    }

    fn modexp(&self, base: &[u8], exp: &[u8], modulus: &[u8]) -> Result<alloc::vec::Vec<u8>, PrecompileHalt> {
        crate::modexp::modexp(base, exp, modulus)
    }

    // After the base image's methods, so that their lines do not move.
    #[cfg(feature = "full")]
    fn bls12_381_fp_to_g1(&self, fp: &[u8; 48]) -> Result<[u8; 96], PrecompileHalt> {
        crate::bls12_381_map::fp_to_g1(fp)
    }

    #[cfg(feature = "full")]
    fn bls12_381_fp2_to_g2(&self, fp2: ([u8; 48], [u8; 48])) -> Result<[u8; 192], PrecompileHalt> {
        crate::bls12_381_map::fp2_to_g2(&fp2.0, &fp2.1)
    }
}
