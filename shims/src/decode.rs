//! decode, the first step of the emulation path (DESIGN.md): a row's six
//! argument registers become a typed `Syscall`, as the kernel's
//! SYSCALL_DEFINE for that row reads them. A 32-bit task's registers are
//! truncated to 32 bits first (unsigned long and pointers are 32 bits
//! wide in the i386 ABI), ids are truncated to the row's width (and 0xffff
//! means -1 for a 16-bit row), int and pid_t arguments are the low 32 bits.
//! Calls that the kernel defines through another (chown through
//! fchownat, stat through newfstatat, creat through open, mkdir through
//! mkdirat, …) decode to that one, with the arguments the kernel adds.

use crate::id::{raw_id, RawId};
use crate::table::{Abi, Row, Shim};

/// AT_FDCWD, AT_SYMLINK_NOFOLLOW (include/uapi/linux/fcntl.h).
pub const AT_FDCWD: i32 = -100;
pub const AT_SYMLINK_NOFOLLOW: i32 = 0x100;
/// O_CREAT | O_WRONLY | O_TRUNC: what creat passes to open (fs/open.c).
const CREAT_FLAGS: u64 = 0o100 | 0o1 | 0o1000;

/// A file an xattr call names: a path (followed or not) or a descriptor.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum XattrFile {
    Path { path: u64, follow: bool },
    Fd(i32),
}

/// One intercepted call, its arguments typed. Pointers stay addresses in
/// the caller (`u64`): the handlers read them at the kernel's point.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Syscall {
    Getuid,
    Geteuid,
    Getgid,
    Getegid,
    Setuid(RawId),
    Setgid(RawId),
    Setreuid(RawId, RawId),
    Setregid(RawId, RawId),
    Setresuid(RawId, RawId, RawId),
    Setresgid(RawId, RawId, RawId),
    Getresuid { ruid: u64, euid: u64, suid: u64 },
    Getresgid { rgid: u64, egid: u64, sgid: u64 },
    Setfsuid(RawId),
    Setfsgid(RawId),
    /// `int gidsetsize`, the list.
    Getgroups { size: i32, list: u64 },
    Setgroups { size: i32, list: u64 },
    Capget { header: u64, data: u64 },
    Capset { header: u64, data: u64 },
    Prctl { option: u64, arg2: u64, arg3: u64, arg4: u64, arg5: u64 },
    /// execve is execveat(AT_FDCWD, path, argv, envp, 0).
    Execveat { dirfd: i32, path: u64, flags: i32 },
    Getsockopt { fd: i32, level: i32, optname: i32, optval: u64, optlen: u64 },
    /// chown is fchownat(AT_FDCWD, path, u, g, 0), lchown the same with
    /// AT_SYMLINK_NOFOLLOW (fs/open.c do_fchownat).
    Fchownat { dirfd: i32, path: u64, user: RawId, group: RawId, flags: i32 },
    Fchown { fd: i32, user: RawId, group: RawId },
    /// stat is newfstatat(AT_FDCWD, path, buf, 0), lstat the same with
    /// AT_SYMLINK_NOFOLLOW (fs/stat.c vfs_stat, vfs_lstat).
    Newfstatat { dirfd: i32, path: u64, buf: u64, flags: i32 },
    Fstat { fd: i32, buf: u64 },
    Statx { dirfd: i32, path: u64, flags: i32, mask: u32, buf: u64 },
    /// open is openat(AT_FDCWD, …); creat is open(path, O_CREAT|O_WRONLY|O_TRUNC, mode).
    Openat { dirfd: i32, path: u64, flags: u64, mode: u64 },
    /// `how` points at a struct open_how of `size` bytes.
    Openat2 { dirfd: i32, path: u64, how: u64, size: u64 },
    /// mkdir is mkdirat(AT_FDCWD, …).
    Mkdirat { dirfd: i32, path: u64, mode: u32 },
    /// mknod is mknodat(AT_FDCWD, …).
    Mknodat { dirfd: i32, path: u64, mode: u32, dev: u32 },
    /// symlink is symlinkat(target, AT_FDCWD, path).
    Symlinkat { target: u64, dirfd: i32, path: u64 },
    /// rename and renameat are renameat2 with flags 0; link is linkat.
    Renameat2 { olddirfd: i32, old: u64, newdirfd: i32, new: u64, flags: u32 },
    Linkat { olddirfd: i32, old: u64, newdirfd: i32, new: u64, flags: i32 },
    Getxattr { file: XattrFile, name: u64, value: u64, size: u64 },
    Listxattr { file: XattrFile, list: u64, size: u64 },
    Setxattr { file: XattrFile, name: u64, value: u64, size: u64, flags: i32 },
    Removexattr { file: XattrFile, name: u64 },
    Kill { pid: i32, sig: i32 },
    Tkill { tid: i32, sig: i32 },
    Tgkill { tgid: i32, tid: i32, sig: i32 },
    RtSigqueueinfo { pid: i32, sig: i32, info: u64 },
    RtTgsigqueueinfo { tgid: i32, tid: i32, sig: i32, info: u64 },
    PidfdSendSignal { pidfd: i32, sig: i32, info: u64, flags: u32 },
    Chroot { path: u64 },
    Unshare { flags: u64 },
    Setns { fd: i32, nstype: i32 },
    Mount { source: u64, target: u64, fstype: u64, flags: u64, data: u64 },
    Umount2 { target: u64, flags: i32 },
    PivotRoot { new_root: u64, put_old: u64 },
    Seccomp { op: u32, flags: u32, args: u64 },
    Sethostname { name: u64, len: i32 },
    Setdomainname { name: u64, len: i32 },
    /// `long request, long pid`: find_get_task_by_vpid takes the pid_t.
    Ptrace { request: u64, pid: i32, addr: u64, data: u64 },
    /// The permission rows (`--permissions emulate`), as the kernel defines
    /// the older calls: access is faccessat(AT_FDCWD, …, 0), unlink and
    /// rmdir unlinkat (AT_REMOVEDIR), chmod fchmodat, utime/utimes/
    /// futimesat utimensat-like (`times` and its kind), chdir and fchdir a
    /// path or a descriptor. The tracer's permission walk reads the rest.
    Faccessat { dirfd: i32, path: u64, mode: i32, flags: i32 },
    Unlinkat { dirfd: i32, path: u64, flags: i32 },
    Fchmodat { dirfd: i32, path: Option<u64>, fd: i32, mode: u32 },
    Utimes { dirfd: i32, path: Option<u64>, times: u64, flags: i32 },
    Truncate { path: u64, length: u64 },
    Chdir { path: Option<u64>, fd: i32 },
}

/// Decodes `args`, the six argument registers of a call of `row` made
/// through `abi`. Total: any register values decode.
pub fn decode(abi: Abi, row: &Row, args: [u64; 6]) -> Syscall {
    let a = match abi {
        Abi::X86_64 => args,
        Abi::I386 => args.map(|x| x as u32 as u64),
    };
    let id = |i: usize| raw_id(a[i], row.width);
    let int = |i: usize| a[i] as i32;
    let at = AT_FDCWD;
    let path = |i: usize, follow: bool| XattrFile::Path { path: a[i], follow };
    use Syscall as S;
    match row.shim {
        Shim::Getuid => S::Getuid,
        Shim::Geteuid => S::Geteuid,
        Shim::Getgid => S::Getgid,
        Shim::Getegid => S::Getegid,
        Shim::Setuid => S::Setuid(id(0)),
        Shim::Setgid => S::Setgid(id(0)),
        Shim::Setreuid => S::Setreuid(id(0), id(1)),
        Shim::Setregid => S::Setregid(id(0), id(1)),
        Shim::Setresuid => S::Setresuid(id(0), id(1), id(2)),
        Shim::Setresgid => S::Setresgid(id(0), id(1), id(2)),
        Shim::Getresuid => S::Getresuid { ruid: a[0], euid: a[1], suid: a[2] },
        Shim::Getresgid => S::Getresgid { rgid: a[0], egid: a[1], sgid: a[2] },
        Shim::Setfsuid => S::Setfsuid(id(0)),
        Shim::Setfsgid => S::Setfsgid(id(0)),
        Shim::Getgroups => S::Getgroups { size: int(0), list: a[1] },
        Shim::Setgroups => S::Setgroups { size: int(0), list: a[1] },
        Shim::Capget => S::Capget { header: a[0], data: a[1] },
        Shim::Capset => S::Capset { header: a[0], data: a[1] },
        Shim::Prctl => S::Prctl { option: a[0], arg2: a[1], arg3: a[2], arg4: a[3], arg5: a[4] },
        Shim::Execve => S::Execveat { dirfd: at, path: a[0], flags: 0 },
        Shim::Execveat => S::Execveat { dirfd: int(0), path: a[1], flags: int(4) },
        Shim::Getsockopt => S::Getsockopt { fd: int(0), level: int(1), optname: int(2), optval: a[3], optlen: a[4] },
        Shim::Chown => S::Fchownat { dirfd: at, path: a[0], user: id(1), group: id(2), flags: 0 },
        Shim::Lchown => S::Fchownat { dirfd: at, path: a[0], user: id(1), group: id(2), flags: AT_SYMLINK_NOFOLLOW },
        Shim::Fchownat => S::Fchownat { dirfd: int(0), path: a[1], user: id(2), group: id(3), flags: int(4) },
        Shim::Fchown => S::Fchown { fd: int(0), user: id(1), group: id(2) },
        Shim::Stat => S::Newfstatat { dirfd: at, path: a[0], buf: a[1], flags: 0 },
        Shim::Lstat => S::Newfstatat { dirfd: at, path: a[0], buf: a[1], flags: AT_SYMLINK_NOFOLLOW },
        Shim::Newfstatat => S::Newfstatat { dirfd: int(0), path: a[1], buf: a[2], flags: int(3) },
        Shim::Fstat => S::Fstat { fd: int(0), buf: a[1] },
        Shim::Statx => S::Statx { dirfd: int(0), path: a[1], flags: int(2), mask: a[3] as u32, buf: a[4] },
        Shim::Open => S::Openat { dirfd: at, path: a[0], flags: a[1], mode: a[2] },
        Shim::Openat => S::Openat { dirfd: int(0), path: a[1], flags: a[2], mode: a[3] },
        Shim::Openat2 => S::Openat2 { dirfd: int(0), path: a[1], how: a[2], size: a[3] },
        Shim::Creat => S::Openat { dirfd: at, path: a[0], flags: CREAT_FLAGS, mode: a[1] },
        Shim::Mkdir => S::Mkdirat { dirfd: at, path: a[0], mode: a[1] as u32 },
        Shim::Mkdirat => S::Mkdirat { dirfd: int(0), path: a[1], mode: a[2] as u32 },
        Shim::Mknod => S::Mknodat { dirfd: at, path: a[0], mode: a[1] as u32, dev: a[2] as u32 },
        Shim::Mknodat => S::Mknodat { dirfd: int(0), path: a[1], mode: a[2] as u32, dev: a[3] as u32 },
        Shim::Symlink => S::Symlinkat { target: a[0], dirfd: at, path: a[1] },
        Shim::Symlinkat => S::Symlinkat { target: a[0], dirfd: int(1), path: a[2] },
        Shim::Rename => S::Renameat2 { olddirfd: at, old: a[0], newdirfd: at, new: a[1], flags: 0 },
        Shim::Renameat => S::Renameat2 { olddirfd: int(0), old: a[1], newdirfd: int(2), new: a[3], flags: 0 },
        Shim::Renameat2 => S::Renameat2 { olddirfd: int(0), old: a[1], newdirfd: int(2), new: a[3], flags: a[4] as u32 },
        Shim::Link => S::Linkat { olddirfd: at, old: a[0], newdirfd: at, new: a[1], flags: 0 },
        Shim::Linkat => S::Linkat { olddirfd: int(0), old: a[1], newdirfd: int(2), new: a[3], flags: int(4) },
        Shim::Getxattr => S::Getxattr { file: path(0, true), name: a[1], value: a[2], size: a[3] },
        Shim::Lgetxattr => S::Getxattr { file: path(0, false), name: a[1], value: a[2], size: a[3] },
        Shim::Fgetxattr => S::Getxattr { file: XattrFile::Fd(int(0)), name: a[1], value: a[2], size: a[3] },
        Shim::Listxattr => S::Listxattr { file: path(0, true), list: a[1], size: a[2] },
        Shim::Llistxattr => S::Listxattr { file: path(0, false), list: a[1], size: a[2] },
        Shim::Flistxattr => S::Listxattr { file: XattrFile::Fd(int(0)), list: a[1], size: a[2] },
        Shim::Setxattr => S::Setxattr { file: path(0, true), name: a[1], value: a[2], size: a[3], flags: int(4) },
        Shim::Lsetxattr => S::Setxattr { file: path(0, false), name: a[1], value: a[2], size: a[3], flags: int(4) },
        Shim::Fsetxattr => S::Setxattr { file: XattrFile::Fd(int(0)), name: a[1], value: a[2], size: a[3], flags: int(4) },
        Shim::Removexattr => S::Removexattr { file: path(0, true), name: a[1] },
        Shim::Lremovexattr => S::Removexattr { file: path(0, false), name: a[1] },
        Shim::Fremovexattr => S::Removexattr { file: XattrFile::Fd(int(0)), name: a[1] },
        Shim::Kill => S::Kill { pid: int(0), sig: int(1) },
        Shim::Tkill => S::Tkill { tid: int(0), sig: int(1) },
        Shim::Tgkill => S::Tgkill { tgid: int(0), tid: int(1), sig: int(2) },
        Shim::RtSigqueueinfo => S::RtSigqueueinfo { pid: int(0), sig: int(1), info: a[2] },
        Shim::RtTgsigqueueinfo => S::RtTgsigqueueinfo { tgid: int(0), tid: int(1), sig: int(2), info: a[3] },
        Shim::PidfdSendSignal => S::PidfdSendSignal { pidfd: int(0), sig: int(1), info: a[2], flags: a[3] as u32 },
        Shim::Chroot => S::Chroot { path: a[0] },
        Shim::Unshare => S::Unshare { flags: a[0] },
        Shim::Setns => S::Setns { fd: int(0), nstype: int(1) },
        Shim::Mount => S::Mount { source: a[0], target: a[1], fstype: a[2], flags: a[3], data: a[4] },
        Shim::Umount2 => S::Umount2 { target: a[0], flags: int(1) },
        Shim::PivotRoot => S::PivotRoot { new_root: a[0], put_old: a[1] },
        Shim::Seccomp => S::Seccomp { op: a[0] as u32, flags: a[1] as u32, args: a[2] },
        Shim::Sethostname => S::Sethostname { name: a[0], len: int(1) },
        Shim::Setdomainname => S::Setdomainname { name: a[0], len: int(1) },
        Shim::Ptrace => S::Ptrace { request: a[0], pid: int(1), addr: a[2], data: a[3] },
        Shim::Access => S::Faccessat { dirfd: at, path: a[0], mode: int(1), flags: 0 },
        Shim::Faccessat => S::Faccessat { dirfd: int(0), path: a[1], mode: int(2), flags: 0 },
        Shim::Faccessat2 => S::Faccessat { dirfd: int(0), path: a[1], mode: int(2), flags: int(3) },
        Shim::Unlink => S::Unlinkat { dirfd: at, path: a[0], flags: 0 },
        Shim::Unlinkat => S::Unlinkat { dirfd: int(0), path: a[1], flags: int(2) },
        Shim::Rmdir => S::Unlinkat { dirfd: at, path: a[0], flags: 0x200 /* AT_REMOVEDIR */ },
        Shim::Chmod => S::Fchmodat { dirfd: at, path: Some(a[0]), fd: -1, mode: a[1] as u32 },
        Shim::Fchmod => S::Fchmodat { dirfd: at, path: None, fd: int(0), mode: a[1] as u32 },
        Shim::Fchmodat => S::Fchmodat { dirfd: int(0), path: Some(a[1]), fd: -1, mode: a[2] as u32 },
        Shim::Utime | Shim::Utimes => S::Utimes { dirfd: at, path: Some(a[0]), times: a[1], flags: 0 },
        Shim::Futimesat => S::Utimes { dirfd: int(0), path: Some(a[1]), times: a[2], flags: 0 },
        Shim::Utimensat => S::Utimes { dirfd: int(0), path: (a[1] != 0).then_some(a[1]), times: a[2], flags: int(3) },
        Shim::Truncate => S::Truncate { path: a[0], length: a[1] },
        Shim::Chdir => S::Chdir { path: Some(a[0]), fd: -1 },
        Shim::Fchdir => S::Chdir { path: None, fd: int(0) },
    }
}
