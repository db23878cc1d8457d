//! Whether a task resolves absolute paths as credshim does: the same root
//! directory in the same mount namespace. Then credshim looks up an
//! absolute path argument as it is, instead of through the task's
//! /proc/TID/root magic link, whose lookup (the pid's revalidation and a
//! ptrace access check) costs more than the rest of a stat: 3.9 µs
//! against 1.1 µs for a stat of a short path on the development VM.
//!
//! Known per task, once checked, until something may have changed it:
//! chroot, pivot_root, setns and unshare (all in the filter) change a
//! task's root or namespace, and with CLONE_FS the change is shared by
//! other tasks (every thread of a process), so any such call forgets every
//! answer, both when it is asked for and when its task makes its next call
//! (the kernel ran it in between; no answer is kept meanwhile). An exited
//! task's answer is forgotten before its tid can be reused.

use crate::sys::ptrace::Tid;
use credshim_shims::table::Shim;
use std::cell::RefCell;
use super::changing::Changing;
use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;

#[derive(Default)]
struct Roots {
    same: HashMap<Tid, bool>,
    /// Tasks in a call that may change roots or namespaces.
    changing: Changing,
    /// credshim's own root and mount namespace, (dev, ino) each.
    mine: Option<((u64, u64), (u64, u64))>,
}

thread_local! {
    static ROOTS: RefCell<Roots> = RefCell::new(Roots::default());
}

fn id_of(path: &str) -> Option<(u64, u64)> {
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// Does `tid` have credshim's root and mount namespace?
pub fn same_root(tid: Tid) -> bool {
    ROOTS.with(|r| {
        let mut r = r.borrow_mut();
        if let Some(&same) = r.same.get(&tid) {
            return same;
        }
        if r.mine.is_none() {
            r.mine = id_of("/").zip(id_of("/proc/self/ns/mnt"));
        }
        let theirs = id_of(&format!("/proc/{tid}/root")).zip(id_of(&format!("/proc/{tid}/ns/mnt")));
        let same = theirs.is_some() && theirs == r.mine;
        if !r.changing.any() {
            r.same.insert(tid, same);
        }
        same
    })
}

/// `tid` makes a call (`shim`, None for one outside the table) through any
/// channel: its previous call is over, and this one may change roots.
pub fn on_call(tid: Tid, shim: Option<Shim>) {
    let changes = matches!(shim, Some(Shim::Chroot | Shim::PivotRoot | Shim::Setns | Shim::Unshare));
    ROOTS.with(|r| {
        let mut r = r.borrow_mut();
        if r.changing.on_call(tid, changes) {
            r.same.clear();
        }
    })
}

/// `tid` is gone (or took another tid by an exec).
pub fn forget(tid: Tid) {
    ROOTS.with(|r| {
        let mut r = r.borrow_mut();
        r.same.remove(&tid);
        if r.changing.forget(tid) {
            r.same.clear();
        }
    })
}
