//! File ownership that the namespace cannot store: chown to ids it does not
//! map is applied to the model's view and recorded here (`--ownership
//! session`: in memory, keyed by device and inode, gone at exit). The exec
//! transition reads owners through it.

use crate::execfile;
use crate::mem::TraceeMem;
use crate::ptrace::Tid;
use credshim_shims::chown::{chown_common, Owner};
use credshim_shims::id::{raw_id, IdWidth};
use credshim_shims::table::Shim;
use credshim_shims::Creds;
use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

pub struct Owners {
    map: HashMap<(u64, u64), (u32, u32)>,
    /// `--ownership session`; with `off` every chown runs natively.
    enabled: bool,
}

impl Owners {
    pub fn new(enabled: bool) -> Owners {
        Owners { map: HashMap::new(), enabled }
    }

    /// The recorded owner of the inode, if any.
    pub fn get(&self, dev: u64, ino: u64) -> Option<(u32, u32)> {
        self.map.get(&(dev, ino)).copied()
    }
}

/// A path argument as the task would resolve it: absolute paths under its
/// root, relative ones under its cwd or `dirfd`; an empty path with
/// AT_EMPTY_PATH is `dirfd` itself.
pub fn task_path(tid: Tid, dirfd: i32, path: &[u8], flags: i32) -> PathBuf {
    let path = String::from_utf8_lossy(path);
    if path.is_empty() && flags & libc::AT_EMPTY_PATH != 0 {
        format!("/proc/{tid}/fd/{dirfd}").into()
    } else if let Some(rel) = path.strip_prefix('/') {
        PathBuf::from(format!("/proc/{tid}/root")).join(rel.trim_start_matches('/'))
    } else if dirfd == libc::AT_FDCWD {
        PathBuf::from(format!("/proc/{tid}/cwd")).join(&*path)
    } else {
        PathBuf::from(format!("/proc/{tid}/fd/{dirfd}")).join(&*path)
    }
}

fn id_mapped(map_file: &str, id: u32) -> bool {
    std::fs::read_to_string(map_file).is_ok_and(|m| {
        m.lines().any(|l| {
            let f: Vec<u64> = l.split_whitespace().filter_map(|x| x.parse().ok()).collect();
            f.len() == 3 && (f[0]..f[0] + f[2]).contains(&(id as u64))
        })
    })
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
    if !owners.enabled {
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
    let key = (md.dev(), md.ino());
    let real = (execfile::unmapped_as_none(md.uid(), true), execfile::unmapped_as_none(md.gid(), false));
    let (uid, gid) = owners.get(key.0, key.1).unwrap_or(real);
    let old = Owner { uid, gid, mode: md.mode() };
    let new = match chown_common(creds, &old, user, group) {
        Ok(n) => n,
        Err(e) => return Some(e.ret()),
    };
    if id_mapped("/proc/self/uid_map", new.uid) && id_mapped("/proc/self/gid_map", new.gid) {
        // The namespace can store it: the kernel does the change.
        owners.map.remove(&key);
        return None;
    }
    if (new.uid, new.gid) == real {
        owners.map.remove(&key);
    } else {
        owners.map.insert(key, (new.uid, new.gid));
    }
    if new.mode != old.mode && !md.file_type().is_symlink() {
        // chown cleared set-id bits: clear them on the file too.
        let _ = set_mode(&path, new.mode & 0o7777);
    }
    log::debug!("[pid {tid}] ownership of {} recorded as {}:{}", path.display(), new.uid, new.gid);
    Some(0)
}

fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

/// A stat-family call: when the file has a recorded owner, credshim does the
/// stat itself on the file the task names and writes the kernel's struct
/// with that owner; otherwise (and while nothing is recorded) the kernel
/// runs it.
pub fn stat_call(tid: Tid, shim: Shim, args: &[u64; 6], mem: &mut TraceeMem, owners: &Owners) -> Option<i64> {
    if !owners.enabled || owners.map.is_empty() {
        return None;
    }
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
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    let nofollow = flags & libc::AT_SYMLINK_NOFOLLOW;
    if shim == Shim::Statx {
        // SAFETY: statx writes into a zeroed local struct.
        let mut stx: libc::statx = unsafe { std::mem::zeroed() };
        let sync = flags & libc::AT_STATX_SYNC_TYPE;
        let r = unsafe { libc::statx(libc::AT_FDCWD, c.as_ptr(), nofollow | sync, args[3] as u32, &mut stx) };
        if r != 0 {
            return None;
        }
        let (uid, gid) = owners.get(makedev(stx.stx_dev_major, stx.stx_dev_minor), stx.stx_ino)?;
        stx.stx_uid = uid;
        stx.stx_gid = gid;
        // SAFETY: viewing a plain C struct as bytes.
        let bytes = unsafe { std::slice::from_raw_parts(&stx as *const _ as *const u8, std::mem::size_of::<libc::statx>()) };
        return Some(credshim_shims::UserMem::write(mem, buf, bytes).map(|()| 0).unwrap_or_else(|e| e.ret()));
    }
    // SAFETY: fstatat writes into a zeroed local struct.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstatat(libc::AT_FDCWD, c.as_ptr(), &mut st, nofollow) } != 0 {
        return None;
    }
    let (uid, gid) = owners.get(st.st_dev, st.st_ino)?;
    st.st_uid = uid;
    st.st_gid = gid;
    // SAFETY: viewing a plain C struct (x86_64's struct stat) as bytes.
    let bytes = unsafe { std::slice::from_raw_parts(&st as *const _ as *const u8, std::mem::size_of::<libc::stat>()) };
    Some(credshim_shims::UserMem::write(mem, buf, bytes).map(|()| 0).unwrap_or_else(|e| e.ret()))
}

/// The st_dev number of a statx device (glibc's makedev).
fn makedev(major: u32, minor: u32) -> u64 {
    let (ma, mi) = (major as u64, minor as u64);
    ((ma & 0xffff_f000) << 32) | ((ma & 0xfff) << 8) | ((mi & 0xffff_ff00) << 12) | (mi & 0xff)
}
