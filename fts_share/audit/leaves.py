"""Leaf hashes recomputed from raw entry rows, as the verifier needs them (fast).

A raw row is the :data:`~fts_share.audit.store.ENTRY_COLUMNS` as the database driver
returns them: SQLite gives the time as ISO text (UTC, naive) and JSON as text;
PostgreSQL drivers give an aware datetime and may give JSON decoded already.
"""

from __future__ import annotations

import hashlib
import json
import json.scanner
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from fts_share.audit import merkle
from fts_share.audit.entry import leaf_data, leaf_data_of
from fts_share.audit.store import EntryReader, RawEntry
from fts_share.clock import to_rfc3339

#: The recomputed "hash" of a row that cannot be read: it matches no stored hash.
UNREADABLE = b"\x00" * merkle.HASH_SIZE


def recompute(rows: Sequence[RawEntry]) -> list[bytes]:
    """The leaf hash of each raw row, recomputed from its fields.

    The common case costs a few C calls per row: the raw time and JSON texts are
    decoded and handed positionally to :func:`~fts_share.audit.entry.leaf_data_of`.
    A row it refuses goes through :func:`entry_fields` and the general
    :func:`~fts_share.audit.entry.leaf_data`; a row that cannot be read at all gets
    :data:`UNREADABLE` (the caller reports it).
    """
    sha256, prefix = hashlib.sha256, merkle.LEAF_PREFIX
    out: list[bytes] = []
    for row in rows:
        try:
            data = _fast_leaf_data(row)
        except (TypeError, ValueError, AttributeError):
            try:
                data = leaf_data(seq=row[0], **entry_fields(row))
            except (TypeError, ValueError):
                out.append(UNREADABLE)
                continue
        h = sha256(prefix)
        h.update(data)
        out.append(h.digest())
    return out


def _fast_leaf_data(row: RawEntry) -> bytes:
    """The leaf data of a row whose columns are as the column types write them."""
    (seq, when, actor, action, object_type, object_id, object_version, partner, purpose,
     legal, outcome, detail, _stored) = row
    if type(when) is str:
        when = datetime.fromisoformat(when)
    # SQLite keeps UTC without an offset; PostgreSQL returns an aware datetime.
    when = (when.isoformat(timespec="microseconds") + "Z" if when.tzinfo is None
            else to_rfc3339(when))
    if type(legal) is str:
        legal = _strict_json(legal)
    if type(detail) is str:
        detail = _strict_json(detail)
    return leaf_data_of(seq, when, actor, action, object_type, object_id, object_version,
                        partner, purpose, legal or [], outcome, detail)


_scan_json: Callable[[str, int], tuple[Any, int]] = json.scanner.make_scanner(
    json.JSONDecoder())  # type: ignore[arg-type]


def _strict_json(text: str) -> Any:
    """A JSON text exactly as the column type writes it (no surrounding whitespace).

    The C scanner without ``json.loads``'s wrappers; anything else raises ValueError
    and the row is decoded the general way (:func:`entry_fields`).
    """
    try:
        value, end = _scan_json(text, 0)
    except StopIteration:
        raise ValueError("not JSON") from None
    if end != len(text):
        raise ValueError("extra data after the JSON value")
    return value


def entry_fields(row: RawEntry) -> dict[str, Any]:
    """The leaf fields of a raw row (all but ``seq``), decoded as the table's column
    types would; raises ``TypeError`` or ``ValueError`` for a row no append could write."""
    when = row[1]
    if isinstance(when, str):
        when = datetime.fromisoformat(when)
    if not isinstance(when, datetime):
        raise TypeError(f"time is a {type(when).__name__}")
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when
    legal, detail = row[9], row[11]
    if isinstance(legal, str):
        legal = json.loads(legal)
    if isinstance(detail, str):
        detail = json.loads(detail)
    return {"time": when, "actor": row[2], "action": row[3], "object_type": row[4],
            "object_id": row[5], "object_version": row[6], "partner": row[7],
            "purpose": row[8], "legal_basis": legal or [], "outcome": row[10],
            "detail": detail}


def recompute_range(reader: EntryReader, after: int, end: int,
                    chunk: int) -> tuple[list[int], list[bytes]]:
    """In a worker process: the seqs and recomputed leaves of entries after < seq < end."""
    seqs: list[int] = []
    hashes: list[bytes] = []
    for rows in reader(after, end, chunk):
        seqs.extend(row[0] for row in rows)
        hashes.extend(recompute(rows))
    return seqs, hashes
