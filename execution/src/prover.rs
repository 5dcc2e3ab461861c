//! From a witness to an execution proof file and back: native check first (milliseconds), then the
//! guest in the zkVM (executor or prover); and the verifier's checks, cheapest first.

use std::time::Instant;

use alloy_primitives::Bytes;
use proof::ProofKind;
use stateless::{BlockCommitment, StatelessInput};
use witness::WitnessFile;

use crate::{
    image::{image_id_hex, GUEST_ELF, IMAGE_ID, VERIFYING_KEY},
    input,
    proof_file::{ExecutionProofFile, ExecutionTimings},
    settings::ProverSettings,
    zkvm::{self, Program, Zkvm},
    ExecutionError,
};

/// The zkVM with the pinned guest loaded.
pub struct ExecutionProver {
    zkvm: Zkvm,
    program: Program,
}

/// What running the guest in the zkVM executor established (no proof).
#[derive(Clone, Debug, serde::Serialize)]
pub struct ExecuteReport {
    pub commitment: BlockCommitment,
    pub instructions: u64,
    pub segments: usize,
    pub image_id: String,
    pub check_seconds: f64,
    pub execute_seconds: f64,
}

impl ExecutionProver {
    pub fn new(settings: &ProverSettings) -> Result<Self, ExecutionError> {
        Self::with_elf(settings, GUEST_ELF)
    }

    /// Another build of the guest (to compute its image id and key; proofs of it do not verify
    /// here unless it is the pinned image).
    pub fn with_elf(settings: &ProverSettings, elf: &[u8]) -> Result<Self, ExecutionError> {
        let zkvm = Zkvm::new(settings)?;
        let program = zkvm.load(elf)?;
        Ok(Self { zkvm, program })
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
        let public_values = zkvm::verify(VERIFYING_KEY, &proof).map_err(|e| {
            ExecutionError::VerifyingKey(format!(
                "the new proof does not verify under the committed verifying key: {e}"
            ))
        })?;
        Ok((proof, public_values))
    }

    /// For the bench: the seconds each of the first `max_segments` segments takes to prove.
    pub fn time_segments(&self, input: &StatelessInput, max_segments: usize) -> Result<Vec<f64>, ExecutionError> {
        self.zkvm.time_segments(&self.program, &input::encode(input), max_segments)
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

fn secs(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

/// The public values are the block commitment followed by zeros (see `zkvm::PUBLIC_VALUES`).
fn commitment_of(public_values: &[u8]) -> Result<BlockCommitment, ExecutionError> {
    let not_one = || {
        ExecutionError::Mismatch(format!(
            "the guest's public values ({} bytes) are not a block commitment",
            public_values.len()
        ))
    };
    if public_values.len() != zkvm::PUBLIC_VALUES {
        return Err(not_one());
    }
    let (commitment, padding) = public_values.split_at(BlockCommitment::LEN);
    if padding.iter().any(|b| *b != 0) {
        return Err(not_one());
    }
    BlockCommitment::from_bytes(commitment).ok_or_else(not_one)
}

/// Checks the witness natively (a bad block is refused here, naming the transaction or account,
/// before any zkVM work), then runs the guest in the zkVM executor.
pub fn execute_witness(prover: &ExecutionProver, w: &WitnessFile) -> Result<ExecuteReport, ExecutionError> {
    execute_checked(prover, w).map(|(report, _)| report)
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
    let (commitment, run) = prover.execute(&input, true)?;
    same_commitment(&native, &commitment)?;
    let report = ExecuteReport {
        commitment,
        instructions: run.instructions,
        segments: run.segments,
        image_id: IMAGE_ID.into(),
        check_seconds,
        execute_seconds: secs(t),
    };
    Ok((report, input))
}

/// Checks the witness natively, measures the guest's run, proves it and returns the proof file.
/// `phase` is told each phase as it starts (for a progress display), each segment's proof among
/// them when the process's subscriber has `segment_layer`.
pub fn prove_witness(
    prover: &ExecutionProver,
    w: &WitnessFile,
    phase: std::sync::Arc<dyn Fn(&str) + Send + Sync>,
) -> Result<ExecutionProofFile, ExecutionError> {
    let started = Instant::now();
    phase("checking the witness, executing the guest");
    let (report, input) = execute_checked(prover, w)?;
    tracing::info!(instructions = report.instructions, segments = report.segments, "guest executed in the zkVM");
    let segments = report.segments;
    phase(&format!("proving {segments} segment(s), aggregating"));
    let t = Instant::now();
    let on_segment = {
        let phase = phase.clone();
        move |i: usize| phase(&format!("proving segment {} of {segments}, then aggregating", i + 1))
    };
    let (proof, public_values) = crate::observing_segments(on_segment, || prover.prove(&input))?;
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

/// What the proof establishes, and how it was made.
pub const ZKVM: &str =
    "OpenVM 2.0.2 (RV32IM, keccak, secp256k1), STARK over BabyBear, segments aggregated into one proof";

/// The native check, which ends with the stateless re-execution: its input (completed with any
/// derived node) is what the guest reads, its commitment what the guest must reveal.
fn checked_input(w: &WitnessFile) -> Result<(StatelessInput, BlockCommitment), ExecutionError> {
    let checked = witness::check_witness(w)
        .map_err(|e| ExecutionError::Input(format!("the witness does not check, so it is not proven: {e}")))?;
    Ok((checked.input, checked.commitment))
}

fn same_commitment(expected: &BlockCommitment, got: &BlockCommitment) -> Result<(), ExecutionError> {
    if expected != got {
        return Err(ExecutionError::Mismatch(format!(
            "the guest committed {got:?}, the native re-execution {expected:?}"
        )));
    }
    Ok(())
}

/// What a verified execution proof establishes.
#[derive(Clone, Debug)]
pub struct VerifiedExecution {
    pub commitment: BlockCommitment,
    pub witness_matched: bool,
}

/// Verifies an execution proof file: the image it names is the pinned one, the STARK verifies
/// under the committed verifying key, the proven public values are the file's, and they name the
/// file's block; with a witness, that it is the witness's block.
pub fn verify_file(
    file: &ExecutionProofFile,
    witness: Option<&WitnessFile>,
) -> Result<VerifiedExecution, ExecutionError> {
    let mismatch = |what: String| Err(ExecutionError::Mismatch(what));
    if file.image_id != IMAGE_ID {
        return mismatch(format!(
            "the proof is of guest image {}, this verifier accepts only {IMAGE_ID} (another guest, or another version of it)",
            file.image_id
        ));
    }
    let pinned = image_id_hex(&zkvm::image_id_of_vk(VERIFYING_KEY)?);
    if pinned != IMAGE_ID {
        return Err(ExecutionError::VerifyingKey(format!("the committed key is for image {pinned}, not {IMAGE_ID}")));
    }
    let proven = zkvm::verify(VERIFYING_KEY, &file.proof)?;
    if proven != file.public_values.as_ref() {
        return mismatch("the file's public values are not the ones the proof proves".into());
    }
    let commitment = commitment_of(&proven)?;
    if commitment != file.commitment {
        return mismatch("the file's decoded commitment differs from the proven public values".into());
    }
    let head = &file.head;
    if (commitment.chain_id, commitment.number, commitment.hash) != (head.chain_id, head.block_number, head.block_hash)
    {
        return mismatch(format!(
            "the proof is of block {} ({}) on chain {}, the file names block {} ({}) on chain {}",
            commitment.number, commitment.hash, commitment.chain_id, head.block_number, head.block_hash, head.chain_id
        ));
    }
    let witness_matched = match witness {
        None => false,
        Some(w) => {
            let (_, native) = checked_input(w)?;
            if native != commitment {
                return mismatch(format!(
                    "the proof is of block {} ({}), the witness is of block {} ({})",
                    commitment.number, commitment.hash, native.number, native.hash
                ));
            }
            true
        }
    };
    Ok(VerifiedExecution { commitment, witness_matched })
}
