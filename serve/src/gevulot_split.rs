//! A block's execution proof sent to Gevulot in pieces (`serve --gevulot-dry-run --split`): the
//! dispatcher plans the block's run here (metered execution, seconds), then writes one task per
//! segment (the fan-out), the task that aggregates their pieces (the fan-in) and the workflow of
//! both, from the task templates of `manifests/`, and prints the commands that send them stage
//! by stage and hand the proof back. Gevulot's v0 workflows run stages in order but do not pass
//! one stage's outputs to the next, so the aggregation task names each segment's piece as
//! `${SEGMENT_i}`, the CID segment task i published, filled in once the segments are done. The
//! proof comes back through `POST /blocks/{n}/proof`, as a one-task proof does.

use std::time::Duration;

use execution::{split::SplitRun, ProverSettings};
use serde_yaml::{Mapping, Value};

use crate::{
    gevulot::{
        block_file, checked_task, create_task, fill, hand_in, public_api, quoted, task_time, write_file, Dispatch,
        DispatchError, GevulotConfig, LEASE_MARGIN,
    },
    jobs::Claimed,
};

const SEGMENT_TASK: &str = include_str!("../../manifests/prover-execution-segment-task.yaml");
const AGGREGATE_TASK: &str = include_str!("../../manifests/prover-execution-aggregate-task.yaml");
/// What a segment task's input of the aggregation is called: `${SEGMENT_0}`, `${SEGMENT_1}`...
const PIECE_PLACEHOLDER: &str = "SEGMENT_";

/// The tasks of one block's split workflow, filled in but for the pieces' CIDs.
#[derive(Debug)]
pub(crate) struct SplitTasks {
    /// One per segment, in order.
    pub(crate) segments: Vec<String>,
    /// The aggregation, with `${SEGMENT_i}` inputs.
    pub(crate) aggregate: String,
    /// The workflow of both stages.
    pub(crate) workflow: String,
    /// The longest a segment task may take, plus the aggregation's limit.
    pub(crate) time: Duration,
}

/// The split workflow's tasks for a run of `segments` segments, from the templates, with
/// `values` filled in (PROVER_IMAGE, WITNESS, SEGMENT_GIB; whatever is not given stays a
/// placeholder only if `keep_placeholders`).
pub(crate) fn split_tasks(
    segments: usize,
    values: &[(&str, &str)],
    keep_placeholders: bool,
) -> Result<SplitTasks, DispatchError> {
    let may_remain: fn(&str) -> bool = if keep_placeholders { |_| true } else { is_piece_placeholder };
    let mut segment_docs = Vec::with_capacity(segments);
    let mut segment_texts = Vec::with_capacity(segments);
    let mut time = Duration::ZERO;
    for i in 0..segments {
        let index = i.to_string();
        let with_index: Vec<(&str, &str)> = values.iter().copied().chain([("SEGMENT", index.as_str())]).collect();
        let doc = checked_task(&fill(SEGMENT_TASK, &with_index, may_remain)?)?;
        time = time.max(task_time(&doc)?);
        segment_texts.push(yaml(&doc)?);
        segment_docs.push(doc);
    }
    let mut aggregate = checked_task(&fill(AGGREGATE_TASK, values, may_remain)?)?;
    time += task_time(&aggregate)?;
    set_piece_inputs(&mut aggregate, segments)?;
    let aggregate_text = yaml(&aggregate)?;
    let workflow = workflow(segments, segment_docs, aggregate)?;
    Ok(SplitTasks { segments: segment_texts, aggregate: aggregate_text, workflow, time })
}

/// `SEGMENT_<i>`: a segment's piece, whose CID is known once its task is done.
fn is_piece_placeholder(name: &str) -> bool {
    name.strip_prefix(PIECE_PLACEHOLDER).is_some_and(|i| !i.is_empty() && i.bytes().all(|b| b.is_ascii_digit()))
}

/// The aggregation's inputs: the witness (as the template has it), then one piece per segment.
fn set_piece_inputs(task: &mut Value, segments: usize) -> Result<(), DispatchError> {
    let inputs = task["spec"]["inputContexts"]
        .as_sequence_mut()
        .ok_or(DispatchError::Template("the aggregation task has no spec.inputContexts"))?;
    inputs.retain(|input| !input["source"].as_str().is_some_and(|s| s.starts_with(&format!("${{{PIECE_PLACEHOLDER}"))));
    for i in 0..segments {
        let mut input = Mapping::new();
        input.insert("source".into(), format!("${{{PIECE_PLACEHOLDER}{i}}}").into());
        input.insert("target".into(), format!("/mnt/gevulot/input/segments/segment-{i}.json").into());
        inputs.push(Value::Mapping(input));
    }
    Ok(())
}

/// The workflow: the segment tasks in one stage, the aggregation in the next. (The server
/// verifies what comes back, so the verifier stage of manifests/workflow-execution-split.yaml is
/// left out.)
fn workflow(segments: usize, fan_out: Vec<Value>, fan_in: Value) -> Result<String, DispatchError> {
    let stage = |tasks: Vec<Value>| {
        let mut stage = Mapping::new();
        stage.insert("tasks".into(), tasks.into_iter().map(|t| t["spec"].clone()).collect::<Vec<_>>().into());
        Value::Mapping(stage)
    };
    let doc: Value = serde_yaml::from_str(&format!(
        "kind: Workflow\nversion: v0\nmetadata:\n  name: eth-block-execution-split\n  \
         description: One Ethereum block's execution proof in {segments} segments, then their aggregation\n  \
         tags: [ethereum, execution, split]\n  labels:\n  - key: proof-kind\n    value: execution\n  \
         - key: segments\n    value: '{segments}'\nspec:\n  stages: []\n"
    ))
    .map_err(DispatchError::NotYaml)?;
    let mut doc = doc;
    doc["spec"]["stages"] = vec![stage(fan_out), stage(vec![fan_in])].into();
    yaml(&doc)
}

fn yaml(value: &Value) -> Result<String, DispatchError> {
    serde_yaml::to_string(value).map_err(DispatchError::NotYaml)
}

/// Plans the block (on a blocking thread), writes its tasks and workflow, and returns the
/// commands.
pub(crate) async fn dispatch(
    config: &GevulotConfig,
    settings: &ProverSettings,
    job: &Claimed,
) -> Result<Dispatch, DispatchError> {
    let api = public_api(config)?;
    let gib = segment_gib(settings.segment_max_memory);
    let (settings, witness) = (settings.clone(), job.witness.clone());
    let count = tokio::task::spawn_blocking(move || {
        let w = witness::file::decode(&witness, "the stored witness").map_err(|e| e.to_string())?;
        SplitRun::new(&settings, &w, None).map(|run| run.plan.count()).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| DispatchError::Plan(e.to_string()))?
    .map_err(DispatchError::Plan)?;
    let witness_url = format!("{api}/blocks/{}/witness", job.number);
    let values = [("PROVER_IMAGE", config.prover_image.as_str()), ("WITNESS", &witness_url), ("SEGMENT_GIB", &gib)];
    let tasks = split_tasks(count, &values, false)?;

    let dir = &config.out_dir;
    let workflow_file = block_file(config, job, "workflow.yaml");
    write_file(dir, &workflow_file, &tasks.workflow)?;
    let mut commands = vec![format!(
        "# stage 1, the {count} segments at once; the workflow of both stages: {}",
        quoted(&workflow_file)
    )];
    for (i, text) in tasks.segments.iter().enumerate() {
        let file = block_file(config, job, &format!("segment-{i}.yaml"));
        write_file(dir, &file, text)?;
        commands.push(create_task(&file));
    }
    commands.push(
        r#"gvltctl task get -e "$GEVULOT_ENDPOINT" TASK_ID    # each segment task's, once Done: status.outputContexts[0] is SEGMENT_i_CID"#
            .into(),
    );
    let aggregate = block_file(config, job, "aggregate.yaml");
    let filled = block_file(config, job, "aggregate.filled.yaml");
    write_file(dir, &aggregate, &tasks.aggregate)?;
    commands.push("# stage 2, the aggregation of the segments' pieces".into());
    let fills: Vec<String> = (0..count).map(|i| format!("-e 's|${{SEGMENT_{i}}}|SEGMENT_{i}_CID|'")).collect();
    commands.push(format!("sed {} {} > {}", fills.join(" "), quoted(&aggregate), quoted(&filled)));
    commands.push(create_task(&filled));
    commands.push(
        r#"gvltctl task get -e "$GEVULOT_ENDPOINT" TASK_ID    # the aggregation's, once Done: status.outputContexts[0] is PROOF_CID"#
            .into(),
    );
    commands.extend(hand_in(config, job, api));
    Ok(Dispatch {
        what: format!("Gevulot split workflow of {count} segments"),
        task_file: workflow_file,
        commands,
        lease: tasks.time + LEASE_MARGIN,
    })
}

/// The segment setting as `--segment-memory` takes it (GiB).
fn segment_gib(bytes: usize) -> String {
    let gib = bytes as f64 / (1u64 << 30) as f64;
    format!("{gib}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The workflow the dispatcher composes from the task templates is, for 4 segments, the one
    /// gevulot-rs' types wrote (manifests/workflow-execution-split.yaml, checked as a node takes
    /// it by gevulot/v2's tests), but for the verifier stage the server does not need.
    #[test]
    fn the_composed_workflow_is_the_manifests_split_workflow() {
        let tasks = split_tasks(4, &[], true).unwrap();
        let ours: Value = serde_yaml::from_str(&tasks.workflow).unwrap();
        let theirs: Value =
            serde_yaml::from_str(include_str!("../../manifests/workflow-execution-split.yaml")).unwrap();
        let stages = |w: &Value| w["spec"]["stages"].as_sequence().unwrap().clone();
        assert_eq!(stages(&theirs).len(), 3, "segments, aggregation, verifier");
        assert_eq!(stages(&ours)[..], stages(&theirs)[..2]);
        assert_eq!(ours["metadata"]["name"], theirs["metadata"]["name"]);
        assert_eq!(tasks.time, Duration::from_secs(3 * 3600), "a segment's hour, then the aggregation's two");
        assert_eq!(segment_gib(1 << 30), "1");
        assert_eq!(segment_gib(3 << 29), "1.5");
    }

    #[test]
    fn only_the_pieces_cids_may_be_left_unfilled() {
        let values = [("PROVER_IMAGE", "img"), ("WITNESS", "http://w")];
        let refused = split_tasks(2, &values, false).unwrap_err().to_string();
        assert!(refused.contains("${SEGMENT_GIB}"), "{refused}");
        let values = [("PROVER_IMAGE", "img"), ("WITNESS", "http://w"), ("SEGMENT_GIB", "1")];
        let tasks = split_tasks(2, &values, false).unwrap();
        let second: Value = serde_yaml::from_str(&tasks.segments[1]).unwrap();
        let args: Vec<String> = serde_yaml::from_value(second["spec"]["args"].clone()).unwrap();
        assert!(args.contains(&"--segment=1".into()) && args.contains(&"--segment-memory=1".into()), "{args:?}");
        assert!(tasks.aggregate.contains("${SEGMENT_1}") && !tasks.aggregate.contains("${SEGMENT_2}"));
    }
}
