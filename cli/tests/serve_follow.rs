//! `prover_cmd serve` following a real anvil that makes a block every second, proving with the
//! micro state proof (INSECURE dev params, generated on first use): blocks are captured, proven
//! and verified in chain order; the chain is faster than the prover, and the backlog is visible;
//! kill -9 mid-proof and a restart lose nothing and duplicate nothing; a reorg is followed; a
//! worker that hands in altered proof bytes is refused.

mod common;

use std::time::Duration;

use common::serve::{canonical, status_of, Serve};
use serde_json::{json, Value};
use testkit::{anvil::Anvil, blocks};

const MINUTES: Duration = Duration::from_secs(60);

fn serve_args(url: &str, from: u64) -> Vec<String> {
    [
        "-r",
        url,
        "--from",
        &from.to_string(),
        "--proof",
        "state",
        "--class",
        "micro",
        "--every",
        "3",
        "--lease-secs",
        "3",
        "--poll-ms",
        "250",
        // Retention: only the newest proven block keeps its witness.
        "--keep-witnesses",
        "1",
        "--keys-dir",
        common::serve::SHARED_KEYS,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn numbers_with(blocks: &[Value], status: &str) -> Vec<u64> {
    canonical(blocks).iter().filter(|b| b["status"] == status).map(|b| b["number"].as_u64().unwrap()).collect()
}

#[test]
fn serve_follows_proves_survives_kill_9_follows_a_reorg_and_refuses_a_tampered_proof() {
    let dir = tempfile::tempdir().unwrap();
    // Base fee 0 (it stays 0): after evm_revert anvil computes the next block's base fee from
    // the reverted chain, so with a moving base fee its new blocks do not check.
    let anvil = Anvil::start_with(Some("shanghai"), &["--block-base-fee-per-gas", "0"]).unwrap();
    let chain = blocks::Chain::new(&anvil).unwrap();
    // A block with a transaction first, then one block a second.
    let first = blocks::small_block(&chain).unwrap().number;
    anvil.rpc("evm_setIntervalMining", json!([1])).unwrap();
    let args = serve_args(&anvil.url, first);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();

    let serve = Serve::start(&args, dir.path());
    let (code, health) = serve.get("/healthz");
    assert_eq!((code, health["insecure_dev_params"].as_bool()), (200, Some(true)), "INSECURE params labelled");
    // --every 3: blocks whose number is a multiple of 3 are proven, the others listed as skipped.
    let blocks = serve.wait_for("a job being proven", 2 * MINUTES, |b| !numbers_with(b, "proving").is_empty());
    let proving = numbers_with(&blocks, "proving")[0];
    assert_eq!(proving % 3, 0);
    assert!(canonical(&blocks).iter().all(|b| {
        let n = b["number"].as_u64().unwrap();
        (n % 3 == 0) != (b["status"] == "skipped")
    }));
    // kill -9 in the middle of the proof, and start again on the same database.
    serve.kill_9();
    let serve = Serve::start(&args, dir.path());
    // 200 concurrent API readers while a proof runs: every answer right, none an error.
    serve.wait_for("the killed job taken again", 2 * MINUTES, |b| status_of(b, proving).as_deref() == Some("proving"));
    concurrent_readers(&serve, 200, proving);
    let blocks = serve.wait_for("two blocks proven", 8 * MINUTES, |b| numbers_with(b, "proven").len() >= 2);
    let proven = numbers_with(&blocks, "proven");
    assert_eq!(proven[0], proving, "the block killed mid-proof is proven first (oldest first)");
    let first_row = canonical(&blocks).into_iter().find(|b| b["number"] == proving).unwrap().clone();
    assert!(first_row["attempts"].as_u64().unwrap() >= 2, "{first_row}");
    // The chain is faster than the prover: the backlog waits in order, and /metrics shows it.
    assert!(serve.metric("prover_queue_depth").unwrap() >= 1.0);
    assert!(serve.metric("prover_jobs{status=\"proven\"}").unwrap() >= 2.0);
    assert!(serve.metric("prover_proofs_verified_total").unwrap() >= 1.0);
    let queued = numbers_with(&blocks, "queued");
    assert!(queued.iter().all(|q| *q > proven[proven.len() - 1]), "queued {queued:?} after proven {proven:?}");

    // Retention dropped the older proven block's witness: 410, the row and its proof kept.
    let started = std::time::Instant::now();
    let (code, gone) = loop {
        let (code, answer) = serve.get(&format!("/blocks/{proving}/witness"));
        if code != 200 || started.elapsed() > MINUTES {
            break (code, answer);
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    assert_eq!(code, 410, "{gone}");
    assert!(gone["error"].as_str().unwrap().contains("dropped by retention"), "{gone}");
    let (_, row) = serve.get(&format!("/blocks/{proving}"));
    assert!(row["block"]["witness_pruned_at_ms"].is_u64(), "{row}");

    // A proven block's proof verifies with prover_cmd verifier, as a user would check it.
    let proof_path = dir.path().join("proof.json");
    std::fs::write(&proof_path, serve.get_bytes(&format!("/blocks/{proving}/proof"))).unwrap();
    let params = dir.path().join("insecure-dev-params");
    let (code, report) = common::verify(&proof_path, &["-k", common::s(&params)]);
    assert_eq!((code, report["insecure_dev_params"].as_bool()), (Some(0), Some(true)), "{report}");

    // A worker that hands in altered bytes: a rogue worker claims the next job through the same
    // database and submits a real proof with one byte flipped; the server refuses it.
    let rogue = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = serve::Store::open(&dir.path().join("serve.sqlite").display().to_string()).await.unwrap();
        let job = store.claim("rogue", 60_000, serve::Order::Newest, proof::ProofKind::State).await.unwrap().unwrap();
        let mut bad: Value = serde_json::from_slice(&std::fs::read(&proof_path).unwrap()).unwrap();
        let hex = bad["chunks"][0]["block_state"]["proof"].as_str().unwrap().to_string();
        bad["chunks"][0]["block_state"]["proof"] = common::hex_flip(&hex, hex.len() / 2).into();
        assert!(store.submit(&job.hash, "rogue", &serde_json::to_vec(&bad).unwrap(), Some(1)).await.unwrap());
        job.number
    });
    let blocks =
        serve.wait_for("the rogue proof judged", MINUTES, |b| status_of(b, rogue).as_deref() == Some("failed"));
    let row = canonical(&blocks).into_iter().find(|b| b["number"] == rogue).unwrap();
    assert!(row["error"].as_str().unwrap().contains("refused"), "{row}");
    assert_eq!(serve.get(&format!("/blocks/{rogue}/proof")).0, 404, "a refused proof is never served");

    // A reorg: anvil goes back to a snapshot and makes other blocks from there (anvil_reorg's
    // blocks do not check: their base fee is not EIP-1559's). The stored blocks above the
    // snapshot become orphans and the new chain's blocks at those heights are captured.
    let snapshot = anvil.rpc("evm_snapshot", json!([])).unwrap();
    let fork_point = chain.block_number().unwrap();
    serve.wait_for("two blocks after the snapshot", MINUTES, |b| {
        canonical(b).iter().any(|x| x["number"].as_u64().unwrap() >= fork_point + 2)
    });
    assert_eq!(anvil.rpc("evm_revert", json!([snapshot])).unwrap(), true);
    chain.transfer(1, "0x00000000000000000000000000000000000000b0", 1).unwrap();
    let blocks = serve.wait_for("a reorg followed", MINUTES, |b| b.iter().any(|x| x["status"] == "orphaned"));
    let height = blocks.iter().find(|x| x["status"] == "orphaned").unwrap()["number"].as_u64().unwrap();
    assert!(height > fork_point, "orphaned {height}, the fork point is {fork_point}");
    let blocks = serve.wait_for("the new block at the orphan's height", MINUTES, |b| status_of(b, height).is_some());
    let (_, at) = serve.get(&format!("/blocks/{height}"));
    assert_eq!(at["block"]["canonical"], true);
    assert!(at["others_at_this_height"].as_array().unwrap().iter().any(|o| o["status"] == "orphaned"), "{at}");
    assert!(serve.metric("prover_blocks_orphaned_total").unwrap() >= 1.0);

    // Nothing missing, nothing twice: one followed block a height from the first on.
    let numbers: Vec<u64> = canonical(&blocks).iter().map(|b| b["number"].as_u64().unwrap()).collect();
    let expected: Vec<u64> = (first..first + numbers.len() as u64).collect();
    assert_eq!(numbers, expected);
    // SIGTERM ends it promptly even in the middle of a proof (the job is handed back:
    // serve_hardening.rs follows it to the next start).
    serve.wait_for("a job being proven", 2 * MINUTES, |b| !numbers_with(b, "proving").is_empty());
    let stopping = std::time::Instant::now();
    assert!(serve.stop().success());
    assert!(stopping.elapsed() < Duration::from_secs(15), "stopped in {:?}", stopping.elapsed());
}

/// `n` threads at once, each reading the block list, one block and the metrics.
fn concurrent_readers(serve: &Serve, n: usize, number: u64) {
    std::thread::scope(|scope| {
        let readers: Vec<_> = (0..n)
            .map(|_| {
                scope.spawn(move || {
                    let (code, list) = serve.get("/blocks?limit=100");
                    assert_eq!(code, 200, "{list}");
                    assert!(list["blocks"].as_array().unwrap().iter().any(|b| b["number"] == number));
                    let (code, one) = serve.get(&format!("/blocks/{number}"));
                    assert_eq!((code, one["block"]["number"].as_u64()), (200, Some(number)), "{one}");
                    assert!(serve.metric("prover_queue_depth").is_some());
                })
            })
            .collect();
        for r in readers {
            r.join().expect("a reader failed");
        }
    });
}
