//! Proof files: JSON, versioned, naming the block, the circuit class and ids, with every chunk's
//! two proofs and their public instances, and how long each phase of proving took.

use std::path::Path;

use alloy_primitives::{Bytes, B256};
use axiom_eth::halo2curves::bn256::Fr;
use serde::{Deserialize, Serialize};

use crate::{
    keys::{CircuitIds, KeySource},
    public_values::{fr_from_hex, fr_to_hex},
    CapacityClass,
};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProofFile {
    pub format: String,
    pub version: u32,
    pub chain_id: u64,
    pub block_number: u64,
    pub block_hash: B256,
    /// The circuit shape every chunk was proven in; k is `class.k`.
    pub class: CapacityClass,
    pub k: u32,
    pub circuits: CircuitIds,
    /// Made with the public-seed development params: such a proof proves nothing.
    pub insecure_dev_params: bool,
    pub chunks: Vec<ChunkProof>,
    pub timings: Timings,
    /// The prover's name and version.
    pub prover: String,
}

/// One chunk: the block-state proof (its last instance is the keccak commitment) and the keccak
/// proof (its one instance is the same commitment).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkProof {
    pub block_state: CircuitProof,
    pub keccak: CircuitProof,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CircuitProof {
    /// Field elements, 32 bytes big-endian hex each.
    pub instances: Vec<String>,
    pub proof: Bytes,
}

impl CircuitProof {
    pub fn new(instances: &[Fr], proof: Vec<u8>) -> Self {
        Self { instances: instances.iter().map(fr_to_hex).collect(), proof: proof.into() }
    }

    pub fn field_instances(&self) -> Result<Vec<Fr>, String> {
        self.instances
            .iter()
            .enumerate()
            .map(|(i, t)| fr_from_hex(t).map_err(|e| format!("instance {i}: {e}")))
            .collect()
    }
}

/// Seconds spent in each phase of proving.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Timings {
    pub read_witness: f64,
    pub check_witness: f64,
    pub load_params: f64,
    pub keys: f64,
    pub keys_source: Option<KeySource>,
    /// Witness generation and proof of every chunk's block-state circuit.
    pub prove_block_state: f64,
    /// The same for the keccak circuits.
    pub prove_keccak: f64,
    pub total: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum ProofFileError {
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{path}: not a proof file: {reason}")]
    NotAProof { path: String, reason: String },
    #[error("{path}: proof format version {found}, this build reads version {supported}")]
    Version { path: String, found: u64, supported: u32 },
    #[error("{path}: damaged proof file: {reason}")]
    Corrupt { path: String, reason: String },
}

impl ProofFile {
    pub const FORMAT: &'static str = "eth-block-proof";
    pub const VERSION: u32 = 1;

    pub fn to_json(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(self).expect("proof files always serialize");
        out.push(b'\n');
        out
    }

    pub fn decode(bytes: &[u8], path: &str) -> Result<ProofFile, ProofFileError> {
        let value: serde_json::Value = serde_json::from_slice(bytes)
            .map_err(|e| ProofFileError::NotAProof { path: path.into(), reason: format!("not JSON: {e}") })?;
        let format = value.get("format").and_then(|f| f.as_str());
        if format != Some(Self::FORMAT) {
            return Err(ProofFileError::NotAProof { path: path.into(), reason: format!("format field is {format:?}") });
        }
        let version = value.get("version").and_then(|v| v.as_u64()).unwrap_or(0);
        if version != Self::VERSION as u64 {
            return Err(ProofFileError::Version { path: path.into(), found: version, supported: Self::VERSION });
        }
        serde_json::from_value(value).map_err(|e| ProofFileError::Corrupt { path: path.into(), reason: e.to_string() })
    }

    pub fn read(path: &Path) -> Result<ProofFile, ProofFileError> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| ProofFileError::Io { path: name.clone(), source })?;
        Self::decode(&bytes, &name)
    }

    /// Written to a temporary file and renamed into place: never half a proof.
    pub fn write(&self, path: &Path) -> Result<(), ProofFileError> {
        witness::file::write_atomic_with(path, |out| out.write_all(&self.to_json()))
            .map_err(|source| ProofFileError::Io { path: path.display().to_string(), source })
    }
}
