//! credshim as a supervisor: PID 1 duties, signals from outside, daemons
//! that double-fork, and an interactive shell with job control.

mod harness;

use harness::{command, descendants, free_port, host_bset, kill, ns_plain, ns_wrapper, state, wait_until, Guard, Scratch};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::Command;
use std::time::Duration;

/// credshim as PID 1 of a new PID namespace inside the single-id user
/// namespace: `unshare --pid --fork --mount-proc credshim -- ...`.
fn as_pid1(s: &Scratch, payload: &[&str]) -> Command {
    let cs = s.credshim().to_string_lossy().into_owned();
    let mut rest = vec!["unshare", "--pid", "--fork", "--mount-proc", &cs, "--"];
    rest.extend_from_slice(payload);
    command(&ns_plain(), &rest)
}

#[test]
fn as_pid1_orphans_are_reaped() {
    let s = Scratch::new("pid1reap");
    let script = "for i in $(seq 50); do (sleep 0.2 &) ; done; sleep 3; echo done";
    let mut g = Guard::spawn(as_pid1(&s, &["sh", "-c", script]));
    let cs = wait_until(Duration::from_secs(20), || g.find("credshim").is_some());
    assert!(cs, "credshim starts");
    // The 50 orphans exit after 0.2 s; a second later none may be a zombie.
    std::thread::sleep(Duration::from_millis(1500));
    let tree = descendants(g.0.id());
    let zombies: Vec<u32> = tree.iter().copied().filter(|&p| state(p) == Some('Z')).collect();
    assert!(zombies.is_empty(), "zombies left under PID 1: {zombies:?}");
    assert!(tree.len() < 10, "the orphans are gone: {} processes left", tree.len());
    let st = g.wait(Duration::from_secs(20)).expect("ends");
    assert_eq!(st.code(), Some(0));
    assert_eq!(g.stdout(), "done\n");
}

#[test]
fn as_pid1_sigterm_reaches_the_payload_and_its_status_is_the_containers() {
    let s = Scratch::new("pid1term");
    let script = "trap 'echo got TERM; exit 5' TERM; echo ready; while :; do sleep 0.05; done";
    let mut g = Guard::spawn(as_pid1(&s, &["sh", "-c", script]));
    let mut out = BufReader::new(g.0.stdout.take().expect("stdout"));
    let mut line = String::new();
    out.read_line(&mut line).expect("ready");
    assert_eq!(line, "ready\n");
    let cs = g.find("credshim").expect("credshim runs");
    kill(cs, libc::SIGTERM);
    let st = g.wait(Duration::from_secs(20)).expect("the container ends");
    let mut rest = String::new();
    out.read_to_string(&mut rest).expect("output");
    assert_eq!(rest, "got TERM\n");
    assert_eq!(st.code(), Some(5));
}

fn get(port: u16) -> Option<String> {
    let mut c = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    c.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    c.write_all(b"GET /index.html HTTP/1.0\r\nHost: localhost\r\n\r\n").ok()?;
    let mut s = String::new();
    c.read_to_string(&mut s).ok()?;
    Some(s)
}

/// busybox httpd daemonizes (forks and lets its parent exit) by default.
fn daemon(s: &Scratch, port: u16, args: &[&str]) -> Guard {
    let www = s.dir.join("www");
    std::fs::create_dir_all(&www).expect("www");
    std::fs::write(www.join("index.html"), "hello from a daemon\n").expect("page");
    std::fs::set_permissions(&www, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    let cs = s.credshim().to_string_lossy().into_owned();
    let addr = format!("127.0.0.1:{port}");
    let mut rest = vec![cs.as_str()];
    rest.extend_from_slice(args);
    rest.extend(["--", "busybox", "httpd", "-p", &addr, "-h"]);
    let www = www.to_string_lossy().into_owned();
    rest.push(&www);
    Guard::spawn(command(&ns_plain(), &rest))
}

#[test]
fn a_daemon_that_double_forks_keeps_running_traced() {
    let s = Scratch::new("daemon");
    let port = free_port();
    let mut g = daemon(&s, port, &[]);
    assert!(wait_until(Duration::from_secs(20), || get(port).is_some_and(|r| r.contains("hello from a daemon"))), "the daemon serves");
    assert!(g.0.try_wait().expect("try_wait").is_none(), "credshim waits while the daemon lives");
    let httpd = g.find("busybox").expect("the daemon is under credshim (subreaper)");
    let traced = std::fs::read_to_string(format!("/proc/{httpd}/status")).unwrap_or_default();
    assert!(!traced.contains("TracerPid:\t0"), "the daemon is still traced");
    kill(g.0.id(), libc::SIGTERM); // the first process is setpriv, exec'ed into credshim
    assert!(g.wait(Duration::from_secs(20)).is_some(), "credshim ends once the daemon ends");
    assert!(wait_until(Duration::from_secs(5), || state(httpd).is_none()), "no process survives credshim");
}

#[test]
fn with_exit_with_main_the_daemon_is_stopped_when_main_exits() {
    let s = Scratch::new("exitmain");
    let port = free_port();
    let mut g = daemon(&s, port, &["--exit-with-main", "--grace", "2"]);
    let st = g.wait(Duration::from_secs(20)).expect("credshim ends with the main process");
    assert_eq!(st.code(), Some(0));
    assert!(get(port).is_none(), "the daemon was stopped");
}

#[test]
fn a_thousand_signals_from_outside_are_each_delivered() {
    let s = Scratch::new("sigcount");
    let prog = s.build_c("sigcount", &[]);
    let p = prog.to_string_lossy().into_owned();
    for wrapper in [vec![], ns_wrapper(&s.credshim(), host_bset(), &[], &[])] {
        let mut g = Guard::spawn(command(&wrapper, &[&p]));
        let mut out = BufReader::new(g.0.stdout.take().expect("stdout"));
        let mut line = String::new();
        out.read_line(&mut line).expect("pid line");
        let pid: u32 = line.trim().strip_prefix("pid ").and_then(|x| x.parse().ok()).expect("a pid");
        for n in 1..=1000 {
            kill(pid, libc::SIGUSR1);
            line.clear();
            out.read_line(&mut line).expect("an answer");
            assert_eq!(line, format!("got {n}\n"), "signal {n} (wrapper {wrapper:?})");
        }
        assert_eq!(g.wait(Duration::from_secs(20)).and_then(|s| s.code()), Some(0));
    }
}

fn tmux(args: &[&str]) -> String {
    let o = Command::new("tmux").args(["-L", "credshim-test"]).args(args).output().expect("tmux runs");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn screen_shows(what: &str, limit: Duration) -> bool {
    wait_until(limit, || tmux(&["capture-pane", "-p", "-t", "job"]).contains(what))
}

#[test]
fn an_interactive_shell_with_job_control() {
    let s = Scratch::new("tmux");
    std::fs::set_permissions(&s.dir, std::os::unix::fs::PermissionsExt::from_mode(0o1777)).expect("chmod");
    let status = s.dir.join("status");
    let cs = s.credshim().to_string_lossy().into_owned();
    let inner = format!(
        "{} {cs} -- bash --norc --noprofile -i; echo $? > {}",
        ns_plain().join(" "),
        status.display()
    );
    tmux(&["kill-server"]);
    tmux(&["new-session", "-d", "-s", "job", "-x", "120", "-y", "40", "sh", "-c", &inner]);
    let done = (|| {
        if !screen_shows("#", Duration::from_secs(20)) {
            return Err("no prompt".to_string());
        }
        tmux(&["send-keys", "-t", "job", "sleep 100", "Enter"]);
        std::thread::sleep(Duration::from_millis(500));
        tmux(&["send-keys", "-t", "job", "C-z"]);
        if !screen_shows("Stopped", Duration::from_secs(10)) {
            return Err(format!("Ctrl-Z did not stop sleep:\n{}", tmux(&["capture-pane", "-p", "-t", "job"])));
        }
        tmux(&["send-keys", "-t", "job", "jobs", "Enter"]);
        if !wait_until(Duration::from_secs(10), || {
            tmux(&["capture-pane", "-p", "-t", "job"]).matches("Stopped").count() >= 2
        }) {
            return Err("jobs does not show it stopped".into());
        }
        tmux(&["send-keys", "-t", "job", "fg", "Enter"]);
        std::thread::sleep(Duration::from_millis(500));
        tmux(&["send-keys", "-t", "job", "C-c"]);
        tmux(&["send-keys", "-t", "job", "echo back at the prompt", "Enter"]);
        if !screen_shows("\nback at the prompt", Duration::from_secs(10)) {
            return Err(format!("Ctrl-C did not return to the prompt:\n{}", tmux(&["capture-pane", "-p", "-t", "job"])));
        }
        tmux(&["send-keys", "-t", "job", "exit 3", "Enter"]);
        if !wait_until(Duration::from_secs(10), || std::fs::read_to_string(&status).is_ok_and(|s| s == "3\n")) {
            return Err("exit 3 did not give status 3".into());
        }
        Ok(())
    })();
    tmux(&["kill-server"]);
    if let Err(e) = done {
        panic!("{e}");
    }
}

/// `-g`: the command runs in a process group of its own and a signal sent
/// to credshim reaches the whole group (like tini -g).
#[test]
fn signal_group_reaches_the_whole_group() {
    let s = Scratch::new("group");
    let script = s.dir.join("group.sh");
    std::fs::write(
        &script,
        "trap 'echo parent got TERM' TERM\n\
         sh -c 'trap \"echo child got TERM; exit 0\" TERM; echo ready; while :; do sleep 0.05; done' &\n\
         wait\nwait\necho end\n",
    )
    .expect("script");
    let cs = s.credshim().to_string_lossy().into_owned();
    let sc = script.to_string_lossy().into_owned();
    let mut g = Guard::spawn(command(&ns_plain(), &[&cs, "-g", "--", "sh", &sc]));
    let mut out = BufReader::new(g.0.stdout.take().expect("stdout"));
    let mut line = String::new();
    out.read_line(&mut line).expect("ready");
    assert_eq!(line, "ready\n");
    kill(g.0.id(), libc::SIGTERM);
    assert_eq!(g.wait(Duration::from_secs(20)).and_then(|s| s.code()), Some(0));
    let mut rest = String::new();
    out.read_to_string(&mut rest).expect("output");
    let mut lines: Vec<&str> = rest.lines().collect();
    lines.sort_unstable();
    assert_eq!(lines, ["child got TERM", "end", "parent got TERM"]);
}
