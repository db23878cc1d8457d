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
use crate::sys::ptrace::Tid;
use credshim_shims::world::{CallerFacts, Found, Inode, NsType, TaskFacts, World};
use credshim_shims::Kuid;
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

/// /proc/PID/status: the real and saved uid, as credshim's namespace shows them.
fn real_uids(pid: Tid) -> Option<(u32, u32)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find_map(|l| l.strip_prefix("Uid:"))?;
    let ids: Vec<u32> = line.split_whitespace().filter_map(|v| v.parse().ok()).collect();
    Some((*ids.first()?, *ids.get(2)?))
}

impl TraceeWorld<'_> {
    /// The caller's pid namespace is credshim's: the pids it names are the
    /// ones credshim's /proc and task table use.
    fn same_pid_ns(&self) -> bool {
        match (link(&format!("/proc/{}/ns/pid", self.tid)), link("/proc/self/ns/pid")) {
            (Some(a), Some(b)) => a == b,
            _ => false,
        }
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
        if !self.same_pid_ns() {
            return Found::Unknown;
        }
        if pid <= 0 || !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            return Found::NoSuch;
        }
        let (Some(tgid), Some(session)) = (tgid_of(pid), session_of(pid)) else { return Found::Unknown };
        let (uid, suid) = match self.tasks.creds(pid) {
            Some(c) => (c.uid, c.suid),
            None => {
                // An untraced task: in the container's user namespace its
                // ids as the namespace shows them; in any other, the check
                // of ns_capable(tcred->user_ns, CAP_KILL) is not credshim's.
                match (link(&format!("/proc/{pid}/ns/user")), link("/proc/self/ns/user")) {
                    (Some(a), Some(b)) if a == b => {}
                    _ => return Found::Unknown,
                }
                match real_uids(pid) {
                    Some((u, s)) => (Kuid(u), Kuid(s)),
                    None => return Found::Unknown,
                }
            }
        };
        Found::Yes(TaskFacts { tgid, uid, suid, session })
    }

    fn task_creds(&self, pid: i32) -> Found<(i32, credshim_shims::Creds)> {
        if !self.same_pid_ns() {
            return Found::Unknown;
        }
        if pid <= 0 || !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            return Found::NoSuch;
        }
        let Some(tgid) = tgid_of(pid) else { return Found::Unknown };
        if let Some(c) = self.tasks.creds(pid) {
            return Found::Yes((tgid, c.clone()));
        }
        match (link(&format!("/proc/{pid}/ns/user")), link("/proc/self/ns/user")) {
            (Some(a), Some(b)) if a == b => {}
            _ => return Found::Unknown,
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
