//! The runtime wrapper: `credshim oci runtime [--runtime PATH] -- ARGS…`,
//! or `credshim-runtime ARGS…` (a symlink to credshim). It takes the place
//! of runc or crun for a higher-level tool (podman's --runtime, a script):
//! `create` and `run` inject credshim into the bundle first, `exec` runs
//! its process under the injected binary, and then the real runtime is
//! exec'd. Everything else goes through untouched, and `create`/`run`
//! arguments are passed on byte for byte.

use super::inject::{base, prefix_of, with_options, Method, BINARY_IN_CONTAINER};
use super::private;
use super::user::{self, User};
use crate::settings::Store;
use super::{plain, OciError};
pub use super::which::{output_within, resolve};
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// Global options of runc and crun that take a value (`--root X` or
/// `--root=X`). Any other option before the subcommand is a switch
/// (`--debug`, `--systemd-cgroup`).
const GLOBAL_VALUES: &[&str] = &["root", "log", "log-format", "rootless", "criu", "cgroup-manager"];
/// `create` and `run` options that take a value (runc's and crun's).
const CREATE_VALUES: &[&str] = &["bundle", "b", "console-socket", "pid-file", "preserve-fds", "config", "f"];
/// `exec` options that take a value (runc's and crun's).
const EXEC_VALUES: &[&str] = &[
    "console-socket",
    "cwd",
    "env",
    "e",
    "user",
    "u",
    "additional-gids",
    "g",
    "process",
    "p",
    "pid-file",
    "process-label",
    "apparmor",
    "cap",
    "c",
    "preserve-fds",
    "cgroup",
];

/// One parsed option: its name without dashes, its value and where it is.
#[derive(Debug, PartialEq, Eq)]
struct Opt<'a> {
    name: &'a str,
    /// Index of the option word.
    at: usize,
    /// The value: inline (`--x=V`) or the next word.
    value: Option<(&'a OsStr, Inline)>,
}

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
enum Inline {
    Yes,
    No,
}

/// Parses options from `args[from..]` as Go's flag package does (one or
/// two dashes, `=V` or the next word for options that take a value) up to
/// the first operand; returns them and the index of that operand
/// (`args.len()` if none).
fn options<'a>(args: &'a [OsString], from: usize, valued: &[&str]) -> (Vec<Opt<'a>>, usize) {
    let mut opts = vec![];
    let mut i = from;
    while i < args.len() {
        let word = args[i].as_bytes();
        if word == b"--" {
            return (opts, i + 1);
        }
        if word.len() < 2 || word[0] != b'-' {
            break;
        }
        let body = word.strip_prefix(b"--").unwrap_or(&word[1..]);
        let (name, inline) = match body.iter().position(|&b| b == b'=') {
            Some(eq) => (&body[..eq], Some(OsStr::from_bytes(&body[eq + 1..]))),
            None => (body, None),
        };
        let name = std::str::from_utf8(name).unwrap_or("");
        let takes = valued.contains(&name);
        let value = match (inline, takes) {
            (Some(v), _) => Some((v, Inline::Yes)),
            (None, true) => args.get(i + 1).map(|v| (v.as_os_str(), Inline::No)),
            (None, false) => None,
        };
        opts.push(Opt { name, at: i, value });
        i += if takes && inline.is_none() { 2 } else { 1 };
    }
    (opts, i.min(args.len()))
}

/// Like `options`, but GNU-style: options are parsed after operands too
/// (up to a `--`), as runc (urfave/cli's reordering) and crun (argp) do
/// for `create` and `run`: Slurm's oci.conf examples put `-b %b` after the
/// container id. Returns the options and the operands' indexes.
fn options_anywhere<'a>(args: &'a [OsString], from: usize, valued: &[&str]) -> (Vec<Opt<'a>>, Vec<usize>) {
    let (mut all, mut operands) = (vec![], vec![]);
    let mut i = from;
    while i < args.len() {
        let (o, next) = options(args, i, valued);
        if next == i {
            operands.push(i);
            i += 1;
            continue;
        }
        let value_at = |l: &Opt| matches!(l.value, Some((_, Inline::No))).then_some(l.at + 1);
        let dashes = args[next - 1].as_bytes() == b"--" && o.last().and_then(value_at) != Some(next - 1);
        all.extend(o);
        if dashes {
            operands.extend(next..args.len());
            break;
        }
        i = next;
    }
    (all, operands)
}

/// What the wrapper does for `args` (everything after the wrapper's own
/// options): the arguments to exec the runtime with, after injecting where
/// the subcommand calls for it; and what to remove once the runtime is
/// done, where the wrapper made a private bundle (the runtime is then
/// waited for instead of exec'd).
pub fn prepare(runtime: &Path, args: &[OsString], ownership: Store, permissions: bool) -> Result<(Vec<OsString>, Option<private::Cleanup>), OciError> {
    let (_, sub) = options(args, 0, GLOBAL_VALUES);
    match args.get(sub).map(|s| s.as_bytes()) {
        Some(b"create") | Some(b"run") => {
            let (opts, operands) = options_anywhere(args, sub + 1, CREATE_VALUES);
            if opts.iter().any(|o| o.name == "help" || o.name == "h") {
                return Ok((args.to_vec(), None));
            }
            let value = |names: &[&str]| {
                opts.iter().rev().find(|o| names.contains(&o.name)).and_then(|o| o.value.map(|(v, _)| PathBuf::from(v)))
            };
            let bundle = value(&["bundle", "b"]).unwrap_or_else(|| PathBuf::from("."));
            // crun's --config FILE replaces BUNDLE/config.json (relative
            // to the bundle: crun reads it from there).
            let own_config = value(&["config", "f"]);
            let config = match &own_config {
                Some(c) => bundle.join(c),
                None => super::config_of(&bundle),
            };
            let loaded = super::config::Config::load(&config)?;
            let (method, why) = super::decide::decide(&loaded.value, &bundle, ownership, permissions)
                .map_err(|cause| OciError::Config { path: config.clone(), cause })?;
            let id = operands.first().and_then(|&i| args.get(i)).map(|i| i.to_string_lossy().into_owned()).unwrap_or_default();
            log::info!("container {id}: {why}");
            let Some(method) = method else { return Ok((args.to_vec(), None)) };
            if own_config.is_none() && private::needed(&config) {
                let dir = private::make(&bundle, &loaded.value, &id)?;
                let copy = super::config_of(&dir);
                super::inject_config(&copy, method, None, false)?;
                let detached = opts.iter().any(|o| o.name == "detach" || o.name == "d");
                let foreground = args[sub].as_bytes() == b"run" && !detached;
                let mount_point = std::fs::read(&copy)
                    .ok()
                    .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
                    .and_then(|c| c.pointer("/root/path").and_then(|p| p.as_str()).map(PathBuf::from))
                    .map(|root| root.join(BINARY_IN_CONTAINER.trim_start_matches('/')))
                    .filter(|_| foreground)
                    .map(private::MountPoint::hold);
                let out = with_bundle(args, sub, &opts, &dir);
                let cleanup = foreground.then_some(private::Cleanup { bundle: dir, mount_point, only_on_success: false });
                return Ok((out, cleanup));
            }
            super::inject_config(&config, method, None, false)?;
            Ok((args.to_vec(), None))
        }
        Some(b"exec") => exec_args(runtime, args, sub).map(|a| (a, None)),
        Some(b"delete") => {
            let (_, id_at) = options(args, sub + 1, &[]);
            let mut cleanup = None;
            if let Some((bundle, config)) = args.get(id_at).and_then(|id| injected_config(runtime, &args[..sub], id)) {
                remove_mount_point(&bundle, &config);
                if private::is_ours(&bundle) {
                    cleanup = Some(private::Cleanup { bundle, mount_point: None, only_on_success: true });
                }
            }
            Ok((args.to_vec(), cleanup))
        }
        _ => Ok((args.to_vec(), None)),
    }
}

/// `args` with the bundle of `create`/`run` (options `opts`, subcommand at
/// `sub`) replaced by `dir`: the last `--bundle`/`-b` value in place, else
/// `--bundle DIR` after the subcommand.
fn with_bundle(args: &[OsString], sub: usize, opts: &[Opt], dir: &Path) -> Vec<OsString> {
    let mut out = args.to_vec();
    match opts.iter().rev().find(|o| o.name == "bundle" || o.name == "b") {
        Some(Opt { at, value: Some((_, Inline::Yes)), .. }) => {
            let name = args[*at].as_bytes().split(|&b| b == b'=').next().unwrap_or(b"--bundle").to_vec();
            let mut w = name;
            w.push(b'=');
            w.extend_from_slice(dir.as_os_str().as_bytes());
            out[*at] = OsStr::from_bytes(&w).to_os_string();
        }
        Some(Opt { at, value: Some((_, Inline::No)), .. }) => out[at + 1] = dir.as_os_str().to_os_string(),
        _ => out.splice(sub + 1..sub + 1, [OsString::from("--bundle"), dir.as_os_str().to_os_string()]).for_each(drop),
    }
    out
}

/// Before `delete` of an injected container: the empty file the runtime
/// made in the root filesystem as the binary's mount point goes, and its
/// directory if nothing else is in it, so that they do not end up in an
/// image committed from the container (podman build, podman commit).
fn remove_mount_point(bundle: &Path, config: &serde_json::Value) {
    let Some(root) = config.pointer("/root/path").and_then(|p| p.as_str()) else { return };
    let file = bundle.join(root).join(BINARY_IN_CONTAINER.trim_start_matches('/'));
    if std::fs::symlink_metadata(&file).is_ok_and(|m| m.is_file() && m.len() == 0) {
        let _ = std::fs::remove_file(&file);
    }
    if let Some(dir) = file.parent() {
        let _ = std::fs::remove_dir(dir);
    }
}

/// `exec` into a container whose config has the injection: the process
/// runs under the injected credshim too, with the options of the
/// container's own (its ownership mode: with `xattr` both see the same
/// owners). Trailing args get the prefix; a `--process FILE` is rewritten
/// into a memfd passed as /proc/self/fd/N. A user the namespace cannot
/// give (the process file's, `--user`/`--additional-gids`, or the
/// container's own) becomes mapped ids for the runtime and the virtual
/// user for credshim, as for the container's process. A container that
/// cannot be inspected is left to the runtime, which reports its own error.
fn exec_args(runtime: &Path, args: &[OsString], sub: usize) -> Result<Vec<OsString>, OciError> {
    let (opts, id_at) = options(args, sub + 1, EXEC_VALUES);
    let Some(id) = args.get(id_at) else { return Ok(args.to_vec()) };
    let Some((bundle, config)) = injected_config(runtime, &args[..sub], id) else {
        return Ok(args.to_vec());
    };
    let Some(prefix) = config.pointer("/process/args").and_then(|a| a.as_array()).and_then(|a| prefix_of(a)) else {
        return Ok(args.to_vec());
    };
    let prefix = base(&prefix);
    let maps = user::maps_of(&config);
    let bad = |cause: String| OciError::Config { path: super::config_of(&bundle), cause };
    let mut out = args.to_vec();
    if let Some(p) = opts.iter().rev().find(|o| o.name == "process" || o.name == "p") {
        let Some((file, inline)) = p.value else { return Ok(out) };
        let emulated = user::saved(&config).map_err(bad)?.is_some();
        let fd_path = wrapped_process_file(Path::new(file), &prefix, &maps, emulated)?;
        match inline {
            Inline::Yes => {
                let mut w = args[p.at].as_bytes().split(|&b| b == b'=').next().unwrap_or(b"--process").to_vec();
                w.push(b'=');
                w.extend_from_slice(fd_path.as_bytes());
                out[p.at] = OsStr::from_bytes(&w).to_os_string();
            }
            Inline::No => out[p.at + 1] = fd_path,
        }
        return Ok(out);
    }
    let command = &args[id_at + 1..];
    if command.is_empty() || command[0].as_bytes() == BINARY_IN_CONTAINER.as_bytes() {
        return Ok(out);
    }
    // runc exec starts from the container's process (its original user)
    // and applies --user UID[:GID], --additional-gids and --cap.
    let process = config.get("process").cloned().unwrap_or_default();
    let mut virt = match user::saved(&config).map_err(bad)? {
        Some(u) => u,
        None => user::of_process(&process).map_err(bad)?.unwrap_or(User { uid: 0, gid: 0, groups: vec![] }),
    };
    let mut caps = user::caps_of(&process).map_err(bad)?;
    let mut drop = vec![];
    let mut user_at = None;
    for o in &opts {
        let Some((v, inline)) = o.value else { continue };
        let v = v.to_string_lossy();
        match o.name {
            "user" | "u" => {
                let (u, g) = v.split_once(':').map_or((v.as_ref(), None), |(u, g)| (u, Some(g)));
                // Not numeric: the runtime says what is wrong with it.
                let Ok(u) = u.parse::<u32>() else { return Ok(out) };
                virt.uid = u;
                if let Some(g) = g {
                    let Ok(g) = g.parse::<u32>() else { return Ok(out) };
                    virt.gid = g;
                }
                user_at = Some((o.at, inline));
            }
            "additional-gids" | "g" => {
                let Ok(g) = v.parse::<u32>() else { return Ok(out) };
                virt.groups.push(g);
                drop.push(o.at);
                if inline == Inline::No {
                    drop.push(o.at + 1);
                }
            }
            "cap" | "c" => {
                let set = crate::sys::creds::caps_from_names([v.as_ref()]).map_err(|e| OciError::Other(format!("exec --cap: {e}")))?;
                // runc exec --cap: effective, permitted, and ambient where
                // the process has inheritable capabilities.
                let has_inheritable = process.pointer("/capabilities/inheritable").is_some();
                caps[0] = caps[0].combine(set);
                caps[1] = caps[1].combine(set);
                if has_inheritable {
                    caps[3] = caps[3].combine(set);
                }
            }
            _ => {}
        }
    }
    // Where the container's own process is emulated, every exec names its
    // user too: the runtime's rootless setgroups is skipped, and the
    // process would keep the groups it inherits.
    let emulated = user::saved(&config).map_err(bad)?.is_some();
    let prefix = if emulated || user::unmapped(&virt, &maps) {
        if let Some((at, inline)) = user_at {
            let ids = format!("{}:{}", maps.0.give(virt.uid), maps.1.give(virt.gid));
            match inline {
                Inline::Yes => out[at] = OsString::from(format!("--user={ids}")),
                Inline::No => out[at + 1] = OsString::from(ids),
            }
        }
        with_options(&prefix, &user::options(&virt, &caps))
    } else {
        prefix
    };
    out.splice(id_at + 1..id_at + 1, prefix.into_iter().map(OsString::from));
    let out = out.into_iter().enumerate().filter(|(i, _)| !drop.contains(i)).map(|(_, a)| a).collect();
    Ok(out)
}

/// Asks the runtime (`GLOBALS state ID`) for the container's bundle and
/// reads its config, if it has the injection.
fn injected_config(runtime: &Path, globals: &[OsString], id: &OsStr) -> Option<(PathBuf, serde_json::Value)> {
    let mut cmd = std::process::Command::new(runtime);
    cmd.args(globals).arg("state").arg(id);
    let out = output_within(cmd, std::time::Duration::from_secs(30))?;
    let bundle = serde_json::from_slice::<serde_json::Value>(&out)
        .ok()
        .and_then(|v| v.get("bundle").and_then(|b| b.as_str()).map(PathBuf::from))?;
    let config = std::fs::read(super::config_of(&bundle)).ok().and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())?;
    Method::Wrap(Store::Session, false).is_applied(&config).then_some((bundle, config))
}

/// FILE (an OCI process JSON) with its args under the injected binary
/// (`prefix`, a base prefix, and the options of its user where `maps`
/// cannot give it, the runtime then getting mapped ids), in a memfd that
/// stays open across exec; returns /proc/self/fd/N.
fn wrapped_process_file(file: &Path, prefix: &[String], maps: &(user::IdMap, user::IdMap), emulated: bool) -> Result<OsString, OciError> {
    let err = |cause: String| OciError::Config { path: file.to_path_buf(), cause };
    let bytes = std::fs::read(file).map_err(|e| err(plain(&e)))?;
    let mut v: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| err(format!("not valid JSON: {e}")))?;
    let mut prefix = prefix.to_vec();
    if let Some(u) = user::of_process(&v).map_err(err)? {
        if emulated || user::unmapped(&u, maps) {
            let caps = user::caps_of(&v).map_err(err)?;
            prefix = with_options(&prefix, &user::options(&u, &caps));
            user::give_mapped(&mut v, &u, maps).map_err(err)?;
        }
    }
    let args = v.get_mut("args").and_then(|a| a.as_array_mut()).ok_or_else(|| err("no \"args\" array".into()))?;
    if args.first().and_then(|a| a.as_str()) != Some(BINARY_IN_CONTAINER) {
        args.splice(0..0, prefix.iter().cloned().map(serde_json::Value::String));
    }
    let text = serde_json::to_vec(&v).map_err(|e| err(e.to_string()))?;
    // SAFETY: memfd_create with a NUL-terminated name; no MFD_CLOEXEC, so
    // the runtime exec'd next finds it.
    let fd = unsafe { libc::memfd_create(c"credshim-process".as_ptr(), 0) };
    if fd < 0 {
        return Err(err(format!("memfd_create: {}", plain(&std::io::Error::last_os_error()))));
    }
    // SAFETY: a fresh fd we own; ManuallyDrop keeps it open for the runtime.
    let mut f = std::mem::ManuallyDrop::new(unsafe { <std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(fd) });
    std::io::Write::write_all(&mut *f, &text).map_err(|e| err(format!("memfd: {}", plain(&e))))?;
    Ok(OsString::from(format!("/proc/self/fd/{fd}")))
}

/// The ownership mode of the containers the wrapper creates: `explicit`
/// (`--ownership`), else $CREDSHIM_OWNERSHIP, else `xattr`. An engine's
/// container keeps its rootfs across stop and start and commits it into
/// image layers, so its owners must outlive the tracer: in the rootfs'
/// files, where a new tracer (and umoci, and podman's layer archives, as
/// an attribute) finds them.
pub fn ownership(explicit: Option<Store>) -> Result<Store, OciError> {
    if let Some(s) = explicit {
        return Ok(s);
    }
    match std::env::var_os("CREDSHIM_OWNERSHIP") {
        None => Ok(Store::Xattr),
        Some(v) => [Store::Off, Store::Session, Store::Xattr].into_iter().find(|s| v == s.name()).ok_or_else(|| {
            OciError::Other(format!("$CREDSHIM_OWNERSHIP is {:?}: it must be off, session or xattr", v.to_string_lossy()))
        }),
    }
}

/// Whether the containers the wrapper creates check file permissions
/// against their virtual users (credshim's `--permissions emulate`):
/// `explicit` (`--permissions`), else $CREDSHIM_PERMISSIONS, else off.
pub fn permissions(explicit: Option<bool>) -> Result<bool, OciError> {
    if let Some(p) = explicit {
        return Ok(p);
    }
    match std::env::var_os("CREDSHIM_PERMISSIONS") {
        None => Ok(false),
        Some(v) if v == "off" => Ok(false),
        Some(v) if v == "emulate" => Ok(true),
        Some(v) => Err(OciError::Other(format!("$CREDSHIM_PERMISSIONS is {:?}: it must be off or emulate", v.to_string_lossy()))),
    }
}

/// Resolves the runtime, prepares the arguments, and execs the runtime.
/// Returns only on failure.
pub fn run(explicit: Option<&Path>, ownership: Option<Store>, permissions: Option<bool>, log_file: Option<&Path>, args: &[OsString]) -> OciError {
    crate::log::init_quiet(log_file);
    let ownership = match self::ownership(ownership) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let permissions = match self::permissions(permissions) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let runtime = match resolve(explicit) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let (args, cleanup) = match prepare(&runtime, args, ownership, permissions) {
        Ok(a) => a,
        Err(e) => return e,
    };
    if let Some(cleanup) = cleanup {
        return private::run_then(&runtime, &args, &cleanup);
    }
    use std::os::unix::process::CommandExt;
    let source = std::process::Command::new(&runtime).args(&args).exec();
    OciError::Exec { program: runtime, source }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    #[test]
    fn globals_are_skipped_to_the_subcommand() {
        for (line, sub) in [
            (vec!["run", "x"], 0),
            (vec!["--root", "/r", "run", "x"], 2),
            (vec!["--root=/r", "--debug", "create", "x"], 2),
            (vec!["--log", "l", "--log-format", "json", "--systemd-cgroup", "state", "x"], 5),
            (vec!["--rootless", "true", "--criu", "c", "--cgroup-manager=disabled", "kill", "x"], 5),
            (vec!["-root", "run", "run"], 2),
        ] {
            assert_eq!(options(&os(&line), 0, GLOBAL_VALUES).1, sub, "{line:?}");
        }
    }

    #[test]
    fn bundle_forms() {
        for line in [
            vec!["run", "--bundle", "/b", "id"],
            vec!["run", "--bundle=/b", "id"],
            vec!["run", "-b", "/b", "id"],
            vec!["run", "-b=/b", "-d", "id"],
            vec!["run", "--pid-file", "-b", "-b", "/b", "id"],
        ] {
            let args = os(&line);
            let (opts, id) = options(&args, 1, CREATE_VALUES);
            let b = opts.iter().rev().find(|o| o.name == "bundle" || o.name == "b").and_then(|o| o.value);
            assert_eq!(b.map(|(v, _)| v), Some(OsStr::new("/b")), "{line:?}");
            assert_eq!(args[id], "id");
        }
    }

    #[test]
    fn create_options_after_the_id() {
        // Slurm's oci.conf examples: `run %n.%u.%j.%s.%t -b %b`.
        for (line, bundle, id) in [
            (vec!["run", "n1.u.1.0.0", "-b", "/b"], Some("/b"), 1),
            (vec!["run", "x", "--bundle=/b", "-d"], Some("/b"), 1),
            (vec!["create", "--bundle", "/b", "x"], Some("/b"), 3),
            (vec!["run", "x", "--", "-b", "/b"], None, 1),
            (vec!["run", "--pid-file", "--", "x"], None, 3),
        ] {
            let args = os(&line);
            let (opts, operands) = options_anywhere(&args, 1, CREATE_VALUES);
            let b = opts.iter().rev().find(|o| o.name == "bundle" || o.name == "b").and_then(|o| o.value);
            assert_eq!(b.map(|(v, _)| v), bundle.map(OsStr::new), "{line:?}");
            assert_eq!(operands.first(), Some(&id), "{line:?}");
            let out = with_bundle(&args, 0, &opts, Path::new("/p"));
            let (o2, _) = options_anywhere(&out, 1, CREATE_VALUES);
            let b2 = o2.iter().rev().find(|o| o.name == "bundle" || o.name == "b").and_then(|o| o.value);
            assert_eq!(b2.map(|(v, _)| v), Some(OsStr::new("/p")), "{line:?} -> {out:?}");
        }
    }
}
