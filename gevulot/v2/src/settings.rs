//! What the prover and verifier tasks are, in one place: the programs' arguments (the Gevulot
//! `prover` / `verifier` binaries' own flags), their inputs and outputs, and the resources asked
//! for. manifests/ is written from these (`gevulot-v2 manifests`) and a test keeps it so.

/// The proof kinds the pair proves and verifies (the proof file's envelope names them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProofKind {
    /// halo2 KZG proof of the header chain and the pre-state reads; needs a params file.
    State,
    /// OpenVM STARK that every transaction re-executes to the header's stateRoot.
    Execution,
}

/// The CPU the images' binaries are built for (the workspace's .cargo/config.toml): every task
/// says so in a label, and the binaries refuse to start on a CPU without it.
pub const CPU_LABEL: (&str, &str) = ("cpu", "x86-64-v3");

/// Where a Gevulot v2 worker mounts a task's inputs and collects its outputs.
pub const INPUT_DIR: &str = "/mnt/gevulot/input";
pub const OUTPUT_DIR: &str = "/mnt/gevulot/output";
/// How long the network keeps an output (seconds): a day, enough to fetch it or feed a verifier.
pub const RETENTION_SECONDS: i64 = 86_400;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resources {
    pub cpus: u64,
    pub gpus: u64,
    pub memory_gib: u64,
    /// A humantime duration, as the manifests write it ("2h", "10m").
    pub time: &'static str,
}

/// One task as the manifests declare it; `${NAME}` marks what a deployment fills in.
#[derive(Clone, Debug)]
pub struct TaskSettings {
    pub file: &'static str,
    pub comment: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub tags: &'static [&'static str],
    pub labels: Vec<(&'static str, &'static str)>,
    pub image: &'static str,
    pub args: Vec<String>,
    pub env: Vec<(&'static str, &'static str)>,
    /// (source, file name under INPUT_DIR)
    pub inputs: Vec<(String, String)>,
    /// file names under OUTPUT_DIR
    pub outputs: Vec<&'static str>,
    pub resources: Resources,
}

fn input(name: &str) -> String {
    format!("{INPUT_DIR}/{name}")
}

fn output(name: &str) -> String {
    format!("{OUTPUT_DIR}/{name}")
}

/// The state prover: one circuit class per task (the class's keys are made in the task), peaking
/// at 1.2 GiB (micro) and 3.6 GiB (tiny) while proving, keys on top; v1's ops-config asks the same.
pub fn state_prover() -> TaskSettings {
    TaskSettings {
        file: "prover-task.yaml",
        comment: "Gevulot v2 task: prove one block witness (the state proof). The dollar-brace placeholders are\n\
                  filled in by scripts/deploy.sh; the inputs are URLs or IPFS CIDs of the network's private IPFS.",
        name: "eth-block-prover",
        description: "Proves the parent-state accounts and slots of one Ethereum block witness (halo2 KZG, BN254)",
        tags: &["ethereum", "halo2", "prover"],
        labels: vec![("proof-kind", "state"), ("circuit-class", "${CLASS}")],
        image: "${PROVER_IMAGE}",
        args: [
            "--witness",
            &input("witness.json"),
            "--params",
            &input("params"),
            "--class",
            "${CLASS}",
            "--proof",
            &output("proof.json"),
        ]
        .map(String::from)
        .to_vec(),
        env: vec![("RUST_LOG", "warn,gevulot=info,prover=info,circuit=info")],
        inputs: vec![
            ("${WITNESS}".into(), input("witness.json")),
            ("${PARAMS}".into(), input("params/${PARAMS_FILE}")),
        ],
        outputs: vec!["proof.json", "result.json"],
        resources: Resources { cpus: 4, gpus: 0, memory_gib: 16, time: "2h" },
    }
}

/// The state verifier: the params file again (the verifying key is derived from it), the witness
/// the proof must cover, the proof.
pub fn state_verifier() -> TaskSettings {
    TaskSettings {
        file: "verifier-task.yaml",
        comment: "Gevulot v2 task: verify one state proof file (and that it covers exactly the given witness).",
        name: "eth-block-verifier",
        description:
            "Verifies a proof from eth-block-prover; result.json says {is_success, message, proof_file, timestamp}",
        tags: &["ethereum", "halo2", "verifier"],
        labels: vec![("proof-kind", "state")],
        image: "${VERIFIER_IMAGE}",
        args: ["--proof", &input("proof.json"), "--params", &input("params"), "--witness", &input("witness.json")]
            .map(String::from)
            .to_vec(),
        env: vec![("RUST_LOG", "warn,gevulot=info,verifier=info,circuit=info")],
        inputs: vec![
            ("${PROOF}".into(), input("proof.json")),
            ("${WITNESS}".into(), input("witness.json")),
            ("${PARAMS}".into(), input("params/${PARAMS_FILE}")),
        ],
        outputs: vec!["result.json"],
        resources: Resources { cpus: 1, gpus: 0, memory_gib: 4, time: "10m" },
    }
}

/// The execution prover. A 1-transaction block took 4.6 GiB and 10 minutes on 2 cores; a mainnet
/// block is hundreds of segments, hours even on 8 cores: size `time` to the chain. The GPU variant
/// asks for one GPU, for OpenVM's CUDA prover (not built or run on these GPU-less machines).
pub fn execution_prover(gpu: bool) -> TaskSettings {
    let (file, name, resources) = if gpu {
        (
            "prover-execution-gpu-task.yaml",
            "eth-block-execution-prover-gpu",
            Resources { cpus: 8, gpus: 1, memory_gib: 32, time: "2h" },
        )
    } else {
        (
            "prover-execution-task.yaml",
            "eth-block-execution-prover",
            Resources { cpus: 8, gpus: 0, memory_gib: 16, time: "12h" },
        )
    };
    TaskSettings {
        file,
        comment: if gpu {
            "Gevulot v2 task: the execution proof on a worker with a GPU (OpenVM's CUDA prover). Declared for\n\
             the networks that have GPU workers; the image must be built with the GPU prover, which these\n\
             machines (no GPU) cannot build or test."
        } else {
            "Gevulot v2 task: the execution proof of one block witness (a zkVM proof, OpenVM, that every\n\
             transaction re-executes to the header's stateRoot). No params: the guest image and its keys\n\
             are built into the prover. Filled in by scripts/deploy.sh (v2 --kind execution)."
        },
        name,
        description: "Proves that every transaction of one Ethereum block witness re-executes to its header's stateRoot (OpenVM STARK)",
        tags: &["ethereum", "zkvm", "openvm", "prover"],
        labels: vec![("proof-kind", "execution")],
        image: "${PROVER_IMAGE}",
        args: ["--kind", "execution", "--witness", &input("witness.json"), "--proof", &output("proof.json")].map(String::from).to_vec(),
        env: vec![("RUST_LOG", "warn,gevulot=info,prover=info,execution=info")],
        inputs: vec![("${WITNESS}".into(), input("witness.json"))],
        outputs: vec!["proof.json", "result.json"],
        resources,
    }
}

/// The execution verifier: the verifying key is built into the image; the witness names the block.
pub fn execution_verifier() -> TaskSettings {
    TaskSettings {
        file: "verifier-execution-task.yaml",
        comment: "Gevulot v2 task: verify one execution proof file (its verifying key is built into the\n\
                  verifier) and that it is of the given witness's block.",
        name: "eth-block-execution-verifier",
        description: "Verifies an execution proof from eth-block-execution-prover; result.json says {is_success, message, proof_file, timestamp}",
        tags: &["ethereum", "zkvm", "openvm", "verifier"],
        labels: vec![("proof-kind", "execution")],
        image: "${VERIFIER_IMAGE}",
        args: ["--proof", &input("proof.json"), "--witness", &input("witness.json")].map(String::from).to_vec(),
        env: vec![("RUST_LOG", "warn,gevulot=info,verifier=info")],
        inputs: vec![("${PROOF}".into(), input("proof.json")), ("${WITNESS}".into(), input("witness.json"))],
        outputs: vec!["result.json"],
        resources: Resources { cpus: 1, gpus: 0, memory_gib: 4, time: "10m" },
    }
}

/// Split proving's first stage: one segment of the block's run (docs/split-proving.md). Every
/// task of a block gets the same witness and segment setting, so they cut the run the same way;
/// `${SEGMENT}` is the index. Mainnet segments at the default setting (4 GiB) fit the task's
/// 16 GiB (peaks in docs/performance.md).
pub fn execution_segment_prover() -> TaskSettings {
    TaskSettings {
        file: "prover-execution-segment-task.yaml",
        comment: "Gevulot v2 task: one segment of a block's execution proof (split proving, the fan-out stage of\n\
                  workflow-execution-split.yaml). Its output is a piece file that the aggregation task takes.",
        name: "eth-block-execution-segment",
        description: "Proves one segment of one Ethereum block's execution (OpenVM STARK), for aggregation",
        tags: &["ethereum", "zkvm", "openvm", "prover", "segment"],
        labels: vec![("proof-kind", "execution"), ("piece", "segment")],
        image: "${PROVER_IMAGE}",
        args: [
            "--kind",
            "execution",
            "--witness",
            &input("witness.json"),
            // One argument each, so that a filled-in number stays a string in the YAML.
            "--segment-memory=${SEGMENT_GIB}",
            "--segment=${SEGMENT}",
            "--proof",
            &output("segment.json"),
        ]
        .map(String::from)
        .to_vec(),
        env: vec![("RUST_LOG", "warn,gevulot=info,prover=info,execution=info")],
        inputs: vec![("${WITNESS}".into(), input("witness.json"))],
        outputs: vec!["segment.json", "result.json"],
        resources: Resources { cpus: 4, gpus: 0, memory_gib: 16, time: "1h" },
    }
}

/// Split proving's fan-in: every segment's piece (the segment tasks' outputs, under
/// `segments/`), checked and aggregated into the block's proof file, the same file the one-task
/// prover writes. One input per segment: `aggregate_inputs` adds them for a block's count.
pub fn execution_aggregator() -> TaskSettings {
    TaskSettings {
        file: "prover-execution-aggregate-task.yaml",
        comment: "Gevulot v2 task: the aggregation of a block's segment pieces into its execution proof (the\n\
                  fan-in stage of workflow-execution-split.yaml). Each SEGMENT_i is the CID of segment task i's\n\
                  segment.json: v0 workflows do not pass one stage's outputs to the next.",
        name: "eth-block-execution-aggregate",
        description: "Aggregates the segment proofs of one Ethereum block into its execution proof (OpenVM STARK)",
        tags: &["ethereum", "zkvm", "openvm", "prover", "aggregation"],
        labels: vec![("proof-kind", "execution"), ("piece", "aggregation")],
        image: "${PROVER_IMAGE}",
        args: [
            "--kind",
            "execution",
            "--witness",
            &input("witness.json"),
            "--segment-memory=${SEGMENT_GIB}",
            "--aggregate",
            &input("segments"),
            "--proof",
            &output("proof.json"),
        ]
        .map(String::from)
        .to_vec(),
        env: vec![("RUST_LOG", "warn,gevulot=info,prover=info,execution=info")],
        inputs: aggregate_inputs(1),
        outputs: vec!["proof.json", "result.json"],
        resources: Resources { cpus: 8, gpus: 0, memory_gib: 16, time: "2h" },
    }
}

/// The aggregation's inputs for a block of `segments` segments: the witness, and segment task
/// i's piece (`${SEGMENT_i}`) as `segments/segment-i.json`.
pub fn aggregate_inputs(segments: usize) -> Vec<(String, String)> {
    let pieces = (0..segments).map(|i| (format!("${{SEGMENT_{i}}}"), input(&format!("segments/segment-{i}.json"))));
    std::iter::once(("${WITNESS}".to_string(), input("witness.json"))).chain(pieces).collect()
}

/// Every task manifest, in the order manifests/ lists them.
pub fn all_tasks() -> Vec<TaskSettings> {
    vec![
        state_prover(),
        state_verifier(),
        execution_prover(false),
        execution_prover(true),
        execution_verifier(),
        execution_segment_prover(),
        execution_aggregator(),
    ]
}

pub fn output_path(name: &str) -> String {
    output(name)
}
