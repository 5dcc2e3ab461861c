//! The HTTP server around the API, with its bounds: at most `max_connections` open connections
//! (the next one waits in the listen backlog), a time limit on reading a request's headers, and,
//! in the API, a limit on bodies read at once, their size (a declared `Content-Length` over it is
//! refused before any of it is read) and the time to read one. A stop lets the open requests
//! finish for a few seconds. axum's own `serve` has no header timeout and no connection cap, which
//! the many-connection test showed (3,000 connections with half-sent bodies stayed open).

use std::{sync::Arc, time::Duration};

use axum::Router;
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
    service::TowerToHyperService,
};
use tokio::{net::TcpListener, sync::Semaphore};

/// The HTTP server's bounds. Every one is a setting of `serve` (docs/serve.md says them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HttpLimits {
    /// Open connections at most; more wait to be accepted.
    pub max_connections: usize,
    /// How long a client may take to send a request's headers.
    pub header_timeout: Duration,
    /// How long a client may take to send an upload's body.
    pub body_timeout: Duration,
    /// The largest upload (`POST /verify`, `POST /blocks/{n}/proof`).
    pub max_upload: usize,
    /// Uploads read and verified at once; more are answered 503 with Retry-After.
    pub max_uploads: usize,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            max_connections: 1024,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(60),
            max_upload: 64 << 20,
            max_uploads: 4,
        }
    }
}

/// How long open requests may take to finish after a stop.
const DRAIN: Duration = Duration::from_secs(5);

/// Serves `app` on `listener` until `shutdown` resolves, within `limits`.
pub(crate) async fn serve_http(
    listener: TcpListener,
    app: Router,
    limits: HttpLimits,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
            _ = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors, most likely: wait rather than spin.
                    tracing::warn!("accepting a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout);
        let connection = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app.clone()));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = connection.await;
            drop(slot);
        });
    }
    if tokio::time::timeout(DRAIN, graceful.shutdown()).await.is_err() {
        tracing::warn!("stopping: open requests did not finish within {DRAIN:?}");
    }
}
