//! The commands: `credshim [OPTIONS] COMMAND` (`run`), `doctor`, `demo`,
//! `oci inject|seccomp-profile|fix-owners|hook|runtime`.
//!
//! | module | command |
//! | --- | --- |
//! | `run` | `credshim COMMAND`: the starting user, the interception mode, the tracer |
//! | `launch` | starting the command traced (fork, seize, filter, exec) |
//! | `nested` | credshim under credshim |
//! | `attach` | `credshim oci hook`: attach to a container's init from outside |
//! | `doctor` | `credshim doctor` and `credshim demo` |
//! | `oci` | `credshim oci …` and the runtime wrapper `credshim-runtime` |

pub mod attach;
pub mod doctor;
pub mod launch;
pub mod nested;
pub mod oci;
pub mod run;

use crate::cli;
use crate::log;
use std::process::ExitCode;

/// `credshim oci …`, `credshim doctor`.
pub fn subcommand(sub: cli::Sub) -> ExitCode {
    use cli::{Oci, SubCommand};
    match sub.command {
        SubCommand::Doctor => ExitCode::from(doctor::run()),
        SubCommand::Demo => ExitCode::from(doctor::demo()),
        SubCommand::Oci(Oci::Inject(i)) => {
            let config = oci::config_of(&i.bundle);
            if i.mode == cli::InjectMode::Hook && i.permissions == cli::Permissions::Emulate {
                eprintln!("credshim: oci inject: --permissions emulate needs --mode wrap (the hook method does not check permissions)");
                return ExitCode::from(125);
            }
            let method = match i.mode {
                cli::InjectMode::Wrap => oci::inject::Method::Wrap(i.ownership.store(), i.permissions == cli::Permissions::Emulate),
                cli::InjectMode::Hook => oci::inject::Method::Hook(i.ownership.store()),
            };
            match oci::inject_config(&config, method, i.binary.as_deref(), i.remove) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => oci_failed("oci inject", e),
            }
        }
        SubCommand::Oci(Oci::SeccompProfile(p)) => match oci::hook::profile(&p.base, p.ownership.store(), p.listener.as_deref()) {
            Ok(text) => {
                println!("{text}");
                ExitCode::SUCCESS
            }
            Err(e) => oci_failed("oci seccomp-profile", e),
        },
        SubCommand::Oci(Oci::FixOwners(f)) => match oci::owners::fix_archive(&f.input, &f.output) {
            Ok(s) => {
                println!(
                    "{}: {} of {} layers rewritten, {} entries with the owner of their user.rootlesscontainers record",
                    f.output.display(),
                    s.rewritten,
                    s.layers,
                    s.entries
                );
                ExitCode::SUCCESS
            }
            Err(e) => oci_failed("oci fix-owners", e),
        },
        SubCommand::Oci(Oci::Hook(h)) => {
            let syslog = h.log_file.is_none();
            if let Err(e) = log::init(h.verbose, h.log_file.as_deref(), syslog) {
                eprintln!("credshim: oci hook: {e}");
                return ExitCode::from(e.exit_code());
            }
            match attach::hook(h.ownership.store()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("credshim: {e}");
                    ExitCode::from(e.exit_code())
                }
            }
        }
        SubCommand::Oci(Oci::Runtime(r)) => {
            oci_failed("oci runtime", oci::runtime::run(r.runtime.as_deref(), r.ownership.map(cli::Ownership::store), r.permissions.map(|p| p == cli::Permissions::Emulate), r.log_file.as_deref(), &r.args))
        }
    }
}

/// One line, `credshim: oci inject: BUNDLE/config.json: cause`, and the status.
pub fn oci_failed(what: &str, e: oci::OciError) -> ExitCode {
    eprintln!("credshim: {what}: {e}");
    ExitCode::from(e.exit_code())
}
