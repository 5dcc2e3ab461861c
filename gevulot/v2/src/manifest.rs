//! manifests/ as gevulot-rs' own types: each task and workflow is built as a
//! `gevulot_rs::models::Task` / `Workflow` from src/settings.rs and written as the YAML `gvltctl`
//! reads (the same serde definitions), with a comment on top.

use gevulot_rs::models::{
    ByteUnit, CoreUnit, InputContext, Label, Metadata, OutputContext, Task, TaskEnv, TaskResources, TaskSpec, TimeUnit,
    Workflow, WorkflowSpec, WorkflowStage,
};

use crate::settings::{self, TaskSettings, RETENTION_SECONDS};

pub fn spec(s: &TaskSettings) -> TaskSpec {
    TaskSpec {
        image: s.image.into(),
        command: vec!["/init".into()],
        args: s.args.clone(),
        env: s.env.iter().map(|(name, value)| TaskEnv { name: (*name).into(), value: (*value).into() }).collect(),
        input_contexts: s
            .inputs
            .iter()
            .map(|(source, target)| InputContext { source: source.clone(), target: target.clone() })
            .collect(),
        output_contexts: s
            .outputs
            .iter()
            .map(|name| OutputContext { source: settings::output_path(name), retention_period: RETENTION_SECONDS })
            .collect(),
        resources: TaskResources {
            cpus: CoreUnit::String(format!("{}cpu", s.resources.cpus)),
            gpus: CoreUnit::String(format!("{}gpu", s.resources.gpus)),
            memory: ByteUnit::String(format!("{}GiB", s.resources.memory_gib)),
            time: TimeUnit::String(s.resources.time.into()),
        },
        store_stdout: true,
        store_stderr: true,
    }
}

fn metadata(name: &str, description: &str, tags: &[&str], labels: &[(&str, &str)]) -> Metadata {
    Metadata {
        name: name.into(),
        description: description.into(),
        tags: tags.iter().map(|t| (*t).into()).collect(),
        labels: labels.iter().map(|(key, value)| Label { key: (*key).into(), value: (*value).into() }).collect(),
        ..Metadata::default()
    }
}

pub fn task(s: &TaskSettings) -> Task {
    Task {
        kind: "Task".into(),
        version: "v0".into(),
        metadata: metadata(s.name, s.description, s.tags, &[&s.labels[..], &[settings::CPU_LABEL]].concat()),
        spec: spec(s),
        status: None,
    }
}

/// The prover stage, then the verifier stage. v0 workflows do not pass one stage's outputs to the
/// next: the verifier stage reads the proof from where the prover's task published it (PROOF).
pub fn workflow(prover: &TaskSettings, verifier: &TaskSettings, name: &str, kind: &str) -> Workflow {
    Workflow {
        kind: "Workflow".into(),
        version: "v0".into(),
        metadata: metadata(
            name,
            "Prove one Ethereum block witness, then verify the proof",
            &["ethereum", kind],
            &[("proof-kind", kind)],
        ),
        spec: WorkflowSpec {
            stages: vec![WorkflowStage { tasks: vec![spec(prover)] }, WorkflowStage { tasks: vec![spec(verifier)] }],
        },
        status: None,
    }
}

/// The workflow of split proving for a block of `segments` segments: the segment tasks (one per
/// segment, `${SEGMENT}` filled in: the fan-out), the aggregation of their pieces (the fan-in,
/// one input per segment), then the verifier. v0 workflows run the stages in order but do not pass
/// outputs on: each `${SEGMENT_i}` is the CID of segment task i's piece, and PROOF the
/// aggregation's proof.json, filled in as the stages finish (scripts/deploy.sh v2 --segments).
pub fn split_workflow(segments: usize) -> Workflow {
    let one = settings::execution_segment_prover();
    let fan_out = (0..segments)
        .map(|i| {
            let mut segment = one.clone();
            segment.args = segment.args.iter().map(|a| a.replace("${SEGMENT}", &i.to_string())).collect();
            spec(&segment)
        })
        .collect();
    let mut aggregate = settings::execution_aggregator();
    aggregate.inputs = settings::aggregate_inputs(segments);
    let kind = "execution";
    Workflow {
        kind: "Workflow".into(),
        version: "v0".into(),
        metadata: metadata(
            "eth-block-execution-split",
            "Prove one Ethereum block's execution in segments on many workers, aggregate them, verify the proof",
            &["ethereum", kind, "split"],
            &[("proof-kind", kind), ("segments", &segments.to_string())],
        ),
        spec: WorkflowSpec {
            stages: vec![
                WorkflowStage { tasks: fan_out },
                WorkflowStage { tasks: vec![spec(&aggregate)] },
                WorkflowStage { tasks: vec![spec(&settings::execution_verifier())] },
            ],
        },
        status: None,
    }
}

/// What split_workflow's file says on top.
pub fn split_workflow_comment(segments: usize) -> String {
    format!(
        "Gevulot v2 workflow: one block's execution proof in {segments} segments (docs/split-proving.md): one\n\
         task per segment (the fan-out), the aggregation of their pieces (the fan-in), then the verifier.\n\
         v0 workflows run the stages in order but do not pass outputs on: SEGMENT_i is the CID of segment\n\
         task i's segment.json and PROOF the aggregation's proof.json (scripts/deploy.sh v2 --segments\n\
         fills them in stage by stage). `gevulot-v2 split-workflow --segments N` writes it for N segments."
    )
}

/// Every manifest: (file name, its YAML).
pub fn all() -> anyhow::Result<Vec<(String, String)>> {
    let mut files = Vec::new();
    for s in settings::all_tasks() {
        files.push((s.file.to_string(), render(s.comment, &task(&s))?));
    }
    let workflows = [
        ("workflow.yaml", settings::state_prover(), settings::state_verifier(), "eth-block-prove-and-verify", "state"),
        (
            "workflow-execution.yaml",
            settings::execution_prover(false),
            settings::execution_verifier(),
            "eth-block-execution-prove-and-verify",
            "execution",
        ),
    ];
    for (file, prover, verifier, name, kind) in workflows {
        let comment = "Gevulot v2 workflow: the prover stage, then the verifier stage (stages run in order). v0\n\
                       workflows do not pass one stage's outputs to the next, so the verifier stage reads the\n\
                       proof from where the prover's task publishes it: scripts/deploy.sh fills PROOF with the\n\
                       prover's proof.json CID.";
        files.push((file.to_string(), render(comment, &workflow(&prover, &verifier, name, kind))?));
    }
    files.push(("workflow-execution-split.yaml".into(), render(&split_workflow_comment(4), &split_workflow(4))?));
    Ok(files)
}

/// YAML without the fields a manifest leaves to the network (id, creator, status: null).
pub fn render(comment: &str, value: &impl serde::Serialize) -> anyhow::Result<String> {
    let mut value = serde_yaml::to_value(value)?;
    drop_nulls(&mut value);
    let mut text: String = comment.lines().map(|line| format!("# {}\n", line.trim())).collect();
    text.push_str(&format!(
        "# The image's binaries are built for {} (label `{}`): a worker's CPU must have them.\n",
        settings::CPU_LABEL.1,
        settings::CPU_LABEL.0
    ));
    text.push_str("# Written by `gevulot-v2 manifests` from gevulot/v2/src/settings.rs: edit those, not this file.\n");
    text.push_str(&serde_yaml::to_string(&value)?);
    Ok(text)
}

/// Removes every null field (what a manifest leaves out), recursively.
pub fn drop_nulls(value: &mut serde_yaml::Value) {
    match value {
        serde_yaml::Value::Mapping(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(drop_nulls);
        }
        serde_yaml::Value::Sequence(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}
