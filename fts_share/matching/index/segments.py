"""``Segments``: the arrays one search reads, as one index or two read as one.

An in-memory ``NameIndex`` or a mapped snapshot alone is one segment (its
``snapshot.Arrays``). A mapped snapshot with its overlay (``overlay.OverlaidIndex``)
is two: the snapshot's arrays, then the overlay's, whose groups are numbered in the
snapshot's group space (a spelling the snapshot holds keeps its id; a new one comes
after the snapshot's) and whose names are numbered after the snapshot's
(``offset``). One query table, one candidate scan (``scan_fast.scan`` reads a group's
entries in both), one choice of candidates and one set of hits then serve both, and
every name is found, pre-scored and scored as an index built over the same names in
the same order would (the compiled loops that take one segment's arrays are called
once per segment, each with its own names). The snapshot's names that the overlay
masks (records removed or replaced since) are passed over (``dead``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from fts_share.matching.index import postings_fast
from fts_share.matching.index.snapshot import Arrays

_NO_START = np.zeros(0, dtype=np.int64)


class Segments:
    """One segment (``first``), or two: ``first`` and ``second`` (the overlay), with
    ``post_len`` the names of each group over both (those of ``dead`` left out) and
    ``dead`` the ids of ``first``'s names to pass over."""

    __slots__ = ("_dead_bits", "dead", "first", "offset", "post_len", "second")

    def __init__(self, first: Arrays, second: Arrays | None = None, *,
                 post_len: np.ndarray | None = None,
                 dead: np.ndarray = _NO_START) -> None:
        self.first, self.second = first, second
        self.offset = len(first.name_len)
        """the id of the second segment's first name"""
        self.post_len = first.post_len if post_len is None else post_len
        self.dead = dead
        self._dead_bits = (dead >> 6, np.left_shift(np.uint64(1), (dead & 63).astype(
            np.uint64))) if len(dead) else (dead, dead)

    @classmethod
    def of(cls, arrays: Arrays, held: Segments | None) -> Segments:
        """One segment over ``arrays``: ``held`` if it is that one (kept by the
        index between queries), else a new one."""
        return held if held is not None and held.first is arrays else cls(arrays)

    @property
    def n_groups(self) -> int:
        """Groups of the query's table (both segments'; the sentinel included)."""
        return len(self.post_len)

    @property
    def n_names(self) -> int:
        """Name ids over both segments."""
        return self.offset + (0 if self.second is None else len(self.second.name_len))

    def pass_over(self, chosen: np.ndarray) -> None:
        """Set the bits of the dead names in the name bitset ``chosen``."""
        if len(self.dead):
            np.bitwise_or.at(chosen, *self._dead_bits)

    def clear(self, chosen: np.ndarray) -> None:
        """Zero the words of the dead names in ``chosen`` (after the scan)."""
        if len(self.dead):
            chosen[self._dead_bits[0]] = 0

    def per_segment(self, names: np.ndarray,
                    each: Callable[[Arrays, np.ndarray], np.ndarray]) -> np.ndarray:
        """``each(arrays, names of that segment, by its own ids)`` for each segment,
        the results put back in the order of ``names``."""
        second = self.second
        if second is None:
            return each(self.first, names)
        low = names < self.offset
        if low.all():
            return each(self.first, names)
        if not low.any():
            return each(second, names - self.offset)
        a, b = each(self.first, names[low]), each(second, names[~low] - self.offset)
        out = np.empty(len(names), dtype=np.result_type(a, b))
        out[low], out[~low] = a, b
        return out

    def name_groups(self, names: np.ndarray) -> np.ndarray:
        """The distinct groups of the matchable parts of ``names``, in order."""
        first, second = self.first, self.second
        if second is None:
            out: np.ndarray = postings_fast.name_groups(names, first.name_start,
                                                        first.name_len, first.flat_groups)
        else:
            out = postings_fast.name_groups_pair(
                names, self.offset, first.name_start, first.name_len, first.flat_groups,
                second.name_start, second.name_len, second.flat_groups)
        return out
