//! credshim's own signals, in catatonit's shape: the signals it forwards and
//! SIGCHLD are blocked and read from a signalfd by the event loop; the
//! command gets the original mask back before exec.

use std::io;

/// Signals forwarded to the command. Not SIGCHLD (ours), not SIGKILL or
/// SIGSTOP (cannot be caught), and not the terminal stop signals
/// (TSTP/TTIN/TTOU: credshim stops with its job like any process).
pub const FORWARDED: [i32; 12] = [
    libc::SIGHUP,
    libc::SIGINT,
    libc::SIGQUIT,
    libc::SIGTERM,
    libc::SIGUSR1,
    libc::SIGUSR2,
    libc::SIGWINCH,
    libc::SIGALRM,
    libc::SIGPIPE,
    libc::SIGCONT,
    libc::SIGPWR,
    libc::SIGURG,
];

/// A signal read from the signalfd.
#[derive(Clone, Copy, Debug)]
pub struct Received {
    pub signo: i32,
    /// si_code: SI_KERNEL (0x80) for signals the kernel generated, such as a
    /// terminal's ^C, which its foreground process group has received already.
    pub code: i32,
}

pub const SI_KERNEL: i32 = 0x80;

pub struct Signals {
    fd: libc::c_int,
    original: libc::sigset_t,
}

impl Signals {
    /// Blocks SIGCHLD and the forwarded signals and opens a signalfd for them.
    pub fn block() -> io::Result<Signals> {
        // SAFETY: sigset manipulation on locals; signalfd on a valid set.
        unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, libc::SIGCHLD);
            for s in FORWARDED {
                libc::sigaddset(&mut set, s);
            }
            let mut original: libc::sigset_t = std::mem::zeroed();
            if libc::sigprocmask(libc::SIG_BLOCK, &set, &mut original) != 0 {
                return Err(io::Error::last_os_error());
            }
            let fd = libc::signalfd(-1, &set, libc::SFD_CLOEXEC | libc::SFD_NONBLOCK);
            if fd < 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(Signals { fd, original })
        }
    }

    /// The mask credshim started with, for the command.
    pub fn original_mask(&self) -> libc::sigset_t {
        self.original
    }

    /// Waits up to `timeout_ms` (-1: no limit) for signals or for `other`
    /// to become readable; returns the signals read and whether `other` is
    /// readable.
    pub fn wait(&self, timeout_ms: i32, other: Option<libc::c_int>) -> (Vec<Received>, Ready) {
        let mut fds = [
            libc::pollfd { fd: self.fd, events: libc::POLLIN, revents: 0 },
            libc::pollfd { fd: other.unwrap_or(-1), events: libc::POLLIN, revents: 0 },
        ];
        // SAFETY: two pollfds (a negative fd is ignored by poll).
        unsafe { libc::poll(fds.as_mut_ptr(), 2, timeout_ms) };
        let mut out = Vec::new();
        if fds[0].revents & libc::POLLIN != 0 {
            // At most 64 at a time; the rest wait for the next call.
            for _ in 0..64 {
                // SAFETY: reading one signalfd_siginfo into a local.
                let mut info: libc::signalfd_siginfo = unsafe { std::mem::zeroed() };
                let n = unsafe {
                    libc::read(self.fd, &mut info as *mut _ as *mut libc::c_void, std::mem::size_of::<libc::signalfd_siginfo>())
                };
                if n != std::mem::size_of::<libc::signalfd_siginfo>() as isize {
                    break;
                }
                out.push(Received { signo: info.ssi_signo as i32, code: info.ssi_code });
            }
        }
        let r = fds[1].revents;
        let ready = if r & libc::POLLIN != 0 {
            Ready::Readable
        } else if r & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0 {
            Ready::Gone
        } else {
            Ready::No
        };
        (out, ready)
    }
}

/// The state of the other descriptor after a wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ready {
    No,
    Readable,
    /// Hung up: a seccomp listener whose filter no task uses any more
    /// (it would wake every poll from now on).
    Gone,
}

impl Drop for Signals {
    fn drop(&mut self) {
        // SAFETY: our descriptor; restoring our original mask.
        unsafe {
            libc::close(self.fd);
            libc::sigprocmask(libc::SIG_SETMASK, &self.original, std::ptr::null_mut());
        }
    }
}
