//! The command line (clap). Only data: src/cmd/ gives it behaviour.

use clap::{ArgAction, Args, Parser, Subcommand};
use std::ffi::OsString;
use credshim_shims::CapSet;
use std::path::PathBuf;

const ABOUT: &str = "Run a command whose privilege-dropping calls work in a rootless container.";

const LONG_ABOUT: &str = "\
Run COMMAND (and every process it starts) with credential system calls \
emulated. In a rootless container one id is mapped, so setgroups(), \
setuid(33) and friends fail; under credshim they succeed, and every \
process sees exactly what it would see as real root on a host: its \
virtual uid/gid sets, supplementary groups, capabilities and securebits, \
kept as Linux keeps them across fork, threads and exec.

credshim grants nothing: a process that dropped to www-data still runs \
with the container's real credentials.";

const AFTER: &str = "\
Examples:
  credshim -- nginx -g 'daemon off;'
  credshim -- su -s /bin/sh www-data -c id
  credshim --uid www-data --gid www-data --groups adm,users -- id
  CREDSHIM_LOG=debug credshim -- setpriv --reuid=33 --regid=33 --clear-groups id

Signals: HUP, INT, QUIT, TERM, USR1, USR2, WINCH, ALRM, PIPE, CONT, PWR and \
URG sent to credshim are passed to the command (to every traced process \
once the command has ended). As PID 1 credshim also reaps every orphan; \
elsewhere it is a child subreaper, so daemons that double-fork stay traced \
and are reaped.

Subcommands (given first, in place of options and COMMAND):
  credshim oci inject BUNDLE      run a rootless OCI bundle's process under credshim
  credshim oci runtime -- ARGS    a runc/crun wrapper that injects on create and run
                                  (also as a symlink named credshim-runtime)
  credshim doctor                 what this machine supports
  credshim demo                   a privilege drop in a throwaway rootless namespace,
                                  without credshim and with it
A command named oci, doctor or demo runs as usual after --: credshim -- doctor.
See credshim-oci-inject(1), credshim-oci-runtime(1), credshim-oci-hook(1), credshim-oci-seccomp-profile(1), credshim-doctor(1), credshim-demo(1).

Exit status: the command's own status, or 128+N if it died by signal N \
(credshim then dies by the same signal); 125 if credshim failed (a \
command line it refuses included), 126 if COMMAND cannot be executed, 127 \
if it is not found.";

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Intercept {
    Auto,
    Notify,
    Ptrace,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ownership {
    Off,
    Session,
    Xattr,
}

/// `--permissions`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Permissions {
    #[default]
    Off,
    Emulate,
}

impl Ownership {
    pub fn store(self) -> crate::settings::Store {
        match self {
            Ownership::Off => crate::settings::Store::Off,
            Ownership::Session => crate::settings::Store::Session,
            Ownership::Xattr => crate::settings::Store::Xattr,
        }
    }
}

#[derive(Parser, Debug)]
#[command(name = "credshim", version, about = ABOUT, long_about = LONG_ABOUT, after_help = AFTER)]
pub struct Cli {
    /// Start COMMAND as this virtual user (with no capabilities) instead
    /// of the launcher's own credentials: a uid, or a name from
    /// /etc/passwd (as setpriv --reuid takes it).
    #[arg(long = "uid", value_name = "USER")]
    pub uid_arg: Option<String>,

    /// Start COMMAND with this virtual group: a gid, or a name from
    /// /etc/group.
    #[arg(long = "gid", value_name = "GROUP")]
    pub gid_arg: Option<String>,

    /// Start COMMAND with these supplementary groups (comma separated gids
    /// or names from /etc/group).
    #[arg(long = "groups", value_name = "LIST", value_delimiter = ',')]
    pub groups_arg: Option<Vec<String>>,

    /// --uid, --gid and --groups as numbers (`Cli::resolve_ids`).
    #[arg(skip)]
    pub uid: Option<u32>,
    #[arg(skip)]
    pub gid: Option<u32>,
    #[arg(skip)]
    pub groups: Option<Vec<u32>>,

    /// With any --cap-* option, COMMAND starts as an OCI runtime (runc)
    /// starts a container's process: from the container's root (every
    /// capability of the bounding set), keep-caps across the change to
    /// --uid/--gid/--groups, then these effective, permitted and
    /// inheritable sets, then these ambient capabilities raised; exec then
    /// gives it what the kernel gives. LIST: capability names, comma
    /// separated (CAP_NET_BIND_SERVICE or net_bind_service; empty for none).
    /// `credshim oci` writes them for a container's process.user.
    #[arg(long, value_name = "LIST", value_parser = parse_caps)]
    pub cap_effective: Option<CapSet>,

    /// The permitted set (see --cap-effective).
    #[arg(long, value_name = "LIST", value_parser = parse_caps)]
    pub cap_permitted: Option<CapSet>,

    /// The inheritable set (see --cap-effective).
    #[arg(long, value_name = "LIST", value_parser = parse_caps)]
    pub cap_inheritable: Option<CapSet>,

    /// The ambient capabilities to raise (see --cap-effective).
    #[arg(long, value_name = "LIST", value_parser = parse_caps)]
    pub cap_ambient: Option<CapSet>,

    /// How emulated calls reach credshim: `notify` (seccomp user
    /// notifications, the fast path), `ptrace` (seccomp stops), or `auto`
    /// (notify where the kernel allows it, else ptrace; logged once).
    #[arg(long, value_enum, default_value_t = Intercept::Auto, value_name = "HOW")]
    pub intercept: Intercept,

    /// File ownership the namespace cannot store: chown to unmapped ids, and
    /// files created after a drop to another user. `session` keeps it in
    /// memory for the life of credshim; `xattr` keeps it on the files, in
    /// the `user.rootlesscontainers` attribute that umoci reads and writes
    /// (hidden from the command); `off` lets such a chown fail as it does
    /// without credshim. stat shows the kept owners.
    #[arg(long, value_enum, default_value_t = Ownership::Session, value_name = "MODE")]
    pub ownership: Ownership,

    /// File permission checks against the virtual credentials: with
    /// `emulate`, a process that dropped privileges gets EACCES or EPERM
    /// where the kernel would give them to its virtual user (a root-only
    /// 0600 file, a 0700 directory on the path, unlink in a directory it
    /// may not write, chmod and utimes of another's file, the sticky
    /// bit), with the owners `--ownership` keeps and POSIX ACLs; access()
    /// checks the real ids. Every open and path call then reaches credshim
    /// (the cost is in contrib/bench), so the default is `off`: the kernel
    /// checks the container's real credentials, which pass.
    #[arg(long, value_enum, default_value_t = Permissions::Off, value_name = "MODE")]
    pub permissions: Permissions,

    /// Show each traced task's virtual credentials in its /proc status
    /// files (Uid, Gid, Groups, the capability sets, NoNewPrivs of
    /// /proc/PID/status and /proc/PID/task/TID/status) and as the owner
    /// stat gives /proc/PID and its files, which ps, pgrep, libcap-ng and
    /// health checks read. Every open then reaches credshim (a cost on
    /// open-heavy work: contrib/bench); the status files need a seccomp
    /// filter (with --no-seccomp they show the real credentials).
    #[arg(long)]
    pub proc: bool,

    /// Stop at every system call (PTRACE_SYSCALL) instead of using a
    /// seccomp filter. Much slower; for kernels or sandboxes that refuse
    /// seccomp filters (used automatically, with a warning, if installing
    /// the filter fails).
    #[arg(long)]
    pub no_seccomp: bool,

    /// Run even as real root in the host's user namespace. Daemons would then
    /// believe they dropped root while they keep it.
    #[arg(long)]
    pub allow_host_root: bool,

    /// When the main command exits, end every other traced process too
    /// (SIGTERM, then SIGKILL after --grace): the container convention.
    /// Without it credshim waits while any traced process lives, so
    /// daemons that fork into the background keep running.
    #[arg(long)]
    pub exit_with_main: bool,

    /// Seconds between SIGTERM and SIGKILL for --exit-with-main.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub grace: u64,

    /// Run the command in a process group of its own and forward signals
    /// to that group (like tini -g).
    #[arg(short = 'g', long = "signal-group")]
    pub signal_group: bool,

    /// Show each emulated call (-v) and every ptrace event (-vv). The
    /// CREDSHIM_LOG variable (error, warn, info, debug, trace) does the same.
    #[arg(short, long, action = ArgAction::Count)]
    pub verbose: u8,

    /// Write the log to this file instead of standard error.
    #[arg(long, value_name = "PATH")]
    pub log_file: Option<PathBuf>,

    /// Send the log to syslog.
    #[arg(long, conflicts_with = "log_file")]
    pub syslog: bool,

    /// The command to run, and its arguments.
    #[arg(required = true, trailing_var_arg = true, value_name = "COMMAND")]
    pub command: Vec<OsString>,
}

/// The first words that select a subcommand instead of the main command
/// line (dispatched before it is parsed, so `credshim [OPTIONS] COMMAND`
/// is unchanged).
pub const SUBCOMMANDS: &[&str] = &["oci", "doctor", "demo"];

/// `credshim oci …` and `credshim doctor`.
#[derive(Parser, Debug)]
#[command(name = "credshim", version, about = ABOUT, disable_help_subcommand = true)]
pub struct Sub {
    #[command(subcommand)]
    pub command: SubCommand,
}

#[derive(Subcommand, Debug)]
pub enum SubCommand {
    /// Rootless OCI containers (runc, crun) under credshim.
    #[command(subcommand, disable_help_subcommand = true)]
    Oci(Oci),
    /// Report, in plain words, whether this machine supports each way of
    /// running credshim (user namespaces, ptrace, seccomp filters and user
    /// notifications, PTRACE_GET_SYSCALL_INFO, runc and crun). Exit status
    /// 0 when the basic mode (credshim -- COMMAND) works, 1 when not.
    Doctor,
    /// Show the problem and the fix side by side: in a throwaway
    /// single-id user namespace (`unshare --map-root-user`, what a
    /// rootless container has), `setpriv --reuid=33 --regid=33
    /// --clear-groups id` runs first natively (it fails) and then under
    /// this credshim (it prints uid 33). Nothing is installed or changed.
    /// Exit status 0 when both did what they show.
    Demo,
}

#[derive(Subcommand, Debug)]
pub enum Oci {
    Inject(Inject),
    Runtime(Runtime),
    Hook(Hook),
    SeccompProfile(SeccompProfile),
    FixOwners(FixOwners),
}

const FIX_OWNERS_LONG: &str = "\
Rewrite an image archive saved by an account with one id (`podman save`, \
docker-archive format) so that the tar headers of its layers carry the \
owners credshim kept. podman fills a layer's headers from lstat(2) in its \
own namespace, where such an account has only root; through \
credshim-runtime (--ownership xattr) each file's real owner is in its \
user.rootlesscontainers attribute, which podman copies into the layer as \
a PAX record. Each entry with that record gets its ids (and no user or \
group name) in its header; the record stays, so the account that loads \
the archive again keeps the attribute. A rewritten layer is renamed after \
its new digest and the image config's rootfs.diff_ids follow, as do the \
config's name and manifest.json; a layer without records is copied byte \
for byte. The result is a docker-archive again, which `podman load` takes \
(checking every digest) wherever the image is to go next.

OUT is written beside itself and renamed into place; IN is not changed. \
Errors (not a docker-archive, a layer that is not an uncompressed tar, a \
malformed record) are one line and exit status 125.";

/// Put the owners kept in user.rootlesscontainers into an image's layer headers.
#[derive(Args, Debug)]
#[command(long_about = FIX_OWNERS_LONG)]
pub struct FixOwners {
    /// The image archive (podman save --format docker-archive).
    #[arg(value_name = "IN")]
    pub input: PathBuf,

    /// Where to write the rewritten archive.
    #[arg(value_name = "OUT")]
    pub output: PathBuf,
}

const SECCOMP_PROFILE_LONG: &str = "\
Print a seccomp profile: BASE (default: podman's own default profile, \
/usr/share/containers/seccomp.json) with SCMP_ACT_TRACE rules for \
exactly credshim's shim table merged in, by the rules of `oci inject \
--mode hook`. For engines that apply a profile of their own (podman): \
pass it with `--security-opt seccomp=FILE` beside the hooks-dir route, \
so that the calls reach the tracer the hook attaches.";

/// Print podman's default seccomp profile with credshim's trace rules.
#[derive(Args, Debug)]
#[command(long_about = SECCOMP_PROFILE_LONG)]
pub struct SeccompProfile {
    /// The profile to start from (OCI or podman/moby format).
    #[arg(long, value_name = "FILE", default_value = "/usr/share/containers/seccomp.json")]
    pub base: PathBuf,

    /// The --ownership mode of the hook (which call families are traced).
    #[arg(long, value_enum, default_value_t = Ownership::Session, value_name = "MODE")]
    pub ownership: Ownership,

    /// SCMP_ACT_NOTIFY rules and this linux.seccomp.listenerPath instead
    /// of SCMP_ACT_TRACE rules: with runc 1.1+ as podman's runtime
    /// (--runtime runc), runc hands the container's seccomp listener to
    /// the hook there (`@NAME`: an abstract socket). One path per profile:
    /// containers started with it at the same time make the second hook
    /// fail ("Address already in use"); crun connects before the hooks
    /// run and cannot use it.
    #[arg(long, value_name = "PATH")]
    pub listener: Option<String>,
}

/// How `oci inject` puts credshim into a container.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum InjectMode {
    /// Bind-mount the binary and prefix process.args.
    Wrap,
    /// A createRuntime hook attaches from outside; the seccomp profile
    /// sends the shim table to it (runc 1.1+: through the container's
    /// seccomp listener; else seccomp stops; CREDSHIM_HOOK_CHANNEL=
    /// listener|stops forces one). Nothing of credshim inside the container.
    Hook,
}

const HOOK_LONG: &str = "\
Attach credshim from outside to a container's init process. Configured \
as a createRuntime (or prestart) hook (`credshim oci inject --mode hook` \
does it), it reads the container's state from standard input, starts a \
detached tracer that seizes every thread of the init process and enters \
the container's user namespace, and returns once the tracer holds the \
init. The tracer follows every process of the container until they are \
all gone. The calls reach it through the bundle's seccomp profile: with \
SCMP_ACT_NOTIFY rules and linux.seccomp.listenerPath (what `oci inject \
--mode hook` writes where runc 1.1+ runs the bundle) the tracer listens \
there and runc hands it the container's seccomp listener, so the calls \
arrive as user notifications, as with the wrapper; with SCMP_ACT_TRACE \
rules (the fallback: no runc 1.1, CREDSHIM_HOOK_CHANNEL=stops, or a \
profile from `oci seccomp-profile`) each call is a seccomp stop, which is \
much slower. A call with no tracer or listener fails with ENOSYS, so the \
payload never runs unshimmed. If attaching is impossible (YAMA \
ptrace_scope, an init made non-traceable), the hook fails the container \
start and says why.";

/// The OCI hook: attach to a container's init from outside.
#[derive(Args, Debug)]
#[command(long_about = HOOK_LONG)]
pub struct Hook {
    /// Where the container's file ownership is kept (as credshim's own
    /// --ownership).
    #[arg(long, value_enum, default_value_t = Ownership::Session, value_name = "MODE")]
    pub ownership: Ownership,

    /// More log output (-v: each emulated call; -vv: every event).
    #[arg(short, long, action = ArgAction::Count)]
    pub verbose: u8,

    /// Append the tracer's log to this file (default: syslog, else
    /// nowhere: the hook's standard streams belong to the runtime).
    #[arg(long, value_name = "PATH")]
    pub log_file: Option<PathBuf>,
}

const INJECT_LONG: &str = "\
Edit BUNDLE/config.json so that the container's process runs under \
credshim: a read-only bind mount of the credshim binary at \
/.credshim/credshim, and process.args prefixed with \
`/.credshim/credshim --exit-with-main --ownership=MODE --`. Every other field is kept \
(fields unknown to the OCI spec too), as are the file's key order, \
indentation and mode; the file is replaced atomically. A second inject \
changes nothing, and --remove gives back the original bytes (of a file \
laid out as JSON writers do; a hand-spaced one comes back normalised).

A process.user the container's user namespace cannot give (a uid, gid or \
additionalGid it does not map: `USER www`, `podman run --user 33`), which \
runc would refuse (\"unable to setup user: invalid argument\"), is given \
to the runtime as ids the namespace maps (its root), without \
additionalGids, and credshim starts the command as that user instead \
(--uid, --gid, --groups and the --cap-* sets of process.capabilities, as \
runc would have left it); the original is kept in the annotation \
io.credshim.process.user for --remove. The namespace is the config's own \
(linux.uidMappings) or, without one, the one the runtime runs in.

Errors (invalid or truncated JSON, not an OCI config, no process, a \
malformed process.user, a read-only config.json) are one line naming the \
file; the status is then 125 and the file is unchanged.";

/// Put a rootless OCI bundle's process under credshim.
#[derive(Args, Debug)]
#[command(long_about = INJECT_LONG)]
pub struct Inject {
    /// The bundle directory (the one holding config.json).
    #[arg(value_name = "BUNDLE")]
    pub bundle: PathBuf,

    /// Undo a previous inject.
    #[arg(long)]
    pub remove: bool,

    /// `wrap`: credshim runs inside the container as its init; `hook`:
    /// nothing inside, an OCI hook attaches from outside.
    #[arg(long, value_enum, default_value_t = InjectMode::Wrap, value_name = "MODE")]
    pub mode: InjectMode,

    /// Where the container's file ownership is kept: the --ownership of
    /// the injected credshim (wrap) or of the hook.
    #[arg(long, value_enum, default_value_t = Ownership::Session, value_name = "MODE")]
    pub ownership: Ownership,

    /// The --permissions of the injected credshim (`--mode wrap` only).
    #[arg(long, value_enum, default_value_t = Permissions::Off, value_name = "MODE")]
    pub permissions: Permissions,

    /// The credshim binary to bind-mount (default: this one). It must be
    /// static (it runs inside any rootfs) and readable by the user who
    /// runs the container.
    #[arg(long, value_name = "PATH", conflicts_with = "remove")]
    pub binary: Option<PathBuf>,
}

const RUNTIME_LONG: &str = "\
Run an OCI runtime (runc or crun) with ARGS, after injecting credshim where \
the container needs it: for `create` and `run`, into the bundle \
(--bundle/-b, else the current directory) as `credshim oci inject` does; for `exec` into a container \
whose config has the injection, the new process runs under the injected \
credshim too (trailing arguments or --process FILE), as its own user where \
the namespace cannot give it (--user, --additional-gids, the process file's \
user, or the container's: see `oci inject`); before `delete` the \
binary's mount point is removed from the root filesystem, so that an image \
committed from the container does not carry it. The runtime's global \
options before the subcommand (--root, --log, --log-format, --rootless, \
--criu, --cgroup-manager, --systemd-cgroup, --debug) are understood; \
every other subcommand is passed through untouched, and the arguments of \
create and run are passed on byte for byte.

The containers it creates keep their file ownership in the \
user.rootlesscontainers attribute (--ownership xattr) unless \
--ownership or $CREDSHIM_OWNERSHIP says otherwise: an engine's container \
keeps its root filesystem across stop and start and commits it into image \
layers, so the owners set in it must outlive credshim. podman's layers \
carry the attribute; a later container run through the wrapper shows \
those owners again.

Which containers are injected: those whose user namespace cannot give \
every id they use. The namespace is the config's own (linux.uidMappings \
and gidMappings) or, without one, the one the wrapper runs in (rootless \
podman's); the ids are process.user's and those of the image's /etc/passwd \
and /etc/group. So: no user namespace (rootful podman, real root) -> the \
runtime alone; an account with subuid ranges (65,537 ids) whose image fits \
-> the runtime alone; one id (no ranges), or an image with ids beyond the \
range -> injected. The config is not touched when it goes to the runtime \
alone. To force a way: the annotation io.credshim.mode=auto|inject|hook|off \
(podman run --annotation), else $CREDSHIM_MODE, else `mode = ...` in \
/etc/credshim/runtime.conf ($CREDSHIM_RUNTIME_CONF names another file). \
An unknown value fails the create with one line naming it. Each decision \
is logged with its reason, once per container: to --log-file, else to \
syslog where there is one.

Invoked through a symlink named credshim-runtime, credshim behaves as \
`credshim oci runtime -- ARGS`, so it can be given to tools that take a \
runtime path (podman --runtime, buildah --runtime).";

/// Run runc or crun with credshim injected into the containers it creates.
#[derive(Args, Debug)]
#[command(long_about = RUNTIME_LONG)]
pub struct Runtime {
    /// The runtime to run (a path or a name on PATH). Default:
    /// $CREDSHIM_RUNTIME, else runc on PATH, else crun.
    #[arg(long, value_name = "PATH")]
    pub runtime: Option<PathBuf>,

    /// Where the containers' file ownership is kept (credshim's
    /// --ownership). Default: $CREDSHIM_OWNERSHIP, else xattr.
    #[arg(long, value_enum, value_name = "MODE")]
    pub ownership: Option<Ownership>,

    /// File permission checks in the containers it injects (credshim's
    /// --permissions; not with the hook method). Default:
    /// $CREDSHIM_PERMISSIONS, else off.
    #[arg(long, value_enum, value_name = "MODE")]
    pub permissions: Option<Permissions>,

    /// Where to log the wrapper's decision for each container (default:
    /// syslog where there is one, else nowhere).
    #[arg(long, value_name = "FILE")]
    pub log_file: Option<PathBuf>,

    /// The runtime's arguments, as runc or crun takes them.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, value_name = "ARGS")]
    pub args: Vec<OsString>,
}

#[cfg(test)]
mod docs {
    //! man/credshim.1 and the shell completions are generated from this
    //! definition. `CREDSHIM_UPDATE_DOCS=1 cargo test --bin credshim docs`
    //! rewrites them; otherwise the test fails when they are stale.
    use super::Cli;
    use clap::CommandFactory;
    use std::path::Path;

    fn check(path: &str, want: &[u8]) {
        let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
        if std::env::var_os("CREDSHIM_UPDATE_DOCS").is_some() {
            std::fs::create_dir_all(full.parent().expect("a parent")).expect("mkdir");
            std::fs::write(&full, want).expect("write");
        }
        let have = std::fs::read(&full).unwrap_or_default();
        assert!(have == want, "{path} is stale: run CREDSHIM_UPDATE_DOCS=1 cargo test --bin credshim docs");
    }

    #[test]
    fn man_page_is_current() {
        let mut out = Vec::new();
        clap_mangen::Man::new(Cli::command()).render(&mut out).expect("renders");
        check("man/credshim.1", &out);
        let sub = super::Sub::command();
        for path in [&["oci", "inject"][..], &["oci", "runtime"], &["oci", "hook"], &["oci", "seccomp-profile"], &["oci", "fix-owners"], &["doctor"], &["demo"]] {
            let mut cmd = &sub;
            for word in path {
                cmd = cmd.find_subcommand(word).expect("a subcommand");
            }
            let name = format!("credshim-{}", path.join("-"));
            // clap takes &'static names (without its "string" feature).
            let static_name: &'static str = Box::leak(name.clone().into_boxed_str());
            let page = cmd.clone().name(static_name).bin_name(format!("credshim {}", path.join(" ")));
            let mut out = Vec::new();
            clap_mangen::Man::new(page).render(&mut out).expect("renders");
            check(&format!("man/{name}.1"), &out);
        }
    }

    #[test]
    fn completions_are_current() {
        use clap_complete::Shell;
        for (shell, file) in [(Shell::Bash, "credshim.bash"), (Shell::Zsh, "_credshim"), (Shell::Fish, "credshim.fish")] {
            let mut out = Vec::new();
            // The subcommands are offered alongside the main command line.
            let mut all = Cli::command().disable_help_subcommand(true).subcommands(super::Sub::command().get_subcommands().cloned());
            clap_complete::generate(shell, &mut all, "credshim", &mut out);
            check(&format!("contrib/completions/{file}"), &out);
        }
    }
}

/// The id of `name` in a passwd or group file (the third field), or the
/// number `name` is.
fn id_of(name: &str, file: &str) -> Option<u32> {
    if let Ok(n) = name.parse::<u32>() {
        return Some(n);
    }
    std::fs::read_to_string(file).ok()?.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() > 2 && f[0] == name).then(|| f[2].parse().ok()).flatten()
    })
}

impl Cli {
    /// Turns the names of --uid, --gid and --groups into ids, from the
    /// passwd and group files of credshim's own root (the command's), as
    /// setpriv resolves them; the same words when one is unknown.
    pub fn resolve_ids(&mut self) -> Result<(), String> {
        let unknown = |opt: &str, v: &str, file: &str| format!("failed to parse {opt}: '{v}' (not a number, and not a name in {file})");
        self.uid = match &self.uid_arg {
            Some(v) => Some(id_of(v, "/etc/passwd").ok_or_else(|| unknown("--uid", v, "/etc/passwd"))?),
            None => None,
        };
        self.gid = match &self.gid_arg {
            Some(v) => Some(id_of(v, "/etc/group").ok_or_else(|| unknown("--gid", v, "/etc/group"))?),
            None => None,
        };
        self.groups = match &self.groups_arg {
            Some(list) => Some(
                list.iter()
                    .filter(|g| !g.is_empty())
                    .map(|g| id_of(g, "/etc/group").ok_or_else(|| format!("Invalid supplementary group id: '{g}' (not a number, and not a name in /etc/group)")))
                    .collect::<Result<_, _>>()?,
            ),
            None => None,
        };
        Ok(())
    }
}

fn parse_caps(list: &str) -> Result<credshim_shims::CapSet, String> {
    crate::sys::creds::caps_from_names(list.split(','))
}
