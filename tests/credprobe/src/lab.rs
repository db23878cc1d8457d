//! What the tests leave on a machine, and how a run finds it again: the
//! unprivileged account they run things as (the uid a single-id namespace
//! maps to root, and the rootless podman user), the names of their scratch
//! directories, and the sweep that stops and removes what an interrupted
//! run (Ctrl-C, a killed cargo) left behind, before a test uses the account.
//!
//! One test run at a time per machine: a run sweeps only what belongs to
//! dead runs, and the accounts' processes are stopped only when no other
//! test binary is alive.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Once, OnceLock};
use std::time::{Duration, Instant};

/// Every scratch directory of the tests is `BASE/PREFIX{pid}-{tag}-{n}`,
/// named after the test process, so a later run can tell a dead run's.
pub const PREFIX: &str = "credshim-test-";

/// The account's name unless `CREDSHIM_TEST_USER` names another.
pub const DEFAULT_USER: &str = "pod1";
/// The account with subordinate ids unless `CREDSHIM_TEST_USER_SUBIDS`
/// names another.
pub const DEFAULT_USER_SUBIDS: &str = "pod2";

/// The unprivileged account the tests run things as.
#[derive(Debug, Clone)]
pub struct Account {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
}

/// The tests' account: `$CREDSHIM_TEST_USER` (default pod1), reused when it
/// exists and is suitable, else created with a uid useradd finds free; with
/// no subuid/subgid range, so rootless podman maps its one uid and gid.
/// What a dead run left is swept first. Panics with one line when there is
/// no such account and none can be made.
pub fn account() -> &'static Account {
    static A: OnceLock<Result<Account, String>> = OnceLock::new();
    let a = A.get_or_init(|| {
        sweep();
        let name = std::env::var("CREDSHIM_TEST_USER").unwrap_or_else(|_| DEFAULT_USER.to_string());
        let a = find_or_create(&name)?;
        drop_subids(&a)?;
        Ok(a)
    });
    match a {
        Ok(a) => a,
        Err(e) => panic!("the tests' account: {e}"),
    }
}

/// A second account, `$CREDSHIM_TEST_USER_SUBIDS` (default pod2), found or
/// created as `account` is, that has a range of 65,536 subordinate uids
/// and gids (added where it has none, after every range already there):
/// rootless podman then maps 65,537 ids.
pub fn account_with_subids() -> &'static Account {
    static A: OnceLock<Result<Account, String>> = OnceLock::new();
    let a = A.get_or_init(|| {
        sweep();
        let name = std::env::var("CREDSHIM_TEST_USER_SUBIDS").unwrap_or_else(|_| DEFAULT_USER_SUBIDS.to_string());
        let a = find_or_create(&name)?;
        for file in ["/etc/subuid", "/etc/subgid"] {
            let text = std::fs::read_to_string(file).unwrap_or_default();
            let mine = |l: &str| l.starts_with(&format!("{}:", a.name)) || l.starts_with(&format!("{}:", a.uid));
            if text.lines().any(mine) {
                continue;
            }
            let end = text
                .lines()
                .filter_map(|l| {
                    let f: Vec<&str> = l.split(':').collect();
                    Some(f.get(1)?.parse::<u64>().ok()? + f.get(2)?.parse::<u64>().ok()?)
                })
                .max()
                .unwrap_or(0)
                .max(100_000);
            let line = format!("{}:{end}:65536\n", a.name);
            let mut new = text.clone();
            if !new.is_empty() && !new.ends_with('\n') {
                new.push('\n');
            }
            new.push_str(&line);
            std::fs::write(file, new).map_err(|e| format!("{file}: {e}"))?;
        }
        Ok(a)
    });
    match a {
        Ok(a) => a,
        Err(e) => panic!("the tests' account with subordinate ids: {e}"),
    }
}

/// A fresh scratch directory `base/PREFIX{pid}-{tag}-{n}` (created, mode
/// 0755); the caller removes it. Sweeps first, once per test process.
pub fn scratch_dir(base: &Path, tag: &str) -> PathBuf {
    sweep();
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = base.join(format!("{PREFIX}{}-{tag}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("mkdir {}: {e}", dir.display()));
    let mode = std::os::unix::fs::PermissionsExt::from_mode(0o755);
    std::fs::set_permissions(&dir, mode).unwrap_or_else(|e| panic!("chmod {}: {e}", dir.display()));
    dir
}

/// Where scratch directories go: the temporary directory, and /dev/shm
/// (the container labs' rootfs unpack there when it allows exec).
pub fn bases() -> Vec<PathBuf> {
    let mut b = vec![std::env::temp_dir()];
    if Path::new("/dev/shm").is_dir() && !b.contains(&PathBuf::from("/dev/shm")) {
        b.push(PathBuf::from("/dev/shm"));
    }
    b
}

fn passwd() -> Vec<Vec<String>> {
    std::fs::read_to_string("/etc/passwd")
        .unwrap_or_default()
        .lines()
        .map(|l| l.split(':').map(str::to_string).collect::<Vec<_>>())
        .filter(|f| f.len() >= 7)
        .collect()
}

fn lookup(name: &str) -> Option<(u32, u32)> {
    passwd().into_iter().find(|f| f[0] == name).and_then(|f| Some((f[2].parse().ok()?, f[3].parse().ok()?)))
}

/// The account by name if it is suitable: not root's uid or gid, and no
/// other account shares its uid (its processes and files would be
/// another user's). Created when missing.
fn find_or_create(name: &str) -> Result<Account, String> {
    if lookup(name).is_none() {
        let out = Command::new("useradd")
            .args(["--no-create-home", "--user-group", "--shell", "/usr/sbin/nologin", name])
            .output()
            .map_err(|e| format!("cannot run useradd to create {name}: {e}"))?;
        if !out.status.success() {
            return Err(format!("useradd {name} failed: {}", String::from_utf8_lossy(&out.stderr).trim()));
        }
    }
    let (uid, gid) = lookup(name).ok_or_else(|| format!("{name} is not in /etc/passwd after useradd"))?;
    let fix = "(set CREDSHIM_TEST_USER to a name the tests may create or reuse)";
    if uid == 0 || gid == 0 {
        return Err(format!("{name} has uid {uid} and gid {gid}: the tests need an unprivileged account {fix}"));
    }
    let others: Vec<String> = passwd().into_iter().filter(|f| f[0] != name && f[2] == uid.to_string()).map(|f| f[0].clone()).collect();
    if !others.is_empty() {
        return Err(format!("{name}'s uid {uid} is also {}'s: the tests need a uid of their own {fix}", others.join(", ")));
    }
    Ok(Account { name: name.to_string(), uid, gid })
}

/// Removes the account's lines (by name or by uid) from /etc/subuid and
/// /etc/subgid: podman then maps its one uid and gid.
fn drop_subids(a: &Account) -> Result<(), String> {
    for file in ["/etc/subuid", "/etc/subgid"] {
        let Ok(text) = std::fs::read_to_string(file) else { continue };
        let mine = |l: &str| l.starts_with(&format!("{}:", a.name)) || l.starts_with(&format!("{}:", a.uid));
        if text.lines().any(mine) {
            let kept: String = text.lines().filter(|l| !mine(l)).map(|l| format!("{l}\n")).collect();
            std::fs::write(file, kept).map_err(|e| format!("{file}: {e}"))?;
        }
    }
    Ok(())
}

/// Stops and removes what dead runs left: in every base, each scratch
/// directory whose test process is gone (the processes that refer to it,
/// the rootless podman pause process it records and everything in that
/// process's user namespace, the mounts under it, then the directory);
/// then, when no other run is alive, every process of the account. Once
/// per test process.
pub fn sweep() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let mut other_live_runs = false;
        for base in bases() {
            let Ok(rd) = std::fs::read_dir(&base) else { continue };
            for e in rd.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                let Some(pid) = name.strip_prefix(PREFIX).and_then(|r| r.split('-').next()).and_then(|p| p.parse::<u32>().ok()) else {
                    continue;
                };
                if pid == std::process::id() {
                    continue;
                }
                if is_test_process(pid) {
                    other_live_runs = true;
                    continue;
                }
                remove(&e.path());
            }
        }
        // A test binary of another run that has no scratch directory at
        // this moment is alive all the same: its account's processes are
        // its own.
        other_live_runs = other_live_runs || pids().into_iter().any(|p| p != std::process::id() && is_test_process(p));
        if !other_live_runs {
            for (var, default) in [("CREDSHIM_TEST_USER", DEFAULT_USER), ("CREDSHIM_TEST_USER_SUBIDS", DEFAULT_USER_SUBIDS)] {
                if let Some((uid, _)) = lookup(&std::env::var(var).unwrap_or_else(|_| default.to_string())) {
                    if uid != 0 {
                        kill_until_gone("the tests' accounts", |pid| uids(pid).is_some_and(|u| u.contains(&uid)));
                    }
                }
            }
        }
    });
}

/// A live test binary (cargo puts them in target/…/deps/).
fn is_test_process(pid: u32) -> bool {
    std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|p| p.to_string_lossy().contains("/deps/"))
}

/// The real, effective, saved and fs uids of a live process.
pub fn uids(pid: u32) -> Option<Vec<u32>> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    if status.lines().any(|l| l.starts_with("State:") && l.contains("zombie")) {
        return None;
    }
    let line = status.lines().find_map(|l| l.strip_prefix("Uid:"))?;
    Some(line.split_whitespace().filter_map(|u| u.parse().ok()).collect())
}

fn pids() -> Vec<u32> {
    std::fs::read_dir("/proc")
        .map(|d| d.flatten().filter_map(|e| e.file_name().to_str()?.parse().ok()).collect())
        .unwrap_or_default()
}

/// SIGKILLs every live process that `matches` (never this one), again and
/// again while new ones appear, for at most 5 s.
pub fn kill_until_gone(what: &str, matches: impl Fn(u32) -> bool) {
    let me = std::process::id();
    let end = Instant::now() + Duration::from_secs(5);
    loop {
        let found: Vec<u32> = pids().into_iter().filter(|&p| p != me && uids(p).is_some() && matches(p)).collect();
        if found.is_empty() {
            return;
        }
        if Instant::now() > end {
            eprintln!("sweep: {what}: processes {found:?} would not die");
            return;
        }
        for p in &found {
            // SAFETY: sending a signal.
            unsafe { libc::kill(*p as i32, libc::SIGKILL) };
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A process with `dir` or a path in it on its command line, or whose
/// executable, working directory or root lies in it.
fn refers_to(pid: u32, dir: &str) -> bool {
    let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let inside = format!("{dir}/");
    if cmd.split(|&b| b == 0).map(String::from_utf8_lossy).any(|a| a.ends_with(dir) || a.contains(&inside)) {
        return true;
    }
    ["exe", "cwd", "root"].iter().any(|l| std::fs::read_link(format!("/proc/{pid}/{l}")).is_ok_and(|p| p.starts_with(dir)))
}

/// The live pause process of a rootless podman whose XDG_RUNTIME_DIR is
/// `dir/xdg` (by the pid file podman keeps there; podman itself, or
/// catatonit where that package is installed), not root's.
pub fn pause_process(dir: &Path) -> Option<u32> {
    let pid = std::fs::read_to_string(dir.join("xdg/libpod/tmp/pause.pid")).ok()?.trim().parse().ok()?;
    uids(pid).is_some_and(|u| u.iter().all(|&x| x != 0)).then_some(pid)
}

/// Stops what runs of a scratch directory and removes it: a rootless
/// podman's pause process and everything in its user namespace (conmon, the
/// runtime, the containers, podman's cleanup; again if a late cleanup
/// started a new pause process), every process that `refers_to` it, the
/// mounts below it, then the directory.
pub fn remove(dir: &Path) {
    let d = dir.to_string_lossy().into_owned();
    for _ in 0..3 {
        let Some(pause) = pause_process(dir) else { break };
        let Ok(ns) = std::fs::read_link(format!("/proc/{pause}/ns/user")) else { break };
        kill_until_gone(&d, |p| p == pause || std::fs::read_link(format!("/proc/{p}/ns/user")).ok().as_ref() == Some(&ns));
    }
    kill_until_gone(&d, |p| refers_to(p, &d));
    unmount_below(&d);
    if let Err(e) = std::fs::remove_dir_all(dir) {
        eprintln!("sweep: cannot remove {d}, left by an interrupted run: {e}");
    }
}

/// Detaches every mount at or below `dir`, deepest first.
fn unmount_below(dir: &str) {
    let info = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    let mut points: Vec<String> = info
        .lines()
        .filter_map(|l| l.split_whitespace().nth(4))
        .map(unescape)
        .filter(|p| p == dir || p.starts_with(&format!("{dir}/")))
        .collect();
    points.sort_by_key(|p| std::cmp::Reverse(p.len()));
    for p in points {
        let Ok(c) = std::ffi::CString::new(p) else { continue };
        // SAFETY: a NUL-terminated path.
        unsafe { libc::umount2(c.as_ptr(), libc::MNT_DETACH) };
    }
}

/// mountinfo's octal escapes (\040 for a space, …).
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 3 < b.len() && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c)) {
            out.push((b[i + 1] - b'0') * 64 + (b[i + 2] - b'0') * 8 + (b[i + 3] - b'0'));
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
