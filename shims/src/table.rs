//! The shim table: which system calls credshim emulates, per ABI, and how
//! each one's registers decode into a call of the model. This is the only
//! place that turns register values into ids, sizes and pointers.

use crate::capability::{self, Caller};
use crate::cred::Creds;
use crate::errno::Errno;
use crate::groups;
use crate::id::{high2lowuid, raw_id, IdWidth};
use crate::mem::UserMem;
use crate::sys;
use crate::uid16;
use crate::world::{Check, World};
use crate::{ns, signal};

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

/// The emulated operations. Every variant has a row in every ABI.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum Shim {
    Getuid,
    Geteuid,
    Getgid,
    Getegid,
    Setuid,
    Setgid,
    Setreuid,
    Setregid,
    Setresuid,
    Setresgid,
    Getresuid,
    Getresgid,
    Setfsuid,
    Setfsgid,
    Getgroups,
    Setgroups,
    Capget,
    Capset,
    Prctl,
    /// execve: stops so that the caller can refuse what the model refuses
    /// (MAY_EXEC, file capabilities); it needs the file, so `dispatch` says
    /// Native and the tracer does the check.
    Execve,
    Execveat,
    /// getsockopt(fd, SOL_SOCKET, SO_PEERCRED, …) only (the filter checks
    /// the level and the option): the peer's credentials are its virtual
    /// ones when credshim traces it. The tracer answers it.
    Getsockopt,
    /// chown(path), lchown(path), fchown(fd), fchownat(dirfd, path, flags):
    /// they need the file, so `dispatch` says Native and the tracer applies
    /// `chown::chown_common` and records the owner.
    Chown,
    Lchown,
    Fchown,
    Fchownat,
    /// stat, lstat, fstat, newfstatat, statx: answered by the tracer with
    /// the recorded owner of a file that has one (Native otherwise).
    Stat,
    Lstat,
    Fstat,
    Newfstatat,
    Statx,
    /// Calls that create an inode (open and openat only with O_CREAT or
    /// O_TMPFILE: the filter checks the flags): the tracer notes the name
    /// and the virtual owner the new inode must have, and lets the kernel
    /// create it.
    Open,
    Openat,
    Openat2,
    Creat,
    Mkdir,
    Mkdirat,
    Mknod,
    Mknodat,
    Symlink,
    Symlinkat,
    /// rename and link: a file a task just created may get another name
    /// before the task's next stopped call; these stop so that its owner is
    /// applied while it still has the name it was created with.
    Rename,
    Renameat,
    Renameat2,
    Link,
    Linkat,
    /// The xattr calls, with `--ownership xattr` only: they hide
    /// `user.rootlesscontainers`, where the owners are kept.
    Getxattr,
    Lgetxattr,
    Fgetxattr,
    Listxattr,
    Llistxattr,
    Flistxattr,
    Setxattr,
    Lsetxattr,
    Fsetxattr,
    Removexattr,
    Lremovexattr,
    Fremovexattr,
    /// The capability checks of calls that are not credential calls
    /// (DESIGN.md "Beyond the credential calls"): each stops only for the
    /// arguments that need a decision (`stop_rule`), answers the kernel's
    /// errno where the virtual task lacks the capability, and lets the
    /// kernel run it otherwise. kill, tkill, rt_sigqueueinfo stop for a
    /// pid above 0 (kernel/signal.c kill_ok_by_cred).
    Kill,
    Tkill,
    Tgkill,
    RtSigqueueinfo,
    RtTgsigqueueinfo,
    /// fs/open.c ksys_chroot: CAP_SYS_CHROOT after the lookup.
    Chroot,
    /// kernel/fork.c ksys_unshare: only with a namespace other than the
    /// user namespace.
    Unshare,
    /// kernel/nsproxy.c setns.
    Setns,
    /// fs/namespace.c may_mount.
    Mount,
    Umount2,
    PivotRoot,
    /// kernel/seccomp.c: SECCOMP_SET_MODE_FILTER only (prctl's
    /// PR_SET_SECCOMP is a prctl option of the prctl row).
    Seccomp,
    /// kernel/sys.c: CAP_SYS_ADMIN over the UTS namespace.
    Sethostname,
    Setdomainname,
    /// File permission checks (`--permissions emulate`, shims/src/namei.rs):
    /// the tracer walks the path as the kernel does, answers the errno a
    /// task with the caller's virtual credentials gets, and lets the kernel
    /// run the call otherwise. The open and creation rows check too.
    Access,
    Faccessat,
    Faccessat2,
    Unlink,
    Unlinkat,
    Rmdir,
    Chmod,
    Fchmod,
    Fchmodat,
    Utime,
    Utimes,
    Futimesat,
    Utimensat,
    Truncate,
    Chdir,
    Fchdir,
}

/// When a row of the `Privilege` class stops (the seccomp filter's
/// argument rule; every other row has its own, or stops always).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum StopRule {
    Always,
    /// When the argument, a pid_t, is above 0.
    PositivePid(usize),
    /// When the low word of the argument has one of `any` and none of `none`.
    Bits { arg: usize, any: u32, none: u32 },
    /// When the argument's low word (an int or unsigned int) is `value`.
    Equals { arg: usize, value: u32 },
}

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

impl Shim {
    pub const ALL: [Shim; 88] = [
        Shim::Getuid,
        Shim::Geteuid,
        Shim::Getgid,
        Shim::Getegid,
        Shim::Setuid,
        Shim::Setgid,
        Shim::Setreuid,
        Shim::Setregid,
        Shim::Setresuid,
        Shim::Setresgid,
        Shim::Getresuid,
        Shim::Getresgid,
        Shim::Setfsuid,
        Shim::Setfsgid,
        Shim::Getgroups,
        Shim::Setgroups,
        Shim::Capget,
        Shim::Capset,
        Shim::Prctl,
        Shim::Execve,
        Shim::Execveat,
        Shim::Getsockopt,
        Shim::Chown,
        Shim::Lchown,
        Shim::Fchown,
        Shim::Fchownat,
        Shim::Stat,
        Shim::Lstat,
        Shim::Fstat,
        Shim::Newfstatat,
        Shim::Statx,
        Shim::Open,
        Shim::Openat,
        Shim::Openat2,
        Shim::Creat,
        Shim::Mkdir,
        Shim::Mkdirat,
        Shim::Mknod,
        Shim::Mknodat,
        Shim::Symlink,
        Shim::Symlinkat,
        Shim::Rename,
        Shim::Renameat,
        Shim::Renameat2,
        Shim::Link,
        Shim::Linkat,
        Shim::Getxattr,
        Shim::Lgetxattr,
        Shim::Fgetxattr,
        Shim::Listxattr,
        Shim::Llistxattr,
        Shim::Flistxattr,
        Shim::Setxattr,
        Shim::Lsetxattr,
        Shim::Fsetxattr,
        Shim::Removexattr,
        Shim::Lremovexattr,
        Shim::Fremovexattr,
        Shim::Kill,
        Shim::Tkill,
        Shim::Tgkill,
        Shim::RtSigqueueinfo,
        Shim::RtTgsigqueueinfo,
        Shim::Chroot,
        Shim::Unshare,
        Shim::Setns,
        Shim::Mount,
        Shim::Umount2,
        Shim::PivotRoot,
        Shim::Seccomp,
        Shim::Sethostname,
        Shim::Setdomainname,
        Shim::Access,
        Shim::Faccessat,
        Shim::Faccessat2,
        Shim::Unlink,
        Shim::Unlinkat,
        Shim::Rmdir,
        Shim::Chmod,
        Shim::Fchmod,
        Shim::Fchmodat,
        Shim::Utime,
        Shim::Utimes,
        Shim::Futimesat,
        Shim::Utimensat,
        Shim::Truncate,
        Shim::Chdir,
        Shim::Fchdir,
    ];

    pub fn class(self) -> Class {
        match self {
            Shim::Execve | Shim::Execveat => Class::Exec,
            Shim::Chown | Shim::Lchown | Shim::Fchown | Shim::Fchownat => Class::Chown,
            Shim::Stat | Shim::Lstat | Shim::Fstat | Shim::Newfstatat | Shim::Statx => Class::Stat,
            Shim::Open
            | Shim::Openat
            | Shim::Openat2
            | Shim::Creat
            | Shim::Mkdir
            | Shim::Mkdirat
            | Shim::Mknod
            | Shim::Mknodat
            | Shim::Symlink
            | Shim::Symlinkat
            | Shim::Rename
            | Shim::Renameat
            | Shim::Renameat2
            | Shim::Link
            | Shim::Linkat => Class::Create,
            Shim::Getxattr
            | Shim::Lgetxattr
            | Shim::Fgetxattr
            | Shim::Listxattr
            | Shim::Llistxattr
            | Shim::Flistxattr
            | Shim::Setxattr
            | Shim::Lsetxattr
            | Shim::Fsetxattr
            | Shim::Removexattr
            | Shim::Lremovexattr
            | Shim::Fremovexattr => Class::Xattr,
            Shim::Kill
            | Shim::Tkill
            | Shim::Tgkill
            | Shim::RtSigqueueinfo
            | Shim::RtTgsigqueueinfo
            | Shim::Chroot
            | Shim::Unshare
            | Shim::Setns
            | Shim::Mount
            | Shim::Umount2
            | Shim::PivotRoot
            | Shim::Seccomp
            | Shim::Sethostname
            | Shim::Setdomainname => Class::Privilege,
            Shim::Access
            | Shim::Faccessat
            | Shim::Faccessat2
            | Shim::Unlink
            | Shim::Unlinkat
            | Shim::Rmdir
            | Shim::Chmod
            | Shim::Fchmod
            | Shim::Fchmodat
            | Shim::Utime
            | Shim::Utimes
            | Shim::Futimesat
            | Shim::Utimensat
            | Shim::Truncate
            | Shim::Chdir
            | Shim::Fchdir => Class::Permission,
            _ => Class::Credential,
        }
    }

    /// For getsockopt: the level and the options it stops for.
    pub fn sockopt_args(self) -> Option<(u32, &'static [u32])> {
        (self == Shim::Getsockopt).then_some((SOL_SOCKET, &[SO_PEERCRED, SO_PEERGROUPS]))
    }

    /// For the `Privilege` rows: when the filter stops them.
    pub fn stop_rule(self) -> StopRule {
        match self {
            Shim::Kill | Shim::Tkill | Shim::RtSigqueueinfo => StopRule::PositivePid(0),
            Shim::Unshare => StopRule::Bits { arg: 0, any: ns::CLONE_NS_NEEDING_ADMIN as u32, none: ns::CLONE_NEWUSER as u32 },
            Shim::Seccomp => StopRule::Equals { arg: 0, value: 1 /* SECCOMP_SET_MODE_FILTER */ },
            _ => StopRule::Always,
        }
    }

    /// For open and openat: the argument that holds the flags (the filter
    /// stops them only with O_CREAT or O_TMPFILE set).
    pub fn open_flags_arg(self) -> Option<usize> {
        match self {
            Shim::Open => Some(1),
            Shim::Openat => Some(2),
            _ => None,
        }
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
    row(161, "chroot", Chroot, U32),
    row(272, "unshare", Unshare, U32),
    row(308, "setns", Setns, U32),
    row(165, "mount", Mount, U32),
    row(166, "umount2", Umount2, U32),
    row(155, "pivot_root", PivotRoot, U32),
    row(317, "seccomp", Seccomp, U32),
    row(170, "sethostname", Sethostname, U32),
    row(171, "setdomainname", Setdomainname, U32),
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
    row(61, "chroot", Chroot, U32),
    row(310, "unshare", Unshare, U32),
    row(346, "setns", Setns, U32),
    row(21, "mount", Mount, U32),
    row(52, "umount2", Umount2, U32),
    row(217, "pivot_root", PivotRoot, U32),
    row(354, "seccomp", Seccomp, U32),
    row(74, "sethostname", Sethostname, U32),
    row(121, "setdomainname", Setdomainname, U32),
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

/// What to do with an intercepted call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Let the kernel run it (a prctl option that is not a credential option).
    Native,
    /// Skip the real call, return `ret` (a value or `-errno`), and commit
    /// the new credentials if there are any.
    Emulated { ret: i64, commit: Option<Creds> },
}

impl Outcome {
    fn value(v: i64) -> Outcome {
        Outcome::Emulated { ret: v, commit: None }
    }
    fn from_set(r: Result<Creds, Errno>) -> Outcome {
        match r {
            Ok(c) => Outcome::Emulated { ret: 0, commit: Some(c) },
            Err(e) => Outcome::value(e.ret()),
        }
    }
    fn from_get(r: Result<i64, Errno>) -> Outcome {
        Outcome::value(r.unwrap_or_else(|e| e.ret()))
    }
    /// A capability check: the kernel runs what it lets through.
    fn from_check(r: Check) -> Outcome {
        match r {
            Ok(()) => Outcome::Native,
            Err(e) => Outcome::value(e.ret()),
        }
    }
}

/// Runs one intercepted call through the model: decode `args` (the six
/// argument registers) the way `row`'s prototype does, call the model, and
/// say what the caller gets back. `world` holds what the capability checks
/// of the `Privilege` rows need to know. Never panics on any argument.
pub fn dispatch(
    abi: Abi,
    row: &Row,
    args: [u64; 6],
    creds: &Creds,
    caller: &Caller,
    world: &dyn World,
    mem: &mut dyn UserMem,
) -> Outcome {
    // A 32-bit task's registers are 32 bits wide (unsigned long, pointers).
    let a = match abi {
        Abi::X86_64 => args,
        Abi::I386 => args.map(|x| x as u32 as u64),
    };
    let id = |i: usize| raw_id(a[i], row.width);
    // getuid16 and friends: ids above 16 bits read as overflowuid.
    let get_id = |v: u32| -> Outcome {
        Outcome::value(match row.width {
            IdWidth::U32 => v as i64,
            IdWidth::U16 => high2lowuid(v) as i64,
        })
    };
    let size = a[0] as i32; // the kernel's `int gidsetsize`
    let sixteen = row.width == IdWidth::U16;
    let compat = abi == Abi::I386;
    match row.shim {
        Shim::Getuid => get_id(sys::getuid(creds)),
        Shim::Geteuid => get_id(sys::geteuid(creds)),
        Shim::Getgid => get_id(sys::getgid(creds)),
        Shim::Getegid => get_id(sys::getegid(creds)),
        Shim::Setuid => Outcome::from_set(sys::setuid(creds, id(0))),
        Shim::Setgid => Outcome::from_set(sys::setgid(creds, id(0))),
        Shim::Setreuid => Outcome::from_set(sys::setreuid(creds, id(0), id(1))),
        Shim::Setregid => Outcome::from_set(sys::setregid(creds, id(0), id(1))),
        Shim::Setresuid => Outcome::from_set(sys::setresuid(creds, id(0), id(1), id(2))),
        Shim::Setresgid => Outcome::from_set(sys::setresgid(creds, id(0), id(1), id(2))),
        Shim::Setfsuid => {
            let (ret, commit) = sys::setfsuid(creds, id(0));
            Outcome::Emulated { ret: ret as i64, commit }
        }
        Shim::Setfsgid => {
            let (ret, commit) = sys::setfsgid(creds, id(0));
            Outcome::Emulated { ret: ret as i64, commit }
        }
        Shim::Getresuid if sixteen => Outcome::from_get(uid16::getresuid16(creds, a[0], a[1], a[2], mem)),
        Shim::Getresuid => Outcome::from_get(sys::getresuid(creds, a[0], a[1], a[2], mem)),
        Shim::Getresgid if sixteen => Outcome::from_get(uid16::getresgid16(creds, a[0], a[1], a[2], mem)),
        Shim::Getresgid => Outcome::from_get(sys::getresgid(creds, a[0], a[1], a[2], mem)),
        Shim::Getgroups if sixteen => Outcome::from_get(uid16::getgroups16(creds, size, a[1], mem)),
        Shim::Getgroups => Outcome::from_get(groups::getgroups(creds, size, a[1], mem)),
        Shim::Setgroups if sixteen => Outcome::from_set(uid16::setgroups16(creds, size, a[1], mem)),
        Shim::Setgroups => Outcome::from_set(groups::setgroups(creds, size, a[1], mem)),
        Shim::Capget => Outcome::from_get(capability::capget(creds, caller, a[0], a[1], mem)),
        Shim::Capset => Outcome::from_set(capability::capset(creds, caller, a[0], a[1], mem)),
        Shim::Execve | Shim::Execveat => Outcome::Native,
        // It needs the socket: the tracer answers it.
        Shim::Getsockopt => Outcome::Native,
        // sys_prctl: security_task_prctl says ENOSYS (not a capability
        // option), then prctl_set_seccomp.
        Shim::Prctl if a[0] as u32 as u64 == PR_SET_SECCOMP => {
            Outcome::from_check(ns::prctl_set_seccomp(creds, compat, a[1], a[2], mem))
        }
        Shim::Prctl => match sys::prctl(creds, a[0], a[1], a[2], a[3], a[4]) {
            None => Outcome::Native,
            Some(Ok(ans)) => Outcome::Emulated { ret: ans.ret, commit: ans.commit },
            Some(Err(e)) => Outcome::value(e.ret()),
        },
        // pid_t and int arguments are the registers' low 32 bits.
        Shim::Kill => Outcome::from_check(signal::kill(creds, world, a[0] as i32, a[1] as i32)),
        Shim::Tkill => Outcome::from_check(signal::tkill(creds, world, a[0] as i32, a[1] as i32)),
        Shim::Tgkill => Outcome::from_check(signal::tgkill(creds, world, a[0] as i32, a[1] as i32, a[2] as i32)),
        Shim::RtSigqueueinfo => {
            Outcome::from_check(signal::rt_sigqueueinfo(creds, world, a[0] as i32, a[1] as i32, a[2], mem))
        }
        Shim::RtTgsigqueueinfo => Outcome::from_check(signal::rt_tgsigqueueinfo(
            creds, world, a[0] as i32, a[1] as i32, a[2] as i32, a[3], mem,
        )),
        Shim::Chroot => Outcome::from_check(ns::chroot(creds, world, a[0], mem)),
        Shim::Unshare => Outcome::from_check(ns::unshare(creds, world, a[0])),
        Shim::Setns => Outcome::from_check(ns::setns(creds, world, a[0] as i32, a[1] as i32)),
        Shim::Mount => Outcome::from_check(ns::mount(creds, world, a[0], a[1], a[2], a[3], a[4], mem)),
        Shim::Umount2 => Outcome::from_check(ns::umount(creds, world, a[0], a[1] as i32, mem)),
        Shim::PivotRoot => Outcome::from_check(ns::pivot_root(creds)),
        Shim::Seccomp => Outcome::from_check(ns::seccomp(creds, compat, a[0] as u32, a[1] as u32, a[2], mem)),
        Shim::Sethostname | Shim::Setdomainname => Outcome::from_check(ns::sethostname(creds)),
        // The ownership and permission classes need the file: the tracer
        // answers them.
        _ => {
            debug_assert!(row.shim.is_ownership() || row.shim.class() == Class::Permission);
            Outcome::Native
        }
    }
}
