//! credshim's own user namespace, read once: its uid and gid maps and the
//! overflow ids. (An `oci hook` tracer reads them after it has entered the
//! container's namespace.)

use std::sync::OnceLock;

struct Maps {
    uid: Vec<(u64, u64)>,
    gid: Vec<(u64, u64)>,
    overflowuid: u32,
    overflowgid: u32,
}

fn ranges(map: &str) -> Vec<(u64, u64)> {
    map.lines()
        .filter_map(|l| {
            let f: Vec<u64> = l.split_whitespace().filter_map(|x| x.parse().ok()).collect();
            (f.len() == 3).then(|| (f[0], f[0] + f[2]))
        })
        .collect()
}

fn maps() -> &'static Maps {
    static MAPS: OnceLock<Maps> = OnceLock::new();
    MAPS.get_or_init(|| {
        let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
        let overflow = |p: &str| read(p).trim().parse().unwrap_or(65534);
        Maps {
            uid: ranges(&read("/proc/self/uid_map")),
            gid: ranges(&read("/proc/self/gid_map")),
            overflowuid: overflow("/proc/sys/kernel/overflowuid"),
            overflowgid: overflow("/proc/sys/kernel/overflowgid"),
        }
    })
}

fn within(r: &[(u64, u64)], id: u32) -> bool {
    r.iter().any(|&(lo, hi)| (lo..hi).contains(&(id as u64)))
}

/// Can the namespace store this uid (is it in the uid map)?
pub fn uid_mapped(id: u32) -> bool {
    within(&maps().uid, id)
}

pub fn gid_mapped(id: u32) -> bool {
    within(&maps().gid, id)
}

/// The overflow id stat shows for an owner the namespace does not map.
pub fn overflow(is_uid: bool) -> u32 {
    if is_uid {
        maps().overflowuid
    } else {
        maps().overflowgid
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_maps() {
        assert!(within(&ranges("         0       1001          1\n"), 0));
        assert!(!within(&ranges("         0       1001          1\n"), 65534));
        assert!(within(&ranges("0 0 4294967295\n"), 65534));
    }
}
