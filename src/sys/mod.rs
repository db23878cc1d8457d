//! The kernel interfaces: everything credshim asks the kernel raw lives
//! here, and nothing outside calls them directly.
//!
//! | module | interface |
//! | --- | --- |
//! | `ptrace` | every ptrace request and wait (waitpid), `PtraceError` |
//! | `arch` | x86_64/i386 registers of a stopped tracee |
//! | `mem` | tracee memory (process_vm_*, /proc/PID/mem, PEEK/POKE) |
//! | `seccomp` | the BPF filter built from the shim table; installing it |
//! | `notify` | the seccomp user-notification listener |
//! | `signals` | credshim's own signal mask and signalfd |
//! | `creds` | the credentials credshim itself has (capget, /proc/self/status) |
//! | `idmap` | credshim's own user namespace's maps |
//! | `traced` | who traces a task (TracerPid, a child born traced) |
//! | `fs` | the file-system helpers: `Inode`, C paths |
//! | `execfile` | what exec needs to know of a file |

pub mod arch;
pub mod creds;
pub mod execfile;
pub mod fs;
pub mod idmap;
pub mod mem;
pub mod notify;
pub mod ptrace;
pub mod seccomp;
pub mod signals;
pub mod traced;
