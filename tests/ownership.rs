//! File ownership beyond the conformance cases: the raw stat family of
//! both ABIs in both channels against real root, `--ownership xattr`
//! across two runs with the attribute hidden, and the round trip with
//! umoci's rootless unpack and repack.

mod harness;

use credprobe::runner::run_with_timeout;
use harness::hook::HookLab;
use harness::{as_account, command, host_bset, ns_owner, ns_uid, ns_wrapper, Scratch};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

fn sh(prefix: &[String], dir: &Path, line: &str) -> (Option<i32>, String) {
    let mut c = command(prefix, &["sh", "-c", line]);
    c.current_dir(dir).env("HOME", dir);
    let (st, out) = run_with_timeout(c, Duration::from_secs(60)).expect("finishes");
    (st.code(), out)
}

fn chown_r(owner: &str, p: &Path) {
    assert!(Command::new("chown").arg("-R").arg(owner).arg(p).status().expect("chown").success());
}

const STAT_CASE: &str = "touch f && chown 33:44 f && ln -s f l && mkdir d && chown 55:66 d && chmod 4755 f && ./statown f l d";

#[test]
fn the_raw_stat_family_shows_recorded_owners_like_real_root() {
    let s = Scratch::new("ownership-stat");
    let hook = HookLab::new("ownership-stat", host_bset(), Duration::from_secs(60));
    let stops = HookLab::new("ownership-stat-stops", host_bset(), Duration::from_secs(60));
    for (abi, flags) in [("64", &[][..]), ("32", &["-m32"][..])] {
        let prog = s.build_c("statown", flags);
        let host = s.dir.join(format!("host{abi}"));
        std::fs::create_dir(&host).expect("mkdir");
        std::fs::copy(&prog, host.join("statown")).expect("copy");
        let want = sh(&[], &host, STAT_CASE);
        assert_eq!(want.0, Some(0), "real root: {want:?}");
        assert!(want.1.contains("stat f: r=0 33:44 104755") && want.1.contains("stat d: r=0 55:66 40755"), "{want:?}");
        // Both channels in a single-id namespace, and the hook route (a
        // rootless runc container, the listener to `credshim oci hook`).
        let channels = [
            ("notify", ns_wrapper(&s.credshim(), host_bset(), &[], &["--intercept=notify"])),
            ("ptrace", ns_wrapper(&s.credshim(), host_bset(), &[], &["--intercept=ptrace"])),
            ("hook", hook.wrapper(&[])),
            ("hook-stops", stops.wrapper(&["--hook-channel=stops"])),
        ];
        for (ch, w) in channels {
            let ns = s.dir.join(format!("ns{abi}{ch}"));
            std::fs::create_dir(&ns).expect("mkdir");
            std::fs::copy(&prog, ns.join("statown")).expect("copy");
            chown_r(&ns_owner(), &ns);
            let got = sh(&w, &ns, STAT_CASE);
            assert_eq!(got, want, "-m{abi} {ch}");
        }
    }
    hook.assert_listener();
    stops.assert_channel("stops");
}

/// The chown family's argument checks in fs/open.c's order (chownargs.c):
/// empty paths (ENOENT; AT_EMPTY_PATH acts on the fd or the cwd), bad and
/// O_PATH fds (EBADF), bad flags (EINVAL, even with a bad path pointer),
/// failed lookups (ENOENT, ENOTDIR), symlinks, ids the namespace does not
/// map and -1: both ABIs, both channels, and `--ownership xattr`, against
/// real root.
#[test]
fn the_chown_family_checks_its_arguments_like_real_root() {
    let s = Scratch::new("ownership-chownargs");
    let hook = HookLab::new("ownership-chownargs", host_bset(), Duration::from_secs(60));
    let stops = HookLab::new("ownership-chownargs-stops", host_bset(), Duration::from_secs(60));
    for (abi, flags) in [("64", &[][..]), ("32", &["-m32"][..])] {
        let prog = s.build_c("chownargs", flags);
        let host = s.dir.join(format!("host{abi}"));
        std::fs::create_dir(&host).expect("mkdir");
        let want = sh(&[], &host, &prog.to_string_lossy());
        assert_eq!(want.0, Some(0), "real root: {want:?}");
        for needle in ["SYS_chown, \"\", 33, 33 = -1 ENOENT", "\"f\", 33, 33, 9999 = -1 EINVAL", "SYS_fchown, pfd, 33, 33 = -1 EBADF"] {
            assert!(want.1.contains(needle), "real root does not say {needle:?}:\n{}", want.1);
        }
        // The hook route with either store (inject's --ownership).
        let runs = [
            ("notify", ns_wrapper(&s.credshim(), host_bset(), &[], &["--intercept=notify"])),
            ("ptrace", ns_wrapper(&s.credshim(), host_bset(), &[], &["--intercept=ptrace"])),
            ("notify-xattr", ns_wrapper(&s.credshim(), host_bset(), &[], &["--intercept=notify", "--ownership=xattr"])),
            ("hook", hook.wrapper(&[])),
            ("hook-xattr", hook.wrapper(&["--ownership=xattr"])),
            ("hook-stops", stops.wrapper(&["--hook-channel=stops"])),
        ];
        for (args, w) in runs {
            let ns = s.dir.join(format!("ns{abi}-{args}"));
            std::fs::create_dir(&ns).expect("mkdir");
            chown_r(&ns_owner(), &ns);
            let got = sh(&w, &ns, &prog.to_string_lossy());
            assert_eq!(got, want, "-m{abi} {args} (left) vs real root (right)");
        }
    }
    hook.assert_listener();
    stops.assert_channel("stops");
}

#[test]
fn xattr_mode_keeps_owners_on_the_files_and_hides_the_attribute() {
    let s = Scratch::new("ownership-xattr");
    let d = s.dir.join("x");
    std::fs::create_dir(&d).expect("mkdir");
    chown_r(&ns_owner(), &d);
    let w = ns_wrapper(&s.credshim(), host_bset(), &[], &["--ownership=xattr"]);
    let first = "touch f g && chown 33:33 f && mkdir -m 777 d && setpriv --reuid=44 --regid=45 --clear-groups touch d/new && setfattr -n user.other -v 1 g && echo ok";
    assert_eq!(sh(&w, &d, first), (Some(0), "ok\n".into()));
    // Outside credshim the owners are in the attribute (uid 33 and gid 33;
    // 44 and 45), in the rootless-containers proto encoding.
    let raw = sh(&[], &d, "getfattr --absolute-names -n user.rootlesscontainers -e hex f d/new | grep =");
    assert_eq!(raw.1, "user.rootlesscontainers=0x08211021\nuser.rootlesscontainers=0x082c102d\n", "{raw:?}");
    // A new credshim reads them back; the attribute is invisible to the
    // command, and other attributes are untouched.
    let second = r#"stat -c '%u:%g %n' f d/new g; getfattr -d -m - f d/new; echo "getfattr: $?"; getfattr -n user.other --only-values g; echo; python3 -c '
import errno, os
print(os.listxattr("f"), os.listxattr("g"), os.listxattr("d/new", follow_symlinks=False))
for call in (lambda: os.getxattr("f", "user.rootlesscontainers"), lambda: os.removexattr("f", "user.rootlesscontainers")):
    try:
        call()
    except OSError as e:
        print(errno.errorcode[e.errno])
fd = os.open("f", os.O_RDONLY)
print(os.listxattr(fd))
'"#;
    let got = sh(&w, &d, second);
    let want = "33:33 f\n44:45 d/new\n0:0 g\ngetfattr: 0\n1\n[] ['user.other'] []\nENODATA\nENODATA\n[]\n";
    assert_eq!(got, (Some(0), want.into()));
    // Session mode does not read them: the namespace's real owner shows.
    let plain = ns_wrapper(&s.credshim(), host_bset(), &[], &["--ownership=session"]);
    assert_eq!(sh(&plain, &d, "stat -c '%u:%g' f").1, "0:0\n");
}

/// The latest layer's tar listing of the image's `tag`.
fn layer_listing(dir: &Path, tag: &str) -> String {
    let index: String = std::fs::read_to_string(dir.join("img/index.json")).expect("index.json");
    let py = format!(
        "import json,sys\nm=[x for x in json.load(open('img/index.json'))['manifests'] if x['annotations']['org.opencontainers.image.ref.name']=='{tag}'][0]\n\
         l=json.load(open('img/blobs/sha256/'+m['digest'].split(':')[1]))['layers'][-1]\nprint('img/blobs/sha256/'+l['digest'].split(':')[1])"
    );
    let out = Command::new("python3").arg("-c").arg(py).current_dir(dir).output().expect("python3");
    assert!(out.status.success(), "{index}");
    let blob = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let out = Command::new("tar").args(["-tvzf", &blob, "--numeric-owner"]).current_dir(dir).output().expect("tar");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn umoci_rootless_unpack_and_repack_round_trip_through_credshim() {
    let s = Scratch::new("ownership-umoci");
    let d = s.dir.join("u");
    std::fs::create_dir(&d).expect("mkdir");
    // As real root: an image whose layer has files of uid 33 and 100.
    let make = "umoci init --layout img && umoci new --image img:t && umoci unpack --image img:t b0 >/dev/null && mkdir b0/rootfs/srv && echo w > b0/rootfs/srv/www && echo h > b0/rootfs/srv/hundred && echo p > b0/rootfs/srv/plain && chown 33:33 b0/rootfs/srv/www && chown 100:101 b0/rootfs/srv/hundred && umoci repack --image img:t b0 && rm -rf b0";
    let made = sh(&[], &d, make);
    assert_eq!(made.0, Some(0), "{made:?}");
    chown_r(&ns_owner(), &d);
    // The unprivileged user unpacks it rootless: one owner on disk, the
    // others in user.rootlesscontainers.
    let user: Vec<String> = std::iter::once("setpriv".to_string()).chain(as_account()).collect();
    let un = sh(&user, &d, "umoci unpack --rootless --image img:t b1 >/dev/null && stat -c '%u %n' b1/rootfs/srv/www");
    assert_eq!(un, (Some(0), format!("{} b1/rootfs/srv/www\n", ns_uid())));
    let w = ns_wrapper(&s.credshim(), host_bset(), &[], &["--ownership=xattr"]);
    let got = sh(&w, &d, "cd b1/rootfs/srv && stat -c '%u:%g %n' hundred plain www && chown 44 plain && stat -c '%u:%g %n' plain && getfattr -d -m - plain www; echo $?");
    assert_eq!(got, (Some(0), "100:101 hundred\n0:0 plain\n33:33 www\n44:0 plain\n0\n".into()));
    let re = sh(&user, &d, "umoci repack --image img:t b1 >/dev/null && echo repacked");
    assert_eq!(re, (Some(0), "repacked\n".into()));
    let listing = layer_listing(&d, "t");
    assert!(listing.contains(" 44/0 ") && listing.contains("srv/plain"), "the new layer: {listing}");
}
