//! revm's pluggable precompile crypto in the guest: which precompiles run on an OpenVM extension.
//! ecrecover on the secp256k1 curve extension, SHA-256 on the SHA-2 extension; the rest (RIPEMD-160,
//! modexp, blake2f, the bn254 and BLS12-381 curves, KZG point evaluation, P-256) as revm does them,
//! in plain RISC-V. The host keeps revm's own implementations, so the consensus tests run both
//! and must agree.

use revm::precompile::{Crypto, PrecompileHalt};

use crate::{secp256k1, sha256};

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
}
