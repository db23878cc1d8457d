//! Shared by the tracer's integration tests: the single-id user namespace a
//! rootless container has (0 mapped to an unprivileged uid, setgroups
//! denied, unprivileged outside), built with util-linux's setpriv and
//! unshare, and the probe set up on both sides of the comparison.
#![allow(dead_code)]

pub mod fixture;
pub mod hook;
pub mod oci;
pub mod podman;
pub mod slurm;

use credprobe::runner::{require_root, Probe};
use credprobe::snapshot;
use credshim_shims::capset::{CapSet, CAP_LAST_CAP};
use credshim_shims::table::Abi;
use credshim_shims::Creds;
use std::path::Path;
use std::time::Duration;

/// The unprivileged uid outside that the namespace maps to 0: the tests'
/// account (credprobe::lab::account: found or created, never assumed free).
pub fn ns_uid() -> u32 {
    credprobe::lab::account().uid
}

/// The account's gid, which the namespace maps to group 0.
pub fn ns_gid() -> u32 {
    credprobe::lab::account().gid
}

/// The account as chown(1) takes it: `UID:GID`.
pub fn ns_owner() -> String {
    format!("{}:{}", ns_uid(), ns_gid())
}

/// setpriv's options that become the account outside, with no groups.
pub fn as_account() -> [String; 3] {
    [format!("--reuid={}", ns_uid()), format!("--regid={}", ns_gid()), "--clear-groups".into()]
}

pub const CAP_NAMES: [&str; 41] = [
    "chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill", "setgid", "setuid", "setpcap",
    "linux_immutable", "net_bind_service", "net_broadcast", "net_admin", "net_raw", "ipc_lock", "ipc_owner",
    "sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct", "sys_admin", "sys_boot", "sys_nice",
    "sys_resource", "sys_time", "sys_tty_config", "mknod", "lease", "audit_write", "audit_control", "setfcap",
    "mac_override", "mac_admin", "syslog", "wake_alarm", "block_suspend", "audit_read", "perfmon", "bpf",
    "checkpoint_restore",
];

/// The reference (the probe as real root on the host) and the checked side
/// (the same probe under credshim in a single-id namespace, pinned to one
/// CPU so that each stop costs a same-CPU round trip).
pub struct Sides {
    pub host: Probe,
    pub ns: Probe,
    pub host_init: Creds,
    pub wrapper: Vec<String>,
}

pub fn credshim_bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_credshim"))
}

/// The host root's bounding set (what a namespace's root must be brought
/// down to for both runs to start alike).
pub fn host_bset() -> CapSet {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let hex = status.lines().find_map(|l| l.strip_prefix("CapBnd:")).map(str::trim).unwrap_or("0");
    CapSet(u64::from_str_radix(hex, 16).unwrap_or(0))
}

/// The command prefix that runs something as a rootless container's
/// process under credshim: pinned to CPU 0, the account outside, a single-id
/// user namespace (unshare -r: 0 -> ns_uid(), setgroups denied) with a
/// private mount namespace as a container has (-m); then, natively, setpriv
/// drops from the bounding set what `host_bset` lacks (a namespace's root
/// has every capability, this host's root does not), so that the kernel's
/// own view (/proc/PID/status) and credshim's start alike with real root's;
/// then credshim with `env` and `args`.
pub fn ns_wrapper(credshim: &Path, host_bset: CapSet, env: &[&str], args: &[&str]) -> Vec<String> {
    let mut w: Vec<String> = ["taskset", "-c", "0", "setpriv"]
        .iter()
        .map(|s| s.to_string())
        .chain(as_account())
        .chain(["unshare", "-r", "-m"].iter().map(|s| s.to_string()))
        .collect();
    let missing: Vec<String> = (0..=CAP_LAST_CAP)
        .filter(|&c| CapSet::FULL.raised(c) && !host_bset.raised(c))
        .map(|c| format!("-{}", CAP_NAMES[c as usize]))
        .collect();
    if !missing.is_empty() {
        w.extend(["setpriv".to_string(), format!("--bounding-set={}", missing.join(",")), "--".to_string()]);
    }
    w.push("env".to_string());
    w.extend(env.iter().map(|s| s.to_string()));
    w.push(credshim.to_string_lossy().into_owned());
    w.extend(args.iter().map(|s| s.to_string()));
    w.push("--".to_string());
    w
}

/// The same namespace without credshim: what a rootless container gives.
pub fn ns_plain() -> Vec<String> {
    ["taskset", "-c", "0", "setpriv"]
        .iter()
        .map(|s| s.to_string())
        .chain(as_account())
        .chain(["unshare".to_string(), "-r".to_string(), "-m".to_string()])
        .collect()
}

/// A Command from a prefix and more words.
pub fn command(prefix: &[String], rest: &[&str]) -> std::process::Command {
    let mut all: Vec<String> = prefix.to_vec();
    all.extend(rest.iter().map(|s| s.to_string()));
    let mut c = std::process::Command::new(&all[0]);
    c.args(&all[1..]);
    c
}

/// Puts the executable `from` at `to` as a hard link where it can (else a
/// copy). A copy is open for writing while other test threads fork, and a
/// child between fork and exec keeps that descriptor: executing the copy
/// then fails with ETXTBSY ("Text file busy"), the more often the larger
/// the (static) binary. A link is never open for writing.
pub fn install_exe(from: &Path, to: &Path) {
    if std::fs::hard_link(from, to).is_err() {
        std::fs::copy(from, to).unwrap_or_else(|e| panic!("copy {} to {}: {e}", from.display(), to.display()));
    }
}

/// A scratch directory any uid can traverse, with a copy of credshim in it;
/// removed on drop.
pub struct Scratch {
    pub dir: std::path::PathBuf,
}

impl Scratch {
    pub fn new(tag: &str) -> Scratch {
        require_root("the tracer's tests");
        let dir = credprobe::lab::scratch_dir(&std::env::temp_dir(), tag);
        install_exe(credshim_bin(), &dir.join("credshim"));
        Scratch { dir }
    }
    pub fn credshim(&self) -> std::path::PathBuf {
        self.dir.join("credshim")
    }
    /// Compiles tests/programs/NAME.c into the directory.
    pub fn build_c(&self, name: &str, flags: &[&str]) -> std::path::PathBuf {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/programs").join(format!("{name}.c"));
        let out = self.dir.join(name);
        let st = std::process::Command::new("gcc")
            .args(["-O2", "-Wall", "-Wextra", "-Werror", "-pthread"])
            .args(flags)
            .arg("-o")
            .arg(&out)
            .arg(&src)
            .status()
            .expect("gcc runs");
        assert!(st.success(), "gcc {name}.c failed");
        out
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        credprobe::lab::remove(&self.dir);
    }
}

/// `env`: variables for credshim; `args`: its options.
/// `env`: variables for credshim; `args`: its options.
pub fn sides(abi: Abi, env: &[&str], args: &[&str]) -> Sides {
    require_root("the tracer's oracle");
    let host = Probe::build(abi).expect("the probe builds");
    let ns = host.for_userns(ns_uid(), ns_gid(), &[credshim_bin()]).expect("the namespace side is laid out");
    let out = host.one(&[], "", Duration::from_secs(20)).expect("the probe runs");
    let host_init = snapshot::parse(out.lines().nth(1).expect("a snapshot")).expect("readable");
    let wrapper = ns_wrapper(&ns.dir.join("credshim"), host_init.cap_bset, env, args);
    Sides { host, ns, host_init, wrapper }
}

/// A loopback port nothing listens on now (the kernel picks it).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// Polls `cond` every 10 ms until it holds or `limit` passes.
pub fn wait_until(limit: std::time::Duration, mut cond: impl FnMut() -> bool) -> bool {
    let end = std::time::Instant::now() + limit;
    while std::time::Instant::now() < end {
        if cond() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    cond()
}

/// The pids of `pid`'s children.
pub fn children(pid: u32) -> Vec<u32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// Every process below `pid`.
pub fn descendants(pid: u32) -> Vec<u32> {
    let mut all = vec![];
    let mut todo = vec![pid];
    while let Some(p) = todo.pop() {
        for c in children(p) {
            all.push(c);
            todo.push(c);
        }
    }
    all
}

/// The state letter of /proc/PID/stat (None: no such process).
pub fn state(pid: u32) -> Option<char> {
    let st = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    st.rsplit_once(") ").and_then(|(_, rest)| rest.chars().next())
}

pub fn comm(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default().trim().to_string()
}

pub fn kill(pid: u32, sig: i32) {
    // SAFETY: sending a signal.
    unsafe { libc::kill(pid as i32, sig) };
}

/// Runs `c` (stdin /dev/null, output captured) for at most `limit`: its
/// status code, standard output and standard error. Its tree is killed by
/// pid if it is still there after the limit, and the test fails.
pub fn output(c: std::process::Command, limit: std::time::Duration) -> (Option<i32>, String, String) {
    use std::io::Read;
    let mut g = Guard::spawn(c);
    let st = g.wait(limit).unwrap_or_else(|| panic!("did not finish within {limit:?}"));
    let mut err = String::new();
    if let Some(mut e) = g.0.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    (st.code(), g.stdout(), err)
}

/// A process a test started, stopped by its pid (with its whole tree) when
/// the test is done with it.
pub struct Guard(pub std::process::Child);

impl Drop for Guard {
    fn drop(&mut self) {
        for p in descendants(self.0.id()) {
            kill(p, libc::SIGKILL);
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Guard {
    /// Starts `c` with stdin from /dev/null and stdout and stderr piped.
    pub fn spawn(mut c: std::process::Command) -> Guard {
        use std::process::Stdio;
        Guard(c.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawns"))
    }
    /// Its exit status, if it ends within `limit`.
    pub fn wait(&mut self, limit: std::time::Duration) -> Option<std::process::ExitStatus> {
        let mut st = None;
        wait_until(limit, || {
            st = self.0.try_wait().ok().flatten();
            st.is_some()
        });
        st
    }
    /// All of its standard output (after it ended).
    pub fn stdout(&mut self) -> String {
        use std::io::Read;
        let mut s = String::new();
        if let Some(mut o) = self.0.stdout.take() {
            let _ = o.read_to_string(&mut s);
        }
        s
    }
    /// The pid of the first descendant whose command is `name`.
    pub fn find(&self, name: &str) -> Option<u32> {
        descendants(self.0.id()).into_iter().find(|&p| comm(p) == name)
    }
}

/// `Command::arg` for an owned Command.
pub trait Tap {
    fn tap_arg(self, a: &str) -> Self;
    fn tap_args(self, a: &[&str]) -> Self;
}

impl Tap for std::process::Command {
    fn tap_arg(mut self, a: &str) -> Self {
        self.arg(a);
        self
    }
    fn tap_args(mut self, a: &[&str]) -> Self {
        self.args(a);
        self
    }
}
