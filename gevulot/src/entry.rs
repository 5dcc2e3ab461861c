//! The `main` of the prover and verifier binaries: boot (when PID 1 of the VM), logs, the
//! fork/exec ban, the task through the shim, and the exit status (or power-off).

use std::process::ExitCode;

use crate::{
    init,
    seccomp::{self, SeccompError},
    shim::{self, Handler, Mode, ShimError},
};

/// Why the program did not complete its task(s).
#[derive(Debug, thiserror::Error)]
enum RunError {
    #[error(transparent)]
    Shim(#[from] ShimError),
    #[error(transparent)]
    Seccomp(#[from] SeccompError),
    #[error("the fork/exec ban is not in force (/proc/self/status)")]
    NotFiltered,
}

fn init_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(
            "warn,gevulot=info,prover=info,verifier=info,circuit=info,witness=info,execution=info",
        )
    });
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(false).init();
}

/// Runs `handler` for the task(s) the environment holds. Exit status 0 when every task succeeded
/// and its result reached the node; 1 otherwise. As PID 1 it never returns: it powers off.
pub fn main(program: &str, handler: Handler<'_>) -> ExitCode {
    let boot = if init::is_pid1() {
        match init::boot() {
            Ok(boot) => Some(boot),
            Err(e) => {
                eprintln!("{program}: VM boot failed: {e}");
                init::halt(false, None)
            }
        }
    } else {
        None
    };
    init_logs();
    let result = run(program, boot.as_ref().map(|b| b.mode.clone()), handler);
    if let Err(e) = &result {
        eprintln!("{program}: {e}");
    }
    if let Some(boot) = boot {
        init::halt(result.is_ok(), boot.debug_exit);
    }
    if result.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn run(program: &str, mode: Option<Mode>, handler: Handler<'_>) -> Result<(), RunError> {
    let mode = match mode {
        Some(mode) => mode,
        None => Mode::from_env(std::env::args().skip(1).collect())?,
    };
    let kernel = init::kernel_name();
    if std::env::var("GEVULOT_NO_SECCOMP").as_deref() == Ok("1") {
        tracing::warn!("GEVULOT_NO_SECCOMP=1: fork and exec are not forbidden");
    } else if kernel != "Linux" {
        // Nanos and its kind run one process and implement neither fork nor exec (nor seccomp).
        tracing::info!("{program}: on {kernel:?} (a unikernel): no fork or exec exists to forbid");
    } else {
        seccomp::forbid_fork_and_exec()?;
        if !seccomp::filtered() {
            return Err(RunError::NotFiltered);
        }
        tracing::info!("{program}: fork and exec are forbidden (seccomp)");
    }
    tracing::info!(?mode, "{program} starting");
    // In the v1 forms the program's own arguments (ops config `Args`) are defaults that the task's
    // arguments override; in v2 they are the task's arguments.
    let defaults: Vec<String> = match mode {
        Mode::V2 { .. } => vec![],
        _ => std::env::args().skip(1).collect(),
    };
    let with_defaults = |ctx: &shim::TaskContext| {
        let mut ctx = ctx.clone();
        ctx.args = defaults.iter().cloned().chain(ctx.args).collect();
        handler(&ctx)
    };
    Ok(shim::run(&mode, &with_defaults)?)
}
