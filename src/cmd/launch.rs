//! Starting the command: fork; the parent seizes the child while it waits on
//! a pipe, so it is traced before it runs anything; the child then installs
//! the seccomp filter and execs. An exec failure comes back over a
//! close-on-exec pipe.

use crate::error::Error;
use crate::sys::ptrace;
use std::ffi::{CString, OsString};
use std::io;
use std::os::unix::ffi::{OsStrExt, OsStringExt};

pub struct Launched {
    pub pid: i32,
    /// The seccomp user-notification listener, when the filter made one.
    pub listener: Option<std::os::fd::OwnedFd>,
    /// Read end of the close-on-exec pipe: 4 bytes of errno if exec failed.
    exec_err: libc::c_int,
}

fn pipe_cloexec() -> io::Result<[libc::c_int; 2]> {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for two descriptors.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(fds)
}

/// Finds `program` as a shell would: a name with a slash as it is, else the
/// first executable regular file of that name on PATH. Directories and
/// PATH entries it cannot read are skipped, so a missing command is "not
/// found" (127) rather than the EACCES execvp would report.
pub fn resolve(program: &std::ffi::OsStr) -> Result<std::path::PathBuf, Error> {
    use std::os::unix::fs::PermissionsExt;
    let shown = program.to_string_lossy().into_owned();
    let exec_error = |e: i32| Error::Exec { program: shown.clone(), source: io::Error::from_raw_os_error(e) };
    if program.as_bytes().contains(&b'/') {
        let path = std::path::PathBuf::from(program);
        return match std::fs::metadata(&path) {
            Ok(m) if m.is_dir() => Err(exec_error(libc::EISDIR)),
            Ok(_) => Ok(path),
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => Err(Error::NotFound { program: shown }),
            Err(e) => Err(exec_error(e.raw_os_error().unwrap_or(libc::EACCES))),
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    for dir in std::env::split_paths(&path) {
        let candidate = dir.join(program);
        if let Ok(m) = std::fs::metadata(&candidate) {
            if m.is_file() && m.permissions().mode() & 0o111 != 0 {
                return Ok(candidate);
            }
        }
    }
    Err(Error::NotFound { program: shown })
}

/// Forks and execs `argv` traced. `filter`: the seccomp program to install
/// (None in `--no-seccomp` mode); `no_new_privs`: set it first (needed when
/// the launcher lacks CAP_SYS_ADMIN).
/// `mask`: the signal mask the command gets (credshim's original one);
/// `own_group`: put the command in a process group of its own (`-g`);
/// `listen`: whether the filter makes a user-notification listener, which
/// the child hands over (SCM_RIGHTS) before it execs.
pub fn launch(
    argv: &[OsString],
    filter: Option<&[libc::sock_filter]>,
    no_new_privs: bool,
    mask: libc::sigset_t,
    own_group: bool,
    listen: crate::sys::seccomp::Listen,
) -> Result<Launched, Error> {
    let listener = listen != crate::sys::seccomp::Listen::No;
    let setup = |what: &str, source| Error::Setup { what: what.to_string(), source };
    let program = argv.first().ok_or_else(|| Error::Usage("no command given".into()))?;
    let path = CString::new(resolve(program)?.into_os_string().into_vec())
        .map_err(|_| Error::Usage("the command contains a NUL byte".into()))?;
    let cargs: Vec<CString> = argv
        .iter()
        .map(|a| CString::new(a.as_bytes()))
        .collect::<Result<_, _>>()
        .map_err(|_| Error::Usage("an argument contains a NUL byte".into()))?;
    let mut ptrs: Vec<*const libc::c_char> = cargs.iter().map(|c| c.as_ptr()).collect();
    ptrs.push(std::ptr::null());
    let go = pipe_cloexec().map_err(|e| setup("pipe", e))?;
    let err = pipe_cloexec().map_err(|e| setup("pipe", e))?;
    let mut sock = [-1; 2];
    // SAFETY: `sock` has room for two descriptors.
    if listener && unsafe { libc::socketpair(libc::AF_UNIX, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0, sock.as_mut_ptr()) } != 0 {
        return Err(setup("socketpair", io::Error::last_os_error()));
    }
    // The SCM_RIGHTS message, prepared before fork (no allocation after it).
    let mut cbuf = [0u64; 4]; // room for CMSG_SPACE(sizeof(int)), aligned
    // A test knob: the child makes itself non-dumpable before the seize,
    // so that the kernel's own refusal (no CAP_SYS_PTRACE) can be shown.
    let undumpable = std::env::var("CREDSHIM_TEST_CHILD").as_deref() == Ok("undumpable");

    // SAFETY: after fork the child only makes async-signal-safe calls
    // (read, sigprocmask, setpgid, prctl, seccomp, sendmsg, execv, write, _exit) on data prepared above.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(setup("fork", io::Error::last_os_error()));
    }
    if pid == 0 {
        unsafe {
            if undumpable {
                libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
            }
            libc::close(go[1]);
            libc::close(err[0]);
            let mut b = 0u8;
            // Wait until the parent has seized us (or died: EOF).
            if libc::read(go[0], &mut b as *mut u8 as *mut libc::c_void, 1) != 1 {
                libc::_exit(125);
            }
            // tini's sigconf: the command starts with the caller's mask.
            libc::sigprocmask(libc::SIG_SETMASK, &mask, std::ptr::null_mut());
            if own_group {
                libc::setpgid(0, 0);
            }
            if let Some(f) = filter {
                match crate::sys::seccomp::install(f, no_new_privs, listen) {
                    Err(_) => {
                        let tag: i32 = -1;
                        libc::write(err[1], &tag as *const i32 as *const libc::c_void, 4);
                        libc::_exit(125);
                    }
                    Ok(crate::sys::seccomp::Installed { listener: Some(fd), .. }) => {
                        send_fd(sock[1], fd, &mut cbuf);
                        libc::close(fd);
                    }
                    Ok(_) => {}
                }
            }
            libc::execv(path.as_ptr(), ptrs.as_ptr());
            let e = *libc::__errno_location();
            libc::write(err[1], &e as *const i32 as *const libc::c_void, 4);
            libc::_exit(if e == libc::ENOENT { 127 } else { 126 });
        }
    }
    // SAFETY: closing our copies of the child's ends.
    unsafe {
        libc::close(go[0]);
        libc::close(err[1]);
        if listener {
            libc::close(sock[1]);
        }
    }
    if undumpable {
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let seized = ptrace::seize(pid);
    // Why not, while the child is still there to look at.
    let refused = seized.as_ref().err().map(|e| seize_refused(&program.to_string_lossy(), pid, e));
    // SAFETY: writing one byte to our end of the pipe, then closing it.
    unsafe {
        if seized.is_ok() {
            libc::write(go[1], b"g".as_ptr() as *const libc::c_void, 1);
        } else {
            libc::kill(pid, libc::SIGKILL);
            crate::sys::ptrace::waitpid(pid, &mut 0, libc::__WALL);
        }
        libc::close(go[1]);
    }
    if let Some(e) = refused {
        return Err(e);
    }
    let listener = if listener {
        // The child sends it right after it installs the filter (or dies
        // trying: then the socket reads end-of-file).
        let fd = recv_fd(sock[0]);
        // SAFETY: our end of the socketpair.
        unsafe { libc::close(sock[0]) };
        fd
    } else {
        None
    };
    Ok(Launched { pid, listener, exec_err: err[0] })
}

/// PTRACE_SEIZE of our child `pid` failed: the cause in words, and what to
/// do about it.
fn seize_refused(program: &str, pid: libc::pid_t, e: &ptrace::PtraceError) -> Error {
    let trace = |cause: String| Error::Trace { program: program.to_string(), cause };
    let errno = match e {
        ptrace::PtraceError::Gone(_) => return trace("it died before credshim could attach".into()),
        ptrace::PtraceError::Other { source, .. } => source.raw_os_error(),
    };
    if errno != Some(libc::EPERM) {
        return trace(format!("PTRACE_SEIZE failed: {e}"));
    }
    if let Some(t) = crate::sys::traced::tracer_of(&pid.to_string()) {
        return trace(format!("it is already traced by {t}, and a task has one tracer only"));
    }
    match std::fs::read_to_string("/proc/sys/kernel/yama/ptrace_scope").ok().as_deref().map(str::trim) {
        Some("3") => return trace("YAMA ptrace_scope is 3: ptrace is disabled on this machine until reboot (kernel.yama.ptrace_scope)".into()),
        Some("2") => {
            return trace("YAMA ptrace_scope is 2: only a process with CAP_SYS_PTRACE may trace (set kernel.yama.ptrace_scope to 1, or give credshim CAP_SYS_PTRACE)".into())
        }
        _ => {}
    }
    trace("the kernel refused (EPERM): credshim lacks CAP_SYS_PTRACE and the command's credentials or dumpability differ from its own; run credshim as the user that runs the command, with CAP_SYS_PTRACE in the container's bounding set, or check `credshim doctor`".into())
}

/// Sends `fd` over the unix socket `sock` (in the child, between fork and
/// exec: no allocation).
unsafe fn send_fd(sock: libc::c_int, fd: libc::c_int, cbuf: &mut [u64; 4]) {
    let mut byte = [0u8; 1];
    let mut iov = libc::iovec { iov_base: byte.as_mut_ptr() as *mut libc::c_void, iov_len: 1 };
    let mut msg: libc::msghdr = std::mem::zeroed();
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = cbuf.as_mut_ptr() as *mut libc::c_void;
    msg.msg_controllen = libc::CMSG_SPACE(std::mem::size_of::<libc::c_int>() as u32) as _;
    let cmsg = libc::CMSG_FIRSTHDR(&msg);
    (*cmsg).cmsg_level = libc::SOL_SOCKET;
    (*cmsg).cmsg_type = libc::SCM_RIGHTS;
    (*cmsg).cmsg_len = libc::CMSG_LEN(std::mem::size_of::<libc::c_int>() as u32) as _;
    std::ptr::write_unaligned(libc::CMSG_DATA(cmsg) as *mut libc::c_int, fd);
    libc::sendmsg(sock, &msg, 0);
}

/// Receives a descriptor sent with `send_fd`.
fn recv_fd(sock: libc::c_int) -> Option<std::os::fd::OwnedFd> {
    use std::os::fd::FromRawFd;
    let mut byte = [0u8; 1];
    let mut cbuf = [0u64; 4];
    // SAFETY: recvmsg into local buffers; the descriptor it carries is ours.
    unsafe {
        let mut iov = libc::iovec { iov_base: byte.as_mut_ptr() as *mut libc::c_void, iov_len: 1 };
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = cbuf.as_mut_ptr() as *mut libc::c_void;
        msg.msg_controllen = std::mem::size_of_val(&cbuf) as _;
        if libc::recvmsg(sock, &mut msg, libc::MSG_CMSG_CLOEXEC) <= 0 {
            return None;
        }
        let cmsg = libc::CMSG_FIRSTHDR(&msg);
        if cmsg.is_null() || (*cmsg).cmsg_type != libc::SCM_RIGHTS {
            return None;
        }
        let fd = std::ptr::read_unaligned(libc::CMSG_DATA(cmsg) as *const libc::c_int);
        Some(std::os::fd::OwnedFd::from_raw_fd(fd))
    }
}

impl Launched {
    /// After the child exited without ever exec'ing: why exec failed.
    pub fn exec_error(&self, program: &str) -> Option<Error> {
        let mut e: i32 = 0;
        // SAFETY: reading 4 bytes into a local.
        let n = unsafe { libc::read(self.exec_err, &mut e as *mut i32 as *mut libc::c_void, 4) };
        if n != 4 {
            return None;
        }
        Some(match e {
            -1 => Error::Setup { what: "installing the seccomp filter".into(), source: io::Error::other("refused") },
            libc::ENOENT => Error::NotFound { program: program.to_string() },
            e => Error::Exec { program: program.to_string(), source: io::Error::from_raw_os_error(e) },
        })
    }
}

impl Drop for Launched {
    fn drop(&mut self) {
        // SAFETY: our own descriptor.
        unsafe { libc::close(self.exec_err) };
    }
}
