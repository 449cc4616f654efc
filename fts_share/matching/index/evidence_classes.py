"""The evidence class of every name (issue 16, speed): records whose date of birth,
nationality and documents are the same share a class, so a search adds the evidence
of a common name's candidates by reading one integer per name and one memo per query
(``search._adjust``), instead of going from each name to its record id, its
``Record`` and the memos of its three values (several cache misses per name on a
large index).

A name id belongs to one record for good (ids are handed out once; a changed record
gets new names), so a name's class, worked out when first needed, never goes stale.
Each index view keeps its own :class:`EvidenceClasses`, over its own name ids.
"""

from __future__ import annotations

import itertools
from array import array
from typing import Any

from fts_share.matching.index.store import Record

#: classes an index keeps at most; the names of records met after are looked up
#: through their record, as before (records with documents are mostly a class each)
MAX_CLASSES = 200_000

#: what the memos of ``EvidenceClasses.memo`` hold at most, over all query values
MAX_MEMO = 1_000_000

NO_CLASS = -2
"""the class of a name met when ``MAX_CLASSES`` were full"""


class EvidenceClasses:
    """Per name id its record's evidence class (-1: not worked out yet), a record of
    each class, and per query value what the evidence adds to each class."""

    def __init__(self) -> None:
        self._of_name = array("i")
        self._ids: dict[tuple[Any, ...], int] = {}
        self._records: dict[int, Record] = {}
        self._next = itertools.count()
        self._memos: dict[tuple[Any, ...], dict[int, float]] = {}
        self._held = 0
        """entries in ``_memos`` (``remember``)"""

    def memo(self, query_values: tuple[Any, ...]) -> dict[int, float]:
        """What a query's evidence (its values ``query_values``) adds, by class; kept
        between searches (filled in by ``remember``)."""
        memo = self._memos.get(query_values)
        if memo is None:
            memo = self._memos.setdefault(query_values, {})
        return memo

    def remember(self, memo: dict[int, float], cls: int, value: float) -> None:
        """File in ``memo`` (one of ``memo``'s) what the evidence adds to class
        ``cls``; every memo is emptied once they hold ``MAX_MEMO`` values."""
        if self._held >= MAX_MEMO:
            for kept in list(self._memos.values()):
                kept.clear()
            self._held = 0
        memo[cls] = value
        self._held += 1

    def names(self, n_names: int) -> array:  # type: ignore[type-arg]
        """Per name id its class (-1: not worked out yet, ``NO_CLASS``: none), for the
        ``n_names`` ids of the view (grown to them when short)."""
        if n_names > len(self._of_name):
            self._grow(n_names)
        return self._of_name

    def classify(self, nid: int, record: Record) -> int:
        """The class of name ``nid``, whose record is ``record`` (filed for next time).
        Safe when searches run in threads: a class's record is filed before the
        class, and of two searches filing one key the first wins."""
        key = (record.dob, record.nationality, record.documents)
        cls = self._ids.get(key)
        if cls is None:
            if len(self._ids) >= MAX_CLASSES:
                cls = NO_CLASS
            else:
                new = next(self._next)
                self._records[new] = record
                cls = self._ids.setdefault(key, new)
        self._of_name[nid] = cls
        return cls

    def record(self, cls: int) -> Record:
        """A record of class ``cls`` (its date of birth, nationality and documents are
        those of every record of the class)."""
        return self._records[cls]

    def _grow(self, n_names: int) -> None:
        short = n_names - len(self._of_name)
        if short > 0:  # (two searches may both grow it: longer, still all -1 after)
            self._of_name.extend(array("i", [-1]) * short)
