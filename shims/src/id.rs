//! Ids as the kernel sees them. The virtual user namespace maps every id but
//! -1 to itself (what real root on a host sees), so `make_kuid` only decides
//! validity.

/// A uid inside the model (`kuid_t`); `INVALID` is the only invalid value.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct Kuid(pub u32);

/// A gid inside the model (`kgid_t`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct Kgid(pub u32);

/// `(uid_t)-1`: "leave unchanged" as an argument, never a valid id.
pub const NO_ID: u32 = u32::MAX;

/// /proc/sys/kernel/overflowuid and overflowgid (their defaults).
pub const OVERFLOW_ID: u32 = 65534;

/// The `root_uid` of the namespace (`make_kuid(ns, 0)`).
pub const ROOT_UID: Kuid = Kuid(0);

impl Kuid {
    pub fn valid(self) -> bool {
        self.0 != NO_ID
    }
}

impl Kgid {
    pub fn valid(self) -> bool {
        self.0 != NO_ID
    }
}

/// include/linux/uidgid.h make_kuid, for the identity-mapped namespace.
pub fn make_kuid(uid: u32) -> Kuid {
    Kuid(uid)
}

/// include/linux/uidgid.h make_kgid.
pub fn make_kgid(gid: u32) -> Kgid {
    Kgid(gid)
}

/// from_kuid_munged: every valid kuid maps, so this is the value itself.
pub fn from_kuid_munged(uid: Kuid) -> u32 {
    if uid.valid() {
        uid.0
    } else {
        OVERFLOW_ID
    }
}

/// from_kgid_munged.
pub fn from_kgid_munged(gid: Kgid) -> u32 {
    if gid.valid() {
        gid.0
    } else {
        OVERFLOW_ID
    }
}

/// How wide a call's id arguments are: the i386 legacy calls take `old_uid_t`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum IdWidth {
    U16,
    U32,
}

/// include/linux/highuid.h low2highuid: 16-bit -1 means 32-bit -1.
pub fn low2highuid(uid: u16) -> u32 {
    if uid == u16::MAX {
        NO_ID
    } else {
        uid as u32
    }
}

/// include/linux/highuid.h high2lowuid: ids above 16 bits read as overflowuid.
pub fn high2lowuid(uid: u32) -> u16 {
    if uid & !0xffff != 0 {
        OVERFLOW_ID as u16
    } else {
        uid as u16
    }
}

/// An id argument as it arrives in a register, cut to the call's width the way
/// the kernel's prototype does (`uid_t` is 32 bits, `old_uid_t` 16) and widened
/// again as kernel/uid16.c does.
/// An id as a call passes it, after the row's width (u32::MAX is -1).
pub type RawId = u32;

pub fn raw_id(reg: u64, width: IdWidth) -> RawId {
    match width {
        IdWidth::U32 => reg as u32,
        IdWidth::U16 => low2highuid(reg as u16),
    }
}
