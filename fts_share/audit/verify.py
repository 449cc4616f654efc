"""Full verification of the audit log from the database (``fts-share audit verify``).

1. Stream every entry in ``seq`` order: the sequence must be contiguous from 0, and each
   entry's leaf hash is recomputed from its fields and compared with the stored one.
   An entry whose fields match its stored hash under seq - 1 (or seq + 1) is reported as
   shifted: an entry was inserted (or deleted) there.
2. Rebuild the Merkle tree from the *recomputed* leaves, level by level, and compare
   every complete subtree with the stored node (the node store serves the proofs).
3. Check every stored signed tree head: its signature (key looked up by key id), its
   size against the log, and its root against the recomputed tree at that size.

The report names the first bad entry. Entry-level evidence (a gap, a leaf that does
not match its fields) is exact; when only nodes or signed heads disagree (the rows were
rewritten consistently), the report gives the first entry of the range that changed.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import json.scanner
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterator

from sqlalchemy import select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from fts_share.audit import merkle
from fts_share.audit.entry import leaf_data, leaf_data_of
from fts_share.audit.errors import VerificationError
from fts_share.audit.heads import SignatureVerifier, verify_tree_head
from fts_share.audit.log import flushed_connection, head_from_row
from fts_share.clock import to_rfc3339
from fts_share.audit.models import TreeHead, node_id, node_position

#: ``lookup_key(key_id)`` -> a signature verifier for that key, or None if unknown.
KeyLookup = Callable[[str], SignatureVerifier | None]
MAX_PROBLEMS = 100
_H = merkle.HASH_SIZE


@dataclass
class VerificationReport:
    """The outcome of :func:`verify_log`."""

    ok: bool
    entries: int
    tree_size: int
    root: str
    first_bad_index: int | None
    problems: list[str] = field(default_factory=list)
    heads_checked: int = 0
    signed_size: int = 0

    def to_json(self) -> dict[str, Any]:
        """The report as a JSON-ready dict."""
        return {"ok": self.ok, "entries": self.entries, "tree_size": self.tree_size,
                "root": self.root, "first_bad_index": self.first_bad_index,
                "problems": list(self.problems), "heads_checked": self.heads_checked,
                "signed_size": self.signed_size}


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []
        self.more = 0
        self.first_entry: int | None = None  # exact, from entry-level evidence
        self.first_range: int | None = None  # from stored nodes
        self.first_head: int | None = None  # from signed heads (the weakest evidence)

    def entry(self, index: int, text: str) -> None:
        self.first_entry = index if self.first_entry is None else min(self.first_entry, index)
        self._add(text)

    def range(self, start: int, text: str) -> None:
        self.first_range = start if self.first_range is None else min(self.first_range, start)
        self._add(text)

    def head(self, start: int, text: str) -> None:
        self.first_head = start if self.first_head is None else min(self.first_head, start)
        self._add(text)

    def first(self) -> int | None:
        for value in (self.first_entry, self.first_range, self.first_head):
            if value is not None:
                return value
        return None

    def other(self, text: str) -> None:
        self._add(text)

    def _add(self, text: str) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(text)
        else:
            self.more += 1


def verify_log(session: Session, *, lookup_key: KeyLookup, chunk: int = 20000,
               workers: int | None = None) -> VerificationReport:
    """Verify the whole log in ``session``; never raises for a bad log, reports it.

    ``workers`` (default: up to 2, the CPUs) bounds the processes that recompute leaf
    hashes; a second one is used for logs of :data:`PARALLEL_MIN` entries or more on a
    database another process can open (see :func:`_leaf_chunks`).
    """
    problems = _Problems()
    connection = flushed_connection(session)
    leaves = bytearray()
    bad_leaves: list[int] = []
    count = expected = 0
    if workers is None:
        workers = min(2, os.cpu_count() or 1)
    for rows, recomputed in _leaf_chunks(connection, chunk, workers):
        joined = b"".join(recomputed)
        n = len(rows)
        if (rows[0][0] == expected and rows[-1][0] == expected + n - 1  # seq is unique
                and joined == b"".join([row[1] for row in rows])):
            leaves += joined  # the whole chunk is contiguous and every leaf matches
            expected += n
            count += n
            continue
        for position, ((seq, stored), leaf) in enumerate(zip(rows, recomputed), start=count):
            stored = bytes(stored) if stored is not None else b""
            if seq != expected:
                gone = f"entry {expected} is" if seq == expected + 1 else \
                    f"entries {expected}..{seq - 1} are"
                problems.entry(expected, f"{gone} missing: expected seq {expected}, got {seq}")
            expected = seq + 1
            if leaf != stored:
                bad_leaves.append(position)
                try:
                    _leaf_problem(problems, _fields(_entry_row(connection, seq)), seq, stored,
                                  leaf)
                except (TypeError, ValueError) as exc:  # a value no append could write
                    problems.entry(seq, f"entry {seq}: unreadable ({exc})")
        leaves += joined
        count += n
    levels = _check_nodes(connection, leaves, count, bad_leaves, problems, chunk)
    heads, signed = _check_heads(session, levels, count, lookup_key, problems)
    if problems.more:
        problems.items.append(f"... and {problems.more} more problems")
    first = problems.first()
    root = _root(levels, count).hex()
    return VerificationReport(ok=not problems.items, entries=count, tree_size=count, root=root,
                              first_bad_index=first, problems=problems.items,
                              heads_checked=heads, signed_size=signed)


#: Logs of at least this many entries get a second process recomputing leaf hashes.
PARALLEL_MIN = 200_000
#: The share of the entries (the last ones) that the second process takes: the first
#: process also rebuilds the tree and compares the stored nodes afterwards.
PARALLEL_SHARE = 0.55

#: The columns read, raw (no SQLAlchemy type processing): ``text()`` statements.
_ENTRY_COLUMNS = ("seq", "time", "actor", "action", "object_type", "object_id",
                  "object_version", "partner", "purpose", "legal_basis", "outcome", "detail",
                  "leaf_hash")
_SELECT_ENTRIES = text(f"SELECT {', '.join(_ENTRY_COLUMNS)} FROM audit_entries "
                       f"WHERE seq > :after AND seq < :end ORDER BY seq LIMIT :n")
_SELECT_ENTRY = text(f"SELECT {', '.join(_ENTRY_COLUMNS)} FROM audit_entries WHERE seq = :seq")
_SELECT_LEAVES = text("SELECT seq, leaf_hash FROM audit_entries "
                      "WHERE seq > :after AND seq < :end ORDER BY seq LIMIT :n")
_SELECT_LAST = text("SELECT max(seq) FROM audit_entries")
_SELECT_NODES = text("SELECT id, hash FROM audit_nodes WHERE id > :after AND id < :end "
                     "ORDER BY id LIMIT :n")
_UNREADABLE = b"\x00" * _H
_NO_END = 2**62


def _stream(connection: Connection, statement: Any, chunk: int, after: int = -1,
            end: int = _NO_END) -> Iterator[list[Any]]:
    """Rows of ``statement`` with ``after < key < end``, in keyset chunks (no long-lived
    server cursor on either backend)."""
    while True:
        rows = connection.execute(statement, {"after": after, "end": end, "n": chunk}).all()
        if rows:
            yield rows
        if len(rows) < chunk:
            return
        after = rows[-1][0]


def _entry_row(connection: Connection, seq: int) -> Any:
    return connection.execute(_SELECT_ENTRY, {"seq": seq}).one()


def _leaf_chunks(connection: Connection, chunk: int, workers: int
                 ) -> Iterator[tuple[list[tuple[int, Any]], list[bytes]]]:
    """Every entry in seq order, a chunk at a time: [(seq, stored leaf)], [recomputed leaf].

    With ``workers`` > 1, a large log, and a database another process can open (a
    SQLite file, a PostgreSQL server), a spawned process recomputes the leaves of the
    last :data:`PARALLEL_SHARE` of the entries (those below this transaction's size) on
    its own connection while this one does the first part; this one then reads only the
    seq and stored leaf of that part and takes the worker's hashes for every chunk whose
    seqs are exactly the worker's (entries are append-only). Any other chunk (rows that
    changed or appeared in between) is recomputed here, and so is the whole part if the
    worker fails (e.g. a program without the ``if __name__ == "__main__"`` guard that
    spawning needs, or a database it cannot open).
    """
    url = _shareable_url(connection) if workers > 1 else None
    last = connection.execute(_SELECT_LAST).scalar() if url else None
    if last is None or last + 1 < PARALLEL_MIN:
        for rows in _stream(connection, _SELECT_ENTRIES, chunk):
            yield [(row[0], row[12]) for row in rows], _recompute(rows)
        return
    end = int(last) + 1
    split = int(end * (1 - PARALLEL_SHARE))
    context = multiprocessing.get_context("spawn")  # never fork open DB connections
    pool = ProcessPoolExecutor(max_workers=1, mp_context=context)
    try:
        future = pool.submit(_recompute_range, url, split - 1, end, chunk)
        for rows in _stream(connection, _SELECT_ENTRIES, chunk, end=split):
            yield [(row[0], row[12]) for row in rows], _recompute(rows)
        try:
            seqs, hashes = future.result()
        except Exception:  # noqa: BLE001 - the worker could not run: its part is done here
            seqs, hashes = [], []
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    done = 0
    for light in _stream(connection, _SELECT_LEAVES, chunk, after=split - 1):
        n = len(light)
        if [row[0] for row in light] == seqs[done:done + n]:
            yield [(row[0], row[1]) for row in light], hashes[done:done + n]
            done += n
        else:
            rows = connection.execute(_SELECT_ENTRIES, {"after": light[0][0] - 1,
                                                        "end": light[-1][0] + 1, "n": n}).all()
            yield [(row[0], row[12]) for row in rows], _recompute(rows)


def _shareable_url(connection: Connection) -> str | None:
    """The URL another process can open the same database with, or None (in memory)."""
    url = connection.engine.url
    backend = url.get_backend_name()
    if backend == "postgresql" or (backend == "sqlite" and url.database
                                   and url.database != ":memory:"
                                   and not url.database.startswith("file:")):
        return url.render_as_string(hide_password=False)
    return None


def _recompute_range(url: str, after: int, end: int, chunk: int) -> tuple[list[int], list[bytes]]:
    """In the worker process: the seqs and recomputed leaves of entries after < seq < end."""
    from fts_share.storage.db import make_engine

    engine = make_engine(url, readonly=True)
    seqs: list[int] = []
    hashes: list[bytes] = []
    try:
        with engine.connect() as connection:
            for rows in _stream(connection, _SELECT_ENTRIES, chunk, after=after, end=end):
                seqs.extend(row[0] for row in rows)
                hashes.extend(_recompute(rows))
    finally:
        engine.dispose()
    return seqs, hashes


def _recompute(rows: list[Any]) -> list[bytes]:
    """The leaf hash of each raw row, recomputed from its fields.

    The common case costs a few C calls per row: the raw time and JSON texts are
    decoded and handed positionally to :func:`~fts_share.audit.entry.leaf_data_of`.
    A row it refuses goes through :func:`_fields` and the general
    :func:`~fts_share.audit.entry.leaf_data`; a row that cannot be read at all gets
    :data:`_UNREADABLE`, which matches no stored hash (the caller reports it).
    """
    sha256, loads = hashlib.sha256, _strict_json
    fromisoformat, prefix = datetime.fromisoformat, merkle.LEAF_PREFIX
    out: list[bytes] = []
    for row in rows:
        (seq, when, actor, action, object_type, object_id, object_version, partner, purpose,
         legal, outcome, detail, _stored) = row
        try:
            if type(when) is str:
                when = fromisoformat(when)
            # SQLite keeps UTC without an offset; PostgreSQL returns an aware datetime.
            when = (when.isoformat(timespec="microseconds") + "Z" if when.tzinfo is None
                    else to_rfc3339(when))
            if type(legal) is str:
                legal = loads(legal)
            if type(detail) is str:
                detail = loads(detail)
            data = leaf_data_of(seq, when, actor, action, object_type, object_id,
                                object_version, partner, purpose, legal or [], outcome, detail)
        except (TypeError, ValueError, AttributeError):
            try:
                data = leaf_data(seq=seq, **_fields(row))
            except (TypeError, ValueError):
                out.append(_UNREADABLE)
                continue
        h = sha256(prefix)
        h.update(data)
        out.append(h.digest())
    return out


_scan_json = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[attr-defined]


def _strict_json(text: str) -> Any:
    """A JSON text exactly as the column type writes it (no surrounding whitespace).

    The C scanner without ``json.loads``'s wrappers; anything else raises ValueError
    and the row is decoded the general way (:func:`_fields`).
    """
    try:
        value, end = _scan_json(text, 0)
    except StopIteration:
        raise ValueError("not JSON") from None
    if end != len(text):
        raise ValueError("extra data after the JSON value")
    return value


def _fields(row: Any) -> dict[str, Any]:
    """The leaf fields of a raw row, decoded as the table's column types would.

    SQLite returns the time as ISO text (UTC, naive) and JSON as text; PostgreSQL
    drivers return an aware datetime and may return JSON decoded already.
    """
    when = row[1]
    if isinstance(when, str):
        when = datetime.fromisoformat(when)
    if not isinstance(when, datetime):
        raise TypeError(f"time is a {type(when).__name__}")
    when = when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when
    legal, detail = row[9], row[11]
    if isinstance(legal, str):
        legal = json.loads(legal)
    if isinstance(detail, str):
        detail = json.loads(detail)
    return dict(time=when, actor=row[2], action=row[3], object_type=row[4], object_id=row[5],
                object_version=row[6], partner=row[7], purpose=row[8],
                legal_basis=legal or [], outcome=row[10], detail=detail)


def _leaf_problem(problems: _Problems, fields: dict[str, Any], seq: int, stored: bytes,
                  recomputed: bytes) -> None:
    for delta, what in ((-1, "inserted"), (1, "deleted")):
        if merkle.leaf_hash(leaf_data(seq=seq + delta, **fields)) == stored:
            where = seq + delta if delta < 0 else seq
            problems.entry(where, f"entry {seq} holds what was entry {seq + delta}: an entry was "
                                  f"{what} at {where} and the entries after it renumbered")
            return
    problems.entry(seq, f"entry {seq}: its fields do not match its leaf hash "
                        f"(expected {stored.hex()}, got {recomputed.hex()})")


def _build_level(below: bytearray) -> bytearray:
    """The complete parents of a level: HASH(0x01 || left || right) for each pair."""
    sha256, prefix = hashlib.sha256, merkle.NODE_PREFIX
    view = memoryview(below)
    built = bytearray()
    for i in range(0, (len(below) // (2 * _H)) * 2 * _H, 2 * _H):
        h = sha256(prefix)
        h.update(view[i:i + 2 * _H])
        built += h.digest()
    return built


def _check_nodes(connection: Connection, leaves: bytearray, count: int, bad_leaves: list[int],
                 problems: _Problems, chunk: int) -> list[bytearray]:
    """Build every level from the recomputed leaves; compare with the stored nodes.

    A level whose stored nodes are exactly the built ones (ids contiguous, hashes equal)
    is checked in bulk, one comparison per chunk; any other level is walked node by node
    to name what differs.
    """
    levels = [leaves]
    level = 0
    bad_below: set[int] = set()  # mismatched node indexes on the level below
    while len(levels[-1]) >= 2 * _H:
        level += 1
        built = _build_level(levels[-1])
        levels.append(built)
        if _level_matches(connection, level, built, chunk):
            bad_below = set()
            continue
        width = len(built) // _H
        stored = _stream_level(connection, level, chunk)
        bad_here: set[int] = set()
        for idx in range(width):
            got = next(stored, None)
            if got is not None and got[0] != idx:
                stored = _push_back(got, stored)
                got = None
            first, last = idx << level, ((idx + 1) << level) - 1
            want = bytes(built[idx * _H:(idx + 1) * _H])
            if got is not None and got[1] == want or _touches(bad_leaves, first, last):
                continue
            bad_here.add(idx)
            text = (f"stored node (level {level}, index {idx}) over entries {first}..{last}: "
                    f"expected {want.hex()}, got {got[1].hex() if got else 'none'}")
            if {2 * idx, 2 * idx + 1} & bad_below:
                problems.other(text)  # a lower node already narrows it down
            else:
                problems.range(first, text)
        bad_below = bad_here
        for extra in stored:
            if extra[0] >= width:
                problems.range(count, f"stored node (level {level}, index {extra[0]}) lies beyond "
                                      f"the {count} entries of the log")
    return levels


def _level_rows(connection: Connection, level: int, chunk: int) -> Iterator[list[Any]]:
    after, end = node_id(level, 0) - 1, node_id(level + 1, 0)
    while True:
        rows = connection.execute(_SELECT_NODES, {"after": after, "end": end, "n": chunk}).all()
        if rows:
            yield rows
        if len(rows) < chunk:
            return
        after = rows[-1][0]


def _level_matches(connection: Connection, level: int, built: bytearray, chunk: int) -> bool:
    """True if the stored level holds exactly the nodes of ``built``, in order."""
    width = len(built) // _H
    base, done = node_id(level, 0), 0
    for rows in _level_rows(connection, level, chunk):
        n = len(rows)
        if (done + n > width or rows[0][0] != base + done or rows[-1][0] != base + done + n - 1
                or b"".join(r[1] for r in rows) != built[done * _H:(done + n) * _H]):
            return False  # ids are unique and increasing: first and last fix the run
        done += n
    return done == width


def _stream_level(connection: Connection, level: int, chunk: int) -> Iterator[tuple[int, bytes]]:
    for rows in _level_rows(connection, level, chunk):
        for node, h in rows:
            yield node_position(int(node))[1], bytes(h)


def _push_back(item: tuple[int, bytes], rest: Iterator[tuple[int, bytes]]
               ) -> Iterator[tuple[int, bytes]]:
    yield item
    yield from rest


def _touches(bad: list[int], first: int, last: int) -> bool:
    i = bisect.bisect_left(bad, first)
    return i < len(bad) and bad[i] <= last


def _root(levels: list[bytearray], size: int) -> bytes:
    if size == 0:
        return merkle.EMPTY_ROOT
    cover = merkle.subtree_cover(0, size)
    return merkle.fold_cover([bytes(levels[lvl][idx * _H:(idx + 1) * _H]) for lvl, idx in cover])


def _check_heads(session: Session, levels: list[bytearray], count: int, lookup_key: KeyLookup,
                 problems: _Problems) -> tuple[int, int]:
    rows = session.scalars(select(TreeHead).order_by(TreeHead.size, TreeHead.id)).all()
    good_size = 0
    signed = 0
    for row in rows:
        label = f"signed tree head #{row.id} (size {row.size}, time {row.time.isoformat()})"
        try:
            head = head_from_row(row)
        except (VerificationError, ValueError) as exc:
            problems.other(f"{label}: unreadable: {exc}")
            continue
        verify = lookup_key(head.key_id)
        if verify is None:
            problems.other(f"{label}: expected a known key, got unknown key id {head.key_id}")
            continue
        try:
            verify_tree_head(head, verify)
        except VerificationError as exc:
            problems.other(f"{label}: the stored head was altered or forged: {exc}")
            continue
        if head.size > count:
            problems.head(count, f"{label}: expected at least {head.size} entries, got {count} "
                                  f"(entries {count}..{head.size - 1} are missing)")
            continue
        want = _root(levels, head.size)
        if want != head.root:
            problems.head(good_size, f"{label}: expected root {head.root.hex()}, got "
                                      f"{want.hex()} recomputed from the entries; something in "
                                      f"entries {good_size}..{head.size - 1} changed")
            continue
        good_size = max(good_size, head.size)
        signed = max(signed, head.size)
    return len(rows), signed
