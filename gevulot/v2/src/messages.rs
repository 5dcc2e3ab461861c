//! The messages a deployment sends, built with gevulot-rs' own builders and proto types, as
//! `--dry-run` prints them: a pin per VM image (the network's IPFS keeps the image; the URL is
//! its fallback), then the task (or the workflow). A real run signs them with the creator's key
//! and broadcasts them (gvltctl, or gevulot-rs' `GevulotClient`); nothing here reaches a chain.

use anyhow::{anyhow, Context};
use gevulot_rs::{
    builders::{ByteSize, ByteUnit, MsgCreatePinBuilder, MsgCreateTaskBuilder},
    models::{Task, TaskSpec, Workflow},
    proto::gevulot::gevulot,
};
use prost::{Message, Name};

/// One message, as it would go into a transaction: its type URL, its fields, its protobuf bytes.
pub struct Printed {
    pub type_url: String,
    pub fields: String,
    pub bytes: Vec<u8>,
}

fn printed<M: Message + Name + std::fmt::Debug>(message: &M) -> Printed {
    Printed { type_url: M::type_url(), fields: format!("{message:#?}"), bytes: message.encode_to_vec() }
}

impl std::fmt::Display for Printed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{} ({} bytes of protobuf)", self.type_url, self.bytes.len())?;
        writeln!(f, "{}", self.fields)?;
        let hex: String = self.bytes.iter().map(|b| format!("{b:02x}")).collect();
        write!(f, "0x{hex}")
    }
}

struct Units {
    millicores: u64,
    gpus: u64,
    memory: u64,
    seconds: u64,
}

fn units(spec: &TaskSpec) -> anyhow::Result<Units> {
    let r = &spec.resources;
    Ok(Units {
        millicores: r.cpus.millicores().map_err(|e| anyhow!("resources.cpus: {e}"))?,
        gpus: r.gpus.millicores().map_err(|e| anyhow!("resources.gpus: {e}"))?,
        memory: r.memory.bytes().map_err(|e| anyhow!("resources.memory: {e}"))?,
        seconds: r.time.seconds().map_err(|e| anyhow!("resources.time: {e}"))?,
    })
}

/// `MsgCreateTask` through gevulot-rs' builder (what its task client sends).
pub fn create_task(task: &Task, creator: &str) -> anyhow::Result<Printed> {
    let spec = &task.spec;
    let units = units(spec)?;
    let message = MsgCreateTaskBuilder::default()
        .creator(creator.to_string())
        .image(spec.image.clone())
        .command(spec.command.clone())
        .args(spec.args.clone())
        .env(spec.env.iter().map(|e| (e.name.clone(), e.value.clone())).collect())
        .input_contexts(spec.input_contexts.iter().map(|i| (i.source.clone(), i.target.clone())).collect())
        .output_contexts(spec.output_contexts.iter().map(|o| (o.source.clone(), o.retention_period as u64)).collect())
        .cpus(units.millicores)
        .gpus(units.gpus)
        .memory(ByteSize::new(units.memory, ByteUnit::Byte))
        .time(units.seconds)
        .store_stdout(spec.store_stdout)
        .store_stderr(spec.store_stderr)
        .tags(task.metadata.tags.clone())
        .labels(task.metadata.labels.iter().map(|l| (l.key.clone(), l.value.clone())).collect())
        .into_message()
        .context("gevulot-rs refused the task")?;
    Ok(printed(&message))
}

fn proto_spec(spec: &TaskSpec) -> anyhow::Result<gevulot::TaskSpec> {
    let units = units(spec)?;
    Ok(gevulot::TaskSpec {
        image: spec.image.clone(),
        command: spec.command.clone(),
        args: spec.args.clone(),
        env: spec.env.iter().map(|e| gevulot::TaskEnv { name: e.name.clone(), value: e.value.clone() }).collect(),
        input_contexts: spec
            .input_contexts
            .iter()
            .map(|i| gevulot::InputContext { source: i.source.clone(), target: i.target.clone() })
            .collect(),
        output_contexts: spec
            .output_contexts
            .iter()
            .map(|o| gevulot::OutputContext { source: o.source.clone(), retention_period: o.retention_period as u64 })
            .collect(),
        cpus: units.millicores,
        gpus: units.gpus,
        memory: units.memory,
        time: units.seconds,
        store_stdout: spec.store_stdout,
        store_stderr: spec.store_stderr,
        workflow_ref: String::new(),
    })
}

/// `MsgCreateWorkflow` (gevulot-rs has no builder for it: its proto type, filled as the task
/// builder fills a task).
pub fn create_workflow(workflow: &Workflow, creator: &str) -> anyhow::Result<Printed> {
    let stages = workflow
        .spec
        .stages
        .iter()
        .map(|stage| {
            Ok(gevulot::workflow_spec::Stage {
                tasks: stage.tasks.iter().map(proto_spec).collect::<anyhow::Result<_>>()?,
            })
        })
        .collect::<anyhow::Result<_>>()?;
    let message =
        gevulot::MsgCreateWorkflow { creator: creator.to_string(), spec: Some(gevulot::WorkflowSpec { stages }) };
    Ok(printed(&message))
}

/// A VM image to pin: the network fetches it from `url` and keeps `redundancy` copies for `seconds`.
pub struct ImagePin<'a> {
    pub name: &'a str,
    pub url: &'a str,
    pub bytes: u64,
    pub seconds: u64,
}

pub fn create_pin(pin: &ImagePin, creator: &str) -> anyhow::Result<Printed> {
    let message = MsgCreatePinBuilder::default()
        .creator(creator.to_string())
        .cid(None)
        .bytes(ByteSize::new(pin.bytes, ByteUnit::Byte))
        .name(pin.name.to_string())
        .redundancy(1)
        .time(pin.seconds)
        .description(format!("VM image {}", pin.name))
        .fallback_urls(vec![pin.url.to_string()])
        .tags(vec!["ethereum".into(), "vm-image".into()])
        .labels(Vec::new())
        .into_message()
        .context("gevulot-rs refused the pin")?;
    Ok(printed(&message))
}
