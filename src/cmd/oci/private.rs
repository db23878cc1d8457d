//! A private bundle: where the runtime wrapper puts the injected config
//! when it may not write the one it was handed.
//!
//! Slurm is the case in point (src/slurmd/slurmstepd/container.c,
//! 22.05): slurmstepd copies the user's config.json into a spool
//! directory of the step (`SlurmdSpoolDir/oci-jobJJJJJ-SSSSS/`, made 0750
//! for the job user) as root, mode 0750, group the job's; root.path points
//! at the user's BUNDLE/rootfs; then it runs the runtime as the job user
//! with that directory as `%b` and its working directory, and at the end
//! unlinks `%b/config.json` and rmdirs `%b`. The job user can read the
//! copy but not write it; an extra file in `%b` would make Slurm's rmdir
//! fail. So the wrapper leaves `%b` alone and writes its own copy to a
//! directory of the user's (`$XDG_RUNTIME_DIR/credshim-bundles`, else
//! `/tmp/credshim-bundles-UID`, 0700), with root.path and relative mount
//! sources made absolute against the original bundle, and hands that
//! directory to the runtime as the bundle. The copy goes when the
//! container does: after `run` (the wrapper then waits for the runtime
//! instead of exec'ing it) and after `delete`.

use super::{plain, OciError};
use serde_json::Value;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Whether the wrapper may not write `config` although it is not
/// read-only on purpose (a file without any write bit stays refused, as
/// `Config::save` says): another's file (Slurm's spool copy), or a
/// read-only filesystem.
pub fn needed(config: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(config) else { return false };
    if meta.permissions().mode() & 0o222 == 0 {
        return false;
    }
    let Ok(c) = std::ffi::CString::new(config.as_os_str().as_encoded_bytes()) else { return false };
    // SAFETY: access on a NUL-terminated path.
    let r = unsafe { libc::faccessat(libc::AT_FDCWD, c.as_ptr(), libc::W_OK, libc::AT_EACCESS) };
    r != 0 && matches!(std::io::Error::last_os_error().raw_os_error(), Some(libc::EACCES | libc::EPERM | libc::EROFS))
}

/// The directory of this user's private bundles: `$XDG_RUNTIME_DIR/
/// credshim-bundles` where that is set, else `/tmp/credshim-bundles-UID`
/// (Slurm runs the runtime with slurmd's environment: no XDG_RUNTIME_DIR,
/// HOME=/root). Created 0700; one that is not a directory of ours, or that
/// others can enter, is refused.
pub fn home() -> Result<PathBuf, OciError> {
    // SAFETY: geteuid cannot fail.
    let uid = unsafe { libc::geteuid() };
    let dir = home_path();
    let err = |cause: String| OciError::Other(format!("private bundles: {}: {cause}", dir.display()));
    match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(err(plain(&e))),
    }
    let meta = std::fs::symlink_metadata(&dir).map_err(|e| err(plain(&e)))?;
    if !meta.is_dir() || meta.uid() != uid || meta.mode() & 0o077 != 0 {
        return Err(err(format!("not a directory of uid {uid} that only it can enter (mode {:04o}, owner {})", meta.mode() & 0o7777, meta.uid())));
    }
    Ok(dir)
}

/// Where `home` is (nothing is created).
fn home_path() -> PathBuf {
    // SAFETY: geteuid cannot fail.
    let uid = unsafe { libc::geteuid() };
    match std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        Some(x) => PathBuf::from(x).join("credshim-bundles"),
        None => PathBuf::from(format!("/tmp/credshim-bundles-{uid}")),
    }
}

/// Whether `bundle` (as the runtime's state names it) is one of ours.
pub fn is_ours(bundle: &Path) -> bool {
    bundle.parent() == Some(home_path().as_path()) && bundle.join("config.json").is_file()
}

/// Removes a private bundle (its config.json, then the directory).
pub fn remove(bundle: &Path) {
    let _ = std::fs::remove_file(bundle.join("config.json"));
    if let Err(e) = std::fs::remove_dir(bundle) {
        log::warn!("private bundle {}: {}", bundle.display(), plain(&e));
    }
}

/// `p` against `base` when it is relative.
fn absolute(base: &Path, p: &str) -> String {
    if p.starts_with('/') {
        p.to_string()
    } else {
        base.join(p).to_string_lossy().into_owned()
    }
}

/// Makes the private bundle of container `id` from `config` (the tree of
/// BUNDLE/config.json as read): root.path and relative bind-mount sources
/// absolute against BUNDLE, written 0600 to a new directory; returns it.
pub fn make(bundle: &Path, config: &Value, id: &str) -> Result<PathBuf, OciError> {
    let bundle = std::fs::canonicalize(bundle).map_err(|e| OciError::Other(format!("bundle {}: {}", bundle.display(), plain(&e))))?;
    let mut v = config.clone();
    if let Some(root) = v.pointer_mut("/root/path") {
        if let Some(p) = root.as_str() {
            *root = Value::String(absolute(&bundle, p));
        }
    }
    if let Some(mounts) = v.get_mut("mounts").and_then(Value::as_array_mut) {
        for m in mounts {
            let bind = m.get("type").and_then(Value::as_str).is_some_and(|t| t == "bind" || t == "none")
                || m.get("options").and_then(Value::as_array).is_some_and(|o| o.iter().any(|x| x == "bind" || x == "rbind"));
            if let (true, Some(src)) = (bind, m.get_mut("source")) {
                if let Some(s) = src.as_str() {
                    *src = Value::String(absolute(&bundle, s));
                }
            }
        }
    }
    let name: String = id.chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' }).collect();
    let leaf = format!("{name}-{}", std::process::id());
    let mut dir = home()?.join(&leaf);
    let err = |dir: &Path, cause: String| OciError::Config { path: dir.join("config.json"), cause };
    if dir.exists() {
        remove(&dir);
    }
    if let Err(e) = std::fs::DirBuilder::new().mode(0o700).create(&dir) {
        // The last container's cleanup removed the directory meanwhile.
        if e.kind() != std::io::ErrorKind::NotFound {
            return Err(err(&dir, plain(&e)));
        }
        dir = home()?.join(&leaf);
        std::fs::DirBuilder::new().mode(0o700).create(&dir).map_err(|e| err(&dir, plain(&e)))?;
    }
    let err = |cause: String| err(&dir, cause);
    let text = serde_json::to_vec_pretty(&v).map_err(|e| err(e.to_string()))?;
    let write = || -> std::io::Result<()> {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(dir.join("config.json"))?;
        f.write_all(&text)?;
        f.sync_all()
    };
    write().map_err(|e| {
        remove(&dir);
        err(plain(&e))
    })?;
    log::info!("container {id}: {} is not ours to write: the injected copy is {}", bundle.join("config.json").display(), dir.display());
    Ok(dir)
}

/// What the wrapper removes once the runtime is done with the container
/// (`run` in the foreground): the private bundle, and the mount point the
/// runtime made in the user's rootfs for the binary if it was not there.
pub struct Cleanup {
    pub bundle: PathBuf,
    pub mount_point: Option<PathBuf>,
    /// Only if the runtime succeeded (`delete`: a container it refused to
    /// delete still needs its bundle).
    pub only_on_success: bool,
}

impl Cleanup {
    fn run(&self, ok: bool) {
        if self.only_on_success && !ok {
            return;
        }
        if let Some(file) = &self.mount_point {
            if std::fs::symlink_metadata(file).is_ok_and(|m| m.is_file() && m.len() == 0) {
                let _ = std::fs::remove_file(file);
                if let Some(d) = file.parent() {
                    let _ = std::fs::remove_dir(d);
                }
            }
        }
        remove(&self.bundle);
        // The directory of private bundles too, when this was its last
        // (a concurrent `make` recreates it).
        if let Some(home) = self.bundle.parent() {
            let _ = std::fs::remove_dir(home);
        }
    }
}

/// Runs `program args` as a child with the wrapper's standard streams,
/// forwards the signals a job's end brings (TERM, INT, HUP, QUIT, USR1,
/// USR2) to it, waits for it, runs `cleanup`, and exits as it did (128 +
/// N for a signal N, as a shell reports it).
pub fn run_then(program: &Path, args: &[std::ffi::OsString], cleanup: &Cleanup) -> OciError {
    let sigs = [libc::SIGTERM, libc::SIGINT, libc::SIGHUP, libc::SIGQUIT, libc::SIGUSR1, libc::SIGUSR2];
    // SAFETY: a sigset on the stack, filled and installed as this thread's
    // mask (the wrapper has one thread); std's spawn gives the child an
    // empty mask.
    let mut set: libc::sigset_t = unsafe { std::mem::zeroed() };
    unsafe {
        libc::sigemptyset(&mut set);
        for s in sigs {
            libc::sigaddset(&mut set, s);
        }
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
    let mut child = match std::process::Command::new(program).args(args).spawn() {
        Ok(c) => c,
        Err(source) => {
            cleanup.run(false);
            return OciError::Exec { program: program.to_path_buf(), source };
        }
    };
    let status = loop {
        let ts = libc::timespec { tv_sec: 0, tv_nsec: 100_000_000 };
        // SAFETY: waits up to 100 ms for one of the blocked signals.
        let sig = unsafe { libc::sigtimedwait(&set, std::ptr::null_mut(), &ts) };
        if sig > 0 {
            // SAFETY: sending a signal to our child by its pid.
            unsafe { libc::kill(child.id() as i32, sig) };
        }
        match child.try_wait() {
            Ok(Some(st)) => break st,
            Ok(None) => {}
            Err(e) => {
                cleanup.run(false);
                return OciError::Other(format!("waiting for {}: {}", program.display(), plain(&e)));
            }
        }
    };
    cleanup.run(status.success());
    use std::os::unix::process::ExitStatusExt;
    let code = status.code().unwrap_or_else(|| 128 + status.signal().unwrap_or(0));
    std::process::exit(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_absolute_against_the_bundle() {
        assert_eq!(absolute(Path::new("/b"), "rootfs"), "/b/rootfs");
        assert_eq!(absolute(Path::new("/b"), "/r"), "/r");
    }
}
