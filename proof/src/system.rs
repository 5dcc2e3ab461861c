//! The seam every proof kind implements. A kind is a crate (`circuit` for the state proof,
//! `execution` for the execution proof) with its own configuration, proof file, verified result
//! and errors; `prover` and `verifier` dispatch over the kinds in one place each, and nothing
//! else knows a kind's insides.

use progress::Progress;
use serde::Serialize;
use witness::WitnessFile;

use crate::{KindFile, ProofKind};

/// A proof system: how a block witness becomes a proof file, and how a proof file is checked.
pub trait ProofSystem {
    /// The kind the envelope names.
    const KIND: ProofKind;
    /// How it proves (the state proof: params, key cache, circuit class; the execution proof:
    /// the zkVM's settings).
    type ProveConfig: Clone + std::fmt::Debug + Send + Sync;
    /// What its verifier needs besides the file (the state proof: params and the key cache; the
    /// execution proof: nothing, its key is built in).
    type VerifyConfig: Clone + std::fmt::Debug + Default + Send + Sync;
    /// Its proof file: the envelope head, flattened, then the kind's own body.
    type File: KindFile;
    /// What a valid proof establishes, as the verifier's report shows it.
    type Verified: Serialize;
    /// Why proving failed.
    type ProveError: std::error::Error + Send + Sync + 'static;
    /// Why a proof does not verify.
    type VerifyError: std::error::Error + Send + Sync + 'static;

    /// Proves a block witness; the witness is checked natively first, so a block that does not
    /// re-execute is refused in seconds, naming the transaction or account. Each step is told to
    /// `progress` as it starts.
    fn prove(
        config: &Self::ProveConfig,
        witness: &WitnessFile,
        progress: &dyn Progress,
    ) -> Result<Self::File, Self::ProveError>;

    /// Verifies a proof file; with a witness, also that the proof is of exactly that witness
    /// (`Self::witness_matched` says so in the result).
    fn verify(
        config: &Self::VerifyConfig,
        file: &Self::File,
        witness: Option<&WitnessFile>,
    ) -> Result<Self::Verified, Self::VerifyError>;

    /// The verifier's one-line answer for a valid proof: what it proves, in words.
    fn describe(verified: &Self::Verified) -> String;

    /// Whether the verified proof covers exactly the witness given to [`ProofSystem::verify`].
    fn witness_matched(verified: &Self::Verified) -> bool;

    /// Whether the proof was made with, or checked against, parameters anyone could forge proofs
    /// for (the state proof's public-seed development params). Such a proof proves nothing.
    fn insecure(_verified: &Self::Verified) -> bool {
        false
    }
}
