//! A seeded generator of random scripts, biased towards the values where the
//! kernel's checks change their answer.

/// xorshift64*: small, seedable, and the same on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// Options for the generator.
#[derive(Clone, Copy, Debug)]
pub struct GenOpts {
    pub max_steps: usize,
    /// Whether to emit the i386 16-bit steps (only for the -m32 probe).
    pub legacy16: bool,
    /// Whether to emit exec steps.
    pub exec: bool,
}

impl Default for GenOpts {
    fn default() -> GenOpts {
        GenOpts { max_steps: 20, legacy16: false, exec: true }
    }
}

const IDS: &[&str] = &[
    "0", "0", "0", "1000", "1000", "1000", "1001", "1001", "65534", "-1", "-1", "0xffff", "4294902760",
    "0xffffffff000003e8", "0x100000000", "4294967294", "2",
];
const GROUP_IDS: &[&str] = &["0", "1000", "1001", "5", "27", "65534", "0xffff", "4294967294"];
const CAPSETS: &[&str] = &[
    "0", "0x1ffffffffff", "0x1fffeffffff", "0xffffffffffffffff", "0x40", "0x80", "0xc0", "0x100", "0x400",
    "0x200000", "0x1000000", "0x10000000000", "0xc00", "0x1c0", "0x3000000000", "0x4c0",
];
const CAPS: &[&str] = &["0", "6", "7", "8", "10", "21", "24", "31", "40", "41", "63", "-1"];
const SECUREBITS: &[&str] = &[
    "0", "0x1", "0x3", "0x4", "0xc", "0x10", "0x30", "0x20", "0x40", "0xc0", "0x2f", "0x100", "0x300", "0x400",
    "0xfff", "0x1000", "0x15", "0x55",
];
const VERSIONS: &[&str] = &["0x19980330", "0x20071026", "0x20080522", "0x20080522", "0x12345", "0"];
const PIDS: &[&str] = &["0", "0", "self", "parent", "nosuch", "-1"];
const PTRS: &[&str] = &["v", "v", "v", "null", "e0", "e1", "e2", "e3", "e5"];
const EXEC_KINDS: &[&str] = &[
    "plain", "plain", "plain", "suid0", "suid1000", "sgid1000", "sugid1000", "sgidnox1000", "fcap_ep", "fcap_p",
    "fcap_ei", "fcap_res", "suid0_fcap",
];

fn id(r: &mut Rng) -> String {
    r.pick(IDS).to_string()
}

fn group_list(r: &mut Rng) -> (Vec<String>, usize) {
    let n = r.pick(&[0usize, 1, 1, 2, 3, 4, 6]);
    let mut l: Vec<String> = (0..n).map(|_| r.pick(GROUP_IDS).to_string()).collect();
    if n > 0 && r.chance(5) {
        l[0] = "-1".to_string();
    }
    (l, n)
}

const TARGETS: &[&str] = &["self", "main", "parent", "parent", "parent", "nosuch"];
const SIGNALS: &[&str] = &["0", "0", "0", "17", "18", "23", "28", "65", "-1"];

/// A step of the other calls' capability checks (SCRIPT.md "Other
/// calls"), with the arguments whose kernel answer does not depend on the
/// machine: no pid the script does not know, no chroot that moves the
/// root, no new network namespace (slow), no sethostname or pivot_root
/// (root's answer is the host's UTS namespace and mount tree), no
/// CLONE_THREAD (after a `thread` step the thread may not have left the
/// thread group yet when the next call runs: the kernel's answer is a race).
fn other_step(r: &mut Rng) -> String {
    match r.below(20) {
        0..=2 => format!("kill {} {}", r.pick(TARGETS), r.pick(SIGNALS)),
        3 => format!("tkill {} {}", r.pick(&["self", "main", "parent", "nosuch", "0", "-1"]), r.pick(SIGNALS)),
        4 => format!("tgkill {} {} {}", r.pick(TARGETS), r.pick(TARGETS), r.pick(SIGNALS)),
        5 => format!("sigqueue {} {}", r.pick(TARGETS), r.pick(SIGNALS)),
        6 => format!("tgsigqueue {} {} {}", r.pick(TARGETS), r.pick(TARGETS), r.pick(SIGNALS)),
        7..=8 => format!("chroot {}", r.pick(&["/", "/", "nosuch", "plain", "null"])),
        9..=11 => format!(
            "unshare {}",
            r.pick(&["CLONE_NEWUTS", "CLONE_NEWIPC", "CLONE_NEWNS", "CLONE_NEWCGROUP", "CLONE_FILES", "0x1", "0x100004000000"])
        ),
        12 => format!("setns {} {}", r.pick(&["mnt", "mnt", "user", "badfd"]), r.pick(&["0", "0", "CLONE_NEWNS", "CLONE_NEWUTS"])),
        13 => format!(
            "mount {} {}",
            r.pick(&["dir", "dir", "nosuch", "plain", "null"]),
            r.pick(&["0", "32", "0x40000", "0x80000000", "0xc0ed0000"])
        ),
        14 => format!("umount {} {}", r.pick(&["dir", "dir", "nosuch", "plain", "null"]), r.pick(&["0", "2", "8", "16"])),
        15..=17 => format!(
            "seccomp {} {}",
            r.pick(&["0", "0", "1", "2", "4", "64", "9", "32"]),
            r.pick(&["allow", "allow", "bad", "null", "empty", "long"])
        ),
        _ => format!("prctl_seccomp {} {}", r.pick(&["2", "2", "3", "0"]), r.pick(&["allow", "bad"])),
    }
}

/// One step that makes a system call (not fork, exec or thread).
fn call_step(r: &mut Rng, o: &GenOpts) -> String {
    if r.chance(15) {
        return other_step(r);
    }
    let suffix = if o.legacy16 && r.chance(30) { "16" } else { "" };
    match r.below(100) {
        0..=7 => format!("setuid{suffix} {}", id(r)),
        8..=13 => format!("setgid{suffix} {}", id(r)),
        14..=20 => format!("setreuid{suffix} {} {}", id(r), id(r)),
        21..=25 => format!("setregid{suffix} {} {}", id(r), id(r)),
        26..=35 => format!("setresuid{suffix} {} {} {}", id(r), id(r), id(r)),
        36..=41 => format!("setresgid{suffix} {} {} {}", id(r), id(r), id(r)),
        42..=45 => format!("setfsuid{suffix} {}", id(r)),
        46..=48 => format!("setfsgid{suffix} {}", id(r)),
        49 => format!("{}{suffix}", r.pick(&["getuid", "geteuid", "getgid", "getegid"])),
        50..=51 => format!(
            "{}{suffix} {} {} {}",
            r.pick(&["getresuid", "getresgid"]),
            r.pick(PTRS),
            r.pick(PTRS),
            r.pick(PTRS)
        ),
        52..=54 => {
            let size = r.pick(&["0", "0", "1", "2", "3", "8", "65537", "-1", "0x100000003"]);
            format!("getgroups{suffix} {size} {}", r.pick(PTRS))
        }
        55..=60 => {
            let (l, n) = group_list(r);
            let list = if l.is_empty() { "-".to_string() } else { l.join(",") };
            let size = match r.below(12) {
                0 => "65537".to_string(),
                1 => "-1".to_string(),
                2 => (n + 1).to_string(),
                3 if r.chance(20) => "65536".to_string(),
                _ => n.to_string(),
            };
            let src = match r.below(10) {
                0 => "null".to_string(),
                1 => format!("e{}:{list}", r.below(n as u64 + 1)),
                _ => list,
            };
            format!("setgroups{suffix} {size} {src}")
        }
        61..=66 => {
            let base = format!("capget {} {}", r.pick(VERSIONS), r.pick(PIDS));
            if r.chance(5) {
                format!("{base} v null")
            } else {
                format!("{base} {}", r.pick(PTRS))
            }
        }
        67..=74 => {
            let p = r.pick(CAPSETS);
            let e = if r.chance(70) { p } else { r.pick(CAPSETS) };
            let i = r.pick(CAPSETS);
            let data = r.pick(&["", "", "", "", " null", " e3", " e1"]);
            let pid = r.pick(&["0", "0", "0", "self", "parent", "nosuch"]);
            format!("capset {} {pid} {e} {p} {i}{data}", r.pick(VERSIONS))
        }
        75..=78 => format!("prctl PR_SET_KEEPCAPS {}", r.pick(&["0", "1", "1", "2"])),
        79 => "prctl PR_GET_KEEPCAPS".to_string(),
        80..=82 => format!("prctl PR_CAPBSET_DROP {}", r.pick(CAPS)),
        83 => format!("prctl PR_CAPBSET_READ {}", r.pick(CAPS)),
        84..=86 => format!("prctl PR_SET_SECUREBITS {}", r.pick(SECUREBITS)),
        87 => "prctl PR_GET_SECUREBITS".to_string(),
        88 => format!("prctl PR_SET_NO_NEW_PRIVS {}", r.pick(&["1", "1", "0", "2"])),
        89 => "prctl PR_GET_NO_NEW_PRIVS".to_string(),
        90..=94 => format!(
            "prctl PR_CAP_AMBIENT {} {}",
            r.pick(&["PR_CAP_AMBIENT_RAISE", "PR_CAP_AMBIENT_RAISE", "PR_CAP_AMBIENT_LOWER", "PR_CAP_AMBIENT_IS_SET", "5"]),
            r.pick(CAPS)
        ),
        95 => format!("prctl PR_CAP_AMBIENT PR_CAP_AMBIENT_CLEAR_ALL {}", r.pick(&["0", "0", "1"])),
        _ => format!("capset 0x20080522 0 {} {} {}", r.pick(CAPSETS), r.pick(CAPSETS), r.pick(CAPSETS)),
    }
}

/// A random script of 1..=max_steps steps.
pub fn script(r: &mut Rng, o: &GenOpts) -> String {
    let n = 1 + r.below(o.max_steps as u64) as usize;
    let steps: Vec<String> = (0..n)
        .map(|_| match r.below(100) {
            0..=4 => "fork".to_string(),
            5..=12 if o.exec => format!("exec {}", r.pick(EXEC_KINDS)),
            13..=22 => format!("thread {}", call_step(r, o)),
            _ => call_step(r, o),
        })
        .collect();
    steps.join("; ")
}

/// Options for the file-step generator.
#[derive(Clone, Copy, Debug)]
pub struct FileOpts {
    pub max_steps: usize,
    /// Whether to emit the i386 16-bit chown steps (only for the -m32 probe).
    pub legacy16: bool,
}

impl Default for FileOpts {
    fn default() -> FileOpts {
        FileOpts { max_steps: 14, legacy16: false }
    }
}

/// What a file script may still do: before any credential step, anything
/// root may; after one (the task may have dropped its ids or capabilities),
/// only what does not depend on the permission checks credshim does not
/// emulate (DAC: creating, renaming or opening only in the fixture's 0777
/// `.` and 02777 `sg`, opening only with O_EXCL, no link, whose
/// protected_hardlinks check asks for ownership or CAP_FOWNER).
struct FileGen {
    dropped: bool,
    legacy16: bool,
}

const F_IDS: &[&str] = &[
    "0", "0", "33", "33", "44", "1000", "1000", "1234", "5678", "65534", "-1", "-1", "4294967295", "0x100000021",
    "0xffff", "4294967294",
];
const F_FDS: &[&str] = &["cwd", "cwd", "D", "DD", "F", "F", "P", "L", "O", "N", "N", "bad", "closed"];
const F_OLD: &[&str] = &[
    "a", "a", "b", "o", "o", "d", "d/x", "sg", "s", "s", "sd", "dang", "so", "so", "n1", "n2", "n3", "sg/n1", "d/n1",
    "p1", "sd/x", "abs:a", "abs:so", "empty", "empty", "null", "fault", "nosuch", "a/", "d/", "long", "longname",
];
/// Names a script creates: never FIFOs (an open of one would block).
const F_NEW_ROOT: &[&str] = &["n1", "n2", "n3", "n4", "sg/n1", "sg/n2", "d/n1", "n1/n2", "a", "d", "nosuch/n1", "empty", "null", "abs:n4"];
const F_NEW_DROPPED: &[&str] = &["n1", "n2", "n3", "n4", "sg/n1", "sg/n2", "a", "empty", "abs:n3"];
const F_MODES: &[&str] = &["0o644", "0o644", "0o600", "0o755", "0o2755", "0o4755", "0o777", "0o7777", "0o2745"];
const F_DROPS: &[&str] = &[
    "setresuid 1000 1000 1000",
    "setresuid 1000 1000 1000",
    "setfsuid 33",
    "setfsuid 1000",
    "setfsgid 44",
    "setfsgid 5678",
    "setgroups 2 44,5678",
    "setresgid 44 44 44",
    "setresuid 0 1000 0",
    "setresuid 33 33 0",
    "capset 0x20080522 0 0 0 0",
    "capset 0x20080522 0 0x1fffefffffe 0x1fffefffffe 0",
    "capset 0x20080522 0 0x1fffeffffef 0x1fffeffffef 0",
    "prctl PR_SET_KEEPCAPS 1",
];

impl FileGen {
    fn path(&self, r: &mut Rng) -> &'static str {
        r.pick(F_OLD)
    }
    fn new_name(&self, r: &mut Rng) -> &'static str {
        if self.dropped {
            r.pick(F_NEW_DROPPED)
        } else {
            r.pick(F_NEW_ROOT)
        }
    }
    fn id(&self, r: &mut Rng) -> &'static str {
        r.pick(F_IDS)
    }

    fn step(&self, r: &mut Rng) -> String {
        let sfx = if self.legacy16 && r.chance(25) { "16" } else { "" };
        let buf = |r: &mut Rng| r.pick(&["v", "v", "v", "v", "v", "null", "ro"]);
        let stat_flags = ["0", "0", "AT_SYMLINK_NOFOLLOW", "AT_EMPTY_PATH", "AT_EMPTY_PATH|AT_SYMLINK_NOFOLLOW", "AT_NO_AUTOMOUNT", "AT_STATX_DONT_SYNC", "0x1", "0x8000"];
        match r.below(100) {
            0..=9 => format!("chown{sfx} {} {} {}", self.path(r), self.id(r), self.id(r)),
            10..=14 => format!("lchown{sfx} {} {} {}", self.path(r), self.id(r), self.id(r)),
            15..=19 => format!("fchown{sfx} {} {} {}", r.pick(F_FDS), self.id(r), self.id(r)),
            20..=27 => {
                let flags = r.pick(&["0", "0", "AT_SYMLINK_NOFOLLOW", "AT_EMPTY_PATH", "AT_EMPTY_PATH", "AT_EMPTY_PATH|AT_SYMLINK_NOFOLLOW", "9999", "0x80000000", "AT_SYMLINK_FOLLOW"]);
                let path = if flags.contains("EMPTY") && r.chance(60) { "empty" } else { self.path(r) };
                format!("fchownat {} {path} {} {} {flags}", r.pick(F_FDS), self.id(r), self.id(r))
            }
            28..=33 => format!("{} {} {}", r.pick(&["stat", "lstat"]), self.path(r), buf(r)),
            34..=37 => format!("fstat {} {}", r.pick(F_FDS), buf(r)),
            38..=43 => {
                let flags = r.pick(&stat_flags);
                let path = if flags.contains("EMPTY") && r.chance(60) { "empty" } else { self.path(r) };
                format!("fstatat {} {path} {} {flags}", r.pick(F_FDS), buf(r))
            }
            44..=49 => {
                let flags = r.pick(&[&stat_flags[..], &["AT_STATX_FORCE_SYNC", "AT_STATX_FORCE_SYNC|AT_STATX_DONT_SYNC"]].concat());
                let path = if flags.contains("EMPTY") && r.chance(60) { "empty" } else { self.path(r) };
                let mask = r.pick(&["0x7ff", "0x7ff", "0", "0xfff", "STATX__RESERVED", "0x1"]);
                format!("statx {} {path} {flags} {mask} {}", r.pick(F_FDS), buf(r))
            }
            50..=59 => {
                // O_NONBLOCK: never wait on a FIFO or a socket.
                // No O_TRUNC of what may exist: truncating a set-id file
                // clears its bits in the namespace (should_remove_suid asks
                // for CAP_FSETID in the initial namespace), a known gap of
                // cases-files.txt. So no set-id bits on new files either,
                // and creat only makes sg/n3.
                let flags = if self.dropped {
                    r.pick(&["O_CREAT|O_EXCL|O_WRONLY", "O_CREAT|O_EXCL|O_RDWR", "O_CREAT|O_EXCL|O_DIRECTORY", "O_CREAT|O_EXCL|O_PATH"])
                } else {
                    r.pick(&["O_CREAT|O_WRONLY", "O_CREAT|O_EXCL|O_RDWR", "O_CREAT", "O_RDONLY", "O_CREAT|O_DIRECTORY", "O_PATH", "O_CREAT|O_NOFOLLOW"])
                };
                let name = if !self.dropped && r.chance(30) { self.path(r) } else { self.new_name(r) };
                let mode = r.pick(&["0o644", "0o644", "0o600", "0o755", "0o777", "0o1777", "0o745"]);
                // Not in `d` once dropped (DAC).
                let dirs: &[&str] = if self.dropped { &["cwd", "D", "D", "F", "bad"] } else { &["cwd", "D", "D", "DD", "F", "bad"] };
                match r.below(4) {
                    0 => format!("open {name} {flags}|O_NONBLOCK {mode}"),
                    1 => format!("openat {} {name} {flags}|O_NONBLOCK {mode}", r.pick(dirs)),
                    2 => format!("openat2 {} {name} {flags}|O_NONBLOCK {mode} {}", r.pick(dirs), r.pick(&["0", "0", "0", "RESOLVE_BENEATH", "0x40"])),
                    // creat is O_CREAT|O_WRONLY|O_TRUNC: only where that cannot open an existing file of another.
                    _ => format!("creat sg/n3 {mode}"),
                }
            }
            60..=67 => {
                let mode = r.pick(F_MODES);
                match r.below(3) {
                    0 | 1 => format!("mkdir {} {mode}", self.new_name(r)),
                    _ => format!("mkdirat {} {} {mode}", r.pick(&["cwd", "D", "D", "bad"]), self.new_name(r)),
                }
            }
            68..=71 => {
                // FIFOs, sockets and regular files under their own names;
                // the kernel's own errors for the rest.
                let kind = r.pick(&["S_IFIFO", "S_IFIFO", "S_IFSOCK", "S_IFREG", "0", "S_IFDIR", "0o170000"]);
                let name = r.pick(&["p1", "p2", "sg/p1", "p1", "a", "empty"]);
                format!("mknod {name} {kind}|{} 0", r.pick(F_MODES))
            }
            72..=77 => {
                let target = r.pick(&["a", "d", "nosuch", "o", "so", "empty"]);
                match r.below(2) {
                    0 => format!("symlink {target} {}", self.new_name(r)),
                    _ => format!("symlinkat {target} {} {}", r.pick(&["cwd", "D", "bad"]), self.new_name(r)),
                }
            }
            78..=87 => {
                let (from, to) = if self.dropped {
                    // Within `.` only: a directory moved to another parent needs
                    // write permission on itself (DAC).
                    (r.pick(&["a", "b", "o", "s", "so", "dang", "n1", "n2", "n3", "d", "nosuch"]), r.pick(&["n1", "n2", "n3", "n4", "a", "b", "empty"]))
                } else {
                    (r.pick(&["a", "b", "o", "s", "so", "dang", "n1", "n2", "d/x", "d", "sg/n1", "nosuch", "empty"]), r.pick(&["n1", "n2", "n3", "n4", "a", "b", "d/n1", "sg/n2", "d/x", "empty"]))
                };
                match r.below(3) {
                    0 => format!("rename {from} {to}"),
                    1 => format!("renameat D {from} {} {to}", r.pick(&["D", "cwd", "bad"])),
                    _ => format!("renameat2 D {from} D {to} {}", r.pick(&["0", "0", "RENAME_NOREPLACE", "RENAME_EXCHANGE", "0x8"])),
                }
            }
            _ if self.dropped => format!("stat {} v", self.path(r)),
            _ => {
                let from = r.pick(&["a", "b", "o", "s", "so", "d/x", "n1", "d", "empty"]);
                let to = r.pick(&["n1", "n2", "n3", "d/n1", "sg/n1", "a"]);
                match r.below(2) {
                    0 => format!("link {from} {to}"),
                    _ => {
                        let flags = r.pick(&["0", "AT_SYMLINK_FOLLOW", "AT_EMPTY_PATH", "0x1"]);
                        let (fd, from) = if flags == "AT_EMPTY_PATH" { (r.pick(&["F", "O", "P", "D"]), "empty") } else { ("D", from) };
                        format!("linkat {fd} {from} D {to} {flags}")
                    }
                }
            }
        }
    }
}

/// A random script of file steps (SCRIPT.md "File steps") with drops, fork,
/// exec and threads, biased towards the fixture's recorded owners.
pub fn file_script(r: &mut Rng, o: &FileOpts) -> String {
    let mut g = FileGen { dropped: false, legacy16: o.legacy16 };
    let n = 1 + r.below(o.max_steps as u64) as usize;
    let mut steps = Vec::with_capacity(n);
    for _ in 0..n {
        let s = match r.below(100) {
            0..=9 => {
                g.dropped = true;
                r.pick(F_DROPS).to_string()
            }
            10..=12 => "fork".to_string(),
            13..=15 => {
                let kind = r.pick(&["plain", "plain", "suid1000"]);
                g.dropped |= kind != "plain";
                format!("exec {kind}")
            }
            16..=25 => format!("thread {}", g.step(r)),
            _ => g.step(r),
        };
        steps.push(s);
    }
    steps.join("; ")
}

/// The path words the file model knows (fsmodel.rs).
const M_PATHS: &[&str] = &[
    "a", "a", "b", "b", "o", "o", "d", "d/x", "sg", "s", "s", "sd", "dang", "so", "so", "sd/x", "nosuch", "nosuch/x",
    "a/", "d/", "a/x", "s/", "abs:a", "abs:so", "abs:sd/x", "empty", "empty", "null", "fault", "long", "longname",
];

/// A random script of the steps the file model knows (fsmodel.rs): the
/// chown and stat families, with drops; no fork, exec or thread.
pub fn owner_script(r: &mut Rng, o: &FileOpts) -> String {
    let n = 1 + r.below(o.max_steps as u64) as usize;
    let fds = ["cwd", "cwd", "D", "DD", "F", "P", "L", "O", "N", "bad", "closed"];
    let bufs = ["v", "v", "v", "v", "null", "ro"];
    let steps: Vec<String> = (0..n)
        .map(|_| {
            let sfx = if o.legacy16 && r.chance(25) { "16" } else { "" };
            let id = |r: &mut Rng| r.pick(F_IDS);
            match r.below(100) {
                0..=14 => r.pick(F_DROPS).to_string(),
                15..=29 => format!("{}{sfx} {} {} {}", r.pick(&["chown", "lchown"]), r.pick(M_PATHS), id(r), id(r)),
                30..=39 => format!("fchown{sfx} {} {} {}", r.pick(&fds), id(r), id(r)),
                40..=54 => {
                    let fl = r.pick(&["0", "0", "AT_SYMLINK_NOFOLLOW", "AT_EMPTY_PATH", "AT_EMPTY_PATH", "AT_EMPTY_PATH|AT_SYMLINK_NOFOLLOW", "9999", "0x80000000", "AT_SYMLINK_FOLLOW"]);
                    let p = if fl.contains("EMPTY") && r.chance(60) { "empty" } else { r.pick(M_PATHS) };
                    format!("fchownat {} {p} {} {} {fl}", r.pick(&fds), id(r), id(r))
                }
                55..=69 => format!("{} {} {}", r.pick(&["stat", "lstat"]), r.pick(M_PATHS), r.pick(&bufs)),
                70..=79 => format!("fstat {} {}", r.pick(&fds), r.pick(&bufs)),
                _ => {
                    let fl = r.pick(&["0", "0", "AT_SYMLINK_NOFOLLOW", "AT_EMPTY_PATH", "AT_EMPTY_PATH|AT_SYMLINK_NOFOLLOW", "AT_NO_AUTOMOUNT", "AT_STATX_DONT_SYNC", "0x1", "0x8000"]);
                    let p = if fl.contains("EMPTY") && r.chance(60) { "empty" } else { r.pick(M_PATHS) };
                    format!("fstatat {} {p} {} {fl}", r.pick(&fds), r.pick(&bufs))
                }
            }
        })
        .collect();
    steps.join("; ")
}
