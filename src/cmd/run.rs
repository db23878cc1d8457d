//! `credshim [OPTIONS] COMMAND`: the starting credentials, the
//! interception mode, then the tracer until the command ends.

use super::{launch, nested};
use crate::cli;
use crate::error::Error;
use crate::sys::{creds, notify, seccomp, signals};
use crate::tracer::{Mode, Status, Supervision, Tracer};
use credshim_shims::capset::CAP_SYS_ADMIN;
use credshim_shims::cred::sorted_groups;
use credshim_shims::table::Class;
use credshim_shims::{Creds, Kgid};
use std::process::ExitCode;

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

/// credshim started under a tracer (src/cmd/nested.rs): under another
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

pub fn run(cli: &cli::Cli) -> Result<Status, Error> {
    crate::log::init(cli.verbose, cli.log_file.as_deref(), cli.syslog)?;
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
    let permissions = cli.permissions == cli::Permissions::Emulate;
    let mut classes = ownership.classes().to_vec();
    if cli.proc && !classes.contains(&Class::Stat) {
        // The owner of /proc/PID is the stat family's answer.
        classes.push(Class::Stat);
    }
    if permissions {
        for c in crate::tracer::PERMISSION_CLASSES {
            if !classes.contains(c) {
                classes.push(*c);
            }
        }
    }
    let classes = classes.as_slice();
    let (mode, listen) = choose_mode(cli, nnp, classes);
    let action = if mode == Mode::Notify { seccomp::Action::Notify } else { seccomp::Action::Trace };
    if cli.proc && mode == Mode::Syscall {
        ::log::warn!("--proc needs a seccomp filter for the status files, which --no-seccomp leaves out: /proc/PID/status shows the real credentials (the owner of /proc/PID is the virtual one)");
    }
    let prog = seccomp::filter_with(action, classes, cli.proc || permissions);
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
    tracer.check_permissions(permissions);
    // A notifying filter stops what changes a working directory with the
    // stat family (`seccomp::cwd_rule`), and without a filter every call
    // stops; a tracing filter leaves them out.
    tracer.keep_cwds(classes.contains(&Class::Stat) && mode != Mode::Seccomp);
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
        match seccomp::seccomp_works(&seccomp::filter(seccomp::Action::Notify, classes), nnp, listen) {
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
    match seccomp::seccomp_works(&seccomp::filter(seccomp::Action::Trace, classes), nnp, seccomp::Listen::No) {
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

/// Ends credshim by `sig`, as the command ended, without a core file of its own.
pub fn die_by(sig: i32) -> ExitCode {
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
