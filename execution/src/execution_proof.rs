//! The execution proof as a [`ProofSystem`]: what `prover` and `verifier` see of this crate.

use progress::Progress;
use proof::{ProofKind, ProofSystem};
use witness::WitnessFile;

use crate::{ExecutionError, ExecutionProofFile, ExecutionVerified, ProverSettings};

/// An OpenVM STARK of the pinned guest's run: the block re-executes statelessly to its header.
#[derive(Clone, Copy, Debug)]
pub struct ExecutionProof;

impl ProofSystem for ExecutionProof {
    const KIND: ProofKind = ProofKind::Execution;
    type ProveConfig = ProverSettings;
    /// Nothing: the verifying key is built into the binary.
    type VerifyConfig = ();
    type File = ExecutionProofFile;
    type Verified = ExecutionVerified;
    type ProveError = ExecutionError;
    type VerifyError = ExecutionError;

    fn prove(
        config: &ProverSettings,
        witness: &WitnessFile,
        progress: &dyn Progress,
    ) -> Result<ExecutionProofFile, ExecutionError> {
        crate::prover::prove(config, witness, progress)
    }

    fn verify(
        _config: &(),
        file: &ExecutionProofFile,
        witness: Option<&WitnessFile>,
    ) -> Result<ExecutionVerified, ExecutionError> {
        Ok(execution_verify::verify(file, witness)?)
    }

    fn describe(verified: &ExecutionVerified) -> String {
        verified.describe()
    }

    fn witness_matched(verified: &ExecutionVerified) -> bool {
        verified.witness_matched
    }
}
