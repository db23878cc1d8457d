//! The credential side of execve: the MAY_EXEC check of fs/namei.c,
//! fs/exec.c bprm_fill_uid, kernel/cred.c prepare_exec_creds, then
//! security/commoncap.c cap_bprm_creds_from_file.

use crate::commoncap::{cap_bprm_creds_from_file, Bprm};
use crate::cred::Creds;
use crate::errno::Errno;
use crate::id::{Kgid, Kuid};
use crate::namei::{generic_permission, Inode, MAY_EXEC, MAY_READ, S_ISGID, S_ISUID, S_IXGRP};


pub use crate::commoncap::ExecFile;

/// The file as fs/namei.c's checks see it (exec's files carry no ACL).
fn inode(file: &ExecFile) -> Inode {
    Inode::new(file.mode, file.uid, file.gid)
}

/// do_open_execat's inode_permission(MAY_EXEC): generic_permission for a
/// regular file without ACLs (the owner, group or other class, then
/// CAP_DAC_OVERRIDE lets a file with any execute bit run).
pub fn may_exec(c: &Creds, file: &ExecFile) -> Result<(), Errno> {
    generic_permission(c, &inode(file), MAY_EXEC)
}

/// fs/exec.c would_dump's inode_permission(MAY_READ): an executable the
/// task cannot read leaves it non-dumpable (BINPRM_FLAGS_ENFORCE_NONDUMP).
pub fn may_read(c: &Creds, file: &ExecFile) -> bool {
    generic_permission(c, &inode(file), MAY_READ).is_ok()
}

/// fs/exec.c bprm_fill_uid: set-user-ID and set-group-ID files.
fn bprm_fill_uid(new: &mut Creds, old: &Creds, file: &ExecFile) {
    if file.nosuid {
        return;
    }
    if old.no_new_privs {
        return;
    }
    let mode = file.mode;
    if mode & (S_ISUID | S_ISGID) == 0 {
        return;
    }
    // We ignore suid/sgid if there are no mappings for them in the ns.
    let (uid, gid) = (Kuid(file.uid), Kgid(file.gid));
    if !uid.valid() || !gid.valid() {
        return;
    }
    if mode & S_ISUID != 0 {
        new.euid = uid;
    }
    if mode & (S_ISGID | S_IXGRP) == (S_ISGID | S_IXGRP) {
        new.egid = gid;
    }
}

/// kernel/cred.c prepare_exec_creds.
fn prepare_exec_creds(old: &Creds) -> Creds {
    let mut new = old.clone();
    new.suid = new.euid;
    new.fsuid = new.euid;
    new.sgid = new.egid;
    new.fsgid = new.egid;
    new
}

/// The credentials a task has after it executes `file` (begin_new_exec commits
/// them), with the dumpable flag begin_new_exec and commit_creds leave
/// (`suid_dumpable`: the fs.suid_dumpable sysctl). An error makes the
/// execve fail with it.
pub fn exec_creds(old: &Creds, file: &ExecFile, suid_dumpable: u8) -> Result<Creds, Errno> {
    // do_open_execat: inode_permission(MAY_EXEC)
    may_exec(old, file)?;
    let mut new = prepare_exec_creds(old);
    bprm_fill_uid(&mut new, old, file);
    let mut bprm = Bprm { cred: new, file, unsafe_no_new_privs: old.no_new_privs };
    cap_bprm_creds_from_file(&mut bprm, old)?;
    // begin_new_exec: "Figure out dumpability", from the ids the task had
    // before the exec, then commit_creds of the new ones.
    let mut new = bprm.cred;
    new.dumpable = if !may_read(old, file) || old.euid != old.uid || old.egid != old.gid {
        suid_dumpable
    } else {
        crate::cred::SUID_DUMP_USER
    };
    Ok(crate::cred::commit_creds(old, new, suid_dumpable))
}
