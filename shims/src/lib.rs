//! credshim's model of Linux task credentials.
//!
//! Pure: no I/O, no ptrace, no unsafe. Each public function mirrors one kernel
//! function, with the kernel's argument order and order of checks, and says
//! which file it mirrors. The virtual user namespace is the identity map of
//! every id but -1, which is what real root on a host sees.
//!
//! | module | mirrors |
//! | --- | --- |
//! | [`errno`] | include/uapi/asm-generic/errno-base.h |
//! | [`id`] | include/linux/uidgid.h, include/linux/highuid.h |
//! | [`capset`] | include/linux/capability.h |
//! | [`securebits`] | include/uapi/linux/securebits.h |
//! | [`cred`] | include/linux/cred.h (`struct cred`), kernel/cred.c |
//! | [`mem`] | get_user/put_user/copy_{from,to}_user |
//! | [`sys`] | kernel/sys.c: set*id, get*id, setfs*id, prctl |
//! | [`uid16`] | kernel/uid16.c: the i386 16-bit id calls |
//! | [`groups`] | kernel/groups.c |
//! | [`capability`] | kernel/capability.c: capget, capset |
//! | [`commoncap`] | security/commoncap.c |
//! | [`exec`] | fs/exec.c bprm_fill_uid + the credential part of execve |
//! | [`chown`] | fs/open.c chown_common, fs/attr.c chown_ok and chgrp_ok |
//! | [`inode`] | fs/inode.c inode_init_owner, mode_strip_sgid |
//! | [`namei`] | fs/namei.c, fs/open.c, fs/attr.c, fs/posix_acl.c: file permission checks (DAC) |
//! | [`procfs`] | fs/proc/array.c task_state, task_cap: /proc/PID/status of a virtual task |
//! | [`runtime`] | runc's libcontainer finalizeNamespace: a container's user and capabilities |
//! | [`rootlesscontainers`] | the `user.rootlesscontainers` xattr (rootless-containers/proto) |
//! | [`signal`] | kernel/signal.c: kill_ok_by_cred, check_kill_permission |
//! | [`ns`] | the capability checks of chroot, unshare, setns, mount, umount2, pivot_root, seccomp filters, sethostname |
//! | [`world`] | what those checks know of other tasks, files and namespace files |
//! | [`table`] | the shim table: which syscalls, per arch, their class, arity and filter rule |
//! | [`decode`] | a row's registers → a typed `Syscall`, per ABI (the kernel's SYSCALL_DEFINEs) |
//! | [`decide`] | `model`: a `Syscall` → the `Outcome` (answer, credentials to commit) for the model's rows |
#![forbid(unsafe_code)]

pub mod capability;
pub mod capset;
pub mod chown;
pub mod commoncap;
pub mod cred;
pub mod decide;
pub mod decode;
pub mod errno;
pub mod exec;
pub mod groups;
pub mod id;
pub mod inode;
pub mod mem;
pub mod namei;
pub mod ns;
pub mod procfs;
pub mod ptrace;
pub mod rootlesscontainers;
pub mod runtime;
pub mod securebits;
pub mod signal;
pub mod sys;
pub mod table;
pub mod uid16;
pub mod world;

pub use capset::CapSet;
pub use cred::Creds;
pub use errno::Errno;
pub use id::{Kgid, Kuid};
pub use mem::UserMem;
pub use securebits::SecureBits;
