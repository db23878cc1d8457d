//! kernel/sys.c uid setters, table-driven over strace's edge values.
mod common;
use common::*;
use credshim_shims::capset::CapSet;
use credshim_shims::commoncap::{cap_task_prctl, PR_SET_KEEPCAPS};
use credshim_shims::sys::*;
use credshim_shims::Errno;

#[test]
fn dropping_root_without_keepcaps_loses_every_capability() {
    let c = setresuid(&root(), 1000, 1000, 1000).unwrap();
    assert_eq!(ids(&c), [1000; 4]);
    assert_eq!(c.cap_permitted, CapSet::EMPTY);
    assert_eq!(c.cap_effective, CapSet::EMPTY);
    assert_eq!(setuid(&c, 0), Err(Errno::EPERM));
    assert_eq!(setresuid(&c, 0, 0, 0), Err(Errno::EPERM));
}

#[test]
fn keepcaps_keeps_permitted_but_not_effective() {
    let k = cap_task_prctl(&root(), PR_SET_KEEPCAPS, 1, 0, 0, 0).unwrap().commit.unwrap();
    let c = setresuid(&k, 1000, 1000, 1000).unwrap();
    assert_eq!(c.cap_permitted, CapSet::FULL);
    assert_eq!(c.cap_effective, CapSet::EMPTY);
}

#[test]
fn the_saved_uid_regains_root() {
    let c = setresuid(&root(), 1000, 1000, 0).unwrap();
    assert_eq!(c.cap_effective, CapSet::EMPTY);
    assert_eq!(c.cap_permitted, CapSet::FULL);
    let back = setuid(&c, 0).unwrap();
    assert_eq!(ids(&back), [1000, 0, 0, 0]);
    assert_eq!(back.cap_effective, CapSet::FULL);
}

#[test]
fn a_noop_setresuid_needs_no_capability() {
    let u = user(1000);
    assert_eq!(setresuid(&u, 1000, 1000, 1000).unwrap(), u);
    assert_eq!(setresuid(&u, KEEP, KEEP, KEEP).unwrap(), u);
    assert_eq!(setresuid(&u, 1001, KEEP, KEEP), Err(Errno::EPERM));
}

#[test]
fn invalid_ids_are_einval_before_any_permission_check() {
    let u = user(1000);
    for (r, e, s) in [(KEEP - 1, 0, 0), (0, KEEP - 1, 0)] {
        // -2 is a valid id; only -1 is special
        assert!(setresuid(&root(), r, e, s).is_ok());
    }
    assert_eq!(setuid(&u, KEEP), Err(Errno::EINVAL));
    assert_eq!(setuid(&root(), KEEP), Err(Errno::EINVAL));
}

#[test]
fn setreuid_sets_the_saved_uid_only_as_the_kernel_does() {
    // gVisor's bug: the kernel compares the new euid with the old *real* uid.
    let c = setresuid(&root(), 1000, 0, 0).unwrap();
    let d = setreuid(&c, KEEP, 1000).unwrap();
    assert_eq!(ids(&d), [1000, 1000, 0, 1000]);
    let e = setreuid(&root(), KEEP, 1000).unwrap();
    assert_eq!(ids(&e), [0, 1000, 1000, 1000]);
}

#[test]
fn every_edge_value_gives_the_same_shape_of_answer() {
    for &r in &EDGE_IDS {
        for &e in &EDGE_IDS {
            for &s in &EDGE_IDS {
                let got = setresuid(&root(), r, e, s).unwrap();
                let want = |a: u32, old: u32| if a == KEEP { old } else { a };
                assert_eq!(ids(&got)[..3], [want(r, 0), want(e, 0), want(s, 0)]);
                assert_eq!(got.fsuid, got.euid);
                let u = setresuid(&user(1000), r, e, s);
                let allowed = [r, e, s].iter().all(|&x| x == KEEP || x == 1000);
                assert_eq!(u.is_ok(), allowed, "user setresuid({r},{e},{s})");
            }
        }
    }
}

#[test]
fn setfsuid_returns_the_old_value_and_never_fails() {
    let (old, c) = setfsuid(&root(), 1000);
    assert_eq!(old, 0);
    let c = c.unwrap();
    assert_eq!(c.fsuid.0, 1000);
    assert!(!c.cap_effective.raised(0), "CAP_CHOWN follows the fsuid");
    assert_eq!(setfsuid(&c, KEEP), (1000, None));
    assert_eq!(setfsuid(&c, 1000), (1000, None));
    let (old, back) = setfsuid(&c, 0);
    assert_eq!(old, 1000);
    assert_eq!(back.unwrap().cap_effective, CapSet::FULL);
    assert_eq!(setfsuid(&user(5), 6), (5, None));
}

#[test]
fn gid_setters_have_no_capability_fixups() {
    let c = setresgid(&root(), 5, 6, 7).unwrap();
    assert_eq!(gids(&c), [5, 6, 7, 6]);
    assert_eq!(c.cap_effective, CapSet::FULL);
    let u = setresuid(&c, 1000, 1000, 1000).unwrap();
    assert_eq!(setgid(&u, 7).unwrap().egid.0, 7);
    assert_eq!(setgid(&u, 8), Err(Errno::EPERM));
    assert_eq!(setregid(&u, KEEP, 5).unwrap().sgid.0, 7, "egid == rgid keeps sgid");
    assert_eq!(setregid(&u, KEEP, 6).unwrap().sgid.0, 6, "any other egid moves sgid");
    assert_eq!(setfsgid(&u, 9), (6, None));
}
