//! kernel/ptrace.c: who may attach to whom (ptrace_attach,
//! __ptrace_may_access with PTRACE_MODE_ATTACH_REALCREDS, then
//! security/commoncap.c cap_ptrace_access_check). Only the permission is
//! modelled: an attach the check lets through runs in the kernel (which
//! refuses a task credshim already traces with EPERM, as it refuses any
//! task that has a tracer).

use crate::capset::CAP_SYS_PTRACE;
use crate::cred::{Creds, SUID_DUMP_USER};
use crate::errno::Errno;
use crate::world::{Check, Found, World};

pub const PTRACE_ATTACH: u32 = 16;
pub const PTRACE_SEIZE: u32 = 0x4206;
/// include/uapi/linux/ptrace.h PTRACE_O_MASK: every option bit up to
/// PTRACE_O_SUSPEND_SECCOMP (1 << 21) and PTRACE_O_EXITKILL (1 << 20).
const PTRACE_O_MASK: u64 = 0x0000_00ff | (1 << 20) | (1 << 21);

/// __ptrace_may_access(task, PTRACE_MODE_ATTACH_REALCREDS) for a target in
/// the caller's user namespace (the world says Unknown for any other), and
/// not of the caller's thread group (ptrace_attach refused that first).
pub fn ptrace_may_access(cred: &Creds, t: &Creds) -> Check {
    // ptrace_has_cap(tcred->user_ns, mode): ns_capable(CAP_SYS_PTRACE).
    let has_cap = cred.capable(CAP_SYS_PTRACE);
    // The real ids (REALCREDS) against every uid and gid of the target.
    let same = cred.uid == t.euid && cred.uid == t.suid && cred.uid == t.uid && cred.gid == t.egid && cred.gid == t.sgid && cred.gid == t.gid;
    if !same && !has_cap {
        return Err(Errno::EPERM);
    }
    if t.dumpable != SUID_DUMP_USER && !has_cap {
        return Err(Errno::EPERM);
    }
    // security_ptrace_access_check: cap_ptrace_access_check with the
    // caller's permitted set (not FSCREDS).
    if !t.cap_permitted.issubset(cred.cap_permitted) && !has_cap {
        return Err(Errno::EPERM);
    }
    Ok(())
}

/// sys_ptrace for PTRACE_ATTACH and PTRACE_SEIZE (the filter stops no
/// other request): find_get_task_by_vpid (ESRCH), then ptrace_attach's
/// checks in its order.
pub fn ptrace(cred: &Creds, world: &dyn World, request: u64, pid: i32, addr: u64, data: u64) -> Check {
    // `long request`: compared whole.
    if request != PTRACE_ATTACH as u64 && request != PTRACE_SEIZE as u64 {
        return Ok(());
    }
    let (tgid, t) = match world.task_creds(pid) {
        Found::NoSuch => return Err(Errno::ESRCH),
        Found::Unknown => return Ok(()),
        Found::Yes(v) => v,
    };
    if request == PTRACE_SEIZE as u64 && (addr != 0 || data & !PTRACE_O_MASK != 0) {
        return Err(Errno::EIO);
    }
    // same_thread_group(task, current).
    if tgid == world.caller().tgid {
        return Err(Errno::EPERM);
    }
    ptrace_may_access(cred, &t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dropped_task_may_not_attach_to_root_nor_to_a_non_dumpable_peer() {
        let root = Creds::init_root();
        let www = Creds::user(33, 33, &[]);
        assert_eq!(ptrace_may_access(&www, &root), Err(Errno::EPERM));
        assert_eq!(ptrace_may_access(&root, &www), Ok(()));
        assert_eq!(ptrace_may_access(&www, &www), Ok(()));
        let undumpable = Creds { dumpable: 0, ..www.clone() };
        assert_eq!(ptrace_may_access(&www, &undumpable), Err(Errno::EPERM));
        assert_eq!(ptrace_may_access(&root, &undumpable), Ok(()));
        // A target with more permitted capabilities than the caller's.
        let mut capped = www.clone();
        capped.cap_permitted.raise(crate::capset::CAP_NET_BIND_SERVICE);
        assert_eq!(ptrace_may_access(&www, &capped), Err(Errno::EPERM));
        // Saved ids count: a task that can still regain root is root's.
        let saved = Creds { suid: crate::id::Kuid(0), ..www.clone() };
        assert_eq!(ptrace_may_access(&www, &saved), Err(Errno::EPERM));
    }
}
