//! The tasks' working and root directories, kept open (O_PATH) so that a
//! path relative to one is looked up from it (`fstatat(cwd, path)`)
//! instead of through the task's /proc/TID/cwd (or /proc/TID/root) magic
//! link, whose lookup (the pid's revalidation and a ptrace access check)
//! costs more than the rest of a stat: 3.26 µs against 1.0 µs for a short
//! path on the development VM. (The root is for a task whose root is not
//! credshim's, `super::root`; the lookup from it is the one through
//! /proc/TID/root, with the same limits: `..` and absolute symlinks are
//! resolved against credshim's root.)
//!
//! A kept directory must be the task's whenever it is used, and must not
//! outlive it (an open directory keeps its mount busy: an umount the
//! payload makes would fail where it succeeds natively). A task's working
//! and root directories change only by its own chdir, fchdir, chroot,
//! setns or unshare (CLONE_NEWNS moves them to the new namespace's copy),
//! or another task's pivot_root (chroot_fs_refs), and with CLONE_FS a
//! change is shared by other tasks: any of those calls, and mount and
//! umount2 as well, drops every kept directory, both when it is asked for
//! and when its task makes its next call (the kernel ran it in between;
//! nothing is kept meanwhile). A notifying filter stops them all whenever
//! it stops the stat family (`seccomp::cwd_rule`: chdir and fchdir, and
//! unshare with CLONE_NEWNS, beside their own rows' rules), and so does
//! `--no-seccomp`; only `credshim COMMAND` in those modes turns the cache
//! on (`enable`): at seccomp stops they would cost more than it saves, and
//! under `oci hook` the runtime's filter decides what reaches credshim. An exited task's directory is dropped
//! before its tid can be reused (a traced task is reaped by credshim
//! first), and so is an exec's former tid's.
//!
//! At most `KEPT` directories are open (credshim's RLIMIT_NOFILE is 1024
//! soft): when full, the one used least recently is closed if it was not
//! used in the last `4 * KEPT` lookups; otherwise the new task's path goes
//! through /proc as before (many tasks taking turns do not thrash it).

use crate::sys::ptrace::Tid;
use credshim_shims::table::Shim;
use std::cell::RefCell;
use super::changing::Changing;
use std::collections::HashMap;
use std::os::fd::{FromRawFd, OwnedFd};
use std::rc::Rc;

const KEPT: usize = 128;

#[derive(Default)]
struct Cwds {
    on: bool,
    /// The task's working (false) or root (true) directory and the lookup
    /// count at its last use.
    kept: HashMap<(Tid, bool), (Rc<OwnedFd>, u64)>,
    /// Tasks in a call that may change working directories.
    changing: Changing,
    lookups: u64,
}

thread_local! {
    static CWDS: RefCell<Cwds> = RefCell::new(Cwds::default());
}

/// Whether the working directories are kept: only where every call that
/// changes one reaches credshim (`credshim COMMAND`'s own filter, with the
/// stat family in it).
pub fn enable(on: bool) {
    CWDS.with(|c| {
        let mut c = c.borrow_mut();
        c.on = on;
        c.kept.clear();
    })
}

/// `tid`'s working directory, open, when it can be kept; None: look the
/// path up through /proc/TID/cwd.
pub fn of(tid: Tid) -> Option<Rc<OwnedFd>> {
    kept(tid, false)
}

/// `tid`'s root directory, as `of`; None: through /proc/TID/root.
pub fn root_of(tid: Tid) -> Option<Rc<OwnedFd>> {
    kept(tid, true)
}

fn kept(tid: Tid, root: bool) -> Option<Rc<OwnedFd>> {
    CWDS.with(|c| {
        let mut c = c.borrow_mut();
        if !c.on {
            return None;
        }
        c.lookups += 1;
        let now = c.lookups;
        if let Some(e) = c.kept.get_mut(&(tid, root)) {
            e.1 = now;
            return Some(e.0.clone());
        }
        if c.changing.any() {
            return None;
        }
        if c.kept.len() >= KEPT {
            let (&idle, &(_, last)) = c.kept.iter().min_by_key(|(_, e)| e.1)?;
            if now - last < 4 * KEPT as u64 {
                return None;
            }
            c.kept.remove(&idle);
        }
        let path = std::ffi::CString::new(format!("/proc/{tid}/{}", if root { "root" } else { "cwd" })).ok()?;
        // SAFETY: open returns a new fd we own, or -1.
        let fd = unsafe { libc::open(path.as_ptr(), libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC) };
        if fd < 0 {
            return None;
        }
        let fd = Rc::new(unsafe { OwnedFd::from_raw_fd(fd) });
        c.kept.insert((tid, root), (fd.clone(), now));
        Some(fd)
    })
}

/// `tid` makes a call (`shim`, None for one outside the table) through any
/// channel: its previous call is over, and this one may change working
/// directories.
pub fn on_call(tid: Tid, shim: Option<Shim>) {
    let changes = matches!(
        shim,
        Some(Shim::Chdir | Shim::Fchdir | Shim::Chroot | Shim::PivotRoot | Shim::Setns | Shim::Unshare | Shim::Mount | Shim::Umount2)
    );
    CWDS.with(|c| {
        let mut c = c.borrow_mut();
        if c.changing.on_call(tid, changes) {
            c.kept.clear();
        }
    })
}

/// `tid` is gone (or took another tid by an exec).
pub fn forget(tid: Tid) {
    CWDS.with(|c| {
        let mut c = c.borrow_mut();
        c.kept.remove(&(tid, false));
        c.kept.remove(&(tid, true));
        if c.changing.forget(tid) {
            c.kept.clear();
        }
    })
}
