//! The guest image this build proves: its ELF, built from this repository and committed
//! (execution/guest/), beside the pinned image id and verifying key the verifier holds
//! (crate `execution-verify`, re-exported here).

pub use execution_verify::image::{image_id_hex, IMAGE_ID, VERIFYING_KEY};

/// The guest ELF (RV32IM), built by scripts/build-guest.sh.
pub const GUEST_ELF: &[u8] = include_bytes!("../guest/execution-guest.elf");
