//! kernel/signal.c: who may signal whom (kill_ok_by_cred,
//! check_kill_permission) for kill, tkill, tgkill, rt_sigqueueinfo,
//! rt_tgsigqueueinfo and pidfd_send_signal. Only the permission is modelled: a call the check
//! lets through runs in the kernel, which delivers the signal.

use crate::capset::CAP_KILL;
use crate::cred::Creds;
use crate::errno::Errno;
use crate::mem::UserMem;
use crate::world::{Check, Found, TaskFacts, World};

pub const SIGCONT: i32 = 18;
/// _NSIG.
const NSIG: u64 = 64;
/// include/uapi/asm-generic/siginfo.h si_codes.
const SI_TKILL: i32 = -6;
const SI_DETHREAD: i32 = -7;
const SI_ASYNCNL: i32 = -60;
/// sizeof(siginfo_t) and sizeof(struct kernel_siginfo) (SI_EXPANSION_SIZE
/// is the difference), the same on both ABIs.
const SIGINFO_SIZE: usize = 128;
const KERNEL_SIGINFO_SIZE: usize = 48;

/// valid_signal: `(unsigned long)sig <= _NSIG` (a negative int is huge).
fn valid_signal(sig: i32) -> bool {
    (sig as i64 as u64) <= NSIG
}

/// kill_ok_by_cred. `ns_capable(tcred->user_ns, CAP_KILL)`: the world
/// answers Unknown for a task in another user namespace, so here it is the
/// caller's own namespace.
pub fn kill_ok_by_cred(cred: &Creds, t: &TaskFacts) -> bool {
    cred.euid == t.suid || cred.euid == t.uid || cred.uid == t.suid || cred.uid == t.uid || cred.capable(CAP_KILL)
}

/// check_kill_permission(sig, info, t). `fromuser`: si_fromuser(info).
pub fn check_kill_permission(cred: &Creds, world: &dyn World, sig: i32, fromuser: bool, t: &TaskFacts) -> Check {
    if !valid_signal(sig) {
        return Err(Errno::EINVAL);
    }
    if !fromuser {
        return Ok(());
    }
    // audit_signal_info: no answer of its own.
    let me = world.caller();
    if me.tgid != t.tgid && !kill_ok_by_cred(cred, t) {
        // SIGCONT within the session is allowed.
        if sig != SIGCONT || t.session != me.session {
            return Err(Errno::EPERM);
        }
    }
    Ok(()) // security_task_kill: no LSM in the model
}

/// kill_pid_info for one pid: pid_task, then group_send_sig_info, which
/// starts with check_kill_permission.
fn kill_pid_info(cred: &Creds, world: &dyn World, sig: i32, fromuser: bool, pid: i32) -> Check {
    match world.task(pid) {
        Found::NoSuch => Err(Errno::ESRCH),
        Found::Unknown => Ok(()),
        Found::Yes(t) => check_kill_permission(cred, world, sig, fromuser, &t),
    }
}

/// kill(2): kill_something_info. A pid of 0 or below names a process
/// group or every process: the kernel signals those it may and answers
/// for the set, which credshim leaves to it (the filter stops only pid > 0).
pub fn kill(cred: &Creds, world: &dyn World, pid: i32, sig: i32) -> Check {
    if pid <= 0 {
        return Ok(());
    }
    // prepare_kill_siginfo: SI_USER, from user space.
    kill_pid_info(cred, world, sig, true, pid)
}

/// do_send_specific(tgid, pid, sig, info): the thread `pid`, in process
/// `tgid` if that is above 0; ESRCH for no such thread.
fn do_send_specific(cred: &Creds, world: &dyn World, tgid: i32, pid: i32, sig: i32, fromuser: bool) -> Check {
    match world.task(pid) {
        Found::Unknown => Ok(()),
        Found::Yes(t) if tgid <= 0 || t.tgid == tgid => check_kill_permission(cred, world, sig, fromuser, &t),
        _ => Err(Errno::ESRCH),
    }
}

/// tkill(2).
pub fn tkill(cred: &Creds, world: &dyn World, pid: i32, sig: i32) -> Check {
    // "This is only valid for single tasks"
    if pid <= 0 {
        return Err(Errno::EINVAL);
    }
    do_send_specific(cred, world, 0, pid, sig, true)
}

/// tgkill(2).
pub fn tgkill(cred: &Creds, world: &dyn World, tgid: i32, pid: i32, sig: i32) -> Check {
    if pid <= 0 || tgid <= 0 {
        return Err(Errno::EINVAL);
    }
    do_send_specific(cred, world, tgid, pid, sig, true)
}

/// known_siginfo_layout for the codes user space may send to another
/// task (si_code <= 0; positive codes go to the caller only).
fn known_user_layout(si_code: i32) -> bool {
    si_code >= SI_DETHREAD || si_code == SI_ASYNCNL
}

/// __copy_siginfo_from_user: the si_code, or the copy's own error. None:
/// the kernel's answer does not depend on credentials (E2BIG for an
/// unknown layout with bytes past the kernel's siginfo, a positive code,
/// which only the caller itself may receive).
fn copy_siginfo_from_user(mem: &mut dyn UserMem, uinfo: u64) -> Result<Option<i32>, Errno> {
    let mut info = [0u8; SIGINFO_SIZE];
    mem.read(uinfo, &mut info)?;
    let si_code = i32::from_ne_bytes([info[8], info[9], info[10], info[11]]);
    if si_code > 0 {
        return Ok(None);
    }
    // post_copy_siginfo_from_user
    if !known_user_layout(si_code) && info[KERNEL_SIGINFO_SIZE..].iter().any(|&b| b != 0) {
        return Ok(None);
    }
    Ok(Some(si_code))
}

/// rt_sigqueueinfo(2): do_rt_sigqueueinfo, then kill_proc_info.
pub fn rt_sigqueueinfo(cred: &Creds, world: &dyn World, pid: i32, sig: i32, uinfo: u64, mem: &mut dyn UserMem) -> Check {
    let Some(si_code) = copy_siginfo_from_user(mem, uinfo)? else { return Ok(()) };
    // "Not even root can pretend to send signals from the kernel. Nor can
    // they impersonate a kill()/tgkill(), which adds source info."
    if (si_code >= 0 || si_code == SI_TKILL) && world.caller().tid != pid {
        return Err(Errno::EPERM);
    }
    // kill_proc_info: find_vpid of 0 or below finds nothing.
    if pid <= 0 {
        return Err(Errno::ESRCH);
    }
    kill_pid_info(cred, world, sig, si_code <= 0, pid)
}

/// rt_tgsigqueueinfo(2): do_rt_tgsigqueueinfo.
pub fn rt_tgsigqueueinfo(
    cred: &Creds,
    world: &dyn World,
    tgid: i32,
    pid: i32,
    sig: i32,
    uinfo: u64,
    mem: &mut dyn UserMem,
) -> Check {
    let Some(si_code) = copy_siginfo_from_user(mem, uinfo)? else { return Ok(()) };
    if pid <= 0 || tgid <= 0 {
        return Err(Errno::EINVAL);
    }
    if (si_code >= 0 || si_code == SI_TKILL) && world.caller().tid != pid {
        return Err(Errno::EPERM);
    }
    do_send_specific(cred, world, tgid, pid, sig, si_code <= 0)
}

/// pidfd_send_signal(2). Its checks before kill_pid_info do not depend on
/// credentials, so where they fail the kernel gives its own answer: flags
/// (0 only; the scope flags of newer kernels are left to the kernel, as
/// kill leaves a process group), a descriptor that is not a pidfd
/// (EBADF, EINVAL), a siginfo whose si_signo is not `sig` (EINVAL).
pub fn pidfd_send_signal(cred: &Creds, world: &dyn World, pidfd: i32, sig: i32, uinfo: u64, flags: u32, mem: &mut dyn UserMem) -> Check {
    if flags != 0 {
        return Ok(());
    }
    // fdget, pidfd_to_pid, access_pidfd_pidns.
    let Some(pid) = world.pidfd_pid(pidfd) else { return Ok(()) };
    let fromuser = if uinfo == 0 {
        true // prepare_kill_siginfo: SI_USER
    } else {
        // copy_siginfo_from_user_any.
        let Some(si_code) = copy_siginfo_from_user(mem, uinfo)? else { return Ok(()) };
        let mut signo = [0u8; 4];
        mem.read(uinfo, &mut signo)?;
        if i32::from_ne_bytes(signo) != sig {
            return Ok(()); // EINVAL from the kernel
        }
        // "Only allow sending arbitrary signals to yourself."
        if world.caller().tid != pid && (si_code >= 0 || si_code == SI_TKILL) {
            return Err(Errno::EPERM);
        }
        si_code <= 0
    };
    kill_pid_info(cred, world, sig, fromuser, pid)
}
