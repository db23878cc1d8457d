//! The capability checks of calls that are not credential calls (issue
//! 16), where the target is a process credshim does not trace: one started
//! in the same namespace before credshim, as a hook-attached container or
//! a side process has. Real root's dropped child vs credshim's, both
//! channels.

mod harness;

use harness::{command, ns_plain, Scratch};
use std::time::Duration;

/// Starts an untraced root `sleep`, then runs `PREFIX` (real root: empty;
/// else credshim's command line) with a python that attaches to it with
/// PTRACE_ATTACH and PTRACE_SEIZE, dropped to 33 and not, each from a
/// python of its own (its exit detaches); the sleeper is killed by its pid.
const SCRIPT: &str = r#"sleep 30 & S=$!
try() { for req in 16 16902; do "$@" /usr/bin/python3 -c 'import ctypes, os, sys
l = ctypes.CDLL(None, use_errno=True)
req, p = int(sys.argv[1]), int(sys.argv[2])
r = l.ptrace(req, p, 0, 0)
print({16: "attach", 0x4206: "seize"}[req], "ok" if r == 0 else os.strerror(ctypes.get_errno()))
' $req $S; done; }
try $PREFIX setpriv --reuid=33 --regid=33 --clear-groups
try $PREFIX setpriv --regid=33 --clear-groups
try $PREFIX
kill -9 $S; wait"#;

fn run(prefix: &[String], credshim: Option<(&str, &str)>) -> (Option<i32>, String, String) {
    let mut c = command(prefix, &["sh", "-c", SCRIPT]);
    c.env("PREFIX", credshim.map(|(cs, mode)| format!("{cs} --intercept={mode} --")).unwrap_or_default());
    harness::output(c, Duration::from_secs(60))
}

#[test]
fn ptrace_attach_to_an_untraced_root_process_is_refused_after_a_drop() {
    let s = Scratch::new("privilege");
    let want = run(&[], None);
    assert_eq!(want.0, Some(0), "real root: {want:?}");
    assert_eq!(want.1, "attach Operation not permitted\nseize Operation not permitted\nattach ok\nseize ok\nattach ok\nseize ok\n", "real root: {}", want.2);
    let cs = s.credshim().to_string_lossy().into_owned();
    for mode in ["notify", "ptrace"] {
        let got = run(&ns_plain(), Some((&cs, mode)));
        assert_eq!((got.0, &got.1), (want.0, &want.1), "credshim --intercept={mode}: {}", got.2);
    }
}
