//! The event loop: one waitpid(-1, __WALL) loop over every traced task. It
//! ends when no traced task is left (ECHILD), so it is bounded by the life
//! of the tree it follows.

mod decision;
mod emulate;
mod ownership;
mod peercred;
mod permission;
mod procfs;
mod tasks;
mod world;

pub use emulate::Call;
pub use permission::CLASSES as PERMISSION_CLASSES;

use crate::sys::arch;
use crate::sys::execfile;
use crate::sys::mem::{Strategy, TraceeMem};
use crate::sys::ptrace::{self, PtraceError, SyscallInfo, Tid};
use crate::sys::notify::{Agent, Listener};
use crate::settings::Store;
use crate::sys::signals;
use std::time::{Duration, Instant};
use credshim_shims::cred::copy_creds;
use credshim_shims::table::{Abi, Class};
use credshim_shims::exec::exec_creds;
use credshim_shims::Creds;
use std::path::Path;
use tasks::TaskTable;

/// How calls are intercepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// seccomp user notifications: shim-table calls arrive on a listener;
    /// ptrace only follows the tree.
    Notify,
    /// seccomp RET_TRACE: only shim-table calls stop.
    Seccomp,
    /// `--no-seccomp`: PTRACE_SYSCALL, every call stops twice.
    Syscall,
}

/// How the main command ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Exited(i32),
    Signaled(i32),
}

pub struct Tracer {
    mode: Mode,
    tasks: TaskTable,
    main: Tid,
    main_status: Option<Status>,
    main_execed: bool,
    strategy: Strategy,
    /// `CREDSHIM_TEST_EVENT_ORDER=reverse`: handle each batch of pending
    /// events newest first, so tests can make a child's first stop arrive
    /// before its parent's fork event (lesson 2) on demand.
    reverse_events: bool,
    listener: Option<Listener>,
    /// `oci hook` through the listener: the socket the runtime hands the
    /// container's listener to, until it has (then closed).
    agent: Option<Agent>,
    owners: ownership::Owners,
    /// Attached to a running tree (`oci hook`): until an emulated call
    /// changes a task's credentials, they are the kernel's, read back after
    /// each exec (the runtime set them up natively before its filter); the
    /// groups too, unless the namespace denies setgroups (then the ones
    /// given at attach stay).
    attached: bool,
    /// `CREDSHIM_TEST_ANSWER_DELAY_US`: wait this long between deciding a
    /// notified call that commits something and answering it, so that tests
    /// can have a signal interrupt the caller's wait (without
    /// WAIT_KILLABLE_RECV) on demand.
    answer_delay: Option<Duration>,
    /// `--proc`: what /proc shows of the virtual tasks.
    proc: emulate::Proc,
    /// `--permissions emulate`: file permission checks against the
    /// virtual credentials (the filter stops every open and path call).
    permissions: bool,
}

/// At most this many pending events are handled as one batch.
const BATCH: usize = 64;

/// What credshim does as a supervisor, beside tracing.
pub struct Supervision {
    pub signals: signals::Signals,
    /// End the rest (SIGTERM, then SIGKILL after `grace`) when the main
    /// command exits.
    pub exit_with_main: bool,
    pub grace: Duration,
    /// Forward signals to the command's process group (it runs in its own).
    pub signal_group: bool,
}

/// Every channel, before it decides a call: what `ownership::root` must
/// know (the task's previous call is over; this one may change its root).
fn note_call(tid: Tid, call: &Call) {
    let shim = Abi::from_audit_arch(call.arch).and_then(|abi| abi.lookup(call.nr)).map(|r| r.shim);
    ownership::root::on_call(tid, shim);
    ownership::cwd::on_call(tid, shim);
}

/// The thread group (process) of a task.
pub(super) fn tgid_of(tid: Tid) -> Option<Tid> {
    let status = std::fs::read_to_string(format!("/proc/{tid}/status")).ok()?;
    status.lines().find_map(|l| l.strip_prefix("Tgid:")).and_then(|v| v.trim().parse().ok())
}

/// The other threads of `tid`'s process (/proc/TGID/task), at most 4096.
pub(super) fn threads_of(tid: Tid) -> Vec<Tid> {
    let Some(tgid) = tgid_of(tid) else { return Vec::new() };
    let Ok(dir) = std::fs::read_dir(format!("/proc/{tgid}/task")) else { return Vec::new() };
    dir.take(4096).filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).filter(|&t| t != tid).collect()
}

impl Tracer {
    /// `main` was seized while running (it is started), with `creds`.
    /// `listener`: the notification channel, in `Mode::Notify`.
    pub fn new(mode: Mode, main: Tid, creds: Creds, listener: Option<Listener>, ownership: Store) -> Tracer {
        let mut tasks = TaskTable::default();
        tasks.insert(main, creds, true);
        let reverse_events = std::env::var("CREDSHIM_TEST_EVENT_ORDER").as_deref() == Ok("reverse");
        let answer_delay = std::env::var("CREDSHIM_TEST_ANSWER_DELAY_US").ok().and_then(|v| v.parse().ok()).map(Duration::from_micros);
        let mut strategy = Strategy::from_env();
        if mode == Mode::Notify && strategy == Strategy::Peek {
            // PEEK/POKE need a ptrace-stopped task; a notified one is not.
            strategy = Strategy::ProcMem;
        }
        Tracer {
            mode,
            tasks,
            main,
            main_status: None,
            main_execed: false,
            strategy,
            reverse_events,
            listener,
            agent: None,
            owners: ownership::Owners::new(ownership),
            attached: false,
            answer_delay,
            proc: emulate::Proc::Off,
            permissions: false,
        }
    }

    /// `--proc`: the stat family gives traced tasks' /proc entries their
    /// virtual owner; with notifications, opens of their /proc status files
    /// are answered with their virtual credentials too (the filter must
    /// stop every open, `seccomp::filter_with`).
    pub fn show_proc(&mut self, on: bool) {
        self.proc = match (on, self.mode) {
            (false, _) => emulate::Proc::Off,
            // Notifications install the descriptor; a seccomp stop has the
            // task open credshim's instead (`redirect_open`).
            (true, Mode::Notify | Mode::Seccomp) => emulate::Proc::OwnersAndStatus,
            (true, Mode::Syscall) => emulate::Proc::Owners,
        };
    }

    /// `--permissions emulate` (the filter must stop the permission rows,
    /// `seccomp::filter_with`).
    pub fn check_permissions(&mut self, on: bool) {
        self.permissions = on;
    }

    /// Keep the tasks' working directories open for the stat family
    /// (`ownership::cwd`): only when the filter stops every call that
    /// changes one (`seccomp::section`, with the stat family in it).
    pub fn keep_cwds(&mut self, on: bool) {
        ownership::cwd::enable(on);
    }

    /// A tree credshim did not start: `tids` (every thread of `main`) are
    /// seized and running; their credentials are read from the kernel.
    /// `groups`: the supplementary groups the tasks start with (None: as
    /// the kernel shows them).
    pub fn attached(mode: Mode, main: Tid, tids: &[Tid], ownership: Store, groups: Option<&[u32]>) -> Option<Tracer> {
        let with_groups = |mut c: Creds| {
            if let Some(g) = groups {
                c.groups = credshim_shims::cred::sorted_groups(g.iter().map(|&g| credshim_shims::Kgid(g)).collect());
            }
            c
        };
        let creds = with_groups(crate::sys::creds::of_task(main)?);
        let mut t = Tracer::new(mode, main, creds.clone(), None, ownership);
        for &tid in tids {
            let c = crate::sys::creds::of_task(tid).map(with_groups).unwrap_or_else(|| creds.clone());
            t.tasks.insert(tid, c, true);
        }
        t.attached = true;
        Some(t)
    }

    /// `Mode::Notify` in an attached tree: the runtime will send the
    /// container's seccomp listener to `agent` (runc does it before the
    /// container's process runs anything the filter notifies).
    pub fn expect_listener(&mut self, agent: Agent) {
        self.agent = Some(agent);
    }

    /// The decision for one intercepted call, whichever channel brought it.
    fn decide(&mut self, tid: Tid, call: Call, proc: emulate::Proc) -> emulate::Decision {
        note_call(tid, &call);
        let mut d = emulate::emulate(&self.tasks, &mut self.owners, tid, call, self.strategy, proc, self.permissions);
        if self.runtime_bset_drop(tid, &call, d.answer) {
            d.answer = None;
        }
        d
    }

    /// A PR_CAPBSET_DROP that the runtime makes for the container (in an
    /// attached tree, before the main task has exec'd the payload) and
    /// that the emulation allows: the kernel runs it too, besides the
    /// commit. runc installs the seccomp filter before it sets up the
    /// process's credentials unless noNewPrivileges is set (podman's
    /// case), so its bounding-set drops reach the tracer; emulated alone,
    /// they left the real bounding set full (every capability of the
    /// namespace's root, CAP_SYS_ADMIN included, where process.capabilities
    /// had dropped them), and after exec, when the kernel gives root's
    /// capabilities again from the bounding set, the container's real
    /// process and /proc/PID/status (libcap-ng's view, setpriv --dump) had
    /// them all. The drop only takes away, and the task is the namespace's
    /// root with CAP_SETPCAP when the emulation allows it, so the kernel's
    /// call succeeds as the emulated one did.
    fn runtime_bset_drop(&self, tid: Tid, call: &Call, answer: Option<i64>) -> bool {
        use credshim_shims::table::Shim;
        if !self.attached || self.main_execed || answer != Some(0) || call.args[0] as u32 != libc::PR_CAPBSET_DROP as u32 {
            return false;
        }
        if Abi::from_audit_arch(call.arch).and_then(|a| a.lookup(call.nr)).is_some_and(|r| r.shim == Shim::Prctl) {
            log::debug!("[pid {tid}] the runtime's PR_CAPBSET_DROP({}): the kernel's bounding set too", call.args[1]);
            return true;
        }
        false
    }

    /// The runtime connected to the agent socket: take the listener.
    fn take_listener(&mut self) {
        let Some(agent) = self.agent.as_ref() else { return };
        match agent.accept(self.main) {
            Ok(Some(l)) => {
                log::info!("the calls arrive through the container's seccomp listener (from {})", agent.path());
                self.listener = Some(l);
                self.agent = None;
            }
            Ok(None) => {}
            Err(e) => log::warn!("seccomp listener socket {}: {e}", agent.path()),
        }
    }

    /// Did the main command get as far as exec?
    pub fn main_execed(&self) -> bool {
        self.main_execed
    }

    /// Follows the tree until no traced task is left; returns how the main
    /// command ended. Wakes on SIGCHLD (ptrace stops and exits raise it in
    /// the tracer) and on forwarded signals, read from the signalfd.
    pub fn run(&mut self, sup: &Supervision) -> Option<Status> {
        let mut kill_at: Option<Instant> = None;
        let mut termed = false;
        // waitpid only when there can be something to reap or a stop to
        // handle: every ptrace stop and every exit of a traced task raises
        // SIGCHLD in the tracer (read from the signalfd below), and a wait
        // that timed out drains anyway (a lost wakeup costs a second). A
        // notification alone needs none: that saves a waitpid per call.
        let mut need_drain = true;
        loop {
            if need_drain && !self.drain() {
                break; // ECHILD: nothing left to follow
            }
            if sup.exit_with_main && self.main_status.is_some() && !termed {
                // The container convention: the main process is the container.
                log::info!("the main command ended; sending SIGTERM to the {} traced tasks left", self.tasks.len());
                self.signal_all(libc::SIGTERM);
                termed = true;
                kill_at = Some(Instant::now() + sup.grace);
            }
            if let Some(t) = kill_at {
                if Instant::now() >= t {
                    log::info!("grace period over; sending SIGKILL");
                    self.signal_all(libc::SIGKILL);
                    kill_at = Some(Instant::now() + Duration::from_secs(3600));
                }
            }
            // A bounded wait: a lost wakeup costs at most a second.
            let timeout = kill_at.map(|t| t.saturating_duration_since(Instant::now()).as_millis() as i32).unwrap_or(1000).clamp(0, 1000);
            let other = self.listener.as_ref().map(Listener::raw).or_else(|| self.agent.as_ref().map(Agent::raw));
            let (sigs, notified) = sup.signals.wait(timeout, other);
            need_drain = sigs.is_empty() && notified == signals::Ready::No;
            for sig in sigs {
                if sig.signo == libc::SIGCHLD {
                    need_drain = true;
                } else {
                    self.forward(sig, sup);
                }
            }
            match notified {
                signals::Ready::Readable if self.listener.is_none() => self.take_listener(),
                signals::Ready::Readable => self.serve_notifications(),
                signals::Ready::Gone if self.listener.is_none() => {
                    log::warn!("seccomp listener socket closed before the runtime sent the listener");
                    self.agent = None;
                }
                signals::Ready::Gone => {
                    log::debug!("no task uses the seccomp filter any more: listener closed");
                    self.listener = None;
                }
                signals::Ready::No => {}
            }
        }
        self.main_status
    }

    /// Answers the pending notifications (a bounded batch; poll brings the
    /// loop back for more). Ptrace events come first: a notification only
    /// comes from a task that was resumed, so it is in the table. After an
    /// answer, a poll(0) looks for the caller's next call before the loop
    /// goes to sleep: a caller in a loop of emulated calls has often made
    /// it by then, and taking it now spares a sleep and a wakeup.
    fn serve_notifications(&mut self) {
        let Some(listener) = self.listener.take() else { return };
        for _ in 0..BATCH {
            match listener.recv() {
                Ok(Some(n)) => self.answer(&listener, n),
                Ok(None) => {}
                Err(e) => {
                    log::warn!("seccomp listener: {e}");
                    break;
                }
            }
            let mut p = libc::pollfd { fd: listener.raw(), events: libc::POLLIN, revents: 0 };
            // SAFETY: one pollfd, no wait.
            if unsafe { libc::poll(&mut p, 1, 0) } != 1 || p.revents & libc::POLLIN == 0 {
                break;
            }
        }
        self.listener = Some(listener);
    }

    /// One notification: decide, deliver, and commit only what the kernel
    /// took (SECCOMP_IOCTL_NOTIF_SEND returned 0).
    fn answer(&mut self, listener: &Listener, n: crate::sys::notify::Notification) {
        let call = Call { arch: n.arch, nr: n.nr, args: n.args };
        let d = self.decide(n.tid, call, self.proc);
        if let Some(delay) = self.answer_delay.filter(|_| d.commit.is_some()) {
            std::thread::sleep(delay);
        }
        // The task's memory was read: make sure it is still the same call
        // before answering (seccomp_unotify(2)): its pid could have been
        // reused by another process. Not for a traced task: it stays a
        // zombie, its pid taken, until this thread's waitpid reaps it, which
        // cannot happen in between (saves an ioctl per call).
        if !self.tasks.contains(n.tid) && !listener.valid(n.id) {
            log::debug!("[pid {}] the call ended before its answer (interrupted or died): nothing committed", n.tid);
            return;
        }
        if let Some((fd, cloexec)) = d.file {
            match listener.respond_fd(n.id, std::os::fd::AsRawFd::as_raw_fd(&fd), cloexec) {
                Ok(_) => {}
                Err(e) if e.raw_os_error() == Some(libc::ENOENT) => log::debug!("[pid {}] the open ended before its answer arrived", n.tid),
                Err(e) => log::warn!("[pid {}] cannot install the /proc status descriptor ({e})", n.tid),
            }
            return;
        }
        match listener.respond(n.id, d.answer) {
            Ok(()) => emulate::commit(&mut self.tasks, &mut self.owners, n.tid, d.commit),
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {
                log::debug!("[pid {}] the call ended before its answer arrived (interrupted or died): nothing committed", n.tid)
            }
            Err(e) => log::warn!("[pid {}] cannot answer its call ({e}): nothing committed", n.tid),
        }
    }

    /// Handles every pending waitpid result, in batches. False on ECHILD.
    fn drain(&mut self) -> bool {
        loop {
            let mut batch = Vec::new();
            let mut more = true;
            while batch.len() < BATCH {
                let mut st = 0;
                // waitpid writes the status into `st`.
                let p = crate::sys::ptrace::waitpid(-1, &mut st, libc::__WALL | libc::WNOHANG);
                if p > 0 {
                    batch.push((p, st));
                    continue;
                }
                if p < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                    continue;
                }
                more = p == 0;
                break;
            }
            let full = batch.len() == BATCH;
            if self.reverse_events {
                batch.reverse();
            }
            for (pid, st) in batch {
                self.handle(pid, st);
            }
            if !more {
                return false;
            }
            if !full {
                return true;
            }
        }
    }

    /// A signal credshim received: to the main command (or its process
    /// group with `-g`), or to every traced process once it has ended.
    fn forward(&self, sig: signals::Received, sup: &Supervision) {
        if sig.code == signals::SI_KERNEL {
            // Generated by the kernel for a terminal's foreground group
            // (^C, ^\, window size): the command has it already.
            log::debug!("signal {} from the terminal: not forwarded", sig.signo);
            return;
        }
        if self.main_status.is_none() {
            let target = if sup.signal_group { -self.main } else { self.main };
            log::debug!("forwarding signal {} to {}", sig.signo, target);
            // SAFETY: sending a signal.
            unsafe { libc::kill(target, sig.signo) };
        } else {
            log::debug!("forwarding signal {} to every traced process", sig.signo);
            self.signal_all(sig.signo);
        }
    }

    /// Sends `sig` once to every traced process (not once per thread).
    fn signal_all(&self, sig: i32) {
        let mut tgids: Vec<Tid> = self.tasks.tids().filter_map(tgid_of).collect();
        tgids.sort_unstable();
        tgids.dedup();
        for t in tgids {
            // SAFETY: sending a signal.
            unsafe { libc::kill(t, sig) };
        }
    }

    /// One waitpid result.
    fn handle(&mut self, pid: Tid, st: i32) {
        if libc::WIFEXITED(st) || libc::WIFSIGNALED(st) {
            self.on_exit(pid, st);
            return;
        }
        if !libc::WIFSTOPPED(st) {
            return;
        }
        let sig = libc::WSTOPSIG(st);
        let event = (st >> 16) & 0xff;
        log::trace!("[pid {pid}] stop: signal {sig} event {event}");
        let r = match event {
            ptrace::PTRACE_EVENT_SECCOMP => self.on_seccomp(pid),
            ptrace::PTRACE_EVENT_FORK | ptrace::PTRACE_EVENT_VFORK | ptrace::PTRACE_EVENT_CLONE => self.on_clone(pid),
            ptrace::PTRACE_EVENT_EXEC => self.on_exec(pid),
            ptrace::PTRACE_EVENT_STOP => self.on_stop(pid, sig),
            0 if sig == libc::SIGTRAP | 0x80 => self.on_syscall_stop(pid),
            0 => self.on_signal(pid, sig),
            _ => self.resume(pid, 0),
        };
        match r {
            Ok(()) => {}
            Err(PtraceError::Gone(tid)) => log::trace!("[pid {tid}] gone while stopped; its exit will be reported"),
            Err(PtraceError::Other { tid, op, source }) => {
                log::warn!("[pid {tid}] {op}: {source}");
                let _ = self.resume(tid, 0);
            }
        }
    }

    fn resume(&self, tid: Tid, sig: i32) -> ptrace::Result<()> {
        match self.mode {
            Mode::Notify | Mode::Seccomp => ptrace::cont(tid, sig),
            Mode::Syscall => ptrace::syscall(tid, sig),
        }
    }

    fn on_exit(&mut self, pid: Tid, st: i32) {
        self.tasks.remove(pid);
        ownership::root::forget(pid);
        ownership::cwd::forget(pid);
        ownership::fds::forget(pid);
        self.owners.settle(pid);
        if pid == self.main {
            self.main_status = Some(if libc::WIFEXITED(st) {
                Status::Exited(libc::WEXITSTATUS(st))
            } else {
                Status::Signaled(libc::WTERMSIG(st))
            });
        }
        log::trace!("[pid {pid}] gone ({} traced left)", self.tasks.len());
    }

    /// A seccomp stop: the call has not run; answer it or let it run. The
    /// task cannot leave the stop but by SIGKILL, so the answer is
    /// delivered once the registers are written: then commit.
    fn on_seccomp(&mut self, pid: Tid) -> ptrace::Result<()> {
        if let SyscallInfo::Call { arch, nr, args } = ptrace::syscall_info(pid)? {
            let d = self.decide(pid, Call { arch, nr, args }, self.proc);
            if let Some(ret) = d.answer {
                arch::skip(pid)?;
                arch::set_return(pid, ret)?;
            }
            emulate::commit(&mut self.tasks, &mut self.owners, pid, d.commit);
            if let Some((fd, _)) = d.file {
                if self.redirect_open(pid, arch, nr, fd)? {
                    // To the call's syscall-exit stop, where it is undone.
                    return ptrace::syscall(pid, 0);
                }
            }
        }
        self.resume(pid, 0)
    }

    /// `--proc` at a seccomp stop of an open of a traced task's status
    /// file: no descriptor can be installed, so the task opens credshim's
    /// (`/proc/CREDSHIM/fd/N`, a read-only open of the sealed memfd)
    /// instead. The path is written below the task's stack pointer (past
    /// the red zone) and the call's path argument pointed at it; the
    /// register is put back at the call's syscall-exit stop, since the
    /// program may count on it (glibc's inline system calls do). Only where
    /// the task may open credshim's descriptors: the same user namespace
    /// and effective uid (proc_fd_access_allowed). False: not done, the
    /// kernel's file is opened.
    fn redirect_open(&mut self, pid: Tid, arch: u32, nr: u64, fd: std::os::fd::OwnedFd) -> ptrace::Result<bool> {
        use credshim_shims::table::{Abi, Shim};
        let Some(abi) = Abi::from_audit_arch(arch) else { return Ok(false) };
        let Some(row) = abi.lookup(nr) else { return Ok(false) };
        let compat = abi == Abi::I386;
        let arg = match row.shim {
            Shim::Open => 0,
            Shim::Openat | Shim::Openat2 => 1,
            _ => return Ok(false),
        };
        let ours = crate::sys::creds::of_task(std::process::id() as i32);
        let theirs = crate::sys::creds::of_task(pid);
        let may = matches!((ours, theirs), (Some(o), Some(t)) if o.euid == t.fsuid && t.cap_effective.0 & o.cap_permitted.0 == o.cap_permitted.0);
        let Some(offset) = arch::arg_offset(arg, compat).filter(|_| may && crate::sys::fs::same_ns(pid, "user") && crate::sys::fs::same_ns(pid, "pid")) else { return Ok(false) };
        let path = format!("/proc/{}/fd/{}\0", std::process::id(), std::os::fd::AsRawFd::as_raw_fd(&fd));
        let sp = arch::stack_pointer(pid)?;
        let at = sp.wrapping_sub(128 + 64 + path.len() as u64) & !15;
        let mut mem = TraceeMem::new(pid, self.strategy);
        if credshim_shims::UserMem::write(&mut mem, at, path.as_bytes()).is_err() {
            return Ok(false);
        }
        let old = arch::get(pid, offset)?;
        arch::set(pid, offset, at)?;
        if let Some(t) = self.tasks.get_mut(pid) {
            t.restore = Some((offset, old, fd));
        }
        log::debug!("[pid {pid}] {}: the virtual status through {}", row.name, path.trim_end_matches('\0'));
        Ok(true)
    }

    /// `--no-seccomp`: skip at entry, set the value at exit.
    fn on_syscall_stop(&mut self, pid: Tid) -> ptrace::Result<()> {
        match ptrace::syscall_info(pid)? {
            SyscallInfo::Call { arch, nr, args } => {
                let d = self.decide(pid, Call { arch, nr, args }, self.proc.without_fds());
                match d.answer {
                    Some(ret) => {
                        arch::skip(pid)?;
                        if let Some(t) = self.tasks.get_mut(pid) {
                            t.pending = Some((ret, d.commit));
                        }
                    }
                    // The kernel runs it: what it commits holds now.
                    None => emulate::commit(&mut self.tasks, &mut self.owners, pid, d.commit),
                }
            }
            SyscallInfo::Exit => {
                if let Some((offset, value, fd)) = self.tasks.get_mut(pid).and_then(|t| t.restore.take()) {
                    arch::set(pid, offset, value)?;
                    drop(fd);
                }
                if let Some((ret, commit)) = self.tasks.get_mut(pid).and_then(|t| t.pending.take()) {
                    arch::set_return(pid, ret)?;
                    emulate::commit(&mut self.tasks, &mut self.owners, pid, commit);
                }
            }
            SyscallInfo::None => {}
        }
        self.resume(pid, 0)
    }

    /// A signal-delivery-stop: deliver the signal. With notifications, a
    /// signal that came while a credential call waited for its answer
    /// ended the wait with ERESTARTSYS (kernel/seccomp.c
    /// seccomp_do_user_notification; with WAIT_KILLABLE_RECV only before
    /// credshim received it), and the call did not happen: a handler
    /// without SA_RESTART would make it fail with EINTR, which the kernel's
    /// own set*id, get*id, setgroups, capget/capset and prctl never do. It
    /// restarts instead (ERESTARTNOINTR), as if the signal had come just
    /// before the call. Calls that can wait natively (open of a FIFO, a
    /// chown on a network filesystem) keep the kernel's SA_RESTART rule.
    fn on_signal(&mut self, pid: Tid, sig: i32) -> ptrace::Result<()> {
        if self.mode == Mode::Notify {
            match self.restart_if_interrupted(pid, sig) {
                Ok(()) => {}
                Err(PtraceError::Gone(tid)) => return Err(PtraceError::Gone(tid)),
                // The signal is delivered all the same.
                Err(PtraceError::Other { tid, op, source }) => log::warn!("[pid {tid}] {op}: {source}"),
            }
        }
        self.resume(pid, sig)
    }

    fn restart_if_interrupted(&self, pid: Tid, sig: i32) -> ptrace::Result<()> {
        let Some(abi) = Abi::from_audit_arch(ptrace::stop_arch(pid)?) else { return Ok(()) };
        let Some(nr) = arch::interrupted_call(pid, abi == Abi::I386)? else { return Ok(()) };
        if let Some(row) = abi.lookup(nr).filter(|r| r.shim.class() == Class::Credential) {
            log::debug!("[pid {pid}] {} interrupted by signal {sig} before its answer: restarted", row.name);
            arch::restart_always(pid)?;
        }
        Ok(())
    }

    /// fork, vfork, clone: the new task gets a copy of the credentials.
    fn on_clone(&mut self, pid: Tid) -> ptrace::Result<()> {
        let child = ptrace::event_msg(pid)? as Tid;
        let creds = match self.tasks.creds(pid) {
            Some(c) => copy_creds(c),
            None => {
                log::warn!("[pid {pid}] clone event from an unknown task; its child starts as the launcher");
                crate::sys::creds::from_kernel()
            }
        };
        // Its first stop may have come first (lesson 2): then resume it now.
        let stopped_already = self.tasks.unpark(child);
        let emulated = self.tasks.emulated(pid);
        self.tasks.insert(child, creds, stopped_already);
        if let Some(t) = self.tasks.get_mut(child) {
            t.emulated = emulated;
        }
        log::trace!("[pid {pid}] new task {child}{}", if stopped_already { " (was parked)" } else { "" });
        if stopped_already {
            let _ = self.resume(child, 0);
        }
        self.resume(pid, 0)
    }

    /// The exec has happened: rekey (lesson 7) and apply the transition.
    fn on_exec(&mut self, pid: Tid) -> ptrace::Result<()> {
        let former = ptrace::event_msg(pid)? as Tid;
        self.tasks.rekey_on_exec(former, pid);
        if former != pid {
            ownership::root::forget(former);
            ownership::root::forget(pid);
            ownership::cwd::forget(former);
            ownership::cwd::forget(pid);
            ownership::fds::forget(former);
        }
        if pid == self.main {
            self.main_execed = true;
        }
        let exe = format!("/proc/{pid}/exe");
        self.owners.settle(pid);
        self.owners.settle_all();
        if self.attached && !self.tasks.emulated(pid) {
            match crate::sys::creds::of_task(pid) {
                Some(mut c) => {
                    // Where the namespace denies setgroups the kernel's
                    // groups are not the runtime's (runc skips its
                    // setgroups there): the ones given at attach
                    // (process.user.additionalGids) stay, as exec keeps them.
                    if let Some(old) = self.tasks.creds(pid).filter(|_| crate::sys::creds::setgroups_denied(pid)) {
                        c.groups = old.groups.clone();
                    }
                    self.tasks.set_creds(pid, c)
                }
                None => log::warn!("[pid {pid}] cannot read its credentials after exec"),
            }
            return self.resume(pid, 0);
        }
        let owners = &self.owners;
        match (self.tasks.creds(pid), execfile::read(Path::new(&exe), |p, i| owners.get(p, i, true))) {
            (Some(old), Ok(file)) => match exec_creds(old, &file, crate::sys::creds::suid_dumpable()) {
                Ok(new) => self.tasks.set_creds(pid, new),
                Err(e) => log::warn!("[pid {pid}] exec transition gave {e} after the exec ran"),
            },
            (None, _) => log::warn!("[pid {pid}] exec of an unknown task"),
            (_, Err(e)) => log::warn!("[pid {pid}] cannot read {exe}: {e}"),
        }
        self.resume(pid, 0)
    }

    /// PTRACE_EVENT_STOP: a new task's first stop, or a group-stop.
    fn on_stop(&mut self, pid: Tid, sig: i32) -> ptrace::Result<()> {
        match self.tasks.get_mut(pid) {
            None => {
                // ptrace(2): a new child's first stop may come before its
                // parent's fork event; keep it stopped until the event.
                log::trace!("[pid {pid}] parked: stopped before the event that names it");
                self.tasks.park(pid);
                Ok(())
            }
            Some(t) if !t.started => {
                t.started = true;
                self.resume(pid, 0)
            }
            Some(_) if matches!(sig, libc::SIGSTOP | libc::SIGTSTP | libc::SIGTTIN | libc::SIGTTOU) => {
                ptrace::listen(pid)
            }
            Some(_) => self.resume(pid, 0),
        }
    }
}
