//! The traced tasks, keyed by tid, and the tids that stopped before the
//! event that names them (DESIGN.md lesson 2).

use super::decision::Commit;
use crate::sys::ptrace::Tid;
use credshim_shims::Creds;
use std::collections::{HashMap, HashSet};

pub struct Task {
    pub creds: Creds,
    /// Resumed at least once (a new auto-attached task's first stop is its
    /// PTRACE_EVENT_STOP, which must not be taken for a group-stop).
    pub started: bool,
    /// `--no-seccomp`: the value to put in the return register at the
    /// syscall-exit stop of a call skipped at its entry, and what to commit
    /// once it is there.
    pub pending: Option<(i64, Option<Commit>)>,
    /// Its credentials were changed by an emulated call (they may differ
    /// from the kernel's); inherited across fork. Attached trees use it.
    pub emulated: bool,
    /// `--proc` through seccomp stops: an open redirected to credshim's
    /// descriptor of the virtual status text. At the call's syscall-exit
    /// stop the argument register (offset, value) is put back and the
    /// descriptor closed.
    pub restore: Option<(usize, u64, std::os::fd::OwnedFd)>,
}

#[derive(Default)]
pub struct TaskTable {
    tasks: HashMap<Tid, Task>,
    parked: HashSet<Tid>,
}

impl TaskTable {
    pub fn insert(&mut self, tid: Tid, creds: Creds, started: bool) {
        self.tasks.insert(tid, Task { creds, started, pending: None, emulated: false, restore: None });
    }
    pub fn get_mut(&mut self, tid: Tid) -> Option<&mut Task> {
        self.tasks.get_mut(&tid)
    }
    pub fn contains(&self, tid: Tid) -> bool {
        self.tasks.contains_key(&tid)
    }
    pub fn creds(&self, tid: Tid) -> Option<&Creds> {
        self.tasks.get(&tid).map(|t| &t.creds)
    }
    pub fn set_creds(&mut self, tid: Tid, creds: Creds) {
        if let Some(t) = self.tasks.get_mut(&tid) {
            t.creds = creds;
        }
    }
    /// An emulated call gave `tid` new credentials. The dumpable flag is
    /// its process's (the mm's): a change reaches every thread.
    pub fn commit(&mut self, tid: Tid, creds: Creds) {
        let Some(t) = self.tasks.get_mut(&tid) else { return };
        let dumpable = (t.creds.dumpable != creds.dumpable).then_some(creds.dumpable);
        t.creds = creds;
        t.emulated = true;
        if let Some(d) = dumpable {
            for other in super::threads_of(tid) {
                if let Some(o) = self.tasks.get_mut(&other) {
                    o.creds.dumpable = d;
                }
            }
        }
    }
    pub fn emulated(&self, tid: Tid) -> bool {
        self.tasks.get(&tid).is_some_and(|t| t.emulated)
    }
    pub fn remove(&mut self, tid: Tid) {
        self.tasks.remove(&tid);
        self.parked.remove(&tid);
    }
    /// A stop from a tid no event has named yet.
    pub fn park(&mut self, tid: Tid) {
        self.parked.insert(tid);
    }
    /// Takes `tid` out of the parked set; true if it was there.
    pub fn unpark(&mut self, tid: Tid) -> bool {
        self.parked.remove(&tid)
    }
    /// exec by a non-leader thread: it takes the leader's tid (lesson 7).
    pub fn rekey_on_exec(&mut self, former: Tid, tid: Tid) {
        if former != tid {
            if let Some(t) = self.tasks.remove(&former) {
                self.tasks.insert(tid, t);
            }
        }
    }
    pub fn tids(&self) -> impl Iterator<Item = Tid> + '_ {
        self.tasks.keys().copied()
    }
    pub fn len(&self) -> usize {
        self.tasks.len()
    }
}
