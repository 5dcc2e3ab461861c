//! The execution proof's guest program. It reads one block's `StatelessInput` (the stateless
//! crate's RLP layout), runs the same stateless re-execution the host runs before proving, and
//! reveals the 224-byte block commitment as the proof's public values. A block that does not
//! re-execute makes the guest panic, so no proof of it can exist.

extern crate alloc;

// Links OpenVM's `native_keccak256`, which alloy-primitives' `native-keccak` calls.
extern crate openvm_keccak256;

mod bn254;
mod curve;
#[cfg(feature = "full")]
mod kzg;
mod modexp;
#[cfg(feature = "full")]
mod p256;
mod precompiles;
mod secp256k1;
mod sha256;

// Registers the moduli, the Fp2s and the curves with the VM, in the order of the image's VM
// configuration (written by `prover_cmd execution_image [--image full] --write-init`): the base
// image's secp256k1 and bn254; the full image's also BLS12-381 and P-256.
#[cfg(not(feature = "full"))]
openvm::init!();
#[cfg(feature = "full")]
openvm::init!("openvm_init_full.rs");

fn main() {
    // Signature recovery through the curve extension for alloy (senders); revm's precompiles on
    // the extensions where there is one (precompiles.rs).
    let installed =
        alloy_consensus::crypto::backend::install_default_provider(std::sync::Arc::new(secp256k1::AlloyRecovery));
    assert!(
        installed.is_ok() && revm::precompile::install_crypto(precompiles::RevmCrypto),
        "crypto providers installed once"
    );
    let bytes = openvm::io::read_vec();
    let input = stateless::StatelessInput::from_bytes(&bytes).expect("stateless input decodes");
    let executed = stateless::execute_block(&input).expect("block re-executes to its header");
    let commitment = executed.commitment.to_bytes();
    for (index, word) in commitment.chunks_exact(4).enumerate() {
        openvm::io::reveal_u32(u32::from_le_bytes(word.try_into().unwrap()), index);
    }
    // Nothing is freed in the zkVM (the allocator only moves a pointer on): dropping the input's
    // thousands of nodes would be instructions for nothing.
    core::mem::forget((bytes, input, executed));
}

// Here rather than with the others: a line added above main would move its panic messages' line
// numbers, and so change the base image's ELF, which does not have this module.
#[cfg(feature = "full")]
mod bls12_381;
#[cfg(feature = "full")]
mod bls12_381_map;
