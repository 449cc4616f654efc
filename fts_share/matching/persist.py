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
from collections import Counter
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Iterator

from fts_share.errors import ValidationError

if TYPE_CHECKING:
    from fts_share.matching.config import MatchConfig
    from fts_share.matching.index import NameIndex

FORMAT = "fts-share-name-index"
VERSION = 2
MAGIC = b"FTS-NAME-INDEX\n"
KINDS = frozenset({"plain", "kunya", "abd", "din", "allah", "title"})
ROLES = frozenset({"given", "father", "family", "kunya", "nisba", "laqab", "title"})
SCRIPTS = frozenset({"arabic", "latin"})
MAX_HEADER = 1 << 20

#: probe names whose analysis fingerprints the analyser version
_PROBES = (
    "Abu Bakr al-Baghdadi", "أبو بكر البغدادي", "IBRAHIM AWWAD IBRAHIM ALI AL-BADRI",
    "Abd al-Rahman bin Muhammad", "عبدالرحمن", "Salahuddin Nasrallah", "صلاح الدين",
    "Dr. Ayman al-Zawahiri", "الشيخ أيمن الظواهري", "Khalid Sheikh Mohammed",
    "Binalshibh Ramzi", "Abdelkader Zidane", "ضياء الدين", "Thamer Dhiyab", "Oussama",
    "Mullah Omar", "ملا عمر", "Hajji Khan", "يوسف القرضاوي", "Fatimah Zahra",
)


def _bad(message: str) -> ValidationError:
    return ValidationError({"path": [message]})


@lru_cache(maxsize=1)
def analyzer_fingerprint() -> str:
    """A hash of what the current name analysis makes of a fixed set of names."""
    from fts_share.matching.analysis import analyze_name
    doc = [analyze_name(n).to_dict() for n in _PROBES]
    return hashlib.sha256(json.dumps(doc, ensure_ascii=False, sort_keys=True)
                          .encode()).hexdigest()[:32]


def _ints(values: Any) -> bytes:
    arr = array("i", values)
    if sys.byteorder != "little":
        arr.byteswap()
    return arr.tobytes()


def _from_ints(raw: bytes, name: str) -> array:
    if len(raw) % 4:
        raise _bad(f"section {name}: not an int32 array")
    arr = array("i")
    arr.frombytes(raw)
    if sys.byteorder != "little":
        arr.byteswap()
    return arr


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def save(path: str, index: "NameIndex") -> None:
    """Write ``index`` to ``path`` (atomically, via a temporary file)."""
    groups = [[[list(f) for f in forms], script, kind] for forms, script, kind in index._groups]
    group_of = index._part_group
    parts = [[p.text, p.core, p.kind, p.role, p.script, group_of[i]]
             for i, p in enumerate(index._parts)]
    part_id = index._part_id
    records: list[list[Any]] = []
    texts: list[str] = []
    folded: list[str] = []
    particles: list[str] = []
    offsets = [0]
    flat: list[int] = []
    name_record: list[int] = []
    for rid, rec in index._records.items():
        for name_id in rec.names:
            analysis = index._names[name_id]
            if analysis is None:
                continue
            texts.append(analysis.text)
            folded.append(analysis.folded)
            particles.append(" ".join(analysis.particles))
            flat.extend(part_id[p] for p in analysis.parts)
            offsets.append(len(flat))
            name_record.append(len(records))
        records.append([rid, rec.dob_raw, list(rec.nationality), list(rec.documents)])
    sections = [
        ("groups", _json(groups)), ("parts", _json(parts)),
        ("names_text", "\n".join(texts).encode()),
        ("names_folded", "\n".join(folded).encode()),
        ("names_particles", "\n".join(particles).encode()),
        ("name_offsets", _ints(offsets)), ("name_parts", _ints(flat)),
        ("name_record", _ints(name_record)), ("records", _json(records)),
    ]
    table, pos = [], 0
    for name, raw in sections:
        table.append({"name": name, "offset": pos, "length": len(raw),
                      "sha256": hashlib.sha256(raw).hexdigest()})
        pos += len(raw)
    header = _json({"format": FORMAT, "version": VERSION, "config": index.config.to_dict(),
                    "analyzer": analyzer_fingerprint(),
                    "counts": {"records": len(records), "names": len(texts),
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


def load(cls: "type[NameIndex]", path: str, *, config: "MatchConfig | None" = None
         ) -> "NameIndex":
    """Read an index written by :func:`save` (or a version 1 file)."""
    from fts_share.matching.config import MatchConfig
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(MAGIC))
            if head[:2] == b"\x1f\x8b":
                return _load_v1(cls, path, config)
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
    cfg = config or MatchConfig.from_dict(_config(header.get("config")))
    sections = _sections(header, body)
    if header.get("analyzer") != analyzer_fingerprint():
        return _rebuild(cls, cfg, sections)
    enabled = gc.isenabled()
    gc.disable()  # millions of small acyclic objects: no need to scan them while loading
    try:
        return _restore(cls, cfg, sections)
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


def _rebuild(cls: "type[NameIndex]", cfg: "MatchConfig", sections: dict[str, bytes]
             ) -> "NameIndex":
    """Written by another analyser version: analyse the stored names again."""
    records = _records(sections["records"])
    owner = _from_ints(sections["name_record"], "name_record")
    texts = _lines(sections["names_text"], len(owner), "names_text")
    names: list[list[str]] = [[] for _ in records]
    for text, r in zip(texts, owner):
        if not 0 <= r < len(records):
            raise _bad("section name_record: record out of range")
        names[r].append(text)
    idx = cls(config=cfg)
    for (rid, dob, nat, docs), ns in zip(records, names):
        idx.add(rid, ns, dob=dob, nationality=nat, documents=docs, skip_invalid_names=True)
    return idx


def _restore(cls: "type[NameIndex]", cfg: "MatchConfig", sections: dict[str, bytes]
             ) -> "NameIndex":
    from fts_share.matching.analysis import NameAnalysis, NamePart
    from fts_share.matching.bridge import Form
    from fts_share.matching.evidence import parse_countries, parse_documents, parse_dob
    from fts_share.matching.index import _Record, part_keys

    idx = cls(config=cfg)
    # groups and parts
    for i, g in enumerate(json.loads(sections["groups"])):
        forms_raw, script, kind = g
        if script not in SCRIPTS or kind not in KINDS or not forms_raw:
            raise _bad(f"section groups: bad group {i}")
        forms = tuple(Form(str(a), str(b)) for a, b in forms_raw)
        if (forms, script, kind) in idx._group_id:
            raise _bad(f"section groups: duplicate group {i}")
        probe = NamePart("", "", kind, "given", script, forms)
        idx._new_group((forms, script, kind), part_keys(probe))
    groups = idx._groups
    for i, p in enumerate(json.loads(sections["parts"])):
        text, core, kind, role, script, gid = p
        if role not in ROLES or not isinstance(gid, int) or not 0 <= gid < len(groups) \
                or groups[gid][1:] != (script, kind) or not isinstance(text, str) \
                or not isinstance(core, str):
            raise _bad(f"section parts: bad part {i}")
        part = NamePart(text, core, kind, role, script, groups[gid][0])
        if part in idx._part_id:
            raise _bad(f"section parts: duplicate part {i}")
        idx._file_part(part, gid)
    parts = idx._parts
    # names
    offsets = _from_ints(sections["name_offsets"], "name_offsets")
    flat = _from_ints(sections["name_parts"], "name_parts")
    owner = _from_ints(sections["name_record"], "name_record")
    n = len(owner)
    records = _records(sections["records"])
    if len(offsets) != n + 1 or offsets[0] != 0 or offsets[-1] != len(flat):
        raise _bad("section name_offsets: does not match the names")
    if any(a >= b for a, b in zip(offsets, offsets[1:])):
        raise _bad("section name_offsets: a name without parts")
    if flat and (min(flat) < 0 or max(flat) >= len(parts)):
        raise _bad("section name_parts: part out of range")
    if n and (min(owner) < 0 or max(owner) >= len(records)):
        raise _bad("section name_record: record out of range")
    texts = _lines(sections["names_text"], n, "names_text")
    folded = _lines(sections["names_folded"], n, "names_folded")
    particles = _lines(sections["names_particles"], n, "names_particles")
    recs: list[_Record] = []
    seen: set[str] = set()
    for i, (rid, dob, nat, docs) in enumerate(records):
        if rid in seen:
            raise _bad(f"section records: duplicate record id {rid[:60]!r}")
        seen.add(rid)
        try:
            recs.append(_Record([], [], parse_dob(dob), dob, parse_countries(nat),
                                parse_documents(docs)))
        except ValidationError as exc:
            raise _bad(f"section records: record {i}: {exc.errors}") from None
    rid_list = [r[0] for r in records]
    for name_id in range(n):
        pids = tuple(flat[offsets[name_id]:offsets[name_id + 1]])
        if all(parts[i].role == "title" for i in pids):
            raise _bad(f"name {name_id}: no name parts")
        pl = particles[name_id]
        r = owner[name_id]
        idx._file_name(rid_list[r], NameAnalysis(texts[name_id], folded[name_id],
                                                 tuple(parts[i] for i in pids),
                                                 tuple(pl.split(" ")) if pl else ()), pids)
        recs[r].names.append(name_id)
        recs[r].texts.append(texts[name_id])
    for rid, rec in zip(rid_list, recs):
        idx._records[rid] = rec
        for doc in rec.documents:
            idx._doc_index.setdefault(doc, set()).add(rid)
    return idx


def _load_v1(cls: "type[NameIndex]", path: str, config: "MatchConfig | None") -> "NameIndex":
    """Version 1: gzip JSON lines of raw records, re-analysed."""
    from fts_share.matching.config import MatchConfig
    try:
        fh = gzip.open(path, "rt", encoding="utf-8")
        header = json.loads(fh.readline())
    except (OSError, ValueError, EOFError) as exc:
        raise _bad(f"not a name index file: {exc}") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        fh.close()
        raise _bad("not a name index file")
    if header.get("version") != 1:
        fh.close()
        raise _bad(f"unsupported index version {header.get('version')!r}")
    idx = cls(config=config or MatchConfig.from_dict(_config(header.get("config") or {})))
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
