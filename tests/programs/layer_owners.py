#!/usr/bin/python3
"""Prints, for each file of an image archive's layers (`podman save`,
docker-archive format) whose path ends with one of ARGS: the layer's
index, the path, the tar header's uid:gid, and the owner its
`user.rootlesscontainers` PAX record holds (uid:gid, `-` for the real
owner, none when there is no record).

    layer_owners.py IMAGE.tar SUFFIX...
"""
import json
import sys
import tarfile

KEY = "SCHILY.xattr.user.rootlesscontainers"
NOOP = 0xFFFFFFFF


def varint(b, i):
    n = shift = 0
    while True:
        c = b[i]
        i += 1
        n |= (c & 0x7F) << shift
        shift += 7
        if c < 0x80:
            return n, i


def decode(value):
    """The Resource message {uid = 1; gid = 2} of rootlesscontainers.proto."""
    fields = {1: None, 2: None}
    i = 0
    while i < len(value):
        key, i = varint(value, i)
        if key & 7 != 0:
            raise ValueError(f"field {key >> 3}: wire type {key & 7}")
        v, i = varint(value, i)
        fields[key >> 3] = v
    shown = ["-" if v is None or v == NOOP else str(v) for v in (fields[1], fields[2])]
    return ":".join(shown)


def main():
    archive, suffixes = sys.argv[1], sys.argv[2:]
    with tarfile.open(archive) as outer:
        manifest = json.load(outer.extractfile("manifest.json"))
        for index, layer in enumerate(manifest[0]["Layers"]):
            with tarfile.open(fileobj=outer.extractfile(layer)) as inner:
                for m in inner:
                    if not any(m.name.endswith(s) for s in suffixes):
                        continue
                    raw = m.pax_headers.get(KEY)
                    rc = "none" if raw is None else decode(raw.encode("utf-8", "surrogateescape"))
                    print(f"{index} {m.name} {m.uid}:{m.gid} {rc}")


main()
