//! `credshim oci …`: rootless OCI containers under credshim.
//! `config`: config.json load/check/save; `inject`: the edit itself;
//! `runtime`: the runc/crun wrapper that injects on create and run;
//! `hook`: the bundle side of `--mode hook` (the hook itself: src/attach.rs);
//! `user`: a process.user the namespace cannot give; `decide`: whether the
//! wrapper injects at all; `private`: the wrapper's own copy of a config
//! it may not write (Slurm's spool copy); `slurm`: doctor's check of oci.conf.

pub mod config;
pub mod decide;
pub mod hook;
pub mod inject;
pub mod owners;
pub mod private;
pub mod runtime;
pub mod slurm;
pub mod user;
pub mod which;

use inject::Method;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum OciError {
    /// A config.json that cannot be read, checked, edited or written.
    #[error("{}: {cause}", path.display())]
    Config { path: PathBuf, cause: String },
    /// No runtime to run.
    #[error("{0}")]
    NoRuntime(String),
    #[error("cannot execute '{}': {}", program.display(), plain(source))]
    Exec { program: PathBuf, source: std::io::Error },
    #[error("{0}")]
    Other(String),
}

impl OciError {
    /// 125: credshim failed; 126/127: the runtime cannot be executed / is missing.
    pub fn exit_code(&self) -> u8 {
        match self {
            OciError::Exec { source, .. } if source.kind() == std::io::ErrorKind::NotFound => 127,
            OciError::Exec { .. } => 126,
            _ => 125,
        }
    }
}

/// An error's text without Rust's " (os error N)" suffix.
pub fn plain(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// The credshim binary to bind into containers: `binary`, else the one
/// running (/proc/self/exe resolved), as an absolute path.
pub fn binary(binary: Option<&Path>) -> Result<PathBuf, OciError> {
    let path = match binary {
        Some(b) => b.to_path_buf(),
        None => std::fs::read_link("/proc/self/exe")
            .map_err(|e| OciError::Other(format!("cannot find its own binary (/proc/self/exe): {}", plain(&e))))?,
    };
    let path = std::fs::canonicalize(&path)
        .map_err(|e| OciError::Other(format!("the binary {}: {}", path.display(), plain(&e))))?;
    if !path.is_file() {
        return Err(OciError::Other(format!("the binary {}: not a regular file", path.display())));
    }
    match interpreter(&path) {
        Ok(None) => Ok(path),
        Ok(Some(interp)) => Err(OciError::Other(format!(
            "the binary {} is dynamically linked (it needs {interp}); inside a container's rootfs it needs a static credshim",
            path.display()
        ))),
        Err(cause) => Err(OciError::Other(format!("the binary {}: {cause}", path.display()))),
    }
}

/// The ELF program interpreter (PT_INTERP) of a 64-bit little-endian
/// executable: None for a static binary, which is what runs in any rootfs.
fn interpreter(path: &Path) -> Result<Option<String>, String> {
    const PT_INTERP: u32 = 3;
    let bytes = std::fs::read(path).map_err(|e| plain(&e))?;
    let u16_at = |o: usize| bytes.get(o..o + 2).map(|b| u16::from_le_bytes([b[0], b[1]]) as usize);
    let u32_at = |o: usize| bytes.get(o..o + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    let u64_at = |o: usize| bytes.get(o..o + 8).and_then(|b| b.try_into().ok()).map(u64::from_le_bytes);
    // ELF magic, ELFCLASS64, ELFDATA2LSB.
    if bytes.get(..6) != Some(&[0x7f, b'E', b'L', b'F', 2, 1][..]) {
        return Err("not a 64-bit ELF executable".into());
    }
    let bad = || "a malformed ELF header".to_string();
    let phoff = u64_at(0x20).ok_or_else(bad)? as usize;
    let (phentsize, phnum) = (u16_at(0x36).ok_or_else(bad)?, u16_at(0x38).ok_or_else(bad)?);
    for i in 0..phnum {
        let ph = phoff.checked_add(i.checked_mul(phentsize).ok_or_else(bad)?).ok_or_else(bad)?;
        if u32_at(ph).ok_or_else(bad)? == PT_INTERP {
            let (off, size) = (u64_at(ph + 8).ok_or_else(bad)? as usize, u64_at(ph + 32).ok_or_else(bad)? as usize);
            let name = bytes.get(off..off.saturating_add(size)).ok_or_else(bad)?;
            return Ok(Some(String::from_utf8_lossy(name).trim_end_matches('\0').to_string()));
        }
    }
    Ok(None)
}

/// Injects credshim into (or with `remove`, removes it from) the config at
/// `config`. Nothing is written when nothing changes.
pub fn inject_config(config: &Path, method: Method, binary: Option<&Path>, remove: bool) -> Result<(), OciError> {
    let mut c = config::Config::load(config)?;
    let before = c.value.clone();
    let edited = if remove {
        // Whichever way it was injected.
        let _ = method;
        Method::Hook(crate::settings::Store::Session).undo(&mut c.value).and_then(|()| Method::Wrap(crate::settings::Store::Session, false).undo(&mut c.value))
    } else {
        let bin = self::binary(binary)?;
        method.apply(&mut c.value, &bin)
    };
    edited.map_err(|cause| OciError::Config { path: config.to_path_buf(), cause })?;
    if c.value == before {
        // Nothing to do: the file is left as it is, byte for byte, even
        // where its layout is one credshim would not reproduce.
        return Ok(());
    }
    c.save()
}

/// BUNDLE/config.json.
pub fn config_of(bundle: &Path) -> PathBuf {
    bundle.join("config.json")
}
