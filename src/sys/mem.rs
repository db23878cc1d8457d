//! The memory of a stopped tracee, as the model's `UserMem`: process_vm_readv
//! and process_vm_writev first; /proc/PID/mem when those are refused (YAMA,
//! seccomp of our own); PTRACE_PEEKDATA/POKEDATA last. A bad tracee pointer
//! becomes EFAULT for the tracee, never an error of credshim.

use crate::sys::ptrace::{self, Tid};
use credshim_shims::{Errno, UserMem};
use std::fs::File;
use std::os::unix::fs::FileExt;

/// How to reach tracee memory. `CREDSHIM_MEM=procmem|peek` forces a fallback
/// (tests use it to prove the fallbacks give the same answers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    VmRw,
    ProcMem,
    Peek,
}

impl Strategy {
    pub fn from_env() -> Strategy {
        match std::env::var("CREDSHIM_MEM").as_deref() {
            Ok("procmem") => Strategy::ProcMem,
            Ok("peek") => Strategy::Peek,
            _ => Strategy::VmRw,
        }
    }
}

pub struct TraceeMem {
    tid: Tid,
    strategy: Strategy,
    procmem: Option<File>,
}

impl TraceeMem {
    pub fn new(tid: Tid, strategy: Strategy) -> TraceeMem {
        TraceeMem { tid, strategy, procmem: None }
    }

    /// process_vm_readv/writev with the copy cut at page boundaries: those
    /// calls never split an iovec, so this is how a copy that faults half way
    /// still moves the bytes before the fault, as copy_to_user does.
    fn vm(&mut self, addr: u64, buf: &mut [u8], write: bool) -> Option<Result<(), Errno>> {
        let mut local = Vec::new();
        let mut remote = Vec::new();
        let mut done = 0usize;
        while done < buf.len() {
            let a = addr + done as u64;
            let n = ((4096 - (a & 4095)) as usize).min(buf.len() - done);
            local.push(libc::iovec { iov_base: buf[done..].as_mut_ptr() as *mut libc::c_void, iov_len: n });
            remote.push(libc::iovec { iov_base: a as *mut libc::c_void, iov_len: n });
            done += n;
        }
        let mut moved = 0usize;
        // At most IOV_MAX (1024) iovecs a call.
        for (l, r) in local.chunks(1024).zip(remote.chunks(1024)) {
            // SAFETY: `l` describes live parts of `buf`; `r` holds addresses
            // for the kernel to check.
            let n = unsafe {
                if write {
                    libc::process_vm_writev(self.tid, l.as_ptr(), l.len() as _, r.as_ptr(), r.len() as _, 0)
                } else {
                    libc::process_vm_readv(self.tid, l.as_ptr(), l.len() as _, r.as_ptr(), r.len() as _, 0)
                }
            };
            let want: usize = l.iter().map(|v| v.iov_len).sum();
            if n < 0 {
                return match std::io::Error::last_os_error().raw_os_error() {
                    Some(libc::EFAULT) => Some(Err(Errno::EFAULT)),
                    _ if moved == 0 => None, // refused: try the next strategy
                    _ => Some(Err(Errno::EFAULT)),
                };
            }
            moved += n as usize;
            if (n as usize) < want {
                return Some(Err(Errno::EFAULT));
            }
        }
        Some(Ok(()))
    }

    fn procmem_file(&mut self) -> Option<&File> {
        if self.procmem.is_none() {
            let f = std::fs::OpenOptions::new().read(true).write(true).open(format!("/proc/{}/mem", self.tid));
            self.procmem = f.ok();
        }
        self.procmem.as_ref()
    }

    /// How many bytes from `addr` lie in mappings that allow the access
    /// (`r` or `w`). /proc/PID/mem and PEEK/POKE use FOLL_FORCE: they read
    /// PROT_NONE pages and write read-only ones, so their copies stop where
    /// copy_from_user/copy_to_user would fault.
    fn accessible_prefix(&self, addr: u64, len: usize, write: bool) -> usize {
        let Ok(maps) = std::fs::read_to_string(format!("/proc/{}/maps", self.tid)) else { return 0 };
        let end = addr.saturating_add(len as u64);
        let mut at = addr;
        for line in maps.lines() {
            let mut f = line.split_whitespace();
            let (Some(range), Some(perms)) = (f.next(), f.next()) else { continue };
            let Some((lo, hi)) = range.split_once('-') else { continue };
            let (Ok(lo), Ok(hi)) = (u64::from_str_radix(lo, 16), u64::from_str_radix(hi, 16)) else { continue };
            if lo <= at && at < hi {
                let (at_char, want) = if write { (1, b'w') } else { (0, b'r') };
                if perms.as_bytes().get(at_char) != Some(&want) {
                    break;
                }
                at = hi.min(end);
                if at >= end {
                    break;
                }
            }
        }
        (at - addr) as usize
    }

    fn proc_rw(&mut self, addr: u64, buf: &mut [u8], write: bool) -> Option<Result<(), Errno>> {
        let len = self.accessible_prefix(addr, buf.len(), write);
        let f = self.procmem_file()?;
        let mut done = 0;
        while done < len {
            let r = if write { f.write_at(&buf[done..len], addr + done as u64) } else { f.read_at(&mut buf[done..len], addr + done as u64) };
            match r {
                Ok(n) if n > 0 => done += n,
                _ => break,
            }
        }
        Some(if done == buf.len() { Ok(()) } else { Err(Errno::EFAULT) })
    }

    fn peek_rw(&mut self, addr: u64, buf: &mut [u8], write: bool) -> Result<(), Errno> {
        // Word by word, aligned; a failing word is EFAULT.
        let len = self.accessible_prefix(addr, buf.len(), write);
        let mut done = 0usize;
        while done < len {
            let a = addr.wrapping_add(done as u64);
            let base = a & !7;
            let off = (a - base) as usize;
            let n = (8 - off).min(len - done);
            let mut word = ptrace::peek_data(self.tid, base).map_err(|_| Errno::EFAULT)?.to_ne_bytes();
            if write {
                word[off..off + n].copy_from_slice(&buf[done..done + n]);
                ptrace::poke_data(self.tid, base, u64::from_ne_bytes(word)).map_err(|_| Errno::EFAULT)?;
            } else {
                buf[done..done + n].copy_from_slice(&word[off..off + n]);
            }
            done += n;
        }
        if done == buf.len() {
            Ok(())
        } else {
            Err(Errno::EFAULT)
        }
    }

    fn access(&mut self, addr: u64, buf: &mut [u8], write: bool) -> Result<(), Errno> {
        if buf.is_empty() {
            return Ok(());
        }
        if addr.checked_add(buf.len() as u64).is_none() {
            return Err(Errno::EFAULT);
        }
        if self.strategy == Strategy::VmRw {
            match self.vm(addr, buf, write) {
                Some(r) => return r,
                None => {
                    log::info!("[pid {}] process_vm_{}v refused; using /proc/PID/mem", self.tid, if write { "write" } else { "read" });
                    self.strategy = Strategy::ProcMem;
                }
            }
        }
        if self.strategy == Strategy::ProcMem {
            match self.proc_rw(addr, buf, write) {
                Some(r) => return r,
                None => {
                    log::info!("[pid {}] /proc/PID/mem unavailable; using PTRACE_PEEKDATA", self.tid);
                    self.strategy = Strategy::Peek;
                }
            }
        }
        self.peek_rw(addr, buf, write)
    }
}

impl UserMem for TraceeMem {
    fn read(&mut self, addr: u64, buf: &mut [u8]) -> Result<(), Errno> {
        self.access(addr, buf, false)
    }

    fn write(&mut self, addr: u64, data: &[u8]) -> Result<(), Errno> {
        let mut copy = data.to_vec();
        self.access(addr, &mut copy, true)
    }
}

impl TraceeMem {
    /// A NUL-terminated string (a path argument), at most `max` bytes.
    pub fn read_cstr(&mut self, addr: u64, max: usize) -> Result<Vec<u8>, Errno> {
        let mut out = Vec::new();
        let mut chunk = [0u8; 256];
        while out.len() < max {
            let a = addr.wrapping_add(out.len() as u64);
            // Stay within the page so a string ending before a guard page reads.
            let room = (4096 - (a & 4095)) as usize;
            let n = room.min(chunk.len());
            self.read(a, &mut chunk[..n])?;
            if let Some(z) = chunk[..n].iter().position(|&b| b == 0) {
                out.extend_from_slice(&chunk[..z]);
                return Ok(out);
            }
            out.extend_from_slice(&chunk[..n]);
        }
        Err(Errno::ENAMETOOLONG)
    }
}
