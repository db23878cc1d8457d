//! Who traces a task: TracerPid in /proc/PID/status, or, for a tracer
//! outside this PID namespace, a child born traced (PTRACE_TRACEME fails).

use std::os::unix::ffi::OsStrExt;

/// Who traces this process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tracer {
    /// A credshim (its comm or its executable's name says so).
    Credshim(i32),
    /// Another program: strace, gdb, …
    Other { pid: i32, comm: String },
    /// A tracer outside this PID namespace (TracerPid reads 0, but a
    /// child of ours is born traced): the OCI hook's credshim attaches so.
    Hidden,
}

impl std::fmt::Display for Tracer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Tracer::Credshim(pid) => write!(f, "credshim (PID {pid})"),
            Tracer::Other { pid, comm } => write!(f, "PID {pid} ({comm})"),
            Tracer::Hidden => write!(f, "a tracer outside this PID namespace"),
        }
    }
}

fn status_field(pid: &str, name: &str) -> Option<String> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines().find_map(|l| l.strip_prefix(name)).map(|v| v.trim().to_string())
}

/// The tracer of `pid` ("self" for this process), if it has one.
pub fn tracer_of(pid: &str) -> Option<Tracer> {
    let t: i32 = status_field(pid, "TracerPid:")?.parse().ok()?;
    if t > 0 {
        let comm = std::fs::read_to_string(format!("/proc/{t}/comm")).unwrap_or_default().trim().to_string();
        let exe = std::fs::read_link(format!("/proc/{t}/exe")).ok();
        let named = exe.as_deref().and_then(|p| p.file_name()).is_some_and(|n| n.as_bytes().starts_with(b"credshim"));
        return Some(if comm == "credshim" || named { Tracer::Credshim(t) } else { Tracer::Other { pid: t, comm } });
    }
    // TracerPid 0: untraced, or traced from outside this PID namespace.
    // Only a task under a seccomp filter can be credshim's; then a child
    // of ours tells: PTRACE_TRACEME fails if it was born traced.
    if pid != "self" || status_field("self", "Seccomp:").as_deref() != Some("2") {
        return None;
    }
    born_traced().then_some(Tracer::Hidden)
}

fn born_traced() -> bool {
    // SAFETY: the child makes one ptrace call and _exits.
    let child = unsafe { libc::fork() };
    if child == 0 {
        let already = super::ptrace::traceme().is_err_and(|e| e.raw_os_error() == Some(libc::EPERM));
        unsafe { libc::_exit(if already { 3 } else { 0 }) };
    }
    if child < 0 {
        return false;
    }
    let mut st = 0;
    // reaping our own child (bounded: it exits at once).
    super::ptrace::waitpid(child, &mut st, libc::__WALL);
    libc::WIFEXITED(st) && libc::WEXITSTATUS(st) == 3
}
