//! manifests/ against gevulot-rs 0.4.0's own types: every file is what the settings make, parses
//! into gevulot-rs' Task / Workflow and serializes back to the same document, and turns into
//! messages whose protobuf decodes to the chain's units. Bad manifests are refused by field.

use std::path::{Path, PathBuf};

use gevulot_rs::proto::gevulot::gevulot;
use gevulot_v2::{check, manifest, messages, settings};
use prost::Message;

fn manifests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../manifests")
}

fn read(name: &str) -> String {
    std::fs::read_to_string(manifests_dir().join(name)).unwrap()
}

fn without_nulls(mut value: serde_yaml::Value) -> serde_yaml::Value {
    manifest::drop_nulls(&mut value);
    value
}

#[test]
fn manifests_are_what_the_settings_make() {
    let made = manifest::all().unwrap();
    for (file, text) in &made {
        assert_eq!(&read(file), text, "manifests/{file} differs: run `gevulot-v2 manifests`");
    }
    let mut on_disk: Vec<String> = std::fs::read_dir(manifests_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".yaml"))
        .collect();
    on_disk.sort();
    let mut names: Vec<String> = made.iter().map(|(file, _)| file.clone()).collect();
    names.sort();
    assert_eq!(on_disk, names, "a manifest not written from the settings");
}

#[test]
fn every_manifest_round_trips_through_gevulot_rs_types() {
    for (file, _) in manifest::all().unwrap() {
        let text = read(&file);
        let original = without_nulls(serde_yaml::from_str(&text).unwrap());
        let back = match check::parse(&text).unwrap_or_else(|e| panic!("{file}: {e:#}")) {
            check::Manifest::Task(task) => serde_yaml::to_value(&task).unwrap(),
            check::Manifest::Workflow(workflow) => serde_yaml::to_value(&workflow).unwrap(),
        };
        assert_eq!(without_nulls(back), original, "{file} does not survive gevulot-rs' types");
    }
}

/// Each edit of the state prover's task and the field its refusal must name.
#[test]
fn bad_manifests_are_refused_with_the_field_named() {
    let good = read("prover-task.yaml");
    check::parse(&good).unwrap();
    let cases = [
        ("  image: ${PROVER_IMAGE}\n", "", "missing field `image`"),
        ("  - key: proof-kind\n    value: state\n  - key: circuit-class\n    value: ${CLASS}\n", "", ""),
        ("    cpus: 4cpu\n", "    cpus: lots\n", "resources.cpus"),
        ("    memory: 16GiB\n", "    memory: plenty\n", "resources.memory"),
        ("    time: 2h\n", "    time: soon\n", "resources.time"),
        ("    time: 2h\n", "    time: 0s\n", "resources.time: zero"),
        (
            "    target: /mnt/gevulot/input/witness.json\n",
            "    target: /etc/witness.json\n",
            "inputContexts[0].target: /etc/witness.json is outside /mnt/gevulot/input",
        ),
        (
            "    target: /mnt/gevulot/input/witness.json\n",
            "    target: /mnt/gevulot/input/../../etc/w\n",
            "inputContexts[0].target",
        ),
        (
            "  - source: /mnt/gevulot/output/proof.json\n",
            "  - source: /tmp/proof.json\n",
            "outputContexts[0].source: /tmp/proof.json is outside /mnt/gevulot/output",
        ),
        ("kind: Task\n", "kind: Pod\n", "kind: \"Pod\""),
        ("version: v0\n", "version: v9\n", "version: \"v9\""),
        ("  tags:\n  - ethereum\n  - halo2\n  - prover\n", "", "missing field `tags`"),
    ];
    for (from, to, named) in cases {
        assert!(good.contains(from), "the manifest no longer has {from:?}");
        let bad = good.replacen(from, to, 1);
        let result = check::parse(&bad);
        if named.is_empty() {
            // Labels are a list: an empty one is still a task.
            result.unwrap();
            continue;
        }
        let error = format!("{:#}", result.expect_err(named));
        assert!(error.contains(named), "{from:?} -> {to:?}: the error {error:?} does not name {named:?}");
    }
    let workflow = read("workflow.yaml").replacen("    cpus: 1cpu\n", "    cpus: 1 bogon\n", 1);
    let error = format!("{:#}", check::parse(&workflow).unwrap_err());
    assert!(error.contains("spec.stages[1].tasks[0].resources.cpus"), "{error}");
}

fn filled(name: &str) -> String {
    let mut text = read(name);
    for (placeholder, value) in [
        ("${PROVER_IMAGE}", "https://example.org/prover.img"),
        ("${VERIFIER_IMAGE}", "https://example.org/verifier.img"),
        ("${WITNESS}", "bafywitness"),
        ("${PARAMS}", "bafyparams"),
        ("${PARAMS_FILE}", "kzg_bn254_19.srs"),
        ("${PROOF}", "bafyproof"),
        ("${CLASS}", "tiny"),
    ] {
        text = text.replace(placeholder, value);
    }
    assert!(!text.contains("${"), "{name}: a placeholder this test does not fill");
    text
}

fn task(name: &str) -> gevulot_rs::models::Task {
    match check::parse(&filled(name)).unwrap() {
        check::Manifest::Task(task) => task,
        other => panic!("{name}: {other:?}"),
    }
}

#[test]
fn messages_carry_the_chains_units() {
    let printed = messages::create_task(&task("prover-task.yaml"), "gvlt1creator").unwrap();
    assert_eq!(printed.type_url, "/gevulot.gevulot.MsgCreateTask");
    let message = gevulot::MsgCreateTask::decode(printed.bytes.as_slice()).unwrap();
    assert_eq!((message.cpus, message.gpus, message.memory, message.time), (4000, 0, 16 << 30, 7200));
    assert_eq!(message.creator, "gvlt1creator");
    assert_eq!(message.image, "https://example.org/prover.img");
    let mut targets: Vec<_> = message.input_contexts.iter().map(|i| (i.source.as_str(), i.target.as_str())).collect();
    targets.sort();
    assert_eq!(
        targets,
        [
            ("bafyparams", "/mnt/gevulot/input/params/kzg_bn254_19.srs"),
            ("bafywitness", "/mnt/gevulot/input/witness.json")
        ]
    );
    assert!(message.args.windows(2).any(|w| w == ["--class", "tiny"]));
    assert!(message.labels.iter().any(|l| l.key == "proof-kind" && l.value == "state"));

    let gpu = messages::create_task(&task("prover-execution-gpu-task.yaml"), "gvlt1creator").unwrap();
    let gpu = gevulot::MsgCreateTask::decode(gpu.bytes.as_slice()).unwrap();
    assert_eq!(gpu.gpus, 1000, "one GPU, in the chain's milli-units");
    assert!(gpu.args.windows(2).any(|w| w == ["--kind", "execution"]));

    let workflow = match check::parse(&filled("workflow.yaml")).unwrap() {
        check::Manifest::Workflow(w) => w,
        other => panic!("{other:?}"),
    };
    let printed = messages::create_workflow(&workflow, "gvlt1creator").unwrap();
    assert_eq!(printed.type_url, "/gevulot.gevulot.MsgCreateWorkflow");
    let message = gevulot::MsgCreateWorkflow::decode(printed.bytes.as_slice()).unwrap();
    let stages = message.spec.unwrap().stages;
    assert_eq!(stages.len(), 2);
    assert_eq!(stages[0].tasks[0].image, "https://example.org/prover.img");
    assert_eq!((stages[1].tasks[0].cpus, stages[1].tasks[0].time), (1000, 600));

    let image = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(image.path(), vec![0u8; 12345]).unwrap();
    let pin = messages::ImagePin {
        name: "eth-block-prover",
        url: "https://example.org/prover.img",
        bytes: 12345,
        seconds: 3600,
    };
    let printed = messages::create_pin(&pin, "gvlt1creator").unwrap();
    let message = gevulot::MsgCreatePin::decode(printed.bytes.as_slice()).unwrap();
    assert_eq!(
        (message.bytes, message.time, message.fallback_urls.as_slice()),
        (12345, 3600, ["https://example.org/prover.img".to_string()].as_slice())
    );
}

/// v1's ops-config and the v2 state tasks ask for the same: one set of figures for both networks.
#[test]
fn v1_ops_config_agrees_with_the_v2_settings() {
    for (config, task) in [("prover.json", settings::state_prover()), ("verifier.json", settings::state_verifier())] {
        let path = manifests_dir().join("../ops-config").join(config);
        let ops: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(ops["RunConfig"]["CPUs"], task.resources.cpus, "{config}: CPUs");
        assert_eq!(ops["RunConfig"]["Memory"], format!("{}G", task.resources.memory_gib), "{config}: Memory");
        let log = task.env.iter().find(|(name, _)| *name == "RUST_LOG").unwrap().1;
        assert_eq!(ops["Env"]["RUST_LOG"], log, "{config}: RUST_LOG");
    }
}

#[test]
fn the_command_refuses_unfilled_and_bad_files() {
    let bin = env!("CARGO_BIN_EXE_gevulot-v2");
    let out = std::process::Command::new(bin)
        .arg("messages")
        .arg(manifests_dir().join("verifier-task.yaml"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unfilled placeholder ${VERIFIER_IMAGE}"), "{stderr}");

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, read("verifier-task.yaml").replace("/mnt/gevulot/input/proof.json\n", "/proof.json\n"))
        .unwrap();
    let out = std::process::Command::new(bin).arg("check").arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("inputContexts[0].target: /proof.json is outside /mnt/gevulot/input"), "{stderr}");

    let good = dir.path().join("prover-task.yaml");
    std::fs::write(&good, filled("prover-task.yaml")).unwrap();
    let out = std::process::Command::new(bin).args(["messages", "--creator", "gvlt1me"]).arg(&good).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("/gevulot.gevulot.MsgCreateTask ("), "{stdout}");
    assert!(stdout.contains("creator: \"gvlt1me\""), "{stdout}");
}

/// scripts/deploy.sh v2 --dry-run: the rendered task is checked, the pins and the task are printed
/// as gevulot-rs' messages, then the gvltctl command that would send them.
#[test]
fn deploy_dry_run_prints_the_messages_then_the_command() {
    let root = manifests_dir().join("..");
    let out = tempfile::tempdir().unwrap();
    let image = out.path().join("prover.img");
    std::fs::write(&image, vec![0u8; 4096]).unwrap();
    let deploy = |args: &[&str]| {
        std::process::Command::new(root.join("scripts/deploy.sh"))
            .args(args)
            .env("OUT_DIR", out.path())
            .env("GEVULOT_V2_BIN", env!("CARGO_BIN_EXE_gevulot-v2"))
            .output()
            .unwrap()
    };
    let image_arg = image.to_str().unwrap();
    let run = deploy(&[
        "--dry-run",
        "v2",
        "--kind",
        "execution",
        "--gpu",
        "--prover-image",
        "https://example.org/p.img",
        "--verifier-image",
        "https://example.org/v.img",
        "--witness",
        "bafywitness",
        "--prover-image-file",
        image_arg,
    ]);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&run.stderr));
    let pin = stdout.find("/gevulot.gevulot.MsgCreatePin").expect("the prover image's pin");
    let task = stdout.find("/gevulot.gevulot.MsgCreateTask").expect("the task");
    let send = stdout.find("+ gvltctl task create -f").expect("the command");
    assert!(pin < task && task < send, "{stdout}");
    assert!(stdout.contains("bytes: 4096") && stdout.contains("https://example.org/p.img"), "{stdout}");
    assert!(stdout.contains("gpus: 1000"), "the GPU task: {stdout}");
    assert!(out.path().join("prover-execution-gpu-task.yaml").exists());

    // The state proof's second stage: the verifier task, with the prover's proof CID as its input.
    let run = deploy(&[
        "--dry-run",
        "v2",
        "--prover-image",
        "http://h/p.img",
        "--verifier-image",
        "http://h/v.img",
        "--witness",
        "QmW",
        "--params",
        "QmP",
        "--proof",
        "QmProof",
    ]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let rendered = std::fs::read_to_string(out.path().join("verifier-task.yaml")).unwrap();
    let check::Manifest::Task(verifier) = check::parse(&rendered).unwrap() else { panic!("not a task") };
    assert_eq!(verifier.spec.input_contexts[0].source, "QmProof");
    assert_eq!(verifier.spec.image, "http://h/v.img");
    let workflow = std::fs::read_to_string(out.path().join("workflow.yaml")).unwrap();
    assert!(matches!(check::parse(&workflow).unwrap(), check::Manifest::Workflow(_)));
    // The execution proof on a CPU worker: its own task, the witness its one input.
    let run = deploy(&[
        "--dry-run",
        "v2",
        "--kind",
        "execution",
        "--prover-image",
        "p",
        "--verifier-image",
        "v",
        "--witness",
        "QmW",
    ]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let rendered = std::fs::read_to_string(out.path().join("prover-execution-task.yaml")).unwrap();
    let check::Manifest::Task(prover) = check::parse(&rendered).unwrap() else { panic!("not a task") };
    assert_eq!(prover.spec.input_contexts.iter().map(|i| i.source.as_str()).collect::<Vec<_>>(), ["QmW"]);

    let refused = deploy(&[
        "--dry-run",
        "v2",
        "--gpu",
        "--prover-image",
        "u",
        "--verifier-image",
        "v",
        "--witness",
        "w",
        "--params",
        "p",
    ]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--gpu is for the execution proof"));
}

/// scripts/deploy.sh v2 --segments N: split proving stage by stage. The N segment tasks (each its
/// index, the segment setting), then with --pieces the aggregation with one input per piece, then
/// with --proof the verifier; the workflow of all three is checked at each stage, and a piece
/// count that is not the segment count is refused.
#[test]
fn deploy_split_proving_stage_by_stage() {
    let root = manifests_dir().join("..");
    let out = tempfile::tempdir().unwrap();
    let deploy = |extra: &[&str]| {
        let base = ["--dry-run", "v2", "--kind", "execution", "--segments", "3", "--segment-memory", "2"];
        let images = ["--prover-image", "http://h/p.img", "--verifier-image", "http://h/v.img", "--witness", "QmW"];
        std::process::Command::new(root.join("scripts/deploy.sh"))
            .args(base)
            .args(images)
            .args(extra)
            .env("OUT_DIR", out.path())
            .env("GEVULOT_V2_BIN", env!("CARGO_BIN_EXE_gevulot-v2"))
            .output()
            .unwrap()
    };
    let task_at = |name: &str| {
        let text = std::fs::read_to_string(out.path().join(name)).unwrap();
        let check::Manifest::Task(task) = check::parse(&text).unwrap() else { panic!("{name} is not a task") };
        task
    };
    let run = deploy(&[]);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&run.stderr));
    assert_eq!(stdout.matches("+ gvltctl task create -f").count(), 3, "{stdout}");
    for i in 0..3 {
        let segment = task_at(&format!("segment-{i}-task.yaml"));
        assert!(segment.spec.args.contains(&format!("--segment={i}")), "{:?}", segment.spec.args);
        assert!(segment.spec.args.contains(&"--segment-memory=2".to_string()), "{:?}", segment.spec.args);
    }
    let workflow = std::fs::read_to_string(out.path().join("workflow-execution-split.yaml")).unwrap();
    let check::Manifest::Workflow(workflow) = check::parse(&workflow).unwrap() else { panic!("not a workflow") };
    assert_eq!(workflow.spec.stages.iter().map(|s| s.tasks.len()).collect::<Vec<_>>(), [3, 1, 1]);

    let run = deploy(&["--pieces", "QmA,QmB,QmC"]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let aggregate = task_at("aggregate-task.yaml");
    let sources: Vec<&str> = aggregate.spec.input_contexts.iter().map(|i| i.source.as_str()).collect();
    assert_eq!(sources, ["QmW", "QmA", "QmB", "QmC"]);
    assert_eq!(aggregate.spec.input_contexts[3].target, "/mnt/gevulot/input/segments/segment-2.json");

    let run = deploy(&["--pieces", "QmA,QmB"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("--pieces names 2 pieces, the block has 3 segments"));

    let run = deploy(&["--pieces", "QmA,QmB,QmC", "--proof", "QmProof"]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    assert_eq!(task_at("verifier-execution-task.yaml").spec.input_contexts[0].source, "QmProof");
}
