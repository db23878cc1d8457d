//! podman (4.3) run by a user without a subuid range: harness::NS_UID, the
//! account `pod1`, which podman maps alone ("Using rootless single mapping
//! into the namespace"), so that su's setgroups fails. With
//! credshim-runtime as podman's runtime (by path, by the name that
//! contrib/podman/containers.conf registers, and as the account's default)
//! the same image prints what it prints when podman is run by real root.
//! Also: a container's lifecycle through the wrapper checked by pid and by
//! podman's state, the wrapper's errors as podman shows them, and podman
//! build's RUN.
//!
//! Each lab has its own storage root and runroot (`--root`, `--runroot`,
//! vfs), HOME, XDG_RUNTIME_DIR (so its own rootless pause process, which
//! holds the lab's user namespace and is killed by pid at the end) and
//! TMPDIR, so that tests, and anyone else using pod1's podman, do not meet.
//! podman's default runtime here, crun 1.8, refuses this machine's hybrid
//! cgroups ("cgroups in hybrid mode not supported"): every run names runc
//! or the wrapper (which picks runc).

mod harness;

use harness::oci::{run, which, Out, LIMIT};
use harness::{comm, state, wait_until, Guard, NS_UID};
use serde_json::{json, Value};
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

/// The account podman runs as (uid NS_UID), created when missing.
const USER: &str = "pod1";
/// What busybox su prints for www when podman runs as real root (the
/// reference asserts it).
const WWW_ID: &str = "uid=100(www) gid=101(www) groups=50(staff),101(www)\n";
const SU: &[&str] = &["su", "-s", "/bin/sh", "www", "-c", "id"];
/// The shipped snippet; the tests install it with the lab's wrapper path.
const SNIPPET: &str = include_str!("../contrib/podman/containers.conf");
const SNIPPET_PATH: &str = "\"/usr/local/bin/credshim-runtime\"";
const PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

fn sh(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// pod1 exists with uid NS_UID and has no subuid/subgid range (by name or
/// by uid): podman then maps its one uid and gid. Returns its gid.
fn user_without_subids() -> u32 {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if !Command::new("id").arg(USER).output().is_ok_and(|o| o.status.success()) {
            sh(Command::new("useradd").args(["-m", "-U", "-u", &NS_UID.to_string(), USER]));
        }
        let uid = sh(Command::new("id").args(["-u", USER]));
        assert_eq!(uid.trim(), NS_UID.to_string(), "{USER} must have uid {NS_UID} (harness::NS_UID)");
        for file in ["/etc/subuid", "/etc/subgid"] {
            let Ok(text) = std::fs::read_to_string(file) else { continue };
            let mine = |l: &str| l.starts_with(&format!("{USER}:")) || l.starts_with(&format!("{NS_UID}:"));
            if text.lines().any(mine) {
                let kept: String = text.lines().filter(|l| !mine(l)).map(|l| format!("{l}\n")).collect();
                std::fs::write(file, kept).unwrap_or_else(|e| panic!("{file}: {e}"));
            }
        }
    });
    sh(Command::new("id").args(["-g", USER])).trim().parse().expect("a gid")
}

/// Runs `cmd` for at most LIMIT and ignores the outcome (for Drop).
fn quietly(mut cmd: Command) {
    use std::process::Stdio;
    if let Ok(c) = cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).spawn() {
        let mut g = Guard(c);
        g.wait(LIMIT);
    }
}

struct PodLab {
    dir: PathBuf,
}

impl PodLab {
    /// The lab: the static credshim with its credshim-runtime link, pod1's
    /// directories, and the busybox image `bb` (busybox-static and its
    /// links; www is 100:101, also in staff 50) imported as pod1. Checks
    /// that podman maps pod1's uid and gid alone.
    fn new(tag: &str) -> PodLab {
        credprobe::runner::require_root("the podman tests (they create pod1, edit /etc/subuid and run the reference podman as real root)");
        for tool in ["podman", "conmon", "runc", "setpriv", "busybox"] {
            assert!(which(tool).is_some(), "{tool} is not installed: run `bash .ci/setup` (it installs podman, runc, busybox-static)");
        }
        let gid = user_without_subids();
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("credshim-podman-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("bin")).expect("lab dir");
        let lab = PodLab { dir };
        for d in [&lab.dir, &lab.dir.join("bin")] {
            std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
        harness::install_exe(harness::credshim_bin(), &lab.dir.join("bin/credshim"));
        std::os::unix::fs::symlink("credshim", lab.wrapper()).expect("symlink");
        for d in ["home", "xdg", "store", "run", "tmp", "ctx"] {
            std::fs::create_dir_all(lab.dir.join(d)).expect("mkdir");
            sh(Command::new("chown").arg(format!("{USER}:{gid}")).arg(lab.dir.join(d)));
        }
        std::fs::set_permissions(lab.dir.join("xdg"), std::fs::Permissions::from_mode(0o700)).expect("chmod xdg");

        // The image, as a tar of a directory (owned by root: 0 inside).
        let root = lab.dir.join("rootfs");
        for d in ["bin", "etc", "home/www", "proc", "dev", "sys", "tmp"] {
            std::fs::create_dir_all(root.join(d)).expect("mkdir in rootfs");
        }
        std::fs::set_permissions(root.join("tmp"), std::fs::Permissions::from_mode(0o1777)).expect("chmod tmp");
        std::fs::copy("/bin/busybox", root.join("bin/busybox")).expect("busybox-static's /bin/busybox");
        sh(Command::new("chroot").arg(&root).args(["/bin/busybox", "--install", "-s", "/bin"]));
        std::fs::write(root.join("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nwww:x:100:101::/home/www:/bin/sh\n").expect("passwd");
        std::fs::write(root.join("etc/group"), "root:x:0:\nstaff:x:50:www\nwww:x:101:\n").expect("group");
        sh(Command::new("tar").arg("-C").arg(&root).arg("-cf").arg(lab.tar()).args(["--numeric-owner", "."]));
        std::fs::set_permissions(lab.tar(), std::fs::Permissions::from_mode(0o644)).expect("chmod tar");

        // The first podman command starts the lab's pause process and says
        // what users see.
        let o = lab.ok(lab.podman(&["info", "--format", "{{json .Host.IDMappings}}"]), "podman info");
        assert!(o.stderr.contains("Using rootless single mapping into the namespace"), "podman info did not warn: {}", o.stderr);
        let maps: Value = serde_json::from_str(o.stdout.trim()).expect("IDMappings is JSON");
        assert_eq!(
            maps,
            json!({"uidmap": [{"container_id": 0, "host_id": NS_UID, "size": 1}],
                   "gidmap": [{"container_id": 0, "host_id": gid, "size": 1}]}),
            "podman does not map {USER} alone: does it have a subuid range?"
        );
        let mut import = lab.podman(&["import"]);
        import.arg(lab.tar()).arg("bb");
        lab.ok(import, "podman import (as pod1)");
        lab
    }

    fn wrapper(&self) -> PathBuf {
        self.dir.join("bin/credshim-runtime")
    }
    fn wrapper_s(&self) -> String {
        self.wrapper().to_string_lossy().into_owned()
    }
    fn tar(&self) -> PathBuf {
        self.dir.join("bb.tar")
    }
    fn path(&self, p: &str) -> String {
        self.dir.join(p).to_string_lossy().into_owned()
    }

    /// `program` as pod1 (its groups, no subuids) with the lab's HOME,
    /// XDG_RUNTIME_DIR and TMPDIR and nothing else from the test's
    /// environment.
    fn as_user(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new("setpriv");
        c.env_clear()
            .env("PATH", PATH)
            .current_dir(self.dir.join("home"))
            .args([&format!("--reuid={USER}"), &format!("--regid={USER}"), "--init-groups", "env"])
            .arg(format!("HOME={}", self.path("home")))
            .arg(format!("XDG_RUNTIME_DIR={}", self.path("xdg")))
            .arg(format!("TMPDIR={}", self.path("tmp")))
            .arg(program);
        c
    }

    /// podman as pod1 on the lab's storage.
    fn podman(&self, args: &[&str]) -> Command {
        self.podman_env(&[], args)
    }
    fn podman_env(&self, env: &[(&str, &str)], args: &[&str]) -> Command {
        let mut c = self.as_user("env");
        c.args(env.iter().map(|(k, v)| format!("{k}={v}")));
        c.args(["podman", "--root", &self.path("store"), "--runroot", &self.path("run"), "--storage-driver", "vfs"]);
        c.args(args);
        c
    }
    /// podman as pod1 with `--runtime RUNTIME`.
    fn with(&self, runtime: &str, args: &[&str]) -> Command {
        let mut c = self.podman(&["--runtime", runtime]);
        c.args(args);
        c
    }
    fn ok(&self, cmd: Command, what: &str) -> Out {
        let o = run(cmd);
        assert!(o.ok, "{what} failed ({:?}): {}{}", o.code, o.stdout, o.stderr);
        o
    }

    /// The reference: the image imported and run by podman as real root
    /// (its own storage, runc); asserts that su worked. Real root here lacks
    /// CAP_SYS_RESOURCE, and podman as root asks runc for nofile 1048576
    /// ("error setting rlimit type 7: operation not permitted"): the limits
    /// are given explicitly.
    fn reference(&self) -> String {
        let root = |args: &[&str]| {
            let mut c = Command::new("podman");
            c.env_clear().env("PATH", PATH).env("HOME", self.path("rtmp"));
            c.args(["--root", &self.path("rstore"), "--runroot", &self.path("rrun"), "--tmpdir", &self.path("rtmp")]);
            c.args(["--storage-driver", "vfs"]).args(args);
            c
        };
        let mut import = root(&["import"]);
        import.arg(self.tar()).arg("bb");
        self.ok(import, "podman import (as root)");
        let mut args = vec!["--runtime", "runc", "run", "--rm", "--network=none"];
        args.extend(["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=32768:32768", "bb"]);
        args.extend(SU);
        let o = run(root(&args));
        assert!(o.ok, "the reference, podman run by real root, failed ({:?}): {}", o.code, o.stderr);
        assert_eq!(o.stdout, WWW_ID, "the reference printed something else");
        o.stdout
    }

    /// The pid of the lab's pause process (it holds the lab's user
    /// namespace).
    fn pause(&self) -> Option<u32> {
        let pid: u32 = std::fs::read_to_string(self.dir.join("xdg/libpod/tmp/pause.pid")).ok()?.trim().parse().ok()?;
        (state(pid).is_some_and(|s| s != 'Z') && comm(pid).starts_with("podman")).then_some(pid)
    }

    /// Every live process in the lab's user namespace but the pause
    /// process: conmon, runc, the wrapper, credshim and the container's
    /// processes, podman's cleanup. Others using pod1 have their own.
    fn strays(&self) -> Vec<(u32, String)> {
        let Some(pause) = self.pause() else { return vec![] };
        let Ok(ns) = std::fs::read_link(format!("/proc/{pause}/ns/user")) else { return vec![] };
        let mut out = vec![];
        for e in std::fs::read_dir("/proc").expect("/proc").flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
            if pid == pause || state(pid).map_or(true, |s| s == 'Z') {
                continue;
            }
            if std::fs::read_link(format!("/proc/{pid}/ns/user")).ok().as_ref() == Some(&ns) {
                let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
                out.push((pid, String::from_utf8_lossy(&cmd).replace('\0', " ")));
            }
        }
        out
    }

    /// After a step that leaves no container running: within LIMIT,
    /// nothing of the lab runs but the pause process, `containers` is what
    /// `podman ps -a` lists (names), and runc's state directory is empty
    /// (podman deletes an exited container from runc).
    fn settled(&self, step: &str, containers: &[&str]) {
        let mut left = vec![];
        let quiet = wait_until(LIMIT, || {
            left = self.strays();
            left.is_empty()
        });
        assert!(quiet, "after {step}: processes left in the lab's namespace: {left:?}");
        let o = self.ok(self.podman(&["ps", "-a", "--format", "{{.Names}}"]), "podman ps -a");
        let mut names: Vec<&str> = o.stdout.lines().collect();
        names.sort();
        assert_eq!(names, containers, "after {step}: podman ps -a");
        let runc_state: Vec<String> = std::fs::read_dir(self.dir.join("xdg/runc"))
            .map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
            .unwrap_or_default();
        assert!(runc_state.is_empty(), "after {step}: runc's state directory holds {runc_state:?}");
    }

    /// `podman inspect` of one container.
    fn inspect(&self, name: &str) -> Value {
        let o = self.ok(self.podman(&["inspect", name]), "podman inspect");
        let v: Value = serde_json::from_str(&o.stdout).expect("inspect is JSON");
        v[0].clone()
    }
}

impl Drop for PodLab {
    fn drop(&mut self) {
        quietly(self.podman(&["rm", "--all", "--force", "--time", "0"]));
        if self.dir.join("rstore").exists() {
            let mut c = Command::new("podman");
            c.env_clear().env("PATH", PATH).env("HOME", self.path("rtmp"));
            c.args(["--root", &self.path("rstore"), "--runroot", &self.path("rrun"), "--tmpdir", &self.path("rtmp")]);
            c.args(["--storage-driver", "vfs", "rm", "--all", "--force", "--time", "0"]);
            quietly(c);
        }
        for (pid, _) in self.strays() {
            harness::kill(pid, libc::SIGKILL);
        }
        if let Some(pid) = self.pause() {
            harness::kill(pid, libc::SIGKILL);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn alive(pid: u32) -> bool {
    state(pid).is_some_and(|s| s != 'Z')
}

fn su_in(lab: &PodLab, runtime: &str) -> Out {
    let mut args = vec!["run", "--rm", "--network=none", "bb"];
    args.extend(SU);
    run(lab.with(runtime, &args))
}

/// The snippet with the lab's wrapper in its runtimes entry; `default`
/// uncomments `runtime = "credshim"`.
fn snippet(lab: &PodLab, default: bool) -> String {
    assert_eq!(SNIPPET.matches(SNIPPET_PATH).count(), 1, "contrib/podman/containers.conf names the wrapper once");
    let mut s = SNIPPET.replace(SNIPPET_PATH, &format!("{:?}", lab.wrapper_s()));
    if default {
        assert_eq!(s.matches("#runtime = \"credshim\"").count(), 1, "the snippet has the commented default");
        s = s.replace("#runtime = \"credshim\"", "runtime = \"credshim\"");
    }
    s
}

#[test]
fn su_fails_in_plain_podman_and_matches_real_root_through_credshim_runtime() {
    let lab = PodLab::new("su");
    let want = lab.reference();

    let o = su_in(&lab, "runc");
    assert!(!o.ok, "su worked in podman without credshim (no subuids): {}", o.stdout);
    assert!(o.stderr.contains("su: can't set groups: Operation not permitted"), "unexpected failure: {}", o.stderr);

    // (a) --runtime PATH.
    let o = su_in(&lab, &lab.wrapper_s());
    assert!(o.ok, "podman --runtime credshim-runtime failed ({:?}): {}", o.code, o.stderr);
    assert_eq!(o.stdout, want);

    // (b) --runtime credshim, registered by the shipped snippet
    // (CONTAINERS_CONF: only that file is read).
    let conf = lab.dir.join("credshim.conf");
    std::fs::write(&conf, snippet(&lab, false)).expect("write containers.conf");
    let conf_s = conf.to_string_lossy().into_owned();
    let mut args = vec!["--runtime", "credshim", "run", "--rm", "--network=none", "bb"];
    args.extend(SU);
    let o = run(lab.podman_env(&[("CONTAINERS_CONF", &conf_s)], &args));
    assert!(o.ok, "podman --runtime credshim (CONTAINERS_CONF) failed ({:?}): {}", o.code, o.stderr);
    assert_eq!(o.stdout, want);

    // (c) The account's default: the snippet with `runtime = "credshim"` in
    // ~/.config/containers/containers.conf, and no --runtime at all.
    let user_conf = lab.dir.join("home/.config/containers");
    std::fs::create_dir_all(&user_conf).expect("mkdir");
    std::fs::write(user_conf.join("containers.conf"), snippet(&lab, true)).expect("write");
    sh(Command::new("chown").arg("-R").arg(USER).arg(lab.dir.join("home/.config")));
    let o = lab.ok(lab.podman(&["info", "--format", "{{.Host.OCIRuntime.Name}} {{.Host.OCIRuntime.Path}}"]), "podman info");
    assert_eq!(o.stdout.trim(), format!("credshim {}", lab.wrapper_s()));
    let mut args = vec!["run", "--rm", "--network=none", "bb"];
    args.extend(SU);
    let o = run(lab.podman(&args));
    assert!(o.ok, "podman with runtime = \"credshim\" as the default failed ({:?}): {}", o.code, o.stderr);
    assert_eq!(o.stdout, want);
    lab.settled("the su runs", &[]);
}

#[test]
fn lifecycle_through_the_wrapper_leaves_nothing_behind() {
    let lab = PodLab::new("life");
    let want = lab.reference();
    let w = lab.wrapper_s();

    // run --rm.
    let mut args = vec!["run", "--rm", "--network=none", "bb"];
    args.extend(SU);
    let o = lab.ok(lab.with(&w, &args), "run --rm");
    assert_eq!(o.stdout, want);
    lab.settled("run --rm", &[]);

    // run -d: the container's init is the injected credshim, sleep under it.
    let o = lab.ok(lab.with(&w, &["run", "-d", "--name", "life", "--network=none", "bb", "sh", "-c", "echo started; exec sleep 1000"]), "run -d");
    assert_eq!(o.stdout.trim().len(), 64, "run -d prints the container's id: {}", o.stdout);
    let ct = lab.inspect("life");
    assert_eq!(ct["State"]["Status"], "running");
    assert_eq!(ct["OCIRuntime"], json!(w));
    let init = ct["State"]["Pid"].as_u64().expect("a pid") as u32;
    let conmon = ct["State"]["ConmonPid"].as_u64().expect("conmon's pid") as u32;
    assert_eq!(comm(init), "credshim", "the container's init");
    assert!(wait_until(LIMIT, || harness::children(init).iter().any(|&p| comm(p) == "sleep")), "no sleep under credshim");
    let sleeper = harness::children(init)[0];
    assert_eq!(comm(conmon), "conmon");
    // What `settled` looks for: these are in the lab's user namespace.
    let seen: Vec<u32> = lab.strays().into_iter().map(|(p, _)| p).collect();
    for pid in [init, sleeper, conmon] {
        assert!(seen.contains(&pid), "{pid} ({}) is not among the lab's processes {seen:?}", comm(pid));
    }

    // exec: under credshim too.
    let o = lab.ok(lab.podman(&["exec", "life", "su", "-s", "/bin/sh", "www", "-c", "id"]), "exec");
    assert_eq!(o.stdout, want);
    assert!(alive(init) && alive(sleeper));
    let o = lab.ok(lab.podman(&["logs", "life"]), "logs");
    assert_eq!(o.stdout, "started\n");

    // stop: credshim passes SIGTERM on to sleep (which, not being PID 1,
    // dies of it), so the stop takes no grace period; 143 = 128 + SIGTERM.
    let t = Instant::now();
    lab.ok(lab.podman(&["stop", "--time", "20", "life"]), "stop");
    assert!(t.elapsed() < Duration::from_secs(15), "stop took {:?}: SIGTERM did not end the container", t.elapsed());
    for pid in [init, sleeper, conmon] {
        assert!(wait_until(LIMIT, || !alive(pid)), "after stop: {pid} ({}) still runs", comm(pid));
    }
    let ct = lab.inspect("life");
    assert_eq!((ct["State"]["Status"].as_str(), ct["State"]["ExitCode"].as_i64()), (Some("exited"), Some(143)));
    lab.settled("stop", &["life"]);

    // start again, then kill (SIGKILL).
    lab.ok(lab.podman(&["start", "life"]), "start");
    let ct = lab.inspect("life");
    let init = ct["State"]["Pid"].as_u64().expect("a pid") as u32;
    let conmon = ct["State"]["ConmonPid"].as_u64().expect("conmon's pid") as u32;
    assert_eq!(comm(init), "credshim");
    assert!(wait_until(LIMIT, || harness::children(init).iter().any(|&p| comm(p) == "sleep")));
    let sleeper = harness::children(init)[0];
    lab.ok(lab.podman(&["kill", "life"]), "kill");
    for pid in [init, sleeper, conmon] {
        assert!(wait_until(LIMIT, || !alive(pid)), "after kill: {pid} ({}) still runs", comm(pid));
    }
    assert!(wait_until(LIMIT, || lab.inspect("life")["State"]["Status"] == "exited"), "not exited after kill");
    assert_eq!(lab.inspect("life")["State"]["ExitCode"], 137);
    lab.settled("kill", &["life"]);

    // rm.
    lab.ok(lab.podman(&["rm", "life"]), "rm");
    lab.settled("rm", &[]);
    let left: Vec<_> = std::fs::read_dir(lab.dir.join("store/vfs-containers")).expect("vfs-containers").flatten().filter(|e| e.path().is_dir()).collect();
    assert!(left.is_empty(), "container storage left after rm: {left:?}");
}

#[test]
fn the_wrappers_errors_reach_podman_and_leave_nothing_behind() {
    let lab = PodLab::new("errors");

    // A runtime flag the wrapper does not know goes through to runc, whose
    // refusal podman shows, as it does with runc itself.
    for runtime in ["runc", &lab.wrapper_s()] {
        let o = run(lab.with(runtime, &["--runtime-flag=credshim-no-such-flag", "run", "--rm", "--network=none", "bb", "true"]));
        assert_eq!(o.code, Some(126), "{runtime}: {}", o.stderr);
        assert!(o.stderr.contains("flag provided but not defined: -credshim-no-such-flag"), "{runtime}: {}", o.stderr);
    }
    lab.settled("an unknown runtime flag", &[]);

    // An unknown subcommand, the wrapper called directly: runc's answer.
    let mut direct = lab.as_user(lab.wrapper());
    direct.args(["credshim-no-such-command", "x"]);
    let mut plain = lab.as_user("runc");
    plain.args(["credshim-no-such-command", "x"]);
    let (d, p) = (run(direct), run(plain));
    assert_eq!((d.code, &d.stdout), (p.code, &p.stdout));
    assert!(d.stderr.contains("No help topic for 'credshim-no-such-command'"), "{}", d.stderr);

    // No real runtime. podman gives its runtime an environment of its own
    // (PATH, XDG_RUNTIME_DIR, HOME; for `delete`, not even PATH):
    // CREDSHIM_RUNTIME in podman's environment does not reach the wrapper.
    let o = run(lab.podman_env(&[("CREDSHIM_RUNTIME", "/nonexistent")], &["--runtime", &lab.wrapper_s(), "run", "--rm", "--network=none", "bb", "true"]));
    assert!(o.ok, "CREDSHIM_RUNTIME reached the wrapper through podman? ({:?}) {}", o.code, o.stderr);
    // A script that sets it: one line from the wrapper, which exits 125;
    // podman reports an OCI runtime error with it and exits 126.
    let script = lab.dir.join("bin/no-runtime");
    std::fs::write(&script, format!("#!/bin/sh\nCREDSHIM_RUNTIME=/nonexistent exec {} \"$@\"\n", lab.wrapper_s())).expect("script");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let line = "credshim: oci runtime: no runtime '/nonexistent' (from $CREDSHIM_RUNTIME): not an executable file";
    let o = run(lab.with(&script.to_string_lossy(), &["run", "--rm", "--network=none", "bb", "true"]));
    assert_eq!(o.code, Some(126), "{}", o.stderr);
    assert!(
        o.stderr.contains(&format!("Error: OCI runtime error: {}: {line}\n", script.display())),
        "podman's error: {}",
        o.stderr
    );
    let mut c = lab.as_user(&script);
    c.args(["create", "--bundle", "/nonexistent", "x"]);
    let o = run(c);
    assert_eq!((o.code, o.stderr.as_str()), (Some(125), format!("{line}\n").as_str()));
    lab.settled("a missing runtime", &[]);

    // A bundle whose config.json pod1 cannot read: create fails with one
    // line, the file is as it was, and runc never ran.
    let bundle = lab.dir.join("home/unreadable");
    std::fs::create_dir_all(&bundle).expect("mkdir");
    let config = bundle.join("config.json");
    let bytes = br#"{"ociVersion":"1.0.2","process":{"args":["true"],"cwd":"/"},"root":{"path":"rootfs"}}"#;
    std::fs::write(&config, bytes).expect("write");
    sh(Command::new("chown").arg("-R").arg(USER).arg(&bundle));
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o000)).expect("chmod 000");
    let before = std::fs::metadata(&config).expect("stat");
    let mut c = lab.as_user(lab.wrapper());
    c.arg("create").arg("--bundle").arg(&bundle).arg("unreadable");
    let o = run(c);
    assert_eq!(o.code, Some(125), "{}", o.stderr);
    assert_eq!(o.stderr, format!("credshim: oci runtime: {}: Permission denied\n", config.display()));
    let after = std::fs::metadata(&config).expect("stat");
    assert_eq!(std::fs::read(&config).expect("read as root"), bytes);
    use std::os::unix::fs::MetadataExt;
    assert_eq!((after.mode(), after.uid(), after.ino(), after.mtime(), after.mtime_nsec()), (before.mode(), before.uid(), before.ino(), before.mtime(), before.mtime_nsec()));
    assert!(!lab.dir.join("xdg/runc/unreadable").exists(), "runc created the container");
}

#[test]
fn podman_build_runs_through_the_wrapper() {
    let lab = PodLab::new("build");
    let want = lab.reference();
    std::fs::write(
        lab.dir.join("ctx/Containerfile"),
        "FROM bb\nRUN su -s /bin/sh www -c id > /tmp/out && cat /tmp/out && chown www /tmp/out && ls -ln /tmp/out\nRUN ls -ln /tmp/out\n",
    )
    .expect("Containerfile");
    let ctx = lab.path("ctx");

    let o = run(lab.with("runc", &["build", "--network=none", "-t", "plain", &ctx]));
    assert!(!o.ok, "the build worked without credshim: {}", o.stdout);
    assert!(o.stderr.contains("su: can't set groups: Operation not permitted"), "{}", o.stderr);

    let o = lab.ok(lab.with(&lab.wrapper_s(), &["build", "--network=none", "-t", "shimmed", &ctx]), "podman build through the wrapper");
    let owners: Vec<&str> = o.stdout.lines().filter(|l| l.starts_with('-') && l.ends_with("/tmp/out")).map(|l| l.split_whitespace().nth(2).unwrap_or("")).collect();
    // Within the RUN that made it, /tmp/out belongs to www (100); in the
    // layer podman commits, and so in the next RUN, it belongs to root:
    // the owner credshim recorded lives in memory and ends with the RUN.
    assert!(o.stdout.contains(want.trim_end()), "the RUN's su: {}", o.stdout);
    assert_eq!(owners, ["100", "0"], "owner of /tmp/out in RUN 1 and RUN 2 (if the layer keeps www now, update the README): {}", o.stdout);
    let o = lab.ok(lab.with("runc", &["run", "--rm", "--network=none", "shimmed", "cat", "/tmp/out"]), "run the built image");
    assert_eq!(o.stdout, want);
    let empty: Vec<_> = std::fs::read_dir(lab.dir.join("tmp")).expect("tmp").flatten().map(|e| e.path()).collect();
    assert!(empty.is_empty(), "buildah's bundles left in TMPDIR: {empty:?}");
    lab.settled("podman build", &[]);
}

/// The hooks-dir route: contrib/oci-hooks.d/credshim.json (with the lab's
/// binary) enables `credshim oci hook` for containers annotated
/// io.credshim=true; nothing of credshim is inside the container.
#[test]
fn the_hooks_dir_route_attaches_from_outside() {
    let lab = PodLab::new("hooks");
    let want = lab.reference();
    let hooks = lab.dir.join("hooks.d");
    std::fs::create_dir_all(&hooks).expect("mkdir");
    let log = lab.dir.join("tmp/hook.log"); // pod1 owns tmp
    let shipped: Value = serde_json::from_str(include_str!("../contrib/oci-hooks.d/credshim.json")).expect("the shipped hook is JSON");
    assert_eq!(shipped["hook"]["path"], "/usr/local/bin/credshim");
    let mut hook = shipped.clone();
    hook["hook"]["path"] = json!(lab.path("bin/credshim"));
    hook["hook"]["args"].as_array_mut().expect("args").extend([json!("-v"), json!("--log-file"), json!(log)]);
    std::fs::write(hooks.join("credshim.json"), hook.to_string()).expect("write hook");
    for p in [&hooks, &hooks.join("credshim.json")] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(if p.is_dir() { 0o755 } else { 0o644 })).expect("chmod");
    }
    // podman's own default profile with the shim table's trace rules.
    let profile = lab.dir.join("seccomp.json");
    let o = run({
        let mut c = Command::new(lab.dir.join("bin/credshim"));
        c.args(["oci", "seccomp-profile"]);
        c
    });
    assert!(o.ok, "oci seccomp-profile: {}", o.stderr);
    std::fs::write(&profile, &o.stdout).expect("write profile");
    std::fs::set_permissions(&profile, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let hooks_s = hooks.to_string_lossy().into_owned();
    let profile_opt = format!("seccomp={}", profile.display());
    let su = |extra: &[&str]| {
        let mut args = vec!["run", "--rm", "--network=none", "--hooks-dir", &hooks_s];
        args.extend(extra);
        args.push("bb");
        args.extend(SU);
        run(lab.with("runc", &args))
    };
    // Without the annotation the hook does not run: su fails as in plain podman.
    let o = su(&[]);
    assert!(!o.ok && o.stderr.contains("su: can't set groups"), "{:?} {}", o.code, o.stderr);
    // With it, and the profile: the reference's output; the tracer stopped
    // only at the shim table.
    let o = su(&["--annotation", "io.credshim=true", "--security-opt", &profile_opt]);
    assert!(o.ok, "the hooks-dir route failed ({:?}): {}", o.code, o.stderr);
    assert_eq!(o.stdout, want);
    let text = std::fs::read_to_string(&log).expect("the hook's log");
    assert!(text.contains("attached to the container's init") && text.contains("setuid(100) = 0"), "{text}");
    assert!(!text.contains("stopping at every system call"), "{text}");
    // With podman's default profile alone the hook falls back to stopping
    // at every system call, and still gives the reference's output.
    std::fs::remove_file(&log).expect("rm log");
    let o = su(&["--annotation", "io.credshim=true"]);
    assert!(o.ok, "the hooks-dir route without the profile failed ({:?}): {}", o.code, o.stderr);
    assert_eq!(o.stdout, want);
    let text = std::fs::read_to_string(&log).expect("the hook's log");
    assert!(text.contains("stopping at every system call"), "{text}");
    // The tracers end with their containers.
    assert!(harness::wait_until(LIMIT, || lab.strays().is_empty()), "left behind: {:?}", lab.strays());
    lab.settled("the hooks-dir runs", &[]);
}
