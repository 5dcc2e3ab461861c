//! From a witness to an execution proof file: the native check first (milliseconds), then the
//! guest in the zkVM, in the executor (instructions, segments) or the prover.

use std::time::Instant;

use alloy_primitives::Bytes;
use progress::{Progress, Step};
use proof::ProofKind;
use stateless::{BlockCommitment, StatelessInput};
use witness::WitnessFile;

use crate::{
    image::{GUEST_ELF, IMAGE_ID, VERIFYING_KEY},
    input,
    settings::ProverSettings,
    split::SegmentPlan,
    zkvm::{self, Program, Zkvm},
    ExecutionError, ExecutionProofFile, ExecutionTimings, ZKVM,
};

/// The zkVM with the pinned guest loaded.
pub struct ExecutionProver {
    pub(crate) zkvm: Zkvm,
    pub(crate) program: Program,
    pub(crate) settings: ProverSettings,
    /// The ELF the program is of (its symbols name the profile's functions).
    elf: Vec<u8>,
}

/// What running the guest in the zkVM executor established (no proof).
#[derive(Clone, Debug, serde::Serialize)]
pub struct ExecuteReport {
    /// What the guest revealed (equal to the native re-execution's).
    pub commitment: BlockCommitment,
    /// Guest instructions executed.
    pub instructions: u64,
    /// The segments a proof would have.
    pub segments: usize,
    /// Where each segment starts and ends, as `prove_segment` and `aggregate` follow it.
    pub plan: SegmentPlan,
    /// The pinned guest image.
    pub image_id: String,
    /// The native check.
    pub check_seconds: f64,
    /// The metered run in the zkVM executor.
    pub execute_seconds: f64,
}

impl ExecutionProver {
    /// The zkVM with the pinned guest (a few seconds: the app proving key).
    pub fn new(settings: &ProverSettings) -> Result<Self, ExecutionError> {
        Self::with_elf(settings, GUEST_ELF)
    }

    /// Another build of the guest (to compute its image id and key; proofs of it do not verify
    /// here unless it is the pinned image).
    pub fn with_elf(settings: &ProverSettings, elf: &[u8]) -> Result<Self, ExecutionError> {
        let zkvm = Zkvm::new(settings)?;
        let program = zkvm.load(elf)?;
        Ok(Self { zkvm, program, settings: settings.clone(), elf: elf.to_vec() })
    }

    /// Runs the guest on `input` in the executor; with `metered`, also counts instructions and
    /// segments. Returns the commitment the guest revealed.
    pub fn execute(
        &self,
        input: &StatelessInput,
        metered: bool,
    ) -> Result<(BlockCommitment, zkvm::Run), ExecutionError> {
        let run = self.zkvm.execute(&self.program, &input::encode(input), metered)?;
        Ok((commitment_of(&run.public_values)?, run))
    }

    /// Proves the guest's run on `input`: the encoded aggregated STARK and its public values,
    /// checked under the committed verifying key (so a prover whose keys differ from the
    /// verifier's, another OpenVM version or VM configuration, fails here and not at the user's).
    pub fn prove(&self, input: &StatelessInput) -> Result<(Vec<u8>, Vec<u8>), ExecutionError> {
        let proof = self.zkvm.prove(&self.program, &input::encode(input))?;
        let public_values =
            zkvm::verify(VERIFYING_KEY, &proof).map_err(|e| ExecutionError::NotUnderCommittedKey(e.to_string()))?;
        Ok((proof, public_values))
    }

    /// For the bench: the seconds each of the first `max_segments` segments takes to prove.
    pub fn time_segments(&self, input: &StatelessInput, max_segments: usize) -> Result<Vec<f64>, ExecutionError> {
        self.zkvm.time_segments(&self.program, &input::encode(input), max_segments)
    }

    /// Where the guest's instructions go on `input`: a sample of the pc every `every` instructions,
    /// by function and by phase (zkvm/profile.rs). `instructions` is the run's count (from a
    /// metered `execute`), which the sampling needs to size itself.
    pub fn profile(
        &self,
        input: &StatelessInput,
        instructions: u64,
        every: u64,
    ) -> Result<crate::zkvm::profile::Profile, ExecutionError> {
        self.zkvm.profile(&self.elf, &self.program, &input::encode(input), instructions, every)
    }

    /// The loaded guest's image id (its program commitment).
    pub fn image_id(&self) -> Result<[u8; 32], ExecutionError> {
        self.zkvm.image_id(&self.program)
    }

    /// The verifying key of the loaded guest (key generation: about a minute).
    pub fn verifying_key(&self) -> Result<Vec<u8>, ExecutionError> {
        self.zkvm.verifying_key(&self.program)
    }
}

pub(crate) fn secs(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

/// The public values are the block commitment followed by zeros (see `zkvm::PUBLIC_VALUES`): the
/// verifier's reading of them, so prover and verifier cannot disagree on what a guest committed.
pub(crate) use execution_verify::stark::commitment_of;

/// Checks the witness natively (a bad block is refused here, naming the transaction or account,
/// before any zkVM work), then runs the guest in the zkVM executor.
pub fn execute_witness(prover: &ExecutionProver, w: &WitnessFile) -> Result<ExecuteReport, ExecutionError> {
    execute_checked(prover, w).map(|(report, _)| report)
}

/// `execute_witness`, then where the guest's instructions go: a sample of the pc every `every`
/// instructions, by function and by phase (zkvm/profile.rs).
pub fn profile_witness(
    prover: &ExecutionProver,
    w: &WitnessFile,
    every: u64,
) -> Result<(ExecuteReport, crate::zkvm::profile::Profile), ExecutionError> {
    let (report, input) = execute_checked(prover, w)?;
    let profile = prover.profile(&input, report.instructions, every)?;
    Ok((report, profile))
}

/// `execute_witness`, also handing back the checked input for proving.
fn execute_checked(
    prover: &ExecutionProver,
    w: &WitnessFile,
) -> Result<(ExecuteReport, StatelessInput), ExecutionError> {
    let t = Instant::now();
    let (input, native) = checked_input(w)?;
    let check_seconds = secs(t);
    let t = Instant::now();
    let (public_values, segments) = prover.zkvm.plan(&prover.program, &input::encode(&input))?;
    let commitment = commitment_of(&public_values)?;
    same_commitment(&native, &commitment)?;
    let plan = SegmentPlan::new(w.block_hash, IMAGE_ID, &prover.settings, segments);
    let report = ExecuteReport {
        commitment,
        instructions: plan.instructions,
        segments: plan.count(),
        plan,
        image_id: IMAGE_ID.into(),
        check_seconds,
        execute_seconds: secs(t),
    };
    Ok((report, input))
}

/// Checks the witness natively, measures the guest's run, proves it and returns the proof file.
/// `progress` is told each step as it starts, each segment's proof among them when the process's
/// subscriber has `segment_layer`.
pub fn prove(
    settings: &ProverSettings,
    w: &WitnessFile,
    progress: &dyn Progress,
) -> Result<ExecutionProofFile, ExecutionError> {
    let started = Instant::now();
    progress.step(Step::Phase("loading the zkVM and the guest"));
    let prover = ExecutionProver::new(settings)?;
    progress.step(Step::Phase("checking the witness, executing the guest"));
    let (report, input) = execute_checked(&prover, w)?;
    tracing::info!(instructions = report.instructions, segments = report.segments, "guest executed in the zkVM");
    let count = report.segments;
    let t = Instant::now();
    let (proof, public_values) = with_segment_progress(progress, count, || prover.prove(&input))?;
    let commitment = commitment_of(&public_values)?;
    same_commitment(&report.commitment, &commitment)?;
    let timings = ExecutionTimings {
        read_witness: 0.0,
        check_witness: report.check_seconds,
        execute: report.execute_seconds,
        prove: secs(t),
        total: secs(started),
    };
    Ok(ExecutionProofFile {
        head: proof::Head::new(ProofKind::Execution, w.chain_id, w.block_number, w.block_hash),
        zkvm: ZKVM.into(),
        image_id: IMAGE_ID.into(),
        public_values: Bytes::from(public_values),
        commitment,
        instructions: report.instructions,
        segments: report.segments,
        proof: proof.into(),
        timings,
        prover: concat!("eth-block-prover ", env!("CARGO_PKG_VERSION")).into(),
    })
}

/// Runs `prove` with each segment's proof told to `progress` as it starts. OpenVM's segment span
/// reaches an observer that must outlive the call (`observing_segments`), so the indices go over
/// a channel to a scoped thread that tells `progress`.
fn with_segment_progress<T>(progress: &dyn Progress, count: usize, prove: impl FnOnce() -> T) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::scope(|scope| {
        scope.spawn(move || rx.into_iter().for_each(|index| progress.step(Step::Segment { index, count })));
        crate::observing_segments(
            move |index| {
                let _ = tx.send(index);
            },
            prove,
        )
    })
}

/// The native check, which ends with the stateless re-execution: its input (completed with any
/// derived node) is what the guest reads, its commitment what the guest must reveal.
pub(crate) fn checked_input(w: &WitnessFile) -> Result<(StatelessInput, BlockCommitment), ExecutionError> {
    let checked = witness::check_witness(w).map_err(ExecutionError::Witness)?;
    Ok((checked.input, checked.commitment))
}

pub(crate) fn same_commitment(native: &BlockCommitment, guest: &BlockCommitment) -> Result<(), ExecutionError> {
    if native != guest {
        return Err(ExecutionError::CommitmentMismatch { guest: Box::new(*guest), native: Box::new(*native) });
    }
    Ok(())
}
