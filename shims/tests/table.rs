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
