//! cap_task_prctl and the no_new_privs options.
mod common;
use common::*;
use credshim_shims::capset::CapSet;
use credshim_shims::commoncap::*;
use credshim_shims::securebits::*;
use credshim_shims::sys::{prctl, PR_GET_NO_NEW_PRIVS, PR_SET_NO_NEW_PRIVS};
use credshim_shims::{Creds, Errno};

fn ok(c: &Creds, opt: u64, a2: u64, a3: u64) -> PrctlAnswer {
    prctl(c, opt, a2, a3, 0, 0).expect("a credential option").expect("success")
}

fn err(c: &Creds, opt: u64, a2: u64, a3: u64) -> Errno {
    prctl(c, opt, a2, a3, 0, 0).expect("a credential option").expect_err("an error")
}

#[test]
fn other_options_are_not_ours() {
    assert!(prctl(&root(), 15 /* PR_SET_NAME */, 0, 0, 0, 0).is_none());
    assert!(prctl(&root(), 16 /* PR_SET_NAME's neighbour PR_GET_NAME */, 0, 0, 0, 0).is_none());
}

#[test]
fn the_dumpable_flag_is_ours_since_a_drop_clears_it() {
    // kernel/sys.c: PR_SET_DUMPABLE takes SUID_DUMP_DISABLE or SUID_DUMP_USER
    // and ignores arg3..arg5.
    assert_eq!(err(&root(), 4, 2, 0), Errno::EINVAL);
    let d = ok(&root(), 4, 0, 7).commit.unwrap();
    assert_eq!((d.dumpable, ok(&d, 3, 0, 0).ret), (0, 0));
    assert_eq!(ok(&root(), 3, 9, 9).ret, 1);
}

#[test]
fn ambient_raise_needs_permitted_and_inheritable() {
    assert_eq!(err(&root(), PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, 10), Errno::EPERM);
    let c = Creds { cap_inheritable: CapSet(1 << 10), ..root() };
    let d = ok(&c, PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, 10).commit.unwrap();
    assert_eq!(ok(&d, PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, 10).ret, 1);
    assert_eq!(err(&d, PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, 41), Errno::EINVAL);
    assert_eq!(err(&d, PR_CAP_AMBIENT, 5, 10), Errno::EINVAL);
    assert_eq!(err(&d, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 1), Errno::EINVAL);
    let e = ok(&d, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0).commit.unwrap();
    assert!(e.cap_ambient.is_empty());
    let locked = Creds { securebits: SecureBits(1 << SECURE_NO_CAP_AMBIENT_RAISE), ..c };
    assert_eq!(err(&locked, PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, 10), Errno::EPERM);
}

#[test]
fn securebits_locks_hold() {
    let locked = ok(&root(), PR_SET_SECUREBITS, 0x30, 0).commit.unwrap();
    assert_eq!(ok(&locked, PR_GET_KEEPCAPS, 0, 0).ret, 1);
    assert_eq!(err(&locked, PR_SET_KEEPCAPS, 0, 0), Errno::EPERM);
    assert_eq!(err(&locked, PR_SET_SECUREBITS, 0x20, 0), Errno::EPERM, "a locked bit cannot change");
    assert_eq!(err(&locked, PR_SET_SECUREBITS, 0x10, 0), Errno::EPERM, "a lock cannot be undone");
    assert_eq!(err(&root(), PR_SET_SECUREBITS, 1 << 12, 0), Errno::EPERM, "unsupported bit");
    assert_eq!(err(&user(1000), PR_SET_SECUREBITS, 0, 0), Errno::EPERM, "a non-change needs CAP_SETPCAP");
    assert_eq!(err(&user(1000), PR_SET_SECUREBITS, 0x10, 0), Errno::EPERM, "keep-caps needs CAP_SETPCAP");
    assert_eq!(ok(&user(1000), PR_SET_SECUREBITS, 0x300, 0).ret, 0, "the exec bits do not");
    assert_eq!(err(&root(), PR_SET_KEEPCAPS, 2, 0), Errno::EINVAL);
}

#[test]
fn the_bounding_set() {
    assert_eq!(ok(&root(), PR_CAPBSET_READ, 40, 0).ret, 1);
    assert_eq!(err(&root(), PR_CAPBSET_READ, 41, 0), Errno::EINVAL);
    assert_eq!(err(&user(1000), PR_CAPBSET_DROP, 41, 0), Errno::EPERM, "EPERM before EINVAL");
    assert_eq!(err(&root(), PR_CAPBSET_DROP, 41, 0), Errno::EINVAL);
    let d = ok(&root(), PR_CAPBSET_DROP, 10, 0).commit.unwrap();
    assert_eq!(ok(&d, PR_CAPBSET_READ, 10, 0).ret, 0);
}

#[test]
fn no_new_privs_is_one_way() {
    assert_eq!(err(&root(), PR_SET_NO_NEW_PRIVS, 0, 0), Errno::EINVAL);
    let n = ok(&root(), PR_SET_NO_NEW_PRIVS, 1, 0).commit.unwrap();
    assert_eq!(ok(&n, PR_GET_NO_NEW_PRIVS, 0, 0).ret, 1);
    assert_eq!(err(&n, PR_GET_NO_NEW_PRIVS, 1, 0), Errno::EINVAL);
}
