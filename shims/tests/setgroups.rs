//! kernel/groups.c and the 16-bit twins.
mod common;
use common::*;
use credshim_shims::groups::{getgroups, setgroups, NGROUPS_MAX};
use credshim_shims::mem::{UserMem, VecMem};
use credshim_shims::uid16::{getgroups16, setgroups16};
use credshim_shims::Errno;

fn list(gids: &[u32]) -> VecMem {
    let mut m = VecMem::new();
    m.map(0x1000, gids.iter().flat_map(|g| g.to_ne_bytes()).collect());
    m
}

#[test]
fn setgroups_sorts_and_keeps_duplicates() {
    let mut m = list(&[30, 10, 20, 10, 0]);
    let c = setgroups(&root(), 5, 0x1000, &mut m).unwrap();
    assert_eq!(c.groups.iter().map(|g| g.0).collect::<Vec<_>>(), [0, 10, 10, 20, 30]);
}

#[test]
fn setgroups_checks_in_the_kernels_order() {
    let mut m = list(&[1, 2]);
    // EPERM before EINVAL for the size, before EFAULT for the list.
    assert_eq!(setgroups(&user(1000), NGROUPS_MAX as i32 + 1, 0, &mut m), Err(Errno::EPERM));
    assert_eq!(setgroups(&root(), NGROUPS_MAX as i32 + 1, 0, &mut m), Err(Errno::EINVAL));
    assert_eq!(setgroups(&root(), -1, 0x1000, &mut m), Err(Errno::EINVAL));
    assert_eq!(setgroups(&root(), 3, 0x1000, &mut m), Err(Errno::EFAULT));
    let mut bad = list(&[1, u32::MAX, 2]);
    assert_eq!(setgroups(&root(), 3, 0x1000, &mut bad), Err(Errno::EINVAL));
    assert!(setgroups(&root(), 0, 0, &mut m).unwrap().groups.is_empty());
}

#[test]
fn getgroups_counts_checks_size_and_faults() {
    let mut m = list(&[5, 1, 3]);
    let c = setgroups(&root(), 3, 0x1000, &mut m).unwrap();
    let mut out = list(&[0xAAAA_AAAA; 3]);
    assert_eq!(getgroups(&c, 0, 0, &mut out), Ok(3));
    assert_eq!(getgroups(&c, 2, 0x1000, &mut out), Err(Errno::EINVAL));
    assert_eq!(getgroups(&c, -1, 0x1000, &mut out), Err(Errno::EINVAL));
    assert_eq!(getgroups(&c, 3, 0x1000, &mut out), Ok(3));
    let mut buf = [0u8; 12];
    out.read(0x1000, &mut buf).unwrap();
    assert_eq!(buf, list(&[1, 3, 5]).region(0x1000).unwrap());
    // Two slots then a fault: the first two stay written.
    let mut short = list(&[0xAAAA_AAAA; 2]);
    assert_eq!(getgroups(&c, 3, 0x1000, &mut short), Err(Errno::EFAULT));
    assert_eq!(short.region(0x1000).unwrap(), list(&[1, 3]).region(0x1000).unwrap());
}

#[test]
fn sixteen_bit_groups_use_0xffff_as_minus_one_and_overflow_high_ids() {
    let mut m = VecMem::new();
    m.map(0x1000, [7u16, 0xffff].iter().flat_map(|g| g.to_ne_bytes()).collect());
    assert_eq!(setgroups16(&root(), 2, 0x1000, &mut m), Err(Errno::EINVAL));
    let mut big = list(&[70000, 7]);
    let c = setgroups(&root(), 2, 0x1000, &mut big).unwrap();
    let mut out = VecMem::new();
    out.map(0x2000, vec![0; 4]);
    assert_eq!(getgroups16(&c, 2, 0x2000, &mut out), Ok(2));
    assert_eq!(out.region(0x2000).unwrap(), [7u16, 65534].iter().flat_map(|g| g.to_ne_bytes()).collect::<Vec<_>>());
}
