//! Issue 18: Slurm's `srun --container` / `sbatch` through credshim-runtime
//! on a real two-node cluster on this host (harness::slurm: munged,
//! slurmctld, `slurmd -N n1` and `-N n2`, all of the test's own), submitted
//! by the tests' account, which has no subordinate ids. The reference is
//! the same bundle run by real root with runc and no user namespace.
//!
//! - busybox: `srun -N2 --container=B su -s /bin/sh www -c id` prints real
//!   root's line on both nodes; with plain rootless runc in oci.conf the
//!   same job fails (`su: can't set groups`); a bundle whose process.user
//!   is 33:33 prints what real root's prints; scancel of a running step
//!   leaves no container, runc state or private bundle; the plain form
//!   `srun -N2 unshare -r credshim -- …` prints real root's line.
//! - Debian: an sbatch job whose step (`srun --container`) runs apt-get
//!   install of the fixture's credshim-demo: the owners and modes of its
//!   files are real root's.
//!
//! Both leave no job, no daemon or step process, and Slurm's spool
//! directories and the account's private bundles as they were.

mod harness;

use harness::fixture::{debian as fixture, DEMO_OWNERS, DEMO_STAT};
use harness::oci::{edit, id, run, sh, Lab, Out};
use harness::slurm::{account_dir, assert_stopped, Cluster};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The two tests one after the other: they share the account's private
/// bundle directory, which each checks is gone at its end.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

const WWW_ID: &str = "uid=100(www) gid=101(www) groups=50(staff),101(www)";

/// `bundle` run by real root with runc (no user namespace): its output.
fn reference(lab: &Lab, bundle: &Path, tag: &str) -> Out {
    let mut c = Command::new("runc");
    c.args(["--root", &format!("{}/root-state", lab.dir.display()), "run", "-b"]).arg(bundle).arg(id(tag));
    let o = run(c);
    assert!(o.ok, "the reference {tag} run by real root failed ({:?}):\n{}\n{}", o.code, o.stdout, o.stderr);
    o
}

/// The lab's directory as a bundle for `srun --container`, with a rootless
/// config made by the account: Slurm takes BUNDLE/rootfs as the root
/// whatever root.path says (and runc refuses a symbolic link there).
fn user_bundle(lab: &Lab, args: &[&str]) -> PathBuf {
    let b = lab.bundle("spec", true, args);
    std::fs::rename(b.join("config.json"), lab.dir.join("config.json")).expect("move config.json");
    lab.dir.clone()
}

fn srun(cluster: &Cluster, cwd: &Path, args: &[&str]) -> Out {
    run(cluster.as_account("srun", args, cwd))
}

/// What is in the private-bundle directory of the account and in the
/// nodes' spool directories (Slurm's oci-job* directories).
fn leftovers(cluster: &Cluster) -> Vec<String> {
    let mut left = vec![];
    let private = PathBuf::from(format!("/tmp/credshim-bundles-{}", credprobe::lab::account().uid));
    if private.exists() {
        left.push(private.display().to_string());
    }
    for node in ["n1", "n2"] {
        for e in std::fs::read_dir(cluster.dir.join("spool").join(node)).into_iter().flatten().flatten() {
            if e.file_name().to_string_lossy().starts_with("oci-job") {
                left.push(e.path().display().to_string());
            }
        }
    }
    left
}

/// Processes whose root directory is in `lab` (a container's).
fn containers_of(lab: &Lab) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .map(|d| d.flatten().filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok()).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .filter(|&p| harness::state(p).is_some_and(|s| s != 'Z'))
        .filter(|p| std::fs::read_link(format!("/proc/{p}/root")).is_ok_and(|r| r.starts_with(&lab.dir)))
        .collect()
}

fn finish(cluster: Cluster, labs: &[&Lab]) {
    for lab in labs {
        let left = containers_of(lab);
        assert!(left.is_empty(), "container processes left in {}: {left:?}", lab.dir.display());
    }
    // A job that ended is COMPLETING until slurmd's epilog reports back:
    // on a loaded machine that takes a few seconds.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let q = loop {
        let q = cluster.tool("squeue", &["-h", "-o", "%i %T"]);
        let completing = q.ok && !q.stdout.trim().is_empty() && q.stdout.lines().all(|l| l.ends_with(" COMPLETING"));
        if !completing || std::time::Instant::now() > deadline {
            break q;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert!(q.ok && q.stdout.trim().is_empty(), "jobs left in the queue: {}{}", q.stdout, q.stderr);
    let left = leftovers(&cluster);
    assert!(left.is_empty(), "left behind: {left:?}");
    assert_stopped(cluster);
}

#[test]
fn srun_container_on_two_nodes_matches_real_root() {
    let _serial = serial();
    let t0 = Instant::now();
    let lab = Lab::new("slurm");
    let su = ["su", "-s", "/bin/sh", "www", "-c", "id"];
    let want = reference(&lab, &lab.bundle("ref", false, &su), "ref");
    assert_eq!(want.stdout.trim(), WWW_ID, "the reference printed something else");
    let b = user_bundle(&lab, &su);
    let cluster = Cluster::start(&lab);
    eprintln!("cluster up in {:?}", t0.elapsed());
    let home = account_dir(&lab, "home");
    let root = account_dir(&lab, "runc-root");

    // Plain rootless runc in oci.conf: the job fails on both nodes.
    cluster.oci_conf(Path::new("/usr/sbin/runc"), &root);
    let o = srun(&cluster, &home, &["-N2", &format!("--container={}", b.display()), "su", "-s", "/bin/sh", "www", "-c", "id"]);
    eprintln!("plain runc: {:?}\n{}{}", o.code, o.stdout, o.stderr);
    assert!(!o.ok, "su worked through plain rootless runc: {}", o.stdout);
    assert_eq!(o.stderr.matches("su: can't set groups").count(), 2, "both nodes fail in su:\n{}", o.stderr);
    let doctor = |want: &str| {
        let mut c = Command::new(lab.credshim());
        c.arg("doctor").env("SLURM_CONF", &cluster.conf);
        let o = run(c);
        let part = o.stdout.split("Slurm (srun --container)").nth(1).unwrap_or("").to_string();
        eprintln!("doctor:{part}");
        assert!(part.contains(want), "credshim doctor's Slurm part lacks {want:?}:\n{}", o.stdout);
    };
    doctor("runs /usr/sbin/runc, not credshim-runtime");

    // credshim-runtime in its place: real root's line from each node.
    cluster.oci_conf(&lab.wrapper(), &root);
    doctor("srun --container works through credshim-runtime");
    let t1 = Instant::now();
    let o = srun(&cluster, &home, &["-N2", "-l", &format!("--container={}", b.display()), "su", "-s", "/bin/sh", "www", "-c", "id"]);
    eprintln!("credshim-runtime: {:?} in {:?}\n{}{}", o.code, t1.elapsed(), o.stdout, o.stderr);
    assert!(o.ok, "srun --container through credshim-runtime failed ({:?}):\n{}\n{}\n{}", o.code, o.stdout, o.stderr, cluster.log("slurmd-n1.log"));
    let mut lines: Vec<&str> = o.stdout.lines().collect();
    lines.sort();
    assert_eq!(lines, [format!("0: {WWW_ID}"), format!("1: {WWW_ID}")], "each node's task prints real root's line");
    let c: serde_json::Value = serde_json::from_slice(&std::fs::read(b.join("config.json")).expect("read")).expect("json");
    assert_eq!(c["process"]["args"][0], "su", "the user's bundle is left as it was");
    assert!(!lab.rootfs().join(".credshim").exists(), "the mount point in the user's rootfs is removed after the run");

    // A bundle whose process runs as 33:33.
    let ref33 = lab.bundle("ref33", false, &["id"]);
    edit(&ref33.join("config.json"), |c| c["process"]["user"] = json!({"uid": 33, "gid": 33}));
    let want33 = reference(&lab, &ref33, "ref33");
    let lab33 = Lab::new("slurm33");
    let b33 = user_bundle(&lab33, &["id"]);
    edit(&b33.join("config.json"), |c| c["process"]["user"] = json!({"uid": 33, "gid": 33}));
    let o = srun(&cluster, &home, &["-N1", "-w", "n2", &format!("--container={}", b33.display()), "id"]);
    eprintln!("process.user 33:33: {:?}\n{}{}", o.code, o.stdout, o.stderr);
    assert!(o.ok, "srun --container of a 33:33 bundle failed ({:?}):\n{}\n{}", o.code, o.stdout, o.stderr);
    assert_eq!(o.stdout, want33.stdout, "process.user 33:33: real root's output");
    // scancel of a running step: the wrapper passes TERM on and still
    // removes its private bundle; nothing of the container is left.
    let mut c = cluster.as_account("srun", &["-N1", "-w", "n1", "-J", "long", &format!("--container={}", b.display()), "sleep", "300"], &home);
    c.stdin(std::process::Stdio::null()).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    let mut g = harness::Guard(c.spawn().expect("srun"));
    let private = PathBuf::from(format!("/tmp/credshim-bundles-{}", credprobe::lab::account().uid));
    let running = harness::wait_until(Duration::from_secs(60), || {
        std::fs::read_dir(&private).is_ok_and(|mut d| d.next().is_some()) && std::fs::read_dir(&root).is_ok_and(|mut d| d.next().is_some())
    });
    assert!(running, "the long step did not start (no private bundle, no runc state):\n{}", cluster.log("slurmd-n1.log"));
    let q = cluster.tool("squeue", &["-h", "-n", "long", "-o", "%i"]);
    let job = q.stdout.trim().to_string();
    assert!(!job.is_empty(), "no job named long in the queue: {}", q.stderr);
    let t2 = Instant::now();
    assert!(cluster.tool("scancel", &[&job]).ok, "scancel {job}");
    let ended = g.wait(Duration::from_secs(90));
    eprintln!("scancel: srun ended {ended:?} in {:?}", t2.elapsed());
    assert!(ended.is_some(), "srun did not end within 90 s of scancel");
    assert!(cluster.wait_job(&job, Duration::from_secs(60)), "job {job} still in the queue after scancel");
    let gone = harness::wait_until(Duration::from_secs(60), || !private.exists() && std::fs::read_dir(&root).is_ok_and(|mut d| d.next().is_none()));
    assert!(gone, "after scancel: private bundles {:?}, runc state {:?}", std::fs::read_dir(&private).map(|d| d.flatten().map(|e| e.path()).collect::<Vec<_>>()).ok(), std::fs::read_dir(&root).map(|d| d.flatten().map(|e| e.path()).collect::<Vec<_>>()).ok());
    drop(g);

    // The plain form: credshim as the task's command in a namespace the
    // task makes.
    let cmd = ["setpriv", "--reuid=33", "--regid=33", "--clear-groups", "id"];
    let want = run(Command::new(cmd[0]).tap(|c| {
        c.args(&cmd[1..]);
    }));
    let mut args = vec!["-N2".to_string(), "unshare".into(), "-r".into(), lab.credshim().to_string_lossy().into_owned(), "--".into()];
    args.extend(cmd.iter().map(|s| s.to_string()));
    let o = srun(&cluster, &home, &args.iter().map(String::as_str).collect::<Vec<_>>());
    eprintln!("srun credshim --: {:?}\n{}{}", o.code, o.stdout, o.stderr);
    assert!(o.ok, "srun unshare -r credshim -- … failed ({:?}): {}", o.code, o.stderr);
    assert_eq!(o.stdout, format!("{}{}", want.stdout, want.stdout), "srun credshim --: real root's line from each node");
    finish(cluster, &[&lab, &lab33]);
    eprintln!("total {:?}", t0.elapsed());
}

trait Tap {
    fn tap(self, f: impl FnOnce(&mut Self)) -> Self;
}

impl Tap for Command {
    fn tap(mut self, f: impl FnOnce(&mut Self)) -> Self {
        f(&mut self);
        self
    }
}

#[test]
fn sbatch_step_installs_a_package_with_real_roots_owners() {
    let _serial = serial();
    let t0 = Instant::now();
    let f = fixture();
    let apt = format!("apt-get update && apt-get install -y credshim-demo && {DEMO_STAT}");
    let stat_lines = |s: &str| s.lines().filter(|l| l.contains("/usr/share/credshim-demo/")).map(|l| format!("{l}\n")).collect::<String>();

    // The reference: the fixture unpacked by real root with the image's
    // owners, run by real root.
    let rlab = Lab::empty("slurm-apt-ref");
    sh(Command::new("tar").arg("--numeric-owner").arg("--same-owner").arg("-xpf").arg(&f.tar).arg("-C").arg(rlab.rootfs()));
    sh(Command::new("cp").arg("-R").arg(f.repo.join(".")).arg(rlab.rootfs().join("srv/repo")));
    let rb = rlab.bundle("ref", false, &["sh", "-c", &apt]);
    edit(&rb.join("config.json"), |c| c["root"]["readonly"] = json!(false));
    let want = stat_lines(&reference(&rlab, &rb, "apt-ref").stdout);
    assert_eq!(want, DEMO_OWNERS, "the reference's stat lines");
    drop(rlab);

    // The job's bundle: the fixture unpacked by the account.
    let lab = Lab::empty("slurm-apt");
    sh(lab.as_user("tar").arg("--no-same-owner").arg("-xpf").arg(&f.tar).arg("-C").arg(lab.rootfs()));
    sh(lab.as_user("cp").arg("-R").arg(f.repo.join(".")).arg(lab.rootfs().join("srv/repo")));
    let b = user_bundle(&lab, &["true"]);
    edit(&b.join("config.json"), |c| c["root"]["readonly"] = json!(false));
    let cluster = Cluster::start(&lab);
    let home = account_dir(&lab, "home");
    let root = account_dir(&lab, "runc-root");
    cluster.oci_conf(&lab.wrapper(), &root);
    let script = home.join("job.sh");
    std::fs::write(&script, format!("#!/bin/sh\nexec srun --container={} sh -c '{}'\n", b.display(), apt.replace('\'', "'\\''"))).expect("job script");
    sh(Command::new("chown").arg(harness::ns_owner()).arg(&script));
    let out = home.join("job.out");
    let o = run(cluster.as_account("sbatch", &["--parsable", "-N1", "-o", &out.to_string_lossy(), &script.to_string_lossy()], &home));
    assert!(o.ok, "sbatch failed: {}{}", o.stdout, o.stderr);
    let job = o.stdout.trim().split(';').next().unwrap_or("").to_string();
    let t1 = Instant::now();
    let done = cluster.wait_job(&job, Duration::from_secs(300));
    let text = std::fs::read_to_string(&out).unwrap_or_default();
    eprintln!("job {job}: {} in {:?}; output:\n{text}", if done { "done" } else { "NOT done" }, t1.elapsed());
    assert!(done, "job {job} still queued or running after 300 s:\n{text}\n{}", cluster.log("slurmd-n1.log"));
    for word in ["Permission denied", "Operation not permitted", "can't", "error:"] {
        assert!(!text.contains(word), "{word} in the job's output:\n{text}");
    }
    assert_eq!(stat_lines(&text), want, "the stat lines of the job differ from real root's:\n{text}");
    finish(cluster, &[&lab]);
    eprintln!("total {:?}", t0.elapsed());
}
