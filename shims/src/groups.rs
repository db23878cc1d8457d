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
    if !may_setgroups(old) {
        return Err(Errno::EPERM);
    }
    if gidsetsize as u32 > NGROUPS_MAX {
        return Err(Errno::EINVAL);
    }
    let list = groups_from_user(mem, grouplist, gidsetsize as u32)?;
    set_groups(old, list)
}

/// set_current_groups after groups_sort.
pub fn set_groups(old: &Creds, list: Vec<Kgid>) -> Result<Creds, Errno> {
    let mut new = old.clone();
    new.groups = sorted_groups(list);
    Ok(new)
}

/// getgroups(2): size 0 asks for the count; a smaller size is EINVAL.
pub fn getgroups(c: &Creds, gidsetsize: i32, grouplist: u64, mem: &mut dyn UserMem) -> Result<i64, Errno> {
    if gidsetsize < 0 {
        return Err(Errno::EINVAL);
    }
    let n = c.groups.len() as i64;
    if gidsetsize != 0 {
        if n > gidsetsize as i64 {
            return Err(Errno::EINVAL);
        }
        groups_to_user(mem, grouplist, &c.groups)?;
    }
    Ok(n)
}
