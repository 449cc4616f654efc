"""Full verification of the audit log from its store (``fts-share audit verify``).

1. Stream every entry in ``seq`` order: the sequence must be contiguous from 0, and each
   entry's leaf hash is recomputed from its fields and compared with the stored one
   (:mod:`fts_share.audit.leaves`). An entry whose fields match its stored hash under
   seq - 1 (or seq + 1) is reported as shifted: an entry was inserted (or deleted) there.
2. Rebuild the Merkle tree from the *recomputed* leaves, level by level, and compare
   every complete subtree with the stored node (:mod:`fts_share.audit.treecheck`).
3. Check every stored signed tree head: its signature (key looked up by key id), its
   size against the log, and its root against the recomputed tree at that size.

The report names the first bad entry. Entry-level evidence (a gap, a leaf that does
not match its fields) is exact; when only nodes or signed heads disagree (the rows were
rewritten consistently), the report gives the first entry of the range that changed.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fts_share.audit import merkle
from fts_share.audit.entry import leaf_data
from fts_share.audit.epochs import RestoreMark, check_attestation
from fts_share.audit.errors import VerificationError
from fts_share.audit.heads import SignatureVerifier, verify_tree_head
from fts_share.audit.leaves import entry_fields, recompute, recompute_range
from fts_share.audit.log import head_from_record
from fts_share.audit.problems import MAX_PROBLEMS, Problems
from fts_share.audit.store import AuditStore, HeadRecord
from fts_share.audit.treecheck import check_nodes, root_of
from fts_share.audit.witness import Witnessed, check_schedule, check_witnessed

__all__ = ["MAX_PROBLEMS", "PARALLEL_MIN", "PARALLEL_SHARE", "KeyLookup", "VerificationReport",
           "verify_log"]

#: ``lookup_key(key_id)`` -> a signature verifier for that key, or None if unknown.
KeyLookup = Callable[[str], SignatureVerifier | None]
#: Logs of at least this many entries get a second process recomputing leaf hashes.
PARALLEL_MIN = 200_000
#: The share of the entries (the last ones) that the second process takes: the first
#: process also rebuilds the tree and compares the stored nodes afterwards.
PARALLEL_SHARE = 0.55
_NO_END = 2**62
#: A chunk of entries: [(seq, stored leaf hash)] and the recomputed leaves.
_Chunk = tuple[list[tuple[int, Any]], list[bytes]]


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
    witnessed_checked: int = 0
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The report as a JSON-ready dict."""
        return {"ok": self.ok, "entries": self.entries, "tree_size": self.tree_size,
                "root": self.root, "first_bad_index": self.first_bad_index,
                "problems": list(self.problems), "heads_checked": self.heads_checked,
                "signed_size": self.signed_size, "witnessed_checked": self.witnessed_checked,
                "warnings": list(self.warnings)}


def verify_log(store: AuditStore, *, lookup_key: KeyLookup, chunk: int = 20000,
               workers: int | None = None, witnessed: Sequence[Witnessed] = (),
               head_every: int = 0, restores: Sequence[RestoreMark] = (),
               node: str = "",
               pending: Callable[[datetime], bool] | None = None) -> VerificationReport:
    """Verify the whole log in ``store``; never raises for a bad log, reports it.

    ``witnessed`` are heads of this log that partners hold, and ``head_every`` the
    schedule heads are signed on (0: none); see :mod:`fts_share.audit.witness`.
    ``pending(time)`` says whether an entry appended at ``time`` may still wait for its
    scheduled head (the poller-lock holder signs it at its next tick); None: never.
    ``restores`` are the ``restore`` entries of the log of ``node``
    (:mod:`fts_share.audit.epochs`): those with a valid attestation explain witnessed
    heads of before them (warnings). ``workers`` (default: up to 2, the CPUs) bounds the processes that recompute leaf
    hashes; a second one is used for logs of :data:`PARALLEL_MIN` entries or more on a
    database another process can open (see :func:`_leaf_chunks`).
    """
    problems = Problems()
    if workers is None:
        workers = min(2, os.cpu_count() or 1)
    leaves, bad_leaves = _check_leaves(store, _leaf_chunks(store, chunk, workers), problems)
    count = len(leaves) // merkle.HASH_SIZE
    levels = check_nodes(store, leaves, count, bad_leaves, problems, chunk)
    rows = store.tree_heads_by_size()
    signed = _check_heads(rows, levels, count, lookup_key, problems)
    warnings: list[str] = []
    recent = None if pending is None else (
        lambda seq: pending(entry_fields(store.raw_entry(seq))["time"]))
    check_schedule(rows, count=count, every=head_every, problems=problems, warnings=warnings,
                   pending=recent)

    def root_at(size: int) -> bytes:
        return root_of(levels, size)

    valid = _attested(restores, node=node, count=count, root_at=root_at,
                      lookup_key=lookup_key, problems=problems, warnings=warnings)
    witnesses = check_witnessed(witnessed, rows, count=count, root_at=root_at,
                                lookup_key=lookup_key, problems=problems, warnings=warnings,
                                restores=valid)
    listed = problems.listed()
    return VerificationReport(ok=not listed, entries=count, tree_size=count,
                              root=root_of(levels, count).hex(),
                              first_bad_index=problems.first(), problems=listed,
                              heads_checked=len(rows), signed_size=signed,
                              witnessed_checked=witnesses, warnings=warnings)


def _attested(restores: Sequence[RestoreMark], *, node: str, count: int,
              root_at: Callable[[int], bytes], lookup_key: KeyLookup, problems: Problems,
              warnings: list[str]) -> list[RestoreMark]:
    """The restore entries whose attestation holds. One without any (written before
    restores were attested) explains nothing: a warning; one whose attestation fails
    was forged or altered: a problem."""
    valid = []
    for mark in restores:
        if mark.seq >= count:
            continue
        try:
            check_attestation(mark, node=node, root_at=root_at, lookup_key=lookup_key)
        except VerificationError as exc:
            message = f"restore entry {mark.seq} (epoch {mark.epoch}): {exc}"
            if mark.attestation is None:
                warnings.append(f"{message}; it explains no witnessed head")
            else:
                problems.entry(mark.seq, message)
            continue
        valid.append(mark)
    return valid


def _check_leaves(store: AuditStore, chunks: Iterator[_Chunk],
                  problems: Problems) -> tuple[bytearray, list[int]]:
    """The recomputed leaves of every entry, and the positions of those that differ
    from the stored ones (each reported)."""
    leaves = bytearray()
    bad_leaves: list[int] = []
    count = expected = 0
    for rows, recomputed in chunks:
        joined = b"".join(recomputed)
        n = len(rows)
        if not (rows[0][0] == expected and rows[-1][0] == expected + n - 1  # seq is unique
                and joined == b"".join([row[1] for row in rows])):
            expected = _check_chunk(store, rows, recomputed, count, expected, bad_leaves,
                                    problems)
        else:  # the whole chunk is contiguous and every leaf matches
            expected += n
        leaves += joined
        count += n
    return leaves, bad_leaves


def _check_chunk(store: AuditStore, rows: list[tuple[int, Any]], recomputed: list[bytes],
                 count: int, expected: int, bad_leaves: list[int], problems: Problems) -> int:
    """Report each gap and each leaf that differs in a chunk; return the next seq."""
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
                _leaf_problem(problems, entry_fields(store.raw_entry(seq)), seq, stored, leaf)
            except (TypeError, ValueError) as exc:  # a value no append could write
                problems.entry(seq, f"entry {seq}: unreadable ({exc})")
    return expected


def _leaf_problem(problems: Problems, fields: dict[str, Any], seq: int, stored: bytes,
                  recomputed: bytes) -> None:
    for delta, what in ((-1, "inserted"), (1, "deleted")):
        if merkle.leaf_hash(leaf_data(seq=seq + delta, **fields)) == stored:
            where = seq + delta if delta < 0 else seq
            problems.entry(where, f"entry {seq} holds what was entry {seq + delta}: an entry was "
                                  f"{what} at {where} and the entries after it renumbered")
            return
    problems.entry(seq, f"entry {seq}: its fields do not match its leaf hash "
                        f"(expected {stored.hex()}, got {recomputed.hex()})")


def _leaf_chunks(store: AuditStore, chunk: int, workers: int) -> Iterator[_Chunk]:
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
    reader = store.worker_reader() if workers > 1 else None
    last = store.last_seq() if reader is not None else None
    if reader is None or last is None or last + 1 < PARALLEL_MIN:
        yield from _recomputed(store, -1, _NO_END, chunk)
        return
    end = last + 1
    split = int(end * (1 - PARALLEL_SHARE))
    context = multiprocessing.get_context("spawn")  # never fork open DB connections
    pool = ProcessPoolExecutor(max_workers=1, mp_context=context)
    try:
        future = pool.submit(recompute_range, reader, split - 1, end, chunk)
        yield from _recomputed(store, -1, split, chunk)
        try:
            seqs, hashes = future.result()
        except Exception:  # noqa: BLE001 - the worker could not run: its part is done here
            seqs, hashes = [], []
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    yield from _with_worker_hashes(store, split, chunk, seqs, hashes)


def _recomputed(store: AuditStore, after: int, end: int, chunk: int) -> Iterator[_Chunk]:
    for rows in store.raw_entries(after, end, chunk):
        yield [(row[0], row[12]) for row in rows], recompute(rows)


def _with_worker_hashes(store: AuditStore, split: int, chunk: int, seqs: list[int],
                        hashes: list[bytes]) -> Iterator[_Chunk]:
    """The entries from ``split`` on, with the worker's hashes where its seqs match."""
    done = 0
    for light in store.raw_leaves(split - 1, _NO_END, chunk):
        n = len(light)
        if [row[0] for row in light] == seqs[done:done + n]:
            yield [(row[0], row[1]) for row in light], hashes[done:done + n]
            done += n
        else:
            yield from _recomputed(store, light[0][0] - 1, light[-1][0] + 1, n)


def _check_heads(rows: Sequence[HeadRecord], levels: list[bytearray], count: int,
                 lookup_key: KeyLookup, problems: Problems) -> int:
    """Check every stored head; return the largest good signed size."""
    good_size = 0
    for row in rows:
        if _head_ok(row, levels, count, good_size, lookup_key, problems):
            good_size = max(good_size, row.size)
    return good_size


def _head_ok(row: HeadRecord, levels: list[bytearray], count: int, good_size: int,
             lookup_key: KeyLookup, problems: Problems) -> bool:
    label = f"signed tree head #{row.id} (size {row.size}, time {row.time.isoformat()})"
    try:
        head = head_from_record(row)
    except (VerificationError, ValueError) as exc:
        problems.other(f"{label}: unreadable: {exc}")
        return False
    verify = lookup_key(head.key_id)
    if verify is None:
        problems.other(f"{label}: expected a known key, got unknown key id {head.key_id}")
        return False
    try:
        verify_tree_head(head, verify)
    except VerificationError as exc:
        problems.other(f"{label}: the stored head was altered or forged: {exc}")
        return False
    if head.size > count:
        problems.head(count, f"{label}: expected at least {head.size} entries, got {count} "
                             f"(entries {count}..{head.size - 1} are missing)")
        return False
    want = root_of(levels, head.size)
    if want != head.root:
        problems.head(good_size, f"{label}: expected root {head.root.hex()}, got "
                                 f"{want.hex()} recomputed from the entries; something in "
                                 f"entries {good_size}..{head.size - 1} changed")
        return False
    return True
