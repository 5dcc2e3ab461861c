//! `prover_cmd serve` under what a deployment meets, each a defect found by trying it as a hostile
//! but fair user would: a block it cannot capture (anvil's block 1, a block with its parent's
//! timestamp) is reported with the rule and skipped only by the operator; a clean stop hands a
//! worker's job back and a failed or stuck block can be retried; a node that goes away or comes
//! back as another chain is reported and `/healthz` says so; a full disk is recovered from once
//! space is back, with no stale reads. Real anvil, real SQLite, a real tmpfs.

mod common;

use std::{
    path::Path,
    process::Command,
    time::{Duration, Instant},
};

use common::serve::{canonical, status_of, Serve};
use serde_json::{json, Value};
use testkit::{anvil::Anvil, blocks};

const MINUTE: Duration = Duration::from_secs(60);

fn prover_cmd(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_prover_cmd")).args(args).output().unwrap()
}

fn admin(args: &[&str], data: &Path) -> String {
    let mut all = vec!["serve"];
    all.extend(args);
    all.extend(["--data-dir", data.to_str().unwrap()]);
    let out = prover_cmd(&all);
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{args:?}: {text}");
    text
}

fn problems(health: &Value) -> String {
    health["problems"]
        .as_array()
        .map(|p| p.iter().map(|v| v.as_str().unwrap_or("")).collect::<Vec<_>>().join("; "))
        .unwrap_or_default()
}

#[test]
fn a_block_the_follower_cannot_capture_is_reported_with_the_rule_and_skipped_by_the_operator() {
    let dir = tempfile::tempdir().unwrap();
    let anvil = Anvil::start(Some("cancun")).unwrap();
    let chain = blocks::Chain::new(&anvil).unwrap();
    for _ in 0..3 {
        anvil.rpc("evm_mine", json!([])).unwrap();
    }
    let url = anvil.url.clone();
    let args = ["-r", &url, "--from", "1", "--workers", "0", "--poll-ms", "200", "--stall-secs", "2"];
    let serve = Serve::start(&args, dir.path());

    // Block 1 of a fresh anvil cannot be captured: its genesis header's stateRoot is the empty
    // root although its accounts are funded, so nothing proves block 1's pre-state.
    let health =
        serve.wait_for_health("block 1 reported", MINUTE, |code, h| code == 503 && problems(h).contains("block 1"));
    let text = problems(&health);
    assert!(text.contains("cannot be captured") && text.contains("genesis header's stateRoot"), "{text}");
    assert_eq!(health["follower"]["stuck"]["number"], 1, "{health:#}");
    assert_eq!(serve.metric("prover_follower_stuck_block"), Some(1.0));
    assert_eq!(serve.metric("prover_healthy"), Some(0.0));
    assert!(serve.blocks().is_empty(), "nothing is stored past a block that holds the follower");

    // Only the block that holds the follower can be skipped; then the follower goes on.
    let out = prover_cmd(&["serve", "skip", "2", "--reason", "x", "--data-dir", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("block 2 does not hold the follower (block 1 does)"));
    admin(&["skip", "1", "--reason", "anvil's genesis stateRoot is not its state"], dir.path());
    let blocks = serve.wait_for("blocks 2 and 3 captured", MINUTE, |b| canonical(b).len() >= 3);
    let one = canonical(&blocks).into_iter().find(|b| b["number"] == 1).unwrap().clone();
    assert_eq!(one["status"], "skipped");
    assert!(
        one["error"]
            .as_str()
            .unwrap()
            .starts_with("skipped by the operator: anvil's genesis stateRoot is not its state"),
        "{one}"
    );
    let (code, missing) = serve.get("/blocks/1/witness");
    assert!(code == 404 && missing["error"].as_str().unwrap().contains("skipped by the operator"), "{missing}");
    let (_, one) = serve.get("/blocks/1");
    assert_eq!(one["history"][0]["event"], "skipped", "{one}");
    serve.wait_for_health("healthy again", MINUTE, |code, _| code == 200);

    // A block with its parent's timestamp (anvil takes it as the next block's, asked; left to its
    // clock, it makes one only when its clock is behind its chain, which timing decides): the
    // consensus rule is named, and the operator's skip gets the follower past it.
    let parent = anvil.rpc("eth_getBlockByNumber", json!(["latest", false])).unwrap();
    anvil.rpc("evm_setNextBlockTimestamp", json!([parent["timestamp"]])).unwrap();
    anvil.rpc("evm_mine", json!([])).unwrap();
    let health =
        serve.wait_for_health("block 4 reported", MINUTE, |code, h| code == 503 && problems(h).contains("block 4"));
    assert!(problems(&health).contains("timestamp"), "the rule is named: {}", problems(&health));
    admin(&["skip", "4", "--reason", "timestamp not after its parent's"], dir.path());
    anvil.rpc("anvil_setBlockTimestampInterval", json!([1])).unwrap();
    chain.one_block(|c| c.transfer(0, "0x0000000000000000000000000000000000000042", 1).map(drop)).unwrap();
    let blocks = serve.wait_for("block 5 captured", MINUTE, |b| status_of(b, 5).as_deref() == Some("queued"));
    assert_eq!(status_of(&blocks, 4).as_deref(), Some("skipped"));
    serve.wait_for_health("healthy again", MINUTE, |code, _| code == 200);
    assert!(serve.stop().success());
}

#[test]
fn a_clean_stop_hands_the_job_back_and_retry_puts_failed_and_stuck_blocks_back() {
    let dir = tempfile::tempdir().unwrap();
    let anvil = Anvil::start(Some("cancun")).unwrap();
    let _chain = blocks::Chain::new(&anvil).unwrap();
    for _ in 0..4 {
        anvil.rpc("evm_mine", json!([])).unwrap();
    }
    let url = anvil.url.clone();
    // One worker (the execution proof): it claims block 2 and starts proving; SIGTERM then.
    let serve = Serve::start(&["-r", &url, "--from", "2", "--poll-ms", "200", "--lease-secs", "30"], dir.path());
    serve.wait_for("block 2 being proven", MINUTE, |b| status_of(b, 2).as_deref() == Some("proving"));
    let (status, took) = serve.stop_within(Duration::from_secs(20));
    assert!(status.success(), "{status:?}");
    assert!(took < Duration::from_secs(15), "a clean stop is bounded: {took:?}");

    // Restarted with no worker: the job was handed back, its try not counted.
    let serve = Serve::start(&["-r", &url, "--workers", "0", "--poll-ms", "200"], dir.path());
    let blocks = serve.blocks();
    let two = canonical(&blocks).into_iter().find(|b| b["number"] == 2).unwrap().clone();
    assert_eq!(
        (two["status"].as_str(), two["attempts"].as_u64(), two["worker"].clone()),
        (Some("queued"), Some(0), Value::Null),
        "{two}"
    );
    let (_, detail) = serve.get("/blocks/2");
    let events: Vec<&str> =
        detail["history"].as_array().unwrap().iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(events, ["claimed", "released"], "{detail}");

    // A worker that dies (here: claims with a tiny lease and never renews it) leaves a stale
    // lease, shown as such; a failed job; both go back to the queue with `serve retry`.
    let db = dir.path().join("serve.sqlite").display().to_string();
    let (stale, failed) = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = serve::Store::open(&db).await.unwrap();
        let kind = proof::ProofKind::Execution;
        // The failed one first: a claim may take over a lease that has run out.
        let failed = store.claim("unlucky", 60_000, serve::Order::Oldest, kind).await.unwrap().unwrap();
        assert!(store.fail((&failed.hash, ""), "unlucky", "the prover ran out of memory").await.unwrap());
        let stale = store.claim("gone", 1, serve::Order::Oldest, kind).await.unwrap().unwrap();
        (stale.number, failed.number)
    });
    let blocks = serve.wait_for("the stale lease shown", MINUTE, |b| {
        canonical(b).iter().any(|row| row["number"] == stale && row["lease_expired"] == true)
    });
    assert_eq!(status_of(&blocks, failed).as_deref(), Some("failed"));
    for number in [stale, failed] {
        let said = admin(&["retry", &number.to_string(), "--reason", "the machine is back"], dir.path());
        assert!(said.contains(&format!("block {number} queued again")), "{said}");
    }
    let blocks = serve.blocks();
    for number in [stale, failed] {
        let row = canonical(&blocks).into_iter().find(|b| b["number"] == number).unwrap().clone();
        assert_eq!((row["status"].as_str(), row["attempts"].as_u64()), (Some("queued"), Some(0)), "{row}");
    }
    let (_, detail) = serve.get(&format!("/blocks/{failed}"));
    let retried = detail["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(retried["event"], "retried");
    assert!(
        retried["detail"].as_str().unwrap().contains("the machine is back (was failed: the prover ran out of memory)"),
        "{retried}"
    );
    // A queued job is not retried: there is nothing to put back.
    let out = prover_cmd(&["serve", "retry", &failed.to_string(), "--data-dir", dir.path().to_str().unwrap()]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("job is queued"));
    assert!(serve.stop().success());
}

#[test]
fn a_node_that_goes_away_or_comes_back_as_another_chain_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let anvil = Anvil::start(Some("cancun")).unwrap();
    let _chain = blocks::Chain::new(&anvil).unwrap();
    for _ in 0..3 {
        anvil.rpc("evm_mine", json!([])).unwrap();
    }
    let port = anvil.url.rsplit(':').next().unwrap().to_string();
    let url = anvil.url.clone();
    let args = ["-r", &url, "--from", "2", "--workers", "0", "--poll-ms", "200", "--node-down-secs", "2"];
    let serve = Serve::start(&args, dir.path());
    serve.wait_for("blocks 2 and 3", MINUTE, |b| canonical(b).len() >= 2);
    let (code, health) = serve.health();
    assert_eq!((code, health["ok"].as_bool()), (200, Some(true)), "{health:#}");
    let genesis = health["chain"]["genesis_hash"].as_str().unwrap().to_string();

    // The node goes away: after --node-down-secs, not healthy, with the node's error.
    drop(anvil);
    let health =
        serve.wait_for_health("the node down", MINUTE, |code, h| code == 503 && problems(h).contains("unreachable"));
    assert!(health["errors"]["node"]["total"].as_u64().unwrap() >= 1, "{health:#}");
    assert!(serve.metric("prover_node_errors_total").unwrap() >= 1.0);
    assert_eq!(health["errors"]["store"]["errors"], 0, "node errors are not the store's: {health:#}");

    // It comes back on the same port as another chain (a new genesis): reported as such, every
    // stored block kept, nothing followed.
    let anvil = Anvil::start_on(port.parse().unwrap(), Some("cancun"), &[]).unwrap();
    let _chain = blocks::Chain::new(&anvil).unwrap();
    for _ in 0..5 {
        anvil.rpc("evm_mine", json!([])).unwrap();
    }
    let health =
        serve.wait_for_health("another chain", MINUTE, |code, h| code == 503 && problems(h).contains("serves chain"));
    let text = problems(&health);
    assert!(text.contains(&genesis) && text.contains("--follow-new-chain"), "{text}");
    assert!(health["errors"]["node"]["last_error"].is_null(), "the node answers: {health:#}");
    assert!(serve.stop().success());

    // Followed only when the operator says so: the old blocks orphaned, the new chain captured.
    let mut args = args.to_vec();
    args.push("--follow-new-chain");
    let serve = Serve::start(&args, dir.path());
    serve.wait_for("the new chain followed", MINUTE, |b| {
        canonical(b).len() >= 4 && b.iter().filter(|r| r["status"] == "orphaned").count() >= 2
    });
    let health = serve.wait_for_health("healthy on the new chain", MINUTE, |code, _| code == 200);
    assert_ne!(health["chain"]["genesis_hash"].as_str().unwrap(), genesis);
    assert!(serve.stop().success());
}

/// The data directory on a tmpfs of `size`, which the test mounts (the tests run as root).
struct Tmpfs(tempfile::TempDir);

impl Tmpfs {
    fn mount(size: &str) -> Tmpfs {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "mounting a tmpfs (the test needs root): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Tmpfs(dir)
    }

    fn resize(&self, size: &str) {
        let out =
            Command::new("mount").args(["-o", &format!("remount,size={size}")]).arg(self.0.path()).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.0.path()).status();
    }
}

#[test]
fn a_full_disk_is_recovered_from_once_space_is_back_with_no_stale_reads() {
    let disk = Tmpfs::mount("4m");
    // A block a second, each a witness of a couple of hundred KB: the 4 MiB fill in seconds.
    let anvil = Anvil::start_with(Some("cancun"), &["--block-time", "1"]).unwrap();
    let url = anvil.url.clone();
    let serve = Serve::start(&["-r", &url, "--from", "2", "--workers", "0", "--poll-ms", "200"], disk.0.path());
    let health = serve.wait_for_health("the disk full", Duration::from_secs(120), |code, h| {
        code == 503 && problems(h).contains("cannot write")
    });
    assert!(problems(&health).contains("full"), "{}", problems(&health));
    assert!(serve.metric("prover_store_errors_total").unwrap() >= 1.0);

    // Space comes back: the store writes again by itself, and every read sees the newest state.
    disk.resize("64m");
    serve.wait_for_health("writing again", Duration::from_secs(60), |code, _| code == 200);
    let first = serve.health().1["counts"]["blocks"].as_u64().unwrap();
    let (mut last, mut last_newest) = (first, 0);
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(8) {
        let (code, health) = serve.health();
        assert_eq!(code, 200, "{health:#}");
        let now = health["counts"]["blocks"].as_u64().unwrap();
        assert!(now >= last, "a stale read: {now} blocks after {last}");
        let newest = serve.get("/blocks?limit=1").1["blocks"][0]["number"].as_u64().unwrap();
        assert!(newest >= last_newest, "a stale read: newest block {newest} after {last_newest}");
        (last, last_newest) = (now, newest);
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(last >= first + 4, "the follower advances steadily again: {first} -> {last} in 8 s");
    assert!(serve.stop().success());
}
