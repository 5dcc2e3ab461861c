//! The HTTP API and the explorer page. Every answer is JSON (the proof and witness files are the
//! files themselves); bad input is a 4xx with `{"error": ...}`, never a crash.

use std::sync::Arc;

use axum::{
    body::Bytes,
    extract::{
        rejection::{BytesRejection, QueryRejection},
        DefaultBodyLimit, FromRequestParts, Path, Query, State,
    },
    http::{header, request::Parts, StatusCode},
    response::{Html, IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::Semaphore;
use verifier::VerifyOptions;

use crate::{
    follow::SharedStatus,
    judge::verify_bytes,
    metrics::Metrics,
    store::{Store, StoreError},
};

/// The largest proof file `/verify` takes (a mainnet state proof is a few MB).
pub const MAX_UPLOAD: usize = 64 << 20;
/// The most blocks one `/blocks` answer lists.
pub const MAX_LIMIT: u32 = 1000;

/// What the API's handlers share.
pub struct ApiState {
    /// The database.
    pub store: Store,
    /// The metrics.
    pub metrics: Arc<Metrics>,
    /// The follower's status.
    pub follow: SharedStatus,
    /// How uploads are verified.
    pub verify: VerifyOptions,
    /// Verification is CPU work: at most this many at once, the rest wait.
    pub verifying: Semaphore,
    /// The label shown wherever state proofs use the public-seed development params.
    pub insecure_dev_params: bool,
    /// The kind of proof this server's jobs ask for.
    pub kind: proof::ProofKind,
}

/// The HTTP API and the explorer page.
pub fn router(state: Arc<ApiState>) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/blocks", get(blocks))
        .route("/blocks/{number}", get(block))
        .route("/blocks/{number}/proof", get(block_proof).post(hand_in))
        .route("/blocks/{number}/witness", get(block_witness))
        .route("/verify", post(verify))
        .layer(DefaultBodyLimit::max(MAX_UPLOAD))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "no such endpoint") })
        .with_state(state)
}

type Shared = State<Arc<ApiState>>;

fn error(status: StatusCode, message: impl std::fmt::Display) -> Response {
    (status, Json(json!({ "error": message.to_string() }))).into_response()
}

fn internal(e: impl std::fmt::Display) -> Response {
    tracing::warn!("API: {e}");
    error(StatusCode::INTERNAL_SERVER_ERROR, e)
}

/// A block number from the path: a decimal number, else 400 with a JSON error.
struct BlockNumber(u64);

impl<S: Send + Sync> FromRequestParts<S> for BlockNumber {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|e| error(StatusCode::BAD_REQUEST, e.body_text()))?;
        raw.parse().map(BlockNumber).map_err(|_| error(StatusCode::BAD_REQUEST, format!("not a block number: {raw:?}")))
    }
}

async fn page() -> Html<&'static str> {
    Html(include_str!("page.html"))
}

async fn healthz(State(s): Shared) -> Response {
    let db = s.store.counts().await;
    let follow = s.follow.lock().map(|f| f.clone()).unwrap_or_default();
    let ok = db.is_ok();
    let body = json!({
        "ok": ok,
        "database": db.as_ref().map(|_| "ok".to_string()).unwrap_or_else(|e| e.to_string()),
        "node": follow,
        "counts": db.ok(),
        "proof_kind": s.kind,
        "insecure_dev_params": s.insecure_dev_params,
    });
    let status = if ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(body)).into_response()
}

async fn metrics(State(s): Shared) -> Response {
    match s.store.counts().await {
        Ok(counts) => (
            [(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")],
            s.metrics.render(&counts),
        )
            .into_response(),
        Err(e) => internal(e),
    }
}

#[derive(Deserialize)]
struct ListQuery {
    from: Option<u64>,
    limit: Option<u32>,
}

async fn blocks(State(s): Shared, query: Result<Query<ListQuery>, QueryRejection>) -> Response {
    let Query(q) = match query {
        Ok(q) => q,
        Err(e) => return error(StatusCode::BAD_REQUEST, e.body_text()),
    };
    let limit = q.limit.unwrap_or(50);
    if limit == 0 || limit > MAX_LIMIT {
        return error(StatusCode::BAD_REQUEST, format!("limit must be 1..={MAX_LIMIT}"));
    }
    match s.store.blocks(q.from, limit).await {
        Ok(rows) => Json(json!({ "blocks": rows, "insecure_dev_params": s.insecure_dev_params })).into_response(),
        Err(e) => internal(e),
    }
}

async fn block(State(s): Shared, BlockNumber(number): BlockNumber) -> Response {
    match s.store.blocks_at(number).await {
        Ok(rows) if rows.is_empty() => error(StatusCode::NOT_FOUND, format!("block {number} is not stored")),
        Ok(mut rows) => {
            let block = rows.remove(0);
            Json(json!({ "block": block, "others_at_this_height": rows, "insecure_dev_params": s.insecure_dev_params }))
                .into_response()
        }
        Err(e) => internal(e),
    }
}

async fn block_proof(State(s): Shared, BlockNumber(number): BlockNumber) -> Response {
    stored_file(s.store.proof(number).await, || format!("block {number} has no verified proof"))
}

async fn block_witness(State(s): Shared, BlockNumber(number): BlockNumber) -> Response {
    stored_file(s.store.witness(number).await, || format!("block {number} is not stored"))
}

/// A stored file as the answer, or 404 saying what is missing.
fn stored_file(found: Result<Option<Vec<u8>>, StoreError>, missing: impl FnOnce() -> String) -> Response {
    match found {
        Ok(Some(bytes)) => json_file(bytes),
        Ok(None) => error(StatusCode::NOT_FOUND, missing()),
        Err(e) => internal(e),
    }
}

fn json_file(bytes: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], bytes).into_response()
}

/// A proof from a Gevulot task (see `gevulot`): taken only for a job a dispatcher holds, and only
/// if it verifies against the block's witness (so that a stray or forged upload cannot fail the
/// job); 202 when handed in, then the server verifies it again as it does every worker's proof.
async fn hand_in(State(s): Shared, BlockNumber(number): BlockNumber, body: Result<Bytes, BytesRejection>) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(e) => return error(e.status(), e.body_text()),
    };
    if let Err(e) = verifier::decode_proof(&body, "the upload") {
        return error(StatusCode::BAD_REQUEST, e);
    }
    let job = match s.store.dispatched_at(number).await {
        Ok(Some(job)) => job,
        Ok(None) => return error(StatusCode::NOT_FOUND, format!("block {number} is not stored")),
        Err(e) => return internal(e),
    };
    if !job.waiting {
        let why = format!("block {number} does not wait for a proof from a Gevulot task (its job is {})", job.status);
        return error(StatusCode::CONFLICT, why);
    }
    let Ok(_permit) = s.verifying.acquire().await else { return internal("shutting down") };
    let (opts, proof, witness) = (s.verify.clone(), body.clone(), job.witness);
    let report = match tokio::task::spawn_blocking(move || verify_bytes(&proof, Some(&witness), &opts)).await {
        Ok(report) => report,
        Err(e) => return internal(e),
    };
    if !(report.is_success && report.witness_matched == Some(true)) {
        let body = json!({ "error": format!("the proof is refused: {}", report.message), "report": report });
        return (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response();
    }
    match s.store.submit(&job.hash, &job.worker, &body, None).await {
        Ok(true) => (StatusCode::ACCEPTED, Json(json!({ "number": number, "hash": job.hash, "status": "submitted" })))
            .into_response(),
        Ok(false) => error(StatusCode::CONFLICT, format!("block {number}'s job changed meanwhile")),
        Err(e) => internal(e),
    }
}

#[derive(Deserialize)]
struct VerifyQuery {
    /// Also check the proof is of this stored block's witness.
    block: Option<u64>,
}

/// A proof file in, the verifier's report out (200 whether or not it verifies: the report says).
/// What is not a proof file at all is a 400.
async fn verify(
    State(s): Shared,
    query: Result<Query<VerifyQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let Query(q) = match query {
        Ok(q) => q,
        Err(e) => return error(StatusCode::BAD_REQUEST, e.body_text()),
    };
    // Too large (413) or unreadable: the status axum chose, with a JSON body.
    let body = match body {
        Ok(body) => body,
        Err(e) => return error(e.status(), e.body_text()),
    };
    if let Err(e) = verifier::decode_proof(&body, "the upload") {
        return error(StatusCode::BAD_REQUEST, e);
    }
    let witness = match q.block {
        None => None,
        Some(number) => match s.store.witness(number).await {
            Ok(Some(w)) => Some(w),
            Ok(None) => return error(StatusCode::NOT_FOUND, format!("block {number} is not stored")),
            Err(e) => return internal(e),
        },
    };
    let Ok(_permit) = s.verifying.acquire().await else { return internal("shutting down") };
    let opts = s.verify.clone();
    match tokio::task::spawn_blocking(move || verify_bytes(&body, witness.as_deref(), &opts)).await {
        Ok(report) => Json(report).into_response(),
        Err(e) => internal(e),
    }
}
