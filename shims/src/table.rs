//! The shim table: which system calls credshim emulates, per ABI, what
//! each row is (class, arity, filter rule: `shims!`). decode.rs turns a
//! row's registers into a typed `Syscall` (it and id.rs are the only
//! places that turn register values into ids, sizes and pointers);
//! decide.rs answers the rows the model answers alone.

use crate::id::IdWidth;
use crate::{ns, sys};

/// The x32 ABI's bit in the system call number (x32 shares x86_64's audit
/// arch). credshim does not emulate x32: the tracer refuses a shim-table call
/// made through it.
pub const X32_SYSCALL_BIT: u64 = 0x4000_0000;

/// The system call ABIs of an x86_64 kernel that credshim handles.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum Abi {
    X86_64,
    /// The i386 ABI (`int 0x80`, 32-bit programs).
    I386,
}

impl Abi {
    /// AUDIT_ARCH_* as seccomp_data.arch and PTRACE_GET_SYSCALL_INFO give it.
    pub const fn audit_arch(self) -> u32 {
        match self {
            Abi::X86_64 => 0xc000_003e,
            Abi::I386 => 0x4000_0003,
        }
    }

    pub fn from_audit_arch(arch: u32) -> Option<Abi> {
        [Abi::X86_64, Abi::I386].into_iter().find(|a| a.audit_arch() == arch)
    }

    pub fn rows(self) -> &'static [Row] {
        match self {
            Abi::X86_64 => X86_64,
            Abi::I386 => I386,
        }
    }

    /// The row for system call number `nr`, if it is in the table.
    pub fn lookup(self, nr: u64) -> Option<&'static Row> {
        self.rows().iter().find(|r| r.nr as u64 == nr)
    }

    /// The row named as in the ABI's asm/unistd header (`setuid32`).
    pub fn by_name(self, name: &str) -> Option<&'static Row> {
        self.rows().iter().find(|r| r.name == name)
    }
}

/// Declares the emulated operations, one line each: the variant, its
/// class, its arity (the arguments the kernel's prototype has, for the
/// logs) and the filter's argument rule. `Shim`, `Shim::ALL` and
/// `Shim::spec` come from this one list, so a new operation is one line.
macro_rules! shims {
    ($( $(#[$doc:meta])* $name:ident: $class:ident, $arity:literal, $rule:expr; )*) => {
        /// The emulated operations. Every variant has a row in every ABI.
        #[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
        pub enum Shim {
            $( $(#[$doc])* $name, )*
        }

        impl Shim {
            /// Every operation, in the order of the list.
            pub const ALL: &'static [Shim] = &[$(Shim::$name),*];

            /// The operation's class, arity and filter rule.
            pub const fn spec(self) -> Spec {
                match self {
                    $( Shim::$name => Spec { class: Class::$class, arity: $arity, rule: $rule }, )*
                }
            }
        }
    };
}

shims! {
    Getuid: Credential, 0, Rule::Always;
    Geteuid: Credential, 0, Rule::Always;
    Getgid: Credential, 0, Rule::Always;
    Getegid: Credential, 0, Rule::Always;
    Setuid: Credential, 1, Rule::Always;
    Setgid: Credential, 1, Rule::Always;
    Setreuid: Credential, 2, Rule::Always;
    Setregid: Credential, 2, Rule::Always;
    Setresuid: Credential, 3, Rule::Always;
    Setresgid: Credential, 3, Rule::Always;
    Getresuid: Credential, 3, Rule::Always;
    Getresgid: Credential, 3, Rule::Always;
    Setfsuid: Credential, 1, Rule::Always;
    Setfsgid: Credential, 1, Rule::Always;
    Getgroups: Credential, 2, Rule::Always;
    Setgroups: Credential, 2, Rule::Always;
    Capget: Credential, 2, Rule::Always;
    Capset: Credential, 2, Rule::Always;
    /// Only the credential options, and PR_SET_SECCOMP with
    /// SECCOMP_MODE_FILTER (kernel/seccomp.c prctl_set_seccomp); every
    /// other option runs natively.
    Prctl: Credential, 5, PRCTL_RULE;
    /// execve: stops so that the caller can refuse what the model refuses
    /// (MAY_EXEC, file capabilities); it needs the file, so `dispatch` says
    /// Native and the tracer does the check.
    Execve: Exec, 3, Rule::Always;
    Execveat: Exec, 5, Rule::Always;
    /// getsockopt(fd, SOL_SOCKET, SO_PEERCRED or SO_PEERGROUPS, …) only:
    /// the peer's credentials are its virtual ones when credshim traces
    /// it. The tracer answers it.
    Getsockopt: Credential, 5, GETSOCKOPT_RULE;
    /// chown(path), lchown(path), fchown(fd), fchownat(dirfd, path, flags):
    /// they need the file, so `dispatch` says Native and the tracer applies
    /// `chown::chown_common` and records the owner.
    Chown: Chown, 3, Rule::Always;
    Lchown: Chown, 3, Rule::Always;
    Fchown: Chown, 3, Rule::Always;
    Fchownat: Chown, 5, Rule::Always;
    /// stat, lstat, fstat, newfstatat, statx: answered by the tracer with
    /// the recorded owner of a file that has one (Native otherwise).
    Stat: Stat, 2, Rule::Always;
    Lstat: Stat, 2, Rule::Always;
    Fstat: Stat, 2, Rule::Always;
    Newfstatat: Stat, 4, Rule::Always;
    Statx: Stat, 5, Rule::Always;
    /// Calls that create an inode (open and openat only with O_CREAT or
    /// O_TMPFILE): the tracer notes the name and the virtual owner the new
    /// inode must have, and lets the kernel create it. openat2's flags are
    /// in memory: it stops always and the tracer reads them.
    Open: Create, 3, Rule::Bits { arg: 1, any: O_CREATING, none: 0 };
    Openat: Create, 4, Rule::Bits { arg: 2, any: O_CREATING, none: 0 };
    Openat2: Create, 4, Rule::Always;
    Creat: Create, 2, Rule::Always;
    Mkdir: Create, 2, Rule::Always;
    Mkdirat: Create, 3, Rule::Always;
    Mknod: Create, 3, Rule::Always;
    Mknodat: Create, 4, Rule::Always;
    Symlink: Create, 2, Rule::Always;
    Symlinkat: Create, 3, Rule::Always;
    /// rename and link: a file a task just created may get another name
    /// before the task's next stopped call; these stop so that its owner is
    /// applied while it still has the name it was created with.
    Rename: Create, 2, Rule::Always;
    Renameat: Create, 4, Rule::Always;
    Renameat2: Create, 5, Rule::Always;
    Link: Create, 2, Rule::Always;
    Linkat: Create, 5, Rule::Always;
    /// The xattr calls, with `--ownership xattr` only: they hide
    /// `user.rootlesscontainers`, where the owners are kept.
    Getxattr: Xattr, 4, Rule::Always;
    Lgetxattr: Xattr, 4, Rule::Always;
    Fgetxattr: Xattr, 4, Rule::Always;
    Listxattr: Xattr, 3, Rule::Always;
    Llistxattr: Xattr, 3, Rule::Always;
    Flistxattr: Xattr, 3, Rule::Always;
    Setxattr: Xattr, 5, Rule::Always;
    Lsetxattr: Xattr, 5, Rule::Always;
    Fsetxattr: Xattr, 5, Rule::Always;
    Removexattr: Xattr, 2, Rule::Always;
    Lremovexattr: Xattr, 2, Rule::Always;
    Fremovexattr: Xattr, 2, Rule::Always;
    /// The capability checks of calls that are not credential calls
    /// (DESIGN.md "Beyond the credential calls"): each stops only for the
    /// arguments that need a decision (its rule), answers the kernel's
    /// errno where the virtual task lacks the capability, and lets the
    /// kernel run it otherwise. kill, tkill, rt_sigqueueinfo stop for a
    /// pid above 0 (kernel/signal.c kill_ok_by_cred).
    Kill: Privilege, 2, Rule::PositivePid(0);
    Tkill: Privilege, 2, Rule::PositivePid(0);
    Tgkill: Privilege, 3, Rule::Always;
    RtSigqueueinfo: Privilege, 3, Rule::PositivePid(0);
    RtTgsigqueueinfo: Privilege, 4, Rule::Always;
    /// kernel/signal.c pidfd_send_signal: the pidfd's task, then
    /// kill_pid_info's check_kill_permission (as kill). Any descriptor may
    /// be a pidfd: it stops always.
    PidfdSendSignal: Privilege, 4, Rule::Always;
    /// fs/open.c ksys_chroot: CAP_SYS_CHROOT after the lookup.
    Chroot: Privilege, 1, Rule::Always;
    /// kernel/fork.c ksys_unshare: only with a namespace other than the
    /// user namespace.
    Unshare: Privilege, 1, Rule::Bits { arg: 0, any: ns::CLONE_NS_NEEDING_ADMIN as u32, none: ns::CLONE_NEWUSER as u32 };
    /// kernel/nsproxy.c setns.
    Setns: Privilege, 2, Rule::Always;
    /// fs/namespace.c may_mount.
    Mount: Privilege, 5, Rule::Always;
    Umount2: Privilege, 2, Rule::Always;
    PivotRoot: Privilege, 2, Rule::Always;
    /// kernel/seccomp.c: SECCOMP_SET_MODE_FILTER only (prctl's
    /// PR_SET_SECCOMP is a prctl option of the prctl row).
    Seccomp: Privilege, 3, Rule::OneOf(&[&[Cmp { arg: 0, word: Word::Low, values: &[1 /* SECCOMP_SET_MODE_FILTER */] }]]);
    /// kernel/sys.c: CAP_SYS_ADMIN over the UTS namespace.
    Sethostname: Privilege, 2, Rule::Always;
    Setdomainname: Privilege, 2, Rule::Always;
    /// kernel/ptrace.c ptrace_attach: PTRACE_ATTACH and PTRACE_SEIZE only
    /// (`long request`: the whole register).
    Ptrace: Privilege, 4, Rule::OneOf(&[&[Cmp { arg: 0, word: Word::Full, values: &[crate::ptrace::PTRACE_ATTACH as u64, crate::ptrace::PTRACE_SEIZE as u64] }]]);
    /// File permission checks (`--permissions emulate`, shims/src/namei.rs):
    /// the tracer walks the path as the kernel does, answers the errno a
    /// task with the caller's virtual credentials gets, and lets the kernel
    /// run the call otherwise. The open and creation rows check too.
    Access: Permission, 2, Rule::Always;
    Faccessat: Permission, 3, Rule::Always;
    Faccessat2: Permission, 4, Rule::Always;
    Unlink: Permission, 1, Rule::Always;
    Unlinkat: Permission, 3, Rule::Always;
    Rmdir: Permission, 1, Rule::Always;
    Chmod: Permission, 2, Rule::Always;
    Fchmod: Permission, 2, Rule::Always;
    Fchmodat: Permission, 3, Rule::Always;
    Utime: Permission, 2, Rule::Always;
    Utimes: Permission, 2, Rule::Always;
    Futimesat: Permission, 3, Rule::Always;
    Utimensat: Permission, 4, Rule::Always;
    Truncate: Permission, 2, Rule::Always;
    Chdir: Permission, 1, Rule::Always;
    Fchdir: Permission, 1, Rule::Always;
}

/// What a row is, besides its numbers: declared once per operation in
/// `shims!`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Spec {
    pub class: Class,
    /// How many arguments the kernel's prototype has (what the logs show).
    pub arity: usize,
    /// When the seccomp filter (and the OCI profile) stop the call.
    pub rule: Rule,
}

/// When the filter stops a row: its argument rule. The BPF filter
/// (src/sys/seccomp.rs), the OCI seccomp profile (src/cmd/oci/hook.rs) and the
/// handlers read it from the row, so they cannot disagree.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Rule {
    Always,
    /// When the argument, a pid_t, is above 0.
    PositivePid(usize),
    /// When the low word of the argument has one of `any` and none of `none`.
    Bits { arg: usize, any: u32, none: u32 },
    /// When one of the alternatives holds; an alternative holds when each
    /// of its comparisons does.
    OneOf(&'static [&'static [Cmp]]),
}

/// One comparison of a `Rule::OneOf` alternative: the argument is one of
/// `values`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Cmp {
    pub arg: usize,
    pub word: Word,
    pub values: &'static [u64],
}

/// Which part of an argument register a comparison looks at.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Word {
    /// The low 32 bits (an int or unsigned int argument, as the kernel
    /// reads it).
    Low,
    /// The whole register (an unsigned long).
    Full,
}

impl Rule {
    /// Whether a call with these argument registers stops (what the BPF
    /// filter computes).
    pub fn stops(self, args: &[u64; 6]) -> bool {
        let lo = |i: usize| args[i] as u32;
        match self {
            Rule::Always => true,
            Rule::PositivePid(i) => lo(i) as i32 > 0,
            Rule::Bits { arg, any, none } => lo(arg) & any != 0 && lo(arg) & none == 0,
            Rule::OneOf(alts) => alts.iter().any(|alt| {
                alt.iter().all(|c| {
                    let v = match c.word {
                        Word::Low => lo(c.arg) as u64,
                        Word::Full => args[c.arg],
                    };
                    c.values.contains(&v)
                })
            }),
        }
    }
}

/// prctl: a credential option, or PR_SET_SECCOMP with SECCOMP_MODE_FILTER
/// (both arguments whole unsigned longs, as the filter has always compared
/// them).
const PRCTL_RULE: Rule = Rule::OneOf(&[
    &[Cmp { arg: 0, word: Word::Full, values: &sys::CREDENTIAL_PRCTL_OPTIONS }],
    &[
        Cmp { arg: 0, word: Word::Full, values: &[PR_SET_SECCOMP] },
        Cmp { arg: 1, word: Word::Full, values: &[SECCOMP_MODE_FILTER] },
    ],
]);

/// getsockopt: SOL_SOCKET and the options credshim answers (ints).
const GETSOCKOPT_RULE: Rule = Rule::OneOf(&[&[
    Cmp { arg: 1, word: Word::Low, values: &[SOL_SOCKET as u64] },
    Cmp { arg: 2, word: Word::Low, values: &[SO_PEERCRED as u64, SO_PEERGROUPS as u64] },
]]);

/// O_CREAT | __O_TMPFILE: the open flags that make a new inode.
pub const O_CREATING: u32 = 0o100 | 0o20000000;

/// What a shim is for; the filter takes the classes the options ask for.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum Class {
    /// The credential calls (always).
    Credential,
    /// execve, execveat (always).
    Exec,
    /// The chown family (`--ownership session|xattr`).
    Chown,
    /// The stat family (`--ownership session|xattr`).
    Stat,
    /// Inode creation (`--ownership session|xattr`).
    Create,
    /// The xattr family (`--ownership xattr`).
    Xattr,
    /// The capability checks of other calls (always).
    Privilege,
    /// The file permission checks (`--permissions emulate`).
    Permission,
}

impl Class {
    /// Whether the filter stops this class whatever the options.
    pub fn always(self) -> bool {
        matches!(self, Class::Credential | Class::Exec | Class::Privilege)
    }
}

impl Shim {
    pub fn class(self) -> Class {
        self.spec().class
    }

    pub fn arity(self) -> usize {
        self.spec().arity
    }

    /// When the filter stops this row.
    pub fn rule(self) -> Rule {
        self.spec().rule
    }

    /// The rows that concern file ownership (left out of the filter with
    /// `--ownership off`; the tracer answers them, `dispatch` never does).
    pub fn is_ownership(self) -> bool {
        matches!(self.class(), Class::Chown | Class::Stat | Class::Create | Class::Xattr)
    }
}

/// One emulated system call of one ABI.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Row {
    pub nr: u32,
    /// The name in the ABI's asm/unistd header.
    pub name: &'static str,
    pub shim: Shim,
    /// U16 for the i386 legacy calls (`old_uid_t`, 16-bit buffers).
    pub width: IdWidth,
}

const fn row(nr: u32, name: &'static str, shim: Shim, width: IdWidth) -> Row {
    Row { nr, name, shim, width }
}

use IdWidth::{U16, U32};
use Shim::*;

/// asm/unistd_64.h.
pub static X86_64: &[Row] = &[
    row(102, "getuid", Getuid, U32),
    row(104, "getgid", Getgid, U32),
    row(105, "setuid", Setuid, U32),
    row(106, "setgid", Setgid, U32),
    row(107, "geteuid", Geteuid, U32),
    row(108, "getegid", Getegid, U32),
    row(113, "setreuid", Setreuid, U32),
    row(114, "setregid", Setregid, U32),
    row(115, "getgroups", Getgroups, U32),
    row(116, "setgroups", Setgroups, U32),
    row(117, "setresuid", Setresuid, U32),
    row(118, "getresuid", Getresuid, U32),
    row(119, "setresgid", Setresgid, U32),
    row(120, "getresgid", Getresgid, U32),
    row(122, "setfsuid", Setfsuid, U32),
    row(123, "setfsgid", Setfsgid, U32),
    row(125, "capget", Capget, U32),
    row(126, "capset", Capset, U32),
    row(157, "prctl", Prctl, U32),
    row(59, "execve", Execve, U32),
    row(322, "execveat", Execveat, U32),
    row(55, "getsockopt", Getsockopt, U32),
    row(92, "chown", Chown, U32),
    row(93, "fchown", Fchown, U32),
    row(94, "lchown", Lchown, U32),
    row(260, "fchownat", Fchownat, U32),
    row(4, "stat", Stat, U32),
    row(5, "fstat", Fstat, U32),
    row(6, "lstat", Lstat, U32),
    row(262, "newfstatat", Newfstatat, U32),
    row(332, "statx", Statx, U32),
    row(2, "open", Open, U32),
    row(257, "openat", Openat, U32),
    row(437, "openat2", Openat2, U32),
    row(85, "creat", Creat, U32),
    row(83, "mkdir", Mkdir, U32),
    row(258, "mkdirat", Mkdirat, U32),
    row(133, "mknod", Mknod, U32),
    row(259, "mknodat", Mknodat, U32),
    row(88, "symlink", Symlink, U32),
    row(266, "symlinkat", Symlinkat, U32),
    row(82, "rename", Rename, U32),
    row(264, "renameat", Renameat, U32),
    row(316, "renameat2", Renameat2, U32),
    row(86, "link", Link, U32),
    row(265, "linkat", Linkat, U32),
    row(188, "setxattr", Setxattr, U32),
    row(189, "lsetxattr", Lsetxattr, U32),
    row(190, "fsetxattr", Fsetxattr, U32),
    row(191, "getxattr", Getxattr, U32),
    row(192, "lgetxattr", Lgetxattr, U32),
    row(193, "fgetxattr", Fgetxattr, U32),
    row(194, "listxattr", Listxattr, U32),
    row(195, "llistxattr", Llistxattr, U32),
    row(196, "flistxattr", Flistxattr, U32),
    row(197, "removexattr", Removexattr, U32),
    row(198, "lremovexattr", Lremovexattr, U32),
    row(199, "fremovexattr", Fremovexattr, U32),
    row(62, "kill", Kill, U32),
    row(200, "tkill", Tkill, U32),
    row(234, "tgkill", Tgkill, U32),
    row(129, "rt_sigqueueinfo", RtSigqueueinfo, U32),
    row(297, "rt_tgsigqueueinfo", RtTgsigqueueinfo, U32),
    row(424, "pidfd_send_signal", PidfdSendSignal, U32),
    row(161, "chroot", Chroot, U32),
    row(272, "unshare", Unshare, U32),
    row(308, "setns", Setns, U32),
    row(165, "mount", Mount, U32),
    row(166, "umount2", Umount2, U32),
    row(155, "pivot_root", PivotRoot, U32),
    row(317, "seccomp", Seccomp, U32),
    row(170, "sethostname", Sethostname, U32),
    row(171, "setdomainname", Setdomainname, U32),
    row(101, "ptrace", Ptrace, U32),
    // The permission checks (fchmodat2, 452, is not in this libc's headers
    // yet: the kernel runs it unchecked).
    row(21, "access", Access, U32),
    row(269, "faccessat", Faccessat, U32),
    row(439, "faccessat2", Faccessat2, U32),
    row(87, "unlink", Unlink, U32),
    row(263, "unlinkat", Unlinkat, U32),
    row(84, "rmdir", Rmdir, U32),
    row(90, "chmod", Chmod, U32),
    row(91, "fchmod", Fchmod, U32),
    row(268, "fchmodat", Fchmodat, U32),
    row(132, "utime", Utime, U32),
    row(235, "utimes", Utimes, U32),
    row(261, "futimesat", Futimesat, U32),
    row(280, "utimensat", Utimensat, U32),
    row(76, "truncate", Truncate, U32),
    row(80, "chdir", Chdir, U32),
    row(81, "fchdir", Fchdir, U32),
];

/// asm/unistd_32.h: the legacy 16-bit calls and their 32-bit successors.
pub static I386: &[Row] = &[
    row(23, "setuid", Setuid, U16),
    row(24, "getuid", Getuid, U16),
    row(46, "setgid", Setgid, U16),
    row(47, "getgid", Getgid, U16),
    row(49, "geteuid", Geteuid, U16),
    row(50, "getegid", Getegid, U16),
    row(70, "setreuid", Setreuid, U16),
    row(71, "setregid", Setregid, U16),
    row(80, "getgroups", Getgroups, U16),
    row(81, "setgroups", Setgroups, U16),
    row(138, "setfsuid", Setfsuid, U16),
    row(139, "setfsgid", Setfsgid, U16),
    row(164, "setresuid", Setresuid, U16),
    row(165, "getresuid", Getresuid, U16),
    row(170, "setresgid", Setresgid, U16),
    row(171, "getresgid", Getresgid, U16),
    row(172, "prctl", Prctl, U32),
    row(184, "capget", Capget, U32),
    row(185, "capset", Capset, U32),
    row(199, "getuid32", Getuid, U32),
    row(200, "getgid32", Getgid, U32),
    row(201, "geteuid32", Geteuid, U32),
    row(202, "getegid32", Getegid, U32),
    row(203, "setreuid32", Setreuid, U32),
    row(204, "setregid32", Setregid, U32),
    row(205, "getgroups32", Getgroups, U32),
    row(206, "setgroups32", Setgroups, U32),
    row(208, "setresuid32", Setresuid, U32),
    row(209, "getresuid32", Getresuid, U32),
    row(210, "setresgid32", Setresgid, U32),
    row(211, "getresgid32", Getresgid, U32),
    row(213, "setuid32", Setuid, U32),
    row(214, "setgid32", Setgid, U32),
    row(215, "setfsuid32", Setfsuid, U32),
    row(216, "setfsgid32", Setfsgid, U32),
    row(11, "execve", Execve, U32),
    row(358, "execveat", Execveat, U32),
    row(365, "getsockopt", Getsockopt, U32),
    row(16, "lchown", Lchown, U16),
    row(95, "fchown", Fchown, U16),
    row(182, "chown", Chown, U16),
    row(198, "lchown32", Lchown, U32),
    row(207, "fchown32", Fchown, U32),
    row(212, "chown32", Chown, U32),
    row(298, "fchownat", Fchownat, U32),
    // The stat64 family: the tracer writes i386's struct stat64 (statx's
    // struct is the same on every ABI). The older 16-bit-id stat calls
    // (oldstat, stat, ...) of pre-LFS programs are not in the table.
    row(195, "stat64", Stat, U32),
    row(196, "lstat64", Lstat, U32),
    row(197, "fstat64", Fstat, U32),
    row(300, "fstatat64", Newfstatat, U32),
    row(383, "statx", Statx, U32),
    row(5, "open", Open, U32),
    row(295, "openat", Openat, U32),
    row(437, "openat2", Openat2, U32),
    row(8, "creat", Creat, U32),
    row(39, "mkdir", Mkdir, U32),
    row(296, "mkdirat", Mkdirat, U32),
    row(14, "mknod", Mknod, U32),
    row(297, "mknodat", Mknodat, U32),
    row(83, "symlink", Symlink, U32),
    row(304, "symlinkat", Symlinkat, U32),
    row(38, "rename", Rename, U32),
    row(302, "renameat", Renameat, U32),
    row(353, "renameat2", Renameat2, U32),
    row(9, "link", Link, U32),
    row(303, "linkat", Linkat, U32),
    row(226, "setxattr", Setxattr, U32),
    row(227, "lsetxattr", Lsetxattr, U32),
    row(228, "fsetxattr", Fsetxattr, U32),
    row(229, "getxattr", Getxattr, U32),
    row(230, "lgetxattr", Lgetxattr, U32),
    row(231, "fgetxattr", Fgetxattr, U32),
    row(232, "listxattr", Listxattr, U32),
    row(233, "llistxattr", Llistxattr, U32),
    row(234, "flistxattr", Flistxattr, U32),
    row(235, "removexattr", Removexattr, U32),
    row(236, "lremovexattr", Lremovexattr, U32),
    row(237, "fremovexattr", Fremovexattr, U32),
    // i386's oldumount (22, umount without flags) is not in the table.
    row(37, "kill", Kill, U32),
    row(238, "tkill", Tkill, U32),
    row(270, "tgkill", Tgkill, U32),
    row(178, "rt_sigqueueinfo", RtSigqueueinfo, U32),
    row(335, "rt_tgsigqueueinfo", RtTgsigqueueinfo, U32),
    row(424, "pidfd_send_signal", PidfdSendSignal, U32),
    row(61, "chroot", Chroot, U32),
    row(310, "unshare", Unshare, U32),
    row(346, "setns", Setns, U32),
    row(21, "mount", Mount, U32),
    row(52, "umount2", Umount2, U32),
    row(217, "pivot_root", PivotRoot, U32),
    row(354, "seccomp", Seccomp, U32),
    row(74, "sethostname", Sethostname, U32),
    row(121, "setdomainname", Setdomainname, U32),
    row(26, "ptrace", Ptrace, U32),
    // The permission checks; utimensat takes i386's 32-bit timespecs
    // (`timespec_size`), utimensat_time64 the 64-bit ones.
    row(33, "access", Access, U32),
    row(307, "faccessat", Faccessat, U32),
    row(439, "faccessat2", Faccessat2, U32),
    row(10, "unlink", Unlink, U32),
    row(301, "unlinkat", Unlinkat, U32),
    row(40, "rmdir", Rmdir, U32),
    row(15, "chmod", Chmod, U32),
    row(94, "fchmod", Fchmod, U32),
    row(306, "fchmodat", Fchmodat, U32),
    row(30, "utime", Utime, U32),
    row(271, "utimes", Utimes, U32),
    row(299, "futimesat", Futimesat, U32),
    row(320, "utimensat", Utimensat, U32),
    row(412, "utimensat_time64", Utimensat, U32),
    row(92, "truncate", Truncate, U32),
    row(193, "truncate64", Truncate, U32),
    row(12, "chdir", Chdir, U32),
    row(133, "fchdir", Fchdir, U32),
];

/// The size of one struct timespec that `row` (a utimensat) reads: i386's
/// utimensat takes old_timespec32, every other one __kernel_timespec.
pub fn timespec_size(abi: Abi, row: &Row) -> usize {
    if abi == Abi::I386 && row.name == "utimensat" {
        8
    } else {
        16
    }
}

/// getsockopt's level and option for the peer's credentials.
pub const SOL_SOCKET: u32 = 1;
pub const SO_PEERCRED: u32 = 17;
/// The peer's supplementary groups (net/core/sock.c, Linux 4.13).
pub const SO_PEERGROUPS: u32 = 59;
/// prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, …): the prctl row stops for
/// this option with that mode only (kernel/seccomp.c prctl_set_seccomp).
pub const PR_SET_SECCOMP: u64 = 22;
pub const SECCOMP_MODE_FILTER: u64 = 2;

/// The prctl options that are credential options: only these stop (the
/// seccomp filter checks prctl's first argument), every other runs natively.
pub fn prctl_is_credential(option: u64) -> bool {
    sys::CREDENTIAL_PRCTL_OPTIONS.contains(&option)
}
