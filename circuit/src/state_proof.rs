//! The state proof as a [`ProofSystem`]: what `prover` and `verifier` see of this crate.

use progress::Progress;
use proof::{ProofKind, ProofSystem};
use witness::WitnessFile;

use crate::{
    proof_file::StateProofFile,
    prove::{StateConfig, StateProveError},
    verify::{StateVerified, StateVerifyConfig, StateVerifyError},
};

/// halo2 KZG proofs (BN254, SHPLONK) of a block's header chain and of the pre-state it reads.
#[derive(Clone, Copy, Debug)]
pub struct StateProof;

impl ProofSystem for StateProof {
    const KIND: ProofKind = ProofKind::State;
    type ProveConfig = StateConfig;
    type VerifyConfig = StateVerifyConfig;
    type File = StateProofFile;
    type Verified = StateVerified;
    type ProveError = StateProveError;
    type VerifyError = StateVerifyError;

    fn prove(
        config: &StateConfig,
        witness: &WitnessFile,
        progress: &dyn Progress,
    ) -> Result<StateProofFile, StateProveError> {
        crate::prove::prove(config, witness, progress)
    }

    fn verify(
        config: &StateVerifyConfig,
        file: &StateProofFile,
        witness: Option<&WitnessFile>,
    ) -> Result<StateVerified, StateVerifyError> {
        crate::verify::verify(file, config, witness)
    }

    fn describe(verified: &StateVerified) -> String {
        verified.describe()
    }

    fn witness_matched(verified: &StateVerified) -> bool {
        verified.witness_matched
    }

    fn insecure(verified: &StateVerified) -> bool {
        verified.insecure_dev_params
    }
}
