//! The stat family: for a file with a virtual owner, credshim does the
//! stat itself on the file the task names and writes the struct the
//! task's ABI expects with that owner; otherwise the kernel runs the call.

use super::{task_path, Inode, Owners};
use crate::sys::execfile;
use crate::sys::mem::TraceeMem;
use crate::sys::ptrace::Tid;
use crate::tracer::procfs;
use crate::tracer::tasks::TaskTable;
use credshim_shims::decode::Syscall;
use credshim_shims::table::Abi;
use credshim_shims::rootlesscontainers::XATTR_NAME;
use credshim_shims::UserMem;
use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::rc::Rc;

/// `procfs`: with `--proc`, the tasks whose /proc entries get their
/// virtual owner (super::super::procfs::dump_owner).
pub fn stat_call(tid: Tid, abi: Abi, call: &Syscall, mem: &mut TraceeMem, owners: &mut Owners, procfs: Option<&TaskTable>) -> Option<i64> {
    let (arg, buf, flags, dirfd, statx_mask) = match *call {
        Syscall::Fstat { fd, buf } => (None, buf, 0, fd, None),
        Syscall::Newfstatat { dirfd, path, buf, flags } => (Some(path), buf, flags, dirfd, None),
        Syscall::Statx { dirfd, path, flags, mask, buf } => (Some(path), buf, flags, dirfd, Some(mask)),
        _ => return None,
    };
    // fs/stat.c: vfs_statx checks the flags (EINVAL), then looks the path
    // up (an empty one without AT_EMPTY_PATH: ENOENT), then copies the
    // struct out (EFAULT); do_statx first refuses reserved mask bits and
    // both sync types. Where the kernel fails before the copy, it answers
    // itself: the answer does not depend on the owner.
    if statx_mask.is_some_and(|m| m & STATX_RESERVED != 0 || flags & libc::AT_STATX_SYNC_TYPE == libc::AT_STATX_SYNC_TYPE) {
        return None;
    }
    // getname_maybe_null: with AT_EMPTY_PATH, NULL or "" is no name at
    // all (NULL is not read).
    let empty_ok = flags & libc::AT_EMPTY_PATH != 0;
    // Nothing to answer unless owners are recorded or, with --proc, the
    // path names a traced task's /proc entry: then the kernel runs it
    // without credshim reading the path.
    let text = match (arg, procfs.is_some() || owners.any()) {
        (Some(0), true) if empty_ok => Some(Vec::new()),
        (Some(p), true) => Some(mem.read_cstr(p, 4096).ok()?), // else the kernel's EFAULT or ENAMETOOLONG
        _ => None,
    };
    // No name with a descriptor is vfs_fstat (or do_statx_fd) of it,
    // whatever the other flags are; otherwise vfs_statx checks the flags
    // and getname refuses an empty name without AT_EMPTY_PATH (ENOENT).
    // `stat_flags`: the flags of the stat done here (an empty path names
    // the descriptor's file or the working directory: /proc/TID/fd/N or
    // /proc/TID/cwd is then followed whatever the flags say, being a magic
    // link to that file).
    let no_name = text.as_ref().is_some_and(|t| t.is_empty());
    let (text, stat_flags) = match text {
        Some(_) if no_name && empty_ok && dirfd >= 0 => (None, flags & libc::AT_STATX_SYNC_TYPE),
        Some(_) if flags & !STATX_FLAGS != 0 => return None, // vfs_statx: EINVAL
        Some(_) if no_name && !empty_ok => return None,      // getname: ENOENT
        Some(t) if no_name => (Some(t), flags & !libc::AT_SYMLINK_NOFOLLOW),
        t => (t, flags),
    };
    // (the traced task, the path with /proc/self resolved as the caller's)
    let proc_task = match (procfs, &text) {
        (Some(tasks), Some(t)) if t.starts_with(b"/proc/") => {
            let t = procfs::as_caller(tid, t).unwrap_or_else(|| t.clone());
            procfs::traced_entry(tid, &t, tasks).map(|k| (k, t))
        }
        _ => None,
    };
    if !owners.any() && proc_task.is_none() {
        return None;
    }
    owners.settle_all();
    // A relative path is looked up from the task's working directory,
    // an absolute one from its root directory where that is not
    // credshim's (super::root), both kept open (super::cwd), or from a
    // copy of its `dirfd` (super::fds), and a descriptor without a name is
    // that copy, where credshim has them: the lookups here are then of
    // `c`, the path relative to that directory (empty: the directory or
    // the copy itself, AT_EMPTY_PATH), under `base`. Otherwise `c` is
    // `path`, as the task would resolve it (task_path), through /proc.
    let at = match (&proc_task, &text) {
        (None, Some(t)) if t.first() == Some(&b'/') => match super::root::same_root(tid) {
            true => None,
            false => super::cwd::root_of(tid).map(|d| (d, &t[t.iter().position(|&b| b != b'/').unwrap_or(t.len())..])),
        },
        (None, Some(t)) if !t.is_empty() => match dirfd {
            libc::AT_FDCWD => super::cwd::of(tid),
            _ => super::fds::get(tid, dirfd).map(Rc::new),
        }
        .map(|d| (d, t.as_slice())),
        (None, None) => super::fds::get(tid, dirfd).map(|d| (Rc::new(d), &[][..])),
        _ => None,
    };
    let path = match (&at, &proc_task, &text) {
        (Some(_), _, _) => PathBuf::new(),
        (_, Some((_, t)), _) | (_, None, Some(t)) => task_path(tid, dirfd, t, flags),
        (_, None, None) => PathBuf::from(format!("/proc/{tid}/fd/{dirfd}")),
    };
    let (base, c) = match &at {
        Some((fd, rel)) => (fd.as_raw_fd(), std::ffi::CString::new(*rel).ok()?),
        None => (libc::AT_FDCWD, super::cpath(&path).ok()?),
    };
    let nofollow = stat_flags & libc::AT_SYMLINK_NOFOLLOW;
    let follow = nofollow == 0;
    let empty = if c.is_empty() { libc::AT_EMPTY_PATH } else { 0 };
    // The file's attribute (--ownership xattr), read at most once.
    // Nothing in memory: no attribute, no virtual owner, and the kernel's
    // own stat is the answer (one lookup instead of a stat of our own and
    // then the kernel's). Not for a /proc entry.
    let read_attr = || match &at {
        Some((fd, _)) => execfile::xattr_get_at(fd.as_raw_fd(), &c, XATTR_NAME, follow),
        None => execfile::xattr_get(&path, XATTR_NAME, follow),
    };
    let mut attr = None;
    if proc_task.is_none() && owners.only_in_xattrs() {
        match read_attr() {
            None => return None,
            a => attr = Some(a),
        }
    }
    // The owner the task sees: a traced task's /proc entry's, or the
    // recorded one.
    let owner = |inode: &Inode| {
        let recorded = || owners.get_by(inode, || attr.unwrap_or_else(read_attr));
        match (&proc_task, procfs) {
            (Some((task, _)), Some(tasks)) => procfs::dump_owner(tid, *task, inode, tasks).or_else(recorded),
            _ => recorded(),
        }
    };
    let bytes = if let Some(mask) = statx_mask {
        // SAFETY: statx writes into a zeroed local struct.
        let mut stx: libc::statx = unsafe { std::mem::zeroed() };
        let sync = flags & libc::AT_STATX_SYNC_TYPE;
        if unsafe { libc::statx(base, c.as_ptr(), nofollow | sync | empty, mask, &mut stx) } != 0 {
            return None;
        }
        let inode = Inode {
            dev: makedev(stx.stx_dev_major, stx.stx_dev_minor),
            ino: stx.stx_ino,
            uid: stx.stx_uid,
            gid: stx.stx_gid,
            mode: stx.stx_mode as u32,
        };
        (stx.stx_uid, stx.stx_gid) = owner(&inode)?;
        as_bytes(&stx).to_vec()
    } else {
        // SAFETY: fstatat writes into a zeroed local struct.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        if unsafe { libc::fstatat(base, c.as_ptr(), &mut st, nofollow | empty) } != 0 {
            return None;
        }
        (st.st_uid, st.st_gid) = owner(&Inode::from(&st))?;
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
