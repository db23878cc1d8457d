//! The capability checks of the calls that change a task's namespaces,
//! mounts and root: fs/open.c ksys_chroot, kernel/fork.c ksys_unshare,
//! kernel/nsproxy.c setns, fs/namespace.c (mount, umount2, pivot_root:
//! may_mount), kernel/seccomp.c (a filter without no_new_privs), kernel/sys.c
//! sethostname/setdomainname. The container's root passes each of them in
//! its own namespaces; a task whose virtual credentials lack the capability
//! gets the kernel's answer for it, and one that has it runs the call.
//!
//! Lookups are the kernel's: a path is checked only once the world has
//! found it as the caller would (else the kernel answers ENOENT, ENOTDIR,
//! EFAULT, … itself).

use crate::capset::{CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_SYS_ADMIN};
use crate::cred::Creds;
use crate::errno::Errno;
use crate::namei::{S_IFDIR, S_IFMT};
use crate::id::{Kgid, Kuid};
use crate::mem::UserMem;
use crate::world::{Check, Inode, NsType, World};

pub const CAP_SYS_CHROOT: u32 = 18;
/// include/uapi/linux/limits.h PATH_MAX (getname's limit).
const PATH_MAX: usize = 4096;
const PAGE_SIZE: u64 = 4096;

/// strncpy_from_user of a path, in reads that never cross a page (so a
/// read fails only where the string does). None: a fault, no terminator
/// within PATH_MAX, or an empty name (getname's EFAULT, ENAMETOOLONG,
/// ENOENT: the kernel says them).
fn getname(mem: &mut dyn UserMem, addr: u64) -> Option<Vec<u8>> {
    if addr == 0 {
        return None;
    }
    let mut out = Vec::new();
    let mut at = addr;
    while out.len() < PATH_MAX {
        let n = (PAGE_SIZE - at % PAGE_SIZE).min(256) as usize;
        let mut chunk = vec![0u8; n];
        if mem.read(at, &mut chunk).is_err() {
            // A memory that maps less than pages (a test's): byte by byte,
            // up to the terminator.
            for (i, b) in chunk.iter_mut().enumerate() {
                let mut one = [0u8; 1];
                mem.read(at + i as u64, &mut one).ok()?;
                *b = one[0];
                if one[0] == 0 {
                    break;
                }
            }
        }
        if let Some(end) = chunk.iter().position(|&b| b == 0) {
            out.extend_from_slice(&chunk[..end]);
            return (!out.is_empty()).then_some(out);
        }
        out.extend_from_slice(&chunk);
        at = at.checked_add(n as u64)?;
    }
    None
}

/// Whether the optional user string or buffer at `addr` can be copied
/// (copy_mount_string, copy_mount_options: NULL is fine).
fn readable(mem: &mut dyn UserMem, addr: u64, string: bool) -> bool {
    if addr == 0 {
        return true;
    }
    if string {
        return getname(mem, addr).is_some() || mem.read(addr, &mut [0u8; 1]).is_ok();
    }
    mem.read(addr, &mut [0u8; 1]).is_ok()
}

/// fs/namei.c generic_permission(MAY_EXEC) on a directory without ACLs:
/// acl_permission_check's class bit, else "DACs are overridable for
/// directories": CAP_DAC_READ_SEARCH, then CAP_DAC_OVERRIDE.
pub fn may_search(c: &Creds, dir: &Inode) -> Check {
    let class = if c.fsuid == Kuid(dir.uid) {
        dir.mode >> 6
    } else if c.in_group_p(Kgid(dir.gid)) {
        dir.mode >> 3
    } else {
        dir.mode
    };
    if class & 0o1 != 0 || c.capable(CAP_DAC_READ_SEARCH) || c.capable(CAP_DAC_OVERRIDE) {
        return Ok(());
    }
    Err(Errno::EACCES)
}

/// fs/open.c ksys_chroot: user_path_at(LOOKUP_FOLLOW | LOOKUP_DIRECTORY),
/// path_permission(MAY_EXEC | MAY_CHDIR), then CAP_SYS_CHROOT.
pub fn chroot(c: &Creds, world: &dyn World, filename: u64, mem: &mut dyn UserMem) -> Check {
    let Some(name) = getname(mem, filename) else { return Ok(()) };
    let Some(dir) = world.lookup(&name, true) else { return Ok(()) };
    if dir.mode & S_IFMT != S_IFDIR {
        return Ok(()); // ENOTDIR: the kernel's
    }
    may_search(c, &dir)?;
    if !c.capable(CAP_SYS_CHROOT) {
        return Err(Errno::EPERM);
    }
    Ok(()) // security_path_chroot, set_fs_root
}

pub const CLONE_VM: u64 = 0x100;
pub const CLONE_FS: u64 = 0x200;
pub const CLONE_FILES: u64 = 0x400;
pub const CLONE_SIGHAND: u64 = 0x800;
pub const CLONE_THREAD: u64 = 0x10000;
pub const CLONE_NEWNS: u64 = 0x20000;
pub const CLONE_SYSVSEM: u64 = 0x40000;
pub const CLONE_NEWTIME: u64 = 0x80;
pub const CLONE_NEWCGROUP: u64 = 0x0200_0000;
pub const CLONE_NEWUTS: u64 = 0x0400_0000;
pub const CLONE_NEWIPC: u64 = 0x0800_0000;
pub const CLONE_NEWUSER: u64 = 0x1000_0000;
pub const CLONE_NEWPID: u64 = 0x2000_0000;
pub const CLONE_NEWNET: u64 = 0x4000_0000;
/// The namespaces unshare_nsproxy_namespaces wants CAP_SYS_ADMIN for.
pub const CLONE_NS_NEEDING_ADMIN: u64 =
    CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWCGROUP | CLONE_NEWTIME;

/// kernel/fork.c check_unshare_flags. The sighand and mm sharing checks
/// are taken as the thread-group one (a task sharing them without being a
/// thread is rare: CLONE_SIGHAND or CLONE_VM without CLONE_THREAD).
fn check_unshare_flags(flags: u64, thread_group_empty: bool) -> Check {
    let known = CLONE_THREAD
        | CLONE_FS
        | CLONE_NEWNS
        | CLONE_SIGHAND
        | CLONE_VM
        | CLONE_FILES
        | CLONE_SYSVSEM
        | CLONE_NEWUTS
        | CLONE_NEWIPC
        | CLONE_NEWNET
        | CLONE_NEWUSER
        | CLONE_NEWPID
        | CLONE_NEWCGROUP
        | CLONE_NEWTIME;
    if flags & !known != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & (CLONE_THREAD | CLONE_SIGHAND | CLONE_VM) != 0 && !thread_group_empty {
        return Err(Errno::EINVAL);
    }
    Ok(())
}

/// kernel/fork.c ksys_unshare: the implied flags, check_unshare_flags,
/// then unshare_nsproxy_namespaces' CAP_SYS_ADMIN. With CLONE_NEWUSER the
/// other namespaces are made in the new user namespace, where the task has
/// every capability, and creating a user namespace needs none: the kernel
/// runs it (create_user_ns has its own checks).
pub fn unshare(c: &Creds, world: &dyn World, unshare_flags: u64) -> Check {
    let mut flags = unshare_flags;
    if flags & CLONE_NEWUSER != 0 {
        flags |= CLONE_THREAD | CLONE_FS;
    }
    if flags & CLONE_VM != 0 {
        flags |= CLONE_SIGHAND;
    }
    if flags & CLONE_SIGHAND != 0 {
        flags |= CLONE_THREAD;
    }
    if flags & CLONE_NEWNS != 0 {
        flags |= CLONE_FS;
    }
    check_unshare_flags(flags, world.caller().thread_group_empty)?;
    // unshare_fs, unshare_fd: ENOMEM/EMFILE only. unshare_userns.
    if flags & CLONE_NEWUSER != 0 {
        return Ok(());
    }
    // unshare_nsproxy_namespaces
    if flags & CLONE_NS_NEEDING_ADMIN != 0 && !c.capable(CAP_SYS_ADMIN) {
        return Err(Errno::EPERM);
    }
    Ok(())
}

/// kernel/nsproxy.c setns(fd, flags) for a /proc/PID/ns file: the type
/// check, then the namespace's install operation. A pidfd, or a user
/// namespace (userns_install needs CAP_SYS_ADMIN in the target namespace,
/// which credshim does not know), goes to the kernel.
pub fn setns(c: &Creds, world: &dyn World, fd: i32, flags: i32) -> Check {
    let Some(ns) = world.ns_file(fd) else { return Ok(()) };
    if flags != 0 && ns.clone_flag() != flags as u32 as u64 {
        return Err(Errno::EINVAL);
    }
    // prepare_nsset: ENOMEM only. validate_ns: ns->ops->install. Each one
    // wants CAP_SYS_ADMIN over the namespace's owner *and* in the caller's
    // own user namespace (nsset->cred->user_ns); lacking the second is
    // enough for EPERM whoever owns the namespace.
    let admin = c.capable(CAP_SYS_ADMIN);
    match ns {
        NsType::User => Ok(()),
        // mntns_install: CAP_SYS_ADMIN and CAP_SYS_CHROOT.
        NsType::Mnt if !admin || !c.capable(CAP_SYS_CHROOT) => Err(Errno::EPERM),
        // timens_install: current_is_single_threaded (EUSERS) first.
        NsType::Time if !world.caller().thread_group_empty => Ok(()),
        _ if !admin => Err(Errno::EPERM),
        _ => Ok(()),
    }
}

/// fs/namespace.c may_mount: CAP_SYS_ADMIN over the caller's mount
/// namespace, which is owned by the container's user namespace.
fn may_mount(c: &Creds) -> bool {
    c.capable(CAP_SYS_ADMIN)
}

const MS_MGC_MSK: u64 = 0xffff_0000;
const MS_MGC_VAL: u64 = 0xc0ed_0000;
const MS_NOUSER: u64 = 1 << 31;

/// mount(2): copy_mount_string(type), copy_mount_string(dev_name),
/// copy_mount_options(data) (their EFAULT is the kernel's), then do_mount:
/// user_path_at(dir_name, LOOKUP_FOLLOW), then path_mount's MS_NOUSER
/// (EINVAL) and may_mount (EPERM).
pub fn mount(c: &Creds, world: &dyn World, dev_name: u64, dir_name: u64, type_: u64, flags: u64, data: u64, mem: &mut dyn UserMem) -> Check {
    if !readable(mem, type_, true) || !readable(mem, dev_name, true) || !readable(mem, data, false) {
        return Ok(());
    }
    let Some(dir) = getname(mem, dir_name) else { return Ok(()) };
    if world.lookup(&dir, true).is_none() {
        return Ok(());
    }
    // path_mount
    let mut flags = flags;
    if flags & MS_MGC_MSK == MS_MGC_VAL {
        flags &= !MS_MGC_MSK;
    }
    if flags & MS_NOUSER != 0 {
        return Err(Errno::EINVAL);
    }
    if !may_mount(c) {
        return Err(Errno::EPERM);
    }
    Ok(())
}

const MNT_FORCE: i32 = 1;
const MNT_DETACH: i32 = 2;
const MNT_EXPIRE: i32 = 4;
const UMOUNT_NOFOLLOW: i32 = 8;

/// umount2(2): ksys_umount's flags check, user_path_at(LOOKUP_MOUNTPOINT,
/// LOOKUP_FOLLOW unless UMOUNT_NOFOLLOW), then can_umount's may_mount
/// (EPERM, before "not a mount point").
pub fn umount(c: &Creds, world: &dyn World, name: u64, flags: i32, mem: &mut dyn UserMem) -> Check {
    if flags & !(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW) != 0 {
        return Err(Errno::EINVAL);
    }
    let Some(path) = getname(mem, name) else { return Ok(()) };
    if world.lookup(&path, flags & UMOUNT_NOFOLLOW == 0).is_none() {
        return Ok(());
    }
    if !may_mount(c) {
        return Err(Errno::EPERM);
    }
    Ok(())
}

/// pivot_root(2): may_mount is its first check.
pub fn pivot_root(c: &Creds) -> Check {
    if !may_mount(c) {
        return Err(Errno::EPERM);
    }
    Ok(())
}

const SECCOMP_SET_MODE_FILTER: u32 = 1;
const SECCOMP_MODE_STRICT: u64 = 1;
const SECCOMP_MODE_FILTER: u64 = 2;
const SECCOMP_FILTER_FLAG_TSYNC: u32 = 1 << 0;
const SECCOMP_FILTER_FLAG_NEW_LISTENER: u32 = 1 << 3;
const SECCOMP_FILTER_FLAG_TSYNC_ESRCH: u32 = 1 << 4;
const SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: u32 = 1 << 5;
const SECCOMP_FILTER_FLAG_MASK: u32 = 0x3f;
/// include/uapi/linux/bpf_common.h BPF_MAXINSNS.
const BPF_MAXINSNS: u16 = 4096;

/// kernel/seccomp.c seccomp_prepare_user_filter: copy the (compat_)sock_fprog,
/// then seccomp_prepare_filter: the length, then "Installing a seccomp
/// filter requires that the task has CAP_SYS_ADMIN in its namespace or be
/// running with no_new_privs". The program itself is checked after that,
/// by the kernel.
fn seccomp_prepare_user_filter(c: &Creds, compat: bool, user_filter: u64, mem: &mut dyn UserMem) -> Check {
    let mut fprog = [0u8; 16];
    let size = if compat { 8 } else { 16 };
    mem.read(user_filter, &mut fprog[..size])?;
    let len = u16::from_ne_bytes([fprog[0], fprog[1]]);
    if len == 0 || len > BPF_MAXINSNS {
        return Err(Errno::EINVAL);
    }
    if !c.no_new_privs && !c.capable(CAP_SYS_ADMIN) {
        return Err(Errno::EACCES);
    }
    Ok(())
}

/// kernel/seccomp.c seccomp_set_mode_filter: the flags, then the filter.
fn seccomp_set_mode_filter(c: &Creds, compat: bool, flags: u32, filter: u64, mem: &mut dyn UserMem) -> Check {
    if flags & !SECCOMP_FILTER_FLAG_MASK != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & SECCOMP_FILTER_FLAG_TSYNC != 0
        && flags & SECCOMP_FILTER_FLAG_NEW_LISTENER != 0
        && flags & SECCOMP_FILTER_FLAG_TSYNC_ESRCH == 0
    {
        return Err(Errno::EINVAL);
    }
    if flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV != 0 && flags & SECCOMP_FILTER_FLAG_NEW_LISTENER == 0 {
        return Err(Errno::EINVAL);
    }
    seccomp_prepare_user_filter(c, compat, filter, mem)
}

/// seccomp(2): do_seccomp. Only SECCOMP_SET_MODE_FILTER has a credential
/// check; the other operations run in the kernel.
pub fn seccomp(c: &Creds, compat: bool, op: u32, flags: u32, uargs: u64, mem: &mut dyn UserMem) -> Check {
    if op != SECCOMP_SET_MODE_FILTER {
        return Ok(());
    }
    seccomp_set_mode_filter(c, compat, flags, uargs, mem)
}

/// prctl(PR_SET_SECCOMP, mode, filter): prctl_set_seccomp. Strict mode
/// needs no capability; an unknown mode is EINVAL.
pub fn prctl_set_seccomp(c: &Creds, compat: bool, mode: u64, filter: u64, mem: &mut dyn UserMem) -> Check {
    match mode {
        SECCOMP_MODE_STRICT => Ok(()),
        // "prctl interface doesn't have flags, so they are always zero."
        SECCOMP_MODE_FILTER => seccomp_set_mode_filter(c, compat, 0, filter, mem),
        _ => Err(Errno::EINVAL),
    }
}

/// kernel/sys.c sethostname and setdomainname: "if
/// (!ns_capable(current->nsproxy->uts_ns->user_ns, CAP_SYS_ADMIN)) return
/// -EPERM", before the length check. The UTS namespace is the container's
/// (or the host's, where the real task fails the same check).
pub fn sethostname(c: &Creds) -> Check {
    if !c.capable(CAP_SYS_ADMIN) {
        return Err(Errno::EPERM);
    }
    Ok(())
}
