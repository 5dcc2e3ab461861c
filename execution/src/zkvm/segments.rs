//! A run proven in pieces, each of which may be made on another machine: the plan (the segments
//! metered execution cuts the run into), one segment's STARK made from the VM state at its start
//! (reached by pure execution from the beginning, so no VM memory travels between machines), a
//! leaf of the aggregation over a group of consecutive segments, and the aggregation of the
//! leaves into the same one STARK `Zkvm::prove` makes, which the same verifying key accepts.
//!
//! The grouping is OpenVM's own (`AggregationTreeConfig`): leaves of up to 4 segments, internal
//! nodes of up to 3 children, then one more recursive wrap, as `StarkProver::prove` does.

use std::borrow::Borrow;

use openvm_continuations::{circuit::inner::ProofsType, prover::ChildVkKind};
use openvm_sdk::{
    openvm_circuit::{
        arch::{
            hasher::poseidon2::vm_poseidon2_hasher, CONNECTOR_AIR_ID, MERKLE_AIR_ID, PROGRAM_AIR_ID,
            PROGRAM_CACHED_TRACE_INDEX,
        },
        system::{
            connector::VmConnectorPvs,
            memory::merkle::{public_values::UserPublicValuesProof, MemoryMerklePvs},
            program::trace::compute_exe_commit,
        },
    },
    prover::{vm::new_local_prover, InternalLayerMetadata},
    StdIn, F, SC,
};
use openvm_stark_backend::{
    codec::{Decode, Encode},
    p3_field::PrimeField32,
    proof::Proof,
    StarkEngine,
};
use openvm_stark_sdk::config::baby_bear_poseidon2::BabyBearPoseidon2CpuEngine;
use openvm_verify_stark_host::VmStarkProof;
use serde::{Deserialize, Serialize};

use super::{digest_bytes, encode_proof, guest_failed, panic_message, zkvm_error, Program, Zkvm};
use crate::ExecutionError;

/// The engine the aggregation layers prove with (OpenVM's CPU one).
type AggEngine = BabyBearPoseidon2CpuEngine;

/// One segment of the guest's run, as metered execution cut it: where it starts (instructions
/// from the beginning), how long it is, and the trace heights its proof allocates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentSpec {
    /// Instructions executed before it.
    pub instret_start: u64,
    /// Its instructions.
    pub num_insns: u64,
    /// Each chip's trace height (OpenVM's estimate, for the record arenas).
    pub trace_heights: Vec<u32>,
}

/// One segment's proof: OpenVM's encoding of its STARK and, for the last segment only, the
/// Merkle proof of the public values in the final memory (which the aggregation carries).
#[derive(Clone, Debug, PartialEq)]
pub struct SegmentStark {
    /// The encoded STARK (`Proof`).
    pub proof: Vec<u8>,
    /// The encoded `UserPublicValuesProof`, for the last segment.
    pub user_public_values: Option<Vec<u8>>,
    /// Seconds of pure execution from the beginning to the segment's start (what splitting adds).
    pub execute_seconds: f64,
}

/// What a segment's STARK proves about its ends, read from its public values once it verifies:
/// what the aggregation checks to join segments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SegmentEnds {
    /// The program's commitment (the same in every segment of a run).
    pub program: [u8; 32],
    /// The pc it starts at.
    pub initial_pc: u32,
    /// The pc it stops at.
    pub final_pc: u32,
    /// The memory's Merkle root at its start.
    pub initial_root: [u8; 32],
    /// The memory's Merkle root at its end.
    pub final_root: [u8; 32],
    /// Whether the program ends in it (only the last segment).
    pub terminates: bool,
    /// The exit code (0 for a program that ended well).
    pub exit_code: u32,
    /// The image id a run starting with this segment is of (its program, initial memory root and
    /// pc): the pinned one for a first segment.
    pub image_if_first: [u8; 32],
}

impl Zkvm {
    /// Metered execution: the public values and the segments a proof is cut into (deterministic
    /// for a given program, input and settings).
    pub fn plan(&self, program: &Program, input: &[u8]) -> Result<(Vec<u8>, Vec<SegmentSpec>), ExecutionError> {
        let (public_values, segments) =
            self.sdk.execute_metered(program.0.clone(), StdIn::from_bytes(input)).map_err(guest_failed)?;
        let specs = segments
            .into_iter()
            .map(|s| SegmentSpec {
                instret_start: s.instret_start,
                num_insns: s.num_insns,
                trace_heights: s.trace_heights,
            })
            .collect();
        Ok((public_values, specs))
    }

    /// Proves one segment alone: executes the guest from the beginning to the segment's start
    /// (pure execution), then executes the segment with tracing and proves it. With `last`, also
    /// the proof of the public values in the final memory.
    pub fn prove_segment(
        &self,
        program: &Program,
        input: &[u8],
        spec: &SegmentSpec,
        last: bool,
    ) -> Result<SegmentStark, ExecutionError> {
        let proved = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.prove_segment_inner(program, input, spec, last)
        }));
        proved.map_err(|panic| ExecutionError::ProverPanicked(panic_message(&panic).into()))?
    }

    fn prove_segment_inner(
        &self,
        program: &Program,
        input: &[u8],
        spec: &SegmentSpec,
        last: bool,
    ) -> Result<SegmentStark, ExecutionError> {
        let app_pk = self.sdk.app_pk();
        let mut instance = new_local_prover::<openvm_sdk::DefaultStarkEngine, _>(
            *self.sdk.app_vm_builder(),
            &app_pk.app_vm_pk,
            program.0.clone(),
        )
        .map_err(zkvm_error("setting up"))?;
        let exe = program.0.clone();
        let started = std::time::Instant::now();
        let start = if spec.instret_start == 0 {
            instance.vm.create_initial_state(&exe, StdIn::from_bytes(input))
        } else {
            let interpreter = instance.vm.interpreter(&exe).map_err(zkvm_error("setting up"))?;
            interpreter.execute(StdIn::from_bytes(input), Some(spec.instret_start)).map_err(guest_failed)?
        };
        let execute_seconds = started.elapsed().as_secs_f64();
        let vm = &mut instance.vm;
        vm.transport_init_memory_to_device(&start.memory);
        let traced = vm
            .execute_preflight(&mut instance.interpreter, start, Some(spec.num_insns), &spec.trace_heights)
            .map_err(guest_failed)?;
        let ctx = vm
            .generate_proving_ctx(traced.system_records, traced.record_arenas)
            .map_err(zkvm_error("trace generation"))?;
        let proof = vm.engine.prove(vm.pk(), ctx).map_err(zkvm_error("proving a segment"))?;
        let user_public_values = if last {
            let config = vm.config().as_ref();
            let top = vm
                .memory_top_tree()
                .ok_or_else(|| zkvm_error("proving a segment")("no memory tree after the last segment"))?;
            let pvs = UserPublicValuesProof::compute(
                config.memory_config.memory_dimensions(),
                config.num_public_values,
                &vm_poseidon2_hasher(),
                &traced.to_state.memory.memory,
                top,
            );
            Some(bitcode::serialize(&pvs).map_err(zkvm_error("encoding the public values"))?)
        } else {
            None
        };
        let proof = proof.encode_to_vec().map_err(zkvm_error("encoding a segment"))?;
        Ok(SegmentStark { proof, user_public_values, execute_seconds })
    }

    /// Verifies one segment's STARK under the app key and reads its ends.
    pub fn check_segment(&self, proof: &[u8]) -> Result<SegmentEnds, ExecutionError> {
        let proof = decode_segment(proof)?;
        let app_pk = self.sdk.app_pk();
        let engine = AggEngine::new(app_pk.app_vm_pk.get_params());
        let vk = app_pk.app_vm_pk.vm_pk.get_vk();
        engine.verify(&vk, &proof).map_err(|e| ExecutionError::BadProof(format!("{e:?}")))?;
        ends_of(&proof)
    }

    /// A leaf of the aggregation: one STARK over consecutive segments (at most 4).
    pub fn aggregate_leaf(&self, segments: &[Vec<u8>]) -> Result<Vec<u8>, ExecutionError> {
        let proofs = segments.iter().map(|p| decode_segment(p)).collect::<Result<Vec<_>, _>>()?;
        let agg = self.sdk.agg_prover();
        let leaf = catching(|| agg.leaf_prover.agg_prove_no_def::<AggEngine>(&proofs, ChildVkKind::App))?
            .map_err(zkvm_error("aggregating segments"))?;
        leaf.encode_to_vec().map_err(zkvm_error("encoding a leaf"))
    }

    /// Verifies a leaf of the aggregation under the leaf key (a damaged one is named before the
    /// internal layers spend minutes on it).
    pub fn check_leaf(&self, leaf: &[u8]) -> Result<(), ExecutionError> {
        let leaf = decode_segment(leaf)?;
        let vk = self.sdk.agg_prover().leaf_prover.get_vk();
        let engine = AggEngine::new(vk.inner.params.clone());
        engine.verify(&vk, &leaf).map_err(|e| ExecutionError::BadProof(format!("{e:?}")))
    }

    /// The aggregation's internal layers over the leaves (in order), then the last wrap: the
    /// encoded one-STARK proof, with the last segment's public-values proof.
    pub fn aggregate(&self, leaves: &[Vec<u8>], user_public_values: &[u8]) -> Result<Vec<u8>, ExecutionError> {
        let mut layer = leaves.iter().map(|p| decode_segment(p)).collect::<Result<Vec<_>, _>>()?;
        let user_pvs_proof: UserPublicValuesProof<8, F> = bitcode::deserialize(user_public_values)
            .map_err(|e| ExecutionError::BadProof(format!("the public values' proof does not decode: {e}")))?;
        let agg = self.sdk.agg_prover();
        let width = agg.agg_tree_config.num_children_internal;
        let mut nodes = 0u32;
        let mut reduce = |proofs: Vec<Proof<SC>>, recursive: bool, kind: ChildVkKind| {
            proofs
                .chunks(width)
                .map(|children| {
                    nodes += 1;
                    let prover = if recursive { &agg.internal_recursive_prover } else { &agg.internal_for_leaf_prover };
                    catching(|| prover.agg_prove_no_def::<AggEngine>(children, kind))?
                        .map_err(zkvm_error("aggregating"))
                })
                .collect::<Result<Vec<_>, ExecutionError>>()
        };
        // Leaves to internal-for-leaf nodes, to the first recursive layer, then recursive layers
        // until one proof is left.
        layer = reduce(layer, false, ChildVkKind::Standard)?;
        layer = reduce(layer, true, ChildVkKind::Standard)?;
        let mut recursive_layers = 1;
        while layer.len() > 1 {
            layer = reduce(layer, true, ChildVkKind::RecursiveSelf)?;
            recursive_layers += 1;
        }
        let inner = layer.pop().ok_or_else(|| ExecutionError::BadProof("no segments to aggregate".into()))?;
        let proof = VmStarkProof { inner, user_pvs_proof, deferral_merkle_proofs: None };
        let mut metadata = InternalLayerMetadata {
            internal_recursive_layer: recursive_layers,
            internal_node_idx: nodes.saturating_sub(1),
            proofs_type: ProofsType::Vm,
        };
        let wrapped = catching(|| agg.wrap_proof(proof, &mut metadata))?.map_err(zkvm_error("aggregating"))?;
        encode_proof(&wrapped)
    }
}

/// A call into OpenVM's aggregation, its panics caught as errors of this run.
fn catching<T>(f: impl FnOnce() -> T) -> Result<T, ExecutionError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .map_err(|panic| ExecutionError::ProverPanicked(panic_message(&panic).into()))
}

fn decode_segment(bytes: &[u8]) -> Result<Proof<SC>, ExecutionError> {
    Proof::<SC>::decode_from_bytes(bytes).map_err(|e| ExecutionError::BadProof(format!("cannot decode: {e}")))
}

/// A segment's ends, from the public values of its connector and memory-Merkle AIRs.
fn ends_of(proof: &Proof<SC>) -> Result<SegmentEnds, ExecutionError> {
    let missing = |what: &str| ExecutionError::BadProof(format!("the segment has no {what}"));
    let program = proof
        .trace_vdata
        .get(PROGRAM_AIR_ID)
        .and_then(Option::as_ref)
        .and_then(|v| v.cached_commitments.get(PROGRAM_CACHED_TRACE_INDEX))
        .ok_or_else(|| missing("program trace"))?;
    let connector =
        proof.public_values.get(CONNECTOR_AIR_ID).filter(|p| p.len() == 4).ok_or_else(|| missing("connector"))?;
    let connector: &VmConnectorPvs<F> = connector.as_slice().borrow();
    let merkle =
        proof.public_values.get(MERKLE_AIR_ID).filter(|p| p.len() == 16).ok_or_else(|| missing("memory roots"))?;
    let merkle: &MemoryMerklePvs<F, 8> = merkle.as_slice().borrow();
    let image = compute_exe_commit(&vm_poseidon2_hasher(), program, &merkle.initial_root, connector.initial_pc);
    Ok(SegmentEnds {
        image_if_first: digest_bytes(&image),
        program: digest_bytes(program),
        initial_pc: connector.initial_pc.as_canonical_u32(),
        final_pc: connector.final_pc.as_canonical_u32(),
        initial_root: digest_bytes(&merkle.initial_root),
        final_root: digest_bytes(&merkle.final_root),
        terminates: connector.is_terminate(),
        exit_code: connector.exit_code.as_canonical_u32(),
    })
}
