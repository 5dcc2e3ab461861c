//! `prover_cmd`: the command-line front end.

mod witness_cmds;

use std::{io::IsTerminal, process::ExitCode};

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "prover_cmd", version, about = "Ethereum block witness capture and proving")]
struct Cli {
    /// Only errors on stderr: no progress bar, no logs.
    #[arg(short, long, global = true)]
    quiet: bool,
    /// More logs (-v debug, -vv trace); RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Capture a block's witness over Ethereum JSON-RPC and write it to a file.
    #[command(name = "witness_capture")]
    WitnessCapture(witness_cmds::CaptureArgs),
    /// Print a summary of a witness file and re-run its native checks.
    #[command(name = "witness_inspect")]
    WitnessInspect(witness_cmds::InspectArgs),
}

fn init_logs(quiet: bool, verbose: u8) {
    let default = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "info",
        (false, 1) => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .init();
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logs(cli.quiet, cli.verbose);
    let result = match cli.command {
        Command::WitnessCapture(args) => witness_cmds::capture(args, cli.quiet),
        Command::WitnessInspect(args) => witness_cmds::inspect(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
