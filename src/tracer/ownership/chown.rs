//! The chown family: chown to ids the namespace does not map is applied to
//! the model's view of the file (`chown_common`) and recorded.

use super::{Inode, Owners};
use crate::execfile;
use crate::idmap;
use crate::mem::TraceeMem;
use crate::ptrace::Tid;
use credshim_shims::chown::{chown_common, Owner};
use credshim_shims::errno::Errno;
use credshim_shims::id::{raw_id, IdWidth};
use credshim_shims::table::Shim;
use credshim_shims::Creds;
use std::path::{Path, PathBuf};

/// A path argument as the task would resolve it: absolute paths under its
/// root, relative ones under its cwd or `dirfd`; an empty path with
/// AT_EMPTY_PATH is `dirfd` itself.
pub fn task_path(tid: Tid, dirfd: i32, path: &[u8], flags: i32) -> PathBuf {
    let path = String::from_utf8_lossy(path);
    if path.is_empty() && flags & libc::AT_EMPTY_PATH != 0 {
        if dirfd == libc::AT_FDCWD {
            format!("/proc/{tid}/cwd").into()
        } else {
            format!("/proc/{tid}/fd/{dirfd}").into()
        }
    } else if let Some(rel) = path.strip_prefix('/') {
        PathBuf::from(format!("/proc/{tid}/root")).join(rel.trim_start_matches('/'))
    } else if dirfd == libc::AT_FDCWD {
        PathBuf::from(format!("/proc/{tid}/cwd")).join(&*path)
    } else {
        PathBuf::from(format!("/proc/{tid}/fd/{dirfd}")).join(&*path)
    }
}

/// A chown-family call: Some(answer) when credshim answers it, None to let
/// the kernel run it (a file it cannot find, or new ids the namespace maps).
pub fn chown_call(
    tid: Tid,
    shim: Shim,
    width: IdWidth,
    args: &[u64; 6],
    creds: &Creds,
    mem: &mut TraceeMem,
    owners: &mut Owners,
) -> Option<i64> {
    if !owners.enabled() {
        return None;
    }
    let (path, user, group, nofollow) = match shim {
        Shim::Fchown => (PathBuf::from(format!("/proc/{tid}/fd/{}", args[0] as i32)), args[1], args[2], false),
        Shim::Fchownat => {
            let flags = args[4] as i32;
            let p = mem.read_cstr(args[1], 4096).ok()?;
            (task_path(tid, args[0] as i32, &p, flags), args[2], args[3], flags & libc::AT_SYMLINK_NOFOLLOW != 0)
        }
        _ => {
            let p = mem.read_cstr(args[0], 4096).ok()?;
            (task_path(tid, libc::AT_FDCWD, &p, 0), args[1], args[2], shim == Shim::Lchown)
        }
    };
    let (user, group) = (raw_id(user, width), raw_id(group, width));
    let md = if nofollow { std::fs::symlink_metadata(&path) } else { std::fs::metadata(&path) }.ok()?;
    // do_fchownat's order: the lookup, then mnt_want_write, then
    // chown_common's checks.
    if read_only(&path) {
        return Some(Errno::EROFS.ret());
    }
    let inode = Inode::from(&md);
    let real = (execfile::unmapped_as_none(inode.uid, true), execfile::unmapped_as_none(inode.gid, false));
    let (uid, gid) = owners.get(&path, &inode, !nofollow).unwrap_or(real);
    let old = Owner { uid, gid, mode: inode.mode };
    let new = match chown_common(creds, &old, user, group) {
        Ok(n) => n,
        Err(e) => return Some(e.ret()),
    };
    if idmap::uid_mapped(new.uid) && idmap::gid_mapped(new.gid) {
        // The namespace can store it: the kernel does the change.
        owners.set(&path, &inode, !nofollow, None);
        return None;
    }
    owners.set(&path, &inode, !nofollow, Some((new.uid, new.gid)));
    if new.mode != old.mode && !md.file_type().is_symlink() {
        // chown cleared set-id bits: clear them on the file too.
        let _ = set_mode(&path, new.mode & 0o7777);
    }
    log::debug!("[pid {tid}] ownership of {} recorded as {}:{}", path.display(), new.uid, new.gid);
    Some(0)
}

/// Whether the file at `path` is on a read-only mount or filesystem (what
/// makes mnt_want_write fail with EROFS).
fn read_only(path: &Path) -> bool {
    let Ok(c) = super::cpath(path) else { return false };
    // SAFETY: statvfs into a zeroed local struct, with a NUL-terminated path.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    unsafe { libc::statvfs(c.as_ptr(), &mut st) == 0 && st.f_flag & libc::ST_RDONLY != 0 }
}

fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}
