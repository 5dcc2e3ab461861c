//! `serve` (follow a chain, prove, verify, store, serve over HTTP) and `worker` (prove jobs from a
//! shared database on another machine).

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use anyhow::Context;
use circuit::{params, CapacityClass, ClassName};
use clap::Args;
use proof::ProofKind;
use prover::{FlagError, ProveConfig, ProveFlags};
use serve::{FollowConfig, GevulotConfig, Order, StateTaskParams, WorkerConfig};
use verifier::VerifyOptions;

use crate::{
    serve_admin::AdminCommand,
    serve_settings::{HealthArgs, LimitArgs, RetentionArgs},
};

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub(crate) struct ServeArgs {
    #[command(subcommand)]
    admin: Option<AdminCommand>,
    /// JSON-RPC endpoint of the node to follow (eth and debug namespaces, as witness_capture).
    #[arg(short, long, required = true)]
    rpc: Option<String>,
    #[command(flatten)]
    db: DbArgs,
    /// The first block to capture when the database is empty [default: the node's head].
    #[arg(long)]
    from: Option<u64>,
    /// Prove every Nth block (by number); the others are captured and listed as skipped.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    every: u64,
    /// Address of the HTTP API and the explorer page (port 0: any free port; the address is
    /// printed on stdout).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// How often the node is asked for its head (milliseconds).
    #[arg(long, default_value_t = 1000)]
    poll_ms: u64,
    /// Capture each block with one debug_executionWitness call (geth 1.15+, reth) instead of
    /// eth_getProof per account.
    #[arg(long)]
    execution_witness: bool,
    /// Follow the node even when it serves another chain than the one this database follows
    /// (another chain id or genesis: a devnet restarted); the stored blocks are kept, orphaned.
    #[arg(long)]
    follow_new_chain: bool,
    /// Execution proofs: prove each block in pieces, its segments and the leaves of their
    /// aggregation each a job of its own, so that many workers (on many machines, with Postgres)
    /// prove one block at once; the block's own job then aggregates them (docs/split-proving.md).
    /// With --gevulot-dry-run: each block becomes a workflow of one task per segment and their
    /// aggregation.
    #[arg(long)]
    split: bool,
    #[command(flatten)]
    work: WorkArgs,
    #[command(flatten)]
    gevulot: GevulotArgs,
    #[command(flatten)]
    limits: LimitArgs,
    #[command(flatten)]
    health: HealthArgs,
    #[command(flatten)]
    retention: RetentionArgs,
}

#[derive(Args)]
struct GevulotArgs {
    /// Send each job to a Gevulot (v2) network as a task instead of proving it here. A dry run:
    /// nothing is sent. Each block's task file is written to <data dir>/gevulot/ and the exact
    /// gvltctl and curl commands that send it and hand its proof back (POST /blocks/{n}/proof,
    /// verified before it is taken) are printed on stdout. No local worker runs.
    #[arg(long, requires = "gevulot_prover_image", conflicts_with = "workers")]
    gevulot_dry_run: bool,
    /// With --gevulot-dry-run: the prover image's URL or CID, as the network fetches it.
    #[arg(long, value_name = "URL", requires = "gevulot_dry_run")]
    gevulot_prover_image: Option<String>,
    /// With --gevulot-dry-run and --proof state: the URL or CID of the params file this server
    /// verifies with (uploaded by you; the task downloads it).
    #[arg(long, value_name = "URL", requires = "gevulot_dry_run")]
    gevulot_params: Option<String>,
    /// With --gevulot-dry-run: this server's address as the network reaches it (the task fetches
    /// the witness from it, the proof is handed back to it) [default: http://<--listen>].
    #[arg(long, value_name = "URL", requires = "gevulot_dry_run")]
    public_url: Option<String>,
    /// With --gevulot-dry-run: the IPFS gateway the task's outputs are read from.
    #[arg(long, value_name = "URL", default_value = "https://data.firestarter.gevulot.com/ipfs")]
    gevulot_gateway: String,
}

#[derive(Args)]
pub(crate) struct WorkerArgs {
    #[command(flatten)]
    db: DbArgs,
    #[command(flatten)]
    work: WorkArgs,
}

#[derive(Args)]
pub(crate) struct DbArgs {
    /// The database: a postgres:// URL, or an SQLite file [default: serve.sqlite in the data
    /// directory].
    #[arg(long)]
    db: Option<String>,
    /// Where the SQLite database, generated params and keys live [default:
    /// $XDG_DATA_HOME/eth-block-prover, else ~/.local/share/eth-block-prover].
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

#[derive(Args)]
struct WorkArgs {
    /// Proof kind: execution (zkVM) or state (KZG; INSECURE development params are generated in
    /// the data directory unless --params is given).
    #[arg(long = "proof", value_name = "KIND", default_value = "execution")]
    kind: ProofKind,
    /// Proving workers in this process (0: none; workers elsewhere take the jobs).
    #[arg(long, default_value_t = 1)]
    workers: usize,
    /// Which queued block a worker takes first.
    #[arg(long, value_enum, default_value_t = Order::Oldest)]
    order: Order,
    /// As offline_prover's; the state proof's key cache defaults to the data directory's keys/.
    #[command(flatten)]
    flags: ProveFlags,
    /// How long a worker's claim on a job holds without renewal (seconds); a dead worker's job
    /// is taken again after this.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(3..))]
    lease_secs: u64,
}

pub(crate) fn data_dir(args: &DbArgs) -> anyhow::Result<PathBuf> {
    let dir = match &args.data_dir {
        Some(dir) => dir.clone(),
        None => std::env::var_os("XDG_DATA_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
            .context("no data directory: give --data-dir")?
            .join("eth-block-prover"),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

pub(crate) fn db_url(args: &DbArgs, data: &std::path::Path) -> String {
    args.db.clone().unwrap_or_else(|| data.join("serve.sqlite").display().to_string())
}

/// The prover's configuration, the verifier's options and whether the params are the insecure
/// dev ones (generated into the data directory for a state proof given none).
fn setup(work: &WorkArgs, data: &std::path::Path) -> anyhow::Result<(ProveConfig, VerifyOptions, bool)> {
    let keys_dir = Some(data.join("keys"));
    let mut flags = work.flags.clone();
    let (config, insecure) = match flags.config(work.kind, keys_dir.clone()) {
        // Every other flag has been checked by now: the params are made only for a setup that runs.
        Err(FlagError::NoParams) => {
            flags.keys.params = Some(insecure_dev_params(data, flags.class)?);
            (flags.config(work.kind, keys_dir.clone())?, true)
        }
        other => (other?, false),
    };
    let verify = VerifyOptions { params: flags.keys.params.clone(), keys_dir: flags.keys.keys_dir_or(keys_dir) };
    Ok((config, verify, insecure))
}

/// INSECURE development params for the class (or the largest class), generated once into the
/// data directory.
fn insecure_dev_params(data: &std::path::Path, class: Option<ClassName>) -> anyhow::Result<PathBuf> {
    let k = class.map(|c| CapacityClass::named(c).k).unwrap_or(CapacityClass::SMALL.k);
    let dir = data.join("insecure-dev-params");
    let path = dir.join(params::dev_file_name(k));
    if !path.exists() {
        tracing::warn!(
            "generating INSECURE development params (k = {k}) into {}: anyone can forge proofs \
             against them; every page and answer says so",
            dir.display()
        );
        std::fs::create_dir_all(&dir)?;
        params::write(&params::generate_insecure_dev(k), &path)?;
    }
    Ok(dir)
}

fn workers(work: &WorkArgs, config: &ProveConfig) -> Vec<WorkerConfig> {
    (0..work.workers)
        .map(|i| WorkerConfig {
            id: serve::work::default_worker_id(i),
            prove: config.clone(),
            order: work.order,
            lease: Duration::from_secs(work.lease_secs),
            idle_poll: Duration::from_millis(500),
        })
        .collect()
}

/// Runs `work` on a new runtime. A proof still running on a blocking thread when it returns is
/// abandoned, not waited for: its lease runs out and the job is taken again.
fn run_until_stopped(work: impl std::future::Future<Output = anyhow::Result<()>>) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let result = runtime.block_on(work);
    runtime.shutdown_timeout(Duration::from_secs(1));
    result
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(term) => term,
        Err(_) => return std::future::pending().await,
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    tracing::info!("stopping");
}

/// The Gevulot dispatcher's settings for `--gevulot-dry-run`.
fn gevulot_dispatch(
    args: &ServeArgs,
    state_task: Option<(String, ClassName)>,
    prove: &ProveConfig,
    verify: &VerifyOptions,
    data: &std::path::Path,
) -> anyhow::Result<Option<GevulotConfig>> {
    let g = &args.gevulot;
    if !g.gevulot_dry_run {
        return Ok(None);
    }
    // The state proof's task carries the params it is verified with; the execution proof's none.
    let params = match state_task {
        None => {
            anyhow::ensure!(g.gevulot_params.is_none(), "--gevulot-params is for --proof state");
            None
        }
        Some((source, class)) => {
            // The file the server verifies this class with: the task's prover must find the same.
            let dir = verify.params.as_deref().context("no params")?;
            let loaded =
                params::load(dir, CapacityClass::named(class).k).with_context(|| format!("{}", dir.display()))?;
            let file_name = loaded.path.file_name().context("params file name")?.to_string_lossy().into_owned();
            Some(StateTaskParams { source, file_name, class: class.to_string() })
        }
    };
    Ok(Some(GevulotConfig {
        id: format!("{}{}", serve::jobs::DISPATCHER_PREFIX, serve::work::default_worker_id(0)),
        kind: prove.kind(),
        order: args.work.order,
        prover_image: g.gevulot_prover_image.clone().context("--gevulot-prover-image")?,
        params,
        public_url: g.public_url.clone(),
        gateway: g.gevulot_gateway.clone(),
        out_dir: data.join("gevulot"),
        idle_poll: Duration::from_millis(500),
        // --split: the segment tasks and the aggregation of a workflow instead of one task.
        split: match prove {
            ProveConfig::Execution(settings) if args.split => Some(settings.clone()),
            _ => None,
        },
    }))
}

/// A state proof's Gevulot task needs the params' URL and the class: checked before any params
/// are generated.
fn state_task_args(args: &ServeArgs) -> anyhow::Result<(String, ClassName)> {
    let source = args.gevulot.gevulot_params.clone().context(
        "--proof state with --gevulot-dry-run needs --gevulot-params: the URL or CID of the params file this \
         server verifies with, which the task downloads",
    )?;
    let class = args
        .work
        .flags
        .class
        .context("--proof state with --gevulot-dry-run needs --class (the task's circuit class)")?;
    Ok((source, class))
}

pub(crate) fn serve(args: ServeArgs) -> anyhow::Result<()> {
    if let Some(admin) = args.admin {
        return crate::serve_admin::run(admin);
    }
    // Checked before the data directory and any params are made.
    let retention = args.retention.retention()?;
    anyhow::ensure!(!args.split || args.work.kind == ProofKind::Execution, "--split is for execution proofs");
    let state_task = if args.gevulot.gevulot_dry_run && args.work.kind == ProofKind::State {
        Some(state_task_args(&args)?)
    } else {
        None
    };
    let data = data_dir(&args.db)?;
    let (prove, verify, insecure_dev_params) = setup(&args.work, &data)?;
    let gevulot = gevulot_dispatch(&args, state_task, &prove, &verify, &data)?;
    // Jobs go either to the network or to local workers, never both.
    let workers = if gevulot.is_some() { vec![] } else { workers(&args.work, &prove) };
    let config = serve::ServeConfig {
        db: db_url(&args.db, &data),
        listen: args.listen,
        follow: FollowConfig {
            rpc_url: args.rpc.context("--rpc")?,
            from: args.from,
            every: args.every,
            kind: prove.kind(),
            poll: Duration::from_millis(args.poll_ms.max(50)),
            max_reorg_depth: 64,
            execution_witness: args.execution_witness,
            follow_new_chain: args.follow_new_chain,
            // Pieces in the queue for local and remote workers; a Gevulot workflow's pieces are
            // the network's tasks, and the block's job waits for the proof as one job.
            split: args.split && !args.gevulot.gevulot_dry_run,
        },
        workers,
        gevulot,
        verify,
        insecure_dev_params,
        http: args.limits.limits(),
        health: args.health.limits(),
        retention,
    };
    run_until_stopped(serve::serve(config, shutdown_signal()))
}

pub(crate) fn worker(args: WorkerArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.work.workers > 0, "--workers must be at least 1 for a worker process");
    let data = data_dir(&args.db)?;
    let (prove, _, _) = setup(&args.work, &data)?;
    let db = db_url(&args.db, &data);
    run_until_stopped(serve::work(&db, workers(&args.work, &prove), shutdown_signal()))
}
