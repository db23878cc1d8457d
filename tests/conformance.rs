//! Real privilege-dropping programs from Debian's packages: each command
//! line prints the same under credshim in a single-id namespace as it
//! prints as real root on the host (stdout and exit status).

mod harness;

use credprobe::runner::run_with_timeout;
use harness::{command, host_bset, ns_wrapper, Scratch, NS_UID};
use std::process::Command;
use std::time::Duration;

/// (name, shell command line). `$D` is a scratch directory of the side's
/// own (its files are owned by the side's root).
const CASES: &[(&str, &str)] = &[
    ("setpriv reuid/regid/clear-groups", "setpriv --reuid=33 --regid=33 --clear-groups id"),
    ("setpriv init-groups", "setpriv --reuid=33 --regid=33 --init-groups id"),
    ("setpriv groups", "setpriv --reuid=33 --regid=33 --groups=4,27,100 id"),
    ("setpriv euid only", "setpriv --euid=33 id"),
    (
        "setpriv inh-caps + ambient-caps",
        "setpriv --reuid=33 --regid=33 --clear-groups --inh-caps=+net_bind_service --ambient-caps=+net_bind_service capsh --print",
    ),
    ("setpriv bounding-set", "setpriv --bounding-set=-net_raw capsh --print"),
    ("setpriv cannot regain root", "setpriv --reuid=33 --regid=33 --clear-groups setpriv --reuid=0 id; echo status=$?"),
    ("gosu user", "gosu www-data id"),
    ("gosu user:group", "gosu www-data:nogroup id"),
    ("runuser", "runuser -u www-data -- id"),
    ("chroot --userspec", "chroot --userspec=www-data:nogroup / id"),
    ("start-stop-daemon --chuid", "start-stop-daemon --start --chuid www-data:www-data --exec /usr/bin/id -- -a"),
    ("s6-setuidgid", "s6-setuidgid www-data id"),
    ("chpst -u", "chpst -u www-data id"),
    ("capsh --drop", "capsh --drop=cap_net_raw --print"),
    ("capsh --keep=1 --user", "capsh --keep=1 --user=www-data --print"),
    ("capsh --uid --gid", "capsh --gid=33 --uid=33 --print"),
    (
        "python os.setgroups/setresgid/setresuid, seteuid back through saved uid",
        "/usr/bin/python3 -c 'import os; os.setgroups([5,27]); os.setresgid(33,33,33); os.setresuid(33,33,0); print(os.getresuid(), os.getresgid(), os.getgroups()); os.seteuid(0); print(os.geteuid(), os.getresuid())'",
    ),
    ("python setfsuid via ctypes", "/usr/bin/python3 -c 'import ctypes; l=ctypes.CDLL(None); print(l.setfsuid(1000), l.setfsuid(-1), l.setfsuid(0))'"),
    ("perl $< $> $( $)", r#"perl -e '$( = 33; $) = "33 33"; $< = 33; $> = 33; print "$< $> $( $)\n"'"#),
    (
        "python thread setresuid seen by all threads",
        "/usr/bin/python3 -c 'import os, threading; t=threading.Thread(target=lambda: os.setresuid(33,33,33)); t.start(); t.join(); print(os.getresuid())'",
    ),
    ("set-user-ID root copy run by www-data", "setpriv --reuid=33 --regid=33 --clear-groups $D/id-suid"),
    ("setpriv then su-like regain refused", "setpriv --reuid=33 --regid=33 --clear-groups /usr/bin/python3 -c 'import os; os.setuid(0)'; echo status=$?"),
];

/// A side's scratch directory: a set-user-ID-root copy of id(1), owned by
/// `uid` (the host's root, or the uid the namespace maps to root).
fn side_dir(s: &Scratch, name: &str, uid: u32) -> String {
    let d = s.dir.join(name);
    std::fs::create_dir_all(&d).expect("dir");
    std::fs::set_permissions(&d, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    let f = d.join("id-suid");
    std::fs::copy("/usr/bin/id", &f).expect("copy id");
    let st = Command::new("chown").arg(format!("{uid}:{uid}")).arg(&f).status().expect("chown");
    assert!(st.success());
    std::fs::set_permissions(&f, std::os::unix::fs::PermissionsExt::from_mode(0o4755)).expect("chmod u+s");
    d.to_string_lossy().into_owned()
}

#[test]
fn every_program_prints_what_it_prints_for_real_root() {
    let s = Scratch::new("conformance");
    let host_d = side_dir(&s, "host", 0);
    let ns_d = side_dir(&s, "ns", NS_UID);
    let mut failures = vec![];
    for ch in ["--intercept=notify", "--intercept=ptrace"] {
        let w = ns_wrapper(&s.credshim(), host_bset(), &[], &[ch]);
        for (name, line) in CASES {
            let run = |prefix: &[String], d: &str| {
                let mut c = command(prefix, &["sh", "-c", line]);
                c.env("D", d).current_dir("/");
                let (st, out) = run_with_timeout(c, Duration::from_secs(60)).expect("finishes");
                (st.code(), out)
            };
            let want = run(&[], &host_d);
            let got = run(&w, &ns_d);
            if got != want {
                failures.push(format!("{name} ({ch}):\n  real root: {want:?}\n  credshim:  {got:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{} case(s) differ:\n{}", failures.len(), failures.join("\n"));
}
