//! The guest image this build verifies: the verifying key, built from this repository and
//! committed (execution/guest/), and the image id pinned below. Compiled in, so that a verifier
//! trusts nothing it is given beside the proof.
//!
//! The image id is OpenVM's commitment to the transpiled program and its initial memory
//! (`app_exe_commit`). A proof verifies only under the verifying key whose baseline holds that
//! commitment, so a proof of any other program (another guest, a patched one) is refused. The
//! test `guest_rebuild` rebuilds the guest from source (scripts/build-guest.sh) and checks it is
//! byte for byte the committed ELF; `pinned_image` checks that the committed ELF and verifying key
//! both give the pinned id.

/// The verifying key (OpenVM's `VmStarkVerifyingKey`, bitcode): the aggregation key of the VM
/// configuration in execution/src/zkvm and the guest's baseline. Written by
/// `prover_cmd execution_image --write-vk`.
pub const VERIFYING_KEY: &[u8] = include_bytes!("../../execution/guest/execution-guest.vk");

/// The pinned image id, hex of the 8 little-endian words of the program commitment.
pub const IMAGE_ID: &str = "0x190c9b5ef7964c64e2c7d63c9e92da5ec4fae639e1f8b06043dabf077bb2a20e";

/// What the proof establishes, and how it was made.
pub const ZKVM: &str =
    "OpenVM 2.0.2 (RV32IM, keccak, sha256, secp256k1, bn254 and its pairing), STARK over BabyBear, segments aggregated into one proof";

/// An image id as 0x and 64 hex digits.
pub fn image_id_hex(id: &[u8; 32]) -> String {
    format!("0x{}", alloy_primitives::hex::encode(id))
}
