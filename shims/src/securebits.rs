//! include/uapi/linux/securebits.h.

pub const SECURE_NOROOT: u32 = 0;
pub const SECURE_NOROOT_LOCKED: u32 = 1;
pub const SECURE_NO_SETUID_FIXUP: u32 = 2;
pub const SECURE_NO_SETUID_FIXUP_LOCKED: u32 = 3;
pub const SECURE_KEEP_CAPS: u32 = 4;
pub const SECURE_KEEP_CAPS_LOCKED: u32 = 5;
pub const SECURE_NO_CAP_AMBIENT_RAISE: u32 = 6;
pub const SECURE_NO_CAP_AMBIENT_RAISE_LOCKED: u32 = 7;
/// Linux 6.14+: execveat(AT_EXECVE_CHECK) policy bits.
pub const SECURE_EXEC_RESTRICT_FILE: u32 = 8;
pub const SECURE_EXEC_RESTRICT_FILE_LOCKED: u32 = 9;
pub const SECURE_EXEC_DENY_INTERACTIVE: u32 = 10;
pub const SECURE_EXEC_DENY_INTERACTIVE_LOCKED: u32 = 11;

pub const fn issecure_mask(bit: u32) -> u32 {
    1 << bit
}

/// SECURE_ALL_BITS.
pub const SECURE_ALL_BITS: u32 = issecure_mask(SECURE_NOROOT)
    | issecure_mask(SECURE_NO_SETUID_FIXUP)
    | issecure_mask(SECURE_KEEP_CAPS)
    | issecure_mask(SECURE_NO_CAP_AMBIENT_RAISE)
    | issecure_mask(SECURE_EXEC_RESTRICT_FILE)
    | issecure_mask(SECURE_EXEC_DENY_INTERACTIVE);
/// SECURE_ALL_LOCKS.
pub const SECURE_ALL_LOCKS: u32 = SECURE_ALL_BITS << 1;
/// SECURE_ALL_UNPRIVILEGED (6.14+): bits user space enforces on itself, which
/// a task without CAP_SETPCAP may change (with their locks).
pub const SECURE_ALL_UNPRIVILEGED: u32 =
    issecure_mask(SECURE_EXEC_RESTRICT_FILE) | issecure_mask(SECURE_EXEC_DENY_INTERACTIVE);

/// A task's securebits word.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct SecureBits(pub u32);

impl SecureBits {
    /// issecure(X).
    pub fn issecure(self, bit: u32) -> bool {
        self.0 & issecure_mask(bit) != 0
    }
    pub fn set(&mut self, bit: u32) {
        self.0 |= issecure_mask(bit);
    }
    pub fn clear(&mut self, bit: u32) {
        self.0 &= !issecure_mask(bit);
    }
}
