//! The state proof's file: the envelope head (crate `proof`, kind `state`), the circuit class and
//! ids, every chunk's two proofs and their public instances, and how long each phase took.

use alloy_primitives::Bytes;
use axiom_eth::halo2curves::bn256::Fr;
pub use proof::KindFile;
use proof::{Head, ProofKind};
use serde::{Deserialize, Serialize};

use crate::{
    keys::{CircuitIds, KeySource},
    public_values::{fr_from_hex, fr_to_hex},
    CapacityClass,
};

/// A state proof file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StateProofFile {
    /// format, version, kind (`state`), chain id, block number and hash. The block hash is what
    /// the proofs prove; the chain id and number are as the prover wrote them.
    #[serde(flatten)]
    pub head: Head,
    /// The circuit shape every chunk was proven in; k is `class.k`.
    pub class: CapacityClass,
    /// The circuits' size (2^k rows): the params' k.
    pub k: u32,
    /// The ids of the two circuits' verifying keys.
    pub circuits: CircuitIds,
    /// Made with the public-seed development params: such a proof proves nothing.
    pub insecure_dev_params: bool,
    /// Two proofs per chunk of the witness's pre-state.
    pub chunks: Vec<ChunkProof>,
    /// How long each phase took (the prover's claim: nothing proves it).
    pub timings: Timings,
    /// The prover's name and version.
    pub prover: String,
}

/// One chunk: the block-state proof (its last instance is the keccak commitment) and the keccak
/// proof (its one instance is the same commitment).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkProof {
    /// The headers, accounts and slots of the chunk.
    pub block_state: CircuitProof,
    /// Every keccak the block-state circuit used.
    pub keccak: CircuitProof,
}

/// One circuit's proof and its public instances.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CircuitProof {
    /// Field elements, 32 bytes big-endian hex each.
    pub instances: Vec<String>,
    /// The halo2 proof (SHPLONK, blake2b transcript).
    pub proof: Bytes,
}

impl CircuitProof {
    /// The proof with its instances as hex.
    pub fn new(instances: &[Fr], proof: Vec<u8>) -> Self {
        Self { instances: instances.iter().map(fr_to_hex).collect(), proof: proof.into() }
    }

    /// The instances as field elements; a malformed one is named.
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
    /// Reading the witness file.
    pub read_witness: f64,
    /// The native check and the layout into chunks.
    pub check_witness: f64,
    /// Loading (and downsizing) the params.
    pub load_params: f64,
    /// Loading or generating the keys.
    pub keys: f64,
    /// Whether the keys came from the cache or were generated.
    pub keys_source: Option<KeySource>,
    /// Witness generation and proof of every chunk's block-state circuit.
    pub prove_block_state: f64,
    /// The same for the keccak circuits.
    pub prove_keccak: f64,
    /// Everything.
    pub total: f64,
}

/// Reads version 1 (state only) and version 2 files of kind `state`; another kind is refused by
/// name.
impl KindFile for StateProofFile {
    const KIND: ProofKind = ProofKind::State;

    fn head(&self) -> &Head {
        &self.head
    }
}
