//! decide, for the rows the model answers alone (DESIGN.md "The emulation
//! path"): a decoded `Syscall` and the task's credentials in, an `Outcome`
//! out. No side effects: the caller commits what it returns once the
//! answer was delivered. The rows that need the file or the socket
//! (ownership, exec, getsockopt) come back `Native`: the tracer decides
//! them.

use crate::capability::{self, Caller};
use crate::cred::Creds;
use crate::decode::{decode, Syscall};
use crate::errno::Errno;
use crate::groups;
use crate::id::{high2lowuid, IdWidth};
use crate::mem::UserMem;
use crate::table::{Abi, Row, PR_SET_SECCOMP};
use crate::uid16;
use crate::world::{Check, World};
use crate::{ns, signal, sys};

/// What to do with an intercepted call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Let the kernel run it (a prctl option that is not a credential option).
    Native,
    /// Skip the real call, return `ret` (a value or `-errno`), and commit
    /// the new credentials if there are any.
    Emulated { ret: i64, commit: Option<Creds> },
}

impl Outcome {
    fn value(v: i64) -> Outcome {
        Outcome::Emulated { ret: v, commit: None }
    }
    fn from_set(r: Result<Creds, Errno>) -> Outcome {
        match r {
            Ok(c) => Outcome::Emulated { ret: 0, commit: Some(c) },
            Err(e) => Outcome::value(e.ret()),
        }
    }
    fn from_get(r: Result<i64, Errno>) -> Outcome {
        Outcome::value(r.unwrap_or_else(|e| e.ret()))
    }
    /// A capability check: the kernel runs what it lets through.
    fn from_check(r: Check) -> Outcome {
        match r {
            Ok(()) => Outcome::Native,
            Err(e) => Outcome::value(e.ret()),
        }
    }
}

/// Runs one intercepted call through the model: decode `args` (the six
/// argument registers) the way `row`'s prototype does, then `model`.
pub fn dispatch(
    abi: Abi,
    row: &Row,
    args: [u64; 6],
    creds: &Creds,
    caller: &Caller,
    world: &dyn World,
    mem: &mut dyn UserMem,
) -> Outcome {
    model(abi, row, &decode(abi, row, args), creds, caller, world, mem)
}

/// What the model answers to `call` (decoded from a call of `row`), and
/// what to commit. `world` holds what the capability checks of the
/// `Privilege` rows need to know. Never panics on any argument.
pub fn model(
    abi: Abi,
    row: &Row,
    call: &Syscall,
    creds: &Creds,
    caller: &Caller,
    world: &dyn World,
    mem: &mut dyn UserMem,
) -> Outcome {
    // getuid16 and friends: ids above 16 bits read as overflowuid.
    let get_id = |v: u32| -> Outcome {
        Outcome::value(match row.width {
            IdWidth::U32 => v as i64,
            IdWidth::U16 => high2lowuid(v) as i64,
        })
    };
    let sixteen = row.width == IdWidth::U16;
    let compat = abi == Abi::I386;
    use Syscall as S;
    let outcome = match *call {
        S::Getuid => get_id(sys::getuid(creds)),
        S::Geteuid => get_id(sys::geteuid(creds)),
        S::Getgid => get_id(sys::getgid(creds)),
        S::Getegid => get_id(sys::getegid(creds)),
        S::Setuid(u) => Outcome::from_set(sys::setuid(creds, u)),
        S::Setgid(g) => Outcome::from_set(sys::setgid(creds, g)),
        S::Setreuid(r, e) => Outcome::from_set(sys::setreuid(creds, r, e)),
        S::Setregid(r, e) => Outcome::from_set(sys::setregid(creds, r, e)),
        S::Setresuid(r, e, s) => Outcome::from_set(sys::setresuid(creds, r, e, s)),
        S::Setresgid(r, e, s) => Outcome::from_set(sys::setresgid(creds, r, e, s)),
        S::Setfsuid(u) => {
            let (ret, commit) = sys::setfsuid(creds, u);
            Outcome::Emulated { ret: ret as i64, commit }
        }
        S::Setfsgid(g) => {
            let (ret, commit) = sys::setfsgid(creds, g);
            Outcome::Emulated { ret: ret as i64, commit }
        }
        S::Getresuid { ruid, euid, suid } if sixteen => Outcome::from_get(uid16::getresuid16(creds, ruid, euid, suid, mem)),
        S::Getresuid { ruid, euid, suid } => Outcome::from_get(sys::getresuid(creds, ruid, euid, suid, mem)),
        S::Getresgid { rgid, egid, sgid } if sixteen => Outcome::from_get(uid16::getresgid16(creds, rgid, egid, sgid, mem)),
        S::Getresgid { rgid, egid, sgid } => Outcome::from_get(sys::getresgid(creds, rgid, egid, sgid, mem)),
        S::Getgroups { size, list } if sixteen => Outcome::from_get(uid16::getgroups16(creds, size, list, mem)),
        S::Getgroups { size, list } => Outcome::from_get(groups::getgroups(creds, size, list, mem)),
        S::Setgroups { size, list } if sixteen => Outcome::from_set(uid16::setgroups16(creds, size, list, mem)),
        S::Setgroups { size, list } => Outcome::from_set(groups::setgroups(creds, size, list, mem)),
        S::Capget { header, data } => Outcome::from_get(capability::capget(creds, caller, header, data, mem)),
        S::Capset { header, data } => Outcome::from_set(capability::capset(creds, caller, header, data, mem)),
        S::Execveat { .. } => Outcome::Native,
        // It needs the socket: the tracer answers it.
        S::Getsockopt { .. } => Outcome::Native,
        // sys_prctl: security_task_prctl says ENOSYS (not a capability
        // option), then prctl_set_seccomp.
        S::Prctl { option, arg2, arg3, .. } if option as u32 as u64 == PR_SET_SECCOMP => {
            Outcome::from_check(ns::prctl_set_seccomp(creds, compat, arg2, arg3, mem))
        }
        S::Prctl { option, arg2, arg3, arg4, arg5 } => match sys::prctl(creds, option, arg2, arg3, arg4, arg5) {
            None => Outcome::Native,
            Some(Ok(ans)) => Outcome::Emulated { ret: ans.ret, commit: ans.commit },
            Some(Err(e)) => Outcome::value(e.ret()),
        },
        S::Kill { pid, sig } => Outcome::from_check(signal::kill(creds, world, pid, sig)),
        S::Tkill { tid, sig } => Outcome::from_check(signal::tkill(creds, world, tid, sig)),
        S::Tgkill { tgid, tid, sig } => Outcome::from_check(signal::tgkill(creds, world, tgid, tid, sig)),
        S::RtSigqueueinfo { pid, sig, info } => Outcome::from_check(signal::rt_sigqueueinfo(creds, world, pid, sig, info, mem)),
        S::RtTgsigqueueinfo { tgid, tid, sig, info } => {
            Outcome::from_check(signal::rt_tgsigqueueinfo(creds, world, tgid, tid, sig, info, mem))
        }
        S::PidfdSendSignal { pidfd, sig, info, flags } => {
            Outcome::from_check(signal::pidfd_send_signal(creds, world, pidfd, sig, info, flags, mem))
        }
        S::Chroot { path } => Outcome::from_check(ns::chroot(creds, world, path, mem)),
        S::Unshare { flags } => Outcome::from_check(ns::unshare(creds, world, flags)),
        S::Setns { fd, nstype } => Outcome::from_check(ns::setns(creds, world, fd, nstype)),
        S::Mount { source, target, fstype, flags, data } => {
            Outcome::from_check(ns::mount(creds, world, source, target, fstype, flags, data, mem))
        }
        S::Umount2 { target, flags } => Outcome::from_check(ns::umount(creds, world, target, flags, mem)),
        S::PivotRoot { .. } => Outcome::from_check(ns::pivot_root(creds)),
        S::Seccomp { op, flags, args } => Outcome::from_check(ns::seccomp(creds, compat, op, flags, args, mem)),
        S::Sethostname { .. } | S::Setdomainname { .. } => Outcome::from_check(ns::sethostname(creds)),
        S::Ptrace { request, pid, addr, data } => Outcome::from_check(crate::ptrace::ptrace(creds, world, request, pid, addr, data)),
        // The ownership classes need the file: the tracer answers them.
        _ => {
            debug_assert!(row.shim.is_ownership() || row.shim.class() == crate::table::Class::Permission);
            Outcome::Native
        }
    };
    // Every new set of credentials is installed by commit_creds.
    match outcome {
        Outcome::Emulated { ret, commit: Some(new) } => {
            Outcome::Emulated { ret, commit: Some(crate::cred::commit_creds(creds, new, world.suid_dumpable())) }
        }
        other => other,
    }
}
