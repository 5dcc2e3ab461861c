//! Gevulot's task contract, in the three forms a node may speak:
//! - v1 file form: `/workspace/task.json` `{id, args, files}` in, `/workspace/task_result.json`
//!   (`{"Ok": {id, data, files}}` or `{"Err": message}`) out;
//! - v1 devnet form: gRPC over vsock to the node (host CID 2, port 8080): GetTask, GetFile,
//!   SubmitFile, SubmitResult with each result file's BLAKE3 checksum;
//! - v2: arguments and environment from the runtime config, inputs in `/mnt/gevulot/input`,
//!   outputs to `/mnt/gevulot/output`.
//!
//! The program hands [`run`] a handler; the shim finds the task, calls the handler once per task
//! and returns its result the way the node expects.

pub mod file_v1;
pub mod grpc_v1;
pub mod v2;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Why a program's handler failed its task: the program's own error, whatever its type.
pub type TaskFailure = Box<dyn std::error::Error + Send + Sync>;

/// Why the task contract could not be followed, or the task failed. The message is what the node
/// and the console get.
#[derive(Debug, thiserror::Error)]
pub enum ShimError {
    /// The task ran and failed.
    #[error("{0}")]
    Task(TaskFailure),
    /// A file of the contract cannot be read or written.
    #[error("{}: {cause}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the system said.
        cause: std::io::Error,
    },
    /// The v1 task file is not a task.
    #[error("{}: not a task ({{id, args, files}}): {cause}", path.display())]
    NotATask {
        /// The task file.
        path: PathBuf,
        /// What serde said.
        cause: serde_json::Error,
    },
    /// The v1 workspace never appeared.
    #[error("{} is not mounted after {seconds} s", path.display())]
    NotMounted {
        /// The mount point.
        path: PathBuf,
        /// How long it was waited for.
        seconds: u64,
    },
    /// A result is already there: it would be read as this task's.
    #[error("{} already exists", .0.display())]
    StaleResult(PathBuf),
    /// The v2 directories are missing.
    #[error("{} is not a directory (not a Gevulot v2 VM?)", .0.display())]
    NotV2(PathBuf),
    /// `GEVULOT_MODE` names no form.
    #[error("GEVULOT_MODE={0:?}: expected v1, v1-grpc or v2")]
    Mode(String),
    /// A gRPC exchange with the node failed.
    #[error("{call}: {reason}")]
    Grpc {
        /// The call (`GetTask`, `GetFile x`, ...).
        call: String,
        /// What went wrong.
        reason: String,
    },
    /// Some of the node's tasks failed (each reason is in the log and was sent to the node).
    #[error("{}", .0.join("; "))]
    TasksFailed(Vec<String>),
}

impl ShimError {
    fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ShimError + '_ {
        move |cause| ShimError::Io { path: path.to_path_buf(), cause }
    }
}

/// A v1 task as the node describes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    /// The task's id.
    pub id: String,
    /// The program's arguments.
    pub args: Vec<String>,
    /// The task's input files, as the node names them.
    pub files: Vec<String>,
}

/// A v1 task's result; in the file form wrapped as `{"Ok": ...}` or `{"Err": message}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskResult {
    /// The task's id.
    pub id: String,
    /// The result data (JSON here).
    pub data: Vec<u8>,
    /// The result files, as the node names them.
    pub files: Vec<String>,
}

/// What a handler is given: the task's arguments (without a program name), its input files, and
/// where inputs are read from and outputs written to.
#[derive(Clone, Debug)]
pub struct TaskContext {
    /// The task's id.
    pub id: String,
    /// Its arguments, without a program name.
    pub args: Vec<String>,
    /// Its input files, where they are in this run.
    pub files: Vec<PathBuf>,
    /// Where relative input paths are.
    pub input_dir: PathBuf,
    /// Where relative output paths go.
    pub output_dir: PathBuf,
    /// Where the task's arguments say things are (`/workspace`, `/mnt/gevulot/...`) and where
    /// they are in this run, when that differs (a run outside the VM).
    pub moved: Vec<(PathBuf, PathBuf)>,
}

impl TaskContext {
    fn locate(&self, dir: &Path, path: &Path) -> PathBuf {
        for (said, actual) in &self.moved {
            if let Ok(rest) = path.strip_prefix(said) {
                return actual.join(rest);
            }
        }
        dir.join(path)
    }

    /// An input named in the arguments: relative names are in the input directory.
    pub fn input(&self, path: &Path) -> PathBuf {
        self.locate(&self.input_dir, path)
    }

    /// How the node names a path of this run (the reverse of [`TaskContext::input`]).
    pub fn said(&self, path: &Path) -> PathBuf {
        for (said, actual) in &self.moved {
            if let Ok(rest) = path.strip_prefix(actual) {
                return said.join(rest);
            }
        }
        path.to_path_buf()
    }

    /// An output named in the arguments: relative names go to the output directory.
    pub fn output(&self, path: &Path) -> PathBuf {
        self.locate(&self.output_dir, path)
    }
}

/// The canonical location `said` is at `actual` in this run.
pub(crate) fn moved(said: &str, actual: &Path) -> Vec<(PathBuf, PathBuf)> {
    if actual == Path::new(said) {
        vec![]
    } else {
        vec![(PathBuf::from(said), actual.to_path_buf())]
    }
}

/// What a handler returns: data for the node, and the files it wrote that go back to the node.
#[derive(Clone, Debug, Default)]
pub struct TaskOutput {
    /// The result data.
    pub data: Vec<u8>,
    /// The files to hand back.
    pub files: Vec<PathBuf>,
}

/// A program's task handler.
pub type Handler<'a> = &'a dyn Fn(&TaskContext) -> Result<TaskOutput, TaskFailure>;

/// Which form of the contract to speak.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// v1, the shim-executor's file form.
    V1File {
        /// The task's workspace.
        workspace: PathBuf,
        /// Wait for the workspace to be mounted (inside a VM).
        wait_for_mount: bool,
    },
    /// v1, the devnet node's gRPC form.
    V1Grpc {
        /// Where task files go.
        workspace: PathBuf,
        /// How to reach the node.
        endpoint: grpc_v1::Endpoint,
    },
    /// v2.
    V2 {
        /// The input context.
        input: PathBuf,
        /// The output context.
        output: PathBuf,
        /// The task's arguments, from the runtime config.
        args: Vec<String>,
    },
}

/// v1's task directory.
pub const WORKSPACE: &str = "/workspace";
/// v2's input context.
pub const V2_INPUT: &str = "/mnt/gevulot/input";
/// v2's output context.
pub const V2_OUTPUT: &str = "/mnt/gevulot/output";

impl Mode {
    /// Outside the VM init: `GEVULOT_MODE` (v1, v1-grpc, v2) or, without it, v2 when its input
    /// directory exists and v1 otherwise. `GEVULOT_WORKSPACE`, `GEVULOT_INPUT_DIR`,
    /// `GEVULOT_OUTPUT_DIR` and `GEVULOT_GRPC_UNIX` (a unix socket instead of vsock) place things
    /// elsewhere, for runs outside a VM.
    pub fn from_env(args: Vec<String>) -> Result<Mode, ShimError> {
        let var = |name: &str| std::env::var_os(name).map(PathBuf::from);
        let workspace = var("GEVULOT_WORKSPACE");
        let mode = std::env::var("GEVULOT_MODE").ok();
        let mode = mode.as_deref().unwrap_or(if Path::new(V2_INPUT).is_dir() { "v2" } else { "v1" });
        match mode {
            "v1" => Ok(Mode::V1File {
                wait_for_mount: workspace.is_none(),
                workspace: workspace.unwrap_or_else(|| WORKSPACE.into()),
            }),
            "v1-grpc" => Ok(Mode::V1Grpc {
                workspace: workspace.unwrap_or_else(|| WORKSPACE.into()),
                endpoint: match var("GEVULOT_GRPC_UNIX") {
                    Some(path) => grpc_v1::Endpoint::Unix(path),
                    None => grpc_v1::Endpoint::HOST_VSOCK,
                },
            }),
            "v2" => Ok(Mode::V2 {
                input: var("GEVULOT_INPUT_DIR").unwrap_or_else(|| V2_INPUT.into()),
                output: var("GEVULOT_OUTPUT_DIR").unwrap_or_else(|| V2_OUTPUT.into()),
                args,
            }),
            other => Err(ShimError::Mode(other.into())),
        }
    }
}

/// Runs the task(s) of `mode` through `handler`. Ok when every task's result reached the node and
/// every task succeeded; Err with the reason otherwise (a failed task's result is still sent).
pub fn run(mode: &Mode, handler: Handler<'_>) -> Result<(), ShimError> {
    match mode {
        Mode::V1File { workspace, wait_for_mount } => file_v1::run(workspace, *wait_for_mount, handler),
        Mode::V1Grpc { workspace, endpoint } => grpc_v1::run(workspace, endpoint, handler),
        Mode::V2 { input, output, args } => v2::run(input, output, args, handler),
    }
}
