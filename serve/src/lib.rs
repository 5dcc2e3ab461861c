//! `prover_cmd serve` and `prover_cmd worker`: follow a chain, prove every block, keep only
//! verified proofs in a database (SQLite or Postgres) behind an HTTP API, an explorer page and
//! Prometheus metrics.
//!
//! The database is the only shared state: the follower writes blocks and jobs, workers (here or
//! on other machines) claim jobs and hand in proofs, the judge verifies them, the API reads. So
//! a process killed at any moment loses nothing but the work in flight, which is done again; a
//! process stopped cleanly hands its jobs back.

pub mod admin;
pub mod api;
pub mod blocks;
pub mod chain;
pub mod follow;
pub mod gevulot;
mod gevulot_split;
pub mod health;
pub mod http;
pub mod jobs;
pub mod judge;
pub mod metrics;
pub mod pieces;
mod split_work;
pub mod status;
pub mod store;
mod web;
pub mod work;

use std::{net::SocketAddr, sync::Arc, time::Duration};

use tokio::{
    sync::{watch, Semaphore},
    task::JoinSet,
};
use verifier::VerifyOptions;

pub use blocks::Retention;
pub use follow::FollowConfig;
pub use gevulot::{GevulotConfig, StateTaskParams};
pub use health::HealthLimits;
pub use http::HttpLimits;
pub use jobs::Order;
pub use store::Store;
pub use work::WorkerConfig;

/// Unix time in milliseconds (the database's clock is the processes' clocks).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// What `serve` runs.
pub struct ServeConfig {
    /// The database: a file or a `postgres://` URL.
    pub db: String,
    /// Where the API listens.
    pub listen: SocketAddr,
    /// The follower's settings.
    pub follow: FollowConfig,
    /// One config per worker this process runs (none: only follow, verify and serve).
    pub workers: Vec<WorkerConfig>,
    /// Jobs go to a Gevulot network as tasks (dry run: prepared and printed, not sent).
    pub gevulot: Option<GevulotConfig>,
    /// How the server verifies proofs.
    pub verify: VerifyOptions,
    /// The state proof's params are the public-seed development ones (every answer says so).
    pub insecure_dev_params: bool,
    /// The HTTP server's bounds.
    pub http: HttpLimits,
    /// When `/healthz` says the server is not healthy.
    pub health: HealthLimits,
    /// What of proven blocks is kept.
    pub retention: Retention,
}

/// Runs the server until `shutdown` resolves (Ctrl-C, SIGTERM). Prints the address it listens on.
pub async fn serve(
    config: ServeConfig,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let store = Store::open(&config.db).await?;
    let metrics = Arc::new(metrics::Metrics::default());
    let status = health::SharedStatus::default();
    let (stop_tx, stop) = watch::channel(false);
    let kind = config.follow.kind;

    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
    let address = listener.local_addr()?;
    tracing::info!(%address, db = %config.db, %kind, "serving");
    // The one line a script waits for (the port may have been 0).
    println!("listening on http://{address}");

    let mut tasks = tokio::task::JoinSet::new();
    tasks.spawn(follow::run_follower(store.clone(), config.follow, metrics.clone(), status.clone(), stop.clone()));
    tasks.spawn(judge::run_judge(store.clone(), config.verify.clone(), metrics.clone(), stop.clone()));
    tasks.spawn(run_retention(store.clone(), config.retention, stop.clone()));
    spawn_workers(&mut tasks, &store, config.workers, &metrics, &stop);
    if let Some(mut gevulot) = config.gevulot {
        gevulot.public_url.get_or_insert_with(|| format!("http://{address}"));
        tracing::info!(dispatcher = %gevulot.id, kind = %gevulot.kind, "Gevulot dispatcher started (dry run)");
        tasks.spawn(gevulot::run_dispatcher(store.clone(), gevulot, stop.clone()));
    }
    let state = Arc::new(api::ApiState {
        store,
        metrics,
        follow: status,
        verify: config.verify,
        uploads: Arc::new(Semaphore::new(config.http.max_uploads)),
        limits: config.http,
        health: config.health,
        insecure_dev_params: config.insecure_dev_params,
        kind,
    });
    // The stop reaches the workers at once (they hand their jobs back while the API drains).
    let stopping = stop_tx.clone();
    let shutdown = async move {
        shutdown.await;
        let _ = stopping.send(true);
    };
    http::serve_http(listener, api::router(state), config.http, shutdown).await;
    stop_all(stop_tx, tasks).await;
    Ok(())
}

/// Runs workers only, against a shared database, until `shutdown` resolves.
pub async fn work(
    db: &str,
    workers: Vec<WorkerConfig>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let store = Store::open(db).await?;
    let metrics = Arc::new(metrics::Metrics::default());
    let (stop_tx, stop) = watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    spawn_workers(&mut tasks, &store, workers, &metrics, &stop);
    shutdown.await;
    stop_all(stop_tx, tasks).await;
    Ok(())
}

fn spawn_workers(
    tasks: &mut JoinSet<()>,
    store: &Store,
    workers: Vec<WorkerConfig>,
    metrics: &Arc<metrics::Metrics>,
    stop: &watch::Receiver<bool>,
) {
    for worker in workers {
        tracing::info!(worker = %worker.id, kind = %worker.prove.kind(), "worker started");
        tasks.spawn(work::run_worker(store.clone(), worker, metrics.clone(), stop.clone()));
    }
}

/// Drops what retention lets go, every few seconds (one indexed UPDATE, which finds nothing most
/// times), until `stop` turns true.
async fn run_retention(store: Store, retention: Retention, mut stop: watch::Receiver<bool>) {
    if retention == Retention::default() {
        return;
    }
    while !*stop.borrow() {
        match store.prune(retention).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(witnesses = n, "retention: dropped the witnesses of proven blocks"),
            Err(e) => tracing::warn!("retention: {e}"),
        }
        pause(Duration::from_secs(10), &mut stop).await;
    }
}

/// Tells every task to stop and gives them a few seconds: workers hand their jobs back. A proof
/// still running on a blocking thread is abandoned, not waited for.
async fn stop_all(stop_tx: watch::Sender<bool>, mut tasks: JoinSet<()>) {
    let _ = stop_tx.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(5), async { while tasks.join_next().await.is_some() {} }).await;
}

/// Waits `wait`, or less if `stop` changes meanwhile: the idle wait of every loop here.
pub(crate) async fn pause(wait: Duration, stop: &mut watch::Receiver<bool>) {
    tokio::select! {
        _ = tokio::time::sleep(wait) => {}
        _ = stop.changed() => {}
    }
}
