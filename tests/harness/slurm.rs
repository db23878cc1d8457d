//! A real Slurm cluster on this host for tests/slurm.rs: munged with a key,
//! socket and pid file of its own, slurmctld and two `slurmd -N` (nodes n1
//! and n2, NodeHostname this host's short name) on free ports, with their
//! state, spool (`SlurmdSpoolDir=…/%n`), log and pid files in a lab
//! directory. oci.conf sits next to the cluster's slurm.conf: slurmstepd
//! reads it from the directory of $SLURM_CONF (get_extra_conf_path), which
//! the daemons run with, so /etc/slurm is never touched. Every daemon is a
//! child of the test, stopped by its pid; the steps' processes (slurmstepd
//! and what it runs, which carry the cluster's SLURM_CONF in their
//! environment) are found and stopped by pid too.

use super::oci::{run, sh, which, Lab, Out, LIMIT};
use super::{as_account, free_port, kill, wait_until, Guard};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub struct Cluster {
    pub dir: PathBuf,
    pub conf: PathBuf,
    daemons: Vec<(String, Guard)>,
}

fn slurm_tools() {
    for tool in ["munged", "slurmctld", "slurmd", "srun", "sbatch", "squeue", "sinfo"] {
        assert!(which(tool).is_some() || Path::new("/usr/sbin").join(tool).is_file(), "{tool} is not installed: run `bash .ci/setup` (it installs slurmd, slurmctld, slurm-client, munge)");
    }
}

/// This host's short name (`hostname -s`): slurmd checks NodeHostname
/// against it.
fn short_hostname() -> String {
    let o = Command::new("hostname").arg("-s").output().expect("hostname -s");
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

impl Cluster {
    /// Starts the cluster in `lab.dir/slurm` and waits (60 s at most) for
    /// both nodes to be idle.
    pub fn start(lab: &Lab) -> Cluster {
        slurm_tools();
        let dir = lab.dir.join("slurm");
        for d in ["munge", "state", "spool", "log", "run"] {
            std::fs::create_dir_all(dir.join(d)).expect("mkdir");
        }
        let key = dir.join("munge/munge.key");
        let mut k = vec![0u8; 1024];
        std::fs::File::open("/dev/urandom").and_then(|mut f| std::io::Read::read_exact(&mut f, &mut k)).expect("random key");
        std::fs::write(&key, &k).expect("write key");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o400)).expect("chmod key");
        let socket = dir.join("munge/socket");
        let mut daemons = vec![];
        let mut munged = Command::new("munged");
        munged
            .arg("-F")
            .arg("--force")
            .arg(format!("--key-file={}", key.display()))
            .arg(format!("--socket={}", socket.display()))
            .arg(format!("--pid-file={}", dir.join("munge/munged.pid").display()))
            .arg(format!("--log-file={}", dir.join("log/munged.log").display()))
            .arg(format!("--seed-file={}", dir.join("munge/seed").display()));
        daemons.push(("munged".to_string(), spawn_logged(munged, &dir.join("log/munged.out"))));
        assert!(wait_until(LIMIT, || socket.exists()), "munged did not make its socket {}: {}", socket.display(), log(&dir, "munged.log"));
        let host = short_hostname();
        let (ctld, n1, n2) = (free_port(), free_port(), free_port());
        let d = dir.display();
        let conf = dir.join("slurm.conf");
        std::fs::write(
            &conf,
            format!(
                "ClusterName=credshim\n\
                 SlurmctldHost={host}(127.0.0.1)\n\
                 SlurmctldPort={ctld}\n\
                 SlurmdPort={n1}\n\
                 AuthType=auth/munge\n\
                 CredType=cred/munge\n\
                 AuthInfo=socket={socket}\n\
                 SlurmUser=root\n\
                 SlurmdUser=root\n\
                 StateSaveLocation={d}/state\n\
                 SlurmdSpoolDir={d}/spool/%n\n\
                 SlurmctldPidFile={d}/run/slurmctld.pid\n\
                 SlurmdPidFile={d}/run/slurmd-%n.pid\n\
                 SlurmctldLogFile={d}/log/slurmctld.log\n\
                 SlurmdLogFile={d}/log/slurmd-%n.log\n\
                 SlurmdDebug=debug\n\
                 PlugStackConfig={d}/plugstack.conf\n\
                 ProctrackType=proctrack/linuxproc\n\
                 TaskPlugin=task/none\n\
                 SwitchType=switch/none\n\
                 MpiDefault=none\n\
                 SelectType=select/cons_tres\n\
                 SelectTypeParameters=CR_CPU\n\
                 SchedulerType=sched/builtin\n\
                 ReturnToService=2\n\
                 JobCompType=jobcomp/none\n\
                 AccountingStorageType=accounting_storage/none\n\
                 JobAcctGatherType=jobacct_gather/none\n\
                 NodeName=n1 NodeHostname={host} NodeAddr=127.0.0.1 Port={n1} CPUs=1 State=UNKNOWN\n\
                 NodeName=n2 NodeHostname={host} NodeAddr=127.0.0.1 Port={n2} CPUs=1 State=UNKNOWN\n\
                 PartitionName=main Nodes=n1,n2 Default=YES MaxTime=30 State=UP\n",
                socket = socket.display()
            ),
        )
        .expect("slurm.conf");
        std::fs::write(dir.join("plugstack.conf"), "").expect("plugstack.conf");
        let daemon = |program: &str, args: &[&str]| {
            let mut c = Command::new(program);
            c.arg("-D").arg("-f").arg(&conf).args(args).env("SLURM_CONF", &conf);
            spawn_logged(c, &dir.join(format!("log/{}.out", args.last().map_or(program, |a| if a.starts_with('-') { program } else { a }))))
        };
        daemons.push(("slurmctld".into(), daemon("slurmctld", &["-i"])));
        daemons.push(("slurmd n1".into(), daemon("slurmd", &["-N", "n1"])));
        daemons.push(("slurmd n2".into(), daemon("slurmd", &["-N", "n2"])));
        let mut c = Cluster { dir, conf, daemons };
        let mut states = String::new();
        let up = wait_until(LIMIT, || {
            states = c.tool("sinfo", &["-h", "-N", "-o", "%N %T"]).stdout;
            states.lines().filter(|l| l.ends_with(" idle")).count() == 2
        });
        if !up {
            let logs = ["slurmctld.log", "slurmd-n1.log", "slurmd-n2.log"].map(|l| log(&c.dir, l)).join("\n");
            let exited: Vec<String> = c.daemons.iter_mut().filter_map(|(n, g)| g.0.try_wait().ok().flatten().map(|s| format!("{n}: {s}"))).collect();
            panic!("the cluster did not come up within {LIMIT:?} (sinfo: {states:?}; exited: {exited:?}):\n{logs}");
        }
        c
    }

    /// A Slurm client command run by root with the cluster's config.
    pub fn tool(&self, program: &str, args: &[&str]) -> Out {
        let mut c = Command::new(program);
        c.args(args).env("SLURM_CONF", &self.conf);
        run(c)
    }

    /// A Slurm client command run by the tests' account, with a clean
    /// environment (what it passes to the job), from `cwd`.
    pub fn as_account(&self, program: &str, args: &[&str], cwd: &Path) -> Command {
        let mut c = Command::new("setpriv");
        c.args(as_account())
            .args(["env", "-i", "PATH=/usr/local/bin:/usr/bin:/bin"])
            .arg(format!("SLURM_CONF={}", self.conf.display()))
            .arg(format!("HOME={}", cwd.display()))
            .arg(program)
            .args(args)
            .current_dir(cwd);
        c
    }

    /// Writes oci.conf: `runtime` (the wrapper or runc) with Slurm 22.05's
    /// suggested run form and a state directory of the lab's.
    pub fn oci_conf(&self, runtime: &Path, root: &Path) {
        let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib/slurm/oci.conf")).expect("contrib/slurm/oci.conf");
        let text = text.replace("/usr/bin/credshim-runtime", &runtime.to_string_lossy()).replace("/tmp/credshim-runc-$(id -u)", &root.to_string_lossy());
        assert!(text.contains(&*runtime.to_string_lossy()) && text.contains(&*root.to_string_lossy()), "contrib/slurm/oci.conf's runtime lines changed:\n{text}");
        std::fs::write(self.dir.join("oci.conf"), text).expect("oci.conf");
    }

    /// Waits for job `id` to leave the queue (at most `limit`).
    pub fn wait_job(&self, id: &str, limit: Duration) -> bool {
        wait_until(limit, || {
            let o = self.tool("squeue", &["-h", "-j", id, "-o", "%i"]);
            o.ok && o.stdout.trim().is_empty()
        })
    }

    pub fn log(&self, name: &str) -> String {
        log(&self.dir, name)
    }

    /// The processes of this cluster that are not the daemons: slurmstepd
    /// and the runtimes of its steps (they carry SLURM_CONF=…).
    pub fn step_processes(&self) -> Vec<u32> {
        let want = format!("SLURM_CONF={}", self.conf.display());
        let me = std::process::id();
        let daemons: Vec<u32> = self.daemons.iter().map(|(_, g)| g.0.id()).collect();
        std::fs::read_dir("/proc")
            .map(|d| d.flatten().filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok()).collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .filter(|&p| p != me && !daemons.contains(&p) && super::state(p).is_some_and(|s| s != 'Z'))
            .filter(|p| std::fs::read(format!("/proc/{p}/environ")).is_ok_and(|e| e.split(|&b| b == 0).any(|v| v == want.as_bytes())))
            .collect()
    }
}

/// A daemon in the foreground, its standard streams into `file` (a pipe
/// nobody reads would fill up and stop it).
fn spawn_logged(mut c: Command, file: &Path) -> Guard {
    let f = std::fs::File::create(file).expect("daemon output file");
    let g = f.try_clone().expect("dup");
    Guard(c.stdin(Stdio::null()).stdout(f).stderr(g).spawn().unwrap_or_else(|e| panic!("{c:?}: {e}")))
}

fn log(dir: &Path, name: &str) -> String {
    let text = std::fs::read_to_string(dir.join("log").join(name)).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    format!("--- {name} (last lines) ---\n{}", lines[lines.len().saturating_sub(30)..].join("\n"))
}

impl Drop for Cluster {
    /// Cancels what is left, stops the daemons by pid (TERM, then KILL
    /// after 10 s), then every step process left.
    fn drop(&mut self) {
        let _ = Command::new("scancel").args(["-u", &credprobe::lab::account().name]).env("SLURM_CONF", &self.conf).stdout(Stdio::null()).stderr(Stdio::null()).status();
        for (_, g) in self.daemons.iter_mut().rev() {
            kill(g.0.id(), libc::SIGTERM);
            if g.wait(Duration::from_secs(10)).is_none() {
                kill(g.0.id(), libc::SIGKILL);
            }
        }
        let end = Instant::now() + Duration::from_secs(5);
        loop {
            let left = self.step_processes();
            if left.is_empty() || Instant::now() > end {
                break;
            }
            for p in left {
                kill(p, libc::SIGKILL);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.daemons.clear();
    }
}

/// Checks that nothing of `cluster` is left once it is dropped: no
/// daemon, step or runtime process, no job in its state (the caller checks
/// the queue before).
pub fn assert_stopped(cluster: Cluster) {
    let pids: Vec<u32> = cluster.daemons.iter().map(|(_, g)| g.0.id()).collect();
    let conf = cluster.conf.clone();
    drop(cluster);
    for p in pids {
        assert!(super::state(p).is_none_or(|s| s == 'Z'), "daemon {p} still runs");
    }
    let want = format!("SLURM_CONF={}", conf.display());
    let left: Vec<u32> = std::fs::read_dir("/proc")
        .map(|d| d.flatten().filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok()).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .filter(|p| super::state(*p).is_some_and(|s| s != 'Z'))
        .filter(|p| std::fs::read(format!("/proc/{p}/environ")).is_ok_and(|e| e.split(|&b| b == 0).any(|v| v == want.as_bytes())))
        .collect();
    assert!(left.is_empty(), "processes of the cluster left: {left:?}");
}

/// A directory in the lab that the account owns (job output, the
/// runtime's state, the submit directory).
pub fn account_dir(lab: &Lab, name: &str) -> PathBuf {
    let d = lab.dir.join(name);
    std::fs::create_dir_all(&d).expect("mkdir");
    sh(Command::new("chown").arg(super::ns_owner()).arg(&d));
    d
}
