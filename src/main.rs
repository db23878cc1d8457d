//! credshim: parse, run, exit with the command's status.
//!
//! | module | what |
//! | --- | --- |
//! | `cli` | the command line (clap), only data |
//! | `cmd` | the commands: run, doctor, demo, `oci …` (and the hook) |
//! | `tracer` | the event loop; `tracer::emulate`: decide and commit |
//! | `sys` | the kernel interfaces: ptrace, wait, seccomp, notify, tracee memory, registers, /proc and fs helpers |
//! | `settings` | what the command line sets for the tracer (`Store`) |
//! | `error`, `log` | credshim's own failures; logging |
//! The shims crate decodes every row (`credshim_shims::decode`) and holds
//! the model.

mod cli;
mod cmd;
mod error;
mod log;
mod settings;
mod sys;
mod tracer;

use clap::Parser;
use std::process::ExitCode;
use tracer::Status;

fn main() -> ExitCode {
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let invoked_as = argv.first().map(std::path::Path::new).and_then(|p| p.file_name());
    if invoked_as.is_some_and(|n| n == "credshim-runtime") {
        return cmd::oci_failed("oci runtime", cmd::oci::runtime::run(None, None, None, None, &argv[1..]));
    }
    if argv.get(1).is_some_and(|a| cli::SUBCOMMANDS.iter().any(|s| a == s)) {
        return match cli::Sub::try_parse_from(argv) {
            Ok(sub) => cmd::subcommand(sub),
            Err(e) => usage(e),
        };
    }
    let mut cli = match cli::Cli::try_parse_from(argv) {
        Ok(c) => c,
        Err(e) => return usage(e),
    };
    if let Err(e) = cli.resolve_ids() {
        eprintln!("credshim: {e}");
        return ExitCode::from(125);
    }
    match cmd::run::run(&cli) {
        Ok(Status::Exited(code)) => ExitCode::from(code as u8),
        Ok(Status::Signaled(sig)) => cmd::run::die_by(sig),
        Err(e) => {
            eprintln!("credshim: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// A command line clap refused: its message, and 125 (credshim failed,
/// as container tools report their own misuse); --help and --version: 0.
fn usage(e: clap::Error) -> ExitCode {
    let _ = e.print();
    match e.kind() {
        clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => ExitCode::SUCCESS,
        _ => ExitCode::from(125),
    }
}
