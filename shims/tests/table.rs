//! The shim table against the kernel's own syscall numbers.
use credshim_shims::table::{Abi, Shim};
use std::collections::HashMap;

fn header(path: &str) -> HashMap<String, u32> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e} (install linux-libc-dev)"));
    text.lines()
        .filter_map(|l| {
            let mut w = l.strip_prefix("#define __NR_")?.split_whitespace();
            Some((w.next()?.to_string(), w.next()?.parse().ok()?))
        })
        .collect()
}

#[test]
fn every_number_matches_asm_unistd() {
    for (abi, path) in [
        (Abi::X86_64, "/usr/include/x86_64-linux-gnu/asm/unistd_64.h"),
        (Abi::I386, "/usr/include/x86_64-linux-gnu/asm/unistd_32.h"),
    ] {
        let nr = header(path);
        for row in abi.rows() {
            assert_eq!(nr.get(row.name), Some(&row.nr), "{abi:?} {}", row.name);
        }
    }
}

#[test]
fn every_shim_has_a_row_in_every_abi() {
    for abi in [Abi::X86_64, Abi::I386] {
        for &shim in Shim::ALL {
            assert!(abi.rows().iter().any(|r| r.shim == shim), "{abi:?} lacks {shim:?}");
        }
        let mut nrs: Vec<u32> = abi.rows().iter().map(|r| r.nr).collect();
        nrs.sort();
        nrs.dedup();
        assert_eq!(nrs.len(), abi.rows().len(), "{abi:?}: a number twice");
    }
    assert_eq!(Abi::from_audit_arch(0xc000_003e), Some(Abi::X86_64));
    assert_eq!(Abi::from_audit_arch(0x4000_0003), Some(Abi::I386));
}

/// decode: a 32-bit task's registers are 32 bits wide, for every row; a
/// 16-bit row's 0xffff is -1.
#[test]
fn i386_rows_decode_the_low_words() {
    use credshim_shims::decode::{decode, Syscall};
    let high = [0xdead_0000_0000_0001u64, 0xffff_ffff_0000_0002, 0x1_0000_0003, 4 | 1 << 63, 5 << 32 | 5, 6 << 40 | 6];
    let low = high.map(|x| x as u32 as u64);
    for row in Abi::I386.rows() {
        assert_eq!(decode(Abi::I386, row, high), decode(Abi::I386, row, low), "{}", row.name);
    }
    let chown16 = Abi::I386.by_name("chown").unwrap();
    assert!(matches!(decode(Abi::I386, chown16, [8, 0xffff, 0x1_0005, 0, 0, 0]), Syscall::Fchownat { path: 8, user: u32::MAX, group: 5, flags: 0, .. }));
    let lchown = Abi::X86_64.by_name("lchown").unwrap();
    assert!(matches!(decode(Abi::X86_64, lchown, [8, 0xffff, 7, 0, 0, 0]), Syscall::Fchownat { user: 0xffff, group: 7, flags: 0x100, .. }));
}
