//! podman (4.3) and buildah run by a user without a subuid range (the
//! lab: tests/harness/podman.rs), on a busybox image: su fails with plain
//! runc and, with credshim-runtime as podman's runtime (by path, by the
//! name that contrib/podman/containers.conf registers, and as the
//! account's default), prints what it prints when podman is run by real
//! root. Also: a container's lifecycle through the wrapper checked by pid
//! and by podman's state, the wrapper's errors as podman shows them,
//! podman build's RUN (owners kept into the image), buildah's bud and run,
//! and the hooks-dir route.

mod harness;

use harness::oci::{run, which, Out, LIMIT};
use harness::podman::*;
use harness::{comm, wait_until};
use serde_json::json;
use std::os::unix::fs::PermissionsExt;
use std::process::Command;
use std::time::{Duration, Instant};

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
    // The shipped hook, and podman's own default profile with the shim
    // table's trace rules.
    let (hooks, profile, log) = hooks_dir(&lab);
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

