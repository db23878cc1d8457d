//! Files and descriptors: the file-system calls of the exec check, the
//! ownership store and --proc (C paths, O_PATH opens, statvfs, xattrs,
//! sealed memfds), and a duplicate of a tracee's descriptor.

use super::ptrace::Tid;
use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// The parts of a stat result ownership needs (ids as the namespace shows them).
#[derive(Clone, Copy, Debug)]
pub struct Inode {
    pub dev: u64,
    pub ino: u64,
    pub uid: u32,
    pub gid: u32,
    pub mode: u32,
}

impl From<&libc::stat> for Inode {
    fn from(s: &libc::stat) -> Inode {
        Inode { dev: s.st_dev, ino: s.st_ino, uid: s.st_uid, gid: s.st_gid, mode: s.st_mode }
    }
}

impl From<&std::fs::Metadata> for Inode {
    fn from(m: &std::fs::Metadata) -> Inode {
        use std::os::unix::fs::MetadataExt;
        Inode { dev: m.dev(), ino: m.ino(), uid: m.uid(), gid: m.gid(), mode: m.mode() }
    }
}

/// `path` for a libc call (EINVAL for a path with a NUL byte, as the
/// kernel cannot be given one).
pub fn cpath(path: &Path) -> std::io::Result<CString> {
    CString::new(path.as_os_str().as_bytes()).map_err(|_| std::io::Error::from_raw_os_error(libc::EINVAL))
}

pub fn check(r: libc::c_int) -> std::io::Result<()> {
    if r < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(())
    }
}

pub fn xattr_set(path: &Path, name: &str, value: &[u8], follow: bool) -> std::io::Result<()> {
    let (p, n) = (cpath(path)?, CString::new(name)?);
    // SAFETY: C strings and a live buffer.
    check(unsafe {
        let f = if follow { libc::setxattr } else { libc::lsetxattr };
        f(p.as_ptr(), n.as_ptr(), value.as_ptr() as *const libc::c_void, value.len(), 0)
    })
}

pub fn xattr_remove(path: &Path, name: &str, follow: bool) -> std::io::Result<()> {
    let (p, n) = (cpath(path)?, CString::new(name)?);
    // SAFETY: C strings.
    let r = check(unsafe {
        let f = if follow { libc::removexattr } else { libc::lremovexattr };
        f(p.as_ptr(), n.as_ptr())
    });
    match r {
        Err(e) if e.raw_os_error() == Some(libc::ENODATA) => Ok(()),
        r => r,
    }
}

/// Whether task `pid` is in credshim's own namespace of `kind` (`pid`,
/// `user`, … as /proc/PID/ns names them): false when either link cannot be
/// read.
pub fn same_ns(pid: Tid, kind: &str) -> bool {
    let ns = |p: &str| std::fs::read_link(format!("/proc/{p}/ns/{kind}")).ok();
    matches!((ns("self"), ns(&pid.to_string())), (Some(a), Some(b)) if a == b)
}

/// Whether the task's descriptor `fd` is an O_PATH one (/proc/TID/fdinfo).
pub fn opened_with_o_path(tid: Tid, fd: i32) -> bool {
    let Ok(info) = std::fs::read_to_string(format!("/proc/{tid}/fdinfo/{fd}")) else { return false };
    let flags = info.lines().find_map(|l| l.strip_prefix("flags:")).and_then(|v| u32::from_str_radix(v.trim(), 8).ok());
    flags.is_some_and(|f| f & libc::O_PATH as u32 != 0)
}

/// Whether the file at `path` is on a read-only mount or filesystem (what
/// makes mnt_want_write fail with EROFS).
pub fn read_only(path: &Path) -> bool {
    let Ok(c) = cpath(path) else { return false };
    // SAFETY: statvfs into a zeroed local struct, with a NUL-terminated path.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    unsafe { libc::statvfs(c.as_ptr(), &mut st) == 0 && st.f_flag & libc::ST_RDONLY != 0 }
}

/// `path` as an O_PATH directory descriptor.
pub fn open_dir(path: &Path) -> Option<OwnedFd> {
    let c = cpath(path).ok()?;
    // SAFETY: open returns a new fd we own, or -1.
    let fd = unsafe { libc::open(c.as_ptr(), libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC) };
    (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd) })
}

/// A read-only descriptor of a sealed memfd holding `text`.
pub fn sealed(text: &str) -> Option<OwnedFd> {
    // SAFETY: memfd_create with a NUL-terminated name; the fd is ours.
    let fd = unsafe { libc::memfd_create(c"credshim-status".as_ptr(), libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING) };
    if fd < 0 {
        return None;
    }
    // SAFETY: a fresh descriptor we own.
    let mem = unsafe { OwnedFd::from_raw_fd(fd) };
    let mut f = std::fs::File::from(mem);
    std::io::Write::write_all(&mut f, text.as_bytes()).ok()?;
    let seals = libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_WRITE | libc::F_SEAL_SEAL;
    // SAFETY: fcntl on our descriptor.
    if unsafe { libc::fcntl(std::os::fd::AsRawFd::as_raw_fd(&f), libc::F_ADD_SEALS, seals) } != 0 {
        return None;
    }
    // A new open file description: read-only, at offset 0.
    std::fs::File::open(format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&f))).ok().map(OwnedFd::from)
}

/// A duplicate of process `tgid`'s descriptor `fd` (pidfd_getfd, Linux 5.6).
pub fn dup_from(tgid: Tid, fd: i32) -> Option<OwnedFd> {
    // SAFETY: raw syscalls returning new descriptors we own, or -1.
    unsafe {
        let pidfd = libc::syscall(libc::SYS_pidfd_open, tgid, 0);
        if pidfd < 0 {
            return None;
        }
        let pidfd = OwnedFd::from_raw_fd(pidfd as i32);
        let sock = libc::syscall(libc::SYS_pidfd_getfd, pidfd.as_raw_fd(), fd, 0);
        (sock >= 0).then(|| OwnedFd::from_raw_fd(sock as i32))
    }
}
