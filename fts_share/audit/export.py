"""Streaming exports of the log for reviewers: CSV and JSON Lines.

Both are generators of text chunks (one line each), reading the log in keyset pages, so
a million entries export in constant memory. The filters are those of
:class:`~fts_share.audit.query.EntryQuery` (its ``cursor`` and ``limit`` are ignored).
Exporting is itself an action: the caller records an ``export`` entry.

The JSON Lines export is exact (:func:`~fts_share.audit.query.entry_to_json`, with the
leaf hash, so anyone can check an entry's inclusion proof). The CSV export is for
spreadsheets: ``legal_basis`` is joined with ``;``, ``detail`` is compact JSON, and
cells that a spreadsheet would run as a formula (starting with = + - @, tab or CR) get
a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import replace

from fts_share.audit.query import EntryQuery, entry_to_json, list_entries
from fts_share.audit.store import AuditStore

CSV_COLUMNS = ("seq", "time", "actor", "action", "object_type", "object_id", "object_version",
               "partner", "purpose", "legal_basis", "outcome", "detail", "leaf_hash")
PAGE = 1000


def _entries(store: AuditStore, query: EntryQuery | None) -> Iterator[dict[str, object]]:
    query = replace(query or EntryQuery(), cursor=None, limit=PAGE)
    while True:
        page = list_entries(store, query)
        for entry in page.entries:
            yield entry_to_json(entry)
        if page.next_cursor is None:
            return
        query = replace(query, cursor=page.next_cursor)


def export_jsonl(store: AuditStore, query: EntryQuery | None = None, *,
                 size: int | None = None) -> Iterator[str]:
    """One JSON object per line, in ``seq`` order (only seqs below ``size``, if given)."""
    for doc in _entries(store, query):
        if size is not None and int(doc["seq"]) >= size:  # type: ignore[call-overload]
            return
        yield json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


def export_csv(store: AuditStore, query: EntryQuery | None = None) -> Iterator[str]:
    """A header line, then one CSV line per entry (RFC 4180, CRLF line ends)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells: list[str]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(cells)
        return buffer.getvalue()

    yield line(list(CSV_COLUMNS))
    for doc in _entries(store, query):
        cells = []
        for name in CSV_COLUMNS:
            value = doc[name]
            if name == "legal_basis":
                text = ";".join(str(v) for v in value)  # type: ignore[attr-defined]
            elif name == "detail":
                text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            else:
                text = "" if value is None else str(value)
            cells.append(_defuse(text))
        yield line(cells)


def _defuse(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
