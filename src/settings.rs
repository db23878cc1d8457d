//! What the command line sets for the tracer and the OCI glue, apart from
//! the command line's own types (cli.rs): the tracer takes these as
//! parameters and never reads options itself.

use credshim_shims::table::Class;

/// Where virtual owners live (`--ownership`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Store {
    Off,
    Session,
    Xattr,
}

impl Store {
    /// As `--ownership` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Store::Off => "off",
            Store::Session => "session",
            Store::Xattr => "xattr",
        }
    }

    /// The shim classes the seccomp filter stops besides the credential
    /// and exec calls.
    pub fn classes(self) -> &'static [Class] {
        match self {
            Store::Off => &[],
            Store::Session => &[Class::Chown, Class::Stat, Class::Create],
            Store::Xattr => &[Class::Chown, Class::Stat, Class::Create, Class::Xattr],
        }
    }
}
