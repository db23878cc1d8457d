//! A newcomer's first ten minutes (issue 22): `credshim demo` shows the
//! problem and the fix side by side; --uid/--gid/--groups take names as
//! setpriv does; doctor tries each runtime before it calls it usable.

mod harness;

use harness::{as_account, command, host_bset, ns_wrapper, Scratch};
use std::process::Command;
use std::time::Duration;

fn output(c: std::process::Command) -> (Option<i32>, String, String) {
    harness::output(c, Duration::from_secs(120))
}

#[test]
fn demo_shows_the_failing_and_the_working_drop() {
    let s = Scratch::new("demo");
    let cs = s.credshim().to_string_lossy().into_owned();
    // As root, and as an unprivileged account (a user's first try).
    let mut as_user = Command::new("setpriv");
    as_user.args(as_account()).arg(&cs).arg("demo");
    for c in [command(&[cs.clone()], &["demo"]), as_user] {
        let (code, out, err) = output(c);
        assert_eq!(code, Some(0), "demo: {out}{err}");
        assert!(out.contains("$ setpriv --reuid=33 --regid=33 --clear-groups id\nsetpriv: ") && out.contains("failed"), "the drop fails without credshim: {out}");
        assert!(out.contains("$ credshim -- setpriv --reuid=33 --regid=33 --clear-groups id\nuid=33(www-data) gid=33(www-data)"), "and works with it: {out}");
    }
}

#[test]
fn uid_gid_and_groups_take_names_as_setpriv_does() {
    let s = Scratch::new("names");
    let want = output(command(&[], &["setpriv", "--reuid=www-data", "--regid=www-data", "--groups=adm,users", "id"]));
    assert_eq!(want.0, Some(0), "{want:?}");
    let w = ns_wrapper(&s.credshim(), host_bset(), &[], &["--uid", "www-data", "--gid", "www-data", "--groups", "adm,users"]);
    let got = output(command(&w, &["id"]));
    assert_eq!((got.0, &got.1), (want.0, &want.1), "{}", got.2);
    // Numbers and names mixed.
    let w = ns_wrapper(&s.credshim(), host_bset(), &[], &["--uid", "33", "--gid", "www-data", "--groups", "4,users"]);
    assert_eq!(output(command(&w, &["id"])).1, want.1);
    let cs = s.credshim().to_string_lossy().into_owned();
    for (args, says) in [
        (&["--uid", "nosuchuser"][..], "credshim: failed to parse --uid: 'nosuchuser'"),
        (&["--gid", "nosuchgroup"], "credshim: failed to parse --gid: 'nosuchgroup'"),
        (&["--groups", "adm,nosuchgroup"], "credshim: Invalid supplementary group id: 'nosuchgroup'"),
    ] {
        let mut a: Vec<&str> = args.to_vec();
        a.extend(["--", "id"]);
        let got = output(command(&harness::ns_plain(), &[&[cs.as_str()][..], &a].concat()));
        assert_eq!(got.0, Some(125), "{args:?}: {got:?}");
        assert_eq!(got.2.lines().count(), 1, "{args:?}: {}", got.2);
        assert!(got.2.starts_with(says), "{args:?}: {}", got.2);
    }
}

#[test]
fn doctor_tries_each_runtime_before_it_calls_it_usable() {
    let s = Scratch::new("doctorrt");
    let (code, out, err) = output(command(&[s.credshim().to_string_lossy().into_owned()], &["doctor"]));
    assert_eq!(code, Some(0), "{out}{err}");
    let line = |name: &str| out.lines().find(|l| l.trim_start().starts_with(&format!("{name} "))).unwrap_or_default().to_string();
    assert!(line("runc").contains(" yes ") && line("runc").contains("a throwaway rootless container ran"), "runc: {out}");
    let crun = line("crun");
    // On this machine crun 1.8 refuses the hybrid cgroup layout; where it
    // works it must say it ran a container.
    assert!(
        (crun.contains(" no ") && crun.contains("but a throwaway rootless container failed: ") && !crun.trim_end().ends_with("failed:"))
            || (crun.contains(" yes ") && crun.contains("a throwaway rootless container ran")),
        "crun: {out}"
    );
    let hybrid = std::path::Path::new("/sys/fs/cgroup/unified").exists();
    if hybrid {
        assert!(crun.contains("cgroups in hybrid mode not supported"), "the reason on a hybrid-cgroup machine: {crun}");
    }
}
