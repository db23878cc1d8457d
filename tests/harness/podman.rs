//! podman (4.3) run by a user without a subuid range, for tests/podman.rs
//! and tests/podman_debian.rs: the tests' account (credprobe::lab::account,
//! `pod1` unless CREDSHIM_TEST_USER names another; reused when suitable,
//! else created), which podman maps alone ("Using rootless single mapping
//! into the namespace"), and a lab per test.
//!
//! Each lab has its own storage root and runroot (`--root`, `--runroot`,
//! vfs; overlay for the Debian image), HOME, XDG_RUNTIME_DIR (so its own
//! rootless pause process, which holds the lab's user namespace and is
//! killed by pid at the end, with everything in that namespace) and TMPDIR,
//! so that tests, and anyone else using the account's podman, do not meet.
//! podman's default runtime here, crun 1.8, refuses this machine's hybrid
//! cgroups ("cgroups in hybrid mode not supported"): every run names runc
//! or the wrapper (which picks runc).

use super::oci::{run, which, Out, LIMIT};
use super::{state, wait_until, Guard};
use serde_json::{json, Value};
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

/// What busybox su prints for www when podman runs as real root (the
/// reference asserts it).
pub const WWW_ID: &str = "uid=100(www) gid=101(www) groups=50(staff),101(www)\n";
pub const SU: &[&str] = &["su", "-s", "/bin/sh", "www", "-c", "id"];
/// The shipped snippet; the tests install it with the lab's wrapper path.
pub const SNIPPET: &str = include_str!("../../contrib/podman/containers.conf");
pub const SNIPPET_PATH: &str = "\"/usr/local/bin/credshim-runtime\"";
/// The shipped storage.conf, which the overlay labs use.
pub const STORAGE_CONF: &str = include_str!("../../contrib/podman/storage.conf");
/// Real root here lacks CAP_SYS_RESOURCE: podman as root gets explicit
/// limits (see PodLab::reference).
pub const ROOT_LIMITS: &[&str] = &["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=32768:32768"];
pub const PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

pub fn sh(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The account podman runs as (it has no subuid/subgid range).
pub fn user() -> &'static str {
    &credprobe::lab::account().name
}

/// Runs `cmd` for at most LIMIT and ignores the outcome (for Drop).
pub fn quietly(mut cmd: Command) {
    use std::process::Stdio;
    if let Ok(c) = cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).spawn() {
        let mut g = Guard(c);
        g.wait(LIMIT);
    }
}

pub struct PodLab {
    pub dir: PathBuf,
    /// The storage driver of both podmans (pod1's and the reference's).
    pub driver: &'static str,
    /// The account podman runs as.
    pub account: &'static credprobe::lab::Account,
    /// Whether it has subordinate ids (podman then maps 65,537).
    pub subids: bool,
}

impl PodLab {
    /// The lab: the static credshim with its credshim-runtime link, pod1's
    /// directories, and the busybox image `bb` (busybox-static and its
    /// links; www is 100:101, also in staff 50) imported as pod1. Checks
    /// that podman maps pod1's uid and gid alone.
    pub fn new(tag: &str) -> PodLab {
        PodLab::with_driver(tag, "vfs")
    }

    /// The same on another storage driver (`overlay`: the kernel's
    /// overlayfs in the user namespace, which copies nothing per container).
    /// pod1's podman gets `DRIVER.ignore_chown_errors=true` (on overlay from
    /// the shipped contrib/podman/storage.conf), without which a single-id
    /// account cannot store a layer with a non-root owner in it (see
    /// `debian_build_installs_a_package_through_the_wrapper`).
    pub fn with_driver(tag: &str, driver: &'static str) -> PodLab {
        PodLab::of(tag, driver, credprobe::lab::account(), false)
    }

    /// The lab of the account with a subordinate range
    /// (credprobe::lab::account_with_subids): podman maps its uid to root
    /// and 65,536 more ids above it.
    pub fn with_subids(tag: &str) -> PodLab {
        PodLab::of(tag, "vfs", credprobe::lab::account_with_subids(), true)
    }

    fn of(tag: &str, driver: &'static str, account: &'static credprobe::lab::Account, subids: bool) -> PodLab {
        credprobe::runner::require_root("the podman tests (they create pod1, edit /etc/subuid and run the reference podman as real root)");
        for tool in ["podman", "conmon", "runc", "setpriv", "busybox"] {
            assert!(which(tool).is_some(), "{tool} is not installed: run `bash .ci/setup` (it installs podman, runc, busybox-static)");
        }
        let dir = credprobe::lab::scratch_dir(&std::env::temp_dir(), &format!("podman-{tag}"));
        std::fs::create_dir_all(dir.join("bin")).expect("lab dir");
        let lab = PodLab { dir, driver, account, subids };
        std::fs::set_permissions(lab.dir.join("bin"), std::fs::Permissions::from_mode(0o755)).expect("chmod");
        super::install_exe(super::credshim_bin(), &lab.dir.join("bin/credshim"));
        std::os::unix::fs::symlink("credshim", lab.wrapper()).expect("symlink");
        for d in ["home", "xdg", "store", "run", "tmp", "ctx"] {
            std::fs::create_dir_all(lab.dir.join(d)).expect("mkdir");
            sh(Command::new("chown").arg(format!("{}:{}", account.uid, account.gid)).arg(lab.dir.join(d)));
        }
        std::fs::set_permissions(lab.dir.join("xdg"), std::fs::Permissions::from_mode(0o700)).expect("chmod xdg");
        std::fs::write(lab.dir.join("storage.conf"), STORAGE_CONF).expect("storage.conf");

        // The image, as a tar of a directory (owned by root: 0 inside).
        let root = lab.dir.join("rootfs");
        for d in ["bin", "etc", "home/www", "proc", "dev", "sys", "tmp"] {
            std::fs::create_dir_all(root.join(d)).expect("mkdir in rootfs");
        }
        std::fs::set_permissions(root.join("tmp"), std::fs::Permissions::from_mode(0o1777)).expect("chmod tmp");
        // cp, not std::fs::copy: a file this process holds open for writing
        // is inherited by every child another test thread forks meanwhile,
        // and exec of it then fails with ETXTBSY.
        sh(Command::new("cp").arg("/bin/busybox").arg(root.join("bin/busybox")));
        sh(Command::new("chroot").arg(&root).args(["/bin/busybox", "--install", "-s", "/bin"]));
        std::fs::write(root.join("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nwww:x:100:101::/home/www:/bin/sh\n").expect("passwd");
        std::fs::write(root.join("etc/group"), "root:x:0:\nstaff:x:50:www\nwww:x:101:\n").expect("group");
        sh(Command::new("tar").arg("-C").arg(&root).arg("-cf").arg(lab.tar()).args(["--numeric-owner", "."]));
        std::fs::set_permissions(lab.tar(), std::fs::Permissions::from_mode(0o644)).expect("chmod tar");

        // The first podman command starts the lab's pause process and says
        // what users see.
        let o = lab.ok(lab.podman(&["info", "--format", "{{json .Host.IDMappings}}"]), "podman info");
        let maps: Value = serde_json::from_str(o.stdout.trim()).expect("IDMappings is JSON");
        if subids {
            let sizes = |k: &str| maps[k].as_array().map(|a| a.iter().map(|m| m["size"].as_u64().unwrap_or(0)).sum::<u64>());
            assert_eq!((sizes("uidmap"), sizes("gidmap")), (Some(65537), Some(65537)), "podman does not map {}'s ranges: {maps}", account.name);
        } else {
            assert!(o.stderr.contains("Using rootless single mapping into the namespace"), "podman info did not warn: {}", o.stderr);
            assert_eq!(
                maps,
                json!({"uidmap": [{"container_id": 0, "host_id": account.uid, "size": 1}],
                       "gidmap": [{"container_id": 0, "host_id": account.gid, "size": 1}]}),
                "podman does not map {} alone: does it have a subuid range?",
                account.name
            );
        }
        let mut import = lab.podman(&["import"]);
        import.arg(lab.tar()).arg("bb");
        lab.ok(import, "podman import (as pod1)");
        lab
    }

    pub fn wrapper(&self) -> PathBuf {
        self.dir.join("bin/credshim-runtime")
    }
    pub fn wrapper_s(&self) -> String {
        self.wrapper().to_string_lossy().into_owned()
    }
    pub fn tar(&self) -> PathBuf {
        self.dir.join("bb.tar")
    }
    pub fn path(&self, p: &str) -> String {
        self.dir.join(p).to_string_lossy().into_owned()
    }

    /// `program` as pod1 (its groups, no subuids) with the lab's HOME,
    /// XDG_RUNTIME_DIR and TMPDIR and nothing else from the test's
    /// environment.
    pub fn as_user(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new("setpriv");
        c.env_clear()
            .env("PATH", PATH)
            .current_dir(self.dir.join("home"))
            .args([&format!("--reuid={}", self.account.name), &format!("--regid={}", self.account.name), "--init-groups", "env"])
            .arg(format!("HOME={}", self.path("home")))
            .arg(format!("XDG_RUNTIME_DIR={}", self.path("xdg")))
            .arg(format!("TMPDIR={}", self.path("tmp")))
            .arg(program);
        c
    }

    /// podman as pod1 on the lab's storage.
    pub fn podman(&self, args: &[&str]) -> Command {
        self.podman_env(&[], args)
    }
    pub fn podman_env(&self, env: &[(&str, &str)], args: &[&str]) -> Command {
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
    pub fn with(&self, runtime: &str, args: &[&str]) -> Command {
        let mut c = self.podman(&["--runtime", runtime]);
        c.args(args);
        c
    }
    pub fn ok(&self, cmd: Command, what: &str) -> Out {
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
    pub fn reference(&self) -> String {
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
    pub fn root_podman(&self, args: &[&str]) -> Command {
        let mut c = Command::new("podman");
        c.env_clear().env("PATH", PATH).env("HOME", self.path("rtmp"));
        c.args(["--root", &self.path("rstore"), "--runroot", &self.path("rrun"), "--tmpdir", &self.path("rtmp")]);
        c.args(["--storage-driver", self.driver]).args(args);
        c
    }

    /// The pid of the lab's pause process (it holds the lab's user
    /// namespace), by podman's pid file: podman itself, or catatonit where
    /// that package is installed.
    pub fn pause(&self) -> Option<u32> {
        credprobe::lab::pause_process(&self.dir)
    }

    /// Every live process in the lab's user namespace but the pause
    /// process: conmon, runc, the wrapper, credshim and the container's
    /// processes, podman's cleanup. Others using pod1 have their own.
    pub fn strays(&self) -> Vec<(u32, String)> {
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
    pub fn settled(&self, step: &str, containers: &[&str]) {
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
    pub fn inspect(&self, name: &str) -> Value {
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

pub fn alive(pid: u32) -> bool {
    state(pid).is_some_and(|s| s != 'Z')
}

/// `podman save` of `image` (`save`: pod1's or real root's podman, a
/// command line to complete) as a docker-archive in the lab's tmp.
pub fn save(lab: &PodLab, mut save: Command, image: &str) -> PathBuf {
    let archive = lab.dir.join("tmp").join(format!("{image}.save.tar"));
    save.args(["save", "--format", "docker-archive", "-o"]).arg(&archive).arg(image);
    lab.ok(save, "podman save");
    archive
}

/// The owners of the files ending with `suffixes` in each layer of the
/// image `archive`: "LAYER PATH HEADER-UID:GID XATTR", XATTR being the
/// owner the layer's user.rootlesscontainers PAX record holds (`-` for the
/// real id; `none` without one).
pub fn layer_owners(lab: &PodLab, archive: &std::path::Path, suffixes: &[&str]) -> Vec<String> {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/programs/layer_owners.py");
    let mut py = Command::new("/usr/bin/python3");
    py.arg(script).arg(archive).args(suffixes);
    let o = lab.ok(py, "layer_owners.py");
    o.stdout.lines().map(String::from).collect()
}

/// layer_owners of `image`, saved and then removed.
pub fn saved_owners(lab: &PodLab, cmd: Command, image: &str, suffixes: &[&str]) -> Vec<String> {
    let archive = save(lab, cmd, image);
    let owners = layer_owners(lab, &archive, suffixes);
    std::fs::remove_file(&archive).expect("rm the archive");
    owners
}

/// buildah as pod1 on the lab's storage (the same as its podman's).
pub fn buildah(lab: &PodLab, args: &[&str]) -> Command {
    let mut c = lab.as_user("buildah");
    c.args(["--root", &lab.path("store"), "--runroot", &lab.path("run"), "--storage-driver", lab.driver]);
    c.args(["--storage-opt", &format!("{}.ignore_chown_errors=true", lab.driver)]);
    c.args(args);
    c
}

/// The hooks-dir route's files in the lab: `hooks.d/credshim.json` (the
/// shipped contrib/oci-hooks.d/credshim.json with the lab's binary, `-v`
/// and a log file) and `seccomp.json` (`credshim oci seccomp-profile`:
/// podman's default profile with the shim table's trace rules). Returns
/// the hooks directory, the profile and the hook's log.
pub fn hooks_dir(lab: &PodLab) -> (PathBuf, PathBuf, PathBuf) {
    let hooks = lab.dir.join("hooks.d");
    std::fs::create_dir_all(&hooks).expect("mkdir");
    let log = lab.dir.join("tmp/hook.log"); // the account owns tmp
    let shipped: Value = serde_json::from_str(include_str!("../../contrib/oci-hooks.d/credshim.json")).expect("the shipped hook is JSON");
    assert_eq!(shipped["hook"]["path"], "/usr/local/bin/credshim");
    let mut hook = shipped.clone();
    hook["hook"]["path"] = json!(lab.path("bin/credshim"));
    hook["hook"]["args"].as_array_mut().expect("args").extend([json!("-v"), json!("--log-file"), json!(log)]);
    std::fs::write(hooks.join("credshim.json"), hook.to_string()).expect("write hook");
    let profile = lab.dir.join("seccomp.json");
    let o = run({
        let mut c = Command::new(lab.dir.join("bin/credshim"));
        c.args(["oci", "seccomp-profile"]);
        c
    });
    assert!(o.ok, "oci seccomp-profile: {}", o.stderr);
    std::fs::write(&profile, &o.stdout).expect("write profile");
    for p in [&hooks, &hooks.join("credshim.json"), &profile] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(if p.is_dir() { 0o755 } else { 0o644 })).expect("chmod");
    }
    (hooks, profile, log)
}
