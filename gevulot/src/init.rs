//! PID 1 of the single-process VM image: the prover or verifier binary is the whole userland. It
//! mounts the kernel filesystems, loads the kernel modules the image carries (9p, virtio, vsock),
//! mounts the task's shares, makes the root read-only, and after the task powers the VM off with
//! an exit status (through QEMU's isa-debug-exit port when there is one). Nothing is forked or
//! executed: a v2 runtime config asking for `bootcmd` is refused.

use std::{
    ffi::CString,
    path::{Path, PathBuf},
};

use serde::Deserialize;

use crate::shim::{grpc_v1, Mode, V2_INPUT, V2_OUTPUT, WORKSPACE};

/// Why the VM could not be brought up for its task. The message goes to the console.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// A system call of the boot failed (a mount, a module, a directory).
    #[error("{what}: {cause}")]
    System {
        /// What was being done.
        what: String,
        /// What the kernel said.
        cause: std::io::Error,
    },
    /// The kernel command line's `gevulot.*` settings are wrong.
    #[error("{0}")]
    Cmdline(String),
    /// The v2 runtime config is not one this VM can honour.
    #[error("runtime config: {0}")]
    RuntimeConfig(String),
    /// The root file system is still writable after remounting it read-only.
    #[error("the root file system is still writable after remounting it read-only: {0}")]
    WritableRoot(String),
}

/// The last system call's error, for `what`.
fn errno(what: impl Into<String>) -> InitError {
    InitError::System { what: what.into(), cause: std::io::Error::last_os_error() }
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> InitError {
    let what = what.into();
    move |cause| InitError::System { what, cause }
}

/// Modules, in load order, listed by the image builder (one path per line).
const MODULE_LIST: &str = "/lib/modules/load-order";
const V2_RT_CONFIG_DIR: &str = "/mnt/gevulot/rt-config";
const V2_RT_CONFIG: &str = "/mnt/gevulot/rt-config/config.yaml";
/// 9p mount tags: shim-executor's workspace, and the v2 worker's.
const V1_WORKSPACE_TAG: &str = "0";
const V2_TAGS: [(&str, &str, bool); 3] = [
    ("gevulot-rt-config", V2_RT_CONFIG_DIR, true),
    ("gevulot-input", V2_INPUT, true),
    ("gevulot-output", V2_OUTPUT, false),
];

/// QEMU's isa-debug-exit device: writing v makes QEMU exit with (v << 1) | 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DebugExit {
    /// The I/O port.
    pub port: u16,
    /// QEMU's exit status on success (odd, > 1); failure is 1.
    pub success: u32,
}

/// What the boot found out.
#[derive(Debug)]
pub struct Boot {
    /// Which form of the task contract to speak.
    pub mode: Mode,
    /// Where to report the exit status, if QEMU's debug-exit device is there.
    pub debug_exit: Option<DebugExit>,
}

/// Whether this process is the init of one of this project's Linux VM images (PID 1 with the
/// image's module list). A unikernel such as Nanos may also say PID 1, but it mounts everything
/// itself and has no modules to load.
pub fn is_pid1() -> bool {
    std::process::id() == 1 && kernel_name() == "Linux" && Path::new(MODULE_LIST).is_file()
}

/// `uname -s`: "Linux", or what a unikernel calls itself.
pub fn kernel_name() -> String {
    // SAFETY: uname fills a zeroed struct; sysname is NUL-terminated.
    unsafe {
        let mut names: libc::utsname = std::mem::zeroed();
        if libc::uname(&mut names) != 0 {
            return String::new();
        }
        std::ffi::CStr::from_ptr(names.sysname.as_ptr()).to_string_lossy().into_owned()
    }
}

fn cstr(s: &str) -> CString {
    CString::new(s).expect("no NUL in mount arguments")
}

fn mount(source: &str, target: &str, fstype: &str, flags: libc::c_ulong, data: &str) -> Result<(), InitError> {
    std::fs::create_dir_all(target).map_err(io(format!("mkdir {target}")))?;
    let (source, target_c, fstype, data) = (cstr(source), cstr(target), cstr(fstype), cstr(data));
    // SAFETY: valid NUL-terminated strings that outlive the call.
    let rc = unsafe { libc::mount(source.as_ptr(), target_c.as_ptr(), fstype.as_ptr(), flags, data.as_ptr().cast()) };
    if rc != 0 {
        return Err(errno(format!("mount {target}")));
    }
    Ok(())
}

fn mount_9p(tag: &str, target: &str, read_only: bool) -> Result<(), InitError> {
    let flags = if read_only { libc::MS_RDONLY } else { 0 };
    mount(tag, target, "9p", flags, "trans=virtio,version=9p2000.L,msize=512000")
}

/// Kernel console on stdin/stdout/stderr: the kernel opens none for an init without /dev/console
/// in its initramfs.
fn attach_console() {
    let path = cstr("/dev/console");
    // SAFETY: plain fd juggling on a path we own.
    unsafe {
        let fd = libc::open(path.as_ptr(), libc::O_RDWR | libc::O_NOCTTY);
        if fd >= 0 {
            for target in 0..3 {
                libc::dup2(fd, target);
            }
            if fd > 2 {
                libc::close(fd);
            }
        }
    }
}

fn load_module(path: &Path) -> Result<(), InitError> {
    let file = std::fs::File::open(path).map_err(io(path.display().to_string()))?;
    let params = cstr("");
    // SAFETY: finit_module reads the open file and the empty parameter string.
    let rc =
        unsafe { libc::syscall(libc::SYS_finit_module, std::os::fd::AsRawFd::as_raw_fd(&file), params.as_ptr(), 0) };
    if rc != 0 && std::io::Error::last_os_error().raw_os_error() != Some(libc::EEXIST) {
        return Err(errno(format!("loading {}", path.display())));
    }
    Ok(())
}

fn load_modules() -> Result<(), InitError> {
    let Ok(list) = std::fs::read_to_string(MODULE_LIST) else { return Ok(()) };
    for line in list.lines().map(str::trim).filter(|l| !l.is_empty()) {
        load_module(Path::new(line))?;
    }
    Ok(())
}

/// The 9p tags the VM was given (one sysfs file per virtio 9p device).
fn mount_tags() -> Vec<String> {
    let mut tags = Vec::new();
    if let Ok(devices) = std::fs::read_dir("/sys/bus/virtio/drivers/9pnet_virtio") {
        for d in devices.flatten() {
            if let Ok(tag) = std::fs::read_to_string(d.path().join("mount_tag")) {
                tags.push(tag.trim_end_matches('\0').trim().to_string());
            }
        }
    }
    tags
}

/// `gevulot.<key>=<value>` from the kernel command line.
fn cmdline(key: &str) -> Option<String> {
    let line = std::fs::read_to_string("/proc/cmdline").ok()?;
    let prefix = format!("gevulot.{key}=");
    line.split_whitespace().find_map(|w| w.strip_prefix(&prefix).map(str::to_string))
}

fn parse_port(text: &str) -> Result<u16, InitError> {
    let parsed = match text.strip_prefix("0x") {
        Some(hex) => u16::from_str_radix(hex, 16),
        None => text.parse(),
    };
    parsed.map_err(|_| InitError::Cmdline(format!("gevulot.debug_exit={text}: not a port")))
}

/// The subset of Gevulot's v2 runtime config (gevulot-rs `RuntimeConfig`, version 1) that a single
/// process can honour.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct RuntimeConfig {
    /// The config's version (1).
    pub version: serde_yaml::Value,
    /// The program to run (this one: its arguments are the task's).
    pub command: Option<String>,
    /// The program's arguments.
    #[serde(default)]
    pub args: Vec<String>,
    /// Environment variables to set.
    #[serde(default)]
    pub env: Vec<EnvVar>,
    /// The working directory.
    pub working_dir: Option<String>,
    /// File systems to mount.
    #[serde(default)]
    pub mounts: Vec<MountSpec>,
    /// Whether the default mounts are wanted (they always are here).
    pub default_mounts: Option<bool>,
    /// Kernel modules to load.
    #[serde(default)]
    pub kernel_modules: Vec<String>,
    /// Where to report the exit status.
    pub debug_exit: Option<DebugExitSpec>,
    /// Commands to run first (refused: this VM runs one process).
    #[serde(default)]
    pub bootcmd: Vec<Vec<String>>,
    /// The next config of the chain.
    pub follow_config: Option<String>,
}

/// One environment variable.
#[derive(Debug, Deserialize)]
pub struct EnvVar {
    /// The name.
    pub key: String,
    /// The value.
    pub value: String,
}

/// One mount.
#[derive(Debug, Deserialize)]
pub struct MountSpec {
    /// What to mount (a 9p tag, a device).
    pub source: String,
    /// Where.
    pub target: String,
    /// The file system type [default: 9p].
    pub fstype: Option<String>,
    /// mount(2) flags.
    pub flags: Option<u64>,
    /// mount(2) data.
    pub data: Option<String>,
}

/// The debug-exit device a runtime config names.
#[derive(Debug, Deserialize)]
#[serde(tag = "arch")]
pub enum DebugExitSpec {
    /// QEMU's isa-debug-exit device.
    #[serde(rename = "x86")]
    X86 {
        /// Its I/O port.
        iobase: u16,
        /// Its width.
        iosize: u16,
        /// QEMU's exit status on success.
        #[serde(rename = "success-code")]
        success_code: u32,
    },
}

impl RuntimeConfig {
    /// Reads a runtime config, refusing what one process cannot honour.
    pub fn parse(text: &str) -> Result<RuntimeConfig, InitError> {
        let bad = InitError::RuntimeConfig;
        let config: RuntimeConfig = serde_yaml::from_str(text).map_err(|e| bad(e.to_string()))?;
        let version = match &config.version {
            serde_yaml::Value::Number(n) => n.to_string(),
            serde_yaml::Value::String(s) => s.clone(),
            other => return Err(bad(format!("version {other:?}"))),
        };
        if version.split('.').next() != Some("1") {
            return Err(bad(format!("version {version}: this VM reads version 1")));
        }
        if !config.bootcmd.is_empty() {
            return Err(bad("it asks for bootcmd: this VM runs one process and never executes commands".into()));
        }
        Ok(config)
    }
}

/// Applies a v2 runtime config chain; returns the task arguments and the debug exit it names.
fn apply_runtime_config(first: &str) -> Result<(Vec<String>, Option<DebugExit>), InitError> {
    let mut path = first.to_string();
    let (mut args, mut exit) = (Vec::new(), None);
    for _ in 0..8 {
        let text = std::fs::read_to_string(&path).map_err(io(path.clone()))?;
        let config = RuntimeConfig::parse(&text)?;
        for m in &config.mounts {
            let fstype = m.fstype.as_deref().unwrap_or("9p");
            mount(
                &m.source,
                &m.target,
                fstype,
                m.flags.unwrap_or(0) as libc::c_ulong,
                m.data.as_deref().unwrap_or(""),
            )?;
        }
        for var in &config.env {
            std::env::set_var(&var.key, &var.value);
        }
        if let Some(dir) = &config.working_dir {
            std::env::set_current_dir(dir).map_err(io(format!("working-dir {dir}")))?;
        }
        for module in &config.kernel_modules {
            load_module(&Path::new("/lib/modules").join(format!("{module}.ko")))?;
        }
        if let Some(DebugExitSpec::X86 { iobase, success_code, .. }) = config.debug_exit {
            exit = Some(DebugExit { port: iobase, success: success_code });
        }
        if let Some(command) = &config.command {
            // This image's one program is the command; its arguments are the task's.
            tracing::info!(%command, "runtime config command (run in this process)");
            args = config.args.clone();
        }
        match config.follow_config {
            Some(next) => path = next,
            None => return Ok((args, exit)),
        }
    }
    Err(InitError::RuntimeConfig("more than 8 configs in the follow-config chain".into()))
}

/// Brings the VM up and says which form of the task contract to speak.
pub fn boot() -> Result<Boot, InitError> {
    mount("devtmpfs", "/dev", "devtmpfs", 0, "")?;
    attach_console();
    mount("proc", "/proc", "proc", 0, "")?;
    mount("sysfs", "/sys", "sysfs", 0, "")?;
    load_modules()?;
    let mut debug_exit = match cmdline("debug_exit") {
        Some(port) => Some(DebugExit { port: parse_port(&port)?, success: 3 }),
        None => None,
    };
    let tags = mount_tags();
    let mode = match cmdline("mode") {
        Some(mode) => mode,
        None if tags.iter().any(|t| t == V2_TAGS[0].0) => "v2".into(),
        None => "v1".into(),
    };
    let mode = match mode.as_str() {
        "v1" | "v1-grpc" => {
            mount_9p(V1_WORKSPACE_TAG, WORKSPACE, false)?;
            if mode == "v1" {
                Mode::V1File { workspace: WORKSPACE.into(), wait_for_mount: false }
            } else {
                Mode::V1Grpc { workspace: WORKSPACE.into(), endpoint: grpc_v1::Endpoint::HOST_VSOCK }
            }
        }
        "v2" => {
            for (tag, target, read_only) in V2_TAGS {
                mount_9p(tag, target, read_only)?;
            }
            let (args, exit) = apply_runtime_config(V2_RT_CONFIG)?;
            debug_exit = exit.or(debug_exit);
            Mode::V2 { input: PathBuf::from(V2_INPUT), output: PathBuf::from(V2_OUTPUT), args }
        }
        other => return Err(InitError::Cmdline(format!("gevulot.mode={other}: expected v1, v1-grpc or v2"))),
    };
    // Read-only root: the task may write to its shares only. Checked, not assumed.
    mount("", "/", "", libc::MS_REMOUNT | libc::MS_RDONLY, "")?;
    match std::fs::File::create("/.write-probe") {
        Err(e) if e.raw_os_error() == Some(libc::EROFS) => {}
        other => return Err(InitError::WritableRoot(format!("{other:?}"))),
    }
    Ok(Boot { mode, debug_exit })
}

/// Ends the VM: flushes the shares and the console, reports the status through the debug exit
/// port if there is one, and powers off.
pub fn halt(success: bool, debug_exit: Option<DebugExit>) -> ! {
    // SAFETY: sync, tcdrain, ioperm, port output and reboot are the last things PID 1 does.
    unsafe {
        libc::sync();
        // The failure's reason was just written to the console (stderr): wait until the serial
        // line has sent it, or QEMU exits at the port write below with the end of it unsent (a
        // cold test run once lost a whole line that way). Not a terminal: returns at once.
        libc::tcdrain(libc::STDOUT_FILENO);
        libc::tcdrain(libc::STDERR_FILENO);
        if let Some(exit) = debug_exit {
            let value: u32 = if success { exit.success >> 1 } else { 0 };
            if libc::ioperm(exit.port as libc::c_ulong, 4, 1) == 0 {
                std::arch::asm!("out dx, al", in("dx") exit.port, in("al") value as u8, options(nomem, nostack));
            }
        }
        libc::reboot(libc::RB_POWER_OFF);
    }
    // reboot only returns on error; PID 1 must not exit.
    loop {
        std::thread::park();
    }
}
