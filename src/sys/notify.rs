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

/// Does the kernel have seccomp user notifications (Linux 5.0+)?
/// SECCOMP_GET_NOTIF_SIZES answers where they exist.
pub fn supported() -> bool {
    const SECCOMP_GET_NOTIF_SIZES: libc::c_ulong = 3;
    let mut sizes = [0u16; 3];
    // SAFETY: the kernel writes struct seccomp_notif_sizes (three u16) into `sizes`.
    unsafe { libc::syscall(libc::SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, sizes.as_mut_ptr()) == 0 }
}

/// The socket an OCI runtime hands a container's listener to
/// (`linux.seccomp.listenerPath`; runc's sendContainerProcessState): it
/// connects and sends one message, the JSON of a runtime-spec
/// ContainerProcessState, with the descriptors its `fds` names as
/// SCM_RIGHTS. `@NAME` is an abstract socket (as Go's net.Dial spells it).
pub struct Agent {
    sock: OwnedFd,
    path: String,
}

impl Agent {
    /// Listens at `path` (a stale socket file of an earlier run is replaced).
    pub fn bind(path: &str) -> io::Result<Agent> {
        use std::os::fd::FromRawFd;
        // SAFETY: a new socket we own.
        let fd = unsafe { libc::socket(libc::AF_UNIX, libc::SOCK_STREAM | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK, 0) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: just created.
        let sock = unsafe { OwnedFd::from_raw_fd(fd) };
        // SAFETY: a zeroed sockaddr_un filled below.
        let mut addr: libc::sockaddr_un = unsafe { std::mem::zeroed() };
        addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
        let bytes = path.as_bytes();
        if bytes.is_empty() || bytes.len() >= addr.sun_path.len() {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("{path}: not a usable unix socket name")));
        }
        let abstract_ = bytes[0] == b'@';
        for (i, b) in bytes.iter().enumerate() {
            addr.sun_path[i] = if i == 0 && abstract_ { 0 } else { *b as libc::c_char };
        }
        if !abstract_ {
            use std::os::unix::fs::FileTypeExt;
            if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_socket()) {
                let _ = std::fs::remove_file(path);
            }
        }
        let len = std::mem::size_of::<libc::sa_family_t>() + bytes.len() + usize::from(!abstract_);
        // SAFETY: bind and listen on our socket with a filled address.
        unsafe {
            if libc::bind(sock.as_raw_fd(), &addr as *const _ as *const libc::sockaddr, len as libc::socklen_t) != 0 {
                return Err(io::Error::last_os_error());
            }
            if libc::listen(sock.as_raw_fd(), 4) != 0 {
                return Err(io::Error::last_os_error());
            }
        }
        Ok(Agent { sock, path: path.to_string() })
    }

    pub fn raw(&self) -> RawFd {
        self.sock.as_raw_fd()
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    /// Takes one pending connection: the listener of the process `pid`,
    /// Ok(None) if none is pending. A peer of another uid, a message
    /// without a `seccompFd`, or the listener of another process (a second
    /// container of the same bundle) is refused with the reason.
    pub fn accept(&self, pid: i32) -> io::Result<Option<Listener>> {
        use std::os::fd::FromRawFd;
        // SAFETY: accept4 on our listening socket.
        let c = unsafe { libc::accept4(self.sock.as_raw_fd(), std::ptr::null_mut(), std::ptr::null_mut(), libc::SOCK_CLOEXEC) };
        if c < 0 {
            let e = io::Error::last_os_error();
            return match e.raw_os_error() {
                Some(libc::EAGAIN) | Some(libc::EINTR) => Ok(None),
                _ => Err(e),
            };
        }
        // SAFETY: just accepted.
        let conn = unsafe { OwnedFd::from_raw_fd(c) };
        let bad = |why: String| io::Error::new(io::ErrorKind::InvalidData, why);
        // The runtime writes right after it connects; bound the wait.
        let tv = libc::timeval { tv_sec: 10, tv_usec: 0 };
        let mut cred = libc::ucred { pid: 0, uid: 0, gid: 0 };
        let mut clen = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
        // SAFETY: setsockopt/getsockopt with local structs of the right sizes.
        unsafe {
            libc::setsockopt(conn.as_raw_fd(), libc::SOL_SOCKET, libc::SO_RCVTIMEO, &tv as *const _ as *const libc::c_void, std::mem::size_of::<libc::timeval>() as libc::socklen_t);
            if libc::getsockopt(conn.as_raw_fd(), libc::SOL_SOCKET, libc::SO_PEERCRED, &mut cred as *mut _ as *mut libc::c_void, &mut clen) != 0 {
                return Err(io::Error::last_os_error());
            }
        }
        // SAFETY: no preconditions.
        let me = unsafe { libc::geteuid() };
        if cred.uid != me {
            return Err(bad(format!("a connection from uid {} (pid {}), not ours ({me}): refused", cred.uid, cred.pid)));
        }
        let mut data = vec![0u8; 1 << 16];
        const MAX_FDS: usize = 8;
        // CMSG_SPACE(MAX_FDS * 4), u64-aligned.
        let mut cbuf = [0u64; 16];
        let mut iov = libc::iovec { iov_base: data.as_mut_ptr() as *mut libc::c_void, iov_len: data.len() };
        // SAFETY: a zeroed msghdr pointing at live local buffers.
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = cbuf.as_mut_ptr() as *mut libc::c_void;
        // SAFETY: CMSG_SPACE is a size computation.
        msg.msg_controllen = unsafe { libc::CMSG_SPACE((MAX_FDS * 4) as u32) } as usize;
        // SAFETY: recvmsg into the buffers described by `msg`.
        let n = unsafe { libc::recvmsg(conn.as_raw_fd(), &mut msg, libc::MSG_CMSG_CLOEXEC) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        let mut fds: Vec<OwnedFd> = Vec::new();
        // SAFETY: walking the control messages the kernel wrote into `cbuf`.
        unsafe {
            let mut cm = libc::CMSG_FIRSTHDR(&msg);
            while !cm.is_null() {
                if (*cm).cmsg_level == libc::SOL_SOCKET && (*cm).cmsg_type == libc::SCM_RIGHTS {
                    let k = ((*cm).cmsg_len as usize - libc::CMSG_LEN(0) as usize) / 4;
                    let p = libc::CMSG_DATA(cm) as *const i32;
                    for i in 0..k {
                        fds.push(OwnedFd::from_raw_fd(std::ptr::read_unaligned(p.add(i))));
                    }
                }
                cm = libc::CMSG_NXTHDR(&msg, cm);
            }
        }
        if msg.msg_flags & libc::MSG_TRUNC != 0 {
            return Err(bad("the container process state does not fit in 64 KiB".into()));
        }
        let state: serde_json::Value =
            serde_json::from_slice(&data[..n as usize]).map_err(|e| bad(format!("the container process state is not JSON ({e})")))?;
        let names: Vec<&str> = state.get("fds").and_then(|f| f.as_array()).map(|a| a.iter().filter_map(|v| v.as_str()).collect()).unwrap_or_default();
        let Some(i) = names.iter().position(|&n| n == "seccompFd") else {
            return Err(bad(format!("the container process state names no seccompFd (fds: {names:?})")));
        };
        let from = state.get("pid").and_then(|p| p.as_i64()).unwrap_or(0);
        if from != pid as i64 {
            return Err(bad(format!("the listener of pid {from}, not of the container's init {pid}: refused")));
        }
        if i >= fds.len() {
            return Err(bad(format!("the container process state names {} descriptors, {} came", names.len(), fds.len())));
        }
        Ok(Some(Listener::new(fds.swap_remove(i))))
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        if !self.path.starts_with('@') {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}
