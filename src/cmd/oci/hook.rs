//! `credshim oci inject --mode hook`: nothing of credshim inside the
//! container. The bundle gets a createRuntime hook that runs
//! `credshim oci hook` on the host (it attaches to the container's init from
//! outside) and rules for exactly the shim table, generated from it, so
//! only those calls reach it. Two channels (`Channel::choose`):
//! - the listener (SCMP_ACT_NOTIFY and `linux.seccomp.listenerPath`):
//!   runc 1.1+ hands the container's seccomp listener to the hook's tracer
//!   over that unix socket (an abstract one, named per bundle), and the
//!   calls arrive as user notifications, as with the wrapper;
//! - seccomp stops (SCMP_ACT_TRACE), the fallback: every call is a ptrace
//!   stop (much slower on these machines, DESIGN.md "The mechanism").
//!
//! Merge rules with a profile the bundle already has:
//! - no `linux.seccomp`: a profile that allows everything else
//!   (defaultAction SCMP_ACT_ALLOW) for x86_64 and its i386 and x32 ABIs;
//! - a profile: its defaultAction, architectures, flags and every rule are
//!   kept. A shim-table call the profile restricts (any rule with an action
//!   other than SCMP_ACT_ALLOW or SCMP_ACT_LOG) stays as the profile says.
//!   A call the profile allows by name loses that name from its allow rule
//!   and is traced instead (libseccomp lets an unconditional allow win
//!   over conditional trace rules). prctl, open and openat, traced only for
//!   some arguments, then get allow rules of their own for the other
//!   arguments (prctl: one per option value outside the credential
//!   options; open/openat: without O_CREAT). A call the profile does not
//!   name is traced when the default action allows it, and left to the
//!   default action (denied) otherwise.
//!
//! The original `linux.seccomp` is kept in the annotation
//! `io.credshim.seccomp.original`, so `--remove` puts it back exactly.

use credshim_shims::table::{Abi, Class, Cmp, Rule};
use serde_json::{json, Value};
use crate::settings::Store;
use std::path::Path;

pub const ORIGINAL: &str = "io.credshim.seccomp.original";
const TRACE: &str = "SCMP_ACT_TRACE";
const NOTIFY: &str = "SCMP_ACT_NOTIFY";

/// How the hook's tracer receives the calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    /// SCMP_ACT_NOTIFY rules; the runtime sends the listener to
    /// `linux.seccomp.listenerPath`.
    Listener,
    /// SCMP_ACT_TRACE rules: seccomp stops.
    Stops,
}

impl Channel {
    fn action(self) -> &'static str {
        match self {
            Channel::Listener => NOTIFY,
            Channel::Stops => TRACE,
        }
    }

    /// The listener where the kernel has user notifications (Linux 5.0+)
    /// and the runtime that will run the bundle sends its listener to an
    /// agent before the payload runs (runc 1.1+; crun connects to the
    /// socket before the hooks run, so no hook can be listening yet), else
    /// seccomp stops; `CREDSHIM_HOOK_CHANNEL=listener|stops` forces one.
    /// Logged, with the reason.
    pub fn choose() -> Channel {
        let (c, why) = match std::env::var("CREDSHIM_HOOK_CHANNEL").as_deref() {
            Ok("listener") => (Channel::Listener, "asked by CREDSHIM_HOOK_CHANNEL".to_string()),
            Ok("stops") => (Channel::Stops, "asked by CREDSHIM_HOOK_CHANNEL".to_string()),
            _ if !crate::sys::notify::supported() => (Channel::Stops, "the kernel has no seccomp user notifications".into()),
            _ => match runc_version() {
                Some((v, true)) => (Channel::Listener, format!("runc {v} sends the container's listener to linux.seccomp.listenerPath")),
                Some((v, false)) => (Channel::Stops, format!("runc {v} cannot send a seccomp listener (runc 1.1+ can)")),
                None => (Channel::Stops, "no runc in PATH to send the container's seccomp listener (crun connects to it before the hooks run)".into()),
            },
        };
        log::info!("oci hook channel: {} ({why})", if c == Channel::Listener { "the seccomp listener" } else { "seccomp stops" });
        c
    }
}

/// `runc --version`'s version and whether it is 1.1 or later. The runtime
/// is the one `credshim oci runtime` would run ($CREDSHIM_RUNTIME, else
/// runc in PATH); another runtime gives None.
fn runc_version() -> Option<(String, bool)> {
    let runtime = super::which::resolve(None).ok()?;
    let mut cmd = std::process::Command::new(&runtime);
    cmd.arg("--version");
    let out = super::which::output_within(cmd, std::time::Duration::from_secs(5))?;
    let text = String::from_utf8_lossy(&out);
    let v = text.lines().next()?.strip_prefix("runc version ")?.trim().to_string();
    let mut parts = v.split(|c: char| !c.is_ascii_digit()).filter(|p| !p.is_empty()).map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next()?, parts.next().unwrap_or(0));
    Some((v.clone(), (major, minor) >= (1, 1)))
}

/// The abstract unix socket name for a bundle's listener: unique per
/// inject (two bundles never share one); `@` is how runc (Go's net.Dial)
/// names the abstract namespace, which needs no directory and leaves no
/// file behind.
fn listener_path() -> String {
    let mut b = [0u8; 12];
    // SAFETY: getrandom into a local buffer.
    let n = unsafe { libc::getrandom(b.as_mut_ptr() as *mut libc::c_void, b.len(), 0) };
    if n != b.len() as isize {
        let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        b[..8].copy_from_slice(&((t as u64) ^ std::process::id() as u64).to_le_bytes());
    }
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("@credshim-listener-{hex}")
}


/// How many gap values a complement may enumerate: a rule whose complement
/// would need more allow rules than this (ptrace's PTRACE_ATTACH 16 and
/// PTRACE_SEIZE 0x4206) is traced whatever its arguments in the profile,
/// and the tracer lets the others run. libseccomp compiles every rule into
/// the filter runc loads: thousands of them kept runc's init busy for
/// minutes before the payload ran.
const MAX_GAPS: u64 = 64;

/// The rule the profile uses for a row: its own, or Always where
/// enumerating its complement would take more than MAX_GAPS rules.
fn in_profile(rule: Rule) -> Rule {
    let gaps = |c: &Cmp| {
        let (lo, hi) = (c.values.iter().min().copied().unwrap_or(0), c.values.iter().max().copied().unwrap_or(0));
        (hi - lo + 1).saturating_sub(c.values.len() as u64)
    };
    match rule {
        Rule::OneOf(alts) if alts.iter().flat_map(|a| a.iter()).any(|c| gaps(c) > MAX_GAPS) => Rule::Always,
        r => r,
    }
}

/// A row's rule as libseccomp argument conditions: the alternatives under
/// which the call is traced, each a rule's `args` (one comparison per
/// argument). None: traced whatever the arguments. libseccomp compares the
/// whole register, so a pid above 0 (a signed low word) is not expressible
/// with one comparison: those rows are traced always (the tracer lets the
/// others run), and `Word::Low` values are compared as whole registers.
fn conditions(rule: Rule) -> Option<Vec<Value>> {
    let cmp = |index: usize, value: u64, op: &str| json!({ "index": index, "value": value, "op": op });
    let masked = |index: usize, mask: u32, value: u32| {
        json!({ "index": index, "value": mask as u64, "valueTwo": value as u64, "op": "SCMP_CMP_MASKED_EQ" })
    };
    match rule {
        Rule::Always | Rule::PositivePid(_) => None,
        Rule::Bits { arg, any, none } => {
            Some(bits(any).map(|b| json!([masked(arg, b | none, b)])).collect())
        }
        Rule::OneOf(alts) => {
            let mut out = Vec::new();
            for alt in alts {
                // Every combination of the comparisons' values.
                let mut combos: Vec<Vec<Value>> = vec![vec![]];
                for c in *alt {
                    combos = combos
                        .into_iter()
                        .flat_map(|prefix| c.values.iter().map(move |&v| [prefix.clone(), vec![cmp(c.arg, v, "SCMP_CMP_EQ")]].concat()))
                        .collect();
                }
                out.extend(combos.into_iter().map(Value::from));
            }
            Some(out)
        }
    }
}

fn bits(mask: u32) -> impl Iterator<Item = u32> {
    (0..32).map(|i| 1u32 << i).filter(move |b| mask & b != 0)
}

/// Allow conditions for the arguments with which a row under `rule` is not
/// traced, each with one comparison per argument (libseccomp's limit).
fn complement_of(rule: Rule) -> Vec<Value> {
    match rule {
        Rule::Always | Rule::PositivePid(_) => vec![],
        Rule::Bits { arg, any, none } => {
            let masked = |mask: u32, value: u32| json!({ "index": arg, "value": mask as u64, "valueTwo": value as u64, "op": "SCMP_CMP_MASKED_EQ" });
            let mut v = vec![json!([masked(any, 0)])];
            v.extend(bits(none).map(|b| json!([masked(b, b)])));
            v
        }
        Rule::OneOf(alts) => complement_alts(&[], alts.iter().map(|a| *a).collect()),
    }
}

/// The complement of alternatives that all begin with a comparison of the
/// same argument (true of every row's rule), under the comparisons
/// `prefix`: the values outside theirs (below, above and each gap value),
/// and for each of their values the complement of what follows it.
fn complement_alts(prefix: &[Value], alts: Vec<&[Cmp]>) -> Vec<Value> {
    let with = |c: Value| Value::from([prefix.to_vec(), vec![c]].concat());
    let Some(first) = alts.first().and_then(|a| a.first()) else { return vec![] };
    let arg = first.arg;
    debug_assert!(alts.iter().all(|a| a.first().is_some_and(|c| c.arg == arg)));
    let mut values: Vec<u64> = alts.iter().flat_map(|a| a[0].values.iter().copied()).collect();
    values.sort();
    values.dedup();
    let cmp = |value: u64, op: &str| json!({ "index": arg, "value": value, "op": op });
    let mut out = Vec::new();
    let (lo, hi) = (values[0], values[values.len() - 1]);
    if values.len() == 1 {
        out.push(with(cmp(lo, "SCMP_CMP_NE")));
    } else {
        out.push(with(cmp(lo, "SCMP_CMP_LT")));
        out.push(with(cmp(hi, "SCMP_CMP_GT")));
        out.extend((lo..hi).filter(|v| !values.contains(v)).map(|v| with(cmp(v, "SCMP_CMP_EQ"))));
    }
    for v in values {
        let rests: Vec<&[Cmp]> = alts.iter().filter(|a| a[0].values.contains(&v)).map(|a| &a[1..]).collect();
        if rests.iter().any(|r| r.is_empty()) {
            continue; // traced for this value whatever follows
        }
        let here = [prefix.to_vec(), vec![cmp(v, "SCMP_CMP_EQ")]].concat();
        out.extend(complement_alts(&here, rests));
    }
    out
}

/// The rules (SCMP_ACT_TRACE or SCMP_ACT_NOTIFY: `action`) for the shim
/// table's calls of `classes` (and the credential, exec and
/// privilege-check calls), every ABI's names, each under its row's rule.
pub fn trace_rules(classes: &[Class], action: &str) -> Vec<Value> {
    let mut plain: Vec<&str> = Vec::new();
    let mut conditional: Vec<(&str, Vec<Value>)> = Vec::new();
    for abi in [Abi::X86_64, Abi::I386] {
        for row in abi.rows() {
            let c = row.shim.class();
            if !c.always() && !classes.contains(&c) {
                continue;
            }
            match conditions(in_profile(row.shim.rule())) {
                None if !plain.contains(&row.name) => plain.push(row.name),
                Some(args) if !conditional.iter().any(|(n, _)| *n == row.name) => conditional.push((row.name, args)),
                _ => {}
            }
        }
    }
    let mut rules = vec![json!({ "names": plain, "action": action })];
    for (name, alts) in conditional {
        rules.extend(alts.into_iter().map(|args| json!({ "names": [name], "action": action, "args": args })));
    }
    rules
}

/// Allow rules for the arguments with which `name` is not traced, each
/// with one comparison per argument (libseccomp's limit).
fn complement(name: &str) -> Vec<Value> {
    let Some(row) = [Abi::X86_64, Abi::I386].into_iter().find_map(|abi| abi.by_name(name)) else { return vec![] };
    complement_of(in_profile(row.shim.rule()))
        .into_iter()
        .map(|args| json!({ "names": [name], "action": "SCMP_ACT_ALLOW", "args": args }))
        .collect()
}

fn allows(action: &str) -> bool {
    matches!(action, "SCMP_ACT_ALLOW" | "SCMP_ACT_LOG")
}

/// The profile with credshim's rules merged in (see the module's rules).
pub fn merge(profile: Option<&Value>, classes: &[Class], action: &str) -> Result<Value, String> {
    let ours = trace_rules(classes, action);
    let Some(p) = profile else {
        return Ok(json!({
            "defaultAction": "SCMP_ACT_ALLOW",
            "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
            "syscalls": ours,
        }));
    };
    let mut p = p.clone();
    let obj = p.as_object_mut().ok_or("linux.seccomp is not an object")?;
    let default_allows = obj.get("defaultAction").and_then(Value::as_str).is_some_and(allows);
    let rules = obj.entry("syscalls").or_insert_with(|| json!([]));
    let rules = rules.as_array_mut().ok_or("linux.seccomp.syscalls is not an array")?;
    let names_of = |r: &Value| -> Vec<String> {
        r.get("names").and_then(Value::as_array).map(|a| a.iter().filter_map(|n| n.as_str().map(String::from)).collect()).unwrap_or_default()
    };
    let action_of = |r: &Value| r.get("action").and_then(Value::as_str).unwrap_or("").to_string();
    let conditional = |r: &Value| r.get("args").and_then(Value::as_array).is_some_and(|a| !a.is_empty());
    let restricted = |name: &str, rules: &[Value]| rules.iter().any(|r| !allows(&action_of(r)) && names_of(r).iter().any(|n| n == name));
    let allowed = |name: &str, rules: &[Value]| rules.iter().any(|r| allows(&action_of(r)) && names_of(r).iter().any(|n| n == name));
    // Decided on the profile as it came, before any name moves.
    let original = rules.clone();
    let mut add = Vec::new();
    let mut complemented: Vec<String> = Vec::new();
    for rule in ours {
        let cond = conditional(&rule);
        let mut keep = Vec::new();
        for name in names_of(&rule) {
            if restricted(&name, &original) || !(default_allows || allowed(&name, &original)) {
                continue;
            }
            // Traced instead of allowed: out of the unconditional allow
            // rules (libseccomp lets an unconditional allow win over the
            // conditional trace rules of the same call). A call traced
            // only for some arguments is allowed for the others by rules
            // of its own.
            let mut was_allowed = false;
            for r in rules.iter_mut().filter(|r| allows(&action_of(r)) && !conditional(r)) {
                if let Some(a) = r.get_mut("names").and_then(Value::as_array_mut) {
                    let before = a.len();
                    a.retain(|n| n.as_str() != Some(name.as_str()));
                    was_allowed |= a.len() != before;
                }
            }
            if cond && was_allowed && !complemented.contains(&name) {
                add.extend(complement(&name));
                complemented.push(name.clone());
            }
            keep.push(name);
        }
        if !keep.is_empty() {
            let mut r = rule.clone();
            r["names"] = json!(keep);
            add.push(r);
        }
    }
    rules.retain(|r| r.get("names").and_then(Value::as_array).is_none_or(|a| !a.is_empty()));
    rules.extend(add);
    Ok(p)
}

/// The createRuntime hook entry that attaches credshim from outside.
pub fn hook_entry(binary: &Path, ownership: Store) -> Value {
    json!({
        "path": binary.to_string_lossy(),
        "args": ["credshim", "oci", "hook", format!("--ownership={}", ownership.name())],
        "timeout": 30,
    })
}

/// Adds the hook and the rules; keeps what they replace in an annotation.
pub fn apply(config: &mut Value, binary: &Path, ownership: Store) -> Result<(), String> {
    if is_applied(config) {
        return Ok(());
    }
    refuse_unreachable_user(config)?;
    let root = config.as_object_mut().ok_or("not a JSON object")?;
    let had_annotations = root.contains_key("annotations");
    let original = json!({
        "hooks": root.get("hooks").cloned(),
        "seccomp": root.get("linux").and_then(|l| l.get("seccomp")).cloned(),
        "annotations": had_annotations,
    });
    let channel = Channel::choose();
    let mut merged = merge(root.get("linux").and_then(|l| l.get("seccomp")), ownership.classes(), channel.action())?;
    if channel == Channel::Listener {
        merged["listenerPath"] = Value::String(listener_path());
    }
    let linux = root.entry("linux").or_insert_with(|| json!({}));
    linux.as_object_mut().ok_or("\"linux\" is not an object")?.insert("seccomp".into(), merged);
    let hooks = root.entry("hooks").or_insert_with(|| json!({}));
    let hooks = hooks.as_object_mut().ok_or("\"hooks\" is not an object")?;
    let create = hooks.entry("createRuntime").or_insert_with(|| json!([]));
    create.as_array_mut().ok_or("\"hooks.createRuntime\" is not an array")?.push(hook_entry(binary, ownership));
    let ann = root.entry("annotations").or_insert_with(|| json!({}));
    ann.as_object_mut().ok_or("\"annotations\" is not an object")?.insert(ORIGINAL.into(), Value::String(original.to_string()));
    Ok(())
}

/// A process.user the namespace cannot give works through the hook only
/// where runc's own setgroups/setgid/setuid reach the tracer: runc installs
/// the seccomp filter before its setupUser unless noNewPrivileges is set
/// (then after it, and the calls fail natively), and with a user namespace
/// of the config's own runc refuses an unmapped user before any call
/// ("cannot set uid to unmapped user in user namespace"). podman's
/// hooks-dir route (no noNewPrivileges, the namespace podman runs in) is
/// the case that works.
fn refuse_unreachable_user(config: &Value) -> Result<(), String> {
    let Some(process) = config.get("process") else { return Ok(()) };
    let Some(user) = super::user::of_process(process)? else { return Ok(()) };
    if !super::user::unmapped(&user, &super::user::maps_of(config)) {
        return Ok(());
    }
    let nnp = process.get("noNewPrivileges").and_then(Value::as_bool) == Some(true);
    let own_userns = config.pointer("/linux/uidMappings").and_then(Value::as_array).is_some_and(|m| !m.is_empty());
    let why = match (nnp, own_userns) {
        (_, true) => "runc refuses a user its namespace does not map before any call reaches the hook's tracer",
        (true, false) => "with noNewPrivileges runc installs the seccomp filter after it sets the user, so its calls fail before the hook's tracer sees them",
        (false, false) => return Ok(()),
    };
    Err(format!("process.user {}:{} is not mapped in the container's user namespace, and {why}: use --mode wrap", user.uid, user.gid))
}

pub fn is_applied(config: &Value) -> bool {
    config.get("annotations").and_then(|a| a.get(ORIGINAL)).is_some()
}

/// Puts `key` back as it was: the saved value, or absent (saved as null).
fn restore(obj: &mut serde_json::Map<String, Value>, key: &str, saved: Option<&Value>) {
    match saved {
        Some(Value::Null) | None => {
            obj.remove(key);
        }
        Some(v) => {
            obj.insert(key.into(), v.clone());
        }
    }
}

/// Puts back the hooks and seccomp profile `apply` replaced.
pub fn undo(config: &mut Value) -> Result<(), String> {
    let Some(saved) = config.get("annotations").and_then(|a| a.get(ORIGINAL)).and_then(Value::as_str) else {
        return Ok(());
    };
    let saved: Value = serde_json::from_str(saved).map_err(|e| format!("annotation {ORIGINAL} is not JSON: {e}"))?;
    let root = config.as_object_mut().ok_or("not a JSON object")?;
    restore(root, "hooks", saved.get("hooks"));
    if let Some(linux) = root.get_mut("linux").and_then(Value::as_object_mut) {
        restore(linux, "seccomp", saved.get("seccomp"));
    }
    if let Some(ann) = root.get_mut("annotations").and_then(Value::as_object_mut) {
        ann.remove(ORIGINAL);
    }
    if saved.get("annotations") == Some(&Value::Bool(false)) {
        root.remove("annotations");
    }
    Ok(())
}

/// `credshim oci seccomp-profile`: `base` with the trace rules merged in.
/// `listener`: SCMP_ACT_NOTIFY rules and that `listenerPath` (podman 4.3
/// passes a profile's listenerPath on to the runtime; runc 1.1+ sends the
/// listener there, where the hook listens), else SCMP_ACT_TRACE rules.
pub fn profile(base: &Path, ownership: Store, listener: Option<&str>) -> Result<String, super::OciError> {
    let err = |cause: String| super::OciError::Config { path: base.to_path_buf(), cause };
    let text = std::fs::read(base).map_err(|e| err(super::plain(&e)))?;
    let v: Value = serde_json::from_slice(&text).map_err(|e| err(format!("not valid JSON: {e}")))?;
    if !v.get("syscalls").is_some_and(Value::is_array) || !v.get("defaultAction").is_some_and(Value::is_string) {
        return Err(err("not a seccomp profile (no defaultAction and syscalls)".into()));
    }
    let mut merged = merge(Some(&v), ownership.classes(), if listener.is_some() { NOTIFY } else { TRACE }).map_err(err)?;
    if let Some(path) = listener {
        merged["listenerPath"] = Value::String(path.to_string());
    }
    serde_json::to_string_pretty(&merged).map_err(|e| err(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether libseccomp's comparisons `args` (one rule's) hold.
    fn holds(args: &Value, regs: &[u64; 6]) -> bool {
        args.as_array().unwrap().iter().all(|c| {
            let a = regs[c["index"].as_u64().unwrap() as usize];
            let v = c["value"].as_u64().unwrap();
            match c["op"].as_str().unwrap() {
                "SCMP_CMP_EQ" => a == v,
                "SCMP_CMP_NE" => a != v,
                "SCMP_CMP_LT" => a < v,
                "SCMP_CMP_GT" => a > v,
                "SCMP_CMP_MASKED_EQ" => a & v == c["valueTwo"].as_u64().unwrap(),
                op => panic!("{op}"),
            }
        })
    }

    /// The profile stays small enough for runc's libseccomp to compile at
    /// once (ptrace's two requests are far apart: traced always).
    #[test]
    fn the_profile_has_few_rules() {
        let p = merge(Some(&json!({ "defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
            { "names": ["ptrace", "prctl", "getsockopt", "open", "openat"], "action": "SCMP_ACT_ALLOW" } ] })), Store::Xattr.classes(), TRACE)
        .expect("merges");
        let n = p["syscalls"].as_array().map(Vec::len).unwrap_or(0);
        assert!(n < 300, "{n} rules");
        assert_eq!(in_profile(credshim_shims::table::Shim::Ptrace.rule()), Rule::Always);
    }

    /// For every row, the profile's trace conditions and their complement
    /// split the argument space, and the traced part is the row's rule
    /// (for arguments with clean high words, which libseccomp compares too).
    #[test]
    fn profile_follows_every_rows_rule() {
        let mut interesting: Vec<u64> = vec![0, 1, 2, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff];
        for r in Abi::X86_64.rows() {
            match r.shim.rule() {
                Rule::Bits { any, none, .. } => interesting.extend([any as u64, none as u64, (any | none) as u64]),
                Rule::OneOf(alts) => {
                    for c in alts.iter().flat_map(|a| a.iter()) {
                        interesting.extend(c.values.iter().flat_map(|&v| [v, v + 1, v.saturating_sub(1)]));
                    }
                }
                _ => {}
            }
        }
        for abi in [Abi::X86_64, Abi::I386] {
            for row in abi.rows() {
                let rule = in_profile(row.shim.rule());
                let traced = conditions(rule);
                let allowed = complement_of(rule);
                for (k, &x) in interesting.iter().enumerate() {
                    for &y in &interesting {
                        let z = interesting[(k * 5 + 1) % interesting.len()];
                        let regs = [x, y, z, z, y, x];
                        let t = traced.as_ref().is_none_or(|alts| alts.iter().any(|a| holds(a, &regs)));
                        let a = allowed.iter().any(|a| holds(a, &regs));
                        assert_ne!(t, a, "{} with {regs:x?}: traced and allowed must split", row.name);
                        if !matches!(rule, Rule::PositivePid(_)) {
                            assert_eq!(t, rule.stops(&regs), "{} with {regs:x?}", row.name);
                        }
                    }
                }
            }
        }
    }
}
