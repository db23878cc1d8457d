//! The seccomp user-notification channel (seccomp_unotify(2)): emulated calls
//! arrive on a listener fd instead of as ptrace stops. The kernel wakes
//! credshim on the caller's CPU (SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP), which
//! is what makes it fast on these machines.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

const SECCOMP_IOCTL_NOTIF_RECV: libc::c_ulong = 0xc050_2100;
const SECCOMP_IOCTL_NOTIF_SEND: libc::c_ulong = 0xc018_2101;
const SECCOMP_IOCTL_NOTIF_ID_VALID: libc::c_ulong = 0x4008_2102;
const SECCOMP_IOCTL_NOTIF_SET_FLAGS: libc::c_ulong = 0x4008_2104;
/// SECCOMP_IOW(3, struct seccomp_notif_addfd) (24 bytes).
const SECCOMP_IOCTL_NOTIF_ADDFD: libc::c_ulong = 0x4018_2103;
/// Install the fd and answer the call with its number, in one step.
const SECCOMP_ADDFD_FLAG_SEND: u32 = 1 << 1;
const SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP: u64 = 1;
const SECCOMP_USER_NOTIF_FLAG_CONTINUE: u32 = 1;

/// struct seccomp_notif.
#[repr(C)]
#[derive(Default, Clone, Copy)]
struct RawNotif {
    id: u64,
    pid: u32,
    flags: u32,
    nr: i32,
    arch: u32,
    instruction_pointer: u64,
    args: [u64; 6],
}

/// struct seccomp_notif_resp.
#[repr(C)]
struct RawResp {
    id: u64,
    val: i64,
    error: i32,
    flags: u32,
}

/// struct seccomp_notif_addfd.
#[repr(C)]
struct RawAddFd {
    id: u64,
    flags: u32,
    srcfd: u32,
    newfd: u32,
    newfd_flags: u32,
}

/// One intercepted call waiting for its answer.
#[derive(Clone, Copy, Debug)]
pub struct Notification {
    pub id: u64,
    pub tid: i32,
    pub arch: u32,
    pub nr: u64,
    pub args: [u64; 6],
}

pub struct Listener {
    fd: OwnedFd,
}

impl Listener {
    pub fn new(fd: OwnedFd) -> Listener {
        let l = Listener { fd };
        // SAFETY: an ioctl on our listener; SET_FLAGS takes the flags by value.
        let r = unsafe {
            libc::ioctl(l.fd.as_raw_fd(), SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP as libc::c_ulong)
        };
        if r != 0 {
            log::info!("seccomp listener: no SYNC_WAKE_UP ({}); answers may be slower", io::Error::last_os_error());
        }
        l
    }

    pub fn raw(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// The next notification, or None if the caller went away (ENOENT).
    pub fn recv(&self) -> io::Result<Option<Notification>> {
        let mut n = RawNotif::default();
        // SAFETY: NOTIF_RECV fills a zeroed struct seccomp_notif.
        let r = unsafe { libc::ioctl(self.fd.as_raw_fd(), SECCOMP_IOCTL_NOTIF_RECV, &mut n) };
        if r != 0 {
            let e = io::Error::last_os_error();
            return match e.raw_os_error() {
                Some(libc::ENOENT) | Some(libc::EINTR) => Ok(None),
                _ => Err(e),
            };
        }
        Ok(Some(Notification { id: n.id, tid: n.pid as i32, arch: n.arch, nr: n.nr as u32 as u64, args: n.args }))
    }

    /// Is the notification still pending (its task alive and in the call)?
    /// Checked after reading the task's memory and before answering.
    pub fn valid(&self, id: u64) -> bool {
        let mut id = id;
        // SAFETY: an ioctl with a pointer to a local u64.
        unsafe { libc::ioctl(self.fd.as_raw_fd(), SECCOMP_IOCTL_NOTIF_ID_VALID, &mut id) == 0 }
    }

    /// Answers: Some(value or -errno) as the call's result, None to let the
    /// kernel run the call (SECCOMP_USER_NOTIF_FLAG_CONTINUE). Ok only when
    /// the kernel took the answer: ENOENT means the notification is gone
    /// (the task died, or a signal interrupted its wait), and the call then
    /// did not happen.
    pub fn respond(&self, id: u64, answer: Option<i64>) -> io::Result<()> {
        let mut resp = match answer {
            None => RawResp { id, val: 0, error: 0, flags: SECCOMP_USER_NOTIF_FLAG_CONTINUE },
            Some(r) if (-4095..0).contains(&r) => RawResp { id, val: 0, error: r as i32, flags: 0 },
            Some(v) => RawResp { id, val: v, error: 0, flags: 0 },
        };
        // SAFETY: an ioctl with a pointer to a local struct.
        if unsafe { libc::ioctl(self.fd.as_raw_fd(), SECCOMP_IOCTL_NOTIF_SEND, &mut resp) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Answers the call with a new descriptor in the caller: `fd` installed
    /// (with `cloexec` as O_CLOEXEC asks) and its number returned as the
    /// call's result, atomically (SECCOMP_ADDFD_FLAG_SEND, Linux 5.14+).
    /// Ok(number) only when the kernel took it; ENOENT as for `respond`.
    pub fn respond_fd(&self, id: u64, fd: RawFd, cloexec: bool) -> io::Result<i32> {
        let mut add = RawAddFd {
            id,
            flags: SECCOMP_ADDFD_FLAG_SEND,
            srcfd: fd as u32,
            newfd: 0,
            newfd_flags: if cloexec { libc::O_CLOEXEC as u32 } else { 0 },
        };
        // SAFETY: an ioctl with a pointer to a local struct.
        let r = unsafe { libc::ioctl(self.fd.as_raw_fd(), SECCOMP_IOCTL_NOTIF_ADDFD, &mut add) };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(r)
    }
}
