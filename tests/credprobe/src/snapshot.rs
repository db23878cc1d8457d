//! The snapshot line (SCRIPT.md "Output"): print it from model credentials,
//! and read it back to start the model where the probe starts.

use credshim_shims::capset::{CapSet, CAP_LAST_CAP};
use credshim_shims::cred::sorted_groups;
use credshim_shims::securebits::{SecureBits, SECURE_KEEP_CAPS};
use credshim_shims::table::Abi;
use credshim_shims::{Creds, Kgid, Kuid};

/// The snapshot line of the 64-bit probe.
pub fn format(c: &Creds) -> String {
    format_abi(c, Abi::X86_64)
}

/// The snapshot line as the probe built for `abi` prints it. On i386 the fs
/// ids come back as setfsuid's 32-bit return value, which libc reads as an
/// error when it falls in -4095..-1: the probe prints `?` there.
pub fn format_abi(c: &Creds, abi: Abi) -> String {
    let fs = |v: u32| {
        if abi == Abi::I386 && v >= 0xffff_f001 {
            "?".to_string()
        } else {
            v.to_string()
        }
    };
    let groups = if c.groups.is_empty() {
        "-".to_string()
    } else {
        let mut s = c.groups.iter().take(32).map(|g| g.0.to_string()).collect::<Vec<_>>().join(",");
        if c.groups.len() > 32 {
            s.push_str(&format!(",+{}", c.groups.len() - 32));
        }
        s
    };
    let valid = |s: CapSet| s.0 & ((1u64 << (CAP_LAST_CAP + 1)) - 1);
    format!(
        "uid={},{},{},{} gid={},{},{},{} groups={} caps={:x}/{:x}/{:x} bnd={:x} amb={:x} sb=0x{:x} keep={} nnp={} dump={}",
        c.uid.0,
        c.euid.0,
        c.suid.0,
        fs(c.fsuid.0),
        c.gid.0,
        c.egid.0,
        c.sgid.0,
        fs(c.fsgid.0),
        groups,
        c.cap_effective.0,
        c.cap_permitted.0,
        c.cap_inheritable.0,
        valid(c.cap_bset),
        valid(c.cap_ambient),
        c.securebits.0,
        c.securebits.issecure(SECURE_KEEP_CAPS) as u8,
        c.no_new_privs as u8,
        c.dumpable,
    )
}

/// Reads a snapshot line (with or without its leading blanks) back into
/// credentials. Only complete lists of groups can be read.
pub fn parse(line: &str) -> Result<Creds, String> {
    let mut c = Creds::init_root();
    let bad = |what: &str| format!("snapshot: cannot read {what} in {line:?}");
    for field in line.split_whitespace() {
        let (k, v) = field.split_once('=').ok_or_else(|| bad(field))?;
        let nums = |s: &str, radix: u32| -> Result<Vec<u64>, String> {
            s.split([',', '/']).map(|x| u64::from_str_radix(x, radix).map_err(|_| bad(k))).collect()
        };
        match k {
            "uid" => {
                let n = nums(v, 10)?;
                if n.len() != 4 {
                    return Err(bad(k));
                }
                [c.uid, c.euid, c.suid, c.fsuid] = [0, 1, 2, 3].map(|i| Kuid(n[i] as u32));
            }
            "gid" => {
                let n = nums(v, 10)?;
                if n.len() != 4 {
                    return Err(bad(k));
                }
                [c.gid, c.egid, c.sgid, c.fsgid] = [0, 1, 2, 3].map(|i| Kgid(n[i] as u32));
            }
            "groups" if v == "-" => c.groups = sorted_groups(vec![]),
            "groups" => c.groups = sorted_groups(nums(v, 10)?.into_iter().map(|g| Kgid(g as u32)).collect()),
            "caps" => {
                let n = nums(v, 16)?;
                if n.len() != 3 {
                    return Err(bad(k));
                }
                c.cap_effective = CapSet(n[0]);
                c.cap_permitted = CapSet(n[1]);
                c.cap_inheritable = CapSet(n[2]);
            }
            "bnd" => c.cap_bset = CapSet(u64::from_str_radix(v, 16).map_err(|_| bad(k))?),
            "amb" => c.cap_ambient = CapSet(u64::from_str_radix(v, 16).map_err(|_| bad(k))?),
            "sb" => {
                c.securebits = SecureBits(u32::from_str_radix(v.trim_start_matches("0x"), 16).map_err(|_| bad(k))?)
            }
            "keep" => {}
            "nnp" => c.no_new_privs = v == "1",
            "dump" => c.dumpable = v.parse().map_err(|_| bad(k))?,
            _ => return Err(bad(k)),
        }
    }
    Ok(c)
}
