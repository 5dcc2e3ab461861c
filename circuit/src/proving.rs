//! Keys, proofs and verification with real KZG (SHPLONK, Blake2b transcript). A chunk is proven
//! by two circuits: the block-state circuit, whose keccak hashes are promises committed to in its
//! last public instance, and axiom's keccak shard circuit, which proves those hashes and publishes
//! the same commitment. Both proofs together prove the chunk.

use axiom_eth::halo2curves::ff::PrimeField;
use axiom_eth::{
    halo2_base::gates::{circuit::CircuitBuilderStage, flex_gate::MultiPhaseThreadBreakPoints},
    halo2_proofs::{
        halo2curves::bn256::{Bn256, Fr, G1Affine},
        plonk::{create_proof, keygen_pk, keygen_vk, verify_proof, Circuit, Error, ProvingKey, VerifyingKey},
        poly::commitment::{Params, ParamsProver},
        poly::kzg::{
            commitment::{KZGCommitmentScheme, ParamsKZG},
            multiopen::{ProverSHPLONK, VerifierSHPLONK},
            strategy::SingleStrategy,
        },
        transcript::{Blake2bRead, Blake2bWrite, Challenge255, TranscriptReadBuffer, TranscriptWriterBuffer},
        SerdeFormat,
    },
    keccak::types::{ComponentTypeKeccak, KeccakLogicalInput, OutputKeccakShard},
    mpt::MPTChip,
    rlp::RlpChip,
    utils::{
        build_utils::pinning::{CircuitPinningInstructions, RlcCircuitPinning},
        component::{
            promise_loader::single::PromiseLoaderParams, utils::try_from_key, ComponentPromiseResultsInMerkle,
            ComponentType,
        },
        eth_circuit::{EthCircuitImpl, EthCircuitInstructions, EthCircuitParams},
    },
    zkevm_hashes::keccak::component::{
        circuit::shard::{KeccakComponentShardCircuit, KeccakComponentShardCircuitParams},
        output::{calculate_circuit_outputs_commit, multi_inputs_to_circuit_outputs},
    },
};
use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};
use serde::{Deserialize, Serialize};

use crate::{BlockStateCircuit, CapacityClass, Chunk};

/// Rows halo2 keeps for blinding in the keccak shard circuit.
const KECCAK_UNUSABLE_ROWS: usize = 109;

/// The block-state circuit as axiom-eth builds it.
pub type MainCircuit = EthCircuitImpl<Fr, BlockStateCircuit>;
pub use axiom_eth::halo2_proofs::plonk::Error as ProvingError;

fn main_circuit(
    stage: CircuitBuilderStage,
    chunk: &Chunk,
    rlc: axiom_eth::rlc::circuit::RlcCircuitParams,
) -> MainCircuit {
    EthCircuitImpl::new_impl(
        stage,
        BlockStateCircuit { chunk: chunk.clone() },
        rlc,
        PromiseLoaderParams::new_for_one_shard(chunk.class.keccak_capacity()),
    )
}

/// What reading a block-state key back needs besides the file: its configuration.
pub fn main_circuit_params(class: CapacityClass, pinning: &RlcCircuitPinning) -> EthCircuitParams {
    EthCircuitParams::new(pinning.params.clone(), PromiseLoaderParams::new_for_one_shard(class.keccak_capacity()))
}

/// Content address of a circuit, as axiom-eth names circuits (blake3 of the verifying key's
/// bytes), with the key's transcript representation appended: the bytes alone hold commitments
/// but not the gates, which that representation pins.
pub fn circuit_id(vk: &VerifyingKey<G1Affine>) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(&vk.to_bytes(SerdeFormat::RawBytes));
    hasher.update(vk.transcript_repr().to_repr().as_ref());
    hasher.finalize().to_hex().to_string()
}

/// The block-state circuit of a class, configured for key generation on placeholder contents
/// (keys depend on the shape only).
fn keygen_main_circuit(params: &ParamsKZG<Bn256>, class: CapacityClass) -> MainCircuit {
    let mut rlc = EthCircuitParams::default().rlc;
    rlc.base.k = params.k() as usize;
    let mut circuit = main_circuit(CircuitBuilderStage::Keygen, &Chunk::template(class), rlc);
    fulfill_keccak(&circuit, class.keccak_capacity());
    circuit.calculate_params();
    circuit
}

/// The keys of the block-state circuit of one class.
pub struct MainKeys {
    /// The proving key.
    pub pk: ProvingKey<G1Affine>,
    /// The circuit's configuration and break points, fixed at key generation.
    pub pinning: RlcCircuitPinning,
}

/// Proving key of the block-state circuit; `vk` when it is already known (from a cache).
pub fn keygen_main(
    params: &ParamsKZG<Bn256>,
    class: CapacityClass,
    vk: Option<VerifyingKey<G1Affine>>,
) -> Result<MainKeys, Error> {
    let circuit = keygen_main_circuit(params, class);
    let vk = match vk {
        Some(vk) => vk,
        None => keygen_vk(params, &circuit)?,
    };
    let pk = keygen_pk(params, vk, &circuit)?;
    Ok(MainKeys { pk, pinning: circuit.pinning() })
}

/// Verifying key of the block-state circuit only (cheaper than the proving key).
pub fn keygen_main_vk(
    params: &ParamsKZG<Bn256>,
    class: CapacityClass,
) -> Result<(VerifyingKey<G1Affine>, RlcCircuitPinning), Error> {
    let circuit = keygen_main_circuit(params, class);
    let vk = keygen_vk(params, &circuit)?;
    Ok((vk, circuit.pinning()))
}

/// Runs the block-state circuit's first phase to collect the keccak hashes it asks for, hands it
/// their results (computed natively; the keccak circuit proves them), and returns their inputs in
/// the order the commitment uses. What axiom-eth's `mock_fulfill_keccak_promises` does, keeping
/// the inputs, so that the keccak proof needs no second witness generation.
fn fulfill_keccak(circuit: &MainCircuit, capacity: usize) -> Vec<Vec<u8>> {
    let rlp = RlpChip::new(circuit.keccak_chip.range(), None);
    let mpt = MPTChip::new(rlp, &circuit.keccak_chip);
    <BlockStateCircuit as EthCircuitInstructions<Fr>>::virtual_assign_phase0(
        &circuit.logic_inputs,
        &mut circuit.rlc_builder.borrow_mut(),
        &mpt,
    );
    let calls = circuit.promise_collector.lock().expect("not poisoned").get_deduped_calls();
    let inputs: Vec<Vec<u8>> = calls[&ComponentTypeKeccak::<Fr>::get_type_id()]
        .iter()
        .map(|call| try_from_key::<KeccakLogicalInput>(&call.logical_input).expect("keccak call").bytes)
        .collect();
    let responses = inputs.iter().map(|bytes| (bytes.clone().into(), None)).collect();
    let shard = OutputKeccakShard { responses, capacity };
    circuit
        .fulfill_keccak_promise_results(ComponentPromiseResultsInMerkle::from_single_shard(
            shard.into_logical_results(),
        ))
        .expect("fulfilling promises cannot fail");
    circuit.clear_witnesses();
    inputs
}

/// The inputs of every keccak the block-state circuit asks for a chunk.
pub fn keccak_inputs(chunk: &Chunk) -> Vec<Vec<u8>> {
    let circuit = main_circuit(CircuitBuilderStage::Mock, chunk, EthCircuitParams::default().rlc);
    fulfill_keccak(&circuit, chunk.class.keccak_capacity())
}

/// A block-state proof with its public instances, and the keccak inputs its keccak proof covers.
pub struct MainProof {
    /// The proof.
    pub proof: Vec<u8>,
    /// Its public instances (the keccak commitment last).
    pub instances: Vec<Fr>,
    /// The inputs of every keccak the circuit used.
    pub keccak_inputs: Vec<Vec<u8>>,
}

/// Proves the block-state circuit for a chunk.
pub fn prove_main(params: &ParamsKZG<Bn256>, keys: &MainKeys, chunk: &Chunk) -> Result<MainProof, Error> {
    let circuit = main_circuit(CircuitBuilderStage::Prover, chunk, keys.pinning.params.clone())
        .use_break_points(keys.pinning.break_points.clone());
    let keccak_inputs = fulfill_keccak(&circuit, chunk.class.keccak_capacity());
    let instances = circuit.instances().remove(0);
    let proof = prove(params, &keys.pk, circuit, &instances)?;
    Ok(MainProof { proof, instances, keccak_inputs })
}

/// The keccak shard circuit's configuration for a class at size k.
pub fn shard_params(k: u32, class: CapacityClass) -> KeccakComponentShardCircuitParams {
    let mut p =
        KeccakComponentShardCircuitParams::new(k as usize, KECCAK_UNUSABLE_ROWS, class.keccak_capacity(), false);
    p.base_circuit_params = KeccakComponentShardCircuit::<Fr>::calculate_base_circuit_params(&p);
    p
}

/// What proving with a keccak shard key needs besides the key.
#[derive(Clone, Serialize, Deserialize)]
pub struct KeccakPinning {
    /// The shard circuit's parameters.
    pub params: KeccakComponentShardCircuitParams,
    /// Its break points, fixed at key generation.
    pub break_points: MultiPhaseThreadBreakPoints,
}

/// The keys of the keccak circuit of one class.
pub struct KeccakKeys {
    /// The proving key.
    pub pk: ProvingKey<G1Affine>,
    /// Its configuration and break points.
    pub pinning: KeccakPinning,
}

fn keygen_keccak_circuit(params: &ParamsKZG<Bn256>, class: CapacityClass) -> KeccakComponentShardCircuit<Fr> {
    KeccakComponentShardCircuit::<Fr>::new(vec![], shard_params(params.k(), class), false)
}

/// Generates the keccak circuit's keys for a class.
pub fn keygen_keccak(
    params: &ParamsKZG<Bn256>,
    class: CapacityClass,
    vk: Option<VerifyingKey<G1Affine>>,
) -> Result<KeccakKeys, Error> {
    let circuit = keygen_keccak_circuit(params, class);
    let vk = match vk {
        Some(vk) => vk,
        None => keygen_vk(params, &circuit)?,
    };
    let pk = keygen_pk(params, vk, &circuit)?;
    let pinning = KeccakPinning { params: circuit.params(), break_points: circuit.base_circuit_break_points() };
    Ok(KeccakKeys { pk, pinning })
}

/// The keccak circuit's verifying key from its pinning.
pub fn keygen_keccak_vk(
    params: &ParamsKZG<Bn256>,
    class: CapacityClass,
) -> Result<(VerifyingKey<G1Affine>, KeccakPinning), Error> {
    let circuit = keygen_keccak_circuit(params, class);
    let vk = keygen_vk(params, &circuit)?;
    Ok((vk, KeccakPinning { params: circuit.params(), break_points: circuit.base_circuit_break_points() }))
}

/// The commitment the keccak shard publishes for these inputs (and the block-state circuit for the
/// same hashes).
pub fn keccak_commitment(inputs: &[Vec<u8>], capacity: usize) -> Fr {
    calculate_circuit_outputs_commit(&multi_inputs_to_circuit_outputs::<Fr>(inputs, capacity))
}

/// Proves the keccak hashes of a chunk; returns the proof and its one public instance.
pub fn prove_keccak(
    params: &ParamsKZG<Bn256>,
    keys: &KeccakKeys,
    inputs: Vec<Vec<u8>>,
) -> Result<(Vec<u8>, Fr), Error> {
    let commit = keccak_commitment(&inputs, keys.pinning.params.capacity());
    let circuit = KeccakComponentShardCircuit::<Fr>::new(inputs, keys.pinning.params.clone(), true);
    circuit.set_base_circuit_break_points(keys.pinning.break_points.clone());
    let proof = prove(params, &keys.pk, circuit, &[commit])?;
    Ok((proof, commit))
}

fn prove(
    params: &ParamsKZG<Bn256>,
    pk: &ProvingKey<G1Affine>,
    circuit: impl Circuit<Fr>,
    instances: &[Fr],
) -> Result<Vec<u8>, Error> {
    let mut transcript = Blake2bWrite::<_, G1Affine, Challenge255<_>>::init(vec![]);
    create_proof::<KZGCommitmentScheme<Bn256>, ProverSHPLONK<'_, Bn256>, _, _, _, _>(
        params,
        pk,
        &[circuit],
        &[&[instances]],
        ChaCha20Rng::from_entropy(),
        &mut transcript,
    )?;
    Ok(transcript.finalize())
}

/// Checks one proof against its verifying key and public instances. The caller must pass as many
/// instances as the circuit has (halo2 asserts on another count).
pub fn verify(
    params: &ParamsKZG<Bn256>,
    vk: &VerifyingKey<G1Affine>,
    proof: &[u8],
    instances: &[Fr],
) -> Result<(), Error> {
    let mut transcript = Blake2bRead::<_, G1Affine, Challenge255<_>>::init(proof);
    verify_proof::<KZGCommitmentScheme<Bn256>, VerifierSHPLONK<'_, Bn256>, _, _, _>(
        params.verifier_params(),
        vk,
        SingleStrategy::new(params),
        &[&[instances]],
        &mut transcript,
    )
}
