//! The stateless guest for SP1, built only to compare zkVMs on the same block (scripts/bench-sp1.sh).
//! It runs the same `stateless::execute_block` as the OpenVM guest and commits the same 224-byte
//! block commitment, so the two runs can be checked against each other and against the host.

#![no_main]
sp1_zkvm::entrypoint!(main);

mod keccak;
mod secp256k1;

pub fn main() {
    let installed =
        alloy_consensus::crypto::backend::install_default_provider(std::sync::Arc::new(secp256k1::AlloyRecovery));
    assert!(
        installed.is_ok() && revm::precompile::install_crypto(secp256k1::RevmCrypto),
        "crypto providers installed once"
    );
    let bytes = sp1_zkvm::io::read_vec();
    let input = stateless::StatelessInput::from_bytes(&bytes).expect("stateless input decodes");
    let executed = stateless::execute_block(&input).expect("block re-executes to its header");
    sp1_zkvm::io::commit_slice(&executed.commitment.to_bytes());
}
