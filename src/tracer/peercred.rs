//! getsockopt(fd, SOL_SOCKET, SO_PEERCRED): the credentials of a unix
//! socket's peer. The kernel gives the peer's real ids; when credshim traces
//! the peer, it gives its virtual euid and egid instead, as
//! net/core/sock.c (cred_to_ucred) would from the peer's credentials, so
//! that peer authentication (PostgreSQL's `peer`, D-Bus, …) sees the user
//! the peer dropped to. The pid stays the kernel's. SO_PEERGROUPS likewise
//! gives a traced peer's virtual supplementary groups (message buses read
//! them for group policies).

use super::tasks::TaskTable;
use super::tgid_of;
use crate::sys::mem::TraceeMem;
use crate::sys::fs::dup_from;
use crate::sys::ptrace::Tid;
use credshim_shims::decode::Syscall;
use credshim_shims::table::{SOL_SOCKET, SO_PEERCRED, SO_PEERGROUPS};
use credshim_shims::UserMem;
use std::os::fd::AsRawFd;

/// struct ucred { pid_t pid; uid_t uid; gid_t gid; }
const UCRED_LEN: usize = 12;

/// Some(answer) when the peer is traced; None to let the kernel answer
/// (not a socket, no peer, an untraced peer, any error).
pub fn getsockopt_call(tid: Tid, call: &Syscall, tasks: &TaskTable, mem: &mut TraceeMem) -> Option<i64> {
    let Syscall::Getsockopt { fd, level, optname, optval, optlen } = *call else { return None };
    // Without the filter (--no-seccomp, or a hook that stops at every call)
    // every getsockopt comes here: only SO_PEERCRED and SO_PEERGROUPS are
    // credshim's.
    let peergroups = match (level as u32, optname as u32) {
        (SOL_SOCKET, SO_PEERCRED) => false,
        (SOL_SOCKET, SO_PEERGROUPS) => true,
        _ => return None,
    };
    let mut len = [0u8; 4];
    mem.read(optlen, &mut len).ok()?;
    let len = i32::from_le_bytes(len);
    if len < 0 {
        return None; // EINVAL: the kernel says it
    }
    let sock = dup_from(tgid_of(tid)?, fd)?;
    // SAFETY: getsockopt into a local ucred.
    let mut cred: libc::ucred = unsafe { std::mem::zeroed() };
    let mut n = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    let r = unsafe {
        libc::getsockopt(sock.as_raw_fd(), libc::SOL_SOCKET, libc::SO_PEERCRED, &mut cred as *mut _ as *mut libc::c_void, &mut n)
    };
    if r != 0 || cred.pid <= 0 {
        return None;
    }
    let peer = tasks.creds(cred.pid)?;
    if peergroups {
        log::debug!("[pid {tid}] SO_PEERGROUPS of fd {fd}: peer {} with {} groups", cred.pid, peer.groups.len());
        return Some(peer_groups(len, optval, optlen, &peer.groups, mem));
    }
    let mut out = [0u8; UCRED_LEN];
    out[..4].copy_from_slice(&cred.pid.to_le_bytes());
    out[4..8].copy_from_slice(&peer.euid.0.to_le_bytes());
    out[8..].copy_from_slice(&peer.egid.0.to_le_bytes());
    let len = (len as usize).min(UCRED_LEN);
    log::debug!("[pid {tid}] SO_PEERCRED of fd {fd}: peer {} as {}:{}", cred.pid, peer.euid.0, peer.egid.0);
    if let Err(e) = mem.write(optval, &out[..len]) {
        return Some(e.ret());
    }
    Some(mem.write(optlen, &(len as u32).to_le_bytes()).map(|()| 0).unwrap_or_else(|e| e.ret()))
}

/// net/core/sock.c sk_getsockopt SO_PEERGROUPS, for the peer's groups (the
/// peer's cred exists: it is traced): a buffer too small gets the size
/// needed in `optlen` and ERANGE; else groups_to_user (from_kgid_munged:
/// the virtual namespace maps every id), then the length.
fn peer_groups(len: i32, optval: u64, optlen: u64, groups: &[credshim_shims::Kgid], mem: &mut TraceeMem) -> i64 {
    let need = groups.len() * 4;
    if (len as usize) < need {
        let r = mem.write(optlen, &(need as i32).to_le_bytes());
        return r.map(|()| credshim_shims::Errno::ERANGE.ret()).unwrap_or_else(|e| e.ret());
    }
    let mut out = Vec::with_capacity(need);
    for g in groups {
        out.extend_from_slice(&g.0.to_le_bytes());
    }
    if let Err(e) = mem.write(optval, &out) {
        return e.ret();
    }
    mem.write(optlen, &(need as i32).to_le_bytes()).map(|()| 0).unwrap_or_else(|e| e.ret())
}
