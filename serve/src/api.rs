//! The HTTP API and the explorer page. Every answer is JSON (the proof and witness files are the
//! files themselves); every error, 404 and 405 included, is `{"error": ...}` with a 4xx (or a 5xx
//! when the server itself fails), never a crash. Uploads are bounded before they are read (see
//! `http.rs`), and decoding and verifying them run on blocking threads.

// The helpers answer a refusal as `Err(Response)`: the response is the error, and it is built once
// per request, so its size is no cost.
#![allow(clippy::result_large_err)]

use std::sync::Arc;

use axum::{
    body::{Body, Bytes},
    extract::{FromRequestParts, Path, Query, State},
    http::{header, request::Parts, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use proof::ProofKind;
use serde::Deserialize;
use serde_json::json;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use verifier::VerifyOptions;

use crate::{
    blocks::Stored,
    health::{self, HealthLimits, SharedStatus},
    http::HttpLimits,
    judge::verify_bytes,
    metrics::Metrics,
    now_ms,
    store::{Store, StoreError},
};

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
    /// Uploads read and verified at once (`HttpLimits::max_uploads`).
    pub uploads: Arc<Semaphore>,
    /// The bounds of uploads.
    pub limits: HttpLimits,
    /// When `/healthz` turns to `ok: false`.
    pub health: HealthLimits,
    /// The label shown wherever state proofs use the public-seed development params.
    pub insecure_dev_params: bool,
    /// The kind of proof this server's jobs ask for.
    pub kind: ProofKind,
}

/// The HTTP API and the explorer page.
pub fn router(state: Arc<ApiState>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/blocks", get(blocks))
        .route("/blocks/{number}", get(block))
        .route("/blocks/{number}/proof", get(block_proof).post(hand_in))
        .route("/blocks/{number}/witness", get(block_witness))
        .route("/verify", post(verify))
        .merge(crate::web::routes())
        .fallback(|| async { error(StatusCode::NOT_FOUND, "no such endpoint") })
        .method_not_allowed_fallback(|| async {
            error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed on this path")
        })
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

/// A database error: 503 (the store is the server's own resource; it may come back).
fn unavailable(e: StoreError) -> Response {
    tracing::warn!("API: {e}");
    error(StatusCode::SERVICE_UNAVAILABLE, e)
}

/// A block number (or a `from`): decimal digits only (no sign, no spaces), at most `i64::MAX`, the
/// largest the database holds.
fn block_number(text: &str, what: &str) -> Result<u64, Response> {
    let refuse =
        || error(StatusCode::BAD_REQUEST, format!("{what} must be a block number, 0 to {}: not {text:?}", i64::MAX));
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(refuse());
    }
    text.parse::<u64>().ok().filter(|n| *n <= i64::MAX as u64).ok_or_else(refuse)
}

/// A block number from the path.
struct BlockNumber(u64);

impl<S: Send + Sync> FromRequestParts<S> for BlockNumber {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|e| error(StatusCode::BAD_REQUEST, e.body_text()))?;
        block_number(&raw, "the block").map(BlockNumber)
    }
}

/// Query parameters, as text: checked by hand, so that every refusal is JSON and names its range.
#[derive(Deserialize)]
struct RawQuery {
    from: Option<String>,
    limit: Option<String>,
    block: Option<String>,
}

fn query(raw: Result<Query<RawQuery>, axum::extract::rejection::QueryRejection>) -> Result<RawQuery, Response> {
    raw.map(|Query(q)| q).map_err(|e| error(StatusCode::BAD_REQUEST, e.body_text()))
}

async fn healthz(State(s): Shared) -> Response {
    let counts = s.store.counts().await;
    let (chain, last_failure) = (s.store.chain().await.ok().flatten(), s.store.last_failure().await.ok().flatten());
    let follow = s.follow.lock().map(|f| f.clone()).unwrap_or_default();
    let store = s.store.health();
    let mut problems = health::problems(&follow, &store, s.health, now_ms());
    if let Err(e) = &counts {
        problems.insert(0, format!("the store does not answer: {e}"));
    }
    let ok = problems.is_empty();
    let body = json!({
        "ok": ok,
        "problems": problems,
        "follower": follow,
        "chain": chain,
        "counts": counts.as_ref().ok(),
        "errors": {
            "node": follow.node,
            "store": store,
            "proving": { "failed_jobs": counts.as_ref().map(|c| c.failed).unwrap_or(0), "last": last_failure },
        },
        "proof_kind": s.kind,
        "insecure_dev_params": s.insecure_dev_params,
    });
    let status = if ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(body)).into_response()
}

async fn metrics(State(s): Shared) -> Response {
    match s.store.counts().await {
        Ok(counts) => {
            let follow = s.follow.lock().map(|f| f.clone()).unwrap_or_default();
            let healthy = health::problems(&follow, &s.store.health(), s.health, now_ms()).is_empty();
            s.metrics.healthy.set(i64::from(healthy));
            (
                [(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")],
                s.metrics.render(&counts, s.store.health().errors),
            )
                .into_response()
        }
        Err(e) => unavailable(e),
    }
}

async fn blocks(State(s): Shared, raw: Result<Query<RawQuery>, axum::extract::rejection::QueryRejection>) -> Response {
    let q = match query(raw) {
        Ok(q) => q,
        Err(answer) => return answer,
    };
    let from = match q.from.as_deref().map(|f| block_number(f, "from")).transpose() {
        Ok(from) => from,
        Err(answer) => return answer,
    };
    let limit = match q.limit.as_deref() {
        None => 50,
        Some(text) => match text
            .parse::<u32>()
            .ok()
            .filter(|l| text.bytes().all(|b| b.is_ascii_digit()) && (1..=MAX_LIMIT).contains(l))
        {
            Some(limit) => limit,
            None => return error(StatusCode::BAD_REQUEST, format!("limit must be 1 to {MAX_LIMIT}: not {text:?}")),
        },
    };
    match s.store.blocks(from, limit).await {
        Ok(rows) => Json(json!({ "blocks": rows, "insecure_dev_params": s.insecure_dev_params })).into_response(),
        Err(e) => unavailable(e),
    }
}

async fn block(State(s): Shared, BlockNumber(number): BlockNumber) -> Response {
    let mut rows = match s.store.blocks_at(number).await {
        Ok(rows) if rows.is_empty() => return error(StatusCode::NOT_FOUND, format!("block {number} is not stored")),
        Ok(rows) => rows,
        Err(e) => return unavailable(e),
    };
    let block = rows.remove(0);
    let (history, pieces) = match (s.store.history(&block.hash).await, s.store.pieces(&block.hash).await) {
        (Ok(history), Ok(pieces)) => (history, pieces),
        (Err(e), _) | (_, Err(e)) => return unavailable(e),
    };
    Json(json!({
        "block": block,
        "pieces": pieces,
        "history": history,
        "others_at_this_height": rows,
        "insecure_dev_params": s.insecure_dev_params,
    }))
    .into_response()
}

async fn block_proof(State(s): Shared, BlockNumber(number): BlockNumber) -> Response {
    stored_file(s.store.proof(number).await, "proof", number, || format!("block {number} has no verified proof"))
}

async fn block_witness(State(s): Shared, BlockNumber(number): BlockNumber) -> Response {
    stored_file(s.store.witness(number).await, "witness", number, || {
        format!("block {number} is not stored, or has no witness (skipped by the operator)")
    })
}

/// A stored file as the answer: 410 when retention dropped it, 404 saying what is missing.
fn stored_file(
    found: Result<Stored, StoreError>,
    what: &str,
    number: u64,
    missing: impl FnOnce() -> String,
) -> Response {
    match found {
        Ok(Stored::Found(bytes)) => ([(header::CONTENT_TYPE, "application/json")], bytes).into_response(),
        Ok(Stored::Pruned(at)) => error(
            StatusCode::GONE,
            format!("block {number}'s {what} was dropped by retention at {at} (Unix ms); its row and hash are kept"),
        ),
        Ok(Stored::Missing) => error(StatusCode::NOT_FOUND, missing()),
        Err(e) => unavailable(e),
    }
}

/// An upload's body, within the bounds: a declared `Content-Length` over the limit is refused
/// before anything is read, a body is read only with a free upload slot (held until the upload is
/// verified), and a body that takes too long is refused. Then decoded as a proof file, on a
/// blocking thread: what is not one is a 400.
async fn upload(s: &ApiState, headers: &HeaderMap, body: Body) -> Result<(Bytes, OwnedSemaphorePermit), Response> {
    let max = s.limits.max_upload;
    let too_large = || error(StatusCode::PAYLOAD_TOO_LARGE, format!("the upload is larger than {max} bytes"));
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > max as u64) {
        // Answered before any of it is read; what the client goes on sending is read and thrown
        // away for a while, so that a client which writes its whole body before reading (most
        // do, unless they send `Expect: 100-continue`) sees the 413 rather than a broken pipe.
        tokio::spawn(discard(body, s.limits.body_timeout));
        return Err(closing(too_large()));
    }
    let Ok(slot) = s.uploads.clone().try_acquire_owned() else {
        let busy = error(StatusCode::SERVICE_UNAVAILABLE, "too many uploads at once: try again in a few seconds");
        return Err(([(header::RETRY_AFTER, "5")], busy).into_response());
    };
    let bytes = match tokio::time::timeout(s.limits.body_timeout, axum::body::to_bytes(body, max)).await {
        Err(_) => {
            let secs = s.limits.body_timeout.as_secs();
            let late = error(StatusCode::REQUEST_TIMEOUT, format!("the upload was not sent within {secs} s"));
            return Err(closing(late));
        }
        Ok(Err(e)) if is_length_limit(&e) => return Err(too_large()),
        Ok(Err(e)) => return Err(error(StatusCode::BAD_REQUEST, format!("reading the upload: {e}"))),
        Ok(Ok(bytes)) => bytes,
    };
    let decoded = {
        let bytes = bytes.clone();
        tokio::task::spawn_blocking(move || verifier::decode_proof(&bytes, "the upload").map(drop)).await
    };
    match decoded {
        Ok(Ok(())) => Ok((bytes, slot)),
        Ok(Err(e)) => Err(error(StatusCode::BAD_REQUEST, e)),
        Err(e) => Err(internal(e)),
    }
}

/// Reads and drops `body` for at most `limit` (the body timeout): the connection is closed after
/// that, whatever is left unsent. Nothing is kept, so only the time is bounded.
async fn discard(body: Body, limit: std::time::Duration) {
    use http_body_util::BodyExt;
    let mut body = body;
    let _ = tokio::time::timeout(limit, async { while let Some(Ok(_)) = body.frame().await {} }).await;
}

/// A refusal that also ends the connection: the rest of the body is not read, so the connection
/// cannot carry another request, and a client still sending sees the end rather than waiting.
fn closing(mut refusal: Response) -> Response {
    refusal.headers_mut().insert(header::CONNECTION, header::HeaderValue::from_static("close"));
    refusal
}

/// Whether reading a body stopped at the size limit.
fn is_length_limit(e: &axum::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if c.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        cause = c.source();
    }
    false
}

/// A proof from a Gevulot task (see `gevulot`): taken only for a job a dispatcher holds, and only
/// if it verifies against the block's witness (so that a stray or forged upload cannot fail the
/// job); 202 when handed in, then the server verifies it again as it does every worker's proof.
async fn hand_in(State(s): Shared, BlockNumber(number): BlockNumber, headers: HeaderMap, body: Body) -> Response {
    let (body, _slot) = match upload(&s, &headers, body).await {
        Ok(upload) => upload,
        Err(answer) => return answer,
    };
    let job = match s.store.dispatched_at(number).await {
        Ok(Some(job)) => job,
        Ok(None) => return error(StatusCode::NOT_FOUND, format!("block {number} is not stored")),
        Err(e) => return unavailable(e),
    };
    if !job.waiting {
        let why = format!("block {number} does not wait for a proof from a Gevulot task (its job is {})", job.status);
        return error(StatusCode::CONFLICT, why);
    }
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
        Err(e) => unavailable(e),
    }
}

/// A proof file in, the verifier's report out (200 whether or not it verifies: the report says).
/// What is not a proof file at all is a 400.
async fn verify(
    State(s): Shared,
    raw: Result<Query<RawQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let q = match query(raw) {
        Ok(q) => q,
        Err(answer) => return answer,
    };
    let block = match q.block.as_deref().map(|b| block_number(b, "block")).transpose() {
        Ok(block) => block,
        Err(answer) => return answer,
    };
    let (body, _slot) = match upload(&s, &headers, body).await {
        Ok(upload) => upload,
        Err(answer) => return answer,
    };
    let witness = match block {
        None => None,
        Some(number) => match s.store.witness(number).await {
            Ok(Stored::Found(w)) => Some(w),
            Ok(Stored::Pruned(_)) => {
                return error(StatusCode::GONE, format!("block {number}'s witness was dropped by retention"))
            }
            Ok(Stored::Missing) => return error(StatusCode::NOT_FOUND, format!("block {number} is not stored")),
            Err(e) => return unavailable(e),
        },
    };
    let opts = s.verify.clone();
    match tokio::task::spawn_blocking(move || verify_bytes(&body, witness.as_deref(), &opts)).await {
        Ok(report) => Json(report).into_response(),
        Err(e) => internal(e),
    }
}

#[cfg(test)]
mod tests {
    use super::block_number;

    #[test]
    fn block_numbers_are_digits_within_the_databases_range() {
        assert_eq!(block_number("0", "from").ok(), Some(0));
        assert_eq!(block_number("9223372036854775807", "from").ok(), Some(i64::MAX as u64));
        for bad in ["18446744073709551615", "9223372036854775808", "+5", "-1", " 5", "5 ", "", "0x10", "abc"] {
            assert!(block_number(bad, "from").is_err(), "{bad:?}");
        }
    }
}
