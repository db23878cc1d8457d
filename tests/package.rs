//! Issue 18: the Debian package. `bash contrib/package/deb` builds it (from
//! the test's build of the static binary, CREDSHIM_DEB_BINARY); it is
//! installed on this machine with `dpkg -i`, used from /usr/bin
//! (`credshim doctor`, `man credshim`, rootless podman by the tests'
//! account with `--runtime /usr/bin/credshim-runtime` and with `--runtime
//! credshim` registered by the installed example containers.conf, compared
//! with real root's podman), and removed with `dpkg -r`, after which none of its files may
//! be left. A credshim already installed here is a failure, not a skip:
//! the test installs and removes its own.

mod harness;

use harness::oci::{run, Out};
use harness::podman::{PodLab, SU, WWW_ID};
use harness::Tap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Removes the package if a failed test left it installed.
struct Installed;

impl Drop for Installed {
    fn drop(&mut self) {
        if installed() {
            let _ = Command::new("dpkg").args(["-r", "credshim"]).output();
        }
    }
}

fn installed() -> bool {
    Command::new("dpkg-query").args(["-W", "-f", "${Status}", "credshim"]).output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("ok installed"))
}

fn ok(cmd: Command, what: &str) -> Out {
    let o = run(cmd);
    assert!(o.ok, "{what} failed ({:?}):\n{}\n{}", o.code, o.stdout, o.stderr);
    o
}

#[test]
fn the_deb_installs_works_from_usr_bin_and_removes_cleanly() {
    credprobe::runner::require_root("the package test (dpkg -i and -r on this machine)");
    let t0 = Instant::now();
    assert!(!installed() && !Path::new("/usr/bin/credshim").exists() && !Path::new("/usr/bin/credshim-runtime").exists(),
        "credshim is already installed here (dpkg -s credshim, /usr/bin/credshim): the package test installs and removes its own; remove it first");
    let dir = credprobe::lab::scratch_dir(&std::env::temp_dir(), "deb");
    struct Scratch(PathBuf);
    impl Drop for Scratch {
        fn drop(&mut self) {
            credprobe::lab::remove(&self.0);
        }
    }
    let _scratch = Scratch(dir.clone());

    // Build.
    let mut c = Command::new("bash");
    c.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib/package/deb")).arg(&dir).env("CREDSHIM_DEB_BINARY", harness::credshim_bin());
    let o = ok(c, "bash contrib/package/deb");
    let deb = PathBuf::from(o.stdout.lines().last().unwrap_or(""));
    assert!(deb.is_file() && deb.extension().is_some_and(|e| e == "deb"), "the script's last line is not a .deb: {:?}", o.stdout);
    eprintln!("built {} in {:?}", deb.display(), t0.elapsed());
    let mut c = Command::new("dpkg-deb");
    c.arg("-c").arg(&deb);
    let listing = ok(c, "dpkg-deb -c").stdout;
    // `drwxr-xr-x root/root 0 DATE TIME ./usr/bin/` or `… ./usr/bin/credshim-runtime -> credshim`
    let paths: Vec<(String, bool)> = listing
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let p = f.get(5)?.trim_start_matches('.').trim_end_matches('/').to_string();
            (!p.is_empty()).then_some((p, f[0].starts_with('d')))
        })
        .collect();
    for want in [
        "/usr/bin/credshim",
        "/usr/bin/credshim-runtime",
        "/usr/share/man/man1/credshim.1.gz",
        "/usr/share/man/man1/credshim-oci-runtime.1.gz",
        "/usr/share/bash-completion/completions/credshim",
        "/usr/share/zsh/vendor-completions/_credshim",
        "/usr/share/fish/vendor_completions.d/credshim.fish",
        "/usr/share/containers/oci/hooks.d/credshim.json",
        "/usr/share/doc/credshim/examples/containers.conf",
        "/usr/share/doc/credshim/examples/storage.conf",
        "/usr/share/doc/credshim/examples/oci.conf",
    ] {
        assert!(paths.iter().any(|(p, _)| p == want), "{want} is not in the package:\n{listing}");
    }
    assert!(listing.contains("./usr/bin/credshim-runtime -> credshim"), "credshim-runtime is a link to credshim:\n{listing}");
    for l in listing.lines() {
        assert!(l.contains(" root/root "), "not root's in the package: {l}");
    }

    // Install.
    let _installed = Installed;
    let mut c = Command::new("dpkg");
    c.arg("-i").arg(&deb);
    ok(c, "dpkg -i");
    let hook: serde_json::Value = serde_json::from_slice(&std::fs::read("/usr/share/containers/oci/hooks.d/credshim.json").expect("the hook")).expect("hook JSON");
    assert_eq!(hook["hook"]["path"], "/usr/bin/credshim", "the hook runs the installed binary");
    for ex in ["containers.conf", "oci.conf"] {
        let text = std::fs::read_to_string(format!("/usr/share/doc/credshim/examples/{ex}")).expect("example");
        assert!(text.contains("/usr/bin/credshim-runtime") && !text.contains("\"/usr/local/bin/credshim-runtime"), "{ex} names /usr/bin/credshim-runtime:\n{text}");
    }

    // Use: doctor, man, podman.
    let o = ok(Command::new("/usr/bin/credshim").tap_arg("doctor"), "credshim doctor");
    assert!(o.stdout.contains("credshim -- COMMAND (ptrace; basic):     works") && o.stdout.contains("Slurm (srun --container)"), "doctor:\n{}", o.stdout);
    let mut c = Command::new("man");
    c.args(["-P", "cat", "credshim"]).env("MANWIDTH", "80").env_remove("MANPATH");
    let o = ok(c, "man credshim");
    assert!(o.stdout.contains("NAME") && o.stdout.contains("credshim"), "man credshim:\n{}", o.stdout);
    let mut c = Command::new("man");
    c.args(["-w", "credshim-oci-runtime"]).env_remove("MANPATH");
    assert_eq!(ok(c, "man -w").stdout.trim(), "/usr/share/man/man1/credshim-oci-runtime.1.gz");

    let lab = PodLab::new("deb");
    let want = lab.reference();
    assert_eq!(want, WWW_ID);
    let mut args = vec!["run", "--rm", "--network=none", "bb"];
    args.extend(SU);
    // podman 4.3 takes a path for --runtime, or a name from containers.conf's
    // [engine.runtimes]: the shipped example registers `credshim` there
    // with the installed path (CONTAINERS_CONF: only that file is read).
    let o = run(lab.with("/usr/bin/credshim-runtime", &args));
    eprintln!("podman --runtime /usr/bin/credshim-runtime: {:?}\n{}{}", o.code, o.stdout, o.stderr);
    assert!(o.ok, "podman --runtime /usr/bin/credshim-runtime failed ({:?}):\n{}", o.code, o.stderr);
    assert_eq!(o.stdout, want, "podman through the installed credshim-runtime: real root's line");
    let mut named = vec!["--runtime", "credshim"];
    named.extend(&args);
    let o = run(lab.podman_env(&[("CONTAINERS_CONF", "/usr/share/doc/credshim/examples/containers.conf")], &named));
    eprintln!("podman --runtime credshim (the example containers.conf): {:?}\n{}{}", o.code, o.stdout, o.stderr);
    assert!(o.ok, "podman --runtime credshim with the installed example failed ({:?}):\n{}", o.code, o.stderr);
    assert_eq!(o.stdout, want, "podman --runtime credshim: real root's line");
    drop(lab);

    // Remove.
    ok(Command::new("dpkg").tap_args(&["-r", "credshim"]), "dpkg -r");
    assert!(!installed(), "still installed after dpkg -r");
    let left: Vec<&String> = paths
        .iter()
        .filter(|(p, dir)| {
            let ours = !dir || p.starts_with("/usr/share/doc/credshim");
            ours && std::fs::symlink_metadata(p).is_ok()
        })
        .map(|(p, _)| p)
        .collect();
    assert!(left.is_empty(), "left after dpkg -r: {left:?}");
    eprintln!("total {:?}", t0.elapsed());
}

