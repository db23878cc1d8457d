//! The model of the file steps' ownership rows (SCRIPT.md "File steps"):
//! the chown and stat families over an in-memory copy of the fixture, with
//! the shims' `chown_common` (fs/open.c, fs/attr.c) deciding every chown and
//! the credential model running the credential steps.
//!
//! What is modelled and what is not, honestly: the argument checks of
//! do_fchownat, ksys_fchown and vfs_fstatat in the kernel's order (flags,
//! getname, the start of the walk, the lookup, then the decision or the
//! copy), and path lookup only as far as the fixture needs (its names, its
//! symlinks, trailing slashes). The creation, rename and link steps, statx
//! (its mask is the filesystem's) and fork/exec/thread are not modelled:
//! their answers are the VFS's own (lookup, EEXIST, rename's rules), which
//! credshim leaves to the kernel too, so a model of them would be a second
//! VFS rather than a model of credshim's rows. Those steps are checked
//! against real root under credshim only (tests/tracer_oracle.rs); the
//! model's oracle runs `gen::owner_script`s, whose steps `Model::knows`.

use crate::interp::Interp;
use crate::script;
use crate::snapshot;
use credshim_shims::chown::{chown_common, Owner};
use credshim_shims::id::{raw_id, IdWidth};
use credshim_shims::table::Abi;
use credshim_shims::{Creds, Errno};
use std::collections::BTreeMap;

const ENOTDIR: Errno = Errno(20);
const AT_SYMLINK_NOFOLLOW: u64 = 0x100;
const AT_EMPTY_PATH: u64 = 0x1000;
/// vfs_statx's valid flags: AT_SYMLINK_NOFOLLOW, AT_NO_AUTOMOUNT,
/// AT_EMPTY_PATH and the sync type.
const STAT_FLAGS: u64 = 0x100 | 0x800 | 0x1000 | 0x6000;

#[derive(Clone, Debug)]
struct Entry {
    kind: char,
    mode: u32,
    uid: u32,
    gid: u32,
    target: Option<&'static str>,
}

/// The fixture as the probe makes it (files.c `fixture`).
#[derive(Clone, Debug)]
pub struct Model {
    entries: BTreeMap<String, Entry>,
}

/// Where a path walk starts, from an FD word.
enum Start {
    Dir(&'static str),
    Err(Errno),
}

impl Default for Model {
    fn default() -> Model {
        let e = |kind, mode, uid, gid, target| Entry { kind, mode, uid, gid, target };
        let entries = [
            (".", e('d', 0o777, 0, 0, None)),
            ("a", e('f', 0o644, 0, 0, None)),
            ("b", e('f', 0o6755, 0, 0, None)),
            ("o", e('f', 0o640, 1234, 5678, None)),
            ("d", e('d', 0o755, 0, 0, None)),
            ("d/x", e('f', 0o644, 0, 0, None)),
            ("sg", e('d', 0o2777, 0, 5678, None)),
            ("s", e('l', 0o777, 0, 0, Some("a"))),
            ("sd", e('l', 0o777, 0, 0, Some("d"))),
            ("dang", e('l', 0o777, 0, 0, Some("nosuch"))),
            ("so", e('l', 0o777, 33, 33, Some("o"))),
        ];
        Model { entries: entries.into_iter().map(|(k, v)| (k.to_string(), v)).collect() }
    }
}

/// The steps the model knows (the rest of `files.c`'s are not modelled).
const KNOWN: &[&str] = &["chown", "lchown", "fchown", "fchownat", "stat", "lstat", "fstat", "fstatat"];

/// A number word of a file step (files.c `file_num`): `|`-joined numbers,
/// `0oNNN` or names.
pub fn file_num(w: &str) -> Option<u64> {
    const NAMES: &[(&str, u64)] = &[
        ("AT_SYMLINK_NOFOLLOW", 0x100),
        ("AT_SYMLINK_FOLLOW", 0x400),
        ("AT_NO_AUTOMOUNT", 0x800),
        ("AT_EMPTY_PATH", 0x1000),
        ("AT_STATX_FORCE_SYNC", 0x2000),
        ("AT_STATX_DONT_SYNC", 0x4000),
        ("AT_RECURSIVE", 0x8000),
    ];
    w.split('|').try_fold(0u64, |acc, part| {
        let v = if let Some((_, v)) = NAMES.iter().find(|(n, _)| *n == part) {
            *v
        } else if let Some(oct) = part.strip_prefix("0o") {
            u64::from_str_radix(oct, 8).ok()?
        } else {
            script::num(part)?
        };
        Some(acc | v)
    })
}

impl Model {
    /// Whether the model knows this step (its first word, maybe `NAME16`).
    pub fn knows(words: &[String]) -> bool {
        words.first().is_some_and(|w| KNOWN.contains(&w.strip_suffix("16").unwrap_or(w)))
    }

    /// The `fs` snapshot line (files.c `fs_snapshot`).
    pub fn fs_line(&self) -> String {
        let mut s = String::from("  fs");
        let e = |name: &str, x: &Entry| format!(" {name}:{}:0{:o}:{}:{}:{}", x.kind, x.mode & 0o7777, x.uid, x.gid, self.nlink(name));
        s += &e(".", &self.entries["."]);
        // BTreeMap order is strcmp order per level here: no name is a
        // prefix of another followed by a byte below '/'.
        for (name, x) in self.entries.iter().filter(|(n, _)| n.as_str() != ".") {
            if let Some((dir, _)) = name.rsplit_once('/') {
                let d = &self.entries[dir];
                if d.mode & 0o555 != 0o555 {
                    continue;
                }
            }
            s += &e(name, x);
        }
        s
    }

    fn nlink(&self, name: &str) -> u32 {
        let x = &self.entries[name];
        if x.kind != 'd' {
            return 1;
        }
        let prefix = if name == "." { String::new() } else { format!("{name}/") };
        let subdirs = self
            .entries
            .iter()
            .filter(|(n, e)| e.kind == 'd' && *n != "." && n.strip_prefix(&prefix).is_some_and(|r| !r.contains('/')))
            .count();
        2 + subdirs as u32
    }

    /// The file of an FD word, and whether it is an O_PATH descriptor.
    fn fd_file(w: &str) -> Result<(&'static str, bool), Errno> {
        Ok(match w {
            "D" => (".", false),
            "DD" => ("d", false),
            "F" => ("a", false),
            "P" => ("a", true),
            "L" => ("s", true),
            "O" => ("o", false),
            // `N`: no open step in the model's scripts; AT_FDCWD is not a
            // descriptor.
            _ => return Err(Errno::EBADF),
        })
    }

    fn start(w: &str) -> Start {
        match w {
            "cwd" | "D" => Start::Dir("."),
            "DD" => Start::Dir("d"),
            "F" | "P" | "L" | "O" => Start::Err(ENOTDIR),
            _ => Start::Err(Errno::EBADF),
        }
    }

    /// Path lookup from directory `dir` (fs/namei.c, as far as the
    /// fixture needs): the entry's key.
    fn walk(&self, dir: &str, path: &str, follow: bool, depth: u32) -> Result<String, Errno> {
        if depth > 8 {
            return Err(Errno(40)); // ELOOP
        }
        let trailing = path.ends_with('/');
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        let mut cur = dir.to_string();
        for (i, part) in parts.iter().enumerate() {
            if part.len() > 255 {
                return Err(Errno::ENAMETOOLONG);
            }
            if self.entries[&cur].kind != 'd' {
                return Err(ENOTDIR);
            }
            let key = if cur == "." { part.to_string() } else { format!("{cur}/{part}") };
            let e = self.entries.get(&key).ok_or(Errno::ENOENT)?;
            let last = i + 1 == parts.len();
            cur = match e.target {
                Some(t) if !last || follow || trailing => self.walk(&parent(&key), t, true, depth + 1)?,
                _ => key,
            };
        }
        if trailing && self.entries[&cur].kind != 'd' {
            return Err(ENOTDIR);
        }
        Ok(cur)
    }

    /// getname and the lookup of (FD word, PATH word, flags): the entry's
    /// key, or the kernel's errno in its order.
    fn resolve(&self, fd: &str, path: &str, flags: u64) -> Result<String, Errno> {
        match path {
            "null" | "fault" => return Err(Errno::EFAULT),
            "long" => return Err(Errno::ENAMETOOLONG),
            "empty" if flags & AT_EMPTY_PATH == 0 => return Err(Errno::ENOENT),
            "empty" if fd == "cwd" => return Ok(".".to_string()),
            "empty" => return Self::fd_file(fd).map(|(f, _)| f.to_string()),
            _ => {}
        }
        let follow = flags & AT_SYMLINK_NOFOLLOW == 0;
        if let Some(abs) = path.strip_prefix("abs:") {
            return self.walk(".", abs, follow, 0);
        }
        let p = if path == "longname" { "n".repeat(300) } else { path.to_string() };
        match Self::start(fd) {
            Start::Dir(d) => self.walk(d, &p, follow, 0),
            Start::Err(e) => Err(e),
        }
    }

    fn chown(&mut self, c: &Creds, key: &str, user: u32, group: u32) -> Result<(), Errno> {
        let e = self.entries.get_mut(key).ok_or(Errno::ENOENT)?;
        let old = Owner { uid: e.uid, gid: e.gid, mode: mode_bits(e) };
        let new = chown_common(c, &old, user, group)?;
        e.uid = new.uid;
        e.gid = new.gid;
        e.mode = new.mode & 0o7777;
        Ok(())
    }

    fn stat_extra(&self, key: &str, buf: &str) -> Result<String, Errno> {
        if buf != "v" {
            return Err(Errno::EFAULT); // cp_new_stat's copy_to_user
        }
        let e = &self.entries[key];
        Ok(format!(" [{} 0{:o} {} {} {}]", e.kind, e.mode & 0o7777, e.uid, e.gid, self.nlink(key)))
    }

    /// RESULT and EXTRA of a file step the model `knows`, or None for words
    /// it cannot read (`!bad` in the probe).
    pub fn step(&mut self, abi: Abi, c: &Creds, words: &[String]) -> Option<String> {
        let (name, w16) = match words[0].strip_suffix("16") {
            Some(base) if base.contains("chown") => (base, true),
            _ => (words[0].as_str(), false),
        };
        if w16 && abi == Abi::X86_64 {
            return Some("-1 ENOSYS".to_string());
        }
        let width = if w16 { IdWidth::U16 } else { IdWidth::U32 };
        let a: Vec<&str> = words[1..].iter().map(String::as_str).collect();
        let id = |w: &str| file_num(w).map(|v| raw_id(if abi == Abi::I386 { v as u32 as u64 } else { v }, width));
        let res: Result<String, Errno> = match (name, a.as_slice()) {
            ("chown" | "lchown", [p, u, g]) => {
                let flags = if name == "lchown" { AT_SYMLINK_NOFOLLOW } else { 0 };
                let (u, g) = (id(u)?, id(g)?);
                self.resolve("cwd", p, flags).and_then(|k| self.chown(c, &k, u, g)).map(|()| "0".to_string())
            }
            ("fchownat", [fd, p, u, g, fl]) => {
                let (u, g, fl) = (id(u)?, id(g)?, file_num(fl)? as u32 as u64);
                if fl & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
                    Err(Errno::EINVAL)
                } else {
                    self.resolve(fd, p, fl).and_then(|k| self.chown(c, &k, u, g)).map(|()| "0".to_string())
                }
            }
            ("fchown", [fd, u, g]) => {
                let (u, g) = (id(u)?, id(g)?);
                match Self::fd_file(fd) {
                    // ksys_fchown's fdget skips O_PATH descriptors.
                    Ok((_, true)) | Err(_) => Err(Errno::EBADF),
                    Ok((k, false)) => self.chown(c, k, u, g).map(|()| "0".to_string()),
                }
            }
            ("stat" | "lstat", [p, buf]) => {
                let flags = if name == "lstat" { AT_SYMLINK_NOFOLLOW } else { 0 };
                self.resolve("cwd", p, flags).and_then(|k| self.stat_extra(&k, buf)).map(|x| format!("0{x}"))
            }
            ("fstatat", [fd, p, buf, fl]) => {
                let fl = file_num(fl)? as u32 as u64;
                // vfs_fstatat: with AT_EMPTY_PATH a NULL or "" name is no
                // name, and no name with a descriptor (>= 0) is vfs_fstat of
                // it, with no flags check; else vfs_statx checks the flags
                // before getname's error counts.
                let no_name = fl & AT_EMPTY_PATH != 0 && matches!(*p, "empty" | "null");
                if no_name && !matches!(*fd, "cwd" | "bad") {
                    Self::fd_file(fd).and_then(|(k, _)| self.stat_extra(k, buf)).map(|x| format!("0{x}"))
                } else if fl & !STAT_FLAGS != 0 {
                    Err(Errno::EINVAL)
                } else {
                    let p = if no_name { "empty" } else { p };
                    self.resolve(fd, p, fl).and_then(|k| self.stat_extra(&k, buf)).map(|x| format!("0{x}"))
                }
            }
            ("fstat", [fd, buf]) => {
                Self::fd_file(fd).and_then(|(k, _)| self.stat_extra(k, buf)).map(|x| format!("0{x}"))
            }
            _ => return None,
        };
        Some(res.unwrap_or_else(|e| format!("-1 {}", e.name())))
    }
}

fn parent(key: &str) -> String {
    key.rsplit_once('/').map_or(".".to_string(), |(d, _)| d.to_string())
}

/// The mode chown_common sees: the file type bits and the permission bits.
fn mode_bits(e: &Entry) -> u32 {
    let t = match e.kind {
        'd' => 0o040000,
        'l' => 0o120000,
        _ => 0o100000,
    };
    t | e.mode
}

/// The whole output of a script of credential steps and the file steps the
/// model knows (no fork, exec or thread), started from `init`.
pub fn run(interp: &Interp, init: &Creds, script: &str) -> String {
    let mut model = Model::default();
    let mut cur = init.clone();
    let steps = script::steps(script);
    // Only a script with a file step has the fixture and its `fs` line.
    let fs = steps.iter().any(|w| Model::knows(w));
    let line = |m: &Model| if fs { format!("{}\n", m.fs_line()) } else { String::new() };
    let mut out = format!("0 start\n  {}\n{}", snapshot::format_abi(init, interp.abi), line(&model));
    for (i, words) in steps.iter().enumerate() {
        let res = if Model::knows(words) {
            model.step(interp.abi, &cur, words).unwrap_or_else(|| "!bad".to_string())
        } else {
            interp.step(&mut cur, init, words)
        };
        out += &format!("{} {} = {res}\n  {}\n{}", i + 1, words.join(" "), snapshot::format_abi(&cur, interp.abi), line(&model));
    }
    out
}
