//! security/commoncap.c: the capability LSM hooks that credential changes go
//! through. Names and order follow the kernel.

use crate::capset::{cap_valid, CapSet, CAP_SETPCAP};
use crate::cred::Creds;
use crate::errno::Errno;
use crate::id::{Kuid, ROOT_UID};
use crate::securebits::*;

/// Which kind of id change `task_fix_setuid` is told about (LSM_SETID_*).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SetId {
    /// setuid
    Id,
    /// setreuid
    Re,
    /// setresuid
    Res,
    /// setfsuid
    Fs,
}

/// What a prctl option handled here returns: its value, and new credentials
/// when it changed them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrctlAnswer {
    pub ret: i64,
    pub commit: Option<Creds>,
}

/// cap_capset: validate and apply a capset to `new` (a copy of `old`).
pub fn cap_capset(
    new: &mut Creds,
    old: &Creds,
    effective: CapSet,
    inheritable: CapSet,
    permitted: CapSet,
) -> Result<(), Errno> {
    // cap_inh_is_capped: limited unless the caller has CAP_SETPCAP.
    let inh_is_capped = !old.capable(CAP_SETPCAP);
    if inh_is_capped
        && !inheritable.issubset(old.cap_inheritable.combine(old.cap_permitted))
    {
        // incapable of using this inheritable set
        return Err(Errno::EPERM);
    }
    if !inheritable.issubset(old.cap_inheritable.combine(old.cap_bset)) {
        // no new pI capabilities outside bounding set
        return Err(Errno::EPERM);
    }
    // verify restrictions on target's new Permitted set
    if !permitted.issubset(old.cap_permitted) {
        return Err(Errno::EPERM);
    }
    // verify the _new_Effective_ is a subset of the _new_Permitted_
    if !effective.issubset(permitted) {
        return Err(Errno::EPERM);
    }
    new.cap_effective = effective;
    new.cap_inheritable = inheritable;
    new.cap_permitted = permitted;
    // Mask off ambient bits that are no longer both permitted and inheritable.
    new.cap_ambient = new
        .cap_ambient
        .intersect(permitted.intersect(inheritable));
    Ok(())
}

/// cap_emulate_setxuid: the capability juggling that follows [RES]UID changes.
fn cap_emulate_setxuid(new: &mut Creds, old: &Creds) {
    let root = ROOT_UID;
    let was_root = old.uid == root || old.euid == root || old.suid == root;
    let none_root = new.uid != root && new.euid != root && new.suid != root;
    if was_root && none_root {
        if !old.securebits.issecure(SECURE_KEEP_CAPS) {
            new.cap_permitted = CapSet::EMPTY;
            new.cap_effective = CapSet::EMPTY;
        }
        // Pre-ambient programs expect setresuid to nonroot followed by exec to
        // drop capabilities.
        new.cap_ambient = CapSet::EMPTY;
    }
    if old.euid == root && new.euid != root {
        new.cap_effective = CapSet::EMPTY;
    }
    if old.euid != root && new.euid == root {
        new.cap_effective = new.cap_permitted;
    }
}

/// cap_task_fix_setuid: every uid setter's fix-up hook.
pub fn cap_task_fix_setuid(new: &mut Creds, old: &Creds, flags: SetId) -> Result<(), Errno> {
    match flags {
        SetId::Re | SetId::Id | SetId::Res => {
            // juggle the capabilities to follow [RES]UID changes unless
            // otherwise suppressed
            if !old.securebits.issecure(SECURE_NO_SETUID_FIXUP) {
                cap_emulate_setxuid(new, old);
            }
        }
        SetId::Fs => {
            if !old.securebits.issecure(SECURE_NO_SETUID_FIXUP) {
                let root = ROOT_UID;
                if old.fsuid == root && new.fsuid != root {
                    new.cap_effective = new.cap_effective.drop_fs_set();
                }
                if old.fsuid != root && new.fsuid == root {
                    new.cap_effective = new.cap_effective.raise_fs_set(new.cap_permitted);
                }
            }
        }
    }
    Ok(())
}

pub const PR_GET_KEEPCAPS: u64 = 7;
pub const PR_SET_KEEPCAPS: u64 = 8;
pub const PR_CAPBSET_READ: u64 = 23;
pub const PR_CAPBSET_DROP: u64 = 24;
pub const PR_GET_SECUREBITS: u64 = 27;
pub const PR_SET_SECUREBITS: u64 = 28;
pub const PR_CAP_AMBIENT: u64 = 47;
pub const PR_CAP_AMBIENT_IS_SET: u64 = 1;
pub const PR_CAP_AMBIENT_RAISE: u64 = 2;
pub const PR_CAP_AMBIENT_LOWER: u64 = 3;
pub const PR_CAP_AMBIENT_CLEAR_ALL: u64 = 4;

/// cap_prctl_drop: PR_CAPBSET_DROP.
fn cap_prctl_drop(old: &Creds, cap: u64) -> Result<PrctlAnswer, Errno> {
    if !old.capable(CAP_SETPCAP) {
        return Err(Errno::EPERM);
    }
    if !cap_valid(cap) {
        return Err(Errno::EINVAL);
    }
    let mut new = old.clone();
    new.cap_bset.lower(cap as u32);
    Ok(commit(new))
}

fn commit(new: Creds) -> PrctlAnswer {
    PrctlAnswer { ret: 0, commit: Some(new) }
}

fn value(ret: i64) -> PrctlAnswer {
    PrctlAnswer { ret, commit: None }
}

/// cap_task_prctl: the capability prctl options. `Err(ENOSYS)` means "not
/// mine", as in the kernel, and the caller goes on with the other options.
pub fn cap_task_prctl(
    old: &Creds,
    option: u64,
    arg2: u64,
    arg3: u64,
    arg4: u64,
    arg5: u64,
) -> Result<PrctlAnswer, Errno> {
    match option {
        PR_CAPBSET_READ => {
            if !cap_valid(arg2) {
                return Err(Errno::EINVAL);
            }
            Ok(value(old.cap_bset.raised(arg2 as u32) as i64))
        }
        PR_CAPBSET_DROP => cap_prctl_drop(old, arg2),
        PR_SET_SECUREBITS => {
            let sb = old.securebits.0 as u64;
            let all_locks = SECURE_ALL_LOCKS as u64;
            // [1] no changing of bits that are locked
            if (((sb & all_locks) >> 1) & (sb ^ arg2)) != 0
                // [2] no unlocking of locks
                || (sb & all_locks & !arg2) != 0
                // [3] no setting of unsupported bits
                || (arg2 & !(all_locks | SECURE_ALL_BITS as u64)) != 0
            {
                return Err(Errno::EPERM);
            }
            // Doing anything requires privilege, except for the unprivileged
            // bits, which user space enforces on itself.
            if !old.capable(CAP_SETPCAP) {
                let unpriv_and_locks = (SECURE_ALL_UNPRIVILEGED | SECURE_ALL_UNPRIVILEGED << 1) as u64;
                let changed = sb ^ arg2;
                // For legacy reason, denies non-change.
                if changed == 0 || changed & !unpriv_and_locks != 0 {
                    return Err(Errno::EPERM);
                }
            }
            let mut new = old.clone();
            new.securebits = SecureBits(arg2 as u32);
            Ok(commit(new))
        }
        PR_GET_SECUREBITS => Ok(value(old.securebits.0 as i64)),
        PR_GET_KEEPCAPS => Ok(value(old.securebits.issecure(SECURE_KEEP_CAPS) as i64)),
        PR_SET_KEEPCAPS => {
            if arg2 > 1 {
                return Err(Errno::EINVAL);
            }
            if old.securebits.issecure(SECURE_KEEP_CAPS_LOCKED) {
                return Err(Errno::EPERM);
            }
            let mut new = old.clone();
            if arg2 != 0 {
                new.securebits.set(SECURE_KEEP_CAPS);
            } else {
                new.securebits.clear(SECURE_KEEP_CAPS);
            }
            Ok(commit(new))
        }
        PR_CAP_AMBIENT => {
            if arg2 == PR_CAP_AMBIENT_CLEAR_ALL {
                if arg3 | arg4 | arg5 != 0 {
                    return Err(Errno::EINVAL);
                }
                let mut new = old.clone();
                new.cap_ambient = CapSet::EMPTY;
                return Ok(commit(new));
            }
            if !cap_valid(arg3) || arg4 != 0 || arg5 != 0 {
                return Err(Errno::EINVAL);
            }
            let cap = arg3 as u32;
            if arg2 == PR_CAP_AMBIENT_IS_SET {
                Ok(value(old.cap_ambient.raised(cap) as i64))
            } else if arg2 != PR_CAP_AMBIENT_RAISE && arg2 != PR_CAP_AMBIENT_LOWER {
                Err(Errno::EINVAL)
            } else {
                if arg2 == PR_CAP_AMBIENT_RAISE
                    && (!old.cap_permitted.raised(cap)
                        || !old.cap_inheritable.raised(cap)
                        || old.securebits.issecure(SECURE_NO_CAP_AMBIENT_RAISE))
                {
                    return Err(Errno::EPERM);
                }
                let mut new = old.clone();
                if arg2 == PR_CAP_AMBIENT_RAISE {
                    new.cap_ambient.raise(cap);
                } else {
                    new.cap_ambient.lower(cap);
                }
                Ok(commit(new))
            }
        }
        // No functionality available - continue with default
        _ => Err(Errno::ENOSYS),
    }
}

/// The file capabilities of an executable (`struct cpu_vfs_cap_data`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct VfsCaps {
    pub permitted: CapSet,
    pub inheritable: CapSet,
    /// VFS_CAP_FLAGS_EFFECTIVE.
    pub effective: bool,
    /// The namespace root the v3 attribute names (0 for a v2 attribute).
    pub rootid: u32,
}

impl VfsCaps {
    /// Reads a `security.capability` value (struct vfs_cap_data /
    /// vfs_ns_cap_data, little endian): revision 1, 2 or 3, the effective
    /// flag, permitted and inheritable, and the v3 rootid. None for a value
    /// the kernel would reject.
    pub fn from_xattr(v: &[u8]) -> Option<VfsCaps> {
        let le = |i: usize| v.get(i..i + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        let magic = le(0)?;
        let (words, rootid) = match (magic & 0xff00_0000, v.len()) {
            (0x0100_0000, 12) => (1, 0),
            (0x0200_0000, 20) => (2, 0),
            (0x0300_0000, 24) => (2, le(20)?),
            _ => return None,
        };
        let half = |i: usize| -> Option<(u32, u32)> { Some((le(4 + 8 * i)?, le(8 + 8 * i)?)) };
        let (p0, i0) = half(0)?;
        let (p1, i1) = if words == 2 { half(1)? } else { (0, 0) };
        Some(VfsCaps {
            permitted: CapSet::from_halves(p0, p1),
            inheritable: CapSet::from_halves(i0, i1),
            effective: magic & 1 != 0,
            rootid,
        })
    }
}

/// The exec-time state of `struct linux_binprm` that the capability hook uses.
pub struct Bprm<'a> {
    pub cred: Creds,
    pub file: &'a ExecFile,
    /// LSM_UNSAFE_NO_NEW_PRIVS (the only unsafe reason the model knows: it
    /// does not model a ptracer or a shared fs struct).
    pub unsafe_no_new_privs: bool,
}

fn root_privileged(c: &Creds) -> bool {
    !c.securebits.issecure(SECURE_NOROOT)
}

fn is_real(uid: Kuid, c: &Creds) -> bool {
    c.uid == uid
}

fn is_eff(uid: Kuid, c: &Creds) -> bool {
    c.euid == uid
}

fn is_suid(uid: Kuid, c: &Creds) -> bool {
    !is_real(uid, c) && is_eff(uid, c)
}

/// __cap_gained(permitted, new, old).
fn cap_gained_permitted(new: &Creds, old: &Creds) -> bool {
    !new.cap_permitted.issubset(old.cap_permitted)
}

/// get_file_caps and bprm_caps_from_vfs_caps: pP' = (X & fP) | (pI & fI).
/// Returns (effective, has_fcap).
fn get_file_caps(bprm: &mut Bprm) -> Result<(bool, bool), Errno> {
    bprm.cred.cap_permitted = CapSet::EMPTY;
    if bprm.file.nosuid {
        return Ok((false, false));
    }
    // get_vfs_caps_from_disk: a v3 attribute whose root does not own the
    // current namespace reads as no attribute (-ENODATA).
    let caps = match bprm.file.caps {
        Some(c) if c.rootid == 0 => c,
        _ => return Ok((false, false)),
    };
    let new = &mut bprm.cred;
    let effective = caps.effective;
    let has_fcap = true;
    new.cap_permitted = new
        .cap_bset
        .intersect(caps.permitted)
        .combine(new.cap_inheritable.intersect(caps.inheritable));
    // insufficient to execute correctly: only an error for legacy (fE) files
    if !caps.permitted.issubset(new.cap_permitted) && effective {
        new.cap_permitted = CapSet::EMPTY;
        return Err(Errno::EPERM);
    }
    Ok((effective, has_fcap))
}

/// handle_privileged_root: root's and set-user-ID-root's capabilities.
fn handle_privileged_root(bprm: &mut Bprm, old: &Creds, has_fcap: bool, effective: &mut bool) {
    let root = ROOT_UID;
    if !root_privileged(old) {
        return;
    }
    let new = &mut bprm.cred;
    // If the legacy file capability is set, then don't set privs for a
    // setuid root binary run by a non-root user.
    if has_fcap && is_suid(root, new) {
        return;
    }
    if is_eff(root, new) || is_real(root, new) {
        // pP' = (cap_bset & ~0) | (pI & ~0)
        new.cap_permitted = old.cap_bset.combine(old.cap_inheritable);
    }
    // If only the real uid is 0, we do not set the effective bit.
    if is_eff(root, new) {
        *effective = true;
    }
}

/// cap_bprm_creds_from_file: the capability part of execve.
pub fn cap_bprm_creds_from_file(bprm: &mut Bprm, old: &Creds) -> Result<(), Errno> {
    if !old.ambient_invariant_ok() {
        return Err(Errno::EPERM);
    }
    let (mut effective, has_fcap) = get_file_caps(bprm)?;
    handle_privileged_root(bprm, old, has_fcap, &mut effective);

    let new = &mut bprm.cred;
    // Don't let someone trace a set[ug]id/setpcap binary with the revised
    // credentials unless they have the appropriate permit. In addition, if
    // NO_NEW_PRIVS, then ensure we get no new privs.
    let id_changed = new.euid != old.euid || !old.in_group_p(new.egid);
    if (id_changed || cap_gained_permitted(new, old)) && bprm.unsafe_no_new_privs {
        // downgrade; they get no more than they had, and maybe less
        new.euid = new.uid;
        new.egid = new.gid;
        new.cap_permitted = new.cap_permitted.intersect(old.cap_permitted);
    }

    new.suid = new.euid;
    new.fsuid = new.euid;
    new.sgid = new.egid;
    new.fsgid = new.egid;

    // File caps or setid cancels ambient.
    if has_fcap || id_changed {
        new.cap_ambient = CapSet::EMPTY;
    }
    // pP' = (X & fP) | (pI & fI) | pA'
    new.cap_permitted = new.cap_permitted.combine(new.cap_ambient);
    // pE' = (fE ? pP' : pA')
    new.cap_effective = if effective {
        new.cap_permitted
    } else {
        new.cap_ambient
    };
    if !new.ambient_invariant_ok() {
        return Err(Errno::EPERM);
    }
    new.securebits.clear(SECURE_KEEP_CAPS);
    Ok(())
}

/// bprm->file as cap_bprm_creds_from_file and bprm_fill_uid see it
/// (get_vfs_caps_from_disk, the inode's owner and mode, the mount).
/// What exec needs to know of the file being executed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecFile {
    /// The owner as the task sees it (the virtual owner where one is recorded).
    pub uid: u32,
    pub gid: u32,
    /// st_mode.
    pub mode: u32,
    /// Mounted nosuid (mnt_may_suid is false).
    pub nosuid: bool,
    /// `security.capability`, if the file has one.
    pub caps: Option<VfsCaps>,
}

impl ExecFile {
    /// A plain root-owned 0755 executable.
    pub fn plain() -> ExecFile {
        ExecFile { uid: 0, gid: 0, mode: 0o100755, nosuid: false, caps: None }
    }
}
