//! `credshim oci inject --mode hook`: nothing of credshim inside the
//! container, a createRuntime hook attaches from outside; with the real
//! runc run by the tests' account, against the reference run by real root
//! (tests/harness/oci.rs).

mod harness;

use harness::oci::{edit, id, inject_hook, reference, rootless_run, run, sh, Lab, CAPS, LIMIT};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;

#[test]
fn hook_mode_attaches_from_outside_and_matches_the_reference() {
    let lab = Lab::new("hook");
    let want = reference(&lab);
    let b = lab.bundle("hook", true, &["su", "-s", "/bin/sh", "www", "-c", "id"]);
    let log = lab.dir.join("xdg/hook.log"); // a directory the hook's user owns
    inject_hook(&lab, &b, &log);
    let c: Value = serde_json::from_slice(&std::fs::read(b.join("config.json")).expect("read")).expect("json");
    // Nothing of credshim inside the container: no mount, no wrapped args.
    assert_eq!(c["process"]["args"][0], "su");
    assert!(!c["mounts"].as_array().expect("mounts").iter().any(|m| m["source"].as_str().is_some_and(|s| s.contains("credshim"))));
    assert!(!lab.rootfs().join(".credshim").exists());
    assert_eq!(c["linux"]["seccomp"]["defaultAction"], "SCMP_ACT_ALLOW");
    let o = rootless_run(&lab, Path::new("runc"), &[], &b, "hook");
    assert!(o.ok, "rootless runc with the hook failed ({:?}): {}", o.code, o.stderr);
    assert_eq!(o.stdout, want);
    let log = std::fs::read_to_string(&log).expect("the hook's log");
    assert!(log.contains("attached to the container's init"), "{log}");
    assert!(log.contains("setgroups(") && log.contains("setuid(100) = 0"), "{log}");
    // The tracer ends with the container.
    assert!(harness::wait_until(LIMIT, || !Command::new("pgrep").args(["-f", "credshim oci hook"]).status().expect("pgrep").success()));
}

/// podman's default seccomp profile (containers-common), in the runtime
/// spec's form: default SCMP_ACT_ERRNO and an allow list.
fn podman_profile() -> Value {
    let p: Value = serde_json::from_slice(&std::fs::read("/usr/share/containers/seccomp.json").expect("containers-common's seccomp.json (podman)"))
        .expect("json");
    let caps: Vec<&str> = CAPS.to_vec();
    let rules: Vec<Value> = p["syscalls"]
        .as_array()
        .expect("syscalls")
        .iter()
        .filter(|r| {
            let needs = |k: &str, w: &str| r[k][w].as_array().map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>()).unwrap_or_default();
            let inc = needs("includes", "caps");
            let exc = needs("excludes", "caps");
            let arches = needs("includes", "arches");
            inc.iter().all(|c| caps.contains(c)) && !exc.iter().any(|c| caps.contains(c)) && (arches.is_empty() || arches.contains(&"amd64"))
        })
        .map(|r| {
            let mut o = serde_json::Map::new();
            for k in ["names", "action", "args", "errnoRet"] {
                if !r[k].is_null() {
                    o.insert(k.into(), r[k].clone());
                }
            }
            Value::Object(o)
        })
        .collect();
    json!({
        "defaultAction": p["defaultAction"],
        "defaultErrnoRet": p["defaultErrnoRet"],
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        "syscalls": rules,
    })
}

#[test]
fn hook_mode_merges_into_a_deny_by_default_profile() {
    let lab = Lab::new("hookprof");
    // A static program: the credential prctl options, a new file, and the
    // peer groups of a socket pair it made (SO_PEERGROUPS: its own groups).
    let src = lab.dir.join("pr.c");
    std::fs::write(
        &src,
        r#"#include <fcntl.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
int main(void) {
    int d = 0, sv[2];
    int fd = open("/tmp/new", O_CREAT | O_WRONLY, 0644);
    struct stat st;
    fstat(fd, &st);
    printf("keepcaps=%d bset(chown)=%d bset(sys_admin)=%d pdeathsig=%d/%d new=%d:%d", prctl(PR_GET_KEEPCAPS), prctl(PR_CAPBSET_READ, 0),
           prctl(PR_CAPBSET_READ, 21), prctl(PR_GET_PDEATHSIG, &d), d, st.st_uid, st.st_gid);
    gid_t g[16];
    socklen_t len = sizeof g;
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0 || getsockopt(sv[0], SOL_SOCKET, SO_PEERGROUPS, g, &len) != 0)
        return 1;
    printf(" peergroups=");
    for (unsigned i = 0; i < len / sizeof g[0]; i++)
        printf("%s%u", i ? "," : "", g[i]);
    printf("\n");
    return 0;
}
"#,
    )
    .expect("write pr.c");
    sh(Command::new("gcc").args(["-static", "-O2", "-o"]).arg(lab.rootfs().join("bin/pr")).arg(&src));
    sh(Command::new("chmod").arg("1777").arg(lab.rootfs().join("tmp")));
    let args = ["su", "-s", "/bin/pr", "www"];
    // Real root, the same profile, no user namespace.
    let r = lab.bundle("ref", false, &args);
    edit(&r.join("config.json"), |c| {
        c["linux"]["seccomp"] = podman_profile();
        c["root"]["readonly"] = json!(false);
    });
    let mut c = Command::new("runc");
    c.args(["--root", &format!("{}/root-state", lab.dir.display()), "run", "-b"]).arg(&r).arg(id("hookprof-ref"));
    let want = run(c);
    assert!(want.ok, "the reference failed: {}", want.stderr);
    assert_eq!(want.stdout, "keepcaps=0 bset(chown)=1 bset(sys_admin)=0 pdeathsig=0/0 new=100:101 peergroups=50,101\n");
    std::fs::remove_file(lab.rootfs().join("tmp/new")).expect("rm");
    let b = lab.bundle("hookprof", true, &args);
    edit(&b.join("config.json"), |c| {
        c["linux"]["seccomp"] = podman_profile();
        c["root"]["readonly"] = json!(false);
    });
    let log = lab.dir.join("xdg/hook.log"); // a directory the hook's user owns
    inject_hook(&lab, &b, &log);
    let o = rootless_run(&lab, Path::new("runc"), &[], &b, "hookprof");
    assert!(o.ok, "rootless runc with the hook and podman's profile failed ({:?}): {}", o.code, o.stderr);
    assert_eq!(o.stdout, want.stdout);
    let log = std::fs::read_to_string(&log).expect("the hook's log");
    assert!(log.contains("prctl(23, 21") && log.contains("prctl(7,"), "the credential prctl options are traced: {log}");
    assert!(log.contains("getsockopt("), "SO_PEERGROUPS is traced: {log}");
}

#[test]
fn hook_mode_never_lets_the_payload_run_unshimmed() {
    let lab = Lab::new("hookfail");
    let b = lab.bundle("nohook", true, &["su", "-s", "/bin/sh", "www", "-c", "id"]);
    inject_hook(&lab, &b, &lab.dir.join("unused.log"));
    // The rules without the tracer (a hook that does nothing): traced calls
    // fail with ENOSYS, starting with the payload's execve.
    edit(&b.join("config.json"), |c| c["hooks"]["createRuntime"][0] = json!({ "path": "/bin/true" }));
    let o = rootless_run(&lab, Path::new("runc"), &[], &b, "nohook");
    assert!(!o.ok, "the payload ran without its tracer: {}", o.stdout);
    assert!(o.stderr.contains("function not implemented"), "{}", o.stderr);
    // A hook that cannot attach (here: to a process of another user) fails
    // the start and says why.
    let mut c = lab.as_user("sh");
    c.arg("-c")
        .arg(r#"echo '{"ociVersion":"1.0.2","id":"x","status":"creating","pid":1,"bundle":"/"}' | "$0" oci hook --log-file /dev/null"#)
        .arg(lab.credshim());
    let o = run(c);
    assert_eq!(o.code, Some(125), "{}", o.stderr);
    assert!(o.stderr.contains("cannot attach to the container's init (pid 1)"), "{}", o.stderr);
    // Bad input: no state.
    let mut c = lab.as_user(lab.credshim());
    c.args(["oci", "hook", "--log-file", "/dev/null"]).stdin(std::process::Stdio::null());
    let o = run(c);
    assert_eq!(o.code, Some(125));
    assert!(o.stderr.contains("not JSON"), "{}", o.stderr);
}

#[test]
fn hook_inject_is_idempotent_and_remove_restores_the_bytes() {
    let lab = Lab::new("hookidem");
    let b = lab.bundle("b", true, &["id"]);
    edit(&b.join("config.json"), |c| c["linux"]["seccomp"] = podman_profile());
    let cfg = b.join("config.json");
    let orig = std::fs::read(&cfg).expect("read");
    let inject = |extra: &[&str]| {
        let mut c = Command::new(lab.credshim());
        c.args(["oci", "inject"]).args(extra).arg(&b);
        let o = run(c);
        assert!(o.ok, "{}", o.stderr);
    };
    inject(&["--mode", "hook"]);
    let once = std::fs::read(&cfg).expect("read");
    assert_ne!(once, orig);
    inject(&["--mode", "hook"]);
    assert_eq!(std::fs::read(&cfg).expect("read"), once, "a second inject changes nothing");
    inject(&["--remove"]);
    assert_eq!(std::fs::read(&cfg).expect("read"), orig, "--remove gives back the original bytes");
}
