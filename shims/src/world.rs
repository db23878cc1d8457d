//! What the capability checks of calls that are not credential calls need
//! to know besides the caller's credentials: the task a signal goes to,
//! the file a path names, the namespace a descriptor stands for. The
//! tracer reads these from the kernel; the oracle's interpreter from the
//! fixed world of its scripts.
//!
//! Where credshim cannot tell (a task in another pid or user namespace, a
//! path it cannot resolve as the caller would), the answer is "unknown"
//! and the check lets the kernel run the call: the kernel then gives its
//! own answer (ENOENT, ESRCH, …), which is never less strict than the
//! real task's own, the container's root.

use crate::id::Kuid;

/// A task as kernel/signal.c's checks see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskFacts {
    /// task_tgid_vnr: its thread group (process) id.
    pub tgid: i32,
    /// tcred->uid and tcred->suid: the real and saved uid (virtual for a
    /// traced task, as the caller's namespace shows them for another).
    pub uid: Kuid,
    pub suid: Kuid,
    /// task_session: its session id.
    pub session: i32,
}

/// The result of a lookup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Found<T> {
    Yes(T),
    /// There is no such task (find_task_by_vpid gives NULL).
    NoSuch,
    /// credshim cannot tell: let the kernel answer.
    Unknown,
}

/// The caller as the checks see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallerFacts {
    /// task_pid_vnr(current): the calling thread's id.
    pub tid: i32,
    pub tgid: i32,
    pub session: i32,
    /// thread_group_empty(current): no other thread in its process.
    pub thread_group_empty: bool,
}

/// An inode a path names, with the owner the caller sees (the virtual
/// owner where credshim records one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Inode {
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
}

/// The namespace types (CLONE_NEW* values, as setns(2) takes them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NsType {
    Mnt,
    Uts,
    Ipc,
    User,
    Pid,
    Net,
    Cgroup,
    Time,
}

impl NsType {
    pub const fn clone_flag(self) -> u64 {
        match self {
            NsType::Mnt => 0x0002_0000,
            NsType::Uts => 0x0400_0000,
            NsType::Ipc => 0x0800_0000,
            NsType::User => 0x1000_0000,
            NsType::Pid => 0x2000_0000,
            NsType::Net => 0x4000_0000,
            NsType::Cgroup => 0x0200_0000,
            NsType::Time => 0x0000_0080,
        }
    }

    /// The name in /proc/PID/ns (`mnt`, `uts`, …) and in the link's text.
    pub fn from_proc_name(name: &str) -> Option<NsType> {
        Some(match name {
            "mnt" => NsType::Mnt,
            "uts" => NsType::Uts,
            "ipc" => NsType::Ipc,
            "user" => NsType::User,
            "pid" => NsType::Pid,
            "net" => NsType::Net,
            "cgroup" => NsType::Cgroup,
            "time" => NsType::Time,
            _ => return None,
        })
    }
}

/// The facts, asked for only when a check needs them.
pub trait World {
    fn caller(&self) -> CallerFacts;
    /// find_task_by_vpid(pid) in the caller's pid namespace.
    fn task(&self, pid: i32) -> Found<TaskFacts>;
    /// The same task's thread group id and whole credentials (with its
    /// process's dumpable flag), for ptrace's access check; Unknown also
    /// for a task in another user namespace.
    fn task_creds(&self, pid: i32) -> Found<(i32, crate::cred::Creds)>;
    /// user_path_at(AT_FDCWD, path, LOOKUP_FOLLOW if `follow`) as the
    /// caller would resolve it; None when credshim cannot tell or there is
    /// no such file (the kernel then says which error).
    fn lookup(&self, path: &[u8], follow: bool) -> Option<Inode>;
    /// The namespace the caller's descriptor `fd` is a /proc/PID/ns file
    /// of; None for any other descriptor (or none at all).
    fn ns_file(&self, fd: i32) -> Option<NsType>;
    /// The fs.suid_dumpable sysctl (/proc/sys/fs/suid_dumpable): what
    /// commit_creds and exec set the dumpable flag to.
    fn suid_dumpable(&self) -> u8;
    /// The process the caller's pidfd `fd` refers to, as `task` takes it
    /// (the `Pid:` line of its fdinfo); None for any other descriptor, a
    /// process that is gone, or when credshim cannot tell.
    fn pidfd_pid(&self, _fd: i32) -> Option<i32> {
        None
    }
}

/// A world that knows nothing: every check lets the kernel decide.
pub struct Unknowing {
    pub caller: CallerFacts,
}

impl World for Unknowing {
    fn caller(&self) -> CallerFacts {
        self.caller
    }
    fn task(&self, _pid: i32) -> Found<TaskFacts> {
        Found::Unknown
    }
    fn task_creds(&self, _pid: i32) -> Found<(i32, crate::cred::Creds)> {
        Found::Unknown
    }
    fn lookup(&self, _path: &[u8], _follow: bool) -> Option<Inode> {
        None
    }
    fn ns_file(&self, _fd: i32) -> Option<NsType> {
        None
    }
    fn suid_dumpable(&self) -> u8 {
        crate::cred::SUID_DUMP_DISABLE
    }
}

/// The fs.suid_dumpable sysctl's text (0, 1 or 2), as the kernel's
/// proc_dointvec_minmax prints it; 0 for anything else.
pub fn parse_suid_dumpable(text: &str) -> u8 {
    match text.trim() {
        "1" => 1,
        "2" => 2,
        _ => 0,
    }
}

/// What a capability check decides: `Ok(())` lets the kernel run the call
/// (the check it mirrors passes, or credshim cannot tell); `Err` is the
/// kernel's answer for a task with the caller's virtual credentials.
pub type Check = Result<(), crate::errno::Errno>;
