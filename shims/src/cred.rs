//! `struct cred` (include/linux/cred.h): the credentials of one task.

use crate::capset::CapSet;
use crate::id::{Kgid, Kuid};
use crate::securebits::SecureBits;
use std::sync::Arc;

/// A sorted supplementary group list (`struct group_info`), shared on clone.
pub type Groups = Arc<[Kgid]>;

/// The virtual credentials of one task. A copy is what `prepare_creds` makes;
/// a shim returns the new value and the caller commits it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Creds {
    pub uid: Kuid,
    pub euid: Kuid,
    pub suid: Kuid,
    pub fsuid: Kuid,
    pub gid: Kgid,
    pub egid: Kgid,
    pub sgid: Kgid,
    pub fsgid: Kgid,
    /// Sorted ascending, as groups_sort leaves it.
    pub groups: Groups,
    pub cap_inheritable: CapSet,
    pub cap_permitted: CapSet,
    pub cap_effective: CapSet,
    pub cap_bset: CapSet,
    pub cap_ambient: CapSet,
    pub securebits: SecureBits,
    /// PFA_NO_NEW_PRIVS: a task flag rather than a cred field, but it travels
    /// the same way (copied on clone, kept across exec) and decides exec.
    pub no_new_privs: bool,
    /// The mm's dumpable flag (MMF_DUMPABLE bits: SUID_DUMP_DISABLE 0,
    /// SUID_DUMP_USER 1, SUID_DUMP_ROOT 2): an mm flag rather than a cred
    /// field, kept here because commit_creds and exec set it and the
    /// owner of /proc/PID/* and ptrace's access check read it. Copied on
    /// clone (dup_mm keeps the flags); exec sets it anew.
    pub dumpable: u8,
}

impl Creds {
    /// Root with every capability, as the init task or a new user namespace's
    /// first process has.
    pub fn init_root() -> Creds {
        Creds {
            uid: Kuid(0),
            euid: Kuid(0),
            suid: Kuid(0),
            fsuid: Kuid(0),
            gid: Kgid(0),
            egid: Kgid(0),
            sgid: Kgid(0),
            fsgid: Kgid(0),
            groups: Arc::from(Vec::new()),
            cap_inheritable: CapSet::EMPTY,
            cap_permitted: CapSet::FULL,
            cap_effective: CapSet::FULL,
            cap_bset: CapSet::FULL,
            cap_ambient: CapSet::EMPTY,
            securebits: SecureBits(0),
            no_new_privs: false,
            dumpable: SUID_DUMP_USER,
        }
    }

    /// A non-root user with no capabilities (what `--uid/--gid/--groups` start
    /// a command as), keeping the bounding set.
    pub fn user(uid: u32, gid: u32, groups: &[u32]) -> Creds {
        let mut c = Creds::init_root();
        c.uid = Kuid(uid);
        c.euid = Kuid(uid);
        c.suid = Kuid(uid);
        c.fsuid = Kuid(uid);
        c.gid = Kgid(gid);
        c.egid = Kgid(gid);
        c.sgid = Kgid(gid);
        c.fsgid = Kgid(gid);
        c.groups = sorted_groups(groups.iter().map(|&g| Kgid(g)).collect());
        if uid != 0 {
            c.cap_permitted = CapSet::EMPTY;
            c.cap_effective = CapSet::EMPTY;
        }
        c
    }

    /// ns_capable(current_user_ns(), cap): in the task's own namespace a
    /// capability is held when it is in the effective set.
    pub fn capable(&self, cap: u32) -> bool {
        self.cap_effective.raised(cap)
    }

    /// kernel/groups.c in_group_p: the fsgid or a supplementary group.
    pub fn in_group_p(&self, gid: Kgid) -> bool {
        gid == self.fsgid || self.groups.binary_search(&gid).is_ok()
    }

    /// cap_ambient_invariant_ok: ambient ⊆ permitted ∩ inheritable.
    pub fn ambient_invariant_ok(&self) -> bool {
        self.cap_ambient
            .issubset(self.cap_permitted.intersect(self.cap_inheritable))
    }
}

/// include/linux/sched/coredump.h.
pub const SUID_DUMP_DISABLE: u8 = 0;
pub const SUID_DUMP_USER: u8 = 1;

/// kernel/cred.c commit_creds, its one effect besides installing `new`:
/// a change of the effective or fs ids, or permitted capabilities that are
/// not a subset of the old ones, set the mm's dumpable flag to the
/// fs.suid_dumpable sysctl (`suid_dumpable`).
pub fn commit_creds(old: &Creds, mut new: Creds, suid_dumpable: u8) -> Creds {
    if old.euid != new.euid
        || old.egid != new.egid
        || old.fsuid != new.fsuid
        || old.fsgid != new.fsgid
        || !new.cap_permitted.issubset(old.cap_permitted)
    {
        new.dumpable = suid_dumpable;
    }
    new
}

/// kernel/groups.c groups_sort: ascending by kgid, duplicates kept.
pub fn sorted_groups(mut groups: Vec<Kgid>) -> Groups {
    groups.sort_unstable();
    Arc::from(groups)
}

/// kernel/cred.c copy_creds: a new task (fork, vfork, clone, a thread) starts
/// with a copy of its parent's credentials.
pub fn copy_creds(parent: &Creds) -> Creds {
    parent.clone()
}
