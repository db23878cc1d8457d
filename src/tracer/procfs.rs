//! `--proc`: the stat family's owner of `/proc/PID`, `/proc/PID/task/TID`
//! and what is in them is the one fs/proc/base.c task_dump_owner gives the
//! virtual task (what ps and pgrep read first). An open of a traced task's
//! /proc status file (`/proc/PID/status`,
//! `/proc/PID/task/TID/status`, `/proc/self/…`, `/proc/thread-self/…`) is
//! answered with a read-only descriptor of a sealed memfd that holds the
//! kernel's text with the task's virtual credential lines
//! (shims::procfs::status), installed in the caller by the notification
//! (SECCOMP_IOCTL_NOTIF_ADDFD): what ps, pgrep, libcap-ng and health
//! checks read. Only absolute paths, only for reading, only where the
//! caller sees credshim's PID namespace; anything else goes to the kernel.

use super::tasks::TaskTable;
use super::tgid_of;
use crate::sys::mem::TraceeMem;
use crate::sys::fs::{same_ns, sealed};
use crate::sys::ptrace::Tid;
use credshim_shims::decode::Syscall;
use credshim_shims::table::Shim;
use std::os::fd::OwnedFd;

/// Is `shim` an open that `--proc` stops unconditionally?
pub fn is_open(shim: Shim) -> bool {
    matches!(shim, Shim::Open | Shim::Openat | Shim::Openat2)
}

/// The task whose status `path` names, for the caller `tid`.
fn target(tid: Tid, path: &str) -> Option<Tid> {
    let rest = path.strip_prefix("/proc/")?;
    let parts: Vec<&str> = rest.split('/').collect();
    let who = |s: &str| -> Option<Tid> {
        match s {
            "self" => tgid_of(tid),
            "thread-self" => Some(tid),
            n if n.bytes().all(|b| b.is_ascii_digit()) => n.parse().ok(),
            _ => None,
        }
    };
    match parts.as_slice() {
        [p, "status"] => who(p),
        [p, "task", t, "status"] if *p != "thread-self" => {
            let t: Tid = t.parse().ok()?;
            // The thread must belong to that process, as in the kernel.
            (tgid_of(t)? == who(p)?).then_some(t)
        }
        _ => None,
    }
}

/// The task a path under /proc belongs to, for the caller `tid`: the
/// process of `/proc/PID` (its leader) or the thread of
/// `/proc/PID/task/TID`; `/proc/self`, `/proc/thread-self` as the caller's.
/// None for /proc/PID/net (owned by the network namespace's root) and for
/// what is not a task's.
fn owner_task(tid: Tid, path: &str) -> Option<Tid> {
    let rest = path.strip_prefix("/proc/")?;
    let mut parts = rest.split('/').filter(|p| !p.is_empty() && *p != ".");
    let first = parts.next()?;
    let pid: Tid = match first {
        "self" => tgid_of(tid)?,
        "thread-self" => tid,
        n if n.bytes().all(|b| b.is_ascii_digit()) => n.parse().ok()?,
        _ => return None,
    };
    let mut task = pid;
    match (first, parts.next()) {
        (_, Some("net")) | (_, Some("..")) => return None,
        ("thread-self", _) => {}
        (_, Some("task")) => {
            if let Some(t) = parts.next() {
                let t: Tid = t.parse().ok()?;
                (tgid_of(t)? == pid).then_some(())?;
                task = t;
                if matches!(parts.next(), Some("net") | Some("..")) {
                    return None;
                }
            }
        }
        _ => {}
    }
    parts.all(|p| p != "..").then_some(task)
}

/// `/proc/self/…` and `/proc/thread-self/…` as the caller `tid` names
/// them, for credshim to resolve (its own /proc/self is credshim).
pub fn as_caller(tid: Tid, path: &[u8]) -> Option<Vec<u8>> {
    let (rest, thread) = if let Some(r) = path.strip_prefix(b"/proc/self") {
        (r, false)
    } else {
        (path.strip_prefix(b"/proc/thread-self")?, true)
    };
    if !(rest.is_empty() || rest.starts_with(b"/")) {
        return None;
    }
    let tgid = tgid_of(tid)?;
    let head = if thread { format!("/proc/{tgid}/task/{tid}") } else { format!("/proc/{tgid}") };
    Some([head.as_bytes(), rest].concat())
}

/// The traced task whose /proc entry `path` (as the caller `tid` wrote
/// it) names, if it is one: decided from the text and the task table
/// only, before any system call.
pub fn traced_entry(tid: Tid, path: &[u8], tasks: &TaskTable) -> Option<Tid> {
    if !path.starts_with(b"/proc/") {
        return None;
    }
    let task = owner_task(tid, std::str::from_utf8(path).ok()?)?;
    tasks.creds(task).is_some().then_some(task)
}

/// fs/proc/base.c task_dump_owner for the traced task `task`, for a stat
/// by `tid` whose kernel result is `real`: a directory of mode 0555
/// (`/proc/PID`, `/proc/PID/task/TID`) belongs to the task's effective
/// ids; anything else in it to them only while the task is dumpable, else
/// to the root of its user namespace. None: the stat ended elsewhere (a
/// link followed out of /proc), or the caller's /proc numbers tasks
/// otherwise than credshim's.
pub fn dump_owner(tid: Tid, task: Tid, real: &super::ownership::Inode, tasks: &TaskTable) -> Option<(u32, u32)> {
    const PROC_DIR: u32 = libc::S_IFDIR | 0o555;
    let c = tasks.creds(task)?;
    let procfs = std::fs::metadata(format!("/proc/{tid}/root/proc")).ok()?;
    if std::os::unix::fs::MetadataExt::dev(&procfs) != real.dev || !same_ns(tid, "pid") {
        return None;
    }
    if real.mode == PROC_DIR || c.dumpable == credshim_shims::cred::SUID_DUMP_USER {
        Some((c.euid.0, c.egid.0))
    } else {
        Some((0, 0))
    }
}

/// For an open by `tid`: the descriptor to give it (and whether it asked
/// for O_CLOEXEC), or None to let the kernel open the path.
pub fn open_call(tid: Tid, call: &Syscall, tasks: &TaskTable, mem: &mut TraceeMem) -> Option<(OwnedFd, bool)> {
    let (pathp, flags) = match *call {
        Syscall::Openat { path, flags, .. } => (path, flags),
        // struct open_how: flags is its first u64.
        Syscall::Openat2 { path, how, .. } => {
            let mut flags = [0u8; 8];
            credshim_shims::UserMem::read(mem, how, &mut flags).ok()?;
            (path, u64::from_ne_bytes(flags))
        }
        _ => return None,
    };
    let flags = flags as i32;
    if flags & libc::O_ACCMODE != libc::O_RDONLY || flags & (libc::O_CREAT | libc::O_DIRECTORY | libc::O_PATH) != 0 {
        return None;
    }
    let path = mem.read_cstr(pathp, 64).ok()?;
    let path = std::str::from_utf8(&path).ok()?;
    if !path.starts_with("/proc/") {
        return None;
    }
    // The caller's /proc must be credshim's PID namespace.
    if !same_ns(tid, "pid") {
        return None;
    }
    let t = target(tid, path)?;
    let creds = tasks.creds(t)?;
    let real = std::fs::read_to_string(format!("/proc/{t}/status")).ok()?;
    let fd = sealed(&credshim_shims::procfs::status(&real, creds))?;
    log::debug!("[pid {tid}] open({path:?}) = the virtual status of task {t}");
    Some((fd, flags & libc::O_CLOEXEC != 0))
}
