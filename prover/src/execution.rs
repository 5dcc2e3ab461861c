//! The execution proof kind (crate `execution`): the same progress display as the state proof.

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
    let proof = execution::prove_witness(&prover, w, &|phase| progress.phase(phase));
    progress.finish();
    proof
}
