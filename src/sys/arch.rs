//! x86_64 register access for a stopped tracee, whether it runs 64-bit or
//! i386 code: both are seen through the 64-bit `struct user_regs_struct`.
//! Registers are only ever written at a stop whose call is skipped, and at
//! the signal-delivery-stop of a call whose notification a signal
//! interrupted (to have it restarted).

use crate::sys::ptrace::{self, Tid};

/// offsetof(struct user_regs_struct, rax).
const RAX: usize = 10 * 8;
/// offsetof(struct user_regs_struct, orig_rax).
const ORIG_RAX: usize = 15 * 8;

/// offsetof(struct user_regs_struct, rsp).
const RSP: usize = 19 * 8;

/// The offset in `struct user_regs_struct` of system call argument `i`
/// (0-based) for a 64-bit or an i386 (`compat`) task.
pub fn arg_offset(i: usize, compat: bool) -> Option<usize> {
    // rdi rsi rdx r10 r8 r9; ebx ecx edx esi edi ebp.
    let slot = if compat { [5, 11, 12, 13, 14, 4] } else { [14, 13, 12, 7, 9, 8] };
    slot.get(i).map(|s| s * 8)
}

/// Reads one register by its offset.
pub fn get(tid: Tid, offset: usize) -> ptrace::Result<u64> {
    ptrace::peek_user(tid, offset)
}

/// Writes one register by its offset: only at a seccomp stop whose call
/// then runs with it, and back at that call's syscall-exit stop.
pub fn set(tid: Tid, offset: usize, value: u64) -> ptrace::Result<()> {
    ptrace::poke_user(tid, offset, value)
}

/// The stack pointer.
pub fn stack_pointer(tid: Tid) -> ptrace::Result<u64> {
    ptrace::peek_user(tid, RSP)
}

/// Skips the call the task is stopped in (seccomp(2): "changing the system
/// call number to -1").
pub fn skip(tid: Tid) -> ptrace::Result<()> {
    ptrace::poke_user(tid, ORIG_RAX, u64::MAX)
}

/// Sets what the skipped call returns (a value or `-errno`).
pub fn set_return(tid: Tid, ret: i64) -> ptrace::Result<()> {
    ptrace::poke_user(tid, RAX, ret as u64)
}

/// include/linux/errno.h: what an interrupted wait returns, and the code
/// the signal code always restarts (whatever SA_RESTART says).
const ERESTARTSYS: i64 = 512;
const ERESTARTNOINTR: i64 = 513;

/// At a signal-delivery-stop: the number of the system call the signal
/// interrupted with ERESTARTSYS, if that is where the task is. `compat`:
/// an i386 task, whose return value is the low 32 bits (syscall_get_error).
pub fn interrupted_call(tid: Tid, compat: bool) -> ptrace::Result<Option<u64>> {
    let nr = ptrace::peek_user(tid, ORIG_RAX)? as i64;
    if nr < 0 {
        return Ok(None); // not in a system call
    }
    let ret = ptrace::peek_user(tid, RAX)?;
    let ret = if compat { ret as u32 as i32 as i64 } else { ret as i64 };
    Ok((ret == -ERESTARTSYS).then_some(nr as u64))
}

/// Makes the interrupted call start again once the signal is handled,
/// with or without SA_RESTART (arch/x86/kernel/signal.c handle_signal).
pub fn restart_always(tid: Tid) -> ptrace::Result<()> {
    ptrace::poke_user(tid, RAX, (-ERESTARTNOINTR) as u64)
}
