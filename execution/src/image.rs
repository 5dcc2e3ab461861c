//! The guest image this build proves and verifies: its ELF and its verifying key, both built from
//! this repository and committed (execution/guest/), and the image id pinned below.
//!
//! The image id is OpenVM's commitment to the transpiled program and its initial memory
//! (`app_exe_commit`). A proof verifies only under the verifying key whose baseline holds that
//! commitment, so a proof of any other program (another guest, a patched one) is refused. The
//! test `guest_rebuild` rebuilds the guest from source (scripts/build-guest.sh) and checks it is
//! byte for byte the committed ELF; `pinned_image` checks that the committed ELF and verifying key
//! both give the pinned id.

/// The guest ELF (RV32IM), built by scripts/build-guest.sh.
pub const GUEST_ELF: &[u8] = include_bytes!("../guest/execution-guest.elf");

/// The verifying key (OpenVM's `VmStarkVerifyingKey`, bitcode): the aggregation key of the VM
/// configuration in `zkvm.rs` and the guest's baseline. Written by `prover_cmd execution_image --write-vk`.
pub const VERIFYING_KEY: &[u8] = include_bytes!("../guest/execution-guest.vk");

/// The pinned image id, hex of the 8 little-endian words of the program commitment.
pub const IMAGE_ID: &str = "0x0cc3ed23079bf4037064513475718654e9862a72e9e85d5fd87f432b1cbaab6b";

/// An image id as 0x and 64 hex digits.
pub fn image_id_hex(id: &[u8; 32]) -> String {
    format!("0x{}", hex_lower(id))
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
