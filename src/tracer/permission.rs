//! `--permissions emulate`: the kernel's file permission checks against the
//! caller's virtual credentials (shims/src/namei.rs). The real task is the
//! namespace's root and passes them all; here the path is walked as
//! fs/namei.c link_path_walk walks it (may_lookup on every directory, the
//! symlinks followed where the kernel follows them, `..` kept inside the
//! task's root), with the owners the ownership store knows, and the check
//! of the call is made where the kernel makes it. An errno is the caller's
//! answer; anything credshim cannot tell (a name that is not there, a
//! descriptor it cannot read, /proc's magic links) lets the kernel run the
//! call, which then gives its own answer (ENOENT, ENOTDIR, EBADF, ...).
//!
//! POSIX access ACLs (`system.posix_acl_access`) are honoured; LSMs,
//! immutable and append-only files and fchmodat2 are not modelled.

use super::ownership::{Inode as RealInode, Owners};
use crate::sys::mem::TraceeMem;
use crate::sys::ptrace::Tid;
use credshim_shims::namei::{self, Inode, Protected, Times};
use credshim_shims::table::{timespec_size, Abi, Row, Shim};
use credshim_shims::{Creds, Errno, UserMem};
use std::collections::VecDeque;
use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::OnceLock;

/// At most this many symlinks in one walk (include/linux/namei.h MAXSYMLINKS).
const MAXSYMLINKS: usize = 40;
const PATH_MAX: usize = 4096;
const AT_EACCESS: u64 = 0x200;
const AT_REMOVEDIR: u64 = 0x200;
const AT_SYMLINK_FOLLOW: u64 = 0x400;
const UTIME_NOW: i64 = (1 << 30) - 1;
const UTIME_OMIT: i64 = (1 << 30) - 2;
const PROC_SUPER_MAGIC: i64 = 0x9fa0;

/// The fs.protected_* sysctls, read once (they are the host's, not the
/// namespace's).
fn protected() -> (Protected, u32) {
    static P: OnceLock<(Protected, u32)> = OnceLock::new();
    *P.get_or_init(|| {
        let read = |n: &str| std::fs::read_to_string(format!("/proc/sys/fs/protected_{n}")).ok().and_then(|v| v.trim().parse().ok()).unwrap_or(0);
        (Protected { symlinks: read("symlinks"), regular: read("regular"), fifos: read("fifos") }, read("hardlinks"))
    })
}

/// A directory reached by the walk.
struct Dir {
    fd: OwnedFd,
    node: Inode,
    id: (u64, u64),
}

/// What a walk found.
enum Found {
    /// The last component: its directory, its name and its inode (after
    /// the symlinks the call follows). `dot`: the path ended in `.`, `..`
    /// or `/` (no name in a parent: the kernel's LAST_DOT and friends).
    Yes { parent: Dir, node: Inode, id: (u64, u64), dot: bool },
    /// The last component is not there (its directory could be searched).
    Missing { parent: Dir, trailing_slash: bool },
}

/// None: the kernel decides (credshim cannot tell, or the kernel fails the
/// walk for a reason that is not a permission).
type Walked = Result<Option<Found>, Errno>;

fn open_path(dirfd: RawFd, name: &CString, flags: i32) -> Option<OwnedFd> {
    // SAFETY: openat returns a new fd we own, or -1.
    let fd = unsafe { libc::openat(dirfd, name.as_ptr(), libc::O_PATH | libc::O_CLOEXEC | flags) };
    (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd) })
}

fn fstatat(dirfd: RawFd, name: &CString, flags: i32) -> Result<libc::stat, i32> {
    // SAFETY: fstatat into a zeroed local struct.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstatat(dirfd, name.as_ptr(), &mut st, flags) } == 0 {
        Ok(st)
    } else {
        Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO))
    }
}

fn on_procfs(fd: RawFd) -> bool {
    // SAFETY: fstatfs into a zeroed local struct.
    let mut st: libc::statfs = unsafe { std::mem::zeroed() };
    unsafe { libc::fstatfs(fd, &mut st) == 0 && st.f_type == PROC_SUPER_MAGIC }
}

fn readlinkat(dirfd: RawFd, name: &CString) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; PATH_MAX];
    // SAFETY: readlinkat into our buffer of its length.
    let n = unsafe { libc::readlinkat(dirfd, name.as_ptr(), buf.as_mut_ptr() as *mut libc::c_char, buf.len()) };
    (n > 0).then(|| {
        buf.truncate(n as usize);
        buf
    })
}

/// The access ACL of the inode `st` describes, found at `path`. Kept by
/// inode and change time (setting an ACL, or a chmod, changes it), so that
/// the directories every walk passes are read once.
fn acl_of(path: &std::path::Path, follow: bool, st: &libc::stat) -> Option<Vec<namei::AclEntry>> {
    type Key = (u64, u64, i64, i64);
    static SEEN: std::sync::Mutex<Option<std::collections::HashMap<Key, Option<Vec<namei::AclEntry>>>>> = std::sync::Mutex::new(None);
    /// Forgotten all at once beyond this many inodes.
    const KEEP: usize = 4096;
    let key = (st.st_dev, st.st_ino, st.st_ctime, st.st_ctime_nsec);
    let mut seen = SEEN.lock().ok()?;
    let map = seen.get_or_insert_with(Default::default);
    if let Some(a) = map.get(&key) {
        return a.clone();
    }
    let acl = crate::sys::execfile::xattr_get(path, "system.posix_acl_access", follow).and_then(|v| namei::acl_from_xattr(&v));
    if map.len() >= KEEP {
        map.clear();
    }
    map.insert(key, acl.clone());
    acl
}

fn components(path: &[u8]) -> VecDeque<Vec<u8>> {
    path.split(|&b| b == b'/').filter(|c| !c.is_empty()).map(<[u8]>::to_vec).collect()
}

/// One call's view: who asks, with which credentials, and the owners
/// credshim knows.
pub struct Checker<'a> {
    pub tid: Tid,
    pub creds: &'a Creds,
    pub owners: &'a Owners,
}

impl Checker<'_> {
    /// The inode `name` in `dirfd` names (not followed), as the task sees it.
    fn node(&self, dirfd: RawFd, name: &str, st: &libc::stat) -> Inode {
        let real = RealInode::from(st);
        let path = std::path::PathBuf::from(format!("/proc/self/fd/{dirfd}/{name}"));
        let (uid, gid) = if self.owners.any() { self.owners.get(&path, &real, false).unwrap_or((real.uid, real.gid)) } else { (real.uid, real.gid) };
        let mut n = Inode::new(st.st_mode, uid, gid);
        if n.acl_matters(self.creds) && !n.is_lnk() {
            n.acl = acl_of(&path, false, st);
        }
        n
    }

    fn dir(&self, fd: OwnedFd) -> Option<Dir> {
        let dot = CString::new(".").ok()?;
        let st = fstatat(fd.as_raw_fd(), &dot, 0).ok()?;
        if st.st_mode & libc::S_IFMT != libc::S_IFDIR {
            return None;
        }
        let node = self.node(fd.as_raw_fd(), ".", &st);
        Some(Dir { id: (st.st_dev, st.st_ino), fd, node })
    }

    fn proc_dir(&self, what: &str) -> Option<Dir> {
        let p = CString::new(format!("/proc/{}/{what}", self.tid)).ok()?;
        self.dir(open_path(libc::AT_FDCWD, &p, libc::O_DIRECTORY)?)
    }

    /// The inode a descriptor of the task stands for (fchmod, fchdir,
    /// utimensat with a NULL path, AT_EMPTY_PATH).
    fn fd_node(&self, fd: i32) -> Option<Inode> {
        let p = CString::new(format!("/proc/{}/fd/{fd}", self.tid)).ok()?;
        let f = open_path(libc::AT_FDCWD, &p, 0)?;
        let dot = CString::new("").ok()?;
        let st = fstatat(f.as_raw_fd(), &dot, libc::AT_EMPTY_PATH).ok()?;
        let real = RealInode::from(&st);
        let path = std::path::PathBuf::from(format!("/proc/self/fd/{}", f.as_raw_fd()));
        let (uid, gid) = if self.owners.any() { self.owners.get(&path, &real, true).unwrap_or((real.uid, real.gid)) } else { (real.uid, real.gid) };
        let mut n = Inode::new(st.st_mode, uid, gid);
        if n.acl_matters(self.creds) {
            n.acl = acl_of(&path, true, &st);
        }
        Some(n)
    }

    /// fs/namei.c path_init + link_path_walk + the last component's
    /// lookup: `path` from `dirfd` (AT_FDCWD: the cwd), following a last
    /// symlink if `follow`.
    fn walk(&self, c: &Creds, dirfd: i32, path: &[u8], follow: bool) -> Walked {
        // The task's root, looked at only when the walk needs it (an
        // absolute path or symlink, `..`).
        let mut root_id: Option<(u64, u64)> = None;
        let mut root_id = || -> Option<(u64, u64)> {
            if root_id.is_none() {
                root_id = self.proc_dir("root").map(|d| d.id);
            }
            root_id
        };
        let start = if path.first() == Some(&b'/') {
            self.proc_dir("root")
        } else if dirfd == libc::AT_FDCWD {
            self.proc_dir("cwd")
        } else {
            self.proc_dir(&format!("fd/{dirfd}"))
        };
        let Some(mut cur) = start else { return Ok(None) };
        let trailing = path.len() > 1 && path.ends_with(b"/");
        let mut comps = components(path);
        if comps.is_empty() {
            // "/" (or "///"): nothing is looked up.
            let (node, id) = (cur.node.clone(), cur.id);
            return Ok(Some(Found::Yes { parent: cur, node, id, dot: true }));
        }
        let mut links = 0;
        let (prot, _) = protected();
        while let Some(comp) = comps.pop_front() {
            let last = comps.is_empty();
            namei::may_lookup(c, &cur.node)?;
            let Ok(name) = CString::new(comp.clone()) else { return Ok(None) };
            if comp == b"." || comp == b".." {
                if comp == b".." && Some(cur.id) != root_id() {
                    let Some(up) = open_path(cur.fd.as_raw_fd(), &name, libc::O_DIRECTORY).and_then(|f| self.dir(f)) else { return Ok(None) };
                    cur = up;
                }
                if last {
                    let (node, id) = (cur.node.clone(), cur.id);
                    return Ok(Some(Found::Yes { parent: cur, node, id, dot: true }));
                }
                continue;
            }
            let st = match fstatat(cur.fd.as_raw_fd(), &name, libc::AT_SYMLINK_NOFOLLOW) {
                Ok(st) => st,
                Err(libc::ENOENT) if last => return Ok(Some(Found::Missing { parent: cur, trailing_slash: trailing })),
                Err(_) => return Ok(None),
            };
            let node = self.node(cur.fd.as_raw_fd(), &String::from_utf8_lossy(&comp), &st);
            if node.is_lnk() && (!last || follow || trailing) {
                // fs/namei.c pick_link: may_follow_link, then the body.
                namei::may_follow_link(c, prot, &cur.node, &node)?;
                links += 1;
                if links > MAXSYMLINKS || on_procfs(cur.fd.as_raw_fd()) {
                    return Ok(None);
                }
                let Some(body) = readlinkat(cur.fd.as_raw_fd(), &name) else { return Ok(None) };
                if body.first() == Some(&b'/') {
                    let Some(r) = self.proc_dir("root") else { return Ok(None) };
                    cur = r;
                }
                let mut body = components(&body);
                if body.is_empty() {
                    // A link to "/": its target is the root itself.
                    body.push_back(b".".to_vec());
                }
                while let Some(b) = body.pop_back() {
                    comps.push_front(b);
                }
                continue;
            }
            if last && trailing && !node.is_dir() {
                return Ok(None); // `name/` of a non-directory: ENOTDIR, the kernel's
            }
            if last {
                return Ok(Some(Found::Yes { parent: cur, node, id: (st.st_dev, st.st_ino), dot: false }));
            }
            if !node.is_dir() {
                return Ok(None); // ENOTDIR, the kernel's
            }
            let Some(fd) = open_path(cur.fd.as_raw_fd(), &name, libc::O_DIRECTORY | libc::O_NOFOLLOW) else { return Ok(None) };
            cur = Dir { fd, node, id: (st.st_dev, st.st_ino) };
        }
        Ok(None)
    }

    /// The walk to an existing inode; None when it is not there.
    fn walk_to(&self, c: &Creds, dirfd: i32, path: &[u8], follow: bool) -> Result<Option<(Dir, Inode)>, Errno> {
        Ok(match self.walk(c, dirfd, path, follow)? {
            Some(Found::Yes { parent, node, .. }) => Some((parent, node)),
            _ => None,
        })
    }

    /// A path argument, or an inode for an empty path with AT_EMPTY_PATH.
    fn target(&self, c: &Creds, mem: &mut TraceeMem, dirfd: i32, pathp: u64, empty_ok: bool, follow: bool) -> Result<Option<Inode>, Errno> {
        let Ok(path) = mem.read_cstr(pathp, PATH_MAX) else { return Ok(None) };
        if path.is_empty() {
            return Ok(if empty_ok { self.fd_or_cwd(dirfd) } else { None });
        }
        Ok(self.walk_to(c, dirfd, &path, follow)?.map(|(_, n)| n))
    }

    fn fd_or_cwd(&self, dirfd: i32) -> Option<Inode> {
        if dirfd == libc::AT_FDCWD {
            self.proc_dir("cwd").map(|d| d.node)
        } else {
            self.fd_node(dirfd)
        }
    }

    /// fs/namei.c path_openat's checks: the walk, then may_o_create for a
    /// new name, or may_create_in_sticky and may_open for an existing one.
    fn open(&self, mem: &mut TraceeMem, dirfd: i32, pathp: u64, flags: u32) -> Result<(), Errno> {
        let c = self.creds;
        let Ok(path) = mem.read_cstr(pathp, PATH_MAX) else { return Ok(()) };
        if path.is_empty() {
            return Ok(());
        }
        let tmpfile = flags & namei::O_TMPFILE == namei::O_TMPFILE;
        let creat = flags & namei::O_CREAT != 0 && !tmpfile;
        let follow = flags & namei::O_NOFOLLOW == 0 && !(creat && flags & namei::O_EXCL != 0);
        match self.walk(c, dirfd, &path, follow)? {
            None => Ok(()),
            Some(Found::Missing { parent, trailing_slash }) => {
                if creat && !trailing_slash {
                    namei::may_create(c, &parent.node)
                } else {
                    Ok(())
                }
            }
            Some(Found::Yes { parent, node, dot, .. }) => {
                if creat {
                    if flags & namei::O_EXCL != 0 || node.is_dir() {
                        return Ok(()); // EEXIST, EISDIR: the kernel's
                    }
                    if !dot {
                        namei::may_create_in_sticky(c, protected().0, &parent.node, &node)?;
                    }
                }
                if tmpfile {
                    // fs/namei.c vfs_tmpfile.
                    return if node.is_dir() { namei::inode_permission(c, &node, namei::MAY_WRITE | namei::MAY_EXEC) } else { Ok(()) };
                }
                if flags & namei::O_DIRECTORY != 0 && !node.is_dir() {
                    return Ok(());
                }
                namei::may_open(c, &node, namei::open_acc_mode(flags), flags)
            }
        }
    }

    /// filename_create then may_create: a free name in a searchable
    /// directory the task may write.
    fn create(&self, mem: &mut TraceeMem, dirfd: i32, pathp: u64) -> Result<(), Errno> {
        let Ok(path) = mem.read_cstr(pathp, PATH_MAX) else { return Ok(()) };
        match self.walk(self.creds, dirfd, &path, false)? {
            Some(Found::Missing { parent, .. }) => namei::may_create(self.creds, &parent.node),
            _ => Ok(()), // EEXIST and the rest: the kernel's
        }
    }

    /// do_unlinkat / do_rmdir: the parent's walk, then may_delete.
    fn delete(&self, mem: &mut TraceeMem, dirfd: i32, pathp: u64, isdir: bool) -> Result<(), Errno> {
        let Ok(path) = mem.read_cstr(pathp, PATH_MAX) else { return Ok(()) };
        match self.walk(self.creds, dirfd, &path, false)? {
            Some(Found::Yes { parent, node, dot: false, .. }) if !path.ends_with(b"/") || node.is_dir() => {
                namei::may_delete(self.creds, &parent.node, &node, isdir)
            }
            _ => Ok(()),
        }
    }

    /// do_linkat: the old path's walk, the new name's (EEXIST first),
    /// may_linkat (fs.protected_hardlinks), then may_create.
    fn link(&self, mem: &mut TraceeMem, olddir: i32, oldp: u64, newdir: i32, newp: u64, follow: bool) -> Result<(), Errno> {
        let c = self.creds;
        let Ok(old) = mem.read_cstr(oldp, PATH_MAX) else { return Ok(()) };
        let Some((_, src)) = self.walk_to(c, olddir, &old, follow)? else { return Ok(()) };
        let Ok(new) = mem.read_cstr(newp, PATH_MAX) else { return Ok(()) };
        let Some(Found::Missing { parent, .. }) = self.walk(c, newdir, &new, false)? else { return Ok(()) };
        if protected().1 != 0 && !namei::inode_owner_or_capable(c, &src) {
            // fs/namei.c safe_hardlink_source
            let m = src.mode;
            let unsafe_src = !src.is_reg()
                || m & libc::S_ISUID != 0
                || m & (libc::S_ISGID | libc::S_IXGRP) == (libc::S_ISGID | libc::S_IXGRP)
                || namei::inode_permission(c, &src, namei::MAY_READ | namei::MAY_WRITE).is_err();
            if unsafe_src && !c.capable(credshim_shims::capset::CAP_FOWNER) {
                return Err(Errno::EPERM);
            }
        }
        namei::may_create(c, &parent.node)
    }

    /// do_renameat2 then vfs_rename: both walks, may_delete of the old
    /// name, may_create or may_delete of the new one, and write permission
    /// on a directory that moves to another parent.
    fn rename(&self, mem: &mut TraceeMem, olddir: i32, oldp: u64, newdir: i32, newp: u64, flags: u64) -> Result<(), Errno> {
        let c = self.creds;
        let Ok(old) = mem.read_cstr(oldp, PATH_MAX) else { return Ok(()) };
        let Ok(new) = mem.read_cstr(newp, PATH_MAX) else { return Ok(()) };
        // filename_parentat of the old name, then of the new one: a walk
        // the kernel fails (ENOENT, ENOTDIR) ends it before the new walk.
        let Some(o) = self.walk(c, olddir, &old, false)? else { return Ok(()) };
        let Some(n) = self.walk(c, newdir, &new, false)? else { return Ok(()) };
        let (o, n) = (Some(o), Some(n));
        let Some(Found::Yes { parent: op, node: on, id: oid, dot: false }) = o else { return Ok(()) };
        let isdir = on.is_dir();
        if flags & 2 /* RENAME_EXCHANGE */ != 0 {
            return Ok(());
        }
        // do_renameat2 before vfs_rename: the source an ancestor of the
        // target's directory (EINVAL), the target one of the source
        // (ENOTEMPTY); vfs_rename: the same inode twice (0). The kernel's.
        match &n {
            Some(Found::Yes { id, .. }) if *id == oid || self.below(&op, *id) => return Ok(()),
            Some(Found::Yes { parent, .. } | Found::Missing { parent, .. }) if isdir && (parent.id == oid || self.below(parent, oid)) => return Ok(()),
            _ => {}
        }
        namei::may_delete(c, &op.node, &on, isdir)?;
        let np = match n {
            Some(Found::Missing { parent, .. }) => {
                namei::may_create(c, &parent.node)?;
                parent
            }
            Some(Found::Yes { parent, node, dot: false, .. }) if flags & 1 /* RENAME_NOREPLACE */ == 0 => {
                namei::may_delete(c, &parent.node, &node, isdir).or_else(|e| if e == Errno(20) || e == Errno(21) { Ok(()) } else { Err(e) })?;
                parent
            }
            _ => return Ok(()),
        };
        if isdir && np.id != op.id {
            namei::inode_permission(c, &on, namei::MAY_WRITE)?;
        }
        Ok(())
    }

    /// Whether the directory `id` is `dir` or one of its ancestors (at most
    /// 256 levels, up to the filesystem tree's top).
    fn below(&self, dir: &Dir, id: (u64, u64)) -> bool {
        let Ok(up) = CString::new("..") else { return false };
        let mut fd = match dir.fd.try_clone() {
            Ok(f) => f,
            Err(_) => return false,
        };
        let mut here = dir.id;
        for _ in 0..256 {
            if here == id {
                return true;
            }
            let Some(parent) = open_path(fd.as_raw_fd(), &up, libc::O_DIRECTORY) else { return false };
            let Ok(st) = fstatat(parent.as_raw_fd(), &CString::default(), libc::AT_EMPTY_PATH) else { return false };
            if (st.st_dev, st.st_ino) == here {
                return false; // the top: `..` is itself
            }
            here = (st.st_dev, st.st_ino);
            fd = parent;
        }
        false
    }

    /// The times a utimes-family call sets; None: the kernel answers
    /// (EFAULT, EINVAL, or both UTIME_OMIT: nothing to check).
    fn times(mem: &mut TraceeMem, abi: Abi, row: &Row, p: u64) -> Option<Times> {
        if p == 0 {
            return Some(Times::Now);
        }
        if row.shim != Shim::Utimensat {
            return Some(Times::Given); // utime, utimes, futimesat
        }
        let size = timespec_size(abi, row);
        let mut b = [0u8; 32];
        mem.read(p, &mut b[..2 * size]).ok()?;
        let nsec = |i: usize| -> i64 {
            if size == 8 {
                i32::from_le_bytes(b[i * 8 + 4..i * 8 + 8].try_into().unwrap_or_default()) as i64
            } else {
                i64::from_le_bytes(b[i * 16 + 8..i * 16 + 16].try_into().unwrap_or_default())
            }
        };
        let (a, m) = (nsec(0), nsec(1));
        let valid = |n: i64| n == UTIME_NOW || n == UTIME_OMIT || (0..=999_999_999).contains(&n);
        if !valid(a) || !valid(m) || (a == UTIME_OMIT && m == UTIME_OMIT) {
            return None;
        }
        Some(if a == UTIME_NOW && m == UTIME_NOW { Times::Now } else { Times::Given })
    }
}

use credshim_shims::table::Class;

/// The classes the seccomp filter stops with `--permissions emulate`
/// (besides every open).
pub const CLASSES: &[Class] = &[Class::Create, Class::Stat, Class::Permission];

/// Whether `shim` has a path (or descriptor) permission check.
pub fn checks(shim: Shim) -> bool {
    shim.class() == Class::Permission
        || matches!(shim.class(), Class::Create | Class::Stat)
        || matches!(shim, Shim::Execve | Shim::Execveat)
}

/// Whether `shim`'s call by a task with `creds` can fail a check: not for
/// fsuid 0 with the DAC capabilities (decided without a look at the
/// file), except access() and faccessat(), which check the real ids.
pub fn needed(shim: Shim, creds: &Creds) -> bool {
    checks(shim) && (!namei::all_pass(creds) || matches!(shim, Shim::Access | Shim::Faccessat | Shim::Faccessat2))
}

/// The errno the task gets for `row`'s call, or None: the kernel runs it.
pub fn check(tid: Tid, abi: Abi, row: &Row, args: &[u64; 6], creds: &Creds, mem: &mut TraceeMem, owners: &Owners) -> Option<Errno> {
    if !needed(row.shim, creds) {
        return None;
    }
    let a = match abi {
        Abi::X86_64 => *args,
        Abi::I386 => args.map(|x| x as u32 as u64),
    };
    let at = libc::AT_FDCWD;
    let fd = |i: usize| a[i] as i32;
    let k = Checker { tid, creds, owners };
    let c = creds;
    let on = |r: Result<Option<Inode>, Errno>, f: &dyn Fn(&Inode) -> Result<(), Errno>| -> Result<(), Errno> {
        match r? {
            Some(n) => f(&n),
            None => Ok(()),
        }
    };
    let r: Result<(), Errno> = match row.shim {
        Shim::Open => k.open(mem, at, a[0], a[1] as u32),
        Shim::Openat => k.open(mem, fd(0), a[1], a[2] as u32),
        Shim::Creat => k.open(mem, at, a[0], namei::O_CREAT | namei::O_TRUNC | 1),
        Shim::Openat2 => {
            let mut how = [0u8; 8];
            match mem.read(a[2], &mut how) {
                Ok(()) => k.open(mem, fd(0), a[1], u64::from_le_bytes(how) as u32),
                Err(_) => Ok(()),
            }
        }
        Shim::Mkdir | Shim::Mknod => k.create(mem, at, a[0]),
        Shim::Mkdirat | Shim::Mknodat => k.create(mem, fd(0), a[1]),
        Shim::Symlink => k.create(mem, at, a[1]),
        Shim::Symlinkat => k.create(mem, fd(1), a[2]),
        Shim::Link => k.link(mem, at, a[0], at, a[1], false),
        Shim::Linkat => k.link(mem, fd(0), a[1], fd(2), a[3], a[4] & AT_SYMLINK_FOLLOW != 0),
        Shim::Rename => k.rename(mem, at, a[0], at, a[1], 0),
        Shim::Renameat => k.rename(mem, fd(0), a[1], fd(2), a[3], 0),
        Shim::Renameat2 => k.rename(mem, fd(0), a[1], fd(2), a[3], a[4]),
        Shim::Unlink => k.delete(mem, at, a[0], false),
        Shim::Rmdir => k.delete(mem, at, a[0], true),
        Shim::Unlinkat if a[2] & !AT_REMOVEDIR != 0 => Ok(()), // EINVAL
        Shim::Unlinkat => k.delete(mem, fd(0), a[1], a[2] & AT_REMOVEDIR != 0),
        // fs/open.c do_faccessat: the mode and flags first, then the
        // override credentials for the walk and the check.
        Shim::Access | Shim::Faccessat | Shim::Faccessat2 => {
            let (dirfd, p, mode, flags) = match row.shim {
                Shim::Access => (at, a[0], a[1], 0),
                Shim::Faccessat => (fd(0), a[1], a[2], 0),
                _ => (fd(0), a[1], a[2], a[3]),
            };
            if mode & !7 != 0 || flags & !(AT_EACCESS | libc::AT_SYMLINK_NOFOLLOW as u64 | libc::AT_EMPTY_PATH as u64) != 0 {
                Ok(())
            } else {
                let oc = if flags & AT_EACCESS != 0 { c.clone() } else { namei::access_override_creds(c) };
                if namei::all_pass(&oc) {
                    Ok(())
                } else {
                    let follow = flags & libc::AT_SYMLINK_NOFOLLOW as u64 == 0;
                    let t = k.target(&oc, mem, dirfd, p, flags & libc::AT_EMPTY_PATH as u64 != 0, follow);
                    on(t, &|n| namei::faccess(&oc, n, mode as u32))
                }
            }
        }
        Shim::Chmod | Shim::Fchmodat => {
            let (dirfd, p) = if row.shim == Shim::Chmod { (at, a[0]) } else { (fd(0), a[1]) };
            on(k.target(c, mem, dirfd, p, false, true), &|n| namei::setattr_chmod(c, n, 0).map(|_| ()))
        }
        // ksys_fchmod's fdget skips O_PATH files: EBADF from the kernel.
        Shim::Fchmod if crate::sys::fs::opened_with_o_path(tid, fd(0)) => Ok(()),
        Shim::Fchmod => on(Ok(k.fd_node(fd(0))), &|n| namei::setattr_chmod(c, n, 0).map(|_| ())),
        Shim::Utime | Shim::Utimes | Shim::Futimesat | Shim::Utimensat => {
            let (dirfd, p, tp, flags) = match row.shim {
                Shim::Utime | Shim::Utimes => (at, a[0], a[1], 0),
                Shim::Futimesat => (fd(0), a[1], a[2], 0),
                _ => (fd(0), a[1], a[2], a[3]),
            };
            match Checker::times(mem, abi, row, tp) {
                None => Ok(()),
                Some(_) if flags & !(libc::AT_SYMLINK_NOFOLLOW as u64 | libc::AT_EMPTY_PATH as u64) != 0 => Ok(()),
                Some(t) if p == 0 && row.shim == Shim::Utimensat && dirfd != at => {
                    on(Ok(k.fd_node(dirfd)), &|n| namei::may_set_times(c, n, t))
                }
                Some(t) => {
                    let follow = flags & libc::AT_SYMLINK_NOFOLLOW as u64 == 0;
                    on(k.target(c, mem, dirfd, p, flags & libc::AT_EMPTY_PATH as u64 != 0, follow), &|n| namei::may_set_times(c, n, t))
                }
            }
        }
        Shim::Truncate => on(k.target(c, mem, at, a[0], false, true), &|n| namei::may_truncate(c, n)),
        Shim::Chdir => on(k.target(c, mem, at, a[0], false, true), &|n| if n.is_dir() { namei::may_chdir(c, n) } else { Ok(()) }),
        Shim::Fchdir => on(Ok(k.fd_node(fd(0))), &|n| if n.is_dir() { namei::may_chdir(c, n) } else { Ok(()) }),
        // The stat family and exec: the walk (exec's own check is
        // exec_check's).
        Shim::Stat | Shim::Lstat => k.target(c, mem, at, a[0], false, row.shim == Shim::Stat).map(|_| ()),
        // (An empty path names the descriptor: nothing is walked.)
        Shim::Newfstatat => k.target(c, mem, fd(0), a[1], false, a[3] & libc::AT_SYMLINK_NOFOLLOW as u64 == 0).map(|_| ()),
        Shim::Statx => k.target(c, mem, fd(0), a[1], false, a[2] & libc::AT_SYMLINK_NOFOLLOW as u64 == 0).map(|_| ()),
        Shim::Execve => k.target(c, mem, at, a[0], false, true).map(|_| ()),
        Shim::Execveat => k.target(c, mem, fd(0), a[1], false, a[4] & libc::AT_SYMLINK_NOFOLLOW as u64 == 0).map(|_| ()),
        _ => Ok(()),
    };
    r.err()
}
