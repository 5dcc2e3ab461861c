//! revm's pluggable precompile crypto in the guest: which precompiles run on an OpenVM extension.
//! ecrecover on the secp256k1 curve extension, SHA-256 on the SHA-2 extension, bn254's ecAdd, ecMul
//! and ecPairing on the bn254 curve and pairing extensions; the rest (RIPEMD-160, modexp, blake2f,
//! BLS12-381, KZG point evaluation, P-256) as revm does them, in plain RISC-V. The host keeps revm's own implementations, so the consensus tests run both
//! and must agree.

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
}
