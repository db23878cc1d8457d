//! Rootless OCI containers with the real runc, for tests/oci.rs and
//! tests/oci_debian.rs: a lab directory (rootfs, the static credshim and
//! its `credshim-runtime` link, a state directory for the account), bundles
//! from `runc spec`, config edits, and runs with a time limit.

use super::{as_account, credshim_bin, ns_owner, Guard};
use credprobe::runner::require_root;
use serde_json::{json, Value};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Every runtime call and container run in these tests ends within this.
pub const LIMIT: Duration = Duration::from_secs(60);

/// The capabilities a container's root usually has (Docker's default
/// set): `runc spec`'s three would make su fail as real root as well.
pub const CAPS: &[&str] = &[
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
];

/// A scratch directory with a rootfs (owned by the account, so that its files
/// belong to root inside a rootless container), a copy of the
/// static credshim and a `credshim-runtime` symlink to it, and a runtime
/// state directory and XDG_RUNTIME_DIR for the account. Removed on drop.
pub struct Lab {
    pub dir: PathBuf,
}

pub fn sh(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
}

impl Lab {
    /// The lab with a busybox-only rootfs: busybox-static's binary and its
    /// links, and `www` (100:101, also in staff 50) besides root.
    pub fn new(tag: &str) -> Lab {
        let lab = Lab::empty(tag);
        let root = lab.rootfs();
        for d in ["bin", "etc", "home/www", "proc", "dev", "sys", "tmp"] {
            std::fs::create_dir_all(root.join(d)).expect("mkdir in rootfs");
        }
        std::fs::copy("/bin/busybox", root.join("bin/busybox")).expect("busybox-static's /bin/busybox");
        // ETXTBSY: a child another test thread forked while the copy's fd
        // was open holds it until it execs (close-on-exec); that is brief.
        for attempt in 0.. {
            let o = Command::new("chroot").arg(&root).args(["/bin/busybox", "--install", "-s", "/bin"]).output().expect("chroot");
            if o.status.success() {
                break;
            }
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(attempt < 50 && err.contains("Text file busy"), "chroot {} /bin/busybox --install failed: {err}", root.display());
            std::thread::sleep(Duration::from_millis(20));
        }
        std::fs::write(root.join("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nwww:x:100:101::/home/www:/bin/sh\n").expect("passwd");
        std::fs::write(root.join("etc/group"), "root:x:0:\nstaff:x:50:www\nwww:x:101:\n").expect("group");
        sh(Command::new("chown").arg("-R").arg(ns_owner()).arg(&root));
        lab
    }

    /// The lab with an empty rootfs directory owned by the account, for the
    /// caller to fill, in the temporary directory.
    pub fn empty(tag: &str) -> Lab {
        Lab::empty_in(&std::env::temp_dir(), tag)
    }

    /// The same in `base` (a directory every user can traverse).
    pub fn empty_in(base: &Path, tag: &str) -> Lab {
        require_root("the OCI tests (they run the reference container as real root and chown the rootfs)");
        for tool in ["runc", "setpriv"] {
            assert!(which(tool).is_some(), "{tool} is not installed: run `bash .ci/setup` (it installs runc, crun, busybox-static)");
        }
        let dir = credprobe::lab::scratch_dir(base, &format!("oci-{tag}"));
        let lab = Lab { dir };
        super::install_exe(credshim_bin(), &lab.credshim());
        std::os::unix::fs::symlink("credshim", lab.dir.join("credshim-runtime")).expect("symlink");
        for d in ["rootfs", "state", "xdg"] {
            std::fs::create_dir_all(lab.dir.join(d)).expect("mkdir");
        }
        // Not the credshim link: it is the build's binary.
        for d in ["rootfs", "state", "xdg"] {
            sh(Command::new("chown").arg("-R").arg(ns_owner()).arg(lab.dir.join(d)));
        }
        lab
    }
    pub fn rootfs(&self) -> PathBuf {
        self.dir.join("rootfs")
    }
    pub fn credshim(&self) -> PathBuf {
        self.dir.join("credshim")
    }
    pub fn wrapper(&self) -> PathBuf {
        self.dir.join("credshim-runtime")
    }
    pub fn state(&self) -> String {
        self.dir.join("state").to_string_lossy().into_owned()
    }

    /// A bundle directory NAME with a config from `runc spec` (with
    /// `--rootless`, generated as the account so that it maps 0 to it),
    /// sharing the lab's rootfs, running `args` without a terminal.
    pub fn bundle(&self, name: &str, rootless: bool, args: &[&str]) -> PathBuf {
        let b = self.dir.join(name);
        std::fs::create_dir_all(&b).expect("bundle dir");
        sh(Command::new("chown").arg(ns_owner()).arg(&b));
        let mut spec = if rootless { self.as_user("runc") } else { Command::new("runc") };
        spec.arg("spec").current_dir(&b);
        if rootless {
            spec.arg("--rootless");
        }
        sh(&mut spec);
        let rootfs = self.rootfs();
        edit(&b.join("config.json"), |c| {
            c["process"]["terminal"] = json!(false);
            c["process"]["args"] = json!(args);
            for set in ["bounding", "effective", "permitted"] {
                c["process"]["capabilities"][set] = json!(CAPS);
            }
            if let Some(caps) = c["process"]["capabilities"].as_object_mut() {
                caps.remove("ambient");
            }
            c["root"]["path"] = json!(rootfs);
        });
        b
    }

    /// `program` run as the account (setpriv, no groups), with XDG_RUNTIME_DIR
    /// and HOME in the lab: a rootless runtime's caller.
    pub fn as_user(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new("setpriv");
        c.args(as_account()).arg("env")
            .arg(format!("XDG_RUNTIME_DIR={}", self.dir.join("xdg").display()))
            .arg(format!("HOME={}", self.dir.join("xdg").display()))
            .arg(program);
        c
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        credprobe::lab::remove(&self.dir);
    }
}

pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file())
}

/// Rewrites a config.json as `runc spec` writes it (tabs, no final newline).
pub fn edit(path: &Path, f: impl FnOnce(&mut Value)) {
    use serde::Serialize;
    let mut v: Value = serde_json::from_slice(&std::fs::read(path).expect("read config")).expect("config is JSON");
    f(&mut v);
    let mut out = Vec::new();
    v.serialize(&mut serde_json::Serializer::with_formatter(&mut out, serde_json::ser::PrettyFormatter::with_indent(b"\t")))
        .expect("serializes");
    std::fs::write(path, out).expect("write config");
}

pub struct Out {
    pub ok: bool,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `cmd` (stdin /dev/null, output captured) for at most LIMIT; on
/// timeout its whole tree is killed by pid (Guard) and the test fails. A
/// process that outlives it holding its output open (a container's init)
/// fails the test too, instead of hanging it.
pub fn run(cmd: Command) -> Out {
    let shown = format!("{cmd:?}");
    let end = std::time::Instant::now() + LIMIT;
    let mut g = Guard::spawn(cmd);
    let (tx, rx) = std::sync::mpsc::channel();
    for (i, pipe) in [g.0.stdout.take().map(|p| Box::new(p) as Box<dyn std::io::Read + Send>), g.0.stderr.take().map(|p| Box::new(p) as _)]
        .into_iter()
        .enumerate()
    {
        let tx = tx.clone();
        std::thread::spawn(move || {
            let mut s = String::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_string(&mut s);
            }
            let _ = tx.send((i, s));
        });
    }
    let Some(status) = g.wait(LIMIT) else {
        drop(g);
        panic!("{shown} did not finish within {LIMIT:?}");
    };
    drop(g);
    let mut texts = [String::new(), String::new()];
    for _ in 0..2 {
        let left = end.saturating_duration_since(std::time::Instant::now()).max(Duration::from_secs(1));
        match rx.recv_timeout(left) {
            Ok((i, s)) => texts[i] = s,
            Err(_) => panic!("{shown} ended but something it started still holds its output open"),
        }
    }
    let [stdout, stderr] = texts;
    Out { ok: status.success(), code: status.code(), stdout, stderr }
}

pub fn id(tag: &str) -> String {
    format!("cs-{tag}-{}", std::process::id())
}

/// The rootless run of `bundle` by the account: `runc --root STATE run -b B ID`
/// through `program` (runc itself or the wrapper).
pub fn rootless_run(lab: &Lab, program: &Path, pre: &[&str], bundle: &Path, name: &str) -> Out {
    let mut c = lab.as_user(program);
    c.args(pre).args(["--root", &lab.state(), "run", "-b"]).arg(bundle).arg(id(name));
    run(c)
}


pub fn inject(lab: &Lab, bundle: &Path, extra: &[&str]) -> Out {
    let mut c = Command::new(lab.credshim());
    c.args(["oci", "inject"]).args(extra).arg(bundle);
    run(c)
}

/// `credshim oci inject --mode hook BUNDLE`, with the hook's log in the lab.
pub fn inject_hook(lab: &Lab, bundle: &Path, log: &Path) {
    let o = run({
        let mut c = Command::new(lab.credshim());
        c.args(["oci", "inject", "--mode", "hook"]).arg(bundle);
        c
    });
    assert!(o.ok, "inject --mode hook failed: {}", o.stderr);
    edit(&bundle.join("config.json"), |c| {
        let args = c["hooks"]["createRuntime"][0]["args"].as_array_mut().expect("the hook's args");
        args.extend([json!("-v"), json!("--log-file"), json!(log)]);
    });
}
