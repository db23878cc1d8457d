//! The tracer as a process: exit statuses, refusals, kill -9 anywhere,
//! signals and job control, the virtual-user options and logging.

mod harness;

use credprobe::runner::run_with_timeout;
use harness::{command, descendants, host_bset, kill, ns_owner, ns_plain, ns_wrapper, wait_until, Guard, Scratch};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const T: Duration = Duration::from_secs(60);

fn output(cmd: Command) -> (Option<i32>, String) {
    let (st, out) = run_with_timeout(cmd, T).expect("finishes within the timeout");
    (st.code(), out)
}

/// `sh -c 'credshim -- CMD; echo $?'` prints what `sh -c 'CMD; echo $?'`
/// prints, both in the namespace.
#[test]
fn exit_statuses_and_signals_are_passed_on() {
    let s = Scratch::new("exit");
    let cs = s.credshim();
    for cmd in [
        "exit 0", "exit 1", "exit 2", "exit 42", "exit 126", "exit 127", "exit 255", "kill -TERM $$", "kill -KILL $$",
        "kill -SEGV $$", "kill -ABRT $$", "kill -INT $$",
    ] {
        let native = format!("ulimit -c 0; sh -c '{cmd}'; echo $?");
        let traced = format!("ulimit -c 0; {} -- sh -c '{cmd}'; echo $?", cs.display());
        let want = output(command(&ns_plain(), &["sh", "-c", &native]));
        let got = output(command(&ns_plain(), &["sh", "-c", &traced]));
        assert_eq!(got, want, "status of `{cmd}` under credshim (left) vs natively (right)");
    }
}

/// Misuse: one clear first line naming the program and the cause, and the
/// documented status (a command line credshim refuses: 125).
#[test]
fn misuse_gets_a_clear_line_and_the_documented_status() {
    let s = Scratch::new("misuse");
    let cs = s.credshim().to_string_lossy().into_owned();
    let dir = s.dir.to_string_lossy().into_owned();
    let cases: [(&[&str], i32, &str); 7] = [
        (&[], 125, "the following required arguments were not provided"),
        (&["--"], 125, "the following required arguments were not provided"),
        (&["--", "ngnix"], 127, "credshim: cannot execute 'ngnix': No such file or directory"),
        (&["--", "/no/such/program"], 127, "credshim: cannot execute '/no/such/program': No such file or directory"),
        (&["--", &dir], 126, "Is a directory"),
        (&["--", "/etc/passwd"], 126, "credshim: cannot execute '/etc/passwd': Permission denied"),
        (&["--bogus", "--", "true"], 125, "unexpected argument '--bogus'"),
    ];
    for (args, code, text) in cases.iter().chain([(&["--uid", "abc", "--", "true"][..], 125, "credshim: failed to parse --uid: 'abc'")].iter()) {
        let mut all = vec![cs.as_str()];
        all.extend_from_slice(args);
        let o = command(&ns_plain(), &all).stderr(Stdio::piped()).output().expect("runs");
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        let first = err.lines().next().unwrap_or("");
        assert_eq!(o.status.code(), Some(*code), "credshim {args:?}: {err}");
        assert!(first.contains(text), "credshim {args:?}: first line {first:?}");
    }
    let v = Command::new(&cs).arg("--version").output().expect("runs");
    assert_eq!(String::from_utf8_lossy(&v.stdout), format!("credshim {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn real_root_on_the_host_is_refused_unless_insisted() {
    let s = Scratch::new("hostroot");
    let o = Command::new(s.credshim()).args(["--", "true"]).stderr(Stdio::piped()).output().expect("runs");
    assert_eq!(o.status.code(), Some(125));
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(err.contains("refusing to run as real root") && err.contains("--allow-host-root"), "{err}");
    let o = Command::new(s.credshim()).args(["--allow-host-root", "--", "sh", "-c", "exit 3"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(3));
}

#[test]
fn kill_9_of_a_tracee_is_survived() {
    let s = Scratch::new("killtracee");
    let cs = s.credshim().to_string_lossy().into_owned();
    let mut c = Guard::spawn(command(&ns_plain(), &[&cs, "--", "sh", "-c", "sleep 30 & wait $!; echo waited $?"]));
    let pid = c.0.id();
    assert!(wait_until(T, || descendants(pid).len() >= 2), "sh and sleep start");
    let sleep = *descendants(pid).last().expect("the sleep");
    kill(sleep, libc::SIGKILL);
    let st = c.wait(Duration::from_secs(20)).expect("credshim ends after its tracee is killed");
    assert_eq!(st.code(), Some(0));
    assert_eq!(c.stdout(), "waited 137\n");
}

#[test]
fn kill_9_during_exec_from_a_thread_never_hangs() {
    let s = Scratch::new("killexec");
    let prog = s.build_c("exec_thread", &[]);
    let w = ns_wrapper(&s.credshim(), host_bset(), &[], &[]);
    for delay_ms in [0u64, 5, 10, 15, 18, 20, 21, 22, 25, 30, 40, 60] {
        let mut c = Guard::spawn(command(&w, &[&prog.to_string_lossy()]));
        std::thread::sleep(Duration::from_millis(delay_ms));
        for p in descendants(c.0.id()) {
            kill(p, libc::SIGKILL);
        }
        assert!(c.wait(Duration::from_secs(20)).is_some(), "credshim hung after kill -9 at {delay_ms} ms");
    }
}

#[test]
fn kill_9_of_credshim_leaves_no_tracee_alive() {
    let s = Scratch::new("killtracer");
    let cs = s.credshim().to_string_lossy().into_owned();
    let mut c = Guard::spawn(command(&ns_plain(), &[&cs, "--", "sh", "-c", "sleep 300 & sleep 300 & wait"]));
    let pid = c.0.id();
    assert!(wait_until(T, || descendants(pid).len() >= 3), "sh and two sleeps start");
    let tree = descendants(pid);
    kill(pid, libc::SIGKILL);
    c.wait(Duration::from_secs(10)).expect("credshim dies");
    // Not even a zombie may remain once the caller has reaped credshim.
    let exists = |p: &u32| std::path::Path::new(&format!("/proc/{p}")).exists();
    assert!(wait_until(Duration::from_secs(10), || !tree.iter().any(exists)), "tracees outlived credshim: {tree:?}");
}

#[test]
fn signals_are_delivered_once_and_job_control_works() {
    let s = Scratch::new("signals");
    let cs = s.credshim().to_string_lossy().into_owned();
    let script = "trap 'echo got USR1' USR1; kill -USR1 $$; echo after; kill -STOP $$; echo resumed";
    for prefix in [vec![], vec![cs.clone(), "--".to_string()]] {
        let mut all = ns_plain();
        all.extend(prefix.clone());
        let mut c = Guard::spawn(command(&all, &["sh", "-c", script]));
        let pid = c.0.id();
        // The shell stops itself; a SIGCONT from outside resumes it. (A
        // traced task in group-stop shows as `t`, an untraced one as `T`.)
        let stopped = |p: &u32| {
            std::fs::read_to_string(format!("/proc/{p}/stat")).map(|s| s.contains(") T ") || s.contains(") t ")).unwrap_or(false)
        };
        assert!(wait_until(T, || descendants(pid).iter().chain([pid].iter()).any(stopped)), "the shell stops ({prefix:?})");
        for p in descendants(pid).iter().chain([pid].iter()) {
            if stopped(p) {
                kill(*p, libc::SIGCONT);
            }
        }
        let st = c.wait(Duration::from_secs(20)).expect("ends after SIGCONT");
        assert_eq!(st.code(), Some(0));
        assert_eq!(c.stdout(), "got USR1\nafter\nresumed\n", "with {prefix:?}");
    }
}

#[test]
fn a_virtual_user_from_the_command_line() {
    let s = Scratch::new("uidopts");
    let cs = s.credshim().to_string_lossy().into_owned();
    let want = output(command(&[], &["setpriv", "--reuid=1000", "--regid=1000", "--groups=27,100", "id"]));
    let got = output(command(&ns_plain(), &[&cs, "--uid", "1000", "--gid", "1000", "--groups", "27,100", "--", "id"]));
    assert_eq!(got, want);
}

#[test]
fn verbose_logs_each_emulated_call_like_strace() {
    let s = Scratch::new("log");
    let cs = s.credshim().to_string_lossy().into_owned();
    // The namespace's root is the account outside: let it write the log there.
    std::fs::set_permissions(&s.dir, std::os::unix::fs::PermissionsExt::from_mode(0o1777)).expect("chmod");
    let log = s.dir.join("log.txt");
    let logs = log.to_string_lossy().into_owned();
    let o = command(&ns_plain(), &[&cs, "-v", "--", "setpriv", "--reuid=33", "--regid=33", "--clear-groups", "true"])
        .stderr(Stdio::piped())
        .output()
        .expect("runs");
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    let line = err.lines().find(|l| l.contains("setresuid(33, 33, 33) = 0")).unwrap_or_else(|| panic!("no strace-like line in:\n{err}"));
    assert!(line.starts_with("credshim: [pid ") && line.contains("] setresuid(33, 33, 33) = 0"), "{line}");
    let o = command(&ns_plain(), &[&cs, "--log-file", &logs, "--", "setpriv", "--reuid=33", "--regid=33", "--clear-groups", "true"])
        .env("CREDSHIM_LOG", "debug")
        .stderr(Stdio::piped())
        .output()
        .expect("runs");
    assert!(o.status.success() && o.stderr.is_empty(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(std::fs::read_to_string(&log).unwrap_or_default().contains("setgroups(0, "));
    let quiet = command(&ns_plain(), &[&cs, "--", "setpriv", "--reuid=33", "--regid=33", "--clear-groups", "true"])
        .stderr(Stdio::piped())
        .output()
        .expect("runs");
    assert!(quiet.stderr.is_empty(), "quiet by default");
}

#[test]
fn help_teaches() {
    let s = Scratch::new("help");
    let o = Command::new(s.credshim()).arg("--help").output().expect("runs");
    assert!(o.status.success());
    let out = String::from_utf8_lossy(&o.stdout);
    for w in ["Examples:", "--no-seccomp", "--uid", "Exit status", "rootless"] {
        assert!(out.contains(w), "--help lacks {w}:\n{out}");
    }
}

#[test]
fn a_refused_filter_falls_back_with_a_warning() {
    let s = Scratch::new("fallback");
    let cs = s.credshim().to_string_lossy().into_owned();
    let o = command(&ns_plain(), &["env", "CREDSHIM_TEST_SECCOMP=refuse", &cs, "--", "setpriv", "--reuid=33", "--regid=33", "--clear-groups", "id", "-u"])
        .stderr(Stdio::piped())
        .output()
        .expect("runs");
    assert_eq!(String::from_utf8_lossy(&o.stdout), "33\n");
    assert!(String::from_utf8_lossy(&o.stderr).contains("tracing every system call instead"), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn syslog_never_stops_the_command() {
    let s = Scratch::new("syslog");
    let cs = s.credshim().to_string_lossy().into_owned();
    let o = command(&ns_plain(), &[&cs, "--syslog", "-v", "--", "sh", "-c", "exit 7"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(7));
}

/// The command starts with the launcher's credentials as the kernel reports
/// them, less the overflow gid that stands for unmapped groups.
#[test]
fn initial_groups_leave_out_the_overflow_gid() {
    let s = Scratch::new("groups");
    let cs = s.credshim().to_string_lossy().into_owned();
    let ns_with_a_group = |rest: &[&str]| {
        let mut c = Command::new("setpriv");
        c.args([&format!("--reuid={}", harness::ns_uid()), &format!("--regid={}", harness::ns_gid()), "--groups=5", "unshare", "-r"]).args(rest);
        output(c)
    };
    assert_eq!(ns_with_a_group(&["id", "-G"]).1, "0 65534\n", "natively the unmapped group shows as 65534");
    assert_eq!(ns_with_a_group(&[&cs, "--", "id", "-G"]).1, "0\n");
}

/// The checked-in man page renders and the bash completion loads (their
/// staleness is checked by the unit tests in src/cli.rs).
#[test]
fn man_page_renders_and_completions_load() {
    let root = env!("CARGO_MANIFEST_DIR");
    let man = Command::new("man").args(["-l", &format!("{root}/man/credshim.1")]).env("MANWIDTH", "80").env("MANPAGER", "cat").output().expect("man runs");
    let text = String::from_utf8_lossy(&man.stdout);
    assert!(man.status.success() && text.contains("credshim") && text.contains("--exit-with-main"), "{text}");
    let bash = Command::new("bash")
        .args(["-c", &format!("source {root}/contrib/completions/credshim.bash && complete -p credshim")])
        .output()
        .expect("bash runs");
    assert!(String::from_utf8_lossy(&bash.stdout).contains("-F _credshim credshim"));
}

/// Without the filter every getsockopt reaches credshim: only SO_PEERCRED
/// is answered by it (a peer that dropped to 33:44 shows as such), the
/// other options as the kernel answers them.
#[test]
fn without_seccomp_only_so_peercred_is_answered() {
    let s = Scratch::new("nosecsock");
    let script = "import socket, struct\n\
        s = socket.socket(); print(s.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE), s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR), s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) > 0)\n\
        a, b = socket.socketpair(); print(struct.unpack('iII', a.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))[1:], a.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE))\n";
    let peer = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/peercred.py");
    let d = s.dir.join("ns");
    std::fs::create_dir(&d).expect("mkdir");
    assert!(Command::new("chown").arg(ns_owner()).arg(&d).status().expect("chown").success());
    let d = d.to_string_lossy().into_owned();
    let peer = peer.to_string_lossy().into_owned();
    let w = ns_wrapper(&s.credshim(), host_bset(), &[], &["--no-seccomp"]);
    let (_, out) = run_with_timeout(command(&w, &["/usr/bin/python3", "-c", script]), Duration::from_secs(60)).expect("finishes");
    assert_eq!(out, "1 0 True\n(0, 0) 1\n");
    let (_, out) = run_with_timeout(command(&w, &["/usr/bin/python3", &peer, &d]), Duration::from_secs(60)).expect("finishes");
    assert_eq!(out, "True 33 44 8 33\n");
}
