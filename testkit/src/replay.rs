//! A JSON-RPC node that answers from a recorded zeth cache: a real mainnet block, served over real
//! HTTP, so capture can be run against mainnet data without the network.
//!
//! zeth records no trace, so `debug_traceBlockByNumber` (prestateTracer) is rebuilt from the
//! recorded pre-state proofs: every touched account and slot, all under the first transaction
//! (the split per transaction is not recorded; the set is the same).

use std::{collections::HashMap, sync::Arc};

use serde_json::{json, Map, Value};

use crate::{
    fixtures::{quantity, ZethCache},
    http::{HttpServer, Reply},
};

/// A JSON-RPC node over recorded mainnet answers (a zeth cache).
pub struct ReplayNode {
    cache: ZethCache,
    by_hash: HashMap<String, u64>,
}

type RpcResult = Result<Value, (i64, String)>;

impl ReplayNode {
    /// The node of `cache`.
    pub fn new(cache: ZethCache) -> Self {
        let by_hash = cache
            .blocks
            .iter()
            .filter_map(|b| Some((b["hash"].as_str()?.to_ascii_lowercase(), quantity(&b["number"])?)))
            .collect();
        Self { cache, by_hash }
    }

    /// Serves on 127.0.0.1 (`port` 0: any free port).
    pub fn serve(self, port: u16) -> std::io::Result<HttpServer> {
        let node = Arc::new(self);
        HttpServer::start_on(port, Arc::new(move |body: &[u8]| node.handle(body)))
    }

    /// Answers one request (a call or a batch).
    pub fn handle(&self, body: &[u8]) -> Reply {
        let answer = match serde_json::from_slice::<Value>(body) {
            Ok(Value::Array(calls)) => Value::Array(calls.iter().map(|c| self.answer(c)).collect()),
            Ok(call) => self.answer(&call),
            Err(e) => json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32700, "message": e.to_string()}}),
        };
        Reply::json(serde_json::to_vec(&answer).expect("JSON"))
    }

    fn answer(&self, call: &Value) -> Value {
        let id = call.get("id").cloned().unwrap_or(Value::Null);
        let params = call.get("params").and_then(Value::as_array).cloned().unwrap_or_default();
        match self.dispatch(call["method"].as_str().unwrap_or(""), &params) {
            Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
            Err((code, message)) => json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}}),
        }
    }

    fn dispatch(&self, method: &str, p: &[Value]) -> RpcResult {
        match method {
            "eth_chainId" => Ok(json!(format!("{:#x}", self.cache.chain_id))),
            "eth_getBlockByNumber" => Ok(self.block(number_param(p, 0)?, p)),
            "eth_getBlockByHash" => {
                let hash = p.first().and_then(Value::as_str).unwrap_or("").to_ascii_lowercase();
                Ok(self.by_hash.get(&hash).map_or(Value::Null, |n| self.block(*n, p)))
            }
            "debug_traceBlockByNumber" => self.prestate_trace(number_param(p, 0)?, p.get(1)),
            "eth_getProof" => self.proof(p),
            "eth_getCode" => self.code(p),
            _ => Err((-32601, format!("the method {method} does not exist/is not available"))),
        }
    }

    fn block(&self, number: u64, p: &[Value]) -> Value {
        let Some(block) = self.cache.block(number) else { return Value::Null };
        let mut block = block.clone();
        if p.get(1).and_then(Value::as_bool) != Some(true) {
            let hashes: Vec<Value> =
                block["transactions"].as_array().into_iter().flatten().map(|t| t["hash"].clone()).collect();
            block["transactions"] = Value::Array(hashes);
        }
        block
    }

    fn prestate_trace(&self, number: u64, options: Option<&Value>) -> RpcResult {
        if options.and_then(|o| o["tracer"].as_str()) != Some("prestateTracer") {
            return Err((-32602, "replay: only the prestateTracer is recorded".into()));
        }
        let block = self.cache.block(number).ok_or((-32000, format!("replay: block {number} not recorded")))?;
        let mut accounts = Map::new();
        for proof in self.cache.proofs_at(number - 1) {
            let addr = proof["address"].as_str().unwrap_or_default().to_ascii_lowercase();
            let mut state = json!({"balance": proof["balance"], "nonce": quantity(&proof["nonce"])});
            if let Some(code) = self.code_at(number - 1, &addr).filter(|c| *c != "0x") {
                state["code"] = json!(code);
            }
            let storage: Map<String, Value> = proof["storageProof"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| (word(&s["key"]), json!(word(&s["value"]))))
                .collect();
            if !storage.is_empty() {
                state["storage"] = Value::Object(storage);
            }
            accounts.insert(addr, state);
        }
        let txs = block["transactions"].as_array().map_or(0, Vec::len);
        Ok(Value::Array(
            (0..txs)
                .map(|i| {
                    let result = if i == 0 { Value::Object(accounts.clone()) } else { json!({}) };
                    json!({"txHash": block["transactions"][i]["hash"], "result": result})
                })
                .collect(),
        ))
    }

    fn proof(&self, p: &[Value]) -> RpcResult {
        let addr = p.first().and_then(Value::as_str).unwrap_or("").to_ascii_lowercase();
        let number = self.block_param(p, 2)?;
        let recorded = self
            .cache
            .proofs_at(number)
            .find(|r| r["address"].as_str().is_some_and(|a| a.eq_ignore_ascii_case(&addr)))
            .ok_or((-32000, format!("replay: no proof of {addr} recorded at block {number}")))?;
        let slots = recorded["storageProof"].as_array().cloned().unwrap_or_default();
        let wanted = p.get(1).and_then(Value::as_array).cloned().unwrap_or_default();
        let storage = wanted
            .iter()
            .map(|key| {
                let key = key.as_str().unwrap_or("");
                let mut slot = slots
                    .iter()
                    .find(|s| word(&s["key"]) == word(&json!(key)))
                    .cloned()
                    .ok_or((-32000, format!("replay: slot {key} of {addr} not recorded at block {number}")))?;
                slot["key"] = json!(key);
                Ok(slot)
            })
            .collect::<Result<Vec<_>, (i64, String)>>()?;
        let mut answer = recorded.clone();
        answer["storageProof"] = Value::Array(storage);
        Ok(answer)
    }

    fn code(&self, p: &[Value]) -> RpcResult {
        let addr = p.first().and_then(Value::as_str).unwrap_or("").to_ascii_lowercase();
        let number = self.block_param(p, 1)?;
        self.code_at(number, &addr)
            .map(|c| json!(c))
            .ok_or((-32000, format!("replay: no code of {addr} recorded at block {number}")))
    }

    /// A block number, or an EIP-1898 `{"blockHash": ...}` of a recorded block.
    fn block_param(&self, p: &[Value], i: usize) -> Result<u64, (i64, String)> {
        match p.get(i).and_then(|v| v.get("blockHash")).and_then(Value::as_str) {
            Some(hash) => self
                .by_hash
                .get(&hash.to_ascii_lowercase())
                .copied()
                .ok_or((-32000, format!("replay: block {hash} not recorded"))),
            None => number_param(p, i),
        }
    }

    fn code_at(&self, number: u64, addr: &str) -> Option<&str> {
        self.cache.codes.iter().find(|(n, a, _)| *n == number && a == addr).map(|(_, _, c)| c.as_str())
    }
}

fn number_param(p: &[Value], i: usize) -> Result<u64, (i64, String)> {
    p.get(i).and_then(quantity).ok_or((-32602, format!("replay: parameter {i} must be a hex block number")))
}

/// A storage word as 32-byte hex, whatever width the node wrote it in.
fn word(v: &Value) -> String {
    let digits = v.as_str().unwrap_or("0x0").trim_start_matches("0x").trim_start_matches('0');
    format!("0x{digits:0>64}")
}
