//! Parsing of script words (SCRIPT.md "Script").

/// Splits a script into steps, each a list of words. Empty steps are skipped.
pub fn steps(script: &str) -> Vec<Vec<String>> {
    script
        .split(';')
        .map(|s| s.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .filter(|w| !w.is_empty())
        .collect()
}

/// Joins steps back into a script.
pub fn join(steps: &[Vec<String>]) -> String {
    steps.iter().map(|s| s.join(" ")).collect::<Vec<_>>().join("; ")
}

const NAMES: [(&str, u64); 29] = [
    ("PR_GET_DUMPABLE", 3),
    ("PR_SET_DUMPABLE", 4),
    ("PR_GET_KEEPCAPS", 7),
    ("PR_SET_KEEPCAPS", 8),
    ("PR_CAPBSET_READ", 23),
    ("PR_CAPBSET_DROP", 24),
    ("PR_GET_SECUREBITS", 27),
    ("PR_SET_SECUREBITS", 28),
    ("PR_SET_NO_NEW_PRIVS", 38),
    ("PR_GET_NO_NEW_PRIVS", 39),
    ("PR_CAP_AMBIENT", 47),
    ("PR_CAP_AMBIENT_IS_SET", 1),
    ("PR_CAP_AMBIENT_RAISE", 2),
    ("PR_CAP_AMBIENT_LOWER", 3),
    ("PR_CAP_AMBIENT_CLEAR_ALL", 4),
    ("CLONE_VM", 0x100),
    ("CLONE_FS", 0x200),
    ("CLONE_FILES", 0x400),
    ("CLONE_SIGHAND", 0x800),
    ("CLONE_THREAD", 0x10000),
    ("CLONE_NEWNS", 0x20000),
    ("CLONE_SYSVSEM", 0x40000),
    ("CLONE_NEWTIME", 0x80),
    ("CLONE_NEWCGROUP", 0x200_0000),
    ("CLONE_NEWUTS", 0x400_0000),
    ("CLONE_NEWIPC", 0x800_0000),
    ("CLONE_NEWUSER", 0x1000_0000),
    ("CLONE_NEWPID", 0x2000_0000),
    ("CLONE_NEWNET", 0x4000_0000),
];

/// `-?(0x[0-9a-fA-F]+|[0-9]+)` as a u64 (two's complement for `-`), or a
/// prctl name.
pub fn num(w: &str) -> Option<u64> {
    if let Some((_, v)) = NAMES.iter().find(|(n, _)| *n == w) {
        return Some(*v);
    }
    let (neg, digits) = match w.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, w),
    };
    let v = if let Some(hex) = digits.strip_prefix("0x") {
        if hex.is_empty() || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        u64::from_str_radix(hex, 16).ok()?
    } else {
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        digits.parse::<u64>().ok()?
    };
    Some(if neg { v.wrapping_neg() } else { v })
}

/// A pointer spec: `v`, `null` or `eK`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Ptr {
    Valid,
    Null,
    /// K slots before a guard page.
    Edge(u32),
}

pub fn ptr(w: &str) -> Option<Ptr> {
    match w {
        "v" => Some(Ptr::Valid),
        "null" => Some(Ptr::Null),
        _ => {
            let k: u32 = w.strip_prefix('e')?.parse().ok()?;
            (k <= 1024).then_some(Ptr::Edge(k))
        }
    }
}

/// setgroups' SRC: `null`, `LIST` or `eK:LIST`.
pub fn group_src(w: &str) -> Option<(Ptr, Vec<u32>)> {
    if w == "null" {
        return Some((Ptr::Null, vec![]));
    }
    let (p, list) = match w.split_once(':') {
        Some((e, l)) => (ptr(e).filter(|p| matches!(p, Ptr::Edge(_)))?, l),
        None => (Ptr::Valid, w),
    };
    if list == "-" {
        return Some((p, vec![]));
    }
    let ids = list.split(',').map(|x| num(x).map(|v| v as u32)).collect::<Option<Vec<_>>>()?;
    Some((p, ids))
}

/// A PID word: `self`, `parent`, `nosuch`, or a number cut to i32.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Pid {
    Me,
    Parent,
    Num(i32),
}

pub const NOSUCH_PID: i32 = 0x3fff_fff0;

pub fn pid(w: &str) -> Option<Pid> {
    match w {
        "self" => Some(Pid::Me),
        "parent" => Some(Pid::Parent),
        "nosuch" => Some(Pid::Num(NOSUCH_PID)),
        _ => num(w).map(|v| Pid::Num(v as i32)),
    }
}
