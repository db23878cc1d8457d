//! The credentials the launcher itself has, read from the kernel: what the
//! command starts with unless `--uid/--gid/--groups` say otherwise.

use credshim_shims::capset::{CapSet, CAP_LAST_CAP};
use credshim_shims::cred::sorted_groups;
use credshim_shims::id::OVERFLOW_ID;
use credshim_shims::securebits::SecureBits;
use credshim_shims::{Creds, Kgid, Kuid};

fn sys(nr: libc::c_long, a: usize, b: usize, c: usize) -> libc::c_long {
    // SAFETY: raw calls with integer arguments or pointers to live locals.
    unsafe { libc::syscall(nr, a, b, c) }
}

fn prctl(opt: libc::c_int, a: libc::c_ulong, b: libc::c_ulong) -> libc::c_int {
    // SAFETY: plain prctl queries.
    unsafe { libc::prctl(opt, a, b, 0 as libc::c_ulong, 0 as libc::c_ulong) }
}

/// The calling thread's credentials. Supplementary groups that the user
/// namespace does not map (shown as the overflow gid) are left out.
pub fn from_kernel() -> Creds {
    let mut u = [0u32; 3];
    let mut g = [0u32; 3];
    sys(libc::SYS_getresuid, &mut u[0] as *mut _ as usize, &mut u[1] as *mut _ as usize, &mut u[2] as *mut _ as usize);
    sys(libc::SYS_getresgid, &mut g[0] as *mut _ as usize, &mut g[1] as *mut _ as usize, &mut g[2] as *mut _ as usize);
    let fsuid = sys(libc::SYS_setfsuid, u32::MAX as usize, 0, 0) as u32;
    let fsgid = sys(libc::SYS_setfsgid, u32::MAX as usize, 0, 0) as u32;
    let n = sys(libc::SYS_getgroups, 0, 0, 0).max(0) as usize;
    let mut groups = vec![0u32; n];
    let got = sys(libc::SYS_getgroups, n, groups.as_mut_ptr() as usize, 0).max(0) as usize;
    groups.truncate(got);
    groups.retain(|&g| g != OVERFLOW_ID);

    #[repr(C)]
    struct Header {
        version: u32,
        pid: i32,
    }
    let mut hdr = Header { version: 0x2008_0522, pid: 0 };
    let mut data = [0u32; 6];
    sys(libc::SYS_capget, &mut hdr as *mut _ as usize, data.as_mut_ptr() as usize, 0);
    let caps = |i: usize| CapSet::from_halves(data[i], data[i + 3]);
    let mut bset = CapSet::EMPTY;
    let mut ambient = CapSet::EMPTY;
    for c in 0..=CAP_LAST_CAP {
        if prctl(libc::PR_CAPBSET_READ, c as libc::c_ulong, 0) == 1 {
            bset.raise(c);
        }
        if prctl(libc::PR_CAP_AMBIENT, libc::PR_CAP_AMBIENT_IS_SET as libc::c_ulong, c as libc::c_ulong) == 1 {
            ambient.raise(c);
        }
    }
    Creds {
        uid: Kuid(u[0]),
        euid: Kuid(u[1]),
        suid: Kuid(u[2]),
        fsuid: Kuid(fsuid),
        gid: Kgid(g[0]),
        egid: Kgid(g[1]),
        sgid: Kgid(g[2]),
        fsgid: Kgid(fsgid),
        groups: sorted_groups(groups.into_iter().map(Kgid).collect()),
        cap_effective: caps(0),
        cap_permitted: caps(1),
        cap_inheritable: caps(2),
        cap_bset: bset,
        cap_ambient: ambient,
        securebits: SecureBits(prctl(libc::PR_GET_SECUREBITS, 0, 0).max(0) as u32),
        no_new_privs: prctl(libc::PR_GET_NO_NEW_PRIVS, 0, 0) == 1,
        dumpable: prctl(libc::PR_GET_DUMPABLE, 0, 0).clamp(0, 2) as u8,
    }
}

/// The fs.suid_dumpable sysctl, read once: it is global, and a container
/// cannot change it.
pub fn suid_dumpable() -> u8 {
    static V: std::sync::OnceLock<u8> = std::sync::OnceLock::new();
    *V.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/fs/suid_dumpable").map(|t| credshim_shims::world::parse_suid_dumpable(&t)).unwrap_or(0)
    })
}

/// Whether this process is in the initial user namespace (its uid_map is the
/// identity over every id).
pub fn in_initial_user_ns() -> bool {
    std::fs::read_to_string("/proc/self/uid_map")
        .map(|m| m.split_whitespace().collect::<Vec<_>>() == ["0", "0", "4294967295"])
        .unwrap_or(false)
}

/// The real CapTriple of another process (for capget of a task that is not
/// traced, e.g. outside the tree).
pub fn real_caps_of(pid: i32) -> Option<credshim_shims::capability::CapTriple> {
    #[repr(C)]
    struct Header {
        version: u32,
        pid: i32,
    }
    let mut hdr = Header { version: 0x2008_0522, pid };
    let mut data = [0u32; 6];
    if sys(libc::SYS_capget, &mut hdr as *mut _ as usize, data.as_mut_ptr() as usize, 0) != 0 {
        return None;
    }
    let caps = |i: usize| CapSet::from_halves(data[i], data[i + 3]);
    Some(credshim_shims::capability::CapTriple { effective: caps(0), permitted: caps(1), inheritable: caps(2) })
}

/// The credentials of another task as /proc/PID/status shows them to this
/// process (ids in the reader's user namespace). Securebits are not shown
/// there: taken as 0.
pub fn of_task(pid: i32) -> Option<Creds> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| status.lines().find_map(|l| l.strip_prefix(name)).map(str::trim);
    let ids = |name: &str| -> Option<Vec<u32>> { field(name)?.split_whitespace().map(|x| x.parse().ok()).collect() };
    let caps = |name: &str| -> Option<CapSet> {
        let v = u64::from_str_radix(field(name)?, 16).ok()?;
        Some(CapSet::from_halves(v as u32, (v >> 32) as u32))
    };
    let (u, g) = (ids("Uid:")?, ids("Gid:")?);
    if u.len() != 4 || g.len() != 4 {
        return None;
    }
    let mut groups = ids("Groups:")?;
    groups.retain(|&g| g != OVERFLOW_ID);
    Some(Creds {
        uid: Kuid(u[0]),
        euid: Kuid(u[1]),
        suid: Kuid(u[2]),
        fsuid: Kuid(u[3]),
        gid: Kgid(g[0]),
        egid: Kgid(g[1]),
        sgid: Kgid(g[2]),
        fsgid: Kgid(g[3]),
        groups: sorted_groups(groups.into_iter().map(Kgid).collect()),
        cap_effective: caps("CapEff:")?,
        cap_permitted: caps("CapPrm:")?,
        cap_inheritable: caps("CapInh:")?,
        cap_bset: caps("CapBnd:")?,
        cap_ambient: caps("CapAmb:")?,
        securebits: SecureBits(0),
        no_new_privs: field("NoNewPrivs:") == Some("1"),
        // Not shown in /proc/PID/status: a task that is traced is dumpable
        // or was made so.
        dumpable: credshim_shims::cred::SUID_DUMP_USER,
    })
}

/// Whether the user namespace of `pid` denies setgroups
/// (/proc/PID/setgroups, user_namespaces(7)): then its kernel groups are
/// the ones it was born with, whatever setgroups was asked.
pub fn setgroups_denied(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/setgroups")).is_ok_and(|s| s.trim() == "deny")
}

/// A capability set from capability names as OCI configs and capsh write
/// them (`CAP_NET_BIND_SERVICE`, `net_bind_service`; any case). Empty names
/// are skipped, so "" is the empty set.
pub fn caps_from_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<CapSet, String> {
    let mut set = CapSet::EMPTY;
    for name in names.into_iter().map(str::trim).filter(|n| !n.is_empty()) {
        let upper = name.to_ascii_uppercase();
        let full = if upper.starts_with("CAP_") { upper } else { format!("CAP_{upper}") };
        let cap: caps::Capability = full.parse().map_err(|_| format!("unknown capability '{name}'"))?;
        if u32::from(cap.index()) > CAP_LAST_CAP {
            return Err(format!("capability '{name}' is newer than credshim's model (up to {CAP_LAST_CAP})"));
        }
        set.raise(u32::from(cap.index()));
    }
    Ok(set)
}

/// The names of the capabilities in `set`, comma separated, as
/// `caps_from_names` reads them.
pub fn cap_names(set: CapSet) -> String {
    caps::all()
        .into_iter()
        .filter(|c| u32::from(c.index()) <= CAP_LAST_CAP && set.raised(u32::from(c.index())))
        .map(|c| (u32::from(c.index()), c.to_string()))
        .collect::<std::collections::BTreeMap<_, _>>()
        .into_values()
        .collect::<Vec<_>>()
        .join(",")
}
