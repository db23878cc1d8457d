//! The exec transition (fs/exec.c bprm_fill_uid + cap_bprm_creds_from_file).
mod common;
use common::*;
use credshim_shims::capset::{CapSet, CAP_NET_BIND_SERVICE};
use credshim_shims::commoncap::VfsCaps;
use credshim_shims::exec::{exec_creds, ExecFile};
use credshim_shims::securebits::{SecureBits, SECURE_NOROOT};
use credshim_shims::sys::setresuid;
use credshim_shims::{Creds, Errno};

fn file(uid: u32, gid: u32, perm: u32) -> ExecFile {
    ExecFile { uid, gid, mode: 0o100000 | perm, nosuid: false, caps: None }
}

#[test]
fn root_keeps_everything_and_users_get_nothing() {
    let r = exec_creds(&root(), &ExecFile::plain(), 0).unwrap();
    assert_eq!(r.cap_effective, CapSet::FULL);
    let u = exec_creds(&user(1000), &ExecFile::plain(), 0).unwrap();
    assert!(u.cap_permitted.is_empty());
}

#[test]
fn real_root_only_gets_permitted_but_no_effective() {
    let c = setresuid(&root(), 0, 1000, 1000).unwrap();
    let d = exec_creds(&c, &ExecFile::plain(), 0).unwrap();
    assert_eq!(d.cap_permitted, CapSet::FULL);
    assert!(d.cap_effective.is_empty());
    assert_eq!(ids(&d), [0, 1000, 1000, 1000]);
}

#[test]
fn set_user_id_root_raises_and_saved_ids_follow() {
    let d = exec_creds(&user(1000), &file(0, 0, 0o4755), 0).unwrap();
    assert_eq!(ids(&d), [1000, 0, 0, 0]);
    assert_eq!(d.cap_effective, CapSet::FULL);
    let g = exec_creds(&user(1000), &file(0, 5, 0o2755), 0).unwrap();
    assert_eq!(gids(&g), [1000, 5, 5, 5]);
    let nox = exec_creds(&user(1000), &file(0, 5, 0o2745), 0).unwrap();
    assert_eq!(gids(&nox), [1000; 4], "S_ISGID without S_IXGRP is no set-group-ID");
}

#[test]
fn no_new_privs_and_nosuid_ignore_set_id_bits() {
    let n = Creds { no_new_privs: true, ..user(1000) };
    assert_eq!(ids(&exec_creds(&n, &file(0, 0, 0o4755), 0).unwrap()), [1000; 4]);
    let f = ExecFile { nosuid: true, ..file(0, 0, 0o4755) };
    assert_eq!(ids(&exec_creds(&user(1000), &f, 0).unwrap()), [1000; 4]);
}

#[test]
fn noroot_securebit_gives_root_no_capabilities() {
    let c = Creds { securebits: SecureBits(1 << SECURE_NOROOT), ..root() };
    assert!(exec_creds(&c, &ExecFile::plain(), 0).unwrap().cap_permitted.is_empty());
}

#[test]
fn file_capabilities() {
    let nb = CapSet(1 << CAP_NET_BIND_SERVICE);
    let fcap = |effective| ExecFile {
        caps: Some(VfsCaps { permitted: nb, inheritable: CapSet::EMPTY, effective, rootid: 0 }),
        ..ExecFile::plain()
    };
    let d = exec_creds(&user(1000), &fcap(true), 0).unwrap();
    assert_eq!((d.cap_permitted, d.cap_effective), (nb, nb));
    let p = exec_creds(&user(1000), &fcap(false), 0).unwrap();
    assert_eq!((p.cap_permitted, p.cap_effective), (nb, CapSet::EMPTY));
    let no_bset = Creds { cap_bset: CapSet::EMPTY, ..user(1000) };
    assert_eq!(exec_creds(&no_bset, &fcap(true), 0), Err(Errno::EPERM), "insufficient to execute correctly");
    assert!(exec_creds(&no_bset, &fcap(false), 0).is_ok());
}

#[test]
fn ambient_survives_a_plain_exec_and_not_a_set_id_one() {
    let a = CapSet(1 << CAP_NET_BIND_SERVICE);
    let c = Creds { cap_permitted: a, cap_inheritable: a, cap_ambient: a, ..user(1000) };
    let d = exec_creds(&c, &ExecFile::plain(), 0).unwrap();
    assert_eq!((d.cap_permitted, d.cap_effective, d.cap_ambient), (a, a, a));
    let s = exec_creds(&c, &file(1001, 1000, 0o4755), 0).unwrap();
    assert!(s.cap_ambient.is_empty());
}
