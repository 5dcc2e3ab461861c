//! `serve` on a real PostgreSQL server with its proving done by two `prover_cmd worker`
//! processes taking jobs from the same database (none proven twice), then the explorer page in a
//! real headless Chromium: what it shows first (the proven, proving and queued counts, the rates,
//! the prove-time chart), the blocks filtered by status, and its verify button's report read as a
//! person reads it, the raw report one click away. The page's screenshot is kept in
//! target/test-artifacts/.

mod common;

use std::{
    process::{Child, Command, Stdio},
    time::Duration,
};

use common::serve::{canonical, Serve};
use fantoccini::{ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use testkit::{anvil::Anvil, postgres::Postgres};

struct Worker(Child);

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn worker(db: &str, data: &std::path::Path) -> Worker {
    let child = Command::new(env!("CARGO_BIN_EXE_prover_cmd"))
        .args(["worker", "--db", db, "--proof", "state", "--class", "micro", "--lease-secs", "20"])
        .args(["--keys-dir", common::serve::SHARED_KEYS, "--data-dir"])
        .arg(data)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    Worker(child)
}

#[test]
fn two_workers_on_postgres_prove_each_block_once_and_the_page_verifies_one_in_chromium() {
    let pg = Postgres::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let anvil = Anvil::start(Some("shanghai")).unwrap();
    anvil.rpc("anvil_setBlockTimestampInterval", json!([1])).unwrap();
    // Blocks 1 to 3: from block 2, one job for each worker (a third would only add a proof's time).
    for _ in 0..3 {
        anvil.rpc("evm_mine", json!([])).unwrap();
    }
    // The server follows and verifies; it proves nothing itself (--workers 0).
    let args =
        ["-r", &anvil.url, "--db", &pg.url, "--from", "2", "--workers", "0", "--proof", "state", "--class", "micro"];
    let args = [&args[..], &["--keys-dir", common::serve::SHARED_KEYS]].concat();
    let serve = Serve::start(&args, dir.path());
    serve.wait_for("blocks 2..=3 captured", Duration::from_secs(60), |b| canonical(b).len() >= 2);
    let workers = [worker(&pg.url, dir.path()), worker(&pg.url, dir.path())];

    let blocks = serve.wait_for("blocks 2..=3 proven", Duration::from_secs(600), |b| {
        canonical(b).iter().filter(|x| x["status"] == "proven").count() >= 2
    });
    drop(workers);
    let proven: Vec<_> = canonical(&blocks).into_iter().filter(|b| b["status"] == "proven").collect();
    assert!(proven.iter().all(|b| b["attempts"] == 1), "each block proven once: {proven:#?}");
    let mut by = proven.iter().map(|b| b["worker"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    by.sort();
    by.dedup();
    assert_eq!(by.len(), 2, "both workers took jobs: {proven:#?}");

    let screenshot = page_in_chromium(&serve.url, proven[0]["number"].as_u64().unwrap());
    let artifacts = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/test-artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    std::fs::write(artifacts.join("serve-page.png"), screenshot).unwrap();
    assert!(serve.stop().success());
}

/// Opens the page in headless Chromium through chromedriver, checks it lists the proven blocks,
/// clicks one and its verify button, and returns a screenshot of the result.
fn page_in_chromium(url: &str, number: u64) -> Vec<u8> {
    let port = testkit::anvil::free_port().unwrap();
    let mut driver = Command::new(testkit::browser::chromedriver())
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver (run scripts/install-test-deps.sh)");
    let shot = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": testkit::browser::chromium(),
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000"],
            }
        });
        let mut client = None;
        for _ in 0..100 {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(caps.as_object().unwrap().clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(c) => {
                    client = Some(c);
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        let c = client.expect("chromedriver answered");
        c.goto(url).await.unwrap();
        let row = format!("tr.block[data-number='{number}'][data-status='proven']");
        c.wait().at_most(Duration::from_secs(20)).for_element(Locator::Css(&row)).await.unwrap();
        let rows = c.find_all(Locator::Css("tr.block[data-status='proven']")).await.unwrap();
        assert!(rows.len() >= 2, "the page lists the proven blocks");
        // At a glance: the counts, the rates and a bar per proven block's prove time.
        let proven: u64 = c.find(Locator::Id("n-proven")).await.unwrap().text().await.unwrap().parse().unwrap();
        assert!(proven >= 2, "the proven count: {proven}");
        let rates = c.find(Locator::Id("rates")).await.unwrap().text().await.unwrap();
        assert!(rates.starts_with("proving ") && rates.contains("blocks/h · chain "), "{rates}");
        let bars = c.find_all(Locator::Css("#chart-prove rect")).await.unwrap();
        assert!(bars.len() >= 2, "a bar per proven block");
        // Filtered to the proven blocks, then back to all of them.
        c.find(Locator::Css("#filters button[data-status='proven']")).await.unwrap().click().await.unwrap();
        let shown = c.find_all(Locator::Css("tr.block")).await.unwrap();
        for row in &shown {
            assert_eq!(row.attr("data-status").await.unwrap().as_deref(), Some("proven"));
        }
        let info = c.find(Locator::Id("page-info")).await.unwrap().text().await.unwrap();
        assert!(info.starts_with(&format!("{} block(s) proven", shown.len())), "{info}");
        c.find(Locator::Css("#filters button[data-status='all']")).await.unwrap().click().await.unwrap();
        // The table is redrawn every 2 s: a row found just before a redraw is gone; find it again.
        let mut clicked = false;
        for _ in 0..20 {
            if let Ok(found) = c.find(Locator::Css(&row)).await {
                if found.click().await.is_ok() {
                    clicked = true;
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(clicked, "clicked the block's row");
        c.find(Locator::Css("#verify")).await.unwrap().click().await.unwrap();
        let report = c
            .wait()
            .at_most(Duration::from_secs(60))
            .for_element(Locator::Css("#report[data-is-success]"))
            .await
            .unwrap();
        assert_eq!(report.attr("data-is-success").await.unwrap().as_deref(), Some("true"));
        // Read as a person reads it; the raw report one click away.
        let verdict = c.find(Locator::Css("#verification .verdict")).await.unwrap().text().await.unwrap();
        assert!(verdict.starts_with("✓ Verified by the server in "), "{verdict}");
        let said = c.find(Locator::Css("#verification")).await.unwrap().text().await.unwrap();
        assert!(said.contains("What this proves:") && said.contains("accounts"), "{said}");
        c.find(Locator::Css("#raw-report summary")).await.unwrap().click().await.unwrap();
        let text = report.text().await.unwrap();
        assert!(text.contains("\"is_success\": true"), "{text}");
        let shot = c.screenshot().await.unwrap();
        c.close().await.unwrap();
        shot
    });
    let _ = driver.kill();
    let _ = driver.wait();
    shot
}
