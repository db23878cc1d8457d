//! Builds the C probe and its exec targets, and runs it with a timeout.

use crate::targets;
use credshim_shims::table::Abi;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The probe's source.
pub const SOURCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/probe.c");

/// Fails loudly unless the process runs as real root: the oracle must run the
/// probe as root on the host, and a test that quietly skipped would prove
/// nothing.
pub fn require_root(what: &str) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let uid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|l| l.split_whitespace().next().map(str::to_string));
    assert_eq!(
        uid.as_deref(),
        Some("0"),
        "{what} needs real root (it runs the probe as root on the host as the kernel's reference): run the tests as root, as CI does"
    );
}

/// A built probe in a fresh directory of exec targets, removed on drop.
pub struct Probe {
    pub abi: Abi,
    pub dir: PathBuf,
}

impl Probe {
    /// Compiles probe.c for `abi` and lays out every exec target (needs root
    /// for chown and setcap).
    pub fn build(abi: Abi) -> Result<Probe, String> {
        let tag = if abi == Abi::I386 { "probe32" } else { "probe64" };
        let probe = Probe { abi, dir: crate::lab::scratch_dir(&std::env::temp_dir(), tag) };
        let bin = probe.dir.join("credprobe");
        let mut cc = Command::new("gcc");
        cc.args(["-O2", "-Wall", "-Wextra", "-Werror", "-pthread", "-o"]).arg(&bin).arg(SOURCE);
        if abi == Abi::I386 {
            cc.arg("-m32");
        }
        sh(&mut cc)?;
        for t in targets::all() {
            let path = probe.dir.join(t.kind);
            std::fs::copy(&bin, &path).map_err(|e| format!("copy to {}: {e}", path.display()))?;
            sh(Command::new("chown").arg(format!("{}:{}", t.uid, t.gid)).arg(&path))?;
            sh(Command::new("chmod").arg(format!("{:o}", t.perm)).arg(&path))?;
            if let Some((text, _)) = t.fcaps {
                sh(Command::new("setcap").arg(text).arg(&path))?;
            }
        }
        probe.locked_dir("0:0")?;
        probe.fixture_dir("0:0")?;
        Ok(probe)
    }

    /// DIR/fx: where the probe makes each file-step script's fixture
    /// (SCRIPT.md "File steps"), owned by root as each side sees it.
    fn fixture_dir(&self, owner: &str) -> Result<(), String> {
        let d = self.dir.join("fx");
        std::fs::create_dir_all(&d).map_err(|e| format!("mkdir {}: {e}", d.display()))?;
        sh(Command::new("chown").arg(owner).arg(&d))?;
        sh(Command::new("chmod").arg("0755").arg(&d))
    }

    /// DIR/locked: a directory only its owner (root) may search, for the
    /// chroot steps (SCRIPT.md "Other calls").
    fn locked_dir(&self, owner: &str) -> Result<(), String> {
        let d = self.dir.join("locked");
        std::fs::create_dir_all(&d).map_err(|e| format!("mkdir {}: {e}", d.display()))?;
        sh(Command::new("chown").arg(owner).arg(&d))?;
        sh(Command::new("chmod").arg("0700").arg(&d))
    }

    /// The probe command line: `wrapper… DIR/plain --dir DIR ARGS…`.
    pub fn command(&self, wrapper: &[String], args: &[&str]) -> Command {
        let plain = self.dir.join("plain");
        let mut cmd = match wrapper.split_first() {
            Some((first, rest)) => {
                let mut c = Command::new(first);
                c.args(rest).arg(&plain);
                c
            }
            None => Command::new(&plain),
        };
        cmd.arg("--dir").arg(&self.dir).args(args);
        cmd
    }

    /// Runs `scripts` in one batch and returns each script's output.
    pub fn batch(&self, wrapper: &[String], scripts: &[String], timeout: Duration) -> Result<Vec<String>, String> {
        let file = self.dir.join(format!("batch-{}.txt", std::process::id()));
        let mut text = scripts.join("\n");
        text.push('\n');
        std::fs::write(&file, text).map_err(|e| format!("write {}: {e}", file.display()))?;
        let file_arg = file.to_string_lossy().into_owned();
        let (status, out) = run_with_timeout(self.command(wrapper, &["--batch", &file_arg]), timeout)?;
        let _ = std::fs::remove_file(&file);
        if !status.success() {
            return Err(format!("probe batch exited with {status}; output tail:\n{}", tail(&out)));
        }
        split_batch(&out, scripts.len())
    }

    /// Runs one script on its own.
    pub fn one(&self, wrapper: &[String], script: &str, timeout: Duration) -> Result<String, String> {
        let (status, out) = run_with_timeout(self.command(wrapper, &["--script", script]), timeout)?;
        if !status.success() {
            return Err(format!("probe exited with {status}; output:\n{out}"));
        }
        Ok(out)
    }
}

/// The `user.rootlesscontainers` value for a virtual owner (protobuf
/// `Resource { uint32 uid = 1; uint32 gid = 2; }`).
pub fn rootlesscontainers(uid: u32, gid: u32) -> Vec<u8> {
    credshim_shims::rootlesscontainers::encode(uid, gid)
}

fn set_xattr(path: &std::path::Path, name: &str, value: &[u8]) -> Result<(), String> {
    use std::os::unix::ffi::OsStrExt;
    let p = std::ffi::CString::new(path.as_os_str().as_bytes()).map_err(|e| e.to_string())?;
    let n = std::ffi::CString::new(name).map_err(|e| e.to_string())?;
    // SAFETY: C strings and a live buffer.
    let r = unsafe { libc::setxattr(p.as_ptr(), n.as_ptr(), value.as_ptr() as *const libc::c_void, value.len(), 0) };
    if r != 0 {
        return Err(format!("setxattr {name} on {}: {}", path.display(), std::io::Error::last_os_error()));
    }
    Ok(())
}

impl Probe {
    /// The same probe and exec targets as a single-id user namespace mapping
    /// `uid` and `gid` to root sees them: every file owned by them, the targets' real
    /// owners kept as virtual owners in `user.rootlesscontainers`, file
    /// capabilities set again (chown clears them). Also copies `extra` files
    /// (e.g. the credshim binary) into the directory.
    pub fn for_userns(&self, uid: u32, gid: u32, extra: &[&std::path::Path]) -> Result<Probe, String> {
        let dir = PathBuf::from(format!("{}-ns{uid}", self.dir.display()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("mkdir {}: {e}", dir.display()))?;
        let probe = Probe { abi: self.abi, dir };
        sh(Command::new("chmod").arg("0755").arg(&probe.dir))?;
        for t in targets::all() {
            let path = probe.dir.join(t.kind);
            std::fs::copy(self.dir.join("credprobe"), &path).map_err(|e| format!("copy to {}: {e}", path.display()))?;
            sh(Command::new("chown").arg(format!("{uid}:{gid}")).arg(&path))?;
            sh(Command::new("chmod").arg(format!("{:o}", t.perm)).arg(&path))?;
            if let Some((text, _)) = t.fcaps {
                sh(Command::new("setcap").arg(text).arg(&path))?;
            }
            if t.uid != 0 || t.gid != 0 {
                set_xattr(&path, "user.rootlesscontainers", &rootlesscontainers(t.uid, t.gid))?;
            }
        }
        for f in extra {
            let name = f.file_name().ok_or("a file name")?;
            let to = probe.dir.join(name);
            // A hard link where possible: a copy is open for writing while
            // other test threads fork, and exec of it can then fail with
            // ETXTBSY.
            if std::fs::hard_link(f, &to).is_err() {
                std::fs::copy(f, &to).map_err(|e| format!("copy {} to {}: {e}", f.display(), to.display()))?;
            }
            sh(Command::new("chmod").arg("0755").arg(&to))?;
        }
        probe.locked_dir(&format!("{uid}:{gid}"))?;
        probe.fixture_dir(&format!("{uid}:{gid}"))?;
        Ok(probe)
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        crate::lab::remove(&self.dir);
    }
}

fn tail(s: &str) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

/// Splits batch output at its `== N` lines.
pub fn split_batch(out: &str, n: usize) -> Result<Vec<String>, String> {
    let mut parts: Vec<String> = Vec::with_capacity(n);
    for line in out.split_inclusive('\n') {
        if let Some(idx) = line.strip_prefix("== ") {
            let idx: usize = idx.trim().parse().map_err(|_| format!("bad batch header {line:?}"))?;
            if idx != parts.len() {
                return Err(format!("batch header {idx} out of order (expected {})", parts.len()));
            }
            parts.push(String::new());
        } else if let Some(last) = parts.last_mut() {
            last.push_str(line);
        } else {
            return Err(format!("batch output before the first header: {line:?}"));
        }
    }
    if parts.len() != n {
        return Err(format!("batch printed {} scripts of {n}; tail:\n{}", parts.len(), tail(out)));
    }
    Ok(parts)
}

/// Runs `cmd` with its stdout captured; kills it (by pid) when `timeout`
/// passes.
pub fn run_with_timeout(mut cmd: Command, timeout: Duration) -> Result<(ExitStatus, String), String> {
    let shown = format!("{cmd:?}");
    let mut child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).spawn().map_err(|e| format!("{shown}: {e}"))?;
    let mut stdout = child.stdout.take().ok_or("no stdout")?;
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stdout.read_to_end(&mut s);
        s
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break st,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{shown}: timed out after {timeout:?}, killed"));
            }
            Err(e) => return Err(format!("{shown}: wait: {e}")),
        }
    };
    let out = reader.join().map_err(|_| "reader thread panicked")?;
    Ok((status, String::from_utf8_lossy(&out).into_owned()))
}

fn sh(cmd: &mut Command) -> Result<(), String> {
    let st = cmd.status().map_err(|e| format!("{cmd:?}: {e}"))?;
    if st.success() {
        Ok(())
    } else {
        Err(format!("{cmd:?} failed: {st}"))
    }
}

/// The first line where two outputs differ, with a little context.
pub fn first_difference(want: &str, got: &str) -> Option<String> {
    let (w, g): (Vec<&str>, Vec<&str>) = (want.lines().collect(), got.lines().collect());
    let i = (0..w.len().max(g.len())).find(|&i| w.get(i) != g.get(i))?;
    let from = i.saturating_sub(3);
    let mut s = String::new();
    for k in from..i {
        s += &format!("    {}\n", w.get(k).unwrap_or(&""));
    }
    s += &format!("  - reference: {}\n  + checked:   {}\n", w.get(i).unwrap_or(&"<end>"), g.get(i).unwrap_or(&"<end>"));
    Some(s)
}

/// Removes steps from `script` while `still_fails` holds: the shortest
/// script (by single-step removal) that shows the difference. Bounded by
/// the number of steps squared.
pub fn shrink(script: &str, mut still_fails: impl FnMut(&str) -> bool) -> String {
    let mut steps = crate::script::steps(script);
    let mut changed = true;
    let mut rounds = 0;
    while changed && rounds < 64 {
        changed = false;
        rounds += 1;
        let mut i = 0;
        while i < steps.len() {
            let mut fewer = steps.clone();
            fewer.remove(i);
            if !fewer.is_empty() && still_fails(&crate::script::join(&fewer)) {
                steps = fewer;
                changed = true;
            } else {
                i += 1;
            }
        }
    }
    crate::script::join(&steps)
}

/// Outputs of a batch of scripts, from one side of a comparison.
pub type Side<'a> = &'a dyn Fn(&[String]) -> Result<Vec<String>, String>;

/// Runs `scripts` on both sides in chunks and compares outputs byte for
/// byte. On the first mismatch it shrinks the script (re-running both sides
/// on one script at a time) and returns a report with the shortest script
/// that shows it and the first differing line.
pub fn compare(scripts: &[String], want: Side, got: Side, chunk: usize) -> Result<usize, String> {
    let mut checked = 0;
    for part in scripts.chunks(chunk.max(1)) {
        let (w, g) = (want(part)?, got(part)?);
        for (i, script) in part.iter().enumerate() {
            if w[i] == g[i] {
                checked += 1;
                continue;
            }
            let differs = |s: &str| {
                let one = [s.to_string()];
                match (want(&one), got(&one)) {
                    (Ok(a), Ok(b)) => a != b,
                    _ => false,
                }
            };
            let first = first_difference(&w[i], &g[i]).unwrap_or_default();
            let short = shrink(script, differs);
            let one = [short.clone()];
            let (a, b) = (want(&one)?, got(&one)?);
            if a[0] == b[0] {
                // It did not happen again: say what differed the first time.
                return Err(format!(
                    "mismatch after {checked} identical scripts, not reproduced when run again\nscript: {script}\n{first}\nreference output:\n{}\nchecked output:\n{}",
                    w[i], g[i]
                ));
            }
            return Err(format!(
                "mismatch after {checked} identical scripts\nscript: {script}\n{first}shortest: {short}\n{}\nreference output:\n{}\nchecked output:\n{}",
                first_difference(&a[0], &b[0]).unwrap_or_default(),
                a[0],
                b[0]
            ));
        }
    }
    Ok(checked)
}
