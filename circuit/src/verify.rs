//! The checks, in order of cost: file shape, circuit ids, instances, then the pairings.

use std::{collections::BTreeSet, path::PathBuf};

use alloy_primitives::{Address, B256};
use circuit::{
    chunks, instances,
    keys::{KeyCache, KeyError, VerifyingKeys},
    params::{self, ParamsError},
    proof_file::{ProofFile, ProofFileError},
    proving,
    public_values::{self, ProvenAccount, ProvenSlot},
    CapacityClass, ClassName, Fr,
};
use witness::{file::FileError, WitnessError, WitnessFile};

#[derive(Clone, Debug)]
pub struct VerifyOptions {
    /// A params file, or a directory holding `kzg_bn254_{k}.srs` files (state proofs only).
    pub params: Option<PathBuf>,
    /// Where verifying keys are cached; `None` derives them every time.
    pub keys_dir: Option<PathBuf>,
    /// A witness the proof must cover exactly.
    pub witness: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    Read(#[from] ProofFileError),
    #[error("the proof names a {name} circuit at k = {k} with a shape this verifier does not know")]
    UnknownClass { name: ClassName, k: u32 },
    #[error(transparent)]
    Params(#[from] ParamsError),
    #[error("a state proof is verified with KZG params: give them with -k / --params")]
    NoParams,
    #[error(transparent)]
    Keys(#[from] KeyError),
    #[error(
        "the proof is for {circuit} circuit {claimed}, but these params give circuit {ours} \
         (other params, or another version of the circuit)"
    )]
    CircuitMismatch { circuit: &'static str, claimed: String, ours: String },
    #[error("the proof file holds no chunk")]
    NoChunks,
    #[error("chunk {chunk}, {circuit} proof: bad public instances: {reason}")]
    Instances { chunk: usize, circuit: &'static str, reason: String },
    #[error("chunk {chunk} proves block {proven}, the file names block {claimed}")]
    BlockHash { chunk: usize, proven: B256, claimed: B256 },
    #[error("chunk {chunk}: the keccak proof covers other hashes than the block-state proof used")]
    Commitment { chunk: usize },
    #[error("chunk {chunk}: the {circuit} proof does not verify")]
    Invalid { chunk: usize, circuit: &'static str },
    #[error(transparent)]
    ReadWitness(#[from] FileError),
    #[error("the witness does not check: {0}")]
    Witness(#[from] WitnessError),
    #[error("the proof does not cover the witness: {0}")]
    NotTheWitness(String),
}

/// What a verified proof file establishes.
#[derive(Clone, Debug)]
pub struct Verified {
    pub block_hash: B256,
    pub class: CapacityClass,
    pub chunks: usize,
    pub accounts: BTreeSet<Address>,
    pub slots: BTreeSet<(Address, B256)>,
    /// The verifier's params are the public-seed development ones: the proof proves nothing.
    pub insecure_dev_params: bool,
    /// A witness was given and the proof covers exactly its pre-state.
    pub witness_matched: bool,
}

pub fn verify_proof(proof: &ProofFile, opts: &VerifyOptions) -> Result<Verified, VerifyError> {
    let class = CapacityClass::named(proof.class.name);
    if class != proof.class || proof.k != class.k {
        return Err(VerifyError::UnknownClass { name: proof.class.name, k: proof.k });
    }
    if proof.chunks.is_empty() {
        return Err(VerifyError::NoChunks);
    }
    // Cheap checks first: a proof of another block or with bad instances fails before any key work.
    let mut statements = Vec::with_capacity(proof.chunks.len());
    for (i, chunk) in proof.chunks.iter().enumerate() {
        let bad = |circuit, reason: String| VerifyError::Instances { chunk: i, circuit, reason };
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
            return Err(VerifyError::Commitment { chunk: i });
        }
        let statement = public_values::decode(&class, &main).map_err(|e| bad("block-state", e.to_string()))?;
        if statement.block_hash != proof.block_hash {
            return Err(VerifyError::BlockHash { chunk: i, proven: statement.block_hash, claimed: proof.block_hash });
        }
        statements.push((statement, main, keccak));
    }

    let loaded = params::load(opts.params.as_ref().ok_or(VerifyError::NoParams)?, class.k)?;
    let (vks, _) = KeyCache::new(opts.keys_dir.clone()).verifying_keys(&loaded.params, class)?;
    check_ids(proof, &vks)?;
    for (i, (_, main, keccak)) in statements.iter().enumerate() {
        let chunk = &proof.chunks[i];
        proving::verify(&loaded.params, &vks.main, &chunk.block_state.proof, main)
            .map_err(|_| VerifyError::Invalid { chunk: i, circuit: "block-state" })?;
        proving::verify(&loaded.params, &vks.keccak, &chunk.keccak.proof, keccak)
            .map_err(|_| VerifyError::Invalid { chunk: i, circuit: "keccak" })?;
    }

    let witness_matched = match &opts.witness {
        Some(path) => {
            let w = witness::file::read(path)?;
            let proven: Vec<_> = statements.iter().map(|(_, main, _)| &main[..main.len() - 1]).collect();
            covers_exactly(&w, class, &proven)?;
            true
        }
        None => false,
    };
    let accounts =
        statements.iter().flat_map(|(s, _, _)| s.accounts.iter().map(|a: &ProvenAccount| a.address)).collect();
    let slots =
        statements.iter().flat_map(|(s, _, _)| s.slots.iter().map(|s: &ProvenSlot| (s.address, s.key))).collect();
    Ok(Verified {
        block_hash: proof.block_hash,
        class,
        chunks: proof.chunks.len(),
        accounts,
        slots,
        insecure_dev_params: loaded.insecure_dev,
        witness_matched,
    })
}

fn check_ids(proof: &ProofFile, vks: &VerifyingKeys) -> Result<(), VerifyError> {
    for (circuit, claimed, ours) in [
        ("block-state", &proof.circuits.block_state, &vks.ids.block_state),
        ("keccak", &proof.circuits.keccak, &vks.ids.keccak),
    ] {
        if claimed != ours {
            return Err(VerifyError::CircuitMismatch { circuit, claimed: claimed.clone(), ours: ours.clone() });
        }
    }
    Ok(())
}

/// The chunks the witness splits into in this class carry exactly the proven instances, chunk for
/// chunk: nothing of the witness's pre-state is left unproven and nothing else is proven.
fn covers_exactly(w: &WitnessFile, class: CapacityClass, proven: &[&[Fr]]) -> Result<(), VerifyError> {
    let checked = witness::check_witness(w)?;
    if w.block_hash != checked.header.hash {
        return Err(VerifyError::NotTheWitness("the witness's header does not hash to its block hash".into()));
    }
    let expected = chunks(w, &checked, class).map_err(|e| VerifyError::NotTheWitness(e.to_string()))?;
    if expected.len() != proven.len() {
        return Err(VerifyError::NotTheWitness(format!(
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
            return Err(VerifyError::NotTheWitness(format!("chunk {i} proves {what}")));
        }
    }
    Ok(())
}
