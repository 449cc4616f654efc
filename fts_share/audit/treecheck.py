"""The verifier's second step: rebuild the Merkle tree from the recomputed leaves, level
by level, and compare every complete subtree with the stored node."""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Iterator

from fts_share.audit import merkle
from fts_share.audit.problems import Problems
from fts_share.audit.store import AuditStore

_H = merkle.HASH_SIZE


def build_level(below: bytearray) -> bytearray:
    """The complete parents of a level: HASH(0x01 || left || right) for each pair."""
    sha256, prefix = hashlib.sha256, merkle.NODE_PREFIX
    view = memoryview(below)
    built = bytearray()
    for i in range(0, (len(below) // (2 * _H)) * 2 * _H, 2 * _H):
        h = sha256(prefix)
        h.update(view[i:i + 2 * _H])
        built += h.digest()
    return built


def check_nodes(store: AuditStore, leaves: bytearray, count: int, bad_leaves: list[int],
                problems: Problems, chunk: int) -> list[bytearray]:
    """Build every level from the recomputed leaves; compare with the stored nodes.

    A level whose stored nodes are exactly the built ones (indexes contiguous, hashes
    equal) is checked in bulk, one comparison per chunk; any other level is walked node
    by node to name what differs. Returns the levels (level 0: the leaves).
    """
    levels = [leaves]
    bad_below: set[int] = set()  # mismatched node indexes on the level below
    while len(levels[-1]) >= 2 * _H:
        level = len(levels)
        built = build_level(levels[-1])
        levels.append(built)
        if _level_matches(store, level, built, chunk):
            bad_below = set()
        else:
            bad_below = _walk_level(store, level, built, _Context(count, bad_leaves, bad_below,
                                                                  problems, chunk))
    return levels


class _Context:
    """What a level walk reads and reports to."""

    def __init__(self, count: int, bad_leaves: list[int], bad_below: set[int],
                 problems: Problems, chunk: int) -> None:
        self.count, self.bad_leaves, self.bad_below = count, bad_leaves, bad_below
        self.problems, self.chunk = problems, chunk


def _walk_level(store: AuditStore, level: int, built: bytearray, ctx: _Context) -> set[int]:
    """Compare a level node by node; report what differs; return the bad indexes."""
    width = len(built) // _H
    stored = _stream_level(store, level, ctx.chunk)
    bad_here: set[int] = set()
    for idx in range(width):
        got = next(stored, None)
        if got is not None and got[0] != idx:
            stored = _push_back(got, stored)
            got = None
        first, last = idx << level, ((idx + 1) << level) - 1
        want = bytes(built[idx * _H:(idx + 1) * _H])
        if (got is not None and got[1] == want) or _touches(ctx.bad_leaves, first, last):
            continue
        bad_here.add(idx)
        text = (f"stored node (level {level}, index {idx}) over entries {first}..{last}: "
                f"expected {want.hex()}, got {got[1].hex() if got else 'none'}")
        if {2 * idx, 2 * idx + 1} & ctx.bad_below:
            ctx.problems.other(text)  # a lower node already narrows it down
        else:
            ctx.problems.range(first, text)
    for extra in stored:
        if extra[0] >= width:
            ctx.problems.range(ctx.count, f"stored node (level {level}, index {extra[0]}) lies "
                                          f"beyond the {ctx.count} entries of the log")
    return bad_here


def _level_matches(store: AuditStore, level: int, built: bytearray, chunk: int) -> bool:
    """True if the stored level holds exactly the nodes of ``built``, in order."""
    width = len(built) // _H
    done = 0
    for rows in store.level_nodes(level, chunk):
        n = len(rows)
        if (done + n > width or rows[0][0] != done or rows[-1][0] != done + n - 1
                or b"".join(r[1] for r in rows) != built[done * _H:(done + n) * _H]):
            return False  # indexes are unique and increasing: first and last fix the run
        done += n
    return done == width


def _stream_level(store: AuditStore, level: int, chunk: int) -> Iterator[tuple[int, bytes]]:
    for rows in store.level_nodes(level, chunk):
        for idx, h in rows:
            yield int(idx), bytes(h)


def _push_back(item: tuple[int, bytes], rest: Iterator[tuple[int, bytes]]
               ) -> Iterator[tuple[int, bytes]]:
    yield item
    yield from rest


def _touches(bad: list[int], first: int, last: int) -> bool:
    i = bisect.bisect_left(bad, first)
    return i < len(bad) and bad[i] <= last


def root_of(levels: list[bytearray], size: int) -> bytes:
    """MTH of the first ``size`` leaves, from the built levels."""
    if size == 0:
        return merkle.EMPTY_ROOT
    cover = merkle.subtree_cover(0, size)
    return merkle.fold_cover([bytes(levels[lvl][idx * _H:(idx + 1) * _H]) for lvl, idx in cover])
