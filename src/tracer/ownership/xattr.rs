//! The xattr family with `--ownership xattr`: `user.rootlesscontainers`
//! holds credshim's owners, so to the tracees it does not exist (the
//! rootless-containers proto asks for this): getxattr and removexattr of it
//! fail with ENODATA, setxattr of it with EPERM, and listxattr leaves it out.

use super::{task_path, Owners};
use crate::sys::mem::TraceeMem;
use crate::sys::ptrace::Tid;
use credshim_shims::rootlesscontainers::XATTR_NAME;
use credshim_shims::decode::{Syscall, XattrFile};
use credshim_shims::table::Shim;
use credshim_shims::{Errno, UserMem};
use std::path::PathBuf;

pub fn xattr_call(tid: Tid, shim: Shim, call: &Syscall, mem: &mut TraceeMem, owners: &Owners) -> Option<i64> {
    if !owners.enabled() {
        return None;
    }
    let (name, e) = match *call {
        Syscall::Listxattr { file, list, size } => {
            let (path, follow) = match file {
                XattrFile::Fd(fd) => (PathBuf::from(format!("/proc/{tid}/fd/{fd}")), true),
                XattrFile::Path { path, follow } => (task_path(tid, libc::AT_FDCWD, &mem.read_cstr(path, 4096).ok()?, 0), follow),
            };
            return listxattr_call(&path, follow, list, size as usize, mem);
        }
        Syscall::Setxattr { name, .. } => (name, Errno::EPERM),
        Syscall::Getxattr { name, .. } | Syscall::Removexattr { name, .. } => (name, Errno::ENODATA),
        _ => return None,
    };
    let name = mem.read_cstr(name, 256).ok()?;
    if name != XATTR_NAME.as_bytes() {
        return None;
    }
    log::debug!("[pid {tid}] {XATTR_NAME} is credshim's: {shim:?} gives {e}");
    Some(e.ret())
}

/// listxattr without credshim's name: None when the name is not in the
/// list (the kernel answers), else the list as the kernel would give it.
fn listxattr_call(path: &std::path::Path, follow: bool, buf: u64, size: usize, mem: &mut TraceeMem) -> Option<i64> {
    let c = super::cpath(path).ok()?;
    let list = |b: &mut [u8]| -> isize {
        // SAFETY: a C string and a live buffer of the given size (or none).
        unsafe {
            let f = if follow { libc::listxattr } else { libc::llistxattr };
            f(c.as_ptr(), b.as_mut_ptr() as *mut libc::c_char, b.len())
        }
    };
    let n = list(&mut []);
    if n <= 0 {
        return None;
    }
    let mut all = vec![0u8; n as usize];
    let n = list(&mut all);
    if n < 0 {
        return None;
    }
    all.truncate(n as usize);
    let names: Vec<&[u8]> = all.split(|&b| b == 0).filter(|s| !s.is_empty()).collect();
    if !names.contains(&XATTR_NAME.as_bytes()) {
        return None;
    }
    let mut out = Vec::with_capacity(all.len());
    for s in names.into_iter().filter(|s| *s != XATTR_NAME.as_bytes()) {
        out.extend_from_slice(s);
        out.push(0);
    }
    if size == 0 {
        return Some(out.len() as i64);
    }
    if size < out.len() {
        return Some(Errno::ERANGE.ret());
    }
    Some(mem.write(buf, &out).map(|()| out.len() as i64).unwrap_or_else(|e| e.ret()))
}
