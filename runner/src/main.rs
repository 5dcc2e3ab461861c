//! gevulot-runner: runs a task in a prover or verifier VM image as a Gevulot node would, and
//! prints the result as JSON on stdout. Exit status 0 when the task succeeded, 1 when it failed or
//! timed out, 2 when the run could not be set up.
//!
//!     gevulot-runner --image target/vm-images/verifier --workspace ws --file proof.json \
//!         -- --proof /workspace/proof.json

use std::{path::PathBuf, process::ExitCode};

use clap::Parser;
use runner::{Accel, Image, Limits, TaskMode, TaskSpec};

#[derive(Parser, Debug)]
#[command(name = "gevulot-runner", version, about = "Runs a Gevulot task in a VM image, like the node's shim-executor")]
struct Args {
    /// Image directory: vmlinux, initramfs.cpio and image.json from scripts/build-vm-image.sh, or
    /// disk.img and image.json from scripts/build-disk-image.sh (booted as a node boots it).
    #[arg(long)]
    image: PathBuf,
    /// Host directory for the task's shares (created; v1: the workspace itself, v2: its
    /// rt-config/, input/ and output/).
    #[arg(long)]
    workspace: PathBuf,
    /// Which Gevulot task contract the VM speaks.
    #[arg(long, value_enum, default_value_t = TaskMode::V1)]
    mode: TaskMode,
    /// Task id.
    #[arg(long, default_value = "local-task")]
    id: String,
    /// A file or directory the task gets (repeatable): /workspace/<name> in v1,
    /// /mnt/gevulot/input/<name> in v2.
    #[arg(long = "file")]
    files: Vec<PathBuf>,
    /// Virtual CPUs.
    #[arg(long, default_value_t = 2)]
    cpus: u32,
    /// Memory, MiB.
    #[arg(long, default_value_t = 4096)]
    mem_mib: u64,
    /// Seconds before the VM is stopped and the task failed.
    #[arg(long, default_value_t = 3600)]
    timeout: u64,
    /// QEMU's CPU model: `max` (a node's; AVX2 and the rest of x86-64-v3 under TCG), or an older
    /// one to see how the binaries refuse a CPU without the extensions they are built for.
    #[arg(long, default_value = "max")]
    cpu_model: String,
    /// TCG works everywhere; KVM needs a usable /dev/kvm (auto: KVM when it can be opened).
    #[arg(long, value_enum, default_value_t = Accel::Tcg)]
    accel: Accel,
    /// The program's arguments, after `--`.
    #[arg(last = true)]
    task_args: Vec<String>,
}

host_cpu::check_cpu_at_start!("gevulot-runner");

fn main() -> ExitCode {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into());
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    let args = Args::parse();
    let run = || -> anyhow::Result<runner::Outcome> {
        let image = Image::open(&args.image)?;
        let spec =
            TaskSpec { mode: args.mode, id: args.id.clone(), args: args.task_args.clone(), files: args.files.clone() };
        let limits = Limits {
            cpus: args.cpus,
            mem_mib: args.mem_mib,
            timeout_s: args.timeout,
            cpu_model: args.cpu_model.clone().into(),
        };
        eprintln!(
            "running {} ({} profile, kernel {}{}) in QEMU/{:?}, {} CPUs, {} MiB",
            image.info.program,
            image.info.profile,
            image.info.kernel,
            if image.info.disk.is_some() { ", from its disk" } else { "" },
            args.accel.resolve(),
            limits.cpus,
            limits.mem_mib
        );
        runner::run(&image, &args.workspace, &spec, limits, args.accel)
    };
    match run() {
        Ok(outcome) => {
            println!("{}", serde_json::to_string_pretty(&outcome).expect("outcomes serialize"));
            if outcome.success() {
                ExitCode::SUCCESS
            } else {
                eprintln!("the task failed; VM console: {}", outcome.console.display());
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("gevulot-runner: {e:#}");
            ExitCode::from(2)
        }
    }
}
