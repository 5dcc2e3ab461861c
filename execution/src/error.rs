use thiserror::Error;

#[derive(Debug, Error)]
pub enum ExecutionError {
    #[error("guest program: {0}")]
    Guest(String),
    /// The guest stopped with an error: the block did not re-execute in the zkVM.
    #[error("the guest refused the block (it does not re-execute in the zkVM): {0}")]
    GuestFailed(String),
    #[error("zkVM: {0}")]
    Zkvm(String),
    #[error("verifying key: {0}")]
    VerifyingKey(String),
    #[error("the proof does not verify: {0}")]
    BadProof(String),
    #[error("{0}")]
    Mismatch(String),
    #[error("stateless input: {0}")]
    Input(String),
}
