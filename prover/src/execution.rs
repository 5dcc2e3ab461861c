//! The execution proof kind (crate `execution`): the same progress display as the state proof.

use std::{path::Path, time::Instant};

use execution::{ExecutionError, ExecutionProofFile, ExecutionProver, ProverSettings};
use witness::WitnessFile;

use crate::ProveProgress;

pub fn prove_execution(
    w: &WitnessFile,
    settings: &ProverSettings,
    progress: &ProveProgress,
) -> Result<ExecutionProofFile, ExecutionError> {
    progress.phase("loading the zkVM and the guest");
    let prover = ExecutionProver::new(settings)?;
    let shown = progress.clone();
    let proof = execution::prove_witness(&prover, w, std::sync::Arc::new(move |phase| shown.phase(phase)));
    progress.finish();
    proof
}

/// `prove_execution` of a witness file (the Gevulot prover's form), its reading timed.
pub fn prove_execution_file(
    path: &Path,
    settings: &ProverSettings,
    progress: &ProveProgress,
) -> Result<ExecutionProofFile, ExecutionError> {
    let t = Instant::now();
    progress.phase("reading the witness");
    let w = witness::file::read(path)
        .map_err(|e| ExecutionError::Input(format!("reading the witness {}: {e}", path.display())))?;
    let read = t.elapsed().as_secs_f64();
    let mut proof = prove_execution(&w, settings, progress)?;
    proof.timings.read_witness = read;
    proof.timings.total += read;
    Ok(proof)
}
