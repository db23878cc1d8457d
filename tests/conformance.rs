//! Real privilege-dropping programs from Debian's packages: each command
//! line prints the same under credshim in a single-id namespace as it
//! prints as real root on the host (stdout and exit status).

mod harness;

use credprobe::runner::run_with_timeout;
use harness::hook::HookLab;
use harness::{command, free_port, host_bset, ns_owner, ns_wrapper, Scratch};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// (name, shell command line) from tests/conformance/cases.tsv. `$D` is a
/// scratch directory of the side's own (its files owned by the side's root);
/// `$PORT` a loopback port nothing listened on when the test began.
fn cases() -> Vec<(&'static str, &'static str)> {
    include_str!("conformance/cases.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once('\t'))
        .collect()
}

/// A side's scratch directory: a set-user-ID-root copy of id(1), owned by
/// `owner` (`UID:GID`: the host's root, or the account the namespace maps
/// to root).
fn side_dir(s: &Scratch, name: &str, owner: &str, tar: &Path) -> String {
    let host = owner == "0:0";
    let d = s.dir.join(name);
    std::fs::create_dir_all(&d).expect("dir");
    std::fs::set_permissions(&d, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    let f = d.join("id-suid");
    std::fs::copy("/usr/bin/id", &f).expect("copy id");
    let st = Command::new("chown").arg(owner).arg(&f).status().expect("chown");
    assert!(st.success());
    std::fs::set_permissions(&f, std::os::unix::fs::PermissionsExt::from_mode(0o4755)).expect("chmod u+s");
    // A container's rootfs belongs to its root: the namespace side gets an
    // /etc/shadow it can read, which the case bind-mounts (PAM's su reads it).
    if !host {
        std::fs::copy("/etc/shadow", d.join("shadow")).expect("shadow");
    }
    // nginx's config template and its page.
    let conf = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/nginx.conf.in");
    std::fs::copy(conf, d.join("nginx.conf.in")).expect("nginx.conf.in");
    std::fs::copy(tar, d.join("owners.tar")).expect("owners.tar");
    std::fs::copy(tar.with_file_name("demo.deb"), d.join("demo.deb")).expect("demo.deb");
    let apt = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/apt-update.sh");
    std::fs::copy(apt, d.join("apt-update.sh")).expect("apt-update.sh");
    for f in ["peercred.py", "peergroups.py", "seccomp-nnp.py"] {
        let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance").join(f);
        std::fs::copy(from, d.join(f)).expect(f);
    }
    std::fs::create_dir_all(d.join("www")).expect("www");
    std::fs::write(d.join("www/index.html"), "hello from nginx\n").expect("page");
    let st = Command::new("chown").arg("-R").arg(owner).arg(&d).status().expect("chown");
    assert!(st.success());
    if !host {
        std::fs::set_permissions(d.join("shadow"), std::os::unix::fs::PermissionsExt::from_mode(0o640)).expect("chmod");
    }
    for p in [d.join("www"), d.join("www/index.html"), d.join("nginx.conf.in"), d.join("apt-update.sh"), d.join("owners.tar"), d.join("demo.deb"), d.join("peercred.py"), d.join("peergroups.py"), d.join("seccomp-nnp.py")] {
        let mode = if p.is_dir() { 0o755 } else { 0o644 };
        std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(mode)).expect("chmod");
    }
    std::fs::set_permissions(&f, std::os::unix::fs::PermissionsExt::from_mode(0o4755)).expect("chmod u+s");
    d.to_string_lossy().into_owned()
}

/// An archive made as real root whose files belong to several owners.
fn owners_tar(s: &Scratch) -> std::path::PathBuf {
    let src = s.dir.join("owners-src");
    for (path, owner, mode) in [("t", "0:0", 0o755), ("t/www", "33:33", 0o750), ("t/www/index", "33:33", 0o640), ("t/pg", "100:102", 0o700), ("t/pg/data", "100:102", 0o600), ("t/mixed", "0:33", 0o664)] {
        let p = src.join(path);
        if mode & 0o100 != 0 && !path.ends_with("mixed") {
            std::fs::create_dir_all(&p).expect("mkdir");
        } else {
            std::fs::write(&p, path).expect("write");
        }
        assert!(Command::new("chown").arg(owner).arg(&p).status().expect("chown").success());
        std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(mode)).expect("chmod");
    }
    let tar = s.dir.join("owners.tar");
    let st = Command::new("tar").arg("-cf").arg(&tar).arg("-C").arg(&src).arg("t").status().expect("tar");
    assert!(st.success());
    tar
}

/// A package built as real root whose files belong to several owners
/// (dpkg-deb keeps the staging tree's owners), beside `owners.tar`.
fn demo_deb(s: &Scratch) {
    let src = s.dir.join("deb-src");
    std::fs::create_dir_all(src.join("DEBIAN")).expect("mkdir");
    let control = "Package: credshim-demo\nVersion: 1.0\nArchitecture: all\nMaintainer: credshim <dev@credshim.invalid>\nDescription: files of several owners\n";
    std::fs::write(src.join("DEBIAN/control"), control).expect("control");
    let files = [
        ("usr", "0:0", 0o755),
        ("usr/share", "0:0", 0o755),
        ("usr/share/demo", "0:0", 0o755),
        ("usr/share/demo/root-file", "0:0", 0o4755),
        ("usr/share/demo/www-file", "33:33", 0o640),
        ("usr/share/demo/odd-file", "1234:5678", 0o600),
        ("usr/share/demo/sub", "100:101", 0o750),
        ("usr/share/demo/sub/f", "100:101", 0o644),
    ];
    for (path, owner, mode) in files {
        let p = src.join(path);
        if path.contains("file") || path.ends_with("/f") {
            std::fs::write(&p, path).expect("write");
        } else {
            std::fs::create_dir_all(&p).expect("mkdir");
        }
        assert!(Command::new("chown").arg(owner).arg(&p).status().expect("chown").success());
        std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(mode)).expect("chmod");
    }
    let deb = s.dir.join("demo.deb");
    let out = Command::new("dpkg-deb").arg("--build").arg(&src).arg(&deb).output().expect("dpkg-deb");
    assert!(out.status.success(), "dpkg-deb: {out:?}");
}

#[test]
fn every_program_prints_what_it_prints_for_real_root() {
    let s = Scratch::new("conformance");
    let tar = owners_tar(&s);
    demo_deb(&s);
    let host_d = side_dir(&s, "host", "0:0", &tar);
    let ns_d = side_dir(&s, "ns", &ns_owner(), &tar);
    assert!(cases().len() >= 20, "the case list is read");
    let port = free_port().to_string();
    let mut failures = vec![];
    // The two channels of `credshim -- CMD` in a single-id namespace, and
    // the hook route: a rootless runc container whose seccomp listener
    // goes to `credshim oci hook` (tests/harness/hook.rs).
    // Its fallback channel, seccomp stops, as well.
    let hook = HookLab::new("conformance", host_bset(), Duration::from_secs(60));
    let stops = HookLab::new("conformance-stops", host_bset(), Duration::from_secs(60));
    let channels = [
        ("--intercept=notify", ns_wrapper(&s.credshim(), host_bset(), &[], &["--intercept=notify"])),
        ("--intercept=ptrace", ns_wrapper(&s.credshim(), host_bset(), &[], &["--intercept=ptrace"])),
        ("the hook route", hook.wrapper(&[])),
        ("the hook route through seccomp stops", stops.wrapper(&["--hook-channel=stops"])),
    ];
    for (ch, w) in channels {
        for (name, line) in cases() {
            let run = |prefix: &[String], d: &str| {
                let mut c = command(prefix, &["sh", "-c", line]);
                c.env("D", d).env("PORT", &port).current_dir("/");
                let (st, out) = run_with_timeout(c, Duration::from_secs(60)).expect("finishes");
                (st.code(), out)
            };
            let want = run(&[], &host_d);
            // A case that fails as real root would prove nothing.
            assert_eq!(want.0, Some(0), "{name} fails as real root: {want:?}");
            if name.starts_with("apt-get") {
                assert!(want.1.contains("Packages [") && want.1.contains("Candidate: 1.0"), "{want:?}");
            }
            if name.starts_with("PostgreSQL") {
                assert!(want.1.starts_with("1\npostgres:postgres 700\n"), "{want:?}");
            }
            if name.starts_with("SO_PEERCRED") {
                assert_eq!(want.1, "True 33 44 8 33\n", "{want:?}");
            }
            if name.starts_with("SO_PEERGROUPS") {
                assert_eq!(want.1, "[4, 27, 65534]\nERANGE\n", "{want:?}");
            }
            if name.starts_with("a dropped") {
                assert!(want.1.contains("EPERM") || want.1.contains("Operation not permitted") || want.1.contains("Permission denied") || want.1.contains("status=1") || want.1.contains("status=125"), "{name}: {want:?}");
            }
            if name.starts_with("dpkg") {
                assert!(want.1.contains("1234:5678 600 root/usr/share/demo/odd-file"), "{want:?}");
            }
            if name.starts_with("chown on a read-only mount") {
                assert!(want.1.contains("Read-only file system") && want.1.ends_with("1\n0:0\n"), "{want:?}");
            }
            if name.starts_with("nginx") {
                assert!(want.1.contains("hello from nginx") && want.1.contains("failures in error.log: 0"), "{want:?}");
            }
            let got = run(&w, &ns_d);
            if got != want {
                failures.push(format!("{name} ({ch}):\n  real root: {want:?}\n  credshim:  {got:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{} case(s) differ:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(hook.assert_listener(), cases().len(), "one container per case on the hook route");
    assert_eq!(stops.assert_channel("stops"), cases().len(), "one container per case on the hook route through stops");
}
