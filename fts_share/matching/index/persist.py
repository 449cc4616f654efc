"""The on-disk format of a ``NameIndex``: versioned binary sections, no pickle.

Version 2 stores the *analysed* index, so that loading does not analyse a single name
again. The file is::

    b"FTS-NAME-INDEX\\n"                 magic line
    8 bytes, little-endian              length of the header
    header (JSON, UTF-8)                {"format", "version": 2, "config", "analyzer",
                                         "counts", "sections": [{name, offset, length,
                                         sha256}]}
    sections, back to back              JSON documents, "\\n"-joined texts and int32
                                        arrays (little-endian, ``array`` module)

Sections: ``groups`` (the readings of each distinct part spelling: forms, script,
kind), ``parts`` (text, core, kind, role, script, group), ``names_text``,
``names_folded``, ``names_particles`` (one name per line), ``name_offsets`` /
``name_parts`` (the part ids of each name, CSR layout), ``name_record`` (the record
of each name) and ``records`` (id, raw date of birth, nationalities, documents).

The index is written and read through its public interface
(``NameIndex.contents`` and ``NameIndex.restore``, declared here as ``Restorable``).

Loading is safe with a damaged or foreign file: nothing but JSON and raw integers is
decoded, every section's SHA-256 is checked, every id is range-checked, every role,
kind and script must be a known one, and the record fields go through the same
validation as :meth:`NameIndex.add`. Index keys, rarity counts and postings are not
stored: they are rebuilt from the parts. If the file was written by a different
version of the name analysis (``analyzer`` fingerprint), the names are analysed again
from their stored text, so a stale file can never give stale keys.

Version 1 files (gzip JSON lines of raw records) are still read (re-analysed).
"""

from __future__ import annotations

import gc
import gzip
import hashlib
import json
import os
import struct
import sys
from array import array
from collections.abc import Callable, Iterator, Sequence
from itertools import accumulate, pairwise
from typing import Any, Protocol, TypeVar

from fts_share.errors import ValidationError
from fts_share.matching.config import MatchConfig
from fts_share.matching.index.groups import KINDS as GROUP_KINDS
from fts_share.matching.index.groups import Group
from fts_share.matching.index.store import Contents, Record
from fts_share.matching.scoring.analysis import NameAnalysis, NamePart
from fts_share.matching.scoring.evidence import (
    CountryInput,
    DobInput,
    parse_countries,
    parse_dob,
    parse_documents,
)
from fts_share.matching.scoring.fingerprint import analyzer_fingerprint
from fts_share.matching.text.forms import Form

FORMAT = "fts-share-name-index"
VERSION = 2
MAGIC = b"FTS-NAME-INDEX\n"
KINDS = frozenset(GROUP_KINDS)
ROLES = frozenset({"given", "father", "family", "kunya", "nisba", "laqab", "title"})
SCRIPTS = frozenset({"arabic", "latin"})
MAX_HEADER = 1 << 20


class Restorable(Protocol):
    """What loading needs of an index: restore checked contents, or add raw records
    (a version 1 file, or one written by another analyser version)."""

    def restore(self, contents: Contents) -> None: ...

    def add(self, record_id: str, names: str | Sequence[str], *, dob: DobInput = None,
            nationality: CountryInput = None, documents: str | Sequence[str] | None = None,
            skip_invalid_names: bool = True) -> object: ...


T = TypeVar("T", bound=Restorable)


def _bad(message: str) -> ValidationError:
    return ValidationError({"path": [message]})


def _ints(values: Any) -> bytes:
    arr = array("i", values)
    if sys.byteorder != "little":
        arr.byteswap()
    return arr.tobytes()


def _from_ints(raw: bytes, name: str) -> array[int]:
    if len(raw) % 4:
        raise _bad(f"section {name}: not an int32 array")
    arr = array("i")
    arr.frombytes(raw)
    if sys.byteorder != "little":
        arr.byteswap()
    return arr


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def save(path: str, contents: Contents, config: MatchConfig) -> None:
    """Write an index's ``contents`` to ``path`` (atomically, via a temporary file)."""
    groups = [[[list(f) for f in forms], script, kind] for forms, script, kind in contents.groups]
    parts = [[p.text, p.core, p.kind, p.role, p.script, g]
             for p, g in zip(contents.parts, contents.part_group)]
    names = contents.names
    offsets = list(accumulate((len(pids) for pids in contents.name_parts), initial=0))
    flat = [pid for pids in contents.name_parts for pid in pids]
    records = [[rid, rec.dob_raw, list(rec.nationality), list(rec.documents)]
               for rid, rec in contents.records]
    sections = [
        ("groups", _json(groups)), ("parts", _json(parts)),
        ("names_text", "\n".join(a.text for a in names).encode()),
        ("names_folded", "\n".join(a.folded for a in names).encode()),
        ("names_particles", "\n".join(" ".join(a.particles) for a in names).encode()),
        ("name_offsets", _ints(offsets)), ("name_parts", _ints(flat)),
        ("name_record", _ints(contents.name_record)), ("records", _json(records)),
    ]
    table, pos = [], 0
    for name, raw in sections:
        table.append({"name": name, "offset": pos, "length": len(raw),
                      "sha256": hashlib.sha256(raw).hexdigest()})
        pos += len(raw)
    header = _json({"format": FORMAT, "version": VERSION, "config": config.to_dict(),
                    "analyzer": analyzer_fingerprint(),
                    "counts": {"records": len(records), "names": len(names),
                               "parts": len(parts), "groups": len(groups)},
                    "sections": table})
    tmp = f"{path}.tmp"
    with open(tmp, "wb") as fh:
        fh.write(MAGIC)
        fh.write(struct.pack("<Q", len(header)))
        fh.write(header)
        for _, raw in sections:
            fh.write(raw)
    os.replace(tmp, path)


def _read(path: str) -> tuple[dict[str, Any], bytes] | None:
    """The header and body of a version 2 file (``None``: a gzip file, version 1)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(MAGIC))
            if head[:2] == b"\x1f\x8b":
                return None
            if head != MAGIC:
                raise _bad("not a name index file")
            (hlen,) = struct.unpack("<Q", fh.read(8))
            if hlen > MAX_HEADER:
                raise _bad("not a name index file: header too large")
            header = json.loads(fh.read(hlen))
            body = fh.read()
    except (OSError, ValueError, struct.error, UnicodeDecodeError) as exc:
        raise _bad(f"not a name index file: {exc}") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise _bad("not a name index file")
    if header.get("version") != VERSION:
        raise _bad(f"unsupported index version {header.get('version')!r}")
    return header, body


def load(path: str, make: Callable[[MatchConfig], T], *, config: MatchConfig | None = None
         ) -> T:
    """Read an index written by :func:`save` (or a version 1 file) into ``make(config)``
    (the file's config unless one is given)."""
    read = _read(path)
    if read is None:
        return _load_v1(path, make, config)
    header, body = read
    cfg = config or MatchConfig.from_dict(_config(header.get("config")))
    sections = _sections(header, body)
    if header.get("analyzer") != analyzer_fingerprint():
        return _rebuild(make(cfg), sections)
    enabled = gc.isenabled()
    gc.disable()  # millions of small acyclic objects: no need to scan them while loading
    try:
        index = make(cfg)
        index.restore(_decode(sections))
        return index
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        if isinstance(exc, ValidationError):
            raise
        raise _bad(f"inconsistent name index file: {exc!r}"[:200]) from None
    finally:
        if enabled:
            gc.enable()


def _config(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise _bad("bad config in index file")
    config = dict(raw)
    if isinstance(config.get("role_weights"), dict):
        config["role_weights"] = tuple(config["role_weights"].items())
    elif isinstance(config.get("role_weights"), list):
        config["role_weights"] = tuple(tuple(x) for x in config["role_weights"])
    return config


def _sections(header: dict[str, Any], body: bytes) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    table = header.get("sections")
    if not isinstance(table, list):
        raise _bad("bad section table")
    for entry in table:
        try:
            name, off, length, digest = (entry["name"], int(entry["offset"]),
                                         int(entry["length"]), str(entry["sha256"]))
        except (KeyError, TypeError, ValueError):
            raise _bad("bad section table") from None
        if off < 0 or length < 0 or off + length > len(body):
            raise _bad(f"section {name!r} is truncated")
        raw = body[off:off + length]
        if hashlib.sha256(raw).hexdigest() != digest:
            raise _bad(f"section {name!r} is corrupt (checksum)")
        out[str(name)] = raw
    need = {"groups", "parts", "names_text", "names_folded", "names_particles",
            "name_offsets", "name_parts", "name_record", "records"}
    if not need <= set(out):
        raise _bad(f"missing sections: {', '.join(sorted(need - set(out)))}")
    return out


def _lines(raw: bytes, n: int, name: str) -> list[str]:
    if n == 0:
        return []
    out = raw.decode("utf-8").split("\n")
    if len(out) != n:
        raise _bad(f"section {name}: {len(out)} lines for {n} names")
    return out


def _records(raw: bytes) -> list[tuple[str, Any, Any, Any]]:
    rows = json.loads(raw)
    if not isinstance(rows, list):
        raise _bad("section records: not a list")
    out = []
    for i, row in enumerate(rows):
        if not (isinstance(row, list) and len(row) == 4 and isinstance(row[0], str)
                and row[0].strip()):
            raise _bad(f"section records: bad record {i}")
        out.append((row[0], row[1], row[2] or None, row[3] or None))
    return out


def _rebuild(index: T, sections: dict[str, bytes]) -> T:
    """Written by another analyser version: analyse the stored names again."""
    records = _records(sections["records"])
    owner = _from_ints(sections["name_record"], "name_record")
    texts = _lines(sections["names_text"], len(owner), "names_text")
    names: list[list[str]] = [[] for _ in records]
    for text, r in zip(texts, owner):
        if not 0 <= r < len(records):
            raise _bad("section name_record: record out of range")
        names[r].append(text)
    for (rid, dob, nat, docs), ns in zip(records, names):
        index.add(rid, ns, dob=dob, nationality=nat, documents=docs, skip_invalid_names=True)
    return index


def _decode(sections: dict[str, bytes]) -> Contents:
    """The contents of a version 2 file, every id range-checked, every role, kind and
    script a known one, every record validated as :meth:`NameIndex.add` does."""
    groups = _groups(json.loads(sections["groups"]))
    parts, part_group = _parts(json.loads(sections["parts"]), groups)
    offsets = _from_ints(sections["name_offsets"], "name_offsets")
    flat = _from_ints(sections["name_parts"], "name_parts")
    owner = _from_ints(sections["name_record"], "name_record")
    rows = _records(sections["records"])
    _check_names(offsets, flat, owner, len(parts), len(rows))
    n = len(owner)
    texts = _lines(sections["names_text"], n, "names_text")
    folded = _lines(sections["names_folded"], n, "names_folded")
    particles = _lines(sections["names_particles"], n, "names_particles")
    records = _parsed(rows)
    names: list[NameAnalysis] = []
    name_parts: list[tuple[int, ...]] = []
    for name_id in range(n):
        pids = tuple(flat[offsets[name_id]:offsets[name_id + 1]])
        if all(parts[i].role == "title" for i in pids):
            raise _bad(f"name {name_id}: no name parts")
        pl = particles[name_id]
        names.append(NameAnalysis(texts[name_id], folded[name_id],
                                  tuple(parts[i] for i in pids),
                                  tuple(pl.split(" ")) if pl else ()))
        name_parts.append(pids)
    return Contents(groups, parts, part_group, names, name_parts, list(owner), records)


def _groups(raw: list[Any]) -> list[Group]:
    groups: list[Group] = []
    seen: set[Group] = set()
    for i, g in enumerate(raw):
        forms_raw, script, kind = g
        if script not in SCRIPTS or kind not in KINDS or not forms_raw:
            raise _bad(f"section groups: bad group {i}")
        group = (tuple(Form(str(a), str(b)) for a, b in forms_raw), script, kind)
        if group in seen:
            raise _bad(f"section groups: duplicate group {i}")
        seen.add(group)
        groups.append(group)
    return groups


def _parts(raw: list[Any], groups: list[Group]) -> tuple[list[NamePart], list[int]]:
    parts: list[NamePart] = []
    part_group: list[int] = []
    seen: set[NamePart] = set()
    for i, p in enumerate(raw):
        text, core, kind, role, script, gid = p
        if role not in ROLES or not isinstance(gid, int) or not 0 <= gid < len(groups) \
                or groups[gid][1:] != (script, kind) or not isinstance(text, str) \
                or not isinstance(core, str):
            raise _bad(f"section parts: bad part {i}")
        part = NamePart(text, core, kind, role, script, groups[gid][0])
        if part in seen:
            raise _bad(f"section parts: duplicate part {i}")
        seen.add(part)
        parts.append(part)
        part_group.append(gid)
    return parts, part_group


def _check_names(offsets: array[int], flat: array[int], owner: array[int], n_parts: int,
                 n_records: int) -> None:
    n = len(owner)
    if len(offsets) != n + 1 or offsets[0] != 0 or offsets[-1] != len(flat):
        raise _bad("section name_offsets: does not match the names")
    if any(a >= b for a, b in pairwise(offsets)):
        raise _bad("section name_offsets: a name without parts")
    if flat and (min(flat) < 0 or max(flat) >= n_parts):
        raise _bad("section name_parts: part out of range")
    if n and (min(owner) < 0 or max(owner) >= n_records):
        raise _bad("section name_record: record out of range")


def _parsed(rows: list[tuple[str, Any, Any, Any]]) -> list[tuple[str, Record]]:
    out: list[tuple[str, Record]] = []
    seen: set[str] = set()
    for i, (rid, dob, nat, docs) in enumerate(rows):
        if rid in seen:
            raise _bad(f"section records: duplicate record id {rid[:60]!r}")
        seen.add(rid)
        try:
            out.append((rid, Record(parse_dob(dob), dob, parse_countries(nat),
                                    parse_documents(docs))))
        except ValidationError as exc:
            raise _bad(f"section records: record {i}: {exc.errors}") from None
    return out


def _load_v1(path: str, make: Callable[[MatchConfig], T], config: MatchConfig | None) -> T:
    """Version 1: gzip JSON lines of raw records, re-analysed."""
    try:
        fh = gzip.open(path, "rt", encoding="utf-8")  # noqa: SIM115 (closed by _rows_v1)
        header = json.loads(fh.readline())
    except (OSError, ValueError, EOFError) as exc:
        raise _bad(f"not a name index file: {exc}") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        fh.close()
        raise _bad("not a name index file")
    if header.get("version") != 1:
        fh.close()
        raise _bad(f"unsupported index version {header.get('version')!r}")
    idx = make(config or MatchConfig.from_dict(_config(header.get("config") or {})))
    for rid, names, dob, nat, docs in _rows_v1(fh):
        idx.add(rid, names, dob=dob, nationality=nat or None, documents=docs or None)
    return idx


def _rows_v1(fh: Any) -> Iterator[tuple[str, list[str], Any, list[str], list[str]]]:
    with fh:
        for lineno, line in enumerate(fh, start=2):
            try:
                rid, names, dob, nat, docs = json.loads(line)
            except (ValueError, TypeError):
                raise _bad(f"bad record on line {lineno}") from None
            yield rid, names, dob, nat, docs
