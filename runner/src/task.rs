//! One task through one VM, as the node runs it. v1: the task's files and `task.json` go into
//! the workspace (9p tag `0`, mounted at /workspace), the result is `task_result.json`. v2: the
//! files go into the input share, the arguments into the runtime config (gevulot-rt-config), the
//! result data is `result.json` among the outputs.

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::{Duration, Instant},
};

use anyhow::{bail, ensure, Context, Result};
use serde::Serialize;
use serde_json::{json, Value};
use wait_timeout::ChildExt;

use crate::{
    qemu::{Machine, Share, DEBUG_EXIT_PORT, DEBUG_EXIT_SUCCESS},
    Accel, Image, Limits,
};

/// Which form of Gevulot's task contract the VM speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskMode {
    /// Gevulot v1, file form (shim-executor): /workspace/task.json in, task_result.json out.
    V1,
    /// Gevulot v2: runtime config, /mnt/gevulot/input and /mnt/gevulot/output.
    V2,
}

/// A task, as a node hands it to a VM.
#[derive(Clone, Debug)]
pub struct TaskSpec {
    /// The task contract's form.
    pub mode: TaskMode,
    /// The task's id.
    pub id: String,
    /// The program's arguments, as the task gives them (v1 paths name /workspace/...).
    pub args: Vec<String>,
    /// Host files the task gets: copied into the workspace (v1) or the input share (v2).
    pub files: Vec<PathBuf>,
}

/// What came back.
#[derive(Debug, Serialize)]
pub struct Outcome {
    /// The task contract's form.
    pub mode: TaskMode,
    /// The task's id.
    pub id: String,
    /// How the VM ran.
    pub accel: Accel,
    /// What it was allotted.
    pub limits: Limits,
    /// QEMU's exit status: 3 when the program reported success, 1 on failure; none on timeout.
    pub qemu_exit: Option<i32>,
    /// The time limit stopped it.
    pub timed_out: bool,
    /// Boot to power-off.
    pub seconds: f64,
    /// The task's result: data (parsed when it is JSON) and files, or the failure message.
    pub result: Result<Value, String>,
    /// Where the task's outputs are on the host.
    pub output_dir: PathBuf,
    /// The VM's console log.
    pub console: PathBuf,
}

impl Outcome {
    /// The task succeeded and its result came back.
    pub fn success(&self) -> bool {
        self.result.is_ok() && self.qemu_exit == Some(DEBUG_EXIT_SUCCESS)
    }
}

const V1_TASK: &str = "task.json";
const V1_RESULT: &str = "task_result.json";
const V2_RESULT: &str = "result.json";

fn file_name(file: &Path) -> Result<String> {
    file.file_name()
        .and_then(|n| n.to_str())
        .map(str::to_string)
        .with_context(|| format!("{} has no file name", file.display()))
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    if from.is_dir() {
        std::fs::create_dir_all(to)?;
        for entry in std::fs::read_dir(from)? {
            let entry = entry?;
            copy_tree(&entry.path(), &to.join(entry.file_name()))?;
        }
    } else {
        std::fs::copy(from, to).with_context(|| format!("copying {} to {}", from.display(), to.display()))?;
    }
    Ok(())
}

/// Copies each file or directory into `dir` under its own name; returns the names.
fn copy_into(dir: &Path, files: &[PathBuf]) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for file in files {
        let name = file_name(file)?;
        ensure!(file.exists(), "task file {} not found", file.display());
        let target = dir.join(&name);
        if std::fs::canonicalize(file)? != std::fs::canonicalize(dir)?.join(&name) {
            if target.is_dir() {
                std::fs::remove_dir_all(&target)?;
            }
            copy_tree(file, &target)?;
        }
        names.push(name);
    }
    Ok(names)
}

fn data_value(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
}

/// `{"Ok": {id, data: [bytes], files}}` or `{"Err": message}`, as the shim writes it.
fn read_v1_result(path: &Path, id: &str) -> Result<Value, String> {
    let text = std::fs::read(path).map_err(|e| format!("no task result ({}: {e})", path.display()))?;
    let value: Value = serde_json::from_slice(&text).map_err(|e| format!("{}: not JSON: {e}", path.display()))?;
    if let Some(message) = value.get("Err") {
        return Err(message.as_str().map(str::to_string).unwrap_or_else(|| message.to_string()));
    }
    let ok = value.get("Ok").ok_or_else(|| format!("{}: neither Ok nor Err", path.display()))?;
    if ok["id"] != id {
        return Err(format!("the result is for task {}, not {id}", ok["id"]));
    }
    let data: Vec<u8> = serde_json::from_value(ok["data"].clone()).map_err(|e| format!("result data: {e}"))?;
    Ok(json!({ "id": id, "data": data_value(&data), "files": ok["files"] }))
}

fn runtime_config(spec: &TaskSpec) -> Result<String> {
    let config = json!({
        "version": "1",
        "command": "/init",
        "args": spec.args,
        "env": [{ "key": "GEVULOT_TASK_ID", "value": spec.id }],
        "debug-exit": { "arch": "x86", "iobase": DEBUG_EXIT_PORT, "iosize": 4, "success-code": DEBUG_EXIT_SUCCESS },
    });
    Ok(serde_yaml::to_string(&config)?)
}

/// Prepares the shares in `workspace` (created if needed), boots the image and collects the
/// result. A task that fails or times out is an `Outcome`, not an error; errors are for a run
/// that could not be set up (missing QEMU, unreadable files).
pub fn run(image: &Image, workspace: &Path, spec: &TaskSpec, limits: Limits, accel: Accel) -> Result<Outcome> {
    if let crate::image::Boot::Disk { mode, .. } = &image.boot {
        let asked = match spec.mode {
            TaskMode::V1 => "v1",
            TaskMode::V2 => "v2",
        };
        ensure!(mode == asked, "this disk image boots in the {mode} task form; the task is {asked} (--mode)");
    }
    std::fs::create_dir_all(workspace).with_context(|| format!("creating {}", workspace.display()))?;
    let workspace = std::fs::canonicalize(workspace)?;
    let console = workspace.join("console.log");
    let (shares, cmdline_mode, output_dir) = match spec.mode {
        TaskMode::V1 => {
            let names = copy_into(&workspace, &spec.files)?;
            // A fresh task: a stale result would be refused by the shim.
            let _ = std::fs::remove_file(workspace.join(V1_RESULT));
            let files: Vec<String> = names.iter().map(|n| format!("/workspace/{n}")).collect();
            let task = json!({ "id": spec.id, "args": spec.args, "files": files });
            std::fs::write(workspace.join(V1_TASK), serde_json::to_vec_pretty(&task)?)?;
            let share = Share { path: workspace.clone(), tag: "0".into(), read_only: false };
            (vec![share], "v1", workspace.clone())
        }
        TaskMode::V2 => {
            let dirs = ["rt-config", "input", "output"].map(|d| workspace.join(d));
            for dir in &dirs {
                std::fs::create_dir_all(dir)?;
            }
            let _ = std::fs::remove_file(dirs[2].join(V2_RESULT));
            copy_into(&dirs[1], &spec.files)?;
            std::fs::write(dirs[0].join("config.yaml"), runtime_config(spec)?)?;
            let shares = [("gevulot-rt-config", true), ("gevulot-input", true), ("gevulot-output", false)]
                .iter()
                .zip(&dirs)
                .map(|((tag, read_only), path)| Share {
                    path: path.clone(),
                    tag: tag.to_string(),
                    read_only: *read_only,
                })
                .collect();
            (shares, "v2", dirs[2].clone())
        }
    };
    let cmdline =
        format!("console=ttyS0 panic=-1 quiet gevulot.mode={cmdline_mode} gevulot.debug_exit={DEBUG_EXIT_PORT:#x}");
    let machine = Machine { image, limits: limits.clone(), accel, cmdline, shares, console: &console };
    let mut command = machine.command();
    tracing::info!(?command, "booting");
    let start = Instant::now();
    let mut child = match command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::inherit()).spawn() {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            bail!("qemu-system-x86_64 not found: scripts/install-test-deps.sh installs it")
        }
        Err(e) => return Err(e).context("starting qemu-system-x86_64"),
    };
    let status = child.wait_timeout(Duration::from_secs(limits.timeout_s))?;
    let timed_out = status.is_none();
    if timed_out {
        let _ = child.kill();
        let _ = child.wait();
    }
    let seconds = start.elapsed().as_secs_f64();
    let qemu_exit = status.and_then(|s| s.code());
    let result = if timed_out {
        Err(format!("the task did not finish within {} s", limits.timeout_s))
    } else {
        match spec.mode {
            TaskMode::V1 => read_v1_result(&workspace.join(V1_RESULT), &spec.id),
            TaskMode::V2 => match std::fs::read(output_dir.join(V2_RESULT)) {
                Ok(data) if qemu_exit == Some(DEBUG_EXIT_SUCCESS) => {
                    let files = outputs(&output_dir);
                    Ok(json!({ "id": spec.id, "data": data_value(&data), "files": files }))
                }
                _ => Err(format!("the task failed (QEMU exit {qemu_exit:?}); see {}", console.display())),
            },
        }
    };
    Ok(Outcome {
        mode: spec.mode,
        id: spec.id.clone(),
        accel: accel.resolve(),
        limits,
        qemu_exit,
        timed_out,
        seconds,
        result,
        output_dir,
        console,
    })
}

fn outputs(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok()?.file_name().into_string().ok()).collect())
        .unwrap_or_default();
    names.sort();
    names
}
