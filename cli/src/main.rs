//! `prover_cmd`: the command-line front end.

mod execution_cmd;
mod params_cmd;
mod progress_bar;
mod prove_cmds;
mod serve_admin;
mod serve_cmd;
mod serve_settings;
mod split_cmds;
mod verify_cmd;
mod witness_cmds;

use std::{io::IsTerminal, process::ExitCode};

use clap::{Parser, Subcommand};
use tracing_subscriber::{layer::SubscriberExt, util::SubscriberInitExt, Layer};

#[derive(Parser)]
#[command(name = "prover_cmd", version, about = "Ethereum block witness capture, proving and verification")]
struct Cli {
    /// Only errors on stderr: no progress bar, no logs.
    #[arg(short, long, global = true)]
    quiet: bool,
    /// More logs (-v debug; -vv trace, with dependencies' logs and every span's time as it
    /// closes); RUST_LOG overrides the levels.
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
    /// Prove a witness file: its execution (zkVM) or its header chain and pre-state (KZG).
    #[command(name = "offline_prover")]
    OfflineProver(prove_cmds::OfflineArgs),
    /// Prove one segment of a block's execution proof alone (split proving: each segment on any
    /// machine, then `aggregate`).
    #[command(name = "prove_segment")]
    ProveSegment(split_cmds::SegmentArgs),
    /// Aggregate a block's segment proofs, in any order and from any machines, into its
    /// execution proof (or, with --leaf, one leaf of the aggregation).
    #[command(name = "aggregate")]
    Aggregate(split_cmds::AggregateArgs),
    /// Capture a block's witness over JSON-RPC and prove it.
    #[command(name = "legacy_prover")]
    LegacyProver(prove_cmds::LegacyArgs),
    /// Verify a proof file; prints a JSON report, exits 0 only if the proof is valid.
    #[command(name = "verifier")]
    Verifier(verify_cmd::VerifyArgs),
    /// Write KZG params: INSECURE development ones, or real ones downsized.
    #[command(name = "params")]
    Params(params_cmd::ParamsArgs),
    /// The execution proof's guest image: its pinned id, or the id and verifying key of a build.
    #[command(name = "execution_image")]
    ExecutionImage(execution_cmd::ImageArgs),
    /// Follow a chain: capture and prove every block, verify every proof, keep them in a
    /// database behind an HTTP API, an explorer page and Prometheus metrics.
    #[command(name = "serve")]
    Serve(Box<serve_cmd::ServeArgs>),
    /// Prove jobs from a shared database (the Postgres that a `serve` writes to).
    #[command(name = "worker")]
    Worker(serve_cmd::WorkerArgs),
}

/// Our crates log at the chosen level; dependencies (halo2, axiom-eth: chatty at info) only warn.
fn init_logs(quiet: bool, verbose: u8) {
    let ours = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "info",
        (false, 1) => "debug",
        _ => "trace",
    };
    let deps = if quiet {
        "error"
    } else if verbose >= 2 {
        "info"
    } else {
        "warn"
    };
    let default = format!(
        "{deps},prover_cmd={ours},witness={ours},circuit={ours},execution={ours},prover={ours},verifier={ours},serve={ours}"
    );
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    // At -vv each span's time is logged as it closes: OpenVM's spans then show where a proof's
    // time goes (app proof, then each aggregation layer: leaf, internal_for_leaf, ...).
    let span_events = if verbose >= 2 && !quiet {
        tracing_subscriber::fmt::format::FmtSpan::CLOSE
    } else {
        tracing_subscriber::fmt::format::FmtSpan::NONE
    };
    let log = tracing_subscriber::fmt::layer()
        .with_span_events(span_events)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .with_filter(filter);
    // The execution prover's segment spans reach the progress display (and serve's job progress)
    // whatever the log level.
    tracing_subscriber::registry().with(log).with(execution::segment_layer()).init();
}

host_cpu::check_cpu_at_start!("prover_cmd");

/// A reader that stops early (`prover_cmd execution_image | head -1`) closes the pipe: the one-shot
/// commands then end as other command-line tools do, on SIGPIPE, instead of panicking in
/// `println!`. serve and worker keep Rust's default (the signal ignored, a write error instead):
/// they write to sockets and child processes that may go away, and must keep running.
fn end_quietly_on_a_closed_pipe(command: &Command) {
    if !matches!(command, Command::Serve(_) | Command::Worker(_)) {
        // SAFETY: called first in main, before any thread of ours exists; SIG_DFL is a valid
        // disposition for SIGPIPE.
        unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    end_quietly_on_a_closed_pipe(&cli.command);
    init_logs(cli.quiet, cli.verbose);
    let result = match cli.command {
        Command::WitnessCapture(args) => witness_cmds::capture(args, cli.quiet),
        Command::WitnessInspect(args) => witness_cmds::inspect(args),
        Command::OfflineProver(args) => prove_cmds::offline(args, cli.quiet),
        Command::LegacyProver(args) => prove_cmds::legacy(args, cli.quiet),
        Command::ProveSegment(args) => split_cmds::prove_segment(args, cli.quiet),
        Command::Aggregate(args) => split_cmds::aggregate(args, cli.quiet),
        Command::Params(args) => params_cmd::run(args),
        Command::ExecutionImage(args) => execution_cmd::run(args),
        Command::Serve(args) => serve_cmd::serve(*args),
        Command::Worker(args) => serve_cmd::worker(args),
        Command::Verifier(args) => match verify_cmd::verify(args) {
            Ok(true) => Ok(()),
            Ok(false) => return ExitCode::FAILURE,
            Err(e) => Err(e),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Every library error reads whole and does not repeat its cause (docs/design.md), so
            // the chain of contexts prints each part once.
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
