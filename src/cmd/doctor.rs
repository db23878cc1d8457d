//! `credshim doctor`: what this machine (or container) supports, in plain
//! words, each feature tried rather than guessed where that is possible.

use credshim_shims::capset::CAP_SYS_ADMIN;
use std::path::PathBuf;
use std::time::{Duration, Instant};

struct Check {
    what: &'static str,
    ok: Option<bool>,
    detail: String,
}

fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(path).ok().map(|s| s.trim().to_string())
}

/// Waits for `pid` (our child) for at most `limit`; kills it by its pid if
/// it is still there. Returns its raw wait status.
fn reap(pid: libc::pid_t, limit: Duration) -> Option<i32> {
    let end = Instant::now() + limit;
    let mut st = 0;
    loop {
        // waiting for our own child.
        let r = crate::sys::ptrace::waitpid(pid, &mut st, libc::WNOHANG | libc::__WALL);
        if r == pid {
            return Some(st);
        }
        if r < 0 || Instant::now() >= end {
            // SAFETY: killing and reaping our own child.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                crate::sys::ptrace::waitpid(pid, &mut st, libc::__WALL);
            }
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Runs `f` in a forked child and says whether it returned true.
fn in_child(f: impl FnOnce() -> bool) -> bool {
    // SAFETY: doctor is single-threaded; the child only makes plain calls
    // and _exits.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        let ok = f();
        unsafe { libc::_exit(if ok { 0 } else { 1 }) };
    }
    pid > 0 && reap(pid, Duration::from_secs(5)).is_some_and(|st| libc::WIFEXITED(st) && libc::WEXITSTATUS(st) == 0)
}

fn user_namespaces() -> Check {
    let switch = read("/proc/sys/kernel/unprivileged_userns_clone");
    let max = read("/proc/sys/user/max_user_namespaces");
    let apparmor = read("/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
    let mut notes = vec![match &switch {
        Some(v) => format!("kernel.unprivileged_userns_clone = {v}"),
        None => "no kernel.unprivileged_userns_clone switch (not a Debian-patched kernel: allowed)".into(),
    }];
    notes.push(match &max {
        Some(v) => format!("user.max_user_namespaces = {v}"),
        None => "no user.max_user_namespaces (kernel without user namespaces?)".into(),
    });
    if let Some(v) = &apparmor {
        notes.push(format!("kernel.apparmor_restrict_unprivileged_userns = {v}"));
    }
    // Tried as an unprivileged user (nobody), as a rootless runtime would be.
    let tried = in_child(|| unsafe {
        // SAFETY: plain credential and namespace calls in the child.
        if libc::geteuid() == 0 {
            libc::setgroups(0, std::ptr::null());
            if libc::setresgid(65534, 65534, 65534) != 0 || libc::setresuid(65534, 65534, 65534) != 0 {
                return false;
            }
        }
        libc::unshare(libc::CLONE_NEWUSER) == 0
    });
    notes.push(if tried { "an unprivileged user created one".into() } else { "an unprivileged user could not create one".into() });
    let here = read("/proc/self/uid_map").unwrap_or_default();
    let here: Vec<&str> = here.split_whitespace().collect();
    if here != ["0", "0", "4294967295"] && !here.is_empty() {
        notes.push(format!("this process is itself in a user namespace (uid_map {})", here.join(" ")));
    }
    Check { what: "user namespaces (rootless containers)", ok: Some(tried), detail: notes.join("; ") }
}

/// Tries PTRACE_SEIZE on a child, then PTRACE_GET_SYSCALL_INFO at its
/// interrupt stop. Returns (seize worked, syscall info worked, error text).
fn ptrace_try() -> (bool, bool, String) {
    // SAFETY: the child only waits to be traced and killed.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return (false, false, format!("fork: {}", std::io::Error::last_os_error()));
    }
    if pid == 0 {
        loop {
            unsafe { libc::pause() };
        }
    }
    let seize = crate::sys::ptrace::seize(pid);
    let result = match seize {
        Err(e) => (false, false, format!("PTRACE_SEIZE: {e}")),
        Ok(()) => {
            // SAFETY: PTRACE_INTERRUPT on our tracee.
            let _ = crate::sys::ptrace::interrupt(pid);
            let end = Instant::now() + Duration::from_secs(5);
            let mut st = 0;
            let stopped = loop {
                // waiting for our own tracee.
                let r = crate::sys::ptrace::waitpid(pid, &mut st, libc::WNOHANG | libc::__WALL);
                if r == pid {
                    break libc::WIFSTOPPED(st);
                }
                if r < 0 || Instant::now() >= end {
                    break false;
                }
                std::thread::sleep(Duration::from_millis(5));
            };
            let info = stopped && crate::sys::ptrace::syscall_info(pid).is_ok();
            (true, info, String::new())
        }
    };
    // SAFETY: killing our own child; reap bounds the wait.
    unsafe { libc::kill(pid, libc::SIGKILL) };
    reap(pid, Duration::from_secs(5));
    result
}

fn version_of(name: &str) -> Check {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found: Option<PathBuf> = std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file());
    let what = if name == "runc" { "runc" } else { "crun" };
    match found {
        None => Check { what, ok: Some(false), detail: "not found in PATH".into() },
        Some(p) => {
            let mut cmd = std::process::Command::new(&p);
            cmd.arg("--version");
            let out = crate::cmd::oci::which::output_within(cmd, Duration::from_secs(10));
            let first = out.as_deref().map(|o| String::from_utf8_lossy(o).lines().next().unwrap_or("").to_string());
            match first {
                None => Check { what, ok: Some(false), detail: format!("{}: `{name} --version` failed", p.display()) },
                Some(v) => match try_container(&p) {
                    Ok(()) => Check { what, ok: Some(true), detail: format!("{}: {v}; a throwaway rootless container ran", p.display()) },
                    Err(why) => Check { what, ok: Some(false), detail: format!("{}: {v}; but a throwaway rootless container failed: {why}", p.display()) },
                },
            }
        }
    }
}

/// Runs a throwaway rootless container with `runtime`: a bundle from
/// `RUNTIME spec --rootless` whose rootfs holds only this (static) binary,
/// running `credshim --version`; removed afterwards. Err: the runtime's
/// first error line.
fn try_container(runtime: &std::path::Path) -> Result<(), String> {
    let dir = std::env::temp_dir().join(format!("credshim-doctor-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let result = (|| {
        std::fs::create_dir_all(dir.join("rootfs")).map_err(|e| e.to_string())?;
        std::fs::copy("/proc/self/exe", dir.join("rootfs/credshim")).map_err(|e| e.to_string())?;
        let out = std::process::Command::new(runtime).args(["spec", "--rootless"]).current_dir(&dir).output().map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(first_line(&out.stderr));
        }
        let cfg = dir.join("config.json");
        let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&cfg).map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
        v["process"]["terminal"] = serde_json::json!(false);
        v["process"]["args"] = serde_json::json!(["/credshim", "--version"]);
        std::fs::write(&cfg, v.to_string()).map_err(|e| e.to_string())?;
        let mut cmd = std::process::Command::new(runtime);
        cmd.arg("--root").arg(dir.join("state")).args(["run", "-b"]).arg(&dir).arg(format!("credshim-doctor-{}", std::process::id()));
        cmd.stdin(std::process::Stdio::null()).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::piped());
        let child = cmd.spawn().map_err(|e| e.to_string())?;
        let pid = child.id() as libc::pid_t;
        let out = std::thread::spawn(move || child.wait_with_output());
        let end = Instant::now() + Duration::from_secs(20);
        while !out.is_finished() && Instant::now() < end {
            std::thread::sleep(Duration::from_millis(20));
        }
        if !out.is_finished() {
            // SAFETY: killing our own child by its pid.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        let o = out.join().map_err(|_| "the runtime's waiter failed".to_string())?.map_err(|e| e.to_string())?;
        if o.status.success() {
            Ok(())
        } else {
            Err(first_line(&o.stderr))
        }
    })();
    let mut del = std::process::Command::new(runtime);
    del.arg("--root").arg(dir.join("state")).args(["delete", "--force"]).arg(format!("credshim-doctor-{}", std::process::id()));
    let _ = crate::cmd::oci::which::output_within(del, Duration::from_secs(10));
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// The first line of a runtime's error output, without its log framing
/// (`time=… level=error msg="…"`).
fn first_line(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("no message").trim().to_string();
    match line.split_once("msg=\"") {
        Some((_, m)) => m.trim_end_matches('"').replace("\\\"", "\""),
        None => line,
    }
}

/// Prints the report; 0 when the basic mode (ptrace) works, else 1.
/// Subordinate ids of an account in /etc/subuid or /etc/subgid (by name
/// or by uid), as rootless podman reads them.
fn subordinate(file: &str, name: &str, id: u32) -> u64 {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.trim().split(':').collect();
            (f.len() == 3 && (f[0] == name || f[0] == id.to_string())).then(|| f[2].parse::<u64>().ok()).flatten()
        })
        .sum()
}

/// What `credshim-runtime` does for the containers of the account running
/// doctor (the rule of `credshim oci runtime --help`).
fn wrapper_for_this_account() -> String {
    // SAFETY: getuid/getgid have no preconditions.
    let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
    let name = std::fs::read_to_string("/etc/passwd")
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.len() > 2 && f[2] == uid.to_string()).then(|| f[0].to_string())
        })
        .unwrap_or_else(|| uid.to_string());
    let head = format!("The runtime wrapper for {name} (uid {uid}):");
    if uid == 0 && crate::sys::creds::in_initial_user_ns() {
        return format!("{head}\n  real root: podman runs containers without a user namespace, so their containers go straight to the runtime (unless io.credshim.mode says otherwise)");
    }
    let (u, g) = (subordinate("/etc/subuid", &name, uid), subordinate("/etc/subgid", &name, gid));
    if u == 0 || g == 0 {
        return format!(
            "{head}\n  no subordinate uid range in /etc/subuid (uids: {u}, gids: {g}): podman maps 1 uid and 1 gid, so containers are injected (credshim runs their processes)"
        );
    }
    format!(
        "{head}\n  {u} subordinate uids and {g} gids: podman maps {} uids and {} gids, so containers whose users and groups fit go straight to the runtime; an image that uses more ids is injected",
        u + 1,
        g + 1
    )
}

pub fn run() -> u8 {
    let nnp = !crate::sys::creds::from_kernel().capable(CAP_SYS_ADMIN);
    let mut checks = vec![user_namespaces()];

    let yama = read("/proc/sys/kernel/yama/ptrace_scope");
    let (traced, info, why) = ptrace_try();
    let yama_text = match yama.as_deref() {
        None => "no YAMA (no kernel/yama/ptrace_scope file)".to_string(),
        Some("0") | Some("1") => format!("YAMA ptrace_scope = {}: tracing one's own children is allowed", yama.as_deref().unwrap_or("")),
        Some("2") => "YAMA ptrace_scope = 2: only with CAP_SYS_PTRACE".to_string(),
        Some(v) => format!("YAMA ptrace_scope = {v}: ptrace is disabled"),
    };
    checks.push(Check {
        what: "ptrace",
        ok: Some(traced),
        detail: if traced { format!("a child was traced; {yama_text}") } else { format!("tracing a child failed ({why}); {yama_text}") },
    });

    let seccomp_status = read("/proc/self/status")
        .and_then(|s| s.lines().find_map(|l| l.strip_prefix("Seccomp:").map(|v| v.trim().to_string())));
    let filter = crate::sys::seccomp::seccomp_works(&crate::sys::seccomp::filter(crate::sys::seccomp::Action::Trace, &[]), nnp, crate::sys::seccomp::Listen::No);
    checks.push(Check {
        what: "seccomp filters",
        ok: Some(filter.is_ok()),
        detail: match (&filter, &seccomp_status) {
            (Ok(_), Some(m)) => format!("a filter was installed (this process's Seccomp mode: {m}){}", if nnp { "; with no_new_privs (no CAP_SYS_ADMIN)" } else { "" }),
            (Ok(_), None) => "a filter was installed".into(),
            (Err(e), _) => format!("refused ({e}): credshim falls back to stopping at every system call (slow)"),
        },
    });
    let notify = crate::sys::seccomp::seccomp_works(&crate::sys::seccomp::filter(crate::sys::seccomp::Action::Notify, &[]), nnp, crate::sys::seccomp::Listen::Yes { wait_killable: true });
    checks.push(Check {
        what: "seccomp user notification",
        ok: Some(notify.is_ok()),
        detail: match &notify {
            Ok(true) => "a listener was created (with WAIT_KILLABLE_RECV): the fast path (--intercept=notify) works".into(),
            Ok(false) => "a listener was created, without WAIT_KILLABLE_RECV (Linux < 5.19): the fast path (--intercept=notify) works".into(),
            Err(e) => format!("no listener ({e}): credshim uses seccomp stops (ptrace), slower"),
        },
    });
    checks.push(Check {
        what: "PTRACE_GET_SYSCALL_INFO",
        ok: Some(info),
        detail: if info { "works (Linux 5.3+)".into() } else { "not available: credshim needs it (Linux 5.3+)".into() },
    });
    checks.push(version_of("runc"));
    checks.push(version_of("crun"));

    let release = read("/proc/sys/kernel/osrelease").unwrap_or_else(|| "?".into());
    println!("credshim doctor: kernel {release}");
    for c in &checks {
        let v = match c.ok {
            Some(true) => "yes",
            Some(false) => "no",
            None => "?",
        };
        println!("  {:<38} {v:<4} {}", c.what, c.detail);
    }
    let runtime = checks.iter().any(|c| (c.what == "runc" || c.what == "crun") && c.ok == Some(true));
    let userns = checks[0].ok == Some(true);
    let basic = traced && info;
    println!("Modes:");
    println!(
        "  credshim -- COMMAND (ptrace; basic):     {}",
        if basic { "works" } else { "does not work here: ptrace of a child and PTRACE_GET_SYSCALL_INFO are needed" }
    );
    println!(
        "  fast path (seccomp user notifications):  {}",
        if basic && notify.is_ok() { "works" } else { "not available; seccomp stops or full tracing are used" }
    );
    println!(
        "  rootless OCI (credshim oci inject/runtime): {}",
        match (basic, userns, runtime) {
            (true, true, true) => "works (a runtime and user namespaces are present)",
            (true, _, false) => "no runc or crun found in PATH",
            (true, false, _) => "unprivileged user namespaces are not available",
            _ => "needs the basic mode",
        }
    );
    // The hook attaches to a process that is not its child: YAMA's scope 1
    // allows it only because the runtime's user owns the container's
    // namespace; 2 and 3 forbid it.
    let hook = match yama.as_deref() {
        Some("2") | Some("3") => "does not work here: YAMA ptrace_scope forbids attaching to a running process",
        _ if !(basic && userns && runtime) => "needs the rootless OCI mode",
        _ => "works (credshim oci inject --mode hook)",
    };
    println!("  OCI hook mode (attach from outside):     {hook}");
    println!("{}", wrapper_for_this_account());
    println!("{}", crate::cmd::oci::slurm::report().1);
    if basic {
        0
    } else {
        1
    }
}

/// `credshim demo`: the same drop without and with credshim, in a
/// throwaway single-id user namespace, each shown as run.
pub fn demo() -> u8 {
    let me = std::fs::read_link("/proc/self/exe").unwrap_or_else(|_| PathBuf::from("credshim"));
    let drop = ["setpriv", "--reuid=33", "--regid=33", "--clear-groups", "id"];
    let ns = ["unshare", "--user", "--map-root-user", "--mount", "--"];
    println!("In a throwaway user namespace that maps one id, as a rootless container does ({}):", ns.join(" "));
    let show = |with: bool| -> Option<(bool, String)> {
        let mut cmd = std::process::Command::new(ns[0]);
        cmd.args(&ns[1..]);
        if with {
            cmd.arg(&me).arg("--");
        }
        cmd.args(drop).stdin(std::process::Stdio::null());
        let shown = if with { format!("credshim -- {}", drop.join(" ")) } else { drop.join(" ") };
        println!("\n$ {shown}");
        match cmd.output() {
            Ok(o) => {
                let text = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
                print!("{text}");
                println!("(exit status {})", o.status.code().map_or("a signal".into(), |c| c.to_string()));
                Some((o.status.success(), text))
            }
            Err(e) => {
                println!("cannot run {}: {e} (the demo needs util-linux's unshare and setpriv)", ns[0]);
                None
            }
        }
    };
    let (Some(without), Some(with)) = (show(false), show(true)) else { return 1 };
    println!();
    if !without.0 && with.0 && with.1.contains("uid=33") {
        println!("Without credshim the drop fails: the namespace cannot hold uid 33. Under credshim it works, as for real root on a host.");
        0
    } else {
        println!("Not what the demo expects (without: {}, with: {}): run `credshim doctor` to see what this machine lacks.", without.0, with.0);
        1
    }
}
