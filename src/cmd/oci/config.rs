//! A bundle's config.json: read, checked against the OCI runtime spec with
//! oci-spec, edited as a JSON tree, and replaced atomically.
//!
//! oci-spec's structs drop every field they do not know (annotations a
//! runtime reads, vendor extensions, newer spec fields), so the typed
//! `Spec` only validates; the edits are made on a `serde_json::Value`
//! (with `preserve_order`: keys keep their order) and written back in the
//! file's own layout (its indentation, its final newline), so that an edit
//! undone gives back the original bytes. That holds for the layouts JSON
//! writers produce (runc spec, Go's MarshalIndent, serde_json, Python's
//! json.dump with an indent); a hand-spaced file, or one with escapes
//! (Go's \u003c, Python's \u00e9), is written back normalised, with its
//! content unchanged.

use super::OciError;
use serde_json::Value;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// A config.json as read, with what writing it back needs.
pub struct Config {
    pub path: PathBuf,
    pub value: Value,
    original: Vec<u8>,
    layout: Layout,
}

/// How the file was written: the indentation unit (None: compact, one
/// line) and whether it ends with a newline. `runc spec` writes tabs and no
/// final newline; most editors write two or four spaces and a newline.
#[derive(Debug, PartialEq, Eq)]
struct Layout {
    indent: Option<Vec<u8>>,
    newline: bool,
}

impl Layout {
    fn of(bytes: &[u8]) -> Layout {
        let newline = bytes.ends_with(b"\n");
        let body = bytes.trim_ascii();
        // The first member of the top-level object sits on the second line,
        // indented by one unit.
        let indent = body.iter().position(|&b| b == b'\n').map(|i| {
            let rest = &body[i + 1..];
            let n = rest.iter().take_while(|&&b| b == b' ' || b == b'\t').count();
            if n == 0 {
                b"\t".to_vec()
            } else {
                rest[..n].to_vec()
            }
        });
        Layout { indent, newline }
    }

    fn render(&self, v: &Value) -> Vec<u8> {
        use serde::Serialize;
        let mut out = Vec::new();
        // Serializing a Value into a Vec cannot fail (no I/O, string keys).
        let _ = match &self.indent {
            Some(unit) => v.serialize(&mut serde_json::Serializer::with_formatter(
                &mut out,
                serde_json::ser::PrettyFormatter::with_indent(unit),
            )),
            None => v.serialize(&mut serde_json::Serializer::new(&mut out)),
        };
        if self.newline {
            out.push(b'\n');
        }
        out
    }
}

impl Config {
    /// Reads and checks `path`: valid JSON, an OCI runtime config by
    /// oci-spec's model, with a `process` that has arguments to run.
    pub fn load(path: &Path) -> Result<Config, OciError> {
        let err = |cause: String| OciError::Config { path: path.to_path_buf(), cause };
        let original = std::fs::read(path).map_err(|e| err(super::plain(&e)))?;
        let value: Value = serde_json::from_slice(&original).map_err(|e| err(format!("not valid JSON: {e}")))?;
        if !value.is_object() {
            return Err(err("not a JSON object".into()));
        }
        // process.user first: the spec's own check would not name it.
        if let Some(process) = value.get("process") {
            super::user::of_process(process).map_err(err)?;
        }
        let spec: oci_spec::runtime::Spec =
            serde_json::from_value(value.clone()).map_err(|e| err(format!("not an OCI runtime config: {e}")))?;
        let Some(process) = spec.process() else {
            return Err(err("no \"process\": nothing to run under credshim".into()));
        };
        if process.args().as_ref().is_none_or(|a| a.is_empty()) {
            return Err(err("\"process.args\" is missing or empty: nothing to run under credshim".into()));
        }
        let layout = Layout::of(&original);
        Ok(Config { path: path.to_path_buf(), value, original, layout })
    }

    /// Whether the tree differs from the file as read.
    pub fn changed(&self) -> bool {
        self.layout.render(&self.value) != self.original
    }

    /// Replaces the file with the edited tree, atomically: a temporary file
    /// in the same directory (so the rename stays on one filesystem), the
    /// original's mode and owner, fsync, rename over the original, fsync
    /// of the directory. Nothing is written when nothing changed. A
    /// config.json without any write permission bit is refused even for
    /// root: someone made it read-only on purpose.
    pub fn save(&self) -> Result<(), OciError> {
        if !self.changed() {
            return Ok(());
        }
        let err = |cause: String| OciError::Config { path: self.path.clone(), cause };
        let meta = std::fs::metadata(&self.path).map_err(|e| err(super::plain(&e)))?;
        let mode = meta.permissions().mode() & 0o7777;
        if mode & 0o222 == 0 {
            return Err(err(format!("read-only (mode {mode:04o}); not changed")));
        }
        let c = std::ffi::CString::new(self.path.as_os_str().as_encoded_bytes()).map_err(|_| err("NUL in path".into()))?;
        // SAFETY: access on a NUL-terminated path.
        if unsafe { libc::faccessat(libc::AT_FDCWD, c.as_ptr(), libc::W_OK, libc::AT_EACCESS) } != 0 {
            return Err(err(format!("not writable: {}; not changed", super::plain(&std::io::Error::last_os_error()))));
        }
        // A config.json that is a symbolic link: its target is replaced.
        let target = std::fs::canonicalize(&self.path).unwrap_or_else(|_| self.path.clone());
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let tmp = dir.join(format!(".{name}.credshim-{}", std::process::id()));
        let bytes = self.layout.render(&self.value);
        let write = || -> std::io::Result<()> {
            let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
            // Owner first: a chown clears set-id bits, the mode comes after.
            std::os::unix::fs::fchown(&f, Some(meta.uid()), Some(meta.gid())).or_else(|e| {
                // Not ours to give away (an unprivileged user editing a file
                // another owns in their directory): keep our own ownership.
                if e.raw_os_error() == Some(libc::EPERM) {
                    Ok(())
                } else {
                    Err(e)
                }
            })?;
            f.set_permissions(std::fs::Permissions::from_mode(mode))?;
            f.write_all(&bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &target)?;
            std::fs::File::open(&dir)?.sync_all()
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            err(format!("cannot replace it: {}; not changed", super::plain(&e)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Layout;

    #[test]
    fn layouts_round_trip() {
        for text in [
            "{\n\t\"a\": [\n\t\t1,\n\t\t{}\n\t],\n\t\"b\": []\n}",
            "{\n  \"a\": {\n    \"x\": \"y\"\n  }\n}\n",
            "{\"a\":[1,2],\"b\":{\"c\":null}}",
            "{\"a\":1}\n",
        ] {
            let v: serde_json::Value = serde_json::from_str(text).expect("json");
            assert_eq!(String::from_utf8(Layout::of(text.as_bytes()).render(&v)).expect("utf8"), text);
        }
    }
}
