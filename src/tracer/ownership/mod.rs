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

mod chown;
mod create;
pub mod root;
mod stat;
mod xattr;

pub use chown::{chown_call, task_path};
pub use create::create_call;
pub use stat::stat_call;
pub use xattr::xattr_call;

use crate::ptrace::Tid;
use credshim_shims::rootlesscontainers::{self as rc, XATTR_NAME};
use credshim_shims::table::Class;
use std::collections::HashMap;
use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// Where virtual owners live (`--ownership`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Store {
    Off,
    Session,
    Xattr,
}

impl Store {
    /// As `--ownership` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Store::Off => "off",
            Store::Session => "session",
            Store::Xattr => "xattr",
        }
    }

    /// The shim classes the seccomp filter stops besides the credential
    /// and exec calls.
    pub fn classes(self) -> &'static [Class] {
        match self {
            Store::Off => &[],
            Store::Session => &[Class::Chown, Class::Stat, Class::Create],
            Store::Xattr => &[Class::Chown, Class::Stat, Class::Create, Class::Xattr],
        }
    }
}

/// The parts of a stat result ownership needs (ids as the namespace shows them).
#[derive(Clone, Copy, Debug)]
pub struct Inode {
    pub dev: u64,
    pub ino: u64,
    pub uid: u32,
    pub gid: u32,
    pub mode: u32,
}

impl From<&libc::stat> for Inode {
    fn from(s: &libc::stat) -> Inode {
        Inode { dev: s.st_dev, ino: s.st_ino, uid: s.st_uid, gid: s.st_gid, mode: s.st_mode }
    }
}

impl From<&std::fs::Metadata> for Inode {
    fn from(m: &std::fs::Metadata) -> Inode {
        use std::os::unix::fs::MetadataExt;
        Inode { dev: m.dev(), ino: m.ino(), uid: m.uid(), gid: m.gid(), mode: m.mode() }
    }
}

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

    /// `--ownership xattr` with nothing kept in memory: a file without the
    /// attribute has no virtual owner, whatever its inode.
    pub fn only_in_xattrs(&self) -> bool {
        self.store == Store::Xattr && self.map.is_empty() && self.pending.is_empty()
    }

    /// The virtual owner of `inode`, found at `path` (`follow`: the path's
    /// last symlink is followed, as it was for `inode`); None: the real one.
    pub fn get(&self, path: &Path, inode: &Inode, follow: bool) -> Option<(u32, u32)> {
        if let Some(o) = self.map.get(&(inode.dev, inode.ino)) {
            return Some(*o);
        }
        if self.store != Store::Xattr || !inode.takes_user_xattr() {
            return None;
        }
        let v = crate::execfile::xattr_get(path, XATTR_NAME, follow)?;
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
        if p.strip_sgid && inode.mode & libc::S_IFMT == libc::S_IFREG && inode.mode & libc::S_ISGID != 0 {
            // SAFETY: plain fchmodat on a name in our directory fd.
            unsafe { libc::fchmodat(p.dir.as_raw_fd(), p.name.as_ptr(), inode.mode & 0o7777 & !libc::S_ISGID, 0) };
        }
        true
    }
}

/// `path` for a libc call (EINVAL for a path with a NUL byte, as the
/// kernel cannot be given one).
fn cpath(path: &Path) -> std::io::Result<CString> {
    CString::new(path.as_os_str().as_bytes()).map_err(|_| std::io::Error::from_raw_os_error(libc::EINVAL))
}

fn check(r: libc::c_int) -> std::io::Result<()> {
    if r < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(())
    }
}


fn xattr_set(path: &Path, name: &str, value: &[u8], follow: bool) -> std::io::Result<()> {
    let (p, n) = (cpath(path)?, CString::new(name)?);
    // SAFETY: C strings and a live buffer.
    check(unsafe {
        let f = if follow { libc::setxattr } else { libc::lsetxattr };
        f(p.as_ptr(), n.as_ptr(), value.as_ptr() as *const libc::c_void, value.len(), 0)
    })
}

fn xattr_remove(path: &Path, name: &str, follow: bool) -> std::io::Result<()> {
    let (p, n) = (cpath(path)?, CString::new(name)?);
    // SAFETY: C strings.
    let r = check(unsafe {
        let f = if follow { libc::removexattr } else { libc::lremovexattr };
        f(p.as_ptr(), n.as_ptr())
    });
    match r {
        Err(e) if e.raw_os_error() == Some(libc::ENODATA) => Ok(()),
        r => r,
    }
}
