//! One block, many provers: `serve --split` on a real PostgreSQL server, its block's execution
//! proof made in pieces by two `prover_cmd worker` processes. The block's job is planned (2
//! segments at a 1.5 GiB segment setting), each segment and the leaf are jobs of their own, one
//! worker is killed with SIGKILL while it proves a segment and only that segment is proven again
//! (by whichever worker takes it when its lease runs out), the block's job aggregates, the
//! server verifies, and `prover_cmd verifier` accepts the proof the API serves. The API shows
//! each piece, its worker and its time.

mod common;

use std::{
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use common::serve::{canonical, Serve};
use serde_json::Value;
use testkit::{anvil::Anvil, blocks, postgres::Postgres};

struct Worker(Child);

impl Worker {
    fn start(db: &str, data: &std::path::Path, name: &str) -> Worker {
        let log = std::fs::File::create(data.join(format!("{name}.log"))).unwrap();
        // Every core, as a worker has by default: the leaf and the final aggregation are one
        // worker's alone, and on one thread the other core idled (the test: 297 s, now 187 s).
        #[rustfmt::skip]
        let child = Command::new(env!("CARGO_BIN_EXE_prover_cmd"))
            .args([
                "worker", "--db", db, "--proof", "execution", "--segment-memory", "1.5", "--lease-secs", "6",
            ])
            .arg("--data-dir")
            .arg(data)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        Worker(child)
    }

    /// What its worker id holds: `<host>-<pid>-<index>`.
    fn id_part(&self) -> String {
        format!("-{}-", self.0.id())
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn detail(serve: &Serve, number: u64) -> Value {
    let (code, detail) = serve.get(&format!("/blocks/{number}"));
    assert_eq!(code, 200, "{detail}");
    detail
}

/// Polls block `number`'s detail until `done` holds, or panics after `limit`.
fn wait_detail(serve: &Serve, number: u64, what: &str, limit: Duration, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + limit;
    loop {
        let d = detail(serve, number);
        if done(&d) {
            return d;
        }
        assert!(Instant::now() < deadline, "not within {limit:?}: {what}; {d:#}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The workers' logs, for a failure's message.
fn worker_logs(dir: &std::path::Path) -> String {
    ["worker-a", "worker-b", "worker-c"]
        .iter()
        .map(|name| {
            let text = std::fs::read_to_string(dir.join(format!("{name}.log"))).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(30).collect();
            format!("== {name}\n{}", tail.into_iter().rev().collect::<Vec<_>>().join("\n"))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn pieces(d: &Value) -> Vec<Value> {
    d["pieces"].as_array().cloned().unwrap_or_default()
}

#[test]
fn two_workers_prove_one_block_in_pieces_and_a_killed_workers_segment_is_proven_again_alone() {
    let pg = Postgres::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let anvil = Anvil::start(Some("shanghai")).unwrap();
    let chain = blocks::Chain::new(&anvil).unwrap();
    // One block of one storage clear, and nothing after it: the only job. Block 1 of a fresh
    // anvil cannot be captured (its genesis header's stateRoot is the empty root), so block 1 is
    // empty.
    anvil.rpc("evm_mine", serde_json::json!([])).unwrap();
    let (number, _, _) = blocks::store_clear_block(&chain).unwrap();

    let args = ["-r", &anvil.url, "--db", &pg.url, "--from", &number.to_string(), "--workers", "0", "--split"];
    let serve = Serve::start(&args, dir.path());
    serve.wait_for("the block captured", Duration::from_secs(60), |b| {
        canonical(b).iter().any(|x| x["number"] == number)
    });

    // The first worker plans the block: its pieces appear, segments queued, the leaf waiting.
    let first = Worker::start(&pg.url, dir.path(), "worker-a");
    let planned = wait_detail(&serve, number, "the block planned", Duration::from_secs(120), |d| !pieces(d).is_empty());
    let parts: Vec<String> = pieces(&planned).iter().map(|p| p["part"].as_str().unwrap().to_string()).collect();
    let segments = parts.iter().filter(|p| p.starts_with("segment ")).count();
    assert!(segments >= 2, "the 1.5 GiB setting cuts the block into at least 2 segments: {parts:?}");
    assert_eq!(parts.last().map(String::as_str), Some(format!("leaf of segments 0 to {}", segments - 1).as_str()));
    let second = Worker::start(&pg.url, dir.path(), "worker-b");

    // Kill the first worker while it proves a segment (it has had a few seconds to start one).
    let proving_by = |d: &Value, worker: &str| {
        pieces(d)
            .into_iter()
            .find(|p| p["status"] == "proving" && p["worker"].as_str().is_some_and(|w| w.contains(worker)))
    };
    let first_id = first.id_part();
    let busy = wait_detail(&serve, number, "the first worker proving a segment", Duration::from_secs(120), |d| {
        proving_by(d, &first_id).is_some_and(|p| p["part"].as_str().unwrap().starts_with("segment "))
    });
    let killed = proving_by(&busy, &first_id).unwrap()["part"].as_str().unwrap().to_string();
    drop(first);
    // Its lease runs out and the segment shows it, then another worker takes it.
    let third = Worker::start(&pg.url, dir.path(), "worker-c");

    let finished = |d: &Value| d["block"]["status"] == "proven" || d["block"]["status"] == "failed";
    let deadline = Instant::now() + Duration::from_secs(900);
    let d = loop {
        let d = detail(&serve, number);
        if finished(&d) || Instant::now() > deadline {
            break d;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    assert_eq!(d["block"]["status"], "proven", "{d:#}\n{}", worker_logs(dir.path()));

    // Every piece done; only the killed worker's segment took a second try; the pieces were made
    // by more than one worker.
    let done = pieces(&d);
    assert_eq!(done.len(), parts.len(), "{d:#}");
    for piece in &done {
        let again = piece["part"] == killed.as_str();
        assert_eq!(piece["status"], "done", "{piece}");
        assert_eq!(piece["attempts"].as_u64(), Some(if again { 2 } else { 1 }), "{piece}");
        assert!(piece["prove_ms"].as_u64().is_some_and(|ms| ms > 0), "{piece}");
        if again {
            assert!(!piece["worker"].as_str().unwrap().contains(&first_id), "made by another worker: {piece}");
        }
    }
    let mut workers: Vec<&str> = done.iter().map(|p| p["worker"].as_str().unwrap()).collect();
    workers.sort();
    workers.dedup();
    assert!(workers.len() >= 2, "the pieces were proven by several workers: {workers:?}");
    let history: Vec<&Value> = d["history"].as_array().unwrap().iter().collect();
    assert!(history.iter().any(|e| e["event"] == "planned"), "{d:#}");
    drop((second, third));

    // The served proof is the same kind of file offline_prover writes: the verifier takes it.
    let proof_path = dir.path().join("proof.json");
    std::fs::write(&proof_path, serve.get_bytes(&format!("/blocks/{number}/proof"))).unwrap();
    let witness_path = dir.path().join("witness.json");
    std::fs::write(&witness_path, serve.get_bytes(&format!("/blocks/{number}/witness"))).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_prover_cmd"))
        .args(["verifier", "-p"])
        .arg(&proof_path)
        .arg("-w")
        .arg(&witness_path)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(out.status.success() && report["is_success"] == true, "{report:#}");
    assert_eq!(report["block_number"], number, "{report:#}");
    assert!(serve.metric("prover_pieces{status=\"done\"}").is_some_and(|n| n >= parts.len() as f64));
    assert!(serve.stop().success());
}
