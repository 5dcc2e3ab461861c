//! The v2 form: the worker starts the VM with the task's arguments and environment (in the runtime
//! config), its input context under /mnt/gevulot/input and an empty /mnt/gevulot/output whose
//! files it keeps. There is no data channel: the result data goes to `result.json` among the
//! outputs (and to stdout), a failure to stderr and the exit status.

use std::path::Path;

use super::{Handler, ShimError, TaskContext};

/// The result data, among the outputs.
pub const RESULT_FILE: &str = "result.json";

/// Runs the task of the VM's input context and writes its result among the outputs.
pub fn run(input: &Path, output: &Path, args: &[String], handler: Handler<'_>) -> Result<(), ShimError> {
    for dir in [input, output] {
        if !dir.is_dir() {
            return Err(ShimError::NotV2(dir.to_path_buf()));
        }
    }
    let ctx = TaskContext {
        id: std::env::var("GEVULOT_TASK_ID").unwrap_or_else(|_| "v2".into()),
        args: args.to_vec(),
        files: std::fs::read_dir(input)
            .map_err(ShimError::io(input))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect(),
        input_dir: input.to_path_buf(),
        output_dir: output.to_path_buf(),
        moved: [super::moved(super::V2_INPUT, input), super::moved(super::V2_OUTPUT, output)].concat(),
    };
    tracing::info!(id = %ctx.id, args = ?ctx.args, files = ?ctx.files, "task");
    let result = handler(&ctx).map_err(ShimError::Task)?;
    let path = output.join(RESULT_FILE);
    witness::file::write_atomic_with(&path, |out| out.write_all(&result.data)).map_err(ShimError::io(&path))?;
    println!("{}", String::from_utf8_lossy(&result.data));
    for file in &result.files {
        if !file.starts_with(output) {
            tracing::warn!(file = %file.display(), "an output outside {} is not kept by the worker", output.display());
        }
    }
    Ok(())
}
