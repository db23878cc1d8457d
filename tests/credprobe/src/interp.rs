//! The model interpreter: runs a script through the shim table and the
//! credential model, printing exactly what probe.c prints.

use crate::script::{self, Pid, Ptr};
use crate::{snapshot, targets};
use credshim_shims::capability::{CapTriple, Caller};
use credshim_shims::exec::exec_creds;
use credshim_shims::id::IdWidth;
use credshim_shims::mem::VecMem;
use credshim_shims::table::{dispatch, Abi, Outcome, Row, Shim};
use credshim_shims::world::{CallerFacts, Found, Inode, NsType, TaskFacts, World};
use credshim_shims::{Creds, Errno};

const MAIN_TID: i32 = 1000;
const THREAD_TID: i32 = 1001;
const PARENT_PID: i32 = 999;
const SENTINEL: u8 = 0xAA;

/// Interprets scripts for one ABI (the probe's build: 64-bit or `-m32`).
pub struct Interp {
    pub abi: Abi,
}

/// The tasks a call can see: itself, its parent process and (from a thread)
/// its main thread.
struct Family<'a> {
    tid: i32,
    parent: &'a Creds,
    main: Option<&'a Creds>,
}

impl Interp {
    /// The whole output of one script, started from `init`.
    pub fn run(&self, init: &Creds, script: &str) -> String {
        let mut out = format!("0 start\n  {}\n", snapshot::format_abi(init, self.abi));
        let mut cur = init.clone();
        let mut parent = init.clone();
        for (i, words) in script::steps(script).iter().enumerate() {
            let n = i + 1;
            let text = words.join(" ");
            match words[0].as_str() {
                "fork" if words.len() == 1 => {
                    parent = cur.clone();
                    out += &format!("{n} {text} = 0\n");
                }
                "exec" if words.len() <= 2 => {
                    let kind = words.get(1).map(String::as_str).unwrap_or("plain");
                    let res = match targets::exec_file(kind) {
                        None => Err(Errno::ENOENT),
                        Some(f) => exec_creds(&cur, &f),
                    };
                    match res {
                        Ok(c) => {
                            cur = c;
                            out += &format!("{n} {text} = 0\n");
                        }
                        Err(e) => out += &format!("{n} {text} = -1 {}\n", e.name()),
                    }
                }
                "thread" => {
                    let inner = &words[1..];
                    let nested = inner.first().map(|w| matches!(w.as_str(), "thread" | "fork" | "exec"));
                    if nested != Some(false) {
                        out += &format!("{n} {text} = !bad\n");
                    } else {
                        let mut t = cur.clone();
                        let fam = Family { tid: THREAD_TID, parent: &parent, main: Some(&cur) };
                        let res = self.call(&mut t, inner, &fam);
                        out += &format!("{n} {text} = {res}\n  [thread] {}\n", snapshot::format_abi(&t, self.abi));
                    }
                }
                _ => {
                    let p = parent.clone();
                    let fam = Family { tid: MAIN_TID, parent: &p, main: None };
                    let res = self.call(&mut cur, words, &fam);
                    out += &format!("{n} {text} = {res}\n");
                }
            }
            out += &format!("  {}\n", snapshot::format_abi(&cur, self.abi));
        }
        out
    }

    /// RESULT and EXTRA of one step that is not fork, exec or thread, run
    /// by the main thread of a process whose parent has `parent`.
    pub fn step(&self, creds: &mut Creds, parent: &Creds, words: &[String]) -> String {
        let fam = Family { tid: MAIN_TID, parent, main: None };
        self.call(creds, words, &fam)
    }

    /// The row a step name calls on this ABI (SCRIPT.md: `*16` names are the
    /// i386 legacy calls; plain names are the 32-bit-id calls).
    fn row(&self, op: &str) -> Result<&'static Row, &'static str> {
        // The steps of other calls named after their call (SCRIPT.md).
        let op = match op {
            "sigqueue" => "rt_sigqueueinfo",
            "tgsigqueue" => "rt_tgsigqueueinfo",
            "umount" => "umount2",
            "prctl_seccomp" => "prctl",
            other => other,
        };
        let legacy = op.strip_suffix("16");
        match (self.abi, legacy) {
            (Abi::X86_64, Some(_)) => Err("-1 ENOSYS"),
            (Abi::X86_64, None) => self.abi.by_name(op).ok_or("!bad"),
            (Abi::I386, Some(base)) => {
                self.abi.by_name(base).filter(|r| r.width == IdWidth::U16).ok_or("!bad")
            }
            (Abi::I386, None) => self
                .abi
                .by_name(&format!("{op}32"))
                .or_else(|| self.abi.by_name(op).filter(|r| r.width == IdWidth::U32))
                .ok_or("!bad"),
        }
    }

    /// One call: RESULT and EXTRA of the step line.
    fn call(&self, creds: &mut Creds, words: &[String], fam: &Family) -> String {
        let row = match self.row(&words[0]) {
            Ok(r) => r,
            Err(s) => return s.to_string(),
        };
        if words[0] == "prctl_seccomp" || row.shim.class() == credshim_shims::table::Class::Privilege {
            return self.call_privileged(creds, row, words, fam).unwrap_or_else(|| "!bad".to_string());
        }
        match self.call_row(creds, row, &words[1..], fam) {
            Some(s) => s,
            None => "!bad".to_string(),
        }
    }

    fn call_row(&self, creds: &mut Creds, row: &Row, a: &[String], fam: &Family) -> Option<String> {
        let slot = if row.width == IdWidth::U16 { 2 } else { 4 };
        let mut mem = Mem { mem: VecMem::new(), next: 0x1000_0000, slot };
        let nums = |want: usize| -> Option<Vec<u64>> {
            (a.len() == want).then(|| a.iter().map(|w| script::num(w)).collect::<Option<Vec<_>>>())?
        };
        let mut args = [0u64; 6];
        let mut extra = String::new();
        // How to print the extra part after the call (needs the memory).
        let mut after: Box<dyn Fn(&Mem) -> String> = Box::new(|_| String::new());
        match row.shim {
            Shim::Getuid | Shim::Geteuid | Shim::Getgid | Shim::Getegid => {
                nums(0)?;
            }
            Shim::Setuid | Shim::Setgid | Shim::Setfsuid | Shim::Setfsgid => args[0] = nums(1)?[0],
            Shim::Setreuid | Shim::Setregid => args[..2].copy_from_slice(&nums(2)?),
            Shim::Setresuid | Shim::Setresgid => args[..3].copy_from_slice(&nums(3)?),
            Shim::Getresuid | Shim::Getresgid => {
                if a.len() != 3 {
                    return None;
                }
                let ptrs = a.iter().map(|w| script::ptr(w)).collect::<Option<Vec<_>>>()?;
                let mut addrs = Vec::new();
                for (i, p) in ptrs.iter().enumerate() {
                    let addr = mem.alloc(*p, 1);
                    args[i] = addr;
                    addrs.push((*p, addr));
                }
                after = Box::new(move |m: &Mem| {
                    let v: Vec<String> = addrs
                        .iter()
                        .map(|&(p, addr)| match p {
                            Ptr::Null | Ptr::Edge(0) => "x".to_string(),
                            _ => m.slot(addr, 0).to_string(),
                        })
                        .collect();
                    format!(" [{}]", v.join(","))
                });
            }
            Shim::Getgroups => {
                if a.len() != 2 {
                    return None;
                }
                let size = script::num(&a[0])?;
                let p = script::ptr(&a[1])?;
                let addr = mem.alloc(p, 65537);
                args[0] = size;
                args[1] = addr;
                let avail = match p {
                    Ptr::Valid => 65537,
                    Ptr::Null => 0,
                    Ptr::Edge(k) => k as i64,
                };
                let n = (size as i32).max(0).min(avail as i32).min(16) as u64;
                after = Box::new(move |m: &Mem| {
                    let v: Vec<String> = (0..n).map(|i| m.slot(addr, i).to_string()).collect();
                    format!(" [{}]", v.join(","))
                });
            }
            Shim::Setgroups => {
                if a.len() != 2 {
                    return None;
                }
                let size = script::num(&a[0])?;
                let (p, list) = script::group_src(&a[1])?;
                let slots = list.len().max((size as u32).min(65537) as usize);
                args[0] = size;
                args[1] = mem.alloc_list(p, slots as u32, &list);
            }
            Shim::Capget => {
                if a.len() != 3 && a.len() != 4 {
                    return None;
                }
                let ver = script::num(&a[0])? as u32;
                let pid = self.pid(script::pid(&a[1])?, fam);
                let data = script::ptr(&a[2])?;
                let hdr = match a.get(3).map(String::as_str) {
                    None | Some("v") => Ptr::Valid,
                    Some("null") => Ptr::Null,
                    Some(_) => return None,
                };
                let h = mem.alloc_words(hdr, &[ver, pid as u32]);
                let d = mem.alloc(data, 6);
                args[0] = h;
                args[1] = d;
                let avail = match data {
                    Ptr::Valid => 6,
                    Ptr::Null => 0,
                    Ptr::Edge(k) => k.min(6) as u64,
                };
                after = Box::new(move |m: &Mem| {
                    let hv = if hdr == Ptr::Null { "x".to_string() } else { format!("0x{:08x}", m.word(h)) };
                    let v: Vec<String> = (0..avail).map(|i| format!("0x{:x}", m.word(d + 4 * i))).collect();
                    format!(" hv={hv} [{}]", v.join(","))
                });
            }
            Shim::Capset => {
                if a.len() != 5 && a.len() != 6 {
                    return None;
                }
                let ver = script::num(&a[0])? as u32;
                let pid = self.pid(script::pid(&a[1])?, fam);
                let [e, p, i] = [2, 3, 4].map(|k| script::num(&a[k]));
                let (e, p, i) = (e?, p?, i?);
                let data = match a.get(5) {
                    None => Ptr::Valid,
                    Some(w) => script::ptr(w)?,
                };
                let words = [e as u32, p as u32, i as u32, (e >> 32) as u32, (p >> 32) as u32, (i >> 32) as u32];
                let h = mem.alloc_words(Ptr::Valid, &[ver, pid as u32]);
                let d = mem.alloc_words(data, &words);
                args[0] = h;
                args[1] = d;
                after = Box::new(move |m: &Mem| format!(" hv=0x{:08x}", m.word(h)));
            }
            // `exec` steps run the exec transition directly.
            Shim::Execve | Shim::Execveat => return None,
            Shim::Prctl => {
                if a.is_empty() || a.len() > 5 {
                    return None;
                }
                for (k, w) in a.iter().enumerate() {
                    args[k] = script::num(w)?;
                }
            }
            // The ownership classes need files: not in the script language.
            _ => return None,
        }
        let (find_parent, find_main) = (CapTriple::from(fam.parent), fam.main.map(CapTriple::from));
        let find = move |pid: i32| match pid {
            PARENT_PID => Some(find_parent),
            MAIN_TID => find_main,
            _ => None,
        };
        let caller = Caller { tid: fam.tid, find_task: &find };
        let world = ScriptWorld { fam, me: creds, ns: None };
        let outcome = dispatch(self.abi, row, args, creds, &caller, &world, &mut mem.mem);
        let result = match outcome {
            Outcome::Native => return Some("!native".to_string()),
            Outcome::Emulated { ret, commit } => {
                if let Some(c) = commit {
                    *creds = c;
                }
                self.result(ret)
            }
        };
        extra += &after(&mem);
        Some(format!("{result}{extra}"))
    }

    /// A step of the capability-check rows: the model's answer, or, where
    /// the model lets the kernel run the call, what the kernel answers in
    /// the scripts' fixed world (`native`).
    fn call_privileged(&self, creds: &Creds, row: &Row, words: &[String], fam: &Family) -> Option<String> {
        let a = &words[1..];
        let mut mem = Mem { mem: VecMem::new(), next: 0x1000_0000, slot: 4 };
        let mut args = [0u64; 6];
        let pid = |w: &str| -> Option<u64> {
            Some(match w {
                "self" => fam.tid as u32 as u64,
                "main" => MAIN_TID as u64,
                "parent" => PARENT_PID as u64,
                "nosuch" => script::NOSUCH_PID as u64,
                _ => script::num(w)? as u32 as u64,
            })
        };
        let want = |n: usize| (a.len() == n).then_some(());
        match row.shim {
            Shim::Kill | Shim::Tkill | Shim::RtSigqueueinfo => {
                want(2)?;
                args[0] = pid(&a[0])?;
                args[1] = script::num(&a[1])?;
            }
            Shim::Tgkill | Shim::RtTgsigqueueinfo => {
                want(3)?;
                args[0] = pid(&a[0])?;
                args[1] = pid(&a[1])?;
                args[2] = script::num(&a[2])?;
            }
            Shim::Chroot => want(1)?,
            Shim::Unshare => {
                want(1)?;
                args[0] = script::num(&a[0])?;
            }
            Shim::Setns => {
                want(2)?;
                if a[0].contains('/') {
                    return None;
                }
                args[0] = match ns_word(&a[0]) {
                    Some(_) => 3,
                    None => -1i64 as u64,
                };
                args[1] = script::num(&a[1])?;
            }
            Shim::Mount | Shim::Umount2 => {
                want(2)?;
                script::num(&a[1])?;
            }
            Shim::PivotRoot | Shim::Sethostname => want(0)?,
            Shim::Seccomp | Shim::Prctl => {
                want(2)?;
                let mode = script::num(&a[0])?;
                let prog = match a[1].as_str() {
                    "allow" | "bad" => 1u16,
                    "empty" => 0,
                    "long" => 4097,
                    "null" => 0,
                    _ => return None,
                };
                let fprog = if a[1] == "null" {
                    0
                } else {
                    let mut b = vec![0u8; if self.abi == Abi::I386 { 8 } else { 16 }];
                    b[..2].copy_from_slice(&prog.to_ne_bytes());
                    b[4] = 0x10; // the program's address: never read by the model
                    mem.place(b)
                };
                args[..3].copy_from_slice(&if row.shim == Shim::Prctl { [22, mode, fprog] } else { [1, mode, fprog] });
            }
            _ => return None,
        }
        // The path argument: the word itself, which the world knows.
        let path_arg = match row.shim {
            Shim::Chroot => Some(0),
            Shim::Mount => Some(1),
            Shim::Umount2 => Some(0),
            _ => None,
        };
        if let Some(i) = path_arg {
            let w = &a[0];
            let p = if w == "null" {
                0
            } else {
                let mut b = w.as_bytes().to_vec();
                b.push(0);
                mem.place(b)
            };
            args[i] = p;
            if row.shim == Shim::Mount {
                args[0] = mem.place(b"none\0".to_vec());
                args[2] = mem.place(b"credshim-nofs\0".to_vec());
                args[3] = script::num(&a[1])?;
            } else if row.shim == Shim::Umount2 {
                args[1] = script::num(&a[1])?;
            }
        }
        if row.shim == Shim::RtSigqueueinfo || row.shim == Shim::RtTgsigqueueinfo {
            let sig = args[if row.shim == Shim::RtSigqueueinfo { 1 } else { 2 }] as u32;
            let mut info = vec![0u8; 128];
            info[..4].copy_from_slice(&sig.to_ne_bytes());
            info[8..12].copy_from_slice(&(-1i32).to_ne_bytes()); // SI_QUEUE
            let at = mem.place(info);
            args[if row.shim == Shim::RtSigqueueinfo { 2 } else { 3 }] = at;
        }
        let world = ScriptWorld { fam, me: creds, ns: if row.shim == Shim::Setns { ns_word(&a[0]) } else { None } };
        let find = |_: i32| None;
        let caller = Caller { tid: fam.tid, find_task: &find };
        Some(match dispatch(self.abi, row, args, creds, &caller, &world, &mut mem.mem) {
            Outcome::Emulated { ret, .. } => self.result(ret),
            Outcome::Native => native(row.shim, a, fam),
        })
    }

    fn pid(&self, p: Pid, fam: &Family) -> i32 {
        match p {
            Pid::Me => fam.tid,
            Pid::Parent => PARENT_PID,
            Pid::Num(n) => n,
        }
    }

    /// What `syscall()` hands back, printed as the probe prints it: `%ld` of
    /// the ABI's long, or `-1 ENAME` for the error range.
    fn result(&self, ret: i64) -> String {
        let r = match self.abi {
            Abi::X86_64 => ret,
            Abi::I386 => ret as i32 as i64,
        };
        if (-4095..0).contains(&r) {
            format!("-1 {}", Errno(-r as i32).name())
        } else {
            r.to_string()
        }
    }
}

/// The step's memory: buffers made from pointer specs, each in its own
/// region with nothing mapped after it.
struct Mem {
    mem: VecMem,
    next: u64,
    slot: u64,
}

impl Mem {
    /// A buffer of `slots` for `p`, filled with the sentinel. Returns the
    /// pointer (0 for `null`).
    fn alloc(&mut self, p: Ptr, slots: u32) -> u64 {
        match self.len(p, slots as usize) {
            None => 0,
            Some(n) => self.place(vec![SENTINEL; n * self.slot as usize]),
        }
    }

    /// setgroups' buffer: the list, then zeros.
    fn alloc_list(&mut self, p: Ptr, slots: u32, list: &[u32]) -> u64 {
        let Some(n) = self.len(p, slots as usize) else { return 0 };
        let mut bytes = vec![0u8; n * self.slot as usize];
        for (i, v) in list.iter().enumerate().take(n) {
            let at = i * self.slot as usize;
            if self.slot == 2 {
                bytes[at..at + 2].copy_from_slice(&(*v as u16).to_ne_bytes());
            } else {
                bytes[at..at + 4].copy_from_slice(&v.to_ne_bytes());
            }
        }
        self.place(bytes)
    }

    fn len(&self, p: Ptr, slots: usize) -> Option<usize> {
        match p {
            Ptr::Null => None,
            Ptr::Valid => Some(slots),
            Ptr::Edge(k) => Some(k as usize),
        }
    }

    /// A buffer of u32 words (capget/capset headers and data), cut to K words
    /// for `eK`.
    fn alloc_words(&mut self, p: Ptr, words: &[u32]) -> u64 {
        let n = match p {
            Ptr::Null => return 0,
            Ptr::Valid => words.len(),
            Ptr::Edge(k) => k as usize,
        };
        let mut bytes = vec![SENTINEL; n * 4];
        for (i, w) in words.iter().enumerate().take(n) {
            bytes[i * 4..i * 4 + 4].copy_from_slice(&w.to_ne_bytes());
        }
        self.place(bytes)
    }

    fn place(&mut self, bytes: Vec<u8>) -> u64 {
        let base = self.next;
        self.next += 0x100_0000;
        self.mem.map(base, bytes);
        base
    }

    fn slot(&self, base: u64, i: u64) -> u32 {
        let r = self.mem.region(base).unwrap_or(&[]);
        let at = (i * self.slot) as usize;
        match self.slot {
            2 => r.get(at..at + 2).map(|b| u16::from_ne_bytes([b[0], b[1]]) as u32).unwrap_or(0),
            _ => self.word(base + i * 4),
        }
    }

    fn word(&self, addr: u64) -> u32 {
        let base = addr & !0xff_ffff;
        let off = (addr - base) as usize;
        let r = self.mem.region(base).unwrap_or(&[]);
        r.get(off..off + 4).map(|b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]])).unwrap_or(0)
    }
}

/// setns's namespace words (the probe opens /proc/thread-self/ns/WORD);
/// any other word stands for a descriptor that is not open (`badfd`).
fn ns_word(w: &str) -> Option<NsType> {
    NsType::from_proc_name(w)
}

/// What the kernel answers for a call the model lets it run, in the
/// scripts' fixed world (SCRIPT.md "Other calls"): the calls are chosen so
/// that the kernel's own answer does not depend on the machine.
fn native(shim: Shim, a: &[String], fam: &Family) -> String {
    let err = |e: Errno| format!("-1 {}", e.name());
    let path = a.first().map(String::as_str).unwrap_or("");
    let target = || match path {
        "null" => Some(err(Errno::EFAULT)),
        "/" | "dir" | "locked" | "plain" => None,
        _ => Some(err(Errno::ENOENT)),
    };
    match shim {
        Shim::Chroot => match target() {
            Some(e) => e,
            None if path == "plain" => err(Errno(20)), // ENOTDIR
            None => "0".to_string(),
        },
        Shim::Setns => match ns_word(path) {
            None => err(Errno::EBADF),
            // userns_install: not the caller's own namespace again.
            Some(NsType::User) => err(Errno::EINVAL),
            // mntns_install: fs->users != 1 in a thread.
            Some(NsType::Mnt) if fam.main.is_some() => err(Errno::EINVAL),
            Some(_) => "0".to_string(),
        },
        Shim::Mount => target().unwrap_or_else(|| {
            let mut flags = a.get(1).and_then(|w| script::num(w)).unwrap_or(0);
            if flags & 0xffff_0000 == 0xc0ed_0000 {
                flags &= !0xffff_0000;
            }
            // No such filesystem type (ENODEV); a remount or a propagation
            // change of what is not a mount point (EINVAL).
            if flags == 0 { err(Errno(19)) } else { err(Errno::EINVAL) }
        }),
        Shim::Umount2 => target().unwrap_or_else(|| err(Errno::EINVAL)),
        // pivot_root(DIR, DIR): DIR is not a mount point.
        Shim::PivotRoot => err(Errno::EBUSY),
        Shim::Seccomp | Shim::Prctl if a.get(1).map(String::as_str) == Some("bad") => err(Errno::EINVAL),
        Shim::Sethostname => err(Errno::EINVAL),
        _ => "0".to_string(),
    }
}

/// The tasks and files the scripts can name: the caller, its main thread,
/// its parent process; `/`, DIR (`dir`), DIR/locked (0700) and DIR/plain,
/// all root's.
struct ScriptWorld<'a> {
    fam: &'a Family<'a>,
    me: &'a Creds,
    /// The namespace of a setns step's descriptor (3).
    ns: Option<NsType>,
}

const SESSION: i32 = 1;

impl World for ScriptWorld<'_> {
    fn caller(&self) -> CallerFacts {
        CallerFacts { tid: self.fam.tid, tgid: MAIN_TID, session: SESSION, thread_group_empty: self.fam.main.is_none() }
    }
    fn task(&self, pid: i32) -> Found<TaskFacts> {
        let (tgid, c) = match pid {
            p if p == self.fam.tid => (MAIN_TID, self.me),
            MAIN_TID => (MAIN_TID, self.fam.main.unwrap_or(self.me)),
            PARENT_PID => (PARENT_PID, self.fam.parent),
            _ => return Found::NoSuch,
        };
        Found::Yes(TaskFacts { tgid, uid: c.uid, suid: c.suid, session: SESSION })
    }
    fn lookup(&self, path: &[u8], _follow: bool) -> Option<Inode> {
        let mode = match path {
            b"/" | b"dir" => 0o040755,
            b"locked" => 0o040700,
            b"plain" => 0o100755,
            _ => return None,
        };
        Some(Inode { mode, uid: 0, gid: 0 })
    }
    fn ns_file(&self, fd: i32) -> Option<NsType> {
        // The probe's descriptor for the step's namespace word.
        if fd == 3 {
            self.ns
        } else {
            None
        }
    }
}
