//! Jobs sent to a Gevulot (v2) network as tasks instead of to local workers. With no network
//! reachable from here, only the dry run exists: the dispatcher claims each job as a worker would,
//! writes the block's task file (the prover task of `manifests/`, filled in as
//! `scripts/deploy.sh` fills it, its witness fetched from this server's own API) and prints the
//! exact commands that send it and bring its proof back. The proof comes back through
//! `POST /blocks/{n}/proof` (api.rs), which verifies it before the job takes it; the server then
//! verifies it again as it does every worker's. A task that never comes back is sent again when
//! its lease (the task's time limit) runs out, like a dead worker's job.

use std::{
    io::Write,
    path::{Path, PathBuf},
    time::Duration,
};

use tokio::sync::watch;

use proof::ProofKind;

use crate::{
    jobs::{Claimed, Order},
    store::Store,
};

const STATE_TASK: &str = include_str!("../../manifests/prover-task.yaml");
const EXECUTION_TASK: &str = include_str!("../../manifests/prover-execution-task.yaml");
/// Where a v2 worker puts a task's inputs; a target elsewhere is never delivered.
const INPUT_DIR: &str = "/mnt/gevulot/input/";
/// Time between the task's limit running out and the job being sent again: the network's queue.
pub(crate) const LEASE_MARGIN: Duration = Duration::from_secs(600);

/// The dispatcher's settings.
#[derive(Clone, Debug)]
pub struct GevulotConfig {
    /// Starts with [`crate::jobs::DISPATCHER_PREFIX`].
    pub id: String,
    /// The kind of job it claims.
    pub kind: ProofKind,
    /// Which queued job it takes first.
    pub order: Order,
    /// The prover image's URL or CID, as the network fetches it.
    pub prover_image: String,
    /// State proofs: the URL or CID of the params file the server verifies with, its file name
    /// (the prover picks params by name) and the circuit class. None for execution proofs, whose
    /// task needs no params.
    pub params: Option<StateTaskParams>,
    /// How the network reaches this server's API (the witness goes out, the proof comes back)
    /// [default: the address the server listens on].
    pub public_url: Option<String>,
    /// The IPFS gateway the task's outputs are read from.
    pub gateway: String,
    /// Where task files are written.
    pub out_dir: PathBuf,
    /// How often an idle dispatcher looks for a job.
    pub idle_poll: Duration,
    /// Execution proofs in pieces (`--split`): the prover settings every task of a block uses
    /// (the segment setting cuts the run), and the block becomes a split workflow
    /// (gevulot_split.rs) instead of one task.
    pub split: Option<execution::ProverSettings>,
}

/// What a state proof's task needs besides the witness.
#[derive(Clone, Debug)]
pub struct StateTaskParams {
    /// The params file's URL or CID.
    pub source: String,
    /// Its file name in the task's inputs.
    pub file_name: String,
    /// The circuit class.
    pub class: String,
}

/// Why a job's task could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum DispatchError {
    /// The server's address as the network reaches it is not known.
    #[error("no public URL")]
    NoPublicUrl,
    /// The template names a value the settings do not give.
    #[error("the task template's placeholder {0} has no value")]
    Unfilled(String),
    /// The filled-in template is not YAML.
    #[error("the task is not YAML: {0}")]
    NotYaml(serde_yaml::Error),
    /// An input would not be delivered to the task.
    #[error("spec.inputContexts target {0:?} is not under {INPUT_DIR}")]
    InputOutside(String),
    /// The task's time limit is missing or unreadable.
    #[error("spec.resources.time: {0}")]
    Time(String),
    /// A template of `manifests/` lacks what the dispatcher fills in.
    #[error("the task template: {0}")]
    Template(&'static str),
    /// The block's run could not be planned (split proving).
    #[error("planning the segments: {0}")]
    Plan(String),
    /// The task file cannot be written.
    #[error("{path}: {cause}")]
    Write {
        /// The file or directory.
        path: PathBuf,
        /// What the system said.
        cause: std::io::Error,
    },
}

/// A job prepared for the network: its task file and the commands that run it.
#[derive(Debug)]
pub struct Dispatch {
    /// What was prepared ("Gevulot task", "Gevulot split workflow of 4 segments").
    pub what: String,
    /// The task file written (the workflow file, when split).
    pub task_file: PathBuf,
    /// The commands that send it and hand its proof back.
    pub commands: Vec<String>,
    /// The task's own time limit, plus the margin: how long the job waits for the proof.
    pub lease: Duration,
}

/// Dispatches jobs until `stop` turns true.
pub async fn run_dispatcher(store: Store, config: GevulotConfig, mut stop: watch::Receiver<bool>) {
    // The claim's own lease only has to outlast the few milliseconds before the task's lease
    // replaces it.
    let claim_lease = Duration::from_secs(60);
    while !*stop.borrow() {
        let claimed = match store.claim(&config.id, claim_lease.as_millis() as u64, config.order, config.kind).await {
            Ok(claimed) => claimed,
            Err(e) => {
                tracing::warn!("Gevulot dispatcher: cannot claim a job: {e}");
                None
            }
        };
        let Some(job) = claimed else {
            crate::pause(config.idle_poll, &mut stop).await;
            continue;
        };
        let prepared = match &config.split {
            Some(settings) => crate::gevulot_split::dispatch(&config, settings, &job).await,
            None => dispatch(&config, &job),
        };
        match prepared {
            Ok(d) => {
                print_commands(&job, &d);
                let progress = format!(
                    "dry run: Gevulot task prepared, not sent ({}); its proof is taken at POST /blocks/{}/proof",
                    d.task_file.display(),
                    job.number
                );
                let lease = d.lease.as_millis() as u64;
                if let Err(e) = store.heartbeat((&job.hash, ""), &config.id, lease, &progress).await {
                    tracing::warn!(number = job.number, "cannot record the dispatch: {e}");
                }
            }
            Err(reason) => {
                tracing::warn!(number = job.number, "cannot prepare the Gevulot task: {reason}");
                let _ = store.fail((&job.hash, ""), &config.id, &format!("preparing the Gevulot task: {reason}")).await;
            }
        }
    }
}

fn print_commands(job: &Claimed, d: &Dispatch) {
    tracing::info!(number = job.number, hash = %job.hash, task = %d.task_file.display(), "Gevulot task prepared (dry run)");
    let mut out = std::io::stdout().lock();
    // stdout may be closed (a supervisor that read the address only): the log has the file.
    let _ = writeln!(out, "# block {} ({}): {} (dry run, not sent)", job.number, job.hash, d.what);
    for command in &d.commands {
        let _ = writeln!(out, "{command}");
    }
    let _ = out.flush();
}

/// Writes the block's task file and returns it with the commands.
pub fn dispatch(config: &GevulotConfig, job: &Claimed) -> Result<Dispatch, DispatchError> {
    let api = public_api(config)?;
    let witness_url = format!("{api}/blocks/{}/witness", job.number);
    let (spec, time) = task_spec(config, &witness_url)?;
    let lease = time + LEASE_MARGIN;
    let task_file = block_file(config, job, "yaml");
    write_file(&config.out_dir, &task_file, &spec)?;
    let mut commands = vec![
        create_task(&task_file),
        r#"gvltctl task get -e "$GEVULOT_ENDPOINT" TASK_ID    # TASK_ID: printed by task create; once Done, status.outputContexts[0] is PROOF_CID"#.to_string(),
    ];
    commands.extend(hand_in(config, job, api));
    Ok(Dispatch { what: "Gevulot task".into(), task_file, commands, lease })
}

/// The API as the network reaches it, without a trailing slash.
pub(crate) fn public_api(config: &GevulotConfig) -> Result<&str, DispatchError> {
    Ok(config.public_url.as_deref().ok_or(DispatchError::NoPublicUrl)?.trim_end_matches('/'))
}

/// `<out dir>/block-N-<hash prefix><suffix>`: the files of one block's job.
pub(crate) fn block_file(config: &GevulotConfig, job: &Claimed, suffix: &str) -> PathBuf {
    let short_hash = job.hash.trim_start_matches("0x").get(..12).unwrap_or(&job.hash);
    config.out_dir.join(format!("block-{}-{short_hash}.{suffix}", job.number))
}

/// Writes `text` to `path` (in `dir`, made if needed), atomically.
pub(crate) fn write_file(dir: &Path, path: &Path, text: &str) -> Result<(), DispatchError> {
    let write_error = |path: &Path| {
        let path = path.to_path_buf();
        move |cause| DispatchError::Write { path, cause }
    };
    std::fs::create_dir_all(dir).map_err(write_error(dir))?;
    witness::file::write_atomic_with(path, |out| out.write_all(text.as_bytes())).map_err(write_error(path))
}

/// The command that sends a task file.
pub(crate) fn create_task(file: &Path) -> String {
    format!(r#"gvltctl task create -e "$GEVULOT_ENDPOINT" -n "$GEVULOT_MNEMONIC" -f {}"#, quoted(file))
}

/// The commands that fetch the proof (PROOF_CID) and hand it back to this server.
pub(crate) fn hand_in(config: &GevulotConfig, job: &Claimed, api: &str) -> [String; 2] {
    let proof_file = block_file(config, job, "proof.json");
    [
        format!("curl -fsS -o {} {}/PROOF_CID", quoted(&proof_file), config.gateway.trim_end_matches('/')),
        format!("curl -fsS --data-binary @{} {api}/blocks/{}/proof", quoted(&proof_file), job.number),
    ]
}

/// The prover task of `manifests/`, filled in, with its time limit (`spec.resources.time`):
/// the state proof's when the settings carry params, the execution proof's otherwise. Refused
/// (with the field named) if anything is left unfilled or an input would not be delivered.
pub fn task_spec(config: &GevulotConfig, witness_url: &str) -> Result<(String, Duration), DispatchError> {
    let mut values = vec![("PROVER_IMAGE", config.prover_image.as_str()), ("WITNESS", witness_url)];
    let template = match &config.params {
        None => EXECUTION_TASK,
        Some(p) => {
            values.extend([("PARAMS", p.source.as_str()), ("PARAMS_FILE", &p.file_name), ("CLASS", &p.class)]);
            STATE_TASK
        }
    };
    let text = fill(template, &values, |_| false)?;
    let doc = checked_task(&text)?;
    Ok((text, task_time(&doc)?))
}

/// `template` with each `${NAME}` of `values` replaced; a placeholder left over is refused unless
/// `may_remain` takes its name (what a later stage fills in).
pub(crate) fn fill(
    template: &str,
    values: &[(&str, &str)],
    may_remain: fn(&str) -> bool,
) -> Result<String, DispatchError> {
    let mut text = template.to_string();
    for (name, value) in values {
        text = text.replace(&format!("${{{name}}}"), value);
    }
    let mut rest = text.as_str();
    while let Some(at) = rest.find("${") {
        let name: String = rest[at + 2..].chars().take_while(|c| *c != '}').collect();
        if !may_remain(&name) {
            return Err(DispatchError::Unfilled(format!("${{{name}}}")));
        }
        rest = &rest[at + 2..];
    }
    Ok(text)
}

/// A filled-in task as YAML, its inputs all where a v2 worker delivers them.
pub(crate) fn checked_task(text: &str) -> Result<serde_yaml::Value, DispatchError> {
    let doc: serde_yaml::Value = serde_yaml::from_str(text).map_err(DispatchError::NotYaml)?;
    for input in doc["spec"]["inputContexts"].as_sequence().into_iter().flatten() {
        let target = input["target"].as_str().unwrap_or_default();
        let climbs = Path::new(target).components().any(|c| c == std::path::Component::ParentDir);
        if !target.starts_with(INPUT_DIR) || climbs {
            return Err(DispatchError::InputOutside(target.into()));
        }
    }
    Ok(doc)
}

/// A task's time limit ("2h", "10m").
pub(crate) fn task_time(doc: &serde_yaml::Value) -> Result<Duration, DispatchError> {
    let time = doc["spec"]["resources"]["time"].as_str().ok_or(DispatchError::Time("missing".into()))?;
    humantime::parse_duration(time).map_err(|e| DispatchError::Time(format!("{time:?}: {e}")))
}

/// A path as a shell word.
pub(crate) fn quoted(path: &Path) -> String {
    let text = path.display().to_string();
    if text.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+=:,".contains(c)) {
        text
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(kind: ProofKind) -> GevulotConfig {
        GevulotConfig {
            id: "gevulot-test".into(),
            kind,
            order: Order::Oldest,
            prover_image: "https://images.example.org/prover.img".into(),
            params: (kind == ProofKind::State).then(|| StateTaskParams {
                source: "https://params.example.org/kzg_bn254_19.srs".into(),
                file_name: "kzg_bn254_19.srs".into(),
                class: "tiny".into(),
            }),
            public_url: Some("http://10.0.0.1:8080/".into()),
            gateway: "https://ipfs.example.org/ipfs".into(),
            out_dir: PathBuf::from("/tmp/it's here"),
            idle_poll: Duration::from_millis(100),
            split: None,
        }
    }

    #[test]
    fn both_kinds_fill_their_task_and_a_missing_value_is_named() {
        let (state, time) = task_spec(&config(ProofKind::State), "http://w/blocks/7/witness").unwrap();
        assert!(state.contains("source: http://w/blocks/7/witness"), "{state}");
        assert!(state.contains("target: /mnt/gevulot/input/params/kzg_bn254_19.srs"), "{state}");
        assert_eq!(time, Duration::from_secs(2 * 3600));
        let (execution, time) = task_spec(&config(ProofKind::Execution), "http://w/blocks/7/witness").unwrap();
        let doc: serde_yaml::Value = serde_yaml::from_str(&execution).unwrap();
        let args: Vec<String> = serde_yaml::from_value(doc["spec"]["args"].clone()).unwrap();
        assert_eq!(args[..2], ["--kind", "execution"], "{execution}");
        assert_eq!(time, Duration::from_secs(12 * 3600));

        let mut empty_name = config(ProofKind::State);
        empty_name.params.as_mut().unwrap().file_name = "../../etc/x".into();
        let refused = task_spec(&empty_name, "x").unwrap_err().to_string();
        assert!(refused.contains("not under /mnt/gevulot/input/"), "{refused}");
    }

    #[test]
    fn paths_are_quoted_for_the_shell() {
        assert_eq!(quoted(Path::new("/data/gevulot/block-1.yaml")), "/data/gevulot/block-1.yaml");
        assert_eq!(quoted(Path::new("/tmp/it's here/x")), r"'/tmp/it'\''s here/x'");
    }
}
