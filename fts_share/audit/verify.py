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
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from fts_share.audit import merkle
from fts_share.audit.entry import canonical_json, leaf_document
from fts_share.audit.errors import VerificationError
from fts_share.audit.heads import SignatureVerifier, verify_tree_head
from fts_share.audit.log import head_from_row
from fts_share.audit.models import AuditEntry, AuditNode, TreeHead

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


def verify_log(session: Session, *, lookup_key: KeyLookup, chunk: int = 20000) -> VerificationReport:
    """Verify the whole log in ``session``; never raises for a bad log, reports it."""
    problems = _Problems()
    leaves = bytearray()
    bad_leaves: list[int] = []
    count = expected = 0
    for position, row in enumerate(_stream_entries(session, chunk)):
        count += 1
        seq = int(row.seq)
        if seq != expected:
            gone = f"entry {expected} is" if seq == expected + 1 else \
                f"entries {expected}..{seq - 1} are"
            problems.entry(expected, f"{gone} missing: expected seq {expected}, got {seq}")
        expected = seq + 1
        recomputed = merkle.leaf_hash(canonical_json(_document(row, seq)))
        stored = bytes(row.leaf_hash)
        if recomputed != stored:
            bad_leaves.append(position)
            _leaf_problem(problems, row, seq, stored, recomputed)
        leaves += recomputed
    levels = _check_nodes(session, leaves, count, bad_leaves, problems, chunk)
    heads, signed = _check_heads(session, levels, count, lookup_key, problems)
    if problems.more:
        problems.items.append(f"... and {problems.more} more problems")
    first = problems.first()
    root = _root(levels, count).hex()
    return VerificationReport(ok=not problems.items, entries=count, tree_size=count, root=root,
                              first_bad_index=first, problems=problems.items,
                              heads_checked=heads, signed_size=signed)


def _stream_entries(session: Session, chunk: int) -> Iterator[Any]:
    cols = AuditEntry.__table__.c
    after = -1
    while True:  # keyset chunks: no long-lived server cursor on either backend
        rows = session.execute(select(AuditEntry.__table__).where(cols.seq > after)
                               .order_by(cols.seq).limit(chunk)).all()
        yield from rows
        if len(rows) < chunk:
            return
        after = rows[-1].seq


def _document(row: Any, seq: int) -> dict[str, Any]:
    return leaf_document(seq=seq, time=row.time, actor=row.actor, action=row.action,
                         object_type=row.object_type, object_id=row.object_id,
                         object_version=row.object_version, partner=row.partner,
                         purpose=row.purpose, legal_basis=row.legal_basis or [],
                         outcome=row.outcome, detail=row.detail)


def _leaf_problem(problems: _Problems, row: Any, seq: int, stored: bytes,
                  recomputed: bytes) -> None:
    for delta, what in ((-1, "inserted"), (1, "deleted")):
        if merkle.leaf_hash(canonical_json(_document(row, seq + delta))) == stored:
            where = seq + delta if delta < 0 else seq
            problems.entry(where, f"entry {seq} holds what was entry {seq + delta}: an entry was "
                                  f"{what} at {where} and the entries after it renumbered")
            return
    problems.entry(seq, f"entry {seq}: its fields do not match its leaf hash "
                        f"(expected {stored.hex()}, got {recomputed.hex()})")


def _check_nodes(session: Session, leaves: bytearray, count: int, bad_leaves: list[int],
                 problems: _Problems, chunk: int) -> list[bytearray]:
    """Build every level from the recomputed leaves; compare with the stored nodes."""
    levels = [leaves]
    level = 0
    bad_below: set[int] = set()  # mismatched node indexes on the level below
    while len(levels[-1]) >= 2 * _H:
        below, level = levels[-1], level + 1
        width = len(below) // (2 * _H)
        built = bytearray()
        for i in range(width):
            built += merkle.node_hash(below[2 * i * _H:(2 * i + 1) * _H],
                                      below[(2 * i + 1) * _H:(2 * i + 2) * _H])
        levels.append(built)
        stored = _stream_level(session, level, chunk)
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


def _stream_level(session: Session, level: int, chunk: int) -> Iterator[tuple[int, bytes]]:
    after = -1
    while True:
        rows = session.execute(select(AuditNode.idx, AuditNode.hash)
                               .where(AuditNode.level == level, AuditNode.idx > after)
                               .order_by(AuditNode.idx).limit(chunk)).all()
        for idx, h in rows:
            yield int(idx), bytes(h)
        if len(rows) < chunk:
            return
        after = int(rows[-1][0])


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
