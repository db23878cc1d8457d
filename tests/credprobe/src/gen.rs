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
    match r.below(22) {
        // Never the parent: an attach the kernel allows would stop it.
        21 => format!(
            "ptrace {} {} {} {}",
            r.pick(&["attach", "attach", "seize", "seize", "3", "0x100000010"]),
            r.pick(&["self", "main", "nosuch", "0", "-1"]),
            r.pick(&["0", "0", "0", "1"]),
            r.pick(&["0", "0", "0x100000", "0x80000000"])
        ),
        0..=2 => format!("kill {} {}", r.pick(TARGETS), r.pick(SIGNALS)),
        // Not `self`: in a thread, pidfd_open's answer depends on the kernel.
        20 => format!("pidfd_kill {} {}", r.pick(&["main", "parent", "parent", "nosuch"]), r.pick(SIGNALS)),
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
        89 if r.chance(50) => "prctl PR_GET_NO_NEW_PRIVS".to_string(),
        89 if r.chance(50) => format!("prctl PR_SET_DUMPABLE {}", r.pick(&["0", "1", "1", "2"])),
        89 => "prctl PR_GET_DUMPABLE".to_string(),
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
