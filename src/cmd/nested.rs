//! credshim under credshim (an image whose entrypoint is credshim, run
//! through credshim-runtime; a script that calls credshim inside
//! credshim). ptrace allows one tracer per task, and the outer credshim
//! already follows this whole tree and emulates its calls. The inner one
//! notices before it starts anything, keeps the duties it still has (PID 1
//! reaping and signal forwarding, --exit-with-main, the command's exit
//! status) and leaves the emulation to the outer one. Its starting user
//! (--uid/--gid/--groups/--cap-*) it sets with the very calls the outer
//! one emulates, as any program would; options that would change how the
//! outer one emulates (--ownership, --intercept, --no-seccomp) are refused.

use crate::error::Error;
use crate::sys::signals::{self, Signals};
use crate::tracer::Status;
use std::ffi::{CString, OsString};
use std::io;
use std::os::unix::ffi::{OsStrExt, OsStringExt};

pub use crate::sys::traced::{tracer_of, Tracer};

/// Options of `argv` (credshim's own, before `--`) that change how the
/// emulation works: the outer credshim's apply.
fn emulation_options(argv: &[OsString]) -> Vec<String> {
    argv.iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .take_while(|a| a != "--")
        .filter(|a| ["--ownership", "--intercept", "--no-seccomp"].iter().any(|o| a == o || a.starts_with(&format!("{o}="))))
        .collect()
}

/// The starting user, with the calls the outer credshim emulates (raw
/// system calls, in the child, as runc makes them).
#[derive(Default)]
pub struct StartUser {
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub groups: Option<Vec<u32>>,
    /// effective, permitted, inheritable, ambient (as --cap-* give them).
    pub caps: Option<[u64; 4]>,
}

impl StartUser {
    fn any(&self) -> bool {
        self.uid.is_some() || self.gid.is_some() || self.groups.is_some() || self.caps.is_some()
    }
}

/// In the child, before exec: 0, or the errno of the call that failed.
/// SAFETY: async-signal-safe raw calls on data prepared before fork.
unsafe fn apply(u: &StartUser, groups: &[libc::gid_t]) -> i32 {
    let fail = || *libc::__errno_location();
    if u.caps.is_some() && libc::prctl(libc::PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0 {
        return fail();
    }
    if (u.groups.is_some() || u.gid.is_some()) && libc::syscall(libc::SYS_setgroups, groups.len(), groups.as_ptr()) != 0 {
        return fail();
    }
    if let Some(g) = u.gid {
        if libc::syscall(libc::SYS_setresgid, g, g, g) != 0 {
            return fail();
        }
    }
    if let Some(uid) = u.uid {
        if libc::syscall(libc::SYS_setresuid, uid, uid, uid) != 0 {
            return fail();
        }
    }
    let caps = match u.caps {
        Some(c) => {
            if libc::prctl(libc::PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0 {
                return fail();
            }
            c
        }
        // --uid without --cap-*: a non-root user has no capabilities.
        None if u.uid.is_some_and(|x| x != 0) => [0; 4],
        None => return 0,
    };
    #[repr(C)]
    struct Header {
        version: u32,
        pid: i32,
    }
    let hdr = Header { version: 0x2008_0522, pid: 0 };
    let half = |s: u64, hi: bool| if hi { (s >> 32) as u32 } else { s as u32 };
    let data = [half(caps[0], false), half(caps[1], false), half(caps[2], false), half(caps[0], true), half(caps[1], true), half(caps[2], true)];
    if libc::syscall(libc::SYS_capset, &hdr as *const Header, data.as_ptr()) != 0 {
        return fail();
    }
    for cap in 0..=credshim_shims::capset::CAP_LAST_CAP {
        if caps[3] >> cap & 1 == 1 && libc::prctl(libc::PR_CAP_AMBIENT, libc::PR_CAP_AMBIENT_RAISE as libc::c_ulong, cap as libc::c_ulong, 0, 0) != 0 {
            return fail();
        }
    }
    0
}

/// Runs `command` untraced by this credshim (the outer one follows it),
/// as its supervisor.
pub struct Supervised<'a> {
    pub command: &'a [OsString],
    pub user: StartUser,
    pub exit_with_main: bool,
    pub grace: std::time::Duration,
    pub signal_group: bool,
}

pub fn refuse_options(argv: &[OsString], outer: &Tracer) -> Result<(), Error> {
    let opts = emulation_options(argv);
    if opts.is_empty() {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "{} cannot apply here: this credshim runs under {outer}, which already emulates the whole process tree with its own options; give them to the outer credshim (or drop them)",
        opts.join(" ")
    )))
}

fn descendants(pid: i32) -> Vec<i32> {
    let mut all = vec![];
    let mut todo = vec![pid];
    while let Some(p) = todo.pop() {
        let kids: Vec<i32> = std::fs::read_dir(format!("/proc/{p}/task"))
            .map(|d| {
                d.flatten()
                    .flat_map(|t| std::fs::read_to_string(t.path().join("children")).unwrap_or_default().split_whitespace().filter_map(|c| c.parse().ok()).collect::<Vec<i32>>())
                    .collect()
            })
            .unwrap_or_default();
        all.extend(&kids);
        todo.extend(kids);
    }
    all
}

impl Supervised<'_> {
    pub fn run(&self) -> Result<Status, Error> {
        let setup = |what: &str, source| Error::Setup { what: what.into(), source };
        let program = self.command.first().ok_or_else(|| Error::Usage("no command given".into()))?;
        let path = CString::new(crate::cmd::launch::resolve(program)?.into_os_string().into_vec())
            .map_err(|_| Error::Usage("the command contains a NUL byte".into()))?;
        let cargs: Vec<CString> =
            self.command.iter().map(|a| CString::new(a.as_bytes())).collect::<Result<_, _>>().map_err(|_| Error::Usage("an argument contains a NUL byte".into()))?;
        let mut ptrs: Vec<*const libc::c_char> = cargs.iter().map(|c| c.as_ptr()).collect();
        ptrs.push(std::ptr::null());
        let groups: Vec<libc::gid_t> = self.user.groups.clone().unwrap_or_default();
        let signals = Signals::block().map_err(|e| setup("signalfd", e))?;
        let mask = signals.original_mask();
        // SAFETY: getpid and prctl on ourselves.
        if unsafe { libc::getpid() } != 1 {
            unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
        }
        let mut err = [0; 2];
        // SAFETY: a pipe into a local array.
        if unsafe { libc::pipe2(err.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            return Err(setup("pipe", io::Error::last_os_error()));
        }
        let user = &self.user;
        // SAFETY: the child makes async-signal-safe calls on data prepared above.
        let main = unsafe { libc::fork() };
        if main < 0 {
            return Err(setup("fork", io::Error::last_os_error()));
        }
        if main == 0 {
            unsafe {
                libc::close(err[0]);
                libc::sigprocmask(libc::SIG_SETMASK, &mask, std::ptr::null_mut());
                if self.signal_group {
                    libc::setpgid(0, 0);
                }
                let mut e = if user.any() { apply(user, &groups) } else { 0 };
                let code = if e != 0 {
                    -e // a starting-user call failed
                } else {
                    libc::execv(path.as_ptr(), ptrs.as_ptr());
                    e = *libc::__errno_location();
                    e
                };
                libc::write(err[1], &code as *const i32 as *const libc::c_void, 4);
                libc::_exit(if e == libc::ENOENT { 127 } else if code < 0 { 125 } else { 126 });
            }
        }
        // SAFETY: our copy of the child's end; then one read of at most 4 bytes.
        unsafe { libc::close(err[1]) };
        let mut code = 0i32;
        let n = unsafe { libc::read(err[0], &mut code as *mut i32 as *mut libc::c_void, 4) };
        unsafe { libc::close(err[0]) };
        let shown = program.to_string_lossy().into_owned();
        if n == 4 {
            let mut st = 0;
            // reaping the child that failed.
            crate::sys::ptrace::waitpid(main, &mut st, 0);
            return Err(match code {
                c if c < 0 => Error::Setup { what: format!("setting the starting user of '{shown}'"), source: io::Error::from_raw_os_error(-c) },
                libc::ENOENT => Error::NotFound { program: shown },
                c => Error::Exec { program: shown, source: io::Error::from_raw_os_error(c) },
            });
        }
        self.supervise(main, &signals)
    }

    /// catatonit's loop: reap on SIGCHLD, forward the rest; ends when no
    /// child is left (or, with --exit-with-main, after the main command
    /// and the others it was told to stop).
    fn supervise(&self, main: i32, signals: &Signals) -> Result<Status, Error> {
        let mut status = None;
        let mut kill_at: Option<std::time::Instant> = None;
        loop {
            loop {
                let mut st = 0;
                // reaping any child of ours.
                let pid = crate::sys::ptrace::waitpid(-1, &mut st, libc::WNOHANG | libc::__WALL);
                if pid < 0 {
                    // ECHILD: nothing left.
                    return Ok(status.unwrap_or(Status::Exited(0)));
                }
                if pid == 0 {
                    break;
                }
                if pid == main {
                    status = Some(if libc::WIFSIGNALED(st) { Status::Signaled(libc::WTERMSIG(st)) } else { Status::Exited(libc::WEXITSTATUS(st)) });
                    if self.exit_with_main {
                        for p in descendants(std::process::id() as i32) {
                            // SAFETY: sending a signal.
                            unsafe { libc::kill(p, libc::SIGTERM) };
                        }
                        kill_at = Some(std::time::Instant::now() + self.grace);
                    }
                }
            }
            if kill_at.is_some_and(|t| std::time::Instant::now() >= t) {
                for p in descendants(std::process::id() as i32) {
                    // SAFETY: sending a signal.
                    unsafe { libc::kill(p, libc::SIGKILL) };
                }
            }
            let (got, _) = signals.wait(if kill_at.is_some() { 100 } else { 1000 }, None);
            for s in got {
                if s.signo == libc::SIGCHLD || s.code == signals::SI_KERNEL {
                    continue;
                }
                let target = if status.is_none() {
                    if self.signal_group { -main } else { main }
                } else {
                    -1
                };
                if target == -1 {
                    for p in descendants(std::process::id() as i32) {
                        // SAFETY: sending a signal.
                        unsafe { libc::kill(p, s.signo) };
                    }
                } else {
                    // SAFETY: sending a signal.
                    unsafe { libc::kill(target, s.signo) };
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emulation_options_before_the_command_only() {
        let a: Vec<OsString> = ["credshim", "--uid", "5", "--ownership=xattr", "--no-seccomp", "--", "x", "--intercept=ptrace"].iter().map(OsString::from).collect();
        assert_eq!(emulation_options(&a), ["--ownership=xattr", "--no-seccomp"]);
    }
}
