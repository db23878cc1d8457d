//! The seccomp filter, built from the shim table: RET_TRACE for every row of
//! each ABI (prctl only for the credential options and PR_SET_SECCOMP's
//! filter mode, the capability-check rows only for their `stop_rule`),
//! RET_ALLOW for the rest.
//! Hand-written BPF: seccompiler builds one architecture per filter, and
//! credshim needs x86_64 and i386 in one (DESIGN.md lesson 8).

use credshim_shims::sys::CREDENTIAL_PRCTL_OPTIONS;
use credshim_shims::table::{Abi, Class, Shim, StopRule, PR_SET_SECCOMP, SECCOMP_MODE_FILTER, X32_SYSCALL_BIT};
use std::io;

const BPF_LD_W_ABS: u16 = 0x20; // BPF_LD | BPF_W | BPF_ABS
const BPF_JEQ_K: u16 = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
const BPF_JSET_K: u16 = 0x45; // BPF_JMP | BPF_JSET | BPF_K
const BPF_RET_K: u16 = 0x06; // BPF_RET | BPF_K
const BPF_JA: u16 = 0x05; // BPF_JMP | BPF_JA

const SECCOMP_RET_ALLOW: u32 = 0x7fff_0000;
const SECCOMP_RET_TRACE: u32 = 0x7ff0_0000;
const SECCOMP_RET_USER_NOTIF: u32 = 0x7fc0_0000;
const SECCOMP_FILTER_FLAG_NEW_LISTENER: libc::c_ulong = 1 << 3;
/// Linux 5.19: once credshim has received a notification, the caller waits
/// for the answer killably, so a non-fatal signal can no longer interrupt a
/// call credshim is answering (seccomp(2)).
const SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: libc::c_ulong = 1 << 5;
/// Do not force the speculative-store-bypass mitigation on the tracees:
/// credshim's filter is not a sandbox, and the mitigation slows every
/// system call of the whole tree.
const SECCOMP_FILTER_FLAG_SPEC_ALLOW: libc::c_ulong = 1 << 2;

/// How the filter hands an intercepted call to credshim.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// A ptrace seccomp stop (SECCOMP_RET_TRACE).
    Trace,
    /// A user notification on a listener fd (SECCOMP_RET_USER_NOTIF).
    Notify,
}

impl Action {
    fn ret(self) -> u32 {
        match self {
            Action::Trace => SECCOMP_RET_TRACE,
            Action::Notify => SECCOMP_RET_USER_NOTIF,
        }
    }
}

// struct seccomp_data
const OFF_NR: u32 = 0;
const OFF_ARCH: u32 = 4;
const OFF_ARG0_LO: u32 = 16;
const OFF_ARG0_HI: u32 = 20;

fn arg_lo(i: usize) -> u32 {
    OFF_ARG0_LO + 8 * i as u32
}

/// O_CREAT | __O_TMPFILE: the open flags that make a new inode.
pub const O_CREATING: u32 = 0o100 | 0o20000000;

fn stmt(code: u16, k: u32) -> libc::sock_filter {
    libc::sock_filter { code, jt: 0, jf: 0, k }
}

fn jump(code: u16, k: u32, jt: u8, jf: u8) -> libc::sock_filter {
    libc::sock_filter { code, jt, jf, k }
}

/// The section for one ABI: load the number, trace the table's rows of the
/// classes asked for; with `all_opens` (`--proc`) every open, not only
/// those that may create.
fn section(abi: Abi, action: Action, classes: &[Class], all_opens: bool) -> Vec<libc::sock_filter> {
    let stop = action.ret();
    let mut f = vec![stmt(BPF_LD_W_ABS, OFF_NR)];
    if abi == Abi::X86_64 {
        // x32 calls: every one stops, and the tracer refuses the shim-table
        // ones (credshim does not emulate x32) and lets the others run.
        f.push(jump(BPF_JSET_K, X32_SYSCALL_BIT as u32, 0, 1));
        f.push(stmt(BPF_RET_K, stop));
    }
    let mut prctl_nr = None;
    for row in abi.rows() {
        if row.shim == Shim::Prctl {
            prctl_nr = Some(row.nr);
            continue;
        }
        let open = matches!(row.shim, Shim::Open | Shim::Openat | Shim::Openat2);
        if !matches!(row.shim.class(), Class::Credential | Class::Exec | Class::Privilege) && !classes.contains(&row.shim.class()) && !(all_opens && open) {
            continue;
        }
        if let Some((level, opts)) = row.shim.sockopt_args() {
            // getsockopt: only for SOL_SOCKET and the options credshim
            // answers (SO_PEERCRED, SO_PEERGROUPS).
            let mut p = vec![stmt(BPF_LD_W_ABS, arg_lo(1)), jump(BPF_JEQ_K, level, 0, 2 * opts.len() as u8 + 1)];
            p.push(stmt(BPF_LD_W_ABS, arg_lo(2)));
            for &opt in opts {
                p.push(jump(BPF_JEQ_K, opt, 0, 1));
                p.push(stmt(BPF_RET_K, stop));
            }
            p.push(stmt(BPF_RET_K, SECCOMP_RET_ALLOW));
            f.push(jump(BPF_JEQ_K, row.nr, 0, p.len() as u8));
            f.extend(p);
            continue;
        }
        if row.shim.class() == Class::Privilege {
            let p = match row.shim.stop_rule() {
                StopRule::Always => vec![stmt(BPF_RET_K, stop)],
                // pid_t: the low word, above 0 as an int.
                StopRule::PositivePid(i) => vec![
                    stmt(BPF_LD_W_ABS, arg_lo(i)),
                    jump(BPF_JSET_K, 0x8000_0000, 1, 0),
                    jump(BPF_JEQ_K, 0, 0, 1),
                    stmt(BPF_RET_K, SECCOMP_RET_ALLOW),
                    stmt(BPF_RET_K, stop),
                ],
                StopRule::Bits { arg, any, none } => vec![
                    stmt(BPF_LD_W_ABS, arg_lo(arg)),
                    jump(BPF_JSET_K, none, 2, 0),
                    jump(BPF_JSET_K, any, 0, 1),
                    stmt(BPF_RET_K, stop),
                    stmt(BPF_RET_K, SECCOMP_RET_ALLOW),
                ],
                StopRule::Equals { arg, value } => vec![
                    stmt(BPF_LD_W_ABS, arg_lo(arg)),
                    jump(BPF_JEQ_K, value, 0, 1),
                    stmt(BPF_RET_K, stop),
                    stmt(BPF_RET_K, SECCOMP_RET_ALLOW),
                ],
            };
            f.push(jump(BPF_JEQ_K, row.nr, 0, p.len() as u8));
            f.extend(p);
            continue;
        }
        if let Some(i) = row.shim.open_flags_arg().filter(|_| !all_opens) {
            // open/openat: only when they may create (the low word of the
            // flags argument); both branches return.
            f.push(jump(BPF_JEQ_K, row.nr, 0, 4));
            f.push(stmt(BPF_LD_W_ABS, OFF_ARG0_LO + 8 * i as u32));
            f.push(jump(BPF_JSET_K, O_CREATING, 0, 1));
            f.push(stmt(BPF_RET_K, stop));
            f.push(stmt(BPF_RET_K, SECCOMP_RET_ALLOW));
            continue;
        }
        f.push(jump(BPF_JEQ_K, row.nr, 0, 1));
        f.push(stmt(BPF_RET_K, stop));
    }
    if let Some(nr) = prctl_nr {
        let mut p = vec![
            stmt(BPF_LD_W_ABS, OFF_ARG0_HI),
            jump(BPF_JEQ_K, 0, 1, 0),
            stmt(BPF_RET_K, SECCOMP_RET_ALLOW),
            stmt(BPF_LD_W_ABS, OFF_ARG0_LO),
        ];
        for &opt in &CREDENTIAL_PRCTL_OPTIONS {
            p.push(jump(BPF_JEQ_K, opt as u32, 0, 1));
            p.push(stmt(BPF_RET_K, stop));
        }
        // PR_SET_SECCOMP with SECCOMP_MODE_FILTER (arg2, a full unsigned long).
        p.extend([
            jump(BPF_JEQ_K, PR_SET_SECCOMP as u32, 0, 5),
            stmt(BPF_LD_W_ABS, arg_lo(1) + 4),
            jump(BPF_JEQ_K, 0, 0, 3),
            stmt(BPF_LD_W_ABS, arg_lo(1)),
            jump(BPF_JEQ_K, SECCOMP_MODE_FILTER as u32, 0, 1),
            stmt(BPF_RET_K, stop),
        ]);
        p.push(stmt(BPF_RET_K, SECCOMP_RET_ALLOW));
        f.push(jump(BPF_JEQ_K, nr, 0, p.len() as u8));
        f.extend(p);
    }
    f.push(stmt(BPF_RET_K, SECCOMP_RET_ALLOW));
    f
}

/// The whole filter: a section per ABI, and a stop for any other
/// architecture so that nothing unknown passes silently.
/// `classes`: the ownership classes to stop besides the credential and
/// exec calls.
pub fn filter(action: Action, classes: &[Class]) -> Vec<libc::sock_filter> {
    filter_with(action, classes, false)
}

/// `filter`, and with `all_opens` every open/openat/openat2 stops (`--proc`).
pub fn filter_with(action: Action, classes: &[Class], all_opens: bool) -> Vec<libc::sock_filter> {
    let mut f = vec![stmt(BPF_LD_W_ABS, OFF_ARCH)];
    for abi in [Abi::X86_64, Abi::I386] {
        let s = section(abi, action, classes, all_opens);
        // Another arch jumps over the section: BPF_JA's offset is 32 bits
        // (a section with every class is longer than a conditional
        // jump's 8-bit offset reaches).
        f.push(jump(BPF_JEQ_K, abi.audit_arch(), 1, 0));
        f.push(stmt(BPF_JA, s.len() as u32));
        f.extend(s);
    }
    f.push(stmt(BPF_RET_K, action.ret()));
    f
}

/// Whether the filter makes a user-notification listener, and how.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Listen {
    No,
    /// NEW_LISTENER; with `wait_killable`, WAIT_KILLABLE_RECV too where
    /// the kernel has it (EINVAL before 5.19: then without).
    Yes { wait_killable: bool },
}

/// What `install` did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Installed {
    /// The listener's fd, with `Listen::Yes`.
    pub listener: Option<libc::c_int>,
    /// The listener was made with WAIT_KILLABLE_RECV.
    pub wait_killable: bool,
}

/// Installs `prog` for the calling thread and its future children. Only
/// async-signal-safe calls: used between fork and exec.
/// With `Listen::Yes`, asks for a user-notification listener and returns
/// its fd (EBUSY if a filter in the chain already has one).
pub fn install(prog: &[libc::sock_filter], no_new_privs: bool, listen: Listen) -> io::Result<Installed> {
    // SAFETY: plain prctl/seccomp calls; `fprog` points at `prog`, alive
    // for the duration of the call.
    unsafe {
        if no_new_privs && libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
            return Err(io::Error::last_os_error());
        }
        let fprog = libc::sock_fprog { len: prog.len() as u16, filter: prog.as_ptr() as *mut libc::sock_filter };
        let set = |flags: libc::c_ulong| libc::syscall(libc::SYS_seccomp, 1 /* SECCOMP_SET_MODE_FILTER */, flags, &fprog);
        let (flags, wait_killable) = match listen {
            Listen::No => (SECCOMP_FILTER_FLAG_SPEC_ALLOW, false),
            Listen::Yes { wait_killable } => (SECCOMP_FILTER_FLAG_SPEC_ALLOW | SECCOMP_FILTER_FLAG_NEW_LISTENER, wait_killable),
        };
        if wait_killable {
            let r = set(flags | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV);
            if r >= 0 {
                return Ok(Installed { listener: Some(r as libc::c_int), wait_killable: true });
            }
            // An unknown flag is EINVAL (Linux < 5.19): try without it.
            if *libc::__errno_location() != libc::EINVAL {
                return Err(io::Error::last_os_error());
            }
        }
        let r = set(flags);
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        let listener = matches!(listen, Listen::Yes { .. }).then_some(r as libc::c_int);
        Ok(Installed { listener, wait_killable: false })
    }
}
