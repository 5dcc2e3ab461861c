//! Prover settings, with defaults measured for a 2-core, 24 GiB machine.

/// How the zkVM proves. None of these change what a proof proves: the verifying key depends on
/// `log_stacked_height` only through the app parameters, which is why it is fixed here and not a
/// command-line setting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProverSettings {
    /// log2 of the stacked trace height of an app proof. OpenVM's default (24) spends about 96 s
    /// and 1.75 GB re-committing the program for every prover; at 20 that is about 6 s and
    /// 150 MB (measured, ../shared/NOTES.md). Part of the verifying key.
    pub log_stacked_height: usize,
    /// Memory (bytes) the chips of one segment may use before the executor cuts a new segment:
    /// the segment size, and with it the prover's peak memory.
    pub segment_max_memory: usize,
}

impl ProverSettings {
    pub const LOG_STACKED_HEIGHT: usize = 20;
}

impl Default for ProverSettings {
    fn default() -> Self {
        Self { log_stacked_height: Self::LOG_STACKED_HEIGHT, segment_max_memory: default_segment_memory() }
    }
}

/// OpenVM's own default segmentation budget.
fn default_segment_memory() -> usize {
    openvm_sdk::openvm_circuit::arch::execution_mode::metered::segment_ctx::DEFAULT_MAX_MEMORY
}
