//! A reader of the manifests' fields for this test, which checks them against the binaries' own
//! arguments (this workspace cannot hold gevulot-rs: see gevulot/v2). Whether a node takes the
//! files is checked with gevulot-rs' own types, in gevulot/v2's tests; this is not that check.

use serde::Deserialize;

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub(crate) struct Task {
    pub kind: String,
    pub version: String,
    #[serde(default)]
    pub metadata: Metadata,
    pub spec: TaskSpec,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct Metadata {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub labels: Vec<Label>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub(crate) struct Label {
    pub key: String,
    pub value: String,
}

#[derive(Deserialize, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct TaskSpec {
    pub image: String,
    #[serde(default)]
    pub command: Vec<String>,
    #[serde(default)]
    pub args: Vec<String>,
    #[serde(default)]
    pub env: Vec<Env>,
    #[serde(rename = "inputContexts", default)]
    pub input_contexts: Vec<InputContext>,
    #[serde(rename = "outputContexts", default)]
    pub output_contexts: Vec<OutputContext>,
    pub resources: Resources,
    #[serde(rename = "storeStdout", default)]
    pub store_stdout: bool,
    #[serde(rename = "storeStderr", default)]
    pub store_stderr: bool,
}

#[derive(Deserialize, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct Env {
    pub name: String,
    pub value: String,
}

#[derive(Deserialize, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct InputContext {
    pub source: String,
    pub target: String,
}

#[derive(Deserialize, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct OutputContext {
    pub source: String,
    #[serde(rename = "retentionPeriod")]
    pub retention_period: i64,
}

/// Numbers or strings with units, as gevulot-rs takes them.
#[derive(Deserialize, Debug, PartialEq)]
#[serde(untagged)]
pub(crate) enum Unit {
    Number(u64),
    String(String),
}

#[derive(Deserialize, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct Resources {
    pub cpus: Unit,
    pub gpus: Unit,
    pub memory: Unit,
    pub time: Unit,
}

fn split(text: &str) -> (f64, String) {
    let at = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    (text[..at].parse().unwrap_or_else(|_| panic!("{text}: no number")), text[at..].trim().to_lowercase())
}

pub(crate) fn millicores(unit: &Unit, kind: &str) -> u64 {
    match unit {
        Unit::Number(n) => n * 1000,
        Unit::String(s) => {
            let (n, u) = split(s);
            match u.strip_suffix(kind) {
                Some("") => (n * 1000.0) as u64,
                Some("m") => n as u64,
                _ => panic!("{s}: not a {kind} amount"),
            }
        }
    }
}

pub(crate) fn bytes(unit: &Unit) -> u64 {
    match unit {
        Unit::Number(n) => n << 20,
        Unit::String(s) => {
            let (n, u) = split(s);
            let factor: u64 = match u.as_str() {
                "b" => 1,
                "kb" => 1000,
                "kib" => 1 << 10,
                "mb" => 1_000_000,
                "mib" => 1 << 20,
                "gb" => 1_000_000_000,
                "gib" => 1 << 30,
                other => panic!("{s}: unknown memory unit {other}"),
            };
            (n * factor as f64) as u64
        }
    }
}

pub(crate) fn seconds(unit: &Unit) -> u64 {
    match unit {
        Unit::Number(n) => *n,
        Unit::String(s) => {
            let (n, u) = split(s);
            let factor = match u.as_str() {
                "s" | "sec" => 1,
                "m" | "min" => 60,
                "h" | "hr" => 3600,
                other => panic!("{s}: unknown time unit {other}"),
            };
            n as u64 * factor
        }
    }
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub(crate) struct Workflow {
    pub kind: String,
    pub version: String,
    #[serde(default)]
    pub metadata: Metadata,
    pub spec: WorkflowSpec,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub(crate) struct WorkflowSpec {
    pub stages: Vec<Stage>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub(crate) struct Stage {
    pub tasks: Vec<TaskSpec>,
}
