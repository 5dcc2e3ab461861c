//! `serve` under load, for figures before and after a change: many readers for a while
//! (requests/s, p50/p99, errors), thousands of connections that never finish their request (how
//! many the server still holds later), and many big uploads at once (the server's peak RSS and
//! how slow `/healthz` gets meanwhile). The server follows a real anvil making a block every 2 s,
//! with no worker.
//!
//!     cargo bench -p cli --bench serve_load
//!     PROVER_CMD=/path/to/older/prover_cmd cargo bench -p cli --bench serve_load
//!
//! Sizes: READERS (200) for READ_SECS (30), CONNECTIONS (3000), UPLOADS (16, of 64 MiB each).
//! The connection figure needs a file-descriptor limit above CONNECTIONS:
//! scripts/bench-serve.sh sets it and runs both builds.

#[allow(dead_code)]
#[path = "../tests/common/serve.rs"]
mod serve;

use std::{
    io::{Read, Write},
    net::TcpStream,
    path::PathBuf,
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use serve::Serve;
use testkit::anvil::Anvil;

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The server's resident memory now, KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// The server's open file descriptors (its sockets, mostly).
fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map(|d| d.count()).unwrap_or(0)
}

/// The highest RSS seen while `during` runs, sampled every 20 ms.
fn peak_rss_during<T>(pid: u32, during: impl FnOnce() -> T) -> (T, u64) {
    let (done, peak) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicU64::new(0)));
    let sampler = std::thread::spawn({
        let (done, peak) = (done.clone(), peak.clone());
        move || {
            while !done.load(Ordering::Relaxed) {
                peak.fetch_max(rss_kib(pid), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    });
    let out = during();
    done.store(true, Ordering::Relaxed);
    sampler.join().unwrap();
    (out, peak.load(Ordering::Relaxed))
}

fn quantile(sorted: &[Duration], q: f64) -> Duration {
    sorted.get(((sorted.len() as f64 * q) as usize).min(sorted.len().saturating_sub(1))).copied().unwrap_or_default()
}

/// One GET on a fresh connection: the status (0 when it failed) and how long it took.
fn timed_get(url: &str, path: &str) -> (u16, Duration) {
    let started = Instant::now();
    let code = ureq::get(format!("{url}{path}"))
        .config()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .call()
        .map(|mut r| {
            let _ = r.body_mut().read_to_vec();
            r.status().as_u16()
        })
        .unwrap_or(0);
    (code, started.elapsed())
}

fn readers(serve: &Serve, readers: u64, secs: u64) {
    let started = Instant::now();
    let (mut times, errors, rss) = {
        let ((times, errors), rss) = peak_rss_during(serve.pid(), || {
            let threads: Vec<_> = (0..readers)
                .map(|i| {
                    let url = serve.url.clone();
                    std::thread::spawn(move || {
                        let (mut times, mut errors) = (Vec::new(), 0u64);
                        while started.elapsed() < Duration::from_secs(secs) {
                            let path = if i % 2 == 0 { "/blocks?limit=50" } else { "/healthz" };
                            let (code, took) = timed_get(&url, path);
                            errors += u64::from(!(200..300).contains(&code) && code != 503);
                            times.push(took);
                        }
                        (times, errors)
                    })
                })
                .collect();
            let mut all = (Vec::new(), 0);
            for t in threads {
                let (times, errors) = t.join().unwrap();
                all.0.extend(times);
                all.1 += errors;
            }
            all
        });
        (times, errors, rss)
    };
    times.sort();
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "readers: {readers} for {secs} s: {} requests, {:.0} requests/s, p50 {:.1} ms, p99 {:.1} ms, {errors} errors, peak RSS {} MiB",
        times.len(),
        times.len() as f64 / elapsed,
        quantile(&times, 0.50).as_secs_f64() * 1e3,
        quantile(&times, 0.99).as_secs_f64() * 1e3,
        rss / 1024
    );
}

fn held_connections(serve: &Serve, count: u64) {
    let pid = serve.pid();
    let before = open_fds(pid);
    // Half of them stop in the headers, half in an upload's body.
    let streams: Vec<TcpStream> = (0..count)
        .filter_map(|i| {
            let mut s = TcpStream::connect(serve.address()).ok()?;
            let partial: &[u8] = if i % 2 == 0 {
                b"GET /healthz HTTP/1.1\r\nhost: x\r\n"
            } else {
                b"POST /verify HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\n\r\n{\"format\""
            };
            s.write_all(partial).ok()?;
            Some(s)
        })
        .collect();
    std::thread::sleep(Duration::from_secs(2));
    let (code, healthz) = timed_get(&serve.url, "/healthz");
    let at_2 = open_fds(pid).saturating_sub(before);
    std::thread::sleep(Duration::from_secs(13));
    let at_15 = open_fds(pid).saturating_sub(before);
    // From the client's side: how many the server has answered or closed (a read sees an answer,
    // the end or a reset).
    let closed = streams
        .iter()
        .filter(|s| {
            s.set_nonblocking(true).unwrap();
            let mut byte = [0u8; 1024];
            // Some bytes (an answer), none (the end) or a reset: only "nothing yet" is open.
            (&**s).read(&mut byte).map_or_else(|e| e.kind() != std::io::ErrorKind::WouldBlock, |_| true)
        })
        .count();
    println!(
        "connections: {} opened, never finished: the server holds {at_2} sockets after 2 s, {at_15} after 15 s; \
         {closed} answered or closed by the server by then; a fresh /healthz meanwhile: {code} in {:.2} s",
        streams.len(),
        healthz.as_secs_f64()
    );
}

fn big_uploads(serve: &Serve, count: u64) {
    let body = Arc::new(vec![b' '; 64 << 20]);
    let stop = Arc::new(AtomicBool::new(false));
    let prober = std::thread::spawn({
        let (url, stop) = (serve.url.clone(), stop.clone());
        move || {
            let mut worst = Duration::ZERO;
            while !stop.load(Ordering::Relaxed) {
                worst = worst.max(timed_get(&url, "/healthz").1);
                std::thread::sleep(Duration::from_millis(50));
            }
            worst
        }
    });
    let (codes, rss) = peak_rss_during(serve.pid(), || {
        let threads: Vec<_> = (0..count)
            .map(|_| {
                let (url, body) = (serve.url.clone(), body.clone());
                std::thread::spawn(move || {
                    ureq::post(format!("{url}/verify"))
                        .config()
                        .http_status_as_error(false)
                        .build()
                        .send(&body[..])
                        .map(|r| r.status().as_u16())
                        .unwrap_or(0)
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect::<Vec<u16>>()
    });
    stop.store(true, Ordering::Relaxed);
    let worst = prober.join().unwrap();
    let mut tally = std::collections::BTreeMap::new();
    for code in codes {
        *tally.entry(code).or_insert(0) += 1;
    }
    println!(
        "uploads: {count} of 64 MiB at once: answers {tally:?} (0: the connection broke), peak RSS {} MiB, \
         slowest /healthz meanwhile {:.2} s",
        rss / 1024,
        worst.as_secs_f64()
    );
}

fn main() {
    let program =
        std::env::var_os("PROVER_CMD").map(PathBuf::from).unwrap_or_else(|| env!("CARGO_BIN_EXE_prover_cmd").into());
    let anvil = Anvil::start_with(Some("cancun"), &["--block-time", "2"]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let serve = Serve::start_program(&program, &["-r", &anvil.url, "--workers", "0", "--poll-ms", "500"], dir.path());
    println!("serve_load: {} (machine: {} cores)", program.display(), std::thread::available_parallelism().unwrap());
    std::thread::sleep(Duration::from_secs(5));
    println!("idle: RSS {} MiB", rss_kib(serve.pid()) / 1024);
    readers(&serve, setting("READERS", 200), setting("READ_SECS", 30));
    big_uploads(&serve, setting("UPLOADS", 16));
    held_connections(&serve, setting("CONNECTIONS", 3000));
    let (code, took) = timed_get(&serve.url, "/healthz");
    println!("after: /healthz {code} in {:.3} s, RSS {} MiB", took.as_secs_f64(), rss_kib(serve.pid()) / 1024);
}
