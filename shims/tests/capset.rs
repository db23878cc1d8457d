//! kernel/capability.c and cap_capset.
mod common;
use common::*;
use credshim_shims::capability::*;
use credshim_shims::capset::CapSet;
use credshim_shims::mem::VecMem;
use credshim_shims::{Creds, Errno};

const HDR: u64 = 0x1000;
const DATA: u64 = 0x2000;

fn mem(version: u32, pid: i32, data: &[u32]) -> VecMem {
    let mut m = VecMem::new();
    m.map(HDR, [version, pid as u32].iter().flat_map(|w| w.to_ne_bytes()).collect());
    m.map(DATA, data.iter().flat_map(|w| w.to_ne_bytes()).collect());
    m
}

fn nobody(_: i32) -> Option<CapTriple> {
    None
}

fn caller() -> Caller<'static> {
    Caller { tid: 42, find_task: &nobody }
}

fn word(m: &VecMem, base: u64, i: usize) -> u32 {
    let r = m.region(base).unwrap();
    u32::from_ne_bytes(r[i * 4..i * 4 + 4].try_into().unwrap())
}

#[test]
fn an_unknown_version_is_answered_with_the_kernels() {
    let mut m = mem(0x12345, 0, &[0; 6]);
    assert_eq!(capget(&root(), &caller(), HDR, DATA, &mut m), Err(Errno::EINVAL));
    assert_eq!(word(&m, HDR, 0), LINUX_CAPABILITY_VERSION_3);
    let mut m = mem(0x12345, 0, &[0; 6]);
    assert_eq!(capget(&root(), &caller(), HDR, 0, &mut m), Ok(0), "a NULL data pointer is a version query");
    let mut m = mem(0x12345, 0, &[0; 6]);
    assert_eq!(capset(&root(), &caller(), HDR, DATA, &mut m), Err(Errno::EINVAL));
    assert_eq!(word(&m, HDR, 0), LINUX_CAPABILITY_VERSION_3);
}

#[test]
fn capget_v1_copies_one_struct_v3_two() {
    let mut m = mem(LINUX_CAPABILITY_VERSION_1, 0, &[0xAAAA_AAAA; 6]);
    capget(&root(), &caller(), HDR, DATA, &mut m).unwrap();
    assert_eq!((0..6).map(|i| word(&m, DATA, i)).collect::<Vec<_>>(), [!0, !0, 0, 0xAAAA_AAAA, 0xAAAA_AAAA, 0xAAAA_AAAA]);
    let mut m = mem(LINUX_CAPABILITY_VERSION_3, 0, &[0xAAAA_AAAA; 6]);
    capget(&root(), &caller(), HDR, DATA, &mut m).unwrap();
    assert_eq!((0..6).map(|i| word(&m, DATA, i)).collect::<Vec<_>>(), [!0, !0, 0, 0x1ff, 0x1ff, 0]);
}

#[test]
fn capget_pid_rules() {
    let mut m = mem(LINUX_CAPABILITY_VERSION_3, -1, &[0; 6]);
    assert_eq!(capget(&root(), &caller(), HDR, DATA, &mut m), Err(Errno::EINVAL));
    let mut m = mem(LINUX_CAPABILITY_VERSION_3, 7, &[0; 6]);
    assert_eq!(capget(&root(), &caller(), HDR, DATA, &mut m), Err(Errno::ESRCH));
    let mut m = mem(LINUX_CAPABILITY_VERSION_3, 42, &[0; 6]);
    assert_eq!(capget(&user(5), &caller(), HDR, DATA, &mut m), Ok(0));
    assert_eq!(word(&m, DATA, 1), 0, "pid == own tid reads the caller");
}

#[test]
fn capset_may_only_affect_the_caller_and_checks_subsets() {
    let mut m = mem(LINUX_CAPABILITY_VERSION_3, 7, &[0; 6]);
    assert_eq!(capset(&root(), &caller(), HDR, DATA, &mut m), Err(Errno::EPERM));
    let c = Creds { cap_permitted: CapSet(0xc0), cap_effective: CapSet(0xc0), ..user(1000) };
    // permitted may only shrink; effective must be within the new permitted
    let mut m = mem(LINUX_CAPABILITY_VERSION_3, 0, &[0x100, 0x100, 0, 0, 0, 0]);
    assert_eq!(capset(&c, &caller(), HDR, DATA, &mut m), Err(Errno::EPERM));
    let mut m = mem(LINUX_CAPABILITY_VERSION_3, 0, &[0x80, 0x40, 0, 0, 0, 0]);
    assert_eq!(capset(&c, &caller(), HDR, DATA, &mut m), Err(Errno::EPERM));
    // inheritable beyond permitted needs CAP_SETPCAP
    let mut m = mem(LINUX_CAPABILITY_VERSION_3, 0, &[0x40, 0x40, 0x400, 0, 0, 0]);
    assert_eq!(capset(&c, &caller(), HDR, DATA, &mut m), Err(Errno::EPERM));
    let mut m = mem(LINUX_CAPABILITY_VERSION_3, 0, &[0x40, 0x40, 0x80, 0, 0, 0]);
    let d = capset(&c, &caller(), HDR, DATA, &mut m).unwrap();
    assert_eq!((d.cap_effective, d.cap_permitted, d.cap_inheritable), (CapSet(0x40), CapSet(0x40), CapSet(0x80)));
}

#[test]
fn capset_short_data_is_efault() {
    let mut m = VecMem::new();
    m.map(HDR, [LINUX_CAPABILITY_VERSION_3, 0].iter().flat_map(|w| w.to_ne_bytes()).collect());
    m.map(DATA, vec![0; 12]);
    assert_eq!(capset(&root(), &caller(), HDR, DATA, &mut m), Err(Errno::EFAULT));
}
