//! The fork/exec ban, in a process of its own (harness = false): once installed it holds for every
//! thread of the process, so it must not share a process with other tests.

use std::{process::Command, sync::atomic::AtomicUsize};

use rayon::prelude::*;

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

fn main() {
    let filters_before = gevulot::seccomp::filter_count();
    let before = Command::new("true").status().expect("spawning works before the ban");
    assert!(before.success());

    gevulot::seccomp::forbid_fork_and_exec().expect("installing the ban");
    assert!(gevulot::seccomp::filtered(), "/proc/self/status says Seccomp: 2");
    if let (Some(before), Some(after)) = (filters_before, gevulot::seccomp::filter_count()) {
        assert_eq!(after, before + 2, "our two filters are installed");
    }

    // SAFETY: fork is refused by the filter, so no child exists; if it were not, the child exits.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        unsafe { libc::_exit(0) };
    }
    assert_eq!((pid, errno()), (-1, libc::EPERM), "fork");

    // SAFETY: a raw vfork that the filter refuses; a child would _exit at once.
    let pid = unsafe { libc::syscall(libc::SYS_vfork) };
    if pid == 0 {
        unsafe { libc::_exit(0) };
    }
    assert_eq!((pid, errno()), (-1, libc::EPERM), "vfork");

    // clone without CLONE_THREAD is a new process: refused. clone3 is refused outright (ENOSYS, so
    // that libc falls back to clone, where the flags are judged).
    let pid = unsafe { libc::syscall(libc::SYS_clone, libc::SIGCHLD as libc::c_ulong, 0usize, 0usize, 0usize, 0usize) };
    if pid == 0 {
        unsafe { libc::_exit(0) };
    }
    assert_eq!((pid, errno()), (-1, libc::EPERM), "clone for a process");
    let rc = unsafe { libc::syscall(libc::SYS_clone3, std::ptr::null::<u8>(), 0usize) };
    assert_eq!((rc, errno()), (-1, libc::ENOSYS), "clone3");

    let path = c"/bin/true";
    let argv = [path.as_ptr(), std::ptr::null()];
    let envp = [std::ptr::null()];
    // SAFETY: valid argv/envp; refused by the filter.
    let rc = unsafe { libc::execve(path.as_ptr(), argv.as_ptr(), envp.as_ptr()) };
    assert_eq!((rc, errno()), (-1, libc::EPERM), "execve");

    let spawned = Command::new("true").status();
    assert!(spawned.is_err(), "std::process::Command cannot start a process: {spawned:?}");
    let shell = Command::new("/bin/sh").args(["-c", "echo escaped"]).output();
    assert!(shell.is_err(), "no shell outs: {shell:?}");

    // Threads keep working: a fresh rayon pool, std threads, and the global pool.
    let pool = rayon::ThreadPoolBuilder::new().num_threads(4).build().expect("rayon pool under seccomp");
    let sum: u64 = pool.install(|| (1..=1_000_000u64).into_par_iter().sum());
    assert_eq!(sum, 500_000_500_000);
    let seen = AtomicUsize::new(0);
    pool.install(|| {
        (0..64).into_par_iter().for_each(|_| {
            seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        })
    });
    assert_eq!(seen.into_inner(), 64);
    let joined = std::thread::spawn(|| 6 * 7).join().expect("std thread under seccomp");
    assert_eq!(joined, 42);
    let global: u64 = (0..1000u64).into_par_iter().map(|x| x * 2).sum();
    assert_eq!(global, 999_000);

    println!("seccomp: fork, vfork, clone (process), clone3, execve, Command and sh refused; rayon and threads work");
}
