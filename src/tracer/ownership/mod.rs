//! File ownership that the namespace cannot store. `--ownership session`
//! keeps virtual owners in memory, keyed by device and inode; `xattr` keeps
//! them in the file's `user.rootlesscontainers` attribute (as umoci does),
//! and in memory for files that cannot carry a user attribute (symlinks,
//! device nodes, sockets, FIFOs).
//!
//! | file | calls |
//! | --- | --- |
//! | `chown.rs` | the chown family; `task_path` |
//! | `stat.rs` | the stat family |
//! | `create.rs` | inode creation: new files get the virtual fsuid/fsgid |
//! | `xattr.rs` | the xattr family (hides the attribute) |
//! | `root.rs` | which tasks resolve absolute paths as credshim does |
//! | `cwd.rs` | the tasks' working directories, kept open |
//! | `fds.rs` | the tasks' descriptors, through their pidfds |

mod changing;
mod chown;
mod create;
pub mod cwd;
pub mod fds;
pub mod root;
mod stat;
mod xattr;

pub use chown::{chown_call, task_path};
pub use create::create_call;
pub use stat::stat_call;
pub use xattr::xattr_call;
pub use crate::sys::fs::Inode;

use crate::settings::Store;
use crate::sys::fs::{cpath, xattr_remove, xattr_set};
use crate::sys::ptrace::Tid;
use credshim_shims::rootlesscontainers::{self as rc, XATTR_NAME};
use std::collections::HashMap;
use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};


impl Inode {
    /// Regular files and directories: the only ones a user xattr fits.
    fn takes_user_xattr(&self) -> bool {
        matches!(self.mode & libc::S_IFMT, libc::S_IFREG | libc::S_IFDIR)
    }
}

/// A new inode whose owner must become the virtual one once the kernel has
/// made it: `name` in the directory `dir`, asked for by `tid`. Noted once
/// the call went on to the kernel.
pub struct Pending {
    tid: Tid,
    dir: OwnedFd,
    name: CString,
    owner: (u32, u32),
    /// mode_strip_sgid applies to the task but not to the real creator.
    strip_sgid: bool,
}

pub struct Owners {
    store: Store,
    map: HashMap<(u64, u64), (u32, u32)>,
    /// At most one per task: a task's next call settles its entry.
    pending: Vec<Pending>,
    /// credshim's own fsuid and fsgid (as the namespace shows them): the
    /// owner the kernel gives what the tracees create.
    real: (u32, u32),
}

/// A chown's new virtual owner (None: back to the real one) and mode (the
/// set-id bits it clears), recorded once its answer was delivered. It holds
/// the file open (O_PATH): by then the task may have moved on, exited, or
/// renamed the file, and the path it named may not lead there any more.
pub struct Record {
    file: Option<OwnedFd>,
    /// As the task named it (the fallback, and for the log).
    path: PathBuf,
    inode: Inode,
    /// The path's last symlink is followed.
    follow: bool,
    owner: Option<(u32, u32)>,
    mode: Option<u32>,
}

impl Record {
    pub fn new(path: PathBuf, inode: Inode, follow: bool, owner: Option<(u32, u32)>, mode: Option<u32>) -> Record {
        let nofollow = if follow { 0 } else { libc::O_NOFOLLOW };
        let file = cpath(&path).ok().and_then(|c| {
            // SAFETY: open returns a new fd we own, or -1.
            let fd = unsafe { libc::open(c.as_ptr(), libc::O_PATH | libc::O_CLOEXEC | nofollow) };
            (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd) })
        });
        Record { file, path, inode, follow, owner, mode }
    }
}

impl Owners {
    pub fn store(&self) -> Store {
        self.store
    }

    pub fn new(store: Store) -> Owners {
        // SAFETY: no preconditions.
        let real = unsafe { (libc::geteuid(), libc::getegid()) };
        Owners { store, map: HashMap::new(), pending: Vec::new(), real }
    }

    pub fn enabled(&self) -> bool {
        self.store != Store::Off
    }

    /// Could any file have a virtual owner? (The stat family's fast path.)
    pub fn any(&self) -> bool {
        match self.store {
            Store::Off => false,
            Store::Session => !self.map.is_empty() || !self.pending.is_empty(),
            Store::Xattr => true,
        }
    }

    /// Whether any owner is kept in memory (by device and inode number).
    pub fn in_memory(&self) -> bool {
        !self.map.is_empty()
    }

    /// `--ownership xattr` with nothing kept in memory: a file without the
    /// attribute has no virtual owner, whatever its inode.
    pub fn only_in_xattrs(&self) -> bool {
        self.store == Store::Xattr && self.map.is_empty() && self.pending.is_empty()
    }

    /// The virtual owner of `inode`, found at `path` (`follow`: the path's
    /// last symlink is followed, as it was for `inode`); None: the real one.
    pub fn get(&self, path: &Path, inode: &Inode, follow: bool) -> Option<(u32, u32)> {
        self.get_by(inode, || crate::sys::execfile::xattr_get(path, XATTR_NAME, follow))
    }

    /// `get`, with `attr` reading the file's XATTR_NAME attribute (only
    /// for `--ownership xattr`, and a file that can carry it).
    pub fn get_by(&self, inode: &Inode, attr: impl FnOnce() -> Option<Vec<u8>>) -> Option<(u32, u32)> {
        if let Some(o) = self.map.get(&(inode.dev, inode.ino)) {
            return Some(*o);
        }
        if self.store != Store::Xattr || !inode.takes_user_xattr() {
            return None;
        }
        let v = attr()?;
        let (u, g) = rc::decode(&v)?;
        Some((u.unwrap_or(inode.uid), g.unwrap_or(inode.gid)))
    }

    /// Records `owner` as the virtual owner of `inode` (None: back to the
    /// real owner).
    pub fn set(&mut self, path: &Path, inode: &Inode, follow: bool, owner: Option<(u32, u32)>) {
        let key = (inode.dev, inode.ino);
        let real = (inode.uid, inode.gid);
        let owner = owner.filter(|o| *o != real);
        if self.store == Store::Xattr && inode.takes_user_xattr() {
            let r = match owner.and_then(|o| rc::value_for(o, real)) {
                Some(v) => xattr_set(path, XATTR_NAME, &v, follow),
                None => xattr_remove(path, XATTR_NAME, follow),
            };
            match r {
                Ok(()) => {
                    self.map.remove(&key);
                    return;
                }
                Err(e) => log::debug!("{}: cannot keep the owner in {XATTR_NAME} ({e}); kept in memory", path.display()),
            }
        }
        match owner {
            Some(o) => self.map.insert(key, o),
            None => self.map.remove(&key),
        };
    }

    /// A chown was answered: its owner becomes the file's.
    pub fn record(&mut self, tid: Tid, r: Record) {
        // The open file, through /proc/self/fd (a magic link: followed, it
        // is the inode itself, symlink or not).
        let (path, follow) = match &r.file {
            Some(f) => (PathBuf::from(format!("/proc/self/fd/{}", f.as_raw_fd())), true),
            None => (r.path.clone(), r.follow),
        };
        self.set(&path, &r.inode, follow, r.owner);
        if let Some(mode) = r.mode {
            use std::os::unix::fs::PermissionsExt;
            if let Err(e) = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)) {
                log::debug!("[pid {tid}] {}: cannot clear its set-id bits: {e}", r.path.display());
            }
        }
        if let Some((u, g)) = r.owner {
            log::debug!("[pid {tid}] ownership of {} recorded as {u}:{g}", r.path.display());
        }
    }

    /// A creating call went on to the kernel: its new inode gets its
    /// virtual owner once the call is over.
    pub fn note(&mut self, p: Pending) {
        self.settle(p.tid);
        self.pending.push(p);
    }

    /// Settles what `tid` asked to create: its call is over (it makes
    /// another, or it is gone).
    pub fn settle(&mut self, tid: Tid) {
        if let Some(i) = self.pending.iter().position(|p| p.tid == tid) {
            let p = self.pending.swap_remove(i);
            self.resolve(&p);
        }
    }

    /// Before an ownership query: settles every creation that has happened
    /// (the others may still be running).
    pub fn settle_all(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        for p in pending {
            if !self.resolve(&p) {
                self.pending.push(p);
            }
        }
    }

    /// Gives the new inode its virtual owner; false if it is not there (yet).
    fn resolve(&mut self, p: &Pending) -> bool {
        // SAFETY: fstatat into a zeroed local struct.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        if unsafe { libc::fstatat(p.dir.as_raw_fd(), p.name.as_ptr(), &mut st, libc::AT_SYMLINK_NOFOLLOW) } != 0 {
            return false;
        }
        let inode = Inode::from(&st);
        let path = PathBuf::from(format!("/proc/self/fd/{}", p.dir.as_raw_fd())).join(std::ffi::OsStr::from_bytes(p.name.as_bytes()));
        log::debug!("[pid {}] new {} owned by {}:{}", p.tid, path.display(), p.owner.0, p.owner.1);
        self.set(&path, &inode, false, Some(p.owner));
        // fs/inode.c mode_strip_sgid: every non-directory (FIFOs, sockets
        // and nodes too); a symlink has no mode to change.
        let kind = inode.mode & libc::S_IFMT;
        if p.strip_sgid && kind != libc::S_IFDIR && kind != libc::S_IFLNK && inode.mode & libc::S_ISGID != 0 {
            // SAFETY: plain fchmodat on a name in our directory fd.
            unsafe { libc::fchmodat(p.dir.as_raw_fd(), p.name.as_ptr(), inode.mode & 0o7777 & !libc::S_ISGID, 0) };
        }
        true
    }
}

