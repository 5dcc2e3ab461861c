//! The one module that knows the zkVM (OpenVM 2.0.2, CPU prover). Everything else in the crate
//! speaks bytes: the guest ELF, the guest's input, the public values, an encoded proof, an encoded
//! verifying key. A GPU prover (OpenVM's `cuda` feature) or a second zkVM goes here and nowhere
//! else.

use std::sync::Arc;

use execution_verify::{image::GuestImage, stark::digest_bytes};
use openvm_algebra_circuit::{Fp2Extension, ModularExtension};
use openvm_ecc_circuit::{WeierstrassExtension, P256_CONFIG, SECP256K1_CONFIG};
use openvm_pairing_circuit::{
    PairingCurve, PairingExtension, BLS12_381_COMPLEX_STRUCT_NAME, BN254_COMPLEX_STRUCT_NAME,
};
use openvm_sdk::{
    config::{AggregationSystemParams, AppConfig},
    openvm_circuit::arch::{instructions::exe::VmExe, SystemConfig},
    Sdk, StdIn, F,
};
use openvm_sdk_config::SdkVmConfig;
use openvm_stark_backend::codec::Encode;
use openvm_stark_sdk::config::app_params_with_100_bits_security;
use openvm_transpiler::{elf::Elf, openvm_platform::memory::MEM_SIZE};
use openvm_verify_stark_host::{vk::VmStarkVerifyingKey, VmStarkProof};

use crate::{settings::ProverSettings, ExecutionError};

pub mod profile;
pub mod segments;

/// Bytes of public values: the block commitment (224 bytes) and zeros up to the next power of two,
/// which OpenVM requires.
pub use execution_verify::stark::PUBLIC_VALUES;

/// The VM the guest runs in. The base image's: RV32IM and I/O; the keccak-f extension (every trie
/// node, block and code hash goes through it: about 290 instructions a hash instead of tens of
/// thousands); the modular-arithmetic extension for secp256k1's two fields and the short
/// Weierstrass extension for its curve (signature recovery of every sender and the ecrecover
/// precompile: about 11M instructions each in software); the SHA-2 extension (the sha256
/// precompile: one instruction a 64-byte block); bn254's two fields, its quadratic extension, its
/// G1 curve and its pairing (the ecAdd, ecMul and ecPairing precompiles: a pairing in software is
/// tens of millions of instructions). The full image's adds, after those, BLS12-381's the same way
/// (the KZG point evaluation, EIP-2537) and P-256's fields and curve (EIP-7951). The guest declares
/// the same moduli, field extensions and curves in the same order (execution/guest/openvm_init*.rs,
/// which `init_file` writes). The VM configuration is part of the verifying key, so changing it
/// changes what verifies.
pub(crate) fn vm_config(settings: &ProverSettings, image: GuestImage) -> SdkVmConfig {
    let mut system = SystemConfig::default().with_public_values(PUBLIC_VALUES);
    system.set_segmentation_max_memory(settings.segment_max_memory);
    let secp256k1 = SECP256K1_CONFIG.clone();
    let bn254 = PairingCurve::Bn254.curve_config();
    let mut moduli =
        vec![secp256k1.modulus.clone(), secp256k1.scalar.clone(), bn254.modulus.clone(), bn254.scalar.clone()];
    let mut fp2 = vec![(BN254_COMPLEX_STRUCT_NAME.to_string(), bn254.modulus.clone())];
    let mut curves = vec![secp256k1, bn254];
    let mut pairings = vec![PairingCurve::Bn254];
    if image == GuestImage::Full {
        let (bls12_381, p256) = (PairingCurve::Bls12_381.curve_config(), P256_CONFIG.clone());
        moduli.extend([bls12_381.modulus.clone(), bls12_381.scalar.clone(), p256.modulus.clone(), p256.scalar.clone()]);
        fp2.push((BLS12_381_COMPLEX_STRUCT_NAME.to_string(), bls12_381.modulus.clone()));
        curves.extend([bls12_381, p256]);
        pairings.push(PairingCurve::Bls12_381);
    }
    SdkVmConfig::builder()
        .system(system.into())
        .rv32i(Default::default())
        .rv32m(Default::default())
        .io(Default::default())
        .keccak(Default::default())
        .sha2(Default::default())
        .modular(ModularExtension::new(moduli))
        .fp2(Fp2Extension::new(fp2))
        .ecc(WeierstrassExtension::new(curves))
        .pairing(PairingExtension::new(pairings))
        .build()
        .optimize()
}

/// The guest's `openvm_init.rs` for `image`: the code that registers the moduli and curves above
/// with the VM (OpenVM generates it from the configuration; the guest includes it with
/// `openvm::init!`).
pub fn init_file(image: GuestImage) -> String {
    use openvm_sdk::openvm_circuit::arch::InitFileGenerator;
    vm_config(&ProverSettings::default(), image).generate_init_file_contents().unwrap_or_default()
}

/// OpenVM's SDK with this project's VM configuration.
pub struct Zkvm {
    sdk: Sdk,
    /// The VM configuration (for an executor of our own: the profile).
    config: SdkVmConfig,
}

struct StopAfterSegments;

/// A transpiled guest program.
#[derive(Clone)]
pub struct Program(Arc<VmExe<F>>);

/// What running the guest in the executor gave.
#[derive(Clone, Debug)]
pub struct Run {
    /// What the guest revealed (the block commitment, then zeros).
    pub public_values: Vec<u8>,
    /// Instructions executed, and the segments a proof would be split into.
    pub instructions: u64,
    /// The segments a proof would be split into.
    pub segments: usize,
}

impl Zkvm {
    /// The SDK for `settings` and the VM configuration of `image` (the app parameters; keys are
    /// made when first needed).
    pub fn new(settings: &ProverSettings, image: GuestImage) -> Result<Self, ExecutionError> {
        let app_params = app_params_with_100_bits_security(settings.log_stacked_height);
        let config = vm_config(settings, image);
        let app_config = AppConfig::new(config.clone(), app_params);
        let sdk = Sdk::new(app_config, AggregationSystemParams::default()).map_err(zkvm_error("setting up"))?;
        use_threads(settings.threads)?;
        Ok(Self { sdk, config })
    }

    /// Decodes and transpiles a guest ELF; a file that is not one is an error, not a panic.
    pub fn load(&self, elf: &[u8]) -> Result<Program, ExecutionError> {
        let elf =
            Elf::decode(elf, MEM_SIZE as u32).map_err(|e| ExecutionError::Guest(format!("not a guest ELF: {e}")))?;
        let exe = self.sdk.convert_to_exe(elf).map_err(|e| ExecutionError::Guest(format!("cannot transpile: {e}")))?;
        Ok(Program(exe))
    }

    /// Runs the guest in the executor (no proof): its public values, and with `metered` the
    /// instruction count and segments, which need the app proving key (a few seconds).
    pub fn execute(&self, program: &Program, input: &[u8], metered: bool) -> Result<Run, ExecutionError> {
        if !metered {
            let public_values = self.sdk.execute(program.0.clone(), StdIn::from_bytes(input)).map_err(guest_failed)?;
            return Ok(Run { public_values, instructions: 0, segments: 0 });
        }
        let (public_values, segments) =
            self.sdk.execute_metered(program.0.clone(), StdIn::from_bytes(input)).map_err(guest_failed)?;
        let instructions = segments.iter().map(|s| s.num_insns).sum();
        Ok(Run { public_values, instructions, segments: segments.len() })
    }

    /// Proves the guest's run on `input`: every segment, aggregated into one STARK. Returns the
    /// encoded proof.
    pub fn prove(&self, program: &Program, input: &[u8]) -> Result<Vec<u8>, ExecutionError> {
        // A panic inside the prover is an error of this run, not the end of the program.
        let proved = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.sdk.prove(program.0.clone(), StdIn::from_bytes(input), &[])
        }))
        .map_err(|panic| ExecutionError::ProverPanicked(panic_message(&panic).into()))?;
        let (proof, _) = proved.map_err(guest_failed)?;
        encode_proof(&proof)
    }

    /// For the bench: proves the first `max_segments` segments of the guest's run on `input` for
    /// real (app proofs, no aggregation) and returns the seconds each took (trace generation and
    /// proof). A block too large to prove in one sitting is measured this way and its whole cost
    /// projected from its segment count.
    pub fn time_segments(
        &self,
        program: &Program,
        input: &[u8],
        max_segments: usize,
    ) -> Result<Vec<f64>, ExecutionError> {
        let app_pk = self.sdk.app_pk();
        let mut instance = openvm_sdk::prover::vm::new_local_prover::<openvm_sdk::DefaultStarkEngine, _>(
            *self.sdk.app_vm_builder(),
            &app_pk.app_vm_pk,
            program.0.clone(),
        )
        .map_err(zkvm_error("setting up"))?;
        let mut marks = vec![std::time::Instant::now()];
        // prove_continuations calls the closure before each segment's proof; stopping at segment
        // `max_segments` is a panic caught here (the SDK has no other way out of the loop).
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            instance.prove_continuations(StdIn::from_bytes(input), |segment, _| {
                marks.push(std::time::Instant::now());
                if segment == max_segments {
                    std::panic::panic_any(StopAfterSegments);
                }
            })
        }));
        if let Err(panic) = outcome {
            if !panic.is::<StopAfterSegments>() {
                return Err(ExecutionError::ProverPanicked(panic_message(&panic).into()));
            }
        }
        // marks[0]: start (metered execution, then the first segment's trace); marks[i + 1]: segment
        // i about to be proven. A segment's cost: from its proof's start to the next one's.
        Ok(marks.windows(2).skip(1).map(|w| (w[1] - w[0]).as_secs_f64()).collect())
    }

    /// The program's commitment (its image id): needs the app proving key (seconds), not the
    /// aggregation keys.
    pub fn image_id(&self, program: &Program) -> Result<[u8; 32], ExecutionError> {
        let prover = self.sdk.app_prover(program.0.clone()).map_err(zkvm_error("key generation"))?;
        Ok(digest_bytes(&prover.app_exe_commit()))
    }

    /// The verifying key of a program: the aggregation key (depends on the VM configuration only)
    /// and the baseline (the program's commitment, the app and aggregation key commitments).
    /// Costs the whole key generation (about a minute).
    pub fn verifying_key(&self, program: &Program) -> Result<Vec<u8>, ExecutionError> {
        let prover = self.sdk.prover(program.0.clone()).map_err(zkvm_error("key generation"))?;
        let vk = VmStarkVerifyingKey { mvk: self.sdk.agg_vk().as_ref().clone(), baseline: prover.generate_baseline() };
        encode_vk(&vk)
    }
}

/// Sizes rayon's global pool, on which OpenVM proves (its types are not `Send`, so a pool of our
/// own cannot run them). A process has one global pool: the first setting holds, and another size
/// asked later is an error rather than silently ignored.
fn use_threads(threads: Option<usize>) -> Result<(), ExecutionError> {
    let Some(n) = threads else { return Ok(()) };
    if rayon::ThreadPoolBuilder::new().num_threads(n).build_global().is_ok() || rayon::current_num_threads() == n {
        return Ok(());
    }
    Err(ExecutionError::Threads { running: rayon::current_num_threads(), asked: n })
}

/// Verifies an encoded proof under an encoded verifying key; returns the public values it proves.
/// Needs no prover state: this is all a verifier runs (crate `execution-verify`).
pub fn verify(vk: &[u8], proof: &[u8]) -> Result<Vec<u8>, ExecutionError> {
    Ok(execution_verify::stark::verify(vk, proof)?)
}

/// The program commitment a verifying key accepts (its image id), as 32 bytes.
pub fn image_id_of_vk(vk: &[u8]) -> Result<[u8; 32], ExecutionError> {
    Ok(execution_verify::stark::image_id_of_vk(vk)?)
}

fn encode_proof(proof: &VmStarkProof) -> Result<Vec<u8>, ExecutionError> {
    proof.encode_to_vec().map_err(zkvm_error("encoding the proof"))
}

fn encode_vk(vk: &VmStarkVerifyingKey) -> Result<Vec<u8>, ExecutionError> {
    bitcode::serialize(vk).map_err(|e| ExecutionError::VerifyingKey(format!("cannot encode: {e}")))
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> &str {
    proof::panic_message(panic.as_ref())
}

/// OpenVM's error at `during`, as this crate's.
fn zkvm_error<E: std::fmt::Display>(during: &'static str) -> impl Fn(E) -> ExecutionError {
    move |e| ExecutionError::Zkvm { during, reason: e.to_string() }
}

/// The guest stops with an error when the block does not re-execute (it panics on any failed
/// check, so no proof of a bad block can exist).
fn guest_failed(e: impl std::fmt::Display) -> ExecutionError {
    ExecutionError::GuestFailed(e.to_string())
}
