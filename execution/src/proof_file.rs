//! The execution proof's file: the envelope head (crate `proof`, kind `execution`), the guest
//! image it was proven with, the public values (the block commitment, as the guest revealed them,
//! and decoded for reading), the aggregated STARK and how long each phase took.

use std::path::Path;

use alloy_primitives::{Bytes, B256};
use proof::{Envelope, EnvelopeError, Head, ProofKind};
use serde::{Deserialize, Serialize};
use stateless::BlockCommitment;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExecutionProofFile {
    pub format: String,
    pub version: u32,
    pub kind: ProofKind,
    pub chain_id: u64,
    pub block_number: u64,
    pub block_hash: B256,
    /// The zkVM and the form of the proof.
    pub zkvm: String,
    /// The guest program the proof is of (its OpenVM program commitment).
    pub image_id: String,
    /// The public values the proof proves: the 224-byte block commitment the guest revealed (see
    /// `stateless::BlockCommitment::to_bytes`), then 32 zero bytes.
    pub public_values: Bytes,
    /// The same, decoded; the verifier checks it equals the proven bytes.
    pub commitment: BlockCommitment,
    /// Guest instructions executed and segments proven.
    pub instructions: u64,
    pub segments: usize,
    /// OpenVM's encoding of the aggregated STARK (`VmStarkProof`).
    pub proof: Bytes,
    pub timings: ExecutionTimings,
    /// The prover's name and version.
    pub prover: String,
}

/// Seconds spent in each phase.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ExecutionTimings {
    pub read_witness: f64,
    /// The native re-execution run before proving.
    pub check_witness: f64,
    /// Metered execution in the zkVM executor (instruction count, segments).
    pub execute: f64,
    /// Proving every segment and aggregating them into one STARK (key generation included).
    pub prove: f64,
    pub total: f64,
}

impl ExecutionProofFile {
    pub fn head(&self) -> Head {
        Head {
            format: self.format.clone(),
            version: self.version,
            kind: self.kind,
            chain_id: self.chain_id,
            block_number: self.block_number,
            block_hash: self.block_hash,
        }
    }

    pub fn decode(bytes: &[u8], path: &str) -> Result<Self, EnvelopeError> {
        Envelope::decode(bytes, path)?.into_body(ProofKind::Execution)
    }

    pub fn read(path: &Path) -> Result<Self, EnvelopeError> {
        Envelope::read(path)?.into_body(ProofKind::Execution)
    }

    pub fn write(&self, path: &Path) -> Result<(), EnvelopeError> {
        proof::write_json(self, path)
    }
}
