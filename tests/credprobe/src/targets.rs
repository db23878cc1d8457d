//! The files `exec KIND` runs: copies of the probe with set-id bits and file
//! capabilities. One table serves the test that makes them and the model
//! that must know them.

use credshim_shims::capset::{CapSet, CAP_NET_BIND_SERVICE, CAP_NET_RAW, CAP_SETUID, CAP_SYS_RESOURCE};
use credshim_shims::commoncap::VfsCaps;
use credshim_shims::exec::ExecFile;

pub struct Target {
    pub kind: &'static str,
    pub uid: u32,
    pub gid: u32,
    /// Permission bits including set-id bits.
    pub perm: u32,
    /// `setcap` text and what it means.
    pub fcaps: Option<(&'static str, VfsCaps)>,
}

fn caps(list: &[u32]) -> CapSet {
    let mut s = CapSet::EMPTY;
    for &c in list {
        s.raise(c);
    }
    s
}

fn fcap(permitted: &[u32], inheritable: &[u32], effective: bool) -> VfsCaps {
    VfsCaps { permitted: caps(permitted), inheritable: caps(inheritable), effective, rootid: 0 }
}

pub fn all() -> Vec<Target> {
    let t = |kind, uid, gid, perm| Target { kind, uid, gid, perm, fcaps: None };
    let nb = CAP_NET_BIND_SERVICE;
    vec![
        t("plain", 0, 0, 0o755),
        t("suid0", 0, 0, 0o4755),
        t("suid1000", 1000, 1000, 0o4755),
        t("sgid1000", 0, 1000, 0o2755),
        t("sugid1000", 1000, 1000, 0o6755),
        // set-group-ID without group execute: the mandatory-locking marker,
        // which exec does not treat as set-group-ID.
        t("sgidnox1000", 0, 1000, 0o2745),
        Target { fcaps: Some(("cap_net_bind_service,cap_net_raw+ep", fcap(&[nb, CAP_NET_RAW], &[], true))), ..t("fcap_ep", 0, 0, 0o755) },
        Target { fcaps: Some(("cap_net_bind_service+p", fcap(&[nb], &[], false))), ..t("fcap_p", 0, 0, 0o755) },
        Target { fcaps: Some(("cap_net_bind_service,cap_setuid+ei", fcap(&[], &[nb, CAP_SETUID], true))), ..t("fcap_ei", 0, 0, 0o755) },
        // A permitted capability outside the host's bounding set: exec fails
        // with EPERM where the bounding set lacks it.
        Target { fcaps: Some(("cap_sys_resource+ep", fcap(&[CAP_SYS_RESOURCE], &[], true))), ..t("fcap_res", 0, 0, 0o755) },
        Target { fcaps: Some(("cap_net_bind_service+ep", fcap(&[nb], &[], true))), ..t("suid0_fcap", 0, 0, 0o4755) },
    ]
}

/// What the model knows of `kind`'s file.
pub fn exec_file(kind: &str) -> Option<ExecFile> {
    all().into_iter().find(|t| t.kind == kind).map(|t| ExecFile {
        uid: t.uid,
        gid: t.gid,
        mode: 0o100000 | t.perm,
        nosuid: false,
        caps: t.fcaps.map(|(_, c)| c),
    })
}
