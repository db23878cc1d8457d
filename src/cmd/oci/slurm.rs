//! What `credshim doctor` says about Slurm on this node: whether
//! `srun --container` would run through credshim-runtime. slurmstepd reads
//! oci.conf from the directory of $SLURM_CONF (default
//! /etc/slurm/slurm.conf: get_extra_conf_path), once per step; its
//! RunTimeRun (else RunTimeCreate) line is run as `/bin/sh -c LINE`. No
//! job is started: the file and the programs it names are checked.

use std::path::{Path, PathBuf};

/// The oci.conf slurmstepd would read.
pub fn oci_conf_path() -> PathBuf {
    let conf = std::env::var_os("SLURM_CONF").filter(|v| !v.is_empty()).map(PathBuf::from).unwrap_or_else(|| "/etc/slurm/slurm.conf".into());
    conf.parent().unwrap_or(Path::new("/")).join("oci.conf")
}

/// The value of `key` (case-insensitive, as Slurm's parser reads it),
/// without its quotes and trailing comment.
fn value<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines().find_map(|l| {
        let (k, v) = l.trim().split_once('=')?;
        if !k.trim().eq_ignore_ascii_case(key) {
            return None;
        }
        let v = v.trim();
        Some(match v.strip_prefix('"') {
            Some(rest) => rest.split('"').next().unwrap_or(""),
            None => v.split('#').next().unwrap_or("").trim(),
        })
    })
}

/// The program a line runs and the environment assignments before it
/// (`VAR=x PROGRAM …`, `env VAR=x PROGRAM …`).
fn program(line: &str) -> (Option<&str>, Vec<(&str, &str)>) {
    let mut env = vec![];
    for w in line.split_whitespace() {
        if w == "env" || w == "exec" {
            continue;
        }
        match w.split_once('=') {
            Some((k, v)) if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => env.push((k, v)),
            _ => return (Some(w), env),
        }
    }
    (None, env)
}

/// The report: a header and indented lines; Some(true) when this node
/// runs `srun --container` through credshim-runtime.
pub fn report() -> (Option<bool>, String) {
    let path = oci_conf_path();
    let head = format!("Slurm (srun --container), {}:", path.display());
    let Ok(text) = std::fs::read_to_string(&path) else {
        return (None, format!("{head}\n  no such file: containers are not configured on this node (an example: contrib/slurm/oci.conf, /usr/share/doc/credshim/examples/oci.conf)"));
    };
    let (key, line) = match (value(&text, "RunTimeRun"), value(&text, "RunTimeCreate")) {
        (Some(l), _) => ("RunTimeRun", l),
        (None, Some(l)) => ("RunTimeCreate", l),
        (None, None) => return (Some(false), format!("{head}\n  neither RunTimeRun nor RunTimeCreate is set: srun --container fails")),
    };
    let (prog, env) = program(line);
    let Some(prog) = prog else { return (Some(false), format!("{head}\n  {key} runs nothing")) };
    let named = Path::new(prog);
    if named.file_name().is_none_or(|n| n != "credshim-runtime") {
        return (Some(false), format!("{head}\n  {key} runs {prog}, not credshim-runtime: su, apt and images that run as a user fail for accounts without subordinate ids"));
    }
    let found = if prog.contains('/') {
        Some(named.to_path_buf())
    } else {
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()).map(|d| d.join(prog)).find(|p| p.is_file())
    };
    let Some(found) = found.filter(|p| p.is_file()) else {
        return (Some(false), format!("{head}\n  {key} runs {prog}, which is not there: the job's step fails"));
    };
    let target = std::fs::canonicalize(&found).unwrap_or_else(|_| found.clone());
    if target.file_name().is_none_or(|n| n != "credshim") {
        return (Some(false), format!("{head}\n  {key} runs {} -> {}, which is not a credshim binary", found.display(), target.display()));
    }
    let runtime = env.iter().find(|(k, _)| *k == "CREDSHIM_RUNTIME").map(|(_, v)| PathBuf::from(v));
    let runtime = match &runtime {
        Some(r) => super::which::resolve(Some(r)),
        None => super::which::resolve(None),
    };
    let runtime = match runtime {
        Ok(r) => r,
        Err(e) => return (Some(false), format!("{head}\n  {key} runs {}, but it finds no runtime: {e}", found.display())),
    };
    let mut out = format!("{head}\n  {key} runs {} (-> {}) over {}", found.display(), target.display(), runtime.display());
    if !line.contains("%b") {
        out.push_str(&format!("\n  warning: {key} does not pass the bundle (%b): the runtime would look in the step's working directory only"));
    }
    for other in ["RunTimeQuery", "RunTimeKill", "RunTimeDelete"] {
        if value(&text, other).is_none() {
            out.push_str(&format!("\n  warning: no {other}: slurmstepd cannot stop or delete a container left running"));
        }
    }
    out.push_str("\n  srun --container works through credshim-runtime (checked from oci.conf; no job was started)");
    (Some(true), out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_programs() {
        let text = "# c\nruntimerun=\"CREDSHIM_RUNTIME=crun /usr/bin/credshim-runtime run %n -b %b\"\nRunTimeQuery=x # y\n";
        assert_eq!(value(text, "RunTimeRun"), Some("CREDSHIM_RUNTIME=crun /usr/bin/credshim-runtime run %n -b %b"));
        assert_eq!(value(text, "RunTimeQuery"), Some("x"));
        let (p, env) = program(value(text, "RunTimeRun").unwrap_or(""));
        assert_eq!(p, Some("/usr/bin/credshim-runtime"));
        assert_eq!(env, [("CREDSHIM_RUNTIME", "crun")]);
    }
}
