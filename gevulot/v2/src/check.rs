//! A manifest as a Gevulot v2 node would take it: parsed with gevulot-rs' own types (so a missing
//! or mistyped field is refused with its name), then what the types alone let through: the kind
//! and version, resources that convert to the chain's units, inputs under /mnt/gevulot/input and
//! outputs under /mnt/gevulot/output.

use anyhow::{bail, ensure, Context};
use gevulot_rs::models::{Task, TaskSpec, Workflow};

use crate::settings::{INPUT_DIR, OUTPUT_DIR};

/// A checked manifest.
#[derive(Debug)]
pub enum Manifest {
    Task(Task),
    Workflow(Workflow),
}

pub fn parse(text: &str) -> anyhow::Result<Manifest> {
    let kind: serde_yaml::Value = serde_yaml::from_str(text).context("not YAML")?;
    match kind.get("kind").and_then(|k| k.as_str()) {
        Some("Task") => {
            let task: Task = serde_yaml::from_str(text).context("not a Gevulot v2 Task")?;
            ensure!(task.version == "v0", "version: {:?} (gevulot-rs 0.4 knows v0)", task.version);
            check_spec(&task.spec, "spec")?;
            Ok(Manifest::Task(task))
        }
        Some("Workflow") => {
            let workflow: Workflow = serde_yaml::from_str(text).context("not a Gevulot v2 Workflow")?;
            ensure!(workflow.version == "v0", "version: {:?} (gevulot-rs 0.4 knows v0)", workflow.version);
            ensure!(!workflow.spec.stages.is_empty(), "spec.stages: empty");
            for (i, stage) in workflow.spec.stages.iter().enumerate() {
                ensure!(!stage.tasks.is_empty(), "spec.stages[{i}].tasks: empty");
                for (j, spec) in stage.tasks.iter().enumerate() {
                    check_spec(spec, &format!("spec.stages[{i}].tasks[{j}]"))?;
                }
            }
            Ok(Manifest::Workflow(workflow))
        }
        Some(other) => bail!("kind: {other:?} is neither Task nor Workflow"),
        None => bail!("kind: missing"),
    }
}

/// A path strictly under `dir`, with no `..` to climb out of it.
fn under(path: &str, dir: &str) -> bool {
    path.strip_prefix(dir).is_some_and(|rest| rest.starts_with('/') && rest.len() > 1)
        && !path.split('/').any(|part| part == "..")
}

pub fn check_spec(spec: &TaskSpec, at: &str) -> anyhow::Result<()> {
    ensure!(!spec.image.trim().is_empty(), "{at}.image: empty");
    ensure!(!spec.command.is_empty(), "{at}.command: empty (the image's program, /init for ours)");
    let r = &spec.resources;
    let cpus = r
        .cpus
        .millicores()
        .map_err(anyhow::Error::msg)
        .with_context(|| format!("{at}.resources.cpus: {:?}", r.cpus))?;
    ensure!(cpus > 0, "{at}.resources.cpus: zero");
    r.gpus.millicores().map_err(anyhow::Error::msg).with_context(|| format!("{at}.resources.gpus: {:?}", r.gpus))?;
    let memory = r
        .memory
        .bytes()
        .map_err(anyhow::Error::msg)
        .with_context(|| format!("{at}.resources.memory: {:?}", r.memory))?;
    ensure!(memory > 0, "{at}.resources.memory: zero");
    let time =
        r.time.seconds().map_err(anyhow::Error::msg).with_context(|| format!("{at}.resources.time: {:?}", r.time))?;
    ensure!(time > 0, "{at}.resources.time: zero");
    for (i, input) in spec.input_contexts.iter().enumerate() {
        ensure!(!input.source.trim().is_empty(), "{at}.inputContexts[{i}].source: empty");
        ensure!(
            under(&input.target, INPUT_DIR),
            "{at}.inputContexts[{i}].target: {} is outside {INPUT_DIR}",
            input.target
        );
    }
    for (i, output) in spec.output_contexts.iter().enumerate() {
        ensure!(
            under(&output.source, OUTPUT_DIR),
            "{at}.outputContexts[{i}].source: {} is outside {OUTPUT_DIR}",
            output.source
        );
        ensure!(output.retention_period > 0, "{at}.outputContexts[{i}].retentionPeriod: not positive");
    }
    Ok(())
}
