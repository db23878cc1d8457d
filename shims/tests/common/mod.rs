// Shared helpers for the model's unit tests (included with `mod common;`).
#![allow(dead_code)]

use credshim_shims::Creds;

pub const KEEP: u32 = u32::MAX;

/// strace's edge values for an id argument, as 32-bit `uid_t`s after the
/// kernel's truncation: -1, 0, a plain id, 0xffff (not special at 32 bits),
/// 0xffff0000|id, and an unmapped-looking high id.
pub const EDGE_IDS: [u32; 6] = [KEEP, 0, 1000, 0xffff, 0xffff_0000 | 1000, 4_294_967_294];

pub fn root() -> Creds {
    Creds::init_root()
}

pub fn user(uid: u32) -> Creds {
    Creds::user(uid, uid, &[])
}

pub fn ids(c: &Creds) -> [u32; 4] {
    [c.uid.0, c.euid.0, c.suid.0, c.fsuid.0]
}

pub fn gids(c: &Creds) -> [u32; 4] {
    [c.gid.0, c.egid.0, c.sgid.0, c.fsgid.0]
}
