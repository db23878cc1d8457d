//! Logging: quiet by default; -v, -vv or CREDSHIM_LOG choose the level;
//! standard error, a file, or syslog.

use crate::error::Error;
use log::LevelFilter;
use std::io::Write;
use std::path::Path;

fn level(verbose: u8) -> LevelFilter {
    if let Ok(v) = std::env::var("CREDSHIM_LOG") {
        if let Ok(l) = v.parse::<LevelFilter>() {
            return l;
        }
    }
    match verbose {
        0 => LevelFilter::Warn,
        1 => LevelFilter::Debug,
        _ => LevelFilter::Trace,
    }
}

/// For the runtime wrapper, whose standard error is the engine's: its
/// decisions at info level to `file`, else to syslog, else nowhere.
pub fn init_quiet(file: Option<&Path>) {
    let level = LevelFilter::Info;
    if let Some(path) = file {
        if let Ok(f) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
            let mut b = env_logger::Builder::new();
            b.filter_level(level).format(|buf, rec| writeln!(buf, "credshim: {}", rec.args()));
            b.target(env_logger::Target::Pipe(Box::new(f)));
            let _ = b.try_init();
        }
        return;
    }
    let _ = syslog::init(syslog::Facility::LOG_DAEMON, level, Some("credshim-runtime"));
}

pub fn init(verbose: u8, file: Option<&Path>, syslog: bool) -> Result<(), Error> {
    let level = level(verbose);
    if syslog {
        match syslog::init(syslog::Facility::LOG_DAEMON, level, Some("credshim")) {
            Ok(()) => return Ok(()),
            // No syslog daemon (common in containers): never fail for a log.
            Err(e) => eprintln!("credshim: syslog unavailable ({e}); logging to standard error"),
        }
    }
    let mut b = env_logger::Builder::new();
    b.filter_level(level).format(|buf, rec| writeln!(buf, "credshim: {}", rec.args()));
    if let Some(path) = file {
        let f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| Error::Setup { what: format!("log file {}", path.display()), source: e })?;
        b.target(env_logger::Target::Pipe(Box::new(f)));
    }
    // A second init (tests) is harmless.
    let _ = b.try_init();
    Ok(())
}
