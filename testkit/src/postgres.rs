//! A real PostgreSQL server (Debian's package, installed by scripts/install-test-deps.sh) in a
//! temporary directory on a free loopback port, for as long as the value lives. PostgreSQL does
//! not run as root: as root, it runs as the package's `postgres` user.

use std::{
    path::PathBuf,
    process::Command,
    time::{Duration, Instant},
};

use anyhow::{bail, Context};

/// A real PostgreSQL server (Debian's), in a temporary directory, stopped when dropped.
pub struct Postgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    /// Its `postgres://` URL.
    pub url: String,
}

/// `$PG_BIN` (a directory holding initdb and pg_ctl), else Debian's newest installed version.
fn bin_dir() -> anyhow::Result<PathBuf> {
    if let Some(dir) = std::env::var_os("PG_BIN") {
        return Ok(dir.into());
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .context("no /usr/lib/postgresql: run scripts/install-test-deps.sh (Debian's postgresql)")?
        .filter_map(|e| Some(e.ok()?.path().join("bin")))
        .filter(|p| p.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop().context("no initdb under /usr/lib/postgresql/*/bin")
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Uid:")).map(|l| l.split_whitespace().nth(1) == Some("0")))
        .unwrap_or(false)
}

impl Postgres {
    /// initdb, then a server on a free port of loopback.
    pub fn start() -> anyhow::Result<Postgres> {
        let bin = bin_dir()?;
        let dir = tempfile::tempdir()?;
        let port = crate::anvil::free_port()?;
        let pg = Postgres { bin, url: format!("postgres://postgres@127.0.0.1:{port}/postgres"), dir };
        if is_root() {
            // The server's user must own its data directory (and reach it).
            let status = Command::new("chown").args(["-R", "postgres:postgres"]).arg(pg.dir.path()).status()?;
            anyhow::ensure!(status.success(), "chown of {} failed", pg.dir.path().display());
            let _ = Command::new("chmod").arg("755").arg(pg.dir.path()).status();
        }
        let data = pg.dir.path().join("data");
        pg.run("initdb", &["-A", "trust", "-U", "postgres", "-E", "UTF8", "-D", &data.display().to_string()])?;
        let options = format!("-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=on", pg.dir.path().display());
        let log = pg.dir.path().join("server.log");
        pg.run(
            "pg_ctl",
            &["start", "-w", "-D", &data.display().to_string(), "-l", &log.display().to_string(), "-o", &options],
        )?;
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                bail!("postgres did not listen on {port}: {}", std::fs::read_to_string(&log).unwrap_or_default());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(pg)
    }

    fn run(&self, tool: &str, args: &[&str]) -> anyhow::Result<()> {
        let program = self.bin.join(tool);
        let mut cmd = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        let out = cmd.args(args).output().with_context(|| format!("running {}", program.display()))?;
        if !out.status.success() {
            bail!("{tool} {args:?}: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        }
        Ok(())
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.dir.path().join("data").display().to_string();
        let _ = self.run("pg_ctl", &["stop", "-m", "immediate", "-D", &data]);
    }
}
