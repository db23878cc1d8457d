//! The stat family: for a file with a virtual owner, credshim does the
//! stat itself on the file the task names and writes the struct the
//! task's ABI expects with that owner; otherwise the kernel runs the call.

use super::{task_path, Inode, Owners};
use crate::mem::TraceeMem;
use crate::ptrace::Tid;
use credshim_shims::rootlesscontainers::XATTR_NAME;
use credshim_shims::table::{Abi, Shim};
use credshim_shims::UserMem;
use std::path::PathBuf;

pub fn stat_call(tid: Tid, abi: Abi, shim: Shim, args: &[u64; 6], mem: &mut TraceeMem, owners: &mut Owners) -> Option<i64> {
    if !owners.any() {
        return None;
    }
    owners.settle_all();
    let (path, buf, flags) = match shim {
        Shim::Fstat => (PathBuf::from(format!("/proc/{tid}/fd/{}", args[0] as i32)), args[1], 0),
        Shim::Stat | Shim::Lstat => {
            let p = mem.read_cstr(args[0], 4096).ok()?;
            let nofollow = if shim == Shim::Lstat { libc::AT_SYMLINK_NOFOLLOW } else { 0 };
            (task_path(tid, libc::AT_FDCWD, &p, 0), args[1], nofollow)
        }
        Shim::Newfstatat => {
            let flags = args[3] as i32;
            let p = mem.read_cstr(args[1], 4096).ok()?;
            (task_path(tid, args[0] as i32, &p, flags), args[2], flags)
        }
        Shim::Statx => {
            let flags = args[2] as i32;
            let p = mem.read_cstr(args[1], 4096).ok()?;
            (task_path(tid, args[0] as i32, &p, flags), args[4], flags)
        }
        _ => return None,
    };
    let c = super::cpath(&path).ok()?;
    let nofollow = flags & libc::AT_SYMLINK_NOFOLLOW;
    let follow = nofollow == 0;
    // --ownership xattr, nothing in memory: no attribute, no virtual owner,
    // and the kernel's own stat is the answer (one lookup instead of a
    // stat of our own and then the kernel's).
    if owners.only_in_xattrs() && crate::execfile::xattr_get(&path, XATTR_NAME, follow).is_none() {
        return None;
    }
    let bytes = if shim == Shim::Statx {
        // SAFETY: statx writes into a zeroed local struct.
        let mut stx: libc::statx = unsafe { std::mem::zeroed() };
        let sync = flags & libc::AT_STATX_SYNC_TYPE;
        if unsafe { libc::statx(libc::AT_FDCWD, c.as_ptr(), nofollow | sync, args[3] as u32, &mut stx) } != 0 {
            return None;
        }
        let inode = Inode {
            dev: makedev(stx.stx_dev_major, stx.stx_dev_minor),
            ino: stx.stx_ino,
            uid: stx.stx_uid,
            gid: stx.stx_gid,
            mode: stx.stx_mode as u32,
        };
        (stx.stx_uid, stx.stx_gid) = owners.get(&path, &inode, follow)?;
        as_bytes(&stx).to_vec()
    } else {
        // SAFETY: fstatat writes into a zeroed local struct.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        if unsafe { libc::fstatat(libc::AT_FDCWD, c.as_ptr(), &mut st, nofollow) } != 0 {
            return None;
        }
        (st.st_uid, st.st_gid) = owners.get(&path, &Inode::from(&st), follow)?;
        match abi {
            Abi::X86_64 => as_bytes(&st).to_vec(),
            Abi::I386 => {
                let mut old = [0u8; 96];
                if let Err(e) = mem.read(buf, &mut old) {
                    return Some(e.ret());
                }
                stat64_i386(&st, old).to_vec()
            }
        }
    };
    Some(mem.write(buf, &bytes).map(|()| 0).unwrap_or_else(|e| e.ret()))
}

fn as_bytes<T>(v: &T) -> &[u8] {
    // SAFETY: viewing a plain C struct (no padding reads beyond its size) as bytes.
    unsafe { std::slice::from_raw_parts(v as *const T as *const u8, std::mem::size_of::<T>()) }
}

/// i386's `struct stat64` (arch/x86/include/uapi/asm/stat.h), written
/// field by field over what the buffer held, as arch/x86/kernel/sys_ia32.c
/// cp_stat64 does (the padding keeps its bytes). huge_encode_dev is the
/// same encoding as the 64-bit st_dev.
fn stat64_i386(st: &libc::stat, old: [u8; 96]) -> [u8; 96] {
    let mut b = old;
    let mut put = |off: usize, v: &[u8]| b[off..off + v.len()].copy_from_slice(v);
    put(0, &st.st_dev.to_le_bytes());
    put(12, &(st.st_ino as u32).to_le_bytes()); // __st_ino
    put(16, &st.st_mode.to_le_bytes());
    put(20, &(st.st_nlink as u32).to_le_bytes());
    put(24, &st.st_uid.to_le_bytes());
    put(28, &st.st_gid.to_le_bytes());
    put(32, &st.st_rdev.to_le_bytes());
    put(44, &st.st_size.to_le_bytes());
    put(52, &(st.st_blksize as u32).to_le_bytes());
    put(56, &(st.st_blocks as u64).to_le_bytes());
    put(64, &(st.st_atime as u32).to_le_bytes());
    put(68, &(st.st_atime_nsec as u32).to_le_bytes());
    put(72, &(st.st_mtime as u32).to_le_bytes());
    put(76, &(st.st_mtime_nsec as u32).to_le_bytes());
    put(80, &(st.st_ctime as u32).to_le_bytes());
    put(84, &(st.st_ctime_nsec as u32).to_le_bytes());
    put(88, &st.st_ino.to_le_bytes());
    b
}

/// The st_dev number of a statx device (glibc's makedev).
fn makedev(major: u32, minor: u32) -> u64 {
    let (ma, mi) = (major as u64, minor as u64);
    ((ma & 0xffff_f000) << 32) | ((ma & 0xfff) << 8) | ((mi & 0xffff_ff00) << 12) | (mi & 0xff)
}
