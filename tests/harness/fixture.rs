//! The Debian fixture of tests/oci_debian.rs and tests/podman.rs: a
//! bookworm minbase rootfs tarball and a local apt repository, built or
//! reused by tests/fixtures/debian-rootfs.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Instant;

/// The stat command that shows the owners and modes of the fixture
/// repository's credshim-demo package once it is installed.
pub const DEMO_STAT: &str = "stat -c '%u:%g %a %n' /usr/share/credshim-demo/* /usr/share/credshim-demo/private/data";

/// What DEMO_STAT prints as real root after the install: the owners and
/// modes the package's archive records (dpkg-deb -c).
pub const DEMO_OWNERS: &str = "\
1234:5678 600 /usr/share/credshim-demo/odd-file
100:101 750 /usr/share/credshim-demo/private
0:0 644 /usr/share/credshim-demo/root-file
33:33 640 /usr/share/credshim-demo/www-file
100:101 640 /usr/share/credshim-demo/private/data
";

/// The fixture's paths.
pub struct Fixture {
    pub tar: PathBuf,
    pub repo: PathBuf,
}

/// Runs tests/fixtures/debian-rootfs once per test binary. It reuses its
/// cache in under a second; a cold build (debootstrap from the Debian
/// mirror) takes about 35 s. No fixture is a failure, never a skip.
pub fn debian() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/debian-rootfs");
        let t0 = Instant::now();
        // Up to several minutes on a slow mirror: not run().
        let o = Command::new(&script)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
        assert!(
            o.status.success(),
            "{} failed ({}): the Debian-rootfs tests need its bookworm rootfs and apt repository \
             (real root and network to a Debian mirror the first time; see tests/fixtures/README.md):\n{}",
            script.display(),
            o.status,
            String::from_utf8_lossy(&o.stderr)
        );
        let stdout = String::from_utf8_lossy(&o.stdout);
        let get = |key: &str| {
            let v = stdout
                .lines()
                .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
                .unwrap_or_else(|| panic!("{} printed no {key}= line: {stdout}", script.display()));
            PathBuf::from(v)
        };
        let f = Fixture { tar: get("ROOTFS_TAR"), repo: get("REPO") };
        assert!(f.tar.is_file() && f.repo.join("Packages").is_file(), "the fixture's paths are missing: {stdout}");
        let adduser = std::fs::read_dir(&f.repo).expect("REPO").flatten().any(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.starts_with("adduser_") && n.ends_with("_all.deb")
        });
        assert!(adduser, "{} has no adduser_*_all.deb: is tests/fixtures/debian-rootfs older than this test?", f.repo.display());
        eprintln!("fixture: {} and {} in {:?}", f.tar.display(), f.repo.display(), t0.elapsed());
        f
    })
}
