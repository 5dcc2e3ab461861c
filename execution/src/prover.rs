//! From a witness to an execution proof file: the native check first (milliseconds), then the
//! guest in the zkVM, in the executor (instructions, segments) or the prover.

use std::{sync::OnceLock, time::Instant};

use alloy_primitives::{Address, Bytes};
use progress::{Progress, Step};
use proof::ProofKind;
use stateless::{BlockCommitment, StatelessInput};
use witness::WitnessFile;

use crate::{
    image::{guest_elf, GuestImage},
    input,
    settings::ProverSettings,
    split::SegmentPlan,
    zkvm::{self, Program, Zkvm},
    ExecutionError, ExecutionProofFile, ExecutionTimings,
};

/// The zkVM and the guest, for either pinned image: each is loaded when first used (the app
/// proving key: a few seconds), so one prover serves blocks of both.
pub struct ExecutionProver {
    pub(crate) settings: ProverSettings,
    /// Every block runs in this image (else in the one its precompiles pick).
    image: Option<GuestImage>,
    /// A guest build run in place of that image's pinned ELF.
    other_elf: Option<Vec<u8>>,
    loaded: [OnceLock<Loaded>; 2],
}

/// One image's VM configuration with its guest loaded.
pub(crate) struct Loaded {
    pub(crate) zkvm: Zkvm,
    pub(crate) program: Program,
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
    /// The guest image the block runs in (picked by the precompiles it calls).
    pub image: GuestImage,
    /// That image's pinned id.
    pub image_id: String,
    /// The precompiles the block called (addresses below 0x10000, each once, sorted), as the
    /// native run noted them.
    pub precompiles_called: Vec<Address>,
    /// The native check.
    pub check_seconds: f64,
    /// The metered run in the zkVM executor.
    pub execute_seconds: f64,
}

impl ExecutionProver {
    /// The zkVM with the pinned guests; nothing is loaded yet.
    pub fn new(settings: &ProverSettings) -> Self {
        Self { settings: settings.clone(), image: None, other_elf: None, loaded: Default::default() }
    }

    /// Every block in `image`, whatever precompiles it calls (either image proves any block).
    pub fn in_image(self, image: GuestImage) -> Self {
        Self { image: Some(image), ..self }
    }

    /// Another build of the guest, run in `image`'s VM configuration in place of its pinned ELF
    /// (to compute its image id and key, or to measure a change; proofs of it do not verify here
    /// unless it is the pinned image). Loaded now, so that a file that is no guest is an error here.
    pub fn with_elf(settings: &ProverSettings, image: GuestImage, elf: &[u8]) -> Result<Self, ExecutionError> {
        let prover = Self { other_elf: Some(elf.to_vec()), ..Self::new(settings).in_image(image) };
        prover.loaded(image)?;
        Ok(prover)
    }

    /// The image a block that called `precompiles` runs in: the one set (`in_image`, `with_elf`),
    /// else the cheaper image that has the extensions for them (`GuestImage::for_block`).
    pub fn image_for(&self, precompiles: &[Address]) -> GuestImage {
        self.image.unwrap_or_else(|| GuestImage::for_block(precompiles))
    }

    /// `image_for` of the precompiles a native run of `input` notes, for callers that hold a
    /// block's input rather than its witness (the consensus runner). A block that does not
    /// re-execute natively is given the base image, whose guest refuses it as well.
    pub fn image_for_input(&self, input: &StatelessInput) -> GuestImage {
        let called = stateless::execute_block_noting_precompiles(input).map(|e| e.precompiles_called);
        self.image_for(&called.unwrap_or_default())
    }

    /// `image`'s VM and guest, loaded on first use.
    pub(crate) fn loaded(&self, image: GuestImage) -> Result<&Loaded, ExecutionError> {
        let cell = &self.loaded[image as usize];
        if let Some(loaded) = cell.get() {
            return Ok(loaded);
        }
        let elf = match &self.other_elf {
            Some(elf) if self.image == Some(image) => elf.clone(),
            _ => guest_elf(image).to_vec(),
        };
        let zkvm = Zkvm::new(&self.settings, image)?;
        let program = zkvm.load(&elf)?;
        Ok(cell.get_or_init(|| Loaded { zkvm, program, elf }))
    }

    /// Runs the guest on `input` in `image`'s VM in the executor; with `metered`, also counts
    /// instructions and segments. Returns the commitment the guest revealed.
    pub fn execute(
        &self,
        image: GuestImage,
        input: &StatelessInput,
        metered: bool,
    ) -> Result<(BlockCommitment, zkvm::Run), ExecutionError> {
        let vm = self.loaded(image)?;
        let run = vm.zkvm.execute(&vm.program, &input::encode(input), metered)?;
        Ok((commitment_of(&run.public_values)?, run))
    }

    /// Proves the guest's run on `input` in `image`'s VM: the encoded aggregated STARK and its
    /// public values, checked under the image's committed verifying key (so a prover whose keys
    /// differ from the verifier's, another OpenVM version or VM configuration, fails here and not
    /// at the user's).
    pub fn prove(&self, image: GuestImage, input: &StatelessInput) -> Result<(Vec<u8>, Vec<u8>), ExecutionError> {
        let vm = self.loaded(image)?;
        let proof = vm.zkvm.prove(&vm.program, &input::encode(input))?;
        let public_values = zkvm::verify(image.verifying_key(), &proof)
            .map_err(|e| ExecutionError::NotUnderCommittedKey(e.to_string()))?;
        Ok((proof, public_values))
    }

    /// For the bench: the seconds each of the first `max_segments` segments takes to prove.
    pub fn time_segments(
        &self,
        image: GuestImage,
        input: &StatelessInput,
        max_segments: usize,
    ) -> Result<Vec<f64>, ExecutionError> {
        let vm = self.loaded(image)?;
        vm.zkvm.time_segments(&vm.program, &input::encode(input), max_segments)
    }

    /// Where the guest's instructions go on `input`: a sample of the pc every `every` instructions,
    /// by function and by phase (zkvm/profile.rs). `instructions` is the run's count (from a
    /// metered `execute`), which the sampling needs to size itself.
    pub fn profile(
        &self,
        image: GuestImage,
        input: &StatelessInput,
        instructions: u64,
        every: u64,
    ) -> Result<crate::zkvm::profile::Profile, ExecutionError> {
        let vm = self.loaded(image)?;
        vm.zkvm.profile(&vm.elf, &vm.program, &input::encode(input), instructions, every)
    }

    /// The image id of the guest loaded for `image` (its program commitment).
    pub fn image_id(&self, image: GuestImage) -> Result<[u8; 32], ExecutionError> {
        let vm = self.loaded(image)?;
        vm.zkvm.image_id(&vm.program)
    }

    /// The verifying key of the guest loaded for `image` (key generation: about a minute).
    pub fn verifying_key(&self, image: GuestImage) -> Result<Vec<u8>, ExecutionError> {
        let vm = self.loaded(image)?;
        vm.zkvm.verifying_key(&vm.program)
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
    let profile = prover.profile(report.image, &input, report.instructions, every)?;
    Ok((report, profile))
}

/// `execute_witness`, also handing back the checked input for proving.
fn execute_checked(
    prover: &ExecutionProver,
    w: &WitnessFile,
) -> Result<(ExecuteReport, StatelessInput), ExecutionError> {
    let t = Instant::now();
    let checked = checked_input(w)?;
    let check_seconds = secs(t);
    let image = prover.image_for(&checked.precompiles_called);
    let vm = prover.loaded(image)?;
    let t = Instant::now();
    let (public_values, segments) = vm.zkvm.plan(&vm.program, &input::encode(&checked.input))?;
    let commitment = commitment_of(&public_values)?;
    same_commitment(&checked.commitment, &commitment)?;
    let plan = SegmentPlan::new(w.block_hash, image.id(), &prover.settings, segments);
    let report = ExecuteReport {
        commitment,
        instructions: plan.instructions,
        segments: plan.count(),
        plan,
        image,
        image_id: image.id().into(),
        precompiles_called: checked.precompiles_called,
        check_seconds,
        execute_seconds: secs(t),
    };
    let input = checked.input;
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
    let prover = ExecutionProver::new(settings);
    progress.step(Step::Phase("checking the witness, loading the zkVM, executing the guest"));
    let (report, input) = execute_checked(&prover, w)?;
    tracing::info!(instructions = report.instructions, segments = report.segments, "guest executed in the zkVM");
    let count = report.segments;
    let t = Instant::now();
    let (proof, public_values) = with_segment_progress(progress, count, || prover.prove(report.image, &input))?;
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
        zkvm: report.image.zkvm().into(),
        image_id: report.image_id.clone(),
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
pub(crate) fn checked_input(w: &WitnessFile) -> Result<witness::CheckedWitness, ExecutionError> {
    witness::check_witness(w).map_err(ExecutionError::Witness)
}

pub(crate) fn same_commitment(native: &BlockCommitment, guest: &BlockCommitment) -> Result<(), ExecutionError> {
    if native != guest {
        return Err(ExecutionError::CommitmentMismatch { guest: Box::new(*guest), native: Box::new(*native) });
    }
    Ok(())
}
