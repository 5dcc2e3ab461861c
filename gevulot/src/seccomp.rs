//! Forbids creating processes: fork, vfork, clone without CLONE_THREAD, execve and execveat fail
//! with EPERM, clone3 with ENOSYS (so that libc falls back to clone, which is then judged by its
//! flags). Threads (clone with CLONE_THREAD: rayon, tokio) keep working. Installed for every
//! thread of the process (TSYNC), before any work starts; it cannot be lifted afterwards.

use std::collections::BTreeMap;

use seccompiler::{
    apply_filter_all_threads, BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition,
    SeccompFilter, SeccompRule, TargetArch,
};

/// The ban could not be installed.
#[derive(Debug, thiserror::Error)]
#[error("cannot install the fork/exec ban: {0}")]
pub struct SeccompError(String);

fn arch() -> Result<TargetArch, SeccompError> {
    TargetArch::try_from(std::env::consts::ARCH).map_err(|e| SeccompError(e.to_string()))
}

fn compile(rules: BTreeMap<i64, Vec<SeccompRule>>, errno: i32) -> Result<BpfProgram, SeccompError> {
    let filter = SeccompFilter::new(rules, SeccompAction::Allow, SeccompAction::Errno(errno as u32), arch()?)
        .map_err(|e| SeccompError(e.to_string()))?;
    filter.try_into().map_err(|e: seccompiler::BackendError| SeccompError(e.to_string()))
}

/// Installs the ban on this process and every thread it starts from now on.
pub fn forbid_fork_and_exec() -> Result<(), SeccompError> {
    let process_clone = SeccompRule::new(vec![SeccompCondition::new(
        0,
        SeccompCmpArgLen::Qword,
        SeccompCmpOp::MaskedEq(libc::CLONE_THREAD as u64),
        0,
    )
    .map_err(|e| SeccompError(e.to_string()))?])
    .map_err(|e| SeccompError(e.to_string()))?;
    let mut eperm = BTreeMap::new();
    for syscall in [libc::SYS_fork, libc::SYS_vfork, libc::SYS_execve, libc::SYS_execveat] {
        eperm.insert(syscall, vec![]);
    }
    eperm.insert(libc::SYS_clone, vec![process_clone]);
    let enosys = BTreeMap::from([(libc::SYS_clone3, vec![])]);

    for program in [compile(eperm, libc::EPERM)?, compile(enosys, libc::ENOSYS)?] {
        apply_filter_all_threads(&program).map_err(|e| SeccompError(e.to_string()))?;
    }
    Ok(())
}

fn status_field(name: &str) -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|l| l.strip_prefix(name)?.strip_prefix(':')?.trim().parse().ok())
}

/// Whether this process runs under a seccomp filter (the `Seccomp:` line of /proc/self/status).
pub fn filtered() -> bool {
    status_field("Seccomp") == Some(2)
}

/// How many seccomp filters this process has (`Seccomp_filters:`, Linux 5.9 on); a container
/// runtime may have installed some before ours.
pub fn filter_count() -> Option<u32> {
    status_field("Seccomp_filters")
}
