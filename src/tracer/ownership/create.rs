//! Inode creation: open/openat/openat2 with O_CREAT, creat, mkdir, mknod,
//! symlink and their *at forms. The kernel creates the inode (umask,
//! default ACLs, O_EXCL and every error stay its own); credshim notes the
//! name and the owner inode_init_owner gives it from the task's virtual
//! fsuid/fsgid, and applies that owner once the call is over (the task's
//! next call, its exit, the next ownership query that finds the name, or a
//! rename or link, which stop for this).

use super::{task_path, Inode, Owners, Pending};
use crate::mem::TraceeMem;
use crate::ptrace::Tid;
use credshim_shims::inode::{inode_init_owner, mode_strip_sgid, Dir};
use credshim_shims::table::Shim;
use credshim_shims::{Creds, Kgid, Kuid, UserMem};
use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::Path;

const O_TMPFILE_BIT: u64 = 0o20000000;

/// What a creating call asks for: where, and the mode of the new inode.
struct Request {
    dirfd: i32,
    path: u64,
    mode: u32,
}

fn request(shim: Shim, args: &[u64; 6], mem: &mut TraceeMem) -> Option<Request> {
    let reg = |m: u64| libc::S_IFREG | (m as u32 & 0o7777);
    let open = |flags: u64| flags & libc::O_CREAT as u64 != 0 && flags & O_TMPFILE_BIT == 0;
    let at = libc::AT_FDCWD;
    Some(match shim {
        Shim::Open if open(args[1]) => Request { dirfd: at, path: args[0], mode: reg(args[2]) },
        Shim::Openat if open(args[2]) => Request { dirfd: args[0] as i32, path: args[1], mode: reg(args[3]) },
        Shim::Openat2 => {
            // struct open_how { u64 flags; u64 mode; u64 resolve; }
            let mut how = [0u8; 16];
            mem.read(args[2], &mut how).ok()?;
            let flags = u64::from_le_bytes(how[..8].try_into().ok()?);
            let mode = u64::from_le_bytes(how[8..].try_into().ok()?);
            if !open(flags) {
                return None;
            }
            Request { dirfd: args[0] as i32, path: args[1], mode: reg(mode) }
        }
        Shim::Creat => Request { dirfd: at, path: args[0], mode: reg(args[1]) },
        Shim::Mkdir => Request { dirfd: at, path: args[0], mode: libc::S_IFDIR | (args[1] as u32 & 0o7777) },
        Shim::Mkdirat => Request { dirfd: args[0] as i32, path: args[1], mode: libc::S_IFDIR | (args[2] as u32 & 0o7777) },
        Shim::Mknod => Request { dirfd: at, path: args[0], mode: node_mode(args[1]) },
        Shim::Mknodat => Request { dirfd: args[0] as i32, path: args[1], mode: node_mode(args[2]) },
        Shim::Symlink => Request { dirfd: at, path: args[1], mode: libc::S_IFLNK | 0o777 },
        Shim::Symlinkat => Request { dirfd: args[1] as i32, path: args[2], mode: libc::S_IFLNK | 0o777 },
        _ => return None,
    })
}

/// mknod with no file type makes a regular file.
fn node_mode(m: u64) -> u32 {
    let m = m as u32;
    if m & libc::S_IFMT == 0 {
        libc::S_IFREG | (m & 0o7777)
    } else {
        m
    }
}

/// The directory part and the last name of a path, as path lookup splits
/// it (trailing slashes dropped). None for a name that cannot be created.
fn split(path: &[u8]) -> Option<(&[u8], &[u8])> {
    let mut end = path.len();
    while end > 1 && path[end - 1] == b'/' {
        end -= 1;
    }
    let p = &path[..end];
    let (dir, name): (&[u8], &[u8]) = match p.iter().rposition(|&c| c == b'/') {
        Some(0) => (b"/", &p[1..]),
        Some(i) => (&p[..i], &p[i + 1..]),
        None => (b".", p),
    };
    (!name.is_empty() && name != b"." && name != b"..").then_some((dir, name))
}

/// A creating call: the kernel always runs it; what it creates is noted
/// (the returned Pending) once the call went on to the kernel.
pub fn create_call(tid: Tid, shim: Shim, args: &[u64; 6], creds: &Creds, mem: &mut TraceeMem, owners: &mut Owners) -> Option<Pending> {
    if !owners.enabled() {
        return None;
    }
    if matches!(shim, Shim::Rename | Shim::Renameat | Shim::Renameat2 | Shim::Link | Shim::Linkat) {
        // Before the name changes: what was created under it gets its owner.
        owners.settle_all();
        return None;
    }
    let same_ids = creds.fsuid == Kuid(owners.real.0) && creds.fsgid == Kgid(owners.real.1);
    if same_ids && !owners.any() {
        return None; // nothing recorded: the kernel's owner is the virtual one
    }
    let req = request(shim, args, mem)?;
    let path = mem.read_cstr(req.path, 4096).ok()?;
    let (dir, name) = split(&path)?;
    let dir_path = task_path(tid, req.dirfd, dir, 0);
    let dirfd = open_dir(&dir_path)?;
    let name = CString::new(name).ok()?;
    // SAFETY: fstatat/fstat into zeroed local structs.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstatat(dirfd.as_raw_fd(), name.as_ptr(), &mut st, libc::AT_SYMLINK_NOFOLLOW) } == 0 {
        return None; // it exists: nothing is created
    }
    if unsafe { libc::fstat(dirfd.as_raw_fd(), &mut st) } != 0 {
        return None;
    }
    let parent = Inode::from(&st);
    let self_path = format!("/proc/self/fd/{}", dirfd.as_raw_fd());
    let virt_gid = owners.get(Path::new(&self_path), &parent, true).map_or(parent.gid, |o| o.1);
    let virt_dir = Dir { gid: virt_gid, mode: parent.mode };
    let virt = inode_init_owner(creds, &virt_dir, req.mode);
    let real = if parent.mode & libc::S_ISGID != 0 { (owners.real.0, parent.gid) } else { owners.real };
    let strip_sgid = mode_strip_sgid(creds, &virt_dir, req.mode) != req.mode;
    // An owner kept in memory outlives its inode (an unlink or a rename
    // over it is not traced): the new inode may have the freed one's
    // number, so when the memory holds any owner, the new inode's entry is
    // set (to the real owner here: the stale one is dropped).
    if (virt.uid, virt.gid) == real && !strip_sgid && !owners.in_memory() {
        return None;
    }
    Some(Pending { tid, dir: dirfd, name, owner: (virt.uid, virt.gid), strip_sgid })
}

fn open_dir(path: &Path) -> Option<OwnedFd> {
    let c = super::cpath(path).ok()?;
    // SAFETY: open returns a new fd we own, or -1.
    let fd = unsafe { libc::open(c.as_ptr(), libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC) };
    (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd) })
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn split_like_path_lookup() {
        assert_eq!(split(b"a"), Some((&b"."[..], &b"a"[..])));
        assert_eq!(split(b"/a"), Some((&b"/"[..], &b"a"[..])));
        assert_eq!(split(b"x/y/z//"), Some((&b"x/y"[..], &b"z"[..])));
        assert_eq!(split(b"/"), None);
        assert_eq!(split(b"x/.."), None);
        assert_eq!(split(b""), None);
    }
}
