//! The hook route as a channel of the oracle, conformance and ownership
//! suites: `HookLab::wrapper` is a command prefix, as `ns_wrapper` is, that
//! runs `CMD ARGS…` as the process of a rootless runc container (runc run
//! by the tests' account) with credshim attached from outside by `credshim
//! oci inject --mode hook`, the calls arriving through the container's
//! seccomp listener (tests/harness/hook-run does one run).
//!
//! The container is made to look to the payload like ns_wrapper's
//! namespace: the host's filesystem at the same paths (a rootfs of recursive
//! binds of every directory of /, writable: /proc, /dev, /tmp and
//! /dev/shm included, and with a mount at /dev runc lays out no /dev of
//! its own), only a user and a mount namespace (no pid, network, uts or ipc
//! namespace: the probe inspects its parent, the conformance cases use
//! loopback ports), the same cwd, environment, rlimits and standard
//! streams, the exit status passed on, process.user 0:0, the host root's
//! bounding set in the bounding, effective and permitted sets (inheritable
//! and ambient as the caller's), noNewPrivileges false, no masked or
//! read-only paths, and the account's single-id mapping as `runc spec
//! --rootless` run by the account gives it (0 → the account, setgroups
//! denied).

use super::{as_account, credshim_bin, install_exe, ns_gid, ns_owner, ns_uid, CAP_NAMES};
use credprobe::runner::require_root;
use credshim_shims::capset::{CapSet, CAP_LAST_CAP};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// What a hook run's log says when the calls come through the listener
/// (src/tracer/mod.rs).
pub const LISTENER: &str = "the calls arrive through the container's seccomp listener";

/// The scratch directory of the hook route: the script, a copy of
/// credshim, the container template, runc's state and XDG directories, and
/// the record of every run. Drop removes it, with whatever still runs of it.
pub struct HookLab {
    pub dir: PathBuf,
}

/// The names of a capability set, as process.capabilities lists them.
fn cap_names(set: CapSet) -> Vec<String> {
    (0..=CAP_LAST_CAP).filter(|&c| set.raised(c)).map(|c| format!("CAP_{}", CAP_NAMES[c as usize].to_uppercase())).collect()
}

/// A capability set of this process's /proc/self/status (`CapInh`, …).
fn own_caps(field: &str) -> CapSet {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let hex = status.lines().find_map(|l| l.strip_prefix(field)).and_then(|l| l.strip_prefix(':')).map(str::trim).unwrap_or("0");
    CapSet(u64::from_str_radix(hex, 16).unwrap_or(0))
}

fn sh(c: &mut Command) {
    let out = c.output().unwrap_or_else(|e| panic!("{c:?}: {e}"));
    assert!(out.status.success(), "{c:?} failed: {}", String::from_utf8_lossy(&out.stderr));
}

impl HookLab {
    /// A lab whose containers start with `host_bset` (the host root's
    /// bounding set) in their bounding, effective and permitted sets;
    /// each run ends within `limit`.
    pub fn new(tag: &str, host_bset: CapSet, limit: Duration) -> HookLab {
        require_root("the hook route (it lays out a rootless runc lab for the account)");
        for tool in ["runc", "setpriv"] {
            assert!(super::oci::which(tool).is_some(), "{tool} is not installed: run `bash .ci/setup`");
        }
        let dir = credprobe::lab::scratch_dir(&std::env::temp_dir(), &format!("hook-{tag}"));
        let lab = HookLab { dir };
        install_exe(credshim_bin(), &lab.dir.join("credshim"));
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/harness/hook-run");
        std::fs::copy(&script, lab.script()).expect("copy hook-run");
        std::fs::set_permissions(lab.script(), std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
        for d in ["state", "xdg", "logs", "spec", "bundles"] {
            std::fs::create_dir_all(lab.dir.join(d)).expect("mkdir");
            sh(Command::new("chown").arg(ns_owner()).arg(lab.dir.join(d)));
        }
        // The account's own rootless spec: its uid and gid mappings.
        let mut spec = Command::new("setpriv");
        spec.args(as_account()).args(["runc", "spec", "--rootless"]).current_dir(lab.dir.join("spec"));
        sh(&mut spec);
        let mut c: Value = serde_json::from_slice(&std::fs::read(lab.dir.join("spec/config.json")).expect("read spec")).expect("JSON");
        let bset = cap_names(host_bset);
        c["root"] = json!({ "path": lab.rootfs_of_binds(), "readonly": false });
        c.as_object_mut().expect("object").remove("hostname");
        c["mounts"] = json!(lab.binds());
        let p = &mut c["process"];
        p["terminal"] = json!(false);
        p["user"] = json!({ "uid": 0, "gid": 0 });
        p["noNewPrivileges"] = json!(false);
        p["capabilities"] = json!({
            "bounding": bset, "effective": bset, "permitted": bset,
            "inheritable": cap_names(own_caps("CapInh")), "ambient": cap_names(own_caps("CapAmb")),
        });
        let linux = c["linux"].as_object_mut().expect("linux");
        for k in ["maskedPaths", "readonlyPaths", "resources", "cgroupsPath", "sysctl", "seccomp"] {
            linux.remove(k);
        }
        linux.insert("namespaces".into(), json!([{ "type": "user" }, { "type": "mount" }]));
        let um = &c["linux"]["uidMappings"];
        assert_eq!(um, &json!([{ "containerID": 0, "hostID": ns_uid(), "size": 1 }]), "runc spec --rootless as the account maps 0 to it");
        assert_eq!(c["linux"]["gidMappings"], json!([{ "containerID": 0, "hostID": ns_gid(), "size": 1 }]));
        std::fs::write(lab.dir.join("template.json"), serde_json::to_vec_pretty(&c).expect("serializes")).expect("template");
        let conf = json!({
            "uid": ns_uid(), "gid": ns_gid(), "runc": super::oci::which("runc").expect("runc"),
            "credshim": lab.dir.join("credshim"), "limit": limit.as_secs(),
        });
        std::fs::write(lab.dir.join("lab.json"), conf.to_string()).expect("lab.json");
        lab
    }

    /// LAB/rootfs: real root's, as the host's / is, with a mount point for
    /// every directory and file of / and its symlinks as they are (runc
    /// cannot pivot_root to "/" itself).
    fn rootfs_of_binds(&self) -> PathBuf {
        let r = self.dir.join("rootfs");
        std::fs::create_dir(&r).expect("mkdir rootfs");
        for e in std::fs::read_dir("/").expect("read /").flatten() {
            let (from, to) = (e.path(), r.join(e.file_name()));
            let t = e.file_type().expect("file type");
            if t.is_symlink() {
                std::os::unix::fs::symlink(std::fs::read_link(&from).expect("readlink"), &to).expect("symlink");
            } else if t.is_dir() {
                std::fs::create_dir(&to).expect("mkdir");
            } else {
                std::fs::write(&to, "").expect("a file's mount point");
            }
        }
        r
    }

    /// A recursive bind of each directory and file of / at its own path
    /// (/proc, /dev and /sys included: a fresh proc needs a pid namespace,
    /// and with a mount at /dev runc leaves /dev alone).
    fn binds(&self) -> Vec<Value> {
        let mut names: Vec<_> = std::fs::read_dir("/").expect("read /").flatten().filter(|e| !e.file_type().is_ok_and(|t| t.is_symlink())).map(|e| e.path()).collect();
        names.sort();
        names.iter().map(|p| json!({ "destination": p, "type": "bind", "source": p, "options": ["rbind"] })).collect()
    }

    pub fn script(&self) -> PathBuf {
        self.dir.join("hook-run")
    }

    /// The prefix that runs a command through the hook route, with `opts`
    /// for `credshim oci inject --mode hook` (e.g. `--ownership=xattr`);
    /// `--hook-channel=stops` makes the injection choose seccomp stops
    /// (CREDSHIM_HOOK_CHANNEL) instead of the listener.
    pub fn wrapper(&self, opts: &[&str]) -> Vec<String> {
        let mut w = vec![self.script().to_string_lossy().into_owned(), self.dir.to_string_lossy().into_owned()];
        w.extend(opts.iter().map(|s| s.to_string()));
        w.push("--".into());
        w
    }

    /// The runs so far: (container id, the channel its hook's log names,
    /// its status).
    pub fn runs(&self) -> Vec<(String, String, i32)> {
        std::fs::read_to_string(self.dir.join("runs"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| {
                let mut w = l.split_whitespace();
                Some((w.next()?.to_string(), w.next()?.to_string(), w.next()?.parse().ok()?))
            })
            .collect()
    }

    /// Asserts that there were runs and that the hook's log of every one
    /// says the calls arrived through the container's seccomp listener
    /// (a run's log is kept when it does not).
    pub fn assert_listener(&self) -> usize {
        self.assert_channel("listener")
    }

    /// Asserts that there were runs and that the hook's log of every one
    /// names `want` ("listener" or "stops") as the channel.
    pub fn assert_channel(&self, want: &str) -> usize {
        let runs = self.runs();
        assert!(!runs.is_empty(), "no run went through the hook route");
        for (id, channel, _) in &runs {
            let log = std::fs::read_to_string(self.dir.join("logs").join(format!("{id}.log"))).unwrap_or_default();
            assert_eq!(channel, want, "the hook of {id} does not name the {want} channel:\n{log}");
        }
        eprintln!("hook route: {} container runs, each through the {want} channel", runs.len());
        runs.len()
    }
}

impl Drop for HookLab {
    fn drop(&mut self) {
        // Containers of runs a timeout interrupted.
        let state = self.dir.join("state");
        if let Ok(rd) = std::fs::read_dir(&state) {
            for e in rd.flatten() {
                let mut c = Command::new("setpriv");
                c.args(as_account()).arg("runc").arg("--root").arg(&state).args(["delete", "-f"]).arg(e.file_name());
                let _ = credprobe::runner::run_with_timeout(c, Duration::from_secs(30));
            }
        }
        credprobe::lab::remove(&self.dir);
    }
}
