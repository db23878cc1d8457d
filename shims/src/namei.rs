//! File permission checks (DAC) against a task's virtual credentials:
//! fs/namei.c (generic_permission, acl_permission_check, may_lookup,
//! may_open, may_create, may_delete, check_sticky, may_create_in_sticky,
//! may_follow_link), fs/posix_acl.c posix_acl_permission, fs/open.c
//! (do_faccessat's access_override_creds, chdir), fs/attr.c setattr_prepare
//! (chmod), fs/utimes.c with notify_change (timestamps), fs/inode.c
//! inode_owner_or_capable.
//!
//! The tracer walks the path as the kernel does and asks these functions at
//! the kernel's points; an `Err` is the errno the task gets, `Ok` lets the
//! kernel run the call (the real task, the namespace's root, passes).
//! What is not modelled (the kernel decides, as for the real task): LSMs,
//! immutable and append-only inodes, read-only mounts and noexec mounts
//! (the real task gets their errors too), idmapped mounts.

use crate::capset::{CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID};
use crate::cred::Creds;
use crate::errno::Errno;
use crate::id::{Kgid, Kuid};

pub const MAY_EXEC: u32 = 0x1;
pub const MAY_WRITE: u32 = 0x2;
pub const MAY_READ: u32 = 0x4;
pub const MAY_APPEND: u32 = 0x8;
pub const MAY_ACCESS: u32 = 0x10;
pub const MAY_OPEN: u32 = 0x20;
pub const MAY_CHDIR: u32 = 0x40;

pub const S_ISUID: u32 = 0o4000;
pub const S_ISGID: u32 = 0o2000;
pub const S_IXGRP: u32 = 0o0010;
pub const S_IFMT: u32 = 0o170000;
pub const S_IFDIR: u32 = 0o040000;
pub const S_IFREG: u32 = 0o100000;
pub const S_IFLNK: u32 = 0o120000;
pub const S_IFCHR: u32 = 0o020000;
pub const S_IFBLK: u32 = 0o060000;
pub const S_IFIFO: u32 = 0o010000;
pub const S_IFSOCK: u32 = 0o140000;
pub const S_ISVTX: u32 = 0o1000;
const S_IRWXG: u32 = 0o070;
const S_IXUGO: u32 = 0o111;

// include/uapi/asm-generic/fcntl.h (x86).
pub const O_ACCMODE: u32 = 0o3;
pub const O_RDONLY: u32 = 0;
pub const O_CREAT: u32 = 0o100;
pub const O_EXCL: u32 = 0o200;
pub const O_TRUNC: u32 = 0o1000;
pub const O_APPEND: u32 = 0o2000;
pub const O_DIRECTORY: u32 = 0o200000;
pub const O_NOFOLLOW: u32 = 0o400000;
pub const O_NOATIME: u32 = 0o1000000;
pub const O_PATH: u32 = 0o10000000;
pub const O_TMPFILE: u32 = 0o20000000 | O_DIRECTORY;

/// include/uapi/linux/posix_acl.h tags.
pub const ACL_USER_OBJ: u16 = 0x01;
pub const ACL_USER: u16 = 0x02;
pub const ACL_GROUP_OBJ: u16 = 0x04;
pub const ACL_GROUP: u16 = 0x08;
pub const ACL_MASK: u16 = 0x10;
pub const ACL_OTHER: u16 = 0x20;

/// One entry of a POSIX access ACL (`system.posix_acl_access`), ids as
/// the caller's namespace shows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AclEntry {
    pub tag: u16,
    pub perm: u16,
    pub id: u32,
}

/// An inode as the checks see it: the owner the task sees (the virtual
/// owner where credshim records one) and its access ACL, if it has one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inode {
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub acl: Option<Vec<AclEntry>>,
}

impl Inode {
    pub fn new(mode: u32, uid: u32, gid: u32) -> Inode {
        Inode { mode, uid, gid, acl: None }
    }
    pub fn is_dir(&self) -> bool {
        self.mode & S_IFMT == S_IFDIR
    }
    pub fn is_reg(&self) -> bool {
        self.mode & S_IFMT == S_IFREG
    }
    pub fn is_lnk(&self) -> bool {
        self.mode & S_IFMT == S_IFLNK
    }
    /// Whether acl_permission_check could look at an ACL: the task is not
    /// the owner and the group class has bits (the tracer reads the ACL
    /// only then).
    pub fn acl_matters(&self, c: &Creds) -> bool {
        c.fsuid != Kuid(self.uid) && self.mode & S_IRWXG != 0
    }
}

/// fs/posix_acl.c posix_acl_from_xattr: the `system.posix_acl_access`
/// value (a version-2 header, then 8-byte entries). None for anything else.
pub fn acl_from_xattr(v: &[u8]) -> Option<Vec<AclEntry>> {
    if v.len() < 4 || u32::from_le_bytes(v[..4].try_into().ok()?) != 2 || (v.len() - 4) % 8 != 0 {
        return None;
    }
    Some(
        v[4..]
            .chunks_exact(8)
            .map(|e| AclEntry {
                tag: u16::from_le_bytes([e[0], e[1]]),
                perm: u16::from_le_bytes([e[2], e[3]]),
                id: u32::from_le_bytes([e[4], e[5], e[6], e[7]]),
            })
            .collect(),
    )
}

/// fs/posix_acl.c posix_acl_permission.
pub fn posix_acl_permission(c: &Creds, inode: &Inode, acl: &[AclEntry], want: u32) -> Result<(), Errno> {
    let want = (want & (MAY_READ | MAY_WRITE | MAY_EXEC)) as u16;
    let mut found = false;
    let check_perm = |pa: &AclEntry| if pa.perm & want == want { Ok(()) } else { Err(Errno::EACCES) };
    let mask = |i: usize| -> Result<(), Errno> {
        let pa = &acl[i];
        match acl[i + 1..].iter().find(|m| m.tag == ACL_MASK) {
            Some(m) if pa.perm & m.perm & want == want => Ok(()),
            Some(_) => Err(Errno::EACCES),
            None => check_perm(pa),
        }
    };
    for (i, pa) in acl.iter().enumerate() {
        match pa.tag {
            ACL_USER_OBJ if c.fsuid == Kuid(inode.uid) => return check_perm(pa),
            ACL_USER_OBJ => {}
            ACL_USER if c.fsuid == Kuid(pa.id) => return mask(i),
            ACL_USER => {}
            ACL_GROUP_OBJ | ACL_GROUP => {
                let gid = if pa.tag == ACL_GROUP_OBJ { inode.gid } else { pa.id };
                if c.in_group_p(Kgid(gid)) {
                    found = true;
                    if pa.perm & want == want {
                        return mask(i);
                    }
                }
            }
            ACL_MASK => {}
            ACL_OTHER if found => return Err(Errno::EACCES),
            ACL_OTHER => return check_perm(pa),
            _ => return Err(Errno::EIO),
        }
    }
    Err(Errno::EIO)
}

/// fs/namei.c acl_permission_check.
pub fn acl_permission_check(c: &Creds, inode: &Inode, mask: u32) -> Result<(), Errno> {
    let mut mode = inode.mode;
    // Are we the owner? If so, ACL's don't matter.
    if c.fsuid == Kuid(inode.uid) {
        let mask = mask & 7;
        mode >>= 6;
        return if mask & !mode != 0 { Err(Errno::EACCES) } else { Ok(()) };
    }
    // Do we have ACL's? (check_acl: a file without one says EAGAIN.)
    if mode & S_IRWXG != 0 {
        if let Some(acl) = &inode.acl {
            return posix_acl_permission(c, inode, acl, mask);
        }
    }
    let mask = mask & 7;
    // Are the group permissions different from the other permissions in
    // the bits we care about? Need to check group ownership if so.
    if mask & (mode ^ (mode >> 3)) != 0 && c.in_group_p(Kgid(inode.gid)) {
        mode >>= 3;
    }
    if mask & !mode != 0 {
        Err(Errno::EACCES)
    } else {
        Ok(())
    }
}

/// capable_wrt_inode_uidgid: the capability, over an inode whose owner
/// the task's namespace maps (in the virtual namespace, every id but -1).
fn capable_wrt_inode_uidgid(c: &Creds, inode: &Inode, cap: u32) -> bool {
    c.capable(cap) && Kuid(inode.uid).valid() && Kgid(inode.gid).valid()
}

/// fs/namei.c generic_permission.
pub fn generic_permission(c: &Creds, inode: &Inode, mask: u32) -> Result<(), Errno> {
    // Do the basic permission checks.
    match acl_permission_check(c, inode, mask) {
        Err(Errno::EACCES) => {}
        r => return r,
    }
    if inode.is_dir() {
        // DACs are overridable for directories.
        if mask & MAY_WRITE == 0 && capable_wrt_inode_uidgid(c, inode, CAP_DAC_READ_SEARCH) {
            return Ok(());
        }
        if capable_wrt_inode_uidgid(c, inode, CAP_DAC_OVERRIDE) {
            return Ok(());
        }
        return Err(Errno::EACCES);
    }
    // Searching includes executable on directories, else just read.
    let mask = mask & (MAY_READ | MAY_WRITE | MAY_EXEC);
    if mask == MAY_READ && capable_wrt_inode_uidgid(c, inode, CAP_DAC_READ_SEARCH) {
        return Ok(());
    }
    // Read/write DACs are always overridable. Executable DACs are
    // overridable when there is at least one exec bit set.
    if (mask & MAY_EXEC == 0 || inode.mode & S_IXUGO != 0) && capable_wrt_inode_uidgid(c, inode, CAP_DAC_OVERRIDE) {
        return Ok(());
    }
    Err(Errno::EACCES)
}

/// fs/namei.c inode_permission, the part credshim models: MAY_WRITE on an
/// inode with an unmapped owner, then generic_permission (sb_permission's
/// EROFS, immutable files and the LSMs are the kernel's).
pub fn inode_permission(c: &Creds, inode: &Inode, mask: u32) -> Result<(), Errno> {
    if mask & MAY_WRITE != 0 && (!Kuid(inode.uid).valid() || !Kgid(inode.gid).valid()) {
        return Err(Errno::EACCES);
    }
    generic_permission(c, inode, mask)
}

/// fs/namei.c may_lookup: search permission on each directory of a walk.
pub fn may_lookup(c: &Creds, dir: &Inode) -> Result<(), Errno> {
    inode_permission(c, dir, MAY_EXEC)
}

/// fs/open.c build_open_flags: the access mode an open asks for.
pub fn open_acc_mode(flags: u32) -> u32 {
    if flags & O_PATH != 0 {
        return 0;
    }
    // ACC_MODE(x) ("\004\002\006\006"[(x)&O_ACCMODE])
    let mut acc = [MAY_READ, MAY_WRITE, MAY_READ | MAY_WRITE, MAY_READ | MAY_WRITE][(flags & O_ACCMODE) as usize];
    if flags & O_TRUNC != 0 {
        acc |= MAY_WRITE;
    }
    if flags & O_APPEND != 0 {
        acc |= MAY_APPEND;
    }
    MAY_OPEN | acc
}

/// fs/namei.c may_open, for an inode that exists and was not just made.
/// `acc_mode` from `open_acc_mode` (0 for O_PATH: no check).
pub fn may_open(c: &Creds, inode: &Inode, acc_mode: u32, flags: u32) -> Result<(), Errno> {
    if acc_mode == 0 {
        return Ok(());
    }
    match inode.mode & S_IFMT {
        S_IFLNK => return Err(Errno(40 /* ELOOP */)),
        S_IFDIR => {
            if acc_mode & MAY_WRITE != 0 {
                return Err(Errno(21 /* EISDIR */));
            }
            if acc_mode & MAY_EXEC != 0 {
                return Err(Errno::EACCES);
            }
        }
        S_IFBLK | S_IFCHR | S_IFIFO | S_IFSOCK if acc_mode & MAY_EXEC != 0 => return Err(Errno::EACCES),
        _ => {}
    }
    inode_permission(c, inode, MAY_OPEN | acc_mode)?;
    // O_NOATIME can only be set by the owner or superuser.
    if flags & O_NOATIME != 0 && !inode_owner_or_capable(c, inode) {
        return Err(Errno::EPERM);
    }
    Ok(())
}

/// fs/inode.c inode_owner_or_capable.
pub fn inode_owner_or_capable(c: &Creds, inode: &Inode) -> bool {
    c.fsuid == Kuid(inode.uid) || (Kuid(inode.uid).valid() && c.capable(CAP_FOWNER))
}

/// fs/namei.c may_create: a new name in `dir` (the caller has found that
/// the name is free: EEXIST comes first).
pub fn may_create(c: &Creds, dir: &Inode) -> Result<(), Errno> {
    inode_permission(c, dir, MAY_WRITE | MAY_EXEC)
}

/// fs/namei.c __check_sticky: true when the sticky bit forbids it.
pub fn check_sticky(c: &Creds, dir: &Inode, inode: &Inode) -> bool {
    if dir.mode & S_ISVTX == 0 {
        return false;
    }
    if c.fsuid == Kuid(inode.uid) || c.fsuid == Kuid(dir.uid) {
        return false;
    }
    !capable_wrt_inode_uidgid(c, inode, CAP_FOWNER)
}

/// fs/namei.c may_delete: unlink (`isdir` false) or rmdir of `victim` in `dir`.
pub fn may_delete(c: &Creds, dir: &Inode, victim: &Inode, isdir: bool) -> Result<(), Errno> {
    // Inode writeback is not safe when the uid or gid are invalid.
    if !Kuid(victim.uid).valid() || !Kgid(victim.gid).valid() {
        return Err(Errno(75 /* EOVERFLOW */));
    }
    inode_permission(c, dir, MAY_WRITE | MAY_EXEC)?;
    if check_sticky(c, dir, victim) {
        return Err(Errno::EPERM);
    }
    if isdir && !victim.is_dir() {
        return Err(Errno(20 /* ENOTDIR */));
    }
    if !isdir && victim.is_dir() {
        return Err(Errno(21 /* EISDIR */));
    }
    Ok(())
}

/// The fs.protected_* sysctls (/proc/sys/fs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Protected {
    pub symlinks: u32,
    pub regular: u32,
    pub fifos: u32,
}

/// fs/namei.c may_create_in_sticky: O_CREAT of an existing file in a sticky
/// directory (`dir`) that someone else owns. No capability overrides it.
pub fn may_create_in_sticky(c: &Creds, p: Protected, dir: &Inode, inode: &Inode) -> Result<(), Errno> {
    if dir.mode & S_ISVTX == 0 {
        return Ok(());
    }
    let fifo = inode.mode & S_IFMT == S_IFIFO;
    if (inode.is_reg() && p.regular == 0) || (fifo && p.fifos == 0) || !(inode.is_reg() || fifo) {
        return Ok(());
    }
    if inode.uid == dir.uid || c.fsuid == Kuid(inode.uid) {
        return Ok(());
    }
    if dir.mode & 0o002 != 0 {
        return Err(Errno::EACCES);
    }
    if dir.mode & 0o020 != 0 && ((fifo && p.fifos >= 2) || (inode.is_reg() && p.regular >= 2)) {
        return Err(Errno::EACCES);
    }
    Ok(())
}

/// fs/namei.c may_follow_link: a symlink in a sticky world-writable
/// directory is followed only by its owner, or when the directory's owner
/// owns it too (fs.protected_symlinks). No capability overrides it.
pub fn may_follow_link(c: &Creds, p: Protected, dir: &Inode, link: &Inode) -> Result<(), Errno> {
    if p.symlinks == 0 {
        return Ok(());
    }
    if c.fsuid == Kuid(link.uid) {
        return Ok(());
    }
    if dir.mode & (S_ISVTX | 0o002) != (S_ISVTX | 0o002) {
        return Ok(());
    }
    if Kuid(dir.uid).valid() && dir.uid == link.uid {
        return Ok(());
    }
    Err(Errno::EACCES)
}

/// fs/open.c access_override_creds: access() and faccessat() without
/// AT_EACCESS check with the real ids, and the capabilities root would
/// have (none for a non-root real uid, else the permitted set).
pub fn access_override_creds(c: &Creds) -> Creds {
    let mut o = c.clone();
    o.fsuid = o.uid;
    o.fsgid = o.gid;
    if !c.securebits.issecure(crate::securebits::SECURE_NO_SETUID_FIXUP) {
        o.cap_effective = if o.uid != Kuid(0) { crate::CapSet::EMPTY } else { o.cap_permitted };
    }
    o
}

/// fs/open.c do_faccessat after the lookup: `mode` (F_OK or R/W/X_OK) on
/// the inode found, with credentials from `access_override_creds` unless
/// AT_EACCESS. (noexec mounts and EROFS are the kernel's.)
pub fn faccess(c: &Creds, inode: &Inode, mode: u32) -> Result<(), Errno> {
    inode_permission(c, inode, mode | MAY_ACCESS)
}

/// fs/open.c chdir and fchdir after the lookup (a directory).
pub fn may_chdir(c: &Creds, dir: &Inode) -> Result<(), Errno> {
    inode_permission(c, dir, MAY_EXEC | MAY_CHDIR)
}

/// fs/open.c do_sys_truncate → vfs_truncate: a directory is EISDIR, any
/// other non-regular file EINVAL, then MAY_WRITE.
pub fn may_truncate(c: &Creds, inode: &Inode) -> Result<(), Errno> {
    if inode.is_dir() {
        return Err(Errno(21 /* EISDIR */));
    }
    if !inode.is_reg() {
        return Err(Errno::EINVAL);
    }
    inode_permission(c, inode, MAY_WRITE)
}

/// fs/attr.c setattr_prepare for ATTR_MODE (chmod): only the owner or
/// CAP_FOWNER. Ok(mode) is the mode the file gets: S_ISGID is cleared
/// when the task is neither in the file's group nor has CAP_FSETID.
pub fn setattr_chmod(c: &Creds, inode: &Inode, mode: u32) -> Result<u32, Errno> {
    if !inode_owner_or_capable(c, inode) {
        return Err(Errno::EPERM);
    }
    // in_group_or_capable
    if !(c.in_group_p(Kgid(inode.gid)) || (Kgid(inode.gid).valid() && c.capable(CAP_FSETID))) {
        return Ok(mode & !S_ISGID);
    }
    Ok(mode)
}

/// How a utimes-family call sets the times.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Times {
    /// No times (NULL, or UTIME_NOW for both): ATTR_TOUCH.
    Now,
    /// Explicit times (or one UTIME_NOW with the other given/omitted):
    /// ATTR_TIMES_SET.
    Given,
}

/// fs/attr.c notify_change (ATTR_TOUCH: owner, CAP_FOWNER, or write
/// permission) and setattr_prepare (ATTR_TIMES_SET: owner or CAP_FOWNER).
pub fn may_set_times(c: &Creds, inode: &Inode, times: Times) -> Result<(), Errno> {
    if inode_owner_or_capable(c, inode) {
        return Ok(());
    }
    match times {
        Times::Now => inode_permission(c, inode, MAY_WRITE),
        Times::Given => Err(Errno::EPERM),
    }
}

/// Tasks for which no check can fail: fsuid 0 with CAP_DAC_OVERRIDE,
/// CAP_DAC_READ_SEARCH and CAP_FOWNER in effect (the checks that bind root
/// too, protected_regular and protected_symlinks, bind the real task
/// alike). The tracer lets their calls run without a look.
pub fn all_pass(c: &Creds) -> bool {
    c.fsuid == Kuid(0) && c.capable(CAP_DAC_OVERRIDE) && c.capable(CAP_DAC_READ_SEARCH) && c.capable(CAP_FOWNER)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(cap: u32) -> crate::CapSet {
        let mut s = crate::CapSet::EMPTY;
        s.raise(cap);
        s
    }
    fn www() -> Creds {
        Creds::user(33, 33, &[])
    }
    const EACCES: Result<(), Errno> = Err(Errno::EACCES);

    #[test]
    fn modes_pick_owner_group_or_other() {
        let f = Inode::new(S_IFREG | 0o640, 0, 33);
        assert_eq!(inode_permission(&www(), &f, MAY_READ), Ok(()), "group read");
        assert_eq!(inode_permission(&www(), &f, MAY_WRITE), EACCES);
        let other = Creds::user(44, 44, &[]);
        assert_eq!(inode_permission(&other, &f, MAY_READ), EACCES);
        let member = Creds::user(44, 44, &[33]);
        assert_eq!(inode_permission(&member, &f, MAY_READ), Ok(()), "supplementary group");
        // The owner class decides for the owner even if others may more.
        let g = Inode::new(S_IFREG | 0o077, 33, 0);
        assert_eq!(inode_permission(&www(), &g, MAY_READ), EACCES);
        let root_file = Inode::new(S_IFREG | 0o600, 0, 0);
        assert_eq!(inode_permission(&Creds::init_root(), &root_file, MAY_READ | MAY_WRITE), Ok(()));
    }

    #[test]
    fn capabilities_override_as_generic_permission_says() {
        let mut c = www();
        c.cap_effective = caps(CAP_DAC_READ_SEARCH);
        let f = Inode::new(S_IFREG | 0o000, 0, 0);
        let d = Inode::new(S_IFDIR | 0o000, 0, 0);
        assert_eq!(inode_permission(&c, &f, MAY_READ), Ok(()));
        assert_eq!(inode_permission(&c, &f, MAY_WRITE), EACCES);
        assert_eq!(inode_permission(&c, &d, MAY_EXEC), Ok(()), "search");
        assert_eq!(inode_permission(&c, &d, MAY_WRITE | MAY_EXEC), EACCES);
        c.cap_effective = caps(CAP_DAC_OVERRIDE);
        assert_eq!(inode_permission(&c, &f, MAY_WRITE), Ok(()));
        assert_eq!(inode_permission(&c, &f, MAY_EXEC), EACCES, "no exec bit at all");
        assert_eq!(inode_permission(&c, &Inode::new(S_IFREG | 0o001, 0, 0), MAY_EXEC), Ok(()));
        assert_eq!(inode_permission(&c, &d, MAY_WRITE | MAY_EXEC), Ok(()));
    }

    #[test]
    fn posix_acls_grant_and_mask() {
        // user::rw- user:33:rw- group::r-- mask::r-- other::---
        let acl = vec![
            AclEntry { tag: ACL_USER_OBJ, perm: 6, id: u32::MAX },
            AclEntry { tag: ACL_USER, perm: 6, id: 33 },
            AclEntry { tag: ACL_GROUP_OBJ, perm: 4, id: u32::MAX },
            AclEntry { tag: ACL_MASK, perm: 4, id: u32::MAX },
            AclEntry { tag: ACL_OTHER, perm: 0, id: u32::MAX },
        ];
        let f = Inode { mode: S_IFREG | 0o640, uid: 0, gid: 0, acl: Some(acl) };
        assert_eq!(inode_permission(&www(), &f, MAY_READ), Ok(()), "named user");
        assert_eq!(inode_permission(&www(), &f, MAY_WRITE), EACCES, "masked");
        assert_eq!(inode_permission(&Creds::user(44, 44, &[]), &f, MAY_READ), EACCES, "other");
        let mut bytes = 2u32.to_le_bytes().to_vec();
        for e in f.acl.as_ref().expect("acl") {
            bytes.extend(e.tag.to_le_bytes());
            bytes.extend(e.perm.to_le_bytes());
            bytes.extend(e.id.to_le_bytes());
        }
        assert_eq!(acl_from_xattr(&bytes).as_ref(), f.acl.as_ref());
        assert_eq!(acl_from_xattr(&bytes[..7]), None);
    }

    #[test]
    fn open_delete_create_and_sticky() {
        let file = Inode::new(S_IFREG | 0o644, 0, 0);
        assert_eq!(may_open(&www(), &file, open_acc_mode(O_RDONLY), 0), Ok(()));
        assert_eq!(may_open(&www(), &file, open_acc_mode(1), 1), EACCES);
        assert_eq!(may_open(&www(), &file, open_acc_mode(O_TRUNC), O_TRUNC), EACCES, "O_TRUNC writes");
        assert_eq!(may_open(&www(), &file, open_acc_mode(O_PATH), O_PATH), Ok(()));
        assert_eq!(may_open(&www(), &file, open_acc_mode(O_NOATIME), O_NOATIME), Err(Errno::EPERM));
        let dir = Inode::new(S_IFDIR | 0o755, 0, 0);
        assert_eq!(may_open(&www(), &dir, open_acc_mode(2), 2), Err(Errno(21)));
        assert_eq!(may_delete(&www(), &dir, &file, false), EACCES);
        assert_eq!(may_create(&www(), &dir), EACCES);
        let tmp = Inode::new(S_IFDIR | 0o1777, 0, 0);
        let theirs = Inode::new(S_IFREG | 0o666, 44, 44);
        let mine = Inode::new(S_IFREG | 0o600, 33, 33);
        assert_eq!(may_delete(&www(), &tmp, &theirs, false), Err(Errno::EPERM));
        assert_eq!(may_delete(&www(), &tmp, &mine, false), Ok(()));
        assert_eq!(may_delete(&www(), &tmp, &Inode::new(S_IFDIR | 0o700, 33, 33), false), Err(Errno(21)));
        assert_eq!(may_delete(&Creds::init_root(), &tmp, &theirs, false), Ok(()), "CAP_FOWNER");
        let p = Protected { symlinks: 1, regular: 2, fifos: 1 };
        assert_eq!(may_create_in_sticky(&www(), p, &tmp, &theirs), EACCES);
        assert_eq!(may_create_in_sticky(&Creds::init_root(), p, &tmp, &theirs), EACCES, "binds root too");
        assert_eq!(may_create_in_sticky(&www(), p, &tmp, &mine), Ok(()));
        let link = Inode::new(S_IFLNK | 0o777, 44, 44);
        assert_eq!(may_follow_link(&www(), p, &tmp, &link), EACCES);
        assert_eq!(may_follow_link(&www(), p, &dir, &link), Ok(()));
    }

    #[test]
    fn attributes_and_access() {
        let root_file = Inode::new(S_IFREG | 0o666, 0, 0);
        assert_eq!(setattr_chmod(&www(), &root_file, 0o600), Err(Errno::EPERM));
        let mine = Inode::new(S_IFREG | 0o644, 33, 0);
        assert_eq!(setattr_chmod(&www(), &mine, 0o2755), Ok(0o755), "not in the group: S_ISGID dropped");
        assert_eq!(may_set_times(&www(), &root_file, Times::Now), Ok(()), "0666: writable");
        assert_eq!(may_set_times(&www(), &root_file, Times::Given), Err(Errno::EPERM));
        assert_eq!(may_set_times(&www(), &Inode::new(S_IFREG | 0o644, 0, 0), Times::Now), EACCES);
        assert_eq!(may_set_times(&www(), &mine, Times::Given), Ok(()));
        // A set-user-ID root program run by 33: euid 0, real uid 33.
        let mut c = www();
        c.euid = Kuid(0);
        c.fsuid = Kuid(0);
        c.cap_effective = crate::CapSet::FULL;
        c.cap_permitted = crate::CapSet::FULL;
        let secret = Inode::new(S_IFREG | 0o600, 0, 0);
        assert_eq!(faccess(&access_override_creds(&c), &secret, 4), EACCES, "access(): real ids");
        assert_eq!(faccess(&c, &secret, 4), Ok(()), "AT_EACCESS: effective ids");
        assert!(all_pass(&Creds::init_root()) && !all_pass(&access_override_creds(&c)));
        assert!(!all_pass(&www()));
        assert_eq!(may_truncate(&www(), &secret), EACCES);
        assert_eq!(may_chdir(&www(), &Inode::new(S_IFDIR | 0o700, 0, 0)), EACCES);
        assert_eq!(may_chdir(&www(), &Inode::new(S_IFDIR | 0o711, 0, 0)), Ok(()));
    }
}
