//! `credshim oci …`: rootless OCI containers under credshim.
//! `config`: config.json load/check/save; `inject`: the edit itself;
//! `runtime`: the runc/crun wrapper that injects on create and run.

pub mod config;
pub mod inject;
pub mod runtime;

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
    Ok(path)
}

/// Injects credshim into (or with `remove`, removes it from) the config at
/// `config`. Nothing is written when nothing changes.
pub fn inject_config(config: &Path, method: Method, binary: Option<&Path>, remove: bool) -> Result<(), OciError> {
    let mut c = config::Config::load(config)?;
    let edited = if remove {
        method.undo(&mut c.value)
    } else {
        let bin = self::binary(binary)?;
        method.apply(&mut c.value, &bin)
    };
    edited.map_err(|cause| OciError::Config { path: config.to_path_buf(), cause })?;
    c.save()
}

/// BUNDLE/config.json.
pub fn config_of(bundle: &Path) -> PathBuf {
    bundle.join("config.json")
}
