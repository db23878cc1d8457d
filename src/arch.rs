//! x86_64 register access for a stopped tracee, whether it runs 64-bit or
//! i386 code: both are seen through the 64-bit `struct user_regs_struct`.
//! Registers are only ever written at a stop whose call is skipped.

use crate::ptrace::{self, Tid};

/// offsetof(struct user_regs_struct, rax).
const RAX: usize = 10 * 8;
/// offsetof(struct user_regs_struct, orig_rax).
const ORIG_RAX: usize = 15 * 8;

/// Skips the call the task is stopped in (seccomp(2): "changing the system
/// call number to -1").
pub fn skip(tid: Tid) -> ptrace::Result<()> {
    ptrace::poke_user(tid, ORIG_RAX, u64::MAX)
}

/// Sets what the skipped call returns (a value or `-errno`).
pub fn set_return(tid: Tid, ret: i64) -> ptrace::Result<()> {
    ptrace::poke_user(tid, RAX, ret as u64)
}
