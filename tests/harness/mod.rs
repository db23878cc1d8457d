//! Shared by the tracer's integration tests: the single-id user namespace a
//! rootless container has (0 mapped to an unprivileged uid, setgroups
//! denied, unprivileged outside), built with util-linux's setpriv and
//! unshare, and the probe set up on both sides of the comparison.
#![allow(dead_code)]

use credprobe::runner::{require_root, Probe};
use credprobe::snapshot;
use credshim_shims::capset::{CapSet, CAP_LAST_CAP};
use credshim_shims::table::Abi;
use credshim_shims::Creds;
use std::path::Path;
use std::time::Duration;

/// The unprivileged uid outside that the namespace maps to 0.
pub const NS_UID: u32 = 1001;

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

/// `env`: variables for credshim; `args`: its options.
pub fn sides(abi: Abi, env: &[&str], args: &[&str]) -> Sides {
    require_root("the tracer's oracle");
    let host = Probe::build(abi).expect("the probe builds");
    let ns = host.for_userns(NS_UID, &[credshim_bin()]).expect("the namespace side is laid out");
    let out = host.one(&[], "", Duration::from_secs(20)).expect("the probe runs");
    let host_init = snapshot::parse(out.lines().nth(1).expect("a snapshot")).expect("readable");
    let mut wrapper: Vec<String> = ["taskset", "-c", "0", "setpriv"]
        .iter()
        .map(|s| s.to_string())
        .chain([format!("--reuid={NS_UID}"), format!("--regid={NS_UID}"), "--clear-groups".into()])
        .chain(["unshare", "-r", "env"].iter().map(|s| s.to_string()))
        .chain(env.iter().map(|s| s.to_string()))
        .chain([ns.dir.join("credshim").to_string_lossy().into_owned()])
        .chain(args.iter().map(|s| s.to_string()))
        .chain(["--".to_string()])
        .collect();
    // Same starting point: drop from the bounding set what the host's root
    // lacks (a namespace's root has every capability), with setpriv, under
    // credshim. Exec as root then makes permitted = bounding set.
    let missing: Vec<String> = (0..=CAP_LAST_CAP)
        .filter(|&c| CapSet::FULL.raised(c) && !host_init.cap_bset.raised(c))
        .map(|c| format!("-{}", CAP_NAMES[c as usize]))
        .collect();
    if !missing.is_empty() {
        wrapper.extend(["setpriv".to_string(), format!("--bounding-set={}", missing.join(",")), "--".to_string()]);
    }
    Sides { host, ns, host_init, wrapper }
}
