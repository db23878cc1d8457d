//! Containers whose process runs as a non-root user (issue 15), by podman
//! and buildah of a user without a subuid range (the lab:
//! tests/harness/podman.rs): `run --user`, an image built with `USER`,
//! `exec --user`, `buildah run --user`, and the capability sets of such a
//! process. Plain runc fails before the payload starts ("unable to setup
//! user"); through credshim-runtime each prints what podman run by real
//! root prints for the same image and flags.

mod harness;

use harness::oci::{run, Out, LIMIT};
use harness::podman::*;
use std::process::Command;

/// The lab's busybox image `bb` (www is 100:101, also in staff 50) with
/// capsh and its libraries added, as `bbcap` for the account and for real
/// root.
fn with_capsh(lab: &PodLab) {
    let root = lab.dir.join("rootfs");
    let capsh = ["/usr/sbin/capsh", "/sbin/capsh"].into_iter().find(|p| std::path::Path::new(p).exists()).expect("capsh (libcap2-bin)");
    let ldd = sh(Command::new("ldd").arg(capsh));
    let libs = ldd.lines().filter_map(|l| l.split_whitespace().find(|w| w.starts_with('/'))).map(String::from);
    for f in std::iter::once(capsh.to_string()).chain(libs) {
        let to = root.join(f.trim_start_matches('/'));
        std::fs::create_dir_all(to.parent().expect("a parent")).expect("mkdir");
        std::fs::copy(&f, &to).unwrap_or_else(|e| panic!("copy {f}: {e}"));
    }
    let tar = lab.dir.join("bbcap.tar");
    sh(Command::new("tar").arg("-C").arg(&root).arg("-cf").arg(&tar).args(["--numeric-owner", "."]));
    std::fs::set_permissions(&tar, std::os::unix::fs::PermissionsExt::from_mode(0o644)).expect("chmod");
    for mut import in [lab.podman(&["import"]), lab.root_podman(&["import"])] {
        import.arg(&tar).arg("bbcap");
        lab.ok(import, "podman import bbcap");
    }
}

/// `podman run --rm --network=none FLAGS bbcap CMD…` through `runtime`
/// as the account, and the same run by real root (runc, ROOT_LIMITS).
fn both(lab: &PodLab, runtime: &str, flags: &[&str], cmd: &[&str]) -> (Out, Out) {
    let mut args = vec!["run", "--rm", "--network=none"];
    args.extend(flags);
    args.push("bbcap");
    args.extend(cmd);
    let mine = run(lab.with(runtime, &args));
    let mut root = vec!["--runtime", "runc"];
    root.extend(&args[..3]);
    root.extend(ROOT_LIMITS);
    root.extend(&args[3..]);
    let theirs = run(lab.root_podman(&root));
    assert!(theirs.ok, "real root's podman {flags:?} {cmd:?} failed ({:?}): {}", theirs.code, theirs.stderr);
    (mine, theirs)
}

/// Real root's `id` output less the image's supplementary groups that
/// rootless podman itself dropped before the runtime saw the config
/// (libpod's generateSpec: "Additional gid=N is not present in the user
/// namespace, skip setting it"): nothing after podman can bring them back.
/// Groups that `flags` add (--group-add N) are not dropped.
fn without_dropped(reference: &str, podman_stderr: &str, flags: &[&str]) -> String {
    let added: Vec<&str> = flags.windows(2).filter(|w| w[0] == "--group-add").map(|w| w[1]).collect();
    let dropped: Vec<String> = podman_stderr
        .lines()
        .filter_map(|l| l.split("Additional gid=").nth(1)?.split(' ').next().map(String::from))
        .filter(|g| !added.contains(&g.as_str()))
        .collect();
    // id's "… groups=LIST" and capsh's "groups=LIST" lines.
    reference
        .lines()
        .map(|l| match l.find("groups=").filter(|&at| at == 0 || l.starts_with("uid=")) {
            Some(at) => {
                let kept: Vec<&str> = l[at + 7..].split(',').filter(|g| !dropped.iter().any(|d| g.split('(').next() == Some(d.as_str()))).collect();
                format!("{}groups={}\n", &l[..at], kept.join(","))
            }
            None => format!("{l}\n"),
        })
        .collect()
}

#[test]
fn run_as_a_user_the_namespace_lacks_prints_what_real_root_prints() {
    let lab = PodLab::new("user");
    with_capsh(&lab);
    let w = lab.wrapper_s();
    let cases: &[(&[&str], &[&str])] = &[
        (&["--user", "100", "--group-add", "50"], &["id"]),
        (&["--user", "www"], &["id"]),
        (&["--user", "100:101"], &["id"]),
        (&["--user", "33"], &["id"]),
        (&["--user", "33:44", "--group-add", "27"], &["sh", "-c", "id; umask; touch /tmp/f; stat -c '%u:%g %a' /tmp/f"]),
        (&["--user", "100"], &["capsh", "--print"]),
        (&["--user", "100", "--cap-add", "net_bind_service"], &["capsh", "--print"]),
        (&["--user", "100", "--cap-add", "net_bind_service,chown"], &["sh", "-c", "capsh --print; capsh --has-p=cap_chown && echo has chown"]),
    ];
    for (flags, cmd) in cases {
        let (plain, _) = both(&lab, "runc", flags, cmd);
        assert!(!plain.ok, "{flags:?}: plain runc ran the payload: {}", plain.stdout);
        if flags[1] != "www" && !flags[1].starts_with("100") || flags.len() > 2 {
            assert!(plain.stderr.contains("unable to setup user"), "{flags:?}: plain runc: {}", plain.stderr);
        }
        let (mine, theirs) = both(&lab, &w, flags, cmd);
        assert!(mine.ok, "{flags:?} {cmd:?} through the wrapper failed ({:?}): {}", mine.code, mine.stderr);
        eprintln!("{flags:?} {cmd:?}:\n{}", theirs.stdout);
        assert_eq!(mine.stdout, without_dropped(&theirs.stdout, &mine.stderr, flags), "{flags:?} {cmd:?}: through the wrapper vs real root's podman");
    }
    lab.settled("the runs as users", &[]);
}

#[test]
fn a_name_the_image_lacks_fails_as_with_real_root() {
    let lab = PodLab::new("nouser");
    let mut args = vec!["run", "--rm", "--network=none", "--user", "nosuchuser", "bb", "id"];
    let mine = run(lab.with(&lab.wrapper_s(), &args));
    args.splice(3..3, ROOT_LIMITS.iter().copied());
    let mut root = vec!["--runtime", "runc"];
    root.extend(args);
    let mut import = lab.root_podman(&["import"]);
    import.arg(lab.tar()).arg("bb");
    lab.ok(import, "podman import (as root)");
    let theirs = run(lab.root_podman(&root));
    assert!(!mine.ok && !theirs.ok, "a missing user ran: {} / {}", mine.stdout, theirs.stdout);
    let line = |o: &Out| o.stderr.lines().find(|l| l.contains("nosuchuser")).map(str::to_string);
    assert!(line(&theirs).is_some_and(|l| l.contains("no matching entries in passwd file")), "real root: {}", theirs.stderr);
    assert_eq!(line(&mine), line(&theirs), "the wrapper's message vs real root's");
    assert_eq!(mine.code, theirs.code);
    lab.settled("the missing user", &[]);
}

#[test]
fn exec_user_matches_real_root() {
    let lab = PodLab::new("execuser");
    with_capsh(&lab);
    let start = |c: Command, who: &str| {
        let o = run(c);
        assert!(o.ok, "{who}: run -d failed ({:?}): {}", o.code, o.stderr);
    };
    start(lab.with(&lab.wrapper_s(), &["run", "-d", "--name", "x", "--network=none", "--user", "100", "bbcap", "sleep", "1000"]), "the wrapper");
    let mut root = vec!["--runtime", "runc", "run", "-d", "--name", "x", "--network=none"];
    root.extend(ROOT_LIMITS);
    root.extend(["--user", "100", "bbcap", "sleep", "1000"]);
    start(lab.root_podman(&root), "real root");
    for flags in [&["--user", "33"][..], &["--user", "100:50"], &[], &["--user", "0"]] {
        let mut args = vec!["exec"];
        args.extend(flags);
        args.extend(["x", "sh", "-c", "id; capsh --print | grep -E '^(Current|Ambient)'"]);
        let mine = run(lab.podman(&args));
        let theirs = run(lab.root_podman(&args));
        assert!(theirs.ok, "real root's exec {flags:?}: {}", theirs.stderr);
        assert!(mine.ok, "exec {flags:?} through the wrapper failed ({:?}): {}", mine.code, mine.stderr);
        assert_eq!(mine.stdout, theirs.stdout, "exec {flags:?}");
    }
    lab.ok(lab.podman(&["rm", "-f", "-t", "0", "x"]), "rm");
    lab.ok(lab.root_podman(&["rm", "-f", "-t", "0", "x"]), "root's rm");
    lab.settled("exec --user", &[]);
}

const USER_BUILD: &str = "FROM bb\nUSER www\nRUN id; touch /tmp/f; stat -c %u:%g /tmp/f\nRUN stat -c %u:%g /tmp/f\n";

/// The output lines of the RUN steps that are ids or owners.
fn run_lines(stdout: &str) -> Vec<String> {
    stdout.lines().filter(|l| l.starts_with("uid=") || l.split(':').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))).map(String::from).collect()
}

#[test]
fn a_containerfile_user_builds_as_with_real_root() {
    let lab = PodLab::new("userbuild");
    std::fs::write(lab.dir.join("ctx/Containerfile"), USER_BUILD).expect("Containerfile");
    let ctx = lab.path("ctx");
    let mut import = lab.root_podman(&["import"]);
    import.arg(lab.tar()).arg("bb");
    lab.ok(import, "podman import (as root)");
    let mut root = vec!["--runtime", "runc", "build", "--network=none"];
    root.extend(ROOT_LIMITS);
    root.extend(["-t", "ref", &ctx]);
    let want = lab.ok(lab.root_podman(&root), "real root's build");
    assert_eq!(run_lines(&want.stdout), ["uid=100(www) gid=101(www) groups=50(staff),101(www)", "100:101", "100:101"], "{}", want.stdout);

    let o = run(lab.with("runc", &["build", "--network=none", "-t", "plain", &ctx]));
    assert!(!o.ok && o.stderr.contains("unable to setup user"), "plain runc: {}{}", o.stdout, o.stderr);
    let o = lab.ok(lab.with(&lab.wrapper_s(), &["build", "--network=none", "-t", "shimmed", &ctx]), "the build through the wrapper");
    assert_eq!(run_lines(&o.stdout), run_lines(&want.stdout), "the RUN steps through the wrapper");
    // The image: /tmp/f is www's, and the image's user is www.
    let img = |c: Command| lab.ok(c, "run the built image");
    let mine = img(lab.with(&lab.wrapper_s(), &["run", "--rm", "--network=none", "shimmed", "sh", "-c", "id; stat -c %u:%g /tmp/f"]));
    let mut args = vec!["--runtime", "runc", "run", "--rm", "--network=none"];
    args.extend(ROOT_LIMITS);
    args.extend(["ref", "sh", "-c", "id; stat -c %u:%g /tmp/f"]);
    assert_eq!(mine.stdout, without_dropped(&img(lab.root_podman(&args)).stdout, &mine.stderr, &[]), "the built image, run");

    // buildah: bud of the same Containerfile, and run --user.
    let bud = |runtime: &str, tag: &str| run(buildah(&lab, &["bud", "--runtime", runtime, "--network=none", "-t", tag, &ctx]));
    let o = bud("runc", "bplain");
    assert!(!o.ok && o.stderr.contains("unable to setup user"), "buildah with plain runc: {}", o.stderr);
    let o = bud(&lab.wrapper_s(), "bshimmed");
    assert!(o.ok, "buildah bud through the wrapper ({:?}): {}", o.code, o.stderr);
    assert_eq!(run_lines(&o.stdout), run_lines(&want.stdout), "buildah's RUN steps through the wrapper");
    let root_buildah = |args: &[&str]| {
        let mut c = Command::new("buildah");
        c.env_clear().env("PATH", PATH).env("HOME", lab.path("rtmp"));
        c.args(["--root", &lab.path("rstore"), "--runroot", &lab.path("rrun"), "--storage-driver", "vfs"]).args(args);
        c
    };
    lab.ok(buildah(&lab, &["from", "--name", "work", "bb"]), "buildah from");
    lab.ok(root_buildah(&["from", "--name", "work", "bb"]), "real root's buildah from");
    let w = lab.wrapper_s();
    for user in ["100", "33:44", "www"] {
        let o = run(buildah(&lab, &["run", "--runtime", "runc", "--network=none", "--user", user, "work", "--", "id"]));
        assert!(!o.ok, "buildah run --user {user} with plain runc ran");
        let o = lab.ok(buildah(&lab, &["run", "--runtime", &w, "--network=none", "--user", user, "work", "--", "id"]), "buildah run --user");
        let args = ["run", "--runtime", "runc", "--network=none", "--user", user, "work", "--", "id"];
        let want = lab.ok(root_buildah(&args), "real root's buildah run --user");
        assert_eq!(o.stdout, want.stdout, "buildah run --user {user}");
    }
    lab.ok(buildah(&lab, &["rm", "work"]), "buildah rm");
    lab.ok(root_buildah(&["rm", "work"]), "real root's buildah rm");
    lab.settled("the USER build", &[]);
}

/// podman's hooks-dir route (contrib/oci-hooks.d, the profile of `credshim
/// oci seccomp-profile`): runc's own setgid/setuid/capset reach the hook's
/// tracer (podman sets no noNewPrivileges, so runc installs the filter
/// before it sets the user) and are emulated; the groups runc skips in the
/// namespace come from the config. Nothing of credshim is in the container.
#[test]
fn the_hooks_dir_route_starts_a_user_as_real_root_does() {
    let lab = PodLab::new("userhook");
    with_capsh(&lab);
    let (hooks, profile, log) = hooks_dir(&lab);
    let hooks_s = hooks.to_string_lossy().into_owned();
    let profile_opt = format!("seccomp={}", profile.display());
    let cmd = ["sh", "-c", "id; touch /tmp/f; stat -c '%u:%g' /tmp/f; capsh --print | grep -E '^(Current|Ambient)'"];
    for flags in [&[][..], &["--user", "100", "--group-add", "50"], &["--user", "33:44"], &["--user", "100", "--cap-add", "net_bind_service"]] {
        let mut with_hook = vec!["--hooks-dir", hooks_s.as_str(), "--annotation", "io.credshim=true", "--security-opt", profile_opt.as_str()];
        with_hook.extend(flags);
        let mut args = vec!["run", "--rm", "--network=none"];
        args.extend(with_hook);
        args.push("bbcap");
        args.extend(cmd);
        let mine = run(lab.with("runc", &args));
        assert!(mine.ok, "the hooks-dir route with {flags:?} failed ({:?}): {}", mine.code, mine.stderr);
        let (_, theirs) = both(&lab, "runc", flags, &cmd);
        assert_eq!(mine.stdout, without_dropped(&theirs.stdout, &mine.stderr, flags), "the hooks-dir route with {flags:?} vs real root");
    }
    let text = std::fs::read_to_string(&log).expect("the hook's log");
    assert!(text.contains("setuid(100) = 0") && text.contains("setgid(101) = 0"), "runc's own calls were emulated: {text}");
    assert!(harness::wait_until(LIMIT, || lab.strays().is_empty()), "left behind: {:?}", lab.strays());
    lab.settled("the hooks-dir runs as users", &[]);
}
