//! fs/open.c chown_common and fs/attr.c setattr_prepare (chown_ok,
//! chgrp_ok) and notify_change's set-id clearing: what chown does to a file
//! as the model's credentials see it.

use crate::capset::{CAP_CHOWN, CAP_FSETID};
use crate::cred::Creds;
use crate::errno::Errno;
use crate::namei::{S_IFDIR, S_IFMT, S_ISGID, S_ISUID, S_IXGRP};
use crate::id::{make_kgid, make_kuid, Kgid, Kuid, NO_ID};

/// A file's owner and mode, as the caller sees them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Owner {
    pub uid: u32,
    pub gid: u32,
    pub mode: u32,
}

/// capable_wrt_inode_uidgid: the capability, and the inode's ids mapped (an
/// unmapped owner is NO_ID here).
fn capable_wrt_inode_uidgid(c: &Creds, f: &Owner, cap: u32) -> bool {
    c.capable(cap) && f.uid != NO_ID && f.gid != NO_ID
}

/// fs/attr.c chown_ok.
fn chown_ok(c: &Creds, f: &Owner, uid: Kuid) -> bool {
    if Kuid(f.uid) == c.fsuid && uid == Kuid(f.uid) {
        return true;
    }
    capable_wrt_inode_uidgid(c, f, CAP_CHOWN)
}

/// fs/attr.c chgrp_ok.
fn chgrp_ok(c: &Creds, f: &Owner, gid: Kgid) -> bool {
    if Kuid(f.uid) == c.fsuid && (gid == Kgid(f.gid) || c.in_group_p(gid)) {
        return true;
    }
    capable_wrt_inode_uidgid(c, f, CAP_CHOWN)
}

/// fs/inode.c setattr_should_drop_sgid: a group-executable set-group-ID
/// file loses the bit; one without group execute (mandatory locking) only
/// when the caller is neither in its group nor has CAP_FSETID.
fn should_drop_sgid(c: &Creds, f: &Owner) -> bool {
    if f.mode & S_ISGID == 0 {
        return false;
    }
    if f.mode & S_IXGRP != 0 {
        return true;
    }
    !(c.in_group_p(Kgid(f.gid)) || capable_wrt_inode_uidgid(c, f, CAP_FSETID))
}

/// chown(2) on a file: `user`/`group` as passed (-1 keeps). Returns the new
/// owner and mode, or the kernel's errno.
pub fn chown_common(c: &Creds, f: &Owner, user: u32, group: u32) -> Result<Owner, Errno> {
    let uid = make_kuid(user);
    let gid = make_kgid(group);
    let mut new = *f;
    let mut kill = 0;
    if user != NO_ID {
        if !uid.valid() {
            return Err(Errno::EINVAL);
        }
        new.uid = uid.0;
    }
    if group != NO_ID {
        if !gid.valid() {
            return Err(Errno::EINVAL);
        }
        new.gid = gid.0;
    }
    if f.mode & S_IFMT != S_IFDIR {
        kill |= S_ISUID; // ATTR_KILL_SUID
        if should_drop_sgid(c, f) {
            kill |= S_ISGID;
        }
    }
    // setattr_prepare
    if user != NO_ID && !chown_ok(c, f, uid) {
        return Err(Errno::EPERM);
    }
    if group != NO_ID && !chgrp_ok(c, f, gid) {
        return Err(Errno::EPERM);
    }
    new.mode &= !kill;
    Ok(new)
}
