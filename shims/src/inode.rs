//! fs/inode.c inode_init_owner and mode_strip_sgid (via fs/namei.c
//! vfs_prepare_mode): the owner and mode a new file, directory, node or
//! symlink gets from the creating task's fsuid/fsgid and its parent
//! directory.

use crate::capset::CAP_FSETID;
use crate::cred::Creds;
use crate::namei::{S_IFDIR, S_IFMT, S_ISGID, S_IXGRP};
use crate::id::Kgid;

/// The parent directory as the creating task sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dir {
    pub gid: u32,
    pub mode: u32,
}

/// A new inode's owner and mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewInode {
    pub uid: u32,
    pub gid: u32,
    pub mode: u32,
}

/// fs/inode.c inode_init_owner: the fsuid owns it; the group is the
/// parent's when the parent is set-group-ID (and a new directory inherits
/// the bit), else the fsgid.
pub fn inode_init_owner(c: &Creds, dir: &Dir, mode: u32) -> NewInode {
    let uid = c.fsuid.0;
    let (gid, mode) = if dir.mode & S_ISGID != 0 {
        let m = if mode & S_IFMT == S_IFDIR { mode | S_ISGID } else { mode };
        (dir.gid, m)
    } else {
        (c.fsgid.0, mode)
    };
    NewInode { uid, gid, mode }
}

/// fs/inode.c mode_strip_sgid: a non-directory created group-executable
/// and set-group-ID in a set-group-ID directory loses the bit unless the
/// task is in the directory's group or has CAP_FSETID.
pub fn mode_strip_sgid(c: &Creds, dir: &Dir, mode: u32) -> u32 {
    if mode & (S_ISGID | S_IXGRP) != (S_ISGID | S_IXGRP) {
        return mode;
    }
    if mode & S_IFMT == S_IFDIR || dir.mode & S_ISGID == 0 {
        return mode;
    }
    if c.in_group_p(Kgid(dir.gid)) || c.capable(CAP_FSETID) {
        return mode;
    }
    mode & !S_ISGID
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_and_setgid_directories() {
        let www = Creds::user(33, 33, &[]);
        let plain = Dir { gid: 0, mode: 0o40755 };
        let sgid = Dir { gid: 50, mode: 0o42775 };
        assert_eq!(inode_init_owner(&www, &plain, 0o100644), NewInode { uid: 33, gid: 33, mode: 0o100644 });
        assert_eq!(inode_init_owner(&www, &sgid, 0o100644), NewInode { uid: 33, gid: 50, mode: 0o100644 });
        assert_eq!(inode_init_owner(&www, &sgid, 0o40755), NewInode { uid: 33, gid: 50, mode: 0o42755 });
        assert_eq!(mode_strip_sgid(&www, &sgid, 0o102755), 0o100755);
        assert_eq!(mode_strip_sgid(&www, &sgid, 0o102745), 0o102745, "not group-executable: kept");
        let member = Creds::user(33, 33, &[50]);
        assert_eq!(mode_strip_sgid(&member, &sgid, 0o102755), 0o102755);
    }
}
