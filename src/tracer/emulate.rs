//! The one emulation entry point (DESIGN.md "The emulation path"): a call
//! as decoded from any channel (a user notification, a seccomp stop, a
//! syscall-enter stop) goes in, a `Decision` comes out: the value the caller
//! must see (or "let the kernel run it") and what to commit. `emulate`
//! decides only; the channel delivers the answer and calls `commit` once
//! the answer reached the task, as the kernel's commit_creds happens only
//! for a call that succeeded. A call a signal interrupted before its answer
//! arrived did not happen: restarted, it runs against the old state.

pub use super::decision::{Commit, Decision};
use super::ownership::{self, Owners};
use crate::settings::Store;
use super::tasks::TaskTable;
use crate::sys::execfile;
use crate::sys::mem::{Strategy, TraceeMem};
use crate::sys::ptrace::Tid;
use credshim_shims::capability::{CapTriple, Caller};
use credshim_shims::exec::{exec_creds, may_exec};
use credshim_shims::decode::{decode, Syscall};
use credshim_shims::decide::{model, Outcome};
use credshim_shims::table::{Abi, Class, Row, Shim, O_CREATING, X32_SYSCALL_BIT};
use credshim_shims::{Creds, Errno};

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

/// What `--proc` shows of a traced task: nothing, the owner of its /proc
/// entries (the stat family, any channel), or that and its status files
/// (an injected descriptor: the notification channel only).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Proc {
    Off,
    Owners,
    OwnersAndStatus,
}

impl Proc {
    /// As a channel that cannot install a descriptor uses it.
    pub fn without_fds(self) -> Proc {
        if self == Proc::OwnersAndStatus {
            Proc::Owners
        } else {
            self
        }
    }
}

/// A system call as the kernel reports it, before it runs.
#[derive(Clone, Copy, Debug)]
pub struct Call {
    pub arch: u32,
    pub nr: u64,
    pub args: [u64; 6],
}

/// Whether an open may create a file (O_CREAT or O_TMPFILE): the row's
/// filter rule, which `--proc` replaces by "every open"; openat2's flags
/// are in its struct open_how.
fn may_create(shim: Shim, args: &[u64; 6], mem: &mut TraceeMem) -> bool {
    if shim != Shim::Openat2 {
        return shim.rule().stops(args);
    }
    let mut how = [0u8; 8];
    if credshim_shims::UserMem::read(mem, args[2], &mut how).is_err() {
        return true;
    }
    u64::from_ne_bytes(how) as u32 & O_CREATING != 0
}

fn shown(row: &Row, args: &[u64; 6]) -> String {
    let a: Vec<String> = args[..row.shim.arity()].iter().map(|x| format!("{}", *x as i64)).collect();
    format!("{}({})", row.name, a.join(", "))
}

/// Decides `call` made by task `tid`: the answer it gets and what to
/// commit once that answer was delivered. Changes nothing in `tasks`;
/// `owners` only settles what earlier calls created. `proc`: what `--proc`
/// shows through the channel the call came by. `permissions`: check file
/// permissions against the virtual credentials (`--permissions emulate`,
/// super::permission).
pub fn emulate(tasks: &TaskTable, owners: &mut Owners, tid: Tid, call: Call, strategy: Strategy, proc: Proc, permissions: bool) -> Decision {
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
    // Calls the filter stops only for the kept working directories
    // (ownership::cwd, seccomp::cwd_rule): the kernel runs them, as it
    // would without those.
    let own = row.shim.rule().stops(&call.args) && (row.shim.class() != Class::Permission || permissions);
    if !own && crate::sys::seccomp::cwd_rule(row.shim).is_some() {
        return Decision::NATIVE;
    }
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
    if permissions && super::permission::needed(row.shim, &creds) {
        owners.settle_all();
        let mut mem = TraceeMem::new(tid, strategy);
        if let Some(e) = super::permission::check(tid, abi, row, &call.args, &creds, &mut mem, owners) {
            log::debug!("[pid {tid}] {} = -1 {e} (emulated permission check)", shown(row, &call.args));
            return Decision::answer(e.ret());
        }
    }
    if row.shim.class() == Class::Permission {
        return Decision::NATIVE;
    }
    let sys = decode(abi, row, call.args);
    if super::procfs::is_open(row.shim) && proc == Proc::OwnersAndStatus {
        let mut mem = TraceeMem::new(tid, strategy);
        if let Some(file) = super::procfs::open_call(tid, &sys, tasks, &mut mem) {
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
            Class::Stat => Decision::from_answer(ownership::stat_call(tid, abi, &sys, &mut mem, owners, (proc != Proc::Off).then_some(tasks))),
            Class::Create => match ownership::create_call(tid, &sys, &creds, &mut mem, owners) {
                Some(p) => Decision { answer: None, commit: Some(Commit::Created(p)), file: None },
                None => Decision::NATIVE,
            },
            Class::Xattr => Decision::from_answer(ownership::xattr_call(tid, row.shim, &sys, &mut mem, owners)),
            _ => {
                owners.settle_all();
                ownership::chown_call(tid, &sys, &creds, &mut mem, owners)
            }
        };
        if let Some(v) = d.answer {
            log::debug!("[pid {tid}] {} = {v} (ownership)", shown(row, args));
        }
        return d;
    }
    if let Syscall::Execveat { dirfd, path, flags } = sys {
        owners.settle_all();
        let mut mem = TraceeMem::new(tid, strategy);
        let Some(refused) = exec_check(tid, dirfd, path, flags, &creds, &mut mem, owners) else { return Decision::NATIVE };
        log::debug!("[pid {tid}] {} = -1 {refused} (emulated exec check)", shown(row, &call.args));
        return Decision::answer(refused.ret());
    }
    if let Syscall::Getsockopt { .. } = sys {
        let mut mem = TraceeMem::new(tid, strategy);
        let r = super::peercred::getsockopt_call(tid, &sys, tasks, &mut mem);
        if let Some(v) = r {
            log::debug!("[pid {tid}] {} = {v}", shown(row, &call.args));
        }
        return Decision::from_answer(r);
    }
    let mut mem = TraceeMem::new(tid, strategy);
    let find = |pid: i32| tasks.creds(pid).map(CapTriple::from).or_else(|| crate::sys::creds::real_caps_of(pid));
    let caller = Caller { tid, find_task: &find };
    let world = super::world::TraceeWorld { tid, tasks, owners };
    match model(abi, row, &sys, &creds, &caller, &world, &mut mem) {
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
    dirfd: i32,
    pathp: u64,
    flags: i32,
    creds: &Creds,
    mem: &mut TraceeMem,
    owners: &Owners,
) -> Option<Errno> {
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
    exec_creds(creds, &file, crate::sys::creds::suid_dumpable()).err()
}
