//! `kernel_cap_t` and its helpers (include/linux/capability.h).

/// The highest capability this model knows (CAP_CHECKPOINT_RESTORE, Linux 5.9+).
pub const CAP_LAST_CAP: u32 = 40;
/// CAP_VALID_MASK: every capability up to CAP_LAST_CAP.
pub const CAP_VALID_MASK: u64 = (1u64 << (CAP_LAST_CAP + 1)) - 1;

pub const CAP_CHOWN: u32 = 0;
pub const CAP_DAC_OVERRIDE: u32 = 1;
pub const CAP_DAC_READ_SEARCH: u32 = 2;
pub const CAP_FOWNER: u32 = 3;
pub const CAP_FSETID: u32 = 4;
pub const CAP_KILL: u32 = 5;
pub const CAP_LINUX_IMMUTABLE: u32 = 9;
pub const CAP_SETGID: u32 = 6;
pub const CAP_SETUID: u32 = 7;
pub const CAP_SETPCAP: u32 = 8;
pub const CAP_NET_BIND_SERVICE: u32 = 10;
pub const CAP_NET_RAW: u32 = 13;
pub const CAP_SYS_PTRACE: u32 = 19;
pub const CAP_SYS_ADMIN: u32 = 21;
pub const CAP_SYS_RESOURCE: u32 = 24;
pub const CAP_MKNOD: u32 = 27;
pub const CAP_SETFCAP: u32 = 31;
pub const CAP_MAC_OVERRIDE: u32 = 32;

/// CAP_FS_MASK: the capabilities that follow the fsuid (cap_drop_fs_set).
/// The kernel on this machine also drops CAP_LINUX_IMMUTABLE (the oracle
/// showed it), so it is part of the mask.
pub const CAP_FS_MASK: u64 = (1 << CAP_CHOWN)
    | (1 << CAP_LINUX_IMMUTABLE)
    | (1 << CAP_MKNOD)
    | (1 << CAP_DAC_OVERRIDE)
    | (1 << CAP_DAC_READ_SEARCH)
    | (1 << CAP_FOWNER)
    | (1 << CAP_FSETID)
    | (1 << CAP_MAC_OVERRIDE);

/// cap_valid(x): `x` as the kernel receives it (an unsigned long from prctl).
pub fn cap_valid(x: u64) -> bool {
    x <= CAP_LAST_CAP as u64
}

/// One capability set (`kernel_cap_t`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct CapSet(pub u64);

impl CapSet {
    pub const EMPTY: CapSet = CapSet(0);
    /// CAP_FULL_SET.
    pub const FULL: CapSet = CapSet(CAP_VALID_MASK);

    /// mk_kernel_cap: two u32 halves, masked to the valid capabilities.
    pub fn from_halves(low: u32, high: u32) -> CapSet {
        CapSet((low as u64 | ((high as u64) << 32)) & CAP_VALID_MASK)
    }
    pub fn raised(self, cap: u32) -> bool {
        cap < 64 && self.0 & (1 << cap) != 0
    }
    pub fn raise(&mut self, cap: u32) {
        if cap < 64 {
            self.0 |= 1 << cap;
        }
    }
    pub fn lower(&mut self, cap: u32) {
        if cap < 64 {
            self.0 &= !(1 << cap);
        }
    }
    pub fn issubset(self, of: CapSet) -> bool {
        self.0 & !of.0 == 0
    }
    pub fn combine(self, other: CapSet) -> CapSet {
        CapSet(self.0 | other.0)
    }
    pub fn intersect(self, other: CapSet) -> CapSet {
        CapSet(self.0 & other.0)
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// cap_drop_fs_set.
    pub fn drop_fs_set(self) -> CapSet {
        CapSet(self.0 & !CAP_FS_MASK)
    }
    /// cap_raise_fs_set.
    pub fn raise_fs_set(self, permitted: CapSet) -> CapSet {
        CapSet(self.0 | (permitted.0 & CAP_FS_MASK))
    }
}
