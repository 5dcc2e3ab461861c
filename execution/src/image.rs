//! The guest images this build proves: their ELFs, built from this repository and committed
//! (execution/guest/), beside the pinned image ids and verifying keys the verifier holds (crate
//! `execution-verify`, re-exported here).

pub use execution_verify::image::{image_id_hex, pinned_ids, GuestImage};

/// The guest ELF (RV32IM) of `image`, built by scripts/build-guest.sh.
pub const fn guest_elf(image: GuestImage) -> &'static [u8] {
    match image {
        GuestImage::Base => include_bytes!("../guest/execution-guest.elf"),
        GuestImage::Full => include_bytes!("../guest/execution-guest-full.elf"),
    }
}
