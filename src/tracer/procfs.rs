//! `--proc`: an open of a traced task's /proc status file (`/proc/PID/status`,
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
use crate::sys::fs::sealed;
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
    let ns = |p: &str| std::fs::read_link(format!("/proc/{p}/ns/pid")).ok();
    if ns("self")? != ns(&tid.to_string())? {
        return None;
    }
    let t = target(tid, path)?;
    let creds = tasks.creds(t)?;
    let real = std::fs::read_to_string(format!("/proc/{t}/status")).ok()?;
    let fd = sealed(&credshim_shims::procfs::status(&real, creds))?;
    log::debug!("[pid {tid}] open({path:?}) = the virtual status of task {t}");
    Some((fd, flags & libc::O_CLOEXEC != 0))
}
