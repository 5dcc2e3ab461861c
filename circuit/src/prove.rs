//! The state proof's pipeline, phase by phase, each timed: the native check (seconds, before
//! minutes of proving), the circuit class and chunks, params and keys (cached per circuit shape),
//! every chunk's block-state and keccak proofs, and the proof file.

use std::{path::PathBuf, time::Instant};

use progress::{Progress, Step};
use proof::{Head, ProofKind};
use witness::{WitnessError, WitnessFile};

use crate::{
    cheapest_class, chunks,
    keys::{KeyCache, KeyError},
    layout::LayoutError,
    params::{self, ParamsError},
    proof_file::{ChunkProof, CircuitProof, StateProofFile, Timings},
    proving::{self, ProvingError},
    CapacityClass, ClassName,
};

/// How the state proof proves.
#[derive(Clone, Debug, PartialEq)]
pub struct StateConfig {
    /// A params file, or a directory holding `kzg_bn254_{k}.srs` files.
    pub params: PathBuf,
    /// Where keys are cached; `None` generates them every time.
    pub keys_dir: Option<PathBuf>,
    /// The circuit class; `None` picks the cheapest that fits the witness.
    pub class: Option<ClassName>,
}

/// Why a state proof could not be made.
#[derive(Debug, thiserror::Error)]
pub enum StateProveError {
    /// The witness does not pass the native check (the block does not re-execute, or a proof
    /// does not check): nothing is proven.
    #[error("the witness does not check, so it is not proven: {0}")]
    Check(WitnessError),
    /// The witness's pre-state does not fit the circuit class (a proof too deep, too many
    /// accounts for any class).
    #[error("the witness does not fit the {class} circuit: {cause}")]
    Layout {
        /// The class asked for, or "any".
        class: String,
        /// What does not fit.
        cause: Box<LayoutError>,
    },
    /// The params cannot be loaded.
    #[error(transparent)]
    Params(#[from] ParamsError),
    /// The keys cannot be loaded or generated.
    #[error(transparent)]
    Keys(#[from] KeyError),
    /// A circuit proof failed (or its prover panicked).
    #[error("chunk {chunk} of {chunks}, {circuit} circuit: {reason}")]
    Prove {
        /// The chunk, from 0.
        chunk: usize,
        /// How many chunks.
        chunks: usize,
        /// `block-state` or `keccak`.
        circuit: &'static str,
        /// What the prover said.
        reason: String,
    },
}

fn secs(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

/// Proves a witness's header chain and pre-state (the `ProofSystem::prove` of the state proof).
pub fn prove(
    config: &StateConfig,
    w: &WitnessFile,
    progress: &dyn Progress,
) -> Result<StateProofFile, StateProveError> {
    let started = Instant::now();
    let mut timings = Timings::default();

    let t = Instant::now();
    progress.step(Step::Phase("checking the witness"));
    let checked = witness::check_witness(w).map_err(StateProveError::Check)?;
    let layout_error = |class: String| move |cause| StateProveError::Layout { class, cause: Box::new(cause) };
    let (class, chunks) = match config.class {
        Some(name) => {
            let class = CapacityClass::named(name);
            (class, chunks(w, &checked, class).map_err(layout_error(name.to_string()))?)
        }
        None => cheapest_class(w, &checked).map_err(layout_error("any".into()))?,
    };
    timings.check_witness = secs(t);
    tracing::info!(block = w.block_number, class = %class.name, k = class.k, chunks = chunks.len(), "witness checked");

    let t = Instant::now();
    progress.step(Step::Phase("loading params"));
    let loaded = params::load(&config.params, class.k)?;
    timings.load_params = secs(t);

    let t = Instant::now();
    progress.step(Step::Phase("loading or generating keys"));
    let (keys, source) = KeyCache::new(config.keys_dir.clone()).proving_keys(&loaded.params, class)?;
    timings.keys = secs(t);
    timings.keys_source = Some(source);
    tracing::info!(?source, block_state = %keys.ids.block_state, keccak = %keys.ids.keccak, seconds = timings.keys, "keys ready");

    let count = chunks.len();
    let mut proofs = Vec::with_capacity(count);
    for (index, chunk) in chunks.iter().enumerate() {
        let failed = |circuit, reason: String| StateProveError::Prove { chunk: index, chunks: count, circuit, reason };
        progress.step(Step::Chunk { index, count, circuit: "block-state" });
        let t = Instant::now();
        let main = guarded(|| proving::prove_main(&loaded.params, &keys.main, chunk))
            .map_err(|reason| failed("block-state", reason))?;
        timings.prove_block_state += secs(t);

        progress.step(Step::Chunk { index, count, circuit: "keccak" });
        let t = Instant::now();
        let (keccak_proof, commit) =
            guarded(|| proving::prove_keccak(&loaded.params, &keys.keccak, main.keccak_inputs))
                .map_err(|reason| failed("keccak", reason))?;
        timings.prove_keccak += secs(t);
        if main.instances.last() != Some(&commit) {
            return Err(failed("keccak", "its commitment differs from the block-state circuit's".into()));
        }
        proofs.push(ChunkProof {
            block_state: CircuitProof::new(&main.instances, main.proof),
            keccak: CircuitProof::new(&[commit], keccak_proof),
        });
        tracing::debug!(chunk = index, "chunk proven");
    }
    timings.total = secs(started);

    Ok(StateProofFile {
        head: Head::new(ProofKind::State, w.chain_id, w.block_number, w.block_hash),
        class,
        k: class.k,
        circuits: keys.ids,
        insecure_dev_params: loaded.insecure_dev,
        chunks: proofs,
        timings,
        prover: concat!("eth-block-prover ", env!("CARGO_PKG_VERSION")).into(),
    })
}

/// halo2 and axiom-eth assert on inputs they do not expect; a checked witness should never reach
/// one, but if it does the user gets an error naming the chunk, not a panic.
fn guarded<T>(prove: impl FnOnce() -> Result<T, ProvingError>) -> Result<T, String> {
    match proof::catching_panics(prove) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(e.to_string()),
        Err(panic) => Err(format!("the prover stopped on an internal assertion: {panic}")),
    }
}
