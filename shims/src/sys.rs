//! kernel/sys.c: the uid and gid setters and getters, and the credential part
//! of prctl. Each setter takes the raw 32-bit ids (`uid_t`, -1 = unchanged)
//! and returns the credentials to commit, or the errno.

use crate::capset::{CAP_SETGID, CAP_SETUID};
use crate::commoncap::{cap_task_fix_setuid, cap_task_prctl, PrctlAnswer, SetId};
use crate::cred::Creds;
use crate::errno::Errno;
use crate::id::{from_kgid_munged, from_kuid_munged, make_kgid, make_kuid, NO_ID};
use crate::mem::{put_user_u32, UserMem};

/// ns_capable_setid(old->user_ns, CAP_SETUID).
fn capable_setuid(old: &Creds) -> bool {
    old.capable(CAP_SETUID)
}

fn capable_setgid(old: &Creds) -> bool {
    old.capable(CAP_SETGID)
}

/// __sys_setregid.
pub fn setregid(old: &Creds, rgid: u32, egid: u32) -> Result<Creds, Errno> {
    let krgid = make_kgid(rgid);
    let kegid = make_kgid(egid);
    if rgid != NO_ID && !krgid.valid() {
        return Err(Errno::EINVAL);
    }
    if egid != NO_ID && !kegid.valid() {
        return Err(Errno::EINVAL);
    }
    let mut new = old.clone(); // prepare_creds
    if rgid != NO_ID {
        if old.gid == krgid || old.egid == krgid || capable_setgid(old) {
            new.gid = krgid;
        } else {
            return Err(Errno::EPERM);
        }
    }
    if egid != NO_ID {
        if old.gid == kegid || old.egid == kegid || old.sgid == kegid || capable_setgid(old) {
            new.egid = kegid;
        } else {
            return Err(Errno::EPERM);
        }
    }
    if rgid != NO_ID || (egid != NO_ID && kegid != old.gid) {
        new.sgid = new.egid;
    }
    new.fsgid = new.egid;
    // security_task_fix_setgid: no capability hook.
    Ok(new) // commit_creds
}

/// __sys_setgid.
pub fn setgid(old: &Creds, gid: u32) -> Result<Creds, Errno> {
    let kgid = make_kgid(gid);
    if !kgid.valid() {
        return Err(Errno::EINVAL);
    }
    let mut new = old.clone();
    if capable_setgid(old) {
        new.gid = kgid;
        new.egid = kgid;
        new.sgid = kgid;
        new.fsgid = kgid;
    } else if kgid == old.gid || kgid == old.sgid {
        new.egid = kgid;
        new.fsgid = kgid;
    } else {
        return Err(Errno::EPERM);
    }
    Ok(new)
}

/// __sys_setreuid.
pub fn setreuid(old: &Creds, ruid: u32, euid: u32) -> Result<Creds, Errno> {
    let kruid = make_kuid(ruid);
    let keuid = make_kuid(euid);
    if ruid != NO_ID && !kruid.valid() {
        return Err(Errno::EINVAL);
    }
    if euid != NO_ID && !keuid.valid() {
        return Err(Errno::EINVAL);
    }
    let mut new = old.clone();
    if ruid != NO_ID {
        new.uid = kruid;
        if old.uid != kruid && old.euid != kruid && !capable_setuid(old) {
            return Err(Errno::EPERM);
        }
    }
    if euid != NO_ID {
        new.euid = keuid;
        if old.uid != keuid && old.euid != keuid && old.suid != keuid && !capable_setuid(old) {
            return Err(Errno::EPERM);
        }
    }
    if ruid != NO_ID || (euid != NO_ID && keuid != old.uid) {
        new.suid = new.euid;
    }
    new.fsuid = new.euid;
    cap_task_fix_setuid(&mut new, old, SetId::Re)?;
    Ok(new)
}

/// __sys_setuid.
pub fn setuid(old: &Creds, uid: u32) -> Result<Creds, Errno> {
    let kuid = make_kuid(uid);
    if !kuid.valid() {
        return Err(Errno::EINVAL);
    }
    let mut new = old.clone();
    if capable_setuid(old) {
        new.suid = kuid;
        new.uid = kuid;
    } else if kuid != old.uid && kuid != new.suid {
        return Err(Errno::EPERM);
    }
    new.fsuid = kuid;
    new.euid = kuid;
    cap_task_fix_setuid(&mut new, old, SetId::Id)?;
    Ok(new)
}

/// __sys_setresuid.
pub fn setresuid(old: &Creds, ruid: u32, euid: u32, suid: u32) -> Result<Creds, Errno> {
    let kruid = make_kuid(ruid);
    let keuid = make_kuid(euid);
    let ksuid = make_kuid(suid);
    if ruid != NO_ID && !kruid.valid() {
        return Err(Errno::EINVAL);
    }
    if euid != NO_ID && !keuid.valid() {
        return Err(Errno::EINVAL);
    }
    if suid != NO_ID && !ksuid.valid() {
        return Err(Errno::EINVAL);
    }
    // check for no-op
    if (ruid == NO_ID || kruid == old.uid)
        && (euid == NO_ID || (keuid == old.euid && keuid == old.fsuid))
        && (suid == NO_ID || ksuid == old.suid)
    {
        return Ok(old.clone());
    }
    let is_new = |raw: u32, k| raw != NO_ID && k != old.uid && k != old.euid && k != old.suid;
    if (is_new(ruid, kruid) || is_new(euid, keuid) || is_new(suid, ksuid)) && !capable_setuid(old) {
        return Err(Errno::EPERM);
    }
    let mut new = old.clone();
    if ruid != NO_ID {
        new.uid = kruid;
    }
    if euid != NO_ID {
        new.euid = keuid;
    }
    if suid != NO_ID {
        new.suid = ksuid;
    }
    new.fsuid = new.euid;
    cap_task_fix_setuid(&mut new, old, SetId::Res)?;
    Ok(new)
}

/// __sys_setresgid.
pub fn setresgid(old: &Creds, rgid: u32, egid: u32, sgid: u32) -> Result<Creds, Errno> {
    let krgid = make_kgid(rgid);
    let kegid = make_kgid(egid);
    let ksgid = make_kgid(sgid);
    if rgid != NO_ID && !krgid.valid() {
        return Err(Errno::EINVAL);
    }
    if egid != NO_ID && !kegid.valid() {
        return Err(Errno::EINVAL);
    }
    if sgid != NO_ID && !ksgid.valid() {
        return Err(Errno::EINVAL);
    }
    // check for no-op
    if (rgid == NO_ID || krgid == old.gid)
        && (egid == NO_ID || (kegid == old.egid && kegid == old.fsgid))
        && (sgid == NO_ID || ksgid == old.sgid)
    {
        return Ok(old.clone());
    }
    let is_new = |raw: u32, k| raw != NO_ID && k != old.gid && k != old.egid && k != old.sgid;
    if (is_new(rgid, krgid) || is_new(egid, kegid) || is_new(sgid, ksgid)) && !capable_setgid(old) {
        return Err(Errno::EPERM);
    }
    let mut new = old.clone();
    if rgid != NO_ID {
        new.gid = krgid;
    }
    if egid != NO_ID {
        new.egid = kegid;
    }
    if sgid != NO_ID {
        new.sgid = ksgid;
    }
    new.fsgid = new.egid;
    Ok(new)
}

/// __sys_setfsuid: never fails; returns the old fsuid, and the new
/// credentials when they changed.
pub fn setfsuid(old: &Creds, uid: u32) -> (u32, Option<Creds>) {
    let old_fsuid = from_kuid_munged(old.fsuid);
    let kuid = make_kuid(uid);
    if !kuid.valid() {
        return (old_fsuid, None);
    }
    let allowed =
        kuid == old.uid || kuid == old.euid || kuid == old.suid || kuid == old.fsuid || capable_setuid(old);
    if allowed && kuid != old.fsuid {
        let mut new = old.clone();
        new.fsuid = kuid;
        if cap_task_fix_setuid(&mut new, old, SetId::Fs).is_ok() {
            return (old_fsuid, Some(new));
        }
    }
    (old_fsuid, None)
}

/// __sys_setfsgid.
pub fn setfsgid(old: &Creds, gid: u32) -> (u32, Option<Creds>) {
    let old_fsgid = from_kgid_munged(old.fsgid);
    let kgid = make_kgid(gid);
    if !kgid.valid() {
        return (old_fsgid, None);
    }
    let allowed =
        kgid == old.gid || kgid == old.egid || kgid == old.sgid || kgid == old.fsgid || capable_setgid(old);
    if allowed && kgid != old.fsgid {
        let mut new = old.clone();
        new.fsgid = kgid;
        return (old_fsgid, Some(new));
    }
    (old_fsgid, None)
}

pub fn getuid(c: &Creds) -> u32 {
    from_kuid_munged(c.uid)
}
pub fn geteuid(c: &Creds) -> u32 {
    from_kuid_munged(c.euid)
}
pub fn getgid(c: &Creds) -> u32 {
    from_kgid_munged(c.gid)
}
pub fn getegid(c: &Creds) -> u32 {
    from_kgid_munged(c.egid)
}

/// getresuid: put_user r, e and s in turn; a later fault keeps earlier writes.
pub fn getresuid(c: &Creds, ruidp: u64, euidp: u64, suidp: u64, mem: &mut dyn UserMem) -> Result<i64, Errno> {
    let ids = [c.uid, c.euid, c.suid].map(from_kuid_munged);
    put3(mem, [ruidp, euidp, suidp], ids)
}

/// getresgid.
pub fn getresgid(c: &Creds, rgidp: u64, egidp: u64, sgidp: u64, mem: &mut dyn UserMem) -> Result<i64, Errno> {
    let ids = [c.gid, c.egid, c.sgid].map(from_kgid_munged);
    put3(mem, [rgidp, egidp, sgidp], ids)
}

fn put3(mem: &mut dyn UserMem, ptrs: [u64; 3], ids: [u32; 3]) -> Result<i64, Errno> {
    for (p, v) in ptrs.into_iter().zip(ids) {
        put_user_u32(mem, p, v)?;
    }
    Ok(0)
}

pub const PR_GET_DUMPABLE: u64 = 3;
pub const PR_SET_DUMPABLE: u64 = 4;
pub const PR_SET_NO_NEW_PRIVS: u64 = 38;
pub const PR_GET_NO_NEW_PRIVS: u64 = 39;

/// The prctl options credshim answers: the capability ones, no_new_privs
/// (which decides what exec does) and the dumpable flag (which a drop
/// clears, and which decides the owner of /proc/PID/*; the real task stays
/// dumpable so that credshim can trace it). Every other option runs
/// natively.
pub const CREDENTIAL_PRCTL_OPTIONS: [u64; 11] = [3, 4, 7, 8, 23, 24, 27, 28, 38, 39, 47];

/// sys_prctl for the credential options: security_task_prctl
/// (cap_task_prctl) first, then the no_new_privs cases. `None` for an option
/// that is not a credential option.
pub fn prctl(old: &Creds, option: u64, arg2: u64, arg3: u64, arg4: u64, arg5: u64) -> Option<Result<PrctlAnswer, Errno>> {
    if !CREDENTIAL_PRCTL_OPTIONS.contains(&option) {
        return None;
    }
    match cap_task_prctl(old, option, arg2, arg3, arg4, arg5) {
        Err(Errno::ENOSYS) => {}
        other => return Some(other),
    }
    Some(match option {
        PR_SET_NO_NEW_PRIVS => {
            if arg2 != 1 || arg3 != 0 || arg4 != 0 || arg5 != 0 {
                Err(Errno::EINVAL)
            } else {
                let mut new = old.clone();
                new.no_new_privs = true;
                Ok(PrctlAnswer { ret: 0, commit: Some(new) })
            }
        }
        // kernel/sys.c: get_dumpable(me->mm); set_dumpable after checking
        // arg2 only (the other arguments are ignored).
        PR_GET_DUMPABLE => Ok(PrctlAnswer { ret: old.dumpable as i64, commit: None }),
        PR_SET_DUMPABLE => {
            if arg2 != crate::cred::SUID_DUMP_DISABLE as u64 && arg2 != crate::cred::SUID_DUMP_USER as u64 {
                Err(Errno::EINVAL)
            } else {
                let mut new = old.clone();
                new.dumpable = arg2 as u8;
                Ok(PrctlAnswer { ret: 0, commit: Some(new) })
            }
        }
        PR_GET_NO_NEW_PRIVS => {
            if arg2 != 0 || arg3 != 0 || arg4 != 0 || arg5 != 0 {
                Err(Errno::EINVAL)
            } else {
                Ok(PrctlAnswer { ret: old.no_new_privs as i64, commit: None })
            }
        }
        _ => Err(Errno::EINVAL),
    })
}
