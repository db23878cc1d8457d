//! The facts the capability checks of the `Privilege` rows need
//! (shims/src/world.rs), read from the kernel as credshim sees it: a traced
//! task's virtual credentials from the task table, any other task's real
//! ones from /proc/PID/status in credshim's namespaces, files by the task's
//! own root and cwd with their virtual owners, descriptors by their
//! /proc/PID/fd link. Anything credshim cannot tell is unknown, and the
//! kernel decides.

use super::ownership::{self, Inode as RealInode, Owners};
use super::tasks::TaskTable;
use super::tgid_of;
use crate::sys::fs::same_ns;
use crate::sys::ptrace::Tid;
use credshim_shims::world::{CallerFacts, Found, Inode, NsType, TaskFacts, World};
use std::os::unix::ffi::OsStrExt;

/// How many threads of a task are counted at most (thread_group_empty
/// needs to know only whether there is a second one).
const THREAD_SCAN: usize = 2;

pub struct TraceeWorld<'a> {
    pub tid: Tid,
    pub tasks: &'a TaskTable,
    pub owners: &'a Owners,
}

fn link(path: &str) -> Option<Vec<u8>> {
    std::fs::read_link(path).ok().map(|p| p.as_os_str().as_bytes().to_vec())
}

fn session_of(pid: Tid) -> Option<i32> {
    // SAFETY: getsid takes a pid and reads nothing of ours.
    let s = unsafe { libc::getsid(pid) };
    (s >= 0).then_some(s)
}

impl TraceeWorld<'_> {
    /// find_task_by_vpid's answer for `pid`, as its thread group id: only
    /// where the caller's pid namespace is credshim's (the pids it names
    /// are the ones credshim's /proc and task table use).
    fn find(&self, pid: i32) -> Found<Tid> {
        if !same_ns(self.tid, "pid") {
            return Found::Unknown;
        }
        if pid <= 0 || !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            return Found::NoSuch;
        }
        tgid_of(pid).map_or(Found::Unknown, Found::Yes)
    }
}

impl World for TraceeWorld<'_> {
    fn caller(&self) -> CallerFacts {
        let threads = std::fs::read_dir(format!("/proc/{}/task", self.tid))
            .map(|d| d.take(THREAD_SCAN).count())
            .unwrap_or(1);
        CallerFacts {
            tid: self.tid,
            tgid: tgid_of(self.tid).unwrap_or(self.tid),
            session: session_of(self.tid).unwrap_or(-1),
            thread_group_empty: threads <= 1,
        }
    }

    fn task(&self, pid: i32) -> Found<TaskFacts> {
        let (tgid, c) = match self.task_creds(pid) {
            Found::Yes(v) => v,
            Found::NoSuch => return Found::NoSuch,
            Found::Unknown => return Found::Unknown,
        };
        let Some(session) = session_of(pid) else { return Found::Unknown };
        Found::Yes(TaskFacts { tgid, uid: c.uid, suid: c.suid, session })
    }

    fn task_creds(&self, pid: i32) -> Found<(i32, credshim_shims::Creds)> {
        let tgid = match self.find(pid) {
            Found::Yes(t) => t,
            Found::NoSuch => return Found::NoSuch,
            Found::Unknown => return Found::Unknown,
        };
        if let Some(c) = self.tasks.creds(pid) {
            return Found::Yes((tgid, c.clone()));
        }
        // An untraced task: in the container's user namespace its ids as
        // the namespace shows them; in any other, the checks of
        // ns_capable(tcred->user_ns, …) are not credshim's.
        if !same_ns(pid, "user") {
            return Found::Unknown;
        }
        let Some(mut c) = crate::sys::creds::of_task(pid) else { return Found::Unknown };
        // An untraced task's dumpable flag, as task_dump_owner shows it:
        // its status file belongs to root while it is not dumpable.
        if let Ok(md) = std::fs::metadata(format!("/proc/{pid}/status")) {
            use std::os::unix::fs::MetadataExt;
            if c.euid.0 != 0 && md.uid() != c.euid.0 {
                c.dumpable = credshim_shims::cred::SUID_DUMP_DISABLE;
            }
        }
        Found::Yes((tgid, c))
    }

    fn lookup(&self, path: &[u8], follow: bool) -> Option<Inode> {
        let full = ownership::task_path(self.tid, libc::AT_FDCWD, path, 0);
        let md = if follow { std::fs::metadata(&full) } else { std::fs::symlink_metadata(&full) }.ok()?;
        let real = RealInode::from(&md);
        let (uid, gid) = self.owners.get(&full, &real, follow).unwrap_or((real.uid, real.gid));
        Some(Inode { mode: real.mode, uid, gid })
    }

    fn suid_dumpable(&self) -> u8 {
        crate::sys::creds::suid_dumpable()
    }
    fn pidfd_pid(&self, fd: i32) -> Option<i32> {
        // fs/pidfs.c pidfd_show_fdinfo: "Pid:" in the namespace of the
        // /proc read (credshim's), -1 once the process is gone, 0 outside.
        let info = std::fs::read_to_string(format!("/proc/{}/fdinfo/{fd}", self.tid)).ok()?;
        let pid: i32 = info.lines().find_map(|l| l.strip_prefix("Pid:"))?.trim().parse().ok()?;
        (fd >= 0 && pid > 0).then_some(pid)
    }

    fn ns_file(&self, fd: i32) -> Option<NsType> {
        if fd < 0 {
            return None;
        }
        let target = link(&format!("/proc/{}/fd/{fd}", self.tid))?;
        let text = String::from_utf8_lossy(&target);
        let (name, rest) = text.split_once(':')?;
        rest.starts_with('[').then_some(())?;
        NsType::from_proc_name(name)
    }
}
