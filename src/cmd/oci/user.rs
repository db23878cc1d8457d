//! A container's process.user that its user namespace cannot give (`USER
//! www`, `podman run --user 33`): runc would fail before credshim runs
//! ("unable to setup user: invalid argument"). The runtime gets ids the
//! namespace maps instead (and no additionalGids), and credshim starts the
//! command as the virtual user with `--uid/--gid/--groups` and the
//! `--cap-*` sets of process.capabilities, as runc's finalizeNamespace
//! would have left it (shims::runtime).

use crate::sys::creds::{cap_names, caps_from_names};
use credshim_shims::CapSet;
use serde_json::{json, Value};

/// Where the original process.user is kept, for `--remove`.
pub const ORIGINAL: &str = "io.credshim.process.user";

/// credshim's options that carry the virtual user (they sit before the
/// wrap prefix's `--`).
const OPTIONS: &[&str] = &["--uid=", "--gid=", "--groups=", "--cap-effective=", "--cap-permitted=", "--cap-inheritable=", "--cap-ambient="];

/// Whether a word of a wrap prefix is one of the user options.
pub fn is_user_option(word: &str) -> bool {
    OPTIONS.iter().any(|o| word.starts_with(o))
}

/// process.user's ids.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub uid: u32,
    pub gid: u32,
    pub groups: Vec<u32>,
}

fn id(v: Option<&Value>, what: &str) -> Result<u32, String> {
    match v {
        None => Ok(0),
        Some(v) => v
            .as_u64()
            .filter(|&n| n < u32::MAX as u64)
            .map(|n| n as u32)
            .ok_or_else(|| format!("process.user.{what} is {v}: not an id (a number from 0 to 4294967294)")),
    }
}

/// process.user of `process` (a config's process, or an exec's process
/// JSON); None without one (the runtime runs it as 0:0).
pub fn of_process(process: &Value) -> Result<Option<User>, String> {
    let Some(u) = process.get("user") else { return Ok(None) };
    if !u.is_object() {
        return Err(format!("process.user is {u}: not an object"));
    }
    let groups = match u.get("additionalGids") {
        None | Some(Value::Null) => vec![],
        Some(Value::Array(a)) => a.iter().map(|g| id(Some(g), "additionalGids")).collect::<Result<_, _>>()?,
        Some(other) => return Err(format!("process.user.additionalGids is {other}: not an array")),
    };
    Ok(Some(User { uid: id(u.get("uid"), "uid")?, gid: id(u.get("gid"), "gid")?, groups }))
}

/// The capability sets of process.capabilities credshim takes (effective,
/// permitted, inheritable, ambient; the bounding set is the runtime's).
pub fn caps_of(process: &Value) -> Result<[CapSet; 4], String> {
    let mut out = [CapSet::EMPTY; 4];
    for (i, set) in ["effective", "permitted", "inheritable", "ambient"].iter().enumerate() {
        let Some(list) = process.get("capabilities").and_then(|c| c.get(set)) else { continue };
        let names = list.as_array().ok_or_else(|| format!("process.capabilities.{set} is not an array"))?;
        let names: Vec<&str> = names.iter().map(|n| n.as_str().ok_or_else(|| format!("process.capabilities.{set} has {n}: not a name"))).collect::<Result<_, _>>()?;
        out[i] = caps_from_names(names).map_err(|e| format!("process.capabilities.{set}: {e}"))?;
    }
    Ok(out)
}

/// The container ids a user namespace maps: (first, count) ranges.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdMap(pub Vec<(u32, u32)>);

impl IdMap {
    pub fn maps(&self, id: u32) -> bool {
        self.0.iter().any(|&(first, n)| id >= first && (id as u64) < first as u64 + n as u64)
    }
    /// `id` if mapped, else the first id mapped (the namespace's root in a
    /// rootless container).
    pub fn give(&self, id: u32) -> u32 {
        if self.maps(id) {
            id
        } else {
            self.0.first().map_or(id, |&(first, _)| first)
        }
    }
    /// A /proc/PID/uid_map: `inside outside count` lines.
    pub fn parse_proc(text: &str) -> IdMap {
        IdMap(
            text.lines()
                .filter_map(|l| {
                    let f: Vec<u32> = l.split_whitespace().filter_map(|x| x.parse().ok()).collect();
                    (f.len() == 3).then(|| (f[0], f[2]))
                })
                .collect(),
        )
    }
}

/// The uid and gid maps the container's process will have: the config's
/// own user namespace (linux.uidMappings/gidMappings), else the namespace
/// the runtime runs in (this process's: rootless podman runs its runtime
/// inside its own namespace, with no user namespace in the config).
pub fn maps_of(config: &Value) -> (IdMap, IdMap) {
    let own_userns = config
        .pointer("/linux/namespaces")
        .and_then(Value::as_array)
        .is_some_and(|ns| ns.iter().any(|n| n.get("type").and_then(Value::as_str) == Some("user") && n.get("path").is_none()));
    let from_config = |key: &str| {
        config.pointer(&format!("/linux/{key}")).and_then(Value::as_array).map(|ms| {
            IdMap(
                ms.iter()
                    .filter_map(|m| Some((m.get("containerID")?.as_u64()? as u32, m.get("size")?.as_u64()? as u32)))
                    .collect(),
            )
        })
    };
    let proc = |file: &str| IdMap::parse_proc(&std::fs::read_to_string(file).unwrap_or_default());
    match (own_userns, from_config("uidMappings"), from_config("gidMappings")) {
        (true, Some(u), Some(g)) => (u, g),
        _ => (proc("/proc/self/uid_map"), proc("/proc/self/gid_map")),
    }
}

/// Whether the namespace cannot give `user` as it is.
pub fn unmapped(user: &User, maps: &(IdMap, IdMap)) -> bool {
    !maps.0.maps(user.uid) || !maps.1.maps(user.gid) || user.groups.iter().any(|&g| !maps.1.maps(g))
}

/// credshim's options that start the command as `user` with `caps`.
pub fn options(user: &User, caps: &[CapSet; 4]) -> Vec<String> {
    let mut o = vec![format!("--uid={}", user.uid), format!("--gid={}", user.gid)];
    if !user.groups.is_empty() {
        o.push(format!("--groups={}", user.groups.iter().map(u32::to_string).collect::<Vec<_>>().join(",")));
    }
    for (name, set) in ["effective", "permitted", "inheritable", "ambient"].iter().zip(caps) {
        o.push(format!("--cap-{name}={}", cap_names(*set)));
    }
    o
}

/// Gives the runtime ids the namespace maps in place of `user` (process.user
/// edited in place, additionalGids dropped: a rootless runtime cannot set
/// them).
pub fn give_mapped(process: &mut Value, user: &User, maps: &(IdMap, IdMap)) -> Result<(), String> {
    let u = process.get_mut("user").and_then(Value::as_object_mut).ok_or("process.user is not an object")?;
    u.insert("uid".into(), json!(maps.0.give(user.uid)));
    u.insert("gid".into(), json!(maps.1.give(user.gid)));
    u.remove("additionalGids");
    Ok(())
}

/// For a config being wrapped: when its process.user is unmapped, gives the
/// runtime mapped ids, keeps the original in the ORIGINAL annotation, and
/// returns the options for the prefix. Already done (the annotation is
/// there): the options from the kept original.
pub fn apply(config: &mut Value) -> Result<Option<Vec<String>>, String> {
    let process = config.get("process").ok_or("no \"process\"")?;
    let caps = caps_of(process)?;
    if let Some(saved) = saved(config)? {
        return Ok(Some(options(&saved, &caps)));
    }
    let Some(user) = of_process(process)? else { return Ok(None) };
    let maps = maps_of(config);
    if !unmapped(&user, &maps) {
        return Ok(None);
    }
    let original = process.get("user").cloned().unwrap_or(Value::Null);
    let root = config.as_object_mut().ok_or("not a JSON object")?;
    let had_annotations = root.contains_key("annotations");
    give_mapped(root.get_mut("process").ok_or("no \"process\"")?, &user, &maps)?;
    let keep = json!({"user": original, "annotations": had_annotations}).to_string();
    let ann = root.entry("annotations").or_insert_with(|| json!({}));
    ann.as_object_mut().ok_or("\"annotations\" is not an object")?.insert(ORIGINAL.into(), Value::String(keep));
    Ok(Some(options(&user, &caps)))
}

fn kept(config: &Value) -> Result<Option<Value>, String> {
    let Some(text) = config.get("annotations").and_then(|a| a.get(ORIGINAL)) else { return Ok(None) };
    let text = text.as_str().ok_or_else(|| format!("annotation {ORIGINAL} is not a string"))?;
    serde_json::from_str(text).map(Some).map_err(|e| format!("annotation {ORIGINAL} is not JSON: {e}"))
}

/// The original process.user a wrapped config keeps, if it was replaced.
pub fn saved(config: &Value) -> Result<Option<User>, String> {
    match kept(config)? {
        None => Ok(None),
        Some(k) => of_process(&k).map(|u| Some(u.unwrap_or(User { uid: 0, gid: 0, groups: vec![] }))),
    }
}

/// Undoes `apply`: process.user and the annotations as they were.
pub fn undo(config: &mut Value) -> Result<(), String> {
    let Some(k) = kept(config)? else { return Ok(()) };
    let root = config.as_object_mut().ok_or("not a JSON object")?;
    if let Some(p) = root.get_mut("process").and_then(Value::as_object_mut) {
        match k.get("user") {
            Some(Value::Null) | None => {
                p.remove("user");
            }
            Some(u) => {
                p.insert("user".into(), u.clone());
            }
        }
    }
    if let Some(ann) = root.get_mut("annotations").and_then(Value::as_object_mut) {
        ann.remove(ORIGINAL);
        if ann.is_empty() && k.get("annotations") == Some(&Value::Bool(false)) {
            root.remove("annotations");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn single() -> (IdMap, IdMap) {
        (IdMap(vec![(0, 1)]), IdMap(vec![(0, 1)]))
    }

    #[test]
    fn an_unmapped_user_is_given_the_mapped_root_and_comes_back() {
        let text = r#"{"ociVersion":"1.0.2","process":{"user":{"uid":33,"gid":33,"umask":18,"additionalGids":[27,33]},"args":["id"],"capabilities":{"bounding":["CAP_KILL"],"effective":["CAP_NET_BIND_SERVICE"],"permitted":["CAP_NET_BIND_SERVICE"]}},"linux":{"namespaces":[{"type":"user"}],"uidMappings":[{"containerID":0,"hostID":1001,"size":1}],"gidMappings":[{"containerID":0,"hostID":1001,"size":1}]}}"#;
        let orig: Value = serde_json::from_str(text).expect("json");
        let mut v = orig.clone();
        let o = apply(&mut v).expect("apply").expect("unmapped");
        assert_eq!(o, ["--uid=33", "--gid=33", "--groups=27,33", "--cap-effective=CAP_NET_BIND_SERVICE", "--cap-permitted=CAP_NET_BIND_SERVICE", "--cap-inheritable=", "--cap-ambient="]);
        assert_eq!(v["process"]["user"], json!({"uid": 0, "gid": 0, "umask": 18}));
        assert_eq!(apply(&mut v.clone()).expect("again"), Some(o), "applied twice: the same options");
        undo(&mut v).expect("undo");
        assert_eq!(serde_json::to_string(&v).expect("s"), serde_json::to_string(&orig).expect("s"));
    }

    #[test]
    fn mapped_users_and_bad_ones() {
        let mut v = json!({"process": {"user": {"uid": 0, "gid": 0}}, "linux": {"namespaces": [{"type": "user"}], "uidMappings": [{"containerID": 0, "hostID": 5, "size": 1}], "gidMappings": [{"containerID": 0, "hostID": 5, "size": 1}]}});
        assert_eq!(apply(&mut v).expect("ok"), None);
        v["process"]["user"]["uid"] = json!(-1);
        assert!(apply(&mut v).expect_err("refused").contains("process.user.uid is -1"));
        v["process"]["user"] = json!({"uid": 1, "gid": 1, "additionalGids": "x"});
        assert!(apply(&mut v).expect_err("refused").contains("additionalGids"));
        let u = User { uid: 0, gid: 0, groups: vec![5] };
        assert!(unmapped(&u, &single()));
        assert_eq!(IdMap::parse_proc("         0       1001          1\n").0, [(0, 1)]);
    }
}
