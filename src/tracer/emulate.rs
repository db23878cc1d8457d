//! The one emulation entry point: a call as decoded from any channel (a
//! seccomp stop, a syscall-enter stop, later a user notification) goes in,
//! the value the caller must see comes out (None: let the kernel run it).

use super::ownership::{self, Owners};
use super::tasks::TaskTable;
use crate::execfile;
use crate::mem::{Strategy, TraceeMem};
use crate::ptrace::Tid;
use credshim_shims::capability::{CapTriple, Caller};
use credshim_shims::exec::{exec_creds, may_exec};
use credshim_shims::table::{dispatch, Abi, Class, Outcome, Row, Shim, X32_SYSCALL_BIT};
use credshim_shims::Errno;

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
    }
}

fn shown(row: &Row, args: &[u64; 6]) -> String {
    let a: Vec<String> = args[..arity(row.shim)].iter().map(|x| format!("{}", *x as i64)).collect();
    format!("{}({})", row.name, a.join(", "))
}

/// What the caller gets for `call` made by task `tid`: Some(value or
/// -errno) when credshim answers it, None when the kernel should run it.
pub fn emulate(tasks: &mut TaskTable, owners: &mut Owners, tid: Tid, call: Call, strategy: Strategy) -> Option<i64> {
    let Some(abi) = Abi::from_audit_arch(call.arch) else {
        log::warn!("[pid {tid}] system call {} of unknown architecture {:#x} refused", call.nr, call.arch);
        return Some(Errno::ENOSYS.ret());
    };
    if abi == Abi::X86_64 && call.nr & X32_SYSCALL_BIT != 0 {
        let plain = call.nr & !X32_SYSCALL_BIT;
        return Abi::X86_64.lookup(plain).filter(|r| !matches!(r.shim, Shim::Execve | Shim::Execveat)).map(|r| {
            log::warn!("[pid {tid}] x32 {} refused: credshim does not emulate the x32 ABI", r.name);
            Errno::ENOSYS.ret()
        });
    }
    let row = abi.lookup(call.nr)?;
    let creds = tasks.creds(tid)?.clone();
    // The task's previous call is over: what it created has its inode.
    owners.settle(tid);
    if row.shim.is_ownership() {
        let mut mem = TraceeMem::new(tid, strategy);
        let args = &call.args;
        let r = match row.shim.class() {
            Class::Stat => ownership::stat_call(tid, abi, row.shim, args, &mut mem, owners),
            Class::Create => ownership::create_call(tid, row.shim, args, &creds, &mut mem, owners),
            Class::Xattr => ownership::xattr_call(tid, row.shim, args, &mut mem, owners),
            _ => {
                owners.settle_all();
                ownership::chown_call(tid, row.shim, row.width, args, &creds, &mut mem, owners)
            }
        };
        if let Some(v) = r {
            log::debug!("[pid {tid}] {} = {v} (ownership)", shown(row, args));
        }
        return r;
    }
    if matches!(row.shim, Shim::Execve | Shim::Execveat) {
        owners.settle_all();
        let mut mem = TraceeMem::new(tid, strategy);
        let refused = exec_check(tid, row.shim, &call.args, &creds, &mut mem, owners)?;
        log::debug!("[pid {tid}] {} = -1 {refused} (emulated exec check)", shown(row, &call.args));
        return Some(refused.ret());
    }
    if row.shim == Shim::Getsockopt {
        let mut mem = TraceeMem::new(tid, strategy);
        let r = super::peercred::getsockopt_call(tid, &call.args, tasks, &mut mem);
        if let Some(v) = r {
            log::debug!("[pid {tid}] {} = {v}", shown(row, &call.args));
        }
        return r;
    }
    let mut mem = TraceeMem::new(tid, strategy);
    let find = |pid: i32| tasks.creds(pid).map(CapTriple::from).or_else(|| crate::creds::real_caps_of(pid));
    let caller = Caller { tid, find_task: &find };
    match dispatch(abi, row, call.args, &creds, &caller, &mut mem) {
        Outcome::Native => None,
        Outcome::Emulated { ret, commit } => {
            if log::log_enabled!(log::Level::Debug) {
                let r = if (-4095..0).contains(&ret) { format!("-1 {}", Errno(-ret as i32)) } else { ret.to_string() };
                log::debug!("[pid {tid}] {} = {r}", shown(row, &call.args));
            }
            if let Some(c) = commit {
                tasks.commit(tid, c);
            }
            Some(ret)
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
    creds: &credshim_shims::Creds,
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
