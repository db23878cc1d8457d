//! The seccomp filter, built from the shim table: RET_TRACE for every row of
//! each ABI under the row's argument rule (`table::Rule`: prctl only for
//! the credential options and PR_SET_SECCOMP's filter mode, open only when
//! it may create, …), RET_ALLOW for the rest.
//! Hand-written BPF: seccompiler builds one architecture per filter, and
//! credshim needs x86_64 and i386 in one (DESIGN.md lesson 8).

use credshim_shims::table::{Abi, Class, Cmp, Rule, Shim, Word, X32_SYSCALL_BIT};
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

fn arg_lo(i: usize) -> u32 {
    OFF_ARG0_LO + 8 * i as u32
}

fn stmt(code: u16, k: u32) -> libc::sock_filter {
    libc::sock_filter { code, jt: 0, jf: 0, k }
}

fn jump(code: u16, k: u32, jt: u8, jf: u8) -> libc::sock_filter {
    libc::sock_filter { code, jt, jf, k }
}

/// The instructions after a row's number matched: the row's rule
/// (`Rule`), each branch ending in a return.
fn rule_code(rule: Rule, stop: u32) -> Vec<libc::sock_filter> {
    match rule {
        Rule::Always => vec![stmt(BPF_RET_K, stop)],
        // pid_t: the low word, above 0 as an int.
        Rule::PositivePid(i) => vec![
            stmt(BPF_LD_W_ABS, arg_lo(i)),
            jump(BPF_JSET_K, 0x8000_0000, 1, 0),
            jump(BPF_JEQ_K, 0, 0, 1),
            stmt(BPF_RET_K, SECCOMP_RET_ALLOW),
            stmt(BPF_RET_K, stop),
        ],
        Rule::Bits { arg, any, none } => vec![
            stmt(BPF_LD_W_ABS, arg_lo(arg)),
            jump(BPF_JSET_K, none, 2, 0),
            jump(BPF_JSET_K, any, 0, 1),
            stmt(BPF_RET_K, stop),
            stmt(BPF_RET_K, SECCOMP_RET_ALLOW),
        ],
        Rule::OneOf(alts) => {
            // Each alternative falls through to the next when one of its
            // comparisons fails, and ends in a stop.
            let mut f = Vec::new();
            for alt in alts {
                f.extend(alternative(alt, stop));
            }
            f.push(stmt(BPF_RET_K, SECCOMP_RET_ALLOW));
            f
        }
    }
}

/// One alternative of a `Rule::OneOf`, built from its end: a failed
/// comparison jumps past it, a matched one falls through to the next.
fn alternative(cmps: &[Cmp], stop: u32) -> Vec<libc::sock_filter> {
    let mut tail = vec![stmt(BPF_RET_K, stop)];
    for c in cmps.iter().rev() {
        let mut code = Vec::new();
        let n = c.values.len();
        // The instructions of this comparison after the high-word check.
        let low_len = 1 + n;
        if c.word == Word::Full {
            code.push(stmt(BPF_LD_W_ABS, arg_lo(c.arg) + 4));
            code.push(jump(BPF_JEQ_K, 0, 0, (low_len + tail.len()) as u8));
        }
        code.push(stmt(BPF_LD_W_ABS, arg_lo(c.arg)));
        for (j, &v) in c.values.iter().enumerate() {
            let rest = n - j - 1;
            let fail = if rest == 0 { tail.len() as u8 } else { 0 };
            code.push(jump(BPF_JEQ_K, v as u32, rest as u8, fail));
        }
        code.extend(tail);
        tail = code;
    }
    tail
}

/// The section for one ABI: load the number, trace the table's rows of the
/// classes asked for, each under its rule; with `all_opens` (`--proc`)
/// every open, not only those that may create.
fn section(abi: Abi, action: Action, classes: &[Class], all_opens: bool) -> Vec<libc::sock_filter> {
    let stop = action.ret();
    let mut f = vec![stmt(BPF_LD_W_ABS, OFF_NR)];
    if abi == Abi::X86_64 {
        // x32 calls: every one stops, and the tracer refuses the shim-table
        // ones (credshim does not emulate x32) and lets the others run.
        f.push(jump(BPF_JSET_K, X32_SYSCALL_BIT as u32, 0, 1));
        f.push(stmt(BPF_RET_K, stop));
    }
    // Only with notifications: at a seccomp stop (ptrace) each chdir
    // would cost more than the kept directories save (cwd_rule).
    let keeps_cwds = classes.contains(&Class::Stat) && action == Action::Notify;
    for row in abi.rows() {
        let open = matches!(row.shim, Shim::Open | Shim::Openat | Shim::Openat2);
        let class = row.shim.class();
        let own = class.always() || classes.contains(&class) || (all_opens && open);
        let cwd = if keeps_cwds { cwd_rule(row.shim) } else { None };
        let rule = if all_opens && open { Rule::Always } else { row.shim.rule() };
        let p = match (own, cwd) {
            (false, None) => continue,
            (false, Some(c)) => rule_code(c, stop),
            (true, None) => rule_code(rule, stop),
            (true, Some(Rule::Always)) => rule_code(Rule::Always, stop),
            // The cwd rule's bits stop it, or else the row's own rule decides.
            (true, Some(Rule::Bits { arg, any, none: 0 })) => {
                let mut p = vec![stmt(BPF_LD_W_ABS, arg_lo(arg)), jump(BPF_JSET_K, any, 0, 1), stmt(BPF_RET_K, stop)];
                p.extend(rule_code(rule, stop));
                p
            }
            (true, Some(c)) => unreachable!("cwd rule {c:?}"),
        };
        f.push(jump(BPF_JEQ_K, row.nr, 0, p.len() as u8));
        f.extend(p);
    }
    f.push(stmt(BPF_RET_K, SECCOMP_RET_ALLOW));
    f
}

/// What a notifying filter stops beside the rows' own rules when it stops
/// the stat family: the calls that change a task's working directory, which
/// `tracer::ownership::cwd` keeps open for the stat family's lookups
/// (chroot, pivot_root, setns, mount and umount2 stop always). unshare
/// stops with CLONE_NEWNS, with CLONE_NEWUSER too (its row's rule leaves
/// those to the kernel, which moves the working directory to the new
/// namespace's copy of its mount). Each is a round trip to credshim
/// (chdir(".") 0.81 -> 7.0 µs on the development VM); a seccomp stop
/// there costs 75 µs, more than the kept directories save in most
/// programs, so a tracing filter leaves them out (and credshim then keeps
/// no directories: `Tracer::keep_cwds`).
pub fn cwd_rule(shim: Shim) -> Option<Rule> {
    match shim {
        Shim::Chdir | Shim::Fchdir => Some(Rule::Always),
        Shim::Unshare => Some(Rule::Bits { arg: 0, any: credshim_shims::ns::CLONE_NEWNS as u32, none: 0 }),
        _ => None,
    }
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

/// Tries the filter in a throwaway child, so the real launch knows whether
/// to fall back before it starts the command. Ok(true): the listener was
/// made with WAIT_KILLABLE_RECV.
pub fn seccomp_works(prog: &[libc::sock_filter], nnp: bool, listen: Listen) -> std::io::Result<bool> {
    // Tests make the filter look refused to prove the automatic fallback.
    if std::env::var("CREDSHIM_TEST_SECCOMP").as_deref() == Ok("refuse") {
        return Err(std::io::Error::other("forced by CREDSHIM_TEST_SECCOMP=refuse"));
    }
    // SAFETY: the child only calls async-signal-safe functions and _exit.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(std::io::Error::last_os_error());
    }
    if pid == 0 {
        let code = match install(prog, nnp, listen) {
            Ok(i) if i.wait_killable => 0,
            Ok(_) => 2,
            Err(_) => 1,
        };
        unsafe { libc::_exit(code) };
    }
    let mut st = 0;
    // waiting for our own child.
    super::ptrace::waitpid(pid, &mut st, 0);
    match (libc::WIFEXITED(st), libc::WEXITSTATUS(st)) {
        (true, 0) => Ok(true),
        (true, 2) => Ok(false),
        _ => Err(std::io::Error::other("seccomp(SECCOMP_SET_MODE_FILTER) failed")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `prog` over a seccomp_data the way the kernel does (only the
    /// instructions `filter` emits).
    fn run(prog: &[libc::sock_filter], arch: u32, nr: u32, args: &[u64; 6]) -> u32 {
        let word = |off: u32| -> u32 {
            match off {
                OFF_NR => nr,
                OFF_ARCH => arch,
                o => {
                    let a = args[((o - OFF_ARG0_LO) / 8) as usize];
                    if (o - OFF_ARG0_LO) % 8 == 0 { a as u32 } else { (a >> 32) as u32 }
                }
            }
        };
        let (mut pc, mut acc) = (0usize, 0u32);
        loop {
            let i = prog[pc];
            pc += 1;
            match i.code {
                BPF_LD_W_ABS => acc = word(i.k),
                BPF_JEQ_K => pc += if acc == i.k { i.jt } else { i.jf } as usize,
                BPF_JSET_K => pc += if acc & i.k != 0 { i.jt } else { i.jf } as usize,
                BPF_RET_K => return i.k,
                BPF_JA => pc += i.k as usize,
                c => panic!("instruction {c:#x}"),
            }
        }
    }

    /// The filter stops a row exactly when its rule says so, for argument
    /// values around every value and bit the rules name.
    #[test]
    fn filter_follows_every_rows_rule() {
        let classes = [Class::Chown, Class::Stat, Class::Create, Class::Xattr, Class::Permission];
        let prog = filter(Action::Notify, &classes);
        let tracing = filter(Action::Trace, &classes);
        let without_stat = filter(Action::Notify, &[Class::Chown]);
        let mut interesting: Vec<u64> = vec![0, 1, 2, u64::MAX, 0xffff_ffff, 0x8000_0000, 1 << 32, (1 << 32) | 7];
        for shim in Shim::ALL {
            match shim.rule() {
                Rule::Bits { any, none, .. } => {
                    interesting.extend([any as u64, none as u64, (any | none) as u64, (any & any.wrapping_neg()) as u64])
                }
                Rule::OneOf(alts) => {
                    for c in alts.iter().flat_map(|a| a.iter()) {
                        for &v in c.values {
                            interesting.extend([v, v + 1, v.wrapping_sub(1), v | 1 << 32]);
                        }
                    }
                }
                _ => {}
            }
        }
        for abi in [Abi::X86_64, Abi::I386] {
            for row in abi.rows() {
                for (k, &x) in interesting.iter().enumerate() {
                    let y = interesting[(k * 7 + 3) % interesting.len()];
                    let z = interesting[(k * 13 + 5) % interesting.len()];
                    let args = [x, y, z, x, y, z];
                    let stops = run(&prog, abi.audit_arch(), row.nr, &args) == SECCOMP_RET_USER_NOTIF;
                    let cwd = cwd_rule(row.shim).is_some_and(|r| r.stops(&args));
                    assert_eq!(stops, row.shim.rule().stops(&args) || cwd, "{abi:?} {} with {args:x?}", row.name);
                    // A tracing filter: the rows' rules only.
                    let stops = run(&tracing, abi.audit_arch(), row.nr, &args) == SECCOMP_RET_TRACE;
                    assert_eq!(stops, row.shim.rule().stops(&args), "{abi:?} {} with {args:x?} (tracing)", row.name);
                    // Without the stat family, only the rows' rules (and
                    // only of the classes asked for) stop.
                    let stops = run(&without_stat, abi.audit_arch(), row.nr, &args) == SECCOMP_RET_USER_NOTIF;
                    let own = row.shim.class().always() || row.shim.class() == Class::Chown;
                    assert_eq!(stops, own && row.shim.rule().stops(&args), "{abi:?} {} with {args:x?} (no stat family)", row.name);
                }
            }
        }
    }
}
