"""The table of indexed *groups*: distinct part spellings as the matcher sees them
(readings, script, kind), with their readings laid out flat (code points, see
``scoring.part_similarity_fast``) so that a query part is compared with thousands of groups in one
compiled call.

``GroupTable.similarities`` gives bit for bit the numbers of
``scoring.part_similarity_ref.part_similarity``: the same integer metrics
(Levenshtein distance, LCS length) mixed in the same order of operations as
``form_similarity`` there (the compiled loops are ``scoring.part_similarity_fast``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from fts_share.matching.config import MatchConfig
from fts_share.matching.scoring import part_similarity_fast
from fts_share.matching.scoring.analysis import INITIAL, NamePart
from fts_share.matching.scoring.part_similarity_ref import (
    KIND_LEADS,
    father_similarity,
    patronymic_roots,
)
from fts_share.matching.text.forms import Form

Group = tuple[tuple[Form, ...], str, str]
"""An indexed group of part spellings: ``(forms, script, kind)``."""

#: the kinds of parts, numbered in this order in every table (a table read from a
#: file keeps its own numbering: ``kind_ids``)
KINDS = ("plain", "kunya", "abd", "din", "allah", "title", "umm", INITIAL)


class Encoded(NamedTuple):
    """Query groups in the flat layout of ``part_similarity_fast``: code points and string starts
    (reading k is strings 2k, 2k + 1), each group's first reading (plus the end),
    script (Arabic or not), kind id (-1: a kind no group has) and per reading the id
    of its ``full`` string in the table (-1: none)."""

    codes: np.ndarray
    start: np.ndarray
    first: np.ndarray
    arabic: np.ndarray
    kind: np.ndarray
    full_id: np.ndarray


class _Column:
    """A growable numpy column: appends go into spare capacity, and a full column is
    copied into one twice its size, so a view handed out earlier (to a compiled call)
    stays valid and never blocks growth (as a view of an ``array.array`` would)."""

    def __init__(self, dtype: type, first: tuple[int, ...] = ()) -> None:
        self.data: np.ndarray = np.zeros(max(16, len(first)), dtype=dtype)
        self.n = len(first)
        self.data[:self.n] = first

    def __len__(self) -> int:
        return self.n

    def _room(self, more: int) -> None:
        if self.n + more > len(self.data):
            grown = np.zeros(max(2 * len(self.data), self.n + more), dtype=self.data.dtype)
            grown[:self.n] = self.data[:self.n]
            self.data = grown

    def append(self, value: int) -> None:
        self._room(1)
        self.data[self.n] = value
        self.n += 1

    def extend(self, values: np.ndarray) -> None:
        self._room(len(values))
        self.data[self.n:self.n + len(values)] = values
        self.n += len(values)

    def view(self) -> np.ndarray:
        return self.data[:self.n]


class GroupTable:
    """Groups by id, with flat arrays of their readings."""

    def __init__(self, *, skeleton_weight: float, compound_mismatch: float,
                 initial_similarity: float = MatchConfig.initial_similarity) -> None:
        self.skeleton_weight = skeleton_weight
        self.compound_mismatch = compound_mismatch
        self.initial_similarity = initial_similarity
        self.groups: list[Group] = []
        self.ids: dict[Group, int] = {}
        self._first = _Column(np.int32)
        self._count = _Column(np.int32)
        self._arabic = _Column(np.bool_)
        self._kind = _Column(np.int8)
        self._kinds: dict[str, int] = {k: i for i, k in enumerate(KINDS)}
        self._codes = _Column(np.uint32)
        self._start = _Column(np.int64, (0,))
        """per reading r: its skeleton and ``full`` as strings 2r and 2r + 1 of the
        flat code points (``part_similarity_fast``)"""
        self._full_id = _Column(np.int32)
        self._full_ids: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.groups)

    def add(self, group: Group) -> int:
        """File a new group; returns its id."""
        forms, script, kind = group
        gid = len(self.groups)
        self.groups.append(group)
        self.ids[group] = gid
        self._first.append(len(self._full_id))
        self._count.append(len(forms))
        self._arabic.append(script == "arabic")
        self._kind.append(self._kinds.setdefault(kind, len(self._kinds)))
        for f in forms:
            for text in f:
                self._codes.extend(np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32))
                self._start.append(len(self._codes))
            self._full_id.append(self._full_ids.setdefault(f.full, len(self._full_ids)))
        return gid

    def encode(self, queries: list[Group]) -> Encoded:
        """``queries`` (groups, indexed or not) in the flat layout of ``part_similarity_fast``."""
        strings: list[str] = []
        first = [0]
        arabic = []
        kinds = []
        full_ids = []
        kind_of, full_id_of = self._kinds.get, self._full_ids.get
        for forms, script, kind in queries:
            for form in forms:
                strings += form
                full_ids.append(full_id_of(form.full, -1))
            first.append(len(full_ids))
            arabic.append(script == "arabic")
            kinds.append(kind_of(kind, -1))
        codes, start = part_similarity_fast.encode(strings)
        return Encoded(codes, start, np.array(first, dtype=np.int64),
                       np.array(arabic, dtype=np.bool_), np.array(kinds, dtype=np.int8),
                       np.array(full_ids, dtype=np.int32))

    def similarities(self, group: Group, gids: np.ndarray, floor: float = 0.0
                     ) -> np.ndarray:
        """``part_similarity`` of a part read as ``group`` with each group of ``gids``
        (0 where it is under ``floor``)."""
        row: np.ndarray = self.similarity_matrix([group], gids, floor)[0]
        return row

    def similarity_matrix(self, queries: list[Group], gids: np.ndarray,
                          floor: float = 0.0) -> np.ndarray:
        """``part_similarity`` of each part of ``queries`` (as groups) with each group
        of ``gids`` (0 where it is under ``floor``, which saves work): a
        len(queries) x len(gids) array, in one compiled call."""
        n_q, n = len(queries), len(gids)
        if not n or not n_q:
            return np.zeros((n_q, n))
        qi = np.repeat(np.arange(n_q, dtype=np.int64), n)
        gi = np.tile(np.asarray(gids, dtype=np.int64), n_q)
        q = self.encode(queries)
        codes, start, first, count, arabic, kind, full_id = self._table()
        values = part_similarity_fast.pairs(qi, gi, q.codes, q.start, q.first, q.arabic, q.kind,
                               q.full_id, codes, start, first, count, arabic, kind, full_id,
                               self.skeleton_weight, self.compound_mismatch, floor,
                               *self.initial_args())
        return np.asarray(values).reshape(n_q, n)

    def similarity_rows(self, queries: list[Group], gids: list[np.ndarray],
                        floor: float = 0.0) -> list[np.ndarray]:
        """``part_similarity`` of each of ``queries`` (as groups) with each group of
        its own ``gids`` (0 under ``floor``): one row per query, in one compiled call.
        (A query's ``full`` ids are read from the table as it is: one it gained since
        the query was filed can only be the query's own, which no earlier group has.)"""
        lengths = np.array([len(g) for g in gids], dtype=np.int64)
        if not lengths.sum():
            return [np.zeros(0) for _ in gids]
        qi = np.repeat(np.arange(len(queries), dtype=np.int64), lengths)
        gi = np.concatenate(gids).astype(np.int64, copy=False)
        q = self.encode(queries)
        codes, start, first, count, arabic, kind, full_id = self._table()
        values = part_similarity_fast.pairs(
            qi, gi, q.codes, q.start, q.first, q.arabic, q.kind, q.full_id, codes, start,
            first, count, arabic, kind, full_id, self.skeleton_weight,
            self.compound_mismatch, floor, *self.initial_args())
        return np.split(np.asarray(values), np.cumsum(lengths)[:-1])

    def fill_missing(self, queries: list[Group], rows: np.ndarray, gids: np.ndarray,
                     floor: float, *, encoded: Encoded | None = None,
                     near: float = -1.0, fathers: float = 0.0) -> None:
        """Where ``rows[g, i]`` is 0 for a group g of ``gids``, set it to the
        ``part_similarity`` of ``queries[i]`` and g (0 under ``floor``; marks under it
        when ``near`` is at least 0, two patronymics by their roots with ``fathers``),
        in one compiled call (``part_similarity_fast.fill_missing``); ``encoded``: the
        queries as ``encode`` gives them, if already at hand."""
        q = self.encode(queries) if encoded is None else encoded
        codes, start, first, count, arabic, kind, full_id = self._table()
        part_similarity_fast.fill_missing(rows, gids, len(queries), q.codes, q.start, q.first, q.arabic,
                             q.kind, q.full_id, codes, start, first, count, arabic, kind,
                             full_id, self.skeleton_weight, self.compound_mismatch, floor,
                             near, *self.initial_args())
        if fathers and near >= 0:
            self._other_fathers(queries, rows, gids, fathers)

    def _other_fathers(self, queries: list[Group], rows: np.ndarray, gids: np.ndarray,
                       fathers: float) -> None:
        """Mark ``OTHER_NAME`` where a patronymic of ``queries`` and one of ``gids`` are
        marked under the floor and their fathers' names are less than ``fathers``
        alike (``part_similarity_ref.father_similarity``, the reference's numbers: a
        query holds a patronymic seldom)."""
        for i, query in enumerate(queries):
            if patronymic_roots(query[0]) is None:
                continue
            for g in gids[rows[gids, i] == part_similarity_fast.UNDER_FLOOR].tolist():
                alike = father_similarity(query, self.groups[g], self.skeleton_weight,
                                          self.compound_mismatch)
                if alike is not None and alike < fathers:
                    rows[g, i] = part_similarity_fast.OTHER_NAME

    def initial_args(self) -> tuple[int, np.ndarray, float]:
        """What ``part_similarity_fast.pairs`` needs to compare initials: the kind id
        of an initial, per kind id the code point its parts start with (0: their
        readings tell), and ``initial_similarity``."""
        kinds = self._kinds
        held = self.__dict__.get("_initial_args")
        if held is None or len(held[1]) != len(kinds):
            lead = np.zeros(max(kinds.values(), default=0) + 1, dtype=np.int64)
            for kind, i in kinds.items():
                lead[i] = ord(KIND_LEADS.get(kind, "\0"))
            held = self.__dict__["_initial_args"] = (kinds.get(INITIAL, -1), lead)
        return held[0], held[1], self.initial_similarity

    def initial_groups(self) -> np.ndarray:
        """Ids of the groups that are initials (ascending; worked out for the groups
        filed since the last call)."""
        held: tuple[int, np.ndarray] = self.__dict__.get(
            "_initials", (0, np.zeros(0, dtype=np.int64)))
        seen, found = held
        n = len(self)
        if seen < n:
            kind = self._table()[5][seen:n]
            new = np.flatnonzero(kind == self._kinds.get(INITIAL, -1)) + seen
            found = np.concatenate((found, new.astype(np.int64)))
            self.__dict__["_initials"] = (n, found)
        return found

    def initial_leads(self) -> dict[str, np.ndarray]:
        """The initial groups by the letter they may stand for (an initial's readings
        are one letter each), worked out again when groups were filed since."""
        held: tuple[int, dict[str, np.ndarray]] | None = self.__dict__.get("_leads")
        if held is None or held[0] != len(self):
            by: dict[str, list[int]] = {}
            for g in self.initial_groups().tolist():
                for form in self.groups[g][0]:
                    by.setdefault(form.full, []).append(g)
            held = self.__dict__["_leads"] = (len(self), {
                k: np.array(v, dtype=np.int64) for k, v in by.items()})
        return held[1]

    def _table(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                              np.ndarray, np.ndarray]:
        """The groups' side of ``part_similarity_fast.pairs``: code points, string starts, first
        reading and number of readings, script, kind, ``full`` ids."""
        return (self._codes.view(), self._start.view(), self._first.view(),
                self._count.view(), self._arabic.view(), self._kind.view(),
                self._full_id.view())


def similarities_to_many(part: NamePart, others: Sequence[Group], *,
                         skeleton_weight: float = 0.6, compound_mismatch: float = 0.75,
                         initial: float = MatchConfig.initial_similarity) -> list[float]:
    """``part_similarity`` of ``part`` with each of ``others`` (given as ``(forms,
    script, kind)``), batched through a :class:`GroupTable` (the same numbers)."""
    table = GroupTable(skeleton_weight=skeleton_weight, compound_mismatch=compound_mismatch,
                       initial_similarity=initial)
    for group in others:
        table.add(group)
    values = table.similarities((part.forms, part.script, part.kind),
                                np.arange(len(others), dtype=np.int64))
    return [float(v) for v in values]
