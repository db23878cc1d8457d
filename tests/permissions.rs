//! File permission checks (`--permissions emulate`, issue 17): what a
//! process that dropped privileges may read, write, list, create, delete,
//! chmod and touch, as real root's dropped child finds it on the host, in
//! both channels; real servers refusing a root-only page; and, without the
//! option, the difference that shows these tests can fail.

mod harness;

use credprobe::gen::Rng;
use credprobe::runner::{compare, run_with_timeout};
use credshim_shims::table::Abi;
use harness::{command, free_port, host_bset, ns_owner, ns_wrapper, sides, Scratch};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// A side's directory `name`, owned by `owner` (the host's root, or the
/// account the namespace maps to root), holding `files` (copied, 0755).
fn side(s: &Scratch, name: &str, owner: &str, files: &[&Path]) -> String {
    let d = s.dir.join(name);
    std::fs::create_dir_all(&d).expect("mkdir");
    for f in files {
        let to = d.join(f.file_name().expect("a file name"));
        std::fs::copy(f, &to).expect("copy");
        std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    assert!(Command::new("chown").arg("-R").arg(owner).arg(&d).status().expect("chown").success());
    d.to_string_lossy().into_owned()
}

fn run(prefix: &[String], d: &str, port: &str, script: &str) -> (Option<i32>, String) {
    let mut c = command(prefix, &["sh", "-c", script]);
    c.env("D", d).env("PORT", port).current_dir("/");
    let (st, out) = run_with_timeout(c, Duration::from_secs(120)).expect("finishes");
    (st.code(), out)
}

/// tests/permissions/ops.sh: root 0600/0644/0666 files, a 0640 file of
/// group 33, 0700, 0755 and 0711 directories, a sticky directory, files
/// chowned to 33 and 44 (recorded owners under credshim), a set-user-ID
/// root access()/faccessat(AT_EACCESS) probe, a POSIX ACL that grants
/// what the mode does not (honoured); then cat, appends, O_TRUNC,
/// ls, stat, touch, mkdir, cd, rm, rmdir, mv, chmod, `touch -d` and
/// `touch`, ln and truncate as uid 33 and uid 44.
#[test]
fn dropped_users_meet_the_permissions_real_root_s_children_meet() {
    let s = Scratch::new("permissions-ops");
    let probe = s.build_c("accessprobe", &[]);
    let ops = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/permissions/ops.sh");
    let host_d = side(&s, "host", "0:0", &[&probe, &ops]);
    let script = "sh $D/ops.sh";
    let want = run(&[], &host_d, "0", script);
    assert_eq!(want.0, Some(0), "real root: {want:?}");
    for line in [
        "as 33 cat s600: 1 cat: s600: Permission denied",
        "as 33 ls d700: 2 ls: cannot open directory 'd700': Permission denied",
        "as 33 cat d711/sub/f: 0 z",
        "as 33 rm -f d755/f: 1 rm: cannot remove 'd755/f': Permission denied",
        "as 33 chmod 777 p644: 1 chmod: changing permissions of 'p644': Operation not permitted",
        "as 33 touch -d 2021-01-01 w666: 1 touch: setting times of 'w666': Operation not permitted",
        "as 33 touch w666: 0 ",
        "as 33 rm -f sticky/other: 1 rm: cannot remove 'sticky/other': Operation not permitted",
        "as 33 cat g640: 0 grp",
        "as 44 cat g640: 1 cat: g640: Permission denied",
        "setpriv --reuid=33 --regid=33 --groups=0 cat acl640: 0 acl",
        "setpriv --reuid=33 --regid=33 --groups=0 cat noacl640: 1 cat: noacl640: Permission denied",
        "as 33 ./suidprobe s600: 0 ruid=33 euid=0 access(R)=Permission denied access(W)=Permission denied eaccess(R)=ok eaccess(W)=ok",
    ] {
        assert!(want.1.contains(line), "real root lacks {line:?}:\n{}", want.1);
    }
    let mut failures = vec![];
    for ch in ["--intercept=notify", "--intercept=ptrace"] {
        let ns_d = side(&s, &format!("ns{}", &ch[12..]), &ns_owner(), &[&probe, &ops]);
        let w = ns_wrapper(&s.credshim(), host_bset(), &[], &[ch, "--permissions=emulate"]);
        let got = run(&w, &ns_d, "0", script);
        if got != want {
            failures.push(format!("{ch}:\n{}", diff(&want.1, &got.1)));
        }
    }
    assert!(failures.is_empty(), "credshim --permissions=emulate differs from real root:\n{}", failures.join("\n"));
    // Without the option the kernel checks the namespace's root: the
    // dropped users may do all of it, and the comparison above would fail.
    let ns_d = side(&s, "nsoff", &ns_owner(), &[&probe, &ops]);
    let got = run(&ns_wrapper(&s.credshim(), host_bset(), &[], &["--intercept=notify"]), &ns_d, "0", script);
    assert!(got.1.contains("as 33 cat s600: 0 secret") && got.1.contains("as 33 rm -f sticky/other: 0"), "without --permissions: {}", got.1);
}

/// The lines of `got` that `want` does not have, and the other way round.
fn diff(want: &str, got: &str) -> String {
    let w: Vec<&str> = want.lines().collect();
    let g: Vec<&str> = got.lines().collect();
    let mut out = vec![];
    out.extend(w.iter().filter(|l| !g.contains(l)).map(|l| format!("  real root: {l}")));
    out.extend(g.iter().filter(|l| !w.contains(l)).map(|l| format!("  credshim:  {l}")));
    out.join("\n")
}

/// nginx (`user www-data;`) and busybox httpd -u www-data serve a 0644
/// page, and refuse a root-only 0600 page and one in a 0700 directory with
/// 403 (busybox httpd says 404: it cannot open it), as with real root;
/// their processes are stopped by pid.
#[test]
fn servers_that_drop_privileges_refuse_root_only_pages() {
    let s = Scratch::new("permissions-servers");
    let conf = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/nginx.conf.in");
    let port = free_port().to_string();
    let script = "mkdir -p $D/www/private && echo hello > $D/www/index.html && echo secret > $D/www/secret.html \
        && echo hidden > $D/www/private/p.html && chmod 644 $D/www/index.html && chmod 600 $D/www/secret.html && chmod 700 $D/www/private \
        && sed \"s|@D@|$D|g; s|@PORT@|$PORT|g\" $D/nginx.conf.in > $D/nginx.conf; nginx -c $D/nginx.conf & N=$!; \
        busybox httpd -f -u www-data:www-data -p 127.0.0.1:$((PORT+1)) -h $D/www & B=$!; \
        for i in $(seq 100); do curl -sf http://127.0.0.1:$PORT/ >/dev/null && curl -sf http://127.0.0.1:$((PORT+1))/ >/dev/null && break; sleep 0.1; done; \
        for p in $PORT $((PORT+1)); do for f in index.html secret.html private/p.html; do \
          echo \"$([ $p = $PORT ] && echo nginx || echo httpd) $f: $(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$p/$f)\"; done; done; \
        kill $N $B; wait";
    let sides = [("host", "0:0".to_string()), ("nsnotify", ns_owner()), ("nsptrace", ns_owner()), ("nsoff", ns_owner())];
    let dirs: Vec<String> = sides.iter().map(|(n, o)| side(&s, n, o, &[&conf])).collect();
    let want = run(&[], &dirs[0], &port, script);
    assert_eq!(want.0, Some(0), "real root: {want:?}");
    let expect = "nginx index.html: 200\nnginx secret.html: 403\nnginx private/p.html: 403\nhttpd index.html: 200\nhttpd secret.html: 404\nhttpd private/p.html: 404\n";
    assert_eq!(want.1, expect, "real root");
    for (i, ch) in ["--intercept=notify", "--intercept=ptrace"].iter().enumerate() {
        let got = run(&ns_wrapper(&s.credshim(), host_bset(), &[], &[ch, "--permissions=emulate"]), &dirs[i + 1], &port, script);
        assert_eq!(got, want, "credshim {ch} --permissions=emulate vs real root");
    }
    let got = run(&ns_wrapper(&s.credshim(), host_bset(), &[], &["--intercept=notify"]), &dirs[3], &port, script);
    assert!(got.1.contains("nginx secret.html: 200"), "without --permissions the page is served: {}", got.1);
}

/// The drops a probe script starts with (SCRIPT.md): root, users 33, 44
/// and 1234 (the fixture's `o` and `t/z` are 1234's), a saved root uid,
/// only the effective uid, only the fsuid, root without capabilities, and
/// user 33 who kept CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH.
const DROPS: &[&str] = &[
    "",
    "setgroups 1 33; setresgid 33 33 33; setresuid 33 33 33",
    "setgroups 1 5678; setresgid 44 44 44; setresuid 44 44 44",
    "setgroups 0 -; setresgid 1234 1234 1234; setresuid 1234 1234 1234",
    "setgroups 0 -; setresgid 33 33 33; setresuid 33 33 0",
    "setresuid -1 33 -1",
    "setfsuid 33",
    "capset 0x20080522 0 0 0 0",
    "prctl PR_SET_KEEPCAPS 1; setgroups 0 -; setresuid 33 33 33; capset 0x20080522 0 0x6 0x6 0",
];

/// Names of the fixture (SCRIPT.md "File steps"), names that are not there,
/// and paths through its 0700, 0711 and sticky directories and symlinks.
/// Not `b` (06755): truncating it clears its set-id bits in a user
/// namespace whatever the credentials (should_remove_suid asks for
/// CAP_FSETID in the initial namespace), which credshim does not change.
/// Not `dang` (a dangling symlink): an O_CREAT through it makes its target,
/// and the ownership store gives the task's owner to the link instead (an
/// ownership bug, left to the ownership rows' tests).
const PATHS: &[&str] = &[
    "a", "o", "p", "g", "w", "d", "d/x", "k", "k/y", "k/new", "m", "m/w", "m/new", "t", "t/z", "t/q", "t/new",
    "s", "sd", "sd/x", "so", "nosuch", "nosuch/x", "k/y/", "new",
];

/// One random step of the permission-checking calls (and a few others
/// whose path walk is checked). chmod to a set-group-ID mode is left out:
/// its silent S_ISGID clearing is not modelled (README).
fn step(r: &mut Rng) -> String {
    let p = r.pick(PATHS);
    let q = r.pick(PATHS);
    let open = ["O_RDONLY", "O_WRONLY", "O_RDWR", "O_WRONLY|O_TRUNC", "O_WRONLY|O_APPEND", "O_RDONLY|O_DIRECTORY", "O_PATH", "O_WRONLY|O_CREAT", "O_WRONLY|O_CREAT|O_EXCL", "O_RDONLY|O_NOFOLLOW", "O_RDONLY|O_NOATIME"];
    let mode = ["F_OK", "R_OK", "W_OK", "X_OK", "R_OK|W_OK"];
    let times = ["null", "now", "given", "omit", "nowgiven"];
    match r.below(16) {
        0 | 1 => format!("open {p} {} 0o644", r.pick(&open)),
        2 => format!("openat D {p} {} 0o600", r.pick(&open)),
        3 => format!("access {p} {}", r.pick(&mode)),
        4 => format!("faccessat2 cwd {p} {} {}", r.pick(&mode), r.pick(&["0", "AT_EACCESS", "AT_SYMLINK_NOFOLLOW"])),
        5 => format!("unlink {p}"),
        6 => format!("rmdir {p}"),
        7 => format!("unlinkat cwd {p} {}", r.pick(&["0", "AT_REMOVEDIR"])),
        8 => format!("chmod {p} {}", r.pick(&["0o600", "0o644", "0o777", "0o4755"])),
        9 => format!("{} 0o640", r.pick(&["fchmod F", "fchmod O", "fchmodat cwd a", "fchmodat D o"])),
        10 => format!("utimensat cwd {p} {} {}", r.pick(&times), r.pick(&["0", "AT_SYMLINK_NOFOLLOW"])),
        11 => format!("truncate {p} 0"),
        12 => format!("mkdir {p} 0o755"),
        13 => format!("stat {p} v"),
        14 => format!("{} {p} {q}", r.pick(&["rename", "link"])),
        _ => format!("symlink a {p}"),
    }
}

fn script(r: &mut Rng) -> String {
    let mut steps = vec![];
    let drop = r.pick(DROPS);
    if !drop.is_empty() {
        steps.push(drop.to_string());
    }
    // A permission step: the fixture then has their entries (SCRIPT.md).
    steps.push(format!("access {} {}", r.pick(PATHS), r.pick(&["F_OK", "R_OK", "W_OK", "X_OK"])));
    for _ in 0..1 + r.below(6) {
        if r.chance(8) {
            steps.push("fork".to_string());
        }
        steps.push(step(r));
    }
    steps.join("; ")
}

/// The probe's permission steps (access, faccessat2, unlink, unlinkat,
/// rmdir, chmod, fchmod, fchmodat, utimensat, truncate, and opens, mkdir,
/// stat, rename, link, symlink through the fixture's 0700, 0711 and sticky
/// directories) in random scripts after random drops: credshim
/// --permissions=emulate prints what the kernel prints for real root's
/// dropped child, in both channels; without the option it does not.
#[test]
fn random_probe_scripts_with_drops_and_file_steps_match_the_kernel() {
    let n = std::env::var("CREDSHIM_PERMISSION_SCRIPTS").ok().and_then(|v| v.parse().ok()).unwrap_or(400);
    let mut rng = Rng::new(0x0017_d0c5);
    let scripts: Vec<String> = (0..n).map(|_| script(&mut rng)).collect();
    let timeout = Duration::from_secs(900);
    for ch in ["--intercept=notify", "--intercept=ptrace"] {
        let s = sides(Abi::X86_64, &[], &[ch, "--permissions=emulate"]);
        let host = |x: &[String]| s.host.batch(&[], x, timeout);
        let traced = |x: &[String]| s.ns.batch(&s.wrapper, x, timeout);
        match compare(&scripts, &host, &traced, 100) {
            Ok(k) => assert_eq!(k, scripts.len()),
            Err(report) => panic!("credshim {ch} --permissions=emulate differs from real root:\n{report}"),
        }
    }
    let s = sides(Abi::X86_64, &[], &["--intercept=notify"]);
    let some: Vec<String> = scripts.iter().take(100).cloned().collect();
    let (want, got) = (s.host.batch(&[], &some, timeout).expect("host"), s.ns.batch(&s.wrapper, &some, timeout).expect("ns"));
    assert!(want != got, "without --permissions the dropped scripts must differ somewhere");
}
