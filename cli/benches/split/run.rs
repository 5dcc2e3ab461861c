//! Running `prover_cmd` as a worker would, one process per piece, under `/usr/bin/time`: what each
//! process cost (wall, CPU, peak memory) is measured by the kernel, not estimated.

use std::{path::Path, process::Command};

use anyhow::{ensure, Context};

/// What one `prover_cmd` process cost.
#[derive(Clone, Copy, Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct Cost {
    /// Wall time, seconds.
    pub(crate) wall: f64,
    /// User + system CPU time, seconds.
    pub(crate) cpu: f64,
    /// Peak resident memory, GiB.
    pub(crate) peak_gib: f64,
}

/// Runs `prover_cmd args` under /usr/bin/time: its cost and what it printed on stdout.
pub(crate) fn timed_output(args: &[&str]) -> anyhow::Result<(Cost, Vec<u8>)> {
    let times = tempfile::NamedTempFile::new()?;
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%e %U %S %M", "-o"])
        .arg(times.path())
        .arg(env!("CARGO_BIN_EXE_prover_cmd"))
        .args(args)
        .output()
        .context("/usr/bin/time (Debian's time package)")?;
    ensure!(out.status.success(), "prover_cmd {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(times.path())?;
    // The last line: a process killed by a signal gets a line of its own before it.
    let n: Vec<f64> = text.lines().last().unwrap_or("").split_whitespace().filter_map(|v| v.parse().ok()).collect();
    ensure!(n.len() == 4, "/usr/bin/time wrote {text:?}");
    Ok((Cost { wall: n[0], cpu: n[1] + n[2], peak_gib: n[3] / 1048576.0 }, out.stdout))
}

/// As `timed_output`, without the output.
pub(crate) fn timed(args: &[&str]) -> anyhow::Result<Cost> {
    timed_output(args).map(|(cost, _)| cost)
}

/// Metered execution of `witness` at `gib` GiB a segment: the `--execute-only` report, plan
/// included, written to `out` (what `--plan` takes), and what the process cost.
pub(crate) fn plan(witness: &Path, gib: &str, out: &Path) -> anyhow::Result<Cost> {
    let args =
        ["-q", "offline_prover", "--proof", "execution", "--execute-only", "--segment-memory", gib, "-w", s(witness)];
    let (cost, printed) = timed_output(&args)?;
    std::fs::write(out, printed)?;
    Ok(cost)
}

/// A block's witness, captured from the node at `url` as `witness_capture` does.
pub(crate) fn captured(url: &str, block: u64) -> anyhow::Result<witness::WitnessFile> {
    let client = witness::rpc::RpcClient::new(url, witness::rpc::RpcConfig::default());
    let options = witness::capture::CaptureOptions::new(block, 1);
    Ok(witness::capture::capture(&client, &options, &progress::Silent)?.witness)
}

/// A path as an argument (the bench's paths are its own, always UTF-8).
pub(crate) fn s(p: &Path) -> &str {
    p.to_str().unwrap_or_default()
}

/// The machine, for the line beside every figure.
pub(crate) fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines().find_map(|l| l.strip_prefix("model name")?.split(':').nth(1).map(|m| m.trim().to_string()))
        })
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let gib = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines().find_map(|l| l.strip_prefix("MemTotal:")?.trim().strip_suffix("kB")?.trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1048576.0);
    format!("{cores} cores, {gib:.0} GiB, {cpu}")
}
