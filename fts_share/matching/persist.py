"""The on-disk format of a ``NameIndex``: versioned, gzip-compressed JSON lines.

Safe to read from an untrusted file: nothing but JSON is parsed (no pickle), and the
index is rebuilt from the stored records, so a file cannot inject keys or weights
that the records do not imply. Line 1 is a header
``{"format": "fts-share-name-index", "version": 1, "config": {...}, "records": N}``;
every further line is one record ``[id, names, dob, nationalities, documents]``.
"""

from __future__ import annotations

import gzip
import json
from typing import Any, Iterable, Iterator

from fts_share.errors import ValidationError

FORMAT = "fts-share-name-index"
VERSION = 1

RecordRow = tuple[str, list[str], Any, list[str], list[str]]


def save(path: str, config: dict[str, Any], records: Iterable[RecordRow]) -> None:
    """Write a header and the records to ``path`` (atomically, via a temp file)."""
    rows = list(records)
    tmp = f"{path}.tmp"
    with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=5) as fh:
        fh.write(json.dumps({"format": FORMAT, "version": VERSION, "config": config,
                             "records": len(rows)}) + "\n")
        for row in rows:
            fh.write(json.dumps(list(row), ensure_ascii=False, default=str) + "\n")
    import os
    os.replace(tmp, path)


def load(path: str) -> tuple[dict[str, Any], Iterator[RecordRow]]:
    """Read the header (checked) and return the config and a record iterator."""
    try:
        fh = gzip.open(path, "rt", encoding="utf-8")
        header = json.loads(fh.readline())
    except (OSError, ValueError, EOFError) as exc:
        raise ValidationError({"path": [f"not a name index file: {exc}"]}) from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        fh.close()
        raise ValidationError({"path": ["not a name index file"]})
    if header.get("version") != VERSION:
        fh.close()
        raise ValidationError({"path": [f"unsupported index version {header.get('version')!r}"]})
    config = header.get("config") or {}
    if isinstance(config.get("role_weights"), dict):
        config["role_weights"] = tuple(config["role_weights"].items())
    elif isinstance(config.get("role_weights"), list):
        config["role_weights"] = tuple(tuple(x) for x in config["role_weights"])
    return config, _rows(fh)


def _rows(fh: Any) -> Iterator[RecordRow]:
    with fh:
        for lineno, line in enumerate(fh, start=2):
            try:
                rid, names, dob, nat, docs = json.loads(line)
            except (ValueError, TypeError):
                raise ValidationError({"path": [f"bad record on line {lineno}"]}) from None
            yield rid, names, dob, nat, docs
