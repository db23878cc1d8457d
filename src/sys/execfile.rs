//! What exec needs to know of a file, read from the file system as the
//! tracer sees it: owner, mode, nosuid, `security.capability`, and the
//! virtual owner recorded in `user.rootlesscontainers` (the rootless
//! containers convention umoci writes), which wins over the real owner.

use credshim_shims::commoncap::VfsCaps;
use credshim_shims::exec::ExecFile;
use credshim_shims::rootlesscontainers;
use crate::sys::idmap;
use super::fs::Inode;
use std::ffi::CString;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// getxattr (or lgetxattr without `follow`) of one attribute.
pub fn xattr_get(path: &Path, name: &str, follow: bool) -> Option<Vec<u8>> {
    let p = CString::new(path.as_os_str().as_bytes()).ok()?;
    let n = CString::new(name).ok()?;
    let mut buf = vec![0u8; 256];
    // SAFETY: C strings and a live buffer of the given size.
    let r = unsafe {
        let f = if follow { libc::getxattr } else { libc::lgetxattr };
        f(p.as_ptr(), n.as_ptr(), buf.as_mut_ptr() as *mut libc::c_void, buf.len())
    };
    if r < 0 {
        return None;
    }
    buf.truncate(r as usize);
    Some(buf)
}

/// `xattr_get` of `rel` under the directory `dir`, or of `dir`'s file for
/// an empty `rel` (getxattrat, Linux 6.13); on an older kernel (ENOSYS)
/// through /proc/self/fd/DIR/REL.
pub fn xattr_get_at(dir: std::os::fd::RawFd, rel: &std::ffi::CStr, name: &str, follow: bool) -> Option<Vec<u8>> {
    /// include/uapi/linux/xattr.h struct xattr_args (XATTR_ARGS_SIZE_VER0).
    #[repr(C)]
    struct XattrArgs {
        value: u64,
        size: u32,
        flags: u32,
    }
    static NO_AT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if !NO_AT.load(std::sync::atomic::Ordering::Relaxed) {
        let n = CString::new(name).ok()?;
        let mut buf = vec![0u8; 256];
        let mut args = XattrArgs { value: buf.as_mut_ptr() as u64, size: buf.len() as u32, flags: 0 };
        let at_flags = if follow { 0 } else { libc::AT_SYMLINK_NOFOLLOW } | if rel.is_empty() { libc::AT_EMPTY_PATH } else { 0 };
        // SAFETY: C strings, and `args` points at a live buffer of its size.
        let r = unsafe { libc::syscall(SYS_GETXATTRAT, dir, rel.as_ptr(), at_flags, n.as_ptr(), &mut args as *mut XattrArgs, std::mem::size_of::<XattrArgs>()) };
        if r >= 0 {
            buf.truncate(r as usize);
            return Some(buf);
        }
        match std::io::Error::last_os_error().raw_os_error() {
            Some(libc::ENOSYS) => NO_AT.store(true, std::sync::atomic::Ordering::Relaxed),
            // An empty `rel` is fdget of `dir`, which refuses an O_PATH
            // file: the magic link below reaches it.
            Some(libc::EBADF) if rel.is_empty() => {}
            _ => return None,
        }
    }
    // (an empty `rel`: the magic link itself, followed)
    let mut b = format!("/proc/self/fd/{dir}").into_bytes();
    if !rel.is_empty() {
        b.push(b'/');
        b.extend_from_slice(rel.to_bytes());
    }
    xattr_get(Path::new(std::ffi::OsStr::from_bytes(&b)), name, follow)
}

/// getxattrat(2)'s number: the same on every architecture (Linux 6.13).
const SYS_GETXATTRAT: libc::c_long = 464;

fn nosuid(path: &Path) -> bool {
    let Ok(p) = CString::new(path.as_os_str().as_bytes()) else { return false };
    // SAFETY: `st` is written by statvfs.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::statvfs(p.as_ptr(), &mut st) };
    r == 0 && st.f_flag & libc::ST_NOSUID != 0
}

/// An owner as stat shows it inside credshim's user namespace: the
/// overflow id stands for an owner the namespace does not map (a host
/// file owned by host root, seen from a single-id namespace). Such an
/// owner is no id at all: the kernel ignores set-id bits it names
/// (bprm_fill_uid: "no mappings for them in the ns"), and so does the model.
pub fn unmapped_as_none(id: u32, is_uid: bool) -> u32 {
    let mapped = if is_uid { idmap::uid_mapped(id) } else { idmap::gid_mapped(id) };
    if id == idmap::overflow(is_uid) && !mapped {
        credshim_shims::id::NO_ID
    } else {
        id
    }
}

/// The exec view of `path` (symlinks followed, as execve does);
/// `recorded` gives the owner credshim recorded for the file.
pub fn read(path: &Path, recorded: impl Fn(&Path, &Inode) -> Option<(u32, u32)>) -> io::Result<ExecFile> {
    let md = std::fs::metadata(path)?;
    let (mut uid, mut gid) = match recorded(path, &Inode::from(&md)) {
        Some(owner) => owner,
        None => (unmapped_as_none(md.uid(), true), unmapped_as_none(md.gid(), false)),
    };
    if let Some((u, g)) = xattr_get(path, rootlesscontainers::XATTR_NAME, true).as_deref().and_then(rootlesscontainers::decode) {
        uid = u.unwrap_or(uid);
        gid = g.unwrap_or(gid);
    }
    Ok(ExecFile {
        uid,
        gid,
        mode: md.mode(),
        nosuid: nosuid(path),
        caps: xattr_get(path, "security.capability", true).as_deref().and_then(VfsCaps::from_xattr),
    })
}

/// Does the file start with `#!` (binfmt_script: the credentials then come
/// from the interpreter, which the exec event shows).
pub fn is_script(path: &Path) -> bool {
    use std::io::Read;
    let mut b = [0u8; 2];
    std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut b)).is_ok() && &b == b"#!"
}
