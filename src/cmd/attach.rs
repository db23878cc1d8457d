//! `credshim oci hook`: attach from outside to a container's init, so that
//! nothing of credshim has to be inside the container. Run by the runtime
//! as a createRuntime (or prestart) hook with the container's state on
//! standard input, it starts a detached tracer that seizes every thread of
//! the init process, enters the container's user namespace (so that ids
//! and owners read as the container sees them), and follows the whole tree
//! until it ends. The hook returns once the tracer holds the init, or
//! fails the container start with the reason: the payload never runs
//! unshimmed. The calls reach the tracer through the rules that `credshim
//! oci inject --mode hook` merges into the bundle's seccomp profile:
//! SCMP_ACT_NOTIFY with a listenerPath, where the tracer listens and the
//! runtime (runc 1.1+) sends it the container's seccomp listener, or
//! SCMP_ACT_TRACE (seccomp stops, the fallback). A call with no tracer or
//! listener fails with ENOSYS, so even a lost tracer cannot let a
//! credential call through.

use crate::error::Error;
use crate::sys::ptrace::{self, Tid};
use crate::sys::signals;
use crate::settings::Store;
use crate::tracer::{Mode, Supervision, Tracer};
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// The part of the OCI state (runtime-spec state.json) the hook needs:
/// the init's pid and the bundle.
pub fn parse_state(state: &str) -> Result<(Tid, Option<std::path::PathBuf>), Error> {
    let v: serde_json::Value =
        serde_json::from_str(state).map_err(|e| Error::Usage(format!("oci hook: the container state on standard input is not JSON ({e})")))?;
    let pid = v
        .get("pid")
        .and_then(|p| p.as_i64())
        .filter(|&p| p > 0 && p <= i32::MAX as i64)
        .map(|p| p as Tid)
        .ok_or_else(|| Error::Usage("oci hook: the container state has no \"pid\" (run it as a createRuntime or prestart hook)".into()))?;
    Ok((pid, v.get("bundle").and_then(|b| b.as_str()).map(std::path::PathBuf::from)))
}

/// Does the bundle's seccomp profile send the shim table to credshim with
/// `action` (SCMP_ACT_TRACE or SCMP_ACT_NOTIFY rules, as `oci inject
/// --mode hook` or `oci seccomp-profile` write them)?
fn sends_shim_table(config: Option<&serde_json::Value>, action: &str) -> bool {
    let Some(v) = config else { return false };
    v.pointer("/linux/seccomp/syscalls").and_then(|s| s.as_array()).is_some_and(|rules| {
        rules.iter().any(|r| {
            r.get("action").and_then(|a| a.as_str()) == Some(action)
                && r.get("names").and_then(|n| n.as_array()).is_some_and(|n| n.iter().any(|x| x.as_str() == Some("setuid")))
        })
    })
}

/// The channel the bundle's profile asks for: the listener (SCMP_ACT_NOTIFY
/// rules and a listenerPath the runtime sends it to), seccomp stops
/// (SCMP_ACT_TRACE rules), or, without either, a stop at every system call
/// (slow, but nothing passes unseen).
fn channel_of(config: Option<&serde_json::Value>) -> (Mode, Option<String>) {
    let path = config.and_then(|c| c.pointer("/linux/seccomp/listenerPath")).and_then(|p| p.as_str()).filter(|p| !p.is_empty());
    match path {
        Some(p) if sends_shim_table(config, "SCMP_ACT_NOTIFY") => (Mode::Notify, Some(p.to_string())),
        _ if sends_shim_table(config, "SCMP_ACT_TRACE") => (Mode::Seccomp, None),
        _ => (Mode::Syscall, None),
    }
}

/// The bundle's config.json, if it can be read.
fn config_of(bundle: Option<&std::path::Path>) -> Option<serde_json::Value> {
    let text = std::fs::read(bundle?.join("config.json")).ok()?;
    serde_json::from_slice(&text).ok()
}

/// process.user.additionalGids: the groups the runtime gives the process.
/// A rootless runtime skips its setgroups (the namespace denies it; runc's
/// setupUser says so), where real root's runtime sets them: the init's
/// virtual groups are these from the start, as they would be after it.
fn process_groups(config: Option<&serde_json::Value>) -> Option<Vec<u32>> {
    let process = config?.get("process")?;
    crate::cmd::oci::user::of_process(process).ok().flatten().map(|u| u.groups)
}

/// Seizes every thread of `pid`, including threads that start meanwhile.
pub fn seize_threads(pid: Tid) -> Result<Vec<Tid>, Error> {
    let mut seized: Vec<Tid> = Vec::new();
    for _ in 0..100 {
        let dir = std::fs::read_dir(format!("/proc/{pid}/task"))
            .map_err(|e| Error::Setup { what: format!("oci hook: the container's init (pid {pid})"), source: e })?;
        let mut new = 0;
        for tid in dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<Tid>().ok()) {
            if seized.contains(&tid) {
                continue;
            }
            match ptrace::seize(tid) {
                Ok(()) => {
                    seized.push(tid);
                    new += 1;
                }
                Err(ptrace::PtraceError::Gone(_)) => {}
                Err(ptrace::PtraceError::Other { source, .. }) => return Err(attach_error(pid, source)),
            }
        }
        if new == 0 && !seized.is_empty() {
            return Ok(seized);
        }
    }
    Err(Error::Setup { what: format!("oci hook: the threads of pid {pid} keep changing"), source: io::Error::from_raw_os_error(libc::EAGAIN) })
}

fn attach_error(pid: Tid, e: io::Error) -> Error {
    let scope = std::fs::read_to_string("/proc/sys/kernel/yama/ptrace_scope").ok();
    let why = match (e.raw_os_error(), scope.as_deref().map(str::trim)) {
        (Some(libc::EPERM), Some(s)) if s != "0" => format!(
            "YAMA ptrace_scope is {s}, which forbids attaching to a process that is not a descendant (set /proc/sys/kernel/yama/ptrace_scope to 0, or use `credshim oci inject` without --mode hook)"
        ),
        (Some(libc::EPERM), _) => "the runtime made it non-traceable (not dumpable) or it belongs to another user".into(),
        _ => e.to_string(),
    };
    Error::Setup { what: format!("oci hook: cannot attach to the container's init (pid {pid}): {why}"), source: e }
}

/// Enters the user namespace of `pid` (the daemon is single-threaded).
fn enter_userns(pid: Tid) -> io::Result<()> {
    let f = std::fs::File::open(format!("/proc/{pid}/ns/user"))?;
    let mine = std::fs::metadata("/proc/self/ns/user")?;
    let theirs = f.metadata()?;
    use std::os::unix::fs::MetadataExt;
    if mine.ino() == theirs.ino() && mine.dev() == theirs.dev() {
        return Ok(());
    }
    // SAFETY: setns on an fd we own.
    if unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWUSER) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The hook: read the state, start the tracer daemon, wait for its word.
pub fn hook(ownership: Store) -> Result<(), Error> {
    let mut state = String::new();
    io::stdin()
        .take(1 << 20)
        .read_to_string(&mut state)
        .map_err(|e| Error::Setup { what: "oci hook: reading the container state".into(), source: e })?;
    let (pid, bundle) = parse_state(&state)?;
    let config = config_of(bundle.as_deref());
    let (mode, listener_path) = channel_of(config.as_ref());
    let groups = process_groups(config.as_ref());
    let mut fds = [0; 2];
    // SAFETY: a pipe into a local array.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(Error::Setup { what: "oci hook: pipe".into(), source: io::Error::last_os_error() });
    }
    // SAFETY: we own both ends from here on.
    let (rd, wr) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // SAFETY: fork; the child only forks again and runs the daemon.
    match unsafe { libc::fork() } {
        -1 => return Err(Error::Setup { what: "oci hook: fork".into(), source: io::Error::last_os_error() }),
        0 => {
            drop(rd);
            // SAFETY: setsid/fork/_exit in the single-threaded child.
            unsafe {
                libc::setsid();
                match libc::fork() {
                    0 => {}
                    -1 => libc::_exit(1),
                    _ => libc::_exit(0),
                }
            }
            let code = daemon(pid, wr, ownership, mode, listener_path, groups);
            // SAFETY: ending the daemon without unwinding into the hook's code.
            unsafe { libc::_exit(code) };
        }
        child => {
            drop(wr);
            let mut st = 0;
            // reaping the intermediate child.
            crate::sys::ptrace::waitpid(child, &mut st, 0);
        }
    }
    // The daemon says "ok" once it holds the init, or why it cannot.
    let mut word = String::new();
    let _ = std::fs::File::from(rd).take(4096).read_to_string(&mut word);
    match word.strip_prefix("ok") {
        Some(_) => Ok(()),
        None if word.is_empty() => Err(Error::Setup {
            what: format!("oci hook: the tracer for pid {pid} ended before it attached"),
            source: io::Error::from_raw_os_error(libc::ESRCH),
        }),
        None => Err(Error::Usage(word)),
    }
}

/// The detached tracer: attach, report, enter the namespace, follow.
fn daemon(pid: Tid, report: OwnedFd, ownership: Store, mode: Mode, listener_path: Option<String>, groups: Option<Vec<u32>>) -> i32 {
    let mut report = std::fs::File::from(report);
    // Standard streams: the runtime waits for them to close.
    if let Ok(null) = std::fs::OpenOptions::new().read(true).write(true).open("/dev/null") {
        for fd in 0..3 {
            // SAFETY: dup2 onto the standard descriptors.
            unsafe { libc::dup2(null.as_raw_fd(), fd) };
        }
    }
    // Listening before the hook returns: the runtime connects once the
    // init has installed its filter, after the createRuntime hooks.
    let agent = match listener_path.as_deref().map(crate::sys::notify::Agent::bind) {
        None => None,
        Some(Ok(a)) => Some(a),
        Some(Err(e)) => {
            let _ = write!(report, "oci hook: cannot listen at linux.seccomp.listenerPath {}: {e}", listener_path.as_deref().unwrap_or(""));
            return 1;
        }
    };
    let tids = match seize_threads(pid) {
        Ok(t) => t,
        Err(e) => {
            let _ = write!(report, "{e}");
            return 1;
        }
    };
    if let Err(e) = enter_userns(pid) {
        let _ = write!(report, "oci hook: cannot enter the user namespace of pid {pid}: {e}");
        return 1;
    }
    let Some(mut tracer) = Tracer::attached(mode, pid, &tids, ownership, groups.as_deref()) else {
        let _ = write!(report, "oci hook: cannot read the credentials of pid {pid}");
        return 1;
    };
    let signals = match signals::Signals::block() {
        Ok(s) => s,
        Err(e) => {
            let _ = write!(report, "oci hook: signalfd: {e}");
            return 1;
        }
    };
    log::info!("attached to the container's init (pid {pid}, {} threads)", tids.len());
    match agent {
        Some(a) => {
            log::info!("channel: the container's seccomp listener, which the runtime sends to {}", a.path());
            tracer.expect_listener(a);
        }
        None if mode == Mode::Seccomp => log::info!("channel: seccomp stops (the profile has SCMP_ACT_TRACE rules, no listener)"),
        None => {}
    }
    if mode == Mode::Syscall {
        // Each thread stops once (PTRACE_EVENT_STOP) and is resumed with
        // PTRACE_SYSCALL from then on.
        log::warn!(
            "the container's seccomp profile does not trace the shim table: stopping at every system call (slow); use `credshim oci inject --mode hook` or `--security-opt seccomp=FILE` with `credshim oci seccomp-profile`"
        );
        for &tid in &tids {
            let _ = ptrace::interrupt(tid);
        }
    }
    let _ = report.write_all(b"ok");
    drop(report);
    let sup = Supervision { signals, exit_with_main: false, grace: std::time::Duration::from_secs(10), signal_group: false };
    tracer.run(&sup);
    log::info!("the container's processes are gone");
    0
}
