//! A `prover_cmd serve` child process for the serve tests, and its HTTP API.

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use serde_json::Value;

/// The state proof's key cache the serve tests share: keys depend only on the class and the params
/// (the insecure dev ones, the same in every data directory), so they are made once and read as a
/// restarted server reads them. prove_verify, which tests key generation and the cache's refusal
/// of a damaged key, publishes the keys it generated here (testkit::key_cache); a serve test run
/// alone makes them. The Gevulot tasks start from a copy.
pub(crate) const SHARED_KEYS: &str = testkit::shared_state_keys!();

pub(crate) struct Serve {
    child: Child,
    pub url: String,
    /// What it printed on stdout after the address, read as it comes (so that it never blocks on
    /// a full pipe).
    printed: Arc<Mutex<Vec<String>>>,
}

impl Serve {
    /// Starts `prover_cmd serve` with these arguments (plus `--listen 127.0.0.1:0`) and waits for
    /// the address it prints.
    pub(crate) fn start(args: &[&str], data_dir: &Path) -> Serve {
        Serve::start_program(Path::new(env!("CARGO_BIN_EXE_prover_cmd")), args, data_dir)
    }

    /// The same with another `prover_cmd` (the serve bench measures an older build beside this
    /// one).
    pub(crate) fn start_program(program: &Path, args: &[&str], data_dir: &Path) -> Serve {
        let mut child = Command::new(program)
            .arg("serve")
            .args(args)
            .args(["--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let url =
            line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("serve printed {line:?}")).to_string();
        let printed = Arc::new(Mutex::new(Vec::new()));
        let sink = printed.clone();
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Serve { child, url, printed }
    }

    /// The lines printed on stdout so far, after the address.
    pub(crate) fn printed(&self) -> Vec<String> {
        self.printed.lock().unwrap().clone()
    }

    /// GET, the status and the JSON answer (Null when the body is not JSON).
    pub(crate) fn get(&self, path: &str) -> (u16, Value) {
        answer(ureq::get(format!("{}{path}", self.url)).config().http_status_as_error(false).build().call())
    }

    pub(crate) fn get_text(&self, path: &str) -> String {
        let mut r = ureq::get(format!("{}{path}", self.url)).call().unwrap();
        r.body_mut().read_to_string().unwrap()
    }

    pub(crate) fn get_bytes(&self, path: &str) -> Vec<u8> {
        let mut r = ureq::get(format!("{}{path}", self.url)).call().unwrap();
        r.body_mut().with_config().limit(1 << 30).read_to_vec().unwrap()
    }

    /// Any method, no body: the status and the JSON answer.
    pub(crate) fn request(&self, method: &str, path: &str) -> (u16, Value) {
        let url = format!("{}{path}", self.url);
        let config =
            |b: ureq::RequestBuilder<ureq::typestate::WithoutBody>| b.config().http_status_as_error(false).build();
        answer(match method {
            "GET" => config(ureq::get(url)).call(),
            "DELETE" => config(ureq::delete(url)).call(),
            "HEAD" => config(ureq::head(url)).call(),
            "PUT" => ureq::put(url).config().http_status_as_error(false).build().send_empty(),
            "PATCH" => ureq::patch(url).config().http_status_as_error(false).build().send_empty(),
            other => panic!("no helper for {other}"),
        })
    }

    /// The server's process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The address, as host:port.
    pub(crate) fn address(&self) -> &str {
        self.url.trim_start_matches("http://")
    }

    /// `GET /healthz`: the status and the answer.
    pub(crate) fn health(&self) -> (u16, Value) {
        self.get("/healthz")
    }

    /// Waits until `/healthz` answers what `done` wants, or panics after `limit`.
    pub(crate) fn wait_for_health(&self, what: &str, limit: Duration, done: impl Fn(u16, &Value) -> bool) -> Value {
        let deadline = Instant::now() + limit;
        loop {
            let (code, health) = self.health();
            if done(code, &health) {
                return health;
            }
            assert!(Instant::now() < deadline, "not within {limit:?}: {what}; /healthz {code}: {health:#}");
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    pub(crate) fn post(&self, path: &str, body: &[u8]) -> (u16, Value) {
        answer(ureq::post(format!("{}{path}", self.url)).config().http_status_as_error(false).build().send(body))
    }

    /// The block rows of `GET /blocks?from=0&limit=1000`.
    pub(crate) fn blocks(&self) -> Vec<Value> {
        let (code, list) = self.get("/blocks?from=0&limit=1000");
        assert_eq!(code, 200, "{list}");
        list["blocks"].as_array().unwrap().clone()
    }

    /// Waits until `done` holds for the block list, or panics after `limit`.
    pub(crate) fn wait_for(&self, what: &str, limit: Duration, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let deadline = Instant::now() + limit;
        loop {
            let blocks = self.blocks();
            if done(&blocks) {
                return blocks;
            }
            assert!(Instant::now() < deadline, "not within {limit:?}: {what}; blocks: {blocks:#?}");
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    /// A metric's value from `/metrics` (the first sample whose name and labels start so).
    pub(crate) fn metric(&self, sample: &str) -> Option<f64> {
        self.get_text("/metrics")
            .lines()
            .find(|l| l.starts_with(sample) && l[sample.len()..].starts_with(' '))
            .and_then(|l| l.rsplit(' ').next()?.parse().ok())
    }

    /// SIGKILL: no chance to clean up, as a crash or an OOM kill.
    pub(crate) fn kill_9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM, and the exit status.
    pub(crate) fn stop(mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        self.child.wait().unwrap()
    }

    /// SIGTERM, and how long the process took to exit (it must, within `limit`).
    pub(crate) fn stop_within(mut self, limit: Duration) -> (std::process::ExitStatus, Duration) {
        let started = Instant::now();
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status, started.elapsed());
            }
            assert!(started.elapsed() < limit, "serve did not exit within {limit:?} of SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn answer(result: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> (u16, Value) {
    let mut response = result.unwrap();
    let code = response.status().as_u16();
    let text = response.body_mut().with_config().limit(1 << 30).read_to_string().unwrap_or_default();
    (code, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The rows of followed (canonical) blocks, by number.
pub(crate) fn canonical(blocks: &[Value]) -> Vec<&Value> {
    blocks.iter().filter(|b| b["canonical"] == true).collect()
}

pub(crate) fn status_of(blocks: &[Value], number: u64) -> Option<String> {
    canonical(blocks).into_iter().find(|b| b["number"] == number).map(|b| b["status"].as_str().unwrap().to_string())
}
