//! What `credshim oci inject` does to a config: make credshim available
//! inside the container and put the container's process under it.
//!
//! Two methods: `Wrap` (bind-mount the binary, prefix process.args) and
//! `Hook` (an OCI hook plus seccomp rules, `super::hook`). Each has its own
//! `apply`/`undo`/`is_applied`; the loading, checking and atomic saving of
//! the config are shared.

use serde_json::{json, Map, Value};
use std::path::Path;

/// Where the binary appears inside the container. Fixed, so that a second
/// inject, `--remove` and the runtime wrapper's `exec` recognise it.
pub const BINARY_IN_CONTAINER: &str = "/.credshim/credshim";

/// Options between the binary and the command (`--ownership=MODE`
/// follows). The container's process is uid 0 of a single-id namespace,
/// credshim's own case; it runs as the container's PID 1, and the
/// container ends when its command ends (the runtimes' convention), so the
/// rest are stopped then.
pub const WRAP_OPTIONS: &[&str] = &["--exit-with-main"];

/// How credshim is put into a container.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// process.args become `BINARY_IN_CONTAINER [WRAP_OPTIONS]
    /// --ownership=MODE [--permissions=emulate] -- args…` (the bool:
    /// `--permissions emulate`).
    Wrap(crate::settings::Store, bool),
    /// Nothing inside the container: a createRuntime hook attaches
    /// credshim from outside, and the bundle's seccomp profile traces the
    /// shim table (`super::hook`).
    Hook(crate::settings::Store),
}

/// The args prefix for a command run under the injected binary.
pub fn wrap_prefix(ownership: crate::settings::Store, permissions: bool) -> Vec<String> {
    std::iter::once(BINARY_IN_CONTAINER.to_string())
        .chain(WRAP_OPTIONS.iter().map(|o| o.to_string()))
        .chain(std::iter::once(format!("--ownership={}", ownership.name())))
        .chain(permissions.then(|| "--permissions=emulate".to_string()))
        .chain(std::iter::once("--".to_string()))
        .collect()
}

/// The prefix of a wrapped process.args (the binary through the first
/// `--`), for another process of the same container (`exec`): it runs with
/// the container's own options (`base` leaves out the virtual user's).
/// None: `args` are not wrapped.
pub fn prefix_of(args: &[Value]) -> Option<Vec<String>> {
    if !wrapped(args) {
        return None;
    }
    let end = args.iter().position(|a| a.as_str() == Some("--"))?;
    args[..=end].iter().map(|a| a.as_str().map(String::from)).collect()
}

/// A prefix without its virtual user's options (`--uid=`, `--cap-*=`, …).
pub fn base(prefix: &[String]) -> Vec<String> {
    prefix.iter().filter(|w| !super::user::is_user_option(w)).cloned().collect()
}

/// `prefix` (a base prefix, ending in `--`) with `options` before its `--`.
pub fn with_options(prefix: &[String], options: &[String]) -> Vec<String> {
    let mut p = prefix.to_vec();
    let at = p.len().saturating_sub(1);
    p.splice(at..at, options.iter().cloned());
    p
}

/// The read-only bind mount of `binary` at BINARY_IN_CONTAINER.
fn mount(binary: &Path) -> Value {
    json!({
        "destination": BINARY_IN_CONTAINER,
        "type": "bind",
        "source": binary.to_string_lossy(),
        "options": ["bind", "ro", "nosuid", "nodev"],
    })
}

fn is_ours(m: &Value) -> bool {
    m.get("destination").and_then(Value::as_str) == Some(BINARY_IN_CONTAINER)
}

impl Method {
    /// Edits `config` (a checked runtime config with process.args) so the
    /// container runs under `binary`. Already done: nothing changes.
    pub fn apply(self, config: &mut Value, binary: &Path) -> Result<(), String> {
        match self {
            Method::Hook(ownership) => super::hook::apply(config, binary, ownership),
            Method::Wrap(ownership, permissions) => {
                let root = config.as_object_mut().ok_or("not a JSON object")?;
                let mounts = root.entry("mounts").or_insert_with(|| Value::Array(vec![]));
                let mounts = mounts.as_array_mut().ok_or("\"mounts\" is not an array")?;
                let want = mount(binary);
                match mounts.iter_mut().find(|m| is_ours(m)) {
                    Some(m) => *m = want,
                    None => mounts.push(want),
                }
                if !wrapped(args_mut(root)?) {
                    // A process.user the namespace cannot give: mapped ids
                    // for the runtime, the user for credshim.
                    let user = super::user::apply(config)?.unwrap_or_default();
                    let root = config.as_object_mut().ok_or("not a JSON object")?;
                    let prefix = with_options(&wrap_prefix(ownership, permissions), &user);
                    args_mut(root)?.splice(0..0, prefix.into_iter().map(Value::String));
                }
                Ok(())
            }
        }
    }

    /// Undoes `apply`: the config is as it was before it.
    pub fn undo(self, config: &mut Value) -> Result<(), String> {
        match self {
            Method::Hook(_) => super::hook::undo(config),
            Method::Wrap(..) => {
                let root = config.as_object_mut().ok_or("not a JSON object")?;
                let args = args_mut(root)?;
                if wrapped(args) {
                    // Through the first "--": the options may have been
                    // written by another version of credshim.
                    let end = args.iter().position(|a| a.as_str() == Some("--")).map_or(1, |i| i + 1);
                    args.drain(..end);
                }
                super::user::undo(config)?;
                let root = config.as_object_mut().ok_or("not a JSON object")?;
                let last_key_is_mounts = root.keys().next_back().map(String::as_str) == Some("mounts");
                if let Some(Value::Array(mounts)) = root.get_mut("mounts") {
                    mounts.retain(|m| !is_ours(m));
                    // apply added a missing "mounts" as the last key.
                    if mounts.is_empty() && last_key_is_mounts {
                        root.remove("mounts");
                    }
                }
                Ok(())
            }
        }
    }

    /// Whether `config` runs its container under credshim this way.
    pub fn is_applied(self, config: &Value) -> bool {
        match self {
            Method::Hook(_) => super::hook::is_applied(config),
            Method::Wrap(..) => {
                let mounted = config.get("mounts").and_then(Value::as_array).is_some_and(|ms| ms.iter().any(is_ours));
                let args = config.pointer("/process/args").and_then(Value::as_array);
                mounted && args.is_some_and(|a| wrapped(a))
            }
        }
    }
}

fn wrapped(args: &[Value]) -> bool {
    args.first().and_then(Value::as_str) == Some(BINARY_IN_CONTAINER)
}

fn args_mut(root: &mut Map<String, Value>) -> Result<&mut Vec<Value>, String> {
    root.get_mut("process")
        .and_then(|p| p.get_mut("args"))
        .and_then(Value::as_array_mut)
        .ok_or_else(|| "\"process.args\" is not an array".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Store;

    #[test]
    fn apply_is_idempotent_and_undo_restores() {
        for text in [
            r#"{"ociVersion":"1.0.2","process":{"args":["sh"],"x-unknown":1},"mounts":[{"destination":"/proc"}],"z":{}}"#,
            r#"{"ociVersion":"1.0.2","process":{"args":["sh","-c","id"]}}"#,
        ] {
            let orig: Value = serde_json::from_str(text).expect("json");
            let mut v = orig.clone();
            let wrap = Method::Wrap(Store::Xattr, false);
            wrap.apply(&mut v, Path::new("/opt/credshim")).expect("apply");
            assert!(wrap.is_applied(&v));
            let once = v.clone();
            wrap.apply(&mut v, Path::new("/opt/credshim")).expect("apply again");
            assert_eq!(v, once);
            let args = v["process"]["args"].as_array().expect("args").clone();
            assert_eq!(args[..4], [json!(BINARY_IN_CONTAINER), json!("--exit-with-main"), json!("--ownership=xattr"), json!("--")]);
            assert_eq!(prefix_of(&args), Some(wrap_prefix(Store::Xattr, false)));
            Method::Wrap(Store::Session, false).undo(&mut v).expect("undo");
            assert_eq!(serde_json::to_string(&v).expect("s"), serde_json::to_string(&orig).expect("s"));
            assert!(!wrap.is_applied(&v));
            assert_eq!(prefix_of(v["process"]["args"].as_array().expect("args")), None);
        }
    }

    #[test]
    fn permissions_emulate_is_passed_to_the_injected_credshim() {
        let mut v: Value = serde_json::from_str(r#"{"ociVersion":"1.0.2","process":{"args":["nginx"]}}"#).expect("json");
        Method::Wrap(Store::Xattr, true).apply(&mut v, Path::new("/opt/credshim")).expect("apply");
        let args = v["process"]["args"].as_array().expect("args").clone();
        let want = [BINARY_IN_CONTAINER, "--exit-with-main", "--ownership=xattr", "--permissions=emulate", "--", "nginx"];
        assert_eq!(args, want.map(|a| json!(a)));
        assert_eq!(prefix_of(&args), Some(wrap_prefix(Store::Xattr, true)));
    }
}
