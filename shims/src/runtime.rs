//! The credentials an OCI runtime leaves a container's process with just
//! before it execs it as a user: runc's libcontainer `finalizeNamespace`
//! (init_linux.go), replayed on the model. runc has applied the bounding
//! set already (`ApplyBoundingSet`, while still root); then
//! `system.SetKeepCaps`, `setupUser` (setgroups, setgid, setuid),
//! `system.ClearKeepCaps` and `ApplyCaps` (capset of the effective,
//! permitted and inheritable sets, then each ambient capability raised or
//! lowered, an EINVAL ignored as gocapability's `Apply` does).

use crate::capset::{CapSet, CAP_LAST_CAP};
use crate::commoncap::{cap_capset, PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, PR_CAP_AMBIENT_RAISE, PR_SET_KEEPCAPS};
use crate::groups::setgroups_with;
use crate::sys::{prctl, setgid, setuid};
use crate::{Creds, Errno, Kgid};

/// process.user as the runtime applies it (ids already resolved: an OCI
/// config names numbers). `groups` is `additionalGids`: with the explicit
/// `uid:gid` form runc adds no supplementary groups of its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub uid: u32,
    pub gid: u32,
    pub groups: Vec<u32>,
}

/// process.capabilities but the bounding set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Caps {
    pub effective: CapSet,
    pub permitted: CapSet,
    pub inheritable: CapSet,
    pub ambient: CapSet,
}

/// The step that failed, as runc names it in its error, and the errno.
pub type Failure = (&'static str, Errno);

fn apply(old: &Creds, option: u64, arg2: u64, arg3: u64) -> Result<Creds, Errno> {
    match prctl(old, option, arg2, arg3, 0, 0) {
        Some(Ok(a)) => Ok(a.commit.unwrap_or_else(|| old.clone())),
        Some(Err(e)) => Err(e),
        None => Err(Errno::EINVAL),
    }
}

/// From `own` (the runtime's process as root of the container, its
/// bounding set applied), the credentials runc execs the process with.
pub fn finalize_namespace(own: &Creds, user: &User, caps: &Caps) -> Result<Creds, Failure> {
    // system.SetKeepCaps: preserve existing capabilities while we change users
    let c = apply(own, PR_SET_KEEPCAPS, 1, 0).map_err(|e| ("set keep caps", e))?;
    // setupUser: syscall.Setgroups(suppGroups), system.Setgid, system.Setuid
    let c = setgroups_with(&c, user.groups.len() as i32, |_| Ok(user.groups.iter().map(|&g| Kgid(g)).collect()))
        .map_err(|e| ("setup user", e))?;
    let c = setgid(&c, user.gid).map_err(|e| ("setup user", e))?;
    let c = setuid(&c, user.uid).map_err(|e| ("setup user", e))?;
    // system.ClearKeepCaps
    let c = apply(&c, PR_SET_KEEPCAPS, 0, 0).map_err(|e| ("clear keep caps", e))?;
    // ApplyCaps: capset(effective, permitted, inheritable) ...
    let mut new = c.clone();
    cap_capset(&mut new, &c, caps.effective, caps.inheritable, caps.permitted).map_err(|e| ("apply caps", e))?;
    // ... then PR_CAP_AMBIENT raise or lower of every capability.
    let mut c = new;
    for cap in 0..=CAP_LAST_CAP {
        let action = if caps.ambient.raised(cap) { PR_CAP_AMBIENT_RAISE } else { PR_CAP_AMBIENT_LOWER };
        match apply(&c, PR_CAP_AMBIENT, action, cap as u64) {
            Ok(n) => c = n,
            Err(Errno::EINVAL) => {}
            Err(e) => return Err(("apply caps", e)),
        }
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capset::CAP_NET_BIND_SERVICE;

    fn set(caps: &[u32]) -> CapSet {
        let mut s = CapSet::EMPTY;
        for &c in caps {
            s.raise(c);
        }
        s
    }

    #[test]
    fn a_user_without_capabilities_has_none() {
        let own = Creds::init_root();
        let user = User { uid: 33, gid: 33, groups: vec![33, 27] };
        let c = finalize_namespace(&own, &user, &Caps::default()).expect("runc's steps succeed as root");
        assert_eq!((c.uid.0, c.euid.0, c.suid.0, c.fsuid.0), (33, 33, 33, 33));
        assert_eq!((c.gid.0, c.egid.0, c.sgid.0, c.fsgid.0), (33, 33, 33, 33));
        assert_eq!(c.groups.iter().map(|g| g.0).collect::<Vec<_>>(), [27, 33]);
        assert!(c.cap_permitted.is_empty() && c.cap_effective.is_empty() && c.cap_ambient.is_empty());
        assert_eq!(c.cap_bset, own.cap_bset);
        assert!(!c.securebits.issecure(crate::securebits::SECURE_KEEP_CAPS));
    }

    #[test]
    fn listed_capabilities_survive_the_id_change_and_ambient_ones_are_raised() {
        let own = Creds::init_root();
        let nbs = set(&[CAP_NET_BIND_SERVICE]);
        let caps = Caps { effective: nbs, permitted: nbs, inheritable: nbs, ambient: nbs };
        let c = finalize_namespace(&own, &User { uid: 33, gid: 33, groups: vec![] }, &caps).expect("ok");
        assert_eq!((c.cap_effective, c.cap_permitted, c.cap_inheritable, c.cap_ambient), (nbs, nbs, nbs, nbs));
        // An ambient capability that is not inheritable cannot be raised:
        // prctl says EPERM, and runc fails.
        let caps = Caps { effective: nbs, permitted: nbs, inheritable: CapSet::EMPTY, ambient: nbs };
        assert_eq!(finalize_namespace(&own, &User { uid: 33, gid: 33, groups: vec![] }, &caps), Err(("apply caps", Errno::EPERM)));
    }

    #[test]
    fn without_setgid_the_groups_cannot_be_set() {
        let mut own = Creds::init_root();
        own.cap_effective.lower(crate::capset::CAP_SETGID);
        let r = finalize_namespace(&own, &User { uid: 33, gid: 33, groups: vec![] }, &Caps::default());
        assert_eq!(r, Err(("setup user", Errno::EPERM)));
    }
}
