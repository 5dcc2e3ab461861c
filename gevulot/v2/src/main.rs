//! `gevulot-v2`: writes manifests/ with gevulot-rs' types, checks manifests as a node would take
//! them, and prints the messages a deployment would send (`--dry-run` of scripts/deploy.sh v2).
//!   gevulot-v2 manifests [--dir manifests] [--check]
//!   gevulot-v2 check FILE...
//!   gevulot-v2 split-workflow --segments N
//!   gevulot-v2 messages FILE... [--creator ADDRESS] [--pin NAME=URL=IMAGE_FILE]...

use std::{path::PathBuf, process::ExitCode};

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use gevulot_v2::{check, manifest, messages, settings};

#[derive(Parser)]
#[command(name = "gevulot-v2", about = "Gevulot v2 manifests through gevulot-rs' own types")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write every task and workflow manifest from the settings (or, with --check, compare).
    Manifests {
        #[arg(long, default_value = "manifests")]
        dir: PathBuf,
        /// Change nothing; fail if a file differs from what the settings make.
        #[arg(long)]
        check: bool,
    },
    /// Print the split-proving workflow for a block of N segments (`offline_prover --proof
    /// execution --execute-only` says N at the segment setting the tasks use).
    SplitWorkflow {
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=4096))]
        segments: u64,
        /// Print only its aggregation task, as a task manifest (with one input per segment).
        #[arg(long)]
        aggregate_task: bool,
    },
    /// Parse each manifest with gevulot-rs' types and check what they let through.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print the messages a deployment sends for filled-in manifests (nothing is sent).
    Messages {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The sender's address (a real run takes it from the key that signs).
        #[arg(long, default_value = "CREATOR-ADDRESS-OF-YOUR-KEY")]
        creator: String,
        /// A VM image to pin first: NAME=URL=FILE (the file gives its size).
        #[arg(long = "pin")]
        pins: Vec<String>,
        /// How long the pins keep the images.
        #[arg(long, default_value = "30d")]
        pin_time: String,
    },
}

fn read(path: &PathBuf) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Manifests { dir, check } => {
            let mut stale = Vec::new();
            for (file, text) in manifest::all()? {
                let path = dir.join(&file);
                if check {
                    if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                        stale.push(path.display().to_string());
                    }
                } else {
                    let partial = path.with_extension("yaml.tmp");
                    std::fs::write(&partial, &text).with_context(|| format!("writing {}", partial.display()))?;
                    std::fs::rename(&partial, &path)?;
                    println!("{}", path.display());
                }
            }
            if !stale.is_empty() {
                bail!("not what gevulot/v2/src/settings.rs makes (run `gevulot-v2 manifests`): {}", stale.join(", "));
            }
        }
        Command::SplitWorkflow { segments, aggregate_task } => {
            let segments = segments as usize;
            let text = if aggregate_task {
                let mut task = settings::execution_aggregator();
                task.inputs = settings::aggregate_inputs(segments);
                manifest::render(task.comment, &manifest::task(&task))?
            } else {
                manifest::render(&manifest::split_workflow_comment(segments), &manifest::split_workflow(segments))?
            };
            print!("{text}");
        }
        Command::Check { files } => {
            let mut failed = 0;
            for path in &files {
                match read(path).and_then(|text| check::parse(&text)) {
                    Ok(check::Manifest::Task(t)) => println!("{}: ok, Task {}", path.display(), t.metadata.name),
                    Ok(check::Manifest::Workflow(w)) => {
                        println!(
                            "{}: ok, Workflow {} ({} stages)",
                            path.display(),
                            w.metadata.name,
                            w.spec.stages.len()
                        )
                    }
                    Err(e) => {
                        eprintln!("{}: {e:#}", path.display());
                        failed += 1;
                    }
                }
            }
            if failed > 0 {
                bail!("{failed} of {} manifests refused", files.len());
            }
        }
        Command::Messages { files, creator, pins, pin_time } => {
            let seconds: gevulot_rs::models::TimeUnit =
                pin_time.parse().map_err(anyhow::Error::msg).context("--pin-time")?;
            let seconds = seconds.seconds().map_err(anyhow::Error::msg)?;
            for pin in &pins {
                let [name, url, file]: [&str; 3] = pin
                    .splitn(3, '=')
                    .collect::<Vec<_>>()
                    .try_into()
                    .map_err(|_| anyhow::anyhow!("--pin {pin}: not NAME=URL=FILE"))?;
                let bytes = std::fs::metadata(file).with_context(|| format!("--pin {name}: image {file}"))?.len();
                println!("{}\n", messages::create_pin(&messages::ImagePin { name, url, bytes, seconds }, &creator)?);
            }
            for path in &files {
                let text = read(path)?;
                if let Some(at) = text.find("${") {
                    let end = text[at..].find('}').map_or(text.len(), |e| at + e + 1);
                    bail!("{}: unfilled placeholder {}", path.display(), &text[at..end]);
                }
                let message = match check::parse(&text).with_context(|| path.display().to_string())? {
                    check::Manifest::Task(task) => messages::create_task(&task, &creator)?,
                    check::Manifest::Workflow(workflow) => messages::create_workflow(&workflow, &creator)?,
                };
                println!("{message}\n");
            }
        }
    }
    Ok(())
}

host_cpu::check_cpu_at_start!("gevulot-v2");

fn main() -> ExitCode {
    match run(Cli::parse().command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
