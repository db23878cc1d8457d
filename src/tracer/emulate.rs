//! The one emulation entry point (DESIGN.md "The emulation path"): a call
//! as decoded from any channel (a user notification, a seccomp stop, a
//! syscall-enter stop) goes in, a `Decision` comes out: the value the caller
//! must see (or "let the kernel run it") and what to commit. `emulate`
//! decides only; the channel delivers the answer and calls `commit` once
//! the answer reached the task, as the kernel's commit_creds happens only
//! for a call that succeeded. A call a signal interrupted before its answer
//! arrived did not happen: restarted, it runs against the old state.

use super::ownership::{self, Owners, Pending, Record, Store};
use super::tasks::TaskTable;
use crate::execfile;
use crate::mem::{Strategy, TraceeMem};
use crate::ptrace::Tid;
use credshim_shims::capability::{CapTriple, Caller};
use credshim_shims::exec::{exec_creds, may_exec};
use credshim_shims::table::{dispatch, Abi, Class, Outcome, Row, Shim, X32_SYSCALL_BIT};
use credshim_shims::{Creds, Errno};

/// What becomes true once a call's answer was delivered.
pub enum Commit {
    /// The task's new credentials (a set*id, setgroups, capset, prctl).
    Creds(Creds),
    /// A chown's new virtual owner.
    Owner(Record),
    /// A file the kernel creates, to get its virtual owner.
    Created(Pending),
}

/// What `emulate` decided for one call.
pub struct Decision {
    /// Some(value or -errno): skip the call and return this; None: the
    /// kernel runs it.
    pub answer: Option<i64>,
    pub commit: Option<Commit>,
    /// A descriptor to install in the caller as the call's result (and
    /// whether with O_CLOEXEC): the notification channel only (`--proc`).
    pub file: Option<(std::os::fd::OwnedFd, bool)>,
}

impl Decision {
    pub const NATIVE: Decision = Decision { answer: None, commit: None, file: None };

    pub fn answer(ret: i64) -> Decision {
        Decision { answer: Some(ret), commit: None, file: None }
    }

    fn from_answer(answer: Option<i64>) -> Decision {
        Decision { answer, commit: None, file: None }
    }
}

/// Applies what a delivered answer (or a call handed to the kernel)
/// commits. The only place an emulated call changes the task table or the
/// ownership store.
pub fn commit(tasks: &mut TaskTable, owners: &mut Owners, tid: Tid, commit: Option<Commit>) {
    match commit {
        None => {}
        Some(Commit::Creds(c)) => tasks.commit(tid, c),
        Some(Commit::Owner(r)) => owners.record(tid, r),
        Some(Commit::Created(p)) => owners.note(p),
    }
}

/// A system call as the kernel reports it, before it runs.
#[derive(Clone, Copy, Debug)]
pub struct Call {
    pub arch: u32,
    pub nr: u64,
    pub args: [u64; 6],
}

fn arity(shim: Shim) -> usize {
    match shim {
        Shim::Getuid | Shim::Geteuid | Shim::Getgid | Shim::Getegid => 0,
        Shim::Setuid | Shim::Setgid | Shim::Setfsuid | Shim::Setfsgid => 1,
        Shim::Setreuid | Shim::Setregid | Shim::Getgroups | Shim::Setgroups | Shim::Capget | Shim::Capset => 2,
        Shim::Setresuid | Shim::Setresgid | Shim::Getresuid | Shim::Getresgid | Shim::Execve => 3,
        Shim::Prctl | Shim::Execveat | Shim::Fchownat => 5,
        Shim::Chown | Shim::Lchown | Shim::Fchown => 3,
        Shim::Stat | Shim::Lstat | Shim::Fstat => 2,
        Shim::Newfstatat => 4,
        Shim::Statx => 5,
        Shim::Open | Shim::Mknod | Shim::Mkdirat | Shim::Symlinkat => 3,
        Shim::Openat | Shim::Openat2 | Shim::Mknodat => 4,
        Shim::Creat | Shim::Mkdir | Shim::Symlink => 2,
        Shim::Getxattr | Shim::Lgetxattr | Shim::Fgetxattr => 4,
        Shim::Setxattr | Shim::Lsetxattr | Shim::Fsetxattr => 5,
        Shim::Listxattr | Shim::Llistxattr | Shim::Flistxattr => 3,
        Shim::Removexattr | Shim::Lremovexattr | Shim::Fremovexattr => 2,
        Shim::Rename | Shim::Link => 2,
        Shim::Getsockopt => 5,
        Shim::Renameat | Shim::Linkat => 4,
        Shim::Renameat2 => 5,
        Shim::Kill | Shim::Tkill | Shim::Setns | Shim::PivotRoot | Shim::Umount2 | Shim::Sethostname | Shim::Setdomainname => 2,
        Shim::Tgkill | Shim::RtSigqueueinfo | Shim::Seccomp => 3,
        Shim::RtTgsigqueueinfo => 4,
        Shim::Chroot | Shim::Unshare => 1,
        Shim::Mount => 5,
    }
}

/// Whether an open may create a file (O_CREAT or O_TMPFILE), as the
/// filter's rule for open rows says when it is not `--proc`.
fn may_create(shim: Shim, args: &[u64; 6], mem: &mut TraceeMem) -> bool {
    let flags = match shim.open_flags_arg() {
        Some(i) => args[i],
        None => {
            let mut how = [0u8; 8];
            if credshim_shims::UserMem::read(mem, args[2], &mut how).is_err() {
                return true;
            }
            u64::from_ne_bytes(how)
        }
    };
    flags as u32 & crate::seccomp::O_CREATING != 0
}

fn shown(row: &Row, args: &[u64; 6]) -> String {
    let a: Vec<String> = args[..arity(row.shim)].iter().map(|x| format!("{}", *x as i64)).collect();
    format!("{}({})", row.name, a.join(", "))
}

/// Decides `call` made by task `tid`: the answer it gets and what to
/// commit once that answer was delivered. Changes nothing in `tasks`;
/// `owners` only settles what earlier calls created. `proc_fds`: opens of
/// /proc status files may be answered with a descriptor (`--proc`, with a
/// channel that can install one).
pub fn emulate(tasks: &TaskTable, owners: &mut Owners, tid: Tid, call: Call, strategy: Strategy, proc_fds: bool) -> Decision {
    let Some(abi) = Abi::from_audit_arch(call.arch) else {
        log::warn!("[pid {tid}] system call {} of unknown architecture {:#x} refused", call.nr, call.arch);
        return Decision::answer(Errno::ENOSYS.ret());
    };
    if abi == Abi::X86_64 && call.nr & X32_SYSCALL_BIT != 0 {
        let plain = call.nr & !X32_SYSCALL_BIT;
        return Decision::from_answer(Abi::X86_64.lookup(plain).filter(|r| !matches!(r.shim, Shim::Execve | Shim::Execveat)).map(|r| {
            log::warn!("[pid {tid}] x32 {} refused: credshim does not emulate the x32 ABI", r.name);
            Errno::ENOSYS.ret()
        }));
    }
    let Some(row) = abi.lookup(call.nr) else { return Decision::NATIVE };
    let Some(creds) = tasks.creds(tid) else {
        // Every traced task is in the table before it runs (its clone event
        // comes first, lesson 2), so this is a task credshim does not know
        // the credentials of. Letting the kernel run the call would answer
        // from the namespace's real ids (root) and set nothing credshim
        // could see later: refuse it, as an unsupported row is (STYLE.md
        // rule 5), so the program fails where it asked instead of going on
        // with credentials nobody models.
        log::warn!("[pid {tid}] {} from a task credshim does not know: refused with ENOSYS", row.name);
        return Decision::answer(Errno::ENOSYS.ret());
    };
    // The task's previous call is over: what it created has its inode.
    owners.settle(tid);
    if super::procfs::is_open(row.shim) && proc_fds {
        let mut mem = TraceeMem::new(tid, strategy);
        if let Some(file) = super::procfs::open_call(tid, row.shim, &call.args, tasks, &mut mem) {
            return Decision { answer: None, commit: None, file: Some(file) };
        }
        // --proc stops every open; only those that may create matter to
        // the ownership store, when it is on.
        if owners.store() == Store::Off || !may_create(row.shim, &call.args, &mut mem) {
            return Decision::NATIVE;
        }
    }
    if row.shim.is_ownership() {
        let mut mem = TraceeMem::new(tid, strategy);
        let args = &call.args;
        let d = match row.shim.class() {
            Class::Stat => Decision::from_answer(ownership::stat_call(tid, abi, row.shim, args, &mut mem, owners)),
            Class::Create => match ownership::create_call(tid, row.shim, args, &creds, &mut mem, owners) {
                Some(p) => Decision { answer: None, commit: Some(Commit::Created(p)), file: None },
                None => Decision::NATIVE,
            },
            Class::Xattr => Decision::from_answer(ownership::xattr_call(tid, row.shim, args, &mut mem, owners)),
            _ => {
                owners.settle_all();
                ownership::chown_call(tid, row.shim, row.width, args, &creds, &mut mem, owners)
            }
        };
        if let Some(v) = d.answer {
            log::debug!("[pid {tid}] {} = {v} (ownership)", shown(row, args));
        }
        return d;
    }
    if matches!(row.shim, Shim::Execve | Shim::Execveat) {
        owners.settle_all();
        let mut mem = TraceeMem::new(tid, strategy);
        let Some(refused) = exec_check(tid, row.shim, &call.args, &creds, &mut mem, owners) else { return Decision::NATIVE };
        log::debug!("[pid {tid}] {} = -1 {refused} (emulated exec check)", shown(row, &call.args));
        return Decision::answer(refused.ret());
    }
    if row.shim == Shim::Getsockopt {
        let mut mem = TraceeMem::new(tid, strategy);
        let r = super::peercred::getsockopt_call(tid, &call.args, tasks, &mut mem);
        if let Some(v) = r {
            log::debug!("[pid {tid}] {} = {v}", shown(row, &call.args));
        }
        return Decision::from_answer(r);
    }
    let mut mem = TraceeMem::new(tid, strategy);
    let find = |pid: i32| tasks.creds(pid).map(CapTriple::from).or_else(|| crate::creds::real_caps_of(pid));
    let caller = Caller { tid, find_task: &find };
    let world = super::world::TraceeWorld { tid, tasks, owners };
    match dispatch(abi, row, call.args, &creds, &caller, &world, &mut mem) {
        Outcome::Native => Decision::NATIVE,
        Outcome::Emulated { ret, commit } => {
            if log::log_enabled!(log::Level::Debug) {
                let r = if (-4095..0).contains(&ret) { format!("-1 {}", Errno(-ret as i32)) } else { ret.to_string() };
                log::debug!("[pid {tid}] {} = {r}", shown(row, &call.args));
            }
            Decision { answer: Some(ret), commit: commit.map(Commit::Creds), file: None }
        }
    }
}

/// At execve entry: the errno the model's exec gives for the file the task
/// names (MAY_EXEC against the virtual ids, file capabilities), or None to
/// let the kernel run it (and report ENOENT and the like itself).
fn exec_check(
    tid: Tid,
    shim: Shim,
    args: &[u64; 6],
    creds: &Creds,
    mem: &mut TraceeMem,
    owners: &Owners,
) -> Option<Errno> {
    let (dirfd, pathp, flags) = match shim {
        Shim::Execveat => (args[0] as i32, args[1], args[4] as i32),
        _ => (libc::AT_FDCWD, args[0], 0),
    };
    let path = mem.read_cstr(pathp, 4096).ok()?;
    let full = ownership::task_path(tid, dirfd, &path, flags);
    let file = execfile::read(&full, |p, i| owners.get(p, i, true)).ok()?;
    if file.mode & libc::S_IFMT != libc::S_IFREG {
        return None;
    }
    if let Err(e) = may_exec(creds, &file) {
        return Some(e);
    }
    if execfile::is_script(&full) {
        return None; // the interpreter's credentials apply; the exec event has them
    }
    exec_creds(creds, &file).err()
}
