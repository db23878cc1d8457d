//! Issue 6's acceptance tests: rootless runc containers on a Debian
//! bookworm rootfs (tests/fixtures/debian-rootfs), in each of the three
//! ways credshim runs them: `oci inject` (the static binary bind-mounted
//! and wrapping the payload), the runtime wrapper `credshim-runtime`, and
//! `oci inject --mode hook` (nothing inside; a createRuntime hook attaches
//! from outside).
//!
//! - apt: `apt-get update && apt-get install credshim-demo` (apt's `_apt`
//!   sandbox: setgroups, seteuid; dpkg's chown to several owners) and a
//!   `stat` of the package's files must print what the same rootfs prints
//!   run by real root without a user namespace; plain rootless runc fails.
//! - nginx: `user www-data; worker_processes 2;` in the foreground must
//!   serve a page on 127.0.0.1 (the rootless spec has no network
//!   namespace), with each worker's setgid(33)/setgroups/setuid(33)
//!   emulated and nothing failed in its error log; plain rootless runc
//!   cannot start it. The container is stopped with `runc kill`/`delete`
//!   and no process of it may be left.

mod harness;

use harness::fixture::{debian as fixture, DEMO_OWNERS, DEMO_STAT};
use harness::oci::{edit, id, inject, inject_hook, run, sh, Lab, LIMIT};
use harness::{free_port, ns_gid, ns_uid, state, wait_until, Guard};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// What the three ways of running under credshim are.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Way {
    /// `credshim oci inject BUNDLE`, then plain runc.
    Inject,
    /// `credshim-runtime` in place of runc (it injects at `run`).
    Wrapper,
    /// `credshim oci inject --mode hook BUNDLE`, then plain runc.
    Hook,
}


/// Where the labs go: /dev/shm when it is a tmpfs that allows exec (a
/// rootfs unpacks there in 0.2 s; on this machine's ext4 disk it took from
/// 0.5 to 6 s, all of it in the kernel, the more the more runs had written
/// and removed), else the temporary directory. CREDSHIM_TEST_LABS names
/// another place.
fn lab_base() -> PathBuf {
    if let Some(d) = std::env::var_os("CREDSHIM_TEST_LABS") {
        return PathBuf::from(d);
    }
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    let shm_ok = mountinfo.lines().any(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        f.len() > 8 && f[4] == "/dev/shm" && !f[5].split(',').any(|o| o == "noexec") && l.contains(" - tmpfs ")
    });
    if shm_ok {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    }
}

/// A lab whose rootfs is the Debian fixture with the repository at
/// /srv/repo: unpacked by the account (so everything in it belongs to root of
/// a rootless container) or, for the reference, by real root with the
/// image's owners.
fn debian_lab(tag: &str, rootless: bool) -> Lab {
    let f = fixture();
    let lab = Lab::empty_in(&lab_base(), tag);
    let root = lab.rootfs();
    let t0 = Instant::now();
    if rootless {
        sh(lab.as_user("tar").arg("--no-same-owner").arg("-xpf").arg(&f.tar).arg("-C").arg(&root));
        sh(lab.as_user("cp").arg("-R").arg(f.repo.join(".")).arg(root.join("srv/repo")));
    } else {
        sh(Command::new("tar").arg("--numeric-owner").arg("--same-owner").arg("-xpf").arg(&f.tar).arg("-C").arg(&root));
        sh(Command::new("cp").arg("-R").arg(f.repo.join(".")).arg(root.join("srv/repo")));
    }
    eprintln!("{tag}: rootfs unpacked in {:?}", t0.elapsed());
    lab
}

/// Writes `text` at `rel` in the rootfs, owned by the account (root inside).
fn put(lab: &Lab, rel: &str, text: &str) {
    let p = lab.rootfs().join(rel);
    let dir = p.parent().expect("a parent");
    if !dir.exists() {
        std::fs::create_dir_all(dir).expect("mkdir");
        std::os::unix::fs::chown(dir, Some(ns_uid()), Some(ns_gid())).expect("chown dir");
    }
    std::fs::write(&p, text).unwrap_or_else(|e| panic!("write {}: {e}", p.display()));
    std::os::unix::fs::chown(&p, Some(ns_uid()), Some(ns_gid())).expect("chown");
}

/// A bundle of the lab's Debian rootfs: `runc spec` (rootless or not) with
/// Docker's capabilities (Lab::bundle), a writable rootfs, and `env`
/// added to the process's environment.
fn debian_bundle(lab: &Lab, name: &str, rootless: bool, args: &[&str], env: &[&str]) -> PathBuf {
    let b = lab.bundle(name, rootless, args);
    edit(&b.join("config.json"), |c| {
        c["root"]["readonly"] = json!(false);
        let e = c["process"]["env"].as_array_mut().expect("process.env");
        e.extend(env.iter().map(|v| json!(v)));
    });
    b
}

/// Makes `bundle` run under credshim in `way`; returns the program to run
/// it with (runc or the wrapper) and, for the hook, its log file (in a
/// directory the account owns).
fn prepare(lab: &Lab, bundle: &Path, way: Way) -> (PathBuf, Option<PathBuf>) {
    match way {
        Way::Inject => {
            let o = inject(lab, bundle, &[]);
            assert!(o.ok, "oci inject failed: {}", o.stderr);
            (PathBuf::from("runc"), None)
        }
        Way::Wrapper => (lab.wrapper(), None),
        Way::Hook => {
            let log = lab.dir.join("xdg/hook.log");
            inject_hook(lab, bundle, &log);
            let c: Value = serde_json::from_slice(&std::fs::read(bundle.join("config.json")).expect("read")).expect("json");
            assert_ne!(c["process"]["args"][0], "/.credshim/credshim", "the hook mode puts nothing inside");
            (PathBuf::from("runc"), Some(log))
        }
    }
}

/// The pids of processes whose command line names the lab's directory:
/// the runtime (its --root and bundle), the wrapper, the hook's tracer
/// (the lab's credshim by its absolute path).
fn lab_processes(lab: &Lab) -> Vec<u32> {
    let needle = lab.dir.to_string_lossy().into_owned();
    let me = std::process::id();
    std::fs::read_dir("/proc")
        .expect("/proc")
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&p| p != me && state(p).is_some_and(|s| s != 'Z'))
        .filter(|p| {
            std::fs::read(format!("/proc/{p}/cmdline"))
                .map(|c| String::from_utf8_lossy(&c).contains(&needle))
                .unwrap_or(false)
        })
        .collect()
}

/// The parent's pid (/proc/PID/stat's 4th field).
fn parent(pid: u32) -> Option<u32> {
    let st = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    st.rsplit_once(") ")?.1.split_whitespace().nth(1)?.parse().ok()
}

/// An nginx worker: an nginx whose parent is the nginx master.
fn is_worker(pid: u32, procs: &[u32]) -> bool {
    harness::comm(pid) == "nginx" && parent(pid).is_some_and(|pp| procs.contains(&pp) && harness::comm(pp) == "nginx")
}

/// The pid in the innermost pid namespace (NSpid's last field).
fn ns_pid(pid: u32) -> u32 {
    let st = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    st.lines()
        .find_map(|l| l.strip_prefix("NSpid:"))
        .and_then(|v| v.split_whitespace().last()?.parse().ok())
        .unwrap_or_else(|| panic!("no NSpid for {pid}"))
}

fn alive(pid: u32) -> bool {
    state(pid).is_some_and(|s| s != 'Z')
}

/// Waits for the lab's processes (the hook's tracer above all) to end.
fn assert_lab_processes_end(lab: &Lab, what: &str) {
    let mut left = vec![];
    let ok = wait_until(LIMIT, || {
        left = lab_processes(lab);
        left.is_empty()
    });
    let shown: Vec<String> = left.iter().map(|&p| format!("{p} ({})", harness::comm(p))).collect();
    for &p in &left {
        harness::kill(p, libc::SIGKILL);
    }
    assert!(ok, "{what}: processes left: {shown:?}");
}

/// Deletes the container and kills, by pid, whatever of it and of the
/// lab is still there when a test ends (also when it fails).
struct Reaper<'a> {
    lab: &'a Lab,
    id: String,
    pids: Vec<u32>,
}

impl Drop for Reaper<'_> {
    fn drop(&mut self) {
        let mut c = self.lab.as_user("runc");
        c.args(["--root", &self.lab.state(), "delete", "--force", &self.id]);
        let _ = c.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).status();
        for &p in self.pids.iter().chain(lab_processes(self.lab).iter()) {
            if alive(p) {
                harness::kill(p, libc::SIGKILL);
            }
        }
    }
}

// ---- apt ------------------------------------------------------------------

/// The payload of the apt tests: install the fixture's package, then
/// show its owners.
fn apt() -> String {
    format!("apt-get update && apt-get install -y credshim-demo && {DEMO_STAT}")
}

/// The `stat` lines of an apt run's output.
fn stat_lines(stdout: &str) -> String {
    stdout.lines().filter(|l| l.contains(" /usr/share/credshim-demo/")).map(|l| format!("{l}\n")).collect()
}

/// The reference, run once for all the apt tests: the fixture unpacked by
/// real root with its owners, a non-rootless `runc spec` (no user
/// namespace), run by real root. Its `stat` lines.
fn apt_reference() -> &'static str {
    static R: OnceLock<String> = OnceLock::new();
    R.get_or_init(|| {
        let t0 = Instant::now();
        let lab = debian_lab("apt-ref", false);
        let b = debian_bundle(&lab, "ref", false, &["sh", "-c", &apt()], &[]);
        let mut c = Command::new("runc");
        c.args(["--root", &format!("{}/root-state", lab.dir.display()), "run", "-b"]).arg(&b).arg(id("apt-ref"));
        let o = run(c);
        assert!(o.ok, "the apt reference run by real root failed ({:?}):\n{}\n{}", o.code, o.stdout, o.stderr);
        let got = stat_lines(&o.stdout);
        assert_eq!(got, DEMO_OWNERS, "the reference's stat lines:\n{}", o.stdout);
        eprintln!("apt reference (real root, no user namespace) in {:?}:\n{got}", t0.elapsed());
        got
    })
}

fn apt_under(way: Way) {
    let want = apt_reference();
    let t0 = Instant::now();
    let tag = format!("apt-{way:?}").to_lowercase();
    let lab = debian_lab(&tag, true);
    let b = debian_bundle(&lab, "b", true, &["sh", "-c", &apt()], &[]);
    let (program, log) = prepare(&lab, &b, way);
    let _reaper = Reaper { lab: &lab, id: id(&tag), pids: vec![] };
    let mut c = lab.as_user(&program);
    c.args(["--root", &lab.state(), "run", "-b"]).arg(&b).arg(id(&tag));
    let o = run(c);
    eprintln!("{way:?}: apt in {:?}; stdout:\n{}stderr:\n{}", t0.elapsed(), o.stdout, o.stderr);
    assert!(o.ok, "apt under credshim ({way:?}) failed ({:?}):\n{}\n{}", o.code, o.stdout, o.stderr);
    for word in ["setgroups", "seteuid", "setegid"] {
        assert!(!o.stdout.contains(word) && !o.stderr.contains(word), "{way:?}: {word} in apt's output:\n{}\n{}", o.stdout, o.stderr);
    }
    assert!(o.stdout.contains("Setting up credshim-demo (1.0)"), "{way:?}: not installed:\n{}", o.stdout);
    assert_eq!(stat_lines(&o.stdout), want, "{way:?}: the stat lines differ from the reference's");
    if way != Way::Hook {
        let c: Value = serde_json::from_slice(&std::fs::read(b.join("config.json")).expect("read")).expect("json");
        assert_eq!(c["process"]["args"][0], "/.credshim/credshim", "{way:?}: injected");
    }
    if let Some(log) = log {
        let log = std::fs::read_to_string(&log).expect("the hook's log");
        assert!(log.contains("attached to the container's init"), "{log}");
        let shown: Vec<&str> = log.lines().filter(|l| l.contains("setgroups(") || l.contains("setresuid(") || l.contains("seteuid(")).collect();
        eprintln!("hook log (credential calls of apt):\n{}", shown.join("\n"));
        assert!(log.contains("setgroups("), "the hook traced apt's setgroups: {log}");
    }
    assert_lab_processes_end(&lab, &format!("apt {way:?}"));
}

#[test]
fn apt_fails_in_rootless_runc_without_credshim() {
    apt_reference();
    let lab = debian_lab("apt-plain", true);
    let b = debian_bundle(&lab, "b", true, &["sh", "-c", &apt()], &[]);
    let _reaper = Reaper { lab: &lab, id: id("apt-plain"), pids: vec![] };
    let mut c = lab.as_user("runc");
    c.args(["--root", &lab.state(), "run", "-b"]).arg(&b).arg(id("apt-plain"));
    let o = run(c);
    eprintln!("plain rootless runc: apt: {:?}\nstdout:\n{}stderr:\n{}", o.code, o.stdout, o.stderr);
    assert!(!o.ok, "apt worked in a rootless container without credshim:\n{}", o.stdout);
    assert!(o.stderr.contains("setgroups 65534 failed"), "no setgroups error:\n{}", o.stderr);
    assert!(o.stderr.contains("seteuid 42 failed"), "no seteuid error:\n{}", o.stderr);
    assert!(stat_lines(&o.stdout).is_empty(), "the payload went on to stat: {}", o.stdout);
}

#[test]
fn apt_with_oci_inject_matches_the_reference() {
    apt_under(Way::Inject);
}

#[test]
fn apt_through_the_runtime_wrapper_matches_the_reference() {
    apt_under(Way::Wrapper);
}

#[test]
fn apt_with_the_hook_matches_the_reference() {
    apt_under(Way::Hook);
}

// ---- nginx ----------------------------------------------------------------

const PAGE: &str = "credshim serves this from a rootless container\n";
const ERROR_LOG: &str = "var/log/nginx/credshim-test-error.log";

/// The lab's rootfs with an nginx config that drops to www-data in two
/// workers, and a page to serve. Returns the port.
fn nginx_rootfs(lab: &Lab) -> u16 {
    let port = free_port();
    put(
        lab,
        "etc/nginx/credshim-test.conf",
        &format!(
            "user www-data;\n\
             worker_processes 2;\n\
             pid /run/credshim-test-nginx.pid;\n\
             error_log /{ERROR_LOG} notice;\n\
             events {{ worker_connections 64; }}\n\
             http {{\n\
             \x20   include /etc/nginx/mime.types;\n\
             \x20   access_log /var/log/nginx/credshim-test-access.log;\n\
             \x20   server {{\n\
             \x20       listen 127.0.0.1:{port};\n\
             \x20       root /srv/www;\n\
             \x20   }}\n\
             }}\n"
        ),
    );
    put(lab, "srv/www/index.html", PAGE);
    port
}

const NGINX: &[&str] = &["nginx", "-c", "/etc/nginx/credshim-test.conf", "-g", "daemon off;"];

/// `runc run` (or the wrapper) in the background with its output in files
/// of the lab.
fn spawn_run(lab: &Lab, program: &Path, bundle: &Path, name: &str) -> (Guard, PathBuf, PathBuf) {
    let out = lab.dir.join(format!("{name}.out"));
    let err = lab.dir.join(format!("{name}.err"));
    let mut c = lab.as_user(program);
    c.args(["--root", &lab.state(), "run", "-b"]).arg(bundle).arg(id(name));
    c.stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).expect("out file"))
        .stderr(std::fs::File::create(&err).expect("err file"));
    (Guard(c.spawn().expect("spawns")), out, err)
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_default()
}

fn curl(port: u16) -> Option<String> {
    let o = Command::new("curl")
        .args(["-sf", "--max-time", "5", &format!("http://127.0.0.1:{port}/")])
        .stdin(Stdio::null())
        .output()
        .expect("curl runs (bash .ci/setup installs it)");
    o.status.success().then(|| String::from_utf8_lossy(&o.stdout).into_owned())
}

fn listening(port: u16) -> bool {
    std::net::TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(200)).is_ok()
}

/// The runtime's view of the container (None once it is deleted).
fn container_state(lab: &Lab, name: &str) -> Option<Value> {
    let mut c = lab.as_user("runc");
    c.args(["--root", &lab.state(), "state", &id(name)]);
    let o = run(c);
    o.ok.then(|| serde_json::from_str(&o.stdout).expect("state is JSON"))
}

fn nginx_under(way: Way) {
    let t0 = Instant::now();
    let tag = format!("nginx-{way:?}").to_lowercase();
    let lab = debian_lab(&tag, true);
    let port = nginx_rootfs(&lab);
    // Inside, credshim logs each emulated call to the container's stderr.
    let env: &[&str] = if way == Way::Hook { &[] } else { &["CREDSHIM_LOG=debug"] };
    let b = debian_bundle(&lab, "b", true, NGINX, env);
    let (program, hook_log) = prepare(&lab, &b, way);
    let mut reaper = Reaper { lab: &lab, id: id(&tag), pids: vec![] };
    let (mut g, _out, err) = spawn_run(&lab, &program, &b, &tag);

    let up = wait_until(LIMIT, || listening(port) || g.0.try_wait().ok().flatten().is_some());
    let exited = g.0.try_wait().ok().flatten();
    assert!(up && exited.is_none(), "{way:?}: nginx is not listening on {port} (runtime: {exited:?}):\n{}\n{}", read(&err), read(&lab.rootfs().join(ERROR_LOG)));
    let page = curl(port);
    assert_eq!(page.as_deref(), Some(PAGE), "{way:?}: the page");

    // The container's processes: init (credshim for inject and the
    // wrapper, nginx's master for the hook), the master, two workers.
    let st = container_state(&lab, &tag).expect("the container's state");
    assert_eq!(st["status"], "running");
    let init = st["pid"].as_u64().expect("a pid") as u32;
    reaper.pids.push(init);
    let mut procs = vec![];
    assert!(
        wait_until(LIMIT, || {
            procs = std::iter::once(init).chain(harness::descendants(init)).collect();
            procs.iter().filter(|&&p| harness::comm(p) == "nginx").count() >= 3
        }),
        "{way:?}: not a master and two workers: {:?}",
        procs.iter().map(|&p| (p, harness::comm(p))).collect::<Vec<_>>()
    );
    reaper.pids.extend(procs.iter().copied());
    let shown: Vec<(u32, String)> = procs.iter().map(|&p| (p, harness::comm(p))).collect();

    // The emulated drop, once per worker.
    let log_path = hook_log.clone().unwrap_or_else(|| err.clone());
    let count = |s: &str, what: &str| s.lines().filter(|l| l.contains(what)).count();
    let mut log = String::new();
    let dropped = wait_until(LIMIT, || {
        log = read(&log_path);
        count(&log, "setuid(33) = 0") >= 2
    });
    let creds: Vec<&str> = log
        .lines()
        .filter(|l| ["setgid(", "setgroups(", "setuid(", "initgroups", "chown("].iter().any(|w| l.contains(w)))
        .collect();
    eprintln!("{way:?}: processes {shown:?}; page {page:?}; credshim's log ({}):\n{}", log_path.display(), creds.join("\n"));
    assert!(dropped, "{way:?}: no setuid(33) = 0 for each worker in {}:\n{log}", log_path.display());
    assert_eq!(count(&log, "setgid(33) = 0"), 2, "{way:?}: setgid(33) per worker:\n{log}");
    assert_eq!(count(&log, "setgroups("), 2, "{way:?}: setgroups per worker:\n{log}");
    assert_eq!(count(&log, "setuid(33) = 0"), 2, "{way:?}: setuid(33) per worker:\n{log}");
    // And by the workers: credshim inside names them by the container's
    // pids, the hook's tracer by the host's.
    let workers: Vec<u32> = procs.iter().copied().filter(|&p| is_worker(p, &procs)).collect();
    assert_eq!(workers.len(), 2, "{way:?}: two workers in {shown:?}");
    let mut want: Vec<u32> = workers.iter().map(|&p| if way == Way::Hook { p } else { ns_pid(p) }).collect();
    want.sort_unstable();
    let mut dropped_pids: Vec<u32> = log
        .lines()
        .filter(|l| l.ends_with("setuid(33) = 0"))
        .filter_map(|l| l.split("[pid ").nth(1)?.split(']').next()?.parse().ok())
        .collect();
    dropped_pids.sort_unstable();
    assert_eq!(dropped_pids, want, "{way:?}: the pids that called setuid(33) are not the workers'");
    let errors = read(&lab.rootfs().join(ERROR_LOG));
    eprintln!("{way:?}: nginx's error log:\n{errors}");
    assert!(errors.contains("start worker process"), "{way:?}: nginx's error log:\n{errors}");
    // What nginx says on stderr before its error log is open.
    let stderr = read(&err);
    let said: Vec<&str> = stderr.lines().filter(|l| !l.starts_with("credshim: ")).collect();
    assert!(said.iter().all(|l| !l.contains("failed") && !l.contains("[emerg]")), "{way:?}: nginx's stderr: {said:#?}");
    let failed: Vec<&str> = errors.lines().filter(|l| l.contains("failed") || l.contains("[emerg]") || l.contains("[alert]")).collect();
    assert!(failed.is_empty(), "{way:?}: failures in nginx's error log: {failed:#?}");

    // Stop: runc kill (through the wrapper too, which passes it on), the
    // run ends, delete; then nothing of the container may be left.
    let mut c = lab.as_user(&program);
    c.args(["--root", &lab.state(), "kill", &id(&tag), "TERM"]);
    let o = run(c);
    assert!(o.ok, "{way:?}: kill failed: {}", o.stderr);
    let status = g.wait(LIMIT);
    assert!(status.is_some(), "{way:?}: runc run did not end after kill TERM");
    let mut c = lab.as_user(&program);
    c.args(["--root", &lab.state(), "delete", &id(&tag)]);
    let o = run(c);
    // `runc run` deletes the container itself when its init ends.
    assert!(o.ok || o.stderr.contains("does not exist"), "{way:?}: delete failed: {}", o.stderr);
    assert!(container_state(&lab, &tag).is_none(), "{way:?}: the container is still there after delete");
    let mut left = vec![];
    let gone = wait_until(LIMIT, || {
        left = reaper.pids.iter().copied().filter(|&p| alive(p)).collect();
        left.is_empty()
    });
    assert!(gone, "{way:?}: processes left after kill and delete: {:?}", left.iter().map(|&p| (p, harness::comm(p))).collect::<Vec<_>>());
    assert_lab_processes_end(&lab, &format!("nginx {way:?}"));
    assert!(!listening(port), "{way:?}: something still listens on {port}");
    eprintln!("{way:?}: nginx test in {:?} (runc run ended with {status:?})", t0.elapsed());
}

#[test]
fn nginx_fails_in_rootless_runc_without_credshim() {
    let lab = debian_lab("nginx-plain", true);
    let port = nginx_rootfs(&lab);
    let b = debian_bundle(&lab, "b", true, NGINX, &[]);
    let mut reaper = Reaper { lab: &lab, id: id("nginx-plain"), pids: vec![] };
    let (mut g, _out, err) = spawn_run(&lab, Path::new("runc"), &b, "nginx-plain");
    let status = g.wait(LIMIT);
    let errors = read(&lab.rootfs().join(ERROR_LOG));
    eprintln!("plain rootless runc: nginx: {status:?}\nstderr:\n{}error log:\n{errors}", read(&err));
    assert!(status.is_some(), "nginx kept running without credshim (listening: {})", listening(port));
    assert!(!status.expect("a status").success(), "nginx succeeded without credshim");
    let stderr = read(&err);
    assert!(stderr.contains("chown(\"/var/lib/nginx/body\", 33) failed"), "{stderr}");
    reaper.pids.extend(lab_processes(&lab));
    assert!(!listening(port));
}

#[test]
fn nginx_with_oci_inject_drops_to_www_data() {
    nginx_under(Way::Inject);
}

#[test]
fn nginx_through_the_runtime_wrapper_drops_to_www_data() {
    nginx_under(Way::Wrapper);
}

#[test]
fn nginx_with_the_hook_drops_to_www_data() {
    nginx_under(Way::Hook);
}
