//! kernel/capability.c: capget and capset.

use crate::capset::CapSet;
use crate::commoncap::cap_capset;
use crate::cred::Creds;
use crate::errno::Errno;
use crate::mem::{get_user_u32, put_user_u32, UserMem};

pub const LINUX_CAPABILITY_VERSION_1: u32 = 0x19980330;
pub const LINUX_CAPABILITY_VERSION_2: u32 = 0x20071026;
pub const LINUX_CAPABILITY_VERSION_3: u32 = 0x20080522;
/// _KERNEL_CAPABILITY_VERSION: what an unknown version is answered with.
pub const KERNEL_CAPABILITY_VERSION: u32 = LINUX_CAPABILITY_VERSION_3;

/// sizeof(struct __user_cap_data_struct).
const DATA_STRUCT_SIZE: u64 = 12;

/// The three sets capget reports for a task.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct CapTriple {
    pub effective: CapSet,
    pub inheritable: CapSet,
    pub permitted: CapSet,
}

impl From<&Creds> for CapTriple {
    fn from(c: &Creds) -> CapTriple {
        CapTriple { effective: c.cap_effective, inheritable: c.cap_inheritable, permitted: c.cap_permitted }
    }
}

/// The caller of capget/capset as kernel/capability.c needs it: its pid
/// (task_pid_vnr(current), the thread id) and the other tasks it can see.
pub struct Caller<'a> {
    pub tid: i32,
    /// find_task_by_vpid: another task's sets, or None if there is no such task.
    pub find_task: &'a dyn Fn(i32) -> Option<CapTriple>,
}

/// cap_validate_magic: the number of u32 words per set, or the version
/// negotiation answer (the kernel's version written back, then EINVAL).
fn cap_validate_magic(header: u64, mem: &mut dyn UserMem) -> Result<u64, Errno> {
    let version = get_user_u32(mem, header)?;
    match version {
        LINUX_CAPABILITY_VERSION_1 => Ok(1),
        LINUX_CAPABILITY_VERSION_2 | LINUX_CAPABILITY_VERSION_3 => Ok(2),
        _ => {
            put_user_u32(mem, header, KERNEL_CAPABILITY_VERSION)?;
            Err(Errno::EINVAL)
        }
    }
}

/// capget(2).
pub fn capget(c: &Creds, caller: &Caller, header: u64, dataptr: u64, mem: &mut dyn UserMem) -> Result<i64, Errno> {
    let tocopy = match cap_validate_magic(header, mem) {
        Ok(n) if dataptr != 0 => n,
        Ok(_) => return Ok(0),
        Err(Errno::EINVAL) if dataptr == 0 => return Ok(0),
        Err(e) => return Err(e),
    };
    let pid = get_user_u32(mem, header.wrapping_add(4))? as i32;
    if pid < 0 {
        return Err(Errno::EINVAL);
    }
    // cap_get_target_pid
    let sets = if pid != 0 && pid != caller.tid {
        (caller.find_task)(pid).ok_or(Errno::ESRCH)?
    } else {
        CapTriple::from(c)
    };
    let (e, p, i) = (sets.effective.0, sets.permitted.0, sets.inheritable.0);
    let words = [e as u32, p as u32, i as u32, (e >> 32) as u32, (p >> 32) as u32, (i >> 32) as u32];
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_ne_bytes()).collect();
    mem.write(dataptr, &bytes[..(tocopy * DATA_STRUCT_SIZE) as usize])?;
    Ok(0)
}

/// capset(2): may only affect the caller.
pub fn capset(old: &Creds, caller: &Caller, header: u64, data: u64, mem: &mut dyn UserMem) -> Result<Creds, Errno> {
    let tocopy = cap_validate_magic(header, mem)?;
    let pid = get_user_u32(mem, header.wrapping_add(4))? as i32;
    if pid != 0 && pid != caller.tid {
        return Err(Errno::EPERM);
    }
    let mut kdata = [0u8; 24];
    mem.read(data, &mut kdata[..(tocopy * DATA_STRUCT_SIZE) as usize])?;
    let w = |i: usize| u32::from_ne_bytes([kdata[i * 4], kdata[i * 4 + 1], kdata[i * 4 + 2], kdata[i * 4 + 3]]);
    let effective = CapSet::from_halves(w(0), w(3));
    let permitted = CapSet::from_halves(w(1), w(4));
    let inheritable = CapSet::from_halves(w(2), w(5));
    let mut new = old.clone();
    cap_capset(&mut new, old, effective, inheritable, permitted)?;
    Ok(new)
}
