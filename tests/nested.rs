//! credshim under credshim (issue 21): the inner one notices it is traced
//! by a credshim, leaves the emulation to it and keeps its own duties (PID
//! 1 reaping and signal forwarding, the command's status); options that
//! would change the emulation are refused; another tracer is named. And
//! an image whose entrypoint is credshim, run through credshim-runtime.

mod harness;

use harness::podman::{PodLab, ROOT_LIMITS, WWW_ID};
use harness::{command, descendants, host_bset, kill, ns_wrapper, state, wait_until, Guard, Scratch};
use std::io::{BufRead, BufReader, Read};
use std::process::Command;
use std::time::Duration;

fn output(mut c: Command) -> (Option<i32>, String, String) {
    c.env_remove("CREDSHIM_LOG");
    harness::output(c, Duration::from_secs(60))
}

const DROP: &[&str] = &["setpriv", "--reuid=33", "--regid=33", "--clear-groups", "sh", "-c", "id; grep -c . /etc/passwd; exit 3"];

#[test]
fn credshim_under_credshim_prints_what_real_root_prints() {
    let s = Scratch::new("nested");
    let cs = s.credshim().to_string_lossy().into_owned();
    let want = output(command(&[], DROP));
    assert_eq!(want.0, Some(3), "real root: {want:?}");
    let outer = ns_wrapper(&s.credshim(), host_bset(), &[], &[]);
    for inner in [&[][..], &["-v"], &["--uid", "0", "--exit-with-main"]] {
        let mut rest = vec![cs.as_str()];
        rest.extend(inner);
        rest.push("--");
        rest.extend(DROP);
        let got = output(command(&outer, &rest));
        assert_eq!((got.0, &got.1), (want.0, &want.1), "credshim {inner:?} under credshim: {}", got.2);
        if inner == ["-v"] {
            assert!(got.2.contains("running under credshim (PID ") && got.2.contains("supervising 'setpriv' without tracing it"), "said once at -v: {}", got.2);
            assert_eq!(got.2.matches("running under credshim").count(), 1, "{}", got.2);
        } else {
            assert!(got.2.is_empty(), "quiet without -v: {}", got.2);
        }
    }
    // The inner starting user is set through the calls the outer emulates.
    let got = output(command(&outer, &[&cs, "--uid", "33", "--gid", "33", "--groups", "4,5", "--", "id"]));
    let direct = output(command(&outer, &["setpriv", "--reuid=33", "--regid=33", "--groups=4,5", "id"]));
    assert_eq!(got.1, direct.1, "--uid/--gid/--groups of the inner credshim: {}", got.2);
}

/// The inner credshim as PID 1 of a PID namespace inside the outer's tree.
fn inner_pid1(s: &Scratch, payload: &[&str]) -> Command {
    let cs = s.credshim().to_string_lossy().into_owned();
    let outer = ns_wrapper(&s.credshim(), host_bset(), &[], &[]);
    let mut rest = vec!["unshare", "--pid", "--fork", "--mount-proc", &cs, "--"];
    rest.extend_from_slice(payload);
    command(&outer, &rest)
}

#[test]
fn the_inner_credshim_as_pid1_reaps_orphans_forwards_sigterm_and_keeps_the_status() {
    let s = Scratch::new("nestedpid1");
    let script = "for i in $(seq 50); do (sleep 0.2 &) ; done; sleep 3; echo done";
    let mut g = Guard::spawn(inner_pid1(&s, &["sh", "-c", script]));
    // The inner credshim is the one whose parent is unshare.
    let inner = || descendants(g.0.id()).into_iter().find(|&p| harness::comm(p) == "credshim" && harness::children(p).iter().any(|&c| harness::comm(c) == "sh"));
    assert!(wait_until(Duration::from_secs(20), || inner().is_some()), "the inner credshim starts");
    std::thread::sleep(Duration::from_millis(1500));
    let tree = descendants(g.0.id());
    let zombies: Vec<u32> = tree.iter().copied().filter(|&p| state(p) == Some('Z')).collect();
    assert!(zombies.is_empty(), "zombies left under the inner PID 1: {zombies:?}");
    let st = g.wait(Duration::from_secs(20)).expect("ends");
    assert_eq!((st.code(), g.stdout()), (Some(0), "done\n".to_string()));

    let script = "trap 'echo got TERM; exit 5' TERM; echo ready; while :; do sleep 0.05; done";
    let mut g = Guard::spawn(inner_pid1(&s, &["sh", "-c", script]));
    let mut out = BufReader::new(g.0.stdout.take().expect("stdout"));
    let mut line = String::new();
    out.read_line(&mut line).expect("ready");
    assert_eq!(line, "ready\n");
    let inner = descendants(g.0.id()).into_iter().find(|&p| harness::comm(p) == "credshim" && harness::children(p).iter().any(|&c| harness::comm(c) == "sh")).expect("the inner credshim");
    kill(inner, libc::SIGTERM);
    let st = g.wait(Duration::from_secs(20)).expect("ends");
    let mut rest = String::new();
    out.read_to_string(&mut rest).expect("output");
    assert_eq!((rest.as_str(), st.code()), ("got TERM\n", Some(5)), "SIGTERM to the inner PID 1 reaches the payload; its status is the container's");
}

#[test]
fn each_refusal_names_its_cause_in_words() {
    let s = Scratch::new("nestedno");
    let cs = s.credshim().to_string_lossy().into_owned();
    let outer = ns_wrapper(&s.credshim(), host_bset(), &[], &[]);
    let debug_looking = |t: &str| t.contains("{ ") || t.contains("Os {") || t.contains("Other {");
    // An option that changes the emulation, under credshim.
    for opt in ["--ownership=xattr", "--intercept=ptrace", "--no-seccomp"] {
        let got = output(command(&outer, &[&cs, opt, "--", "id"]));
        assert_eq!(got.0, Some(125), "{opt}: {got:?}");
        assert_eq!(got.2.lines().count(), 1, "{opt}: {}", got.2);
        assert!(got.2.starts_with(&format!("credshim: {opt} cannot apply here: this credshim runs under credshim (PID ")), "{opt}: {}", got.2);
        assert!(!debug_looking(&got.2), "{}", got.2);
    }
    // Another tracer: strace around credshim.
    let got = output(command(&harness::ns_plain(), &["strace", "-f", "-o", "/dev/null", &cs, "--", "id"]));
    assert_eq!(got.0, Some(125), "{got:?}");
    assert!(got.2.contains("cannot trace 'id': credshim itself is traced by PID ") && got.2.contains("(strace), and a task has one tracer only"), "{}", got.2);
    assert!(!debug_looking(&got.2), "{}", got.2);
    // The kernel's own refusal: a command that is not dumpable
    // (CREDSHIM_TEST_CHILD=undumpable) and no CAP_SYS_PTRACE.
    let got = output(command(&harness::ns_plain(), &["setpriv", "--bounding-set=-sys_ptrace", "--", "env", "CREDSHIM_TEST_CHILD=undumpable", &cs, "--", "id"]));
    assert_eq!(got.0, Some(125), "{got:?}");
    assert_eq!(got.2.lines().count(), 1, "{}", got.2);
    assert!(got.2.starts_with("credshim: cannot trace 'id': the kernel refused (EPERM): credshim lacks CAP_SYS_PTRACE"), "{}", got.2);
    assert!(!debug_looking(&got.2), "{}", got.2);
    // With the capability the same command is traced.
    let got = output(command(&harness::ns_plain(), &["env", "CREDSHIM_TEST_CHILD=undumpable", &cs, "--", "id"]));
    assert_eq!(got.0, Some(0), "{got:?}");
    // A tracer under credshim gets the kernel's refusal in its own words.
    let got = output(command(&outer, &["strace", "-o", "/dev/null", "true"]));
    assert_ne!(got.0, Some(0), "strace under credshim attached: {got:?}");
}

/// An image whose entrypoint is credshim (the static binary copied in),
/// run through credshim-runtime by an account without subuids: the
/// wrapper's credshim is the container's init, the image's one nests.
#[test]
fn an_image_with_credshim_as_its_entrypoint_runs_through_the_wrapper() {
    let lab = PodLab::new("nestedimg");
    let root = lab.dir.join("rootfs");
    // A copy by cp: a hard link would share the build's inode, whose
    // ctime other test threads' links change while tar reads it ("file
    // changed as we read it").
    let st = Command::new("cp").arg(harness::credshim_bin()).arg(root.join("credshim")).status().expect("cp");
    assert!(st.success(), "cp credshim into the rootfs");
    let tar = lab.dir.join("cs.tar");
    let o = Command::new("tar").arg("-C").arg(&root).arg("-cf").arg(&tar).args(["--numeric-owner", "."]).output().expect("tar");
    assert!(o.status.success(), "tar of the rootfs: {}", String::from_utf8_lossy(&o.stderr));
    std::fs::set_permissions(&tar, std::os::unix::fs::PermissionsExt::from_mode(0o644)).expect("chmod");
    for mut import in [lab.podman(&["import", "--change", "ENTRYPOINT [\"/credshim\", \"--\"]"]), lab.root_podman(&["import", "--change", "ENTRYPOINT [\"/credshim\", \"--\"]"])] {
        import.arg(&tar).arg("csimg");
        lab.ok(import, "podman import with ENTRYPOINT /credshim");
    }
    let su = ["su", "-s", "/bin/sh", "www", "-c", "id"];
    let mut args = vec!["--runtime", "runc", "run", "--rm", "--network=none"];
    args.extend(ROOT_LIMITS);
    args.extend(["--entrypoint", "", "csimg"]);
    args.extend(su);
    let want = harness::oci::run(lab.root_podman(&args));
    assert!(want.ok && want.stdout == WWW_ID, "real root's podman: {} {}", want.stdout, want.stderr);
    let mut args = vec!["run", "--rm", "--network=none", "csimg"];
    args.extend(su);
    let got = harness::oci::run(lab.with(&lab.wrapper_s(), &args));
    assert!(got.ok, "credshim-runtime with a credshim entrypoint ({:?}): {}", got.code, got.stderr);
    assert_eq!(got.stdout, want.stdout);
    // With plain runc the image's own credshim does it alone; without it
    // su fails.
    let alone = harness::oci::run(lab.with("runc", &args));
    assert!(alone.ok && alone.stdout == want.stdout, "the image's credshim alone: {} {}", alone.stdout, alone.stderr);
    let mut args = vec!["run", "--rm", "--network=none", "--entrypoint", "", "csimg"];
    args.extend(su);
    let plain = harness::oci::run(lab.with("runc", &args));
    assert!(!plain.ok && plain.stderr.contains("can't set groups"), "plain runc without credshim: {}", plain.stderr);
    lab.settled("the credshim entrypoint", &[]);
}
