//! kernel/uid16.c: the i386 legacy calls with 16-bit ids. Setters reach the
//! 32-bit functions through `low2highuid` in the shim table; what is here is
//! what differs: 16-bit results and 16-bit user buffers.

use crate::cred::Creds;
use crate::errno::Errno;
use crate::groups::{may_setgroups, set_groups, NGROUPS_MAX};
use crate::id::{from_kgid_munged, from_kuid_munged, high2lowuid, low2highuid, make_kgid};
use crate::mem::{get_user_u16, put_user_u16, UserMem};

/// getresuid16.
pub fn getresuid16(c: &Creds, ruidp: u64, euidp: u64, suidp: u64, mem: &mut dyn UserMem) -> Result<i64, Errno> {
    let ids = [c.uid, c.euid, c.suid].map(|u| high2lowuid(from_kuid_munged(u)));
    put3(mem, [ruidp, euidp, suidp], ids)
}

/// getresgid16.
pub fn getresgid16(c: &Creds, rgidp: u64, egidp: u64, sgidp: u64, mem: &mut dyn UserMem) -> Result<i64, Errno> {
    let ids = [c.gid, c.egid, c.sgid].map(|g| high2lowuid(from_kgid_munged(g)));
    put3(mem, [rgidp, egidp, sgidp], ids)
}

fn put3(mem: &mut dyn UserMem, ptrs: [u64; 3], ids: [u16; 3]) -> Result<i64, Errno> {
    for (p, v) in ptrs.into_iter().zip(ids) {
        put_user_u16(mem, p, v)?;
    }
    Ok(0)
}

/// getgroups16.
pub fn getgroups16(c: &Creds, gidsetsize: i32, grouplist: u64, mem: &mut dyn UserMem) -> Result<i64, Errno> {
    if gidsetsize < 0 {
        return Err(Errno::EINVAL);
    }
    let n = c.groups.len() as i64;
    if gidsetsize != 0 {
        if n > gidsetsize as i64 {
            return Err(Errno::EINVAL);
        }
        // groups16_to_user
        for (i, g) in c.groups.iter().enumerate() {
            put_user_u16(mem, grouplist.wrapping_add(i as u64 * 2), high2lowuid(from_kgid_munged(*g)))?;
        }
    }
    Ok(n)
}

/// setgroups16.
pub fn setgroups16(old: &Creds, gidsetsize: i32, grouplist: u64, mem: &mut dyn UserMem) -> Result<Creds, Errno> {
    if !may_setgroups(old) {
        return Err(Errno::EPERM);
    }
    if gidsetsize as u32 > NGROUPS_MAX {
        return Err(Errno::EINVAL);
    }
    // groups16_from_user
    let mut list = Vec::with_capacity(gidsetsize as usize);
    for i in 0..gidsetsize as u64 {
        let gid = get_user_u16(mem, grouplist.wrapping_add(i * 2))?;
        let kgid = make_kgid(low2highuid(gid));
        if !kgid.valid() {
            return Err(Errno::EINVAL);
        }
        list.push(kgid);
    }
    set_groups(old, list)
}
