//! File-system helpers shared by the exec check and the ownership store.

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
