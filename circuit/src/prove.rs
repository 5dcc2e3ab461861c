//! The proving pipeline, phase by phase, each timed.

use std::{
    panic::{catch_unwind, AssertUnwindSafe},
    path::{Path, PathBuf},
    time::Instant,
};

use circuit::{
    cheapest_class, chunks,
    keys::KeyCache,
    layout::LayoutError,
    params::{self, ParamsError},
    proof_file::{ChunkProof, CircuitProof, ProofFile, Timings},
    proving::{self, ProvingError},
    CapacityClass, ClassName,
};
use witness::{file::FileError, WitnessError, WitnessFile};

use crate::ProveProgress;

#[derive(Clone, Debug)]
pub struct ProveOptions {
    /// A params file, or a directory holding `kzg_bn254_{k}.srs` files.
    pub params: PathBuf,
    /// Where keys are cached; `None` generates them every time.
    pub keys_dir: Option<PathBuf>,
    /// The circuit class; `None` picks the cheapest that fits the witness.
    pub class: Option<ClassName>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProveError {
    #[error(transparent)]
    ReadWitness(#[from] FileError),
    #[error("the witness does not check, so it is not proven: {0}")]
    Check(#[from] WitnessError),
    #[error("the witness does not fit the {class} circuit: {source}")]
    Layout { class: String, source: Box<LayoutError> },
    #[error(transparent)]
    Params(#[from] ParamsError),
    #[error(transparent)]
    Keys(#[from] circuit::keys::KeyError),
    #[error("chunk {chunk} of {chunks}, {circuit} circuit: {reason}")]
    Prove { chunk: usize, chunks: usize, circuit: &'static str, reason: String },
}

fn secs(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

/// Reads a witness file and proves it.
pub fn prove_witness_file(path: &Path, opts: &ProveOptions, progress: &ProveProgress) -> Result<ProofFile, ProveError> {
    let t = Instant::now();
    progress.phase("reading the witness");
    let w = witness::file::read(path)?;
    let read = secs(t);
    let mut proof = prove_witness(&w, opts, progress)?;
    proof.timings.read_witness = read;
    proof.timings.total += read;
    Ok(proof)
}

pub fn prove_witness(w: &WitnessFile, opts: &ProveOptions, progress: &ProveProgress) -> Result<ProofFile, ProveError> {
    let started = Instant::now();
    let mut timings = Timings::default();

    let t = Instant::now();
    progress.phase("checking the witness");
    let checked = witness::check_witness(w)?;
    let (class, chunks) = match opts.class {
        Some(name) => {
            let class = CapacityClass::named(name);
            let chunks = chunks(w, &checked, class)
                .map_err(|source| ProveError::Layout { class: name.to_string(), source: Box::new(source) })?;
            (class, chunks)
        }
        None => cheapest_class(w, &checked)
            .map_err(|source| ProveError::Layout { class: "any".into(), source: Box::new(source) })?,
    };
    timings.check_witness = secs(t);
    tracing::info!(block = w.block_number, class = %class.name, k = class.k, chunks = chunks.len(), "witness checked");

    let t = Instant::now();
    progress.phase("loading params");
    let loaded = params::load(&opts.params, class.k)?;
    timings.load_params = secs(t);

    let t = Instant::now();
    progress.phase("loading or generating keys");
    let (keys, source) = KeyCache::new(opts.keys_dir.clone()).proving_keys(&loaded.params, class)?;
    timings.keys = secs(t);
    timings.keys_source = Some(source);
    tracing::info!(?source, block_state = %keys.ids.block_state, keccak = %keys.ids.keccak, seconds = timings.keys, "keys ready");

    progress.set_proofs(2 * chunks.len());
    let mut proofs = Vec::with_capacity(chunks.len());
    for (i, chunk) in chunks.iter().enumerate() {
        let failed = |circuit, reason: String| ProveError::Prove { chunk: i, chunks: chunks.len(), circuit, reason };
        progress.phase(&format!("chunk {}/{}: block state", i + 1, chunks.len()));
        let t = Instant::now();
        let main = guarded(|| proving::prove_main(&loaded.params, &keys.main, chunk))
            .map_err(|reason| failed("block-state", reason))?;
        timings.prove_block_state += secs(t);
        progress.proved();

        progress.phase(&format!("chunk {}/{}: keccak", i + 1, chunks.len()));
        let t = Instant::now();
        let (keccak_proof, commit) =
            guarded(|| proving::prove_keccak(&loaded.params, &keys.keccak, main.keccak_inputs))
                .map_err(|reason| failed("keccak", reason))?;
        timings.prove_keccak += secs(t);
        progress.proved();
        if main.instances.last() != Some(&commit) {
            return Err(failed("keccak", "its commitment differs from the block-state circuit's".into()));
        }
        proofs.push(ChunkProof {
            block_state: CircuitProof::new(&main.instances, main.proof),
            keccak: CircuitProof::new(&[commit], keccak_proof),
        });
        tracing::debug!(chunk = i, "chunk proven");
    }
    progress.finish();
    timings.total = secs(started);

    Ok(ProofFile {
        format: ProofFile::FORMAT.into(),
        version: ProofFile::VERSION,
        kind: proof::ProofKind::State,
        chain_id: w.chain_id,
        block_number: w.block_number,
        block_hash: w.block_hash,
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
    match catch_unwind(AssertUnwindSafe(prove)) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(e.to_string()),
        Err(panic) => Err(format!(
            "the prover stopped on an internal assertion: {}",
            proof::panic_message(panic.as_ref()).unwrap_or("?")
        )),
    }
}
