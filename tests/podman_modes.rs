//! credshim-runtime as every account's runtime (issue 19): it shims only
//! where the ids are missing. Rootful podman and an account with subuid
//! ranges get what `--runtime runc` gives, with no credshim in the
//! container; an account without ranges is injected as before
//! (tests/podman.rs). The annotation io.credshim.mode forces either way.
//! Each decision is in the wrapper's log (`oci runtime --log-file`).

mod harness;

use harness::oci::{run, Out, LIMIT};
use harness::podman::*;
use harness::{comm, wait_until};
use std::process::Command;

/// A runtime script: the lab's credshim as `oci runtime` with a log file
/// (podman passes no environment of its own to its runtime).
fn logged_wrapper(lab: &PodLab) -> (String, std::path::PathBuf) {
    let log = lab.dir.join("tmp/runtime.log");
    let script = lab.dir.join("bin/logged-runtime");
    std::fs::write(&script, format!("#!/bin/sh\nexec {} oci runtime --log-file {} -- \"$@\"\n", lab.path("bin/credshim"), log.display())).expect("script");
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    (script.to_string_lossy().into_owned(), log)
}

fn log_of(log: &std::path::Path) -> String {
    std::fs::read_to_string(log).unwrap_or_default()
}

/// `podman run -d … sleep 1000` through `runtime`: the comm of the
/// container's init (podman's State.Pid), then the container removed.
fn init_comm(podman: &dyn Fn(&[&str]) -> Command, runtime: &str, extra: &[&str]) -> String {
    let mut args = vec!["--runtime", runtime, "run", "-d", "--name", "probe", "--network=none"];
    args.extend(extra);
    args.extend(["bb", "sleep", "1000"]);
    let o = run(podman(&args));
    assert!(o.ok, "run -d through {runtime} {extra:?}: {}", o.stderr);
    let o = run(podman(&["inspect", "--format", "{{.State.Pid}}", "probe"]));
    let pid: u32 = o.stdout.trim().parse().expect("a pid");
    let c = comm(pid);
    let _ = run(podman(&["rm", "-f", "-t", "0", "probe"]));
    c
}

/// su, `--user 100` and a `RUN su` build print what `--runtime runc`
/// prints, through the logged wrapper; the container's init is the
/// command, not credshim.
fn same_as_runc(podman: &dyn Fn(&[&str]) -> Command, lab: &PodLab, wrapper: &str, extra: &[&str]) {
    let out = |runtime: &str, args: &[&str]| -> Out {
        let mut a = vec!["--runtime", runtime];
        a.extend(extra);
        a.extend(args);
        run(podman(&a))
    };
    for args in [&["run", "--rm", "--network=none", "bb", "su", "-s", "/bin/sh", "www", "-c", "id"][..], &["run", "--rm", "--network=none", "--user", "100", "bb", "id"], &["run", "--rm", "--network=none", "--user", "33", "bb", "id"]] {
        let want = out("runc", args);
        assert!(want.ok, "--runtime runc {args:?}: {}", want.stderr);
        let got = out(wrapper, args);
        assert!(got.ok, "the wrapper {args:?}: {}", got.stderr);
        assert_eq!(got.stdout, want.stdout, "{args:?}: the wrapper vs runc");
    }
    std::fs::write(lab.dir.join("ctx/Containerfile"), "FROM bb\nRUN su -s /bin/sh www -c id\n").expect("Containerfile");
    let ctx = lab.path("ctx");
    let ids = |o: &Out| o.stdout.lines().filter(|l| l.starts_with("uid=")).map(String::from).collect::<Vec<_>>();
    let want = out("runc", &["build", "--no-cache", "--network=none", "-t", "m1", &ctx]);
    assert!(want.ok && ids(&want) == [WWW_ID.trim_end()], "runc's build: {}{}", want.stdout, want.stderr);
    let got = out(wrapper, &["build", "--no-cache", "--network=none", "-t", "m2", &ctx]);
    assert!(got.ok, "the wrapper's build: {}", got.stderr);
    assert_eq!(ids(&got), ids(&want), "the build's RUN su");
    assert_eq!(init_comm(podman, wrapper, &[]), "sleep", "the container's init through the wrapper");
}

#[test]
fn rootful_podman_goes_straight_to_runc() {
    let lab = PodLab::new("rootful");
    let (wrapper, log) = logged_wrapper(&lab);
    let mut import = lab.root_podman(&["import"]);
    import.arg(lab.tar()).arg("bb");
    lab.ok(import, "podman import (as root)");
    let root = |args: &[&str]| {
        // Real root here lacks CAP_SYS_RESOURCE: explicit limits on every
        // run (podman rejects them on build).
        let mut a: Vec<&str> = args.to_vec();
        if let Some(at) = a.iter().position(|w| *w == "run") {
            a.splice(at + 1..at + 1, ROOT_LIMITS.iter().copied());
        }
        lab.root_podman(&a)
    };
    same_as_runc(&root, &lab, &wrapper, &[]);
    let text = log_of(&log);
    assert!(text.contains("the runtime alone: no user namespace"), "the wrapper's log: {text}");
    assert!(!text.contains("inject"), "the wrapper injected: {text}");
}

#[test]
fn an_account_with_subuid_ranges_goes_straight_to_runc() {
    let lab = PodLab::with_subids("subids");
    let (wrapper, log) = logged_wrapper(&lab);
    let podman = |args: &[&str]| lab.podman(args);
    same_as_runc(&podman, &lab, &wrapper, &[]);
    let text = log_of(&log);
    assert!(text.contains("the runtime alone: its user namespace maps 65537 uids and 65537 gids"), "the wrapper's log: {text}");
    assert!(!text.contains(": inject"), "the wrapper injected: {text}");
    lab.settled("the subuid account's runs", &[]);
}

#[test]
fn the_annotation_forces_each_way_and_a_bad_value_is_refused() {
    // An account without ranges: injected unless the annotation says off.
    let lab = PodLab::new("modes");
    let (wrapper, log) = logged_wrapper(&lab);
    let podman = |args: &[&str]| lab.podman(args);
    assert_eq!(init_comm(&podman, &wrapper, &[]), "credshim", "auto, one id: injected");
    assert_eq!(init_comm(&podman, &wrapper, &["--annotation", "io.credshim.mode=off"]), "sleep", "off: the runtime alone");
    let su = |extra: &[&str]| {
        let mut a = vec!["--runtime", wrapper.as_str(), "run", "--rm", "--network=none"];
        a.extend(extra);
        a.extend(["bb", "su", "-s", "/bin/sh", "www", "-c", "id"]);
        run(lab.podman(&a))
    };
    let o = su(&["--annotation", "io.credshim.mode=off"]);
    assert!(!o.ok && o.stderr.contains("su: can't set groups"), "off: su as with runc: {}", o.stderr);
    let o = su(&["--annotation", "io.credshim.mode=hook"]);
    assert!(o.ok, "hook: {}", o.stderr);
    assert_eq!(o.stdout, WWW_ID, "hook: su works with nothing of credshim inside");
    // A bad value: one line naming the annotation, which podman reports.
    let o = su(&["--annotation", "io.credshim.mode=bogus"]);
    assert!(!o.ok, "a bad mode ran");
    assert!(o.stderr.contains("annotation io.credshim.mode is \"bogus\": it must be auto, inject, hook or off"), "{}", o.stderr);
    assert_eq!(o.code, Some(126), "podman's status for a runtime error");
    let text = log_of(&log);
    for want in ["inject: its user namespace maps 1 uids", "the runtime alone (asked by annotation io.credshim.mode)", "hook (asked by annotation io.credshim.mode)"] {
        assert!(text.contains(want), "the wrapper's log lacks {want:?}: {text}");
    }
    assert!(wait_until(LIMIT, || lab.strays().is_empty()), "left behind: {:?}", lab.strays());
    lab.settled("the forced modes", &[]);

    // An account with ranges: passed through unless it says inject.
    let lab = PodLab::with_subids("modes2");
    let (wrapper, _) = logged_wrapper(&lab);
    let podman = |args: &[&str]| lab.podman(args);
    assert_eq!(init_comm(&podman, &wrapper, &[]), "sleep", "auto, ranges: the runtime alone");
    assert_eq!(init_comm(&podman, &wrapper, &["--annotation", "io.credshim.mode=inject"]), "credshim", "inject: credshim inside");
    lab.settled("the forced modes (ranges)", &[]);
}

#[test]
fn doctor_says_what_the_wrapper_would_do_for_an_account() {
    let lab = PodLab::new("doctor");
    let two = PodLab::with_subids("doctor2");
    let doctor = |l: &PodLab| {
        let mut c = l.as_user(l.dir.join("bin/credshim"));
        c.arg("doctor");
        run(c).stdout
    };
    for (l, want) in [(&lab, ["no subordinate uid range", "containers are injected"]), (&two, ["65536 subordinate uids", "go straight to the runtime"])] {
        let text = doctor(l);
        for w in want {
            assert!(text.contains("runtime wrapper for") && text.contains(w), "doctor as {} lacks {w:?}: {text}", l.account.name);
        }
    }
}
