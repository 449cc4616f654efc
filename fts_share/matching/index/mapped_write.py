"""Writing a ``NameIndex`` as a mapped snapshot (``mapfile`` sections read by
``mapped.MappedIndex``): the numpy snapshot the queries scan (``snapshot.Arrays``)
as it is, and everything else a search reads (groups, neighbourhoods, index keys,
parts, names, records, documents, rarity counts) as flat arrays and string tables.
Name and group ids are those of the index, so a search over the file runs the same
steps as over the index. See docs/matching.md, section 5.5."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from fts_share.matching.config import MatchConfig
from fts_share.matching.index import mapfile
from fts_share.matching.index.groups import KINDS, Group
from fts_share.matching.scoring.fingerprint import analyzer_fingerprint

if TYPE_CHECKING:
    from fts_share.matching.index.name_index import NameIndex

#: the vocabularies of small-integer columns (and ``groups.KINDS``)
ROLES = ("given", "father", "family", "kunya", "nisba", "laqab", "title")
SCRIPTS = ("arabic", "latin")
ARRAYS = ("part_group", "part_weight", "part_given", "name_start", "name_len", "flat_pids",
          "flat_groups", "flat_weights", "post_len", "fat_start", "fat", "group_head",
          "post_start", "post_mask", "post_at")
#: separators of the flat string forms (never in a folded name)
FORM_SEP, FIELD_SEP, LIST_SEP = "\x1e", "\x1d", "\x1f"


def config_hash(config: MatchConfig) -> str:
    """A fingerprint of a match configuration (a snapshot made under another is
    refused). The thresholds are left out: they are applied when searching, so a node
    whose operator moves one keeps its snapshots."""
    options = {k: v for k, v in config.to_dict().items()
               if k not in ("threshold", "search_threshold")}
    doc = json.dumps(options, sort_keys=True, default=str)
    return hashlib.sha256(doc.encode()).hexdigest()[:32]


def group_text(group: Group) -> str:
    """A group as one string (its key in the file's group index)."""
    forms, script, kind = group
    return FIELD_SEP.join((LIST_SEP.join(FORM_SEP.join(f) for f in forms), script, kind))


def csr(rows: Sequence[Any], dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    """Row starts (one more than rows) and the rows' values (sequences) end to end."""
    start = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum([len(r) for r in rows], out=start[1:])
    flat = np.fromiter((v for r in rows for v in r), dtype=dtype, count=int(start[-1]))
    return start, flat


def write_mapped(index: NameIndex, path: str, *, sequence: int = 0,
                 gaps: Sequence[int] = (), notes: dict[str, Any] | None = None) -> None:
    """Write ``index`` to ``path`` as a mapped snapshot, atomically; ``sequence``: the
    last change of the store it covers, ``gaps``: the numbers below it it may lack,
    ``notes``: what its owner keeps with it (JSON; read back as ``MappedIndex.sequence``,
    ``gaps`` and ``notes``)."""
    arrays = index.arrays()
    sections: dict[str, np.ndarray] = {f"arrays.{n}": getattr(arrays, n) for n in ARRAYS}
    groups, table = index.groups, index.groups.table
    for name, col in zip(("codes", "start", "first", "count", "arabic", "kind", "full_id"),
                         table._table()):
        sections[f"table.{name}"] = col
    sections.update(mapfile.string_sections("fulls", list(table._full_ids), indexed=True))
    sections.update(mapfile.string_sections("groups", [group_text(g) for g in table.groups],
                                            indexed=True))
    keys = list(groups.by_key)
    sections.update(mapfile.string_sections("keys", keys, indexed=True))
    sections["keys.start"], sections["keys.gids"] = csr(
        [groups.by_key[k] for k in keys], np.int32)
    near = [groups.near.of(g) for g in range(len(table.groups))]
    sections["near.start"], sections["near.gids"] = csr([g for g, _ in near], np.int64)
    sections["near.sims"] = np.fromiter((v for _, s in near for v in s.tolist()),
                                        dtype=np.float64, count=len(sections["near.gids"]))
    _parts(index, sections)
    _names(index, sections)
    _records(index, sections)
    meta = {"sequence": int(sequence), "gaps": [int(n) for n in gaps], "notes": notes or {},
            "config": config_hash(index.config),
            "analyzer": analyzer_fingerprint(), "live_names": index.names.live,
            "kinds": dict(table._kinds),
            "counts": {"records": len(index), "names": len(index.names),
                       "groups": len(table.groups), "parts": len(index.parts.items)}}
    mapfile.write_sections(path, meta, sections.items())


def _parts(index: NameIndex, out: dict[str, np.ndarray]) -> None:
    items = index.parts.items
    out.update(mapfile.string_sections("parts.text", [p.text for p in items]))
    out.update(mapfile.string_sections("parts.core", [p.core for p in items]))
    for name, vocab, values in (("kind", KINDS, [p.kind for p in items]),
                                ("role", ROLES, [p.role for p in items]),
                                ("script", SCRIPTS, [p.script for p in items])):
        out[f"parts.{name}"] = np.array([vocab.index(v) for v in values], dtype=np.int8)
    df = [(k, n) for k, n in index.frequencies.df.items() if n > 0]
    out.update(mapfile.string_sections("df", [k for k, _ in df], indexed=True))
    out["df.count"] = np.array([n for _, n in df], dtype=np.int64)
    # what weighing a part again under other statistics needs (an overlay's changes):
    # its key's row of ``df`` (-1: only removed names hold it), each key's built-in rarity
    columns = index.columns  # up to date: ``index.arrays()`` took the parts in
    row = {k: i for i, (k, _) in enumerate(df)}
    out["parts.dfkey"] = np.array([row.get(k, -1) for k in index.parts.dfkey], dtype=np.int32)
    out["df.builtin"] = np.array([columns.key_base[columns.key_ids[k]] for k, _ in df],
                                 dtype=np.float64)


def _names(index: NameIndex, out: dict[str, np.ndarray]) -> None:
    names, part_id = index.names, index.parts.ids
    analyses = names.analysis
    rows = [() if a is None else tuple(part_id[p] for p in a.parts) for a in analyses]
    out["names.parts_start"], out["names.parts"] = csr(rows, np.int32)
    out.update(mapfile.string_sections("names.text", [a.text if a else "" for a in analyses]))
    out.update(mapfile.string_sections("names.folded",
                                       [a.folded if a else "" for a in analyses]))
    out.update(mapfile.string_sections(
        "names.particles", [LIST_SEP.join(a.particles) if a else "" for a in analyses]))
    position = {rid: i for i, rid in enumerate(index.records.by_id)}
    out["names.record"] = np.array([-1 if r is None else position[r] for r in names.record],
                                   dtype=np.int32)


def _records(index: NameIndex, out: dict[str, np.ndarray]) -> None:
    records = index.records
    ids = list(records.by_id)
    rows = list(records.by_id.values())
    out.update(mapfile.string_sections("records", ids, indexed=True))
    out.update(mapfile.string_sections(
        "records.dob", [json.dumps(r.dob_raw, default=str) for r in rows]))
    out.update(mapfile.string_sections("records.nationality",
                                       [LIST_SEP.join(r.nationality) for r in rows]))
    out.update(mapfile.string_sections("records.documents",
                                       [LIST_SEP.join(r.documents) for r in rows]))
    out["records.names_start"], out["records.names"] = csr([r.names for r in rows], np.int32)
    position = {rid: i for i, rid in enumerate(ids)}
    docs = [d for d, holders in records.by_document.items() if holders]
    out.update(mapfile.string_sections("docs", docs, indexed=True))
    out["docs.start"], out["docs.records"] = csr(
        [sorted(position[r] for r in records.by_document[d]) for d in docs], np.int32)
