//! kernel/groups.c: supplementary groups.

use crate::capset::CAP_SETGID;
use crate::cred::{sorted_groups, Creds, Groups};
use crate::errno::Errno;
use crate::id::{from_kgid_munged, make_kgid, Kgid};
use crate::mem::{get_user_u32, put_user_u32, UserMem};

/// include/uapi/linux/limits.h NGROUPS_MAX.
pub const NGROUPS_MAX: u32 = 65536;

/// may_setgroups: CAP_SETGID in the namespace, and the namespace allows
/// setgroups (the virtual namespace always does).
pub fn may_setgroups(old: &Creds) -> bool {
    old.capable(CAP_SETGID)
}

/// groups_from_user: `count` gids read one by one; EFAULT or EINVAL at the
/// first bad one.
fn groups_from_user(mem: &mut dyn UserMem, list: u64, count: u32) -> Result<Vec<Kgid>, Errno> {
    let mut out = Vec::with_capacity(count as usize);
    for i in 0..count as u64 {
        let gid = get_user_u32(mem, list.wrapping_add(i * 4))?;
        let kgid = make_kgid(gid);
        if !kgid.valid() {
            return Err(Errno::EINVAL);
        }
        out.push(kgid);
    }
    Ok(out)
}

/// groups_to_user: put_user each gid in turn.
fn groups_to_user(mem: &mut dyn UserMem, list: u64, groups: &Groups) -> Result<(), Errno> {
    for (i, g) in groups.iter().enumerate() {
        put_user_u32(mem, list.wrapping_add(i as u64 * 4), from_kgid_munged(*g))?;
    }
    Ok(())
}

/// setgroups(2). `gidsetsize` is the int the kernel receives.
pub fn setgroups(old: &Creds, gidsetsize: i32, grouplist: u64, mem: &mut dyn UserMem) -> Result<Creds, Errno> {
    setgroups_with(old, gidsetsize, |count| groups_from_user(mem, grouplist, count))
}

/// The checks setgroups and setgroups16 share, in the kernel's order; only
/// the copy of the list (`from_user`) differs.
pub(crate) fn setgroups_with(
    old: &Creds,
    gidsetsize: i32,
    from_user: impl FnOnce(u32) -> Result<Vec<Kgid>, Errno>,
) -> Result<Creds, Errno> {
    if !may_setgroups(old) {
        return Err(Errno::EPERM);
    }
    if gidsetsize as u32 > NGROUPS_MAX {
        return Err(Errno::EINVAL);
    }
    let list = from_user(gidsetsize as u32)?;
    let mut new = old.clone();
    new.groups = sorted_groups(list); // groups_sort, set_current_groups
    Ok(new)
}

/// getgroups(2): size 0 asks for the count; a smaller size is EINVAL.
pub fn getgroups(c: &Creds, gidsetsize: i32, grouplist: u64, mem: &mut dyn UserMem) -> Result<i64, Errno> {
    getgroups_with(c, gidsetsize, |groups| groups_to_user(mem, grouplist, groups))
}

/// The checks getgroups and getgroups16 share; only `to_user` differs.
pub(crate) fn getgroups_with(
    c: &Creds,
    gidsetsize: i32,
    to_user: impl FnOnce(&Groups) -> Result<(), Errno>,
) -> Result<i64, Errno> {
    if gidsetsize < 0 {
        return Err(Errno::EINVAL);
    }
    let n = c.groups.len() as i64;
    if gidsetsize != 0 {
        if n > gidsetsize as i64 {
            return Err(Errno::EINVAL);
        }
        to_user(&c.groups)?;
    }
    Ok(n)
}
