//! Whether the runtime wrapper puts a container under credshim at all. A
//! container whose user namespace gives it every id it uses (no user
//! namespace: rootful; or subuid ranges: 65,536 ids) is right with the
//! runtime alone and goes through untouched; one whose namespace cannot
//! hold them (one id, or a range too small) is injected. The ids it uses,
//! as far as they can be known: process.user and the users and groups of
//! the image's /etc/passwd and /etc/group. Overrides, first found wins:
//! the container's annotation `io.credshim.mode`, `$CREDSHIM_MODE`, the
//! site file (`mode = …` in /etc/credshim/runtime.conf, or
//! `$CREDSHIM_RUNTIME_CONF`).

use super::inject::Method;
use super::user::{self, IdMap};
use crate::settings::Store;
use serde_json::Value;
use std::path::Path;

pub const ANNOTATION: &str = "io.credshim.mode";
pub const SITE_CONF: &str = "/etc/credshim/runtime.conf";

/// What is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Decide from the namespace and the ids the container uses.
    Auto,
    /// credshim inside the container (`oci inject`).
    Inject,
    /// An OCI hook attaches from outside (`oci inject --mode hook`).
    Hook,
    /// The runtime alone.
    Off,
}

const VALUES: &str = "auto, inject, hook or off";

fn parse(v: &str) -> Option<Mode> {
    match v.trim() {
        "auto" => Some(Mode::Auto),
        "inject" => Some(Mode::Inject),
        "hook" => Some(Mode::Hook),
        "off" => Some(Mode::Off),
        _ => None,
    }
}

/// The `mode = …` line of a site file.
fn site_mode(text: &str) -> Option<&str> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter_map(|l| l.split_once('='))
        .find(|(k, _)| k.trim() == "mode")
        .map(|(_, v)| v.trim())
}

/// The mode asked for and where it was asked (for the log).
pub fn asked(config: &Value) -> Result<(Mode, String), String> {
    if let Some(v) = config.get("annotations").and_then(|a| a.get(ANNOTATION)) {
        let s = v.as_str().unwrap_or("");
        return parse(s).map(|m| (m, format!("annotation {ANNOTATION}"))).ok_or_else(|| format!("annotation {ANNOTATION} is {v}: it must be {VALUES}"));
    }
    if let Some(v) = std::env::var_os("CREDSHIM_MODE").filter(|v| !v.is_empty()) {
        let s = v.to_string_lossy();
        return parse(&s).map(|m| (m, "$CREDSHIM_MODE".into())).ok_or_else(|| format!("$CREDSHIM_MODE is {s:?}: it must be {VALUES}"));
    }
    let file = std::env::var_os("CREDSHIM_RUNTIME_CONF").map(std::path::PathBuf::from).unwrap_or_else(|| SITE_CONF.into());
    if let Ok(text) = std::fs::read_to_string(&file) {
        if let Some(v) = site_mode(&text) {
            return parse(v).map(|m| (m, file.display().to_string())).ok_or_else(|| format!("{}: mode is {v:?}: it must be {VALUES}", file.display()));
        }
    }
    Ok((Mode::Auto, "the default".into()))
}

/// Does a map cover every id a task can have (the host's identity map)?
fn identity(m: &IdMap) -> bool {
    m.maps(0) && m.0.iter().map(|&(_, n)| n as u64).sum::<u64>() >= u32::MAX as u64
}

/// The uids and gids of the image's /etc/passwd and /etc/group.
fn image_ids(config: &Value, bundle: &Path) -> (Vec<u32>, Vec<u32>) {
    let Some(root) = config.pointer("/root/path").and_then(Value::as_str) else { return (vec![], vec![]) };
    let root = bundle.join(root);
    let fields = |file: &str, at: &[usize]| -> Vec<u32> {
        std::fs::read_to_string(root.join(file))
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.starts_with('#'))
            .flat_map(|l| {
                let f: Vec<&str> = l.split(':').collect();
                at.iter().filter_map(|&i| f.get(i)?.parse().ok()).collect::<Vec<u32>>()
            })
            .collect()
    };
    let mut gids = fields("etc/passwd", &[3]);
    gids.extend(fields("etc/group", &[2]));
    (fields("etc/passwd", &[2]), gids)
}

/// The way the container goes: Some(method) to inject, None to pass it
/// through; and why, in words.
pub fn decide(config: &Value, bundle: &Path, ownership: Store, permissions: bool) -> Result<(Option<Method>, String), String> {
    let (mode, from) = asked(config)?;
    match mode {
        Mode::Inject => return Ok((Some(Method::Wrap(ownership, permissions)), format!("inject (asked by {from})"))),
        Mode::Hook => {
            let not = if permissions { "; --permissions emulate is not passed to the hook method" } else { "" };
            return Ok((Some(Method::Hook(ownership)), format!("hook (asked by {from}){not}")));
        }
        Mode::Off => return Ok((None, format!("the runtime alone (asked by {from})"))),
        Mode::Auto => {}
    }
    let maps = user::maps_of(config);
    if identity(&maps.0) && identity(&maps.1) {
        return Ok((None, "the runtime alone: no user namespace, the container's ids are the host's".into()));
    }
    let (mut uids, mut gids) = image_ids(config, bundle);
    if let Some(u) = config.get("process").map(user::of_process).transpose()?.flatten() {
        uids.push(u.uid);
        gids.push(u.gid);
        gids.extend(u.groups);
    }
    let size = |m: &IdMap| m.0.iter().map(|&(_, n)| n as u64).sum::<u64>();
    let missing_u: Vec<u32> = uids.iter().copied().filter(|&u| !maps.0.maps(u)).collect();
    let missing_g: Vec<u32> = gids.iter().copied().filter(|&g| !maps.1.maps(g)).collect();
    if missing_u.is_empty() && missing_g.is_empty() {
        return Ok((None, format!("the runtime alone: its user namespace maps {} uids and {} gids, every id it uses", size(&maps.0), size(&maps.1))));
    }
    let first = |v: &[u32]| v.iter().take(3).map(u32::to_string).collect::<Vec<_>>().join(", ");
    let why = match (missing_u.is_empty(), missing_g.is_empty()) {
        (false, _) => format!("uid {}", first(&missing_u)),
        (true, _) => format!("gid {}", first(&missing_g)),
    };
    Ok((Some(Method::Wrap(ownership, permissions)), format!("inject: its user namespace maps {} uids and {} gids, not {why} that it uses", size(&maps.0), size(&maps.1))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_files_and_values() {
        assert_eq!(site_mode("# a comment\nmode = off # why\n"), Some("off"));
        assert_eq!(site_mode("other = 1\n"), None);
        assert_eq!(parse(" hook "), Some(Mode::Hook));
        assert_eq!(parse("on"), None);
        assert!(identity(&IdMap(vec![(0, 4294967295)])));
        assert!(!identity(&IdMap(vec![(0, 65536)])));
    }
}
