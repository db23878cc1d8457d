//! Test support for the kernel oracle: the credprobe script language
//! (SCRIPT.md), the model interpreter that prints what the C probe prints,
//! a seeded random script generator, the exec targets, a runner for the
//! C probe with timeouts, and the tests' account and scratch directories.

pub mod fsmodel;
pub mod gen;
pub mod interp;
pub mod lab;
pub mod runner;
pub mod script;
pub mod snapshot;
pub mod targets;

/// The hand-written oracle cases (cases.txt), one script each.
pub fn cases() -> Vec<String> {
    lines(include_str!("../cases.txt"))
}

/// The hand-written cases of the file steps (cases-files.txt): the
/// ownership and creation calls on the fixture tree.
pub fn file_cases() -> Vec<String> {
    lines(include_str!("../cases-files.txt")).into_iter().filter(|l| !l.starts_with("!gap ")).collect()
}

/// The known gaps of cases-files.txt (its `!gap ` lines): scripts where
/// credshim is known to differ from real root, each said why in a comment.
pub fn file_gaps() -> Vec<String> {
    lines(include_str!("../cases-files.txt")).iter().filter_map(|l| l.strip_prefix("!gap ").map(str::to_string)).collect()
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}
