//! podman (4.3) run by a user without a subuid range (the lab:
//! tests/harness/podman.rs) on the Debian image of
//! tests/fixtures/debian-rootfs: apt and adduser in builds, nginx dropping
//! to www-data in `run -d`, each through credshim-runtime against plain
//! runc and real root's podman.

mod harness;

use harness::fixture::{debian as fixture, DEMO_OWNERS, DEMO_STAT};
use harness::oci::{run, LIMIT};
use harness::podman::*;
use harness::{comm, free_port, wait_until};
use serde_json::json;
use std::os::unix::fs::PermissionsExt;
use std::process::Command;
use std::time::{Duration, Instant};

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

