//! The guest images this build verifies: for each, the verifying key, built from this repository
//! and committed (execution/guest/), and the image id pinned below. Compiled in, so that a
//! verifier trusts nothing it is given beside the proof. This is the one place that matches on the
//! image.
//!
//! There are two images of the one guest crate, which differ only in their VM configuration: every
//! chip of a configuration is in its verifying key, and the leaf aggregation checks each segment
//! against all of them, used or not. BLS12-381's wide chips nearly double that on every block
//! (docs/performance.md), for precompiles most blocks never call; so they are in a second image,
//! which the prover takes only for a block that calls them.
//!
//! An image id is OpenVM's commitment to the transpiled program and its initial memory
//! (`app_exe_commit`). A proof verifies only under the verifying key whose baseline holds that
//! commitment, so a proof of any other program (another guest, a patched one) is refused. The
//! test `guest_rebuild` rebuilds both images from source (scripts/build-guest.sh) and checks each
//! is byte for byte its committed ELF; `pinned_image` checks that each committed ELF and verifying
//! key give its pinned id.

use serde::{Deserialize, Serialize};

/// One of the two pinned guest images.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GuestImage {
    /// keccak, SHA-256, secp256k1 and bn254 on OpenVM's extensions: every block that calls none
    /// of the precompiles below.
    Base,
    /// The base image's extensions, plus BLS12-381 (the KZG point evaluation and EIP-2537's
    /// precompiles) and P-256 (EIP-7951's signature check).
    Full,
}

impl GuestImage {
    /// Both images, the base one first.
    pub const ALL: [GuestImage; 2] = [GuestImage::Base, GuestImage::Full];

    /// The pinned image id, hex of the 8 little-endian words of the program commitment.
    pub const fn id(self) -> &'static str {
        match self {
            Self::Base => "0x5de4da65789e7a657c688c51685c89340ad8760562933465f9928b1338ae9a6b",
            Self::Full => "0x0a98194a8c127829affa2b59c1ac0a4a2faded6f78bb6145c44f9557e6e24b3d",
        }
    }

    /// The verifying key (OpenVM's `VmStarkVerifyingKey`, bitcode): the aggregation key of the
    /// image's VM configuration (execution/src/zkvm) and the guest's baseline. Written by
    /// `prover_cmd execution_image --image <name> --write-vk`.
    pub const fn verifying_key(self) -> &'static [u8] {
        match self {
            Self::Base => include_bytes!("../../execution/guest/execution-guest.vk"),
            Self::Full => include_bytes!("../../execution/guest/execution-guest-full.vk"),
        }
    }

    /// What a proof of this image establishes, and how it was made.
    pub const fn zkvm(self) -> &'static str {
        match self {
            Self::Base => {
                "OpenVM 2.0.2 (RV32IM, keccak, sha256, secp256k1, bn254 and its pairing), STARK over BabyBear, segments aggregated into one proof"
            }
            Self::Full => {
                "OpenVM 2.0.2 (RV32IM, keccak, sha256, secp256k1, bn254 and BLS12-381 with their pairings, P-256), STARK over BabyBear, segments aggregated into one proof"
            }
        }
    }

    /// The image's name on the command line and in files.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Base => "base",
            Self::Full => "full",
        }
    }

    /// The image a block that called `precompiles` is proven with: the full one when it called one
    /// that only the full image has on an extension (the point evaluation 0x0a, EIP-2537's 0x0b to
    /// 0x11, P-256's 0x100), the base one otherwise. Either image proves any block; this only
    /// picks the cheaper.
    pub fn for_block(precompiles: &[alloy_primitives::Address]) -> Self {
        let full_only = |address: &alloy_primitives::Address| {
            let low = u16::from_be_bytes([address.0[18], address.0[19]]);
            address.0[..18] == [0u8; 18] && ((0x0a..=0x11).contains(&low) || low == 0x100)
        };
        match precompiles.iter().any(full_only) {
            true => Self::Full,
            false => Self::Base,
        }
    }

    /// The image whose pinned id this is, if any.
    pub fn by_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|image| image.id() == id)
    }
}

impl core::fmt::Display for GuestImage {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

impl core::str::FromStr for GuestImage {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|image| image.name() == name)
            .ok_or_else(|| format!("no guest image {name:?} (base or full)"))
    }
}

/// The pinned ids, for messages: "a or b".
pub fn pinned_ids() -> String {
    GuestImage::ALL.map(GuestImage::id).join(" or ")
}

/// An image id as 0x and 64 hex digits.
pub fn image_id_hex(id: &[u8; 32]) -> String {
    format!("0x{}", alloy_primitives::hex::encode(id))
}
