//! Real programs: each prints the same under credshim in a single-id
//! namespace as it prints as real root on the host.

mod harness;

use credprobe::runner::run_with_timeout;
use harness::{host_bset, ns_wrapper, Scratch};
use std::process::Command;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(120);

fn run(wrapper: &[String], prog: &std::path::Path, args: &[&str]) -> (Option<i32>, String) {
    let mut cmd = match wrapper.split_first() {
        Some((first, rest)) => {
            let mut c = Command::new(first);
            c.args(rest).arg(prog);
            c
        }
        None => Command::new(prog),
    };
    cmd.args(args);
    let (st, out) = run_with_timeout(cmd, TIMEOUT).expect("runs within the timeout");
    (st.code(), out)
}

/// Runs `name` as real root and under credshim (both channels); all must
/// agree and pass.
fn same_as_root(name: &str, flags: &[&str]) -> String {
    let s = Scratch::new(name);
    let prog = s.build_c(name, flags);
    let host = run(&[], &prog, &[]);
    assert_eq!(host.0, Some(0), "{name} as real root failed its own checks:\n{}", host.1);
    for ch in ["--intercept=notify", "--intercept=ptrace"] {
        let traced = run(&ns_wrapper(&s.credshim(), host_bset(), &[], &[ch]), &prog, &[]);
        assert_eq!(traced, host, "{name}: under credshim {ch} (left) vs real root (right)");
    }
    host.1
}

#[test]
fn sixteen_threads_see_the_glibc_setxid_broadcast() {
    let out = same_as_root("setxid_threads", &[]);
    assert_eq!(out.lines().filter(|l| l.starts_with("thread ") && l.contains("uid=1000,1000,1000")).count(), 16);
}

#[test]
fn a_thousand_forks_return_the_right_pids() {
    let out = same_as_root("forks", &[]);
    assert!(out.contains("forks ok 1000"), "{out}");
}

#[test]
fn bad_pointers_get_efault_like_the_kernel() {
    same_as_root("badptr", &[]);
}

#[test]
fn exec_from_a_non_leader_thread_keeps_that_threads_ids() {
    let out = same_as_root("exec_thread", &[]);
    assert_eq!(out, "after exec: uid=1000,1000,1000 same-pid=yes\n");
}

#[test]
fn the_same_with_a_32_bit_build() {
    for name in ["setxid_threads", "forks", "badptr", "exec_thread", "setid_signals"] {
        same_as_root(name, &["-m32"]);
    }
}

/// Issue 23, "commit only what was delivered": one thread toggles its ids
/// and groups with raw calls while another signals it (with and without
/// SA_RESTART). A call is answered once or not at all: an interrupted one
/// must have changed nothing, a restarted one must run against the old
/// state (setfsuid's return value shows a call that counted twice). Three
/// ways: notifications with WAIT_KILLABLE_RECV (a signal cannot interrupt
/// a call being answered); notifications without it, as on Linux < 5.19,
/// with 30 us between each decision and its answer so that signals do land
/// there (committing before the answer gives thousands of mismatches); and
/// seccomp stops.
#[test]
fn a_signal_that_interrupts_a_credential_call_leaves_no_change() {
    let name = "setid_signals";
    let s = Scratch::new(name);
    std::fs::set_permissions(&s.dir, std::os::unix::fs::PermissionsExt::from_mode(0o1777)).expect("chmod");
    let host = run(&[], &s.build_c(name, &[]), &[]);
    assert_eq!(host.0, Some(0), "{name} as real root failed its own checks:\n{}", host.1);
    assert!(host.1.contains("mismatches 0, failed with EINTR 0\nboth handlers ran: yes\n"), "{}", host.1);
    let fallback = ["CREDSHIM_TEST_WAIT_KILLABLE=off", "CREDSHIM_TEST_ANSWER_DELAY_US=30"];
    for (env, ch, said) in [
        (&[][..], "--intercept=notify", "with WAIT_KILLABLE_RECV"),
        (&fallback[..], "--intercept=notify", "without WAIT_KILLABLE_RECV"),
        (&[][..], "--intercept=ptrace", "seccomp stops"),
    ] {
        let prog = s.build_c(name, &[]);
        let log = s.dir.join("setid_signals.log");
        let _ = std::fs::remove_file(&log);
        let env: Vec<&str> = env.iter().copied().chain(["CREDSHIM_LOG=info"]).collect();
        let w = ns_wrapper(&s.credshim(), host_bset(), &env, &[ch, "--log-file", &log.to_string_lossy()]);
        let traced = run(&w, &prog, &[]);
        assert_eq!(traced, host, "{name}: under credshim {ch} {env:?} (left) vs real root (right)");
        let logged = std::fs::read_to_string(&log).unwrap_or_default();
        assert!(logged.contains(said), "{ch} {env:?}: the log does not say {said:?}:\n{logged}");
    }
}

/// DESIGN.md lesson 2: a new child's first stop can come before its
/// parent's fork event. The kernel here rarely does that on its own, so the
/// tracer is told to handle each batch of pending events newest first; the
/// log shows the parked path ran, and the programs still print what they
/// print as real root.
#[test]
fn children_that_stop_before_their_fork_event_are_parked() {
    for name in ["forks", "setxid_threads"] {
        let s = Scratch::new(name);
        std::fs::set_permissions(&s.dir, std::os::unix::fs::PermissionsExt::from_mode(0o1777)).expect("chmod");
        let prog = s.build_c(name, &[]);
        let log = s.dir.join("trace.log");
        let host = run(&[], &prog, &[]);
        let w = ns_wrapper(
            &s.credshim(),
            host_bset(),
            &["CREDSHIM_TEST_EVENT_ORDER=reverse", "CREDSHIM_LOG=trace"],
            &["--log-file", &log.to_string_lossy()],
        );
        let traced = run(&w, &prog, &[]);
        assert_eq!(traced, host, "{name} with events reversed");
        let parked = std::fs::read_to_string(&log).unwrap_or_default().matches("(was parked)").count();
        assert!(parked > 0, "{name}: the parked path never ran");
    }
}

/// `--no-seccomp` and the automatic fallback when the filter is refused.
#[test]
fn without_seccomp_the_programs_agree_too() {
    for name in ["forks", "setxid_threads", "exec_thread"] {
        let s = Scratch::new(name);
        let prog = s.build_c(name, &[]);
        let host = run(&[], &prog, &[]);
        let explicit = run(&ns_wrapper(&s.credshim(), host_bset(), &[], &["--no-seccomp"]), &prog, &[]);
        assert_eq!(explicit, host, "{name} with --no-seccomp");
        let fallback = run(&ns_wrapper(&s.credshim(), host_bset(), &["CREDSHIM_TEST_SECCOMP=refuse"], &[]), &prog, &[]);
        assert_eq!(fallback, host, "{name} after the filter was refused");
    }
}
