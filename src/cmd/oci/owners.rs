//! `credshim oci fix-owners IN OUT`: an image archive saved by an account
//! with one id (`podman save`, docker-archive format) rewritten so that the
//! tar headers of its layers carry the owners that their
//! `user.rootlesscontainers` PAX records hold.
//!
//! podman fills a layer's headers from lstat(2) in its own namespace, where
//! such an account has only root; credshim's `--ownership xattr` keeps the
//! real owners in the attribute, which podman copies into the layer as a
//! `SCHILY.xattr.user.rootlesscontainers` record. Here each entry with
//! such a record gets those ids (and no user or group name, which would
//! name root) in its header; the record stays, so the account that loads
//! the archive back still finds the attribute. A rewritten layer gets its
//! new digest as its name and in the image config's `rootfs.diff_ids`; the
//! config its new digest as its name; manifest.json both. Layers without a
//! record are copied byte for byte.

use super::{plain, OciError};
use credshim_shims::rootlesscontainers as rc;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use tar::{EntryType, Header};

/// The PAX record that holds a file's owner.
const RECORD: &str = "SCHILY.xattr.user.rootlesscontainers";

/// What fix_archive did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub layers: usize,
    pub rewritten: usize,
    pub entries: usize,
}

/// An owner from a record: None for an id that is the header's own (noop).
type Owner = (Option<u32>, Option<u32>);

/// One PAX record, `LEN KEY=VALUE\n`, LEN counting the whole record.
fn record(key: &[u8], value: &[u8]) -> Vec<u8> {
    let body = key.len() + value.len() + 3; // ' ', '=', '\n'
    let mut len = body + 1;
    while len != body + len.to_string().len() {
        len = body + len.to_string().len();
    }
    let mut r = format!("{len} ").into_bytes();
    r.extend_from_slice(key);
    r.push(b'=');
    r.extend_from_slice(value);
    r.push(b'\n');
    r
}

/// The owner a PAX extended header's records give the next entry, and the
/// records to write for it: as they were, unless they set the ids or names
/// themselves (large ids, long names), which then follow the owner.
fn pax(data: &[u8]) -> io::Result<(Option<Owner>, Vec<u8>)> {
    let mut owner = None;
    let mut fields = vec![];
    for ext in tar::PaxExtensions::new(data) {
        let ext = ext?;
        if ext.key_bytes() == RECORD.as_bytes() {
            owner = Some(rc::decode(ext.value_bytes()).ok_or_else(|| bad(format!("{RECORD}: not a rootlesscontainers Resource")))?);
        }
        fields.push((ext.key_bytes(), ext.value_bytes()));
    }
    let Some((uid, gid)) = owner else { return Ok((None, data.to_vec())) };
    let overrides = |k: &[u8]| matches!(k, b"uid" | b"gid" | b"uname" | b"gname");
    if !fields.iter().any(|(k, _)| overrides(k)) {
        return Ok((owner, data.to_vec()));
    }
    let mut out = vec![];
    for (k, v) in fields {
        match (k, uid, gid) {
            (b"uid", Some(u), _) => out.extend(record(k, u.to_string().as_bytes())),
            (b"gid", _, Some(g)) => out.extend(record(k, g.to_string().as_bytes())),
            (b"uname", Some(_), _) | (b"gname", _, Some(_)) => {}
            _ => out.extend(record(k, v)),
        }
    }
    Ok((owner, out))
}

/// An error's text on one line of at most 200 characters: tar errors quote
/// the bytes they could not read.
fn said(e: &io::Error) -> String {
    plain(e).chars().map(|c| if c.is_control() { ' ' } else { c }).take(200).collect()
}

fn bad(cause: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, cause)
}

/// Copies the layer (an uncompressed tar) from `r` to `w`, giving each
/// entry that follows a record its owner; returns how many did.
pub fn fix_layer<R: Read, W: Write>(r: R, w: W) -> io::Result<usize> {
    let mut archive = tar::Archive::new(r);
    let mut out = tar::Builder::new(w);
    let mut pending: Option<Owner> = None;
    let mut fixed = 0;
    for entry in archive.entries()?.raw(true) {
        let mut entry = entry?;
        let mut h = entry.header().clone();
        match h.entry_type() {
            EntryType::XHeader => {
                let mut data = vec![];
                entry.read_to_end(&mut data)?;
                let (owner, data) = pax(&data)?;
                pending = owner;
                h.set_size(data.len() as u64);
                h.set_cksum();
                out.append(&h, &data[..])?;
            }
            // Extensions of the next entry: it still follows.
            EntryType::XGlobalHeader | EntryType::GNULongName | EntryType::GNULongLink => out.append(&h, &mut entry)?,
            _ => {
                if let Some((uid, gid)) = pending.take() {
                    if let Some(u) = uid {
                        h.set_uid(u.into());
                        let _ = h.set_username("");
                    }
                    if let Some(g) = gid {
                        h.set_gid(g.into());
                        let _ = h.set_groupname("");
                    }
                    h.set_cksum();
                    fixed += 1;
                }
                out.append(&h, &mut entry)?;
            }
        }
    }
    out.into_inner()?.flush()?;
    Ok(fixed)
}

/// Whether the layer (a tar stream) has any owner record.
fn has_records<R: Read>(r: R) -> io::Result<bool> {
    let mut archive = tar::Archive::new(r);
    for entry in archive.entries()?.raw(true) {
        let mut entry = entry?;
        if entry.header().entry_type() == EntryType::XHeader {
            let mut data = vec![];
            entry.read_to_end(&mut data)?;
            if tar::PaxExtensions::new(&data).flatten().any(|e| e.key_bytes() == RECORD.as_bytes()) {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// A writer that hashes what it writes.
struct Hashing<W> {
    inner: W,
    hash: Sha256,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn hex(d: impl AsRef<[u8]>) -> String {
    d.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// A temporary file beside the output, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn create(output: &Path, n: usize) -> io::Result<(Scratch, File)> {
        let p = PathBuf::from(format!("{}.credshim-{}-{n}", output.display(), std::process::id()));
        let f = std::fs::OpenOptions::new().read(true).write(true).create_new(true).open(&p)?;
        Ok((Scratch(p), f))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// What the first reading of a docker-archive finds: manifest.json, the
/// small top-level JSON files (the image configs, by name: the output
/// writes them in that order), and the names of the tar files that hold
/// owner records.
struct Index {
    manifest: Vec<u8>,
    json: BTreeMap<String, Vec<u8>>,
    with_records: HashSet<String>,
}

fn read_index(input: &Path) -> Result<Index, String> {
    let f = File::open(input).map_err(|e| said(&e))?;
    let mut manifest = None;
    let mut json = BTreeMap::new();
    let mut with_records = HashSet::new();
    let mut archive = tar::Archive::new(f);
    for entry in archive.entries().map_err(|e| format!("not a tar archive: {}", said(&e)))? {
        let mut entry = entry.map_err(|e| format!("not a tar archive: {}", said(&e)))?;
        let name = entry.path().map_err(|e| said(&e))?.to_string_lossy().into_owned();
        if entry.header().entry_type() != EntryType::Regular {
            continue;
        }
        if name.ends_with(".tar") {
            if has_records(&mut entry).map_err(|e| format!("{name}: not an uncompressed tar: {}", said(&e)))? {
                with_records.insert(name);
            }
            continue;
        }
        if name.contains('/') || !name.ends_with(".json") {
            continue;
        }
        if entry.size() > 64 << 20 {
            return Err(format!("{name}: {} bytes, too large for image metadata", entry.size()));
        }
        let mut v = vec![];
        entry.read_to_end(&mut v).map_err(|e| said(&e))?;
        if name == "manifest.json" {
            manifest = Some(v);
        } else {
            json.insert(name, v);
        }
    }
    let manifest = manifest.ok_or("no manifest.json: not a docker-archive (podman save --format docker-archive)")?;
    Ok(Index { manifest, json, with_records })
}

/// One image of manifest.json: its config's name and its layers' names.
fn images(manifest: &[u8]) -> Result<Vec<(String, Vec<String>)>, String> {
    let v: serde_json::Value = serde_json::from_slice(manifest).map_err(|e| format!("manifest.json: {e}"))?;
    let list = v.as_array().ok_or("manifest.json: not an array")?;
    list.iter()
        .map(|img| {
            let config = img.get("Config").and_then(|c| c.as_str()).ok_or("manifest.json: an image without \"Config\"")?;
            let layers = img.get("Layers").and_then(|l| l.as_array()).ok_or("manifest.json: an image without \"Layers\"")?;
            let layers = layers.iter().map(|l| l.as_str().map(String::from).ok_or("manifest.json: a layer that is not a string")).collect::<Result<_, _>>()?;
            Ok((config.to_string(), layers))
        })
        .collect()
}

/// The diff_ids of an image config.
fn diff_ids(config: &[u8], name: &str) -> Result<Vec<String>, String> {
    let v: serde_json::Value = serde_json::from_slice(config).map_err(|e| format!("{name}: {e}"))?;
    let ids = v.pointer("/rootfs/diff_ids").and_then(|d| d.as_array()).ok_or(format!("{name}: no rootfs.diff_ids"))?;
    ids.iter().map(|d| d.as_str().map(String::from).ok_or(format!("{name}: a diff_id that is not a string"))).collect()
}

/// A file to add at the end: its header and its bytes.
fn metadata_header(name: &str, len: usize) -> io::Result<Header> {
    let mut h = Header::new_gnu();
    h.set_entry_type(EntryType::Regular);
    h.set_mode(0o444);
    h.set_size(len as u64);
    h.set_path(name)?;
    h.set_cksum();
    Ok(h)
}

/// Rewrites the docker-archive `input` into `output` (replaced atomically).
pub fn fix_archive(input: &Path, output: &Path) -> Result<Summary, OciError> {
    let err = |path: &Path, cause: String| OciError::Config { path: path.to_path_buf(), cause };
    if std::fs::canonicalize(output).ok().is_some_and(|o| std::fs::canonicalize(input).ok() == Some(o)) {
        return Err(err(output, "the output is the input: name another file".into()));
    }
    let Index { manifest, json, with_records } = read_index(input).map_err(|c| err(input, c))?;
    let images = images(&manifest).map_err(|c| err(input, c))?;
    // Each layer's diff_id, from its image's config.
    let mut diff_of: HashMap<String, String> = HashMap::new();
    for (config, layers) in &images {
        let bytes = json.get(config).ok_or_else(|| err(input, format!("{config}: named by manifest.json, not in the archive")))?;
        let ids = diff_ids(bytes, config).map_err(|c| err(input, c))?;
        if ids.len() != layers.len() {
            return Err(err(input, format!("{config}: {} diff_ids for {} layers", ids.len(), layers.len())));
        }
        diff_of.extend(layers.iter().cloned().zip(ids));
    }

    let io_out = |e: io::Error| err(output, said(&e));
    let (tmp, file) = Scratch::create(output, 0).map_err(io_out)?;
    let mut out = tar::Builder::new(io::BufWriter::new(file));
    let mut summary = Summary::default();
    // Old layer name -> new name; old diff_id -> new diff_id.
    let mut names: HashMap<String, String> = HashMap::new();
    let mut digests: HashMap<String, String> = HashMap::new();
    let mut links: Vec<Header> = vec![];

    let f = File::open(input).map_err(|e| err(input, said(&e)))?;
    let mut archive = tar::Archive::new(f);
    for entry in archive.entries().map_err(|e| err(input, said(&e)))? {
        let mut entry = entry.map_err(|e| err(input, said(&e)))?;
        let mut h = entry.header().clone();
        let name = entry.path().map_err(|e| err(input, said(&e)))?.to_string_lossy().into_owned();
        if name == "manifest.json" || json.contains_key(&name) {
            continue; // written at the end
        }
        if h.entry_type() == EntryType::Symlink {
            // Legacy <id>/layer.tar links point at a layer that may be renamed.
            links.push(h);
            continue;
        }
        let Some(diff_id) = diff_of.get(&name) else {
            out.append(&h, &mut entry).map_err(io_out)?;
            continue;
        };
        summary.layers += 1;
        if !with_records.contains(&name) {
            out.append(&h, &mut entry).map_err(io_out)?;
            continue;
        }
        let (fixed_tmp, fixed_file) = Scratch::create(output, summary.layers).map_err(io_out)?;
        let mut hashing = Hashing { inner: io::BufWriter::new(fixed_file), hash: Sha256::new() };
        let n = fix_layer(&mut entry, &mut hashing).map_err(|e| err(input, format!("layer {name}: {}", said(&e))))?;
        let new_id = format!("sha256:{}", hex(hashing.hash.clone().finalize()));
        drop(hashing);
        summary.rewritten += 1;
        summary.entries += n;
        let new_name = match (name.strip_suffix(".tar"), diff_id.strip_prefix("sha256:")) {
            (Some(stem), Some(old)) if stem == old => format!("{}.tar", &new_id["sha256:".len()..]),
            _ => name.clone(),
        };
        let mut data = File::open(&fixed_tmp.0).map_err(io_out)?;
        h.set_size(data.metadata().map_err(io_out)?.len());
        h.set_path(&new_name).map_err(io_out)?;
        h.set_cksum();
        out.append(&h, &mut data).map_err(io_out)?;
        names.insert(name, new_name);
        digests.insert(diff_id.clone(), new_id);
    }

    // Each config with the new diff_ids, named after its new digest.
    let mut manifest = String::from_utf8(manifest).map_err(|_| err(input, "manifest.json: not UTF-8".into()))?;
    for (config, bytes) in &json {
        if !images.iter().any(|(c, _)| c == config) {
            let h = metadata_header(config, bytes.len()).map_err(io_out)?;
            out.append(&h, &bytes[..]).map_err(io_out)?;
            continue;
        }
        let mut text = String::from_utf8(bytes.clone()).map_err(|_| err(input, format!("{config}: not UTF-8")))?;
        for (old, new) in &digests {
            text = text.replace(&format!("\"{old}\""), &format!("\"{new}\""));
        }
        let new_name = if *config == format!("{}.json", hex(Sha256::digest(bytes))) {
            format!("{}.json", hex(Sha256::digest(text.as_bytes())))
        } else {
            config.clone()
        };
        names.insert(config.clone(), new_name.clone());
        let h = metadata_header(&new_name, text.len()).map_err(io_out)?;
        out.append(&h, text.as_bytes()).map_err(io_out)?;
    }
    for (old, new) in &names {
        manifest = manifest.replace(&format!("\"{old}\""), &format!("\"{new}\""));
    }
    let h = metadata_header("manifest.json", manifest.len()).map_err(io_out)?;
    out.append(&h, manifest.as_bytes()).map_err(io_out)?;
    for mut h in links {
        if let Ok(Some(target)) = h.link_name() {
            let t = target.to_string_lossy().into_owned();
            let (dir, file) = t.rsplit_once('/').map_or(("", t.as_str()), |(d, f)| (d, f));
            if let Some(new) = names.get(file) {
                let sep = if dir.is_empty() { "" } else { "/" };
                h.set_link_name_literal(format!("{dir}{sep}{new}")).map_err(io_out)?;
                h.set_cksum();
            }
        }
        out.append(&h, io::empty()).map_err(io_out)?;
    }
    let w = out.into_inner().map_err(io_out)?;
    let f = w.into_inner().map_err(|e| io_out(e.into_error()))?;
    f.sync_all().map_err(io_out)?;
    std::fs::rename(&tmp.0, output).map_err(io_out)?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(b: &mut tar::Builder<Vec<u8>>, ty: EntryType, name: &str, data: &[u8], uname: &str) {
        let mut h = Header::new_ustar();
        h.set_entry_type(ty);
        h.set_path(name).expect("path");
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_uid(0);
        h.set_gid(0);
        h.set_username(uname).expect("uname");
        h.set_groupname(uname).expect("gname");
        h.set_cksum();
        b.append(&h, data).expect("append");
    }

    fn owners(layer: &[u8]) -> Vec<(String, u64, u64, String)> {
        let mut a = tar::Archive::new(layer);
        a.entries()
            .expect("entries")
            .map(|e| {
                let e = e.expect("entry");
                let h = e.header();
                let name = e.path().expect("path").to_string_lossy().into_owned();
                (name, h.uid().expect("uid"), h.gid().expect("gid"), h.username().expect("u").unwrap_or("").to_string())
            })
            .collect()
    }

    #[test]
    fn records_are_well_formed() {
        for (k, v) in [("a", "b"), ("uid", "123456789"), (RECORD, "x")] {
            let r = record(k.as_bytes(), v.as_bytes());
            let text = String::from_utf8(r.clone()).expect("utf8");
            let (len, _) = text.split_once(' ').expect("len");
            assert_eq!(len.parse::<usize>().expect("a number"), r.len(), "{text:?}");
            let ext: Vec<_> = tar::PaxExtensions::new(&r).map(|e| e.expect("ok")).collect();
            assert_eq!((ext[0].key_bytes(), ext[0].value_bytes()), (k.as_bytes(), v.as_bytes()));
        }
    }

    #[test]
    fn the_record_owner_reaches_the_next_header() {
        let mut b = tar::Builder::new(vec![]);
        let rec = record(RECORD.as_bytes(), &rc::encode(33, 44));
        entry(&mut b, EntryType::XHeader, "PaxHeaders/a", &rec, "");
        entry(&mut b, EntryType::Regular, "a", b"data", "root");
        entry(&mut b, EntryType::Regular, "b", b"", "root");
        // Only the gid differs from the real owner: the uid is noop.
        let noop_uid = rc::value_for((0, 7), (0, 0)).expect("a value");
        let mut rec = record(b"uname", b"root");
        rec.extend(record(RECORD.as_bytes(), &noop_uid));
        entry(&mut b, EntryType::XHeader, "PaxHeaders/c", &rec, "");
        entry(&mut b, EntryType::Directory, "c/", b"", "root");
        let layer = b.into_inner().expect("tar");
        let mut fixed = vec![];
        assert_eq!(fix_layer(&layer[..], &mut fixed).expect("fix"), 2);
        assert_eq!(
            owners(&fixed),
            [("a".into(), 33, 44, "".into()), ("b".into(), 0, 0, "root".into()), ("c/".into(), 0, 7, "root".into())],
        );
        // The records stay; a uname record stays with a noop uid.
        let mut a = tar::Archive::new(&fixed[..]);
        let recs: Vec<Vec<(Vec<u8>, Vec<u8>)>> = a
            .entries()
            .expect("entries")
            .map(|e| {
                let mut e = e.expect("entry");
                match e.pax_extensions().expect("pax") {
                    Some(exts) => exts
                        .map(|x| {
                            let x = x.expect("a record");
                            (x.key_bytes().to_vec(), x.value_bytes().to_vec())
                        })
                        .collect(),
                    None => vec![],
                }
            })
            .collect();
        assert_eq!(recs[0], [(RECORD.as_bytes().to_vec(), rc::encode(33, 44))]);
        assert_eq!(recs[2][0], (b"uname".to_vec(), b"root".to_vec()));
    }

    #[test]
    fn pax_ids_and_names_follow_the_owner() {
        let mut data = record(b"uid", b"0");
        data.extend(record(b"uname", b"root"));
        data.extend(record(b"gname", b"root"));
        data.extend(record(RECORD.as_bytes(), &rc::encode(3_000_000, 5)));
        let (owner, out) = pax(&data).expect("pax");
        assert_eq!(owner, Some((Some(3_000_000), Some(5))));
        let recs: Vec<(Vec<u8>, Vec<u8>)> =
            tar::PaxExtensions::new(&out).map(|e| e.expect("ok")).map(|e| (e.key_bytes().to_vec(), e.value_bytes().to_vec())).collect();
        assert_eq!(recs, [(b"uid".to_vec(), b"3000000".to_vec()), (RECORD.as_bytes().to_vec(), rc::encode(3_000_000, 5))]);
    }

    #[test]
    fn a_layer_without_records_is_reported_unchanged() {
        let mut b = tar::Builder::new(vec![]);
        entry(&mut b, EntryType::Regular, "a", b"data", "root");
        let layer = b.into_inner().expect("tar");
        assert_eq!(fix_layer(&layer[..], io::sink()).expect("fix"), 0);
        let mut b = tar::Builder::new(vec![]);
        entry(&mut b, EntryType::XHeader, "PaxHeaders/a", &record(RECORD.as_bytes(), b"\x08"), "");
        entry(&mut b, EntryType::Regular, "a", b"data", "root");
        let layer = b.into_inner().expect("tar");
        assert!(fix_layer(&layer[..], io::sink()).is_err(), "a truncated record is an error");
    }
}
