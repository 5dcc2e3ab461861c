//! The execution proof's file: the envelope head (crate `proof`, kind `execution`), the guest
//! image it was proven with, the public values (the block commitment, as the guest revealed them,
//! and decoded for reading), the aggregated STARK and how long each phase took.

use alloy_primitives::Bytes;
use proof::{Head, KindFile, ProofKind};
use serde::{Deserialize, Serialize};
use stateless::BlockCommitment;

/// An execution proof file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExecutionProofFile {
    /// format, version, kind (`execution`), chain id, block number and hash.
    #[serde(flatten)]
    pub head: Head,
    /// The zkVM and the form of the proof.
    pub zkvm: String,
    /// The guest program the proof is of (its OpenVM program commitment).
    pub image_id: String,
    /// The public values the proof proves: the 224-byte block commitment the guest revealed (see
    /// `stateless::BlockCommitment::to_bytes`), then 32 zero bytes.
    pub public_values: Bytes,
    /// The same, decoded; the verifier checks it equals the proven bytes.
    pub commitment: BlockCommitment,
    /// Guest instructions executed (the prover's claim).
    pub instructions: u64,
    /// Segments proven (the prover's claim).
    pub segments: usize,
    /// OpenVM's encoding of the aggregated STARK (`VmStarkProof`).
    pub proof: Bytes,
    /// How long each phase took (the prover's claim).
    pub timings: ExecutionTimings,
    /// The prover's name and version.
    pub prover: String,
}

/// Seconds spent in each phase (the prover's claim: nothing proves it).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ExecutionTimings {
    /// Reading the witness file.
    pub read_witness: f64,
    /// The native re-execution run before proving.
    pub check_witness: f64,
    /// Metered execution in the zkVM executor (instruction count, segments).
    pub execute: f64,
    /// Proving every segment and aggregating them into one STARK (key generation included).
    pub prove: f64,
    /// Everything.
    pub total: f64,
}

impl KindFile for ExecutionProofFile {
    const KIND: ProofKind = ProofKind::Execution;

    fn head(&self) -> &Head {
        &self.head
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::B256;
    use stateless::{BlockCommitment, Fork};

    use super::*;

    #[test]
    fn the_file_round_trips_with_its_head_at_the_top() {
        let commitment = BlockCommitment {
            chain_id: 1,
            number: 7,
            hash: B256::repeat_byte(1),
            parent_hash: B256::repeat_byte(2),
            parent_state_root: B256::repeat_byte(3),
            state_root: B256::repeat_byte(4),
            fork: Fork::Prague,
            zero_slot_leaves: false,
            gas_used: 21000,
            transactions: 1,
        };
        let file = ExecutionProofFile {
            head: Head::new(ProofKind::Execution, 1, 7, B256::repeat_byte(1)),
            zkvm: "z".into(),
            image_id: "0x00".into(),
            public_values: Bytes::from(vec![0u8; 256]),
            commitment,
            instructions: 5,
            segments: 1,
            proof: Bytes::from(vec![1, 2, 3]),
            timings: ExecutionTimings::default(),
            prover: "p".into(),
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.json");
        file.write(&path).unwrap();
        let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(
            (json["kind"].as_str(), json["version"].as_u64(), json["block_number"].as_u64()),
            (Some("execution"), Some(2), Some(7))
        );
        assert_eq!(ExecutionProofFile::read(&path).unwrap(), file);
    }
}
