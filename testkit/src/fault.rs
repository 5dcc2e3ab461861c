//! A proxy in front of a real node that drops, delays, rate-limits and corrupts answers on a
//! schedule the test chooses.

use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};

use serde_json::Value;

use crate::http::{HttpServer, Reply};

#[derive(Clone, Debug, PartialEq)]
/// What the proxy does to one request.
pub enum Fault {
    /// Nothing: passed on as it is.
    Pass,
    /// Close the connection without an answer.
    Drop,
    /// Wait, then pass the request on.
    Delay(Duration),
    /// Answer with this HTTP status (and a Retry-After of 0 s for 429).
    Status(u16),
    /// Send only half of the upstream answer.
    Truncate,
    /// Answer every call of the request with a JSON-RPC error (a node refusing batches does this).
    RefuseBatch,
    /// Pass on, but add 1 wei to the balance in the first eth_getProof answer.
    CorruptBalance,
    /// Pass on, but change the value of the first storage slot in an eth_getProof answer.
    CorruptSlot,
    /// Pass on, but answer every call of `method` with this JSON-RPC error.
    NodeError {
        /// The method.
        method: &'static str,
        /// The JSON-RPC error code.
        code: i64,
        /// Its message.
        message: &'static str,
    },
}

/// Decides the fault for request number `index` (from 0) with the given JSON body.
pub type Schedule = dyn Fn(usize, &Value) -> Fault + Send + Sync;

/// A fault-injecting HTTP proxy in front of a node.
pub struct FaultProxy {
    server: HttpServer,
    requests: Arc<AtomicUsize>,
}

impl FaultProxy {
    /// Starts the proxy in front of `upstream`, faults chosen by `schedule`.
    pub fn start(
        upstream: &str,
        schedule: impl Fn(usize, &Value) -> Fault + Send + Sync + 'static,
    ) -> std::io::Result<Self> {
        let upstream = upstream.to_string();
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = requests.clone();
        let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
        let server = HttpServer::start(Arc::new(move |body: &[u8]| {
            let index = counter.fetch_add(1, Ordering::SeqCst);
            let request: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
            let fault = schedule(index, &request);
            let forward = || -> Vec<u8> {
                agent
                    .post(&upstream)
                    .header("content-type", "application/json")
                    .send(body)
                    .and_then(|mut r| r.body_mut().with_config().limit(1 << 30).read_to_vec())
                    .unwrap_or_default()
            };
            match fault {
                Fault::Pass => Reply::json(forward()),
                Fault::Drop => Reply::Drop,
                Fault::Delay(d) => {
                    std::thread::sleep(d);
                    Reply::json(forward())
                }
                Fault::Status(code) => Reply::Status {
                    code,
                    headers: if code == 429 { vec![("retry-after".into(), "0".into())] } else { vec![] },
                    body: b"injected fault".to_vec(),
                },
                Fault::Truncate => Reply::Truncated(forward()),
                Fault::RefuseBatch => Reply::json(
                    br#"{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"batch requests are not supported"}}"#.to_vec(),
                ),
                Fault::NodeError { method, code, message } => {
                    let mut answer: Value = serde_json::from_slice(&forward()).unwrap_or(Value::Null);
                    replace_with_error(&request, &mut answer, method, code, message);
                    Reply::json(serde_json::to_vec(&answer).expect("JSON"))
                }
                Fault::CorruptBalance | Fault::CorruptSlot => {
                    let mut answer: Value = serde_json::from_slice(&forward()).unwrap_or(Value::Null);
                    corrupt_first_proof(&mut answer, &fault);
                    Reply::json(serde_json::to_vec(&answer).expect("JSON"))
                }
            }
        }))?;
        Ok(Self { server, requests })
    }

    /// Its endpoint.
    pub fn url(&self) -> &str {
        &self.server.url
    }

    /// Requests the proxy has received so far.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// Does this request body contain a call of `method`?
pub fn calls(request: &Value, method: &str) -> bool {
    match request {
        Value::Array(items) => items.iter().any(|c| c["method"] == method),
        call => call["method"] == method,
    }
}

fn replace_with_error(request: &Value, answer: &mut Value, method: &str, code: i64, message: &str) {
    let error = serde_json::json!({"code": code, "message": message});
    let pairs: Vec<(&Value, &mut Value)> = match (request, answer) {
        (Value::Array(calls), Value::Array(items)) => {
            // Batch answers may come in any order: pair them by id.
            items.iter_mut().filter_map(|item| Some((calls.iter().find(|c| c["id"] == item["id"])?, item))).collect()
        }
        (call, item) => vec![(call, item)],
    };
    for (call, item) in pairs {
        if call["method"] == method {
            if let Some(obj) = item.as_object_mut() {
                obj.remove("result");
                obj.insert("error".into(), error.clone());
            }
        }
    }
}

fn corrupt_first_proof(answer: &mut Value, fault: &Fault) {
    let items: Vec<&mut Value> = match answer {
        Value::Array(items) => items.iter_mut().collect(),
        one => vec![one],
    };
    for item in items {
        let result = &mut item["result"];
        if result.get("accountProof").is_none() {
            continue;
        }
        if *fault == Fault::CorruptBalance {
            let balance =
                u128::from_str_radix(result["balance"].as_str().unwrap_or("0x0").trim_start_matches("0x"), 16)
                    .unwrap_or(0);
            result["balance"] = Value::String(format!("{:#x}", balance + 1));
            return;
        }
        if let Some(slot) = result["storageProof"].as_array_mut().and_then(|s| s.first_mut()) {
            slot["value"] = Value::String("0x1234567".into());
            return;
        }
    }
}
