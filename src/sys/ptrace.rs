//! The only file that issues ptrace requests and waits (waitpid). Every
//! request that fails with
//! ESRCH reports `Gone`: the task died under us (ptrace(2) "Death under
//! ptrace"), and callers clean up instead of failing.

use std::io;

pub type Tid = i32;

/// Why a ptrace request on a task did not happen.
#[derive(Debug)]
pub enum PtraceError {
    /// The task is gone (ESRCH): killed, or exited, or not stopped any more.
    Gone(Tid),
    Other { tid: Tid, op: &'static str, source: io::Error },
}

/// The operation and strerror's words, never a Debug dump.
impl std::fmt::Display for PtraceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PtraceError::Gone(tid) => write!(f, "task {tid} is gone"),
            PtraceError::Other { tid, op, source } => {
                let s = source.to_string();
                write!(f, "{op} of task {tid}: {}", s.split(" (os error").next().unwrap_or(&s))
            }
        }
    }
}

pub type Result<T> = std::result::Result<T, PtraceError>;

const PTRACE_GETEVENTMSG: libc::c_uint = 0x4201;
const PTRACE_SEIZE: libc::c_uint = 0x4206;
const PTRACE_INTERRUPT: libc::c_uint = 0x4207;
const PTRACE_LISTEN: libc::c_uint = 0x4208;
const PTRACE_GET_SYSCALL_INFO: libc::c_uint = 0x420e;

pub const PTRACE_EVENT_FORK: i32 = 1;
pub const PTRACE_EVENT_VFORK: i32 = 2;
pub const PTRACE_EVENT_CLONE: i32 = 3;
pub const PTRACE_EVENT_EXEC: i32 = 4;
pub const PTRACE_EVENT_SECCOMP: i32 = 7;
pub const PTRACE_EVENT_STOP: i32 = 128;

pub const OPTIONS: libc::c_long = (libc::PTRACE_O_TRACESYSGOOD
    | libc::PTRACE_O_TRACEFORK
    | libc::PTRACE_O_TRACEVFORK
    | libc::PTRACE_O_TRACECLONE
    | libc::PTRACE_O_TRACEEXEC
    | libc::PTRACE_O_TRACESECCOMP
    | libc::PTRACE_O_EXITKILL) as libc::c_long;

fn check(tid: Tid, op: &'static str, r: libc::c_long) -> Result<libc::c_long> {
    if r == -1 {
        let e = io::Error::last_os_error();
        if e.raw_os_error() == Some(libc::ESRCH) {
            return Err(PtraceError::Gone(tid));
        }
        return Err(PtraceError::Other { tid, op, source: e });
    }
    Ok(r)
}

fn request(op: &'static str, req: libc::c_uint, tid: Tid, addr: usize, data: usize) -> Result<libc::c_long> {
    // SAFETY: every request here passes plain integers or a pointer to a
    // live buffer of the size the request needs.
    let r = unsafe { libc::ptrace(req, tid, addr as *mut libc::c_void, data as *mut libc::c_void) };
    check(tid, op, r)
}

/// PTRACE_SEIZE with credshim's options.
pub fn seize(tid: Tid) -> Result<()> {
    request("PTRACE_SEIZE", PTRACE_SEIZE, tid, 0, OPTIONS as usize).map(drop)
}

/// PTRACE_CONT, delivering `sig` (0 for none).
pub fn cont(tid: Tid, sig: i32) -> Result<()> {
    request("PTRACE_CONT", libc::PTRACE_CONT, tid, 0, sig as usize).map(drop)
}

/// PTRACE_SYSCALL, delivering `sig`.
pub fn syscall(tid: Tid, sig: i32) -> Result<()> {
    request("PTRACE_SYSCALL", libc::PTRACE_SYSCALL, tid, 0, sig as usize).map(drop)
}

/// PTRACE_LISTEN: leave a seized task in group-stop but let it report the
/// next stop (ptrace(2): job control under PTRACE_SEIZE).
pub fn listen(tid: Tid) -> Result<()> {
    request("PTRACE_LISTEN", PTRACE_LISTEN, tid, 0, 0).map(drop)
}

/// PTRACE_INTERRUPT: a seized, running task stops (PTRACE_EVENT_STOP).
pub fn interrupt(tid: Tid) -> Result<()> {
    request("PTRACE_INTERRUPT", PTRACE_INTERRUPT, tid, 0, 0).map(drop)
}

/// waitpid(2) as libc has it: the pid reported (0: none yet with WNOHANG,
/// -1: an error, errno set) and the raw status in `status`.
pub fn waitpid(pid: libc::pid_t, status: &mut i32, flags: i32) -> libc::pid_t {
    // SAFETY: waitpid writes an int through a valid pointer.
    unsafe { libc::waitpid(pid, status, flags) }
}

/// PTRACE_TRACEME (in a child: is it traced already? EPERM says so).
pub fn traceme() -> std::result::Result<(), io::Error> {
    // SAFETY: a request with no pointers.
    if unsafe { libc::ptrace(libc::PTRACE_TRACEME, 0, 0, 0) } == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// PTRACE_GETEVENTMSG.
pub fn event_msg(tid: Tid) -> Result<u64> {
    let mut msg: libc::c_ulong = 0;
    request("PTRACE_GETEVENTMSG", PTRACE_GETEVENTMSG, tid, 0, &mut msg as *mut _ as usize)?;
    Ok(msg as u64)
}

/// PTRACE_POKEUSER: one word of the user area (a register).
pub fn poke_user(tid: Tid, offset: usize, value: u64) -> Result<()> {
    request("PTRACE_POKEUSER", libc::PTRACE_POKEUSER, tid, offset, value as usize).map(drop)
}

/// PTRACE_PEEKUSER: one word of the user area (a register).
pub fn peek_user(tid: Tid, offset: usize) -> Result<u64> {
    peek("PTRACE_PEEKUSER", libc::PTRACE_PEEKUSER, tid, offset as u64)
}

/// PTRACE_PEEKDATA.
pub fn peek_data(tid: Tid, addr: u64) -> Result<u64> {
    peek("PTRACE_PEEKDATA", libc::PTRACE_PEEKDATA, tid, addr)
}

/// A PEEK request: it returns the word, and -1 is ambiguous, so errno
/// decides.
fn peek(name: &'static str, req: libc::c_uint, tid: Tid, addr: u64) -> Result<u64> {
    // SAFETY: errno is thread-local; a PEEK request takes an address or
    // offset and no buffer.
    unsafe {
        *libc::__errno_location() = 0;
        let r = libc::ptrace(req, tid, addr as *mut libc::c_void, std::ptr::null_mut::<libc::c_void>());
        if r == -1 && *libc::__errno_location() != 0 {
            return check(tid, name, -1).map(|_| 0);
        }
        Ok(r as u64)
    }
}

/// PTRACE_POKEDATA.
pub fn poke_data(tid: Tid, addr: u64, word: u64) -> Result<()> {
    request("PTRACE_POKEDATA", libc::PTRACE_POKEDATA, tid, addr as usize, word as usize).map(drop)
}

/// What PTRACE_GET_SYSCALL_INFO reports (struct ptrace_syscall_info).
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct RawSyscallInfo {
    op: u8,
    pad: [u8; 3],
    arch: u32,
    instruction_pointer: u64,
    stack_pointer: u64,
    // entry/seccomp: nr, args[6], ret_data; exit: rval, is_error
    words: [u64; 7],
    ret_data: u32,
    pad2: u32,
}

/// The stop a PTRACE_GET_SYSCALL_INFO call describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyscallInfo {
    /// A syscall-enter stop or a seccomp stop: the call about to run.
    Call { arch: u32, nr: u64, args: [u64; 6] },
    /// A syscall-exit stop.
    Exit,
    None,
}

/// The AUDIT_ARCH_* of the code a task runs, at any ptrace stop
/// (PTRACE_GET_SYSCALL_INFO fills it in for every stop).
pub fn stop_arch(tid: Tid) -> Result<u32> {
    let mut raw = RawSyscallInfo::default();
    request(
        "PTRACE_GET_SYSCALL_INFO",
        PTRACE_GET_SYSCALL_INFO,
        tid,
        std::mem::size_of::<RawSyscallInfo>(),
        &mut raw as *mut _ as usize,
    )?;
    Ok(raw.arch)
}

/// PTRACE_GET_SYSCALL_INFO (Linux 5.3+).
pub fn syscall_info(tid: Tid) -> Result<SyscallInfo> {
    let mut raw = RawSyscallInfo::default();
    request(
        "PTRACE_GET_SYSCALL_INFO",
        PTRACE_GET_SYSCALL_INFO,
        tid,
        std::mem::size_of::<RawSyscallInfo>(),
        &mut raw as *mut _ as usize,
    )?;
    Ok(match raw.op {
        1 | 3 => SyscallInfo::Call {
            arch: raw.arch,
            nr: raw.words[0],
            args: [raw.words[1], raw.words[2], raw.words[3], raw.words[4], raw.words[5], raw.words[6]],
        },
        2 => SyscallInfo::Exit,
        _ => SyscallInfo::None,
    })
}
