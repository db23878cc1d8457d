//! The stat family: for a file with a virtual owner, credshim does the
//! stat itself on the file the task names and writes the struct the
//! task's ABI expects with that owner; otherwise the kernel runs the call.

use super::{task_path, Inode, Owners};
use crate::mem::TraceeMem;
use crate::ptrace::Tid;
use credshim_shims::table::{Abi, Shim};
use credshim_shims::UserMem;
use std::path::PathBuf;

pub fn stat_call(tid: Tid, abi: Abi, shim: Shim, args: &[u64; 6], mem: &mut TraceeMem, owners: &mut Owners) -> Option<i64> {
    if !owners.any() {
        return None;
    }
    owners.settle_all();
    // fs/stat.c: vfs_statx checks the flags (EINVAL), then looks the path
    // up (an empty one without AT_EMPTY_PATH: ENOENT), then copies the
    // struct out (EFAULT); do_statx first refuses reserved mask bits and
    // both sync types. Where the kernel fails before the copy, it answers
    // itself: the answer does not depend on the owner.
    let (path, buf, flags) = match shim {
        Shim::Fstat => (PathBuf::from(format!("/proc/{tid}/fd/{}", args[0] as i32)), args[1], 0),
        Shim::Stat | Shim::Lstat => {
            let p = mem.read_cstr(args[0], 4096).ok()?;
            if p.is_empty() {
                return None;
            }
            let nofollow = if shim == Shim::Lstat { libc::AT_SYMLINK_NOFOLLOW } else { 0 };
            (task_path(tid, libc::AT_FDCWD, &p, 0), args[1], nofollow)
        }
        Shim::Newfstatat | Shim::Statx => {
            let statx = shim == Shim::Statx;
            let (dfd, flags, buf) = if statx { (args[0] as i32, args[2] as i32, args[4]) } else { (args[0] as i32, args[3] as i32, args[2]) };
            // do_statx and do_statx_fd: reserved mask bits, both sync types.
            if statx && (args[3] as u32 & STATX_RESERVED != 0 || flags & libc::AT_STATX_SYNC_TYPE == libc::AT_STATX_SYNC_TYPE) {
                return None;
            }
            // getname_maybe_null: with AT_EMPTY_PATH, NULL or "" is no name
            // at all, and no name with a descriptor is vfs_fstat (or
            // do_statx_fd) of it, whatever the other flags are.
            let empty_ok = flags & libc::AT_EMPTY_PATH != 0;
            let p = if empty_ok && args[1] == 0 { Some(Vec::new()) } else { mem.read_cstr(args[1], 4096).ok() };
            if empty_ok && dfd >= 0 && p.as_ref().is_some_and(|p| p.is_empty()) {
                (PathBuf::from(format!("/proc/{tid}/fd/{dfd}")), buf, flags & libc::AT_STATX_SYNC_TYPE)
            } else {
                if flags & !STATX_FLAGS != 0 {
                    return None; // vfs_statx: EINVAL
                }
                let p = p?; // the kernel's EFAULT or ENAMETOOLONG
                if p.is_empty() && !empty_ok {
                    return None; // getname: ENOENT
                }
                (task_path(tid, dfd, &p, flags), buf, if p.is_empty() { flags & !libc::AT_SYMLINK_NOFOLLOW } else { flags })
            }
        }
        _ => return None,
    };
    let c = super::cpath(&path).ok()?;
    // An empty path names the descriptor's file: /proc/TID/fd/N is then
    // followed whatever the flags say (it is a magic link to that file).
    let nofollow = flags & libc::AT_SYMLINK_NOFOLLOW;
    let follow = nofollow == 0;
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

/// vfs_statx's valid flags (KSTAT_QUERY_FLAGS is AT_STATX_SYNC_TYPE).
const STATX_FLAGS: i32 = libc::AT_SYMLINK_NOFOLLOW | libc::AT_NO_AUTOMOUNT | libc::AT_EMPTY_PATH | libc::AT_STATX_SYNC_TYPE;
/// include/uapi/linux/stat.h STATX__RESERVED.
const STATX_RESERVED: u32 = 0x8000_0000;

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
