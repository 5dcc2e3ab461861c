//! The v1 file form: the node (or shim-executor) writes `task.json` into the workspace, mounts it
//! at /workspace, and reads `task_result.json` after the VM stops.

use std::{
    path::Path,
    time::{Duration, Instant},
};

use super::{Handler, ShimError, Task, TaskContext, TaskResult};

/// The task, as the node writes it into the workspace.
pub const TASK_FILE: &str = "task.json";
/// The result, as the node reads it from the workspace.
pub const RESULT_FILE: &str = "task_result.json";
/// How long the workspace mount may take to appear (as Gevulot's shim waits).
const MOUNT_TIMEOUT: Duration = Duration::from_secs(30);

fn mounted(point: &Path) -> bool {
    match std::fs::read_to_string("/proc/mounts") {
        Ok(mounts) => mounts.lines().any(|l| l.split_whitespace().nth(1) == Some(&point.display().to_string())),
        // No mount table (a unikernel): the volume is there once its directory is.
        Err(_) => point.is_dir(),
    }
}

fn wait_for(point: &Path) -> Result<(), ShimError> {
    let start = Instant::now();
    while !mounted(point) {
        if start.elapsed() > MOUNT_TIMEOUT {
            return Err(ShimError::NotMounted { path: point.to_path_buf(), seconds: MOUNT_TIMEOUT.as_secs() });
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Ok(())
}

fn read_task(workspace: &Path) -> Result<Task, ShimError> {
    let path = workspace.join(TASK_FILE);
    let text = std::fs::read(&path).map_err(ShimError::io(&path))?;
    serde_json::from_slice(&text).map_err(|cause| ShimError::NotATask { path, cause })
}

/// Runs the task of the workspace and writes its result there.
pub fn run(workspace: &Path, wait_for_mount: bool, handler: Handler<'_>) -> Result<(), ShimError> {
    if wait_for_mount {
        wait_for(workspace)?;
    }
    // A stale result would be read as this task's: refuse before doing any work.
    let result = workspace.join(RESULT_FILE);
    if result.exists() {
        return Err(ShimError::StaleResult(result));
    }
    let outcome = read_task(workspace).and_then(|task| {
        tracing::info!(id = %task.id, args = ?task.args, files = ?task.files, "task");
        let ctx = TaskContext {
            id: task.id.clone(),
            args: task.args.clone(),
            files: task.files.iter().map(|f| workspace.join(f)).collect(),
            input_dir: workspace.to_path_buf(),
            output_dir: workspace.to_path_buf(),
            moved: super::moved(super::WORKSPACE, workspace),
        };
        let output = handler(&ctx).map_err(ShimError::Task)?;
        let files = output.files.iter().map(|f| ctx.said(f).display().to_string()).collect();
        Ok(TaskResult { id: task.id, data: output.data, files })
    });
    // The node reads the failure's message, as the console says it.
    let sent = outcome.as_ref().map(Clone::clone).map_err(ToString::to_string);
    write_result(workspace, &sent)?;
    outcome.map(drop)
}

/// Writes `task_result.json` once: it must not exist yet (a stale result would be read as this
/// task's), and it appears complete or not at all.
fn write_result(workspace: &Path, outcome: &Result<TaskResult, String>) -> Result<(), ShimError> {
    let path = workspace.join(RESULT_FILE);
    let json = serde_json::to_vec(outcome).expect("results serialize");
    let fail = |cause| ShimError::Io { path: path.clone(), cause };
    let mut tmp = tempfile::NamedTempFile::new_in(workspace).map_err(fail)?;
    std::io::Write::write_all(&mut tmp, &json).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist_noclobber(&path).map_err(|e| fail(e.error))?;
    Ok(())
}
