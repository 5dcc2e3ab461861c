//! Why an execution proof does not verify. Each message reads whole, so the edges (the CLI, the
//! HTTP API, the explorer page) show it as it is.

use alloy_primitives::B256;
use stateless::BlockCommitment;
use thiserror::Error;
use witness::WitnessError;

use crate::image::{pinned_ids, GuestImage};

/// A block as a message names it: number, hash, chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockId {
    /// The block number.
    pub number: u64,
    /// The block hash.
    pub hash: B256,
    /// The chain id.
    pub chain_id: u64,
}

impl std::fmt::Display for BlockId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "block {} ({}) on chain {}", self.number, self.hash, self.chain_id)
    }
}

impl From<&BlockCommitment> for BlockId {
    fn from(c: &BlockCommitment) -> Self {
        Self { number: c.number, hash: c.hash, chain_id: c.chain_id }
    }
}

/// Why an execution proof does not verify, cheapest check first.
#[derive(Debug, Error)]
pub enum VerifyError {
    /// The file names another guest image than the pinned one.
    #[error(
        "the proof is of guest image {found}, this verifier accepts only {} (another guest, or another version of it)",
        pinned_ids()
    )]
    OtherImage {
        /// The image id the file names.
        found: String,
    },
    /// The verifying key cannot be decoded.
    #[error("verifying key: {0}")]
    VerifyingKey(String),
    /// The committed verifying key of a pinned image is for another image (the build is
    /// inconsistent).
    #[error("verifying key: the committed key of the {image} image is for image {found}, not {}", image.id())]
    KeyForOtherImage {
        /// The pinned image whose key it is.
        image: GuestImage,
        /// The image id the key holds.
        found: String,
    },
    /// The STARK does not verify (or cannot be decoded).
    #[error("the proof does not verify: {0}")]
    BadProof(String),
    /// The proven public values are not a block commitment followed by zeros.
    #[error("the guest's public values ({len} bytes) are not a block commitment")]
    NotACommitment {
        /// How many bytes there were.
        len: usize,
    },
    /// The file's `public_values` are not the ones the proof proves.
    #[error("the file's public values are not the ones the proof proves")]
    PublicValuesDiffer,
    /// The file's decoded `commitment` is not its proven public values.
    #[error("the file's decoded commitment differs from the proven public values")]
    CommitmentDiffers,
    /// The proof is of another block or chain than the file's head names.
    #[error("the proof is of {proven}, the file names {named}")]
    OtherBlock {
        /// What the proof proves.
        proven: BlockId,
        /// What the file names.
        named: BlockId,
    },
    /// The witness given to compare with does not pass the native check, so no block can be
    /// taken from it.
    #[error("the witness does not check: {0}")]
    Witness(WitnessError),
    /// The proof is valid but not of the witness given.
    #[error("the proof is of block {} ({}), the witness is of block {} ({})", proven.number, proven.hash, witness.number, witness.hash)]
    NotTheWitness {
        /// What the proof proves.
        proven: BlockId,
        /// The witness's block.
        witness: BlockId,
    },
}
