//! A bundle whose process.user the rootless namespace cannot give (issue
//! 15), with the real runc run by the tests' account: `oci inject` gives
//! the runtime the mapped root and credshim the user (and `--remove` gives
//! back the original bytes); the runtime wrapper does the same for `run`
//! and for `exec --user`, `--additional-gids` and `--process`. Each prints
//! what runc run by real root prints for the same user.

mod harness;

use harness::oci::{edit, id, inject, rootless_run, run, Lab, Out, LIMIT};
use harness::{state, Guard};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;

/// What the payloads print: ids, umask, the owner of a new file, caps.
const SHOW: &str = "id; umask; touch /tmp/n-$$; stat -c '%u:%g %a' /tmp/n-$$; rm /tmp/n-$$; grep -c . /etc/passwd";

fn set_user(b: &Path, user: Value, caps: Option<&[&str]>) {
    edit(&b.join("config.json"), |c| {
        c["process"]["user"] = user;
        if let Some(caps) = caps {
            for set in ["effective", "permitted", "inheritable", "ambient"] {
                c["process"]["capabilities"][set] = json!(caps);
            }
        }
    });
}

/// The same bundle run by real root with runc (no user namespace).
fn reference(lab: &Lab, name: &str, user: &Value, caps: Option<&[&str]>, args: &[&str]) -> Out {
    let b = lab.bundle(name, false, args);
    set_user(&b, user.clone(), caps);
    let mut c = Command::new("runc");
    c.args(["--root", &format!("{}/root-state", lab.dir.display()), "run", "-b"]).arg(&b).arg(id(name));
    let o = run(c);
    assert!(o.ok, "real root's runc failed ({:?}): {}", o.code, o.stderr);
    o
}

fn sha(p: &Path) -> Vec<u8> {
    std::fs::read(p).expect("read")
}

#[test]
fn inject_runs_an_unmapped_user_as_real_root_runs_it_and_remove_restores_the_bytes() {
    let lab = Lab::new("user-inject");
    let args = ["sh", "-c", SHOW];
    for (name, user, caps) in [
        ("u1", json!({"uid": 33, "gid": 33, "additionalGids": [27, 33], "umask": 23}), None),
        ("u2", json!({"uid": 100, "gid": 101}), Some(&["CAP_NET_BIND_SERVICE"][..])),
    ] {
        let want = reference(&lab, &format!("{name}-ref"), &user, caps, &args);
        let b = lab.bundle(name, true, &args);
        set_user(&b, user.clone(), caps);
        let o = rootless_run(&lab, Path::new("runc"), &[], &b, &format!("{name}-plain"));
        assert!(!o.ok && o.stderr.contains("unable to setup user"), "{name}: plain rootless runc: {:?} {}", o.code, o.stderr);
        let cfg = b.join("config.json");
        let before = sha(&cfg);
        let o = inject(&lab, &b, &[]);
        assert!(o.ok, "{name}: inject failed: {}", o.stderr);
        let v: Value = serde_json::from_slice(&sha(&cfg)).expect("json");
        assert_eq!((v["process"]["user"]["uid"].clone(), v["process"]["user"]["gid"].clone()), (json!(0), json!(0)), "{name}: the runtime gets the mapped root");
        let again = sha(&cfg);
        assert!(inject(&lab, &b, &[]).ok);
        assert_eq!(sha(&cfg), again, "{name}: a second inject changes nothing");
        let o = rootless_run(&lab, Path::new("runc"), &[], &b, name);
        assert!(o.ok, "{name}: the injected bundle failed ({:?}): {}", o.code, o.stderr);
        assert_eq!(o.stdout, want.stdout, "{name}: injected vs real root");
        assert!(inject(&lab, &b, &["--remove"]).ok);
        assert_eq!(sha(&cfg), before, "{name}: --remove gives back the original bytes");
    }
}

#[test]
fn a_malformed_user_is_refused_and_the_file_kept() {
    let lab = Lab::new("user-bad");
    for (i, user) in [json!({"uid": -1, "gid": 0}), json!({"uid": 33, "gid": "x"}), json!({"uid": 33, "gid": 33, "additionalGids": [1, "a"]}), json!("33")].into_iter().enumerate() {
        let b = lab.bundle(&format!("bad{i}"), true, &["id"]);
        set_user(&b, user.clone(), None);
        let cfg = b.join("config.json");
        let before = sha(&cfg);
        let o = inject(&lab, &b, &[]);
        assert_eq!(o.code, Some(125), "{user}: {}", o.stderr);
        assert_eq!(o.stderr.lines().count(), 1, "{user}: {}", o.stderr);
        assert!(o.stderr.starts_with("credshim: oci inject: ") && o.stderr.contains("process.user"), "{user}: {}", o.stderr);
        assert_eq!(sha(&cfg), before, "{user}: the file was changed");
    }
}

/// A container created and started through the wrapper (or by real root
/// with runc), deleted by id and its init killed by pid at the end.
struct Ct<'a> {
    lab: &'a Lab,
    id: String,
    root: bool,
    pid: Option<u32>,
}

impl Ct<'_> {
    fn runtime(&self, args: &[&str]) -> Out {
        let mut c = if self.root {
            let mut c = Command::new("runc");
            c.args(["--root", &format!("{}/root-state", self.lab.dir.display())]);
            c
        } else {
            let mut c = self.lab.as_user(self.lab.wrapper());
            c.args(["--root", &self.lab.state()]);
            c
        };
        c.args(args);
        run(c)
    }
    fn start(&mut self, bundle: &Path) {
        let (mut c, state) = if self.root {
            (Command::new("runc"), format!("{}/root-state", self.lab.dir.display()))
        } else {
            (self.lab.as_user(self.lab.wrapper()), self.lab.state())
        };
        c.args(["--root", &state, "create", "--bundle"]).arg(bundle).arg(&self.id);
        c.stdin(std::process::Stdio::null()).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
        let mut g = Guard(c.spawn().expect("spawns"));
        assert!(g.wait(LIMIT).is_some_and(|s| s.success()), "create of {} failed", self.id);
        drop(g);
        let st: Value = serde_json::from_str(&self.runtime(&["state", &self.id]).stdout).expect("state");
        self.pid = st["pid"].as_u64().map(|p| p as u32);
        assert!(self.runtime(&["start", &self.id]).ok, "start of {}", self.id);
    }
}

impl Drop for Ct<'_> {
    fn drop(&mut self) {
        let _ = self.runtime(&["delete", "--force", &self.id]);
        if let Some(pid) = self.pid.filter(|&p| state(p).is_some_and(|s| s != 'Z')) {
            harness::kill(pid, libc::SIGKILL);
        }
    }
}

#[test]
fn exec_as_an_unmapped_user_through_the_wrapper_matches_real_root() {
    let lab = Lab::new("user-exec");
    let user = json!({"uid": 100, "gid": 101, "additionalGids": [50]});
    let b = lab.bundle("x", true, &["sleep", "1000"]);
    set_user(&b, user.clone(), None);
    let rb = lab.bundle("xref", false, &["sleep", "1000"]);
    set_user(&rb, user, None);
    let mut mine = Ct { lab: &lab, id: id("x"), root: false, pid: None };
    mine.start(&b);
    let mut theirs = Ct { lab: &lab, id: id("xref"), root: true, pid: None };
    theirs.start(&rb);
    let process = lab.dir.join("process.json");
    let mut p: Value = serde_json::from_slice(&sha(&rb.join("config.json"))).expect("json");
    p = p["process"].take();
    p["args"] = json!(["sh", "-c", "id"]);
    p["user"] = json!({"uid": 33, "gid": 33, "additionalGids": [4]});
    std::fs::write(&process, p.to_string()).expect("process.json");
    let proc_s = process.to_string_lossy().into_owned();
    for flags in [&[][..], &["--user", "33:33"], &["--user=33"], &["-u", "0:0"], &["--user", "33:33", "--additional-gids", "27", "--additional-gids", "4"], &["--process", &proc_s]] {
        let mut args = vec!["exec"];
        args.extend(flags);
        let id_m = mine.id.clone();
        let id_t = theirs.id.clone();
        let tail: &[&str] = if flags.first() == Some(&"--process") { &[] } else { &["sh", "-c", "id"] };
        let a = [args.clone(), vec![&id_m], tail.to_vec()].concat();
        let t = [args, vec![&id_t], tail.to_vec()].concat();
        let got = mine.runtime(&a);
        let want = theirs.runtime(&t);
        assert!(want.ok, "real root's exec {flags:?}: {}", want.stderr);
        assert!(got.ok, "exec {flags:?} through the wrapper ({:?}): {}", got.code, got.stderr);
        assert_eq!(got.stdout, want.stdout, "exec {flags:?}");
    }
}

/// `--mode hook` cannot start such a user in a bundle of its own user
/// namespace (runc refuses it before any call reaches the tracer): one
/// line, status 125, the file kept. Shown first: runc's own refusal.
#[test]
fn the_hook_mode_refuses_an_unmapped_user_runc_would_refuse() {
    let lab = Lab::new("user-hook");
    let b = lab.bundle("h", true, &["id"]);
    set_user(&b, json!({"uid": 33, "gid": 33}), None);
    let o = rootless_run(&lab, Path::new("runc"), &[], &b, "h-plain");
    assert!(!o.ok && o.stderr.contains("unable to setup user"), "plain rootless runc: {}", o.stderr);
    let cfg = b.join("config.json");
    let before = sha(&cfg);
    let o = inject(&lab, &b, &["--mode", "hook"]);
    assert_eq!(o.code, Some(125), "{}", o.stderr);
    assert_eq!(o.stderr.lines().count(), 1, "{}", o.stderr);
    assert!(o.stderr.contains("process.user 33:33 is not mapped") && o.stderr.contains("use --mode wrap"), "{}", o.stderr);
    assert_eq!(sha(&cfg), before, "the file was changed");
    // A mapped user is fine.
    set_user(&b, json!({"uid": 0, "gid": 0}), None);
    assert!(inject(&lab, &b, &["--mode", "hook"]).ok);
}
