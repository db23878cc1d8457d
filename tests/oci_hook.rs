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
    // runc 1.1 hands the container's listener to the hook: no seccomp stops.
    assert_eq!(c["linux"]["seccomp"]["syscalls"][0]["action"], "SCMP_ACT_NOTIFY");
    assert!(c["linux"]["seccomp"]["listenerPath"].as_str().is_some_and(|p| p.starts_with("@credshim-listener-")), "{c}");
    assert!(log.contains("the calls arrive through the container's seccomp listener"), "{log}");
    assert!(log.contains("setgroups(") && log.contains("setuid(100) = 0"), "{log}");
    // The tracer ends with the container.
    assert!(harness::wait_until(LIMIT, || !Command::new("pgrep").args(["-f", "credshim oci hook"]).status().expect("pgrep").success()));
}

/// `credshim oci inject --mode hook` with CREDSHIM_HOOK_CHANNEL set.
fn inject_hook_channel(lab: &Lab, bundle: &Path, log: &Path, channel: &str) {
    let mut c = Command::new(lab.credshim());
    c.args(["oci", "inject", "--mode", "hook"]).arg(bundle).env("CREDSHIM_HOOK_CHANNEL", channel);
    let o = run(c);
    assert!(o.ok, "inject --mode hook failed: {}", o.stderr);
    edit(&bundle.join("config.json"), |c| {
        let args = c["hooks"]["createRuntime"][0]["args"].as_array_mut().expect("the hook's args");
        args.extend([json!("-v"), json!("--log-file"), json!(log)]);
    });
}

#[test]
fn hook_mode_through_seccomp_stops_matches_the_reference() {
    let lab = Lab::new("hookstops");
    let want = reference(&lab);
    let b = lab.bundle("hookstops", true, &["su", "-s", "/bin/sh", "www", "-c", "id"]);
    let log = lab.dir.join("xdg/hook.log");
    inject_hook_channel(&lab, &b, &log, "stops");
    let c: Value = serde_json::from_slice(&std::fs::read(b.join("config.json")).expect("read")).expect("json");
    assert_eq!(c["linux"]["seccomp"]["syscalls"][0]["action"], "SCMP_ACT_TRACE");
    assert!(c["linux"]["seccomp"].get("listenerPath").is_none(), "{c}");
    let o = rootless_run(&lab, Path::new("runc"), &[], &b, "hookstops");
    assert!(o.ok, "rootless runc with the hook (stops) failed ({:?}): {}", o.code, o.stderr);
    assert_eq!(o.stdout, want);
    let log = std::fs::read_to_string(&log).expect("the hook's log");
    assert!(log.contains("channel: seccomp stops"), "{log}");
    assert!(log.contains("setuid(100) = 0"), "{log}");
}

/// File ownership through both hook channels: a chown to an id the
/// namespace does not map is what stat shows afterwards, and what a new
/// file of a dropped user gets, as for real root.
#[test]
fn hook_mode_keeps_file_owners_in_both_channels() {
    let lab = Lab::new("hookown");
    sh(Command::new("chmod").arg("1777").arg(lab.rootfs().join("tmp")));
    let script = "cd /tmp && rm -f o && echo x > o && chown 100:101 o && stat -c %u:%g o && ls -ln o | tr -s ' ' | cut -d' ' -f3,4                   && su -s /bin/sh www -c 'rm -f w; echo y > w; stat -c %u:%g w' && rm -f o w";
    let args = ["sh", "-c", script];
    for channel in ["listener", "stops"] {
        let name = format!("hookown-{channel}");
        let b = lab.bundle(&name, true, &args);
        edit(&b.join("config.json"), |c| c["root"]["readonly"] = json!(false));
        let log = lab.dir.join(format!("xdg/{name}.log"));
        inject_hook_channel(&lab, &b, &log, channel);
        let o = rootless_run(&lab, Path::new("runc"), &[], &b, &name);
        let log = std::fs::read_to_string(&log).unwrap_or_default();
        assert!(o.ok, "{channel}: rootless runc with the hook failed ({:?}): {}\n{log}", o.code, o.stderr);
        assert_eq!(o.stdout, "100:101\n100 101\n100:101\n", "{channel}: {log}");
    }
}

/// podman's default seccomp profile (containers-common), in the runtime
/// spec's form: default SCMP_ACT_ERRNO and an allow list.
fn podman_profile() -> Value {
    let p: Value = serde_json::from_slice(&std::fs::read("/usr/share/containers/seccomp.json").expect("containers-common's seccomp.json (podman)"))
        .expect("json");
    runtime_form(&p)
}

/// A profile in podman's form (containers-common) as podman gives it to
/// the runtime for this container's capabilities (pkg/seccomp
/// setupSeccomp), listenerPath included.
fn runtime_form(p: &Value) -> Value {
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
    let mut v = json!({
        "defaultAction": p["defaultAction"],
        "defaultErrnoRet": p["defaultErrnoRet"],
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        "syscalls": rules,
    });
    if let Some(l) = p.get("listenerPath") {
        v["listenerPath"] = l.clone();
    }
    v
}

/// podman's hooks-dir route through the listener: `oci seccomp-profile
/// --listener PATH` (podman 4.3 passes a profile's listenerPath on to the
/// runtime), the hook from hooks.d, runc as the runtime. Here podman's
/// part is played by hand: the profile as podman converts it, the hook as
/// hooks.d adds it.
#[test]
fn seccomp_profile_with_a_listener_serves_the_hooks_dir_route() {
    let lab = Lab::new("hooklisten");
    let want = reference(&lab);
    let path = format!("@credshim-test-listener-{}", std::process::id());
    let mut c = Command::new(lab.credshim());
    c.args(["oci", "seccomp-profile", "--listener", &path]);
    let o = run(c);
    assert!(o.ok, "oci seccomp-profile --listener failed: {}", o.stderr);
    let p: Value = serde_json::from_str(&o.stdout).expect("the profile is JSON");
    assert_eq!(p["listenerPath"], json!(path));
    let rules = p["syscalls"].as_array().expect("syscalls");
    assert!(rules.iter().any(|r| r["action"] == "SCMP_ACT_NOTIFY" && r["names"].as_array().is_some_and(|n| n.contains(&json!("setuid")))));
    assert!(!rules.iter().any(|r| r["action"] == "SCMP_ACT_TRACE"), "no trace rules with --listener");
    let b = lab.bundle("hooklisten", true, &["su", "-s", "/bin/sh", "www", "-c", "id"]);
    let log = lab.dir.join("xdg/hooklisten.log");
    let credshim = lab.credshim();
    edit(&b.join("config.json"), |c| {
        c["linux"]["seccomp"] = runtime_form(&p);
        c["hooks"] = json!({ "createRuntime": [{ "path": credshim, "args": ["credshim", "oci", "hook", "-v", "--log-file", log] }] });
    });
    let o = rootless_run(&lab, Path::new("runc"), &[], &b, "hooklisten");
    let log = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(o.ok, "rootless runc with the profile's listener failed ({:?}): {}\n{log}", o.code, o.stderr);
    assert_eq!(o.stdout, want);
    assert!(log.contains("the calls arrive through the container's seccomp listener"), "{log}");
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
    // The rules without the tracer (a hook that does nothing). Through the
    // listener: nothing listens, and runc fails the start. Through seccomp
    // stops: traced calls fail with ENOSYS, starting with the payload's
    // execve.
    for (channel, says) in [("listener", "failed to connect with seccomp agent"), ("stops", "function not implemented")] {
        let name = format!("nohook-{channel}");
        let b = lab.bundle(&name, true, &["su", "-s", "/bin/sh", "www", "-c", "id"]);
        inject_hook_channel(&lab, &b, &lab.dir.join("unused.log"), channel);
        edit(&b.join("config.json"), |c| c["hooks"]["createRuntime"][0] = json!({ "path": "/bin/true" }));
        let o = rootless_run(&lab, Path::new("runc"), &[], &b, &name);
        assert!(!o.ok, "{channel}: the payload ran without its tracer: {}", o.stdout);
        assert!(o.stderr.contains(says), "{channel}: {}", o.stderr);
    }
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

/// Without noNewPrivileges (podman's default) runc installs the seccomp
/// filter before it sets up the process's capabilities, so its
/// PR_CAPBSET_DROP calls reach the hook's tracer: the kernel's bounding set
/// (what /proc/PID/status shows, and what root's capabilities come from
/// at exec) must still be process.capabilities.bounding, as for real root.
#[test]
fn hook_mode_keeps_the_runtimes_bounding_set_without_no_new_privileges() {
    let lab = Lab::new("hookbset");
    let args = ["sh", "-c", "grep -E '^Cap(Bnd|Eff|Prm)' /proc/self/status"];
    let r = lab.bundle("ref", false, &args);
    edit(&r.join("config.json"), |c| c["process"]["noNewPrivileges"] = json!(false));
    let mut c = Command::new("runc");
    c.args(["--root", &format!("{}/root-state", lab.dir.display()), "run", "-b"]).arg(&r).arg(id("hookbset-ref"));
    let want = run(c);
    assert!(want.ok, "the reference failed: {}", want.stderr);
    assert!(want.stdout.contains("CapBnd:\t00000000a80425fb"), "the reference has runc's CAPS: {}", want.stdout);
    let b = lab.bundle("hookbset", true, &args);
    edit(&b.join("config.json"), |c| c["process"]["noNewPrivileges"] = json!(false));
    let log = lab.dir.join("xdg/hookbset.log");
    inject_hook(&lab, &b, &log);
    let o = rootless_run(&lab, Path::new("runc"), &[], &b, "hookbset");
    let log = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(o.ok, "rootless runc with the hook failed ({:?}): {}\n{log}", o.code, o.stderr);
    assert!(log.contains("the calls arrive through the container's seccomp listener") && log.contains("prctl(24,"), "{log}");
    assert_eq!(o.stdout, want.stdout, "{log}");
}

/// process.user with additionalGids, with and without noNewPrivileges,
/// through both hook channels: `id` in the container as for real root.
/// runc runs as the account inside a single-id namespace of its own
/// (`unshare -r`: setgroups denied), with no user namespace in the config:
/// the namespace rootless podman runs its runtime in (the hooks-dir
/// route). There runc skips its setgroups (runc's setupUser: setgroups is
/// denied) and the hook gives the process the config's groups at attach.
/// With noNewPrivileges runc sets the user before it installs the filter,
/// so nothing is emulated before the payload's exec; the groups the hook
/// gave must survive that exec. A non-root user with noNewPrivileges
/// cannot start (runc's own setgid fails natively, as without credshim).
/// In a bundle of its own user namespace (`runc spec --rootless`), where
/// runc refuses additionalGids before any call, `inject --mode hook`
/// refuses them.
#[test]
fn hook_mode_keeps_additional_gids_across_the_payloads_exec() {
    let lab = Lab::new("hookgids");
    let users = [json!({"uid": 0, "gid": 0, "additionalGids": [4, 27, 100]}), json!({"uid": 33, "gid": 33, "additionalGids": [4, 27, 100]})];
    let set = |b: &Path, user: &Value, nnp: bool| {
        edit(&b.join("config.json"), |c| {
            c["process"]["user"] = user.clone();
            c["process"]["noNewPrivileges"] = json!(nnp);
        })
    };
    let mut differ = Vec::new();
    for (u, user) in users.iter().enumerate() {
        for nnp in [true, false] {
            let tag = format!("u{u}-{}", if nnp { "nnp" } else { "nonnp" });
            let r = lab.bundle(&format!("ref-{tag}"), false, &["id"]);
            set(&r, user, nnp);
            let mut c = Command::new("runc");
            c.args(["--root", &format!("{}/root-state", lab.dir.display()), "run", "-b"]).arg(&r).arg(id(&format!("ref-{tag}")));
            let want = run(c);
            assert!(want.ok, "{tag}: the reference failed: {}", want.stderr);
            // Its own user namespace: refused.
            let b = lab.bundle(&format!("own-{tag}"), true, &["id"]);
            set(&b, user, nnp);
            let o = inject_run(&lab, &b, &[]);
            assert_eq!(o.code, Some(125), "{tag}: inject --mode hook of a bundle of its own user namespace: {}", o.stderr);
            assert!(o.stderr.contains("use --mode wrap"), "{tag}: {}", o.stderr);
            for channel in ["listener", "stops"] {
                let name = format!("{tag}-{channel}");
                let b = lab.bundle(&name, true, &["id"]);
                set(&b, user, nnp);
                edit(&b.join("config.json"), |c| {
                    let linux = c["linux"].as_object_mut().expect("linux");
                    linux.remove("uidMappings");
                    linux.remove("gidMappings");
                    linux["namespaces"].as_array_mut().expect("namespaces").retain(|n| n["type"] != "user");
                });
                let log = lab.dir.join(format!("xdg/{name}.log"));
                inject_hook_channel(&lab, &b, &log, channel);
                let mut c = lab.as_user("unshare");
                c.args(["-r", "runc", "--root", &lab.state(), "run", "-b"]).arg(&b).arg(id(&name));
                let o = run(c);
                let log = std::fs::read_to_string(&log).unwrap_or_default();
                if u == 1 && nnp {
                    assert!(!o.ok && o.stderr.contains("unable to setup user"), "{name}: {:?} {} {}\n{log}", o.code, o.stdout, o.stderr);
                    continue;
                }
                assert!(o.ok, "{name}: runc with the hook failed ({:?}): {}\n{log}", o.code, o.stderr);
                eprintln!("{name}: {:?} (real root: {:?})", o.stdout, want.stdout);
                if o.stdout != want.stdout {
                    eprintln!("{name}: {log}");
                    differ.push(format!("{name}: {:?}, real root: {:?}", o.stdout, want.stdout));
                }
            }
        }
    }
    assert!(differ.is_empty(), "{differ:#?}");
}

/// `credshim oci inject --mode hook` with extra options, its output.
fn inject_run(lab: &Lab, bundle: &Path, extra: &[&str]) -> harness::oci::Out {
    let mut c = Command::new(lab.credshim());
    c.args(["oci", "inject", "--mode", "hook"]).args(extra).arg(bundle);
    run(c)
}
