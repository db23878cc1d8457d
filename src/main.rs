//! credshim: parse, run, exit with the command's status.

mod arch;
mod attach;
mod cli;
mod creds;
mod doctor;
mod error;
mod execfile;
mod idmap;
mod launch;
mod log;
mod mem;
mod nested;
mod notify;
mod oci;
mod ptrace;
mod seccomp;
mod signals;
mod tracer;

use clap::Parser;
use credshim_shims::capset::CAP_SYS_ADMIN;
use credshim_shims::cred::sorted_groups;
use credshim_shims::{Creds, Kgid};
use error::Error;
use std::process::ExitCode;
use credshim_shims::table::Class;
use tracer::{Mode, Status, Supervision, Tracer};

fn main() -> ExitCode {
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let invoked_as = argv.first().map(std::path::Path::new).and_then(|p| p.file_name());
    if invoked_as.is_some_and(|n| n == "credshim-runtime") {
        return oci_failed("oci runtime", oci::runtime::run(None, None, None, &argv[1..]));
    }
    if argv.get(1).is_some_and(|a| cli::SUBCOMMANDS.iter().any(|s| a == s)) {
        return match cli::Sub::try_parse_from(argv) {
            Ok(sub) => subcommand(sub),
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
    match run(&cli) {
        Ok(Status::Exited(code)) => ExitCode::from(code as u8),
        Ok(Status::Signaled(sig)) => die_by(sig),
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

/// `credshim oci …`, `credshim doctor`.
fn subcommand(sub: cli::Sub) -> ExitCode {
    use cli::{Oci, SubCommand};
    match sub.command {
        SubCommand::Doctor => ExitCode::from(doctor::run()),
        SubCommand::Demo => ExitCode::from(doctor::demo()),
        SubCommand::Oci(Oci::Inject(i)) => {
            let config = oci::config_of(&i.bundle);
            let method = match i.mode {
                cli::InjectMode::Wrap => oci::inject::Method::Wrap(i.ownership.store()),
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
            oci_failed("oci runtime", oci::runtime::run(r.runtime.as_deref(), r.ownership.map(cli::Ownership::store), r.log_file.as_deref(), &r.args))
        }
    }
}

/// One line, `credshim: oci inject: BUNDLE/config.json: cause`, and the status.
fn oci_failed(what: &str, e: oci::OciError) -> ExitCode {
    eprintln!("credshim: {what}: {e}");
    ExitCode::from(e.exit_code())
}

/// The starting credentials: the launcher's own, or the virtual user asked
/// for; with --cap-*, as runc's finalizeNamespace leaves its process.
fn initial_creds(cli: &cli::Cli) -> Result<Creds, Error> {
    let own = creds::from_kernel();
    let caps = [cli.cap_effective, cli.cap_permitted, cli.cap_inheritable, cli.cap_ambient];
    if caps.iter().any(Option::is_some) {
        let none = credshim_shims::CapSet::EMPTY;
        let user = credshim_shims::runtime::User {
            uid: cli.uid.unwrap_or(own.uid.0),
            gid: cli.gid.unwrap_or(own.gid.0),
            groups: cli.groups.clone().unwrap_or_default(),
        };
        let caps = credshim_shims::runtime::Caps {
            effective: caps[0].unwrap_or(none),
            permitted: caps[1].unwrap_or(none),
            inheritable: caps[2].unwrap_or(none),
            ambient: caps[3].unwrap_or(none),
        };
        // finalizeNamespace starts from the container's root: every
        // capability of the bounding set the runtime applied.
        let root = Creds { cap_bset: own.cap_bset, no_new_privs: own.no_new_privs, ..Creds::init_root() };
        let root = Creds { cap_permitted: own.cap_bset, cap_effective: own.cap_bset, ..root };
        return credshim_shims::runtime::finalize_namespace(&root, &user, &caps).map_err(|(step, e)| {
            let text = std::io::Error::from_raw_os_error(e.0).to_string();
            let cause = text.split(" (os error").next().unwrap_or(&text).to_string();
            Error::Usage(format!("the starting user {}:{} with its capabilities: {step}: {cause}, as a runtime fails", user.uid, user.gid))
        });
    }
    Ok(legacy_user(cli, own))
}

/// --uid/--gid/--groups without --cap-*: a non-root user has no capabilities.
fn legacy_user(cli: &cli::Cli, own: Creds) -> Creds {
    if cli.uid.is_none() && cli.gid.is_none() && cli.groups.is_none() {
        return own;
    }
    let uid = cli.uid.unwrap_or(own.uid.0);
    let gid = cli.gid.unwrap_or(own.gid.0);
    let mut c = Creds { cap_bset: own.cap_bset, ..Creds::user(uid, gid, &[]) };
    if uid == 0 {
        c = Creds { uid: own.uid, ..own.clone() };
        c.gid = Kgid(gid);
        c.egid = Kgid(gid);
        c.sgid = Kgid(gid);
        c.fsgid = Kgid(gid);
    }
    let groups = cli.groups.clone().unwrap_or_else(|| if cli.gid.is_some() { vec![] } else { own.groups.iter().map(|g| g.0).collect() });
    c.groups = sorted_groups(groups.into_iter().map(Kgid).collect());
    c
}

/// credshim started under a tracer (src/nested.rs): under another
/// credshim it supervises the command and leaves the emulation to it;
/// under any other tracer it cannot work, and says why.
fn nested_run(cli: &cli::Cli, outer: nested::Tracer) -> Result<Status, Error> {
    let program = cli.command[0].to_string_lossy().into_owned();
    if let nested::Tracer::Other { .. } = outer {
        return Err(Error::Trace {
            program,
            cause: format!("credshim itself is traced by {outer}, and a task has one tracer only; run credshim without that tracer (a tracer started under credshim fails the same way)"),
        });
    }
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    nested::refuse_options(&argv, &outer)?;
    ::log::info!("running under {outer}, which emulates this process tree: supervising '{program}' without tracing it");
    let caps = [cli.cap_effective, cli.cap_permitted, cli.cap_inheritable, cli.cap_ambient];
    let user = nested::StartUser {
        uid: cli.uid,
        gid: cli.gid,
        groups: cli.groups.clone(),
        caps: caps.iter().any(Option::is_some).then(|| caps.map(|c| c.map_or(0, |s| s.0))),
    };
    nested::Supervised { command: &cli.command, user, exit_with_main: cli.exit_with_main, grace: std::time::Duration::from_secs(cli.grace), signal_group: cli.signal_group }.run()
}

fn run(cli: &cli::Cli) -> Result<Status, Error> {
    log::init(cli.verbose, cli.log_file.as_deref(), cli.syslog)?;
    if let Some(outer) = nested::tracer_of("self") {
        return nested_run(cli, outer);
    }
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 && creds::in_initial_user_ns() && !cli.allow_host_root {
        return Err(Error::HostRoot);
    }
    let own = creds::from_kernel();
    let creds = initial_creds(cli)?;
    let program = cli.command[0].to_string_lossy().into_owned();

    // Installing a filter needs CAP_SYS_ADMIN in the namespace or no_new_privs.
    let nnp = !own.capable(CAP_SYS_ADMIN);
    if nnp && !cli.no_seccomp {
        ::log::info!("no CAP_SYS_ADMIN: setting no_new_privs to install the seccomp filter");
    }
    let ownership = cli.ownership.store();
    let classes = ownership.classes();
    let (mode, listen) = choose_mode(cli, nnp, classes);
    let action = if mode == Mode::Notify { seccomp::Action::Notify } else { seccomp::Action::Trace };
    if cli.proc && mode != Mode::Notify {
        ::log::warn!("--proc needs seccomp user notifications, which are not in use: /proc shows the real credentials");
    }
    let prog = seccomp::filter_with(action, classes, cli.proc && mode == Mode::Notify);
    let filter = matches!(mode, Mode::Notify | Mode::Seccomp).then_some(prog.as_slice());
    // An exec that raised credshim's capabilities (a runtime that gave the
    // container's root none, as for a process.user credshim emulates)
    // left it non-dumpable (fs/exec.c: secureexec), and its children
    // inherit that: without CAP_SYS_PTRACE it could not seize them.
    // SAFETY: prctl on ourselves.
    if unsafe { libc::prctl(libc::PR_GET_DUMPABLE, 0, 0, 0, 0) } != 1 {
        ::log::info!("credshim is not dumpable (its exec raised its capabilities): making it dumpable so that it can trace its children");
        unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 1, 0, 0, 0) };
    }
    // SAFETY: getpid and prctl on ourselves.
    if unsafe { libc::getpid() } != 1 {
        // Orphans of the tree (double-forked daemons) come to us, stay
        // traced and are reaped here. As PID 1 that is already so.
        unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
    }
    let signals = signals::Signals::block().map_err(|e| Error::Setup { what: "signalfd".into(), source: e })?;
    let mut launched = launch::launch(&cli.command, filter, nnp, signals.original_mask(), cli.signal_group, listen)?;
    let listener = launched.listener.take().map(notify::Listener::new);
    if mode == Mode::Notify && listener.is_none() {
        // The child could not install the filter: it exits, and the exec
        // error below says why.
        ::log::warn!("the seccomp listener did not arrive");
    }
    let sup = Supervision {
        signals,
        exit_with_main: cli.exit_with_main,
        grace: std::time::Duration::from_secs(cli.grace),
        signal_group: cli.signal_group,
    };
    let mut tracer = Tracer::new(mode, launched.pid, creds, listener, ownership);
    tracer.show_proc(cli.proc);
    let status = tracer.run(&sup);
    drop(sup); // restores credshim's own mask before it may die by a signal
    if !tracer.main_execed() {
        if let Some(e) = launched.exec_error(&program) {
            return Err(e);
        }
    }
    status.ok_or_else(|| Error::Setup { what: format!("following '{program}'"), source: std::io::Error::other("it vanished without an exit status") })
}

/// The interception mode: `--no-seccomp`, else the notification fast path
/// where the kernel gives a listener (not on kernels without it, nor under
/// a runtime whose own filter has one: EBUSY), else seccomp stops, else
/// PTRACE_SYSCALL. Said once in the log, and so is whether notified calls
/// wait killably (WAIT_KILLABLE_RECV).
fn choose_mode(cli: &cli::Cli, nnp: bool, classes: &[Class]) -> (Mode, seccomp::Listen) {
    use cli::Intercept;
    if cli.no_seccomp {
        ::log::info!("--no-seccomp: tracing every system call (slow)");
        return (Mode::Syscall, seccomp::Listen::No);
    }
    if cli.intercept != Intercept::Ptrace {
        // Tests take the flag away to show the path of kernels before 5.19.
        let wait_killable = std::env::var("CREDSHIM_TEST_WAIT_KILLABLE").as_deref() != Ok("off");
        let listen = seccomp::Listen::Yes { wait_killable };
        match seccomp_works(&seccomp::filter(seccomp::Action::Notify, classes), nnp, listen) {
            Ok(wait_killable) => {
                ::log::info!("intercepting with seccomp user notifications");
                if wait_killable {
                    ::log::info!("seccomp listener with WAIT_KILLABLE_RECV: a signal cannot interrupt a call being answered");
                } else {
                    ::log::info!(
                        "seccomp listener without WAIT_KILLABLE_RECV (Linux < 5.19, or turned off): a signal may interrupt a call being answered; its answer is then not committed"
                    );
                }
                return (Mode::Notify, seccomp::Listen::Yes { wait_killable });
            }
            Err(e) if cli.intercept == Intercept::Notify => {
                ::log::warn!("--intercept=notify: no seccomp listener ({e}); using seccomp stops")
            }
            Err(e) => ::log::info!("no seccomp listener ({e}); using seccomp stops"),
        }
    }
    match seccomp_works(&seccomp::filter(seccomp::Action::Trace, classes), nnp, seccomp::Listen::No) {
        Ok(_) => {
            ::log::info!("intercepting with seccomp stops (ptrace)");
            (Mode::Seccomp, seccomp::Listen::No)
        }
        Err(e) => {
            ::log::warn!("the seccomp filter is refused ({e}); tracing every system call instead (slow)");
            (Mode::Syscall, seccomp::Listen::No)
        }
    }
}

/// Tries the filter in a throwaway child, so the real launch knows whether
/// to fall back before it starts the command. Ok(true): the listener was
/// made with WAIT_KILLABLE_RECV.
fn seccomp_works(prog: &[libc::sock_filter], nnp: bool, listen: seccomp::Listen) -> std::io::Result<bool> {
    // Tests make the filter look refused to prove the automatic fallback.
    if std::env::var("CREDSHIM_TEST_SECCOMP").as_deref() == Ok("refuse") {
        return Err(std::io::Error::other("forced by CREDSHIM_TEST_SECCOMP=refuse"));
    }
    // SAFETY: the child only calls async-signal-safe functions and _exit.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(std::io::Error::last_os_error());
    }
    if pid == 0 {
        let code = match seccomp::install(prog, nnp, listen) {
            Ok(i) if i.wait_killable => 0,
            Ok(_) => 2,
            Err(_) => 1,
        };
        unsafe { libc::_exit(code) };
    }
    let mut st = 0;
    // waiting for our own child.
    crate::ptrace::waitpid(pid, &mut st, 0);
    match (libc::WIFEXITED(st), libc::WEXITSTATUS(st)) {
        (true, 0) => Ok(true),
        (true, 2) => Ok(false),
        _ => Err(std::io::Error::other("seccomp(SECCOMP_SET_MODE_FILTER) failed")),
    }
}

/// Ends credshim by `sig`, as the command ended, without a core file of its own.
fn die_by(sig: i32) -> ExitCode {
    // SAFETY: plain calls on our own process.
    unsafe {
        let none = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        libc::setrlimit(libc::RLIMIT_CORE, &none);
        libc::signal(sig, libc::SIG_DFL);
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, sig);
        libc::sigprocmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        libc::kill(libc::getpid(), sig);
    }
    ExitCode::from((128 + sig) as u8)
}
