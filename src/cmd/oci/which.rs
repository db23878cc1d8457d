//! Which OCI runtime credshim runs, and running a program with a bound:
//! what the runtime wrapper, the hook's channel choice, Slurm's wrapper
//! and doctor share (a module of its own, so that none of them imports
//! another for it).

use super::OciError;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// The runtime: `explicit` (--runtime), else $CREDSHIM_RUNTIME, else runc
/// on PATH, else crun. A runtime that is credshim itself (this wrapper
/// installed as `runc`) is skipped.
pub fn resolve(explicit: Option<&Path>) -> Result<PathBuf, OciError> {
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into());
    let me = std::fs::canonicalize("/proc/self/exe").ok();
    let find = |name: &OsStr| -> Option<PathBuf> {
        let candidates: Vec<PathBuf> = if name.as_bytes().contains(&b'/') {
            vec![PathBuf::from(name)]
        } else {
            std::env::split_paths(&path).map(|d| d.join(name)).collect()
        };
        candidates.into_iter().find(|c| {
            use std::os::unix::fs::PermissionsExt;
            let runnable = std::fs::metadata(c).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0);
            runnable && std::fs::canonicalize(c).ok() != me
        })
    };
    let shown = std::env::split_paths(&path).map(|d| d.display().to_string()).collect::<Vec<_>>().join(":");
    let named = match explicit {
        Some(p) => Some((p.as_os_str().to_os_string(), "--runtime")),
        None => std::env::var_os("CREDSHIM_RUNTIME").filter(|v| !v.is_empty()).map(|v| (v, "$CREDSHIM_RUNTIME")),
    };
    if let Some((name, from)) = named {
        return find(&name).ok_or_else(|| {
            OciError::NoRuntime(format!(
                "no runtime '{}' (from {from}): not an executable file{}",
                name.to_string_lossy(),
                if name.as_bytes().contains(&b'/') { String::new() } else { format!(" in PATH ({shown})") }
            ))
        });
    }
    ["runc", "crun"].iter().find_map(|n| find(OsStr::new(n))).ok_or_else(|| {
        OciError::NoRuntime(format!(
            "no OCI runtime: no --runtime, $CREDSHIM_RUNTIME is not set, and neither runc nor crun is in PATH ({shown})"
        ))
    })
}

/// The standard output of `cmd` if it succeeds within `limit` (it is
/// killed by its pid otherwise).
pub fn output_within(mut cmd: std::process::Command, limit: std::time::Duration) -> Option<Vec<u8>> {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().ok()?;
    let mut stdout = child.stdout.take()?;
    let reader = std::thread::spawn(move || {
        let mut v = vec![];
        let _ = stdout.read_to_end(&mut v);
        v
    });
    let end = std::time::Instant::now() + limit;
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break Some(st),
            Ok(None) if std::time::Instant::now() < end => std::thread::sleep(std::time::Duration::from_millis(10)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    let out = reader.join().ok()?;
    status.filter(|s| s.success()).map(|_| out)
}

