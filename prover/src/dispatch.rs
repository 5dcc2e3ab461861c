//! The dispatch over proof kinds, for proving.

use std::{path::Path, time::Instant};

use circuit::{StateConfig, StateProof, StateProofFile, StateProveError};
use execution::{ExecutionError, ExecutionProof, ExecutionProofFile, ProverSettings};
use progress::Progress;
use proof::{EnvelopeError, Head, KindFile, ProofKind, ProofSystem};
use witness::{file::FileError, WitnessFile};

/// How to prove: one kind's configuration.
#[derive(Clone, Debug, PartialEq)]
pub enum ProveConfig {
    /// The state proof: params, key cache, circuit class.
    State(StateConfig),
    /// The execution proof: the zkVM's settings.
    Execution(ProverSettings),
}

impl ProveConfig {
    /// The kind this configuration proves.
    pub fn kind(&self) -> ProofKind {
        match self {
            ProveConfig::State(_) => StateProof::KIND,
            ProveConfig::Execution(_) => ExecutionProof::KIND,
        }
    }
}

/// A proof file of either kind, as the prover made it.
#[derive(Clone, Debug, PartialEq)]
pub enum ProofFile {
    /// A state proof.
    State(StateProofFile),
    /// An execution proof.
    Execution(ExecutionProofFile),
}

impl ProofFile {
    /// The envelope head: kind, chain, block.
    pub fn head(&self) -> &Head {
        match self {
            ProofFile::State(file) => file.head(),
            ProofFile::Execution(file) => file.head(),
        }
    }

    /// The file's bytes (pretty JSON), as written and served.
    pub fn to_json_bytes(&self) -> Vec<u8> {
        match self {
            ProofFile::State(file) => file.to_json_bytes(),
            ProofFile::Execution(file) => file.to_json_bytes(),
        }
    }

    /// Writes the file atomically (a temporary name, then renamed): never half a proof.
    pub fn write(&self, path: &Path) -> Result<(), EnvelopeError> {
        match self {
            ProofFile::State(file) => file.write(path),
            ProofFile::Execution(file) => file.write(path),
        }
    }

    /// Seconds spent proving in all, reading the witness included.
    pub fn total_seconds(&self) -> f64 {
        match self {
            ProofFile::State(file) => file.timings.total,
            ProofFile::Execution(file) => file.timings.total,
        }
    }

    /// What a log line or a Gevulot task's result says of the proof: the head, then each kind's
    /// figures (as the prover claims them: the verifier checks what the proof binds).
    pub fn summary(&self) -> serde_json::Value {
        let head = self.head();
        let mut summary = serde_json::json!({
            "kind": head.kind,
            "block_number": head.block_number,
            "block_hash": head.block_hash,
        });
        let figures = match self {
            ProofFile::State(file) => serde_json::json!({
                "class": file.class.name,
                "chunks": file.chunks.len(),
                "circuits": file.circuits,
                "insecure_dev_params": file.insecure_dev_params,
                "timings": file.timings,
            }),
            ProofFile::Execution(file) => serde_json::json!({
                "image_id": file.image_id,
                "zkvm": file.zkvm,
                "instructions": file.instructions,
                "segments": file.segments,
                "state_root": file.commitment.state_root,
                "timings": file.timings,
            }),
        };
        if let (Some(summary), serde_json::Value::Object(figures)) = (summary.as_object_mut(), figures) {
            summary.extend(figures);
        }
        summary
    }

    /// Counts `seconds` of reading the witness in the file's timings.
    pub fn add_read_time(&mut self, seconds: f64) {
        let (read, total) = match self {
            ProofFile::State(file) => (&mut file.timings.read_witness, &mut file.timings.total),
            ProofFile::Execution(file) => (&mut file.timings.read_witness, &mut file.timings.total),
        };
        *read = seconds;
        *total += seconds;
    }
}

/// Why a witness was not proven.
#[derive(Debug, thiserror::Error)]
pub enum ProveError {
    /// The witness file cannot be read.
    #[error("reading the witness: {0}")]
    ReadWitness(FileError),
    /// The state proof failed.
    #[error(transparent)]
    State(#[from] StateProveError),
    /// The execution proof failed.
    #[error(transparent)]
    Execution(#[from] ExecutionError),
    /// A dependency panicked deep inside (caught: an error of this proof only).
    #[error("the prover failed: {0}")]
    Panicked(String),
}

/// Proves a witness with the kind `config` names. A panic deep in a prover is this proof's error.
pub fn prove(config: &ProveConfig, w: &WitnessFile, progress: &dyn Progress) -> Result<ProofFile, ProveError> {
    let proved = proof::catching_panics(|| match config {
        ProveConfig::State(config) => StateProof::prove(config, w, progress).map(ProofFile::State).map_err(Into::into),
        ProveConfig::Execution(settings) => {
            ExecutionProof::prove(settings, w, progress).map(ProofFile::Execution).map_err(Into::into)
        }
    });
    progress.finish();
    proved.unwrap_or_else(|panic| Err(ProveError::Panicked(panic)))
}

/// Reads a witness file (JSON or bincode) and proves it; the reading is timed with the rest.
pub fn prove_file(config: &ProveConfig, path: &Path, progress: &dyn Progress) -> Result<ProofFile, ProveError> {
    let t = Instant::now();
    progress.step(progress::Step::Phase("reading the witness"));
    let w = witness::file::read(path).map_err(ProveError::ReadWitness)?;
    let read = t.elapsed().as_secs_f64();
    let mut proof = prove(config, &w, progress)?;
    proof.add_read_time(read);
    Ok(proof)
}
