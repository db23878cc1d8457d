//! credshim's own failures, each with the exit status it maps to.

use std::io;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("refusing to run as real root in the host's user namespace: the command would keep real root while it believes it dropped privileges. Run credshim inside a rootless container (a user namespace), or pass --allow-host-root if you really mean it")]
    HostRoot,
    #[error("cannot execute '{program}': No such file or directory")]
    NotFound { program: String },
    #[error("cannot execute '{program}': {}", plain(source))]
    Exec { program: String, source: io::Error },
    #[error("{what}: {}", plain(source))]
    Setup { what: String, source: io::Error },
    #[error("{0}")]
    Usage(String),
    /// PTRACE_SEIZE of the command refused, with the cause in words.
    #[error("cannot trace '{program}': {cause}")]
    Trace { program: String, cause: String },
}

/// An error's text without Rust's " (os error N)" suffix: what strerror says.
fn plain(e: &io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

impl Error {
    /// 127 not found, 126 cannot execute, 125 credshim itself failed.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::NotFound { .. } => 127,
            Error::Exec { .. } => 126,
            _ => 125,
        }
    }
}
