//! Runs a chunk through halo2's MockProver at its class's size: every constraint checked, no
//! proof made. For tests.

use axiom_eth::{
    halo2_base::gates::circuit::CircuitBuilderStage,
    halo2_proofs::dev::MockProver,
    halo2curves::bn256::Fr,
    utils::{
        component::promise_loader::single::PromiseLoaderParams,
        eth_circuit::{EthCircuitImpl, EthCircuitParams},
    },
};

use crate::{BlockStateCircuit, Chunk};

/// Outcome of a mock run: the instances the circuit computed, and whether every constraint held.
pub struct MockRun {
    /// The instances the circuit computed.
    pub instances: Vec<Fr>,
    /// Whether every constraint held (the failures otherwise).
    pub satisfied: Result<(), String>,
}

/// Runs halo2's MockProver on a chunk: no keys, no params, every constraint checked.
pub fn mock_prove(chunk: &Chunk) -> MockRun {
    let k = chunk.class.k;
    let mut params = EthCircuitParams::default().rlc;
    params.base.k = k as usize;
    let capacity = chunk.class.keccak_capacity();
    let mut circuit = EthCircuitImpl::<Fr, _>::new_impl(
        CircuitBuilderStage::Mock,
        BlockStateCircuit { chunk: chunk.clone() },
        params,
        PromiseLoaderParams::new_for_one_shard(capacity),
    );
    circuit.mock_fulfill_keccak_promises(Some(capacity));
    circuit.calculate_params();
    let instances = circuit.instances();
    let satisfied = MockProver::run(k, &circuit, instances.clone()).map_err(|e| e.to_string()).and_then(|p| {
        p.verify().map_err(|errors| format!("{} constraint failures, first: {:?}", errors.len(), errors.first()))
    });
    MockRun { instances: instances.into_iter().next().unwrap_or_default(), satisfied }
}
