//! The tasks in a call that may change what a per-task cache holds (the
//! roots of root.rs, the kept directories of cwd.rs): such a cache is
//! dropped when the call starts and again when the task's next call shows
//! it over, and takes nothing new while any such call is in flight.

use crate::sys::ptrace::Tid;
use std::collections::HashSet;

#[derive(Default)]
pub struct Changing(HashSet<Tid>);

impl Changing {
    /// `tid` makes a call (its previous one is over); `changes`: this one
    /// may change what is cached. True: drop the cache.
    pub fn on_call(&mut self, tid: Tid, changes: bool) -> bool {
        if self.0.is_empty() && !changes {
            return false;
        }
        let drop = self.0.remove(&tid) || changes;
        if changes {
            self.0.insert(tid);
        }
        drop
    }

    /// `tid` is gone. True: it was in such a call; drop the cache.
    pub fn forget(&mut self, tid: Tid) -> bool {
        self.0.remove(&tid)
    }

    /// Is such a call in flight (cache nothing new)?
    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }
}
