//! The state proof's file: the envelope head (crate `proof`, kind `state`), the circuit class and
//! ids, every chunk's two proofs and their public instances, and how long each phase took.

use alloy_primitives::{Bytes, B256};
use axiom_eth::halo2curves::bn256::Fr;
pub use proof::KindFile;
use proof::{EnvelopeError, ProofKind};
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
    /// Always `state`; version 1 files have no kind and are state proofs.
    #[serde(default = "state_kind")]
    pub kind: ProofKind,
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

/// Reading or writing a proof file: the envelope's errors.
pub type ProofFileError = EnvelopeError;

fn state_kind() -> ProofKind {
    ProofKind::State
}

impl ProofFile {
    pub const FORMAT: &'static str = proof::FORMAT;
    pub const VERSION: u32 = proof::VERSION;

    pub fn to_json(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(self).expect("proof files always serialize");
        out.push(b'\n');
        out
    }
}

/// Reads version 1 (state only) and version 2 files of kind `state`; another kind is refused by
/// name.
impl KindFile for ProofFile {
    const KIND: ProofKind = ProofKind::State;
}
