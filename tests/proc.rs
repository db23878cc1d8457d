//! `--proc` (issue 16, part 2): a traced task's /proc status files show
//! its virtual credentials, so ps, pgrep and libcap-ng readers see the
//! dropped user, as real root's kernel shows it.

mod harness;

use harness::{command, free_port, host_bset, ns_owner, ns_wrapper, Scratch};
use std::path::Path;
use std::time::Duration;

fn output(c: std::process::Command) -> (Option<i32>, String, String) {
    harness::output(c, Duration::from_secs(60))
}

const CASES: &[(&str, &str)] = &[
    ("status after a drop", "setpriv --reuid=33 --regid=33 --groups=4,5 sh -c 'grep -E \"^(Uid|Gid|Groups|Cap|NoNewPrivs)\" /proc/self/status /proc/thread-self/status'"),
    ("a child reads its parent's and its own", "setpriv --reuid=33 --regid=44 --clear-groups sh -c 'grep -E \"^(Uid|Gid|CapEff)\" /proc/$$/status; sh -c \"grep -hE ^Uid /proc/\\$PPID/task/\\$PPID/status /proc/self/status\"'"),
    ("keep-caps and ambient", "setpriv --reuid=33 --regid=33 --clear-groups --inh-caps=+net_bind_service --ambient-caps=+net_bind_service grep -E '^Cap' /proc/self/status"),
    ("no_new_privs", "setpriv --no-new-privs --reuid=33 --regid=33 --clear-groups grep NoNewPrivs /proc/self/status"),
    ("setpriv --dump (libcap-ng)", "setpriv --reuid=33 --regid=33 --clear-groups --bounding-set=-all setpriv --dump"),
    ("ps and pgrep of a dropped daemon", "setpriv --reuid=33 --regid=33 --clear-groups sleep 5 & sleep 0.3; ps -o euser,egroup,ruser,rgroup,comm -p $!; pgrep -u 33 -x sleep >/dev/null && echo pgrep found it; kill $!"),
    ("root's own status", "grep -E '^(Uid|Gid|CapEff)' /proc/self/status"),
    // fs/proc/base.c task_dump_owner: /proc/PID and /proc/PID/task/TID
    // belong to the effective ids; what is in them too while the task is
    // dumpable (exec with matching ids makes it so again).
    ("the owner of /proc/PID after a drop and exec", r#"setpriv --reuid=33 --regid=44 --clear-groups sh -c 'stat -c "%u %g %A" /proc/$$ /proc/$$/status /proc/$$/task/$$ /proc/thread-self/stat /proc/$$/fd'"#),
    ("a drop without exec leaves the task non-dumpable", r#"perl -e '$) = "44 44"; $( = 44; $< = $> = 33; my @o = map { join(" ", (stat $_)[4, 5]) } "/proc/self", "/proc/self/status", "/proc/$$/task/$$/environ"; syscall(157, 4, 1, 0, 0, 0) == 0 or die; my @d = map { join(" ", (stat $_)[4, 5]) } "/proc/self/status", "/proc/$$/fd"; print "@o | @d | ", syscall(157, 3, 0, 0, 0, 0), "\n"'"#),
];

#[test]
fn proc_status_shows_the_virtual_task_as_real_root_shows_it() {
    let s = Scratch::new("proc");
    // Notifications install the descriptor; at a seccomp stop the task
    // opens credshim's instead.
    for channel in ["--intercept=notify", "--intercept=ptrace"] {
        let w = ns_wrapper(&s.credshim(), host_bset(), &[], &[channel, "--proc"]);
        let plain = ns_wrapper(&s.credshim(), host_bset(), &[], &[channel]);
        let mut differs_without = 0;
        for (name, line) in CASES {
            let want = output(command(&[], &["sh", "-c", line]));
            assert_eq!(want.0, Some(0), "{name}: real root: {want:?}");
            let got = output(command(&w, &["sh", "-c", line]));
            assert_eq!((got.0, &got.1), (want.0, &want.1), "{name}: credshim {channel} --proc vs real root: {}", got.2);
            if output(command(&plain, &["sh", "-c", line])).1 != want.1 {
                differs_without += 1;
            }
        }
        // Without --proc the kernel shows the namespace's root: the cases
        // that drop differ (root's own status is the same either way).
        assert!(differs_without >= CASES.len() - 1, "{channel}: only {differs_without} cases differ without --proc");
    }
}

#[test]
fn without_seccomp_the_status_files_are_the_kernels_and_the_owner_is_virtual() {
    let s = Scratch::new("procnoseccomp");
    let w = ns_wrapper(&s.credshim(), host_bset(), &[], &["--no-seccomp", "--proc"]);
    let line = r#"grep ^Uid /proc/self/status; stat -c "%u %g" /proc/$$ /proc/$$/status"#;
    let got = output(command(&w, &["setpriv", "--reuid=33", "--regid=33", "--clear-groups", "sh", "-c", line]));
    assert_eq!(got.0, Some(0), "{got:?}");
    assert!(got.2.contains("--proc needs a seccomp filter for the status files"), "{}", got.2);
    // Without a filter there is no stop at which the open can be turned to
    // credshim's descriptor: the kernel's view, the namespace's root. The
    // owner is the stat family's answer, any channel.
    assert_eq!(got.1, "Uid:\t0\t0\t0\t0\n33 33\n33 33\n");
}

/// Daemons that drop privileges, as ps and pgrep see them: nginx's
/// workers (`user www-data;`), busybox httpd -u, memcached -u memcache,
/// and a start-stop-daemon --chuid background process, each started in
/// the background, looked at, and stopped; real root vs credshim --proc.
#[test]
fn ps_and_pgrep_see_daemons_that_dropped_as_real_root_sees_them() {
    let s = Scratch::new("procdaemons");
    let conf = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/nginx.conf.in");
    let port = free_port().to_string();
    let side = |name: &str, owner: &str| -> String {
        let d = s.dir.join(name);
        std::fs::create_dir_all(d.join("www")).expect("mkdir");
        std::fs::copy(&conf, d.join("nginx.conf.in")).expect("conf");
        std::fs::write(d.join("www/index.html"), "hi\n").expect("page");
        assert!(std::process::Command::new("chown").arg("-R").arg(owner).arg(&d).status().expect("chown").success());
        d.to_string_lossy().into_owned()
    };
    let host_d = side("host", "0:0");
    let ns_d = side("ns", &ns_owner());
    let script = "sed \"s|@D@|$D|g; s|@PORT@|$PORT|g\" $D/nginx.conf.in > $D/nginx.conf; nginx -c $D/nginx.conf & N=$!; \
        busybox httpd -f -u www-data:www-data -p 127.0.0.1:$((PORT+1)) -h $D/www & B=$!; \
        memcached -u memcache -l 127.0.0.1 -p $((PORT+2)) -U 0 & M=$!; \
        start-stop-daemon --start --background --make-pidfile --pidfile $D/sleep.pid --chuid www-data:www-data --exec /bin/sleep -- 30 \
        && for i in $(seq 100); do curl -sf http://127.0.0.1:$PORT/ >/dev/null && [ \"$(ps -o comm= -p $(cat $D/sleep.pid 2>/dev/null || echo 1))\" = sleep ] \
             && [ $(pgrep -P $N | wc -l) = 2 ] && python3 -c \"import socket; socket.create_connection(('127.0.0.1', $((PORT+2))))\" 2>/dev/null && break; sleep 0.1; done; S=$(cat $D/sleep.pid); \
        ps -o euser,egroup,ruser,rgroup,comm -p \"$N $B $M $S $(pgrep -P $N | tr '\\n' ' ')\" | sort; \
        echo \"nginx workers: $(pgrep -u www-data -P $N | wc -l) as www-data; master as root: $(pgrep -u root -x nginx | grep -cx $N)\"; \
        echo \"httpd as www-data: $(pgrep -u www-data -x busybox | grep -cx $B); sleep as www-data: $(pgrep -u www-data -x sleep | grep -cx $S)\"; \
        echo \"memcached as memcache: $(pgrep -u memcache -x memcached | grep -cx $M)\"; \
        kill $N $B $M $(cat $D/sleep.pid); wait";
    let run = |prefix: &[String], d: &str| {
        let mut c = command(prefix, &["sh", "-c", script]);
        c.env("D", d).env("PORT", &port).current_dir("/");
        output(c)
    };
    let want = run(&[], &host_d);
    assert_eq!(want.0, Some(0), "real root: {want:?}");
    assert!(want.1.contains("nginx workers: 2 as www-data; master as root: 1") && want.1.contains("httpd as www-data: 1; sleep as www-data: 1") && want.1.contains("memcached as memcache: 1"), "real root: {}", want.1);
    for channel in ["--intercept=notify", "--intercept=ptrace"] {
        let w = ns_wrapper(&s.credshim(), host_bset(), &[], &[channel, "--proc"]);
        let got = run(&w, &ns_d);
        assert_eq!((got.0, &got.1), (want.0, &want.1), "credshim {channel} --proc vs real root: {}", got.2);
    }
    // Without --proc ps shows the namespace's root for every one of them.
    let plain = ns_wrapper(&s.credshim(), host_bset(), &[], &["--intercept=notify"]);
    let got = run(&plain, &ns_d);
    assert!(got.1.contains("nginx workers: 0 as www-data"), "without --proc: {}", got.1);
}
