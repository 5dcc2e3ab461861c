//! The state proof's verifier. The checks, in order of cost: file shape, instances, then circuit
//! ids and the pairings; with a witness, that the proof covers exactly its pre-state.

use std::{collections::BTreeSet, path::PathBuf};

use alloy_primitives::{Address, B256};
use serde::Serialize;
use witness::{WitnessError, WitnessFile};

use crate::{
    chunks, instances,
    keys::{CircuitIds, KeyCache, KeyError, VerifyingKeys},
    params::{self, ParamsError},
    proof_file::StateProofFile,
    proving,
    public_values::{self, ProvenAccount, ProvenSlot},
    CapacityClass, ClassName, Fr,
};

/// What the state proof's verifier needs besides the file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StateVerifyConfig {
    /// A params file, or a directory holding `kzg_bn254_{k}.srs` files.
    pub params: Option<PathBuf>,
    /// Where verifying keys are cached; `None` derives them every time.
    pub keys_dir: Option<PathBuf>,
}

/// Why a state proof does not verify. Each message names the chunk and circuit at fault.
#[derive(Debug, thiserror::Error)]
pub enum StateVerifyError {
    /// The file's class is not one of this verifier's shapes.
    #[error("the proof names a {name} circuit at k = {k} with a shape this verifier does not know")]
    UnknownClass {
        /// The class the file names.
        name: ClassName,
        /// The k it names.
        k: u32,
    },
    /// The params cannot be loaded.
    #[error(transparent)]
    Params(#[from] ParamsError),
    /// No params were given.
    #[error("a state proof is verified with KZG params: give them with -k / --params")]
    NoParams,
    /// The verifying keys cannot be derived.
    #[error(transparent)]
    Keys(#[from] KeyError),
    /// The file's circuit ids are not the ones these params give.
    #[error(
        "the proof is for {circuit} circuit {claimed}, but these params give circuit {ours} \
         (other params, or another version of the circuit)"
    )]
    CircuitMismatch {
        /// `block-state` or `keccak`.
        circuit: &'static str,
        /// The id in the file.
        claimed: String,
        /// The id of this verifier's key.
        ours: String,
    },
    /// The file has no chunk.
    #[error("the proof file holds no chunk")]
    NoChunks,
    /// A chunk's public instances are malformed.
    #[error("chunk {chunk}, {circuit} proof: bad public instances: {reason}")]
    Instances {
        /// The chunk, from 0.
        chunk: usize,
        /// `block-state` or `keccak`.
        circuit: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A chunk proves another block than the file names.
    #[error("chunk {chunk} proves block {proven}, the file names block {claimed}")]
    BlockHash {
        /// The chunk, from 0.
        chunk: usize,
        /// The block hash its instances hold.
        proven: B256,
        /// The block hash the file names.
        claimed: B256,
    },
    /// The two proofs of a chunk do not share their keccak commitment.
    #[error("chunk {chunk}: the keccak proof covers other hashes than the block-state proof used")]
    Commitment {
        /// The chunk, from 0.
        chunk: usize,
    },
    /// A pairing check failed.
    #[error("chunk {chunk}: the {circuit} proof does not verify")]
    Invalid {
        /// The chunk, from 0.
        chunk: usize,
        /// `block-state` or `keccak`.
        circuit: &'static str,
    },
    /// The witness given does not check natively.
    #[error("the witness does not check: {0}")]
    Witness(WitnessError),
    /// The proof is valid but not of the witness given.
    #[error("the proof does not cover the witness: {0}")]
    NotTheWitness(String),
}

/// What a verified state proof establishes.
#[derive(Clone, Debug, Serialize)]
pub struct StateVerified {
    /// The block's number, as the file names it (not proven).
    pub block_number: u64,
    /// The block whose header chain and pre-state are proven.
    pub block_hash: B256,
    /// The circuit class and its verifying keys' ids.
    pub class: ClassName,
    /// The circuit ids (content hashes of the verifying keys).
    pub circuits: CircuitIds,
    /// How many chunks.
    pub chunks: usize,
    /// The distinct accounts of the parent state the proof covers.
    #[serde(serialize_with = "count")]
    pub accounts: BTreeSet<Address>,
    /// The distinct storage slots of the parent state the proof covers.
    #[serde(serialize_with = "count")]
    pub slots: BTreeSet<(Address, B256)>,
    /// The verifier's params are the public-seed development ones: the proof proves nothing.
    pub insecure_dev_params: bool,
    /// A witness was given and the proof covers exactly its pre-state.
    #[serde(skip)]
    pub witness_matched: bool,
}

/// A set in the report is its size.
fn count<S: serde::Serializer, T>(set: &BTreeSet<T>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(set.len() as u64)
}

impl StateVerified {
    /// The verifier's one line for a valid state proof.
    pub fn describe(&self) -> String {
        format!(
            "valid: block {} ({}) header hash and parent link, and {} accounts and {} storage slots of \
             the parent state, in {} chunk(s) of the {} circuit{}{}",
            self.block_number,
            self.block_hash,
            self.accounts.len(),
            self.slots.len(),
            self.chunks,
            self.class,
            if self.witness_matched { "; exactly the witness's pre-state" } else { "" },
            if self.insecure_dev_params {
                "; checked against INSECURE development params (public seed): this proves nothing"
            } else {
                ""
            },
        )
    }
}

/// Verifies a state proof file (the `ProofSystem::verify` of the state proof).
pub fn verify(
    proof: &StateProofFile,
    config: &StateVerifyConfig,
    witness: Option<&WitnessFile>,
) -> Result<StateVerified, StateVerifyError> {
    let class = CapacityClass::named(proof.class.name);
    let block_hash = proof.head.block_hash;
    if class != proof.class || proof.k != class.k {
        return Err(StateVerifyError::UnknownClass { name: proof.class.name, k: proof.k });
    }
    if proof.chunks.is_empty() {
        return Err(StateVerifyError::NoChunks);
    }
    // Cheap checks first: a proof of another block or with bad instances fails before any key work.
    let mut statements = Vec::with_capacity(proof.chunks.len());
    for (i, chunk) in proof.chunks.iter().enumerate() {
        let bad = |circuit, reason: String| StateVerifyError::Instances { chunk: i, circuit, reason };
        let main = chunk.block_state.field_instances().map_err(|r| bad("block-state", r))?;
        let keccak = chunk.keccak.field_instances().map_err(|r| bad("keccak", r))?;
        if main.len() != class.num_instances() + 1 {
            return Err(bad(
                "block-state",
                format!("{} instances, the circuit has {}", main.len(), class.num_instances() + 1),
            ));
        }
        if keccak.len() != 1 {
            return Err(bad("keccak", format!("{} instances, the circuit has 1", keccak.len())));
        }
        if main.last() != keccak.first() {
            return Err(StateVerifyError::Commitment { chunk: i });
        }
        let statement = public_values::decode(&class, &main).map_err(|e| bad("block-state", e.to_string()))?;
        if statement.block_hash != block_hash {
            return Err(StateVerifyError::BlockHash { chunk: i, proven: statement.block_hash, claimed: block_hash });
        }
        statements.push((statement, main, keccak));
    }

    let loaded = params::load(config.params.as_ref().ok_or(StateVerifyError::NoParams)?, class.k)?;
    let (vks, _) = KeyCache::new(config.keys_dir.clone()).verifying_keys(&loaded.params, class)?;
    check_ids(proof, &vks)?;
    for (i, (_, main, keccak)) in statements.iter().enumerate() {
        let chunk = &proof.chunks[i];
        proving::verify(&loaded.params, &vks.main, &chunk.block_state.proof, main)
            .map_err(|_| StateVerifyError::Invalid { chunk: i, circuit: "block-state" })?;
        proving::verify(&loaded.params, &vks.keccak, &chunk.keccak.proof, keccak)
            .map_err(|_| StateVerifyError::Invalid { chunk: i, circuit: "keccak" })?;
    }

    let witness_matched = match witness {
        Some(w) => {
            let proven: Vec<_> = statements.iter().map(|(_, main, _)| &main[..main.len() - 1]).collect();
            covers_exactly(w, class, &proven)?;
            true
        }
        None => false,
    };
    let accounts =
        statements.iter().flat_map(|(s, _, _)| s.accounts.iter().map(|a: &ProvenAccount| a.address)).collect();
    let slots =
        statements.iter().flat_map(|(s, _, _)| s.slots.iter().map(|s: &ProvenSlot| (s.address, s.key))).collect();
    Ok(StateVerified {
        block_number: proof.head.block_number,
        block_hash,
        class: class.name,
        circuits: vks.ids.clone(),
        chunks: proof.chunks.len(),
        accounts,
        slots,
        insecure_dev_params: loaded.insecure_dev,
        witness_matched,
    })
}

fn check_ids(proof: &StateProofFile, vks: &VerifyingKeys) -> Result<(), StateVerifyError> {
    for (circuit, claimed, ours) in [
        ("block-state", &proof.circuits.block_state, &vks.ids.block_state),
        ("keccak", &proof.circuits.keccak, &vks.ids.keccak),
    ] {
        if claimed != ours {
            return Err(StateVerifyError::CircuitMismatch { circuit, claimed: claimed.clone(), ours: ours.clone() });
        }
    }
    Ok(())
}

/// The chunks the witness splits into in this class carry exactly the proven instances, chunk for
/// chunk: nothing of the witness's pre-state is left unproven and nothing else is proven.
fn covers_exactly(w: &WitnessFile, class: CapacityClass, proven: &[&[Fr]]) -> Result<(), StateVerifyError> {
    let checked = witness::check_witness(w).map_err(StateVerifyError::Witness)?;
    if w.block_hash != checked.header.hash {
        return Err(StateVerifyError::NotTheWitness("the witness's header does not hash to its block hash".into()));
    }
    let expected = chunks(w, &checked, class).map_err(|e| StateVerifyError::NotTheWitness(e.to_string()))?;
    if expected.len() != proven.len() {
        return Err(StateVerifyError::NotTheWitness(format!(
            "the witness makes {} chunks of class {}, the proof has {}",
            expected.len(),
            class.name,
            proven.len()
        )));
    }
    for (i, (chunk, proven)) in expected.iter().zip(proven).enumerate() {
        if instances(chunk, w.block_hash) != *proven {
            let what =
                if w.block_hash != public_values::decode(&class, proven).map(|s| s.block_hash).unwrap_or_default() {
                    "another block".to_string()
                } else {
                    format!("other accounts or values than the witness's chunk {i}")
                };
            return Err(StateVerifyError::NotTheWitness(format!("chunk {i} proves {what}")));
        }
    }
    Ok(())
}
