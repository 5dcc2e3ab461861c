//! A small blocking JSON-RPC client: calls of one round go out as batches, several batches at a
//! time, so a round costs about one network round trip however many calls it holds.

use std::{
    sync::{
        atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
        Mutex,
    },
    time::Duration,
};

use serde_json::{json, Value};

use super::error::RpcError;

/// Node answers can be large (a mainnet prestate trace is tens of MB).
const MAX_RESPONSE_BYTES: u64 = 1 << 30;

#[derive(Clone, Debug)]
/// How the client talks to the node.
pub struct RpcConfig {
    /// Calls per JSON-RPC batch (geth accepts 1000 by default; smaller batches spread better).
    pub max_batch: usize,
    /// Batches in flight at once.
    pub concurrency: usize,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Retries of one batch on transient failures, with exponential backoff from `backoff`.
    pub retries: u32,
    /// The first retry's wait (doubled at each retry).
    pub backoff: Duration,
}

impl Default for RpcConfig {
    fn default() -> Self {
        Self {
            max_batch: 50,
            concurrency: 8,
            timeout: Duration::from_secs(120),
            retries: 6,
            backoff: Duration::from_millis(250),
        }
    }
}

impl RpcConfig {
    /// One request at a time, one call per request: the baseline the bench compares against.
    pub fn one_at_a_time() -> Self {
        Self { max_batch: 1, concurrency: 1, ..Self::default() }
    }
}

/// What the node said to one call.
/// One call's answer, or the node's error for it.
pub type CallResult = Result<Value, RpcError>;

#[derive(Clone, Debug)]
/// One JSON-RPC call.
pub struct Call {
    /// The method.
    pub method: &'static str,
    /// Its parameters (a JSON array).
    pub params: Value,
}

impl Call {
    /// A call of `method` with `params`.
    pub fn new(method: &'static str, params: Value) -> Self {
        Self { method, params }
    }
}

/// Counters of what a client sent, for progress and benchmarks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct RpcStats {
    /// Calls made.
    pub calls: u64,
    /// HTTP requests sent (a batch is one).
    pub http_requests: u64,
    /// Requests that had to wait for an earlier one: the latency a capture pays.
    pub sequential_round_trips: u64,
    /// Requests sent again after a transient failure.
    pub retries: u64,
    /// Bytes of answers.
    pub bytes_received: u64,
}

#[derive(Default)]
struct Counters {
    calls: AtomicU64,
    http_requests: AtomicU64,
    sequential_round_trips: AtomicU64,
    retries: AtomicU64,
    bytes_received: AtomicU64,
}

/// A blocking JSON-RPC client: batches, concurrency with scoped threads, retries.
pub struct RpcClient {
    url: String,
    agent: ureq::Agent,
    config: RpcConfig,
    counters: Counters,
    /// Set once the node refuses batches; later calls go one per request (still concurrently).
    no_batches: AtomicBool,
}

impl RpcClient {
    /// A client of the endpoint `url`.
    pub fn new(url: &str, config: RpcConfig) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(config.timeout))
            .http_status_as_error(false)
            .build()
            .into();
        Self { url: url.to_string(), agent, config, counters: Counters::default(), no_batches: AtomicBool::new(false) }
    }

    /// The endpoint.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// What the client has sent so far.
    pub fn stats(&self) -> RpcStats {
        let c = &self.counters;
        RpcStats {
            calls: c.calls.load(Ordering::Relaxed),
            http_requests: c.http_requests.load(Ordering::Relaxed),
            sequential_round_trips: c.sequential_round_trips.load(Ordering::Relaxed),
            retries: c.retries.load(Ordering::Relaxed),
            bytes_received: c.bytes_received.load(Ordering::Relaxed),
        }
    }

    /// One call, retried on transient failures.
    pub fn call(&self, method: &'static str, params: Value) -> Result<Value, RpcError> {
        let mut out = self.round(&[Call::new(method, params)], &|_| {})?;
        Ok(out.pop().expect("one call, one result"))
    }

    /// Sends independent calls together and returns their results in order, or the first error.
    /// `progress` is told how many calls each finished batch answered.
    pub fn round(&self, calls: &[Call], progress: &(dyn Fn(usize) + Sync)) -> Result<Vec<Value>, RpcError> {
        self.round_each(calls, progress)?.into_iter().collect()
    }

    /// Like [`round`](Self::round), but a call the node answered with an error does not hide the
    /// others' results. Network failures still fail the whole round.
    pub fn round_each(&self, calls: &[Call], progress: &(dyn Fn(usize) + Sync)) -> Result<Vec<CallResult>, RpcError> {
        if calls.is_empty() {
            return Ok(Vec::new());
        }
        self.counters.calls.fetch_add(calls.len() as u64, Ordering::Relaxed);
        let chunks: Vec<&[Call]> = calls.chunks(self.config.max_batch.max(1)).collect();
        let workers = self.config.concurrency.clamp(1, chunks.len());
        self.counters.sequential_round_trips.fetch_add(chunks.len().div_ceil(workers) as u64, Ordering::Relaxed);

        let results: Mutex<Vec<Option<Vec<CallResult>>>> = Mutex::new((0..chunks.len()).map(|_| None).collect());
        let next = AtomicUsize::new(0);
        let failure: Mutex<Option<RpcError>> = Mutex::new(None);
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(|| loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= chunks.len() || failure.lock().unwrap().is_some() {
                        return;
                    }
                    match self.send_with_retries(chunks[i]) {
                        Ok(values) => {
                            progress(values.len());
                            results.lock().unwrap()[i] = Some(values);
                        }
                        Err(e) => {
                            failure.lock().unwrap().get_or_insert(e);
                            return;
                        }
                    }
                });
            }
        });
        if let Some(e) = failure.into_inner().unwrap() {
            return Err(e);
        }
        Ok(results.into_inner().unwrap().into_iter().flat_map(|r| r.expect("every chunk answered")).collect())
    }

    fn send_with_retries(&self, chunk: &[Call]) -> Result<Vec<CallResult>, RpcError> {
        let mut attempt = 0;
        loop {
            match self.send(chunk) {
                Ok(values) => return Ok(values),
                Err(e) if e.is_transient() && attempt < self.config.retries => {
                    let backoff = self.config.backoff * 2u32.pow(attempt.min(6));
                    let wait = e.retry_after().map_or(backoff, |ra| ra.max(backoff));
                    tracing::debug!(attempt, ?wait, error = %e, "retrying JSON-RPC request");
                    self.counters.retries.fetch_add(1, Ordering::Relaxed);
                    std::thread::sleep(wait);
                    attempt += 1;
                }
                Err(e) if e.is_transient() => {
                    return Err(RpcError::GaveUp { attempts: attempt + 1, last: Box::new(e) })
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// One attempt at a chunk. A transient error of any one call fails the attempt, so that the
    /// chunk is retried; other node errors are handed back per call.
    fn send(&self, chunk: &[Call]) -> Result<Vec<CallResult>, RpcError> {
        let results = self.send_attempt(chunk)?;
        match results.iter().position(|r| r.as_ref().is_err_and(RpcError::is_transient)) {
            Some(i) => Err(results.into_iter().nth(i).expect("found").expect_err("is an error")),
            None => Ok(results),
        }
    }

    fn send_attempt(&self, chunk: &[Call]) -> Result<Vec<CallResult>, RpcError> {
        if chunk.len() == 1 || self.no_batches.load(Ordering::Relaxed) {
            return self.send_singly(chunk);
        }
        let body: Vec<Value> = chunk
            .iter()
            .enumerate()
            .map(|(id, c)| json!({"jsonrpc": "2.0", "id": id, "method": c.method, "params": c.params}))
            .collect();
        match self.post(&Value::Array(body))? {
            Value::Array(items) => match_batch(chunk, items),
            Value::Object(obj) if obj.contains_key("error") => {
                let answer = truncate(&Value::Object(obj).to_string());
                tracing::warn!(%answer, "the node refused a batch request; sending calls one by one");
                self.no_batches.store(true, Ordering::Relaxed);
                self.send_singly(chunk)
            }
            other => Err(RpcError::BadResponse(format!("batch answered with {}", truncate(&other.to_string())))),
        }
    }

    fn send_singly(&self, chunk: &[Call]) -> Result<Vec<CallResult>, RpcError> {
        chunk
            .iter()
            .map(|call| {
                let answer =
                    self.post(&json!({"jsonrpc": "2.0", "id": 0, "method": call.method, "params": call.params}))?;
                Ok(item_result(call, answer))
            })
            .collect()
    }

    fn post(&self, body: &Value) -> Result<Value, RpcError> {
        self.counters.http_requests.fetch_add(1, Ordering::Relaxed);
        let transport = |e: ureq::Error| RpcError::Transport { url: self.url.clone(), reason: e.to_string() };
        let mut resp = self
            .agent
            .post(&self.url)
            .header("content-type", "application/json")
            .send(serde_json::to_vec(body).expect("JSON values serialize"))
            .map_err(transport)?;
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let bytes = resp.body_mut().with_config().limit(MAX_RESPONSE_BYTES).read_to_vec().map_err(transport)?;
        self.counters.bytes_received.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        if !(200..300).contains(&status) {
            let body = truncate(String::from_utf8_lossy(&bytes).trim());
            return Err(RpcError::Http { status, body, retry_after });
        }
        serde_json::from_slice(&bytes)
            .map_err(|e| RpcError::BadResponse(format!("not JSON ({e}), {} bytes", bytes.len())))
    }
}

fn match_batch(chunk: &[Call], items: Vec<Value>) -> Result<Vec<CallResult>, RpcError> {
    let mut by_id: Vec<Option<Value>> = vec![None; chunk.len()];
    for item in items {
        let id = item.get("id").and_then(Value::as_u64).map(|i| i as usize);
        match id {
            Some(i) if i < chunk.len() && by_id[i].is_none() => by_id[i] = Some(item),
            _ => {
                return Err(RpcError::BadResponse(format!(
                    "batch answer with unexpected id: {}",
                    truncate(&item.to_string())
                )))
            }
        }
    }
    let answered = by_id.iter().filter(|v| v.is_some()).count();
    if answered != chunk.len() {
        return Err(RpcError::BadResponse(format!("batch of {} calls got {answered} answers", chunk.len())));
    }
    Ok(chunk.iter().zip(by_id).map(|(call, item)| item_result(call, item.expect("counted"))).collect())
}

fn item_result(call: &Call, mut answer: Value) -> Result<Value, RpcError> {
    if let Some(err) = answer.get("error").filter(|e| !e.is_null()) {
        let code = err.get("code").and_then(Value::as_i64).unwrap_or(0);
        let message = err.get("message").and_then(Value::as_str).unwrap_or("(no message)").to_string();
        return Err(RpcError::from_node(call.method, code, message));
    }
    match answer.get_mut("result") {
        Some(result) => Ok(result.take()),
        None => Err(RpcError::BadResponse(format!("{} answer has neither result nor error", call.method))),
    }
}

fn truncate(s: &str) -> String {
    const MAX: usize = 300;
    match s.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}
