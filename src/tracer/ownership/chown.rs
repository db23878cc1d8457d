//! The chown family: chown to ids the namespace does not map is applied to
//! the model's view of the file (`chown_common`) and recorded.

use super::{Inode, Owners, Record};
use crate::tracer::decision::{Commit, Decision};
use crate::sys::execfile;
use crate::sys::idmap;
use crate::sys::mem::TraceeMem;
use crate::sys::fs::{opened_with_o_path, read_only};
use crate::sys::ptrace::Tid;
use credshim_shims::chown::{chown_common, Owner};
use credshim_shims::errno::Errno;
use credshim_shims::decode::Syscall;
use credshim_shims::Creds;
use std::path::PathBuf;

/// A path argument as the task would resolve it: absolute paths under its
/// root (as they are when its root is credshim's, `root::same_root`),
/// relative ones under its cwd or `dirfd`; an empty path with
/// AT_EMPTY_PATH is `dirfd` itself. The bytes are kept as they are (a
/// file name need not be UTF-8).
pub fn task_path(tid: Tid, dirfd: i32, path: &[u8], flags: i32) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    let rel = |base: String, p: &[u8]| {
        let mut b = base.into_bytes();
        b.push(b'/');
        b.extend_from_slice(p);
        PathBuf::from(std::ffi::OsString::from_vec(b))
    };
    use std::os::unix::ffi::OsStringExt;
    if path.is_empty() && flags & libc::AT_EMPTY_PATH != 0 {
        if dirfd == libc::AT_FDCWD {
            format!("/proc/{tid}/cwd").into()
        } else {
            format!("/proc/{tid}/fd/{dirfd}").into()
        }
    } else if path.first() == Some(&b'/') {
        if super::root::same_root(tid) {
            return PathBuf::from(std::ffi::OsStr::from_bytes(path));
        }
        let start = path.iter().position(|&b| b != b'/').unwrap_or(path.len());
        rel(format!("/proc/{tid}/root"), &path[start..])
    } else if dirfd == libc::AT_FDCWD {
        rel(format!("/proc/{tid}/cwd"), path)
    } else {
        rel(format!("/proc/{tid}/fd/{dirfd}"), path)
    }
}

/// A chown-family call: an answer when credshim answers it (the new owner
/// to record once it was delivered), or the kernel runs it (a file it
/// cannot find, or new ids the namespace maps: the record is then dropped).
pub fn chown_call(
    tid: Tid,
    call: &Syscall,
    creds: &Creds,
    mem: &mut TraceeMem,
    owners: &Owners,
) -> Decision {
    if !owners.enabled() {
        return Decision::NATIVE;
    }
    // fs/open.c: chown, lchown and fchownat are do_fchownat (flags 0 and
    // AT_SYMLINK_NOFOLLOW for the first two), fchown is ksys_fchown. Their
    // order: the flags, then the path lookup (reading the path: EFAULT; an
    // empty one without AT_EMPTY_PATH: ENOENT; the rest the kernel reports
    // itself when the lookup here fails too: None), then mnt_want_write,
    // then chown_common's checks.
    let (path, user, group, nofollow) = match *call {
        Syscall::Fchown { fd, user, group } => {
            // ksys_fchown's fdget skips O_PATH files: EBADF from the kernel.
            if opened_with_o_path(tid, fd) {
                return Decision::NATIVE;
            }
            (PathBuf::from(format!("/proc/{tid}/fd/{fd}")), user, group, false)
        }
        Syscall::Fchownat { dirfd, path: pathp, user, group, flags } => {
            if flags & !(libc::AT_SYMLINK_NOFOLLOW | libc::AT_EMPTY_PATH) != 0 {
                return Decision::answer(Errno::EINVAL.ret());
            }
            let Ok(p) = mem.read_cstr(pathp, 4096) else { return Decision::NATIVE };
            if p.is_empty() && flags & libc::AT_EMPTY_PATH == 0 {
                return Decision::answer(Errno::ENOENT.ret()); // getname
            }
            // An empty path with AT_EMPTY_PATH is dirfd's file itself,
            // whatever AT_SYMLINK_NOFOLLOW says: /proc/TID/fd/N, a magic
            // link to it, is followed.
            (task_path(tid, dirfd, &p, flags), user, group, flags & libc::AT_SYMLINK_NOFOLLOW != 0 && !p.is_empty())
        }
        _ => return Decision::NATIVE,
    };
    let Ok(md) = (if nofollow { std::fs::symlink_metadata(&path) } else { std::fs::metadata(&path) }) else {
        return Decision::NATIVE;
    };
    // do_fchownat's order: the lookup, then mnt_want_write, then
    // chown_common's checks.
    if read_only(&path) {
        return Decision::answer(Errno::EROFS.ret());
    }
    let inode = Inode::from(&md);
    let real = (execfile::unmapped_as_none(inode.uid, true), execfile::unmapped_as_none(inode.gid, false));
    let (uid, gid) = owners.get(&path, &inode, !nofollow).unwrap_or(real);
    let old = Owner { uid, gid, mode: inode.mode };
    let new = match chown_common(creds, &old, user, group) {
        Ok(n) => n,
        Err(e) => return Decision::answer(e.ret()),
    };
    let follow = !nofollow;
    if idmap::uid_mapped(new.uid) && idmap::gid_mapped(new.gid) {
        // The namespace can store it: the kernel does the change.
        let forget = Record::new(path, inode, follow, None, None);
        return Decision { answer: None, commit: Some(Commit::Owner(forget)), file: None };
    }
    // chown clears set-id bits: clear them on the file too.
    let mode = (new.mode != old.mode && !md.file_type().is_symlink()).then_some(new.mode & 0o7777);
    let record = Record::new(path, inode, follow, Some((new.uid, new.gid)), mode);
    Decision { answer: Some(0), commit: Some(Commit::Owner(record)), file: None }
}

