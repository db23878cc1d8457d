//! /proc/PID/status as the kernel would print it for a task with the
//! virtual credentials `c`: fs/proc/array.c `task_state` (Uid, Gid,
//! Groups), `task_cap` (CapInh, CapPrm, CapEff, CapBnd, CapAmb,
//! `render_cap_t`: "%016llx") and `task_seccomp` (NoNewPrivs). Every other
//! line stays as the kernel wrote it.

use crate::Creds;

/// The status text `real` (as read from the kernel) with the credential
/// lines of `c`.
pub fn status(real: &str, c: &Creds) -> String {
    let mut out = String::with_capacity(real.len() + 64);
    for line in real.split_inclusive('\n') {
        let key = line.split(':').next().unwrap_or("");
        let end = if line.ends_with('\n') { "\n" } else { "" };
        let cap = |v: u64| format!("{key}:\t{v:016x}{end}");
        match key {
            // task_state: seq_put_decimal_ull(m, "\t", …) for each of the four.
            "Uid" => out.push_str(&format!("Uid:\t{}\t{}\t{}\t{}{end}", c.uid.0, c.euid.0, c.suid.0, c.fsuid.0)),
            "Gid" => out.push_str(&format!("Gid:\t{}\t{}\t{}\t{}{end}", c.gid.0, c.egid.0, c.sgid.0, c.fsgid.0)),
            // "Groups:\t", each gid with a space before all but the first,
            // then one space (seq_putc(m, ' ')).
            "Groups" => {
                let gs: Vec<String> = c.groups.iter().map(|g| g.0.to_string()).collect();
                out.push_str(&format!("Groups:\t{} {end}", gs.join(" ")));
            }
            "CapInh" => out.push_str(&cap(c.cap_inheritable.0)),
            "CapPrm" => out.push_str(&cap(c.cap_permitted.0)),
            "CapEff" => out.push_str(&cap(c.cap_effective.0)),
            "CapBnd" => out.push_str(&cap(c.cap_bset.0)),
            "CapAmb" => out.push_str(&cap(c.cap_ambient.0)),
            "NoNewPrivs" => out.push_str(&format!("NoNewPrivs:\t{}{end}", c.no_new_privs as u8)),
            _ => out.push_str(line),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capset::{CapSet, CAP_NET_BIND_SERVICE};

    const REAL: &str = "Name:\tsh\nUmask:\t0022\nState:\tS (sleeping)\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t64\nGroups:\t \nCapInh:\t0000000000000000\nCapPrm:\t000001fffeffffff\nCapEff:\t000001fffeffffff\nCapBnd:\t000001fffeffffff\nCapAmb:\t0000000000000000\nNoNewPrivs:\t0\nSeccomp:\t2\n";

    #[test]
    fn the_credential_lines_are_the_virtual_ones_and_the_rest_stays() {
        let mut c = Creds::user(33, 33, &[4, 5]);
        c.cap_bset = CapSet(0x1fffeffffff);
        c.cap_ambient.raise(CAP_NET_BIND_SERVICE);
        c.cap_inheritable.raise(CAP_NET_BIND_SERVICE);
        c.cap_permitted.raise(CAP_NET_BIND_SERVICE);
        let s = status(REAL, &c);
        assert_eq!(
            s,
            "Name:\tsh\nUmask:\t0022\nState:\tS (sleeping)\nUid:\t33\t33\t33\t33\nGid:\t33\t33\t33\t33\nFDSize:\t64\nGroups:\t4 5 \nCapInh:\t0000000000000400\nCapPrm:\t0000000000000400\nCapEff:\t0000000000000000\nCapBnd:\t000001fffeffffff\nCapAmb:\t0000000000000400\nNoNewPrivs:\t0\nSeccomp:\t2\n"
        );
        let root = Creds::init_root();
        assert!(status(REAL, &Creds { groups: crate::cred::sorted_groups(vec![]), ..root }).contains("Groups:\t \n"), "no groups: a tab and a space");
    }
}
