//! kernel/uid16.c: the i386 legacy calls with 16-bit ids. Setters reach the
//! 32-bit functions through `low2highuid` in the shim table; what is here is
//! what differs: 16-bit results and 16-bit user buffers.

use crate::cred::Creds;
use crate::errno::Errno;
use crate::groups::{getgroups_with, setgroups_with};
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

/// getgroups16: groups16_to_user writes 16-bit ids.
pub fn getgroups16(c: &Creds, gidsetsize: i32, grouplist: u64, mem: &mut dyn UserMem) -> Result<i64, Errno> {
    getgroups_with(c, gidsetsize, |groups| {
        for (i, g) in groups.iter().enumerate() {
            put_user_u16(mem, grouplist.wrapping_add(i as u64 * 2), high2lowuid(from_kgid_munged(*g)))?;
        }
        Ok(())
    })
}

/// setgroups16: groups16_from_user reads 16-bit ids, 0xffff being -1.
pub fn setgroups16(old: &Creds, gidsetsize: i32, grouplist: u64, mem: &mut dyn UserMem) -> Result<Creds, Errno> {
    setgroups_with(old, gidsetsize, |count| {
        let mut list = Vec::with_capacity(count as usize);
        for i in 0..count as u64 {
            let kgid = make_kgid(low2highuid(get_user_u16(mem, grouplist.wrapping_add(i * 2))?));
            if !kgid.valid() {
                return Err(Errno::EINVAL);
            }
            list.push(kgid);
        }
        Ok(list)
    })
}
