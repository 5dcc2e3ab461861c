//! `prover_cmd serve`'s HTTP API on bad input, and `/verify` on a real execution proof: a real
//! anvil followed, no worker (nothing is proven here; serve_follow.rs proves).

mod common;

use std::time::Duration;

use common::serve::{canonical, Serve};
use serde_json::Value;
use testkit::anvil::Anvil;

/// The `/verify` upload fuzzed in the ordinary build (the fuzz targets' instrumented build would
/// need OpenVM's and halo2's verifiers): `n` mutations of a real proof file, seeded, each of one
/// kind: a byte of the file changed, the file cut short, a digit of the STARK's bytes changed, the
/// STARK's bytes cut short, a field given a value of another type. Each answer is a 200 report or
/// a 400 JSON error (a file that does not decode as a proof file of its kind), never a 5xx or a
/// dropped connection, and a report of success only for a file that still holds the same proof.
fn fuzz_the_verify_upload(serve: &Serve, proof: &[u8], n: u64) {
    let original: Value = serde_json::from_slice(proof).unwrap();
    let fields: Vec<String> = original.as_object().unwrap().keys().cloned().collect();
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move |below: usize| {
        // xorshift64: a fixed sequence, so that a failure is replayed by the same run.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % below as u64) as usize
    };
    for i in 0..n {
        let mut file = original.clone();
        let body = match i % 5 {
            0 => {
                let mut bytes = proof.to_vec();
                let at = next(bytes.len());
                bytes[at] = bytes[at].wrapping_add(1 + next(255) as u8);
                bytes
            }
            1 => proof[..next(proof.len())].to_vec(),
            2 => {
                let hex = file["proof"].as_str().unwrap().to_string();
                file["proof"] = common::hex_flip(&hex, next(hex.len())).into();
                serde_json::to_vec(&file).unwrap()
            }
            3 => {
                let hex = file["proof"].as_str().unwrap();
                file["proof"] = hex[..next(hex.len() / 2) * 2].to_string().into();
                serde_json::to_vec(&file).unwrap()
            }
            _ => {
                let field = &fields[next(fields.len())];
                let values = [Value::Null, 7.into(), "0x00".into(), Value::Array(vec![]), serde_json::json!({})];
                file[field] = values[next(values.len())].clone();
                serde_json::to_vec(&file).unwrap()
            }
        };
        let (code, answer) = serve.post("/verify", &body);
        match code {
            200 => {
                let success = answer["is_success"].as_bool().unwrap_or_else(|| panic!("mutation {i}: {answer}"));
                let message = answer["message"].as_str().unwrap();
                assert!(!message.contains("damaged proof file"), "mutation {i}: not a proof file, a 400: {answer}");
                // What the proof and its claim are; timings and descriptions are not proven.
                let claim = ["proof", "public_values", "image_id", "chain_id", "block_number", "block_hash", "kind"];
                let same = serde_json::from_slice::<Value>(&body)
                    .is_ok_and(|v| claim.iter().all(|field| v[field] == original[field]));
                assert!(!success || same, "mutation {i} (kind {}) verified: {answer}", i % 5);
            }
            400 => assert!(answer["error"].is_string(), "mutation {i}: {answer}"),
            other => panic!("mutation {i} (kind {}): {other} {answer}", i % 5),
        }
    }
}

/// Sends `request` on a fresh connection and reads until the server answers or closes; returns
/// the answer (empty when closed without one) and how long that took.
fn raw(serve: &Serve, request: &[u8], pause_after: Option<Duration>) -> (String, Duration) {
    use std::io::{Read, Write};
    let started = std::time::Instant::now();
    let mut stream = std::net::TcpStream::connect(serve.address()).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    stream.write_all(request).unwrap();
    if let Some(pause) = pause_after {
        std::thread::sleep(pause);
    }
    // Until the end of the connection or of one whole answer, whichever comes first.
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    while !is_whole_answer(&answer) {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&chunk[..n]),
        }
    }
    (String::from_utf8_lossy(&answer).into_owned(), started.elapsed())
}

/// Whether `bytes` hold an HTTP answer's head and as much body as its Content-Length says.
fn is_whole_answer(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    let Some((head, body)) = text.split_once("\r\n\r\n") else { return false };
    let length = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("content-length").then(|| value.trim().parse::<usize>().ok())?
    });
    length.is_some_and(|length| body.len() >= length)
}

/// The bounds this server was started with (header and body timeouts of 2 s, 2 uploads at once,
/// 32 connections): each holds, and every refusal is JSON.
fn bounds_hold(serve: &Serve) {
    // A declared Content-Length over the limit: 413 at once, before any of the body is read.
    let huge = b"POST /verify HTTP/1.1\r\nhost: x\r\ncontent-length: 1073741824\r\n\r\n";
    let (answer, took) = raw(serve, huge, None);
    assert!(answer.starts_with("HTTP/1.1 413") && answer.contains("\"error\""), "{answer}");
    assert!(took < Duration::from_secs(2), "refused before reading: {took:?}");
    // Headers never finished: the connection is closed after the header timeout.
    let (answer, took) = raw(serve, b"GET /healthz HTTP/1.1\r\nhost: x\r\n", None);
    assert!(
        !answer.contains("200 OK") && took >= Duration::from_secs(2) && took < Duration::from_secs(10),
        "{took:?}: {answer}"
    );
    // A body never finished: 408 with a JSON error after the body timeout.
    let half = b"POST /verify HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\n\r\n{\"format\"";
    let (answer, took) = raw(serve, half, None);
    assert!(answer.starts_with("HTTP/1.1 408") && answer.contains("not sent within 2 s"), "{took:?}: {answer}");
    // Two uploads held open take both upload slots: a third is 503 with Retry-After, at once.
    let slow = |_| {
        std::thread::spawn({
            let address = serve.address().to_string();
            move || {
                use std::io::Write;
                let mut s = std::net::TcpStream::connect(address).unwrap();
                s.write_all(b"POST /verify HTTP/1.1\r\nhost: x\r\ncontent-length: 10\r\n\r\n{").unwrap();
                std::thread::sleep(Duration::from_millis(1500));
            }
        })
    };
    let holders: Vec<_> = (0..2).map(slow).collect();
    std::thread::sleep(Duration::from_millis(300));
    let (code, err) = serve.post("/verify", b"{}");
    assert_eq!(code, 503, "{err}");
    assert!(err["error"].as_str().unwrap().contains("too many uploads"), "{err}");
    holders.into_iter().for_each(|h| h.join().unwrap());
    // 32 connections held open (headers unfinished): the 33rd waits for a slot, which the header
    // timeout frees, and is then answered.
    let held: Vec<_> = (0..32)
        .map(|_| {
            use std::io::Write;
            let mut s = std::net::TcpStream::connect(serve.address()).unwrap();
            s.write_all(b"GET /healthz HTTP/1.1\r\n").unwrap();
            s
        })
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    // A fresh connection of its own (a client's pooled one could already hold a slot).
    let (answer, took) = raw(serve, b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n", None);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(took >= Duration::from_millis(1000), "answered at once past the cap: {took:?}");
    drop(held);
}

/// A short load: 8 readers for about two seconds, every answer right; the figures are printed
/// (the long load, with its p99 and RSS, is scripts/bench-serve.sh).
fn load_smoke(serve: &Serve) {
    let started = std::time::Instant::now();
    let readers: Vec<_> = (0..8)
        .map(|i| {
            let url = serve.url.clone();
            std::thread::spawn(move || {
                let mut times = Vec::new();
                while started.elapsed() < Duration::from_secs(2) {
                    let path = if i % 2 == 0 { "/blocks?limit=50" } else { "/healthz" };
                    let t = std::time::Instant::now();
                    let code = ureq::get(format!("{url}{path}")).call().map(|r| r.status().as_u16()).unwrap_or(0);
                    assert_eq!(code, 200, "{path}");
                    times.push(t.elapsed());
                }
                times
            })
        })
        .collect();
    let mut times: Vec<Duration> = readers.into_iter().flat_map(|r| r.join().unwrap()).collect();
    times.sort();
    let p99 = times[times.len() * 99 / 100];
    println!("load smoke: {} requests in 2 s by 8 readers, p99 {p99:?}", times.len());
    assert!(times.len() > 100, "{} requests", times.len());
}

fn fixture_proof() -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../gevulot/tests/fixtures/execution/proof.json")).unwrap()
}

#[test]
fn the_api_answers_bad_input_with_4xx_json_and_verifies_uploads() {
    let dir = tempfile::tempdir().unwrap();
    let anvil = Anvil::start(Some("shanghai")).unwrap();
    // One second between blocks' timestamps (blocks mined in the same second do not check).
    anvil.rpc("anvil_setBlockTimestampInterval", serde_json::json!([1])).unwrap();
    for _ in 0..4 {
        anvil.rpc("evm_mine", serde_json::json!([])).unwrap();
    }
    // From block 2: anvil's proofs against its genesis state do not check (capture_anvil.rs).
    let bounds =
        ["--header-timeout-secs", "2", "--body-timeout-secs", "2", "--max-uploads", "2", "--max-connections", "32"];
    let mut args = vec!["-r", &anvil.url, "--from", "2", "--workers", "0", "--poll-ms", "200"];
    args.extend(bounds);
    let serve = Serve::start(&args, dir.path());

    // The follower captures what is there; with no worker the jobs wait, visibly.
    let blocks = serve.wait_for("blocks 2..=4 captured", Duration::from_secs(60), |b| canonical(b).len() >= 3);
    assert!(blocks.iter().all(|b| b["status"] == "queued" && b["kind"] == "execution"), "{blocks:#?}");
    assert!(serve.metric("prover_queue_depth").unwrap() >= 3.0);
    assert!(serve.metric("prover_blocks_captured_total").unwrap() >= 3.0);
    let (code, health) = serve.get("/healthz");
    assert_eq!((code, health["ok"].as_bool()), (200, Some(true)), "{health}");
    assert!(health["follower"]["node_head"].as_u64().unwrap() >= 4);

    // A block, its witness, no proof yet.
    let (code, one) = serve.get("/blocks/2");
    assert_eq!(code, 200, "{one}");
    assert_eq!(one["block"]["number"], 2);
    let witness: Value = serde_json::from_slice(&serve.get_bytes("/blocks/2/witness")).unwrap();
    assert_eq!(
        (witness["block_number"].as_u64(), witness["block_hash"].clone()),
        (Some(2), one["block"]["hash"].clone())
    );
    let (code, err) = serve.get("/blocks/2/proof");
    assert_eq!(code, 404);
    assert!(err["error"].as_str().unwrap().contains("no verified proof"), "{err}");

    // Bad input: 4xx with a JSON error.
    for (path, want) in [
        ("/blocks/99999", 404),
        ("/blocks/abc", 400),
        ("/blocks/-1/proof", 400),
        ("/blocks?limit=0", 400),
        ("/blocks?limit=100000", 400),
        ("/blocks?from=xyz", 400),
        // Past what the database holds (i64), signed, or not plain digits: refused with the range.
        ("/blocks?from=18446744073709551615", 400),
        ("/blocks?from=9223372036854775808", 400),
        ("/blocks?from=-1", 400),
        ("/blocks?limit=+3", 400),
        ("/blocks/+5", 400),
        ("/blocks/18446744073709551615/witness", 400),
        ("/no/such/thing", 404),
    ] {
        let (code, err) = serve.get(path);
        assert_eq!(code, want, "{path}: {err}");
        assert!(err["error"].is_string(), "{path}: {err}");
    }
    let (_, err) = serve.get("/blocks?from=18446744073709551615");
    assert!(err["error"].as_str().unwrap().contains("0 to 9223372036854775807"), "{err}");
    // A wrong method on a path that exists: 405, with a JSON body like every other error.
    for (method, path) in [("DELETE", "/blocks"), ("GET", "/verify"), ("PUT", "/healthz"), ("PATCH", "/blocks/2/proof")]
    {
        let (code, err) = serve.request(method, path);
        assert_eq!(code, 405, "{method} {path}: {err}");
        assert!(err["error"].as_str().unwrap().contains("method not allowed"), "{method} {path}: {err}");
    }
    bounds_hold(&serve);
    load_smoke(&serve);

    // /verify: a real execution proof verifies; the same with a flipped proof byte does not
    // (200, the report says why); garbage and oversized uploads are 4xx.
    let proof = fixture_proof();
    let (code, report) = serve.post("/verify", &proof);
    assert_eq!((code, report["is_success"].as_bool()), (200, Some(true)), "{report}");
    assert_eq!(report["kind"], "execution");
    let mut tampered: Value = serde_json::from_slice(&proof).unwrap();
    let hex = tampered["proof"].as_str().unwrap().to_string();
    tampered["proof"] = common::hex_flip(&hex, hex.len() / 2).into();
    let (code, report) = serve.post("/verify", &serde_json::to_vec(&tampered).unwrap());
    assert_eq!((code, report["is_success"].as_bool()), (200, Some(false)), "{report}");
    assert!(report["message"].as_str().unwrap().contains("does not verify"), "{report}");
    // Verified against a stored block's witness: this proof is of another chain's block 2.
    let (code, report) = serve.post("/verify?block=2", &proof);
    assert_eq!((code, report["is_success"].as_bool()), (200, Some(false)), "{report}");
    let (code, err) = serve.post("/verify?block=99999", &proof);
    assert_eq!(code, 404, "{err}");
    for garbage in [&b""[..], b"not json", b"{\"format\": \"something else\"}", &[0xff; 1000]] {
        let (code, err) = serve.post("/verify", garbage);
        assert_eq!(code, 400, "{err}");
        assert!(err["error"].is_string(), "{err}");
    }
    let (code, err) = serve.post("/verify", &vec![b' '; 65 << 20]);
    assert_eq!(code, 413, "{err}");
    assert!(err["error"].is_string(), "{err}");
    fuzz_the_verify_upload(&serve, &proof, 300);

    // The Grafana dashboard in the repository reads only metrics that exist.
    let metrics = serve.get_text("/metrics");
    let dashboard: Value = serde_json::from_slice(
        &std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../ops-config/grafana/serve-dashboard.json")).unwrap(),
    )
    .unwrap();
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().unwrap() {
            let expr = target["expr"].as_str().unwrap();
            for name in
                expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).filter(|w| w.starts_with("prover_"))
            {
                assert!(
                    metrics.lines().any(|l| l.starts_with(name) && l[name.len()..].starts_with([' ', '{'])),
                    "the dashboard reads {name}, which /metrics does not have:\n{metrics}"
                );
            }
        }
    }

    // Still serving after all of it; SIGTERM ends it cleanly.
    assert_eq!(serve.get("/healthz").0, 200);
    let page = serve.get_text("/");
    assert!(page.contains("<title>eth-block-prover</title>") && page.contains("/web/explorer.js"), "{page}");
    for script in ["/web/explorer.js", "/web/report-view.js"] {
        assert!(serve.get_text(script).starts_with("//"), "{script} is served");
    }
    assert!(serve.stop().success());
}
