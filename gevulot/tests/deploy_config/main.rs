//! What the deployment files (manifests/, the Nanos ops configs) ask of the binaries is what the
//! binaries take. That gevulot-rs' own types accept the manifests is gevulot/v2's test.

mod schema;

use std::{collections::BTreeMap, path::PathBuf};

use clap::Parser;
use gevulot::tasks::{ProverArgs, VerifierArgs};
use proof::ProofKind;
use schema::{bytes, millicores, seconds, Task, TaskSpec, Unit, Workflow};
use serde::Deserialize;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// The values scripts/deploy.sh substitutes; every placeholder in the files must be one of them.
const PLACEHOLDERS: [(&str, &str); 7] = [
    ("${PROVER_IMAGE}", "https://example.org/eth-block-prover.img"),
    ("${VERIFIER_IMAGE}", "https://example.org/eth-block-verifier.img"),
    ("${WITNESS}", "QmWitnessCid"),
    ("${PARAMS}", "https://example.org/kzg_bn254_19.srs"),
    ("${PROOF}", "QmProofCid"),
    ("${CLASS}", "tiny"),
    ("${PARAMS_FILE}", "kzg_bn254_19.srs"),
];

fn load(name: &str) -> String {
    let mut text = std::fs::read_to_string(root().join("manifests").join(name)).unwrap();
    for (placeholder, value) in PLACEHOLDERS {
        text = text.replace(placeholder, value);
    }
    assert!(!text.contains("${"), "{name}: a placeholder scripts/deploy.sh does not fill");
    text
}

/// What the program inside the VM will be asked: the args parse, every input it names is
/// delivered, every output it writes is kept, and the resources suffice.
fn check_prover(spec: &TaskSpec) {
    let args = ProverArgs::try_parse_from(&spec.args).unwrap_or_else(|e| panic!("prover args: {e}"));
    assert_eq!(args.kind, ProofKind::State);
    let params = args.flags.keys.params.clone().expect("the state task names its params");
    check_io(spec, std::slice::from_ref(&args.witness), Some(&params), std::slice::from_ref(&args.proof));
    assert!(args.flags.class.is_some());
    assert!(bytes(&spec.resources.memory) >= 8 << 30, "the tiny class peaks at 3.6 GiB; keys double it");
    assert!(seconds(&spec.resources.time) >= 3600);
    assert!(millicores(&spec.resources.cpus, "cpu") >= 2000);
    assert_eq!(millicores(&spec.resources.gpus, "gpu"), 0);
}

fn check_verifier(spec: &TaskSpec) {
    let args = VerifierArgs::try_parse_from(&spec.args).unwrap_or_else(|e| panic!("verifier args: {e}"));
    let witness = args.witness.clone().expect("the verifier checks the proof covers the witness");
    check_io(spec, &[args.proof.clone(), witness], Some(&args.params), &[]);
    assert!(spec.output_contexts.iter().any(|o| o.source == "/mnt/gevulot/output/result.json"));
    assert!(seconds(&spec.resources.time) >= 60);
}

/// The execution proof's tasks: no params delivered (none is read), the rest as above.
fn check_execution_prover(spec: &TaskSpec) {
    let args = ProverArgs::try_parse_from(&spec.args).unwrap_or_else(|e| panic!("prover args: {e}"));
    assert_eq!(args.kind, ProofKind::Execution);
    assert!(args.flags.class.is_none(), "--class is refused with --kind execution");
    check_io(spec, std::slice::from_ref(&args.witness), None, std::slice::from_ref(&args.proof));
    assert!(bytes(&spec.resources.memory) >= 8 << 30, "a 1-transaction block peaked at 4.6 GiB");
    assert!(seconds(&spec.resources.time) >= 3600);
    assert!(millicores(&spec.resources.cpus, "cpu") >= 2000);
}

fn check_execution_verifier(spec: &TaskSpec) {
    let args = VerifierArgs::try_parse_from(&spec.args).unwrap_or_else(|e| panic!("verifier args: {e}"));
    let witness = args.witness.clone().expect("the verifier checks the proof is of the witness's block");
    check_io(spec, &[args.proof.clone(), witness], None, &[]);
    assert!(spec.output_contexts.iter().any(|o| o.source == "/mnt/gevulot/output/result.json"));
}

fn check_io(spec: &TaskSpec, inputs: &[PathBuf], params_dir: Option<&std::path::Path>, outputs: &[PathBuf]) {
    assert_eq!(spec.command, vec!["/init"], "the image's one program");
    let targets: Vec<PathBuf> = spec.input_contexts.iter().map(|i| PathBuf::from(&i.target)).collect();
    for t in &targets {
        assert!(t.starts_with("/mnt/gevulot/input"), "{t:?}: inputs must be under /mnt/gevulot/input");
    }
    for input in inputs {
        assert!(targets.contains(input), "{input:?} is not among the inputs {targets:?}");
    }
    let params_file = |t: &PathBuf| t.file_name().unwrap().to_str().unwrap().starts_with("kzg_bn254_");
    match params_dir {
        Some(dir) => assert!(
            targets.iter().any(|t| t.parent() == Some(dir) && params_file(t)),
            "the params directory {dir:?} gets a kzg_bn254_{{k}}.srs"
        ),
        None => assert!(!targets.iter().any(params_file), "no params for a proof that reads none"),
    }
    let sources: Vec<PathBuf> = spec.output_contexts.iter().map(|o| PathBuf::from(&o.source)).collect();
    for s in &sources {
        assert!(s.starts_with("/mnt/gevulot/output"), "{s:?}: outputs must be under /mnt/gevulot/output");
    }
    for output in outputs {
        assert!(sources.contains(output), "{output:?} is written but not kept");
    }
    assert!(spec.output_contexts.iter().all(|o| o.retention_period > 0));
    assert!(spec.store_stdout && spec.store_stderr, "the result data also goes to stdout");
}

#[test]
fn task_manifests_parse_and_ask_what_the_binaries_take() {
    let prover: Task = serde_yaml::from_str(&load("prover-task.yaml")).unwrap();
    let verifier: Task = serde_yaml::from_str(&load("verifier-task.yaml")).unwrap();
    for task in [&prover, &verifier] {
        assert_eq!((task.kind.as_str(), task.version.as_str()), ("Task", "v0"));
        assert!(!task.metadata.name.is_empty() && !task.metadata.description.is_empty());
        assert!(task.metadata.labels.iter().all(|l| !l.key.is_empty() && !l.value.is_empty()));
        assert!(!task.metadata.tags.is_empty());
    }
    check_prover(&prover.spec);
    check_verifier(&verifier.spec);
    assert!(prover.spec.env.iter().all(|e| !e.name.is_empty()));

    let prover: Task = serde_yaml::from_str(&load("prover-execution-task.yaml")).unwrap();
    let verifier: Task = serde_yaml::from_str(&load("verifier-execution-task.yaml")).unwrap();
    for task in [&prover, &verifier] {
        assert_eq!((task.kind.as_str(), task.version.as_str()), ("Task", "v0"));
        assert!(task.metadata.tags.iter().any(|t| t == "zkvm"));
    }
    check_execution_prover(&prover.spec);
    check_execution_verifier(&verifier.spec);
    // The GPU variant runs the same program with the same arguments, on one GPU.
    let gpu: Task = serde_yaml::from_str(&load("prover-execution-gpu-task.yaml")).unwrap();
    assert_eq!(gpu.spec.args, prover.spec.args);
    assert_eq!(millicores(&gpu.spec.resources.gpus, "gpu"), 1000);
}

#[test]
fn workflow_is_the_prover_stage_then_the_verifier_stage() {
    let workflow: Workflow = serde_yaml::from_str(&load("workflow.yaml")).unwrap();
    assert_eq!((workflow.kind.as_str(), workflow.version.as_str()), ("Workflow", "v0"));
    assert!(!workflow.metadata.name.is_empty());
    let stages = &workflow.spec.stages;
    assert_eq!(stages.iter().map(|s| s.tasks.len()).collect::<Vec<_>>(), vec![1, 1]);
    check_prover(&stages[0].tasks[0]);
    check_verifier(&stages[1].tasks[0]);
    let prover: Task = serde_yaml::from_str(&load("prover-task.yaml")).unwrap();
    let verifier: Task = serde_yaml::from_str(&load("verifier-task.yaml")).unwrap();
    assert_eq!(stages[0].tasks[0].args, prover.spec.args, "the workflow runs the task manifests' programs");
    assert_eq!(stages[1].tasks[0].args, verifier.spec.args);
    assert_eq!(stages[1].tasks[0].input_contexts, verifier.spec.input_contexts);
}

#[test]
fn units_are_read_as_gevulot_rs_reads_them() {
    assert_eq!(millicores(&Unit::String("500mcpu".into()), "cpu"), 500);
    assert_eq!(millicores(&Unit::Number(2), "cpu"), 2000);
    assert_eq!(bytes(&Unit::String("16GiB".into())), 16 << 30);
    assert_eq!(bytes(&Unit::Number(512)), 512 << 20, "a bare number is MiB");
    assert_eq!(seconds(&Unit::String("2h".into())), 7200);
    assert_eq!(seconds(&Unit::String("10m".into())), 600);
}

/// The Nanos ops configs (ops build -c ops-config/<program>.json).
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct OpsConfig {
    program: String,
    args: Vec<String>,
    env: BTreeMap<String, String>,
    files: Vec<String>,
    mounts: BTreeMap<String, String>,
    manifest_passthrough: BTreeMap<String, String>,
    run_config: RunConfig,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct RunConfig {
    #[serde(rename = "CPUs")]
    cpus: u32,
    memory: String,
}

#[test]
fn ops_configs_mount_the_workspace_read_only_root_and_carry_the_params() {
    for program in ["prover", "verifier"] {
        let path = root().join("ops-config").join(format!("{program}.json"));
        let config: OpsConfig = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(config.program, program);
        assert_eq!(config.mounts, BTreeMap::from([("%1".to_string(), "/workspace".to_string())]));
        assert_eq!(config.manifest_passthrough.get("readonly_rootfs").map(String::as_str), Some("true"));
        assert_eq!(config.env.get("GEVULOT_MODE").map(String::as_str), Some("v1"));
        let cpu = config.env.get("REQUIRES_CPU").map(String::as_str).unwrap_or_default();
        assert!(cpu.starts_with("x86-64-v3"), "{program}: the CPU the image needs is said: {cpu:?}");
        assert!(
            config.files.iter().any(|f| f.starts_with("params/kzg_bn254_") && f.ends_with(".srs")),
            "{:?}",
            config.files
        );
        assert!(config.run_config.cpus >= 1 && config.run_config.memory.ends_with('G'));
        // Args are the defaults a task's own arguments override; they must parse with a task's.
        let mut args = config.args.clone();
        if program == "prover" {
            args.extend(["--witness", "/workspace/witness.json"].map(String::from));
            let parsed = ProverArgs::try_parse_from(&args).unwrap();
            assert_eq!(parsed.flags.keys.params, Some(PathBuf::from("/params")));
        } else {
            args.extend(["--proof", "/workspace/proof.json", "--params", "/workspace/other"].map(String::from));
            let parsed = VerifierArgs::try_parse_from(&args).unwrap();
            assert_eq!(parsed.params, PathBuf::from("/workspace/other"), "the task's argument wins");
        }
    }
}

fn deploy(out: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(root().join("scripts/deploy.sh"))
        .env("OUT_DIR", out)
        .arg("--dry-run")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn deploy_script_renders_the_exec_tasks_and_manifests_it_would_send() {
    let dir = tempfile::tempdir().unwrap();
    let witness = dir.path().join("witness.json");
    std::fs::write(&witness, "{}").unwrap();
    let out = deploy(
        dir.path(),
        &[
            "v1",
            "exec",
            "--prover",
            "aa",
            "--verifier",
            "bb",
            "--witness",
            witness.to_str().unwrap(),
            "--witness-url",
            "http://h/w",
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let tasks: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("v1-tasks.json")).unwrap()).unwrap();
    assert_eq!((tasks[0]["program"].as_str(), tasks[1]["program"].as_str()), (Some("aa"), Some("bb")));
    assert_eq!(tasks[1]["inputs"][0]["Output"]["source_program"], "aa", "the verifier reads the prover's output");
    // The node hands the programs name/value pairs, flattened: they must parse.
    for (i, task) in tasks.as_array().unwrap().iter().enumerate() {
        let args: Vec<String> = task["cmd_args"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|a| [a["name"].as_str().unwrap().to_string(), a["value"].as_str().unwrap().to_string()])
            .collect();
        if i == 0 {
            ProverArgs::try_parse_from(&args).unwrap();
        } else {
            VerifierArgs::try_parse_from(&args).unwrap();
        }
    }
    assert!(String::from_utf8_lossy(&out.stdout).contains("gevulot-cli"));

    // deploy.sh v2's successful runs check the rendered files with gevulot-rs' types, which this
    // workspace does not build: gevulot/v2's tests run them. Its refusals come before that check.
    let out = deploy(
        dir.path(),
        &[
            "v2",
            "--kind",
            "execution",
            "--prover-image",
            "p",
            "--verifier-image",
            "v",
            "--witness",
            "w",
            "--params",
            "k",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs none"));

    let out = deploy(dir.path(), &["v2", "--prover-image", "x"]);
    assert_eq!(out.status.code(), Some(2), "missing arguments: usage");
    let out = deploy(
        dir.path(),
        &["v2", "--prover-image", "p", "--verifier-image", "v", "--witness", "w", "--params", "k", "--class", "huge"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("class must be micro, tiny or small"));
}

/// `deploy.sh v1 deploy` computes what the node will record, without gevulot-cli: each image's
/// checksum (BLAKE3, `gevulot-cli calculate-hash`) in the exact `gevulot-cli deploy` line, and the
/// program hashes `exec --tasks` names (SHA3-256 of name, the URL's file name, URL, checksum).
#[test]
fn deploy_script_computes_the_v1_hashes_as_the_node_does() {
    use sha3::Digest;
    let dir = tempfile::tempdir().unwrap();
    let (prover, verifier) = (dir.path().join("prover.img"), dir.path().join("verifier.img"));
    std::fs::write(&prover, b"a prover image").unwrap();
    std::fs::write(&verifier, b"a verifier image").unwrap();
    let (prover_url, verifier_url) = ("https://example.org/images/eth-prover.img", "https://example.org/v.img?x=1");
    let v1_deploy = |prover_url: &str| {
        let (prover, verifier) = (prover.to_str().unwrap(), verifier.to_str().unwrap());
        let args = ["--prover-image", prover, "--prover-url", prover_url, "--verifier-image", verifier];
        deploy(dir.path(), &[&["v1", "deploy", "--name", "eth"][..], &args, &["--verifier-url", verifier_url]].concat())
    };
    let out = v1_deploy(prover_url);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let checksum = |path: &std::path::Path| blake3::hash(&std::fs::read(path).unwrap()).to_hex().to_string();
    let program = |name: &str, file: &str, url: &str, checksum: &str| -> String {
        let digest = sha3::Sha3_256::new().chain_update(format!("{name}{file}{url}{checksum}")).finalize();
        digest.iter().map(|b| format!("{b:02x}")).collect()
    };
    let programs: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("v1-programs.json")).unwrap()).unwrap();
    assert_eq!(programs["prover"], program("#eth-block-prover", "eth-prover.img", prover_url, &checksum(&prover)));
    assert_eq!(programs["verifier"], program("#eth-block-verifier", "v.img", verifier_url, &checksum(&verifier)));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(&format!("--prover {} --provername", checksum(&prover))), "{stdout}");
    assert!(stdout.contains(&format!("--verifier {} --verifiername", checksum(&verifier))), "{stdout}");

    // A URL that names no file gives the node no file name: refused.
    let out = v1_deploy("https://example.org/");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("https://example.org/: names no file"));
}

/// `deploy.sh prepare`: one command builds both programs' images (here from the test build's
/// static binaries and the micro class's INSECURE dev params that scripts/test.sh made), their
/// bootable disks in both task forms, and prints the deployment: the exact gevulot-cli deploy
/// line with the v1 disks' checksums, the exec line for a witness and the v2 command naming the
/// v2 disks.
#[test]
fn prepare_builds_the_images_and_prints_the_deployment() {
    let root = root();
    let params_dir = root.join("target/vm-images/params");
    let params = std::fs::read_dir(&params_dir)
        .unwrap_or_else(|e| panic!("{}: {e} (scripts/test.sh makes it)", params_dir.display()))
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "srs"))
        .expect("the micro class's params");
    let binaries = PathBuf::from(env!("CARGO_BIN_EXE_prover")).parent().unwrap().to_path_buf();
    let dir = tempfile::tempdir().unwrap();
    let images = dir.path().join("images");
    let witness = dir.path().join("witness.json");
    std::fs::write(&witness, "{}").unwrap();
    let out = std::process::Command::new(root.join("scripts/deploy.sh"))
        .env("OUT_DIR", dir.path())
        .env("BINARIES_DIR", &binaries)
        .args(["prepare", "--params", params.to_str().unwrap(), "--url-base", "https://example.org/img/"])
        .args(["--images", images.to_str().unwrap()])
        .args(["--witness", witness.to_str().unwrap(), "--witness-url", "https://example.org/w/witness.json"])
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("INSECURE"), "dev params are labelled: {stderr}");
    for program in ["prover", "verifier"] {
        for mode in ["v1", "v2"] {
            let info: serde_json::Value = serde_json::from_slice(
                &std::fs::read(images.join(format!("disk-{mode}-{program}/image.json"))).unwrap(),
            )
            .unwrap();
            assert_eq!((info["program"].as_str(), info["disk"]["mode"].as_str()), (Some(program), Some(mode)));
            assert!(images.join(format!("upload/eth-block-{program}-{mode}.img")).is_file());
        }
    }
    let checksum =
        |name: &str| blake3::hash(&std::fs::read(images.join("upload").join(name)).unwrap()).to_hex().to_string();
    let deploy_line = format!(
        "--prover {} --provername \\#eth-block-prover --proverimgurl https://example.org/img/eth-block-prover-v1.img",
        checksum("eth-block-prover-v1.img")
    );
    assert!(stdout.contains(&deploy_line), "{stdout}");
    assert!(stdout.contains(&format!("--verifier {}", checksum("eth-block-verifier-v1.img"))), "{stdout}");
    assert!(stdout.contains("scripts/deploy.sh v2 --prover-image https://example.org/img/eth-block-prover-v2.img"));
    let programs: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("v1-programs.json")).unwrap()).unwrap();
    assert_eq!(programs["prover"].as_str().map(str::len), Some(64));
    // With a witness, the exact exec line: the prover program, then the verifier on its proof.
    let tasks: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("v1-tasks.json")).unwrap()).unwrap();
    assert_eq!((&tasks[0]["program"], &tasks[1]["program"]), (&programs["prover"], &programs["verifier"]));
    let witness_checksum = blake3::hash(b"{}").to_hex().to_string();
    assert_eq!(tasks[0]["inputs"][0]["Input"]["local_path"], witness_checksum.as_str());
    assert!(stdout.contains("exec --tasks"), "{stdout}");
}
