//! podman (4.3) run by a user without a subuid range: the tests' account
//! (credprobe::lab::account, `pod1` unless CREDSHIM_TEST_USER names
//! another; reused when suitable, else created), which podman maps alone ("Using rootless single mapping
//! into the namespace"), so that su's setgroups fails. With
//! credshim-runtime as podman's runtime (by path, by the name that
//! contrib/podman/containers.conf registers, and as the account's default)
//! the same image prints what it prints when podman is run by real root.
//! Also: a container's lifecycle through the wrapper checked by pid and by
//! podman's state, the wrapper's errors as podman shows them, podman
//! build's RUN (owners kept into the image), and buildah's bud and run. On
//! the Debian image of tests/fixtures/debian-rootfs: apt
//! and adduser in builds, nginx dropping to www-data in `run -d`.
//!
//! Each lab has its own storage root and runroot (`--root`, `--runroot`,
//! vfs; overlay for the Debian image), HOME, XDG_RUNTIME_DIR (so its own rootless pause process, which
//! holds the lab's user namespace and is killed by pid at the end) and
//! TMPDIR, so that tests, and anyone else using pod1's podman, do not meet.
//! podman's default runtime here, crun 1.8, refuses this machine's hybrid
//! cgroups ("cgroups in hybrid mode not supported"): every run names runc
//! or the wrapper (which picks runc).

mod harness;

use harness::fixture::{debian as fixture, DEMO_OWNERS, DEMO_STAT};
use harness::oci::{run, which, Out, LIMIT};
use harness::{comm, free_port, ns_gid, ns_uid, state, wait_until, Guard};
use serde_json::{json, Value};
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

/// What busybox su prints for www when podman runs as real root (the
/// reference asserts it).
const WWW_ID: &str = "uid=100(www) gid=101(www) groups=50(staff),101(www)\n";
const SU: &[&str] = &["su", "-s", "/bin/sh", "www", "-c", "id"];
/// The shipped snippet; the tests install it with the lab's wrapper path.
const SNIPPET: &str = include_str!("../contrib/podman/containers.conf");
const SNIPPET_PATH: &str = "\"/usr/local/bin/credshim-runtime\"";
/// The shipped storage.conf, which the overlay labs use.
const STORAGE_CONF: &str = include_str!("../contrib/podman/storage.conf");
const PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

fn sh(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The account podman runs as (it has no subuid/subgid range).
fn user() -> &'static str {
    &credprobe::lab::account().name
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
    /// The storage driver of both podmans (pod1's and the reference's).
    driver: &'static str,
}

impl PodLab {
    /// The lab: the static credshim with its credshim-runtime link, pod1's
    /// directories, and the busybox image `bb` (busybox-static and its
    /// links; www is 100:101, also in staff 50) imported as pod1. Checks
    /// that podman maps pod1's uid and gid alone.
    fn new(tag: &str) -> PodLab {
        PodLab::with_driver(tag, "vfs")
    }

    /// The same on another storage driver (`overlay`: the kernel's
    /// overlayfs in the user namespace, which copies nothing per container).
    /// pod1's podman gets `DRIVER.ignore_chown_errors=true` (on overlay from
    /// the shipped contrib/podman/storage.conf), without which a single-id
    /// account cannot store a layer with a non-root owner in it (see
    /// `debian_build_installs_a_package_through_the_wrapper`).
    fn with_driver(tag: &str, driver: &'static str) -> PodLab {
        credprobe::runner::require_root("the podman tests (they create pod1, edit /etc/subuid and run the reference podman as real root)");
        for tool in ["podman", "conmon", "runc", "setpriv", "busybox"] {
            assert!(which(tool).is_some(), "{tool} is not installed: run `bash .ci/setup` (it installs podman, runc, busybox-static)");
        }
        let dir = credprobe::lab::scratch_dir(&std::env::temp_dir(), &format!("podman-{tag}"));
        std::fs::create_dir_all(dir.join("bin")).expect("lab dir");
        let lab = PodLab { dir, driver };
        std::fs::set_permissions(lab.dir.join("bin"), std::fs::Permissions::from_mode(0o755)).expect("chmod");
        harness::install_exe(harness::credshim_bin(), &lab.dir.join("bin/credshim"));
        std::os::unix::fs::symlink("credshim", lab.wrapper()).expect("symlink");
        for d in ["home", "xdg", "store", "run", "tmp", "ctx"] {
            std::fs::create_dir_all(lab.dir.join(d)).expect("mkdir");
            sh(Command::new("chown").arg(harness::ns_owner()).arg(lab.dir.join(d)));
        }
        std::fs::set_permissions(lab.dir.join("xdg"), std::fs::Permissions::from_mode(0o700)).expect("chmod xdg");
        std::fs::write(lab.dir.join("storage.conf"), STORAGE_CONF).expect("storage.conf");

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
            json!({"uidmap": [{"container_id": 0, "host_id": ns_uid(), "size": 1}],
                   "gidmap": [{"container_id": 0, "host_id": ns_gid(), "size": 1}]}),
            "podman does not map {} alone: does it have a subuid range?",
            user()
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
            .args([&format!("--reuid={}", user()), &format!("--regid={}", user()), "--init-groups", "env"])
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
        if self.driver == "overlay" {
            // The shipped storage.conf (overlay, ignore_chown_errors). The
            // storage is then in the lab's HOME and XDG_RUNTIME_DIR
            // (rootless podman reads no graphroot from the file); --root,
            // --runroot or --storage-driver would make podman drop the
            // file's driver options.
            c.arg(format!("CONTAINERS_STORAGE_CONF={}", self.path("storage.conf")));
            c.arg("podman");
        } else {
            c.args(["podman", "--root", &self.path("store"), "--runroot", &self.path("run"), "--storage-driver", self.driver]);
            c.args(["--storage-opt", &format!("{}.ignore_chown_errors=true", self.driver)]);
        }
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
        let t = Instant::now();
        let o = run(cmd);
        if t.elapsed() > Duration::from_secs(2) {
            eprintln!("{what}: {:?}", t.elapsed());
        }
        assert!(o.ok, "{what} failed ({:?}): {}{}", o.code, o.stdout, o.stderr);
        o
    }

    /// The reference: the image imported and run by podman as real root
    /// (its own storage, runc); asserts that su worked. Real root here lacks
    /// CAP_SYS_RESOURCE, and podman as root asks runc for nofile 1048576
    /// ("error setting rlimit type 7: operation not permitted"): the limits
    /// are given explicitly.
    fn reference(&self) -> String {
        let root = |args: &[&str]| self.root_podman(args);
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

    /// podman as real root on the lab's other storage (the reference's).
    fn root_podman(&self, args: &[&str]) -> Command {
        let mut c = Command::new("podman");
        c.env_clear().env("PATH", PATH).env("HOME", self.path("rtmp"));
        c.args(["--root", &self.path("rstore"), "--runroot", &self.path("rrun"), "--tmpdir", &self.path("rtmp")]);
        c.args(["--storage-driver", self.driver]).args(args);
        c
    }

    /// The pid of the lab's pause process (it holds the lab's user
    /// namespace), by podman's pid file: podman itself, or catatonit where
    /// that package is installed.
    fn pause(&self) -> Option<u32> {
        credprobe::lab::pause_process(&self.dir)
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
            if pid == pause || state(pid).is_none_or(|s| s == 'Z') {
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
            quietly(self.root_podman(&["rm", "--all", "--force", "--time", "0"]));
        }
        // The pause process and everything in its namespace, by pid.
        credprobe::lab::remove(&self.dir);
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
    sh(Command::new("chown").arg("-R").arg(user()).arg(lab.dir.join("home/.config")));
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
    let o = lab.ok(lab.with(&w, &["run", "-d", "--name", "life", "--network=none", "bb", "sh", "-c", "touch /tmp/o && chown www:www /tmp/o && echo started; exec sleep 1000"]), "run -d");
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

    // exec: under credshim too, seeing the owners the init's credshim set
    // (both keep them in user.rootlesscontainers).
    let o = lab.ok(lab.podman(&["exec", "life", "su", "-s", "/bin/sh", "www", "-c", "id"]), "exec");
    assert_eq!(o.stdout, want);
    let stat = |path: &str| lab.ok(lab.podman(&["exec", "life", "stat", "-c", "%u:%g", path]), "exec stat").stdout;
    assert_eq!(stat("/tmp/o"), "100:101\n", "the init's chown, seen by exec");
    lab.ok(lab.podman(&["exec", "life", "sh", "-c", "touch /tmp/p && chown 33:44 /tmp/p"]), "exec chown");
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
    assert_eq!(stat("/tmp/p"), "33:44\n", "exec's chown, after stop and start");
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

    // create, then start (podman runs the runtime's create then), then
    // rm -f of the running container.
    lab.ok(lab.with(&w, &["create", "--name", "made", "--network=none", "bb", "sh", "-c", "exec sleep 1000"]), "create");
    assert_eq!(lab.inspect("made")["State"]["Status"], "created");
    lab.settled("create", &["made"]);
    lab.ok(lab.podman(&["start", "made"]), "start");
    let ct = lab.inspect("made");
    assert_eq!(ct["State"]["Status"], "running");
    let init = ct["State"]["Pid"].as_u64().expect("a pid") as u32;
    assert_eq!(comm(init), "credshim", "the created container's init");
    assert!(wait_until(LIMIT, || harness::children(init).iter().any(|&p| comm(p) == "sleep")), "no sleep under credshim");
    let sleeper = harness::children(init)[0];
    lab.ok(lab.podman(&["rm", "-f", "made"]), "rm -f");
    for pid in [init, sleeper] {
        assert!(wait_until(LIMIT, || !alive(pid)), "after rm -f: {pid} ({}) still runs", comm(pid));
    }
    lab.settled("rm -f", &[]);
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
    sh(Command::new("chown").arg("-R").arg(user()).arg(&bundle));
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

/// `podman save` of `image` (`save`: pod1's or real root's podman, a
/// command line to complete) as a docker-archive in the lab's tmp.
fn save(lab: &PodLab, mut save: Command, image: &str) -> PathBuf {
    let archive = lab.dir.join("tmp").join(format!("{image}.save.tar"));
    save.args(["save", "--format", "docker-archive", "-o"]).arg(&archive).arg(image);
    lab.ok(save, "podman save");
    archive
}

/// The owners of the files ending with `suffixes` in each layer of the
/// image `archive`: "LAYER PATH HEADER-UID:GID XATTR", XATTR being the
/// owner the layer's user.rootlesscontainers PAX record holds (`-` for the
/// real id; `none` without one).
fn layer_owners(lab: &PodLab, archive: &std::path::Path, suffixes: &[&str]) -> Vec<String> {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/programs/layer_owners.py");
    let mut py = Command::new("/usr/bin/python3");
    py.arg(script).arg(archive).args(suffixes);
    let o = lab.ok(py, "layer_owners.py");
    o.stdout.lines().map(String::from).collect()
}

/// layer_owners of `image`, saved and then removed.
fn saved_owners(lab: &PodLab, cmd: Command, image: &str, suffixes: &[&str]) -> Vec<String> {
    let archive = save(lab, cmd, image);
    let owners = layer_owners(lab, &archive, suffixes);
    std::fs::remove_file(&archive).expect("rm the archive");
    owners
}

/// podman build's RUN through the wrapper: su works, and a chown holds in
/// the next step and in the image, as with real root. The wrapper keeps
/// owners in user.rootlesscontainers (--ownership xattr); podman's layer
/// archive carries that attribute as a PAX record, with the real owner
/// (root, the account's one id) in the tar header.
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
    let owners = |stdout: &str| -> Vec<String> {
        stdout.lines().filter(|l| l.starts_with('-') && l.ends_with("/tmp/out")).map(|l| l.split_whitespace().nth(2).unwrap_or("").to_string()).collect()
    };

    let o = run(lab.with("runc", &["build", "--network=none", "-t", "plain", &ctx]));
    assert!(!o.ok, "the build worked without credshim: {}", o.stdout);
    assert!(o.stderr.contains("su: can't set groups: Operation not permitted"), "{}", o.stderr);

    let o = lab.ok(lab.with(&lab.wrapper_s(), &["build", "--network=none", "-t", "shimmed", &ctx]), "podman build through the wrapper");
    assert!(o.stdout.contains(want.trim_end()), "the RUN's su: {}", o.stdout);
    assert_eq!(owners(&o.stdout), ["100", "100"], "owner of /tmp/out in RUN 1 and RUN 2: {}", o.stdout);

    // Real root's build of the same context.
    let mut args = vec!["--runtime", "runc", "build", "--network=none", "-t", "ref"];
    args.extend(ROOT_LIMITS);
    args.push(&ctx);
    let r = lab.ok(lab.root_podman(&args), "podman build by real root");
    assert_eq!(owners(&r.stdout), ["100", "100"], "real root's build: {}", r.stdout);

    // The image: through the wrapper, www's; with plain runc the kernel's
    // answer in a one-id namespace (root).
    let ls = |runtime: &str| {
        let o = lab.ok(lab.with(runtime, &["run", "--rm", "--network=none", "shimmed", "ls", "-ln", "/tmp/out"]), "ls in the image");
        owners(&o.stdout)
    };
    assert_eq!(ls(&lab.wrapper_s()), ["100"], "/tmp/out in pod1's image through the wrapper");
    assert_eq!(ls("runc"), ["0"], "/tmp/out in pod1's image with plain runc");
    let o = lab.ok(lab.with("runc", &["run", "--rm", "--network=none", "shimmed", "cat", "/tmp/out"]), "run the built image");
    assert_eq!(o.stdout, want);

    // The layer archives (`podman save`): real root's header says www; the
    // single-id account's header says root (podman reads owners with
    // lstat, and its namespace has one id), and the layer carries www in
    // the user.rootlesscontainers record.
    let archive = save(&lab, lab.podman(&[]), "shimmed");
    // Nothing of credshim in the image: the binary's mount point goes
    // before the runtime's delete.
    let ours = layer_owners(&lab, &archive, &[".credshim", ".credshim/credshim"]);
    assert!(ours.is_empty(), "credshim's mount point in the image's layers: {ours:?}");
    let mine = layer_owners(&lab, &archive, &["tmp/out"]);
    let ref_archive = save(&lab, lab.root_podman(&[]), "ref");
    let theirs = layer_owners(&lab, &ref_archive, &["tmp/out"]);
    eprintln!("pod1's layers:\n{}\nreal root's layers:\n{}", mine.join("\n"), theirs.join("\n"));
    assert_eq!(theirs, ["1 tmp/out 100:0 none"], "real root's layers");
    assert_eq!(mine, ["1 tmp/out 0:0 100:-"], "pod1's layers (if the header says 100 now, update README's \"podman without subuids\")");

    // `credshim oci fix-owners`: the record's owner in the header.
    let fixed = lab.dir.join("tmp/fixed.tar");
    let mut fix = Command::new(lab.dir.join("bin/credshim"));
    fix.args(["oci", "fix-owners"]).arg(&archive).arg(&fixed);
    let o = lab.ok(fix, "credshim oci fix-owners");
    assert_eq!(
        o.stdout,
        format!("{}: 1 of 3 layers rewritten, 1 entries with the owner of their user.rootlesscontainers record\n", fixed.display())
    );
    assert_eq!(layer_owners(&lab, &fixed, &["tmp/out"]), ["1 tmp/out 100:0 100:-"], "the fixed archive's layers");
    // Every entry of the RUN's layer, with its header's owner, as in real
    // root's.
    let entries = |a: &std::path::Path| -> Vec<String> {
        layer_owners(&lab, a, &[""]).iter().filter(|l| l.starts_with("1 ")).map(|l| l.rsplit_once(' ').expect("a line").0.to_string()).collect()
    };
    assert_eq!(entries(&fixed), entries(&ref_archive), "the RUN's layer: pod1's fixed vs real root's");
    std::fs::remove_file(&ref_archive).expect("rm the archive");

    // Real root loads the fixed archive (podman checks every digest) and
    // sees www's file, as in its own build.
    let mut load = lab.root_podman(&["load", "-i"]);
    load.arg(&fixed);
    lab.ok(load, "podman load of the fixed archive by real root");
    let mut args = vec!["--runtime", "runc", "run", "--rm", "--network=none"];
    args.extend(ROOT_LIMITS);
    args.extend(["shimmed", "ls", "-ln", "/tmp/out"]);
    let o = lab.ok(lab.root_podman(&args), "ls in the fixed image as real root");
    assert_eq!(owners(&o.stdout), ["100"], "/tmp/out in the fixed image loaded by real root");

    // pod1 loads each archive back (image and layers removed first): the
    // record becomes the attribute again, and the wrapper shows www.
    for a in [&archive, &fixed] {
        lab.ok(lab.podman(&["rmi", "shimmed"]), "podman rmi");
        let o = run(lab.podman(&["image", "exists", "shimmed"]));
        assert_eq!(o.code, Some(1), "the image is still there");
        let mut load = lab.podman(&["load", "-i"]);
        load.arg(a);
        lab.ok(load, "podman load");
        std::fs::remove_file(a).expect("rm the archive");
        assert_eq!(ls(&lab.wrapper_s()), ["100"], "/tmp/out in the image loaded from {} through the wrapper", a.display());
    }

    let empty: Vec<_> = std::fs::read_dir(lab.dir.join("tmp")).expect("tmp").flatten().map(|e| e.path()).collect();
    assert!(empty.is_empty(), "buildah's bundles left in TMPDIR: {empty:?}");
    lab.settled("podman build", &[]);
}

/// buildah as pod1 on the lab's storage (the same as its podman's).
fn buildah(lab: &PodLab, args: &[&str]) -> Command {
    let mut c = lab.as_user("buildah");
    c.args(["--root", &lab.path("store"), "--runroot", &lab.path("run"), "--storage-driver", lab.driver]);
    c.args(["--storage-opt", &format!("{}.ignore_chown_errors=true", lab.driver)]);
    c.args(args);
    c
}

#[test]
fn buildah_bud_and_run_through_the_wrapper() {
    assert!(which("buildah").is_some(), "buildah is not installed: run `bash .ci/setup`");
    let lab = PodLab::new("buildah");
    std::fs::write(
        lab.dir.join("ctx/Containerfile"),
        "FROM bb\n\
         RUN su -s /bin/sh www -c id && touch /f && chown www:www /f /home/www && ls -lnd /f /home/www\n\
         RUN ls -lnd /f /home/www\n",
    )
    .expect("Containerfile");
    let ctx = lab.path("ctx");
    let owners = |stdout: &str| -> Vec<String> {
        stdout
            .lines()
            .filter(|l| (l.starts_with('-') || l.starts_with('d')) && (l.ends_with(" /f") || l.ends_with(" /home/www")))
            .map(|l| l.split_whitespace().skip(2).take(2).collect::<Vec<_>>().join(":"))
            .collect()
    };
    let ids = |stdout: &str| -> String { stdout.lines().filter(|l| l.starts_with("uid=")).map(|l| format!("{l}\n")).collect() };

    // Real root's buildah (its own storage; explicit limits, see ROOT_LIMITS).
    let mut root = Command::new("buildah");
    root.env_clear().env("PATH", PATH).env("HOME", lab.path("rtmp"));
    root.args(["--root", &lab.path("rstore"), "--runroot", &lab.path("rrun"), "--storage-driver", "vfs"]);
    let mut import = lab.root_podman(&["import"]);
    import.arg(lab.tar()).arg("bb");
    lab.ok(import, "podman import (as root)");
    root.args(["bud", "--runtime", "runc", "--network=none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=32768:32768", "-t", "ref", &ctx]);
    let r = lab.ok(root, "buildah bud by real root");
    assert_eq!(ids(&r.stdout), WWW_ID, "real root's su:\n{}", r.stdout);
    let want = ["100:101", "100:101", "100:101", "100:101"];
    assert_eq!(owners(&r.stdout), want, "real root's /f and /home/www in RUN 1 and RUN 2:\n{}", r.stdout);

    // pod1 with plain runc: su cannot set groups.
    let o = run(buildah(&lab, &["bud", "--runtime", "runc", "--network=none", "-t", "plain", &ctx]));
    assert!(!o.ok, "buildah bud worked without credshim:\n{}", o.stdout);
    assert!(o.stderr.contains("su: can't set groups: Operation not permitted"), "{}", o.stderr);

    // pod1 through the wrapper.
    let o = lab.ok(buildah(&lab, &["bud", "--runtime", &lab.wrapper_s(), "--network=none", "-t", "shimmed", &ctx]), "buildah bud through the wrapper");
    assert_eq!(ids(&o.stdout), WWW_ID, "su through the wrapper:\n{}\n{}", o.stdout, o.stderr);
    assert_eq!(owners(&o.stdout), want, "/f and /home/www in RUN 1 and RUN 2 through the wrapper:\n{}", o.stdout);

    // buildah from + run: su in a working container of the built image.
    let o = lab.ok(buildah(&lab, &["from", "--name", "work", "shimmed"]), "buildah from");
    assert_eq!(o.stdout.trim(), "work");
    // No network: buildah's default would be slirp4netns where it is
    // installed, and su needs none.
    let mut su = vec!["run", "--runtime", "runc", "--network=none", "work", "--"];
    su.extend(SU);
    let o = run(buildah(&lab, &su));
    assert!(!o.ok && o.stderr.contains("su: can't set groups: Operation not permitted"), "plain runc: {}{}", o.stdout, o.stderr);
    let w = lab.wrapper_s();
    su[2] = &w;
    let o = lab.ok(buildah(&lab, &su), "buildah run");
    assert_eq!(o.stdout, WWW_ID);
    let o = lab.ok(buildah(&lab, &["run", "--runtime", &w, "--network=none", "work", "--", "stat", "-c", "%u:%g %n", "/f", "/home/www"]), "buildah run stat");
    assert_eq!(o.stdout, "100:101 /f\n100:101 /home/www\n");
    lab.ok(buildah(&lab, &["rm", "work"]), "buildah rm");
    let empty: Vec<_> = std::fs::read_dir(lab.dir.join("tmp")).expect("tmp").flatten().map(|e| e.path()).collect();
    assert!(empty.is_empty(), "buildah's bundles left in TMPDIR: {empty:?}");
    lab.settled("buildah", &[]);
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

// ---- the Debian image (tests/fixtures/debian-rootfs) -----------------------


/// The lab on overlay storage (vfs would copy the 150 MB image for every
/// container and build step) with the Debian image `deb` imported as pod1.
fn debian_lab(tag: &str) -> PodLab {
    let f = fixture();
    let lab = PodLab::with_driver(tag, "overlay");
    let t0 = Instant::now();
    let mut import = lab.podman(&["import"]);
    import.arg(&f.tar).arg("deb");
    lab.ok(import, "podman import of the Debian tarball (as pod1, with ignore_chown_errors)");
    eprintln!("{tag}: the Debian image imported by pod1 in {:?}", t0.elapsed());
    lab
}

/// The same image imported by real root for the reference.
fn debian_reference(lab: &PodLab) {
    let t0 = Instant::now();
    let mut import = lab.root_podman(&["import"]);
    import.arg(&fixture().tar).arg("deb");
    lab.ok(import, "podman import of the Debian tarball (as root)");
    eprintln!("the Debian image imported by real root in {:?}", t0.elapsed());
}

/// Real root here lacks CAP_SYS_RESOURCE: podman as root gets explicit
/// limits (see PodLab::reference).
const ROOT_LIMITS: &[&str] = &["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=32768:32768"];

/// A build context `ctx/NAME` holding `containerfile`; returns its path.
fn context(lab: &PodLab, name: &str, containerfile: &str) -> String {
    let dir = lab.dir.join("ctx").join(name);
    std::fs::create_dir_all(&dir).expect("mkdir context");
    std::fs::write(dir.join("Containerfile"), containerfile).expect("Containerfile");
    dir.to_string_lossy().into_owned()
}

/// The `podman build` arguments of a Debian build: no cache, no network,
/// the fixture's repository at /srv/repo (where the image's sources.list
/// looks), image `tag`.
fn build_args<'a>(repo: &'a str, tag: &'a str, ctx: &'a str) -> Vec<&'a str> {
    vec!["build", "--no-cache", "--network=none", "-v", repo, "-t", tag, ctx]
}

/// Real root's build of `ctx` (image `ref`, runc, ROOT_LIMITS): the output
/// of its three steps (see `steps`).
fn root_build(lab: &PodLab, repo: &str, ctx: &str) -> Vec<String> {
    let mut args = vec!["--runtime", "runc"];
    args.extend(build_args(repo, "ref", ctx));
    args.extend(ROOT_LIMITS);
    let o = lab.ok(lab.root_podman(&args), "podman build by real root");
    let s = steps(&o.stdout);
    assert_eq!(s.len(), 3, "three steps:\n{}", o.stdout);
    s
}

/// What each `STEP n/m:` of a build printed (its RUN's output), in order;
/// the FROM step's (nothing) included.
fn steps(stdout: &str) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    for l in stdout.lines() {
        if l.starts_with("STEP ") {
            out.push(String::new());
        } else if l.starts_with("COMMIT ") || l.starts_with("--> ") {
            continue;
        } else if let Some(s) = out.last_mut() {
            s.push_str(l);
            s.push('\n');
        }
    }
    out
}

const DEMO: &str = "/usr/share/credshim-demo";
/// The stat of two files of the base image with a non-root owner
/// (shadow's group 42, nginx's 33:4), beside the package's DEMO_STAT.
const BASE_STAT: &str = "stat -c '%u:%g %a %n' /etc/gshadow /var/log/nginx/error.log";

/// The stat lines (of the package's or the base image's files) in `text`.
fn stat_lines(text: &str) -> String {
    text.lines()
        .filter(|l| l.contains(&format!(" {DEMO}/")) || l.ends_with(" /etc/gshadow") || l.ends_with(" /var/log/nginx/error.log"))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// The owner of each of `paths` in the last layer that has it: the tar
/// header's, or (`xattr`) the user.rootlesscontainers record's where the
/// entry has one ("PATH UID:GID" lines, sorted).
fn image_owners(lines: &[String], paths: &[&str], xattr: bool) -> String {
    let mut last = std::collections::BTreeMap::new();
    for l in lines {
        let f: Vec<&str> = l.split(' ').collect();
        let [_, path, header, record] = f[..] else { panic!("a layer_owners line: {l:?}") };
        let owner = match (xattr, record) {
            (true, r) if r != "none" => {
                let (hu, hg) = header.split_once(':').expect("uid:gid");
                let (ru, rg) = r.split_once(':').expect("uid:gid");
                format!("{}:{}", if ru == "-" { hu } else { ru }, if rg == "-" { hg } else { rg })
            }
            _ => header.to_string(),
        };
        last.insert(path.to_string(), owner);
    }
    paths.iter().map(|p| format!("{p} {}\n", last.get(*p).map_or("missing", String::as_str))).collect()
}

/// Issue 10, the Debian image: `apt-get install credshim-demo` in a `podman
/// build` RUN step by pod1 fails with plain runc (apt's setgroups, setegid,
/// seteuid) and works through credshim-runtime, with dpkg's owners in that
/// step, in the next one and in the image, as real root's build has them.
/// The layers keep them in user.rootlesscontainers records; their tar
/// headers say root (the account's one id).
#[test]
fn debian_build_installs_a_package_through_the_wrapper() {
    let t0 = Instant::now();
    let f = fixture();
    let lab = PodLab::with_driver("deb-apt", "overlay");

    // Without ignore_chown_errors pod1 cannot even import the image: its
    // one id has nothing to give /etc/gshadow's group 42.
    let mut import = lab.as_user("podman");
    import.args(["--root", &lab.path("store"), "--runroot", &lab.path("run"), "--storage-driver", "overlay", "import"]);
    import.arg(&f.tar).arg("deb-strict");
    let o = run(import);
    assert!(!o.ok, "pod1 imported the Debian tarball without ignore_chown_errors");
    assert!(
        o.stderr.contains("potentially insufficient UIDs or GIDs available in user namespace (requested 0:42 for /etc/gshadow)"),
        "podman import without ignore_chown_errors: {}",
        o.stderr
    );

    let mut import = lab.podman(&["import"]);
    import.arg(&f.tar).arg("deb");
    lab.ok(import, "podman import of the Debian tarball (as pod1, with ignore_chown_errors)");
    debian_reference(&lab);
    let t_import = t0.elapsed();

    let repo = format!("{}:/srv/repo:ro", f.repo.display());
    let ctx = context(
        &lab,
        "apt",
        &format!("FROM deb\nRUN apt-get update && apt-get install -y credshim-demo && {DEMO_STAT}\nRUN {DEMO_STAT}\n"),
    );

    // Plain runc: apt's privilege drop fails.
    let o = run(lab.with("runc", &build_args(&repo, "plain", &ctx)));
    assert!(!o.ok, "the build worked without credshim:\n{}", o.stdout);
    for msg in ["E: setgroups 65534 failed", "E: setegid 65534 failed", "E: seteuid 42 failed"] {
        assert!(o.stderr.contains(msg), "plain runc: no {msg:?} in the build's output:\n{}\n{}", o.stdout, o.stderr);
    }

    // Through the wrapper.
    let t = Instant::now();
    let o = lab.ok(lab.with(&lab.wrapper_s(), &build_args(&repo, "shimmed", &ctx)), "podman build through the wrapper");
    let t_build = t.elapsed();
    eprintln!("build through credshim-runtime ({t_build:?}):\n{}", o.stdout);
    for word in ["setgroups", "seteuid", "setegid"] {
        assert!(!o.stdout.contains(word) && !o.stderr.contains(word), "{word} in the build's output:\n{}\n{}", o.stdout, o.stderr);
    }
    assert!(o.stdout.contains("Setting up credshim-demo (1.0)"), "not installed:\n{}", o.stdout);
    let shim_steps = steps(&o.stdout);
    assert_eq!(shim_steps.len(), 3, "three steps:\n{}", o.stdout);

    // Real root's build.
    let ref_steps = root_build(&lab, &repo, &ctx);
    assert_eq!(stat_lines(&ref_steps[1]), DEMO_OWNERS, "the reference's RUN 1");
    assert_eq!(stat_lines(&ref_steps[2]), DEMO_OWNERS, "the reference's RUN 2");

    // The step that installed and the next one: dpkg's owners, as real
    // root's.
    assert_eq!(stat_lines(&shim_steps[1]), DEMO_OWNERS, "RUN 1 through the wrapper (the install)");
    assert_eq!(stat_lines(&shim_steps[2]), DEMO_OWNERS, "RUN 2 through the wrapper");
    // The image: dpkg's owners through the wrapper; with plain runc the
    // kernel's answer in a one-id namespace (root; the modes are kept).
    // The base image's owners were lost when pod1 imported it
    // (ignore_chown_errors).
    let all_root = DEMO_OWNERS.lines().map(|l| format!("0:0 {}\n", l.split_once(' ').expect("a stat line").1)).collect::<String>();
    let image_stat = |cmd: Command, what: &str| stat_lines(&lab.ok(cmd, what).stdout);
    let stat_all = format!("{DEMO_STAT} && {BASE_STAT}");
    for (runtime, owners) in [(lab.wrapper_s(), DEMO_OWNERS.to_string()), ("runc".into(), all_root)] {
        let got = image_stat(lab.with(&runtime, &["run", "--rm", "--network=none", "shimmed", "sh", "-c", &stat_all]), "stat in the image");
        eprintln!("pod1's image, run with {runtime}:\n{got}");
        assert_eq!(got, format!("{owners}0:0 640 /etc/gshadow\n0:0 640 /var/log/nginx/error.log\n"), "pod1's image (through {runtime})");
    }
    let mut args = vec!["--runtime", "runc", "run", "--rm", "--network=none"];
    args.extend(ROOT_LIMITS);
    args.extend(["ref", "sh", "-c", &stat_all]);
    let got = image_stat(lab.root_podman(&args), "stat in real root's image");
    eprintln!("real root's image:\n{got}");
    assert_eq!(got, format!("{DEMO_OWNERS}0:42 640 /etc/gshadow\n33:4 640 /var/log/nginx/error.log\n"), "real root's image");

    // The layer archives: the owners real root's headers have are in pod1's
    // user.rootlesscontainers records; pod1's headers say root.
    let paths: Vec<&str> = DEMO_OWNERS.lines().map(|l| l.rsplit_once(' ').expect("a stat line").1.trim_start_matches('/')).collect();
    let archive = save(&lab, lab.podman(&[]), "shimmed");
    let mine = layer_owners(&lab, &archive, &paths);
    let theirs = saved_owners(&lab, lab.root_podman(&[]), "ref", &paths);
    let want = image_owners(&theirs, &paths, false);
    eprintln!("real root's layers:\n{want}pod1's layers:\n{}", mine.join("\n"));
    assert_eq!(image_owners(&mine, &paths, true), want, "the owners in pod1's layers' records");
    let root_only: String = paths.iter().map(|p| format!("{p} 0:0\n")).collect();
    assert_eq!(image_owners(&mine, &paths, false), root_only, "pod1's layers' headers (if not root now, update README)");
    // credshim oci fix-owners: the headers are real root's.
    let fixed = lab.dir.join("tmp/fixed.tar");
    let mut fix = Command::new(lab.dir.join("bin/credshim"));
    fix.args(["oci", "fix-owners"]).arg(&archive).arg(&fixed);
    lab.ok(fix, "credshim oci fix-owners");
    assert_eq!(image_owners(&layer_owners(&lab, &fixed, &paths), &paths, false), want, "the fixed archive's headers");
    for a in [&archive, &fixed] {
        std::fs::remove_file(a).expect("rm the archive");
    }

    let left: Vec<_> = std::fs::read_dir(lab.dir.join("tmp")).expect("tmp").flatten().map(|e| e.path()).collect();
    assert!(left.is_empty(), "buildah's bundles left in TMPDIR: {left:?}");
    lab.settled("the Debian builds", &[]);
    eprintln!("debian apt build: imports {t_import:?}, build through the wrapper {t_build:?}, all {:?}", t0.elapsed());
}

/// What `su -s /bin/sh usr -c id` prints once addgroup and adduser made
/// them (real root's build asserts it).
const USR_ID: &str = "uid=100(usr) gid=101(grp) groups=101(grp)\n";

/// Issue 10: Debian's adduser in a build. The image already has adduser
/// 3.134 (debootstrap pulls it in for nginx-light), so the step reinstalls
/// it from the fixture's repository (dpkg unpacks it and runs its
/// postinst), then addgroup/adduser make a system group and user, su
/// drops to it, and a file is chowned to it. Through credshim-runtime the
/// step, the next one and the image show what real root's build shows.
#[test]
fn debian_build_adduser_su_and_chown_through_the_wrapper() {
    let t0 = Instant::now();
    let lab = debian_lab("deb-adduser");
    debian_reference(&lab);
    let repo = format!("{}:/srv/repo:ro", fixture().repo.display());
    let ctx = context(
        &lab,
        "adduser",
        "FROM deb\n\
         RUN apt-get update && apt-get install -y --reinstall adduser && addgroup --system grp && \
         adduser --system --ingroup grp --no-create-home usr && su -s /bin/sh usr -c id && \
         touch /f && chown usr:grp /f && ls -ln /f\n\
         RUN ls -ln /f && grep -E '^(usr|grp):' /etc/passwd /etc/group\n",
    );
    let ls = |step: &str| -> Vec<String> {
        step.lines().filter(|l| l.ends_with(" /f")).map(|l| l.split_whitespace().skip(2).take(2).collect::<Vec<_>>().join(":")).collect()
    };
    let ids = |step: &str| -> String { step.lines().filter(|l| l.starts_with("uid=")).map(|l| format!("{l}\n")).collect() };

    let r = root_build(&lab, &repo, &ctx);
    assert_eq!(ids(&r[1]), USR_ID, "real root's su:\n{}", r.concat());
    assert_eq!((ls(&r[1]), ls(&r[2])), (vec!["100:101".to_string()], vec!["100:101".to_string()]), "real root's /f:\n{}", r.concat());

    let t = Instant::now();
    let o = lab.ok(lab.with(&lab.wrapper_s(), &build_args(&repo, "shimmed", &ctx)), "podman build through the wrapper");
    let t_build = t.elapsed();
    eprintln!("adduser build through credshim-runtime ({t_build:?}):\n{}", o.stdout);
    let s = steps(&o.stdout);
    assert_eq!(s.len(), 3, "three steps:\n{}", o.stdout);
    for want in ["Unpacking adduser (", "Setting up adduser (", "Adding group `grp' (GID 101)", "Adding system user `usr' (UID 100)"] {
        assert!(s[1].contains(want), "no {want:?} in the step:\n{}\n{}", o.stdout, o.stderr);
    }
    assert!(!o.stderr.contains("can't set groups") && !o.stderr.contains("Operation not permitted"), "{}", o.stderr);
    assert_eq!(ids(&s[1]), ids(&r[1]), "su through the wrapper vs real root");
    assert!(s[2].contains("/etc/passwd:usr:x:100:101::/nonexistent:/usr/sbin/nologin\n/etc/group:grp:x:101:\n"), "{}", s[2]);
    // /f is usr's in the step, in the next one and in the image.
    assert_eq!(
        (ls(&s[1]), ls(&s[2])),
        (vec!["100:101".to_string()], vec!["100:101".to_string()]),
        "/f in RUN 1 and RUN 2 through the wrapper"
    );
    let o = lab.ok(lab.with(&lab.wrapper_s(), &["run", "--rm", "--network=none", "shimmed", "stat", "-c", "%u:%g %n", "/f"]), "stat /f");
    assert_eq!(o.stdout, "100:101 /f\n", "/f in pod1's image through the wrapper");
    let mut args = vec!["--runtime", "runc", "run", "--rm", "--network=none"];
    args.extend(ROOT_LIMITS);
    args.extend(["ref", "stat", "-c", "%u:%g %n", "/f"]);
    let o = lab.ok(lab.root_podman(&args), "stat /f in real root's image");
    assert_eq!(o.stdout, "100:101 /f\n", "/f in real root's image");
    lab.settled("the adduser builds", &[]);
    eprintln!("debian adduser build: through the wrapper {t_build:?}, all {:?}", t0.elapsed());
}

// ---- nginx ------------------------------------------------------------------

const PAGE: &str = "credshim serves this from podman without subuids\n";

fn listening(port: u16) -> bool {
    std::net::TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(200)).is_ok()
}

fn curl(port: u16) -> Option<String> {
    let o = Command::new("curl")
        .args(["-sf", "--max-time", "5", &format!("http://127.0.0.1:{port}/")])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("curl runs (bash .ci/setup installs it)");
    o.status.success().then(|| String::from_utf8_lossy(&o.stdout).into_owned())
}

/// The parent's pid (/proc/PID/stat's 4th field).
fn parent(pid: u32) -> Option<u32> {
    let st = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    st.rsplit_once(") ")?.1.split_whitespace().nth(1)?.parse().ok()
}

/// The pid in the innermost pid namespace (NSpid's last field).
fn ns_pid(pid: u32) -> u32 {
    let st = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    st.lines()
        .find_map(|l| l.strip_prefix("NSpid:"))
        .and_then(|v| v.split_whitespace().last()?.parse().ok())
        .unwrap_or_else(|| panic!("no NSpid for {pid}"))
}

/// Issue 10: nginx from the Debian image with `user www-data;
/// worker_processes 2;` (its config and page bind-mounted read-only, its
/// logs in a directory of pod1's), `run -d --network=host` through
/// credshim-runtime with CREDSHIM_LOG=debug: it serves a page, `podman
/// logs` shows each worker's setgid(33)/setgroups/setuid(33) emulated,
/// nothing failed in its error log; `podman stop` and `rm` leave nothing.
#[test]
fn debian_nginx_drops_to_www_data_through_the_wrapper() {
    let t0 = Instant::now();
    let lab = debian_lab("deb-nginx");
    let port = free_port();
    let conf = lab.dir.join("nginx");
    std::fs::create_dir_all(conf.join("www")).expect("mkdir");
    std::fs::write(
        conf.join("nginx.conf"),
        format!(
            "user www-data;\n\
             worker_processes 2;\n\
             pid /run/credshim-test-nginx.pid;\n\
             error_log /var/log/credshim-test/error.log notice;\n\
             events {{ worker_connections 64; }}\n\
             http {{\n\
             \x20   include /etc/nginx/mime.types;\n\
             \x20   access_log /var/log/credshim-test/access.log;\n\
             \x20   server {{\n\
             \x20       listen 127.0.0.1:{port};\n\
             \x20       root /etc/credshim-test/www;\n\
             \x20   }}\n\
             }}\n"
        ),
    )
    .expect("nginx.conf");
    std::fs::write(conf.join("www/index.html"), PAGE).expect("page");
    for p in [&conf, &conf.join("www")] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    for p in [conf.join("nginx.conf"), conf.join("www/index.html")] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    }
    let logs = lab.dir.join("home/nginx-logs"); // pod1's: root's in the container
    std::fs::create_dir(&logs).expect("mkdir");
    sh(Command::new("chown").arg(user()).arg(&logs));
    let error_log = logs.join("error.log");
    let v_conf = format!("{}:/etc/credshim-test:ro", conf.display());
    let v_logs = format!("{}:/var/log/credshim-test", logs.display());
    let args = [
        "run", "-d", "--name", "ngx", "--network=host", "-e", "CREDSHIM_LOG=debug", "-v", &v_conf, "-v", &v_logs, "deb",
        "nginx", "-c", "/etc/credshim-test/nginx.conf", "-g", "daemon off;",
    ];
    let t = Instant::now();
    lab.ok(lab.with(&lab.wrapper_s(), &args), "podman run -d nginx through the wrapper");
    let running = || lab.inspect("ngx")["State"]["Status"] == "running";
    let up = wait_until(LIMIT, || listening(port) || !running());
    let podman_logs = || {
        let o = lab.ok(lab.podman(&["logs", "ngx"]), "podman logs");
        format!("{}{}", o.stdout, o.stderr)
    };
    assert!(up && running(), "nginx is not listening on {port}:\n{}\n{}", podman_logs(), std::fs::read_to_string(&error_log).unwrap_or_default());
    let t_up = t.elapsed();
    assert_eq!(curl(port).as_deref(), Some(PAGE), "the page");

    // The container: credshim (its init), nginx's master, two workers.
    let ct = lab.inspect("ngx");
    assert_eq!(ct["OCIRuntime"], json!(lab.wrapper_s()));
    let init = ct["State"]["Pid"].as_u64().expect("a pid") as u32;
    let conmon = ct["State"]["ConmonPid"].as_u64().expect("conmon's pid") as u32;
    assert_eq!(comm(init), "credshim", "the container's init");
    let mut procs = vec![];
    assert!(
        wait_until(LIMIT, || {
            procs = std::iter::once(init).chain(harness::descendants(init)).collect();
            procs.iter().filter(|&&p| comm(p) == "nginx").count() >= 3
        }),
        "not a master and two workers: {:?}",
        procs.iter().map(|&p| (p, comm(p))).collect::<Vec<_>>()
    );
    let workers: Vec<u32> =
        procs.iter().copied().filter(|&p| comm(p) == "nginx" && parent(p).is_some_and(|pp| comm(pp) == "nginx")).collect();
    assert_eq!(workers.len(), 2, "two workers: {:?}", procs.iter().map(|&p| (p, comm(p))).collect::<Vec<_>>());

    // credshim's log, in podman's: each worker's drop, emulated.
    let count = |s: &str, what: &str| s.lines().filter(|l| l.starts_with("credshim: ") && l.contains(what)).count();
    let mut log = String::new();
    let dropped = wait_until(LIMIT, || {
        log = podman_logs();
        count(&log, "setuid(33) = 0") >= 2
    });
    let creds: Vec<&str> = log.lines().filter(|l| l.starts_with("credshim: ") && ["setgid(", "setgroups(", "setuid(", "chown("].iter().any(|w| l.contains(w))).collect();
    eprintln!("podman logs ngx (credshim's credential lines):\n{}", creds.join("\n"));
    assert!(dropped, "no setuid(33) = 0 for each worker in podman logs:\n{log}");
    assert_eq!(count(&log, "setgid(33) = 0"), 2, "setgid(33) per worker:\n{log}");
    assert_eq!(count(&log, "setgroups("), 2, "setgroups per worker:\n{log}");
    assert_eq!(count(&log, "setuid(33) = 0"), 2, "setuid(33) per worker:\n{log}");
    let mut want: Vec<u32> = workers.iter().map(|&p| ns_pid(p)).collect();
    want.sort_unstable();
    let mut got: Vec<u32> = log
        .lines()
        .filter(|l| l.starts_with("credshim: ") && l.ends_with("setuid(33) = 0"))
        .filter_map(|l| l.split("[pid ").nth(1)?.split(']').next()?.parse().ok())
        .collect();
    got.sort_unstable();
    assert_eq!(got, want, "the pids that called setuid(33) are not the workers'");
    let said: Vec<&str> = log.lines().filter(|l| !l.starts_with("credshim: ") && !l.contains("level=")).collect();
    assert!(said.iter().all(|l| !l.contains("failed") && !l.contains("[emerg]")), "nginx's stderr: {said:#?}");
    let errors = std::fs::read_to_string(&error_log).expect("nginx's error log");
    eprintln!("nginx's error log:\n{errors}");
    assert!(errors.contains("start worker process"), "nginx's error log:\n{errors}");
    let failed: Vec<&str> = errors.lines().filter(|l| l.contains("failed") || l.contains("[emerg]") || l.contains("[alert]")).collect();
    assert!(failed.is_empty(), "failures in nginx's error log: {failed:#?}");

    // stop: SIGTERM reaches nginx through credshim; nginx exits 0.
    let t = Instant::now();
    lab.ok(lab.podman(&["stop", "--time", "20", "ngx"]), "podman stop");
    assert!(t.elapsed() < Duration::from_secs(15), "stop took {:?}", t.elapsed());
    for pid in procs.iter().copied().chain([conmon]) {
        assert!(wait_until(LIMIT, || !alive(pid)), "after stop: {pid} ({}) still runs", comm(pid));
    }
    let ct = lab.inspect("ngx");
    assert_eq!((ct["State"]["Status"].as_str(), ct["State"]["ExitCode"].as_i64()), (Some("exited"), Some(0)), "after stop");
    assert!(!listening(port), "something still listens on {port}");
    lab.settled("podman stop", &["ngx"]);
    lab.ok(lab.podman(&["rm", "ngx"]), "podman rm");
    lab.settled("podman rm", &[]);
    eprintln!("debian nginx: listening {t_up:?} after run -d, all {:?}", t0.elapsed());
}
